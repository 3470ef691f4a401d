"""The configuration reference (``docs/configuration.md``), generated from the config dataclasses.

Every key of every ``[section]`` of a run config, with its type, default and meaning,
straight from :mod:`attribution.pipeline.config`, so the page cannot drift from the
code (a test compares them). Regenerate after adding a key::

    python -m attribution.pipeline.config_doc > docs/configuration.md
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from pathlib import Path
from typing import Any

from attribution.pipeline.config import RunConfig

#: one line per key; a key without an entry shows "—" (add it here when adding a key)
MEANING: dict[str, str] = {
    "run.name": "name of the run, used as the report's title (e.g. `2026-Q3`)",
    "run.out": "run directory the run writes (relative to the config file)",
    "run.seed": "random seed of every stage; same seed and inputs, same numbers",
    "run.lenient": "quarantine bad input rows to `rejected*.csv` instead of stopping",
    "run.interval": "width of every interval (0.9 = 90%)",
    "run.window_start": "first day (`YYYY-MM-DD`) of the reporting window, e.g. a quarter: "
    "journeys, path credit, MMM contributions and calibration are "
    "summarised over it; the MMM still learns from the whole panel",
    "run.window_end": "last day (included) of the reporting window",
    "inputs.touchpoints": "touchpoints: file, folder, glob, object-store URL or table",
    "inputs.conversions": "conversions: file, folder, glob, object-store URL or table",
    "inputs.id_map": "optional id-map stitching cookies, devices and CRM ids into customers",
    "inputs.paths": "an aggregated path table instead of touchpoints and conversions",
    "inputs.media": "weekly media panel (sales, spend and activity per channel, controls)",
    "inputs.lift_tests": "lift tests that calibrate the MMM",
    "inputs.truth": "simulated worlds only: `truth.json`, for the truth comparison",
    "journeys.engine": "`duckdb` (embedded) or `spark` (cluster)",
    "journeys.lookback_days": "days of touches before a conversion that count toward it",
    "journeys.inactivity_days": "a gap this long ends a journey (non-converting)",
    "journeys.collapse_repeats": "merge consecutive touches of one channel into one",
    "journeys.drop_impressions": "ignore touches whose interaction is `impression`",
    "journeys.granularity": "`channel` or `campaign` as the unit of the paths",
    "journeys.memory_limit": "DuckDB memory limit",
    "journeys.threads": "DuckDB threads (default: all cores)",
    "journeys.spark_master": "Spark master URL (default: `$SPARK_MASTER`, local mode)",
    "journeys.spark_conf": 'any Spark setting, e.g. `{"spark.executor.memory" = "8g"}`',
    "mta.models": "path attribution models to run",
    "mta.order": "Markov order (1, 2, 3 …) or `auto` (chosen by held-out fit)",
    "mta.bootstrap": "bootstrap replicates for the intervals (0: none)",
    "mta.half_life": "time-decay half-life: a duration (`7D`) or a number of path steps",
    "mmm.spec": "MMM spec TOML (channels, adstock, saturation, priors); default: inferred",
    "mmm.draws": "posterior draws per chain",
    "mmm.tune": "tuning steps per chain",
    "mmm.chains": "sampler chains",
    "mmm.use_lift_tests": "calibrate the MMM with the lift tests",
    "mmm.use_mta_priors": "set the MMM's contribution-share priors from the path credit",
    "optimize.budget": "weekly total budget; default: the current weekly total",
    "optimize.bounds": "CSV of per-channel bounds (channel, min, max, min_pct, max_pct, locked)",
    "optimize.objective": "`sales`, `conversions` or `profit`",
    "optimize.margin": 'profit per unit of sales (for `objective = "profit"`)',
    "optimize.risk_quantile": "maximise this lower posterior quantile instead of the mean",
    "optimize.max_change_pct": "keep every channel within ±this % of its current spend",
    "report.formats": "report formats: `html`, `pdf`",
    "report.currency": "ISO currency code of the money figures",
    "report.locale": "number format: `en`, `de`, `fr`, `es`, `it`, `nl`",
    "report.previous": "last quarter's run directory, for the quarter-over-quarter section",
    "report.channel_names": 'display name per channel id, e.g. `{tv = "TV"}`',
    "report.channel_colours": 'chart colour per channel id, e.g. `{tv = "#0072B2"}`',
    "report.channel_units": 'unit of an activity channel, e.g. `{organic_social = "posts"}` '
    "(default: activity units; never currency)",
    "run.max_reject_share": "with `lenient`, the largest share of an input's rows that may be "
    "rejected before the run stops with exit status 2 (0.5 = half)",
    "run.reconcile": "`error`: a run whose journeys and panel share no channel stops before any "
    "model; `warn`: it goes on with a warning",
    "inputs.ga4": "a GA4 BigQuery export (`events_*`, Parquet or NDJSON) instead of "
    "touchpoints and conversions",
    "inputs.ad_spend": "daily ad-platform exports (Google Ads, Meta Ads, `date, channel, spend`) "
    "summed into the weekly panel",
    "inputs.sales": "daily sales (CRM or store) summed into the weekly panel's target",
    "inputs.customers": "customer attributes for segments: `customer_id` plus any columns",
    "mmm.demand_channels": "journey channels whose unpaid weekly touches measure demand "
    "(a channel with spend in the panel is left out)",
    "mmm.journey_demand": "add the journeys' weekly unpaid intent touches as a demand control",
    "mmm.journey_activity": "journey channels without spend enter the MMM as activity channels",
    "mmm.demand_r2": "share of a channel's spend variance explained by demand and past sales "
    "above which it is flagged 'spend follows demand'",
    "mmm.adjacent_hours": "touches this close before a purchase are its own steps, not counted",
    "mmm.intent_adjusted_priors": "MTA priors from path credit without the touches just before "
    "a purchase (only with `use_mta_priors`)",
    "mmm.partial_identification": "a channel the panel cannot separate from demand (spend "
    "follows demand, navigational touches) and without a lift test gets an effect anywhere "
    "from zero to the fitted association (docs/methods-demand.md)",
    "mmm.prior_mode": "`roi` puts the effect prior on each paid channel's ROI (the same "
    "prior for every channel), `share` on the media's total share of sales (split across "
    "channels so that their ROIs are exchangeable a priori; a spec file's `[model] "
    'share_split = "flat"` splits it evenly instead), `coefficient` on each effect at full '
    "saturation; unset: the spec file's, else `share` (the default)",
    "mmm.backend": "nutpie's compiler: `numba` (slow to compile, fast to sample), `jax` "
    "(compiles in seconds, samples slower per step; its compiled programs are kept on disk "
    "for later runs of the same model structure) or `auto` (jax for short runs, numba "
    "otherwise); docs/compile-cache.md",
    "mmm.cache_dir": "folder of compiled models kept across runs (jax backend); unset: "
    "`$ATTRIBUTION_CACHE_DIR`, else `~/.cache/attribution`",
    "optimize.allow_unconverged": "plan even when the model failed its diagnostics; the plan "
    "is then marked not for decisions",
    "optimize.confounded_cap": "largest change (0.1 = ±10%) of a channel whose spend follows "
    "demand and that has no lift test",
    "optimize.flighting": "how a plan's weekly spend is laid over the weeks: historical scales "
    "each channel's own weekly spend of the fitted weeks (bursts stay bursts), flat spends the "
    "same every week (docs/methods.md, Budget optimiser)",
    "experiments.enabled": "rank the test worth running next for each paid channel "
    "(experiments.csv)",
    "segments.enabled": "attribute conversions per segment when journeys come from touchpoints",
    "segments.max_levels": "most distinct values an attribute column may have",
    "segments.min_conversions": "converting journeys a segment needs to be estimated",
    "segments.offline_channels": "channels counted as offline for online/offline journeys "
    "(default: store visits, call centre, direct mail ...)",
    "segments.pressure": "measure response by weekly contact frequency per channel",
    "segments.max_frequency": "highest weekly frequency bin of the contact-pressure model",
    "segments.caps_from_pressure": "turn the measured saturation frequencies into spend caps "
    "for the plan",
    "segments.caps": "your own caps CSV: `channel`, `frequency_cap` and/or `spend_cap`",
    "mapping.columns": 'your column names per input, e.g. `touchpoints = {customer_id = "uid"}`',
    "mapping.panel": "roles of the panel's columns: date, target, geo, population, spend/"
    "impressions/activity patterns, controls, ignore",
    "mapping.channels": "raw source/medium/campaign values to channels: exact values, glob or "
    "regex rules, then a built-in grouping",
}


def _type_name(tp: Any) -> str:
    text = str(tp).replace("typing.", "").replace("pathlib.", "").replace("<class '", "")
    return text.replace("'>", "")


def _default(f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        v = f.default
    elif f.default_factory is not dataclasses.MISSING:
        v = f.default_factory()
    else:
        return "required"
    if v is None:
        return "unset"
    if isinstance(v, Path):
        return f'`"{v}"`'
    if isinstance(v, tuple | list):
        return "`[" + ", ".join(f'"{x}"' for x in v) + "]`"
    if isinstance(v, dict):
        return "`{}`"
    if isinstance(v, bool):
        return f"`{str(v).lower()}`"
    if isinstance(v, str):
        return f'`"{v}"`'
    return f"`{v}`"


def config_keys() -> list[tuple[str, str]]:
    """Every ``(section, key)`` of a run config, in the dataclasses' order."""
    hints = typing.get_type_hints(RunConfig)
    return [
        (sec.name, f.name)
        for sec in dataclasses.fields(RunConfig)
        for f in dataclasses.fields(hints[sec.name])
    ]


