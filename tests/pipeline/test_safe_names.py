"""Names taken from data never become paths, markup or spreadsheet formulas (issue #7).

A tiny world whose channel, campaign and geo names are path tricks ("../../evil",
an absolute path, "a\\b", "CON"), a spreadsheet formula and a script tag runs the
whole pipeline (journeys at campaign level -> path attribution -> MMM -> combine ->
optimise -> HTML report). Afterwards: no file exists outside the run directory
(a sentinel parent stays as it was, the absolute name was never created), the
report shows the names only escaped, and every CSV cell starting with a formula
character is quoted.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.errors import UsageError
from attribution.io import safe_child, write_text
from attribution.mmm.synthetic import simulate_panel
from attribution.pipeline.config import config_from_dict
from attribution.pipeline.runner import run_pipeline

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","click")'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _names(abs_evil: str) -> dict[str, list[str]]:
    return {
        "channel": ["../../evil", abs_evil, "a\\b", "CON", FORMULA, SCRIPT],
        "campaign": ["../../../camp", "/etc/passwd", "NUL", "@SUM(1+1)", "<b>c</b>", "x\\..\\y"],
        "geo": ["../../geo", SCRIPT],
    }


def _touch_world(names: dict[str, list[str]], seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """300 customers, 1-4 touches each; channel k converts with probability ~ (k+1)/10."""
    rng = np.random.default_rng(seed)
    chans, camps = names["channel"], names["campaign"]
    t0 = pd.Timestamp("2025-01-06")
    touches, convs = [], []
    for cid in range(300):
        n = int(rng.integers(1, 5))
        ks = rng.integers(0, len(chans), n)
        ts = t0 + pd.to_timedelta(np.sort(rng.uniform(0, 200, n)), unit="D")
        for k, t in zip(ks, ts, strict=True):
            touches.append((f"c{cid}", t, chans[k], camps[int(rng.integers(0, len(camps)))]))
        if rng.uniform() < 0.15 + 0.1 * (ks.max() / len(chans)):
            convs.append((f"c{cid}", ts[-1] + pd.Timedelta(hours=2), float(rng.integers(20, 90))))
    tp = pd.DataFrame(touches, columns=["customer_id", "timestamp", "channel", "campaign"])
    cv = pd.DataFrame(convs, columns=["customer_id", "timestamp", "value"])
    for df in (tp, cv):
        df["timestamp"] = df["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return tp, cv


def _media(names: dict[str, list[str]]) -> pd.DataFrame:
    """2 geos x 40 weeks, 3 paid channels named after the evil channel names."""
    panel, _ = simulate_panel(40, 3, n_geos=2, seed=2)
    # the same weeks as the journeys (inputs whose dates do not overlap stop the run early)
    dates = pd.to_datetime(panel["date"])
    panel["date"] = dates + (pd.Timestamp("2025-01-06") - dates.min())
    geos = dict(zip(sorted(panel["geo"].unique()), names["geo"], strict=True))
    panel["geo"] = panel["geo"].map(geos)
    rename = {
        f"spend_ch{i + 1}": f"spend_{n}"
        for i, n in enumerate([names["channel"][0], names["channel"][4], names["channel"][5]])
    }
    return panel.rename(columns=rename)


@pytest.fixture(scope="module")
def evil_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("safe")
    abs_evil = str(root / "ABSOLUTE_EVIL")  # an absolute path as a channel name
    names = _names(abs_evil)
    inputs = root / "inputs"
    tp, cv = _touch_world(names)
    inputs.mkdir()
    for name, df in (("touchpoints", tp), ("conversions", cv), ("media", _media(names))):
        df.to_csv(inputs / f"{name}.csv", index=False)  # raw: formulas as a user's file has them
    write_text(inputs / "mmm.toml", '[model]\ngeo = "geo"\nfourier_modes = 1\n')
    sentinel = root / "parent"  # the run dir's parent: must stay as is
    sentinel.mkdir()
    (sentinel / "keep.txt").write_text("sentinel")
    before = _tree(root)
    raw = {
        "run": {"name": "evil", "out": "parent/deep/run", "seed": 5},
        "inputs": {
            "touchpoints": "inputs/touchpoints.csv",
            "conversions": "inputs/conversions.csv",
            "media": "inputs/media.csv",
        },
        "journeys": {"granularity": "campaign"},
        "mta": {
            "models": ["first", "last", "linear", "markov", "shapley"],
            "order": 1,
            "bootstrap": 5,
        },
        "mmm": {"spec": "inputs/mmm.toml", "draws": 30, "tune": 60, "chains": 2},
        # the short fit is not for decisions: plan anyway, so the names reach the plan too
        "optimize": {"allow_unconverged": True},
        "report": {"formats": ["html"]},
    }
    out = run_pipeline(config_from_dict(raw, base=root))
    return {"root": root, "out": out, "names": names, "abs": abs_evil, "before": before}


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_the_evil_names_reach_the_outputs(evil_run):
    """Guard: the names really flowed through every stage (else the test proves nothing)."""
    out = evil_run["out"]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] in ("ok", "not_for_decisions")  # finished, every stage
    assert {v["status"] for v in run["stages"].values()} == {"done"}
    mta = pd.read_csv(out / "mta.csv", keep_default_na=False)
    steps = set(mta["channel"])
    assert any(s.startswith("../../evil:") for s in steps)
    assert any(s.startswith(evil_run["abs"] + ":") for s in steps)
    assert any(s.startswith("CON:") for s in steps)
    assert any(s.endswith(":<b>c</b>") for s in steps)
    mmm = pd.read_csv(out / "mmm" / "channels.csv", keep_default_na=False)
    assert "../../evil" in set(mmm["channel"]) and SCRIPT in set(mmm["channel"])


def test_no_file_is_written_outside_the_run_directory(evil_run):
    root, out = evil_run["root"], evil_run["out"]
    after = _tree(root)
    run_rel = str(out.relative_to(root))
    new = {
        p for p in after - evil_run["before"] if not (p == run_rel or p.startswith(run_rel + "/"))
    }
    assert new <= {"parent/deep"}, new  # only the run dir's own parents
    assert sorted(p.name for p in (root / "parent").iterdir()) == ["deep", "keep.txt"]
    assert sorted(p.name for p in (root / "parent" / "deep").iterdir()) == ["run"]
    assert not Path(evil_run["abs"]).exists()
    for bad in ("evil", "camp", "geo"):  # what ../../ would have reached
        assert not (root / bad).exists() and not (root.parent / bad).exists()
    for p in out.rglob("*"):  # nothing inside is a link out
        assert not p.is_symlink() and p.resolve().is_relative_to(out.resolve())


def test_report_shows_names_only_escaped(evil_run):
    doc = (evil_run["out"] / "report.html").read_text(encoding="utf-8")
    assert "<script" not in doc and "<b>c</b>" not in doc
    visible = re.sub(r"<svg.*?</svg>", "", doc, flags=re.S)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in visible
    assert "&lt;b&gt;c&lt;/b&gt;" in visible
    svgs = "".join(re.findall(r"<svg.*?</svg>", doc, flags=re.S))
    assert "&lt;script&gt;" in svgs  # chart labels are text, escaped


def _formula_cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            c
            for row in csv.reader(fh)
            for c in row
            if c.startswith(FORMULA_STARTS) and not re.fullmatch(r"-[\d.eE+-]+|-inf", c)
        ]  # negative numbers stay numbers


def test_every_csv_neutralises_formula_cells(evil_run):
    out = evil_run["out"]
    tables = sorted(out.rglob("*.csv"))
    assert len(tables) >= 8
    for p in tables:
        assert _formula_cells(p) == [], p
    with (out / "mta.csv").open(newline="", encoding="utf-8") as fh:
        cells = {c for row in csv.reader(fh) for c in row}
    assert any(c.startswith("'" + FORMULA) for c in cells)  # quoted, not dropped
    assert any(c.endswith(":@SUM(1+1)") for c in cells)  # only a leading one counts
    assert any(
        c.startswith("'" + FORMULA)
        for c in pd.read_csv(out / "mmm" / "channels.csv", dtype=str)["channel"]
    )


@pytest.mark.parametrize("name", ["../../evil", "/tmp/x", "a/../../b", "..", "x/../../y"])
def test_safe_child_refuses_names_that_climb_out(tmp_path, name):
    with pytest.raises(UsageError, match="outside the output directory"):
        safe_child(tmp_path / "run", name)


@pytest.mark.parametrize("name", ["a\\b", "CON", SCRIPT.replace("/", "_"), FORMULA, "x/../y"])
def test_safe_child_keeps_odd_but_harmless_names_inside(tmp_path, name):
    base = tmp_path / "run"
    assert safe_child(base, name).is_relative_to(base.resolve())


def test_package_never_unpickles_or_evaluates_files():
    """No pickle, eval/exec or unsafe YAML anywhere in the package (DESIGN.md)."""
    import attribution

    pkg = Path(attribution.__file__).parent
    banned = re.compile(
        r"\bpickle\b|\bjoblib\b|read_pickle|allow_pickle\s*=\s*True|"
        r"(?<![\w.])eval\(|(?<![\w.])exec\(|yaml\.load\(|torch\.load\("
    )
    hits = [
        f"{p.relative_to(pkg)}:{i}"
        for p in sorted(pkg.rglob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if banned.search(line) and "No pickle" not in line
    ]
    assert hits == []
