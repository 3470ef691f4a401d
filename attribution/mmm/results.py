"""Immutable results of a media-mix fit, answering queries from posterior draws.

Everything is computed from the stored posterior, the spec, the scaling and the
panel, never from the PyMC model, so a loaded model (``attribution.mmm.io.load``)
answers the same queries with the same numbers.

For the budget optimiser
------------------------
``results.channels``: channel names, the order of the last axis of spend arrays.
``results.current_spend``: mean weekly spend per channel over the fitted weeks.
``results.response(spend)``: ``spend`` is ``(..., n_channels)`` weekly spend per
channel, held constant over the planning horizon (steady-state adstock: the
weekly adstocked level equals spend times the sum of the lag weights); returns
posterior draws of expected incremental sales per week, shape ``(draws, ...)``
(``per_channel=True``: ``(draws, ..., n_channels)``). Geo models split each
channel's spend across geos in proportion to the fitted weeks' media.
Channels modelled on impressions turn money into impressions at their cost per
impression over the fitted weeks (``scaling.per_money``), so spend, ROI and
response stay in money per money.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from attribution.findings import Finding
from attribution.mmm.analysis import channel_table, fit_metrics, thin_draws
from attribution.mmm.identification import identified_share
from attribution.mmm.model import Layout, lag_weights, saturate
from attribution.mmm.panel import Panel, Scaling, design
from attribution.mmm.spec import MMMSpec

#: array elements per chunk of draws in the flighted response: small enough to stay in
#: cache (2e6 was 6x faster than 4e7 on the benchmark's worlds)
CHUNK = 2e6

MEDIA_PARAMS = (
    "alpha",
    "delay_alpha",
    "theta",
    "weibull_shape",
    "weibull_scale",
    "lam",
    "hill_k",
    "hill_s",
)


@dataclass(frozen=True, eq=False)
class MMMResults:
    """A fitted media-mix model (immutable).

    Attributes
    ----------
    spec, scaling, panel : what was fitted (scaling fixed from the training weeks).
    n_train : number of fitted weeks (the rest is the holdout).
    posterior : variable -> draws ``(draws, ...)`` (chains merged).
    idata : ArviZ DataTree with posterior and sample stats.
    settings : sampler settings and timings.
    findings : diagnostics (never silent).
    """

    spec: MMMSpec
    scaling: Scaling
    panel: Panel
    n_train: int
    posterior: dict[str, np.ndarray]
    idata: Any = None
    settings: dict[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    unidentified: tuple[str, ...] = ()
    identification_seed: int = 0
    #: the identified shares of a subset of draws (``take_draws``); None: drawn from the seed
    identified: np.ndarray | None = None

    # -- basic facts -----------------------------------------------------------------
    @property
    def channels(self) -> tuple[str, ...]:
        """Channel names (last axis of spend and response arrays)."""
        return self.spec.channel_names

    @property
    def layout(self) -> Layout:
        return Layout.from_spec(self.spec)

    @property
    def n_draws(self) -> int:
        return int(self.posterior["sigma"].shape[0])

    @property
    def spend_total(self) -> np.ndarray:
        """Total spend (or activity) per channel over the fitted weeks."""
        return self.panel.media[: self.n_train].sum(axis=(0, 1))

    @property
    def current_spend(self) -> np.ndarray:
        """Mean weekly spend per channel over the fitted weeks (summed over geos)."""
        return self.spend_total / self.n_train

    @property
    def has_spend(self) -> np.ndarray:
        return np.array([c.has_spend for c in self.spec.channels])

    def draw_indices(self, max_draws: int | None) -> np.ndarray:
        """Indices of the draws that queries with ``max_draws`` use (evenly thinned)."""
        return thin_draws(self.n_draws, max_draws)

    def take_draws(self, idx: np.ndarray) -> MMMResults:
        """A copy holding only the draws ``idx`` (no ArviZ tree); each kept draw keeps its
        identified shares."""
        idx = np.asarray(idx)
        return replace(
            self,
            posterior={k: v[idx] for k, v in self.posterior.items()},
            idata=None,
            identified=self.identified_share()[idx],
        )

    def with_findings(self, more: list[Finding] | tuple[Finding, ...]) -> MMMResults:
        """A copy with extra findings."""
        return replace(self, findings=(*self.findings, *more))

    def with_unidentified(self, channels: tuple[str, ...] | list[str], seed: int) -> MMMResults:
        """A copy in which ``channels`` are not identified by the panel (spend follows
        demand, navigational touches): each draw keeps a Uniform(0, 1) share of their
        fitted effect, the rest is baseline (:mod:`attribution.mmm.identification`)."""
        names = tuple(c for c in self.channels if c in set(channels))
        identified_share(self.n_draws, self.channels, names, seed)  # checks the names
        return replace(self, unidentified=names, identification_seed=int(seed), identified=None)

    def identified_share(self) -> np.ndarray:
        """``(draws, channels)``: the share of each draw's fitted effect counted as causal."""
        if self.identified is not None:
            return self.identified
        return identified_share(
            self.n_draws, self.channels, self.unidentified, self.identification_seed
        )

    def channel_effects(self, draws: slice | np.ndarray | None = None) -> np.ndarray:
        """Causal channel effects per draw and geo, ``(D, G, C)``: the fitted ``beta``
        times the identified share (1 for every identified channel)."""
        sel = slice(None) if draws is None else draws
        beta = self.posterior["beta"][sel]
        if not self.unidentified:
            return beta
        return beta * self.identified_share()[sel][:, None, :]

    def media_params(self, draws: slice | np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Adstock/saturation parameters per draw, ``(D, C_kind)`` each."""
        sel = slice(None) if draws is None else draws
        return {k: v[sel] for k, v in self.posterior.items() if k in MEDIA_PARAMS}

    # -- the optimiser's seam ---------------------------------------------------------
    def response(
        self, spend: np.ndarray, *, per_channel: bool = False, max_draws: int | None = None
    ) -> np.ndarray:
        """Expected incremental sales per week at steady weekly ``spend``.

        Parameters
        ----------
        spend : ``(..., n_channels)`` weekly spend per channel (``results.channels`` order).
        per_channel : keep the channel axis in the output.
        max_draws : use only the first draws (evenly thinned) to save time.

        Returns
        -------
        ``(draws, ...)`` or ``(draws, ..., n_channels)`` in sales units.

        Example
        -------
        >>> r = res.response(res.current_spend)           # doctest: +SKIP
        >>> r.mean()   # expected weekly sales from media at current spend
        """
        spend = np.asarray(spend, dtype=float)
        C = len(self.channels)
        if spend.shape[-1] != C:
            raise ValueError(
                f"spend must end with {C} channels {self.channels}, got shape {spend.shape}"
            )
        idx = thin_draws(self.n_draws, max_draws)
        lead = spend.shape[:-1]
        G = len(self.panel.geos)
        m = self.panel.model_input[: self.n_train].sum(0)  # (G, C)
        tot = m.sum(0)
        share = np.where(tot > 0, m / np.where(tot > 0, tot, 1.0), 1.0 / G)  # (G, C)
        units = self.scaling.per_money(C)  # money -> media driver (impressions)
        w = self.scaling.geo_weights(G)[:, None]  # geo sizes: media and sales per size
        x = spend[..., None, :] * share * units / (np.asarray(self.scaling.media) * w)
        n = x.size
        chunk = max(1, int(4e7 // max(n, 1)))
        out = []
        for start in range(0, len(idx), chunk):
            d = idx[start : start + chunk]
            params = self.media_params(d)
            wsum = lag_weights(params, self.layout).sum(-1)  # (D, C)
            xs = x[None] * wsum.reshape(len(d), *([1] * (x.ndim - 1)), C)
            sat = saturate(xs, params, self.layout)  # (D, ..., G, C)
            beta = self.channel_effects(d).reshape(len(d), *([1] * len(lead)), G, C)
            eff = (sat * beta * w).sum(-2) * self.scaling.target  # (D, ..., C)
            out.append(eff if per_channel else eff.sum(-1))
        return np.concatenate(out, axis=0)

    def flighted_response(
        self, multiplier: np.ndarray, *, max_draws: int | None = None
    ) -> np.ndarray:
        """Mean weekly causal contribution per channel over the fitted weeks when each
        channel's own weekly flighting in those weeks is scaled by ``multiplier``.

        This is how a plan is replayed against the model (Meridian's way): a budget
        change keeps each channel's bursts and gaps and scales them, so saturation acts
        on the real weekly levels, not on their average. ``multiplier = 1`` gives the
        fitted contributions (``mmm/contributions.csv``) divided by the fitted weeks.

        Parameters
        ----------
        multiplier : ``(..., n_channels)`` factor on each channel's fitted-weeks series.
        max_draws : use at most this many draws (evenly thinned).

        Returns
        -------
        ``(draws, ..., n_channels)`` in sales units per week.
        """
        mult = np.asarray(multiplier, dtype=float)
        C = len(self.channels)
        if mult.shape[-1] != C:
            raise ValueError(f"multiplier must end with {C} channels, got shape {mult.shape}")
        idx = thin_draws(self.n_draws, max_draws)
        stack = design(self.panel, self.scaling, self.spec, slice(0, self.n_train)).stack
        G = stack.shape[2]
        w = self.scaling.geo_weights(G)[:, None]  # (G, 1)
        lead = mult.shape[:-1]
        m = mult.reshape(*lead, 1, 1, C)  # (..., T, G, C)
        per_draw = max(1, int(np.prod(lead, dtype=int)) * stack[0].size)
        chunk = max(1, int(CHUNK // per_draw))
        out = []
        for start in range(0, len(idx), chunk):
            d = idx[start : start + chunk]
            params = self.media_params(d)
            ad = np.einsum("dcl,ltgc->dtgc", lag_weights(params, self.layout), stack)
            ad = ad.reshape(len(d), *([1] * len(lead)), *ad.shape[1:])
            sat = saturate(ad * m, params, self.layout)  # (D, ..., T, G, C)
            beta = (self.channel_effects(d) * w).reshape(len(d), *([1] * len(lead)), 1, G, C)
            out.append((sat * beta).sum(-2).mean(-2) * self.scaling.target)
        return np.concatenate(out, axis=0)

    # -- tables --------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The per-channel table (``mmm/channels.csv``)."""
        return channel_table(self)

    def summary(self) -> str:
        """A short plain-text summary: fit quality, channels, findings."""
        fm = fit_metrics(self)
        t = self.to_frame()
        pct = round(self.spec.interval * 100)
        geos = f", {len(self.panel.geos)} geos" if len(self.panel.geos) > 1 else ""
        lines = [
            f"Media-mix model: {len(self.channels)} channels, {self.n_train} fitted weeks"
            f"{geos}, {self.n_draws} draws",
            f"fit R2 {fm['r2']:.3f}, MAPE {fm['mape']:.1%}"
            + (
                f"; holdout R2 {fm['holdout_r2']:.3f}, MAPE {fm['holdout_mape']:.1%}"
                if fm.get("holdout_r2") is not None
                else ""
            ),
            f"channel: contribution [{pct}% interval], ROI [{pct}% interval]",
        ]
        for _, r in t.iterrows():
            # an activity channel (posts, sends) has no spend, hence no ROI: say so, no "nan"
            if np.isfinite(r["roi"]):
                roi = f"ROI {r['roi']:.2f} [{r['roi_low']:.2f}, {r['roi_high']:.2f}]"
            elif r["kind"] == "activity":
                roi = f"no ROI (activity channel: {r['spend']:,.0f} units, not money)"
            else:
                roi = "no ROI (no spend in the fitted weeks)"
            lines.append(
                f"  {r['channel']}: {r['contribution']:,.0f} "
                f"[{r['contribution_low']:,.0f}, {r['contribution_high']:,.0f}], {roi}"
            )
        for f in self.findings:
            lines.append(f"{f.level}: {f.message}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"MMMResults(channels={list(self.channels)}, weeks={self.n_train}, "
            f"draws={self.n_draws}, findings={len(self.findings)})"
        )

    def _repr_html_(self) -> str:
        t = self.to_frame()
        fl = "".join(f"<li>{_esc(f.level)}: {_esc(f.message)}</li>" for f in self.findings)
        return (
            f"<p><b>Media-mix model</b>: {len(self.channels)} channels, "
            f"{self.n_train} weeks, {self.n_draws} draws</p>"
            + t.to_html(index=False, float_format=lambda v: f"{v:,.3g}")
            + (f"<ul>{fl}</ul>" if fl else "")
        )


def _esc(s: str) -> str:
    import html

    return html.escape(str(s))
