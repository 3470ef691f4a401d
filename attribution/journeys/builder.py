"""Build journeys and the aggregated path table: settings in, results out.

The engine seam: :class:`JourneyBuilder` resolves the input files, asks an engine
runner (DuckDB or Spark) to expose them as raw views, executes the one definition
in :mod:`attribution.journeys.definition`, checks the rows (strict: first bad row is
an :class:`~attribution.errors.InputError`; lenient: bad rows excluded, counted by
reason) and returns a frozen :class:`JourneyResult` with the row accounting.
"""

from __future__ import annotations

import html
import logging
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from attribution.data.contracts import CONVERSIONS, ID_MAP, TOUCHPOINTS, Contract
from attribution.data.cross_checks import reject_share_error
from attribution.data.read import sniff_text
from attribution.errors import InputError, UsageError
from attribution.journeys import definition as jd
from attribution.journeys.channels import map_channels
from attribution.journeys.options import (
    ENGINES,
    NO_TOUCH_PATH,
    Inputs,
    JourneyOptions,
    Source,
)
from attribution.journeys.profile import timestamp_format
from attribution.journeys.segments import SegmentData, SegmentRequest, run_segments
from attribution.journeys.sources import read_error, resolve_source

log = logging.getLogger("attribution")

PATH_COLUMNS = ["path", "total_conversions", "total_conversion_value", "total_null"]
JOURNEY_COLUMNS = [
    "customer_id",
    "journey_id",
    "path",
    "n_touches",
    "first_ts",
    "last_ts",
    "converted",
    "value",
    "conversion_ts",
    "step_ages",
]
#: ``step_ages`` (hours from each path step's touch to the journey's end, one per step) is
#: a list in Parquet and these numbers joined by ``AGES_SEP`` in CSV
AGES_SEP = ";"

# raw view -> (contract, {raw column: contract column})
_RAW = {
    "j_raw_touch": (
        TOUCHPOINTS,
        {
            "r_cid": "customer_id",
            "r_ts": "timestamp",
            "r_channel": "channel",
            "r_campaign": "campaign",
            "r_interaction": "interaction",
            "r_cost": "cost",
        },
    ),
    "j_raw_conv": (
        CONVERSIONS,
        {"r_cid": "customer_id", "r_ts": "timestamp", "r_value": "value", "r_order": "order_id"},
    ),
    "j_raw_idmap": (ID_MAP, {"r_id": "id", "r_cid": "customer_id"}),
}
_MAP_TABLE = {"j_raw_touch": "touchpoints", "j_raw_conv": "conversions", "j_raw_idmap": "id_map"}
_CHECKED = {"j_raw_touch": "j_chk_touch", "j_raw_conv": "j_chk_conv", "j_raw_idmap": "j_chk_idmap"}


@dataclass(frozen=True)
class JourneyResult:
    """Journeys built from event logs (immutable).

    Attributes
    ----------
    paths : aggregated path table (path, total_conversions, total_conversion_value,
        total_null), sorted by journeys (descending) then path.
    accounting : row accounting: rows read = used + rejected (by reason) per input,
        conversions without touch, journeys.
    journeys : the per-journey table when it was requested in memory, else None.
    options : the settings used; ``engine`` the engine that ran.
    rejected : bad rows (input, file, row, reason) in lenient mode.
    """

    paths: pd.DataFrame
    accounting: dict[str, Any]
    options: JourneyOptions
    engine: str
    journeys: pd.DataFrame | None = None
    rejected: pd.DataFrame | None = field(default=None, repr=False)
    segments: SegmentData | None = field(default=None, repr=False)  # fit(segments=...)

    def to_frame(self) -> pd.DataFrame:
        """The aggregated path table."""
        return self.paths.copy()

    def summary(self) -> str:
        """A few lines for logs and notebooks."""
        a = self.accounting
        t, c, j = a["touchpoints"], a["conversions"], a["journeys"]
        return "\n".join(
            [
                f"journeys ({self.engine}): {j['total']} journeys, {j['converting']} converting, "
                f"{j['null']} null, {len(self.paths)} distinct paths",
                f"touchpoints: read {t['read']} = used {t['used']} + rejected "
                f"{sum(t['rejected'].values())} + excluded impressions {t['excluded_impressions']}"
                f" (collapsed repeats {t['collapsed']})",
                f"conversions: read {c['read']} = used {c['used']} + rejected "
                f"{sum(c['rejected'].values())}; without any touch ({NO_TOUCH_PATH}): "
                f"{c['without_touch']}",
            ]
        )

    def _repr_html_(self) -> str:
        lines = "".join(f"<li>{html.escape(s)}</li>" for s in self.summary().splitlines())
        return f"<ul>{lines}</ul>" + self.paths.head(20).to_html(index=False)


