"""Bring your own data: channel map, mappings, cross-checks, peer panels, exports."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from attribution.cli import main
from attribution.data.channel_map import ChannelMap, Rule, default_group
from attribution.data.cross_checks import Side, channel_findings, date_findings, panel_role_findings
from attribution.data.mapping import MappingConfig, PanelRoles
from attribution.errors import InputError, UsageError
from attribution.mmm.mapped import load_model_panel
from attribution.pipeline.config import config_from_dict

PEERS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "peers"
DOC = Path(__file__).resolve().parents[2] / "docs" / "bring-your-own-data.md"


@pytest.mark.parametrize(
    "src,med,want",
    [
        ("(direct)", "(none)", "direct"),
        ("google", "cpc", "paid_search"),
        ("google", "organic", "organic_search"),
        ("facebook", "cpc", "paid_social"),
        ("m.facebook.com", "referral", "organic_social"),
        ("newsletter", "email", "email"),
        ("partner.com", "referral", "referral"),
        ("google", "display", "display"),
        ("youtube", "cpc", "paid_video"),
        ("awin", "affiliate", "affiliates"),
        ("foo", "bar", "unassigned"),
    ],
)
def test_default_grouping(src, med, want):
    assert default_group(src, med) == want


def test_channel_map_precedence():
    cm = ChannelMap(
        exact={"google / cpc": "brand"},
        rules=(Rule("display", glob="*display*", field="campaign"),),
    )
    assert cm.map("google / cpc") == "brand"  # exact beats the grouping
    assert cm.map("google_ads", campaign="display_retargeting") == "display"
    assert cm.map("google_ads") == "paid_search" and cm.map("tv") == "tv"
    assert ChannelMap(group_names=False).map("facebook") == "facebook"


def test_config_schema_names_unknown_key():
    with pytest.raises(UsageError, match=r"unknown key 'chanels'.*did you mean 'channels'"):
        config_from_dict({"mapping": {"chanels": {}}})
    with pytest.raises(UsageError, match=r"unknown key 'dates'.*did you mean 'date'"):
        config_from_dict({"mapping": {"panel": {"dates": "time"}}})
    cfg = config_from_dict({"mapping": {"columns": {"touchpoints": {"customer_id": "uid"}}}})
    assert cfg.mapping.rename("touchpoints") == {"uid": "customer_id"}


def test_peer_panels_map_to_the_right_channels():
    robyn = MappingConfig(
        panel=PanelRoles(
            date="DATE",
            target="revenue",
            spend="{channel}_S",
            impressions="{channel}_I",
            activity={"newsletter": "newsletter"},
            controls=("competitor_sales_B",),
            ignore=("events", "search_clicks_P"),
        ),
        channels=ChannelMap(group_names=False),
    )
    mp = load_model_panel(PEERS / "robyn_dt_simulated_weekly.csv", {}, robyn)
    assert sorted(mp.spec.channel_names) == [
        "facebook",
        "newsletter",
        "ooh",
        "print",
        "search",
        "tv",
    ]
    assert mp.spec.controls == ("competitor_sales_B",) and len(mp.media.frame) == 208
    mer = MappingConfig(
        panel=PanelRoles(
            date="time",
            target="conversions",
            spend="{channel}_spend",
            activity={"organic": "Organic_channel0_impression"},
            controls=("competitor_sales_control", "sentiment_score_control", "Promo"),
            ignore=("revenue_per_conversion", *(f"Channel{i}_impression" for i in range(5))),
        )
    )
    mp = load_model_panel(PEERS / "meridian_national_all_channels.csv", {}, mer)
    assert sorted(mp.spec.channel_names) == [
        "Channel0",
        "Channel1",
        "Channel2",
        "Channel3",
        "Channel4",
        "organic",
    ]
    assert len(mp.media.frame) == 156


def test_mmm_config_names_take_effect(tmp_path):
    """[model] date = "time" and [[channels]] column = "x1" are read before any check."""
    pd.DataFrame(
        {
            "time": pd.date_range("2024-01-01", periods=10, freq="7D").strftime("%Y-%m-%d"),
            "revenue": range(10, 20),
            "x1": [1.0, 2] * 5,
            "price": [1.0, 1.1] * 5,
        }
    ).to_csv(tmp_path / "p.csv", index=False)
    cfg = {
        "model": {"date": "time", "target": "revenue"},
        "channels": [{"name": "tv", "column": "x1"}],
    }
    mp = load_model_panel(tmp_path / "p.csv", cfg)
    assert mp.spec.channel_names == ("tv",) and mp.spec.controls == ("price",)
    assert mp.media.frame["spend_tv"].tolist() == [1.0, 2.0] * 5


def test_spend_like_column_without_role_is_an_error():
    df = pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=8, freq="7D"),
            "sales": range(8),
            "spend_tv": [1.0] * 8,
            "facebook_spend": [2.0, 3] * 4,
            "t": range(8),
        }
    )
    found = {f.code: f for f in panel_role_findings(df.astype({"sales": float, "t": float}), None)}
    assert found["inputs.spend_without_role"].level == "error"
    assert "facebook_spend" in found["inputs.spend_without_role"].message
    assert "inputs.control_duplicates_trend" in found


def test_nothing_reconciles_and_dates_do_not_overlap():
    j = Side(
        "journeys",
        frozenset({"google / cpc"}),
        pd.Timestamp("2025-09-01"),
        pd.Timestamp("2025-12-31"),
    )
    p = Side(
        "media panel",
        frozenset({"facebook", "google_ads"}),
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2025-06-30"),
    )
    levels = {f.code: f.level for f in channel_findings(j, p, None)}
    assert levels["inputs.nothing_reconciles"] == "error"
    assert {f.code: f.level for f in channel_findings(j, p, None, reconcile="warn")}[
        "inputs.nothing_reconciles"
    ] == "warning"
    assert [f.code for f in date_findings([j, p])] == ["inputs.dates_do_not_overlap"]
    half = Side("lift", first=pd.Timestamp("2025-06-01"), last=pd.Timestamp("2025-12-31"))
    assert [f.level for f in date_findings([p, half])] == ["warning"]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    from attribution.data.simulator.exports import write_exports

    return write_exports(tmp_path_factory.mktemp("exports"), customers=600, weeks=20)


def test_ga4_export_to_journeys_duckdb(exports, tmp_path):
    from attribution.journeys import JourneyBuilder
    from attribution.journeys.ga4 import ga4_to_logs

    a = ga4_to_logs(exports["ga4"], tmp_path / "p")
    b = ga4_to_logs(exports["ga4_json"], tmp_path / "j")
    assert a.accounting["events"] == b.accounting["events"]
    assert a.accounting["timestamp_unit"] == "microseconds"
    conv = pd.read_csv(exports["simulated"] / "conversions.csv")
    assert a.accounting["events"]["conversions"] == len(conv)
    res = JourneyBuilder(channel_map=ChannelMap()).fit(a.touchpoints, a.conversions, a.id_map)
    steps = set(res.paths["path"].str.split(" > ").explode())
    assert {"paid_search", "paid_social", "display", "email", "direct"} <= steps
    assert res.paths["total_conversion_value"].sum() == pytest.approx(conv["value"].sum())


def test_ad_exports_to_weekly_panel(exports, tmp_path):
    from attribution.data.readers.adplatforms import build_weekly_panel

    cm = ChannelMap(rules=(Rule("display", glob="*display*", field="campaign"),))
    b = build_weekly_panel(
        [exports["google_ads"], exports["meta_ads"]],
        exports["crm_sales"],
        cm,
        tmp_path / "media.csv",
    )
    sim = pd.read_csv(exports["simulated"] / "media.csv")
    assert len(b.frame) == len(sim) == 20
    assert b.frame["sales"].to_numpy() == pytest.approx(sim["sales"].to_numpy(), abs=0.05)
    want = sim["spend_search_generic"] + sim["spend_search_brand"]
    assert b.frame["spend_paid_search"].to_numpy() == pytest.approx(want.to_numpy(), abs=0.05)
    assert b.frame["spend_display"].to_numpy() == pytest.approx(sim["spend_display"], abs=0.05)


def test_decimal_commas_get_the_right_fix(tmp_path):
    from attribution.data.readers.adplatforms import read_export

    (tmp_path / "g.csv").write_text(
        'Day,Campaign,Cost,Impressions,Clicks\n2024-01-01,a,"12,50",10,1\n'
    )
    with pytest.raises(InputError, match=r"decimal commas: write 1234\.5"):
        read_export(tmp_path / "g.csv", ChannelMap())


@pytest.mark.slow  # fits the MMM (1 chain x 30 draws): about a minute
def test_guide_commands_run(exports, tmp_path, monkeypatch, capsys):
    """The guide's commands, on the simulator's exports (small sampling settings added)."""
    cmds = [
        line.strip()
        for line in DOC.read_text().splitlines()
        if line.strip().startswith("attribution ")
    ]
    assert [c.split()[1] for c in cmds] == ["init", "run"]
    root = Path(exports["ga4"]).parent
    monkeypatch.chdir(root.parent)
    quick = [
        "--draws",
        "30",
        "--tune",
        "30",
        "--chains",
        "1",
        "--bootstrap",
        "3",
        "--formats",
        "html",
        "--force",
    ]
    for c in cmds:
        argv = [a.replace("exports/", root.name + "/") for a in c.split()[1:]]
        argv += quick if argv[0] == "init" else []
        # the tiny sampling added here cannot converge: the run finishes "not for decisions"
        # (exit 3) with its report; init must succeed outright
        ok = (0,) if argv[0] == "init" else (0, 3)
        assert main(["-q", *argv]) in ok, capsys.readouterr().err
    out = capsys.readouterr().out
    assert re.search(r"matching channels: display, email, paid_search, paid_social", out)
    assert "REVIEW" in (root / "run.toml").read_text()
    assert (root / "runs" / "latest" / "report.html").exists()
