"""``attribution mmm`` reads the config's and the mapping's column names first (issue #12).

The fit itself is replaced by a recorder: these tests check what reaches it (the
channels, their columns, the controls), on a hand-made panel and on the real peer
panels of Meridian and Robyn, mapped with the package's own mapping (no renaming).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import attribution.mmm.command as mmm_command
from attribution.cli import main

PEERS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "peers"


class _Reached(Exception):
    pass


@pytest.fixture
def fit_input(monkeypatch):
    seen: dict = {}

    class Recorder:
        def __init__(self, spec, **kw):
            seen["spec"] = spec

        def fit(self, frame, lift_tests=None):
            seen["frame"] = frame
            raise _Reached

    monkeypatch.setattr(mmm_command, "MMM", Recorder)
    return seen


def _mmm(tmp_path: Path, media: Path, *extra: str) -> None:
    with pytest.raises(_Reached):
        main(
            ["-q", "--debug", "mmm", "--media", str(media), "--out", str(tmp_path / "out"), *extra]
        )


def test_model_date_and_channel_column_take_effect(tmp_path, fit_input):
    pd.DataFrame(
        {
            "time": pd.date_range("2024-01-01", periods=12, freq="7D").strftime("%Y-%m-%d"),
            "revenue": range(100, 112),
            "x1": [5.0, 0.0] * 6,
            "price": [1.0, 1.2, 1.1] * 4,
        }
    ).to_csv(tmp_path / "p.csv", index=False)
    (tmp_path / "m.toml").write_text(
        '[model]\ndate = "time"\ntarget = "revenue"\n[[channels]]\nname = "tv"\ncolumn = "x1"\n'
    )
    _mmm(tmp_path, tmp_path / "p.csv", "--config", str(tmp_path / "m.toml"))
    spec, frame = fit_input["spec"], fit_input["frame"]
    assert spec.channel_names == ("tv",) and spec.controls == ("price",)
    assert frame["spend_tv"].tolist() == [5.0, 0.0] * 6
    assert frame["sales"].tolist() == list(map(float, range(100, 112)))


ROBYN = """
[mapping.panel]
date = "DATE"
target = "revenue"
spend = "{channel}_S"
activity = { newsletter = "newsletter" }
controls = ["competitor_sales_B"]
ignore = ["events", "search_clicks_P", "facebook_I"]
[mapping.channels]
default_grouping = true
"""

MERIDIAN = """
[mapping.panel]
date = "time"
target = "conversions"
spend = "{channel}_spend"
impressions = "{channel}_impression"
activity = { organic = "Organic_channel0_impression" }
controls = ["competitor_sales_control", "sentiment_score_control", "Promo"]
ignore = ["revenue_per_conversion"]
"""


def test_robyn_panel_reaches_the_fit_with_its_channels(tmp_path, fit_input):
    (tmp_path / "map.toml").write_text(ROBYN)
    _mmm(tmp_path, PEERS / "robyn_dt_simulated_weekly.csv", "--mapping", str(tmp_path / "map.toml"))
    spec, frame = fit_input["spec"], fit_input["frame"]
    # facebook goes through the default grouping, as journeys' facebook / cpc would
    assert sorted(spec.channel_names) == [
        "newsletter",
        "ooh",
        "paid_social",
        "print",
        "search",
        "tv",
    ]
    assert spec.channel("newsletter").kind == "activity"
    assert spec.controls == ("competitor_sales_B",)
    raw = pd.read_csv(PEERS / "robyn_dt_simulated_weekly.csv")
    assert frame["spend_paid_social"].sum() == pytest.approx(raw["facebook_S"].sum())
    assert frame["sales"].sum() == pytest.approx(raw["revenue"].sum())


def test_meridian_national_panel_reaches_the_fit_with_its_channels(tmp_path, fit_input):
    (tmp_path / "map.toml").write_text(MERIDIAN)
    _mmm(
        tmp_path,
        PEERS / "meridian_national_all_channels.csv",
        "--mapping",
        str(tmp_path / "map.toml"),
    )
    spec, frame = fit_input["spec"], fit_input["frame"]
    assert sorted(spec.channel_names) == [
        "Channel0",
        "Channel1",
        "Channel2",
        "Channel3",
        "Channel4",
        "organic",
    ]
    assert set(spec.controls) == {"competitor_sales_control", "sentiment_score_control", "Promo"}
    assert len(frame) == 156 and "impressions_Channel3" in frame.columns


def test_unknown_mapping_key_is_named(tmp_path, capsys):
    (tmp_path / "map.toml").write_text('[mapping.panel]\ntargte = "revenue"\n')
    code = main(
        [
            "-q",
            "mmm",
            "--media",
            str(PEERS / "robyn_dt_simulated_weekly.csv"),
            "--out",
            str(tmp_path / "o"),
            "--mapping",
            str(tmp_path / "map.toml"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "unknown key 'targte'" in err and "did you mean 'target'" in err
