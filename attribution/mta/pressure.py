"""Contact pressure: how conversion responds to touches per customer per week, and per journey.

A raw cross-tab of conversion rate by frequency confuses intent with frequency: the
customers who are contacted most are often the ones who would buy anyway. Two models
control for what they can:

* **Per customer-week, customer fixed effects** (the default, and the basis of frequency
  caps): a linear probability model of "converted this week" on frequency bins of every
  channel plus week effects, estimated *within* customers (each customer is compared with
  themself in weeks with more or fewer touches), with standard errors clustered by
  customer (statsmodels OLS). Whatever does not change over the period about a customer
  (intent, tier, region) cancels out. The frequency that maximises every customer's
  response maximises the average too, so the peak is the quantity the model recovers.
  (A conditional logit estimates the same design but took minutes on 3,000 customers.)
* **Per journey, a logit** (statsmodels GLM) of conversion on frequency bins of the
  channel, the journey's touches of the other channels and the customer covariates given
  (returning customer, attribute columns). Journeys cannot hold the customer fixed, so it
  is descriptive of the journeys; the caps use the weekly model.

The *saturation frequency* of a channel is the frequency with the highest estimated
response (``peak``): beyond it an extra touch adds nothing or reduces response. Its
interval comes from simulating the coefficients from their estimated sampling
distribution (normal, cluster-robust covariance) and taking the peak of each draw.
A peak in the highest (pooled) bin means saturation was not reached in the data.

Example
-------
>>> from attribution.data.simulator.fatigue import FatigueConfig, simulate_fatigue
>>> w = simulate_fatigue(FatigueConfig(customers=400, weeks=10, seed=3))
>>> res = ContactPressure(draws=200).fit(w.panel)
>>> sorted(res.to_frame()["level"].unique())
['week']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit

from attribution.errors import UsageError
from attribution.findings import Finding
from attribution.rundir import PRESSURE_COLUMNS

LEVELS = ("week", "journey")


def frequency_bins(
    counts: np.ndarray, max_frequency: int, min_rows: int, weight: np.ndarray | None = None
) -> int:
    """The top frequency bin: the largest ``k <= max_frequency`` such that every frequency up
    to ``k`` has at least ``min_rows`` rows; higher counts are pooled into ``k``.

    Example
    -------
    >>> frequency_bins(np.array([0] * 50 + [1] * 50 + [2] * 10 + [5] * 60), 8, 20)
    1
    """
    w = np.ones(len(counts)) if weight is None else np.asarray(weight, dtype=float)
    k = 0
    for f in range(1, max_frequency + 1):
        if w[counts == f].sum() < min_rows or w[counts >= f].sum() < min_rows:
            break
        k = f
    return max(k, 1) if w[counts >= 1].sum() >= min_rows else k


def demean(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Subtract each group's mean (the within transformation of a fixed-effects model).

    Example
    -------
    >>> demean(np.array([1.0, 3.0, 5.0]), np.array([0, 0, 1])).tolist()
    [-1.0, 1.0, 0.0]
    """
    values = np.asarray(values, dtype=float)
    n = np.bincount(groups).astype(float)
    if values.ndim == 2 and values.shape[1] == 0:
        return values.copy()
    if values.ndim == 1:
        return values - (np.bincount(groups, weights=values) / n)[groups]
    sums = np.vstack([np.bincount(groups, weights=values[:, j]) for j in range(values.shape[1])])
    return values - (sums / n).T[groups]


def demean_two_way(
    values: np.ndarray, g1: np.ndarray, g2: np.ndarray, tol: float = 1e-10, max_iter: int = 500
) -> np.ndarray:
    """Sweep out two sets of fixed effects (customers and weeks) by alternating projections:
    the residual of a regression on both sets of dummies, without building them.

    Example
    -------
    >>> v = np.array([1.0, 2.0, 3.0, 5.0])
    >>> demean_two_way(v, np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])).round(6).tolist()
    [0.25, -0.25, -0.25, 0.25]
    """
    out = np.asarray(values, dtype=float).copy()
    for _ in range(max_iter):
        before = out
        out = demean(demean(out, g1), g2)
        if np.max(np.abs(out - before), initial=0.0) < tol:
            break
    return out


