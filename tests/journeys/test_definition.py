"""The journey SQL against an independent pure-Python reading of its definition.

The SQL takes shortcuts for speed (ties broken by integer step codes, typed timestamps
read without a time-zone round trip, checks skipped when every row is valid); these
tests pin the results of those shortcuts to the definition in
:mod:`attribution.journeys.definition` on logs full of ties.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from attribution.journeys import JourneyBuilder, JourneyOptions
from attribution.journeys import definition as jd

T0 = pd.Timestamp("2024-01-01")
HOUR = pd.Timedelta(hours=1)


def reference(tp: pd.DataFrame, cv: pd.DataFrame, opts: JourneyOptions) -> pd.DataFrame:
    """Journeys (customer, journey_id, path, n_touches, converted, value) by the definition."""
    events = []
    for i, r in enumerate(tp.itertuples()):
        if opts.drop_impressions and r.interaction == "impression":
            continue
        campaign = isinstance(r.campaign, str) and opts.granularity == "campaign"
        token = f"{r.channel}:{r.campaign}" if campaign else r.channel
        events.append((r.customer_id, r.timestamp, 0, r.channel, i, token, 0.0))
    for i, r in enumerate(cv.itertuples()):
        events.append((r.customer_id, r.timestamp, 1, "", i, None, r.value))
    lb = None if opts.lookback_days is None else pd.Timedelta(days=opts.lookback_days)
    gap = None if opts.inactivity_days is None else pd.Timedelta(days=opts.inactivity_days)
    rows = []
    for cust in sorted({e[0] for e in events}):
        evs = sorted((e for e in events if e[0] == cust), key=lambda e: e[1:5])
        journeys: list[dict] = []
        for k, e in enumerate(evs):
            _, ts, kind, _, _, token, value = e
            later = [x[1] for x in evs[k:] if x[2] == 1]
            nxt = later[0] if later else None
            prev = evs[k - 1] if k else None
            start = prev is None or prev[2] == 1
            if prev is not None and gap is not None and ts - prev[1] > gap:
                start = True
            if prev is not None and lb is not None and nxt is not None:
                inside = kind == 1 or nxt - ts <= lb
                start = start or (inside and nxt - prev[1] > lb)
            if start:
                journeys.append({"steps": [], "collapsed": 0, "converted": 0, "value": 0.0})
            cur = journeys[-1]
            if kind == 1:
                cur["converted"], cur["value"] = 1, cur["value"] + value
            elif opts.collapse_repeats and not start and prev[2] == 0 and prev[5] == token:
                cur["collapsed"] += 1
            else:
                cur["steps"].append(token)
        for n, jr in enumerate(journeys, start=1):
            path = opts.sep.join(jr["steps"]) or "(none)"
            rows.append((cust, n, path, len(jr["steps"]), jr["converted"], round(jr["value"], 4)))
    return pd.DataFrame(
        rows, columns=["customer_id", "journey_id", "path", "n_touches", "converted", "value"]
    )


def messy_log(seed: int, n_touch: int = 400, n_conv: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Few customers, hour-rounded times over 40 days (many exact ties), tricky names."""
    rng = np.random.default_rng(seed)
    # byte order differs from "human" order: upper case first, "a b" < "a:x", accents last
    channels = np.array(["email", "Email", "a", "a b", "search", "\u00e9t\u00e9", "tv"])
    cust = np.array([f"c{i}" for i in range(6)])
    tp = pd.DataFrame(
        {
            "customer_id": rng.choice(cust, n_touch),
            "timestamp": T0 + HOUR * rng.integers(0, 40 * 24 // 6, n_touch) * 6,
            "channel": rng.choice(channels, n_touch),
            "campaign": np.where(
                rng.random(n_touch) < 0.5, None, rng.choice(np.array(["x", "b", "z"]), n_touch)
            ),
            "interaction": rng.choice(np.array(["impression", "click", "visit"]), n_touch),
        }
    )
    cv = pd.DataFrame(
        {
            "customer_id": rng.choice(cust, n_conv),
            "timestamp": T0 + HOUR * rng.integers(0, 40 * 24 // 6, n_conv) * 6,
            "value": rng.integers(0, 10_000, n_conv) / 100,
            "order_id": [f"o{i}" for i in range(n_conv)],
        }
    )
    return tp, cv


OPTIONS = [
    JourneyOptions(lookback_days=None, inactivity_days=None),
    JourneyOptions(lookback_days=3, inactivity_days=2),
    JourneyOptions(lookback_days=5, inactivity_days=None, collapse_repeats=True),
    JourneyOptions(
        lookback_days=None,
        inactivity_days=1.5,
        granularity="campaign",
        drop_impressions=True,
        sep=" | ",
    ),
    JourneyOptions(
        lookback_days=2, inactivity_days=4, granularity="campaign", collapse_repeats=True
    ),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    "opts", OPTIONS, ids=["open", "short", "collapse", "campaign", "campaign-collapse"]
)
def test_journeys_match_the_reference_on_tied_logs(opts, seed):
    tp, cv = messy_log(seed)
    res = JourneyBuilder(opts).fit(tp, cv, keep_journeys=True)
    got = res.journeys[
        ["customer_id", "journey_id", "path", "n_touches", "converted", "value"]
    ].copy()
    got["value"] = got["value"].round(4)
    want = reference(tp, cv, opts)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
    # the path table is the journeys grouped by path
    agg = want.groupby("path").agg(c=("converted", "sum"), n=("converted", "size"))
    paths = res.paths.set_index("path")
    assert paths["total_conversions"].to_dict() == agg["c"].to_dict()
    assert (paths["total_null"]).to_dict() == (agg["n"] - agg["c"]).to_dict()


def test_equal_times_order_by_channel_name_not_step_code(j):
    # with campaigns the steps sort as "a b" < "a:x", the channels as "a" < "a b":
    # ties follow the channel name, then input order
    tp = pd.DataFrame(
        {
            "customer_id": ["u"] * 4,
            "timestamp": [j.ts(1)] * 4,
            "channel": ["a b", "a", "Z", "a"],
            "campaign": [None, "x", None, "b"],
        }
    )
    cv = j.conversions([("u", 1, 1)])
    res = JourneyBuilder(granularity="campaign").fit(tp, cv)
    assert res.paths.path.tolist() == ["Z > a:x > a:b > a b"]
    res = JourneyBuilder().fit(tp, cv)
    assert res.paths.path.tolist() == ["Z > a > a > a b"]


def test_equal_time_conversions_keep_input_order(j):
    # two conversions at one moment: the first in input order closes the touch journey
    tp = j.touches([("u", 1, "search")])
    cv = j.conversions([("u", 2, 7), ("u", 2, 3)])
    res = JourneyBuilder().fit(tp, cv, keep_journeys=True)
    got = res.journeys[["path", "value"]].values.tolist()
    assert got == [["search", 7.0], ["(none)", 3.0]]


PARQUET_TIMES = [
    ("s", pa.timestamp("s")),
    ("ms", pa.timestamp("ms")),
    ("us", pa.timestamp("us")),
    ("ns", pa.timestamp("ns")),
    ("tz", pa.timestamp("us", tz="Europe/Berlin")),
    ("date", pa.date32()),
    ("text", pa.string()),
]


@pytest.mark.parametrize(("name", "typ"), PARQUET_TIMES, ids=[n for n, _ in PARQUET_TIMES])
def test_timestamp_types_read_as_utc(tmp_path, name, typ):
    local = dt.datetime(2024, 1, 2, 12, 30)
    if name == "tz":  # 12:30 in Berlin (winter, +01:00) is 11:30 UTC
        arr = pa.array([pd.Timestamp(local, tz="Europe/Berlin")], type=typ)
        want = dt.datetime(2024, 1, 2, 11, 30)
    elif name == "date":
        arr, want = pa.array([local.date()], type=typ), dt.datetime(2024, 1, 2)
    elif name == "text":  # offsets in text are converted too
        arr, want = pa.array(["2024-01-02 12:30:00+02:00"]), dt.datetime(2024, 1, 2, 10, 30)
    else:
        arr, want = pa.array([local], type=typ), local
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"t": arr}), path)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    got = con.sql(f"SELECT {jd.DUCKDB.to_ts('t')} AS u FROM read_parquet('{path}')").fetchall()
    assert got == [(want,)]


