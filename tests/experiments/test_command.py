"""``attribution design-test`` end to end: outputs, and one clear line for bad input."""

from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest

from attribution import rundir
from attribution.cli import main
from attribution.mmm.io import save

from .toy import toy_model


def cli(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    nat, _, _ = toy_model(draws=30, seed=4)
    geo, _, _ = toy_model(n_geos=5, draws=30, seed=5)
    save(nat, root / "nat" / "mmm")
    save(geo, root / "geo" / "mmm")
    return root


def test_design_test_writes_plan_power_and_design(models, tmp_path):
    code, out, err = cli(
        "design-test",
        "--model",
        models / "geo",
        "--channel",
        "b",
        "--weeks",
        "4",
        "--share",
        "0.4",
        "--out",
        tmp_path,
    )
    assert code == 0, err
    assert "treatment geos" in out and "minimum detectable lift" in out
    design = pd.read_csv(tmp_path / rundir.TEST_DESIGN_CSV)
    plan = pd.read_csv(tmp_path / rundir.TEST_PLAN_CSV)
    power = pd.read_csv(tmp_path / rundir.POWER_CSV)
    treated = design["treated_geos"][0].split()
    assert set(plan.loc[plan["group"] == "treatment", "geo"]) == set(treated)
    assert len(plan) == 4 * 5 and len(power) > 4
    assert design["mde"][0] == pytest.approx(2.801585 * design["se"][0], rel=1e-5)


def test_user_chosen_geos_are_used(models, tmp_path):
    code, _, err = cli(
        "design-test",
        "--model",
        models / "geo",
        "--channel",
        "a",
        "--weeks",
        "3",
        "--geos",
        "g0,g3",
        "--out",
        tmp_path,
    )
    assert code == 0, err
    design = pd.read_csv(tmp_path / rundir.TEST_DESIGN_CSV)
    assert design["treated_geos"][0] == "g0 g3"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--channel", "radio", "--weeks", "4"), "channel 'radio' is not in the model"),
        (("--channel", "a", "--weeks", "4", "--share", "1.2"), "between 0 and 1"),
        (("--channel", "a", "--weeks", "4", "--share", "0"), "between 0 and 1"),
        (("--channel", "a", "--weeks", "400"), "longer than the 80 weeks"),
        (("--channel", "a", "--weeks", "4", "--geos", "g1"), "needs a geo panel"),
        (("--channel", "a", "--weeks", "4", "--design", "budget-change"), "budget change"),
        (("--channel", "a", "--weeks", "0"), "whole number of weeks"),
    ],
)
def test_bad_input_one_clear_line(models, args, says):
    code, _, err = cli("design-test", "--model", models / "nat", *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in err


def test_unknown_geo_and_all_geos_treated(models):
    code, _, err = cli(
        "design-test",
        "--model",
        models / "geo",
        "--channel",
        "a",
        "--weeks",
        "4",
        "--geos",
        "g0,nowhere",
    )
    assert code == 2 and "nowhere" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(
        "design-test",
        "--model",
        models / "geo",
        "--channel",
        "a",
        "--weeks",
        "4",
        "--geos",
        "g0,g1,g2,g3,g4",
    )
    assert code == 2 and "none is left as control" in err


def test_missing_model_is_a_usage_error(tmp_path):
    code, _, err = cli(
        "design-test", "--model", tmp_path / "none", "--channel", "a", "--weeks", "4"
    )
    assert code == 2 and "no fitted media-mix model" in err


def test_budget_change_design_prints_the_lift_tests_row(models, tmp_path):
    code, out, err = cli(
        "design-test",
        "--model",
        models / "nat",
        "--channel",
        "b",
        "--weeks",
        "4",
        "--design",
        "budget-change",
        "--change",
        "-0.3",
        "--share",
        "0.4",
    )
    assert code == 0, err
    design_row = out.strip().splitlines()[-2:]
    assert design_row[0] == "channel,start,end,lift,lift_se,metric,spend_change"
    assert design_row[1].startswith("b,") and design_row[1].endswith(",<lift>,<lift_se>,sales,-0.3")
    assert "divided by 0.4" in out
