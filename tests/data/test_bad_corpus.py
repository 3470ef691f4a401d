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
    ("paths_duplicate.csv", "paths", "duplicate_path", 2, "path", False),
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
]

# lift tests that are fine alone but do not fit the panel media_ok.csv
PANEL_CASES: list[tuple[str, str, int, str]] = [
    ("lift_unknown_channel.csv", "unknown_channel", 3, "channel"),
    ("lift_outside_panel.csv", "window_outside_panel", 3, "end"),
]

LOADERS = {"touchpoints": load_touchpoints, "conversions": load_conversions,
           "id-map": load_id_map, "paths": load_paths, "media": load_media,
           "lift-tests": load_lift_tests}


def test_corpus_is_complete() -> None:
    listed = {c[0] for c in CASES} | {c[0] for c in PANEL_CASES} | {PANEL.name}
    on_disk = {p.name for p in BAD.glob("*.csv")}
    assert listed == on_disk
    assert len(on_disk) >= 20
    readme = (BAD / "README.md").read_text()
    assert all(name in readme for name in on_disk)


@pytest.mark.parametrize(("name", "kind", "reason", "row", "column", "file_level"), CASES,
                         ids=[c[0] for c in CASES])
def test_strict_error_names_row_column_reason(name: str, kind: str, reason: str,
                                              row: int | None, column: str | None,
                                              file_level: bool) -> None:
    with pytest.raises(InputError) as info:
        LOADERS[kind](BAD / name)
    err = info.value
    assert (err.reason, err.row, err.column) == (reason, row, column)
    assert err.file == str(BAD / name)
    text = str(err)
    assert "\n" not in text and "Fix: " in text
    if row is not None:
        assert f"row {row}" in text


@pytest.mark.parametrize(("name", "kind", "reason", "row", "column", "file_level"), CASES,
                         ids=[c[0] for c in CASES])
def test_cli_exit_2_one_line(run_cli, name: str, kind: str, reason: str, row: int | None,
                             column: str | None, file_level: bool) -> None:
    code, out, err = run_cli("validate", "--kind", kind, BAD / name)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and name in lines[0]
    assert "Traceback" not in err and out == ""
    if row is not None:
        assert f"row {row}" in lines[0]


@pytest.mark.parametrize(("name", "kind", "reason", "row", "column", "file_level"), CASES,
                         ids=[c[0] for c in CASES])
def test_lenient(tmp_path, name: str, kind: str, reason: str, row: int | None,
                 column: str | None, file_level: bool) -> None:
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


@pytest.mark.parametrize(("name", "reason", "row", "column"), PANEL_CASES,
                         ids=[c[0] for c in PANEL_CASES])
def test_lift_tests_against_panel(run_cli, name: str, reason: str, row: int,
                                  column: str) -> None:
    lift = load_lift_tests(BAD / name)
    with pytest.raises(InputError) as info:
        check_lift_tests_against_panel(lift, load_media(PANEL))
    assert (info.value.reason, info.value.row, info.value.column) == (reason, row, column)
    code, _, err = run_cli("validate", "--kind", "lift-tests", BAD / name, "--panel", PANEL)
    assert code == 2 and len(err.strip().splitlines()) == 1 and f"row {row}" in err
    code, out, _ = run_cli("validate", "--kind", "lift-tests", BAD / name)
    assert code == 0 and "2 rows read = 2 used + 0 rejected" in out
