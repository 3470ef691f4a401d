"""``attribution init DIR-or-FILES``: look at the user's files and write a run.toml.

For each file: its kind (GA4 export, Google Ads, Meta Ads, spend table, sales,
touchpoints, conversions, media panel, lift tests, path table), columns, date range
and row count; then the channels seen on the journeys' side and on the spend side,
and which of them match after the channel map. The run.toml it writes runs as it
is; every guess is marked ``# REVIEW: guessed ...``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandas as pd

from attribution.data.channel_map import ChannelMap, Rule
from attribution.data.load import read_table
from attribution.data.readers.adplatforms import detect_kind, read_export
from attribution.errors import UsageError
from attribution.io import write_text
from attribution.journeys.ga4 import ga4_files

log = logging.getLogger("attribution")

#: the guessed channel map: ad-platform campaigns named "*display*" are display
GUESSED_RULES = (Rule("display", glob="*display*", field="campaign"),)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the ``init`` flags."""
    p.add_argument("inputs", nargs="+", help="a folder of exports, or the files")
    p.add_argument("--out", default="run.toml", help="the run config to write (run.toml)")
    p.add_argument(
        "--run-dir",
        default=None,
        help="the run's output folder (default: runs/latest next to the config)",
    )
    p.add_argument("--draws", type=int, default=1000, help="MMM draws per chain (1000)")
    p.add_argument("--tune", type=int, default=1000, help="MMM tuning steps (1000)")
    p.add_argument("--chains", type=int, default=4, help="MMM chains (4)")
    p.add_argument("--bootstrap", type=int, default=100, help="path bootstrap replicates")
    p.add_argument("--formats", default="html,pdf", help="report formats (html,pdf)")
    p.add_argument("--force", action="store_true", help="overwrite an existing run.toml")


def _files(inputs: list[str]) -> list[Path]:
    out: list[Path] = []
    for x in inputs:
        p = Path(x)
        if p.is_dir():
            out += sorted(q for q in p.iterdir() if not q.name.startswith((".", "_")))
        elif p.exists():
            out.append(p)
        else:
            raise UsageError(f"{x}: no such file or folder")
    return out


def inspect(path: Path) -> dict:
    """What one file (or GA4 folder) is: kind, columns, rows, date range."""
    if path.is_dir():
        files, fmt = ga4_files(path)
        frame = pd.concat(
            [
                pd.read_parquet(f) if fmt == "parquet" else pd.read_json(f, lines=True)
                for f in files
            ],
            ignore_index=True,
        )
        if {"event_name", "user_pseudo_id", "event_timestamp"} <= set(frame.columns):
            ts = pd.to_datetime(frame["event_timestamp"], unit="us")
            src = frame["collected_traffic_source"].map(
                lambda d: (d or {}).get("manual_source") if isinstance(d, dict) else None
            )
            med = frame["collected_traffic_source"].map(
                lambda d: (d or {}).get("manual_medium") if isinstance(d, dict) else None
            )
            starts = frame["event_name"] == "session_start"
            raw = [
                f"{s if isinstance(s, str) else '(direct)'} / "
                f"{m if isinstance(m, str) else '(none)'}"
                for s, m in zip(src[starts], med[starts], strict=True)
            ]
            return {
                "path": path,
                "kind": "ga4",
                "columns": list(frame.columns),
                "rows": len(frame),
                "files": len(files),
                "first": ts.min(),
                "last": ts.max(),
                "raw_channels": sorted(set(raw)),
            }
        return {"path": path, "kind": "unknown", "columns": list(frame.columns), "rows": len(frame)}
    raw = read_table(path)
    cols = [str(c) for c in raw.frame.columns]
    info = {"path": path, "columns": cols, "rows": len(raw.frame)}
    found = detect_kind(cols)
    lower = {c.lower() for c in cols}
    if {"channel", "start", "end", "lift"} <= lower:
        kind = "lift_tests"
    elif {"path", "total_conversions"} <= lower:
        kind = "paths"
    elif found is not None:
        kind = found[0]
    else:
        kind = "unknown"
    info["kind"] = kind
    for c in ("date", "Day", "Reporting starts", "start", "timestamp"):
        if c in cols:
            d = pd.to_datetime(raw.frame[c], errors="coerce", format="ISO8601")
            info["first"], info["last"] = d.min(), d.max()
            break
    return info


