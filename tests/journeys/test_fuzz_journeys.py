"""Property-based tests of the journey builder on random small event logs (issue #7).

Conservation laws that hold for every lookback and inactivity setting: every
conversion lands in exactly one path row (none lost, none invented, value kept), every
touch is a step of exactly one journey (channels counted with their multiplicity), and
the accounting adds up. Bounded and derandomized, so CI is deterministic.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attribution.journeys.builder import JourneyBuilder
from attribution.journeys.options import NO_TOUCH_PATH, JourneyOptions

FUZZ = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
START = pd.Timestamp("2024-03-01")
CHANNELS = ("search", "email", "social", "tv")


@st.composite
def event_logs(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_cust = draw(st.integers(1, 4))
    n_touch = draw(st.integers(0, 25))
    n_conv = draw(st.integers(0, 6))
    # distinct minutes: the order of events is fully defined
    minutes = draw(
        st.lists(
            st.integers(0, 60 * 24 * 90),
            min_size=n_touch + n_conv,
            max_size=n_touch + n_conv,
            unique=True,
        )
    )
    ts = START + pd.to_timedelta(np.array(minutes, dtype=np.int64), unit="min")
    cust = [f"c{draw(st.integers(0, n_cust - 1))}" for _ in minutes]
    touches = pd.DataFrame(
        {
            "customer_id": cust[:n_touch],
            "timestamp": ts[:n_touch],
            "channel": [draw(st.sampled_from(CHANNELS)) for _ in range(n_touch)],
        }
    )
    values = [draw(st.integers(0, 10_000)) / 100 for _ in range(n_conv)]
    conversions = pd.DataFrame(
        {
            "customer_id": cust[n_touch:],
            "timestamp": ts[n_touch:],
            "value": values,
            "order_id": [f"o{i}" for i in range(n_conv)],
        }
    )
    if touches.empty:  # a touchpoint table needs a row: one touch of a customer of its own
        touches = pd.DataFrame({"customer_id": ["lonely"], "timestamp": [START], "channel": ["tv"]})
    return touches, conversions


@FUZZ
@given(
    logs=event_logs(),
    lookback=st.sampled_from([None, 1.0, 7.0, 30.0]),
    inactivity=st.sampled_from([None, 2.0, 30.0]),
)
def test_journeys_conserve_conversions_and_touches(logs, lookback, inactivity) -> None:
    touches, conversions = logs
    opts = JourneyOptions(lookback_days=lookback, inactivity_days=inactivity)
    res = JourneyBuilder(opts).fit(touches, conversions)
    paths = res.paths
    # conversions: every one in exactly one path row, with its value
    assert int(paths["total_conversions"].sum()) == len(conversions)
    assert paths["total_conversion_value"].sum() == pytest.approx(
        conversions["value"].sum(), abs=1e-6
    )
    assert (paths[["total_conversions", "total_null"]] >= 0).all().all()
    # touches: each is one step of one journey, channels kept with multiplicity
    steps: Counter[str] = Counter()
    for p, c, n in zip(paths["path"], paths["total_conversions"], paths["total_null"], strict=True):
        if p == NO_TOUCH_PATH:
            assert n == 0  # a journey without a touch only exists for a conversion
            continue
        for ch in p.split(" > "):
            steps[ch] += int(c + n)
    assert steps == Counter(touches["channel"])
    acc = res.accounting
    t = acc["touchpoints"]
    assert t["read"] == len(touches) == t["used"] + sum(t["rejected"].values())
    assert t["in_paths"] == len(touches)
    c = acc["conversions"]
    assert c["read"] == len(conversions) == c["used"]
    j = acc["journeys"]
    assert (
        j["total"]
        == j["converting"] + j["null"]
        == int((paths["total_conversions"] + paths["total_null"]).sum())
    )
    # no conversion is ever split: a converting journey holds exactly one conversion
    no_touch = paths.loc[paths["path"] == NO_TOUCH_PATH, "total_conversions"].sum()
    assert c["without_touch"] == no_touch


@FUZZ
@given(logs=event_logs())
def test_unlimited_windows_give_one_null_journey_per_idle_customer(logs) -> None:
    touches, conversions = logs
    opts = JourneyOptions(lookback_days=None, inactivity_days=None)
    paths = JourneyBuilder(opts).fit(touches, conversions).paths
    # without windows a journey only ends at a conversion: each customer has at most one
    # null journey (its touches after its last conversion)
    events = pd.concat([touches.assign(kind="t"), conversions.assign(kind="c")])
    events = events.sort_values("timestamp", kind="mergesort")
    expected_null = 0
    for _, g in events.groupby("customer_id"):
        kinds = g["kind"].tolist()
        last_conv = max((i for i, k in enumerate(kinds) if k == "c"), default=-1)
        expected_null += int(any(k == "t" for k in kinds[last_conv + 1 :]))
    assert int(paths["total_null"].sum()) == expected_null
