"""The journey logic, defined once as a short sequence of SQL views.

Why plain SQL and not Ibis: both engines run standard window functions, CTEs,
``VALUES`` and ``TRY_CAST`` the same way, so the definition below is dialect-neutral
except for a few spellings supplied by a tiny per-engine :class:`Dialect` (timestamp
to epoch microseconds and back, sorted list aggregation, list-to-text, string
literals). Ibis would add a dependency pinned against sqlglot, and its PySpark
backend rejects the one order-sensitive aggregation we need. Every time comparison
works on integer epoch microseconds, so date arithmetic never differs between
engines; values are summed as ``DECIMAL(18,4)`` so sums are exact and identical
whatever the summation order.

Ordered paths without an order-sensitive aggregate: each path step (channel, or
channel:campaign) gets a small integer code; one window pass numbers a customer's
events (``pos``); a journey collects ``pos * 2**20 + code`` in any order, sorts that
list and keeps ``code`` -- an ordinary aggregate both engines run fast (5x faster
than an ordered ``string_agg`` in DuckDB). Paths are grouped on the code lists and
decoded to text only for the published tables.

Cheap where it is free (same results, measured on 10M/100M touchpoints): typed timestamp
columns (Parquet TIMESTAMP, DATE) are read as they are, only text goes through the
time-zone parse; the window sorts on integers (with channel granularity the step code
is the channel's rank, so it orders ties like the name; equal touches are
interchangeable, only conversions need input order as a tie-breaker); and when the
checks found no bad row, the journey pass does not evaluate them again.

Each engine only creates three *raw views* with fixed column names (absent optional
columns as NULL) and then creates, in order, the views of :func:`check_steps`,
:func:`touch_steps`, ``j_tokens`` (:func:`tokens_view`) and :func:`journey_steps`:

``j_raw_touch(r_cid, r_ts, r_channel, r_campaign, r_interaction, r_cost, _fidx, _row)``
``j_raw_conv(r_cid, r_ts, r_value, r_order, _fidx, _row)``
``j_raw_idmap(r_id, r_cid, _fidx, _row)``   (only with an id-map)

``_fidx`` is the position of the file in the sorted file list and ``_row`` the
0-based row within that file: together they are the input order.

Definition (edge cases decided here, tested in tests/journeys):

* Customers are resolved through the id-map (any id -> customer_id) for touchpoints
  and conversions; ids not in the map are customers themselves.
* Events of a customer are ordered by timestamp, then touches before conversions
  (a touch at the very timestamp of a conversion counts before it), then channel,
  then input order (file, row).
* A journey is a run of consecutive events of one customer. A new journey starts at
  the customer's first event, after every conversion, after an inactivity gap of
  more than ``inactivity_days`` between consecutive events, and where the lookback
  window of the next conversion begins (a touch is inside it when
  ``conversion_ts - touch_ts <= lookback_days``). Touches before that point form a
  separate non-converting journey: they are kept, never dropped.
* A journey ending in a conversion is converting; every other journey (open at the
  end of the data, ended by inactivity, or before the lookback window) is null.
* Bad rows (empty ids or channel, unparseable timestamps, negative or non-numeric
  values and costs, unknown interactions, repeated order_id or id-map id) get a
  ``reason``; strict mode stops at the first, lenient mode excludes and counts them.
  Text timestamps with a UTC offset are converted to UTC.
* A conversion with no touch in its journey gets the path ``(none)``; it stays a row
  of the path table and is counted in the row accounting.
* ``collapse_repeats`` merges consecutive equal steps of one journey (counted as
  ``collapsed``); ``drop_impressions`` removes impression touches before anything
  else (so they do not bridge inactivity gaps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from attribution.data import parsers
from attribution.data.parsers import EARLIEST, LARGEST
from attribution.journeys.options import CAMPAIGN_JOIN, NO_TOUCH_PATH, JourneyOptions

INTERACTIONS = ("impression", "click", "visit")

# reason codes -> (column, what is wrong, how to fix it); used for messages and accounting
REASONS: dict[str, tuple[str, str, str]] = {
    "missing_customer_id": (
        "customer_id",
        "customer_id is empty",
        "give every row a customer (or device/cookie) id",
    ),
    "missing_id": ("id", "id is empty", "give every id-map row the id to be mapped"),
    "missing_timestamp": ("timestamp", "timestamp is empty", "give every row a date and time"),
    "bad_timestamp": (
        "timestamp",
        "timestamp is not a date/time",
        "write timestamps as YYYY-MM-DD HH:MM:SS",
    ),
    "missing_channel": ("channel", "channel is empty", "name the channel of every touch"),
    "bad_interaction": (
        "interaction",
        "interaction is not impression, click or visit",
        "use impression, click or visit (or leave it empty)",
    ),
    "bad_cost": ("cost", "cost is not a finite number", "write costs as plain numbers"),
    "negative_cost": ("cost", "cost is negative", "costs must be 0 or more"),
    "missing_value": ("value", "value is empty", "give every conversion a value (0 if none)"),
    "bad_value": ("value", "value is not a finite number", "write values as plain numbers"),
    "too_large": (
        "value",
        "value is larger than 1e15 (a typo or a placeholder)",
        "correct the value; amounts above 1e15 cannot be summed exactly",
    ),
    "implausible_date": (
        "timestamp",
        "timestamp is before 1990-01-01 (a placeholder such as 1970-01-01, or a typo)",
        "correct or remove the row",
    ),
    "future_date": (
        "timestamp",
        "timestamp is in the future",
        "correct the date; events cannot happen after the data was exported",
    ),
    "negative_value": (
        "value",
        "value is negative",
        "values must be 0 or more; remove refunds or net them out",
    ),
    "duplicate_order_id": (
        "order_id",
        "order_id appears more than once",
        "remove the duplicate order (each order counts once)",
    ),
    "duplicate_id": (
        "id",
        "id is mapped to two different customers in the id-map",
        "map every id to exactly one customer",
    ),
}


@dataclass(frozen=True)
class Dialect:
    """The few spellings that differ between engines."""

    name: str
    create_view: str
    to_ts: Callable[[str], str]  # any timestamp-like value -> UTC TIMESTAMP, NULL if invalid
    epoch_us: Callable[[str], str]
    from_us: Callable[[str], str]
    code_list: Callable[[str, str, int], str]  # (encoded expr, condition, modulus)
    decode: Callable[[str, str, str], str]  # (code list, token array items, separator)
    literal: Callable[[str], str]


def _duck_literal(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _spark_literal(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


#: Unix epoch numbers (seconds, milliseconds, microseconds since 1970, UTC) by digit count
EPOCH_DIGITS = ((16, 1), (13, 1_000), (10, 1_000_000))


def _epoch(e: str, matches: Callable[[str, str], str], from_us: str) -> str:
    """CASE: an all-digit value of 10/13/16 digits -> its timestamp (else falls through)."""
    text = f"CAST({e} AS STRING)"
    return " ".join(
        f"WHEN {matches(text, f'^[0-9]{{{n}}}$')} THEN {from_us}(TRY_CAST({text} AS BIGINT) * {k})"
        for n, k in EPOCH_DIGITS
    )


def _duck_ts(e: str) -> str:
    # typeof() is folded when the query is planned, so typed columns (Parquet TIMESTAMP,
    # DATE) skip the time-zone conversion; text keeps it (offsets are converted to UTC);
    # integers and all-digit text are Unix epoch seconds, milliseconds or microseconds
    epoch = _epoch(e, lambda t, r: f"regexp_full_match({t}, '{r[1:-1]}')", "make_timestamp")
    return (
        f"CASE WHEN typeof({e}) IN ('TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', "
        f"'TIMESTAMP_NS', 'DATE') THEN TRY_CAST({e} AS TIMESTAMP) {epoch} "
        f"ELSE CAST(TRY_CAST({e} AS TIMESTAMPTZ) AS TIMESTAMP) END"
    )


def _spark_ts(e: str) -> str:
    epoch = _epoch(e, lambda t, r: f"{t} RLIKE '{r}'", "timestamp_micros")
    return f"CASE {epoch} ELSE TRY_CAST({e} AS TIMESTAMP) END"


def _duck_codes(enc: str, cond: str, mod: int) -> str:
    return f"list_transform(list_sort(list({enc}) FILTER (WHERE {cond})), lambda x: x % {mod})"


def _spark_codes(enc: str, cond: str, mod: int) -> str:
    return f"transform(array_sort(collect_list(CASE WHEN {cond} THEN {enc} END)), x -> x % {mod})"


def _duck_decode(codes: str, items: str, sep: str) -> str:
    return f"array_to_string(list_transform({codes}, lambda x: ([{items}])[x + 1]), {sep})"


def _spark_decode(codes: str, items: str, sep: str) -> str:
    return (
        f"array_join(transform({codes}, x -> element_at(array({items}), "
        f"CAST(x + 1 AS INT))), {sep})"
    )


DUCKDB = Dialect(
    "duckdb",
    "CREATE OR REPLACE TEMP VIEW",
    _duck_ts,
    lambda e: f"epoch_us({e})",
    lambda e: f"make_timestamp({e})",
    _duck_codes,
    _duck_decode,
    _duck_literal,
)
SPARK = Dialect(
    "spark",
    "CREATE OR REPLACE TEMPORARY VIEW",
    _spark_ts,
    lambda e: f"unix_micros({e})",
    lambda e: f"timestamp_micros({e})",
    _spark_codes,
    _spark_decode,
    _spark_literal,
)


def _text(col: str) -> str:
    return f"NULLIF(TRIM(CAST({col} AS STRING)), '')"


def check_steps(d: Dialect, has_idmap: bool) -> list[tuple[str, str]]:
    """Views that type every raw row and name the first thing wrong with it (``reason``).

    Returns ``(view name, SELECT statement)`` pairs; ``reason`` is NULL for good rows.
    """
    ts = d.to_ts("r_ts")  # offsets such as +02:00 are converted to UTC
    # the same plausibility window as the file loaders (attribution.data.parsers)
    earliest = f"TIMESTAMP '{EARLIEST:%Y-%m-%d %H:%M:%S}'"
    latest = f"TIMESTAMP '{parsers.now_utc() + pd.Timedelta(days=1):%Y-%m-%d %H:%M:%S}'"
    ts_reason = (
        "WHEN r_ts IS NULL THEN 'missing_timestamp' "
        f"WHEN {ts} IS NULL THEN 'bad_timestamp' "
        f"WHEN {ts} < {earliest} THEN 'implausible_date' "
        f"WHEN {ts} > {latest} THEN 'future_date'"
    )
    touch = f"""
