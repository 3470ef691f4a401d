"""Choosing treatment and control geos for a geo test, matched on history.

How: candidate treatment groups are drawn by stratified randomisation over geo size
(geos sorted by the channel's spend, cut into strata of about ``1 / share`` geos, one
geo per stratum drawn into treatment), so each group holds close to ``share`` of the
channel's spend. Each group's control is a synthetic control: non-negative weights on
the remaining geos fitted by least squares to the group's weekly history over the fitted
weeks (``scipy.optimize.nnls``). The group whose synthetic control tracks its history
most closely (smallest root-mean-square error relative to its level) wins. The history
matched is the fitted model's weekly sales per geo (its posterior-mean prediction), not
the raw sales: weights and choice fitted to raw sales would partly fit the week-to-week
noise, and the residual contrast of the chosen group would then look quieter than it is
(measured: detection 8 points below the predicted power). The test's noise is read from
the model's residuals of the chosen contrast (treated minus weighted controls).

Example
-------
>>> import numpy as np
>>> c = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
>>> synthetic_control_weights(c @ np.array([0.3, 0.7]), c).round(3).tolist()
[0.3, 0.7]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls


def synthetic_control_weights(treated: np.ndarray, controls: np.ndarray) -> np.ndarray:
    """Non-negative weights ``w`` minimising ``||treated - controls @ w||`` (NNLS).

    Parameters
    ----------
    treated : ``(T,)`` weekly sales of the treatment group.
    controls : ``(T, n)`` weekly sales of the candidate control geos.

    Returns
    -------
    ``(n,)`` weights >= 0.
    """
    w, _ = nnls(np.asarray(controls, dtype=float), np.asarray(treated, dtype=float))
    return w


def stratified_groups(
    size: np.ndarray, share: float, n_candidates: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Candidate treatment groups (index arrays) of about ``share`` of total ``size``.

    Geos are sorted by size and cut into ``round(1/share)``-geo strata; one geo per
    stratum is drawn. At least one geo stays in control.

    Example
    -------
    >>> g = stratified_groups(np.ones(6), 0.5, 2, np.random.default_rng(0))
    >>> [len(x) for x in g]
    [3, 3]
    """
    size = np.asarray(size, dtype=float)
    n = size.size
    order = np.argsort(-size, kind="stable")
    per = max(2, round(1.0 / share)) if share <= 0.5 else 2
    out = []
    for _ in range(n_candidates):
        picks = []
        for s in range(0, n, per):
            stratum = order[s : s + per]
            if share > 0.5:  # treat all but one per stratum
                keep = rng.choice(stratum)
                picks.extend(g for g in stratum if g != keep or stratum.size == 1)
            else:
                picks.append(int(rng.choice(stratum)))
        picks = np.array(sorted(set(int(p) for p in picks)))
        if picks.size >= n:
            picks = picks[:-1]
        out.append(picks)
    return out


@dataclass(frozen=True)
class GeoMatch:
    """Chosen treatment geos, their synthetic-control weights and the match quality."""

    treated: tuple[str, ...]
    controls: tuple[str, ...]
    weights: np.ndarray  # (n_controls,) synthetic-control weights
    spend_share: float  # treated geos' share of the channel's spend
    contrast: np.ndarray  # (T,) weekly residual contrast treated - weighted controls
    fit_r2: float  # R^2 of the synthetic control on the treated sales


def match_geos(
    geos: tuple[str, ...],
    sales: np.ndarray,
    residuals: np.ndarray,
    spend: np.ndarray,
    share: float,
    *,
    treated: tuple[str, ...] | None = None,
    n_candidates: int = 200,
    seed: int = 0,
) -> GeoMatch:
    """Pick treatment geos (or take ``treated``) and fit their synthetic control.

    Parameters
    ----------
    geos : geo names.
    sales : ``(T, G)`` weekly history matched on (the fitted model's predicted sales).
    residuals : ``(T, G)`` the fitted model's residuals (sales minus posterior mean).
    spend : ``(G,)`` the channel's spend per geo.
    share : target share of the channel's spend in treatment.
    treated : the user's treatment geos (then only the controls are fitted).

    Returns
    -------
    :class:`GeoMatch` of the candidate whose synthetic control tracks its sales best.
    """
    G = len(geos)
    rng = np.random.default_rng(seed)
    if treated is not None:
        idx = [geos.index(g) for g in treated]
        candidates = [np.array(sorted(idx))]
    else:
        size = np.where(spend > 0, spend, sales.mean(0))
        candidates = stratified_groups(size, share, n_candidates, rng)
    best: GeoMatch | None = None
    best_var = np.inf
    seen: set[tuple[int, ...]] = set()
    total_spend = float(spend.sum())
    for cand in candidates:
        key = tuple(int(i) for i in cand)
        if key in seen or not key:
            continue
        seen.add(key)
        ctrl = np.array([g for g in range(G) if g not in key])
        y_t = sales[:, cand].sum(1)
        w = synthetic_control_weights(y_t, sales[:, ctrl])
        fit = sales[:, ctrl] @ w
        v = float(np.sqrt(np.mean((y_t - fit) ** 2)) / max(float(np.mean(y_t)), 1e-300))
        if v < best_var:
            contrast = residuals[:, cand].sum(1) - residuals[:, ctrl] @ w
            sst = float(((y_t - y_t.mean()) ** 2).sum())
            r2 = 1.0 - float(((y_t - fit) ** 2).sum()) / sst if sst > 0 else float("nan")
            share_t = float(spend[cand].sum() / total_spend) if total_spend > 0 else len(cand) / G
            best_var = v
            best = GeoMatch(
                tuple(geos[i] for i in cand), tuple(geos[i] for i in ctrl), w, share_t, contrast, r2
            )
    if best is None:
        raise ValueError("no treatment group could be formed (need at least two geos)")
    return best
