"""Every file of the malformed corpus (tests/data/bad/) fails clearly, strict and lenient.

Strict: ``InputError`` with the right reason, row and column; via the CLI exit status 2,
one line on stderr, no traceback. Lenient: row problems are quarantined with the rows
accounted for; file problems still raise.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from attribution.data import (
    check_lift_tests_against_panel,
    load_conversions,
    load_id_map,
    load_lift_tests,
    load_media,
    load_paths,
    load_touchpoints,
)
from attribution.errors import InputError

BAD = Path(__file__).parent / "bad"
PANEL = BAD / "media_ok.csv"

# (file, kind, reason, row, column, file_level)
CASES: list[tuple[str, str, str, int | None, str | None, bool]] = [
    ("tp_missing_column.csv", "touchpoints", "missing_column", 1, "channel", True),
    ("tp_misspelled_column.csv", "touchpoints", "missing_column", 1, "timestamp", True),
    ("tp_bad_timestamp.csv", "touchpoints", "bad_timestamp", 3, "timestamp", False),
    ("tp_mixed_tz_naive.csv", "touchpoints", "mixed_timezone", 4, "timestamp", False),
    ("tp_mixed_offsets.csv", "touchpoints", "mixed_timezone", 5, "timestamp", False),
    ("tp_negative_cost.csv", "touchpoints", "negative", 4, "cost", False),
    ("tp_nonnumeric_cost.csv", "touchpoints", "not_a_number", 5, "cost", False),
    ("tp_duplicate_rows.csv", "touchpoints", "duplicate_row", 6, None, False),
    ("tp_wrong_delimiter.csv", "touchpoints", "wrong_delimiter", 1, None, True),
    ("tp_latin1.csv", "touchpoints", "encoding", 4, None, True),
    ("tp_undecodable_utf16_nobom.csv", "touchpoints", "encoding", None, None, True),
    ("tp_empty.csv", "touchpoints", "empty_file", None, None, True),
    ("tp_header_only.csv", "touchpoints", "no_rows", None, None, True),
    ("tp_field_count.csv", "touchpoints", "field_count", 4, None, False),
    ("tp_bad_interaction.csv", "touchpoints", "invalid_value", 5, "interaction", False),
    ("tp_missing_id.csv", "touchpoints", "missing_value", 4, "customer_id", False),
    ("tp_duplicate_header.csv", "touchpoints", "duplicate_column", 1, "channel", True),
    ("tp_unclosed_quote.csv", "touchpoints", "unclosed_quote", 3, None, True),
    ("conv_nan_value.csv", "conversions", "not_finite", 3, "value", False),
    ("conv_inf_value.csv", "conversions", "not_finite", 4, "value", False),
    ("conv_missing_value.csv", "conversions", "missing_value", 2, "value", False),
    ("conv_duplicate_order.csv", "conversions", "duplicate_order_id", 2, "order_id", False),
    ("conv_decimal_comma.csv", "conversions", "not_a_number", 2, "value", False),
    ("conv_negative_value.csv", "conversions", "negative", 3, "value", False),
    ("idmap_conflict.csv", "id-map", "conflicting_id", 2, "id", False),
    ("paths_negative.csv", "paths", "negative", 3, "total_conversions", False),
    ("paths_empty_path.csv", "paths", "empty_path", 3, "path", False),
    ("paths_empty_step.csv", "paths", "empty_step", 3, "path", False),
    ("media_gap.csv", "media", "panel_gap", 5, "date", True),
    ("media_duplicate_week.csv", "media", "duplicate_week", 4, "date", True),
    ("media_daily.csv", "media", "not_weekly", 3, "date", True),
    ("media_weekday.csv", "media", "weekday_mismatch", 5, "date", True),
    ("media_text_column.csv", "media", "not_numeric_column", 2, "notes", True),
    ("media_no_channels.csv", "media", "no_channels", 1, None, True),
    # one bad row in a panel: strict names it; lenient rejects it, which leaves a gap
    ("media_negative_spend.csv", "media", "negative", 4, "spend_tv", True),
    ("media_bad_date.csv", "media", "bad_date", 4, "date", True),
    ("lift_end_before_start.csv", "lift-tests", "end_before_start", 3, "end", False),
    ("lift_nonpositive_se.csv", "lift-tests", "not_positive", 3, "lift_se", False),
    # session 2 (issue #7): encodings, extreme values, dates out of range, keys, tiny panels
    ("tp_nul_byte.csv", "touchpoints", "nul_byte", 3, None, True),
    ("tp_bom_semicolon_decimal_comma.csv", "touchpoints", "not_a_number", 2, "cost", False),
    ("tp_year_9999.csv", "touchpoints", "future_date", 3, "timestamp", False),
    ("tp_year_2262.csv", "touchpoints", "future_date", 3, "timestamp", False),
    ("tp_year_1677.csv", "touchpoints", "implausible_date", 3, "timestamp", False),
    ("tp_cost_1e308.csv", "touchpoints", "too_large", 3, "cost", False),
    ("conv_future.csv", "conversions", "future_date", 3, "timestamp", False),
    ("conv_epoch_zero.csv", "conversions", "implausible_date", 4, "timestamp", False),
    ("conv_value_1e308.csv", "conversions", "too_large", 2, "value", False),
    ("idmap_empty.csv", "id-map", "no_rows", None, None, True),
    ("idmap_conflict_across_types.csv", "id-map", "conflicting_id", 2, "id", False),
    ("paths_conv_1e308.csv", "paths", "too_large", 2, "total_conversions", False),
    ("media_single_week.csv", "media", "too_few_weeks", None, "date", True),
    ("media_nan_control.csv", "media", "empty_column", 1, "price", True),
    # lenient rejects the row, which leaves a gap: still an error
    ("media_spend_1e308.csv", "media", "too_large", 5, "spend_search", True),
    ("media_future.csv", "media", "future_date", 2, "date", True),
    ("lift_future.csv", "lift-tests", "future_date", 3, "start", False),
    # budget-change lift tests (issue #14): spend_change is a fraction above -1, not 0
    ("lift_spend_change_zero.csv", "lift-tests", "invalid_change", 3, "spend_change", False),
    ("lift_spend_change_minus_one.csv", "lift-tests", "invalid_change", 3, "spend_change", False),
    ("lift_spend_change_text.csv", "lift-tests", "not_a_number", 3, "spend_change", False),
]

# malformed-looking files that must load correctly: (file, kind, rows used, finding codes)
GOOD: list[tuple[str, str, int, set[str]]] = [
    ("ok_tp_utf16_bom.csv", "touchpoints", 3, set()),
    ("ok_tp_bom_semicolon.csv", "touchpoints", 3, set()),
    ("ok_tp_crlf.csv", "touchpoints", 3, set()),
    ("ok_tp_single_channel.csv", "touchpoints", 3, set()),
    ("ok_conv_value_1e15.csv", "conversions", 2, set()),
    ("ok_idmap_same_customer_two_types.csv", "id-map", 3, set()),
    ("ok_paths_none_only.csv", "paths", 1, set()),
    ("ok_paths_zero_conversions.csv", "paths", 2, set()),
    ("ok_paths_single_channel.csv", "paths", 2, set()),
    # a path table is a count table: a repeated path adds up (issue #12)
    ("ok_paths_duplicate_summed.csv", "paths", 3, {"data.duplicate_paths_summed"}),
    ("ok_media_zero_spend.csv", "media", 8, {"data.zero_channel"}),
    ("ok_media_constant_control.csv", "media", 8, {"data.constant_control"}),
    ("ok_media_collinear.csv", "media", 8, {"data.collinear_channels"}),
    ("ok_media_single_channel.csv", "media", 8, set()),
    ("ok_lift_one_day.csv", "lift-tests", 1, {"data.lift_one_day"}),
]

# lift tests that are fine alone but do not fit the panel media_ok.csv
PANEL_CASES: list[tuple[str, str, int, str]] = [
    ("lift_unknown_channel.csv", "unknown_channel", 3, "channel"),
    ("lift_outside_panel.csv", "window_outside_panel", 3, "end"),
]

LOADERS = {
    "touchpoints": load_touchpoints,
    "conversions": load_conversions,
    "id-map": load_id_map,
    "paths": load_paths,
    "media": load_media,
    "lift-tests": load_lift_tests,
}


def test_corpus_is_complete() -> None:
    listed = (
        {c[0] for c in CASES} | {c[0] for c in PANEL_CASES} | {c[0] for c in GOOD} | {PANEL.name}
    )
    on_disk = {p.name for p in BAD.glob("*.csv")}
    assert listed == on_disk
    assert len(CASES) + len(PANEL_CASES) >= 55
    readme = (BAD / "README.md").read_text()
    assert all(name in readme for name in on_disk)


@pytest.mark.parametrize(
    ("name", "kind", "reason", "row", "column", "file_level"), CASES, ids=[c[0] for c in CASES]
)
def test_strict_error_names_row_column_reason(
    name: str, kind: str, reason: str, row: int | None, column: str | None, file_level: bool
) -> None:
    with pytest.raises(InputError) as info:
        LOADERS[kind](BAD / name)
    err = info.value
    assert (err.reason, err.row, err.column) == (reason, row, column)
    assert err.file == str(BAD / name)
    text = str(err)
    assert "\n" not in text and "Fix: " in text
    if row is not None:
        assert f"row {row}" in text


@pytest.mark.parametrize(
    ("name", "kind", "reason", "row", "column", "file_level"), CASES, ids=[c[0] for c in CASES]
)
def test_cli_exit_2_one_line(
    run_cli,
    name: str,
    kind: str,
    reason: str,
    row: int | None,
    column: str | None,
    file_level: bool,
) -> None:
    code, out, err = run_cli("validate", "--kind", kind, BAD / name)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and name in lines[0]
    assert "Traceback" not in err and out == ""
    if row is not None:
        assert f"row {row}" in lines[0]


@pytest.mark.parametrize(
    ("name", "kind", "reason", "row", "column", "file_level"), CASES, ids=[c[0] for c in CASES]
)
def test_lenient(
    tmp_path,
    name: str,
    kind: str,
    reason: str,
    row: int | None,
    column: str | None,
    file_level: bool,
) -> None:
    rejected = tmp_path / "rejected.csv"
    if file_level:
        with pytest.raises(InputError):
            LOADERS[kind](BAD / name, lenient=True, rejected=rejected)
        return
    loaded = LOADERS[kind](BAD / name, lenient=True, rejected=rejected)
    acc = loaded.accounting
    assert acc.read == acc.used + acc.n_rejected
    assert acc.rejected.get(reason, 0) >= 1
    assert len(loaded.frame) == acc.used
    back = pd.read_csv(rejected, dtype=str, keep_default_na=False)
    assert len(back) == acc.n_rejected
    assert row in back["_row"].astype(int).tolist()
    assert reason in back["_reason"].tolist()


@pytest.mark.parametrize(
    ("name", "reason", "row", "column"), PANEL_CASES, ids=[c[0] for c in PANEL_CASES]
)
def test_lift_tests_against_panel(run_cli, name: str, reason: str, row: int, column: str) -> None:
    lift = load_lift_tests(BAD / name)
    with pytest.raises(InputError) as info:
        check_lift_tests_against_panel(lift, load_media(PANEL))
    assert (info.value.reason, info.value.row, info.value.column) == (reason, row, column)
    code, _, err = run_cli("validate", "--kind", "lift-tests", BAD / name, "--panel", PANEL)
    assert code == 2 and len(err.strip().splitlines()) == 1 and f"row {row}" in err
    code, out, _ = run_cli("validate", "--kind", "lift-tests", BAD / name)
    assert code == 0 and "2 rows read = 2 used + 0 rejected" in out


def _findings(loaded) -> set[str]:
    return {
        f.code
        for f in loaded.findings
        if f.code.startswith("data.")
        and f.code not in ("data.naive_timestamps", "data.offsets", "data.rejected")
    }


@pytest.mark.parametrize(("name", "kind", "used", "codes"), GOOD, ids=[c[0] for c in GOOD])
def test_handled_inputs_load_correctly(
    run_cli, name: str, kind: str, used: int, codes: set[str]
) -> None:
    loaded = LOADERS[kind](BAD / name)
    acc = loaded.accounting
    assert (acc.read, acc.used, acc.n_rejected) == (used, used, 0)
    assert _findings(loaded) == codes
    code, out, err = run_cli("validate", "--kind", kind, BAD / name)
    assert code == 0 and err == "" and f"{used} rows read = {used} used + 0 rejected" in out
    for c in codes:  # every finding is printed
        assert next(f.message for f in loaded.findings if f.code == c) in out


@pytest.mark.parametrize(
    "name", ["ok_tp_utf16_bom.csv", "ok_tp_bom_semicolon.csv", "ok_tp_crlf.csv"]
)
def test_encodings_and_line_ends_give_the_same_table(name: str) -> None:
    ref = load_touchpoints(BAD / "tp_duplicate_rows.csv", lenient=True).frame.head(3)
    got = load_touchpoints(BAD / name).frame
    assert list(got.columns) == list(ref.columns)  # the BOM is not part of 'customer_id'
    pd.testing.assert_frame_equal(got, ref.reset_index(drop=True))
    assert not got["channel"].str.contains("\r").any()


def test_extreme_but_finite_values_are_kept_exactly() -> None:
    conv = load_conversions(BAD / "ok_conv_value_1e15.csv").frame
    assert conv["value"].tolist() == [1e15, 30.0] and conv["value"].sum() == 1e15 + 30


def test_same_id_same_customer_is_not_a_conflict() -> None:
    ids = load_id_map(BAD / "ok_idmap_same_customer_two_types.csv").frame
    assert ids["customer_id"].tolist() == ["c1", "c1", "c2"]
    # a conflict names the other row with a different customer, across id types
    with pytest.raises(InputError) as info:
        load_id_map(BAD / "idmap_conflict_across_types.csv")
    assert "row 4" in str(info.value) and "'c1'" in str(info.value)


def test_collinear_finding_names_both_channels() -> None:
    found = load_media(BAD / "ok_media_collinear.csv").findings
    msg = next(f.message for f in found if f.code == "data.collinear_channels")
    assert "'spend_search' and 'spend_tv'" in msg and "1.000" in msg


def test_future_is_relative_to_now(monkeypatch) -> None:
    import attribution.data.parsers as V

    monkeypatch.setattr(V, "now_utc", lambda: pd.Timestamp("2100-01-01"))
    assert load_conversions(BAD / "conv_future.csv").accounting.used == 2
    # one day of slack: 2024-03-06 10:00 is more than a day after 2024-03-05 08:00
    monkeypatch.setattr(V, "now_utc", lambda: pd.Timestamp("2024-03-05 08:00"))
    with pytest.raises(InputError) as info:
        load_conversions(BAD / "ok_conv_value_1e15.csv")
    assert info.value.reason == "future_date" and info.value.row == 3
