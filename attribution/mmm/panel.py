"""Weekly media panel -> arrays, and the scaling fixed from the training weeks.

The scaling (largest training value of sales, of each channel and of each
control) is stored with the fitted model, so a refresh next quarter can reuse it
(``fit(..., scaling=previous.scaling)``) and coefficients stay comparable.

Channels driven by impressions (``input = "impressions"`` in the spec) keep their
money spend in ``Panel.media`` (ROI, current spend, the optimiser) and their
impressions in ``Panel.driver``, which is what the adstock sees; the scaling
stores each channel's impressions per unit of money over the fitted weeks
(``Scaling.driver_per_money``, 1 for spend-driven channels).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from attribution.data.contracts import IMPRESSIONS_PREFIX
from attribution.errors import InputError, UsageError
from attribution.findings import Finding
from attribution.mmm.components import fourier_features, lag_stack
from attribution.mmm.geo import geo_weights, population_by_geo
from attribution.mmm.spec import MMMSpec

STAGE = "mmm"


@dataclass(frozen=True)
class Panel:
    """The panel as arrays: time x geo (x channel / control), unscaled."""

    dates: np.ndarray  # (T,) datetime64[D]
    geos: tuple[str, ...]  # (G,)
    y: np.ndarray  # (T, G)
    media: np.ndarray  # (T, G, C)
    controls: np.ndarray  # (T, G, K)
    channels: tuple[str, ...]
    control_names: tuple[str, ...]
    driver: np.ndarray | None = None  # (T, G, C) media driver where it is not the spend
    population: np.ndarray | None = None  # (G,) geo sizes from the spec's population column

    @property
    def n_weeks(self) -> int:
        return len(self.dates)

    @property
    def model_input(self) -> np.ndarray:
        """What the adstock acts on ``(T, G, C)``: impressions where a channel is driven
        by impressions, else the spend / activity of ``media``."""
        return self.media if self.driver is None else self.driver


@dataclass(frozen=True)
class Scaling:
    """Scales fixed from the training data (stored with the model).

    Example
    -------
    >>> s = Scaling(100.0, (10.0,), (), "2024-01-01", 51.0)
    >>> Scaling.from_dict(s.to_dict()) == s
    True
    """

    target: float
    media: tuple[float, ...]
    controls: tuple[float, ...]
    t0: str  # first training week
    t_span: float  # weeks from first to last training week
    control_center: tuple[float, ...] = ()  # training mean of each scaled control
    driver_per_money: tuple[float, ...] = ()  # impressions per unit of spend (1: spend)
    geo: tuple[float, ...] = ()  # relative geo sizes w (mean 1); () for one geo

    def geo_weights(self, n_geos: int) -> np.ndarray:
        """Relative size ``w`` of each geo ``(G,)``: sales and media are divided by it
        before the global scales (ones for a one-geo model)."""
        if not self.geo:
            return np.ones(n_geos)
        if len(self.geo) != n_geos:
            raise UsageError(
                f"the stored scaling has {len(self.geo)} geos, this panel "
                f"{n_geos}; refit without scaling="
            )
        return np.asarray(self.geo, dtype=float)

    def center_of(self, k: int) -> float:
        return self.control_center[k] if k < len(self.control_center) else 0.0

    def per_money(self, n_channels: int) -> np.ndarray:
        """Media-driver units bought by one unit of money, per channel ``(C,)``:
        1 / cost per impression for impression-driven channels, else 1."""
        out = np.ones(n_channels)
        out[: len(self.driver_per_money)] = self.driver_per_money[:n_channels]
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scaling:
        return cls(
            float(d["target"]),
            tuple(float(v) for v in d["media"]),
            tuple(float(v) for v in d["controls"]),
            str(d["t0"]),
            float(d["t_span"]),
            tuple(float(v) for v in d.get("control_center", ())),
            tuple(float(v) for v in d.get("driver_per_money", ())),
            tuple(float(v) for v in d.get("geo", ())),
        )


@dataclass(frozen=True)
class Design:
    """Scaled model inputs for a range of weeks.

    Controls are centred on their training mean and the trend on the middle of the
    training period (``trend`` runs from -0.5 to 0.5), which decorrelates them from
    the intercept; the analysis folds the centres back into the intercept.
    """

    y: np.ndarray  # (T, G)
    stack: np.ndarray  # (L, T, G, C) lag stack of scaled media
    trend: np.ndarray  # (T,)
    fourier: np.ndarray  # (T, 2 * modes)
    controls: np.ndarray  # (T, G, K)


def _numeric(frame: pd.DataFrame, col: str, file: str, nonneg: bool) -> np.ndarray:
    raw = frame[col]
    vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"value {raw.iloc[i]!r} is not a number",
            "write plain numbers such as 1250.5 (no empty cells)",
            file,
            int(frame.index[i]) + 2,
            col,
            "not_a_number",
        )
    if nonneg and (vals < 0).any():
        i = int(np.flatnonzero(vals < 0)[0])
        raise InputError(
            f"negative value {vals[i]}",
            "spend, activity, impressions and sales must be >= 0",
            file,
            int(frame.index[i]) + 2,
            col,
            "negative",
        )
    return vals


def read_panel(
    frame: pd.DataFrame, spec: MMMSpec, file: str = "media panel"
) -> tuple[Panel, list[Finding]]:
    """Check the panel against the spec and turn it into arrays.

    Parameters
    ----------
    frame : the weekly panel (row ``i`` of the frame is spreadsheet row ``i + 2``).
    spec : the model spec (columns, channels, controls).
    file : name used in error messages.

    Returns
    -------
    (panel, findings). Raises :class:`InputError` for bad input.
    """
    frame = frame.reset_index(drop=True)
    drivers = [c.impressions for c in spec.channels if c.input == "impressions"]
    need = [spec.date, spec.target, *(c.column for c in spec.channels), *drivers, *spec.events]
    if spec.geo:
        need.append(spec.geo)
    if spec.population:
        need.append(spec.population)
    for col in [*need, *(spec.controls or ())]:
        if col not in frame.columns:
            raise InputError(
                f"column '{col}' is missing",
                "add it or change the config "
                f"(columns present: {', '.join(map(str, frame.columns))})",
                file,
                None,
                col,
                "missing_column",
            )
    if len(frame) == 0:
        raise InputError("the panel has no rows", "provide weekly rows", file)
    dates = pd.to_datetime(frame[spec.date], errors="coerce")
    if dates.isna().any():
        i = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise InputError(
            f"value {frame[spec.date].iloc[i]!r} is not a date",
            "write dates as YYYY-MM-DD",
            file,
            i + 2,
            spec.date,
            "bad_date",
        )
    geo = frame[spec.geo].astype(str) if spec.geo else pd.Series(["all"] * len(frame))
    dup = pd.DataFrame({"d": dates, "g": geo}).duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            "duplicate week" + (" and geo" if spec.geo else ""),
            "keep one row per week" + (" and geo" if spec.geo else ""),
            file,
            i + 2,
            spec.date,
            "duplicate",
        )
    week_list = np.sort(dates.unique().to_numpy().astype("datetime64[D]"))
    if len(week_list) > 1:
        gaps = np.diff(week_list).astype(int)
        if (gaps != 7).any():
            j = int(np.flatnonzero(gaps != 7)[0])
            raise InputError(
                f"weeks {week_list[j]} and {week_list[j + 1]} are not 7 days apart",
                "give one row per consecutive week (fill missing weeks with 0 spend)",
                file,
                None,
                spec.date,
                "irregular_weeks",
            )
    geos = tuple(sorted(geo.unique()))
    if len(frame) != len(week_list) * len(geos):
        raise InputError(
            f"{len(frame)} rows but {len(week_list)} weeks x {len(geos)} geos",
            "give every geo a row for every week",
            file,
            None,
            spec.geo,
            "unbalanced_panel",
        )
    skip = {
        spec.date,
        spec.target,
        spec.geo,
        spec.population,
        *(c.column for c in spec.channels),
        *drivers,
        *spec.events,
    }
    findings = _unused_impressions(frame.columns, spec, set(drivers))
    if spec.controls is None:  # impressions_<x> columns are never controls
        controls = [
            c
            for c in frame.columns
            if c not in skip
            and not str(c).lower().startswith(IMPRESSIONS_PREFIX)
            and pd.api.types.is_numeric_dtype(frame[c])
        ]
    else:
        controls = list(spec.controls)
    controls += list(spec.events)
    order = np.lexsort((geo.to_numpy(), dates.to_numpy()))
    T, G = len(week_list), len(geos)

    def cube(col: str, nonneg: bool) -> np.ndarray:
        return _numeric(frame, col, file, nonneg)[order].reshape(T, G)

    y = cube(spec.target, True)
    media = np.stack([cube(c.column, True) for c in spec.channels], axis=-1)
    driver = None
    if drivers:
        driver = np.stack(
            [
                cube(c.driver_column, True) if c.input == "impressions" else media[..., i]
                for i, c in enumerate(spec.channels)
            ],
            axis=-1,
        )
    ctrl = (
        np.stack([cube(c, False) for c in controls], axis=-1) if controls else np.zeros((T, G, 0))
    )
    if spec.holidays:
        hol = pd.to_datetime(pd.Series(spec.holidays), errors="coerce")
        if hol.isna().any():
            raise InputError(
                f"holiday {spec.holidays[int(hol.isna().argmax())]!r} is not a date",
                "write holidays as YYYY-MM-DD",
                "config",
                None,
                "holidays",
            )
        h = hol.to_numpy().astype("datetime64[D]")
        week_end = week_list[:, None] + np.timedelta64(7, "D")
        ind = (h[None, :] >= week_list[:, None]) & (h[None, :] < week_end)
        ctrl = np.concatenate(
            [ctrl, np.repeat(ind.any(1).astype(float)[:, None, None], G, 1)], axis=-1
        )
        controls.append("holiday")
    pop = population_by_geo(frame, spec.population, geo, geos, file) if spec.population else None
    panel = Panel(week_list, geos, y, media, ctrl, spec.channel_names, tuple(controls), driver, pop)
    return panel, findings


def _unused_impressions(columns: Any, spec: MMMSpec, used: set[str | None]) -> list[Finding]:
    """Findings for ``impressions_<x>`` columns the model does not use."""
    out = []
    by_name = {c.name.lower(): c for c in spec.channels}
    for col in (str(c) for c in columns):
        if not col.lower().startswith(IMPRESSIONS_PREFIX) or col in used:
            continue
        name = col[len(IMPRESSIONS_PREFIX) :]
        ch = by_name.get(name.lower())
        if ch is None:
            out.append(
                Finding(
                    "warning",
                    "mmm.impressions_unknown_channel",
                    f"column '{col}' holds impressions of '{name}', which is not a "
                    "channel of the model; it was not used (not as a control either)",
                    f"add spend_{name} or a [[channels]] entry for it, or rename the column",
                    STAGE,
                )
            )
        else:
            out.append(
                Finding(
                    "info",
                    "mmm.impressions_unused",
                    f"channel '{ch.name}' is modelled on its spend; column '{col}' was not used",
                    'set input = "impressions" for this channel '
                    "in the config to model it on impressions (ROI stays in money)",
                    STAGE,
                )
            )
    return out


def make_scaling(panel: Panel, n_train: int) -> Scaling:
    """Scales from the first ``n_train`` weeks: max |value| (1 where that is 0); for
    impression-driven channels also impressions per unit of money (1 / cost per impression).

    Geo models first divide sales and media by each geo's relative size (``Scaling.geo``)
    and scale each channel by the mean over geos of each geo's largest week."""
    G = len(panel.geos)
    w = geo_weights(panel.y[:n_train], panel.geos, panel.population) if G > 1 else np.ones(1)
    y = panel.y[:n_train] / w
    m = (panel.model_input[:n_train] / w[:, None]).reshape(-1, panel.media.shape[-1])
    per_money: tuple[float, ...] = ()
    if panel.driver is not None:
        money = panel.media[:n_train].sum(axis=(0, 1))
        units = panel.driver[:n_train].sum(axis=(0, 1))
        per_money = tuple(float(u / s) if s > 0 else 1.0 for u, s in zip(units, money, strict=True))
    c = panel.controls[:n_train]
    c = c.reshape(c.shape[0] * c.shape[1], c.shape[-1])  # (-1, 0) fails with no controls
    if G > 1 and m.size:
        # geo models: the typical geo's largest week (mean over geos of each geo's max,
        # per size), so the saturation priors mean what they mean for one geo; the max
        # over all geo-weeks is an extreme of thousands of values and would push every
        # curve to look linear (a prior that pulls contributions into the baseline)
        per_geo = np.abs(panel.model_input[:n_train] / w[:, None]).max(axis=0)  # (G, C)
        ms = np.array([v[v > 0].mean() if (v > 0).any() else 0.0 for v in per_geo.T])
    else:
        ms = np.abs(m).max(0) if m.size else np.zeros(0)
    cs = np.abs(c).max(0) if c.size else np.zeros(0)
    scales = tuple(float(v or 1.0) for v in cs)
    center = tuple(float(v) for v in (c.mean(0) / np.asarray(scales))) if c.size else ()
    return Scaling(
        float(np.abs(y).max() or 1.0),
        tuple(float(v or 1.0) for v in ms),
        scales,
        str(panel.dates[0]),
        float(max(n_train - 1, 1)),
        center,
        per_money,
        tuple(float(v) for v in w) if G > 1 else (),
    )


