"""Column contracts for every input the package reads (see DESIGN.md, "Inputs").

A contract lists required and optional columns with their kind. Validation
(``attribution.data.validate``) checks a table against its contract; the
simulator writes tables that satisfy them.

Weekly media panel convention (no config needed): ``date`` (week start),
``sales`` (target), ``spend_<channel>`` for paid and offline media,
``activity_<channel>`` for activity without spend (organic social posts,
engagement, mentions), optionally ``impressions_<channel>`` next to a
``spend_<channel>`` (the paid channel's delivered impressions; used as the model's
media driver only where the MMM config says ``input = "impressions"``), an
optional ``geo``; every other numeric column is a control (price, promotion,
holiday ...). A run config may name these explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a column holds; decides how it is parsed and checked."""

    ID = "id"  # non-empty text identifier
    TEXT = "text"  # free text (may be empty)
    CHANNEL = "channel"  # non-empty channel name
    TIMESTAMP = "timestamp"  # date/time, one consistent time zone
    DATE = "date"  # calendar date (week start for panels)
    AMOUNT = "amount"  # finite number >= 0 (spend, value, cost)
    COUNT = "count"  # finite number >= 0 (conversions, nulls; may be fractional)
    NUMBER = "number"  # any finite number (controls, lift estimates)
    POSITIVE = "positive"  # finite number > 0 (standard errors)
    CHANGE = "change"  # relative change: finite number > -1 and not 0 (+0.5 = +50%)
    PATH = "path"  # non-empty channel sequence joined by a separator


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True
    choices: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Contract:
    """A table's schema: its columns, the columns that must be unique together."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    description: str = ""
    extra_columns: str = "keep"  # "keep" | "numeric" (panel: extra columns must be numeric)
    notes: tuple[str, ...] = field(default=())

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


TOUCHPOINTS = Contract(
    name="touchpoints",
    description="one row per marketing touch of a customer",
    columns=(
        Column("customer_id", Kind.ID, description="customer (or any id in the id-map)"),
        Column("timestamp", Kind.TIMESTAMP),
        Column("channel", Kind.CHANNEL),
        Column("campaign", Kind.TEXT, required=False),
        Column("interaction", Kind.TEXT, required=False, choices=("impression", "click", "visit")),
        Column("cost", Kind.AMOUNT, required=False),
    ),
    key=(),  # exact duplicate rows are checked separately
)

CONVERSIONS = Contract(
    name="conversions",
    description="one row per purchase (or other conversion)",
    columns=(
        Column("customer_id", Kind.ID),
        Column("timestamp", Kind.TIMESTAMP),
        Column("value", Kind.AMOUNT),
        Column("order_id", Kind.ID, required=False),
    ),
    key=("order_id",),  # only checked when the column is present
)

ID_MAP = Contract(
    name="id-map",
    description="maps any identifier (cookie, device, loyalty card, CRM id) to one customer",
    columns=(
        Column("id", Kind.ID),
        Column("customer_id", Kind.ID),
        Column("id_type", Kind.TEXT, required=False),
    ),
    key=("id",),
)

PATHS = Contract(
    name="path table",
    description="aggregated journeys: one row per distinct path",
    columns=(
        Column("path", Kind.PATH),
        Column("total_conversions", Kind.COUNT),
        Column("total_conversion_value", Kind.AMOUNT, required=False),
        Column("total_null", Kind.COUNT, required=False),
    ),
    key=("path",),
)

MEDIA = Contract(
    name="media panel",
    description="weekly panel: date, spend_<channel>, activity_<channel>, "
    "[impressions_<channel>], controls, sales",
    columns=(
        Column("date", Kind.DATE),
        Column("sales", Kind.AMOUNT),
        Column("geo", Kind.ID, required=False),
    ),
    key=("date", "geo"),
    extra_columns="numeric",
    notes=(
        "spend_<channel>, activity_<channel> and impressions_<channel> are amounts "
        "(numbers >= 0, no empty cells)",
        "impressions_<channel> needs a spend_<channel> column of the same channel",
    ),
)

#: lift-test column: relative change of the channel's spend during a budget-change test
SPEND_CHANGE = "spend_change"

LIFT_TESTS = Contract(
    name="lift tests",
    description="lift experiments: measured incremental outcome per channel and window, of "
    "switching the channel off (holdout, go-dark) or of changing its spend",
    columns=(
        Column("channel", Kind.CHANNEL),
        Column("start", Kind.DATE),
        Column("end", Kind.DATE),
        Column("lift", Kind.NUMBER, description="measured incremental sales (or conversions)"),
        Column("lift_se", Kind.POSITIVE, description="standard error of the lift"),
        Column("metric", Kind.TEXT, required=False, choices=("sales", "conversions")),
        Column("geo", Kind.ID, required=False),
        Column(
            "value_per_conversion",
            Kind.POSITIVE,
            required=False,
            description="sales value of one conversion (metric = conversions); default: "
            "the MMM config's [calibration], else the conversions' average "
            "order value",
        ),
        Column(
            "measured_until",
            Kind.DATE,
            required=False,
            description="last day of the outcome window over which the lift was "
            "measured (>= end; includes carry-over after the test); "
            "default: end",
        ),
        Column(
            SPEND_CHANGE,
            Kind.CHANGE,
            required=False,
            description="budget-change test: the channel's spend during [start, end] was "
            "multiplied by 1 + spend_change (0.5 = +50%, -0.3 = -30%) and lift is the "
            "sales gained (negative for a cut) over the outcome window; empty: the "
            "channel was switched off and lift is the sales it drove",
        ),
    ),
    key=("channel", "start", "end", "geo"),
)

CONTRACTS: dict[str, Contract] = {
    c.name: c for c in (TOUCHPOINTS, CONVERSIONS, ID_MAP, PATHS, MEDIA, LIFT_TESTS)
}

SPEND_PREFIX = "spend_"
ACTIVITY_PREFIX = "activity_"
IMPRESSIONS_PREFIX = "impressions_"
