"""Diagnostics turned into findings (never silent).

Sampler: R-hat, bulk ESS, divergences, energy BFMI (ArviZ). Model: posterior
predictive coverage and fit, collinearity of media (VIF, statsmodels),
autocorrelated residuals (Durbin-Watson and Ljung-Box, statsmodels).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from attribution.findings import Finding
from attribution.mmm.analysis import fit_metrics, residuals

if TYPE_CHECKING:
    from attribution.mmm.results import MMMResults

STAGE = "mmm"

# thresholds (warning, error)
RHAT = (1.01, 1.05)
ESS_BULK = (400, 100)
BFMI = 0.3
VIF = 10.0
COVERAGE_SHORTFALL = 0.15  # coverage below interval - this is a warning
DW = (1.0, 3.0)  # Durbin-Watson outside this range is a warning
LJUNG_BOX_P = 0.01
DIAG_DRAWS = 1000  # evenly thinned draws used for the model checks


def _max_over(tree: Any) -> tuple[float, str]:
    best, name = -np.inf, ""
    ds = tree.to_dataset() if hasattr(tree, "to_dataset") else tree
    for v in ds.data_vars:
        a = np.asarray(ds[v], dtype=float)
        if a.size and np.isfinite(a).any() and np.nanmax(a) > best:
            best, name = float(np.nanmax(a)), str(v)
    return best, name


def sampler_summary(idata: Any) -> dict[str, float]:
    """Max R-hat, min bulk ESS, divergences and min BFMI of a trace."""
    import arviz as az

    post = idata["posterior"]
    rhat, rname = _max_over(az.rhat(post))
    ess = az.ess(post, method="bulk")
    ds = ess.to_dataset() if hasattr(ess, "to_dataset") else ess
    mins = [
        (float(np.nanmin(np.asarray(ds[v]))), str(v))
        for v in ds.data_vars
        if np.asarray(ds[v]).size
    ]
    ess_min, ename = min(mins) if mins else (float("nan"), "")
    stats = idata["sample_stats"]
    div = int(np.asarray(stats["diverging"]).sum()) if "diverging" in stats else 0
    try:
        b = az.bfmi(idata)
        bds = b.to_dataset() if hasattr(b, "to_dataset") else b
        bfmi = float(np.min(np.asarray(bds["energy"]))) if "energy" in bds else float("nan")
    except Exception:  # energy missing (e.g. another sampler)
        bfmi = float("nan")
    n = int(np.asarray(stats["diverging"]).size) if "diverging" in stats else 0
    return {
        "rhat_max": rhat,
        "rhat_var": rname,
        "ess_bulk_min": ess_min,
        "ess_var": ename,
        "divergences": div,
        "draws_total": n,
        "bfmi_min": bfmi,
    }


def sampler_findings(idata: Any) -> list[Finding]:
    """Findings from R-hat, ESS, divergences and BFMI."""
    s = sampler_summary(idata)
    out: list[Finding] = []
    if s["rhat_max"] > RHAT[0]:
        lvl = "error" if s["rhat_max"] > RHAT[1] else "warning"
        out.append(
            Finding(
                lvl,
                "mmm.rhat",
                f"R-hat {s['rhat_max']:.3f} for {s['rhat_var']}: the chains disagree",
                "sample longer (more tune/draws) or simplify the model",
                STAGE,
            )
        )
    if s["ess_bulk_min"] < ESS_BULK[0]:
        lvl = "error" if s["ess_bulk_min"] < ESS_BULK[1] else "warning"
        out.append(
            Finding(
                lvl,
                "mmm.ess",
                f"bulk ESS only {s['ess_bulk_min']:.0f} for {s['ess_var']}",
                "draw more samples before trusting intervals",
                STAGE,
            )
        )
    if s["divergences"] > 0:
        frac = s["divergences"] / max(s["draws_total"], 1)
        lvl = "error" if frac > 0.01 else "warning"
        out.append(
            Finding(
                lvl,
                "mmm.divergences",
                f"{s['divergences']} divergent transitions ({frac:.1%})",
                "raise target_accept or tighten priors",
                STAGE,
            )
        )
    if np.isfinite(s["bfmi_min"]) and s["bfmi_min"] < BFMI:
        out.append(
            Finding(
                "warning",
                "mmm.bfmi",
                f"energy BFMI {s['bfmi_min']:.2f} < {BFMI}",
                "reparameterise or tighten priors",
                STAGE,
            )
        )
    return out


def vif(media: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    """Variance inflation factor of each media column (with an intercept)."""
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    X = media.reshape(-1, media.shape[-1])
    if X.shape[1] < 2:
        return {n: 1.0 for n in names}
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    X = np.column_stack([np.ones(len(X)), X])
    with np.errstate(divide="ignore", invalid="ignore"):
        return {n: float(variance_inflation_factor(X, i + 1)) for i, n in enumerate(names)}


def model_findings(res: MMMResults) -> list[Finding]:
    """Findings from predictive coverage, fit, collinearity and residual autocorrelation."""
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.stats.stattools import durbin_watson

    out: list[Finding] = []
    fm = fit_metrics(res, max_draws=DIAG_DRAWS)
    iv = res.spec.interval
    if fm["coverage"] < iv - COVERAGE_SHORTFALL:
        out.append(
            Finding(
                "warning",
                "mmm.ppc_coverage",
                f"only {fm['coverage']:.0%} of fitted "
                f"weeks fall in the {iv:.0%} predictive interval",
                "the model misses structure: add controls, events or seasonality",
                STAGE,
            )
        )
    if fm["r2"] < 0.5:
        out.append(
            Finding(
                "warning",
                "mmm.fit",
                f"the model explains little of sales (R2 {fm['r2']:.2f})",
                "add controls or check the data",
                STAGE,
            )
        )
    share = fm["media_share"]
    if share is not None and share > 1.0:
        out.append(
            Finding(
                "error",
                "mmm.media_exceeds_sales",
                f"the model credits media with {share:.0%} of sales in the fitted weeks, more "
                "than all of them (its baseline is negative): these data do not identify the "
                "channel effects, the priors do",
                "add controls or lift tests, or bound the media's share "
                "([mmm] prior_mode = 'share')",
                STAGE,
            )
        )
    if fm["holdout_mape"] is not None and fm["holdout_mape"] > 2 * max(fm["mape"], 0.01):
        out.append(
            Finding(
                "warning",
                "mmm.holdout",
                f"holdout MAPE {fm['holdout_mape']:.1%} vs {fm['mape']:.1%} in the fitted weeks",
                "the model may overfit; treat forecasts with care",
                STAGE,
            )
        )
    v = vif(res.panel.model_input[: res.n_train], res.channels)
    high = {k: x for k, x in v.items() if not np.isfinite(x) or x > VIF}
    if high:
        worst = ", ".join(
            f"{k} ({x:.0f})" if np.isfinite(x) else f"{k} (inf)" for k, x in sorted(high.items())
        )
        out.append(
            Finding(
                "warning",
                "mmm.collinear",
                f"media channels move together "
                f"(VIF > {VIF:.0f}: {worst}); their separate effects are poorly "
                "identified",
                "vary their spend independently, add a lift test, or merge them",
                STAGE,
            )
        )
    r = residuals(res, DIAG_DRAWS)
    if len(r) > 10 and np.std(r) > 0:
        dw = float(durbin_watson(r))
        lb = acorr_ljungbox(r, lags=[min(4, len(r) // 5)], return_df=True)
        p = float(lb["lb_pvalue"].iloc[0])
        if not DW[0] <= dw <= DW[1] or p < LJUNG_BOX_P:
            out.append(
                Finding(
                    "warning",
                    "mmm.residual_autocorrelation",
                    f"residuals are autocorrelated (Durbin-Watson {dw:.2f}, Ljung-Box p {p:.3f})",
                    "add trend/seasonality/controls; intervals may be too narrow",
                    STAGE,
                )
            )
    return out


def diagnostics_table(res: MMMResults) -> dict[str, Any]:
    """Numbers behind the findings (for the run manifest)."""

    out: dict[str, Any] = {
        "fit": fit_metrics(res),
        "vif": vif(res.panel.model_input[: res.n_train], res.channels),
    }
    if res.idata is not None and "sample_stats" in res.idata:
        out["sampler"] = sampler_summary(res.idata)
    return out
