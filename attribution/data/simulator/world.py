"""Simulate a world and assemble its tables and truth.

See :mod:`attribution.data.simulator` for the model. ``simulate(config)`` runs the
individual-level process chunk by chunk (bounded memory), then aggregates the weekly
panel from the very same events, measures the lift tests, and writes the truth: exact
expected quantities from the closed form in :mod:`~attribution.data.simulator.truth`
and realised ones by re-running each customer-week without the channel (common random
numbers: same uniforms, the channel's term dropped).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from attribution.data.contracts import SPEND_CHANGE
from attribution.data.simulator import engine, output, pitfalls, series
from attribution.data.simulator.config import SimulationConfig
from attribution.data.simulator.truth import (
    carryover_weights,
    channel_response,
    exposure_curve,
    marginal_roi,
    truth_frame,
)
from attribution.io import atomic_path, write_csv, write_json

log = logging.getLogger("attribution")
RESPONSE_MULTIPLIERS = tuple(np.round(np.arange(0, 3.01, 0.25), 2).tolist())


@dataclass(frozen=True)
class World:
    """A simulated world: event logs, id map, weekly panel, lift tests and truth.

    Write it with :meth:`write`; ``truth`` is the dict written to ``truth.json``.
    """

    config: SimulationConfig
    touchpoints: pd.DataFrame
    conversions: pd.DataFrame
    id_map: pd.DataFrame
    media: pd.DataFrame
    lift_tests: pd.DataFrame
    organic: pd.DataFrame
    truth: dict[str, Any]
    query_volume: pd.DataFrame | None = None

    def write(self, out_dir: str | Path, fmt: str = "parquet") -> list[Path]:
        """Write all files into ``out_dir`` (event logs as ``parquet`` or ``csv``).

        Example
        -------
        >>> simulate(SimulationConfig(customers=1000)).write("out")   # doctest: +SKIP
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, frame in (("touchpoints", self.touchpoints), ("conversions", self.conversions)):
            if fmt == "parquet":
                path = out / f"{name}.parquet"
                _write_parquet(path, frame)
            else:
                path = write_csv(out / f"{name}.csv", _csv_ready(frame))
            paths.append(path)
        paths.append(write_csv(out / "id_map.csv", self.id_map))
        paths.append(write_csv(out / "media.csv", _csv_ready(self.media)))
        paths.append(write_csv(out / "lift_tests.csv", _csv_ready(self.lift_tests)))
        paths.append(write_csv(out / "organic_social.csv", _csv_ready(self.organic)))
        if self.query_volume is not None:
            paths.append(write_csv(out / "query_volume.csv", _csv_ready(self.query_volume)))
        paths.append(write_json(out / "truth.json", self.truth))
        return paths

    def __repr__(self) -> str:
        return (
            f"World(seed={self.config.seed}, customers={self.config.customers}, "
            f"weeks={self.config.weeks}, touchpoints={len(self.touchpoints)}, "
            f"conversions={len(self.conversions)})"
        )

    def to_frame(self) -> pd.DataFrame:
        """The truth per channel (see :func:`~attribution.data.simulator.truth.truth_frame`)."""
        return truth_frame(self.truth)

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.to_frame().to_html(index=False, float_format="%.2f")

    def summary(self) -> str:
        """A few lines: size and the true incremental share of each channel."""
        t = self.truth
        lines = [
            f"world seed={t['seed']}: {t['customers']} customers x {t['weeks']} weeks, "
            f"{len(self.touchpoints)} touchpoints, {len(self.conversions)} conversions, "
            f"sales {t['realised']['sales']:.0f}"
        ]
        for name, ch in t["channels"].items():
            inc = ch["incremental"]
            roi = "-" if ch["roi"] is None else f"{ch['roi']:.2f}"
            lines.append(
                f"  {name:15s} spend {ch['spend']:12.0f}  incremental sales "
                f"{inc['expected_sales']:12.0f}  roi {roi}"
            )
        return "\n".join(lines)


def _write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Compact Parquet: dictionary-coded ids and labels, delta-coded sorted timestamps."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    dictionary = [
        c
        for c in ("customer_id", "channel", "campaign", "interaction", "cost")
        if c in table.column_names
    ]
    with atomic_path(path) as tmp:
        pq.write_table(
            table,
            tmp,
            compression="zstd",
            compression_level=9,
            use_dictionary=dictionary,
            column_encoding={"timestamp": "DELTA_BINARY_PACKED"},
        )


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            s = out[col]
            if (s == s.dt.normalize()).all():
                out[col] = s.dt.strftime("%Y-%m-%d")
            else:
                out[col] = s.dt.strftime("%Y-%m-%d %H:%M:%S")
    return out


