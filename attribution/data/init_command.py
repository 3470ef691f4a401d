"""``attribution init DIR-or-FILES``: look at the user's files and write a run.toml.

For each file: its kind (GA4 export, Google Ads, Meta Ads, spend table, sales,
touchpoints, conversions, media panel, lift tests, path table), columns, date range
and row count; then the channels seen on the journeys' side and on the spend side,
and which of them match after the channel map. The run.toml it writes runs as it
is; every guess is marked ``# REVIEW: guessed ...``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd

from attribution.data.channel_map import ChannelMap, Rule
from attribution.data.init_guess import guess
from attribution.data.read import read_table
from attribution.data.readers.adplatforms import read_export
from attribution.errors import InputError, UsageError
from attribution.io import write_text
from attribution.journeys.ga4 import ga4_profile

log = logging.getLogger("attribution")

#: the guessed channel map: ad-platform campaigns named "*display*" are display
GUESSED_RULES = (Rule("display", glob="*display*", field="campaign"),)
SPEND_KINDS = ("google_ads", "meta_ads", "spend")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the ``init`` flags."""
    p.add_argument("inputs", nargs="+", help="a folder of exports, or the files")
    p.add_argument("--out", default="run.toml", help="the run config to write (run.toml)")
    p.add_argument(
        "--run-dir",
        default="runs/latest",
        help="the run's output folder, relative to the config (runs/latest)",
    )
    p.add_argument("--draws", type=int, default=1000, help="MMM draws per chain (1000)")
    p.add_argument("--tune", type=int, default=1000, help="MMM tuning steps (1000)")
    p.add_argument("--chains", type=int, default=4, help="MMM chains (4)")
    p.add_argument("--bootstrap", type=int, default=100, help="path bootstrap replicates (100)")
    p.add_argument("--formats", default="html,pdf", help="report formats (html,pdf)")
    p.add_argument("--force", action="store_true", help="overwrite an existing run.toml")


def _files(inputs: list[str]) -> list[Path]:
    out: list[Path] = []
    for x in inputs:
        p = Path(x)
        if p.is_dir() and not any(q.name.startswith("events_") for q in p.iterdir()):
            out += sorted(
                q
                for q in p.iterdir()
                if not q.name.startswith((".", "_"))
                and q.suffix.lower() not in (".toml", ".json", ".md")
            )
        elif p.exists():
            out.append(p)
        else:
            raise UsageError(f"{x}: no such file or folder")
    return out


def inspect(path: Path, cmap: ChannelMap) -> dict[str, Any]:
    """What one file (or GA4 export folder) is: kind, columns, rows, dates, channels."""
    if path.is_dir():
        try:
            prof = ga4_profile(path)
        except InputError:
            return {"path": path, "kind": "unknown", "columns": [], "rows": 0}
        if not prof["ga4"]:
            return {"path": path, "kind": "unknown", "columns": prof["columns"], "rows": 0}
        return {"path": path, "kind": "ga4", **prof}
    raw = read_table(path)
    f = raw.frame
    cols = [str(c) for c in f.columns]
    g = guess(cols, f.head(200))
    info: dict[str, Any] = {
        "path": path,
        "columns": cols,
        "rows": len(f),
        "kind": g.kind,
        "guess": g,
    }
    date_col = (
        g.columns.get("timestamp")
        or g.panel.get("date")
        or next(
            (c for c in cols if c.lower() in ("date", "day", "reporting starts", "start")), None
        )
    )
    if date_col is not None:
        d = pd.to_datetime(f[date_col], errors="coerce", format="ISO8601", utc=True)
        info["first"], info["last"] = d.min(), d.max()
    if g.kind == "touchpoints":
        info["raw_channels"] = f[g.columns["channel"]].astype(str).value_counts().to_dict()
    if g.kind in SPEND_KINDS:
        _, frame = read_export(path, cmap)
        info["channels"] = sorted(map(str, frame["channel"].unique()))
    if g.kind == "media":
        info["channels"] = sorted({cmap.map(c) for c in g.panel["spend"]})
    return info


def _rng(i: dict[str, Any]) -> str:
    if i.get("first") is None or pd.isna(i.get("first")):
        return "no dates"
    return f"{pd.Timestamp(i['first']).date()} to {pd.Timestamp(i['last']).date()}"


def run(args: argparse.Namespace) -> int:
    """Inspect the files, print what was found, write the run config."""
    out = Path(args.out)
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists; pass --force to overwrite it")
    cmap = ChannelMap(rules=GUESSED_RULES)
    infos = [inspect(p, cmap) for p in _files(args.inputs)]
    journey_raw: dict[str, int] = {}
    panel: dict[str, str] = {}
    for i in infos:
        extra = f", {i['files']} files" if "files" in i else ""
        print(f"{i['path']}: {i['kind']}, {i['rows']} rows{extra}, {_rng(i)}")
        cols = list(i["columns"])
        print(f"    columns: {', '.join(cols[:12])}" + (" ..." if len(cols) > 12 else ""))
        for raw, n in i.get("raw_channels", {}).items():
            journey_raw[raw] = journey_raw.get(raw, 0) + n
        for ch in i.get("channels", []):
            panel.setdefault(ch, i["path"].name)
    journeys = {r: cmap.map(r) for r in sorted(journey_raw)}
    if journeys:
        print("journeys' channels (raw -> channel, touches):")
        for r, c in journeys.items():
            mark = "   [matches the spend side]" if c in panel else ""
            print(f"    {r} -> {c} ({journey_raw[r]}){mark}")
    if panel:
        print("spend side channels: " + ", ".join(f"{c} ({f})" for c, f in sorted(panel.items())))
    if journeys and panel:
        both = sorted(set(journeys.values()) & set(panel))
        print(f"matching channels: {', '.join(both) if both else 'NONE'}")
        only = sorted(set(journeys.values()) - set(panel))
        if only:
            print(f"only in the journeys: {', '.join(only)}")
    write_text(out, render(infos, args, out))
    print(f"wrote {out}: review the lines marked REVIEW, then run: attribution run --config {out}")
    return 0