SELECT {_text("r_cid")} AS cid, {ts} AS ts, {_text("r_channel")} AS channel,
       {_text("r_campaign")} AS campaign, LOWER({_text("r_interaction")}) AS interaction,
       _fidx, _row,
       CASE WHEN {_text("r_cid")} IS NULL THEN 'missing_customer_id' {ts_reason}
            WHEN {_text("r_channel")} IS NULL THEN 'missing_channel'
            WHEN LOWER({_text("r_interaction")}) NOT IN {INTERACTIONS!r} THEN 'bad_interaction'
            WHEN r_cost IS NOT NULL AND (TRY_CAST(r_cost AS DOUBLE) IS NULL
                 OR NOT (TRY_CAST(r_cost AS DOUBLE) < 1e300)) THEN 'bad_cost'
            WHEN TRY_CAST(r_cost AS DOUBLE) < 0 THEN 'negative_cost'
       END AS reason
FROM j_raw_touch"""
    value = "TRY_CAST(r_value AS DOUBLE)"
    conv = f"""
SELECT {_text("r_cid")} AS cid, {ts} AS ts, CAST({value} AS DECIMAL(38, 4)) AS value,
       _fidx, _row,
       CASE WHEN {_text("r_cid")} IS NULL THEN 'missing_customer_id' {ts_reason}
            WHEN r_value IS NULL THEN 'missing_value'
            WHEN {value} IS NULL OR NOT ({value} < 1e300) THEN 'bad_value'
            WHEN {value} < 0 THEN 'negative_value'
            WHEN {value} > {LARGEST:.0f} THEN 'too_large'
            WHEN {_text("r_order")} IS NOT NULL AND ROW_NUMBER() OVER (
                 PARTITION BY {_text("r_order")} ORDER BY _fidx, _row) > 1
                 THEN 'duplicate_order_id'
       END AS reason
