"""Compiled models reused per model *structure*, not per data.

A compiled model (nutpie, numba backend) depends on the model's structure: the spec,
priors, coordinates, sampling coordinates and the shapes of its data, never on the
data's values, which enter as ``pm.Data`` containers (``DATA_*`` in
:mod:`attribution.mmm.model`). A rerun of the same structure in the same process
(a refreshed quarter of the same length, a bootstrap-like loop, experiment design)
swaps the data into the compiled model (nutpie's ``with_data``) instead of compiling
again; its starting point is recomputed from the new model, so a reused model samples
exactly what a fresh compile of the same inputs and seed samples.

Lift-test arrays are constants of the graph, so they are part of the key.

Across processes: nutpie 0.16's numba wrappers close over the data and cannot be
cached on disk (numba "dynamic globals"); only pytensor's own numba cache under its
compiledir survives a process. The jax backend keeps the data as arguments of the
compiled program (not frozen into it), so JAX's persistent compilation cache
(:func:`jax_disk_cache`, under :func:`default_cache_dir`) serves a later process of
the same structure, whatever its data: that process still builds the graph (seconds)
but loads the compiled program instead of compiling it.

Reproducibility across processes: pytensor's numba code is compiled without fast-math
(:func:`exact_float`). With fast-math (pytensor's default) a kernel compiled in this
process and the same kernel loaded from pytensor's numba cache on disk round
differently, so the process that compiled a model first and every later one sampled
different draws from the same data and seed (see ``docs/compile-cache.md``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from attribution.errors import UsageError

VERSIONED = ("nutpie", "pymc", "pytensor", "numba", "jax", "numpy")
SIZE = 4  # compiled models kept per process (each holds compiled code)
CACHE_ENV = "ATTRIBUTION_CACHE_DIR"  # overrides the default cache folder
JAX_SUBDIR = "jax"
_JAX_HIT = "/jax/compilation_cache/cache_hits"
_JAX_WRITE = "/jax/compilation_cache/cache_misses"  # jax records it when it writes an entry
_JAX_EVENTS = {"hits": 0, "writes": 0}


def library_versions() -> dict[str, str]:
    """Versions of the libraries a compiled model depends on (``-`` if missing)."""
    out = {}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "-"
    return out


def structure_key(
    parts: dict[str, Any], data: dict[str, np.ndarray], constants: tuple[np.ndarray, ...] = ()
) -> str:
    """Hash of a model's structure: ``parts`` (JSON-able), the data's shapes and dtypes
    (not values), the values of graph ``constants`` and the library versions.

    Example
    -------
    >>> a = structure_key({"spec": 1}, {"y": np.zeros(3)})
    >>> a == structure_key({"spec": 1}, {"y": np.ones(3)})
    True
    >>> a == structure_key({"spec": 1}, {"y": np.ones(4)})
    False
    """
    h = hashlib.sha256()
    h.update(json.dumps(parts, sort_keys=True, default=str).encode())
    h.update(json.dumps(library_versions(), sort_keys=True).encode())
    for name in sorted(data):
        a = np.asarray(data[name])
        h.update(f"{name}:{a.shape}:{a.dtype.str};".encode())
    for a in constants:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}:{a.dtype.str};".encode())
        h.update(a.tobytes())
    return h.hexdigest()


@contextlib.contextmanager
def exact_float() -> Iterator[None]:
    """Compile pytensor's numba code in this block with IEEE floating point (no fast-math).

    PyTensor compiles numba kernels with fast-math by default (reassociation,
    contraction into fused multiply-adds, approximate functions). Its kernels are kept
    on disk (pytensor's numba cache); LLVM then optimises a log-density differently when
    its kernels are compiled in the process (and inlined) than when they are loaded from
    disk (linked as machine code), and with fast-math that changes the last bits of
    the log-density and its gradient. NUTS amplifies them: measured on a 3-geo model,
    a process with an empty numba cache and a later one with the same data and seed
    gave different draws (a partly filled cache, a third set). Without fast-math every
    order of operations is fixed, so cached and fresh kernels compute the same numbers.
    """
    import pytensor

    with pytensor.config.change_flags(numba__fastmath=False):
        yield


class CompiledModels:
    """A small in-process store: structure key -> compiled model (oldest dropped)."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._store: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        return self._store.get(key)

    def put(self, key: str, compiled: Any) -> None:
        while len(self._store) >= self.size:
            self._store.pop(next(iter(self._store)))
        self._store[key] = compiled

    def clear(self) -> None:
        self._store.clear()

    def __len__(self) -> int:
        return len(self._store)


def initial_point(model: Any) -> np.ndarray:
    """The model's starting point (no jitter, transformed space) as nutpie's flat
    vector: free variables in model order, each raveled."""
    from pymc.initial_point import make_initial_point_fn

    fn = make_initial_point_fn(model=model, jitter_rvs=set(), return_transformed=True)
    point = fn(0)
    parts = [np.asarray(point[model.rvs_to_values[v].name], float).ravel() for v in model.free_RVs]
    return np.concatenate(parts) if parts else np.zeros(0)


def _dim_length(model: Any, name: str) -> int | None:
    """Length of the model's dimension ``name`` (None: not a dimension), read without
    compiling anything in the default (numba) mode."""
    length = model.dim_lengths.get(name) if name in model.coords else None
    if length is None:
        return None
    if hasattr(length, "get_value"):
        return int(np.asarray(length.get_value()))
    return int(np.asarray(length.eval(mode="FAST_COMPILE")))


def with_model_data(compiled: Any, model: Any, data: dict[str, np.ndarray]) -> Any:
    """``compiled`` (a nutpie numba model of the same structure) with ``model``'s data
    and starting point.

    Raises ``ValueError`` if a shared variable of the compiled model is neither in
    ``data`` nor a dimension of the same length, or the starting point's size differs
    (then the key missed a structural difference: a defect, never sampled silently).
    """
    names = {var.name for var in compiled.shared_var_keys} & set(data)
    for var, k in compiled.shared_var_keys.items():
        if var.name in names:
            continue
        # not a data container: a dimension length (mutable coordinate) of the model
        now = _dim_length(model, var.name)
        if now is None or int(np.asarray(compiled.shared_data[k])) != now:
            raise ValueError(f"compiled model's {var.name!r} differs from this model's")
    start = initial_point(model)
    if start.size != compiled.n_dim:
        raise ValueError(
            f"starting point has {start.size} values, the compiled model {compiled.n_dim}"
        )
    new = compiled.with_data(**{n: data[n] for n in names})
    start.flags.writeable = False

    def start_fn(seed: Any = None) -> np.ndarray:
        return start.copy()

    return dataclasses.replace(new, initial_point_func=start_fn)


def with_jax_data(compiled: Any, model: Any, data: dict[str, np.ndarray]) -> Any:
    """``compiled`` (a nutpie jax model of the same structure, data not frozen) with
    ``model``'s data and starting point (same checks as :func:`with_model_data`)."""
    import jax.numpy as jnp

    shared = compiled._shared_data
    for name, value in shared.items():
        if name in data:
            if np.shape(value) != np.shape(data[name]):
                raise ValueError(f"compiled model's {name!r} has another shape")
            continue
        now = _dim_length(model, name)
        if now is None or int(np.asarray(value)) != now:
            raise ValueError(f"compiled model's {name!r} differs from this model's")
    start = initial_point(model)
    if start.size != compiled.n_dim:
        raise ValueError(
            f"starting point has {start.size} values, the compiled model {compiled.n_dim}"
        )
    new = compiled.with_data(**{n: jnp.asarray(data[n]) for n in shared if n in data})
    start.flags.writeable = False

    def start_fn(seed: Any = None) -> np.ndarray:
        return start.copy()

    return dataclasses.replace(new, _make_initial_points=start_fn)


def default_cache_dir() -> Path:
    """Where compiled models are kept across processes: ``$ATTRIBUTION_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/attribution``, else ``~/.cache/attribution``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "attribution"


def _count(event: str, **kwargs: Any) -> None:
    if event == _JAX_HIT:
        _JAX_EVENTS["hits"] += 1
    elif event == _JAX_WRITE:
        _JAX_EVENTS["writes"] += 1


def jax_disk_cache(cache_dir: str | Path | None = None) -> Path:
    """Turn on JAX's persistent compilation cache in ``cache_dir/jax`` (default
    :func:`default_cache_dir`), writing every compiled program whatever its size or
    compile time, and count its hits and writes (:func:`jax_disk_events`).

    JAX keeps one cache folder per process: without ``cache_dir``, a folder already set
    (``JAX_COMPILATION_CACHE_DIR`` or an earlier fit) is kept; an explicit
    ``cache_dir`` that differs from it raises :class:`UsageError`.
    """
    import jax

    current = jax.config.jax_compilation_cache_dir
    path = Path(cache_dir if cache_dir else default_cache_dir()) / JAX_SUBDIR
    if current and Path(current) != path:
        if cache_dir:
            raise UsageError(
                f"JAX's compilation cache is already at {current} in this process; "
                "use that cache_dir or start a new process"
            )
        path = Path(current)
    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    if not _JAX_EVENTS.get("listening"):
        jax.monitoring.register_event_listener(_count)
        _JAX_EVENTS["listening"] = 1
    return path


def jax_disk_events() -> tuple[int, int]:
    """(hits, writes) of JAX's persistent compilation cache so far in this process."""
    return _JAX_EVENTS["hits"], _JAX_EVENTS["writes"]
