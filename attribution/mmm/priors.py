"""Priors of the media-mix model: documented, weakly informative defaults.

All priors act on the *scaled* problem: sales are divided by the largest
training value of sales and each channel by its largest training value, so
every quantity is O(1) and the defaults below are weakly informative for any
currency or business size.

=================  ======================  ==============================================
name               default                 meaning
=================  ======================  ==============================================
intercept          Normal(0, 2)            baseline level (share of max sales)
trend              Normal(0, 1)            change of baseline over the training period
fourier            Laplace(0, 1)           yearly seasonality coefficients
control            Normal(0, 2)            effect of a control at its largest value
beta               HalfNormal(2)           channel effect at full saturation, used when
                                           ``prior_mode = "coefficient"``
alpha              Beta(1, 1)              geometric / delayed adstock retention: uniform,
                                           as Meridian's default; Beta(1, 3) (pymc-marketing's)
                                           held TV's and direct mail's long carry-over
                                           (retention ~0.6-0.75) to a quarter of the truth
theta              HalfNormal(2)           delayed adstock: lag of the peak (weeks)
weibull_shape      Gamma(2, 1)             Weibull adstock shape
weibull_scale      Gamma(3, 1)             Weibull adstock scale (weeks)
lam                Gamma(3, 1)             logistic saturation steepness
hill_k             Gamma(3, 6)             Hill half-saturation point (scaled media)
hill_s             Gamma(3, 2)             Hill slope
sigma              HalfNormal(1)           residual noise
geo_intercept_sd   HalfNormal(0.5)         spread of geo baselines (partial pooling)
geo_beta_sd        HalfNormal(0.5)         spread of log channel effects across geos
geo_control_sd     HalfNormal(0.5)         spread of control effects across geos
time_sd            HalfNormal(0.5)         spread of the time effect's knot values
roi                LogNormal(mean 1, sd 2) channel ROI, used when ``prior_mode = "roi"``
media_share        Beta(2, 4)              media's total share of sales, used when
                                           ``prior_mode = "share"`` (the default); split across the
                                           channels by ``u * spend`` with ``u`` a flat
                                           Dirichlet, so the channels' ROIs are
                                           exchangeable a priori (``[model]
                                           share_split = "flat"``: ``u`` alone, equal
                                           contributions whatever the spend)
=================  ======================  ==============================================

A config overrides any of them in ``[priors]``, e.g.
``beta = {dist = "HalfNormal", sigma = 1}``. Only the distributions in
:data:`DISTRIBUTIONS` are accepted (no code from config files is ever run).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from attribution.errors import UsageError

# distribution -> its parameter names (PyMC spelling)
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "Normal": ("mu", "sigma"),
    "HalfNormal": ("sigma",),
    "LogNormal": ("mu", "sigma"),
    "Gamma": ("alpha", "beta"),
    "Beta": ("alpha", "beta"),
    "Laplace": ("mu", "b"),
    "HalfStudentT": ("nu", "sigma"),
    "Exponential": ("lam",),
}


@dataclass(frozen=True)
class Prior:
    """One prior: a distribution name and its parameters.

    Example
    -------
    >>> Prior("HalfNormal", (("sigma", 2.0),)).params
    {'sigma': 2.0}
    """

    dist: str
    kwargs: tuple[tuple[str, float], ...]

    @property
    def params(self) -> dict[str, float]:
        return dict(self.kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {"dist": self.dist, **self.params}

    @classmethod
    def from_dict(cls, name: str, d: Mapping[str, Any]) -> Prior:
        """Parse ``{"dist": "Normal", "mu": 0, "sigma": 1}``; raise UsageError if invalid."""
        d = dict(d)
        dist = d.pop("dist", None)
        if dist not in DISTRIBUTIONS:
            raise UsageError(
                f"prior '{name}': dist must be one of {sorted(DISTRIBUTIONS)}, got {dist!r}"
            )
        want = DISTRIBUTIONS[dist]
        if set(d) != set(want):
            raise UsageError(
                f"prior '{name}': {dist} needs parameters {list(want)}, got {sorted(d)}"
            )
        try:
            kwargs = tuple((k, float(d[k])) for k in want)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"prior '{name}': parameters must be numbers") from exc
        return cls(dist, kwargs)

    def create(self, pm_module: Any, name: str, **kw: Any) -> Any:
        """Create the PyMC random variable ``name`` (inside a model context)."""
        return getattr(pm_module, self.dist)(name, **self.params, **kw)


def _p(dist: str, **kw: float) -> Prior:
    return Prior(dist, tuple((k, float(v)) for k, v in kw.items()))


DEFAULT_PRIORS: dict[str, Prior] = {
    "intercept": _p("Normal", mu=0, sigma=2),
    "trend": _p("Normal", mu=0, sigma=1),
    "fourier": _p("Laplace", mu=0, b=1),
    "control": _p("Normal", mu=0, sigma=2),
    "beta": _p("HalfNormal", sigma=2),
    "alpha": _p("Beta", alpha=1, beta=1),
    "theta": _p("HalfNormal", sigma=2),
    "weibull_shape": _p("Gamma", alpha=2, beta=1),
    "weibull_scale": _p("Gamma", alpha=3, beta=1),
    "lam": _p("Gamma", alpha=3, beta=1),
    "hill_k": _p("Gamma", alpha=3, beta=6),
    "hill_s": _p("Gamma", alpha=3, beta=2),
    "sigma": _p("HalfNormal", sigma=1),
    "geo_intercept_sd": _p("HalfNormal", sigma=0.5),
    "time_sd": _p("HalfNormal", sigma=0.5),
    "geo_beta_sd": _p("HalfNormal", sigma=0.5),
    "geo_control_sd": _p("HalfNormal", sigma=0.5),
    "media_share": _p("Beta", alpha=2, beta=4),
}

DEFAULT_ROI = (1.0, 2.0)  # mean, sd of a channel's ROI when prior_mode = "roi"


def lognormal_from_moments(mean: float, sd: float) -> tuple[float, float]:
    """LogNormal ``(mu, sigma)`` with the given mean and standard deviation.

    Example
    -------
    >>> mu, s = lognormal_from_moments(2.0, 1.0)
    >>> round(math.exp(mu + s * s / 2), 6)
    2.0
    """
    if mean <= 0 or sd <= 0:
        raise UsageError(f"a ROI prior needs mean > 0 and sd > 0, got mean={mean}, sd={sd}")
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - s2 / 2, math.sqrt(s2)


def beta_from_moments(mean: float, sd: float) -> tuple[float, float]:
    """Beta ``(alpha, beta)`` with the given mean and standard deviation.

    Example
    -------
    >>> a, b = beta_from_moments(0.2, 0.1)
    >>> round(a / (a + b), 6), round(a + b, 6)
    (0.2, 15.0)
    """
    if not 0 < mean < 1 or sd <= 0 or sd**2 >= mean * (1 - mean):
        raise UsageError(
            f"a contribution-share prior needs 0 < mean < 1 and "
            f"0 < sd < sqrt(mean (1 - mean)), got mean={mean}, sd={sd}"
        )
    k = mean * (1 - mean) / sd**2 - 1
    return mean * k, (1 - mean) * k


@dataclass(frozen=True)
class ChannelPriors:
    """Per-channel priors on the contribution share of sales (the MTA -> MMM seam).

    ``shares`` maps a channel name to ``(mean, sd)`` of its share of total sales
    over the fitted period (0 < mean < 1). Channels not listed keep the model's
    default prior. Built by the combine stage from path attribution.

    Example
    -------
    >>> cp = ChannelPriors({"search": (0.2, 0.05)})
    >>> cp.for_channel("search")
    (0.2, 0.05)
    """

    shares: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    source: str = "mta"

    def __post_init__(self) -> None:
        clean = {str(k): (float(v[0]), float(v[1])) for k, v in dict(self.shares).items()}
        for ch, (m, s) in clean.items():
            try:
                beta_from_moments(m, s)
            except UsageError as exc:
                raise UsageError(f"channel prior for '{ch}': {exc}") from None
        object.__setattr__(self, "shares", clean)

    def for_channel(self, name: str) -> tuple[float, float] | None:
        return self.shares.get(name)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "shares": {k: list(v) for k, v in self.shares.items()}}


SHARE_SPLITS = ("spend", "flat")  # how prior_mode = "share" splits media's share


def share_split_weights(spend: Any, has_spend: Any, split: str = "spend") -> np.ndarray:
    """Weights ``s`` of the split of media's share of sales across channels.

    The model draws ``u ~ Dirichlet(1, ..., 1)`` and gives channel ``c`` the share
    ``u_c s_c / sum_j u_j s_j`` of media's contribution. ``"flat"``: ``s = 1``, each
    channel's share is Beta(1, n - 1) a priori whatever its spend, so its ROI is a
    priori inversely proportional to its spend and a plan cuts the largest budgets
    whatever the data say. ``"spend"`` (default): ``s`` is each paid channel's spend
    (channels without spend get the paid channels' mean), so ``u`` is the ROI up to
    one common factor: the ROIs are exchangeable a priori (as wide as the flat split,
    none favoured), and the prior alone never moves a budget. Fewer than two paid
    channels with spend: flat.

    Parameters
    ----------
    spend : total spend per channel over the fitted weeks (any unit), ``(n,)``.
    has_spend : whether each channel is paid (activity channels have none), ``(n,)``.
    split : ``"spend"`` or ``"flat"``.

    Returns
    -------
    ``(n,)`` positive weights with mean 1.

    Example
    -------
    >>> share_split_weights([3.0, 1.0, 0.0], [True, True, False]).tolist()
    [1.5, 0.5, 1.0]
    """
    if split not in SHARE_SPLITS:
        raise UsageError(f"share_split must be one of {list(SHARE_SPLITS)}, got {split!r}")
    spend = np.asarray(spend, dtype=float)
    paid = np.asarray(has_spend, dtype=bool) & (spend > 0)
    out = np.ones(spend.size)
    if split == "spend" and paid.sum() > 1:
        out = np.where(paid, spend, spend[paid].mean())
    return out / out.mean()


def resolve_priors(overrides: Mapping[str, Prior]) -> dict[str, Prior]:
    """Defaults updated with the config's overrides (unknown names are a UsageError)."""
    unknown = set(overrides) - set(DEFAULT_PRIORS)
    if unknown:
        raise UsageError(
            f"unknown prior name(s) {sorted(unknown)}; known: {sorted(DEFAULT_PRIORS)}"
        )
    return {**DEFAULT_PRIORS, **overrides}
