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
MTA_DIR = "mta"  # mta/<table>.csv: each model's detail tables
MTA_JOURNEY_CREDIT_CSV = "mta/journey_credit.csv"  # Markov credit per path (for calibration)
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
MTA_BY_SEGMENT_COLUMNS = (
    "segment",
    "value",
    "model",
    "channel",
    "conversions",
    "ci_low",
    "ci_high",
    "value_credit",
    "share",
    "share_low",
    "share_high",
    "segment_conversions",
    "segment_journeys",
    "mix_differs",
)
PRESSURE_COLUMNS = (
    "level",
    "channel",
    "frequency",
    "label",
    "rows",
    "conversions",
    "raw_rate",
    "raw_change",
    "effect",
    "effect_low",
    "effect_high",
    "peak",
    "peak_low",
    "peak_high",
    "beyond",
    "method",
)
ONLINE_OFFLINE_COLUMNS = (
    "segment",
    "value",
    "direction",
    "role",
    "channel",
    "journeys",
    "base",
    "share",
    "share_low",
    "share_high",
)
CAPS_COLUMNS = (
    "channel",
    "frequency_cap",
    "source",
    "touches_per_week",
    "reached_per_week",
    "weekly_spend",
    "touches_per_spend",
    "spend_cap",
    "recommended_spend",
    "binds",
)

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
TEST_DESIGN_CSV = "test_design.csv"

# ----------------------------------------------------------------------------- report
REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"


# ============================================================================ columns
# The columns each table holds (in this order; extra columns are welcome after them).
# A writer checks its frame with ``check_columns`` before writing; the report reads
# only these names.

# paths.csv (the aggregated path table other attribution tools use)
PATH = "path"
TOTAL_CONVERSIONS = "total_conversions"
TOTAL_CONVERSION_VALUE = "total_conversion_value"
TOTAL_NULL = "total_null"
PATHS_COLUMNS = (PATH, TOTAL_CONVERSIONS, TOTAL_CONVERSION_VALUE, TOTAL_NULL)

# shared by several tables
CHANNEL = "channel"
DATE = "date"
#: the name of the plan's whole-budget row in plan.csv (its ``channel`` cell)
TOTAL_ROW = "total"

# mta.csv (long: one row per model and channel)
MODEL = "model"
CONVERSIONS = "conversions"
VALUE = "value"
CI_LOW = "ci_low"
CI_HIGH = "ci_high"
VALUE_CI_LOW = "value_ci_low"
VALUE_CI_HIGH = "value_ci_high"
BASIS = "basis"
MTA_COLUMNS = (MODEL, CHANNEL, CONVERSIONS, VALUE, CI_LOW, CI_HIGH, VALUE_CI_LOW, VALUE_CI_HIGH)

# mmm/channels.csv
KIND = "kind"
SPEND = "spend"
CONTRIBUTION = "contribution"
CONTRIBUTION_LOW = "contribution_low"
CONTRIBUTION_HIGH = "contribution_high"
SHARE = "share"
ROI = "roi"
ROI_LOW = "roi_low"
ROI_HIGH = "roi_high"
MROI = "mroi"
MROI_LOW = "mroi_low"
MROI_HIGH = "mroi_high"
MMM_CHANNELS_COLUMNS = (
    CHANNEL,
    KIND,
    SPEND,
    CONTRIBUTION,
    CONTRIBUTION_LOW,
    CONTRIBUTION_HIGH,
    "share",
    "share_low",
    "share_high",
    ROI,
    ROI_LOW,
    ROI_HIGH,
    MROI,
    MROI_LOW,
    MROI_HIGH,
)

# mmm/contributions.csv (weekly, summed over geos)
FITTED = "fitted"
MMM_CONTRIBUTIONS_COLUMNS = (
    DATE,
    CHANNEL,
    CONTRIBUTION,
    CONTRIBUTION_LOW,
    CONTRIBUTION_HIGH,
    FITTED,
)

# mmm/decomposition.csv (weekly; then one column per component)
SALES = "sales"
PREDICTED = "predicted"
MMM_DECOMPOSITION_COLUMNS = (DATE, SALES, FITTED)

