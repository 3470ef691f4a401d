"""Checks in the engine: strict mode names file/row/column; lenient mode counts by reason."""

from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import InputError
from attribution.journeys import JourneyBuilder


def fit(tp, cv, idm=None, **kw):
    return JourneyBuilder(lookback_days=None, inactivity_days=None, **kw).fit(tp, cv, idm)


def good(j):
    return (
        j.touches([("a", 1, "search"), ("a", 2, "email"), ("b", 1, "social")]),
        j.conversions([("a", 3, 4), ("b", 2, 1)]),
    )


@pytest.mark.parametrize(
    ("column", "bad", "reason", "sheet_row"),
    [
        ("customer_id", "  ", "missing_customer_id", 3),
        ("customer_id", None, "missing_customer_id", 3),
        ("timestamp", "yesterday", "bad_timestamp", 3),
        ("timestamp", None, "missing_timestamp", 3),
        ("channel", "", "missing_channel", 3),
        ("interaction", "hover", "bad_interaction", 3),
        # the same plausibility window and reason codes as the file loaders
        ("timestamp", "1970-01-01 00:00:00", "implausible_date", 3),
        ("timestamp", "2999-01-01 00:00:00", "future_date", 3),
    ],
)
def test_strict_touchpoint_errors_name_row_and_column(j, tmp_path, column, bad, reason, sheet_row):
    tp, cv = good(j)
    tp.loc[1, column] = bad
    tp.to_csv(tmp_path / "tp.csv", index=False)
    with pytest.raises(InputError) as err:
        fit(str(tmp_path / "tp.csv"), cv)
    e = err.value
    assert (e.row, e.column, e.reason) == (sheet_row, column, reason)
    assert e.file.endswith("tp.csv") and "--lenient" in str(e) and "\n" not in str(e)


@pytest.mark.parametrize(
    ("column", "bad", "reason"),
    [
        ("value", -5.0, "negative_value"),
        ("value", float("nan"), "missing_value"),
        ("value", float("inf"), "bad_value"),
        ("value", 2e15, "too_large"),
        ("order_id", "o0", "duplicate_order_id"),
    ],
)
def test_strict_conversion_errors(j, tmp_path, column, bad, reason):
    tp, cv = good(j)
    cv[column] = cv[column].astype(object)
    cv.loc[1, column] = bad
    cv.to_parquet(tmp_path / "cv.parquet")
    with pytest.raises(InputError) as err:
        fit(tp, str(tmp_path / "cv.parquet"))
    assert (err.value.row, err.value.column, err.value.reason) == (3, column, reason)


def test_text_value_in_csv_is_bad_value(j, tmp_path):
    tp, cv = good(j)
    cv["value"] = cv["value"].astype(str)
    cv.loc[0, "value"] = "12,50 EUR"
    cv.to_csv(tmp_path / "cv.csv", index=False)
    with pytest.raises(InputError) as err:
        fit(tp, tmp_path / "cv.csv")
    assert (err.value.row, err.value.reason) == (2, "bad_value")


def test_missing_required_column(j, tmp_path):
    tp, cv = good(j)
    tp.drop(columns="channel").to_parquet(tmp_path / "tp.parquet")
    with pytest.raises(InputError) as err:
        fit(str(tmp_path / "tp.parquet"), cv)
    assert err.value.column == "channel" and err.value.reason == "missing_column"
    assert err.value.row is None


def test_missing_file_is_input_error(j, tmp_path):
    _tp, cv = good(j)
    with pytest.raises(InputError, match="no touchpoints file found"):
        fit(str(tmp_path / "nope.parquet"), cv)


def test_id_map_duplicates_are_rejected(j):
    tp, cv = good(j)
    idm = pd.DataFrame({"id": ["x", "x"], "customer_id": ["a", "b"]})
    with pytest.raises(InputError) as err:
        fit(tp, cv, idm)
    assert (err.value.row, err.value.column, err.value.reason) == (3, "id", "duplicate_id")


