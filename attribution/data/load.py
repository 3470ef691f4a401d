"""The public loaders: read an input file (:mod:`attribution.data.read`), check it
against its contract (:mod:`attribution.data.validate`) and keep its row accounting."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from attribution.data.accounting import Loaded, write_rejected
from attribution.data.panel_findings import check_min_weeks, lift_findings, panel_findings
from attribution.data.read import RawTable, read_table
from attribution.data.validate import PATH_SEP, validate_frame

log = logging.getLogger("attribution")


def with_read_notes(loaded: Loaded, raw: RawTable) -> Loaded:
    """``loaded`` with what the reader did (``raw.notes``) in its row accounting."""
    if not raw.notes:
        return loaded
    acc = loaded.accounting
    return replace(loaded, accounting=replace(acc, notes={**acc.notes, **raw.notes}))


def _load(
    kind: str,
    path: str | Path,
    *,
    lenient: bool,
    rejected: str | Path | None,
    delimiter: str | None = None,
    tz: str = "UTC",
    sep: str | None = None,
    rename: dict[str, str] | None = None,
) -> Loaded:

    raw = read_table(path, delimiter=delimiter)
    loaded = validate_frame(
        raw.frame,
        kind,
        source=raw.source,
        lenient=lenient,
        tz=tz,
        sep=sep or PATH_SEP,
        rename=rename,
        rows=raw.rows,
        bad_lines=raw.bad_lines,
        blank=raw.blank,
    )
    loaded = with_read_notes(loaded, raw)
    if rejected is not None:
        write_rejected(rejected, loaded.rejected_frame)
    log.debug("%s", loaded.accounting)
    return loaded


def load_touchpoints(
    path: str | Path,
    *,
    lenient: bool = False,
    rejected: str | Path | None = None,
    tz: str = "UTC",
    delimiter: str | None = None,
) -> Loaded:
    """Load and validate touchpoints (customer_id, timestamp, channel [, campaign, ...]).

    Parameters
    ----------
    path : CSV or Parquet file.
    lenient : quarantine bad rows instead of stopping at the first.
    rejected : CSV file to write the rejected rows to (original columns + _row, _reason).
    tz : zone of timestamps written without offset (default UTC); output is UTC.
    delimiter : force the CSV delimiter (default: detected).

    Returns
    -------
    Loaded : ``.frame`` has customer_id, channel (str), timestamp (datetime64[us, UTC]).

    Example
    -------
    >>> load_touchpoints("touchpoints.csv").accounting.used   # doctest: +SKIP
    """
    return _load(
        "touchpoints", path, lenient=lenient, rejected=rejected, tz=tz, delimiter=delimiter
    )


def load_conversions(
    path: str | Path,
    *,
    lenient: bool = False,
    rejected: str | Path | None = None,
    tz: str = "UTC",
    delimiter: str | None = None,
) -> Loaded:
    """Load and validate conversions (customer_id, timestamp, value [, order_id]).

    order_id, when present, must be unique. Parameters as ``load_touchpoints``.

    Example
    -------
    >>> load_conversions("conversions.csv").frame["value"].sum()   # doctest: +SKIP
    """
    return _load(
        "conversions", path, lenient=lenient, rejected=rejected, tz=tz, delimiter=delimiter
    )


def load_id_map(
    path: str | Path,
    *,
    lenient: bool = False,
    rejected: str | Path | None = None,
    delimiter: str | None = None,
) -> Loaded:
    """Load and validate an id-map (id, customer_id [, id_type]); each id maps to one customer.

    Example
    -------
    >>> load_id_map("ids.csv").frame.columns.tolist()   # doctest: +SKIP
    ['id', 'customer_id']
    """
    return _load("id-map", path, lenient=lenient, rejected=rejected, delimiter=delimiter)


def load_paths(
    path: str | Path,
    *,
    sep: str = " > ",
    path_col: str = "path",
    conv_col: str = "total_conversions",
    value_col: str = "total_conversion_value",
    null_col: str = "total_null",
    lenient: bool = False,
    rejected: str | Path | None = None,
    delimiter: str | None = None,
) -> Loaded:
    """Load an aggregated path table, renaming configured columns to the contract's names.

    Parameters
    ----------
    path : CSV or Parquet file.
    sep : the separator between channels in a path (``" > "``; spaces around it optional).
    path_col, conv_col, value_col, null_col : the file's names for path,
        total_conversions, total_conversion_value and total_null.
    lenient, rejected, delimiter : as ``load_touchpoints``.

    Returns
    -------
    Loaded : paths rewritten with the canonical separator ``" > "``; counts as float64.

    Example
    -------
    >>> load_paths("p.csv", sep="|", conv_col="conversions").frame.columns[:2].tolist()
    ... # doctest: +SKIP
    ['path', 'total_conversions']
    """
    rename = {
        path_col: "path",
        conv_col: "total_conversions",
        value_col: "total_conversion_value",
        null_col: "total_null",
    }
    return _load(
        "paths",
        path,
        lenient=lenient,
        rejected=rejected,
        delimiter=delimiter,
        sep=sep,
        rename=rename,
    )


def load_media(
    path: str | Path,
    *,
    lenient: bool = False,
    rejected: str | Path | None = None,
    date_col: str = "date",
    sales_col: str = "sales",
    geo_col: str = "geo",
    delimiter: str | None = None,
) -> Loaded:
    """Load a weekly media panel: date, sales, spend_<ch>, activity_<ch>, [geo], controls.

    Weeks must be 7 days apart on the same weekday, without gaps or duplicates (per geo,
    every geo the same weeks); these are errors even in lenient mode.

    Returns
    -------
    Loaded : sorted by (geo,) date; date is datetime64[us]; all numbers float64.

    Example
    -------
    >>> load_media("media.csv").frame["date"].diff().dt.days.max()   # doctest: +SKIP
    7.0
    """

    rename = {date_col: "date", sales_col: "sales", geo_col: "geo"}
    loaded = _load(
        "media", path, lenient=lenient, rejected=rejected, delimiter=delimiter, rename=rename
    )
    check_min_weeks(loaded.frame, loaded.accounting.source)
    found = panel_findings(loaded.frame, loaded.accounting.source)
    return replace(loaded, findings=loaded.findings + tuple(found)) if found else loaded


def load_lift_tests(
    path: str | Path,
    *,
    lenient: bool = False,
    rejected: str | Path | None = None,
    delimiter: str | None = None,
    rename: dict[str, str] | None = None,
) -> Loaded:
    """Load lift tests: channel, start, end, lift, lift_se [, metric, geo].

    ``rename``: {column in the file: contract column} for files in other names.

    ``end`` must not be before ``start``; ``lift_se`` must be > 0. Check them against a
    panel with ``check_lift_tests_against_panel``.

    Example
    -------
    >>> load_lift_tests("lift.csv").frame["lift_se"].min() > 0   # doctest: +SKIP
    True
    """

    loaded = _load(
        "lift-tests", path, lenient=lenient, rejected=rejected, delimiter=delimiter, rename=rename
    )
    found = lift_findings(loaded.frame, loaded.rows, loaded.accounting.source)
    return replace(loaded, findings=loaded.findings + tuple(found)) if found else loaded
