"""End to end: stress cases reach run.json and the report, each with its action.

(a) a path table where one channel never converts (and its name is markup);
(b) a media-mix model sampled far too briefly (20 draws) on a panel with a dead channel.
Both runs are small: (a) has no MMM; (b) has 2 channels x 60 weeks and 2 x 20 draws.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape

from attribution.io import write_csv
from attribution.mmm.synthetic import simulate_panel
from attribution.pipeline.config import config_from_dict
from attribution.pipeline.runner import run_pipeline

GHOST = "<ghost & co"  # markup-like; path tables split on ">", so none here


def _run(tmp: Path, inputs: dict, **sections) -> tuple[dict, str]:
    raw = {
        "run": {"name": "stress", "out": "run", "seed": 3},
        "inputs": inputs,
        "report": {"formats": ["html"]},
        **sections,
    }
    out = run_pipeline(config_from_dict(raw, base=tmp))
    return (
        json.loads((out / "run.json").read_text(encoding="utf-8")),
        (out / "report.html").read_text(encoding="utf-8"),
    )


def _esc(text: str) -> str:
    """Text as the report's templates escape it (Jinja2 autoescape)."""
    return str(escape(text))


def _by_code(manifest: dict) -> dict[str, dict]:
    return {f["code"]: f for f in manifest["findings"]}


def _visible(doc: str) -> str:
    """The report's text outside inline SVG, entities kept (so escaping can be checked)."""
    return re.sub(r"<svg.*?</svg>", "", doc, flags=re.S)


@pytest.fixture(scope="module")
def never_converts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("never")
    paths = pd.DataFrame(
        {
            "path": [
                "search",
                "search > email",
                "email",
                f"{GHOST}",
                f"{GHOST} > {GHOST}",
                f"display > {GHOST}",
            ],
            "total_conversions": [120, 60, 40, 0, 0, 0],
            "total_conversion_value": [6000.0, 3000.0, 2000.0, 0, 0, 0],
            "total_null": [300, 100, 200, 150, 50, 80],
        }
    )
    write_csv(tmp / "paths.csv", paths)
    return _run(
        tmp,
        {"paths": "paths.csv"},
        mta={
            "models": ["first", "last", "linear", "markov", "shapley"],
            "order": 1,
            "bootstrap": 0,
        },
    )


def test_never_converting_channel_is_in_the_manifest_with_its_action(never_converts):
    manifest, _ = never_converts
    f = _by_code(manifest)["mta.never_converts"]
    assert f["level"] == "warning" and f["stage"] == "mta"
    # display only ever precedes the ghost: it never converts either (journeys counted once)
    assert f["message"].startswith(
        f"{GHOST}, display: appear only in journeys that did not convert (280 journeys)"
    )
    assert "is not chance for" in f["message"]
    assert "tracking gap" in f["action"] and "non-performer" in f["action"]
    assert "mta.never_converts" in manifest["findings_summary"]["attention"]
    assert manifest["findings_summary"]["warning"] >= 1


def test_never_converting_channel_is_in_the_report_escaped(never_converts):
    manifest, doc = never_converts
    f = _by_code(manifest)["mta.never_converts"]
    text = _visible(doc)
    assert "<ghost" not in doc  # never as live markup
    lead = "Channels that never appear before a sale in the tracked journeys get no credit."
    flags = re.search(r'<div class="flags">(.*?)</div>', text, flags=re.S).group(1)
    assert lead in flags
    # what to watch: the detail, with channel ids shown by their display names on page 1
    # ("display" reads "Display"; "<ghost & co" is not an identifier, so it stays verbatim)
    shown = f["message"].replace(", display", ", Display")
    assert shown != f["message"] and "display:" not in flags
    assert _esc(shown) in flags
    assert _esc("Action: " + f["action"]) in flags  # ... and its action
    appendix = text[text.index('id="table-findings"') :]
    assert _esc(f["action"]) in appendix.split("</table>")[0]


def test_markov_credit_of_the_ghost_channel_is_explained(never_converts):
    """Every model gives both idle channels exactly 0, as the finding says."""
    manifest, _ = never_converts
    mta = pd.read_csv(Path(manifest["config"]["run"]["out"]) / "mta.csv")
    idle = mta[mta["channel"].isin([GHOST, "display"])]
    assert len(idle) == 10 and (idle["conversions"].abs() < 1e-9).all()
    assert (
        "every method credits them with 0" in _by_code(manifest)["mta.never_converts"]["message"]
    )  # display and the ghost, both idle


@pytest.fixture(scope="module")
def poor_sampler(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("poor")
    panel, _ = simulate_panel(60, 2, seed=4, zero_channel=True)
    write_csv(tmp / "media.csv", panel)
    return _run(tmp, {"media": "media.csv"}, mmm={"draws": 20, "tune": 20, "chains": 2})


def test_poor_convergence_reaches_manifest_and_report(poor_sampler):
    manifest, doc = poor_sampler
    found = _by_code(manifest)
    assert {"mmm.rhat", "mmm.ess", "mmm.channel_no_spend"} <= set(found)
    assert found["mmm.ess"]["level"] == "error"  # 2 x 20 draws: ESS < 100
    assert manifest["findings_summary"]["error"] >= 1
    text = _visible(doc)
    flags = re.search(r'<div class="flags">(.*?)</div>', text, flags=re.S).group(1)
    for code in ("mmm.rhat", "mmm.ess", "mmm.channel_no_spend"):
        f = found[code]
        assert _esc(f["action"]) in flags, code
        assert _esc(f["message"].rstrip(".")) in flags, code
    assert "The media-mix model has not converged" in flags
    # errors come first in what to watch
    levels = re.findall(r'class="flag flag-(\w+)"', flags)
    assert levels == sorted(levels, key=lambda v: {"error": 0, "warning": 1}[v])
    assert levels[0] == "error"


def test_manifest_keeps_each_finding_once_and_summarises_levels(tmp_path):
    from attribution.findings import Finding
    from attribution.pipeline.manifest import Manifest

    m = Manifest(run_dir=tmp_path)
    w = Finding("warning", "mta.single_channel", "tv: the only channel", "add channels", "mta")
    m.add_findings([w, Finding("info", "x.i", "note")], stage="mta")
    m.add_findings([w, Finding("error", "mmm.ess", "ESS 5", "draw more")], stage="mmm")
    d = json.loads(m.write().read_text())
    assert [f["code"] for f in d["findings"]] == ["mta.single_channel", "x.i", "mmm.ess"]
    assert d["findings"][1]["stage"] == "mta"
    assert d["findings_summary"] == {
        "error": 1,
        "warning": 1,
        "info": 1,
        "attention": ["mmm.ess", "mta.single_channel"],
    }