def _max_lag(decay: float, saturation: float, weeks: int) -> int:
    if decay <= 0:
        return 0
    return int(min(weeks - 1, math.ceil(math.log(1e-12 * saturation) / math.log(decay))))


def _plans(cfg: SimulationConfig) -> tuple[list[engine.ChannelPlan], dict[str, Any]]:
    rng = engine.stream(cfg.seed, engine.STREAM_SERIES)
    weeks = series.week_starts(cfg.start, cfg.weeks)
    ctrl = series.controls(rng, weeks)
    pit = cfg.pitfalls
    planned = ctrl["multiplier"]
    shock = pitfalls.latent_shock(
        engine.stream(cfg.seed, pitfalls.STREAM_INTENT), cfg.weeks, pit.intent_strength
    )
    demand = pitfalls.demand_index(planned, shock)
    ctrl = {**ctrl, "multiplier": demand}  # the baseline follows the latent demand
    tests = {lt.channel: lt for lt in cfg.tests()}
    plans, drivers = [], {}
    for i, spec in enumerate(cfg.channels):
        key = engine.channel_key(spec.name)
        d = series.driver(engine.stream(cfg.seed, engine.STREAM_SERIES, key), spec, cfg.weeks)
        d = pitfalls.shape_driver(
            pit, spec, d, demand, planned, engine.stream(cfg.seed, pitfalls.STREAM_PITFALL, key)
        )
        d = d * cfg.multiplier(spec.name)
        if spec.driver == "spend":  # whole cents of total weekly spend
            d = np.round(d * cfg.customers, 2) / cfg.customers
        drivers[spec.name] = d
        half = spec.half_level * spec.level
        lt = tests.get(spec.name)
        plans.append(
            engine.ChannelPlan(
                spec=spec,
                index=i,
                mu=exposure_curve(d, spec.max_exposures, half),
                a=engine.segment_targeting(spec.targeting, cfg.segments),
                weights=carryover_weights(
                    spec.decay, spec.saturation, _max_lag(spec.decay, spec.saturation, cfg.weeks)
                ),
                active=d > 0,
                test_weeks=np.arange(lt.start_week, lt.start_week + lt.weeks)
                if lt
                else np.array([], dtype=np.int64),
                holdout=lt.holdout if lt else 0.0,
                test_mu=None
                if lt is None or lt.spend_change is None
                else exposure_curve(
                    (1.0 + lt.spend_change) * d[lt.start_week : lt.start_week + lt.weeks],
                    spec.max_exposures,
                    half,
                ),
                spend_change=None if lt is None else lt.spend_change,
            )
        )
    organic = series.organic_detail(rng, drivers.get("organic_social", np.zeros(cfg.weeks)))
    query = (
        pitfalls.query_volume(engine.stream(cfg.seed, pitfalls.STREAM_QUERY), demand)
        if pit.query_volume
        else None
    )
    return plans, {
        "weeks": weeks,
        "controls": ctrl,
        "drivers": drivers,
        "organic": organic,
        "demand": demand,
        "shock": shock,
        "query_volume": query,
    }