def design(panel: Panel, scaling: Scaling, spec: MMMSpec, rows: slice | None = None) -> Design:
    """Scaled arrays for the model (``rows`` selects weeks; adstock uses all earlier weeks)."""
    rows = rows or slice(0, panel.n_weeks)
    l_max = max(c.l_max for c in spec.channels)
    if panel.driver is None and any(c.input == "impressions" for c in spec.channels):
        raise UsageError(
            "this model is driven by impressions but its panel has none (a model "
            "saved without them); refit it from the media panel"
        )
    w = scaling.geo_weights(len(panel.geos))
    media = panel.model_input / (np.asarray(scaling.media) * w[:, None])
    stack = lag_stack(media, l_max)[:, rows]
    weeks = (panel.dates - np.datetime64(scaling.t0, "D")).astype(int) / 7.0
    doy = (panel.dates - panel.dates.astype("datetime64[Y]")).astype(int)
    four = fourier_features(doy, spec.seasonal_modes(len(panel.geos)))
    ctrl = (
        panel.controls / np.asarray(scaling.controls)
        if panel.controls.shape[-1]
        else panel.controls
    )
    if ctrl.shape[-1]:
        ctrl = ctrl - np.array([scaling.center_of(k) for k in range(ctrl.shape[-1])])
    return Design(
        panel.y[rows] / (scaling.target * w),
        stack,
        (weeks / scaling.t_span - 0.5)[rows],
        four[rows],
        ctrl[rows],
    )