# mmm/response_curves.csv (weekly steady-state response)
RESPONSE = "response"
RESPONSE_LOW = "response_low"
RESPONSE_HIGH = "response_high"
MMM_RESPONSE_CURVES_COLUMNS = (CHANNEL, SPEND, RESPONSE, RESPONSE_LOW, RESPONSE_HIGH)

# combined.csv (the reconciled table; then path_value_<model>, path_conversions_<model>)
FLAG = "flag"
FLAG_TEXT = "flag_text"
FINAL_CONTRIBUTION = "final_contribution"
FINAL_CONTRIBUTION_LOW = "final_contribution_low"
FINAL_CONTRIBUTION_HIGH = "final_contribution_high"
FINAL_ROI = "final_roi"
FINAL_ROI_LOW = "final_roi_low"
FINAL_ROI_HIGH = "final_roi_high"
MMM_CONTRIBUTION = "mmm_contribution"
CALIBRATION_FACTOR = "calibration_factor"
CALIBRATED_VALUE = "calibrated_value"
TOO_UNCERTAIN = "too_uncertain"
PATH_VALUE_PREFIX = "path_value_"
PATH_CONVERSIONS_PREFIX = "path_conversions_"
COMBINED_COLUMNS = (
    CHANNEL,
    FLAG,
    SPEND,
    FINAL_CONTRIBUTION,
    FINAL_CONTRIBUTION_LOW,
    FINAL_CONTRIBUTION_HIGH,
    FINAL_ROI,
    FINAL_ROI_LOW,
    FINAL_ROI_HIGH,
    TOO_UNCERTAIN,
    FLAG_TEXT,
    MMM_CONTRIBUTION,
    "mmm_contribution_low",
    "mmm_contribution_high",
    "mmm_roi",
    "mmm_roi_low",
    "mmm_roi_high",
    "mmm_mroi",
    CALIBRATION_FACTOR,
    CALIBRATED_VALUE,
)

# calibrated_paths.csv
CALIBRATED = "calibrated"
CALIBRATED_PATHS_COLUMNS = (
    PATH,
    CHANNEL,
    CONVERSIONS,
    VALUE,
    CALIBRATED,
    CALIBRATION_FACTOR,
    CALIBRATED_VALUE,
)

# truth_comparison.csv (simulated worlds only)
QUANTITY = "quantity"
METHOD = "method"
ESTIMATE = "estimate"
TRUTH = "truth"
REL_ERROR = "rel_error"
TRUTH_COMPARISON_COLUMNS = (CHANNEL, QUANTITY, METHOD, ESTIMATE, TRUTH, REL_ERROR)

# plan.csv (one row per channel, then the ``total`` row)
CURRENT_SPEND = "current_spend"
RECOMMENDED_SPEND = "recommended_spend"
CHANGE_PCT = "change_pct"
EXPECTED_CURRENT = "expected_current"
EXPECTED_CURRENT_LOW = "expected_current_low"
EXPECTED_CURRENT_HIGH = "expected_current_high"
EXPECTED_RECOMMENDED = "expected_recommended"
EXPECTED_RECOMMENDED_LOW = "expected_recommended_low"
EXPECTED_RECOMMENDED_HIGH = "expected_recommended_high"
CURRENT_WEEKLY_SPEND = "current_weekly_spend"
RECOMMENDED_WEEKLY_SPEND = "recommended_weekly_spend"
PROB_BEATS_CURRENT = "prob_beats_current"
PLAN_COLUMNS = (
    CHANNEL,
    CURRENT_SPEND,
    RECOMMENDED_SPEND,
    CHANGE_PCT,
    EXPECTED_CURRENT,
    EXPECTED_CURRENT_LOW,
    EXPECTED_CURRENT_HIGH,
    EXPECTED_RECOMMENDED,
    EXPECTED_RECOMMENDED_LOW,
    EXPECTED_RECOMMENDED_HIGH,
    MROI,
    MROI_LOW,
    MROI_HIGH,
    "min_spend",
    "max_spend",
    "locked",
    "status",
    CURRENT_WEEKLY_SPEND,
    RECOMMENDED_WEEKLY_SPEND,
    PROB_BEATS_CURRENT,
)