def simulate(config: SimulationConfig | None = None) -> World:
    """Simulate a world with known truth.

    Parameters
    ----------
    config : the world's settings (default: 50,000 customers, 104 weeks, seed 0).

    Returns
    -------
    A frozen :class:`World`.

    Example
    -------
    >>> world = simulate(SimulationConfig(customers=2000, weeks=52, seed=1))
    >>> sorted(world.truth["channels"])[:2]
    ['call_centre', 'direct_mail']
    """
    cfg = config or SimulationConfig()
    plans, ws = _plans(cfg)
    acc = engine.Accumulator(cfg.weeks, len(plans), cfg.segments)
    events: list[engine.ChunkEvents] = []
    n_chunks = math.ceil(cfg.customers / cfg.chunk_size)
    for chunk in range(n_chunks):
        first = chunk * cfg.chunk_size
        n = min(cfg.chunk_size, cfg.customers - first)
        events.append(
            engine.simulate_chunk(cfg, plans, ws["controls"]["multiplier"], chunk, first, n, acc)
        )
        if n_chunks > 4 and (chunk + 1) % max(1, n_chunks // 10) == 0:
            log.info("simulated %d of %d customers", first + n, cfg.customers)
    return _assemble(cfg, plans, ws, acc, events)


def _assemble(
    cfg: SimulationConfig,
    plans: list[engine.ChannelPlan],
    ws: dict[str, Any],
    acc: engine.Accumulator,
    events: list[engine.ChunkEvents],
) -> World:
    specs = [p.spec for p in plans]
    cat = np.concatenate
    t_cust = cat([c for e in events for c in e.touch_customer] or [np.zeros(0, np.int64)])
    t_sec = cat([c for e in events for c in e.touch_seconds] or [np.zeros(0, np.int64)])
    t_ch = cat([c for e in events for c in e.touch_channel] or [np.zeros(0, np.int16)])
    t_camp = cat([c for e in events for c in e.touch_campaign] or [np.zeros(0, np.int64)])
    order = np.lexsort((t_ch, t_cust, t_sec))
    t_cust, t_sec, t_ch, t_camp = t_cust[order], t_sec[order], t_ch[order], t_camp[order]
    t_week = np.minimum(t_sec // engine.WEEK_SECONDS, cfg.weeks - 1)

    # cost: each week's spend shared equally by that week's touches of the channel
    counts = np.zeros((len(plans), cfg.weeks))
    np.add.at(counts, (t_ch, t_week), 1)
    spend = np.array(
        [
            np.round(ws["drivers"][s.name] * cfg.customers, 2)
            if s.driver == "spend"
            else np.zeros(cfg.weeks)
            for s in specs
        ]
    )
    unit = np.divide(spend, counts, out=np.zeros_like(spend), where=counts > 0)
    cost = np.round(unit[t_ch, t_week], 4)

    # alternative ids on a share of touches of channels that log them
    rng = engine.stream(cfg.seed, engine.STREAM_IDS)
    alt_code = np.array(
        [
            0
            if output.alt_id_type(s) is None
            else 1 + output.ALT_TYPES.index(output.alt_id_type(s))
            for s in specs
        ]
    )
    alt = np.where(rng.random(t_ch.size) < cfg.alt_id_share, alt_code[t_ch], 0)
    salts = {k: int(rng.integers(0, 2**40)) for k in output.ALT_TYPES}
    touch = output.touch_table(
        cfg.customers, cfg.start, specs, t_cust, t_sec, t_ch, t_camp, cost, alt, salts
    )

    c_cust = cat([e.conv_customer for e in events])
    c_sec = cat([e.conv_seconds for e in events])
    c_val = cat([e.conv_value for e in events])
    order = np.lexsort((c_cust, c_sec))
    c_cust, c_sec, c_val = c_cust[order], c_sec[order], c_val[order]
    conv = output.conversion_table(cfg.customers, cfg.start, c_cust, c_sec, c_val)
    c_week = np.minimum(c_sec // engine.WEEK_SECONDS, cfg.weeks - 1)
    weekly_sales = np.bincount(c_week, weights=c_val, minlength=cfg.weeks)

    media = _panel(cfg, specs, ws, spend, weekly_sales)
    truth = _truth(cfg, plans, ws, acc, spend, weekly_sales, c_val)
    cols = ["channel", "start", "end", "lift", "lift_se", "metric"]
    if any(SPEND_CHANGE in r for r in truth["lift_tests"]):
        cols.append(SPEND_CHANGE)  # budget-change tests (empty for holdouts)
    lift = pd.DataFrame([{k: r.get(k) for k in cols} for r in truth["lift_tests"]], columns=cols)
    for col in ("start", "end"):
        lift[col] = pd.to_datetime(lift[col])
    organic = pd.DataFrame({"date": pd.to_datetime(ws["weeks"]), **ws["organic"]})
    return World(
        config=cfg,
        touchpoints=output.to_pandas(touch),
        conversions=output.to_pandas(conv),
        id_map=output.to_pandas(output.id_map_table(cfg.customers, t_cust, alt, salts)),
        media=media,
        lift_tests=lift,
        organic=organic,
        truth=truth,
        query_volume=None
        if ws["query_volume"] is None
        else pd.DataFrame(
            {"date": pd.to_datetime(ws["weeks"]), "query_volume": ws["query_volume"]}
        ),
    )


def _panel(
    cfg: SimulationConfig,
    specs: list[Any],
    ws: dict[str, Any],
    spend: np.ndarray,
    weekly_sales: np.ndarray,
) -> pd.DataFrame:
    cols: dict[str, Any] = {"date": pd.to_datetime(ws["weeks"]), "sales": np.round(weekly_sales, 2)}
    for i, s in enumerate(specs):
        if s.driver == "spend":
            cols[f"spend_{s.name}"] = np.round(spend[i], 2)
        elif s.driver == "activity":
            cols[f"activity_{s.name}"] = np.round(ws["drivers"][s.name], 3)
    for k in ("price", "promo", "holiday"):
        cols[k] = ws["controls"][k]
    return pd.DataFrame(cols)


def _truth(
    cfg: SimulationConfig,
    plans: list[engine.ChannelPlan],
    ws: dict[str, Any],
    acc: engine.Accumulator,
    spend: np.ndarray,
    weekly_sales: np.ndarray,
    values: np.ndarray,
) -> dict[str, Any]:
    mult = ws["controls"]["multiplier"]
    channels: dict[str, Any] = {}
    for p in plans:
        s = p.spec
        half = s.half_level * s.level * (cfg.customers if s.driver == "spend" else 1.0)
        weekly_driver = spend[p.index] if s.driver == "spend" else ws["drivers"][s.name]
        groups = []
        for g in range(cfg.segments):
            for flag in (0, 1) if p.holdout > 0 else (0,):
                w_s = (
                    acc.w_sales[p.index, g].sum()
                    if p.holdout <= 0
                    else acc.w_sales[p.index, g, flag]
                )
                w_c = (
                    acc.w_conv[p.index, g].sum() if p.holdout <= 0 else acc.w_conv[p.index, g, flag]
                )
                groups.append(
                    {
                        "segment": g,
                        "holdout": bool(flag),
                        "a": float(p.a[g]),
                        "weight_sales": float(w_s),
                        "weight_conversions": float(w_c),
                        "off_weeks": p.test_weeks.tolist()
                        if flag and p.spend_change is None
                        else [],
                        **(
                            {
                                "changed_weeks": p.test_weeks.tolist(),
                                "driver_factor": 1.0 + p.spend_change,
                            }
                            if flag and p.spend_change is not None
                            else {}
                        ),
                    }
                )
        ch: dict[str, Any] = {
            "kind": s.kind,
            "in_journeys": s.interaction is not None,
            "driver": s.driver,
            "role": s.role,
            "spend": round(float(spend[p.index].sum()), 2),
            "weekly_driver": np.round(weekly_driver, 10).tolist(),
            "params": {
                "beta": s.beta,
                "decay": s.decay,
                "saturation": s.saturation,
                "max_exposures": s.max_exposures,
                "half_level": float(half),
                "targeting": s.targeting,
                "triggered_share": s.triggered_share,
                "carryover_weights": p.weights.tolist(),
            },
            "groups": groups,
        }
        exp_sales, exp_conv = channel_response(ch, 1.0), channel_response(ch, 1.0, "conversions")
        ch["incremental"] = {
            "expected_sales": exp_sales,
            "expected_conversions": exp_conv,
            "realised_sales": float(acc.real_sales[p.index]),
            "realised_conversions": float(acc.real_conv[p.index]),
            "weekly_expected_sales": channel_response(ch, 1.0, weekly=True).tolist(),
        }
        paid = s.driver == "spend" and ch["spend"] > 0
        ch["roi"] = exp_sales / ch["spend"] if paid else None
        ch["roi_realised"] = float(acc.real_sales[p.index]) / ch["spend"] if paid else None
        ch["mroi"] = marginal_roi(ch)
        ch["response"] = {
            "multiplier": list(RESPONSE_MULTIPLIERS),
            "spend": [m * ch["spend"] for m in RESPONSE_MULTIPLIERS],
            "driver_total": [m * float(np.sum(weekly_driver)) for m in RESPONSE_MULTIPLIERS],
            "expected_sales": [channel_response(ch, m) for m in RESPONSE_MULTIPLIERS],
            "expected_conversions": [
                channel_response(ch, m, "conversions") for m in RESPONSE_MULTIPLIERS
            ],
        }
        channels[s.name] = ch
    base_weekly = acc.base_sales * mult
    expected_total = float(base_weekly.sum()) + sum(
        c["incremental"]["expected_sales"] for c in channels.values()
    )
    for c in channels.values():
        c["incremental"]["share_of_expected_sales"] = (
            c["incremental"]["expected_sales"] / expected_total
        )
    return {
        "schema_version": 1,
        "seed": cfg.seed,
        "customers": cfg.customers,
        "weeks": cfg.weeks,
        "start": cfg.start.isoformat(),
        "segments": cfg.segments,
        "dates": [w.isoformat() for w in ws["weeks"]],
        "model": _MODEL_TEXT,
        "pitfalls": asdict(cfg.pitfalls),
        "demand": {"weekly_index": ws["demand"].tolist(), "latent_shock": ws["shock"].tolist()},
        "baseline": {
            "expected_sales": float(base_weekly.sum()),
            "expected_conversions": float((acc.base_conv * mult).sum()),
            "weekly_expected_sales": base_weekly.tolist(),
            "weekly_multiplier": mult.tolist(),
        },
        "expected": {"sales": expected_total},
        "realised": {
            "sales": float(weekly_sales.sum()),
            "conversions": int(values.size),
            "weekly_sales": np.round(weekly_sales, 2).tolist(),
        },
        "channels": channels,
        "lift_tests": _lift_truth(cfg, plans, acc, channels, ws["weeks"]),
    }


def _lift_truth(
    cfg: SimulationConfig,
    plans: list[engine.ChannelPlan],
    acc: engine.Accumulator,
    channels: dict[str, Any],
    weeks: list[Any],
) -> list[dict[str, Any]]:
    rows = []
    for p in plans:
        if p.holdout <= 0 or p.spec.name not in acc.lift:
            continue
        ch = channels[p.spec.name]
        (n_t, s_t, q_t), (n_h, s_h, q_h) = acc.lift[p.spec.name]
        var_t = (q_t - s_t**2 / n_t) / max(n_t - 1, 1)
        var_h = (q_h - s_h**2 / n_h) / max(n_h - 1, 1)
        # holdout: exposed minus held out; budget change: changed minus as is
        sign = 1.0 if p.spend_change is None else -1.0
        lift = sign * cfg.customers * (s_t / n_t - s_h / n_h)
        se = cfg.customers * math.sqrt(var_t / n_t + var_h / n_h)
        pooled = {**ch, "groups": []}
        for g in ch["groups"]:
            if not g["holdout"]:
                match = [h for h in ch["groups"] if h["segment"] == g["segment"]]
                w = {k: sum(h[k] for h in match) for k in ("weight_sales", "weight_conversions")}
                pooled["groups"].append({**g, **w})
        on = channel_response(pooled, weekly=True)
        test = (
            {"off_weeks": p.test_weeks.tolist()}
            if p.spend_change is None
            else {"changed_weeks": p.test_weeks.tolist(), "driver_factor": 1 + p.spend_change}
        )
        treated = channel_response(
            {**pooled, "groups": [{**g, **test} for g in pooled["groups"]]}, weekly=True
        )
        true = float(sign * (on - treated)[p.test_weeks].sum())
        rows.append(
            {
                "channel": p.spec.name,
                "start": weeks[p.test_weeks[0]].isoformat(),
                "end": (weeks[p.test_weeks[-1]] + dt.timedelta(days=6)).isoformat(),
                "lift": round(float(lift), 2),
                "lift_se": round(max(float(se), 0.01), 2),
                "metric": "sales",
                "holdout_share": p.holdout,
                **({} if p.spend_change is None else {SPEND_CHANGE: p.spend_change}),
                "true_lift": true,
                "true_contribution": float(on[p.test_weeks].sum()),
                "customers_held_out": int(n_h),
                "customers_exposed": int(n_t),
            }
        )
    return rows


_MODEL_TEXT = (
    "Per customer i and week t: exposures x_c ~ Poisson(a_c,seg(i) * F_c(d_c(t)) * on_c,i(t)), "
    "F_c(d) = max_exposures * (1 - exp(-d / half_level)); adstock A_c(t) = x_c(t) + decay * "
    "A_c(t-1); purchases ~ Poisson(b_i * m(t) + sum_c beta_c * s_i * (1 - exp(-A_c(t) / "
    "saturation))); order values v_i * lognormal. Expected incremental sales of channel c: "
    "beta_c * sum_groups weight_sales * sum_t (1 - exp(-a * sum_l w_l on(t-l) F_c(d_c(t-l)))) "
    "with w_l = carryover_weights. Realised incremental: same uniforms, channel term dropped."
)