def reference() -> str:
    """The Markdown page listing every key with type, default and meaning."""
    hints = typing.get_type_hints(RunConfig)
    lines = [
        "# Configuration reference",
        "",
        "A run is described by one TOML file (`attribution run --config run.toml`). Every",
        "key is listed below with its default; unknown keys are errors (the closest valid",
        "name is suggested), and relative paths resolve against the config file's folder.",
        "This page is generated from `attribution/pipeline/config.py`:",
        "`python -m attribution.pipeline.config_doc > docs/configuration.md`.",
        "",
        "```toml",
        "[run]",
        'name = "2026-Q3"',
        'out = "runs/2026-Q3"',
        'window_start = "2026-07-01"   # the quarter the tables summarise',
        'window_end = "2026-09-30"',
        "",
        "[inputs]",
        'touchpoints = "data/touchpoints.parquet"',
        'conversions = "data/conversions.parquet"',
        'media = "data/media.csv"',
        "",
        "[report]",
        'channel_names = {tv = "TV", social_paid = "Paid social"}',
        'channel_units = {organic_social = "posts"}',
        "```",
        "",
    ]
    for sec in dataclasses.fields(RunConfig):
        cls = hints[sec.name]
        lines += [f"## [{sec.name}]", "", "| key | type | default | meaning |", "|---|---|---|---|"]
        sub = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            meaning = MEANING.get(f"{sec.name}.{f.name}", "—").replace("|", "\\|")
            typ = _type_name(sub[f.name]).replace("|", "or")
            lines.append(f"| `{f.name}` | {typ} | {_default(f)} | {meaning} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(reference())