def screen(panel: Panel, spec: MMMSpec, n_train: int) -> tuple[MMMSpec, Panel, list[Finding]]:
    """Drop what the model cannot use (no-spend channels, constant controls) with findings."""
    findings: list[Finding] = []
    m = panel.model_input[:n_train]
    dead = [ch for i, ch in enumerate(panel.channels) if not np.any(m[..., i] > 0)]
    for i, c in enumerate(spec.channels):
        if (
            c.input == "impressions"
            and c.name not in dead
            and not np.any(panel.media[:n_train, :, i] > 0)
        ):
            raise InputError(
                f"channel '{c.name}' is modelled on impressions but has no spend "
                "in the fitted weeks, so its cost per impression (and ROI) is "
                "undefined",
                f"fill in {c.column}, or model the impressions as "
                f'activity (kind = "activity", column = "{c.impressions}")',
                "media panel",
                None,
                c.column,
                "impressions_without_spend",
            )
    for ch in dead:
        findings.append(
            Finding(
                "warning",
                "mmm.channel_no_spend",
                f"channel '{ch}' has no spend or activity in the fitted weeks; "
                "it was left out of the model and gets no contribution",
                "check the column, or remove the channel from the config",
                STAGE,
            )
        )
    if len(dead) == len(panel.channels):
        raise InputError(
            "no channel has any spend or activity in the fitted weeks",
            "check the spend_<channel> columns",
            "media panel",
            None,
            None,
            "no_media",
        )
    keep_c = [i for i, ch in enumerate(panel.channels) if ch not in dead]
    c = panel.controls[:n_train]
    const = [n for i, n in enumerate(panel.control_names) if np.ptp(c[..., i]) == 0]
    for n in const:
        findings.append(
            Finding(
                "warning",
                "mmm.control_constant",
                f"control '{n}' is constant over the fitted weeks; it cannot be "
                "told apart from the baseline and was left out",
                "remove it from the config or give it varying values",
                STAGE,
            )
        )
    keep_k = [i for i, n in enumerate(panel.control_names) if n not in const]
    new_spec = spec.without_channels(dead) if dead else spec
    new_panel = Panel(
        panel.dates,
        panel.geos,
        panel.y,
        panel.media[..., keep_c],
        panel.controls[..., keep_k],
        tuple(panel.channels[i] for i in keep_c),
        tuple(panel.control_names[i] for i in keep_k),
        None if panel.driver is None else panel.driver[..., keep_c],
        panel.population,
    )
    return new_spec, new_panel, findings
