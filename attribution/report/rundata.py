"""Read a run directory into plain tables (the report's only input).

Required: nothing but the directory; each missing file turns off the section
that needs it. Files read (see DESIGN.md, "Run directory"):

- ``run.json``: manifest (config, seed, versions, inputs, row_accounting,
  timings_s, findings, skipped_stages). Optional keys used when present:
  ``plan`` / ``optimize`` (a mapping with ``gain``, ``gain_low``, ``gain_high``,
  ``prob_better``) and ``config.interval`` (interval level, default 0.9).
- ``paths.csv``, ``mta.csv``, ``mmm/channels.csv``, ``combined.csv``,
  ``plan.csv`` (a ``total`` row, if any, is kept apart: its intervals and
  ``prob_beats_current`` describe the whole plan), ``truth_comparison.csv``.
- ``plan.json`` (optimiser summary): ``uplift`` ``[estimate, low, high]``,
  ``prob_beats_current``, ``interval``.
- Optional extras: ``mmm/contributions.csv`` (date, channel, contribution[, low,
  high]), ``mmm/response_curves.csv`` (channel, spend, response, response_low,
  response_high), ``sweep.csv`` (budget, expected, expected_low, expected_high).

Extra columns are kept. A file that exists but lacks a required column, or has
a non-number where a number belongs, raises ``InputError`` naming file, row and
column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attribution import rundir
from attribution.errors import InputError, UsageError

# relative path -> (required columns, numeric columns if present)
FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "paths.csv": (("path", "total_conversions"),
                  ("total_conversions", "total_conversion_value", "total_null")),
    "mta.csv": (("model", "channel", "conversions"),
                ("conversions", "value", "ci_low", "ci_high", "value_ci_low", "value_ci_high")),
    "mmm/channels.csv": (("channel", "contribution"),
                         ("spend", "contribution", "contribution_low", "contribution_high", "roi",
                          "roi_low", "roi_high", "mroi")),
    "combined.csv": (("channel",), ()),
    "plan.csv": (("channel", "current_spend", "recommended_spend"),
                 ("current_spend", "recommended_spend", "change_pct", "expected_current",
                  "expected_current_low", "expected_current_high", "expected_recommended",
                  "expected_recommended_low", "expected_recommended_high")),
    "truth_comparison.csv": (("channel", "estimate", "truth"),
                             ("estimate", "truth", "rel_error")),
    "mmm/contributions.csv": (("date", "channel", "contribution"),
                              ("contribution", "contribution_low", "contribution_high")),
    "mmm/response_curves.csv": (("channel", "spend", "response"),
                                ("spend", "response", "response_low", "response_high")),
    "sweep.csv": (("budget", "expected"), ("budget", "expected", "expected_low", "expected_high")),
    # segments and contact pressure (report/sections_segments.py)
    rundir.MTA_BY_SEGMENT_CSV: (("segment", "value", "model", "channel", "share"),
                                ("conversions", "ci_low", "ci_high", "share", "share_low",
                                 "share_high", "segment_conversions", "segment_journeys")),
    rundir.PRESSURE_CSV: (("level", "channel", "frequency", "effect"),
                          ("frequency", "rows", "conversions", "raw_rate", "raw_change",
                           "effect", "effect_low", "effect_high", "peak", "peak_low",
                           "peak_high")),
    rundir.ONLINE_OFFLINE_CSV: (("segment", "value", "direction", "role", "share"),
                                ("journeys", "base", "share", "share_low", "share_high")),
    rundir.CAPS_CSV: (("channel", "spend_cap"),
                      ("frequency_cap", "touches_per_week", "reached_per_week", "weekly_spend",
                       "touches_per_spend", "spend_cap", "recommended_spend")),
}

_TOTAL_NAMES = {"total", "(total)", "all", "__total__"}


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
        """Interval level (default 0.9)."""
        cfg = self.manifest.get("config") or {}
        places = [cfg, cfg.get("run"), cfg.get("report"), self.plan_json] if isinstance(
            cfg, dict) else [self.plan_json]
        for where in places:
            for key in ("interval", "ci", "interval_level", "hdi_prob"):
                v = where.get(key) if isinstance(where, dict) else None
                if isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 1:
                    return float(v)
        return 0.9

    @property
    def findings(self) -> list[dict[str, str]]:
        out = []
        for f in self.manifest.get("findings") or []:
            if isinstance(f, dict):
                out.append({k: str(f.get(k, "") or "") for k in
                            ("level", "code", "message", "action", "stage")})
        return out

    def plan_summary(self) -> dict[str, float]:
        """Gain, interval and probability of beating the current plan, where reported.

        Sources, first found wins per number: ``plan.json`` (``uplift``,
        ``prob_beats_current``), the manifest's ``plan``/``optimize`` mapping, the
        ``total`` row of ``plan.csv``.
        """
        src: dict[str, Any] = {}
        for key in ("plan", "optimize", "optimizer", "optimisation", "optimization"):
            v = self.manifest.get(key)
            if isinstance(v, dict):
                src = dict(v)
                break
        pj = self.plan_json
        up = pj.get("uplift")
        if isinstance(up, list) and len(up) == 3:
            src.update({"gain": up[0], "gain_low": up[1], "gain_high": up[2]})
        total = self.totals.get("plan.csv", {})
        for k in ("prob_beats_current",):
            for where in (pj, total):
                if k not in src and where.get(k) is not None:
                    src[k] = where.get(k)
        names = {"gain": ("gain", "expected_gain"), "gain_low": ("gain_low", "expected_gain_low"),
                 "gain_high": ("gain_high", "expected_gain_high"),
                 "prob_better": ("prob_better", "prob_beats_current", "probability_better",
                                 "p_better")}
        out: dict[str, float] = {}
        for k, aliases in names.items():
            for a in aliases:
                v = src.get(a)
                if isinstance(v, int | float | str) and not isinstance(v, bool):
                    try:
                        fv = float(v)
                    except ValueError:
                        continue
                    if np.isfinite(fv):
                        out[k] = fv
                        break
        return out


def _read_csv(path: Path, rel: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    required, numeric = FILES[rel]
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty", "rerun the stage that writes it", file=str(path),
                         reason="empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable CSV ({str(exc).splitlines()[0]})",
                         "rerun the stage that writes it", file=str(path),
                         reason="unreadable") from None
    for col in required:
        if col not in df.columns:
            raise InputError(f"required column '{col}' is missing",
                             f"the file needs the columns {', '.join(required)}",
                             file=str(path), column=col, reason="missing_column")
    for col in df.columns:
        if col in numeric or (rel == "combined.csv" and col != "channel"):
            df[col] = _numbers(df[col], path, col, strict=col in numeric)
    for col in ("channel", "model", "path", "method", "quantity"):
        if col in df.columns:
            df[col] = df[col].astype(object).str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
    total: dict[str, Any] = {}
    if "channel" in df.columns:
        is_total = df["channel"].str.lower().isin(_TOTAL_NAMES)
        if is_total.any():
            total = {k: (None if isinstance(v, float) and np.isnan(v) else v)
                     for k, v in df[is_total].iloc[0].to_dict().items()}
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
        raise InputError(f"value '{txt.iloc[i]}' is not a number",
                         "rerun the stage that writes this file", file=str(path), row=i + 2,
                         column=col, reason="not_a_number")
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
    mpath = root / "run.json"
    if mpath.exists():
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"run.json is not valid JSON ({exc})", "rerun the pipeline",
                             file=str(mpath), reason="unreadable") from None
        if not isinstance(manifest, dict):
            raise InputError("run.json must hold a JSON object", "rerun the pipeline",
                             file=str(mpath), reason="invalid")
    tables: dict[str, pd.DataFrame] = {}
    totals: dict[str, dict[str, Any]] = {}
    for rel in FILES:
        if (root / rel).is_file():
            tables[rel], total = _read_csv(root / rel, rel)
            if total:
                totals[rel] = total
    plan_json: dict[str, Any] = {}
    if (root / "plan.json").is_file():
        try:
            loaded = json.loads((root / "plan.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"plan.json is not valid JSON ({exc})", "rerun the optimiser",
                             file=str(root / "plan.json"), reason="unreadable") from None
        plan_json = loaded if isinstance(loaded, dict) else {}
    if not manifest and not tables:
        raise UsageError(f"'{root}' holds no run files (run.json, mta.csv, mmm/channels.csv ...);"
                         " point --run at a directory written by 'attribution run' or 'demo'")
    return RunData(root=root, manifest=manifest, tables=tables, totals=totals,
                   plan_json=plan_json)