FROM j_raw_conv"""
    out = [("j_chk_touch", touch), ("j_chk_conv", conv)]
    if has_idmap:
        out.append(
            (
                "j_chk_idmap",
                f"""
SELECT {_text("r_id")} AS id, {_text("r_cid")} AS cid, _fidx, _row,
       CASE WHEN {_text("r_id")} IS NULL THEN 'missing_id'
            WHEN {_text("r_cid")} IS NULL THEN 'missing_customer_id'
            WHEN MIN({_text("r_cid")}) OVER (PARTITION BY {_text("r_id")})
                 <> MAX({_text("r_cid")}) OVER (PARTITION BY {_text("r_id")})
                 AND ROW_NUMBER() OVER (PARTITION BY {_text("r_id")} ORDER BY _fidx, _row) > 1
                 THEN 'duplicate_id'
       END AS reason
FROM j_raw_idmap""",
            )
        )
    return out


CODE_BITS = 20  # a path step is encoded as position * 2**20 + token code
MAX_TOKENS = 2**CODE_BITS


def touch_steps(
    opts: JourneyOptions, d: Dialect, has_idmap: bool, all_valid: bool = False
) -> list[tuple[str, str]]:
    """Views from checked rows to ``j_touch_ok``: usable touches with customer and step.

    ``all_valid`` (the checks found no bad row in any input) drops the ``reason`` filters,
    so the engine does not evaluate the checks a second time.

    Example
    -------
    >>> [n for n, _ in touch_steps(JourneyOptions(), DUCKDB, False)]
    ['j_touch_ok', 'j_conv_ok']
    """
    token = token_expr(opts, d, "t.")
    good = "1 = 1" if all_valid else "{}.reason IS NULL"
    drop_impr = (
        " AND (t.interaction IS NULL OR t.interaction <> 'impression')"
        if opts.drop_impressions
        else ""
    )

    def resolve(alias: str) -> tuple[str, str]:
        if not has_idmap:
            return f"{alias}.cid", ""
        return (
            f"COALESCE(m.cid, {alias}.cid)",
            f"LEFT JOIN (SELECT DISTINCT id, cid FROM j_chk_idmap i "
            f"WHERE {good.format('i')}) m "
            f"ON m.id = {alias}.cid",
        )

    tcid, tjoin = resolve("t")
    ccid, cjoin = resolve("c")
    touch = f"""
