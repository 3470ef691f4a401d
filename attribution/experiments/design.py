"""Design a lift test on a fitted media-mix model: noise, minimum detectable lift,
power, cost, matched geos and an executable plan.

Designs (:class:`ExperimentDesign`):

- ``holdout``: a share of the market sees none of the channel for ``weeks`` weeks. On a
  geo panel the share is a set of treatment geos with a synthetic control
  (:mod:`attribution.experiments.matching`); on a national panel it is a share of the
  audience, read from total sales against the model's forecast.
- ``go-dark``: the whole market (every geo) goes dark; read against the forecast.
- ``budget-change``: spend times ``1 + change`` in the share (geos or audience).

The test reads the channel's lift in full-market terms (the treated part's lift
divided by its share of the channel), the quantity ``lift_tests.csv`` carries: sales
the channel drove over the test weeks with it switched off everywhere, or for a budget
change the sales gained over the test weeks by changing its spend everywhere by
``change`` (the row's ``spend_change``; :meth:`DesignResult.lift_row`). The model's
prediction of that lift is the one its lift-test likelihood uses
(:func:`~attribution.experiments.effects.window_effect`). Noise: the
fitted model's residuals of the test's contrast (scaled up to the model's own noise
variance when the in-sample residuals are smaller, and for serial correlation when a
Ljung-Box test finds it) plus the posterior variance of the model's forecast over the
window; see :mod:`attribution.experiments.power`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from attribution.data.contracts import LIFT_TESTS, SPEND_CHANGE
from attribution.errors import UsageError
from attribution.experiments.effects import (
    ModelFacts,
    forecast_variance,
    window_effect,
)
from attribution.experiments.matching import GeoMatch, match_geos
from attribution.experiments.power import mde, power, window_se

KINDS = ("holdout", "go-dark", "budget-change")
DURATIONS = (2, 4, 6, 8, 12)
SHARES = (0.1, 0.2, 0.3, 0.5)
COST_ITEMS = ("lost_sales", "spend_saved", "extra_spend", "extra_sales")


@dataclass(frozen=True)
class ExperimentDesign:
    """A test to plan.

    Parameters
    ----------
    channel : the channel tested (a model channel).
    weeks : test length in weeks.
    kind : ``holdout``, ``go-dark`` or ``budget-change``.
    share : share of the market treated, in (0, 1) (go-dark: 1).
    change : relative spend change for ``budget-change`` (0.5 = +50%; -1 is a holdout).
    geos : treatment geos chosen by the user (geo panels), or None to match them.
    alpha, target_power : test level and the power the minimum detectable lift uses.
    start : first day of the test (default: the Monday after the panel's last week).

    Example
    -------
    >>> ExperimentDesign("tv", 6, "holdout", share=0.3).share
    0.3
    """

    channel: str
    weeks: int
    kind: str = "holdout"
    share: float = 0.5
    change: float = 0.0
    geos: tuple[str, ...] | None = None
    alpha: float = 0.05
    target_power: float = 0.8
    start: dt.date | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(f"design must be one of {list(KINDS)}, got '{self.kind}'")
        if not (isinstance(self.weeks, int | np.integer) and self.weeks >= 1):
            raise UsageError(
                f"the duration must be a whole number of weeks >= 1, got {self.weeks!r}"
            )
        if self.kind == "go-dark":
            object.__setattr__(self, "share", 1.0)
        elif not (np.isfinite(self.share) and 0.0 < self.share < 1.0):
            raise UsageError(
                f"the holdout share must be between 0 and 1 (exclusive), got "
                f"{self.share}; e.g. --share 0.3 treats 30% of the market "
                "(use --design go-dark for the whole market)"
            )
        if self.kind == "budget-change" and not (
            np.isfinite(self.change) and self.change > -1.0 and self.change != 0.0
        ):
            raise UsageError(
                f"a budget change must be a non-zero relative change above -1 "
                f"(e.g. 0.5 for +50%), got {self.change}; use --design holdout "
                "to switch the channel off"
            )
        if not 0.0 < self.alpha < 0.5:
            raise UsageError(f"alpha must be between 0 and 0.5, got {self.alpha}")
        if not 0.0 < self.target_power < 1.0:
            raise UsageError(f"power must be between 0 and 1, got {self.target_power}")

    @property
    def spend_change(self) -> float | None:
        """The ``spend_change`` of the test's ``lift_tests.csv`` row (None: switched off)."""
        return float(self.change) if self.kind == "budget-change" else None

    @property
    def factor(self) -> float:
        """Multiplier on the channel's spend in the treated part during the test."""
        return 1.0 + self.change if self.kind == "budget-change" else 0.0


@dataclass(frozen=True)
class DesignResult:
    """A designed test: its noise, detectable lift, power, cost and plan (immutable).

    Money amounts are totals over the test (lost sales include the carry-over after
    it). ``expected_lift`` is the model's prediction of what the test reads (full-market
    terms), ``(mean, low, high)`` over the posterior at ``interval``.
    """

    design: ExperimentDesign
    se: float
    mde: float
    expected_lift: tuple[float, float, float]
    assurance: float
    power_at_expected: float
    cost: dict[str, tuple[float, float, float]]
    treated_share: float
    start: dt.date
    match: GeoMatch | None
    plan: pd.DataFrame = field(repr=False)
    predicted: np.ndarray = field(repr=False)  # (D,) per-draw lift the test reads
    interval: float = 0.9

    @property
    def mde_pct(self) -> float:
        """The minimum detectable lift as a share of the expected lift."""
        m = self.expected_lift[0]
        return float(self.mde / abs(m)) if m else float("inf")

    @property
    def cost_total(self) -> float:
        """The test's cost in the issue's sense: sales lost (holdout, go-dark) or the
        extra spend (budget change), expected value."""
        key = "extra_spend" if self.design.kind == "budget-change" else "lost_sales"
        return self.cost[key][0]

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=7 * self.design.weeks - 1)

    def lift_row(self, lift: float, lift_se: float) -> pd.DataFrame:
        """The ``lift_tests.csv`` row to write after the test (LIFT_TESTS contract).

        ``lift`` and ``lift_se`` are in full-market terms: the treated part's measured
        lift and standard error divided by :attr:`treated_share`. A budget change gets
        its ``spend_change``; a holdout or go-dark leaves it out (switched off).

        Example
        -------
        >>> r.lift_row(41200.0, 9500.0)                        # doctest: +SKIP
        """
        d = self.design
        row: dict[str, object] = dict(
            zip(
                LIFT_TESTS.required,
                (d.channel, self.start.isoformat(), self.end.isoformat(), lift, lift_se),
                strict=True,
            )
        )
        row["metric"] = "sales"
        if d.spend_change is not None:
            row[SPEND_CHANGE] = d.spend_change
        return pd.DataFrame([row])

    def lift_row_text(self) -> str:
        """The ``lift_tests.csv`` row to write after the test, as CSV with placeholders."""
        frame = self.lift_row(0.0, 0.0).astype(object)
        frame.loc[0, "lift"], frame.loc[0, "lift_se"] = "<lift>", "<lift_se>"
        return frame.to_csv(index=False, lineterminator="\n").strip()

    def to_frame(self) -> pd.DataFrame:
        """One row: the design, its noise, detectable lift, power and cost."""
        d = self.design
        row = {
            "channel": d.channel,
            "design": d.kind,
            "weeks": d.weeks,
            "share": d.share,
            "treated_share": self.treated_share,
            "change": d.change if d.kind == "budget-change" else np.nan,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "alpha": d.alpha,
            "power": d.target_power,
            "se": self.se,
            "mde": self.mde,
            "mde_pct_of_expected": self.mde_pct,
            "expected_lift": self.expected_lift[0],
            "expected_lift_low": self.expected_lift[1],
            "expected_lift_high": self.expected_lift[2],
            "assurance": self.assurance,
            "power_at_expected": self.power_at_expected,
        }
        for k, (m, lo, hi) in self.cost.items():
            row.update({k: m, f"{k}_low": lo, f"{k}_high": hi})
        row["treated_geos"] = " ".join(self.match.treated) if self.match else ""
        row["control_geos"] = " ".join(self.match.controls) if self.match else ""
        return pd.DataFrame([row])

    def summary(self) -> str:
        """Plain-text summary a media team can read."""
        d = self.design
        lo, hi = self.expected_lift[1], self.expected_lift[2]
        pct = round(self.interval * 100)
        where = (
            f"treatment geos {', '.join(self.match.treated)} vs a synthetic control of "
            f"{', '.join(self.match.controls)} (fit R2 {self.match.fit_r2:.2f})"
            if self.match
            else ("the whole market" if d.kind == "go-dark" else f"{d.share:.0%} of the audience")
        )
        what = {
            "holdout": "no spend",
            "go-dark": "no spend",
            "budget-change": f"spend {d.change:+.0%}",
        }[d.kind]
        lines = [
            f"Test on {d.channel}: {what} in {where}, {d.weeks} weeks from {self.start} "
            f"to {self.end}.",
            f"Standard error of the measured lift: {self.se:,.0f}; minimum detectable lift "
            f"at {d.target_power:.0%} power, alpha {d.alpha:g}: {self.mde:,.0f} "
            f"({self.mde_pct:.0%} of the expected lift).",
            f"The model expects the test to read {self.expected_lift[0]:,.0f} "
            f"({pct}% interval {lo:,.0f} to {hi:,.0f}); chance it detects the lift: "
            f"{self.assurance:.0%}.",
            "Cost: "
            + ", ".join(
                f"{k.replace('_', ' ')} {m:,.0f}" for k, (m, _, _) in self.cost.items() if m
            ),
            "After the test, add this row to lift_tests.csv and rerun "
            + (
                "(<lift>: the sales measured against the forecast, <lift_se>: its standard error)"
                if self.treated_share >= 1.0
                else f"(<lift>, <lift_se>: the treated part's measured lift and its "
                f"standard error divided by {self.treated_share:.4g}, its share of the "
                "channel)"
            )
            + (
                f"; {SPEND_CHANGE} {d.spend_change:g} means spend times "
                f"{1 + d.spend_change:g} and <lift> the sales gained (negative for a cut):"
                if d.spend_change is not None
                else ":"
            ),
            self.lift_row_text(),
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        d = self.design
        return (
            f"DesignResult(channel={d.channel!r}, design={d.kind!r}, weeks={d.weeks}, "
            f"mde={self.mde:,.0f}, assurance={self.assurance:.2f})"
        )

    def _repr_html_(self) -> str:
        import html

        return (
            "<pre>" + html.escape(self.summary()) + "</pre>" + self.to_frame().to_html(index=False)
        )


def _interval(x: np.ndarray, interval: float) -> tuple[float, float, float]:
    lo = (1 - interval) / 2
    return (float(np.mean(x)), float(np.quantile(x, lo)), float(np.quantile(x, 1 - lo)))


def check_design(facts: ModelFacts, design: ExperimentDesign) -> None:
    """Bad designs for this model: one clear line each (``UsageError``)."""
    channels = list(facts.res.channels)
    if design.channel not in channels:
        raise UsageError(
            f"channel '{design.channel}' is not in the model; channels: {', '.join(channels)}"
        )
    if design.weeks > facts.n_train:
        raise UsageError(
            f"a {design.weeks}-week test is longer than the {facts.n_train} weeks "
            "of data the model was fitted on; the noise of so long a window cannot "
            "be read from the data: choose at most "
            f"{facts.n_train} weeks"
        )
    if (
        not facts.res.has_spend[facts.channel_index(design.channel)]
        and design.kind == "budget-change"
    ):
        raise UsageError(
            f"channel '{design.channel}' has no spend, so its budget cannot "
            "change; use --design holdout"
        )
    if design.geos is not None:
        if len(facts.geos) < 2:
            raise UsageError(
                "a geo design needs a geo panel, but the model was fitted on a "
                "national panel (one geo); drop --geos, or fit the model on a "
                "panel with a geo column"
            )
        unknown = [g for g in design.geos if g not in facts.geos]
        if unknown:
            raise UsageError(
                f"geo(s) {', '.join(unknown)} are not in the model's panel; geos: "
                f"{', '.join(facts.geos)}"
            )
        if len(set(design.geos)) >= len(facts.geos):
            raise UsageError(
                "every geo is in treatment, so none is left as control; leave at "
                "least one geo out of --geos (or use --design go-dark)"
            )


def design_test(
    facts: ModelFacts, design: ExperimentDesign, *, interval: float = 0.9, seed: int = 0
) -> DesignResult:
    """Design a test on a fitted model (see the module docstring).

    Example
    -------
    >>> facts = model_facts(load("runs/q3"))                       # doctest: +SKIP
    >>> r = design_test(facts, ExperimentDesign("tv", 6, "holdout", 0.3))  # doctest: +SKIP
    >>> r.mde, r.assurance                                          # doctest: +SKIP
    """
    check_design(facts, design)
    c = facts.channel_index(design.channel)
    W = design.weeks
    G = len(facts.geos)
    eff = window_effect(facts, design.channel, W, design.spend_change)  # (D, W', G)
    spend_w = facts.weekly_spend(design.channel, W)  # (W, G)
    match = None
    geo = G > 1 and design.kind != "go-dark"
    if geo:
        spend_g = facts.res.panel.media[: facts.n_train, :, c].sum(0)
        match = match_geos(
            facts.geos,
            facts.mu.mean(0),  # the fitted history: matching never fits the noise
            facts.residuals,
            spend_g,
            design.share,
            treated=design.geos,
            seed=seed,
        )
        treated = np.array([facts.geos.index(g) for g in match.treated])
        ctrl = np.array([facts.geos.index(g) for g in match.controls])
        contrast_w = np.zeros(G)
        contrast_w[treated] = 1.0
        contrast_w[ctrl] = -match.weights
        share = match.spend_share
        mask = np.zeros(G)
        mask[treated] = 1.0
    else:
        contrast_w = np.ones(G)
        share = design.share
        mask = np.full(G, share)  # an audience share of every geo
    if not share > 0:
        raise UsageError(
            f"the treatment geos hold none of {design.channel}'s spend, so the test "
            "cannot measure it; choose geos where the channel spends"
        )
    contrast = facts.residuals @ contrast_w
    noise = float(np.var(contrast, ddof=1)) * facts.noise_factor
    se_read = window_se(contrast, W, forecast_variance(facts, contrast_w, W), noise)
    se = se_read / share
    predicted = eff[:, :W].sum(axis=(1, 2))  # full-market lift over the test weeks
    treated_all = (eff * mask).sum(axis=(1, 2))  # incl. the carry-over tail
    spend_treated = float((spend_w * mask).sum())
    zero = (0.0, 0.0, 0.0)
    cost = dict.fromkeys(COST_ITEMS, zero)
    if design.kind == "budget-change":
        cost["extra_spend"] = (design.change * spend_treated,) * 3
        cost["extra_sales"] = _interval(treated_all, interval)
    else:
        cost["lost_sales"] = _interval(treated_all, interval)
        cost["spend_saved"] = (spend_treated,) * 3
    start = design.start or _next_monday(facts)
    m = mde(se, design.alpha, design.target_power)
    exp = _interval(predicted, interval)
    plan = execution_plan(facts, design, match, start, spend_w)
    return DesignResult(
        design,
        float(se),
        float(m),
        exp,
        float(np.mean(power(predicted, se, design.alpha))),
        float(power(exp[0], se, design.alpha)),
        cost,
        float(share),
        start,
        match,
        plan,
        predicted,
        interval,
    )


def _next_monday(facts: ModelFacts) -> dt.date:
    last = pd.Timestamp(facts.res.panel.dates[-1]).date()
    return last + dt.timedelta(days=7 - last.weekday())


def execution_plan(
    facts: ModelFacts,
    design: ExperimentDesign,
    match: GeoMatch | None,
    start: dt.date,
    spend_w: np.ndarray,
) -> pd.DataFrame:
    """The plan a media team executes (``test_plan.csv``): one row per geo (or audience
    group) and week, with its group, planned spend (the recent average) and test spend."""
    usual = spend_w.mean(0)  # (G,) recent weekly spend per geo
    rows = []
    groups: list[tuple[str, str, float, float]] = []  # (geo, group, usual, weight)
    if match is not None:
        for g in match.treated:
            groups.append((g, "treatment", float(usual[facts.geos.index(g)]), 1.0))
        for g, w in zip(match.controls, match.weights, strict=True):
            groups.append((g, "control", float(usual[facts.geos.index(g)]), float(w)))
    else:
        total = float(usual.sum())
        geo = facts.geos[0] if len(facts.geos) == 1 else "all"
        if design.kind == "go-dark":
            groups.append((geo, "treatment", total, 1.0))
        else:
            groups.append(
                (geo, f"treatment ({design.share:.0%} of audience)", total * design.share, 1.0)
            )
            groups.append(
                (
                    geo,
                    f"control ({1 - design.share:.0%} of audience)",
                    total * (1 - design.share),
                    1.0,
                )
            )
    for week in range(design.weeks):
        ws = start + dt.timedelta(days=7 * week)
        for geo, group, planned, w in groups:
            test = planned * design.factor if group.startswith("treatment") else planned
            rows.append(
                {
                    "channel": design.channel,
                    "design": design.kind,
                    "week": week + 1,
                    "week_start": ws.isoformat(),
                    "geo": geo,
                    "group": group,
                    "control_weight": w if group.startswith("control") else np.nan,
                    "planned_spend": round(planned, 2),
                    "test_spend": round(test, 2),
                }
            )
    return pd.DataFrame(rows)


def power_curve(
    facts: ModelFacts,
    design: ExperimentDesign,
    durations: tuple[int, ...] = DURATIONS,
    shares: tuple[float, ...] = SHARES,
    seed: int = 0,
) -> pd.DataFrame:
    """Minimum detectable lift and power over test lengths and shares (``power.csv``).

    Durations longer than the fitted weeks are left out; go-dark designs have one share.
    """
    out = []
    sh = (1.0,) if design.kind == "go-dark" else tuple(shares)
    for w in durations:
        if w > facts.n_train:
            continue
        for s in sh:
            d = ExperimentDesign(
                design.channel,
                int(w),
                design.kind,
                share=s if design.kind != "go-dark" else 1.0,
                change=design.change,
                geos=None,
                alpha=design.alpha,
                target_power=design.target_power,
                start=design.start,
            )
            r = design_test(facts, d, seed=seed)
            out.append(
                {
                    "channel": d.channel,
                    "design": d.kind,
                    "weeks": w,
                    "share": s,
                    "treated_share": r.treated_share,
                    "se": r.se,
                    "mde": r.mde,
                    "mde_pct_of_expected": r.mde_pct,
                    "expected_lift": r.expected_lift[0],
                    "assurance": r.assurance,
                    "power_at_expected": r.power_at_expected,
                    "cost": r.cost_total,
                }
            )
    return pd.DataFrame(out)
