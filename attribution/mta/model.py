"""The path-attribution estimator: settings in, frozen results out.

>>> from attribution.mta import PathAttribution, PathTable
>>> t = PathTable.from_paths([("a", "b"), ("b",)], [1, 1], [10, 20], [1, 1])
>>> res = PathAttribution(models=("last", "markov"), order=1).fit(t)
>>> res.to_frame()[["model", "channel", "conversions"]].round(3).values.tolist()
[['last', 'a', 0.0], ['last', 'b', 2.0], ['markov', 'a', 0.667], ['markov', 'b', 1.333]]
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")

from attribution.errors import UsageError
from attribution.findings import Finding
from attribution.mta import shapley
from attribution.mta.bootstrap import (
    Replicator,
    bootstrap,
    linear_replicator,
    markov_replicator,
    percentile_interval,
    table_replicator,
)
from attribution.mta.heuristics import (
    DEFAULT_DIRECT,
    HEURISTICS,
    describe_half_life,
    fraction_matrix,
    parse_half_life,
    step_fractions,
)
from attribution.mta.journeys_table import JourneyTable, time_decay_replicator
from attribution.mta.markov import ChainStructure, MarkovFit, fit_markov
from attribution.mta.markov_order import compare_orders
from attribution.mta.paths import PathTable
from attribution.mta.results import Credit, LazyTables
from attribution.mta.stress import stress_findings

log = logging.getLogger("attribution")

SHAPLEY_MODELS: dict[str, Callable[[PathTable], Credit]] = {
    "shapley": shapley.shapley_count,
    "shapley_rate": shapley.shapley_rate,
    "shapley_ordered": shapley.shapley_ordered,
}
MODELS: tuple[str, ...] = (*HEURISTICS, "markov", *SHAPLEY_MODELS)
DEFAULT_MODELS: tuple[str, ...] = (
    "first",
    "last",
    "last_non_direct",
    "linear",
    "position",
    "time_decay",
    "markov",
    "shapley",
)
# models whose credit can never be negative (checked by the tests)
NON_NEGATIVE: frozenset[str] = frozenset({*HEURISTICS, "markov", "shapley", "shapley_ordered"})


@dataclass(frozen=True)
class AttributionResults:
    """Results of :meth:`PathAttribution.fit`: one :class:`Credit` per model plus tables.

    ``tables`` holds ``transition_matrix``, ``removal_effects`` and (for
    ``order="auto"``) ``order_comparison`` when Markov ran. ``notes`` says, per model
    where it matters, what the credit is based on (``time_decay``: touch times or path
    steps, with the half-life); ``to_frame`` puts it in the ``basis`` column.
    """

    credits: Mapping[str, Credit]
    channels: tuple[str, ...]
    total_conversions: float
    total_value: float
    order: int | None = None
    bootstrap: int = 0
    ci: float = 0.9
    seed: int = 0
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    markov_fit: MarkovFit | None = field(default=None, repr=False)
    notes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "credits", MappingProxyType(dict(self.credits)))
        if not isinstance(self.tables, LazyTables):  # read-only already, built on demand
            object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        object.__setattr__(self, "notes", MappingProxyType(dict(self.notes)))

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(self.credits)

    def __getitem__(self, model: str) -> Credit:
        return self.credits[model]

    def to_frame(self) -> pd.DataFrame:
        """Long table: model, channel, conversions, value, ci_low, ci_high, value_ci_*, basis.

        ``basis`` is empty except where a model's meaning depends on the input, e.g.
        ``time_decay``: "touch times, half-life 7 days" or "path steps, half-life 1 step".
        """
        frame = pd.concat([c.to_frame() for c in self.credits.values()], ignore_index=True)
        frame["basis"] = frame["model"].map(lambda m: self.notes.get(m, "")).astype(str)
        return frame

    def to_columns(self) -> dict[str, list[str] | np.ndarray]:
        """The columns of :meth:`to_frame` without building a frame (for fast CSV output)."""
        parts = [c.to_columns() for c in self.credits.values()]
        out: dict[str, list[str] | np.ndarray] = {}
        for name, first in parts[0].items():
            if isinstance(first, list):
                out[name] = [x for p in parts for x in p[name]]
            else:
                out[name] = np.concatenate([np.asarray(p[name]) for p in parts])
        out["basis"] = [str(self.notes.get(m, "")) for m in out["model"]]
        return out

    def wide(self, column: str = "conversions") -> pd.DataFrame:
        """Channels x models table of one column (conversions by default)."""
        return self.to_frame().pivot(index="channel", columns="model", values=column)[
            list(self.credits)
        ]

    def journey_credit(self) -> pd.DataFrame:
        """Markov credit per path row (path_row, channel, conversions, value).

        Each converting path's conversions go to its distinct channels in proportion
        to their removal effects, so every row's credit sums to its conversions.
        """
        if self.markov_fit is None:
            raise UsageError("journey credit needs the 'markov' model")
        return self.markov_fit.journey_credit()

    def summary(self) -> str:
        """Plain-text summary: settings, credit per channel and model, findings."""
        head = [
            f"Path attribution: {len(self.channels)} channels, "
            f"{self.total_conversions:,.6g} conversions, value {self.total_value:,.6g}"
        ]
        if self.order is not None:
            head.append(f"Markov order: {self.order} (exact removal effects)")
        if self.bootstrap:
            head.append(
                f"Bootstrap: {self.bootstrap} replicates, {self.ci:.0%} intervals, seed {self.seed}"
            )
        head.extend(f"{model}: {note}" for model, note in self.notes.items())
        body = self.wide().round(2).to_string()
        notes = [f"[{f.level}] {f.message}" for f in self.findings]
        return "\n".join([*head, "", "Conversions credited:", body, *notes])

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        head = html.escape(self.summary().splitlines()[0])
        table = self.wide().round(2).to_html(border=0)
        extra = ""
        if self.bootstrap:
            frame = self.to_frame()
            frame["interval"] = [
                f"{lo:.1f} – {hi:.1f}"
                for lo, hi in zip(frame["ci_low"], frame["ci_high"], strict=True)
            ]
            extra = "<p>Intervals</p>" + frame.pivot(
                index="channel", columns="model", values="interval"
            ).to_html(border=0)
        notes = "".join(
            f"<li>{html.escape(f.message)}</li>"
            for f in self.findings
            if f.code != "mta.time_decay_basis"
        )
        notes += "".join(
            f"<li>{html.escape(m)}: {html.escape(n)}</li>" for m, n in self.notes.items()
        )
        return (
            f"<div><strong>{head}</strong>{table}{extra}"
            f"{'<ul>' + notes + '</ul>' if notes else ''}</div>"
        )


@dataclass(frozen=True)
class PathAttribution:
    """Path attribution with several models, exact Markov, and bootstrap intervals.

    Parameters
    ----------
    models : any of ``first, last, last_non_direct, linear, position, time_decay,
        markov, shapley, shapley_rate, shapley_ordered``.
    order : Markov order (1 or more) or ``"auto"`` (chosen by holdout log-loss
        among ``1..max_order``; see :mod:`attribution.mta.markov_order`).
    max_order : largest order tried by ``"auto"``.
    bootstrap : number of bootstrap replicates (0 = no intervals).
    seed : seed of the holdout split and the bootstrap.
    ci : interval level (0.9 = 5% to 95%).
    direct : channel names that ``last_non_direct`` skips.
    position_weights : (first, middle, last) weights of ``position``.
    half_life : half-life of ``time_decay``: a duration (``"7D"``, ``"36h"``, ``"90min"``)
        weighs touches by their real age and needs a :class:`JourneyTable`; a number
        counts path steps. ``None`` (default): 7 days on a journey table, 1 step on a
        path table.
    holdout : fraction of journeys held out when choosing the order.
    resample : ``"multinomial"`` or ``"poisson"`` bootstrap.

    Example
    -------
    >>> PathAttribution(models=("markov",), order="auto", bootstrap=200, seed=1)  # doctest: +SKIP
    """

    models: tuple[str, ...] = DEFAULT_MODELS
    order: int | str = "auto"
    max_order: int = 4
    bootstrap: int = 0
    seed: int = 0
    ci: float = 0.9
    direct: frozenset[str] = DEFAULT_DIRECT
    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4)
    half_life: float | str | None = None
    holdout: float = 0.3
    resample: str = "multinomial"

    def __post_init__(self) -> None:
        models = tuple(dict.fromkeys(self.models))
        unknown = [m for m in models if m not in MODELS]
        if unknown or not models:
            raise UsageError(
                f"unknown model(s) {', '.join(unknown) or '(none given)'}; "
                f"choose from {', '.join(MODELS)}"
            )
        object.__setattr__(self, "models", models)
        object.__setattr__(self, "direct", frozenset(self.direct))
        if not (self.order == "auto" or (isinstance(self.order, int) and self.order >= 1)):
            raise UsageError(f"order must be 'auto' or an integer >= 1, not {self.order!r}")
        if self.max_order < 1:
            raise UsageError("max_order must be >= 1")
        if self.bootstrap < 0:
            raise UsageError("bootstrap must be >= 0")
        if not 0 < self.ci < 1:
            raise UsageError("ci must be between 0 and 1, e.g. 0.9")
        if self.resample not in ("multinomial", "poisson"):
            raise UsageError("resample must be 'multinomial' or 'poisson'")
        if self.half_life is not None:
            parse_half_life(self.half_life)

    def decay_basis(self, has_times: bool) -> tuple[str, float]:
        """``("hours", h)`` or ``("steps", n)``: how ``time_decay`` weighs touches.

        Example
        -------
        >>> PathAttribution(half_life="36h").decay_basis(True)
        ('hours', 36.0)
        """
        if self.half_life is None:
            return ("hours", 168.0) if has_times else ("steps", 1.0)
        kind, amount = parse_half_life(self.half_life)
        if kind == "hours" and not has_times:
            raise UsageError(
                f"time_decay with a half-life of {describe_half_life(kind, amount)}"
                " needs touch times, and a path table has none: give the journeys"
                " (attribution mta --journeys F) or a half-life in steps (e.g. 1)"
            )
        return kind, amount

    def with_settings(self, **changes: object) -> PathAttribution:
        """A copy with some settings changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    # ----------------------------------------------------------------- fit
    def fit(self, table: PathTable | JourneyTable) -> AttributionResults:
        """Credit every configured model on ``table``; returns frozen results.

        A :class:`JourneyTable` gives ``time_decay`` the real touch ages (and resamples
        its journeys in the bootstrap); every other model runs on its aggregated paths,
        with the same result as on the path table.
        """
        journeys = table if isinstance(table, JourneyTable) else None
        if journeys is not None:
            table = journeys.paths
        findings: list[Finding] = []
        notes: dict[str, str] = {}
        if table.n_paths == 0:
            raise UsageError("the path table has no rows")
        if table.conversions.sum() <= 0:
            findings.append(
                Finding(
                    "warning",
                    "mta.no_conversions",
                    "the path table has no conversions: all credit is 0",
                    "check the conversion column",
                    "mta",
                )
            )
        findings.extend(stress_findings(table))
        credits: dict[str, Credit] = {}
        tables: dict[str, Callable[[], pd.DataFrame]] = {}
        replicators: dict[str, Replicator] = {}
        order: int | None = None
        fit: MarkovFit | None = None
        kind, half_life = ("steps", 1.0)
        if "time_decay" in self.models:
            kind, half_life = self.decay_basis(journeys is not None)
            findings.append(_decay_finding(kind, half_life, journeys is not None))
            notes["time_decay"] = (
                f"{'touch times' if kind == 'hours' else 'path steps'}, "
                f"half-life {describe_half_life(kind, half_life)}"
            )
        options = {
            "direct": self.direct,
            "position_weights": self.position_weights,
            "half_life": half_life,
        }
        for name in self.models:
            log.info("mta: %s", name)
            if name == "time_decay" and kind == "hours" and journeys is not None:
                credits[name] = journeys.time_decay(half_life)
                replicators[name] = time_decay_replicator(journeys, half_life, self.seed)
            elif name in HEURISTICS:
                m = fraction_matrix(table, step_fractions(table, name, **options))
                credits[name] = Credit(name, table.channels, m @ table.conversions, m @ table.value)
                replicators[name] = linear_replicator(m)
            elif name == "markov":
                order = self._choose_order(table, tables)
                structure = ChainStructure.from_table(table, order)
                fit = fit_markov(table, order, structure=structure)
                credits[name] = fit.credit
                tables["transition_matrix"] = fit.transition_table  # built when read
                tables["removal_effects"] = fit.removal_table
                replicators[name] = markov_replicator(structure)
            else:
                fn = SHAPLEY_MODELS[name]
                credits[name] = fn(table)
                findings.extend(credits[name].findings)
                replicators[name] = table_replicator(table, fn)
        if self.bootstrap:
            log.info("mta: bootstrap, %d replicates", self.bootstrap)
            draws = bootstrap(
                table, replicators, replicates=self.bootstrap, seed=self.seed, method=self.resample
            )
            for name, d in draws.items():
                bounds = percentile_interval(d, self.ci)  # (n_channels, 2 quantities, 2)
                credits[name] = replace(
                    credits[name], conversions_ci=bounds[:, 0, :], value_ci=bounds[:, 1, :]
                )
        neg = [n for n, c in credits.items() if (c.conversions < -1e-9).any() and not c.findings]
        if neg:
            findings.append(
                Finding(
                    "info",
                    "mta.negative_credit",
                    f"negative credit in {', '.join(neg)}: channels whose "
                    "journeys convert less than journeys without them",
                    "read it as a negative marginal rate, not an error",
                    "mta",
                )
            )
        return AttributionResults(
            credits,
            table.channels,
            float(table.conversions.sum()),
            float(table.value.sum()),
            order,
            self.bootstrap,
            self.ci,
            self.seed,
            LazyTables(tables),
            tuple(findings),
            fit,
            notes,
        )

    def _choose_order(self, table: PathTable, tables: dict[str, Callable[[], pd.DataFrame]]) -> int:
        if self.order != "auto":
            return int(self.order)
        chosen, comparison = compare_orders(
            table, tuple(range(1, self.max_order + 1)), holdout=self.holdout, seed=self.seed
        )
        tables["order_comparison"] = lambda: comparison
        log.info("mta: Markov order %d chosen by holdout log-loss", chosen)
        return chosen


def _decay_finding(kind: str, half_life: float, has_times: bool) -> Finding:
    words = describe_half_life(kind, half_life)
    if kind == "hours":
        return Finding(
            "info",
            "mta.time_decay_basis",
            f"time_decay weighs each touch by its real time before the conversion "
            f"(half-life {words})",
            "change it with --half-life or [mta] half_life",
            "mta",
        )
    why = "the half-life is given in steps" if has_times else "the path table has no touch times"
    return Finding(
        "info",
        "mta.time_decay_basis",
        f"time_decay weighs touches by their position, not their time (half-life {words}): {why}",
        "give the journeys (attribution mta --journeys F, or "
        "touchpoints in the run config) and a half-life such as 7D to use real time",
        "mta",
    )


def attribute(
    table: PathTable | JourneyTable, models: Iterable[str] = DEFAULT_MODELS, **settings: object
) -> AttributionResults:
    """Shortcut: ``PathAttribution(models=..., **settings).fit(table)``."""
    return PathAttribution(models=tuple(models), **settings).fit(table)  # type: ignore[arg-type]
