"""A simulated world written the way real exports arrive (test fixtures; nothing downloaded).

:func:`write_exports` simulates a small world and writes:

* ``ga4/events_YYYYMMDD.parquet`` (one file per week) and ``ga4_json/events.json``: a GA4
  BigQuery export: a ``session_start`` + ``page_view`` per web touch (source / medium from
  the channel: ``google / cpc``, ``google / display``, ``facebook / cpc``,
  ``newsletter / email``), a ``(direct) / (none)`` session before some purchases, a
  ``purchase`` per conversion; ``event_timestamp`` in microseconds;
* ``google_ads.csv`` (Day, Campaign, Cost, Impressions, Clicks) and ``meta_ads.csv``
  (Reporting starts, Campaign name, Amount spent (EUR), Impressions, Link clicks): the
  simulated weekly spend spread over days and campaigns;
* ``offline_spend.csv`` (date, channel, spend: tv, direct mail, e-mail sending cost);
* ``crm_sales.csv`` (date, revenue, orders): the weekly sales spread over days;
* ``lift_tests.csv`` with the channel names of the default grouping.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from attribution.data.simulator.config import SimulationConfig
from attribution.data.simulator.world import simulate

# simulated channel -> (source, medium)
WEB = {
    "search_generic": ("google", "cpc"),
    "search_brand": ("google", "cpc"),
    "display": ("google", "display"),
    "social_paid": ("facebook", "cpc"),
    "email": ("newsletter", "email"),
}
GOOGLE = {
    "search_generic": ("generic_category", "generic_product"),
    "search_brand": ("brand_exact",),
    "display": ("display_retargeting", "display_prospecting"),
}
META = {"social_paid": ("social_video", "social_carousel")}
OFFLINE = {"tv": "tv", "direct_mail": "direct_mail", "email": "email"}
LIFT_NAMES = {
    "search_generic": "paid_search",
    "search_brand": "paid_search",
    "display": "display",
    "social_paid": "paid_social",
}


def _us(ts: pd.Series) -> np.ndarray:
    return (pd.to_datetime(ts).astype("datetime64[us]").astype("int64")).to_numpy()


def _ga4_events(
    tp: pd.DataFrame, conv: pd.DataFrame, ids: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    to_cust = dict(zip(ids["id"], ids["customer_id"], strict=True))
    web = tp[tp["channel"].isin(list(WEB))].reset_index(drop=True)

    def pseudo(cid: pd.Series) -> tuple[list[str], list[str | None]]:
        pid = [c if not str(c).startswith("C") else "pc_" + str(c) for c in cid]
        uid = [to_cust.get(c, c if str(c).startswith("C") else None) for c in cid]
        return pid, uid

    pid, uid = pseudo(web["customer_id"])
    src = [WEB[c][0] for c in web["channel"]]
    med = [WEB[c][1] for c in web["channel"]]
    camp = web["campaign"].fillna("").astype(str).tolist()
    us = _us(web["timestamp"])
    touches = pd.DataFrame(
        {
            "user_pseudo_id": pid,
            "user_id": uid,
            "event_timestamp": us,
            "event_name": "session_start",
            "cs": src,
            "cm": med,
            "cc": camp,
        }
    )
    views = touches.assign(event_name="page_view", event_timestamp=us + 5_000_000)
    cpid = ["pc_" + str(c) for c in conv["customer_id"]]
    cus = _us(conv["timestamp"])
    buys = pd.DataFrame(
        {
            "user_pseudo_id": cpid,
            "user_id": conv["customer_id"].astype(str),
            "event_timestamp": cus,
            "event_name": "purchase",
            "revenue": conv["value"].astype(float).to_numpy(),
            "txn": conv["order_id"].astype(str).to_numpy(),
        }
    )
    direct = buys[rng.random(len(buys)) < 0.2].assign(
        event_name="session_start", event_timestamp=lambda d: d["event_timestamp"] - 60_000_000
    )
    direct = direct.drop(columns=["revenue", "txn"])
    ev = pd.concat([touches, views, direct, buys], ignore_index=True)
    ev = ev.sort_values("event_timestamp", kind="stable").reset_index(drop=True)
    return ev


def _ga4_table(ev: pd.DataFrame) -> pa.Table:
    def col(name: str) -> list:
        if name not in ev:
            return [None] * len(ev)
        return [None if pd.isna(v) else v for v in ev[name]]

    cts = pa.StructArray.from_arrays(
        [
            pa.array(col("cs"), pa.string()),
            pa.array(col("cm"), pa.string()),
            pa.array(col("cc"), pa.string()),
        ],
        names=["manual_source", "manual_medium", "manual_campaign_name"],
    )
    first = pa.StructArray.from_arrays(
        [
            pa.array(col("cs"), pa.string()),
            pa.array(col("cm"), pa.string()),
            pa.array(col("cc"), pa.string()),
        ],
        names=["source", "medium", "name"],
    )
    ecom = pa.StructArray.from_arrays(
        [pa.array(col("revenue"), pa.float64()), pa.array(col("txn"), pa.string())],
        names=["purchase_revenue", "transaction_id"],
    )
    days = pd.to_datetime(ev["event_timestamp"], unit="us").dt.strftime("%Y%m%d")
    return pa.table(
        {
            "event_date": pa.array(days.tolist(), pa.string()),
            "event_timestamp": pa.array(ev["event_timestamp"].tolist(), pa.int64()),
            "event_name": pa.array(ev["event_name"].tolist(), pa.string()),
            "user_pseudo_id": pa.array(col("user_pseudo_id"), pa.string()),
            "user_id": pa.array(col("user_id"), pa.string()),
            "traffic_source": first,
            "collected_traffic_source": cts,
            "ecommerce": ecom,
        }
    )


def _daily(
    weekly: pd.DataFrame, value: str, parts: dict[str, tuple[str, ...]], rng: np.random.Generator
) -> pd.DataFrame:
    rows = []
    for w, r in weekly.iterrows():
        del w
        for ch, camps in parts.items():
            total = float(r[f"spend_{ch}"])
            shares = rng.dirichlet(np.full(7 * len(camps), 20.0))
            k = 0
            for day in range(7):
                for c in camps:
                    rows.append(
                        (r["date"] + pd.Timedelta(days=day), c, ch, round(total * shares[k], 2))
                    )
                    k += 1
    return pd.DataFrame(rows, columns=["date", "campaign", "sim_channel", value])


def write_exports(
    out: str | Path,
    *,
    seed: int = 3,
    customers: int = 3000,
    weeks: int = 40,
    start: str = "2024-01-01",
) -> dict[str, Path]:
    """Simulate a world and write it as real exports (see the module docstring).

    Example
    -------
    >>> paths = write_exports("fixtures/exports")     # doctest: +SKIP
    >>> sorted(paths)[:2]                              # doctest: +SKIP
    ['crm_sales', 'ga4']
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = simulate(
        SimulationConfig(
            seed=seed, customers=customers, weeks=weeks, start=dt.date.fromisoformat(start)
        )
    )
    sim = out / "_simulated"
    world.write(sim, fmt="csv")
    tp = pd.read_csv(sim / "touchpoints.csv", dtype=str)
    conv = pd.read_csv(sim / "conversions.csv", dtype={"customer_id": str, "order_id": str})
    ids = pd.read_csv(sim / "id_map.csv", dtype=str)
    media = pd.read_csv(sim / "media.csv", parse_dates=["date"])
    rng = np.random.default_rng(seed)
    ev = _ga4_events(tp, conv, ids, rng)
    table = _ga4_table(ev)
    ga4 = out / "ga4"
    ga4.mkdir(exist_ok=True)
    week = pd.to_datetime(ev["event_timestamp"], unit="us").dt.to_period("W-SUN").dt.start_time
    for w in sorted(week.unique()):
        idx = np.flatnonzero((week == w).to_numpy())
        pq.write_table(table.take(pa.array(idx)), ga4 / f"events_{w:%Y%m%d}.parquet")
    js = out / "ga4_json"
    js.mkdir(exist_ok=True)
    table.to_pandas().to_json(js / "events.json", orient="records", lines=True)
    g = _daily(media, "Cost", GOOGLE, rng)
    g = pd.DataFrame(
        {
            "Day": g["date"].dt.strftime("%Y-%m-%d"),
            "Campaign": g["campaign"],
            "Cost": g["Cost"],
            "Impressions": (g["Cost"] * 180).round().astype(int),
            "Clicks": (g["Cost"] * 0.9).round().astype(int),
        }
    )
    g.to_csv(out / "google_ads.csv", index=False)
    m = _daily(media, "spent", META, rng)
    pd.DataFrame(
        {
            "Reporting starts": m["date"].dt.strftime("%Y-%m-%d"),
            "Campaign name": m["campaign"],
            "Amount spent (EUR)": m["spent"],
            "Impressions": (m["spent"] * 250).round().astype(int),
            "Link clicks": (m["spent"] * 0.7).round().astype(int),
        }
    ).to_csv(out / "meta_ads.csv", index=False)
    o = _daily(media, "spend", {k: (v,) for k, v in OFFLINE.items()}, rng)
    pd.DataFrame(
        {"date": o["date"].dt.strftime("%Y-%m-%d"), "channel": o["campaign"], "spend": o["spend"]}
    ).to_csv(out / "offline_spend.csv", index=False)
    shares = rng.dirichlet(np.full(7, 30.0), size=len(media))
    days = [
        (d + pd.Timedelta(days=k), round(float(s) * shares[i, k], 2))
        for i, (d, s) in enumerate(zip(media["date"], media["sales"], strict=True))
        for k in range(7)
    ]
    sales = pd.DataFrame(days, columns=["date", "revenue"])
    sales["orders"] = np.maximum(1, (sales["revenue"] / 90).round()).astype(int)
    sales.assign(date=sales["date"].dt.strftime("%Y-%m-%d")).to_csv(
        out / "crm_sales.csv", index=False
    )
    lift = pd.read_csv(sim / "lift_tests.csv")
    lift["channel"] = lift["channel"].map(lambda c: LIFT_NAMES.get(c, c))
    lift.to_csv(out / "lift_tests.csv", index=False)
    return {
        "ga4": ga4,
        "ga4_json": js,
        "google_ads": out / "google_ads.csv",
        "meta_ads": out / "meta_ads.csv",
        "offline_spend": out / "offline_spend.csv",
        "crm_sales": out / "crm_sales.csv",
        "lift_tests": out / "lift_tests.csv",
        "simulated": sim,
    }
