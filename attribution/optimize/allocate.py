"""Budget allocation on posterior response curves.

Solver: SLSQP (scipy) on spend shares of the weekly budget, with analytic
gradients when the model offers them (finite differences otherwise, one batched
model call per gradient), vectorised over posterior draws. SLSQP is chosen over
a water-filling / KKT solver because Hill curves with shape > 1 are S-shaped, not
concave, so equal-marginal-return water-filling is not guaranteed to find the
optimum; SLSQP handles the linear budget constraint and the box bounds directly.
Several starts (current plan projected on the constraints, a greedy chunk-by-chunk
split that sees past S-curve thresholds, an even split, random splits) guard
against local optima, and the best point found, never worse than
any start and never worse than the current plan when that plan is feasible, is
returned.

Objectives (per posterior draw d, over the horizon):
``sales`` / ``conversions`` -> outcome_d; ``profit`` -> margin * outcome_d - spend.
The optimiser maximises the mean over draws, or, with ``risk_quantile=q``, the
q-quantile over draws (a risk-averse plan). ``sales``/``conversions`` spend the
whole budget; ``profit`` treats the budget as a cap and may spend less.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize

from attribution.errors import UsageError
from attribution.findings import Finding
from attribution.optimize.adapters import as_response_model
from attribution.optimize.bounds import Bounds, ChannelBounds, check_feasible, resolve_bounds
from attribution.optimize.horizon import HorizonOutcome, interval_stats, zero_low
from attribution.optimize.response import ResponseModel
from attribution.optimize.results import AllocationResult

log = logging.getLogger("attribution")

OBJECTIVES = ("sales", "conversions", "profit")


def project_to_budget(
    base: np.ndarray, lower: np.ndarray, upper: np.ndarray, total: float
) -> np.ndarray:
    """Scale ``base`` and clip to ``[lower, upper]`` so that it sums to ``total``.

    Finds ``a`` with ``sum(clip(a * base, lower, upper)) == total`` by bisection.
    Channels with a zero base stay at their lower bound unless the others cannot
    take the total (then every channel gets a small positive base).

    Example
    -------
    >>> project_to_budget(np.array([1.0, 1.0]), np.zeros(2), np.array([3.0, 10.0]), 8.0).tolist()
    [3.0, 5.0]
    """
    base = np.array(base, dtype=float)
    base = np.maximum(np.nan_to_num(base), 0.0)
    pos = base > 0
    if not pos.any() or upper[pos].sum() + lower[~pos].sum() < total:
        base[~pos] = 1e-6 * float(base[pos].mean()) if pos.any() else 1.0
    if total <= lower.sum():
        return lower.copy()
    if total >= upper.sum():
        return upper.copy()
    lo_a, hi_a = 0.0, 1.0
    while np.clip(hi_a * base, lower, upper).sum() < total:
        hi_a *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo_a + hi_a)
        if np.clip(mid * base, lower, upper).sum() < total:
            lo_a = mid
        else:
            hi_a = mid
    x = np.clip(hi_a * base, lower, upper)
    free = (x > lower) & (x < upper)
    if free.any():  # remove the last rounding error
        x[free] += (total - x.sum()) / free.sum()
    return np.clip(x, lower, upper)


def aggregate(
    values: np.ndarray, grads: np.ndarray, quantile: float | None
) -> tuple[float, np.ndarray]:
    """Mean (or linear-interpolated ``quantile``) over draws, with its gradient.

    Example
    -------
    >>> v, g = aggregate(np.array([1.0, 3.0]), np.array([[1.0], [3.0]]), None)
    >>> v, g.tolist()
    (2.0, [2.0])
    """
    if quantile is None:
        return float(values.mean()), grads.mean(axis=0)
    order = np.argsort(values, kind="stable")
    pos = quantile * (values.size - 1)
    k = int(np.floor(pos))
    f = pos - k
    k1 = min(k + 1, values.size - 1)
    i, j = order[k], order[k1]
    return float(values[i] * (1 - f) + values[j] * f), grads[i] * (1 - f) + grads[j] * f


@dataclass(frozen=True)
class BudgetOptimizer:
    """Recommend how to split a budget across channels.

    Parameters
    ----------
    objective : ``"sales"``, ``"conversions"`` (maximise the model's outcome) or
        ``"profit"`` (``margin * outcome - spend``; the budget is a cap).
    margin : profit per unit of outcome (required for ``profit``).
    risk_quantile : maximise this lower quantile of the posterior (e.g. 0.1)
        instead of the mean.
    horizon : planning horizon in weeks (default 1: budget, bounds and outcomes are per
        week); budget, bounds and expected outcomes are totals over it.
    carryover : ``"steady"`` (default) or ``"ramp"`` (finite horizon; see
        :mod:`attribution.optimize.horizon`).
    interval : width of the reported posterior intervals.
    n_starts : number of solver starts: the current plan, an even split, (from 3) a
        greedy split, then random splits.
    max_change_pct : keep every channel within +-this % of its current spend, unless
        the bounds give that channel its own min_pct/max_pct or lock it.
    seed : seed of the random starts.

    Example
    -------
    >>> from attribution.optimize.response import ParametricResponse
    >>> m = ParametricResponse(("a", "b"), np.array([5.0, 5.0]), beta=np.array([1.0, 3.0]),
    ...                        curve="log", params={"k": np.array([1.0, 1.0])})
    >>> res = BudgetOptimizer(horizon=1).fit(m, budget=10.0)
    >>> np.round(res.recommended_spend, 3).tolist()
    [2.0, 8.0]
    """

    objective: str = "sales"
    margin: float | None = None
    risk_quantile: float | None = None
    horizon: int = 1
    carryover: str = "steady"
    interval: float = 0.9
    n_starts: int = 6
    seed: int = 0
    max_change_pct: float | None = None
    tol: float = 1e-12
    max_iter: int = 500

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise UsageError(f"objective must be one of {OBJECTIVES}, got '{self.objective}'")
        if self.objective == "profit" and (self.margin is None or not self.margin > 0):
            raise UsageError(
                "the profit objective needs a positive --margin "
                "(profit per unit of outcome, e.g. 0.3)"
            )
        if self.margin is not None and not (np.isfinite(self.margin) and self.margin > 0):
            raise UsageError(f"the margin must be a positive number, got {self.margin}")
        if self.risk_quantile is not None and not 0.0 < self.risk_quantile < 1.0:
            raise UsageError(f"the risk quantile must be between 0 and 1, got {self.risk_quantile}")
        if not 0.0 < self.interval < 1.0:
            raise UsageError(f"the interval must be between 0 and 1, got {self.interval}")
        if int(self.horizon) < 1:
            raise UsageError(f"the planning horizon must be at least 1 week, got {self.horizon}")
        if self.max_change_pct is not None and not self.max_change_pct >= 0:
            raise UsageError(f"max_change_pct must be >= 0, got {self.max_change_pct}")

    # ------------------------------------------------------------------ public
    def fit(
        self,
        model: ResponseModel,
        budget: float,
        bounds: Bounds | None = None,
        start: np.ndarray | None = None,
    ) -> AllocationResult:
        """Optimise the split of ``budget`` (total over the horizon) for ``model``.

        Parameters: model (the :class:`ResponseModel` protocol); budget; bounds by
        channel (:class:`ChannelBounds`); start, an extra starting plan (weekly).
        Returns: :class:`AllocationResult`. Raises ``UsageError`` when infeasible.
        """
        model = as_response_model(model)
        channels = tuple(model.channels)
        h = int(self.horizon)
        ev = HorizonOutcome(model, h, self.carryover)
        cur_w = np.asarray(model.current_spend, dtype=float).reshape(len(channels))
        if np.any(~np.isfinite(cur_w)) or np.any(cur_w < 0):
            raise UsageError("the model's current spend must be finite and non-negative")
        budget = float(budget)
        lo, hi, locked = resolve_bounds(
            self._with_max_change(bounds, channels), channels, h * cur_w
        )
        spend_all = self.objective != "profit"
        check_feasible(channels, lo, hi, locked, budget, spend_all)
        bw = budget / h
        low, up = lo / h, np.minimum(hi / h, bw)
        up = np.maximum(up, low)

        best_w, converged = self._solve(ev, cur_w, low, up, bw, spend_all, start)
        return self._result(ev, channels, budget, cur_w, best_w, lo, hi, locked, converged, model)

    def _with_max_change(self, bounds: Bounds | None, channels: tuple[str, ...]) -> Bounds | None:
        if self.max_change_pct is None:
            return bounds
        p = float(self.max_change_pct)
        out = dict(bounds or {})
        for ch in channels:
            b = out.get(ch, ChannelBounds())
            if not b.locked and b.min_pct is None and b.max_pct is None:
                out[ch] = replace(b, min_pct=max(-p, -100.0), max_pct=p)
        return out

    # ------------------------------------------------------------------ internals
    def _values(self, ev: HorizonOutcome, w: np.ndarray) -> np.ndarray:
        out = ev.totals(w)
        if self.objective == "profit":
            out = float(self.margin) * out - ev.horizon * float(np.sum(w))  # type: ignore[arg-type]
        return out

    def _objective(self, ev: HorizonOutcome, w: np.ndarray) -> tuple[float, np.ndarray]:
        vals = self._values(ev, w)
        grads = ev.gradient(w)
        if self.objective == "profit":
            grads = float(self.margin) * grads - ev.horizon  # type: ignore[arg-type]
        return aggregate(vals, grads, self.risk_quantile)

    def _batch_values(self, ev: HorizonOutcome, plans: np.ndarray) -> np.ndarray:
        """Objective of each weekly plan in ``plans`` (k, n) -> (k,)."""
        vals = ev.totals(plans)  # (draws, k)
        if self.objective == "profit":
            vals = float(self.margin) * vals - ev.horizon * plans.sum(axis=-1)  # type: ignore[arg-type]
        if self.risk_quantile is None:
            return vals.mean(axis=0)
        return np.quantile(vals, self.risk_quantile, axis=0)

    def _greedy(
        self,
        ev: HorizonOutcome,
        low: np.ndarray,
        up: np.ndarray,
        free: np.ndarray,
        room: float,
        spend_all: bool,
        steps: int = 40,
        lookahead: int = 8,
    ) -> np.ndarray:
        """Greedy start: hand out the budget in chunks; each round gives 1..``lookahead``
        chunks to the channel with the best average gain per unit spend over them (this
        sees past S-curve thresholds that marginal returns at the current point miss)."""
        w = low.copy()
        idx = np.flatnonzero(free)
        chunk = room / steps
        left = room
        current = float(self._batch_values(ev, w[None])[0])
        ks = np.arange(1, lookahead + 1)
        while left > 1e-9 * room:
            add = np.minimum(np.minimum(ks[:, None] * chunk, left), (up - w)[idx][None, :])
            ok = add > 1e-12 * room  # (K, m)
            if not ok.any():
                break
            kk, jj = np.nonzero(ok)
            plans = np.repeat(w[None], kk.size, axis=0)
            plans[np.arange(kk.size), idx[jj]] += add[kk, jj]
            gain = self._batch_values(ev, plans) - current
            rate = gain / add[kk, jj]
            b = int(np.argmax(rate))
            if not spend_all and gain[b] <= 0:
                break
            w, current = plans[b], current + float(gain[b])
            left -= float(add[kk[b], jj[b]])
        return w

    def _solve(
        self,
        ev: HorizonOutcome,
        cur_w: np.ndarray,
        low: np.ndarray,
        up: np.ndarray,
        bw: float,
        spend_all: bool,
        start: np.ndarray | None,
    ) -> tuple[np.ndarray, bool]:
        free = up - low > 1e-12 * max(bw, 1e-300)
        fixed_total = float(low[~free].sum())
        if not free.any() or bw <= 0:
            return low.copy(), True
        scale = bw
        zl, zu = low[free] / scale, up[free] / scale
        room = (bw - fixed_total) / scale

        def to_w(z: np.ndarray) -> np.ndarray:
            w = low.copy()
            w[free] = np.clip(z, zl, zu) * scale
            return w

        def repair(z: np.ndarray) -> np.ndarray:
            z = np.clip(z, zl, zu)
            if spend_all or z.sum() > room:
                z = project_to_budget(z, zl, zu, room)
            return z

        rng = np.random.default_rng(self.seed)
        starts = [repair(cur_w[free] / scale), repair(np.ones(free.sum()))]
        if self.n_starts >= 3:
            greedy = self._greedy(ev, low, up, free, bw - fixed_total, spend_all)
            starts.append(repair(greedy[free] / scale))
        if start is not None:
            starts.insert(0, repair(np.asarray(start, dtype=float)[free] / scale))
        for _ in range(max(0, self.n_starts - 3)):
            starts.append(repair(rng.dirichlet(np.ones(free.sum())) * room))
        f0, _ = self._objective(ev, to_w(starts[0]))
        fscale = max(abs(f0), 1e-12)

        def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
            v, g = self._objective(ev, to_w(z))
            return -v / fscale, -g[free] * scale / fscale

        if spend_all:
            cons = {
                "type": "eq",
                "fun": lambda z: np.sum(z) - room,
                "jac": lambda z: np.ones_like(z),
            }
        else:
            cons = {
                "type": "ineq",
                "fun": lambda z: room - np.sum(z),
                "jac": lambda z: -np.ones_like(z),
            }
        candidates: list[tuple[float, np.ndarray]] = []
        successes: list[bool] = []
        for z0 in starts:
            candidates.append((self._objective(ev, to_w(z0))[0], to_w(z0)))
            res = minimize(
                fun,
                z0,
                jac=True,
                method="SLSQP",
                bounds=list(zip(zl, zu, strict=True)),
                constraints=[cons],
                options={"ftol": self.tol, "maxiter": self.max_iter},
            )
            z = repair(res.x)
            candidates.append((self._objective(ev, to_w(z))[0], to_w(z)))
            successes.append(bool(res.success))
        best_val, best_w = max(candidates, key=lambda c: c[0])
        # never worse than the current plan when that plan is itself feasible
        feasible_now = (
            np.all(cur_w >= low - 1e-9 * scale)
            and np.all(cur_w <= up + 1e-9 * scale)
            and (abs(cur_w.sum() - bw) <= 1e-9 * scale or (not spend_all and cur_w.sum() <= bw))
        )
        if feasible_now and self._objective(ev, cur_w)[0] >= best_val:
            best_w = cur_w.copy()
        log.debug("optimiser: %d starts, best objective %.6g", len(starts), best_val)
        return best_w, any(successes)

    def _result(
        self,
        ev: HorizonOutcome,
        channels: tuple[str, ...],
        budget: float,
        cur_w: np.ndarray,
        rec_w: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        locked: np.ndarray,
        converged: bool,
        model: ResponseModel,
    ) -> AllocationResult:
        h = ev.horizon
        tot_cur, tot_rec = ev.totals(cur_w), ev.totals(rec_w)
        val_cur, val_rec = self._values(ev, cur_w), self._values(ev, rec_w)
        agg = (
            (lambda v: float(v.mean()))
            if self.risk_quantile is None
            else (lambda v: float(np.quantile(v, self.risk_quantile)))
        )
        grad = ev.gradient(rec_w) / h  # outcome per unit of horizon spend
        rec = rec_w * h
        tol = 1e-6 * max(budget, 1e-12) / max(len(channels), 1)
        status = tuple(
            "locked"
            if lk
            else "at_min"
            if r <= lo_ + tol
            else "at_max"
            if r >= hi_ - tol
            else "interior"
            for r, lo_, hi_, lk in zip(rec, lo, hi, locked, strict=True)
        )
        findings = self._findings(channels, cur_w, rec_w, converged, model)
        # channels the data cannot separate from demand: intervals from 0 (the MMM's tables)
        unid = np.isin(channels, tuple(getattr(model, "unidentified", ())))
        cur_total = float(cur_w.sum()) * h
        if cur_total > 0 and not 1 / 3 <= budget / cur_total <= 3:
            findings += (
                Finding(
                    "warning",
                    "optimize.budget_scale",
                    f"the budget {budget:,.0f} is {budget / cur_total:.2g} times the current spend "
                    f"over the {h}-week horizon ({cur_total:,.0f})",
                    "check that the budget covers the planning horizon (--horizon weeks)",
                    "optimize",
                ),
            )
        return AllocationResult(
            channels=channels,
            budget=budget,
            horizon=h,
            objective=self.objective,
            margin=self.margin,
            risk_quantile=self.risk_quantile,
            carryover=ev.carryover,
            flighting=str(getattr(model, "flighting", "flat")),
            interval=self.interval,
            current_spend=cur_w * h,
            recommended_spend=rec,
            lower=lo,
            upper=np.minimum(hi, budget),
            locked=locked,
            status=status,
            expected_current=zero_low(
                interval_stats(ev.channel_totals(cur_w), self.interval), unid
            ),
            expected_recommended=zero_low(
                interval_stats(ev.channel_totals(rec_w), self.interval), unid
            ),
            total_current=interval_stats(tot_cur, self.interval),
            total_recommended=interval_stats(tot_rec, self.interval),
            uplift=interval_stats(tot_rec - tot_cur, self.interval),
            mroi=zero_low(interval_stats(grad, self.interval), unid),
            prob_beats_current=float(np.mean(val_rec > val_cur)),
            objective_current=agg(val_cur),
            objective_recommended=agg(val_rec),
            converged=converged,
            n_draws=int(tot_cur.shape[0]),
            findings=findings,
        )

    def _findings(
        self,
        channels: tuple[str, ...],
        cur_w: np.ndarray,
        rec_w: np.ndarray,
        converged: bool,
        model: ResponseModel,
    ) -> tuple[Finding, ...]:
        out: list[Finding] = []
        if not converged:
            out.append(
                Finding(
                    "warning",
                    "optimize.not_converged",
                    "the optimiser did not report convergence from any start",
                    "check the response model; the best plan found is reported",
                    "optimize",
                )
            )
        outcome = getattr(model, "outcome", None)
        if (
            self.objective in ("sales", "conversions")
            and outcome in ("sales", "conversions")
            and outcome != self.objective
        ):
            out.append(
                Finding(
                    "warning",
                    "optimize.outcome_mismatch",
                    f"objective '{self.objective}' but the model's outcome is "
                    f"'{outcome}'; the plan maximises {outcome}",
                    "fit the model on the outcome you want to optimise",
                    "optimize",
                )
            )
        big = [
            c
            for c, a, b in zip(channels, cur_w, rec_w, strict=True)
            if b > 1.5 * a + 1e-12 * max(rec_w.sum(), 1e-300)
        ]
        if big:
            out.append(
                Finding(
                    "info",
                    "optimize.extrapolation",
                    f"recommended spend is over 1.5x current for {', '.join(big)}; "
                    "the response curves there lie beyond most of the data",
                    "test before you spend: move budget in steps or run a lift test",
                    "optimize",
                )
            )
        return tuple(out)
