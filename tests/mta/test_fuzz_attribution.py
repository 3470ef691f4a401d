"""Property-based tests of the path-table parser and every attribution model (issue #7).

For random path tables: every model's credit sums to the total conversions and value
(efficiency), heuristics, Markov and Shapley credit is non-negative, renaming the
channels renames the credit, and parsing either fails with ``InputError`` or keeps
every conversion. Bounded and derandomized, so CI is deterministic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attribution.data import validate_frame
from attribution.errors import InputError
from attribution.mta import PathAttribution, PathTable
from attribution.mta.model import NON_NEGATIVE
from attribution.mta.shapley import shapley_count

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NAMES = ("search", "email", "display", "social", "tv", "(none)")
ALL_MODELS = (
    "first",
    "last",
    "last_non_direct",
    "linear",
    "position",
    "time_decay",
    "markov",
    "shapley",
    "shapley_ordered",
)


@st.composite
def path_tables(draw: st.DrawFn, max_channels: int = 5) -> PathTable:
    """Random tables: 1-8 rows, paths of 1-6 steps over up to ``max_channels`` channels."""
    k = draw(st.integers(1, max_channels))
    names = draw(st.permutations(NAMES[:5]))[:k]
    n = draw(st.integers(1, 8))
    paths = [draw(st.lists(st.sampled_from(names), min_size=1, max_size=6)) for _ in range(n)]
    conv = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
    value = [c * draw(st.floats(0, 200, allow_nan=False)) for c in conv]
    nulls = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
    return PathTable.from_paths(
        paths, np.array(conv, float), np.array(value), np.array(nulls, float)
    )


def _check_efficiency(res, table: PathTable) -> None:
    total_c, total_v = float(table.conversions.sum()), float(table.value.sum())
    for model, cr in res.credits.items():
        assert cr.conversions.sum() == pytest.approx(total_c, rel=1e-9, abs=1e-9), model
        assert cr.value.sum() == pytest.approx(total_v, rel=1e-9, abs=1e-7), model
        assert np.isfinite(cr.conversions).all() and np.isfinite(cr.value).all(), model
        if model in NON_NEGATIVE:
            assert (cr.conversions >= -1e-9).all() and (cr.value >= -1e-7).all(), model


@FUZZ
@given(table=path_tables())
def test_every_model_is_efficient_and_non_negative(table: PathTable) -> None:
    res = PathAttribution(models=ALL_MODELS, order=1).fit(table)
    _check_efficiency(res, table)
    assert set(res.channels) <= set(table.channels)


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(table=path_tables())
def test_markov_auto_order_is_efficient(table: PathTable) -> None:
    res = PathAttribution(models=("markov",), order="auto", max_order=3).fit(table)
    _check_efficiency(res, table)


@FUZZ
@given(table=path_tables(), data=st.data())
def test_renaming_channels_renames_the_credit(table: PathTable, data: st.DataObject) -> None:
    new = data.draw(st.permutations(list(table.channels)))
    rename = dict(zip(table.channels, new, strict=True))
    frame = table.to_frame()
    renamed = frame.assign(
        path=[" > ".join(rename[c] for c in p.split(" > ")) for p in frame["path"]]
    )
    models = ("first", "last", "linear", "position", "markov", "shapley")
    a = PathAttribution(models=models, order=1).fit(table)
    b = PathAttribution(models=models, order=1).fit(PathTable.from_frame(renamed))
    for model in models:
        ca = a[model].to_frame().set_index("channel")
        cb = b[model].to_frame().set_index("channel")
        for ch in table.channels:
            assert cb.loc[rename[ch], "conversions"] == pytest.approx(
                ca.loc[ch, "conversions"], rel=1e-9, abs=1e-9
            ), model
            assert cb.loc[rename[ch], "value"] == pytest.approx(
                ca.loc[ch, "value"], rel=1e-9, abs=1e-7
            ), model


@FUZZ
@given(table=path_tables(max_channels=5))
def test_shapley_count_efficiency_and_symmetry(table: PathTable) -> None:
    cr = shapley_count(table)
    assert cr.conversions.sum() == pytest.approx(table.conversions.sum(), rel=1e-9, abs=1e-9)
    # a channel on no converting path gets nothing (null player)
    on_conv = {c for i in range(table.n_paths) if table.conversions[i] > 0 for c in table.path(i)}
    credit = dict(zip(cr.channels, cr.conversions, strict=True))
    for ch, v in credit.items():
        if ch not in on_conv:
            assert v == pytest.approx(0.0, abs=1e-9), ch


@FUZZ
@given(table=path_tables())
def test_single_channel_tables_give_it_everything(table: PathTable) -> None:
    only = table.channels[0]
    frame = table.to_frame().assign(
        path=lambda f: f["path"].map(lambda p: " > ".join(only for _ in p.split(" > ")))
    )
    one = PathTable.from_frame(frame)
    res = PathAttribution(models=ALL_MODELS, order=1).fit(one)
    for model, cr in res.credits.items():
        assert cr.channels == (only,), model
        assert cr.conversions[0] == pytest.approx(one.conversions.sum(), rel=1e-9, abs=1e-9)


# ---- the parser ----------------------------------------------------------------------

STEP = st.text(alphabet=st.sampled_from(list("ab >|\t,;\"'=-é\u00a0")), max_size=6)


@FUZZ
@given(
    paths=st.lists(st.lists(STEP, min_size=1, max_size=4).map(" > ".join), min_size=1, max_size=8),
    data=st.data(),
)
def test_path_parser_keeps_every_conversion_or_fails_clearly(
    paths: list[str], data: st.DataObject
) -> None:
    n = len(paths)
    conv = np.array(data.draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)), float)
    nulls = np.array(data.draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)), float)
    try:
        table = PathTable.from_strings(paths, conv, conv * 2.5, nulls)
    except InputError as exc:
        assert exc.reason == "empty_path" and exc.row is not None and 2 <= exc.row <= n + 1
        assert any(s.strip() == "" for p in paths for s in p.split(" > "))
        return
    assert table.conversions.sum() == conv.sum() and table.nulls.sum() == nulls.sum()
    assert table.value.sum() == pytest.approx(2.5 * conv.sum())
    want = {tuple(s.strip() for s in p.split(" > ")) for p in paths}
    assert {table.path(i) for i in range(table.n_paths)} == want
    # the DataFrame route agrees with the fast route
    other = PathTable.from_frame(
        pd.DataFrame(
            {
                "path": paths,
                "total_conversions": conv,
                "total_conversion_value": conv * 2.5,
                "total_null": nulls,
            }
        )
    )
    assert other.channels == table.channels
    assert np.array_equal(other.steps, table.steps)
    assert np.array_equal(other.conversions, table.conversions)


@FUZZ
@given(
    paths=st.lists(
        st.text(alphabet=st.sampled_from(list("ab >|")), min_size=0, max_size=10),
        min_size=1,
        max_size=8,
    ),
    sep=st.sampled_from([" > ", ">", "|"]),
    lenient=st.booleans(),
    data=st.data(),
)
def test_validated_path_tables_account_for_every_row(
    paths: list[str], sep: str, lenient: bool, data: st.DataObject
) -> None:
    n = len(paths)
    conv = data.draw(
        st.lists(
            st.integers(0, 9).map(str) | st.sampled_from(["-1", "x", "", "1e16", "nan"]),
            min_size=n,
            max_size=n,
        )
    )
    frame = pd.DataFrame({"path": paths, "total_conversions": conv}, dtype="str")
    try:
        loaded = validate_frame(frame, "paths", source="p.csv", sep=sep, lenient=lenient)
    except InputError as exc:
        assert not lenient or exc.reason in ("separator_in_channel",)
        assert exc.file == "p.csv" and "\n" not in str(exc)
        return
    acc = loaded.accounting
    assert acc.read == n == acc.used + acc.n_rejected
    # a path table is a count table: repeated paths are summed into their first row, and
    # the rows summed away are counted in the accounting's notes
    assert len(loaded.frame) == acc.used - acc.notes.get("duplicate_paths_summed", 0)
    assert loaded.frame["path"].is_unique
    bad_rows = {i + 2 for i, c in enumerate(conv) if c in ("-1", "x", "", "1e16", "nan")}
    assert not bad_rows & set(loaded.rows.tolist())  # a bad count is never used
    assert lenient or not bad_rows
    if acc.used:
        table = PathTable.from_strings(loaded.frame["path"], loaded.frame["total_conversions"])
        assert table.conversions.sum() == loaded.frame["total_conversions"].sum()


@pytest.mark.parametrize("big", [1e19, np.inf, -1.0])
def test_counts_beyond_1e15_are_refused_not_overflowed(big: float) -> None:
    # 1e19 used to overflow int64 in the Markov order holdout ("n < 0", an internal error)
    with pytest.raises(InputError) as info:
        PathTable.from_paths([("a", "b"), ("b",)], [big, 3.0])
    assert (info.value.row, info.value.column) == (2, "total_conversions")
    table = PathTable.from_paths([("a", "b"), ("b",)], [1e15, 3.0], nulls=[1e15, 1.0])
    res = PathAttribution(models=("markov", "shapley"), order="auto").fit(table)
    _check_efficiency(res, table)


@settings(
    max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(table=path_tables(max_channels=4))
def test_bootstrap_intervals_are_finite_and_ordered(table: PathTable) -> None:
    models = ("linear", "markov", "shapley")
    res = PathAttribution(models=models, order=1, bootstrap=20, seed=3).fit(table)
    _check_efficiency(res, table)
    for model in models:
        ci = res[model].conversions_ci
        assert ci is not None and np.isfinite(ci).all(), model
        assert (ci[:, 0] <= ci[:, 1] + 1e-9).all(), model
        # a resample draws as many journeys as observed: at most all of them convert
        most = table.conversions.sum() + table.nulls.sum()
        assert (ci >= -1e-9).all() and (ci <= most + 1e-6).all(), model