# sweep.csv (then spend_<channel>)
BUDGET = "budget"
EXPECTED = "expected"
EXPECTED_LOW = "expected_low"
EXPECTED_HIGH = "expected_high"
SWEEP_COLUMNS = (BUDGET, EXPECTED, EXPECTED_LOW, EXPECTED_HIGH, "marginal_roi")

#: file -> the columns it must hold (the contract; extra columns are welcome)
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    PATHS_CSV: PATHS_COLUMNS,
    MTA_CSV: MTA_COLUMNS,
    MMM_CHANNELS_CSV: MMM_CHANNELS_COLUMNS,
    MMM_CONTRIBUTIONS_CSV: MMM_CONTRIBUTIONS_COLUMNS,
    MMM_DECOMPOSITION_CSV: MMM_DECOMPOSITION_COLUMNS,
    MMM_RESPONSE_CURVES_CSV: MMM_RESPONSE_CURVES_COLUMNS,
    COMBINED_CSV: COMBINED_COLUMNS,
    CALIBRATED_PATHS_CSV: CALIBRATED_PATHS_COLUMNS,
    TRUTH_COMPARISON_CSV: TRUTH_COMPARISON_COLUMNS,
    PLAN_CSV: PLAN_COLUMNS,
    SWEEP_CSV: SWEEP_COLUMNS,
}


def check_columns(name: str, columns: object) -> None:
    """Raise ``ValueError`` when a table about to be written as ``name`` lacks a contract
    column (a writer bug, never a user error).

    Example
    -------
    >>> check_columns(SWEEP_CSV, ["budget", "expected", "expected_low", "expected_high"])
    Traceback (most recent call last):
    ...
    ValueError: sweep.csv lacks the contract columns marginal_roi
    """
    have = set(columns)  # type: ignore[call-overload]
    missing = [c for c in TABLE_COLUMNS[name] if c not in have]
    if missing:
        raise ValueError(f"{name} lacks the contract columns {', '.join(missing)}")


# ============================================================================ run.json keys
STATUS = "status"
COMMAND = "command"
CONFIG = "config"
SEED = "seed"
VERSIONS = "versions"
INPUTS = "inputs"
ROW_ACCOUNTING = "row_accounting"
TIMINGS = "timings_s"
STAGES = "stages"
FINDINGS = "findings"
FINDINGS_SUMMARY = "findings_summary"
OUTPUTS = "outputs"
SKIPPED_STAGES = "skipped_stages"
ERROR = "error"
PID = "pid"
STARTED_AT = "started_at"
UPDATED_AT = "updated_at"
FINISHED_AT = "finished_at"
INPUT_CHECKSUM = "input_checksum"  # one sha256 over every input's checksum (resume check)
CONFIG_CHECKSUM = "config_checksum"
DECISIONS = "decisions"  # {"safe": bool, "reasons": [...], "fix": [...]}
DECISIONS_SAFE = "safe"
DECISIONS_REASONS = "reasons"
DECISIONS_FIX = "fix"
MTA_BASIS = "mta_basis"
MTA_PRIORS = "mta_priors"
JOURNEY_SIGNALS = "journey_signals"  # weekly demand and activity series from the journeys
JOURNEY_ADJACENT_SHARE = "adjacent_share"  # in JOURNEY_SIGNALS: channel -> purchase-adjacent share
SPEND_FOLLOWS_DEMAND = "spend_follows_demand"  # {"tests", "capped", "cap"}
SFD_CAPPED = "capped"
UNIDENTIFIED = "unidentified"  # channels whose effect runs from zero to the association
TRUTH_ERROR_SUMMARY = "truth_error_summary"
NOTES = "notes"

# keys inside config (the run config's sections, as ``RunConfig.to_dict`` writes them)
CONFIG_RUN = "run"
CONFIG_INTERVAL = "interval"
CONFIG_NAME = "name"

