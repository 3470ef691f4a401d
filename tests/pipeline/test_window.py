"""The reporting window: parsing, the weeks inside it, event rows and the run.json record."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from attribution.errors import UsageError
from attribution.pipeline.config import config_from_dict
from attribution.pipeline.window import check_window, restrict_events, week_mask, window_record

MONDAYS = pd.date_range("2025-01-06", periods=52, freq="7D")


def test_window_record_states_both_periods() -> None:
    rec = window_record(pd.Series(MONDAYS), date(2025, 10, 1), date(2025, 12, 31))
    assert rec["data_start"] == "2025-01-06" and rec["data_end"] == "2026-01-04"
    assert rec["data_weeks"] == 52
    # weeks starting 6 Oct ... 29 Dec: 13 weeks, the last one ending 4 Jan
    assert (rec["report_start"], rec["report_end"], rec["report_weeks"]) == (
        "2025-10-06",
        "2026-01-04",
        13,
    )
    assert week_mask(MONDAYS, date(2025, 10, 1), date(2025, 12, 31)).sum() == 13
    assert week_mask(MONDAYS, None, None).all()


def test_window_outside_the_panel_or_reversed_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="holds no week of the media panel"):
        window_record(pd.Series(MONDAYS), date(2027, 1, 1), None)
    with pytest.raises(UsageError, match="is before window_start"):
        check_window("2025-12-31", "2025-10-01")
    with pytest.raises(UsageError, match="is not a date"):
        config_from_dict({"run": {"window_start": "Q4 2025"}})


def test_events_keep_the_window_and_one_lookback_before_it() -> None:
    ts = pd.to_datetime(
        [
            "2025-09-20 00:00",
            "2025-09-02 00:00",
            "2025-10-01 00:00",
            "2025-12-31 23:59",
            "2026-01-01 00:00",
        ],
        utc=True,
    )
    frame = pd.DataFrame({"timestamp": ts, "x": np.arange(5)})
    conv, acc = restrict_events(frame, date(2025, 10, 1), date(2025, 12, 31))
    assert conv["x"].tolist() == [2, 3]
    assert acc["read"] == 5 and acc["used"] == 2 and acc["rejected"] == {"outside_window": 3}
    tp, acc = restrict_events(frame, date(2025, 10, 1), date(2025, 12, 31), lookback_days=14)
    assert tp["x"].tolist() == [0, 2, 3]
    assert acc["read"] == acc["used"] + acc["rejected_total"]
