"""What to watch: findings -> plain flags with their action (report.sections)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from attribution.io import write_csv, write_json
from attribution.report import wording as W
from attribution.report.html import render_html
from attribution.report.rundata import load_run
from attribution.report.summary import finding_flags, merge_messages
from attribution.report.viewmodels import build_report


def fd(level, code, message, action=""):
    return {"level": level, "code": code, "message": message, "action": action, "stage": "x"}


def test_merge_messages_joins_channel_prefixed_findings():
    assert merge_messages(["tv: too wide.", "radio: too wide"]) == "tv, radio: too wide"
    assert merge_messages(["a: one", "b: two"]) == "a: one; b: two"
    assert merge_messages(["same", "same", "other"]) == "same; other"


def test_flags_group_by_code_put_errors_first_and_carry_the_action():
    flags = finding_flags(
        [
            fd("info", "i", "not shown"),
            fd("warning", "combine.mmm_uncertain", "tv: cannot separate", "run a lift test"),
            fd("error", "mmm.ess", "bulk ESS only 12 for beta", "draw more samples"),
            fd("warning", "combine.mmm_uncertain", "radio: cannot separate", "run a lift test"),
            fd("warning", "custom", "no lead here"),
        ]
    )
    assert flags == [
        (
            "error",
            W.FINDING_LEADS["mmm.ess"] + " bulk ESS only 12 for beta. Action: draw more samples.",
        ),
        # the detail only restated the lead: the flag names the channels instead (no repeat)
        (
            "warning",
            W.FINDING_LEADS["combine.mmm_uncertain"] + " Concerns: tv, radio. "
            "Action: run a lift test.",
        ),
        ("warning", "no lead here."),
    ]


def test_a_group_takes_its_worst_level():
    flags = finding_flags(
        [
            fd("warning", "mmm.rhat", "R-hat 1.02", "sample longer"),
            fd("error", "mmm.rhat", "R-hat 1.3", "sample longer"),
        ]
    )
    assert len(flags) == 1 and flags[0][0] == "error"
    assert "R-hat 1.02; R-hat 1.3." in flags[0][1]


def test_every_stress_code_has_a_plain_lead():
    for code in (
        "mta.never_converts",
        "mta.all_converting",
        "mta.single_channel",
        "mta.few_conversions",
        "mta.long_paths",
        "mta.no_touch_share",
        "mmm.rhat",
        "mmm.ess",
        "mmm.divergences",
        "mmm.channel_no_spend",
    ):
        lead = W.FINDING_LEADS[code]
        assert lead[0].isupper() and lead.endswith(".") and "_" not in lead, code


def _run_dir(tmp_path: Path, findings: list[dict]) -> Path:

    root = tmp_path / "run"
    write_csv(
        root / "mta.csv",
        pd.DataFrame(
            {
                "model": ["markov", "markov"],
                "channel": ["<b>x</b>", "tv"],
                "conversions": [3.0, 1.0],
                "value": [30.0, 10.0],
            }
        ),
    )
    write_json(root / "run.json", {"findings": findings, "config": {}})
    return root


def test_report_shows_grouped_findings_escaped_in_summary_and_all_in_appendix(tmp_path):
    findings = [
        fd("info", "combine.path_only", "<b>x</b>: path credit only", "add it"),
        fd(
            "warning",
            "mta.never_converts",
            "<b>x</b>: appears only in journeys that did not convert",
            "check <tracking>",
        ),
        fd("error", "mmm.rhat", "R-hat 1.3 for beta", "sample longer"),
    ]
    view = build_report(load_run(_run_dir(tmp_path, findings)))
    flags = next(b for b in view.sections[0].blocks if b.kind == "flags")
    assert [lvl for lvl, _ in flags.items] == ["error", "warning"]
    appx = next(s for s in view.sections if s.id == "appendix")
    table = next(b for b in appx.blocks if b.kind == "table" and b.id == "findings")
    assert [r[0] for r in table.rows] == ["error", "warning", "info"]  # worst first, all kept
    assert table.rows[1][3] == "check <tracking>"
    doc = render_html(view)
    assert "<b>x</b>" not in doc and "<tracking>" not in doc
    assert "&lt;b&gt;x&lt;/b&gt;: appears only" in doc
    assert "Action: check &lt;tracking&gt;" in doc


def test_finding_about_a_channel_replaces_its_interval_flag(tmp_path):
    """A channel named in a finding gets no second, interval-based flag."""
    findings = [fd("warning", "combine.mmm_uncertain", "tv: cannot separate", "lift test")]
    root = _run_dir(tmp_path, findings)
    write_csv(root / "mmm" / "channels.csv", pd_channels())
    flags = next(
        b for b in build_report(load_run(root)).sections[0].blocks if b.kind == "flags"
    ).items
    texts = " ".join(t for _, t in flags)
    # channels by display name: tv reads "TV", tvx (no configured name) "Tvx"
    assert "Concerns: TV. Action: lift test." in texts
    assert "TV: the return interval" not in texts  # tv: already named by the finding
    assert "Tvx: the return interval" in texts  # a different name is still flagged


def pd_channels():
    return pd.DataFrame(
        {
            "channel": ["tv", "tvx"],
            "spend": [10.0, 10.0],
            "contribution": [12.0, 11.0],
            "contribution_low": [5.0, 5.0],
            "contribution_high": [20.0, 19.0],
            "roi": [1.2, 1.1],
            "roi_low": [0.5, 0.5],
            "roi_high": [2.0, 1.9],
            "mroi": [1.0, 1.0],
        }
    )


def test_manifest_json_roundtrip_keeps_actions(tmp_path):
    root = _run_dir(
        tmp_path,
        [fd("warning", "mta.single_channel", "tv: the only channel", "add the other channels")],
    )
    assert json.loads((root / "run.json").read_text())["findings"][0]["action"]
    run = load_run(root)
    assert run.findings[0]["action"] == "add the other channels"


def test_one_flag_per_code_with_its_actions_and_the_numbers_first():
    """Two channels of one code share one flag (their actions joined); among warnings, the
    findings about the model's numbers come before those about the inputs."""
    flags = finding_flags(
        [
            fd("warning", "inputs.not_in_panel", "call_centre: not in the panel", "map it"),
            fd("warning", "mmm.navigational", "brand: 73% within hours", "test brand"),
            fd("warning", "mmm.navigational", "store: 81% within hours", "test store"),
        ]
    )
    assert flags == [
        (
            "warning",
            W.FINDING_LEADS["mmm.navigational"] + " Concerns: brand, store. "
            "Action: test brand; test store.",
        ),
        ("warning", "call_centre: not in the panel. Action: map it."),
    ]


def test_appendix_names_channels_by_display_name_in_actions_too(tmp_path):
    findings = [fd("warning", "mmm.navigational", "tv: 80% within hours", "run a test on tv")]
    appx = next(
        s
        for s in build_report(load_run(_run_dir(tmp_path, findings))).sections
        if s.id == "appendix"
    )
    row = next(b for b in appx.blocks if b.kind == "table" and b.id == "findings").rows[0]
    assert row[2:] == ("TV: 80% within hours", "run a test on TV")
