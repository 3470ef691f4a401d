"""The run directory's contract: every file, column and ``run.json`` key, in one place.

Every stage writes, and the report reads, only names declared here (DESIGN.md,
"Run directory"). No stage spells a file name or a manifest key as a string
literal of its own. This module is the bottom layer: it imports nothing from the
package.

Sections are by stage, so that each stage's names sit together. Add a name here
first, then use it.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------- manifest
RUN_JSON = "run.json"
RUN_TOML = "run.toml"
LOCK_FILE = ".run.lock"

# ----------------------------------------------------------------------------- journeys / paths
PATHS_CSV = "paths.csv"
JOURNEYS_PARQUET = "journeys.parquet"
REJECTED_PATHS_CSV = "rejected_paths.csv"
REJECTED_JOURNEYS_CSV = "rejected_journeys.csv"

# ----------------------------------------------------------------------------- path attribution
MTA_CSV = "mta.csv"
SHAPLEY_BY_POSITION_CSV = "shapley_by_position.csv"

# ------------------------------------------------------------ segments and contact pressure
MTA_BY_SEGMENT_CSV = "mta_by_segment.csv"
PRESSURE_CSV = "pressure.csv"
ONLINE_OFFLINE_CSV = "online_offline.csv"
CAPS_CSV = "caps.csv"
SEGMENT_PATHS_CSV = "segment_paths.csv"
OFFLINE_CHANNELS_KEY = "offline_channels"  # run.json: the channels counted as offline
# columns of each file (attribution/mta/segments.py, pressure.py, online_offline.py,
# attribution/optimize/caps.py write them in this order)
MTA_BY_SEGMENT_COLUMNS = ("segment", "value", "model", "channel", "conversions", "ci_low",
                          "ci_high", "value_credit", "share", "share_low", "share_high",
                          "segment_conversions", "segment_journeys", "mix_differs")
PRESSURE_COLUMNS = ("level", "channel", "frequency", "label", "rows", "conversions",
                    "raw_rate", "raw_change", "effect", "effect_low", "effect_high",
                    "peak", "peak_low", "peak_high", "beyond", "method")
ONLINE_OFFLINE_COLUMNS = ("segment", "value", "direction", "role", "channel", "journeys",
                          "base", "share", "share_low", "share_high")
CAPS_COLUMNS = ("channel", "frequency_cap", "source", "touches_per_week", "reached_per_week",
                "weekly_spend", "touches_per_spend", "spend_cap", "recommended_spend", "binds")

# ----------------------------------------------------------------------------- media-mix model
MMM_DIR = "mmm"
MMM_POSTERIOR = "mmm/posterior.nc"
MMM_SPEC = "mmm/spec.json"
MMM_CHANNELS_CSV = "mmm/channels.csv"
MMM_CONTRIBUTIONS_CSV = "mmm/contributions.csv"
MMM_DECOMPOSITION_CSV = "mmm/decomposition.csv"
MMM_RESPONSE_CURVES_CSV = "mmm/response_curves.csv"
MMM_DIAGNOSTICS_JSON = "mmm/diagnostics.json"
REJECTED_MEDIA_CSV = "rejected_media.csv"
REJECTED_LIFT_TESTS_CSV = "rejected_lift_tests.csv"

# ----------------------------------------------------------------------------- combine
COMBINED_CSV = "combined.csv"
CALIBRATED_PATHS_CSV = "calibrated_paths.csv"
TRUTH_COMPARISON_CSV = "truth_comparison.csv"

# ----------------------------------------------------------------------------- optimise
PLAN_CSV = "plan.csv"
PLAN_JSON = "plan.json"
SWEEP_CSV = "sweep.csv"
SCENARIOS_CSV = "scenarios.csv"

# ----------------------------------------------------------------------------- experiments
EXPERIMENTS_CSV = "experiments.csv"
TEST_PLAN_CSV = "test_plan.csv"
POWER_CSV = "power.csv"

# ----------------------------------------------------------------------------- report
REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