def resolve_files(src: str | Path, what: str, engine: str = "duckdb") -> tuple[list[str], str]:
    """Files (or the URL / table reference) the engine reads for a source, and their format.

    ``src`` is a local path, folder (``*.parquet``) or glob, an object-store URL, or a
    table (``table:db.name``, ``duckdb:FILE:[schema.]table``); see
    :mod:`attribution.journeys.sources`. Format: ``"parquet"``, ``"csv"`` or ``"table"``.
    """
    r = resolve_source(src, what, engine)
    return list(r.files), r.fmt


class JourneyBuilder:
    """Builds journeys and the path table with DuckDB or Spark.

    Parameters
    ----------
    options : a :class:`JourneyOptions` (or keyword settings of it, e.g. ``lookback_days``).
    engine : ``"duckdb"`` (default) or ``"spark"``.
    memory_limit, threads : DuckDB resources.
    spark_master, spark_conf, spark_session : Spark settings.

    Example
    -------
    >>> res = JourneyBuilder(lookback_days=30).fit("tp.parquet", "conv.parquet")  # doctest: +SKIP
    >>> res.paths.columns.tolist()[:2]                                             # doctest: +SKIP
    ['path', 'total_conversions']
    """

    def __init__(
        self,
        options: JourneyOptions | None = None,
        *,
        engine: str = "duckdb",
        memory_limit: str | None = "5GB",
        threads: int | None = None,
        spark_master: str | None = None,
        spark_conf: Mapping[str, str] | None = None,
        spark_session: Any = None,
        channel_map: Any = None,
        columns: Mapping[str, Mapping[str, str]] | None = None,
        max_reject_share: float = 1.0,
        **settings: Any,
    ) -> None:
        if engine not in ENGINES:
            raise UsageError(f"engine must be one of {', '.join(ENGINES)}, got '{engine}'")
        self.options = options if options is not None else JourneyOptions(**settings)
        if options is not None and settings:
            raise UsageError("pass either options or keyword settings, not both")
        self.engine = engine
        self.memory_limit, self.threads = memory_limit, threads
        self.spark_master, self.spark_conf = spark_master, dict(spark_conf or {})
        self.spark_session = spark_session
        # bring your own data: {input: {contract column: file column}} and raw channel
        # values -> channels (attribution.data.mapping, attribution.data.channel_map)
        self.channel_map, self.columns = channel_map, dict(columns or {})
        self.max_reject_share = max_reject_share  # lenient: more rejected rows stop the run

    def _runner(self) -> Any:
        if self.engine == "spark":
            from attribution.journeys.spark_engine import SparkRunner

            return SparkRunner(self.spark_master, self.spark_conf, self.spark_session)
        from attribution.journeys.duckdb_engine import DuckDBRunner

        return DuckDBRunner(self.memory_limit, self.threads)

    def fit(
        self,
        touchpoints: Source,
        conversions: Source,
        id_map: Source | None = None,
        *,
        journeys_out: str | Path | None = None,
        keep_journeys: bool = False,
        segments: SegmentRequest | None = None,
    ) -> JourneyResult:
        """Build the journeys.

        Parameters
        ----------
        touchpoints, conversions, id_map : source strings (a Parquet/CSV file, folder or
            glob; an object-store URL such as ``s3://bucket/tp/``; ``table:db.name`` on
            Spark; ``duckdb:FILE:[schema.]table`` on DuckDB; see
            :mod:`attribution.journeys.sources`) or DataFrames.
        journeys_out : write the per-journey table here (``.csv`` or Parquet).
        keep_journeys : also return the per-journey table in memory (small data only).
        segments : also join customer attributes and compute the built-in segments and
            weekly touch counts (:mod:`attribution.journeys.segments`).

        Returns
        -------
        JourneyResult
        """
        t0 = time.perf_counter()
        inputs = Inputs(touchpoints, conversions, id_map)
        for what, src in (
            ("touchpoints", touchpoints),
            ("conversions", conversions),
            ("id-map", id_map),
        ):
            if src is not None and not isinstance(src, pd.DataFrame):
                resolve_source(src, what, self.engine)  # bad sources fail before an engine starts
        runner = self._runner()
        with tempfile.TemporaryDirectory(prefix="attribution-journeys-") as tmp:
            try:
                return self._fit(
                    runner, inputs, Path(tmp), journeys_out, keep_journeys, t0, segments
                )
            finally:
                runner.close()

    # -- internals ------------------------------------------------------------------
    def _raw(self, runner: Any, view: str, src: Source, tmp: Path) -> tuple[list[str], str]:
        contract, mapping = _RAW[view]
        if isinstance(src, pd.DataFrame):
            path = tmp / f"{contract.name}.parquet"
            src.reset_index(drop=True).to_parquet(path, index=False)
            files, fmt, name = [str(path)], "parquet", f"{contract.name} (table)"
            source = None
        else:
            source = resolve_source(src, contract.name, self.engine)
            files, fmt, name = list(source.files), source.fmt, str(src)
            if fmt == "csv":  # encodings and NUL bytes the engines would misread
                for f in files:
                    sniff_text(f)
        try:
            cols = runner.columns(files, fmt)
        except (InputError, UsageError):
            raise
        except Exception as exc:  # URL or table: the engine's configuration may be missing
            if source is None or source.kind == "files":
                raise
            raise read_error(source, contract.name, self.engine, exc) from None
        user = dict(self.columns.get(_MAP_TABLE[view], {}))
        _check_columns(
            contract, [next((k for k, v in user.items() if v == c), c) for c in cols], name
        )
        select = {
            raw: (user.get(c, c) if user.get(c, c) in cols else None) for raw, c in mapping.items()
        }
        mapped = view == "j_raw_touch" and self.channel_map is not None
        runner.create_raw(view + "_src" if mapped else view, files, fmt, select)
        if mapped:
            self.channel_changes = map_channels(runner, self.channel_map, view)
        return files if len(files) > 1 else [name], name

    def _fit(
        self,
        runner: Any,
        inputs: Inputs,
        tmp: Path,
        journeys_out: str | Path | None,
        keep_journeys: bool,
        t0: float,
        segments: SegmentRequest | None = None,
    ) -> JourneyResult:
        opts, d = self.options, runner.dialect
        has_map = inputs.id_map is not None
        names = {
            "j_raw_touch": self._raw(runner, "j_raw_touch", inputs.touchpoints, tmp),
            "j_raw_conv": self._raw(runner, "j_raw_conv", inputs.conversions, tmp),
        }
        if has_map:
            names["j_raw_idmap"] = self._raw(runner, "j_raw_idmap", inputs.id_map, tmp)
        for name, sql in jd.check_steps(d, has_map):
            runner.create_view(name, sql)

        log.info("checking %s", ", ".join(display for _, display in names.values()))
        prof = runner.fetch(jd.touch_profile_query(opts, d))
        by = runner.fetch(
            " UNION ALL ".join(
                jd.reasons_query(_CHECKED[raw], raw) for raw in names if raw != "j_raw_touch"
            )
        )
        counts: dict[str, dict[str, int]] = {raw: {} for raw in names}
        for src, r, n in zip(by["src"], by["reason"], by["n"], strict=True):
            counts[str(src)]["ok" if pd.isna(r) else str(r)] = int(n)
        ok = prof["reason"].isna()
        for r, n in prof[~ok].groupby("reason")["n"].sum().items():
            counts["j_raw_touch"][str(r)] = int(n)
        if ok.any():
            counts["j_raw_touch"]["ok"] = int(prof.loc[ok, "n"].sum())
        for raw, (files, display) in names.items():
            chk = _CHECKED[raw]
            if not opts.lenient and set(counts[raw]) - {"ok"}:
                bad = runner.fetch(jd.first_bad_query(chk)).iloc[0]
                col, what, fix = jd.REASONS[str(bad["reason"])]
                nbad = sum(v for k, v in counts[raw].items() if k != "ok")
                raise InputError(
                    f"{what} ({nbad} bad row{'s' if nbad > 1 else ''} in all)",
                    fix=fix + "; or rerun with --lenient to exclude bad rows",
                    file=files[int(bad["_fidx"])] if len(files) > 1 else display,
                    row=runner.exact_row(raw, int(bad["_fidx"]), int(bad["_row"])),
                    column=col,
                    reason=str(bad["reason"]),
                )
        rejected = self._rejected(runner, names) if opts.lenient else None
        for raw, (_files, display) in names.items():  # lenient: not everything rejected
            n_read = sum(counts[raw].values())
            reject_share_error(
                display, n_read, n_read - counts[raw].get("ok", 0), self.max_reject_share
            )

        good = prof[ok]
        impressions = int(good["n_impr"].sum()) if opts.drop_impressions else 0
        left = good["n"] - (good["n_impr"] if opts.drop_impressions else 0)
        tokens = sorted(str(t) for t in good.loc[left > 0, "token"])
        all_valid = not any(set(c) - {"ok"} for c in counts.values())
        for name, sql in jd.touch_steps(opts, d, has_map, all_valid):
            runner.create_view(name, sql)
        if len(tokens) >= jd.MAX_TOKENS:
            raise UsageError(
                f"{len(tokens)} distinct path steps is more than this tool handles "
                f"({jd.MAX_TOKENS - 1}); use --granularity channel"
            )
        runner.create_view("j_tokens", jd.tokens_view(tokens, d))
        for name, sql in jd.journey_steps(opts, d, tokens):
            runner.create_view(name, sql)
        source = "j_journeys"
        journeys = None
        if journeys_out is not None or keep_journeys:
            runner.materialize("j_journeys_t", "SELECT * FROM j_journeys")
            source = "j_journeys_t"
            jq = jd.journeys_query(d, opts, tokens, source)
            if journeys_out is not None:
                _write_journeys(runner, jq, Path(journeys_out))
            if keep_journeys:
                journeys = _sorted(runner.fetch(jq), ["customer_id", "journey_id"])
        log.info("building paths (%s)", self.engine)
        raw_paths = runner.fetch(jd.paths_query(d, opts, tokens, source))
        paths = _finish_paths(raw_paths)
        accounting = _accounting(counts, raw_paths, impressions, has_map)
        if getattr(self, "channel_changes", None):
            accounting["channel_map"] = dict(self.channel_changes)
        for raw, key in (("j_raw_touch", "touchpoints"), ("j_raw_conv", "conversions")):
            fmt = timestamp_format(
                runner.fetch(  # Unix epoch numbers: say which unit
                    f"SELECT CAST(r_ts AS STRING) AS v FROM {raw} LIMIT 1000"
                )["v"]
            )
            if fmt:
                accounting[key]["timestamp_format"] = fmt
        accounting["seconds"] = round(time.perf_counter() - t0, 3)
        accounting["engine"] = self.engine
        seg = (
            run_segments(runner, segments, opts, tokens, source, tmp)
            if segments is not None
            else None
        )
        res = JourneyResult(paths, accounting, opts, self.engine, journeys, rejected, seg)
        for line in res.summary().splitlines():
            log.info("%s", line)
        return res

    def _rejected(self, runner: Any, names: dict[str, tuple[list[str], str]]) -> pd.DataFrame:
        frames = []
        for raw, (files, display) in names.items():
            r = runner.fetch(jd.rejected_query(_CHECKED[raw]))
            if len(r):
                r.insert(0, "input", _RAW[raw][0].name)
                r.insert(
                    1, "file", [files[int(i)] if len(files) > 1 else display for i in r["_fidx"]]
                )
                r["row"] = [
                    runner.exact_row(raw, int(f), int(x))
                    for f, x in zip(r["_fidx"], r["_row"], strict=True)
                ]
                frames.append(r[["input", "file", "row", "reason"]])
        if not frames:
            return pd.DataFrame({"input": [], "file": [], "row": [], "reason": []})
        return pd.concat(frames, ignore_index=True)


