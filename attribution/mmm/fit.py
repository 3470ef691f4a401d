"""Fit the media-mix model: settings in, an immutable :class:`MMMResults` out.

Example
-------
>>> from attribution.mmm import MMM, load_spec           # doctest: +SKIP
>>> res = MMM(spec, draws=500, chains=2, seed=1).fit(panel)
>>> res.to_frame()                                        # channels.csv
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from typing import Any

import numpy as np
import pandas as pd

from attribution.errors import InputError, UsageError
from attribution.findings import Finding
from attribution.mmm.diagnostics import sampler_findings
from attribution.mmm.model import build_model, lift_data
from attribution.mmm.panel import Panel, Scaling, design, make_scaling, read_panel, screen
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
        t0 = time.perf_counter()
        idata = sample(
            model,
            self.sampler,
            draws=self.draws,
            tune=self.tune,
            chains=self.chains,
            seed=self.seed,
            target_accept=self.target_accept,
            progress=self.progress,
            cache_key=_model_key(p, channel_priors),
            backend=self.backend,
            adaptation=self.adaptation,
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


# measured on 2 busy cores, 4 x 2000 steps, first compile: jax 64 s, numba 120 s; numba
# caches compiled code on disk, so reruns skip most of its compile and then sample ~3x
# faster per step than jax: numba for long runs, jax for short ones (tests, quick looks)
AUTO_JAX_STEPS = 6000


def _installed(mod: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(mod) is not None


_COMPILED: dict[str, Any] = {}  # model key -> nutpie compiled model (reruns skip compiling)
_CACHE_SIZE = 4


def _model_key(p: dict[str, Any], channel_priors: ChannelPriors | None) -> str:
    from attribution.mmm import geo
    from attribution.mmm import model as mm

    h = hashlib.sha256()
    # the sampling coordinates are part of the compiled model
    h.update(repr((mm.MEAN_EFFECT_BETA, mm.MEAN_LEVEL_INTERCEPT, geo.CENTRED)).encode())
    h.update(json.dumps(p["spec"].to_dict(), sort_keys=True).encode())
    h.update(json.dumps(p["scaling"].to_dict(), sort_keys=True).encode())
    h.update(json.dumps(channel_priors.to_dict() if channel_priors else None).encode())
    d = p["design"]
    for a in (d.y, d.stack, d.trend, d.fourier, d.controls, p["spend_total"]):
        h.update(np.ascontiguousarray(a).tobytes())
    if p["lift"] is not None:
        for a in (
            p["lift"].lift,
            p["lift"].se,
            p["lift"].factual,
            p["lift"].counter,
            p["lift"].select,
        ):
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def sample(
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
    backend: str = "auto",
    adaptation: str = "diag",
) -> Any:
    """Run NUTS on ``model`` with the chosen sampler; returns an ArviZ DataTree.

    With nutpie, a model compiled earlier in this process under the same
    ``cache_key`` (same spec, data, priors) is reused, so reruns skip compiling.
    """
    cores = min(chains, os.cpu_count() or 1)
    if sampler == "nutpie":
        try:
            import nutpie
        except ImportError:  # pragma: no cover - nutpie is a core dependency
            log.warning("mmm: nutpie not installed, falling back to PyMC's NUTS")
            sampler = "pymc"
        else:
            if backend == "auto":
                short = chains * (draws + tune) <= AUTO_JAX_STEPS
                backend = "jax" if short and _installed("jax") else "numba"
            if backend == "jax" and not _installed("jax"):
                raise UsageError("the jax backend needs jax: pip install 'attribution[jax]'")
            cache_key = f"{cache_key}:{backend}" if cache_key else None
            compiled = _COMPILED.get(cache_key) if cache_key else None
            if compiled is None:
                log.info("mmm: compiling the model (%s)", backend)
                # numba: chains jittered in parallel are not reproducible across
                # processes (nutpie 0.16), so numba chains start at the support point
                # and diverge through their seeded NUTS draws (same seed, same draws)
                compiled = nutpie.compile_pymc_model(
                    model,
                    backend=backend,
                    gradient_backend="jax" if backend == "jax" else "pytensor",
                    jitter_rvs=set() if backend == "numba" else None,
                )
                if cache_key:
                    while len(_COMPILED) >= _CACHE_SIZE:
                        _COMPILED.pop(next(iter(_COMPILED)))
                    _COMPILED[cache_key] = compiled
            return nutpie.sample(
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
    import pymc as pm

    if sampler == "numpyro":
        try:
            import numpyro  # noqa: F401
        except ImportError:
            raise UsageError(
                "the numpyro sampler needs numpyro and jax: pip install 'attribution[jax]'"
            ) from None
    with model:
        return pm.sample(
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


def parse_lift_tests(
    frame: pd.DataFrame, spec: MMMSpec, panel: Panel, n_train: int, file: str = "lift tests"
) -> tuple[list[dict[str, Any]], list[Finding]]:
    """Check lift tests (LIFT_TESTS contract) and return them as dicts plus findings.

    The model's target is sales, so a test with ``metric = conversions`` is valued
    at the row's ``value_per_conversion``, else the spec's ``[calibration]
    value_per_conversion`` (the pipeline fills that with the conversions' average
    order value when none is configured); lift and its standard error are both
    multiplied by it. ``measured_until`` (default: ``end``) closes the outcome window
    over which the experiment measured the lift, so carry-over after the test counts.

    Returns
    -------
    (tests, findings): dicts with channel, start (moved back 6 days: weeks that start
    inside [start - 6 days, end] overlap the test), end, measured_until, lift and
    lift_se in sales, metric, value_per_conversion, geo.

    Example
    -------
    >>> tests, found = parse_lift_tests(frame, spec, panel, n_train)   # doctest: +SKIP
    """
    frame = frame.reset_index(drop=True)
    for col in ("channel", "start", "end", "lift", "lift_se"):
        if col not in frame.columns:
            raise InputError(
                f"column '{col}' is missing",
                "columns are channel, start, end, "
                "lift, lift_se [, metric, geo, value_per_conversion, "
                "measured_until]",
                file,
                None,
                col,
                "missing_column",
            )
    findings: list[Finding] = []
    tests = []
    first, last = panel.dates[0], panel.dates[n_train - 1]
    panel_end = panel.dates[-1] + np.timedelta64(6, "D")
    for i, row in frame.iterrows():
        r = int(i) + 2
        ch = str(row["channel"])
        start = pd.to_datetime(row["start"], errors="coerce")
        end = pd.to_datetime(row["end"], errors="coerce")
        for col, v in (("start", start), ("end", end)):
            if pd.isna(v):
                raise InputError(
                    f"value {row[col]!r} is not a date",
                    "write YYYY-MM-DD",
                    file,
                    r,
                    col,
                    "bad_date",
                )
        try:
            lift, se = float(row["lift"]), float(row["lift_se"])
        except (TypeError, ValueError):
            raise InputError(
                "lift and lift_se must be numbers",
                "write plain numbers",
                file,
                r,
                "lift",
                "not_a_number",
            ) from None
        if not np.isfinite(lift) or not np.isfinite(se) or se <= 0:
            raise InputError(
                "lift must be a number and lift_se a number > 0",
                "fix the values",
                file,
                r,
                "lift_se",
                "invalid",
            )
        until = _measured_until(row, end, panel_end, file, r)
        if ch not in spec.channel_names:
            findings.append(
                Finding(
                    "warning",
                    "mmm.lift_unknown_channel",
                    f"lift test on row {r} is for channel '{ch}', which is not "
                    "in the model; it was not used",
                    "check the channel name",
                    "mmm",
                )
            )
            continue
        s, e = np.datetime64(start.date(), "D"), np.datetime64(end.date(), "D")
        if e < s:
            raise InputError("end is before start", "swap them", file, r, "end", "invalid")
        if e < first or s > last + np.timedelta64(6, "D"):
            findings.append(
                Finding(
                    "warning",
                    "mmm.lift_outside",
                    f"lift test on row {r} ({ch}, {s}..{e}) lies outside the "
                    "fitted weeks; it was not used",
                    "use tests from the fitted period",
                    "mmm",
                )
            )
            continue
        geo = row.get("geo") if "geo" in frame.columns else None
        geo = None if geo is None or pd.isna(geo) or str(geo) == "" else str(geo)
        if geo is not None and geo not in panel.geos:
            raise InputError(
                f"geo '{geo}' is not in the media panel",
                "use a panel geo or leave it empty",
                file,
                r,
                "geo",
                "unknown_geo",
            )
        metric, value = _lift_metric(row, spec, file, r)  # tests the model uses
        if metric == "conversions":
            findings.append(
                Finding(
                    "info",
                    "mmm.lift_conversions_valued",
                    f"lift test on row {r} ({ch}) measured {lift:,.6g} "
                    f"conversions; valued at {value:,.6g} sales per conversion "
                    f"= {lift * value:,.6g} sales",
                    "check the value per conversion (value_per_conversion column or [calibration])",
                    "mmm",
                )
            )
        # weeks starting inside [start - 6 days, end] overlap the window
        tests.append(
            {
                "channel": ch,
                "start": s - np.timedelta64(6, "D"),
                "end": e,
                "measured_until": until,
                "lift": lift * value,
                "lift_se": se * value,
                "metric": metric,
                "value_per_conversion": value,
                "geo": geo,
            }
        )
    return tests, findings


def _blank(v: Any) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v)) or str(v).strip() == ""


def _lift_metric(row: pd.Series, spec: MMMSpec, file: str, r: int) -> tuple[str, float]:
    """(metric, sales value of one unit of it) of a lift-test row."""
    raw = row.get("metric")
    metric = "sales" if _blank(raw) else str(raw).strip().lower()
    if metric == "sales":
        return metric, 1.0
    if metric != "conversions":
        raise InputError(
            f"metric {raw!r} is neither 'sales' nor 'conversions'",
            "write sales or conversions (or leave it empty for sales)",
            file,
            r,
            "metric",
            "bad_choice",
        )
    raw_v = row.get("value_per_conversion")
    if not _blank(raw_v):
        try:
            v = float(raw_v)
        except (TypeError, ValueError):
            v = float("nan")
        if not (np.isfinite(v) and v > 0):
            raise InputError(
                f"value_per_conversion {raw_v!r} is not a number > 0",
                "write the sales value of one conversion, e.g. 48.5",
                file,
                r,
                "value_per_conversion",
                "invalid",
            )
        return metric, v
    if spec.value_per_conversion is not None:
        return metric, float(spec.value_per_conversion)
    raise InputError(
        "the lift is in conversions but the model's target is sales, and no value "
        "per conversion is known",
        "add a value_per_conversion column to the lift "
        "tests, or '[calibration] value_per_conversion = ...' to the MMM config "
        "(a run with a conversions log uses its average order value)",
        file,
        r,
        "value_per_conversion",
        "no_value_per_conversion",
    )


def _measured_until(
    row: pd.Series, end: pd.Timestamp, panel_end: np.datetime64, file: str, r: int
) -> np.datetime64 | None:
    """The last day of the outcome window (None: the test window itself)."""
    raw = row.get("measured_until")
    if _blank(raw):
        return None
    u = pd.to_datetime(raw, errors="coerce")
    if pd.isna(u):
        raise InputError(
            f"value {raw!r} is not a date",
            "write YYYY-MM-DD or leave it empty",
            file,
            r,
            "measured_until",
            "bad_date",
        )
    out = np.datetime64(u.date(), "D")
    if out < np.datetime64(end.date(), "D"):
        raise InputError(
            f"measured_until {out} is before the test's end {end.date()}",
            "give the last day the outcome was measured (on or after end), or leave it empty",
            file,
            r,
            "measured_until",
            "invalid",
        )
    if out > panel_end:
        raise InputError(
            f"measured_until {out} is after the media panel's last week (ends {panel_end})",
            "extend the panel over the outcome window, or leave measured_until empty",
            file,
            r,
            "measured_until",
            "outside_panel",
        )
    return out