def _rng(i: dict) -> str:
    if i.get("first") is None or pd.isna(i.get("first")):
        return "no dates"
    return f"{pd.Timestamp(i['first']).date()} to {pd.Timestamp(i['last']).date()}"


def run(args: argparse.Namespace) -> int:
    """Inspect the files, print what was found, write the run config."""
    out = Path(args.out)
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists; pass --force to overwrite it")
    infos = [inspect(p) for p in _files(args.inputs)]
    cmap = ChannelMap(rules=GUESSED_RULES)
    journey_raw: set[str] = set()
    panel: dict[str, str] = {}
    for i in infos:
        extra = f", {i['files']} files" if "files" in i else ""
        print(f"{i['path']}: {i['kind']}, {i['rows']} rows{extra}, {_rng(i)}")
        print(
            f"    columns: {', '.join(i['columns'][:12])}"
            + (" ..." if len(i["columns"]) > 12 else "")
        )
        if i["kind"] == "ga4":
            journey_raw |= set(i["raw_channels"])
        if i["kind"] in ("google_ads", "meta_ads", "spend"):
            _, frame = read_export(i["path"], cmap)
            for ch in frame["channel"].unique():
                panel[str(ch)] = i["path"].name
    journeys = {r: cmap.map(r) for r in sorted(journey_raw)}
    if journeys:
        print("journeys' channels (raw -> channel):")
        for r, c in journeys.items():
            print(f"    {r} -> {c}" + ("   [matches the spend side]" if c in panel else ""))
    if panel:
        print("spend side channels: " + ", ".join(f"{c} ({f})" for c, f in sorted(panel.items())))
        both = sorted(set(journeys.values()) & set(panel))
        print(f"matching channels: {', '.join(both) if both else 'NONE'}")
    text = render(infos, args, out)
    write_text(out, text)
    print(f"wrote {out}: review the lines marked REVIEW, then run: attribution run --config {out}")
    return 0


def _rel(p: Path, base: Path) -> str:
    try:
        return str(p.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(p.resolve())


def render(infos: list[dict], args: argparse.Namespace, out: Path) -> str:
    """The commented run.toml for what was found."""
    base = out.parent
    by = {}
    for i in infos:
        by.setdefault(i["kind"], []).append(i)
    lines = [
        "# written by 'attribution init'; every guess is marked REVIEW",
        "",
        "[run]",
        f'name = "{base.resolve().name}"',
        f'out = "{args.run_dir or "runs/latest"}"',
        "seed = 0",
        "",
    ]
    lines += ["[inputs]"]
    if "ga4" in by:
        lines += [
            "# REVIEW: guessed a GA4 BigQuery export (session_start = touch, "
            "purchase = conversion)",
            f'ga4 = "{_rel(by["ga4"][0]["path"], base)}"',
        ]
    spend = [i for k in ("google_ads", "meta_ads", "spend") for i in by.get(k, [])]
    if spend:
        lines += [
            "# REVIEW: guessed daily ad-spend exports (summed into weeks from Monday)",
            "ad_spend = [" + ", ".join(f'"{_rel(i["path"], base)}"' for i in spend) + "]",
        ]
    if "sales" in by:
        lines += [
            "# REVIEW: guessed the daily sales file (the model's target)",
            f'sales = "{_rel(by["sales"][0]["path"], base)}"',
        ]
    if "lift_tests" in by:
        lines += [
            "# REVIEW: guessed lift tests (channel names as in the panel)",
            f'lift_tests = "{_rel(by["lift_tests"][0]["path"], base)}"',
        ]
    if "paths" in by:
        lines += [f'paths = "{_rel(by["paths"][0]["path"], base)}"']
    unknown = by.get("unknown", [])
    for i in unknown:
        lines += [f"# REVIEW: not recognised, left out: {i['path']}"]
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
        + ", ".join(f'"{f.strip()}"' for f in args.formats.split(",") if f.strip())
        + "]",
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
