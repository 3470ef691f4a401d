"""Model specification: a frozen description of the media-mix model (from TOML).

Example config (``data/mmm_config.toml`` is a complete one)::

    [model]
    date = "date"            # week start column
    target = "sales"
    geo = "geo"              # optional: one row per (date, geo), partial pooling
    population = "population"        # optional (geo models): geo size; default: mean sales
    trend = true             # default: on, except where the weekly time effect is on
    fourier_modes = 2        # yearly seasonality (default 2, the same exception)
    time_knots = 156         # time effect shared by all geos: one value per knot,
                             # linear between knots (default: one knot per fitted
                             # week in geo models, none in national models; 0 = off)
    controls = ["price"]     # default: every other numeric column
    events = ["black_friday"]        # 0/1 indicator columns (not scaled)
    holidays = ["2024-12-25"]        # dates -> indicator of the week containing them
    holdout_weeks = 8        # last weeks kept out of the fit and evaluated
    interval = 0.9
    prior_mode = "coefficient"       # or "roi": priors on each channel's ROI; or "share":
                                     # a prior on the media's total share of sales
    share_split = "spend"    # "share": split across paid channels by spend (same ROI
                             # a priori) or "flat" (same contribution a priori)

    [[channels]]
    name = "search"
    column = "spend_search"
    kind = "paid"            # paid | activity | offline
    adstock = "geometric"    # geometric | delayed | weibull
    l_max = 8
    saturation = "logistic"  # logistic | hill
    roi_prior = [2.0, 1.0]   # optional (mean, sd), used with prior_mode = "roi"
    input = "spend"          # spend | impressions (paid/offline channels only)
    impressions = "impressions_search"   # default impressions_<name> when input = impressions

    [priors]
    beta = {dist = "HalfNormal", sigma = 2}

    [calibration]
    value_per_conversion = 48.0   # sales value of one conversion (lift tests in conversions)

Without ``[[channels]]`` the panel convention applies: ``spend_<name>`` columns
are paid media, ``activity_<name>`` columns activity without spend.

Impressions. The default media driver of a paid channel is its spend, also when
the panel carries ``impressions_<name>``: adding a column never changes a model
silently, and a config reruns the same analysis next quarter. With ``input =
"impressions"`` the adstock and saturation act on the impressions (better when
the price per impression varies over time), while spend, contributions, ROI,
marginal ROI and response curves stay in money: a weekly spend ``s`` buys
``s / cpi`` impressions, with ``cpi`` the channel's cost per impression over the
fitted weeks (total spend / total impressions, all geos). That assumes future
impressions cost what they cost on average in the fitted weeks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from attribution.data.contracts import ACTIVITY_PREFIX, IMPRESSIONS_PREFIX, SPEND_PREFIX
from attribution.errors import UsageError
from attribution.io import read_toml
from attribution.mmm.components import ADSTOCKS, SATURATIONS
from attribution.mmm.priors import DEFAULT_PRIORS, SHARE_SPLITS, Prior, resolve_priors

KINDS = ("paid", "activity", "offline")
PRIOR_MODES = ("coefficient", "roi", "share")
#: the default effect prior, measured best against the simulator's truth
#: (benchmarks/results/truth_priors_2x100.md): coefficient priors credited media with
#: more than all sales in 20 of 20 worlds on weak data; the share prior cannot.
DEFAULT_PRIOR_MODE = "share"
INPUTS = ("spend", "impressions")  # a paid channel's media driver (default: spend)


@dataclass(frozen=True)
class ChannelSpec:
    """One media channel: its column, kind, adstock and saturation.

    ``column`` holds the spend (paid, offline) or the activity (activity kind).
    ``input = "impressions"`` drives the adstock with the ``impressions`` column
    (default ``impressions_<name>``) while spend and ROI stay in money.

    Example
    -------
    >>> ChannelSpec("tv", "spend_tv", kind="offline").adstock
    'geometric'
    >>> ChannelSpec("tv", "spend_tv", input="impressions").driver_column
    'impressions_tv'
    """

    name: str
    column: str
    kind: str = "paid"
    adstock: str = "geometric"
    l_max: int = 8
    normalize: bool = True
    saturation: str = "logistic"
    roi_prior: tuple[float, float] | None = None
    input: str = "spend"
    impressions: str | None = None

    def __post_init__(self) -> None:
        checks = (
            ("kind", self.kind, KINDS),
            ("adstock", self.adstock, ADSTOCKS),
            ("saturation", self.saturation, SATURATIONS),
        )
        for what, value, allowed in checks:
            if value not in allowed:
                raise UsageError(
                    f"channel '{self.name}': {what} must be one of {list(allowed)}, got {value!r}"
                )
        if not isinstance(self.l_max, int) or not 1 <= self.l_max <= 52:
            raise UsageError(f"channel '{self.name}': l_max must be a whole number 1..52")
        if self.roi_prior is not None:
            if len(self.roi_prior) != 2:
                raise UsageError(f"channel '{self.name}': roi_prior must be [mean, sd]")
            object.__setattr__(
                self, "roi_prior", (float(self.roi_prior[0]), float(self.roi_prior[1]))
            )
            if self.kind == "activity":
                raise UsageError(
                    f"channel '{self.name}': an activity channel has no spend, "
                    "so it cannot take a ROI prior"
                )
        if self.input not in INPUTS:
            raise UsageError(
                f"channel '{self.name}': input must be one of {list(INPUTS)}, got {self.input!r}"
            )
        if self.input == "impressions":
            if self.kind == "activity":
                raise UsageError(
                    f"channel '{self.name}': input = 'impressions' needs a paid "
                    "or offline channel (impressions are bought with spend); "
                    "for activity without spend point column at the activity"
                )
            if self.impressions is None:
                object.__setattr__(self, "impressions", IMPRESSIONS_PREFIX + self.name)
        elif self.impressions is not None:
            raise UsageError(
                f"channel '{self.name}': impressions = {self.impressions!r} is "
                "only used with input = 'impressions'; add that or remove it"
            )

    @property
    def has_spend(self) -> bool:
        return self.kind != "activity"

    @property
    def driver_column(self) -> str:
        """The column the adstock acts on: impressions or the spend/activity column."""
        return self.impressions if self.input == "impressions" and self.impressions else self.column


@dataclass(frozen=True)
class MMMSpec:
    """The whole model: columns, channels, baseline terms, priors.

    Example
    -------
    >>> spec = MMMSpec(channels=(ChannelSpec("tv", "spend_tv"),))
    >>> spec.channel_names
    ('tv',)
    """

    channels: tuple[ChannelSpec, ...]
    date: str = "date"
    target: str = "sales"
    geo: str | None = None
    population: str | None = None  # geo models: column of each geo's size (constant per geo)
    trend: bool | None = None  # None: on unless the time effect is on
    fourier_modes: int | None = None  # None: 2 unless the time effect is on
    time_knots: int | None = None  # None: one knot per fitted week in geo models, else off
    controls: tuple[str, ...] | None = None  # None: every other numeric column
    events: tuple[str, ...] = ()
    holidays: tuple[str, ...] = ()
    holdout_weeks: int = 0
    interval: float = 0.9
    prior_mode: str = DEFAULT_PRIOR_MODE
    share_split: str = "spend"  # prior_mode = "share": split media's share by spend or flat
    priors: tuple[tuple[str, Prior], ...] = field(default=())
    value_per_conversion: float | None = None  # [calibration]: lift tests in conversions

    def __post_init__(self) -> None:
        if not self.channels:
            raise UsageError(
                "the model needs at least one channel (spend_<name> or "
                "activity_<name> columns, or [[channels]] in the config)"
            )
        names = [c.name for c in self.channels]
        if len(set(names)) != len(names):
            raise UsageError(f"channel names must be unique, got {names}")
        if self.prior_mode not in PRIOR_MODES:
            raise UsageError(f"prior_mode must be one of {list(PRIOR_MODES)}")
        if self.share_split not in SHARE_SPLITS:
            raise UsageError(
                f"[model] share_split must be one of {list(SHARE_SPLITS)}, got {self.share_split!r}"
            )
        if not 0 < self.interval < 1:
            raise UsageError("interval must be between 0 and 1, e.g. 0.9")
        if self.population is not None and self.geo is None:
            raise UsageError(
                f"[model] population = {self.population!r} needs a geo column "
                '(geo = "<column>"): population sizes the geos of a geo model'
            )
        if (self.fourier_modes or 0) < 0 or self.holdout_weeks < 0:
            raise UsageError("fourier_modes and holdout_weeks must be >= 0")
        k = self.time_knots
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 0 or k == 1):
            raise UsageError(
                f"[model] time_knots must be 0 (no time effect) or a whole number >= 2 "
                f"(knots of the weekly time effect), got {k!r}"
            )
        if k and (self.trend or self.fourier_modes):
            raise UsageError(
                f"[model] time_knots = {k} already follows the trend and the seasonality; "
                "remove trend / fourier_modes from [model], or set time_knots = 0"
            )
        if self.value_per_conversion is not None:
            try:
                v = float(self.value_per_conversion)
            except (TypeError, ValueError):
                v = float("nan")
            if not (v > 0 and v < float("inf")):
                raise UsageError(
                    "[calibration] value_per_conversion must be a number > 0 "
                    f"(sales value of one conversion), got "
                    f"{self.value_per_conversion!r}"
                )
            object.__setattr__(self, "value_per_conversion", v)
        resolve_priors(dict(self.priors))

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    def time_effect(self, n_geos: int) -> bool:
        """Whether the model has a weekly time effect shared by all geos.

        On where ``time_knots`` > 0; by default in geo models (``n_geos > 1``) whose
        config asks for neither ``trend`` nor ``fourier_modes`` (as Meridian's geo
        models default to one knot per period).

        Example
        -------
        >>> s = MMMSpec(channels=(ChannelSpec("tv", "spend_tv"),))
        >>> s.time_effect(1), s.time_effect(40), replace(s, trend=True).time_effect(40)
        (False, True, False)
        """
        if self.time_knots is not None:
            return self.time_knots > 0
        return n_geos > 1 and self.trend is None and self.fourier_modes is None

    def n_knots(self, n_geos: int, n_weeks: int) -> int:
        """Knots of the time effect over ``n_weeks`` fitted weeks (0: no time effect)."""
        if not self.time_effect(n_geos):
            return 0
        k = self.time_knots or n_weeks
        if k > n_weeks:
            raise UsageError(
                f"[model] time_knots = {k} is more than the {n_weeks} fitted weeks; "
                f"use at most {n_weeks} (one knot per week)"
            )
        return k

    def uses_trend(self, n_geos: int) -> bool:
        """The linear trend term (default on, off under the time effect)."""
        return False if self.time_effect(n_geos) else self.trend is not False

    def seasonal_modes(self, n_geos: int) -> int:
        """Yearly Fourier modes (default 2, none under the time effect)."""
        if self.time_effect(n_geos):
            return 0
        return 2 if self.fourier_modes is None else self.fourier_modes

    @property
    def prior_set(self) -> dict[str, Prior]:
        """All priors: documented defaults updated with the config's overrides."""
        return resolve_priors(dict(self.priors))

    def channel(self, name: str) -> ChannelSpec:
        for c in self.channels:
            if c.name == name:
                return c
        raise UsageError(f"unknown channel '{name}'; channels: {list(self.channel_names)}")

    def without_channels(self, names: Sequence[str]) -> MMMSpec:
        """A copy without the named channels (e.g. channels with no spend at all)."""
        return replace(self, channels=tuple(c for c in self.channels if c.name not in names))

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON/TOML-ready), the inverse of :func:`spec_from_dict`."""
        model = {
            k: v
            for k, v in asdict(self).items()
            if k not in ("channels", "priors", "value_per_conversion")
        }
        model = {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in model.items() if v is not None
        }
        chans = []
        for c in self.channels:
            d = asdict(c)
            if d["roi_prior"] is None:
                d.pop("roi_prior")
            else:
                d["roi_prior"] = list(d["roi_prior"])
            if d["impressions"] is None:
                d.pop("impressions")
            chans.append(d)
        out = {
            "model": model,
            "channels": chans,
            "priors": {k: p.to_dict() for k, p in self.priors},
        }
        if self.value_per_conversion is not None:
            out["calibration"] = {"value_per_conversion": self.value_per_conversion}
        return out


def spec_from_dict(config: Mapping[str, Any], columns: Sequence[str] | None = None) -> MMMSpec:
    """Build a spec from a parsed config; infer channels from ``columns`` if none are listed.

    Example
    -------
    >>> spec_from_dict({}, ["date", "sales", "spend_tv", "activity_posts"]).channel_names
    ('tv', 'posts')
    """
    model = dict(config.get("model", {}))
    allowed = {
        "date",
        "target",
        "geo",
        "population",
        "trend",
        "fourier_modes",
        "time_knots",
        "controls",
        "events",
        "holidays",
        "holdout_weeks",
        "interval",
        "prior_mode",
        "share_split",
    }
    unknown = set(model) - allowed
    if unknown:
        raise UsageError(f"unknown [model] setting(s) {sorted(unknown)}; known: {sorted(allowed)}")
    if "geo" not in model and columns is not None and "geo" in [str(c) for c in columns]:
        model["geo"] = "geo"  # the contract's optional geo column is picked up by default
    for key in ("controls", "events", "holidays"):
        if key in model and model[key] is not None:
            model[key] = tuple(str(v) for v in model[key])
    raw_channels = config.get("channels") or []
    if raw_channels:
        channels = []
        for i, ch in enumerate(raw_channels):
            ch = dict(ch)
            if "name" not in ch:
                raise UsageError(f"[[channels]] entry {i + 1} needs a name")
            ch.setdefault("column", SPEND_PREFIX + ch["name"])
            if "roi_prior" in ch:
                ch["roi_prior"] = tuple(ch["roi_prior"])
            try:
                channels.append(ChannelSpec(**ch))
            except TypeError as exc:
                raise UsageError(f"channel '{ch['name']}': {exc}") from None
    else:
        channels = list(infer_channels(() if columns is None else [str(c) for c in columns]))
    priors = tuple(
        sorted((k, Prior.from_dict(k, v)) for k, v in dict(config.get("priors", {})).items())
    )
    unknown_p = {k for k, _ in priors} - set(DEFAULT_PRIORS)
    if unknown_p:
        raise UsageError(f"unknown prior(s) {sorted(unknown_p)}; known: {sorted(DEFAULT_PRIORS)}")
    calib = dict(config.get("calibration") or {})
    unknown_c = set(calib) - {"value_per_conversion"}
    if unknown_c:
        raise UsageError(
            f"unknown [calibration] setting(s) {sorted(unknown_c)}; known: ['value_per_conversion']"
        )
    return MMMSpec(
        channels=tuple(channels),
        priors=priors,
        value_per_conversion=calib.get("value_per_conversion"),
        **model,
    )


def infer_channels(columns: Sequence[str]) -> tuple[ChannelSpec, ...]:
    """Channels from the panel convention: ``spend_<name>`` (paid), ``activity_<name>``."""
    out = []
    for col in columns:
        if col.startswith(SPEND_PREFIX):
            out.append(ChannelSpec(col[len(SPEND_PREFIX) :], col, kind="paid"))
        elif col.startswith(ACTIVITY_PREFIX):
            out.append(ChannelSpec(col[len(ACTIVITY_PREFIX) :], col, kind="activity"))
    return tuple(out)


def load_spec(path: str | Path, columns: Sequence[str] | None = None) -> MMMSpec:
    """Read a TOML config file into a frozen :class:`MMMSpec`.

    Example
    -------
    >>> spec = load_spec("data/mmm_config.toml")   # doctest: +SKIP
    """
    return spec_from_dict(read_toml(path), columns)


def needs_value_per_conversion(spec: MMMSpec, lift_tests: Any) -> bool:
    """True when a lift test is in conversions with neither its own ``value_per_conversion``
    nor one in the spec's ``[calibration]`` (the pipeline then supplies the average
    order value of the conversions).

    Example
    -------
    >>> import pandas as pd
    >>> spec = MMMSpec(channels=(ChannelSpec("tv", "spend_tv"),))
    >>> needs_value_per_conversion(spec, pd.DataFrame({"metric": ["conversions"]}))
    True
    """
    import pandas as pd

    if (
        spec.value_per_conversion is not None
        or lift_tests is None
        or "metric" not in lift_tests.columns
    ):
        return False
    conv = lift_tests["metric"].astype("string").str.strip().str.lower() == "conversions"
    conv = conv.fillna(False).to_numpy(bool)
    if "value_per_conversion" in lift_tests.columns:
        vals = pd.to_numeric(lift_tests["value_per_conversion"], errors="coerce")
        conv &= vals.isna().to_numpy(bool)
    return bool(conv.any())