SELECT {tcid} AS cid, {d.epoch_us("t.ts")} AS ts_us, t.channel AS channel, {token} AS token,
       t._fidx AS _fidx, t._row AS _row
FROM j_chk_touch t {tjoin}
WHERE {good.format("t")}{drop_impr}"""
    conv = f"""
SELECT {ccid} AS cid, {d.epoch_us("c.ts")} AS ts_us, c.value AS value, c._fidx AS _fidx,
       c._row AS _row
FROM j_chk_conv c {cjoin}
WHERE {good.format("c")}"""
    return [("j_touch_ok", touch), ("j_conv_ok", conv)]


def token_expr(opts: JourneyOptions, d: Dialect, prefix: str = "") -> str:
    """SQL for a touch's path step: its channel, or ``channel:campaign``."""
    if opts.granularity != "campaign":
        return f"{prefix}channel"
    return (
        f"CASE WHEN {prefix}campaign IS NULL THEN {prefix}channel "
        f"ELSE concat({prefix}channel, {d.literal(CAMPAIGN_JOIN)}, {prefix}campaign) END"
    )


def touch_profile_query(opts: JourneyOptions, d: Dialect) -> str:
    """One scan of the touchpoints: rows by reason and step, with impression counts.

    Gives the rejected counts, the distinct steps (``tokens``) and the impressions
    excluded by ``drop_impressions`` at once.
    """
    return f"""
SELECT reason, token, COUNT(*) AS n,
       SUM(CASE WHEN interaction = 'impression' THEN 1 ELSE 0 END) AS n_impr
FROM (SELECT reason, interaction, {token_expr(opts, d)} AS token FROM j_chk_touch) s
GROUP BY reason, token"""


