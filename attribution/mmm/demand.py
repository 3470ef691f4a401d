"""Demand in the media-mix model: the demand control and the "spend follows demand" test.

Paid brand search is the classic confounded channel (Chen et al. 2018, "Bias
correction for paid search in media mix modeling"): people already in the market
search the brand, so its clicks -- and its spend, clicks x cost per click -- rise
and fall with demand, and a model that does not see demand credits the search ads
with the sales the demand brought. The causal graph has query volume as the
confounder; conditioning on it identifies the ads' effect. Google's Meridian
recommends the same control.

Two pieces here, both pure functions of weekly arrays:

- **Demand columns.** Panel columns named ``query_volume`` or ``demand_<name>``
  (search-console or search-trends exports, or the weekly volume of unpaid intent
  touches that the pipeline derives from the journeys) are demand signals. They
  always enter the model as controls (:func:`with_demand_controls`), also when the
  config lists its controls explicitly.
- **Spend follows demand** (:func:`demand_test`). For each paid channel, ordinary
  least squares (statsmodels) of weekly spend on the baseline terms the model already
  has (trend and yearly seasonality), then on those plus the demand signal and the
  sales of the previous ``lags`` weeks. The share of the remaining variance that
  demand and lagged sales explain (partial R^2) says how much of the channel's
  week-to-week movement was decided by demand rather than by plan; with a partial
  R^2 of at least ``r2_min`` (and the F-test of the added terms significant) the
  channel's spend follows demand, and its effect rests on the few movements that
  demand did not cause. A Granger test (statsmodels; do past sales predict spend?)
  is evidence of its own: with its p-value below 0.001, half that partial R^2
  suffices (the case of a panel without any demand signal, where lagged sales are
  the only proxy of demand).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import statsmodels.api as sm
from statsmodels.tsa.stattools import grangercausalitytests

from attribution.mmm.spec import MMMSpec

DEMAND_PREFIX = "demand_"
QUERY_VOLUME = "query_volume"
#: the column the pipeline writes with the weekly volume of unpaid intent touches
JOURNEY_DEMAND = "demand_intent_touches"
R2_MIN = 0.5
P_MAX = 0.01
GRANGER_P = 0.001
LAGS = 2
YEAR_WEEKS = 52.1775


def is_demand_column(name: str) -> bool:
    """True for ``query_volume`` and ``demand_<name>`` columns.

    Example
    -------
    >>> is_demand_column("demand_brand_queries"), is_demand_column("price")
    (True, False)
    """
    return name == QUERY_VOLUME or (name.startswith(DEMAND_PREFIX) and len(name) > 7)


def demand_columns(columns: Sequence[str]) -> tuple[str, ...]:
    """The demand columns of a panel, in panel order."""
    return tuple(str(c) for c in columns if is_demand_column(str(c)))


def with_demand_controls(spec: MMMSpec, columns: Sequence[str]) -> MMMSpec:
    """The spec with every demand column among its controls.

    With ``controls = None`` (every other numeric column) they are in already; an
    explicit list gets them appended.

    Example
    -------
    >>> from attribution.mmm.spec import ChannelSpec
    >>> s = MMMSpec(channels=(ChannelSpec("tv", "spend_tv"),), controls=("price",))
    >>> with_demand_controls(s, ["date", "price", "query_volume"]).controls
    ('price', 'query_volume')
    """
    if spec.controls is None:
        return spec
    extra = tuple(c for c in demand_columns(columns) if c not in spec.controls)
    return replace(spec, controls=spec.controls + extra) if extra else spec


@dataclass(frozen=True)
class DemandTest:
    """Result of the spend-follows-demand test for one channel.

    ``partial_r2``: share of the spend's variance beyond trend and season explained by
    demand and lagged sales; ``r2``: R^2 of the full regression; ``p_value``: F-test
    of the added terms; ``granger_p``: smallest p-value of the Granger test that past
    sales help predict spend (lags 1..``lags``); ``follows``: the verdict.
    """

    channel: str
    partial_r2: float
    r2: float
    p_value: float
    granger_p: float
    follows: bool
    signal: str

    def to_dict(self) -> dict[str, object]:
        return {
            k: getattr(self, k)
            for k in ("channel", "partial_r2", "r2", "p_value", "granger_p", "follows", "signal")
        }


def baseline_terms(n: int, modes: int = 2) -> np.ndarray:
    """Trend and yearly Fourier terms for ``n`` weeks, ``(n, 1 + 2 * modes)``."""
    t = np.arange(n, dtype=float)
    cols = [t / max(n - 1, 1)]
    for k in range(1, modes + 1):
        cols += [np.sin(2 * np.pi * k * t / YEAR_WEEKS), np.cos(2 * np.pi * k * t / YEAR_WEEKS)]
    return np.column_stack(cols)


def lagged(x: np.ndarray, lags: int) -> np.ndarray:
    """Columns ``x[t-1] .. x[t-lags]`` (rows before ``lags`` are NaN)."""
    out = np.full((x.size, lags), np.nan)
    for k in range(1, lags + 1):
        out[k:, k - 1] = x[:-k]
    return out


def demand_test(
    channel: str,
    spend: np.ndarray,
    sales: np.ndarray,
    demand: np.ndarray | None = None,
    *,
    lags: int = LAGS,
    r2_min: float = R2_MIN,
    p_max: float = P_MAX,
    signal: str = "",
) -> DemandTest:
    """Does ``spend`` follow demand (the ``demand`` signal) or past ``sales``?

    Parameters
    ----------
    channel : name (for the result).
    spend, sales : weekly series of equal length.
    demand : weekly demand signal (query volume, unpaid intent touches), or None to
        test lagged sales alone.
    lags : weeks of lagged sales.
    r2_min, p_max : the verdict's thresholds (partial R^2 and F-test p-value).

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> d = np.exp(np.cumsum(rng.normal(0, 0.1, 104)))
    >>> demand_test("brand", 5 * d * rng.lognormal(0, 0.05, 104), 100 * d, d).follows
    True
    """
    y = np.asarray(spend, dtype=float)
    s = np.asarray(sales, dtype=float)
    n = y.size
    base = baseline_terms(n)
    added = [lagged(s, lags)]
    if demand is not None:
        added.insert(0, np.asarray(demand, dtype=float)[:, None])
    extra = np.column_stack(added)
    keep = np.all(np.isfinite(extra), axis=1)
    if keep.sum() < base.shape[1] + extra.shape[1] + 5 or np.std(y[keep]) <= 0:
        return DemandTest(channel, 0.0, 0.0, 1.0, 1.0, False, signal)
    # scale columns so that OLS is well conditioned
    extra = extra[keep] / np.maximum(np.abs(extra[keep]).max(axis=0), 1e-300)
    yk = y[keep] / np.abs(y[keep]).max()
    x0 = sm.add_constant(base[keep], has_constant="add")
    x1 = np.column_stack([x0, extra])
    fit0, fit1 = sm.OLS(yk, x0).fit(), sm.OLS(yk, x1).fit()
    ssr0, ssr1 = float(fit0.ssr), float(fit1.ssr)
    partial = 0.0 if ssr0 <= 0 else max(0.0, 1.0 - ssr1 / ssr0)
    _, p_value, _ = fit1.compare_f_test(fit0)
    p_value = float(p_value) if np.isfinite(p_value) else 1.0
    granger = _granger(y, s, lags)
    strong = partial >= r2_min
    # past sales predicting spend (Granger) is evidence of its own: half the share suffices
    led_by_sales = granger < GRANGER_P and partial >= r2_min / 2
    follows = bool((strong or led_by_sales) and p_value < p_max)
    return DemandTest(
        channel, float(partial), float(fit1.rsquared), p_value, granger, follows, signal
    )


def _granger(spend: np.ndarray, sales: np.ndarray, lags: int) -> float:
    """Smallest p-value (F-test) that past sales help predict spend; 1.0 if untestable."""
    data = np.column_stack([spend, sales])
    if data.shape[0] < 3 * lags + 10 or np.std(spend) <= 0 or np.std(sales) <= 0:
        return 1.0
    try:
        res = grangercausalitytests(data, maxlag=lags)
    except (ValueError, np.linalg.LinAlgError):
        return 1.0
    return float(min(r[0]["ssr_ftest"][1] for r in res.values()))
