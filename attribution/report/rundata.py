"""Read a run directory into plain tables (the report's only input).

Every file name, column and ``run.json`` key read here is a name from
:mod:`attribution.rundir` (the run directory's contract); nothing is guessed.
Required: nothing but the directory; each missing file turns off the section
that needs it. Files read:

- ``run.json``: the manifest (status, stages, config, findings, row_accounting,
  skipped_stages, ...). A run whose manifest says it did not finish (status
  ``running`` with a process that no longer runs, or ``failed``) is refused with
  one line naming the stages that did not finish.
- the tables of ``R.TABLE_COLUMNS`` (``paths.csv``, ``mta.csv``,
  ``mmm/channels.csv``, ``combined.csv``, ``plan.csv`` whose ``total`` row is kept
  apart, ``truth_comparison.csv``, ``mmm/contributions.csv``,
  ``mmm/response_curves.csv``, ``sweep.csv``).
- ``plan.json``: the plan's summary (``gain``, ``gain_low``, ``gain_high``,
  ``prob_beats_current``, ``safe``, ``unsafe_reason``, ``interval``).

Extra columns are kept. A file that exists but lacks a required column, or has
a non-number where a number belongs, raises ``InputError`` naming file, row and
column.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attribution import rundir as R
from attribution.errors import InputError, UsageError

#: text (or yes/no) columns of the segment tables; every other contract column is a number
_TEXT_COLUMNS = frozenset(
    {
        "segment",
        "value",
        "model",
        "channel",
        "level",
        "label",
        "beyond",
        "method",
        "direction",
        "role",
        "source",
        "mix_differs",
        "binds",
    }
)


def _numeric(columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c for c in columns if c not in _TEXT_COLUMNS)


# relative path -> (required columns, numeric columns if present)
FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    R.PATHS_CSV: (
        (R.PATH, R.TOTAL_CONVERSIONS),
        (R.TOTAL_CONVERSIONS, R.TOTAL_CONVERSION_VALUE, R.TOTAL_NULL),
    ),
    R.MTA_CSV: (
        (R.MODEL, R.CHANNEL, R.CONVERSIONS),
        (R.CONVERSIONS, R.VALUE, R.CI_LOW, R.CI_HIGH, R.VALUE_CI_LOW, R.VALUE_CI_HIGH),
    ),
    R.MMM_CHANNELS_CSV: (
        (R.CHANNEL, R.CONTRIBUTION),
        (
            R.SPEND,
            R.CONTRIBUTION,
            R.CONTRIBUTION_LOW,
            R.CONTRIBUTION_HIGH,
            R.ROI,
            R.ROI_LOW,
            R.ROI_HIGH,
            R.MROI,
        ),
    ),
    R.COMBINED_CSV: ((R.CHANNEL,), ()),
    R.PLAN_CSV: (
        (R.CHANNEL, R.CURRENT_SPEND, R.RECOMMENDED_SPEND),
        (
            R.CURRENT_SPEND,
            R.RECOMMENDED_SPEND,
            R.CHANGE_PCT,
            R.EXPECTED_CURRENT,
            R.EXPECTED_CURRENT_LOW,
            R.EXPECTED_CURRENT_HIGH,
            R.EXPECTED_RECOMMENDED,
            R.EXPECTED_RECOMMENDED_LOW,
            R.EXPECTED_RECOMMENDED_HIGH,
        ),
    ),
    R.TRUTH_COMPARISON_CSV: ((R.CHANNEL, R.ESTIMATE, R.TRUTH), (R.ESTIMATE, R.TRUTH, R.REL_ERROR)),
    R.MMM_CONTRIBUTIONS_CSV: (
        (R.DATE, R.CHANNEL, R.CONTRIBUTION),
        (R.CONTRIBUTION, R.CONTRIBUTION_LOW, R.CONTRIBUTION_HIGH),
    ),
    R.MMM_RESPONSE_CURVES_CSV: (
        (R.CHANNEL, R.SPEND, R.RESPONSE),
        (R.SPEND, R.RESPONSE, R.RESPONSE_LOW, R.RESPONSE_HIGH),
    ),
    R.SWEEP_CSV: ((R.BUDGET, R.EXPECTED), (R.BUDGET, R.EXPECTED, R.EXPECTED_LOW, R.EXPECTED_HIGH)),
    R.MMM_DECOMPOSITION_CSV: ((R.DATE, R.SALES), (R.SALES,)),
    R.EXPERIMENTS_CSV: (
        ("rank", "channel", "net_value"),
        ("weeks", "share", "mde", "assurance", "value", "cost", "net_value"),
    ),
    # segments and contact pressure (report/sections_segments.py): numbers are the
    # contract's columns less its text ones
    R.MTA_BY_SEGMENT_CSV: (
        ("segment", "value", "model", "channel", "share"),
        _numeric(R.MTA_BY_SEGMENT_COLUMNS),
    ),
    R.PRESSURE_CSV: (("level", "channel", "frequency", "effect"), _numeric(R.PRESSURE_COLUMNS)),
    R.ONLINE_OFFLINE_CSV: (
        ("segment", "value", "direction", "role", "share"),
        _numeric(R.ONLINE_OFFLINE_COLUMNS),
    ),
    R.CAPS_CSV: (("channel", "spend_cap"), _numeric(R.CAPS_COLUMNS)),
}


@dataclass(frozen=True)
class RunData:
    """The tables of one run directory; ``None`` where a file is missing."""

    root: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    totals: dict[str, dict[str, Any]] = field(default_factory=dict)
    plan_json: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> pd.DataFrame | None:
        """The table for a relative file name (``"mmm/channels.csv"``), or None."""
        return self.tables.get(name)

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def level(self) -> float:
        """Interval level: ``config.run.interval`` in run.json (default 0.9)."""
        run = (self.manifest.get(R.CONFIG) or {}).get(R.CONFIG_RUN) or {}
        v = run.get(R.CONFIG_INTERVAL) if isinstance(run, dict) else None
        return float(v) if isinstance(v, int | float) and 0 < v < 1 else 0.9

    @property
    def findings(self) -> list[dict[str, str]]:
        return [
            {k: str(f.get(k, "") or "") for k in R.FINDING_KEYS}
            for f in self.manifest.get(R.FINDINGS) or []
            if isinstance(f, dict)
        ]

    @property
    def blockers(self) -> list[dict[str, str]]:
        """Error-level findings: while any exists, the run is not for decisions."""
        return [f for f in self.findings if f["level"] == "error"]

    @property
    def plan_unsafe(self) -> str:
        """Why the plan is not for decisions ('' when it is safe or there is no plan)."""
        if self.plan_json.get(R.PLAN_SAFE, True) is False:
            return str(self.plan_json.get(R.PLAN_UNSAFE_REASON) or "")
        return ""

    def plan_summary(self) -> dict[str, float]:
        """The plan's gain, its interval and the probability of beating the current plan,
        from ``plan.json`` (keys ``R.PLAN_SUMMARY_KEYS``); only finite numbers."""
        out: dict[str, float] = {}
        for k in R.PLAN_SUMMARY_KEYS:
            v = self.plan_json.get(k)
            if isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v):
                out[k] = float(v)
        return out


def unfinished(manifest: dict[str, Any]) -> list[str]:
    """The stages a run did not finish (empty when it finished or was never tracked).

    A run counts as unfinished when its status is ``failed``, or ``running`` while
    the process that wrote it no longer runs (killed). The report stage itself is
    not counted (the report is rendered while it runs).

    Example
    -------
    >>> unfinished({"status": "failed", "pid": 0, "stages": {"mmm": {"status": "failed"},
    ...             "optimize": {"status": "pending"}, "report": {"status": "pending"}}})
    ['mmm', 'optimize']
    """
    status = manifest.get(R.STATUS)
    if status not in (R.STATUS_RUNNING, R.STATUS_FAILED):
        return []
    pid = manifest.get(R.PID)
    if status == R.STATUS_RUNNING and isinstance(pid, int) and pid == os.getpid():
        return []
    stages = {n: e for n, e in (manifest.get(R.STAGES) or {}).items() if isinstance(e, dict)}
    order = sorted(stages, key=lambda n: (stages[n].get(R.STAGE_ORDER, len(stages)), n))
    return [
        n
        for n in order
        if n != R.STAGE_REPORT
        and stages[n].get(R.STAGE_STATUS) not in (R.STAGE_DONE, R.STAGE_SKIPPED)
    ] or ["(unknown)"]


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_finished(root: Path, manifest: dict[str, Any]) -> None:
    missing = unfinished(manifest)
    if not missing:
        return
    if manifest.get(R.STATUS) == R.STATUS_RUNNING and _alive(manifest.get(R.PID)):
        raise UsageError(
            f"the run in {root} is still running (pid {manifest.get(R.PID)}; "
            f"stages not finished: {', '.join(missing)}); report on it when it "
            "has finished"
        )
    how = (
        "stopped by an error: " + str(manifest.get(R.ERROR))
        if manifest.get(R.STATUS) == R.STATUS_FAILED
        else "killed before it finished"
    )
    raise UsageError(
        f"the run in {root} is incomplete ({how}); stages not finished: "
        f"{', '.join(missing)}; finish it with 'attribution run --config "
        f"<its config> --resume' before reporting"
    )


def _read_csv(path: Path, rel: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    required, numeric = FILES[rel]
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError(
            "the file is empty", "rerun the stage that writes it", file=str(path), reason="empty"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(
            f"not a readable CSV ({str(exc).splitlines()[0]})",
            "rerun the stage that writes it",
            file=str(path),
            reason="unreadable",
        ) from None
    for col in required:
        if col not in df.columns:
            raise InputError(
                f"required column '{col}' is missing",
                f"the file needs the columns {', '.join(required)}",
                file=str(path),
                column=col,
                reason="missing_column",
            )
    for col in df.columns:
        if col in numeric or (rel == R.COMBINED_CSV and col != R.CHANNEL):
            df[col] = _numbers(df[col], path, col, strict=col in numeric)
    for col in ("channel", "model", "path", "method", "quantity"):
        if col in df.columns:
            df[col] = df[col].astype(object).str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
    total: dict[str, Any] = {}
    if R.CHANNEL in df.columns:
        is_total = df[R.CHANNEL] == R.TOTAL_ROW
        if is_total.any():
            total = {
                k: (None if isinstance(v, float) and np.isnan(v) else v)
                for k, v in df[is_total].iloc[0].to_dict().items()
            }
            total = {k: _maybe_float(v) for k, v in total.items()}
        df = df[~is_total].reset_index(drop=True)
    return df, total


def _maybe_float(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return v


def _numbers(s: pd.Series, path: Path, col: str, strict: bool) -> pd.Series:
    txt = s.astype(object)
    empty = txt.isin(["", "nan", "NaN", "NA", "null", "None"])
    vals = pd.to_numeric(txt.where(~empty, None), errors="coerce").astype(float)
    bad = vals.isna() & ~empty
    if bad.any():
        if not strict:
            return s  # a text column in an open-ended table (e.g. combined.csv)
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"value '{txt.iloc[i]}' is not a number",
            "rerun the stage that writes this file",
            file=str(path),
            row=i + 2,
            column=col,
            reason="not_a_number",
        )
    return vals


def load_run(root: str | Path) -> RunData:
    """Read a run directory.

    Raises ``UsageError`` when the directory does not exist or holds none of
    the run files, ``InputError`` for a malformed file.

    Example
    -------
    >>> run = load_run("reports/demo")          # doctest: +SKIP
    >>> run.get("mmm/channels.csv").columns[0]   # doctest: +SKIP
    'channel'
    """
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"run directory '{root}' does not exist")
    manifest: dict[str, Any] = {}
    mpath = root / R.RUN_JSON
    if mpath.exists():
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(
                f"run.json is not valid JSON ({exc})",
                "rerun the pipeline",
                file=str(mpath),
                reason="unreadable",
            ) from None
        if not isinstance(manifest, dict):
            raise InputError(
                "run.json must hold a JSON object",
                "rerun the pipeline",
                file=str(mpath),
                reason="invalid",
            )
        _check_finished(root, manifest)
    tables: dict[str, pd.DataFrame] = {}
    totals: dict[str, dict[str, Any]] = {}
    for rel in FILES:
        if (root / rel).is_file():
            tables[rel], total = _read_csv(root / rel, rel)
            if total:
                totals[rel] = total
    plan_json: dict[str, Any] = {}
    if (root / R.PLAN_JSON).is_file():
        try:
            loaded = json.loads((root / R.PLAN_JSON).read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(
                f"plan.json is not valid JSON ({exc})",
                "rerun the optimiser",
                file=str(root / R.PLAN_JSON),
                reason="unreadable",
            ) from None
        plan_json = loaded if isinstance(loaded, dict) else {}
    if not manifest and not tables:
        raise UsageError(
            f"'{root}' holds no run files (run.json, mta.csv, mmm/channels.csv ...);"
            " point --run at a directory written by 'attribution run' or 'demo'"
        )
    return RunData(root=root, manifest=manifest, tables=tables, totals=totals, plan_json=plan_json)


def run_name(run: RunData) -> str:
    """The run's ``[run] name`` from its config; the folder name when the run has none."""
    cfg = run.manifest.get(R.CONFIG)
    name = (cfg.get(R.CONFIG_RUN) or {}).get(R.CONFIG_NAME) if isinstance(cfg, dict) else None
    return str(name) if name else run.name
