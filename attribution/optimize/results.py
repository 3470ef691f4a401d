"""Result objects of the budget optimiser and of scenario evaluation (immutable)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attribution import rundir
from attribution import rundir as R
from attribution.findings import Finding
from attribution.io import write_csv, write_json

PLAN_COLUMNS = (
    "channel",
    "current_spend",
    "recommended_spend",
    "change_pct",
    "expected_current",
    "expected_current_low",
    "expected_current_high",
    "expected_recommended",
    "expected_recommended_low",
    "expected_recommended_high",
    "mroi",
    "mroi_low",
    "mroi_high",
    "min_spend",
    "max_spend",
    "locked",
    "status",
    "current_weekly_spend",
    "recommended_weekly_spend",
    "prob_beats_current",
)


def _frozen(arr: Any, dtype: Any = float) -> np.ndarray:
    out = np.array(arr, dtype=dtype)
    out.setflags(write=False)
    return out


def _clean(x: float) -> float:
    return 0.0 if abs(x) < 1e-9 else float(x)


@dataclass(frozen=True)
class AllocationResult:
    """A recommended budget plan against the current one.

    Spends and expected outcomes are totals over the planning horizon
    (``horizon`` weeks). ``expected_*`` arrays are ``(n_channels, 3)``: mean, low,
    high (``interval`` posterior interval); ``total_*`` and ``uplift`` are
    ``(3,)`` for the whole plan. ``mroi`` (``(n_channels, 3)``) is the marginal
    outcome per extra unit of spend at the recommended plan. ``prob_beats_current``
    is the posterior probability that the recommended plan's objective value is
    strictly higher than the current plan's.
    """

    channels: tuple[str, ...]
    budget: float
    horizon: int
    objective: str
    margin: float | None
    risk_quantile: float | None
    carryover: str
    interval: float
    current_spend: np.ndarray
    recommended_spend: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    locked: np.ndarray
    status: tuple[str, ...]
    expected_current: np.ndarray
    expected_recommended: np.ndarray
    total_current: np.ndarray
    total_recommended: np.ndarray
    uplift: np.ndarray
    mroi: np.ndarray
    prob_beats_current: float
    objective_current: float
    objective_recommended: float
    converged: bool
    n_draws: int
    findings: tuple[Finding, ...] = ()
    flighting: str = "flat"  # how the model laid weekly spend over the weeks

    def __post_init__(self) -> None:
        for name in (
            "current_spend",
            "recommended_spend",
            "lower",
            "upper",
            "expected_current",
            "expected_recommended",
            "total_current",
            "total_recommended",
            "uplift",
            "mroi",
        ):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "locked", _frozen(self.locked, bool))
        object.__setattr__(self, "channels", tuple(self.channels))
        object.__setattr__(self, "status", tuple(self.status))

    @property
    def change_pct(self) -> np.ndarray:
        """Percent change of spend per channel (NaN where current spend is 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(
                self.current_spend > 0,
                100.0 * (self.recommended_spend / self.current_spend - 1.0),
                np.nan,
            )
        return np.where(np.abs(out) < 1e-9, 0.0, out)

    def to_frame(self, total: bool = True) -> pd.DataFrame:
        """The plan table (``plan.csv``): one row per channel, plus a ``total`` row.

        Plan-level numbers (``prob_beats_current``) are on the total row only.
        """
        h = float(self.horizon)
        frame = pd.DataFrame(
            {
                "channel": list(self.channels),
                "current_spend": self.current_spend,
                "recommended_spend": self.recommended_spend,
                "change_pct": self.change_pct,
                "expected_current": self.expected_current[:, 0],
                "expected_current_low": self.expected_current[:, 1],
                "expected_current_high": self.expected_current[:, 2],
                "expected_recommended": self.expected_recommended[:, 0],
                "expected_recommended_low": self.expected_recommended[:, 1],
                "expected_recommended_high": self.expected_recommended[:, 2],
                "mroi": self.mroi[:, 0],
                "mroi_low": self.mroi[:, 1],
                "mroi_high": self.mroi[:, 2],
                "min_spend": self.lower,
                "max_spend": self.upper,
                "locked": self.locked,
                "status": list(self.status),
                "current_weekly_spend": self.current_spend / h,
                "recommended_weekly_spend": self.recommended_spend / h,
                "prob_beats_current": np.nan,
            }
        )
        if not total:
            return frame
        cur, rec = float(self.current_spend.sum()), float(self.recommended_spend.sum())
        row = {
            "channel": "total",
            "current_spend": cur,
            "recommended_spend": rec,
            "change_pct": _clean(100.0 * (rec / cur - 1.0)) if cur > 0 else np.nan,
            "expected_current": self.total_current[0],
            "expected_current_low": self.total_current[1],
            "expected_current_high": self.total_current[2],
            "expected_recommended": self.total_recommended[0],
            "expected_recommended_low": self.total_recommended[1],
            "expected_recommended_high": self.total_recommended[2],
            "mroi": np.nan,
            "mroi_low": np.nan,
            "mroi_high": np.nan,
            "min_spend": float(self.lower.sum()),
            "max_spend": float(self.upper.sum()),
            "locked": bool(self.locked.all()),
            "status": "plan",
            "current_weekly_spend": cur / h,
            "recommended_weekly_spend": rec / h,
            "prob_beats_current": self.prob_beats_current,
        }
        return pd.concat([frame, pd.DataFrame([row])], ignore_index=True)

    def to_dict(self, unsafe_reason: str = "") -> dict[str, Any]:
        """Plan-level facts for a JSON sidecar (``plan.json``) and the run manifest.

        ``unsafe_reason`` (e.g. the model failed its diagnostics) marks the plan as not
        for decisions: ``safe`` False and the reason under ``unsafe_reason``.
        """
        return {
            "budget": self.budget,
            "horizon_weeks": self.horizon,
            "objective": self.objective,
            "margin": self.margin,
            "risk_quantile": self.risk_quantile,
            "carryover": self.carryover,
            R.PLAN_FLIGHTING: self.flighting,
            "interval": self.interval,
            "expected_current": self.total_current.tolist(),
            "expected_recommended": self.total_recommended.tolist(),
            "uplift": self.uplift.tolist(),
            R.PLAN_GAIN: float(self.uplift[0]),
            R.PLAN_GAIN_LOW: float(self.uplift[1]),
            R.PLAN_GAIN_HIGH: float(self.uplift[2]),
            R.PLAN_PROB_BEATS_CURRENT: self.prob_beats_current,
            R.PLAN_SAFE: not unsafe_reason,
            **({R.PLAN_UNSAFE_REASON: unsafe_reason} if unsafe_reason else {}),
            "objective_current": self.objective_current,
            "objective_recommended": self.objective_recommended,
            "converged": self.converged,
            "n_draws": self.n_draws,
            "findings": [f.to_dict() for f in self.findings],
        }

    def write(self, path: str | Path, unsafe_reason: str = "") -> list[Path]:
        """Write the plan table (``path``, e.g. ``plan.csv``) and its summary beside it
        (``plan.json``); returns both paths."""
        path = Path(path)
        rundir.check_columns(rundir.PLAN_CSV, self.to_frame().columns)
        return [
            write_csv(path, self.to_frame()),
            write_json(path.with_suffix(".json"), self.to_dict(unsafe_reason)),
        ]

    def summary_dict(self) -> dict[str, Any]:
        """Same as :meth:`to_dict`."""
        return self.to_dict()

    def summary(self) -> str:
        """A few plain-language lines for logs and notebooks."""
        pct = round(self.interval * 100)
        up = self.uplift
        lines = [
            f"Budget {self.budget:,.0f} over {self.horizon} weeks, objective {self.objective}"
            + (f" (risk quantile {self.risk_quantile:g})" if self.risk_quantile else ""),
            f"Expected outcome: current plan {self.total_current[0]:,.0f}, recommended "
            f"{self.total_recommended[0]:,.0f}; uplift {up[0]:,.0f} "
            f"({pct}% interval {up[1]:,.0f} to {up[2]:,.0f})",
            f"Probability the recommended plan beats the current one: "
            f"{self.prob_beats_current:.0%}",
        ]
        for ch, c, r, s in zip(
            self.channels, self.current_spend, self.recommended_spend, self.status, strict=True
        ):
            lines.append(f"  {ch}: {c:,.0f} -> {r:,.0f} ({s})")
        lines += [f"[{f.level}] {f.message}" for f in self.findings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "<br>".join(html.escape(x) for x in self.summary().splitlines()[:3])
        table = self.to_frame().to_html(index=False, float_format="{:,.4g}".format)
        return f"<p>{head}</p>{table}"


@dataclass(frozen=True)
class _TableResult:
    """A result that is one table: kept as a private copy, handed out as copies."""

    table: pd.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", self.table.copy())

    def to_frame(self) -> pd.DataFrame:
        """The result table (a copy)."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        return self.table.to_html(index=False, float_format="{:,.4g}".format)


@dataclass(frozen=True)
class ScenarioResult(_TableResult):
    """Evaluated user plans against the current plan, one row per scenario.

    ``table`` columns: scenario, weeks, total_spend, expected, expected_low,
    expected_high, current_expected, uplift, uplift_low, uplift_high,
    prob_beats_current, roi (expected outcome per unit spend).
    """

    interval: float
    carryover: str
    findings: tuple[Finding, ...] = ()

    def summary(self) -> str:
        """One line per scenario."""
        return "\n".join(
            f"{r.scenario}: spend {r.total_spend:,.0f} over {r.weeks} weeks -> expected "
            f"{r.expected:,.0f} ({r.expected_low:,.0f} to {r.expected_high:,.0f}), "
            f"P(beats current) {r.prob_beats_current:.0%}"
            for r in self.table.itertuples()
        )


@dataclass(frozen=True)
class SweepResult(_TableResult):
    """Optimised expected outcome as the total budget varies, one row per budget.

    ``table`` columns: budget, expected, expected_low, expected_high,
    marginal_roi (mean mROI of the channels that are not at a bound), then
    ``spend_<channel>`` with the optimal allocation at that budget.
    """

    objective: str
    horizon: int
    interval: float
    findings: tuple[Finding, ...] = ()

    def summary(self) -> str:
        """One line per budget."""
        return "\n".join(
            f"budget {r.budget:,.0f}: expected {r.expected:,.0f} "
            f"({r.expected_low:,.0f} to {r.expected_high:,.0f})"
            for r in self.table.itertuples()
        )
