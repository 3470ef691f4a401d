"""Compiled models reused per model *structure*, not per data.

A compiled model (nutpie, numba backend) depends on the model's structure: the spec,
priors, coordinates, sampling coordinates and the shapes of its data, never on the
data's values, which enter as ``pm.Data`` containers (``DATA_*`` in
:mod:`attribution.mmm.model`). A rerun of the same structure in the same process
(a refreshed quarter of the same length, a bootstrap-like loop, experiment design)
swaps the data into the compiled model (nutpie's ``with_data``) instead of compiling
again; its starting point is recomputed from the new model, so a reused model samples
exactly what a fresh compile of the same inputs and seed samples.

What is not cached: the jax backend freezes the data into the compiled program
(nutpie's default), so its key includes the data values; lift-test arrays are
constants of the graph, so they are part of the key too.

Across processes: nutpie 0.16's numba wrappers close over the data and cannot be
cached on disk (numba "dynamic globals"); only pytensor's own numba cache under its
compiledir survives a process (smaller now that no data array is a graph constant).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

VERSIONED = ("nutpie", "pymc", "pytensor", "numba", "jax", "numpy")
SIZE = 4  # compiled models kept per process (each holds compiled code)


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


def data_key(data: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """The data values as key constants (for compiled models that freeze their data)."""
    return tuple(np.asarray(data[n]) for n in sorted(data))


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
        length = model.dim_lengths.get(var.name) if var.name in model.coords else None
        now = None if length is None else int(np.asarray(length.eval()))
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