def tokens_view(tokens: list[str], d: Dialect) -> str:
    """``j_tokens(token, code)`` as an inline table; ``tokens`` sorted, codes 0..n-1."""
    if not tokens:
        return "SELECT CAST(NULL AS STRING) AS token, CAST(-1 AS BIGINT) AS code WHERE 1 = 0"
    rows = ", ".join(f"({d.literal(t)}, {i})" for i, t in enumerate(tokens))
    return f"SELECT token, CAST(code AS BIGINT) AS code FROM (VALUES {rows}) AS v(token, code)"


def journey_steps(opts: JourneyOptions, d: Dialect, tokens: list[str]) -> list[tuple[str, str]]:
    """Views from ``j_touch_ok``/``j_conv_ok`` to ``j_journeys`` (one row per journey).

    ``tokens`` are the sorted distinct path steps (``TOKENS_QUERY``); a journey's path is
    kept as the list of their codes and decoded to text only where it is published.

    Example
    -------
    >>> [n for n, _ in journey_steps(JourneyOptions(), DUCKDB, ["a"])][-1]
    'j_journeys'
    """
    # Sort keys, cheapest first. Ties are broken by channel name, then input order
    # (``tie, tie2`` = file, row). With channel granularity the step code is the
    # channel's rank (tokens are sorted) and touches of one customer at one time with one
    # step are interchangeable (nothing else of them is carried), so their code is their
    # tie-breaker; conversions keep input order (it decides which one closes a journey).
    by_name = opts.granularity == "campaign"
    order = "ts_us, kind, channel, tie, tie2" if by_name else "ts_us, kind, tie, tie2"
    window = f"PARTITION BY cid ORDER BY {order}"
    ch, conv_ch = ("t.channel AS channel, ", "'', ") if by_name else ("", "")
    tie = "t._fidx AS tie, t._row" if by_name else "k.code AS tie, CAST(0 AS BIGINT)"
    events = f"""
SELECT t.cid AS cid, t.ts_us AS ts_us, 0 AS kind, {ch}k.code AS code, {tie} AS tie2,
       CAST(NULL AS DECIMAL(18, 4)) AS value
FROM j_touch_ok t JOIN j_tokens k ON k.token = t.token
UNION ALL
SELECT cid, ts_us, 1, {conv_ch}CAST(-1 AS BIGINT), _fidx, _row, value FROM j_conv_ok"""

    ordered = f"""
SELECT e.*,
       ROW_NUMBER() OVER ({window}) AS pos,
       MIN(CASE WHEN kind = 1 THEN ts_us END) OVER ({window}
           ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS next_conv_us,
       LAG(ts_us) OVER ({window}) AS prev_us,
       LAG(kind) OVER ({window}) AS prev_kind,
       LAG(code) OVER ({window}) AS prev_code
FROM j_events e"""

    starts = ["prev_us IS NULL", "prev_kind = 1"]
    if opts.inactivity_us is not None:
        starts.append(f"ts_us - prev_us > {opts.inactivity_us}")
    if opts.lookback_us is not None:
        lb = opts.lookback_us
        inw = f"(kind = 1 OR next_conv_us IS NULL OR next_conv_us - ts_us <= {lb})"
        prev_inw = f"(next_conv_us IS NULL OR next_conv_us - prev_us <= {lb})"
        starts.append(f"({inw} AND NOT {prev_inw})")
    start = "(" + " OR ".join(starts) + ")"
    keep = "1"
    if opts.collapse_repeats:
        keep = (
            f"CASE WHEN kind = 0 AND prev_kind = 0 AND prev_code = code "
            f"AND NOT {start} THEN 0 ELSE 1 END"
        )
    flagged = f"""
SELECT cid, ts_us, kind, code, pos, value,
       CASE WHEN {start} THEN 1 ELSE 0 END AS is_start, {keep} AS keep
FROM j_ordered"""

    numbered = """
SELECT f.*, SUM(is_start) OVER (PARTITION BY cid ORDER BY pos ROWS UNBOUNDED PRECEDING)
       AS journey_id
FROM j_flagged f"""

    touch_kept = "kind = 0 AND keep = 1"
    n_touches = f"SUM(CASE WHEN {touch_kept} THEN 1 ELSE 0 END)"
    journeys = f"""
SELECT cid AS customer_id, journey_id,
       {d.code_list(f"pos * {MAX_TOKENS} + code", touch_kept, MAX_TOKENS)} AS codes,
       {n_touches} AS n_touches,
       SUM(CASE WHEN kind = 0 AND keep = 0 THEN 1 ELSE 0 END) AS n_collapsed,
       MIN(CASE WHEN kind = 0 THEN ts_us END) AS first_us,
       MAX(CASE WHEN kind = 0 THEN ts_us END) AS last_us,
       MAX(CASE WHEN kind = 1 THEN ts_us END) AS conversion_us,
       MAX(kind) AS converted,
       COALESCE(SUM(CASE WHEN kind = 1 THEN value END), CAST(0 AS DECIMAL(18, 4))) AS value
FROM j_numbered
GROUP BY cid, journey_id"""
    return [
        ("j_events", events),
        ("j_ordered", ordered),
        ("j_flagged", flagged),
        ("j_numbered", numbered),
        ("j_journeys", journeys),
    ]


