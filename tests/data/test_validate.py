"""validate_frame: parsed values against hand-computed truth; strict vs lenient accounting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attribution.data import (
    PATH_SEP,
    check_lift_tests_against_panel,
    load_paths,
    validate_frame,
)
from attribution.errors import InputError


def _tp(ts: list[str], **extra: list[str]) -> pd.DataFrame:
    n = len(ts)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "timestamp": ts,
            "channel": ["search"] * n,
            **extra,
        }
    )


def test_offsets_are_converted_to_utc_and_dst_pairs_accepted() -> None:
    loaded = validate_frame(
        _tp(["2024-03-30T10:00:00+01:00", "2024-04-02T10:00:00+0200", "2024-04-02T12:00:00+02:00"]),
        "touchpoints",
        source="m",
    )
    got = loaded.frame["timestamp"]
    assert str(got.dtype) == "datetime64[us, UTC]"
    assert got.tolist() == [
        pd.Timestamp("2024-03-30 09:00", tz="UTC"),
        pd.Timestamp("2024-04-02 08:00", tz="UTC"),
        pd.Timestamp("2024-04-02 10:00", tz="UTC"),
    ]
    assert any(f.code == "data.offsets" for f in loaded.findings)
    utc = validate_frame(
        _tp(["2024-03-30T10:00:00Z", "2024-03-30T10:00:00+00:00"]), "touchpoints", source="m"
    )
    assert utc.frame["timestamp"].nunique() == 1


def test_naive_timestamps_read_in_given_zone() -> None:
    frame = _tp(["2024-01-15 12:00:00", "2024-07-15 12:00:00"])
    loaded = validate_frame(frame, "touchpoints", source="m")
    assert any(f.code == "data.naive_timestamps" for f in loaded.findings)
    utc = loaded.frame["timestamp"]
    paris = validate_frame(frame, "touchpoints", source="m", tz="Europe/Paris")
    assert utc.tolist() == [
        pd.Timestamp("2024-01-15 12:00", tz="UTC"),
        pd.Timestamp("2024-07-15 12:00", tz="UTC"),
    ]
    assert paris.frame["timestamp"].tolist() == [
        pd.Timestamp("2024-01-15 11:00", tz="UTC"),
        pd.Timestamp("2024-07-15 10:00", tz="UTC"),
    ]


def test_ambiguous_local_time_is_rejected_in_lenient_mode() -> None:
    frame = _tp(["2024-10-27 02:30:00", "2024-10-27 04:00:00"])  # 02:30 happens twice in Paris
    loaded = validate_frame(frame, "touchpoints", source="m", tz="Europe/Paris", lenient=True)
    assert loaded.accounting.rejected == {"ambiguous_time": 1}
    assert loaded.frame["timestamp"].tolist() == [pd.Timestamp("2024-10-27 03:00", tz="UTC")]


def test_mixed_offsets_name_the_offsets() -> None:
    frame = _tp(["2024-03-01T10:00:00+00:00"] * 3 + ["2024-03-01T10:00:00-05:00"])
    with pytest.raises(InputError) as info:
        validate_frame(frame, "touchpoints", source="m")
    assert info.value.row == 5 and "-05:00" in str(info.value) and "+00:00" in str(info.value)


def test_numbers_parse_and_problems_have_their_own_reasons() -> None:
    frame = _tp(["2024-03-01 10:00"] * 7, cost=["1.5", " 2 ", "1e2", "", "-1", "NaN", "1,234.5"])
    loaded = validate_frame(frame, "touchpoints", source="m", lenient=True)
    assert loaded.frame["cost"].tolist()[:3] == [1.5, 2.0, 100.0]
    assert np.isnan(loaded.frame["cost"].iloc[3])  # optional: empty is missing, not an error
    assert np.isnan(loaded.frame["cost"].iloc[4])  # NaN in an optional column is missing too
    assert loaded.accounting.rejected == {"negative": 1, "not_a_number": 1}
    assert loaded.rejected_frame["_row"].tolist() == [6, 8]
    with pytest.raises(InputError) as info:
        validate_frame(frame.iloc[[6]], "touchpoints", source="m")
    assert "thousands separators" in info.value.fix


def test_first_problem_in_file_order_wins() -> None:
    frame = _tp(["2024-03-01 10:00", "bad", "2024-03-01 10:00"], cost=["1", "1", "-1"])
    frame.loc[0, "channel"] = ""
    with pytest.raises(InputError) as info:
        validate_frame(frame, "touchpoints", source="m")
    assert (info.value.row, info.value.column, info.value.reason) == (2, "channel", "missing_value")


def test_choices_are_case_insensitive() -> None:
    frame = _tp(["2024-03-01 10:00"] * 2, interaction=["Click", " IMPRESSION "])
    out = validate_frame(frame, "touchpoints", source="m").frame
    assert out["interaction"].tolist() == ["click", "impression"]


def test_columns_match_case_and_spaces() -> None:
    frame = pd.DataFrame(
        {"Customer ID": ["a"], " Timestamp ": ["2024-01-01 00:00"], "CHANNEL": ["tv"]}
    )
    out = validate_frame(frame, "touchpoints", source="m").frame
    assert out.columns.tolist() == ["customer_id", "timestamp", "channel"]


def test_paths_are_normalised_to_canonical_separator(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("journey;conv;val;nulls\nsearch|email;3;30;10\n social | tv |tv ;1.5;9;0\n")
    loaded = load_paths(
        path, sep="|", path_col="journey", conv_col="conv", value_col="val", null_col="nulls"
    )
    assert loaded.frame.columns.tolist() == [
        "path",
        "total_conversions",
        "total_conversion_value",
        "total_null",
    ]
    assert loaded.frame["path"].tolist() == ["search > email", "social > tv > tv"]
    assert loaded.frame["total_conversions"].tolist() == [3.0, 1.5]
    assert PATH_SEP == " > "
    with pytest.raises(InputError) as info:
        load_paths(path, sep="|", path_col="Journey")
    assert "did you mean 'journey'" in str(info.value)


def test_id_map_exact_duplicates_are_not_conflicts() -> None:
    frame = pd.DataFrame({"id": ["a", "a", "b", "b"], "customer_id": ["c1", "c1", "c2", "c3"]})
    loaded = validate_frame(frame, "id-map", source="m", lenient=True)
    assert loaded.accounting.rejected == {"duplicate_row": 1, "conflicting_id": 2}
    assert loaded.frame.to_dict("list") == {"id": ["a"], "customer_id": ["c1"]}


def _panel(dates: list[str], geo: list[str] | None = None) -> pd.DataFrame:
    n = len(dates)
    out = pd.DataFrame(
        {
            "date": dates,
            "sales": [str(100 + i) for i in range(n)],
            "spend_tv": ["10"] * n,
            "holiday": ["0"] * n,
        }
    )
    if geo is not None:
        out["geo"] = geo
    return out


def test_panel_is_sorted_and_geos_checked() -> None:
    dates = ["2024-01-08", "2024-01-01", "2024-01-01", "2024-01-08"]
    loaded = validate_frame(_panel(dates, ["b", "b", "a", "a"]), "media", source="m")
    assert loaded.frame["geo"].tolist() == ["a", "a", "b", "b"]
    assert loaded.frame["date"].dt.strftime("%Y-%m-%d").tolist() == dates[1::-1] * 2
    assert loaded.rows.tolist() == [4, 5, 3, 2]
    assert str(loaded.frame["date"].dtype) == "datetime64[us]"
    with pytest.raises(InputError) as info:
        validate_frame(_panel(dates[:3], ["b", "b", "a"]), "media", source="m")
    assert info.value.reason == "panel_gap" and "geo 'a'" in str(info.value)


def test_lenient_panel_names_the_rejected_week() -> None:
    frame = _panel(["2024-01-01", "2024-01-08", "2024-01-15"])
    frame.loc[1, "spend_tv"] = "-3"
    with pytest.raises(InputError) as info:
        validate_frame(frame, "media", source="m", lenient=True)
    assert "week 2024-01-08" in str(info.value) and "row 3 was rejected: negative" in str(
        info.value
    )


def test_controls_may_be_negative_but_spend_may_not() -> None:
    frame = _panel(["2024-01-01", "2024-01-08"])
    frame["price_index"] = ["-0.5", "0.25"]
    out = validate_frame(frame, "media", source="m").frame
    assert out["price_index"].tolist() == [-0.5, 0.25]


def test_lift_checks_pass_for_matching_panel() -> None:
    media = validate_frame(_panel(["2024-01-01", "2024-01-08"]), "media", source="m")
    lift = validate_frame(
        pd.DataFrame(
            {
                "channel": ["tv"],
                "start": ["2024-01-01"],
                "end": ["2024-01-14"],
                "lift": ["5"],
                "lift_se": ["1"],
            }
        ),
        "lift-tests",
        source="l",
    )
    check_lift_tests_against_panel(lift, media)  # end = last week's Sunday: inside
    late = validate_frame(
        lift.frame.assign(end=pd.Timestamp("2024-01-15")), "lift-tests", source="l"
    )
    with pytest.raises(InputError, match="outside the media panel"):
        check_lift_tests_against_panel(late, media)
    prefixed = validate_frame(lift.frame.assign(channel="spend_tv"), "lift-tests", source="l")
    with pytest.raises(InputError, match="did you mean 'tv'"):
        check_lift_tests_against_panel(prefixed, media)


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown input kind"):
        validate_frame(pd.DataFrame({"a": [1]}), "nope")


# ---- property: lenient mode accounts for every row, rejects exactly the injected faults ----

FAULTS = {
    "negative": ("cost", "-2"),
    "not_a_number": ("cost", "x1"),
    "bad_timestamp": ("timestamp", "2024-13-01 10:00"),
    "missing_value": ("customer_id", ""),
    "not_finite": ("cost", "inf"),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 40),
    faults=st.dictionaries(st.integers(0, 39), st.sampled_from(sorted(FAULTS))),
    seed=st.integers(0, 2**16),
)
def test_lenient_rejects_exactly_the_faults(n: int, faults: dict[int, str], seed: int) -> None:
    rng = np.random.default_rng(seed)
    secs = rng.choice(10**6, size=n, replace=False)  # distinct rows: no accidental duplicates
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "timestamp": (pd.Timestamp("2024-01-01") + pd.to_timedelta(secs, unit="s")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "channel": rng.choice(["a", "b"], size=n),
            "cost": rng.integers(0, 100, size=n).astype(str),
        }
    )
    faults = {i: r for i, r in faults.items() if i < n}
    for i, reason in faults.items():
        col, value = FAULTS[reason]
        frame.loc[i, col] = value
    loaded = validate_frame(frame, "touchpoints", source="m", lenient=True)
    acc = loaded.accounting
    assert acc.read == n == acc.used + acc.n_rejected
    assert loaded.rejected_frame["_row"].tolist() == [i + 2 for i in sorted(faults)]
    assert loaded.rejected_frame["_reason"].tolist() == [faults[i] for i in sorted(faults)]
    assert loaded.rows.tolist() == [i + 2 for i in range(n) if i not in faults]


def test_empty_in_memory_frames_are_fine_and_html_repr_escapes() -> None:
    empty = pd.DataFrame({"channel": [], "start": [], "end": [], "lift": [], "lift_se": []})
    loaded = validate_frame(empty, "lift-tests", source="<mem>")
    assert len(loaded.frame) == 0 and loaded.accounting.read == 0
    assert "&lt;mem&gt;" in loaded._repr_html_()


def test_canonical_separator_inside_a_step_is_rejected() -> None:
    frame = pd.DataFrame({"path": ["a > b|c", "a|c"], "total_conversions": [1, 2]})
    loaded = validate_frame(frame, "paths", source="m", sep="|", lenient=True)
    assert loaded.accounting.rejected == {"separator_in_channel": 1}
    assert loaded.frame["path"].tolist() == ["a > c"]
