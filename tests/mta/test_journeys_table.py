"""Per-journey input: real-time decay by hand, every other model identical to the path table,
journey bootstrap (seeded, contains the estimate, resamples journeys within a path)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.errors import InputError, UsageError
from attribution.mta import MODELS, JourneyTable, PathAttribution, PathTable
from attribution.mta.journeys_table import time_decay_replicator

DAY = 24.0


def frame(rows: list[tuple[str, int, float, list[float]]]) -> pd.DataFrame:
    """Per-journey table from (path, converted, value, step ages in hours) tuples."""
    return pd.DataFrame(
        {
            "path": [r[0] for r in rows],
            "converted": [r[1] for r in rows],
            "value": [r[2] for r in rows],
            "step_ages": [r[3] for r in rows],
        }
    )


def random_journeys(seed: int, n: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = np.array(["search", "social", "email", "direct", "display"])
    rows = []
    for _ in range(n):
        k = int(rng.integers(1, 5))
        path = " > ".join(names[rng.integers(0, 5, k)])
        ages = np.sort(rng.exponential(5 * DAY, k))[::-1]
        ages[-1] = 0.0 if rng.random() < 0.5 else ages[-1]
        conv = int(rng.random() < 0.3)
        rows.append((path, conv, round(float(rng.gamma(2, 20)), 2) * conv, list(ages)))
    rows.append(("(none)", 1, 12.5, []))
    return frame(rows)


def aggregated(f: pd.DataFrame) -> PathTable:
    g = (
        f.groupby("path", sort=False)
        .agg(
            total_conversions=("converted", "sum"),
            total_conversion_value=("value", "sum"),
            total=("converted", "size"),
        )
        .reset_index()
    )
    g["total_null"] = g["total"] - g["total_conversions"]
    return PathTable.from_frame(g)


def test_time_decay_by_hand_with_two_journeys_on_one_path() -> None:
    jt = JourneyTable.from_frame(
        frame(
            [
                ("email > search", 1, 30.0, [7 * DAY, 0.0]),  # 1/3, 2/3
                ("email > search", 1, 60.0, [14 * DAY, 7 * DAY]),  # same 1/3, 2/3 (shift)
                ("email > search", 1, 9.0, [0.0, 0.0]),  # 1/2, 1/2
                ("search", 0, 0.0, [3.0]),  # no credit
            ]
        )
    )
    assert jt.paths.n_paths == 2 and jt.n_converting == 3
    res = PathAttribution(models=("time_decay", "linear"), half_life="7D").fit(jt)
    td = res["time_decay"]
    np.testing.assert_allclose(td.conversions, [1 / 3 + 1 / 3 + 1 / 2, 2 / 3 + 2 / 3 + 1 / 2])
    np.testing.assert_allclose(td.value, [10 + 20 + 4.5, 20 + 40 + 4.5])
    np.testing.assert_allclose(res["linear"].conversions, [1.5, 1.5])
    frame_out = res.to_frame().set_index("model")["basis"]
    assert set(frame_out["time_decay"]) == {"touch times, half-life 7 days"}
    assert set(frame_out["linear"]) == {""}
    codes = [f.code for f in res.findings]
    assert codes[-1] == "mta.time_decay_basis"  # after the stress checks of a 3-conversion table
    assert "mta.few_conversions" in codes
    # half-life 3.5 days: the 7-day-old touch weighs 1/4 -> 1/5, 4/5
    half = PathAttribution(models=("time_decay",), half_life="84h").fit(jt)["time_decay"]
    np.testing.assert_allclose(half.conversions, [0.2 + 0.2 + 0.5, 0.8 + 0.8 + 0.5])


def test_no_touch_conversion_is_one_pseudo_step() -> None:
    jt = JourneyTable.from_frame(frame([("(none)", 1, 5.0, []), ("a", 1, 1.0, [2.0])]))
    c = jt.time_decay(DAY)
    assert c.channels == ("(none)", "a")
    np.testing.assert_allclose(c.conversions, [1.0, 1.0])
    np.testing.assert_allclose(c.value, [5.0, 1.0])


def test_steps_half_life_on_journeys_uses_positions() -> None:
    jt = JourneyTable.from_frame(frame([("a > b", 1, 0.0, [100 * DAY, 0.0])]))
    res = PathAttribution(models=("time_decay",), half_life=1).fit(jt)
    np.testing.assert_allclose(res["time_decay"].conversions, [1 / 3, 2 / 3])
    assert res.notes["time_decay"] == "path steps, half-life 1 step"


def test_other_models_identical_to_the_path_table() -> None:
    f = random_journeys(5)
    jt = JourneyTable.from_frame(f)
    pt = aggregated(f)
    models = tuple(m for m in MODELS if m != "time_decay")
    est = PathAttribution(models=models, order=2, bootstrap=30, seed=11)
    a, b = est.fit(jt), est.fit(pt)
    for m in models:
        assert a[m].channels == b[m].channels
        np.testing.assert_allclose(a[m].conversions, b[m].conversions, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(a[m].value, b[m].value, rtol=1e-9, atol=1e-9)
        # the same journeys are resampled: identical intervals
        np.testing.assert_allclose(a[m].conversions_ci, b[m].conversions_ci, rtol=1e-9, atol=1e-9)
    # time_decay in the mix changes nothing for the others
    with_td = PathAttribution(models=("time_decay", *models), order=2, bootstrap=30, seed=11).fit(
        jt
    )
    np.testing.assert_allclose(with_td["markov"].conversions_ci, a["markov"].conversions_ci)


def test_bootstrap_contains_estimate_is_seeded_and_sums_to_draws() -> None:
    jt = JourneyTable.from_frame(random_journeys(2))
    est = PathAttribution(models=("time_decay",), half_life="3D", bootstrap=200, seed=4)
    a, b = est.fit(jt)["time_decay"], est.fit(jt)["time_decay"]
    np.testing.assert_array_equal(a.conversions_ci, b.conversions_ci)
    lo, hi = a.conversions_ci[:, 0], a.conversions_ci[:, 1]
    assert (lo <= a.conversions + 1e-9).all() and (a.conversions <= hi + 1e-9).all()
    assert (hi > lo).all()
    vlo, vhi = a.value_ci[:, 0], a.value_ci[:, 1]
    assert (vlo <= a.value + 1e-9).all() and (a.value <= vhi + 1e-9).all()
    other = PathAttribution(models=("time_decay",), half_life="3D", bootstrap=200, seed=5).fit(jt)[
        "time_decay"
    ]
    assert not np.array_equal(other.conversions_ci, a.conversions_ci)
    # a replicate's credit sums to the converting journeys it drew, value to their value
    rep = time_decay_replicator(jt, 72.0, seed=1)
    conv = np.zeros((jt.paths.n_paths, 1))
    conv[jt.path_row[0], 0] = 3
    out = rep(conv, np.zeros_like(conv), np.zeros_like(conv))
    assert out[0, :, 0].sum() == pytest.approx(3.0)
    first = np.flatnonzero(jt.path_row == jt.path_row[0])
    assert out[0, :, 1].sum() <= 3 * jt.value[first].max() + 1e-9


def test_bootstrap_resamples_journeys_within_a_path() -> None:
    """100 journeys on one path: 50 with equal ages (1/2, 1/2), 50 where 'a' is 10 half-lives
    old (a gets 1/1025). Path counts never vary, but the journey mix does: credit of a is
    0.5 * K + (100 - K) / 1025 with K ~ Binomial(100, 1/2), sd = 5 * (0.5 - 1/1025)."""
    rows = [("a > b", 1, 0.0, [0.0, 0.0])] * 50 + [("a > b", 1, 0.0, [70 * DAY, 0.0])] * 50
    jt = JourneyTable.from_frame(frame(rows))
    res = PathAttribution(
        models=("time_decay", "linear"), half_life="7D", bootstrap=2000, seed=3
    ).fit(jt)
    td = res["time_decay"]
    assert td.conversions[0] == pytest.approx(25 + 50 / 1025)
    width = td.conversions_ci[0, 1] - td.conversions_ci[0, 0]
    sd = 5 * (0.5 - 1 / 1025)
    assert width == pytest.approx(2 * 1.645 * sd, rel=0.15)
    lin = res["linear"].conversions_ci
    np.testing.assert_allclose(lin[:, 1] - lin[:, 0], 0.0)  # one path: nothing to resample


def test_duration_half_life_needs_touch_times() -> None:
    pt = PathTable.from_paths([("a", "b")], [1.0])
    with pytest.raises(UsageError, match="needs touch times"):
        PathAttribution(models=("time_decay",), half_life="7D").fit(pt)
    # without time_decay the duration is never used
    PathAttribution(models=("linear",), half_life="7D").fit(pt)
    res = PathAttribution(models=("time_decay",)).fit(pt)
    assert res.notes["time_decay"] == "path steps, half-life 1 step"
    assert any("no touch times" in f.message for f in res.findings)
    with pytest.raises(UsageError, match="half-life"):
        PathAttribution(half_life="soon")


def test_csv_and_parquet_round_trip(tmp_path: Path) -> None:
    f = random_journeys(9, n=200)
    f.to_parquet(tmp_path / "j.parquet")
    text = f.assign(step_ages=[";".join(repr(float(a)) for a in x) for x in f["step_ages"]])
    text.to_csv(tmp_path / "j.csv", index=False)
    direct = JourneyTable.from_frame(f)
    for src in ("j.parquet", "j.csv"):
        jt = JourneyTable.read(tmp_path / src)
        np.testing.assert_array_equal(jt.ages, direct.ages)
        np.testing.assert_array_equal(jt.steps, direct.steps)
        np.testing.assert_array_equal(jt.path_row, direct.path_row)
        np.testing.assert_array_equal(jt.value, direct.value)
        assert jt.channels == direct.channels


@pytest.mark.parametrize(
    ("rows", "row", "column"),
    [
        ([("a > b", 1, 1.0, [1.0, 0.0]), ("a > b", 1, 1.0, [1.0])], 3, "step_ages"),
        ([("a", 1, 1.0, [1.0]), ("a", 2, 1.0, [1.0])], 3, "converted"),
        ([("a", 1, -1.0, [1.0])], 2, "value"),
        ([("a", 0, 0.0, [0.0]), ("a > b", 1, 1.0, [-1.0, 0.0])], 3, "step_ages"),
        ([("a", 1, 1.0, [])], 2, "step_ages"),
    ],
)
def test_bad_rows_name_row_and_column(rows: list, row: int, column: str) -> None:
    with pytest.raises(InputError) as err:
        JourneyTable.from_frame(frame(rows), source="j.csv")
    assert (err.value.row, err.value.column) == (row, column)
    assert len(str(err.value).splitlines()) == 1


def test_missing_file_and_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        JourneyTable.read(tmp_path / "none.parquet")
    pd.DataFrame({"path": ["a"], "converted": [1], "value": [1.0]}).to_csv(
        tmp_path / "old.csv", index=False
    )
    with pytest.raises(InputError) as err:
        JourneyTable.read(tmp_path / "old.csv")
    assert err.value.column == "step_ages"
    (tmp_path / "bad.csv").write_text("path,converted,value,step_ages\na,1,1,x\n")
    with pytest.raises(InputError) as err:
        JourneyTable.read(tmp_path / "bad.csv")
    assert (err.value.row, err.value.column) == (2, "step_ages")