def _rel(p: Path, base: Path) -> str:
    """``p`` relative to the config's folder (``../exports/x.csv``), so that the config and
    its inputs can move together; absolute only where no relative path exists (another
    drive)."""
    try:
        return Path(os.path.relpath(p.resolve(), base.resolve())).as_posix()
    except ValueError:
        return p.resolve().as_posix()


def _toml(v: Any) -> str:
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml(x)}" for k, x in v.items()) + " }"
    return json.dumps(v)


def render(infos: list[dict[str, Any]], args: argparse.Namespace, out: Path) -> str:
    """The commented run.toml for what was found."""
    base = out.parent
    by: dict[str, list[dict[str, Any]]] = {}
    for i in infos:
        by.setdefault(i["kind"], []).append(i)

    def path(i: dict[str, Any]) -> str:
        return json.dumps(_rel(i["path"], base))

    lines = [
        "# written by 'attribution init'; every guess is marked REVIEW",
        "",
        "[run]",
        f"name = {json.dumps(base.resolve().name)}",
        f"out = {json.dumps(args.run_dir)}",
        "seed = 0",
        "# lenient = true            # quarantine bad rows instead of stopping",
        "",
        "[inputs]",
    ]
    mapping: list[str] = []
    if "ga4" in by:
        lines += [
            "# REVIEW: guessed a GA4 BigQuery export (session_start = touch, "
            "purchase = conversion)",
            f"ga4 = {path(by['ga4'][0])}",
        ]
    for kind in ("touchpoints", "conversions"):
        if kind in by and "ga4" not in by:
            i = by[kind][0]
            lines += [f"# REVIEW: guessed {kind} ({i['guess'].reason})", f"{kind} = {path(i)}"]
            renames = {k: v for k, v in i["guess"].columns.items() if k != v}
            if renames:
                mapping += [
                    "",
                    f"[mapping.columns.{kind}]",
                    "# REVIEW: guessed column names (contract name = your column)",
                ]
                mapping += [f"{k} = {json.dumps(v)}" for k, v in renames.items()]
    spend = [i for k in SPEND_KINDS for i in by.get(k, [])]
    if spend and "media" not in by:
        lines += [
            "# REVIEW: guessed daily ad-spend exports (summed into weeks from Monday)",
            "ad_spend = [" + ", ".join(path(i) for i in spend) + "]",
        ]
        if "sales" in by:
            lines += [
                "# REVIEW: guessed the daily sales file (the model's target)",
                f"sales = {path(by['sales'][0])}",
            ]
    if "media" in by:
        i = by["media"][0]
        lines += [
            f"# REVIEW: guessed a weekly media panel ({i['guess'].reason})",
            f"media = {path(i)}",
        ]
        mapping += [
            "",
            "[mapping.panel]",
            "# REVIEW: guessed column roles; a column without a role is not used",
        ]
        mapping += [f"{k} = {_toml(v)}" for k, v in i["guess"].panel.items() if v]
    if "lift_tests" in by:
        lines += [
            "# REVIEW: guessed lift tests (channel names as in the panel)",
            f"lift_tests = {path(by['lift_tests'][0])}",
        ]
    if "paths" in by and "touchpoints" not in by and "ga4" not in by:
        lines += [f"paths = {path(by['paths'][0])}"]
    for i in by.get("unknown", []):
        lines += [f"# REVIEW: not recognised, left out: {_rel(i['path'], base)}"]
    lines += [
        "",
        "[mta]",
        f"bootstrap = {args.bootstrap}",
        "",
        "[mmm]",
        f"draws = {args.draws}",
        f"tune = {args.tune}",
        f"chains = {args.chains}",
        "",
        "[report]",
        "formats = ["
        + ", ".join(json.dumps(f.strip()) for f in args.formats.split(",") if f.strip())
        + "]",
        *mapping,
        "",
        "[mapping.channels]",
        "# the built-in grouping: google / cpc -> paid_search, (direct) / (none) -> "
        "direct, facebook -> paid_social ...",
        "default_grouping = true",
        "# REVIEW: guessed that ad-platform campaigns named *display* are display",
        'rules = [{ pattern = "*display*", field = "campaign", channel = "display" }]',
        '# exact = { "my_source / my_medium" = "paid_social" }',
        "",
    ]
    return "\n".join(lines)
