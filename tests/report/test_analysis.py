"""Pure computations behind the report: hand-computed cases."""

from __future__ import annotations

import math

import numpy as np

from attribution.report.analysis import (
    classify_movement,
    includes,
    intervals_overlap,
    movement_shares,
    normalise_channel,
    shares,
    split_path,
)


def test_classify_movement() -> None:
    assert classify_movement(["search", "email"]) == "online_only"
    assert classify_movement(["tv", "radio"]) == "offline_only"
    assert classify_movement(["search", "store_visit"]) == "online_to_offline"
    assert classify_movement(["tv", "search", "radio"]) == "online_to_offline"
    assert classify_movement(["tv", "radio", "search"]) == "offline_to_online"
    assert classify_movement(["Call Centre", "web"]) == "offline_to_online"  # normalised names
    assert classify_movement(["web", "app"], frozenset({"app"})) == "online_to_offline"


def test_movement_shares_hand_computed() -> None:
    paths = [["search", "tv"], ["search"], ["tv"], ["tv", "search"]]
    journeys = [10, 20, 30, 40]
    conv = [5, 0, 3, 2]
    out = movement_shares(paths, journeys, conv)
    assert out["online_to_offline"] == (0.1, 0.5)
    assert out["online_only"] == (0.2, 0.0)
    assert out["offline_only"] == (0.3, 0.3)
    assert out["offline_to_online"] == (0.4, 0.2)
    assert math.isnan(movement_shares([["a"]], [0], [0])["online_only"][0])


def test_intervals_and_shares() -> None:
    assert intervals_overlap((1, 2), (2, 3))
    assert not intervals_overlap((1, 2), (2.01, 3))
    assert not intervals_overlap((3, 4), (1, 2))
    assert intervals_overlap((1, np.nan), (5, 6))  # unknown: never claim a change
    assert shares([1.0, 3.0, np.nan]).tolist()[:2] == [0.25, 0.75]
    assert np.isnan(shares([0.0, 0.0])).all()
    assert includes(0.9, 1.2, 1.0) and not includes(1.1, 1.2, 1.0)
    assert not includes(np.nan, 2.0, 1.0)


def test_split_and_normalise() -> None:
    assert split_path("a > b > c") == ["a", "b", "c"]
    assert split_path("a>b") == ["a", "b"]
    assert split_path("a|b", "|") == ["a", "b"]
    assert normalise_channel(" Direct-Mail ") == "direct_mail"
