"""The estimator front: settings in, frozen results out, every model consistent."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from attribution.errors import UsageError
from attribution.mta import MODELS, PathAttribution, PathTable, attribute
from attribution.mta.model import NON_NEGATIVE

COLUMNS = [
    "model",
    "channel",
    "conversions",
    "value",
    "ci_low",
    "ci_high",
    "value_ci_low",
    "value_ci_high",
    "basis",
]


@pytest.fixture(scope="module")
def table() -> PathTable:
    rng = np.random.default_rng(4)
    names = ["search", "social", "email", "direct", "display"]
    paths = [tuple(names[j] for j in rng.integers(0, 5, rng.integers(1, 6))) for _ in range(400)]
    conv = rng.poisson(1.5, 400).astype(float)
    return PathTable.from_paths(
        paths, conv, conv * rng.uniform(10, 90, 400), rng.poisson(6.0, 400).astype(float)
    )


@pytest.fixture(scope="module")
def results(table: PathTable):
    return PathAttribution(models=MODELS, order="auto", max_order=3, bootstrap=40, seed=3).fit(
        table
    )


def test_every_model_sums_to_totals(table: PathTable, results) -> None:
    frame = results.to_frame()
    assert list(frame.columns) == COLUMNS
    assert set(frame["model"]) == set(MODELS)
    sums = frame.groupby("model")[["conversions", "value"]].sum()
    np.testing.assert_allclose(sums["conversions"], table.conversions.sum(), rtol=1e-9)
    np.testing.assert_allclose(sums["value"], table.value.sum(), rtol=1e-9)
    guaranteed = frame[frame["model"].isin(NON_NEGATIVE)]
    assert (guaranteed["conversions"] >= -1e-12).all()
    assert frame[["ci_low", "ci_high", "value_ci_low", "value_ci_high"]].notna().all().all()


def test_tables_and_order(results) -> None:
    assert results.order in (1, 2, 3)
    comp = results.tables["order_comparison"]
    assert comp.loc[comp["chosen"], "order"].item() == results.order
    assert {"transition_matrix", "removal_effects"} <= set(results.tables)
    jc = results.journey_credit()
    assert jc["conversions"].sum() == pytest.approx(results.total_conversions)


def test_results_are_frozen_and_fit_does_not_mutate(table: PathTable) -> None:
    est = PathAttribution(models=("linear", "markov"), order=1)
    a, b = est.fit(table), est.fit(table)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.order = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.credits["x"] = a.credits["linear"]  # type: ignore[index]
    with pytest.raises(ValueError):
        a["linear"].conversions[0] = 1.0
    assert est.models == ("linear", "markov")


def test_fixed_order_matches_direct_fit(table: PathTable) -> None:
    from attribution.mta.markov import fit_markov

    res = attribute(table, ["markov"], order=2)
    np.testing.assert_allclose(res["markov"].conversions, fit_markov(table, 2).credit.conversions)
    assert res.order == 2 and "order_comparison" not in res.tables


def test_summary_and_html(results) -> None:
    text = results.summary()
    assert "Markov order" in text and "search" in text and "Bootstrap: 40" in text
    html = results._repr_html_()
    assert html.startswith("<div>") and "<table" in html and "shapley_rate" in html
    wide = results.wide()
    assert wide.shape == (5, len(MODELS))


@pytest.mark.parametrize(
    "bad",
    [
        {"models": ("nope",)},
        {"models": ()},
        {"order": 0},
        {"order": "two"},
        {"bootstrap": -1},
        {"ci": 1.5},
        {"resample": "jackknife"},
        {"max_order": 0},
    ],
)
def test_bad_settings_raise_usage_error(bad: dict) -> None:
    with pytest.raises(UsageError):
        PathAttribution(**bad)


def test_settings_are_copied_not_shared() -> None:
    est = PathAttribution(models=("linear", "linear", "last"))
    assert est.models == ("linear", "last")
    assert est.with_settings(bootstrap=10).bootstrap == 10 and est.bootstrap == 0
