"""Fit the media-mix model: settings in, an immutable :class:`MMMResults` out.

Example
-------
>>> from attribution.mmm import MMM, load_spec           # doctest: +SKIP
>>> res = MMM(spec, draws=500, chains=2, seed=1).fit(panel)
>>> res.to_frame()                                        # channels.csv
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import numpy as np
import pandas as pd

from attribution.errors import InputError, UsageError
from attribution.findings import Finding
from attribution.mmm import cache
from attribution.mmm.diagnostics import sampler_findings
from attribution.mmm.lift import parse_lift_tests
from attribution.mmm.model import build_model, lift_data
from attribution.mmm.panel import Scaling, design, make_scaling, read_panel, screen
from attribution.mmm.priors import ChannelPriors
from attribution.mmm.results import MMMResults
from attribution.mmm.spec import MMMSpec

log = logging.getLogger("attribution")
SAMPLERS = ("nutpie", "pymc", "numpyro")


class MMM:
    """Bayesian media-mix model (settings only; :meth:`fit` returns results).

    Parameters
    ----------
    spec : the model spec (see :mod:`attribution.mmm.spec`).
    draws, tune, chains : NUTS settings (per chain).
    sampler : ``"nutpie"`` (default, numba-compiled), ``"pymc"`` or ``"numpyro"``.
    seed : random seed; the same seed gives identical draws.
    target_accept : NUTS target acceptance (pymc / numpyro).
    progress : show a progress bar.
    backend : nutpie's compiler: ``"numba"`` (slow to compile, fast to sample),
        ``"jax"`` (fast to compile, slower per step; needs ``attribution[jax]``) or
        ``"auto"``: jax for short runs (at most ``AUTO_JAX_STEPS`` steps over all
        chains) when it is installed, numba otherwise.
    adaptation : nutpie's mass-matrix adaptation, ``"diag"`` (default) or ``"low_rank"``
        (diagonal plus low-rank corrections for correlated posteriors; on the benchmark
        model 7 instead of 12 gradients per draw for the same ESS).
    cache_dir : folder of compiled models kept across processes (jax backend: JAX's
        persistent compilation cache in ``cache_dir/jax``); default
        ``$ATTRIBUTION_CACHE_DIR``, else ``~/.cache/attribution`` (see
        :func:`attribution.mmm.cache.default_cache_dir`).
    """

    def __init__(
        self,
        spec: MMMSpec,
        *,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        sampler: str = "nutpie",
        seed: int | None = 0,
        target_accept: float = 0.9,
        progress: bool = False,
        backend: str = "auto",
        adaptation: str = "diag",
        cache_dir: str | os.PathLike | None = None,
    ) -> None:
        if sampler not in SAMPLERS:
            raise UsageError(f"sampler must be one of {list(SAMPLERS)}, got {sampler!r}")
        if draws < 1 or tune < 0 or chains < 1:
            raise UsageError("draws and chains must be >= 1, tune >= 0")
        self.spec = spec
        self.draws, self.tune, self.chains = int(draws), int(tune), int(chains)
        self.sampler, self.seed = sampler, seed
        self.target_accept, self.progress = target_accept, progress
        if backend not in ("auto", "numba", "jax"):
            raise UsageError(f"backend must be auto, numba or jax, got {backend!r}")
        self.backend = backend
        if adaptation not in ("diag", "low_rank"):
            raise UsageError(f"adaptation must be diag or low_rank, got {adaptation!r}")
        self.adaptation = adaptation
        self.cache_dir = cache_dir

    def __repr__(self) -> str:
        return (
            f"MMM(channels={list(self.spec.channel_names)}, draws={self.draws}, "
            f"tune={self.tune}, chains={self.chains}, sampler={self.sampler!r}, "
            f"seed={self.seed})"
        )

    # -- preparation shared by fit and prior predictive -------------------------------
    def _prepare(
        self,
        panel_frame: pd.DataFrame,
        scaling: Scaling | None,
        lift_tests: pd.DataFrame | None,
        channel_priors: ChannelPriors | None,
    ) -> dict[str, Any]:
        panel, findings = read_panel(panel_frame, self.spec)
        n_train = panel.n_weeks - self.spec.holdout_weeks
        if n_train < 8:
            raise InputError(
                f"only {n_train} weeks left to fit after a holdout of {self.spec.holdout_weeks}",
                "give more weeks or a shorter holdout",
                "media panel",
                None,
                None,
                "too_few_weeks",
            )
        spec, panel, more = screen(panel, self.spec, n_train)
        findings += more
        if scaling is None:
            scaling = make_scaling(panel, n_train)
        elif len(scaling.media) != len(spec.channels) or len(scaling.controls) != len(
            panel.control_names
        ):
            raise UsageError(
                "the stored scaling does not match this panel's channels/controls; "
                "refit without scaling="
            )
        d = design(panel, scaling, spec, slice(0, n_train))
        spend_total = panel.media[:n_train].sum(axis=(0, 1))
        from attribution.mmm.model import Layout

        layout = Layout.from_spec(spec)
        lift = None
        tests: list[dict[str, Any]] = []
        if lift_tests is not None and len(lift_tests):
            tests, lf = parse_lift_tests(lift_tests, spec, panel, n_train)
            findings += lf
            if tests:
                lift = lift_data(tests, panel, scaling, layout, n_train)
        if channel_priors is not None:
            unknown = set(channel_priors.shares) - set(spec.channel_names)
            for ch in sorted(unknown):
                findings.append(
                    Finding(
                        "warning",
                        "mmm.prior_unknown_channel",
                        f"channel prior for '{ch}' matches no model channel",
                        "check the channel names",
                        "mmm",
                    )
                )
        return dict(
            spec=spec,
            panel=panel,
            scaling=scaling,
            design=d,
            n_train=n_train,
            spend_total=spend_total,
            lift=lift,
            tests=tests,
            findings=findings,
        )

    def build(
        self,
        panel_frame: pd.DataFrame,
        *,
        lift_tests: pd.DataFrame | None = None,
        channel_priors: ChannelPriors | None = None,
        scaling: Scaling | None = None,
    ) -> Any:
        """The ``pymc.Model`` for this panel (for inspection; :meth:`fit` builds its own)."""
        p = self._prepare(panel_frame, scaling, lift_tests, channel_priors)
        return build_model(
            p["design"],
            p["spec"],
            p["panel"],
            p["scaling"],
            spend_total=p["spend_total"],
            lift=p["lift"],
            channel_priors=channel_priors,
        )

    def prior_predictive(
        self,
        panel_frame: pd.DataFrame,
        samples: int = 500,
        *,
        channel_priors: ChannelPriors | None = None,
    ) -> pd.DataFrame:
        """Prior predictive check: quantiles of simulated weekly sales vs the observed.

        Returns a frame per training week (summed over geos) with observed, prior
        median and the 5% / 95% quantiles, all in sales units.
        """
        import pymc as pm

        p = self._prepare(panel_frame, None, None, channel_priors)
        model = build_model(
            p["design"],
            p["spec"],
            p["panel"],
            p["scaling"],
            spend_total=p["spend_total"],
            channel_priors=channel_priors,
            reparameterise=False,
        )
        with model:
            # a forward pass only: skip C compilation (seconds instead of a minute)
            prior = pm.sample_prior_predictive(
                draws=samples,
                random_seed=self.seed,
                var_names=["y"],
                compile_kwargs={"mode": "FAST_COMPILE"},
            )
        y = np.asarray(prior["prior_predictive"]["y"]).reshape(samples, *p["design"].y.shape)
        y = y.sum(-1) * p["scaling"].target
        return pd.DataFrame(
            {
                "date": p["panel"].dates[: p["n_train"]].astype(str),
                "observed": p["panel"].y[: p["n_train"]].sum(-1),
                "prior_low": np.quantile(y, 0.05, axis=0),
                "prior_median": np.median(y, axis=0),
                "prior_high": np.quantile(y, 0.95, axis=0),
            }
        )

    def fit(
        self,
        panel_frame: pd.DataFrame,
        *,
        lift_tests: pd.DataFrame | None = None,
        channel_priors: ChannelPriors | None = None,
        scaling: Scaling | None = None,
    ) -> MMMResults:
        """Fit to a weekly panel and return immutable results.

        Parameters
        ----------
        panel_frame : weekly media panel (see ``attribution.data.contracts.MEDIA``).
        lift_tests : optional LIFT_TESTS frame; each test ties the model's incremental
            effect over its window to the measured lift (a likelihood term).
        channel_priors : optional contribution-share priors per channel (from MTA).
        scaling : reuse a previous fit's scaling (quarter-over-quarter comparability).

        Returns
        -------
        :class:`MMMResults`.
        """
        p = self._prepare(panel_frame, scaling, lift_tests, channel_priors)
        model = build_model(
            p["design"],
            p["spec"],
            p["panel"],
            p["scaling"],
            spend_total=p["spend_total"],
            lift=p["lift"],
            channel_priors=channel_priors,
        )
        key, data = _model_key(p, channel_priors)
        t0 = time.perf_counter()
        idata, compile_info = sample(
            model,
            self.sampler,
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            seed=self.seed,
            target_accept=self.target_accept,
            progress=self.progress,
            cache_key=key,
            data=data,
            backend=self.backend,
            adaptation=self.adaptation,
            cache_dir=self.cache_dir,
        )
        elapsed = time.perf_counter() - t0
        log.info("mmm: sampled %d chains x %d draws in %.1f s", self.chains, self.draws, elapsed)
        findings = p["findings"] + sampler_findings(idata)
        settings = {
            "draws": self.draws,
            "tune": self.tune,
            "chains": self.chains,
            "sampler": self.sampler,
            "seed": self.seed,
            "lift_tests": len(p["tests"]),
            "channel_priors": channel_priors.to_dict() if channel_priors else None,
            "sampling_seconds": round(elapsed, 2),
            **compile_info,
        }
        res = MMMResults(
            spec=p["spec"],
            scaling=p["scaling"],
            panel=p["panel"],
            n_train=p["n_train"],
            posterior=_posterior_arrays(idata),
            idata=idata,
            settings=settings,
            findings=tuple(findings),
        )
        from attribution.mmm.diagnostics import model_findings

        return res.with_findings(model_findings(res))


def _posterior_arrays(idata: Any) -> dict[str, np.ndarray]:
    """Posterior variables as numpy arrays with chains and draws merged (draw axis first)."""
    post = idata["posterior"]
    out = {}
    for name in post.data_vars:
        a = np.asarray(post[name])
        out[str(name)] = a.reshape(a.shape[0] * a.shape[1], *a.shape[2:])
    return out


# measured on 2 busy cores (benchmarks/results/compile.md), 4 x 2000 steps: jax compiles
# in seconds and keeps its programs on disk for later processes, numba compiles for 1-4
# minutes in every process but samples several times faster per step; on a geo model
# numba's faster sampling outweighs its compile even in a fresh process: numba for long
# runs, jax for short ones (tests, quick looks)
AUTO_JAX_STEPS = 6000


def _installed(mod: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(mod) is not None


COMPILED = cache.CompiledModels()  # structure key -> nutpie compiled model (this process)


def _model_key(p: dict[str, Any], channel_priors: ChannelPriors | None) -> tuple[str, dict]:
    """The structure key of the model for ``p`` (see :mod:`attribution.mmm.cache`) and
    the values of its data containers."""
    from attribution.mmm import geo
    from attribution.mmm import model as mm

    has_spend = [c.has_spend for c in p["spec"].channels]
    data = mm.model_data(p["design"], p["scaling"], p["spend_total"], has_spend)
    panel = p["panel"]
    parts = {
        # the sampling coordinates are part of the compiled model
        "coordinates": [mm.MEAN_EFFECT_BETA, mm.MEAN_LEVEL_INTERCEPT, geo.CENTRED],
        "spec": p["spec"].to_dict(),
        "channel_priors": channel_priors.to_dict() if channel_priors else None,
        "geos": list(panel.geos),
        "controls": list(panel.control_names),
    }
    lift = p["lift"]
    consts = () if lift is None else (lift.lift, lift.se, lift.factual, lift.counter, lift.select)
    return cache.structure_key(parts, data, consts), data


def _jit_now(compiled: Any) -> None:
    """Compile a nutpie jax model's programs (jax compiles at the first call): one
    log-density and one expansion at the starting point."""
    start = compiled._make_initial_points(0)
    compiled._make_logp_func()(start, **compiled._shared_data)
    compiled._make_expand_func(0, 0, 0)(start, **compiled._shared_data)


def sample(model: Any, sampler: str, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    """Run NUTS on ``model`` with the chosen sampler (:func:`_sample`), compiling
    without fast-math (:func:`attribution.mmm.cache.exact_float`): the same data,
    structure and seed give the same draws whether pytensor's numba kernels were
    compiled in this process or loaded from its on-disk cache."""
    with cache.exact_float():
        return _sample(model, sampler, **kwargs)


def _sample(
    model: Any,
    sampler: str,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int | None,
    target_accept: float = 0.9,
    progress: bool = False,
    cache_key: str | None = None,
    data: dict[str, np.ndarray] | None = None,
    backend: str = "auto",
    adaptation: str = "diag",
    cache_dir: str | os.PathLike | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Run NUTS on ``model`` with the chosen sampler.

    With nutpie, a model compiled earlier in this process under the same structure
    ``cache_key`` is reused, with this model's ``data`` (the values of its ``pm.Data``
    containers) and starting point swapped in. The jax backend also keeps its compiled
    programs on disk (:func:`attribution.mmm.cache.jax_disk_cache` in ``cache_dir``),
    for later processes, and compiles them before sampling (so that compile seconds
    are compile seconds).

    Returns
    -------
    The ArviZ DataTree and ``{"compile": "hit" | "miss" | "none", "compile_seconds": s}``;
    nutpie adds ``"backend"`` (``auto`` resolved); jax ``"disk_cache": "hit" | "miss"``
    (the compiled programs were loaded from disk / compiled and written; on a compile)
    and ``"cache_dir"``.
    """
    cores = min(chains, os.cpu_count() or 1)
    info: dict[str, Any] = {"compile": "none", "compile_seconds": 0.0}
    if sampler == "nutpie":
        try:
            import nutpie
        except ImportError:  # pragma: no cover - nutpie is a core dependency
            raise UsageError("the nutpie sampler needs nutpie: pip install nutpie") from None
        if backend == "auto":
            short = chains * (draws + tune) <= AUTO_JAX_STEPS
            backend = "jax" if short and _installed("jax") else "numba"
        if backend == "jax" and not _installed("jax"):
            raise UsageError("the jax backend needs jax: pip install 'attribution[jax]'")
        info["backend"] = backend  # auto resolved: the draws depend on it
        key = f"{cache_key}:{backend}" if cache_key else None
        t0 = time.perf_counter()
        if backend == "jax":
            info["cache_dir"] = str(cache.jax_disk_cache(cache_dir))
            disk0 = cache.jax_disk_events()
        compiled = COMPILED.get(key) if key else None
        if compiled is not None:
            swap = cache.with_model_data if backend == "numba" else cache.with_jax_data
            compiled = swap(compiled, model, data or {})
        if compiled is None:
            log.info("mmm: compiling the model (%s)", backend)
            # chains jittered in parallel are not reproducible across processes
            # (nutpie 0.16), so chains start at the support point and diverge
            # through their seeded NUTS draws (same seed, same draws); jax keeps
            # the data as arguments (not frozen), so its compiled program serves
            # any data of this structure, in this process and from disk
            compiled = nutpie.compile_pymc_model(
                model,
                backend=backend,
                gradient_backend="jax" if backend == "jax" else "pytensor",
                jitter_rvs=set(),
                freeze_model=False,
            )
            if backend == "jax":
                _jit_now(compiled)
            if key:
                COMPILED.put(key, compiled)
            info["compile"] = "miss"
        else:
            log.info("mmm: reusing the compiled model (%s)", backend)
            info["compile"] = "hit"
        info["compile_seconds"] = round(time.perf_counter() - t0, 2)
        if backend == "jax":
            hits, writes = np.subtract(cache.jax_disk_events(), disk0)
            if info["compile"] == "miss":
                info["disk_cache"] = "hit" if hits and not writes else "miss"
        idata = nutpie.sample(
            compiled,
            draws=draws,
            tune=tune,
            chains=chains,
            cores=cores,
            seed=seed,
            progress_bar=progress,
            save_warmup=False,
            target_accept=target_accept,
            adaptation=adaptation,
        )
        return idata, info
    import pymc as pm

    if sampler == "numpyro":
        try:
            import numpyro  # noqa: F401
        except ImportError:
            raise UsageError(
                "the numpyro sampler needs numpyro and jax: pip install 'attribution[jax]'"
            ) from None
    with model:
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=cores,
            random_seed=seed,
            target_accept=target_accept,
            progressbar=progress,
            nuts_sampler=sampler,
            compute_convergence_checks=False,
        )
    return idata, info