def independent_columns(x: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """Mask of linearly independent columns, chosen in column order (a column is kept when
    it is not a combination of the kept ones before it), so the intercept and the frequency
    bins, which come first, are dropped last.

    Example
    -------
    >>> independent_columns(np.array([[1.0, 0, 1], [1, 1, 2], [1, 0, 1]])).tolist()
    [True, True, False]
    """
    keep = np.zeros(x.shape[1], dtype=bool)
    basis = np.zeros((x.shape[0], 0))
    for j in range(x.shape[1]):
        col = x[:, j].astype(float)
        norm = np.linalg.norm(col)
        if norm == 0:
            continue
        resid = col - basis @ (basis.T @ col) if basis.shape[1] else col
        if np.linalg.norm(resid) > tol * norm:
            keep[j] = True
            basis = np.column_stack([basis, resid / np.linalg.norm(resid)])
    return keep


def peak_interval(effects: np.ndarray, ci: float) -> tuple[int, int, int]:
    """Point, lower and upper peak frequency from draws of bin effects.

    ``effects`` is ``(draws + 1, bins)``: row 0 the estimate, the rest simulated draws,
    column 0 the no-touch bin (0). The peak of a row is its argmax.

    Example
    -------
    >>> peak_interval(np.array([[0, 1, 2, 1], [0, 1, 2, 1], [0, 2, 1, 1]]), 0.9)
    (2, 1, 2)
    """
    peaks = np.argmax(effects, axis=1)
    a = (1 - ci) / 2
    lo, hi = (
        np.quantile(peaks[1:], [a, 1 - a], method="inverted_cdf")
        if len(peaks) > 1
        else (peaks[0], peaks[0])
    )
    return int(peaks[0]), int(lo), int(hi)


@dataclass(frozen=True)
class ChannelPressure:
    """The frequency response of one channel at one level (week or journey)."""

    level: str
    channel: str
    frequencies: tuple[int, ...]  # 0 .. top (top pooled: "top+")
    rows: np.ndarray
    conversions: np.ndarray
    effect: np.ndarray  # change in conversion probability vs no touch
    effect_low: np.ndarray
    effect_high: np.ndarray
    peak: int
    peak_low: int
    peak_high: int
    beyond: str  # "declines", "flat" or "not_reached"
    method: str

    @property
    def raw_rate(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.conversions / self.rows

    @property
    def saturated(self) -> bool:
        """Whether the data show a frequency beyond which touches stop paying."""
        return self.beyond != "not_reached"

    def to_frame(self) -> pd.DataFrame:
        top = self.frequencies[-1]
        raw = self.raw_rate
        return pd.DataFrame(
            {
                "level": self.level,
                "channel": self.channel,
                "frequency": list(self.frequencies),
                "label": [f"{f}+" if f == top and f > 0 else str(f) for f in self.frequencies],
                "rows": self.rows.astype(int),
                "conversions": self.conversions.astype(int),
                "raw_rate": raw,
                "raw_change": raw - raw[0],
                "effect": self.effect,
                "effect_low": self.effect_low,
                "effect_high": self.effect_high,
                "peak": self.peak,
                "peak_low": self.peak_low,
                "peak_high": self.peak_high,
                "beyond": self.beyond,
                "method": self.method,
            }
        )


@dataclass(frozen=True)
class PressureResults:
    """Frequency response per channel and level (frozen); ``to_frame`` is ``pressure.csv``."""

    channels: tuple[ChannelPressure, ...]
    ci: float
    findings: tuple[Finding, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        if not self.channels:
            return pd.DataFrame(columns=list(PRESSURE_COLUMNS))
        return pd.concat([c.to_frame() for c in self.channels], ignore_index=True)[
            list(PRESSURE_COLUMNS)
        ]

    def get(self, channel: str, level: str = "week") -> ChannelPressure | None:
        for c in self.channels:
            if c.channel == channel and c.level == level:
                return c
        return None

    def summary(self) -> str:
        lines = [f"Contact pressure ({self.ci:.0%} intervals):"]
        for c in self.channels:
            where = (
                f"peak at {c.peak} touches ({c.peak_low}-{c.peak_high}), then {c.beyond}"
                if c.saturated
                else f"no saturation up to {c.frequencies[-1]}+ touches"
            )
            lines.append(f"  {c.level:7s} {c.channel}: {where}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_frame().round(4).to_html(index=False)


@dataclass(frozen=True)
class ContactPressure:
    """Estimate frequency response per channel.

    Parameters
    ----------
    channels : channels to analyse (default: every count column of the panel).
    max_frequency : highest frequency kept as its own bin (more is pooled).
    min_rows : rows a frequency needs to be its own bin.
    covariates : customer columns of the journey table used as controls (journey model).
    max_rows : most customer-weeks the weekly model uses (whole customers are sampled).
    draws : coefficient draws for the peak interval.
    ci : interval level.
    seed : seed of the draws.
    """

    channels: tuple[str, ...] | None = None
    max_frequency: int = 10
    min_rows: int = 50
    draws: int = 1000
    ci: float = 0.9
    seed: int = 0
    covariates: tuple[str, ...] = ()
    max_rows: int = 250_000

    def __post_init__(self) -> None:
        if self.max_frequency < 1 or self.min_rows < 1 or self.draws < 0:
            raise UsageError("max_frequency and min_rows must be >= 1, draws >= 0")
        if not 0 < self.ci < 1:
            raise UsageError("ci must be between 0 and 1")

    def fit(self, panel: pd.DataFrame, journeys: pd.DataFrame | None = None) -> PressureResults:
        """Fit the weekly fixed-effects model on ``panel`` (customer_id, week, converted and
        one touch-count column per channel) and, if given, the journey logit on ``journeys``
        (converted, one count column per channel, optional covariate columns)."""
        channels = self._channels(panel, ("customer_id", "week", "converted"))
        out: list[ChannelPressure] = []
        findings: list[Finding] = []
        rng = np.random.default_rng(self.seed)
        if len(panel):
            out.extend(self._weekly(panel, channels, rng, findings))
        if journeys is not None and len(journeys):
            jch = [c for c in channels if c in journeys.columns]
            for ch in jch:
                res = self._journey(journeys, ch, jch, rng, findings)
                if res is not None:
                    out.append(res)
        return PressureResults(tuple(out), self.ci, tuple(findings))

    # ------------------------------------------------------------------ internals
    def _channels(self, frame: pd.DataFrame, fixed: Sequence[str]) -> list[str]:
        if self.channels is not None:
            missing = [c for c in self.channels if c not in frame.columns]
            if missing:
                raise UsageError(f"contact pressure: no touch counts for channel(s) {missing}")
            return list(self.channels)
        return [c for c in frame.columns if c not in fixed and c not in self.covariates]

    def _design(
        self,
        counts: np.ndarray,
        channel: str,
        findings: list[Finding],
        level: str,
        weight: np.ndarray | None = None,
    ) -> tuple[np.ndarray, int]:
        top = frequency_bins(counts, self.max_frequency, self.min_rows, weight)
        if top == 0:
            findings.append(
                Finding(
                    "info",
                    "pressure.too_few",
                    f"{channel}: too few {level}s with a touch to "
                    f"measure the response to contact frequency (fewer than {self.min_rows})",
                    "collect a longer period before setting a frequency cap",
                    "pressure",
                )
            )
        b = np.minimum(counts, top)
        return np.column_stack(
            [(b == k).astype(float) for k in range(1, top + 1)]
        ) if top else np.zeros((len(counts), 0)), top

    def _weekly(
        self,
        panel: pd.DataFrame,
        channels: list[str],
        rng: np.random.Generator,
        findings: list[Finding],
    ) -> list[ChannelPressure]:
        panel = self._sample(panel, rng, findings)
        y = (pd.to_numeric(panel["converted"]).to_numpy(dtype=float) > 0).astype(float)
        groups = pd.factorize(panel["customer_id"])[0]
        weeks = pd.factorize(panel["week"])[0]
        blocks, tops = [], {}
        for ch in channels:
            x, top = self._design(panel[ch].to_numpy(dtype=np.int64), ch, findings, "week")
            blocks.append(x)
            tops[ch] = top
        x = np.column_stack(blocks) if blocks else np.zeros((len(y), 0))
        # customer and week fixed effects, both swept out (no dummy columns)
        xd, yd = demean_two_way(x, groups, weeks), demean_two_way(y, groups, weeks)
        keep = np.abs(xd).max(axis=0) > 1e-12 if len(x) else np.zeros(x.shape[1], bool)
        if not keep.any():  # no channel with enough touched weeks (findings say which)
            return []
        fit = sm.OLS(yd, xd[:, keep], hasconst=False).fit(
            method="qr", cov_type="cluster", cov_kwds={"groups": groups}
        )
        beta = np.zeros(x.shape[1])
        beta[keep] = fit.params
        cov = np.zeros((x.shape[1], x.shape[1]))
        cov[np.ix_(keep, keep)] = fit.cov_params()
        out, start = [], 0
        for ch in channels:
            top = tops[ch]
            idx = np.arange(start, start + top)
            start += top
            if top == 0:
                continue
            counts = np.minimum(panel[ch].to_numpy(dtype=np.int64), top)
            sims = _draws(beta[idx], cov[np.ix_(idx, idx)], self.draws, rng)
            out.append(
                self._channel(
                    "week",
                    ch,
                    top,
                    counts,
                    y,
                    sims,
                    "customer and week fixed effects (linear probability, "
                    "within customer, clustered by customer)",
                )
            )
        return out

    def _sample(
        self, panel: pd.DataFrame, rng: np.random.Generator, findings: list[Finding]
    ) -> pd.DataFrame:
        """At most ``max_rows`` customer-weeks: whole customers drawn at random beyond it."""
        if len(panel) <= self.max_rows:
            return panel
        cust = panel["customer_id"].unique()
        per = len(panel) / len(cust)
        take = rng.choice(cust, size=max(int(self.max_rows / per), 1), replace=False)
        out = panel[panel["customer_id"].isin(set(take))]
        findings.append(
            Finding(
                "info",
                "pressure.sampled",
                f"contact pressure was estimated on {len(take):,} of {len(cust):,} customers "
                f"({len(out):,} customer-weeks), drawn at random",
                "raise max_rows for a tighter interval (more memory and time)",
                "pressure",
            )
        )
        return out.reset_index(drop=True)

    def _journey(
        self,
        journeys: pd.DataFrame,
        ch: str,
        channels: list[str],
        rng: np.random.Generator,
        findings: list[Finding],
    ) -> ChannelPressure | None:
        y = (pd.to_numeric(journeys["converted"]).to_numpy(dtype=float) > 0).astype(float)
        counts = journeys[ch].to_numpy(dtype=np.int64)
        wt = (  # aggregated rows: the number of journeys each stands for
            journeys["weight"].to_numpy(dtype=float)
            if "weight" in journeys.columns
            else np.ones(len(y))
        )
        bins, top = self._design(counts, ch, findings, "journey", wt)
        if top == 0:
            return None
        others = [journeys[c].to_numpy(dtype=float) for c in channels if c != ch]
        cov = [
            pd.get_dummies(journeys[c].astype(str), prefix=c, drop_first=True).to_numpy(dtype=float)
            for c in self.covariates
            if c in journeys.columns
        ]
        x = np.column_stack([np.ones(len(y)), bins, *others, *cov])
        keep = np.r_[True, np.ptp(x[:, 1:], axis=0) > 0]
        keep &= independent_columns(x)
        try:
            fit = sm.GLM(y, x[:, keep], family=sm.families.Binomial(), freq_weights=wt).fit()
        except (ValueError, np.linalg.LinAlgError) as exc:  # separation, singular design
            findings.append(
                Finding(
                    "info",
                    "pressure.journey_model",
                    f"{ch}: the journey model could not be fitted ({exc})",
                    "",
                    "pressure",
                )
            )
            return None
        beta = np.zeros(x.shape[1])
        beta[keep] = fit.params
        vc = np.zeros((x.shape[1], x.shape[1]))
        vc[np.ix_(keep, keep)] = fit.cov_params()
        sims = _draws(beta, vc, self.draws, rng)  # (draws + 1, k)
        # average change in conversion probability vs no touch, setting every journey's bin
        base = x.copy()
        base[:, 1 : 1 + top] = 0.0
        eta0 = base @ sims.T  # (rows, draws + 1)
        p0 = expit(eta0)
        eff = [np.zeros(sims.shape[0])]
        for k in range(top):
            p = expit(eta0 + sims[:, 1 + k][None, :])
            eff.append(wt @ (p - p0) / wt.sum())
        effects = np.column_stack(eff)[:, 1:]
        return self._channel(
            "journey",
            ch,
            top,
            np.minimum(counts, top),
            y,
            effects,
            "logit per journey with the other channels' touches and the customer covariates",
            wt,
        )

    def _channel(
        self,
        level: str,
        ch: str,
        top: int,
        counts: np.ndarray,
        y: np.ndarray,
        sims: np.ndarray,
        method: str,
        weight: np.ndarray | None = None,
    ) -> ChannelPressure:
        """``sims``: (draws + 1, top) effects of bins 1..top; row 0 the estimate."""
        eff = np.column_stack([np.zeros(len(sims)), sims])
        peak, lo, hi = peak_interval(eff, self.ci)
        a = (1 - self.ci) / 2
        band = (
            np.quantile(eff[1:], [a, 1 - a], axis=0)
            if len(eff) > 1
            else np.vstack([eff[0], eff[0]])
        )
        if peak == top:
            beyond = "not_reached"
        else:
            drop = eff[1:, top] - eff[1:, peak] if len(eff) > 1 else eff[:1, top] - eff[0, peak]
            beyond = "declines" if np.quantile(drop, 1 - a) < 0 else "flat"
        w = np.ones(len(y)) if weight is None else weight
        rows = np.bincount(counts, weights=w, minlength=top + 1)[: top + 1]
        conv = np.bincount(counts, weights=y * w, minlength=top + 1)[: top + 1]
        return ChannelPressure(
            level,
            ch,
            tuple(range(top + 1)),
            rows,
            conv,
            eff[0],
            band[0],
            band[1],
            peak,
            lo,
            hi,
            beyond,
            method,
        )


def _draws(beta: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """The estimate followed by ``n`` draws from Normal(beta, cov): ``(n + 1, k)``."""
    if n == 0 or len(beta) == 0:
        return beta[None, :]
    sims = rng.multivariate_normal(beta, (cov + cov.T) / 2, size=n, method="eigh")
    return np.vstack([beta, sims])


def raw_peak(panel: pd.DataFrame, channel: str, top: int) -> int:
    """The frequency with the highest raw conversion rate (the cross-tab a model replaces).

    Example
    -------
    >>> raw_peak(pd.DataFrame({"a": [0, 1, 2, 2], "converted": [0, 1, 1, 0]}), "a", 2)
    1
    """
    b = np.minimum(panel[channel].to_numpy(dtype=np.int64), top)
    y = (pd.to_numeric(panel["converted"]).to_numpy(dtype=float) > 0).astype(float)
    rate = np.bincount(b, weights=y, minlength=top + 1) / np.maximum(
        np.bincount(b, minlength=top + 1), 1
    )
    return int(np.argmax(rate))