def test_typed_and_text_timestamps_give_the_same_journeys(tmp_path):
    tp, cv = messy_log(3)
    opts = JourneyOptions(lookback_days=2, inactivity_days=1)
    want = JourneyBuilder(opts).fit(tp, cv).paths
    # the same instants as Parquet nanoseconds, Berlin time and text with offsets
    tp_ns = tp.assign(timestamp=tp.timestamp.astype("datetime64[ns]"))
    cv_tz = cv.assign(timestamp=cv.timestamp.dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin"))
    tp_ns.to_parquet(tmp_path / "tp.parquet")
    cv_tz.to_parquet(tmp_path / "cv.parquet")
    got = JourneyBuilder(opts).fit(tmp_path / "tp.parquet", tmp_path / "cv.parquet").paths
    pd.testing.assert_frame_equal(got, want)
    cv_txt = cv_tz.assign(timestamp=cv_tz.timestamp.map(lambda t: t.isoformat()))
    cv_txt.to_csv(tmp_path / "cv.csv", index=False)
    got = JourneyBuilder(opts).fit(tmp_path / "tp.parquet", tmp_path / "cv.csv").paths
    pd.testing.assert_frame_equal(got, want)


def test_checks_are_skipped_only_when_every_row_is_valid(j):
    skip = dict(jd.touch_steps(JourneyOptions(), jd.DUCKDB, True, all_valid=True))
    keep = dict(jd.touch_steps(JourneyOptions(), jd.DUCKDB, True))
    assert all("reason" not in sql for sql in skip.values())
    assert all(sql.count("reason IS NULL") == 2 for sql in keep.values())
    # lenient run with bad rows = strict run on the good rows alone
    tp, cv = messy_log(4)
    good = JourneyBuilder(lookback_days=3).fit(tp, cv)
    bad_tp = pd.concat(
        [
            tp,
            pd.DataFrame(
                {
                    "customer_id": ["c1", ""],
                    "channel": ["tv", "tv"],
                    "timestamp": [T0, T0],
                    "campaign": [None, None],
                    "interaction": ["hover", "click"],
                }
            ),
        ]
    )
    bad_cv = pd.concat(
        [
            cv,
            pd.DataFrame(
                {"customer_id": ["c1"], "timestamp": [T0], "value": [-1.0], "order_id": ["neg"]}
            ),
        ]
    )
    res = JourneyBuilder(lookback_days=3, lenient=True).fit(bad_tp, bad_cv)
    pd.testing.assert_frame_equal(res.paths, good.paths)
    assert res.accounting["touchpoints"]["rejected"] == {
        "bad_interaction": 1,
        "missing_customer_id": 1,
    }
    assert res.accounting["conversions"]["rejected"] == {"negative_value": 1}