def _path_text(d: Dialect, opts: JourneyOptions, tokens: list[str]) -> str:
    arr = ", ".join(d.literal(t) for t in tokens) or d.literal("")
    return (
        f"CASE WHEN n_touches = 0 THEN {d.literal(NO_TOUCH_PATH)} "
        f"ELSE {d.decode('codes', arr, d.literal(opts.sep))} END"
    )


def paths_query(
    d: Dialect, opts: JourneyOptions, tokens: list[str], source: str = "j_journeys"
) -> str:
    """Aggregated path table (plus journey/touch counts used for row accounting)."""
    return f"""
SELECT {_path_text(d, opts, tokens)} AS path, total_conversions, total_conversion_value,
       total_null, n_touches_all AS n_touches, n_collapsed
FROM (
  SELECT codes, MIN(n_touches) AS n_touches,
         CAST(SUM(converted) AS BIGINT) AS total_conversions,
         CAST(SUM(value) AS DOUBLE) AS total_conversion_value,
         CAST(SUM(1 - converted) AS BIGINT) AS total_null,
         CAST(SUM(n_touches) AS BIGINT) AS n_touches_all,
         CAST(SUM(n_collapsed) AS BIGINT) AS n_collapsed
  FROM {source} GROUP BY codes
) g"""


def journeys_query(
    d: Dialect, opts: JourneyOptions, tokens: list[str], source: str = "j_journeys"
) -> str:
    """The per-journey table in its published column order.

    ``step_ages`` lists, one to one with the path steps, the hours from each step's
    touch to the journey's end: the conversion for a converting journey, its last
    touch for a non-converting one (no credit goes to those). With
    ``collapse_repeats`` a merged step carries its latest touch (closest to the end).
    A journey without touches (path ``(none)``) has an empty list. The ages come from
    ``j_numbered`` (one more pass over the events) so ``source`` stays as it is.
    """
    kept = "kind = 0 AND keep = 1"
    step = "pos"
    rows = "j_numbered"
    if opts.collapse_repeats:  # a merged step = its kept touch + the repeats after it
        kept, step = "kind = 0 AND s_keep = 1", "s_step"
        run = (
            "SUM(CASE WHEN kind = 0 AND keep = 1 THEN 1 ELSE 0 END) OVER (PARTITION BY "
            "cid, journey_id ORDER BY pos ROWS UNBOUNDED PRECEDING)"
        )
        rows = f"""(
  SELECT cid, journey_id, kind, ts_us, s_keep, s_step,
         MAX(CASE WHEN kind = 0 THEN ts_us END) OVER (PARTITION BY cid, journey_id, s_step)
             AS s_ts
  FROM (SELECT cid, journey_id, kind, ts_us, keep AS s_keep, {run} AS s_step
        FROM j_numbered) r0)"""
    ts = "s_ts" if opts.collapse_repeats else "ts_us"
    hours = "CAST(3600000000 AS DOUBLE)"
    if d.name == "duckdb":
        times = f"list_sort(list(struct_pack(p := {step}, t := {ts})) FILTER (WHERE {kept}))"
        ages = (
            f"COALESCE(list_transform(a_times, lambda x: CAST(a_end - x.t AS DOUBLE) / "
            f"{hours}), CAST([] AS DOUBLE[]))"
        )
    else:
        times = (
            f"array_sort(collect_list(CASE WHEN {kept} THEN named_struct('p', {step}, "
            f"'t', {ts}) END))"
        )
        ages = f"transform(a_times, x -> CAST(a_end - x.t AS DOUBLE) / {hours})"
    per_journey = f"""
  SELECT cid AS a_cid, journey_id AS a_jid, {times} AS a_times,
         COALESCE(MAX(CASE WHEN kind = 1 THEN ts_us END),
                  MAX(CASE WHEN kind = 0 THEN ts_us END)) AS a_end
  FROM {rows} r
  GROUP BY cid, journey_id"""
    return f"""
SELECT customer_id, CAST(journey_id AS BIGINT) AS journey_id,
       {_path_text(d, opts, tokens)} AS path,
       CAST(n_touches AS BIGINT) AS n_touches,
       {d.from_us("first_us")} AS first_ts, {d.from_us("last_us")} AS last_ts,
       CAST(converted AS BIGINT) AS converted, CAST(value AS DOUBLE) AS value,
       {d.from_us("conversion_us")} AS conversion_ts,
       {ages} AS step_ages
FROM {source} j LEFT JOIN ({per_journey}
) a ON a.a_cid = j.customer_id AND a.a_jid = j.journey_id"""


def reasons_query(view: str, label: str) -> str:
    """Row counts of a checked view by reason (NULL reason = good row), tagged ``src``."""
    return f"SELECT '{label}' AS src, reason, COUNT(*) AS n FROM {view} GROUP BY reason"


def first_bad_query(view: str) -> str:
    """The first bad row of a checked view in input order."""
    return (
        f"SELECT _fidx, _row, reason FROM {view} WHERE reason IS NOT NULL "
        f"ORDER BY _fidx, _row LIMIT 1"
    )


def rejected_query(view: str) -> str:
    """All bad rows (file index, row, reason) for the quarantine file."""
    return f"SELECT _fidx, _row, reason FROM {view} WHERE reason IS NOT NULL ORDER BY _fidx, _row"
