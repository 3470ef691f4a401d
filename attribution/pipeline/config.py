"""The run config: one TOML file describes a run; the same file reruns it next quarter.

Parsed into frozen dataclasses. Unknown keys are errors (with the closest valid
name suggested), so a typo never silently falls back to a default. Relative
paths are resolved against the config file's folder.

Example ``run.toml``::

    [run]
    name = "2026-Q3"
    out = "runs/2026-Q3"
    seed = 7

    [inputs]
    touchpoints = "data/touchpoints.parquet"
    conversions = "data/conversions.parquet"
    media = "data/media.csv"
    lift_tests = "data/lift_tests.csv"

    [mta]
    bootstrap = 100

    [optimize]
    budget = 250000          # weekly; default: the current weekly total
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from attribution.data.mapping import MappingConfig
from attribution.errors import UsageError
from attribution.io import read_toml
from attribution.journeys.sources import is_source_spec, normalize_spec
from attribution.optimize.adapters import FLIGHTING
from attribution.optimize.bounds import DEFAULT_MAX_CHANGE_PCT
from attribution.pipeline.window import check_window


@dataclass(frozen=True)
class InputsConfig:
    """Input locations. touchpoints, conversions and id_map are source strings: a local
    path, folder or glob (relative to the config file), an object-store URL
    (``s3://…``, ``gs://…``, ``abfss://…``, ``hdfs://…``) or a table (``table:db.name``
    for Spark's catalog, ``duckdb:FILE.duckdb:[schema.]table``); see
    :mod:`attribution.journeys.sources`."""

    touchpoints: Path | str | None = None
    conversions: Path | str | None = None
    id_map: Path | str | None = None
    paths: Path | None = None  # an aggregated path table instead of raw logs
    media: Path | None = None
    lift_tests: Path | None = None
    truth: Path | None = None  # simulated worlds only
    # bring your own data (docs/bring-your-own-data.md): a GA4 BigQuery export instead of
    # touchpoints/conversions; daily ad-platform exports + daily sales instead of media
    ga4: Path | str | None = None
    ad_spend: tuple[Path, ...] = ()
    sales: Path | None = None
    customers: Path | None = None  # customer attributes for segments (customer_id + any)


@dataclass(frozen=True)
class JourneysConfig:
    engine: str = "duckdb"
    lookback_days: float = 30.0
    inactivity_days: float = 30.0
    collapse_repeats: bool = False
    drop_impressions: bool = False
    granularity: str = "channel"
    # where and how the engine runs (configuration only): DuckDB's memory limit and
    # threads; Spark's master URL and any Spark setting, e.g. spark_conf = {
    # "spark.executor.memory" = "8g"} (else $SPARK_MASTER and spark-defaults.conf apply)
    memory_limit: str = "5GB"
    threads: int | None = None
    spark_master: str | None = None
    spark_conf: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MTAConfig:
    models: tuple[str, ...] = (
        "first",
        "last",
        "last_non_direct",
        "linear",
        "position",
        "time_decay",
        "markov",
        "shapley",
        "shapley_rate",
    )
    order: str | int = "auto"
    bootstrap: int = 100
    # time_decay half-life: a duration ("7D", "36h") uses the journeys' touch times; a
    # number counts path steps; unset: 7 days with touchpoints, 1 step with a path table
    half_life: str | float | None = None

    def __post_init__(self) -> None:
        if self.half_life is not None:
            from attribution.mta.heuristics import parse_half_life

            try:
                parse_half_life(self.half_life)
            except UsageError as exc:
                raise UsageError(f"[mta] half_life: {exc}") from None


@dataclass(frozen=True)
class MMMConfig:
    spec: Path | None = None  # model spec TOML (attribution/mmm); default: inferred
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    use_lift_tests: bool = True
    # off by default: measured worse than the MMM alone (benchmarks/results/truth.md)
    use_mta_priors: bool = False
    # demand (docs/methods-demand.md): journey channels whose weekly touches form the
    # demand control; journey channels without spend enter as activity channels
    demand_channels: tuple[str, ...] = ("organic_search", "direct", "search_brand")
    journey_demand: bool = True
    journey_activity: bool = True
    demand_r2: float = 0.5  # partial R^2 at which spend "follows demand"
    adjacent_hours: float = 24.0  # touches this close before a purchase: not counted
    intent_adjusted_priors: bool = True  # MTA priors from credit adjusted for intent
    # channels the panel cannot separate from demand (spend follows demand, navigational
    # touches) without a lift test: effect anywhere from zero to the fitted association
    partial_identification: bool = True
    # "coefficient", "roi" or "share": the effect priors. None: a spec file's own, else
    # the default (mmm.spec.DEFAULT_PRIOR_MODE)
    prior_mode: str | None = None
    # nutpie's compiler: "numba", "jax" or "auto" (MMM's backend); cache_dir: compiled
    # models kept across processes (jax), default ~/.cache/attribution (docs/compile-cache.md)
    backend: str = "auto"
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.prior_mode not in (None, "coefficient", "roi", "share"):
            raise UsageError(
                f"[mmm] prior_mode must be 'coefficient', 'roi' or 'share', got {self.prior_mode!r}"
            )
        if self.backend not in ("auto", "numba", "jax"):
            raise UsageError(
                f"[mmm] backend must be 'auto', 'numba' or 'jax', got {self.backend!r}"
            )


@dataclass(frozen=True)
class OptimizeConfig:
    budget: float | None = None  # weekly total; None keeps the current total
    bounds: Path | None = None
    objective: str = "sales"
    margin: float | None = None
    risk_quantile: float | None = None
    max_change_pct: float = DEFAULT_MAX_CHANGE_PCT
    # plan even when the model has error-level diagnostics (the plan is marked unsafe)
    allow_unconverged: bool = False
    confounded_cap: float = 0.1  # max change of a channel whose spend follows demand
    # "historical": a plan scales each channel's own weekly flighting of the fitted weeks
    # (bursts stay bursts); "flat": the same spend every week (optimize/adapters.py)
    flighting: str = "historical"

    def __post_init__(self) -> None:
        if self.flighting not in FLIGHTING:
            raise UsageError(
                f"[optimize] flighting must be one of {', '.join(FLIGHTING)}, "
                f"got {self.flighting!r}"
            )
        if not 0.0 <= self.confounded_cap <= 10.0:
            raise UsageError(
                f"[optimize] confounded_cap must be a share between 0 and 10 "
                f"(0.1 = +-10%), got {self.confounded_cap}"
            )


@dataclass(frozen=True)
class SegmentsConfig:
    """Segments, contact pressure, online/offline and frequency caps (docs/segments-and-
    pressure.md); they run whenever journeys are built from touchpoints."""

    enabled: bool = True
    max_levels: int = 20  # most distinct values of an attribute column
    min_conversions: int = 50  # converting journeys a segment needs to be estimated
    offline_channels: tuple[str, ...] | None = None  # default: store_visit, call_centre, ...
    pressure: bool = True
    max_frequency: int = 10
    caps_from_pressure: bool = True  # frequency caps for the plan from the pressure results
    caps: Path | None = None  # user caps CSV: channel, frequency_cap and/or spend_cap


@dataclass(frozen=True)
class ReportConfig:
    formats: tuple[str, ...] = ("html", "pdf")
    currency: str = "EUR"
    locale: str = "en"
    previous: Path | None = None
    # how channels are shown: channel_names = {tv = "TV"}, channel_colours = {tv = "#0072B2"},
    # channel_units = {organic_social = "posts"} (activity channels; default "activity units")
    channel_names: dict[str, str] = field(default_factory=dict)
    channel_colours: dict[str, str] = field(default_factory=dict)
    channel_units: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSection:
    name: str = "run"
    out: Path = Path("runs/latest")
    seed: int = 0
    lenient: bool = False
    max_reject_share: float = 0.5  # lenient: stop (exit 2) when more rows are rejected
    reconcile: str = "error"  # journeys and panel share no channel: error | warn
    interval: float = 0.9
    # the reporting window (ISO dates, both included), e.g. a quarter: journeys, path credit,
    # MMM contributions and calibration are summarised over it; the MMM still learns from
    # the whole media panel. Unset: the whole period of the data.
    window_start: str | None = None
    window_end: str | None = None

    def __post_init__(self) -> None:
        check_window(self.window_start, self.window_end)


@dataclass(frozen=True)
class ExperimentsConfig:
    """The test worth running next (docs/experiments.md): after the plan, one designed and
    valued test per paid channel."""

    enabled: bool = True


@dataclass(frozen=True)
class RunConfig:
    run: RunSection = field(default_factory=RunSection)
    inputs: InputsConfig = field(default_factory=InputsConfig)
    journeys: JourneysConfig = field(default_factory=JourneysConfig)
    mta: MTAConfig = field(default_factory=MTAConfig)
    mmm: MMMConfig = field(default_factory=MMMConfig)
    optimize: OptimizeConfig = field(default_factory=OptimizeConfig)
    segments: SegmentsConfig = field(default_factory=SegmentsConfig)
    experiments: ExperimentsConfig = field(default_factory=ExperimentsConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    mapping: MappingConfig = field(default_factory=MappingConfig)

    def to_dict(self) -> dict[str, Any]:
        """Plain, TOML/JSON-friendly dict (paths as strings, tuples as lists)."""
        return _to_plain(self)


def load_config(path: str | Path) -> RunConfig:
    """Read a run config TOML file into a frozen ``RunConfig``."""
    path = Path(path)
    return config_from_dict(read_toml(path), base=path.parent, source=str(path))


def config_from_dict(
    raw: dict[str, Any], base: Path = Path("."), source: str = "config"
) -> RunConfig:
    """Build a ``RunConfig`` from nested dicts; relative paths resolve against ``base``."""
    return _build(RunConfig, raw, base, source, "")


def _build(cls: type, raw: Any, base: Path, source: str, where: str) -> Any:
    if not isinstance(raw, dict):
        raise UsageError(f"{source}: [{where}] must be a table")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(names)}"
            raise UsageError(f"{source}: unknown key '{key}' in [{where or 'top level'}]{hint}")
        kwargs[key] = _coerce(hints[key], value, base, source, f"{where}.{key}".strip("."))
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, base: Path, source: str, where: str) -> Any:
    if hasattr(tp, "from_config"):  # a section with its own schema (e.g. [mapping])
        try:
            return tp.from_config(value, where)
        except UsageError as exc:
            raise UsageError(f"{source}: {exc}") from None
    if is_dataclass(tp):
        return _build(tp, value, base, source, where)
    options = typing.get_args(tp) if isinstance(tp, types.UnionType) else (tp,)
    for opt in options:
        if opt is type(None):
            continue
        if opt is Path and str in options and isinstance(value, str) and is_source_spec(value):
            try:  # URL or table source: kept as text
                return normalize_spec(value, base)
            except UsageError as exc:
                raise UsageError(f"{source}: '{where}': {exc}") from None
        if opt is Path and isinstance(value, str):
            p = Path(value).expanduser()
            return p if p.is_absolute() else (base / p)
        if typing.get_origin(opt) is tuple and isinstance(value, list):
            if typing.get_args(opt)[:1] == (Path,):
                return tuple(_coerce(Path, v, base, source, where) for v in value)
            return tuple(value)
        if typing.get_origin(opt) is dict and isinstance(value, dict):
            bad = [k for k, v in value.items() if not isinstance(v, str | int | float | bool)]
            if bad:
                raise UsageError(f"{source}: '{where}.{bad[0]}' must be a plain value")
            return {
                str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()
            }
        if opt is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if opt is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if opt in (str, bool) and isinstance(value, opt):
            return value
    raise UsageError(f"{source}: '{where}' has the wrong type ({type(value).__name__}: {value!r})")


def _to_plain(obj: Any) -> Any:
    if hasattr(obj, "from_config"):
        return obj.to_dict()
    if is_dataclass(obj):
        return {
            f.name: _to_plain(getattr(obj, f.name))
            for f in fields(obj)
            if getattr(obj, f.name) is not None
        }
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, tuple | list):
        return [_to_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    return obj