def _check_columns(contract: Contract, cols: list[str], name: str) -> None:
    missing = [c for c in contract.required if c not in cols]
    if missing:
        raise InputError(
            f"required column '{missing[0]}' is missing (found: {', '.join(cols) or 'none'})",
            fix=f"the {contract.name} need columns {', '.join(contract.required)}",
            file=name,
            column=missing[0],
            reason="missing_column",
        )


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return frame.sort_values(by, kind="mergesort").reset_index(drop=True)


def _finish_paths(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw[PATH_COLUMNS].copy()
    out["path"] = out["path"].astype(str)
    for c in ("total_conversions", "total_null"):
        out[c] = out[c].astype("int64")
    out["total_conversion_value"] = out["total_conversion_value"].astype("float64")
    out["_n"] = out["total_conversions"] + out["total_null"]
    out = out.sort_values(["_n", "path"], ascending=[False, True], kind="mergesort")
    return out.drop(columns="_n").reset_index(drop=True)


def _accounting(
    counts: dict[str, dict[str, int]], raw_paths: pd.DataFrame, impressions: int, has_map: bool
) -> dict[str, Any]:
    def part(c: dict[str, int]) -> tuple[int, dict[str, int]]:
        return sum(c.values()), {k: v for k, v in sorted(c.items()) if k != "ok"}

    t_read, t_rej = part(counts["j_raw_touch"])
    c_read, c_rej = part(counts["j_raw_conv"])
    none = raw_paths[raw_paths["path"] == NO_TOUCH_PATH]
    n_conv = int(raw_paths["total_conversions"].sum())
    out: dict[str, Any] = {
        "touchpoints": {
            "read": t_read,
            "rejected": t_rej,
            "excluded_impressions": impressions,
            "used": t_read - sum(t_rej.values()) - impressions,
            "in_paths": int(raw_paths["n_touches"].sum()),
            "collapsed": int(raw_paths["n_collapsed"].sum()),
        },
        "conversions": {
            "read": c_read,
            "rejected": c_rej,
            "used": n_conv,
            "without_touch": int(none["total_conversions"].sum()),
        },
        "journeys": {
            "total": n_conv + int(raw_paths["total_null"].sum()),
            "converting": n_conv,
            "null": int(raw_paths["total_null"].sum()),
            "distinct_paths": len(raw_paths),
        },
    }
    if has_map:
        m_read, m_rej = part(counts["j_raw_idmap"])
        out["id_map"] = {"read": m_read, "rejected": m_rej, "used": m_read - sum(m_rej.values())}
    return out


def ages_text(ages: Any) -> str:
    """A journey's step ages as CSV text, e.g. ``"168.0;0.0"`` (exact: shortest round trip).

    Example
    -------
    >>> ages_text([168.0, 0.5])
    '168.0;0.5'
    """
    return "" if ages is None else AGES_SEP.join(repr(float(a)) for a in ages)


def _write_journeys(runner: Any, sql: str, path: Path) -> None:
    from attribution.io import atomic_path, write_csv

    if path.name.lower().endswith(".csv"):
        frame = _sorted(runner.fetch(sql), ["customer_id", "journey_id"])
        frame["step_ages"] = [ages_text(a) for a in frame["step_ages"]]
        write_csv(path, frame)
    elif runner.dialect.name == "spark":
        runner.write_parquet(sql + " ORDER BY customer_id, journey_id", path)
    else:
        with atomic_path(path) as tmp:
            runner.write_parquet(sql + " ORDER BY customer_id, journey_id", tmp)
    log.info("wrote journeys to %s", path)