def test_id_map_repeating_the_same_mapping_is_fine(j):
    tp, cv = good(j)
    plain = fit(tp, cv).paths
    idm = pd.DataFrame({"id": ["x", "x", "a"], "customer_id": ["zz", "zz", "a"]})
    res = fit(tp, cv, idm)  # x -> zz twice (e.g. as cookie and as device): one mapping
    pd.testing.assert_frame_equal(res.paths, plain)  # no touch doubled by the join


def test_lenient_excludes_and_counts_bad_rows_by_reason(j):
    tp = j.touches(
        [
            ("a", 1, "search"),
            ("", 2, "email"),
            ("a", 2, ""),
            ("a", 3, "social"),
            ("b", 1, "display"),
        ]
    )
    tp.loc[4, "timestamp"] = "31/02/2024"
    cv = j.conversions([("a", 4, 10), ("a", 5, -1), ("b", 2, 3, "o0"), ("b", 3, 8)])
    res = fit(tp, cv, lenient=True)
    t, c = res.accounting["touchpoints"], res.accounting["conversions"]
    assert t["rejected"] == {"bad_timestamp": 1, "missing_channel": 1, "missing_customer_id": 1}
    assert (t["read"], t["used"], t["in_paths"]) == (5, 2, 2)
    assert c["rejected"] == {"duplicate_order_id": 1, "negative_value": 1}
    assert (c["read"], c["used"]) == (4, 2)
    assert c["read"] == c["used"] + sum(c["rejected"].values())
    got = {r.path: (r.total_conversions, r.total_null) for r in res.paths.itertuples()}
    assert got == {"search > social": (1, 0), "(none)": (1, 0)}
    rej = res.rejected
    assert rej[["input", "row", "reason"]].values.tolist() == [
        ["touchpoints", 3, "missing_customer_id"],
        ["touchpoints", 4, "missing_channel"],
        ["touchpoints", 6, "bad_timestamp"],
        ["conversions", 3, "negative_value"],
        ["conversions", 4, "duplicate_order_id"],
    ]


def test_timestamps_typed_in_parquet(j, tmp_path):
    tp, cv = good(j)
    tp["timestamp"] = pd.to_datetime(tp["timestamp"])
    cv["timestamp"] = pd.to_datetime(cv["timestamp"]).dt.tz_localize("UTC")
    tp.to_parquet(tmp_path / "tp.parquet")
    cv.to_parquet(tmp_path / "cv.parquet")
    res = fit(str(tmp_path / "tp.parquet"), str(tmp_path / "cv.parquet"))
    assert set(res.paths.path) == {"search > email", "social"}
    assert j.ts(1) < j.ts(2)


def test_utc_offsets_in_text_timestamps_are_converted(tmp_path):
    # 12:00+02:00 is 10:00 UTC: before the 11:00 touch, so the touch starts a new journey
    tp = pd.DataFrame(
        {
            "customer_id": ["a", "a"],
            "channel": ["search", "email"],
            "timestamp": ["2024-01-01T09:00:00Z", "2024-01-01 11:00:00"],
        }
    )
    cv = pd.DataFrame(
        {"customer_id": ["a"], "timestamp": ["2024-01-01T12:00:00+02:00"], "value": ["5"]}
    )
    tp.to_csv(tmp_path / "tp.csv", index=False)
    cv.to_csv(tmp_path / "cv.csv", index=False)
    res = fit(tmp_path / "tp.csv", tmp_path / "cv.csv")
    got = {r.path: (r.total_conversions, r.total_null) for r in res.paths.itertuples()}
    assert got == {"search": (1, 0), "email": (0, 1)}


def test_spark_engine_without_pyspark_gives_install_hint(monkeypatch):
    import sys

    from attribution.errors import UsageError
    from attribution.journeys import spark_engine

    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(UsageError, match=r"pip install 'attribution\[spark\]'"):
        spark_engine.spark_session()
