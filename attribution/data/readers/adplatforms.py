"""Daily ad-platform exports and a daily sales file -> the weekly media panel.

Recognised by their columns (case and spacing ignored):

* Google Ads: ``Day`` (or ``Date``), ``Campaign``, ``Cost``, ``Impressions``, ``Clicks``;
* Meta Ads: ``Reporting starts`` (or ``Day``/``Date``), ``Campaign name``,
  ``Amount spent (EUR)`` (any currency), ``Impressions``, ``Link clicks``/``Clicks``;
* any other spend: ``date``, ``channel``, ``spend`` (or ``cost``);
* sales (CRM or store): ``date`` and ``revenue`` (or ``sales``), optional ``orders``.

Each row's channel is the channel map applied to its platform (``google_ads``,
``meta_ads``) and campaign, or to its ``channel`` value. Days are summed into weeks
starting on Monday; weeks the sales file does not cover completely are left out
and counted. Every row read is used or counted by reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attribution.data.channel_map import ChannelMap
from attribution.data.contracts import SPEND_PREFIX
from attribution.data.read import read_table
from attribution.errors import InputError
from attribution.findings import Finding
from attribution.io import write_csv

KINDS = ("google_ads", "meta_ads", "spend", "sales")


def _norm(c: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(c).strip().lower()).strip("_")


def detect_kind(columns: list[str]) -> tuple[str, dict[str, str]] | None:
    """The export kind and {role: column} from a header, or None.

    Example
    -------
    >>> detect_kind(["Day", "Campaign", "Cost", "Impressions", "Clicks"])[0]
    'google_ads'
    """
    n = {_norm(c): c for c in columns}

    def pick(*names: str) -> str | None:
        for x in names:
            if x in n:
                return n[x]
        return None

    spent = next((c for k, c in n.items() if k.startswith("amount_spent")), None)
    date = pick("day", "date", "reporting_starts", "week")
    if spent and date and pick("campaign_name", "campaign"):
        return "meta_ads", {
            "date": date,
            "campaign": pick("campaign_name", "campaign") or "",
            "spend": spent,
            "impressions": pick("impressions") or "",
            "clicks": pick("link_clicks", "clicks") or "",
        }
    if pick("cost") and pick("campaign") and date:
        return "google_ads", {
            "date": date,
            "campaign": pick("campaign") or "",
            "spend": pick("cost") or "",
            "impressions": pick("impressions") or "",
            "clicks": pick("clicks") or "",
        }
    if date and pick("channel") and pick("spend", "cost"):
        return "spend", {
            "date": date,
            "channel": pick("channel") or "",
            "spend": pick("spend", "cost") or "",
        }
    if date and pick("revenue", "sales", "net_sales", "amount"):
        return "sales", {
            "date": date,
            "sales": pick("revenue", "sales", "net_sales", "amount") or "",
            "orders": pick("orders", "transactions") or "",
        }
    return None


def parse_amounts(s: pd.Series, column: str, source: str, rows: np.ndarray) -> np.ndarray:
    """Numbers of a text column; decimal commas and other non-numbers name the row and fix.

    Example
    -------
    >>> parse_amounts(pd.Series(["1.5", ""]), "Cost", "g.csv", np.array([2, 3]))
    array([1.5, 0. ])
    """
    t = s.astype("str").str.strip()
    blank = t.isna() | (t == "") | (t == "--")
    v = pd.to_numeric(t.where(~blank), errors="coerce")
    bad = np.flatnonzero((~blank & v.isna()).to_numpy())
    if len(bad):
        i = int(bad[0])
        raw = str(t.iloc[i])
        if re.fullmatch(r"-?\d+,\d{1,2}", raw) or re.fullmatch(r"-?\d{1,3}(\.\d{3})+,\d+", raw):
            fix = (
                "the file uses decimal commas: write 1234.5 (export with '.' as the decimal "
                "mark), or set decimal=',' when you export"
            )
        elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", raw):
            fix = "remove the thousands separators: write 1234.5"
        else:
            fix = "write plain numbers such as 1234.5 (no currency signs)"
        raise InputError(
            f"value {raw!r} is not a number",
            fix=fix,
            file=source,
            row=int(rows[i]),
            column=column,
            reason="not_a_number",
        )
    return v.fillna(0.0).to_numpy(dtype="float64")


def _dates(s: pd.Series, column: str, source: str, rows: np.ndarray) -> pd.Series:
    d = pd.to_datetime(s.astype("str").str.strip(), format="ISO8601", errors="coerce")
    bad = np.flatnonzero(d.isna().to_numpy())
    if len(bad):
        i = int(bad[0])
        raise InputError(
            f"value {str(s.iloc[i])!r} is not a date",
            fix="write dates as YYYY-MM-DD",
            file=source,
            row=int(rows[i]),
            column=column,
            reason="bad_date",
        )
    return d.dt.tz_localize(None) if d.dt.tz is not None else d


@dataclass(frozen=True)
class BuiltPanel:
    """The weekly panel written from daily exports, with its accounting."""

    path: Path
    frame: pd.DataFrame
    accounting: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()


def read_export(path: str | Path, cmap: ChannelMap) -> tuple[str, pd.DataFrame]:
    """One daily export as (kind, frame with date, channel, spend | date, sales)."""
    raw = read_table(path)
    found = detect_kind([str(c) for c in raw.frame.columns])
    if found is None:
        raise InputError(
            "is not a recognised export (Google Ads, Meta Ads, a date/channel/"
            f"spend table or a date/revenue sales table); columns: "
            f"{', '.join(map(str, raw.frame.columns))}",
            fix="export the daily report with its standard columns, or write date, channel, spend",
            file=str(path),
            row=1,
            reason="unknown_export",
        )
    kind, cols = found
    f, src = raw.frame, str(path)
    out = pd.DataFrame({"date": _dates(f[cols["date"]], cols["date"], src, raw.rows)})
    if kind == "sales":
        out["sales"] = parse_amounts(f[cols["sales"]], cols["sales"], src, raw.rows)
        return kind, out
    out["spend"] = parse_amounts(f[cols["spend"]], cols["spend"], src, raw.rows)
    if kind == "spend":
        values = f[cols["channel"]].astype("str").str.strip()
        out["channel"] = [cmap.map(v) for v in values]
    else:
        camp = f[cols["campaign"]].astype("str").str.strip()
        out["channel"] = [cmap.map(kind, campaign=c) for c in camp]
    return kind, out


def build_weekly_panel(
    files: Any, sales: str | Path | None, cmap: ChannelMap, out: str | Path
) -> BuiltPanel:
    """Sum daily exports into a weekly panel (weeks start on Monday) and write it as CSV.

    Example
    -------
    >>> built = build_weekly_panel(["google_ads.csv", "meta_ads.csv"], "crm_sales.csv",
    ...                            ChannelMap(), "run/inputs/media.csv")   # doctest: +SKIP
    """
    spend_parts, acc, found = [], {}, []
    sales_frame = None
    for p in [*files, *([sales] if sales is not None else [])]:
        kind, frame = read_export(p, cmap)
        acc[str(p)] = {"kind": kind, "read": len(frame)}
        if kind == "sales":
            if sales_frame is not None:
                raise InputError(
                    "a second sales file",
                    fix="give one sales file",
                    file=str(p),
                    reason="two_sales",
                )
            sales_frame = frame
        else:
            frame["_file"] = str(p)
            spend_parts.append(frame)
    if sales_frame is None:
        raise InputError(
            "no daily sales file among the inputs",
            fix="add [inputs] sales = a CSV with date and revenue (from the CRM or the shop)",
            file=str(files[0]) if files else None,
            reason="no_sales",
        )
    if not spend_parts:
        raise InputError(
            "no ad-spend export",
            fix="add Google Ads / Meta Ads daily exports",
            file=str(sales),
            reason="no_spend",
        )
    spend = pd.concat(spend_parts, ignore_index=True)
    week = lambda d: d - pd.to_timedelta(d.dt.day_of_week, unit="D")  # noqa: E731
    days = sales_frame.groupby("date")["sales"].sum()
    full = days.groupby(week(days.index.to_series())).size()
    weeks = full.index[full == 7]
    panel = pd.DataFrame({"date": weeks})
    panel["sales"] = days.groupby(week(days.index.to_series())).sum().reindex(weeks).to_numpy()
    spend["week"] = week(spend["date"])
    inside = spend["week"].isin(weeks)
    wide = (
        spend[inside]
        .groupby(["week", "channel"])["spend"]
        .sum()
        .unstack(fill_value=0.0)
        .reindex(weeks, fill_value=0.0)
    )
    for ch in wide.columns:
        name = SPEND_PREFIX + re.sub(r"[^0-9A-Za-z_]+", "_", str(ch)).strip("_")
        panel[name] = wide[ch].round(2).to_numpy()
    for p, a in acc.items():
        if a["kind"] == "sales":
            s_week = week(sales_frame["date"])
            a["used"] = int(s_week.isin(weeks).sum())
        else:
            rows = spend["_file"] == p
            a["used"] = int((rows & inside).sum())
        a["rejected"] = (
            {"outside_full_sales_weeks": a["read"] - a["used"]} if a["read"] > a["used"] else {}
        )
    partial = int((full < 7).sum())
    if partial:
        found.append(
            Finding(
                "info",
                "adspend.partial_weeks",
                f"{partial} week(s) at the edges of the sales file are incomplete "
                "and left out of the weekly panel",
                "",
                "inputs",
            )
        )
    mapped = spend.groupby("channel")["_file"].first()
    found.append(
        Finding(
            "info",
            "adspend.channels",
            "weekly panel channels from the exports: "
            + ", ".join(f"{c} ({Path(f).name})" for c, f in mapped.items()),
            "",
            "inputs",
        )
    )
    path = write_csv(out, panel.assign(date=panel["date"].dt.strftime("%Y-%m-%d")))
    return BuiltPanel(Path(path), panel, {"files": acc, "weeks": len(panel)}, tuple(found))