#: the last stage: the report is rendered while it runs, so it never waits for itself
STAGE_REPORT = "report"

# keys of one stage's entry in ``stages``
STAGE_STATUS = "status"
STAGE_SECONDS = "seconds"
STAGE_OUTPUTS = "outputs"  # relative path -> {"bytes", "sha256"}
STAGE_REASON = "reason"  # why a stage was skipped
STAGE_ORDER = "order"  # its place in the run (run.json's keys are sorted)

# keys of one input's entry in row_accounting (attribution.data.accounting.RowAccounting)
ACC_SOURCE = "source"
ACC_READ = "read"
ACC_USED = "used"
ACC_REJECTED = "rejected"  # reason -> rows
ACC_REJECTED_TOTAL = "rejected_total"
ACC_BLANK = "blank"
ACC_NOTES = "notes"  # what a reader noticed and did (e.g. epoch timestamps)

# keys of findings_summary
SUMMARY_ERROR = "error"
SUMMARY_WARNING = "warning"
SUMMARY_INFO = "info"
SUMMARY_ATTENTION = "attention"

# keys of one finding (attribution.findings.Finding)
FINDING_KEYS = ("level", "code", "message", "action", "stage")

# ----------------------------------------------------------------------------- statuses
#: run.json ``status``
STATUS_RUNNING = "running"  # started, not finished (or killed: see pid)
STATUS_OK = "ok"  # finished; no error-level finding
STATUS_NOT_FOR_DECISIONS = "not_for_decisions"  # finished with error-level findings
STATUS_FAILED = "failed"  # stopped by an error (see ``error``)
RUN_STATUSES = (STATUS_RUNNING, STATUS_OK, STATUS_NOT_FOR_DECISIONS, STATUS_FAILED)

#: a stage's ``status`` in ``stages``
STAGE_PENDING = "pending"  # planned, not started
STAGE_RUNNING = "running"
STAGE_DONE = "done"
STAGE_SKIPPED = "skipped"
STAGE_FAILED = "failed"

# ----------------------------------------------------------------------------- exit statuses
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_NOT_FOR_DECISIONS = 3  # finished, but error-level diagnostics: not for decisions

# ============================================================================ plan.json keys
PLAN_BUDGET = "budget"
PLAN_HORIZON_WEEKS = "horizon_weeks"
PLAN_INTERVAL = "interval"
PLAN_GAIN = "gain"  # expected gain of the plan over the current one
PLAN_GAIN_LOW = "gain_low"
PLAN_GAIN_HIGH = "gain_high"
PLAN_PROB_BEATS_CURRENT = PROB_BEATS_CURRENT
PLAN_SAFE = "safe"  # False: made from a model with error-level diagnostics
PLAN_UNSAFE_REASON = "unsafe_reason"
PLAN_FLIGHTING = "flighting"  # how weekly spend was laid over the weeks (optimize.FLIGHTING)
PLAN_FINDINGS = FINDINGS
#: what the report reads of plan.json as the plan's summary
PLAN_SUMMARY_KEYS = (PLAN_GAIN, PLAN_GAIN_LOW, PLAN_GAIN_HIGH, PLAN_PROB_BEATS_CURRENT)

# ------------------------------------------------------------ run.json: data and reporting window
#: ``run.json[RUN_WINDOW]`` holds ``{prefix}_start``, ``{prefix}_end`` (ISO dates, inclusive)
#: and ``{prefix}_weeks`` for two prefixes: WINDOW_DATA (the weeks of the media panel the
#: model learned from) and WINDOW_REPORT (the weeks the run's tables summarise: the
#: configured ``[run] window_start/window_end``, or the data window).
RUN_WINDOW = "window"
WINDOW_DATA = "data"
WINDOW_REPORT = "report"


def companion(stem: str, name: str) -> str:
    """A file written beside a command's ``--out`` file: ``plan`` + ``sweep.csv`` ->
    ``plan_sweep.csv`` (the command-line twin of a run directory's ``sweep.csv``)."""
    return f"{stem}_{name}"
