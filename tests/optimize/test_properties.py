"""Property tests: for any bounds, either a clear infeasibility error or a plan within them."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution.errors import UsageError
from attribution.optimize import BudgetOptimizer, ChannelBounds

from .conftest import hill_model

MODEL = hill_model(n_draws=30, shape=1.3)
CH = MODEL.channels

bound = st.builds(
    ChannelBounds,
    min=st.none() | st.floats(0, 150),
    max=st.none() | st.floats(0, 300),
    min_pct=st.none() | st.floats(-100, 20),
    max_pct=st.none() | st.floats(-50, 200),
    locked=st.booleans(),
)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    bounds=st.fixed_dictionaries({c: bound for c in CH}),
    budget=st.floats(10, 400),
    profit=st.booleans(),
)
def test_plan_within_bounds_or_clear_error(bounds, budget, profit) -> None:
    opt = BudgetOptimizer(objective="profit", margin=2.0) if profit else BudgetOptimizer()
    cur = MODEL.current_spend
    lo = np.zeros(3)
    hi = np.full(3, np.inf)
    for i, c in enumerate(CH):
        b = bounds[c]
        if b.locked:
            lo[i] = hi[i] = cur[i]
            continue
        lo[i] = max(
            0.0, b.min or 0.0, cur[i] * (1 + b.min_pct / 100) if b.min_pct is not None else 0.0
        )
        hi[i] = min(
            np.inf if b.max is None else b.max,
            np.inf if b.max_pct is None else cur[i] * (1 + b.max_pct / 100),
        )
    feasible = (
        np.all(lo <= hi + 1e-9)
        and lo.sum() <= budget + 1e-6
        and (profit or hi.sum() >= budget - 1e-6)
    )
    try:
        res = opt.fit(MODEL, budget, bounds)
    except UsageError as exc:
        assert not feasible, str(exc)
        assert "\n" not in str(exc)
        return
    assert feasible
    r = res.recommended_spend
    tol = 1e-7 * budget
    assert np.all(r >= lo - tol) and np.all(r <= hi + tol)
    assert r.sum() <= budget + tol
    if not profit:
        assert abs(r.sum() - budget) <= tol
    assert 0.0 <= res.prob_beats_current <= 1.0
