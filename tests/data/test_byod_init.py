"""``attribution init`` on files users have: the run.toml it writes loads them as they are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from attribution.cli import main
from attribution.data.init_guess import guess
from attribution.mmm.mapped import load_model_panel
from attribution.pipeline.config import load_config

PEERS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "peers"


def test_guess_touchpoints_and_conversions_names():
    g = guess(["user_id", "event_time", "source_medium", "utm_campaign"])
    assert g.kind == "touchpoints" and g.columns == {
        "customer_id": "user_id",
        "timestamp": "event_time",
        "channel": "source_medium",
        "campaign": "utm_campaign",
    }
    g = guess(["client_id", "created_at", "revenue", "transaction_id"])
    assert g.kind == "conversions" and g.columns["order_id"] == "transaction_id"


@pytest.mark.parametrize(
    ("name", "channels", "controls"),
    [
        (
            "robyn_dt_simulated_weekly.csv",
            ["ooh", "paid_social", "print", "search", "tv"],
            {"search_clicks_P", "competitor_sales_B", "newsletter"},
        ),
        (
            "meridian_national_all_channels.csv",
            ["Channel0", "Channel1", "Channel2", "Channel3", "Channel4", "Organic_channel0"],
            {
                "revenue_per_conversion",
                "competitor_sales_control",
                "sentiment_score_control",
                "Promo",
            },
        ),
    ],
)
def test_init_on_peer_panels_writes_a_config_that_loads_them(
    tmp_path, capsys, name, channels, controls
):
    out = tmp_path / "run.toml"
    assert main(["-q", "init", str(PEERS / name), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"{name}: media" in printed and "columns:" in printed
    text = out.read_text()
    assert "# REVIEW: guessed column roles" in text
    # the input is named relative to the config's folder, so both can move together
    media_line = next(line for line in text.splitlines() if line.startswith("media = "))
    assert (
        media_line == f'media = "{os.path.relpath((PEERS / name).resolve(), tmp_path.resolve())}"'
    )
    cfg = load_config(out)
    mp = load_model_panel(cfg.inputs.media, {}, cfg.mapping)
    assert sorted(mp.spec.channel_names) == channels
    assert set(mp.spec.controls) == controls
