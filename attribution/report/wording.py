"""All words the report shows, in one place (English; numbers follow the chosen locale).

Templates use ``str.format`` fields. Values put into them are already formatted
strings; the HTML templates escape everything, so data cannot inject markup.
"""

from __future__ import annotations

REPORT_TITLE = "Marketing effectiveness report"
TITLE_WITH_RUN = "Marketing effectiveness report: {name}"
SUBTITLE = "{period}Generated {generated} · intervals are {level} credible/confidence intervals"
SUBTITLE_PERIOD = "Data {period} · "
TOC_TITLE = "Contents"

SECTION_TITLES = {
    "summary": "Executive summary",
    "contribution": "What drove sales: channel contribution",
    "roi": "Return on spend",
    "attribution": "Path attribution across methods",
    "budget": "Budget reallocation",
    "experiments": "The test worth running next",
    "comparison": "Change since the previous run",
    "appendix": "Appendix: diagnostics, data quality and method notes",
}

NOT_RUN = {
    "mmm": "The media-mix model was not run (no mmm/channels.csv), so contribution and return "
    "on spend are not shown.",
    "mta": "Path attribution was not run (no mta.csv), so the method comparison is not shown.",
    "paths": "No path table (paths.csv) was found, so top journeys and online-to-offline "
    "movements are not shown.",
    "plan": "The budget optimiser was not run (no plan.csv), so no reallocation is recommended.",
    "sweep": "No budget sweep (sweep.csv) was run.",
    "contributions": "Contribution over time is not available (no mmm/contributions.csv).",
    "curves": "Response curves are not available (no mmm/response_curves.csv).",
    "previous": "No previous run was given (use --previous DIR to compare quarter over quarter).",
    "findings": "No diagnostic findings were recorded.",
    "accounting": "The run did not record row accounting.",
}
ANALYSES_NOT_RUN = "Analyses not run in this report: {items}."
STAGES_SKIPPED = "Stages the run skipped: {items}."
STAGE_SKIPPED_ITEM = "{stage} ({reason})"
ANALYSIS_NAMES = {
    "mmm": "media-mix model",
    "mta": "path attribution",
    "plan": "budget optimiser",
    "paths": "journey table",
}

# ---------------------------------------------------------------- periods and channels
PERIOD = "{start} – {end} ({weeks})"
PERIOD_SHORT = "{weeks} to {end}"


def weeks(n: int) -> str:
    """``1`` -> ``"1 week"``, ``13`` -> ``"13 weeks"``."""
    return f"{n} week" if n == 1 else f"{n} weeks"


#: readable default names for common channel ids (``[report] channel_names`` overrides)
CHANNEL_NAMES = {
    "tv": "TV",
    "ctv": "Connected TV",
    "radio": "Radio",
    "print": "Print",
    "ooh": "Out of home",
    "search_brand": "Brand search",
    "search_generic": "Generic search",
    "search_nonbrand": "Generic search",
    "paid_search": "Paid search",
    "search": "Search",
    "display": "Display",
    "social_paid": "Paid social",
    "paid_social": "Paid social",
    "social": "Social",
    "organic_social": "Organic social",
    "email": "E-mail",
    "newsletter": "Newsletter",
    "sms": "SMS",
    "direct_mail": "Direct mail",
    "store_visit": "Store visit",
    "call_centre": "Call centre",
    "call_center": "Call center",
    "affiliate": "Affiliates",
    "video": "Video",
    "direct": "Direct",
    "organic_search": "Organic search",
    "referral": "Referral",
    "(none)": "No tracked touch",
}
DEFAULT_ACTIVITY_UNIT = "activity units"
ACTIVITY_AMOUNT = "{amount} {unit}"

# ---------------------------------------------------------------- executive summary
SCALE_LINE_NO_DATES = (
    "The run does not record the dates of its data, so totals cover the "
    "whole period of the inputs. Report generated {generated}."
)
THIS_PERIOD = "the whole period of the data"
SCALE_LINE_WINDOW = (
    "Figures cover the reporting window {report}; the media-mix model learned "
    "from {data}. Report generated {generated}."
)
CARD_SALES = "Total sales, {period}"
CARD_SALES_DETAIL = "baseline (without media) {baseline}; media {media} = {share} of sales"
CARD_MEDIA = "Sales driven by media, {period}"
CARD_MEDIA_DETAIL = "sum over {n} channels, estimated by the media-mix model"
CARD_BEST_ROI = "Best return per {sym}1"
CARD_BEST_ROI_DETAIL = "{channel}, {level} interval {interval}"
CARD_NO_RANK = "Best return per {sym}1"
CARD_NO_RANK_VALUE = "Not yet known"
CARD_NO_RANK_DETAIL = "no channel's return can be ranked yet; {test} would decide"
CARD_GAIN = "Expected gain of the plan, per year"
CARD_GAIN_DETAIL = (
    "{week} per week, {quarter} per quarter; {level} interval per year "
    "{interval}; probability it beats the current plan under the model: {prob}"
)
CARD_GAIN_NO_IV = (
    "{week} per week, {quarter} per quarter; interval and probability not reported by the optimiser"
)
CARD_TOP_PATH = "Most credited channel (paths)"

SUM_SALES = (
    "Over {period}, sales were {sales}: {baseline} baseline (sales that would have "
    "happened without media) and an estimated {media} ({share}) driven by media."
)
SUM_MEDIA_ONLY = "Over {period}, media drove an estimated {media} of sales."
SUM_DRIVERS = "{top} contributed most ({top_value}, {level} interval {top_iv}){second}."
SUM_DRIVERS_SECOND = ", followed by {name} ({value}, {iv})"
SUM_DRIVERS_NONE = (
    "No channel's contribution can be ranked yet: every interval is wider than twice its estimate."
)
SUM_DRIVERS_MTA = (
    "Path attribution ({model}) credits {top} with the largest share of "
    "conversions ({share}){second}."
)
SUM_DRIVERS_MTA_SECOND = ", followed by {name} ({share})"
SUM_ROI = (
    "Per {sym}1 spent over {period}, {best} returned the most ({best_roi}, {level} "
    "interval {best_iv}){second}{worst}."
)
SUM_ROI_SECOND = ", then {name} ({roi})"
SUM_ROI_WORST = "; {name} returned the least ({roi})"
SUM_ROI_UNRANKED = (
    "Too uncertain to rank (interval wider than twice the estimate): {names}; "
    "{test} would show whether {top} really returns the most."
)
SUM_ROI_NONE = (
    "No channel's return per {sym}1 can be ranked yet: every interval is wider than "
    "twice its estimate. {test} would decide first."
)
TEST_GEO_LIFT = "a geo lift test on {channel}"
TEST_GEO_LIFT_CAP = "A geo lift test on {channel}"
SUM_PLAN = (
    "Recommendation: keep the budget at {budget} per week and move money {moves}. "
    "Expected gain: {gain_week} per week, {gain_year} per year ({iv}); probability it "
    "beats the current plan under the model: {prob}."
)
SUM_PLAN_MOVES = "from {down} to {up}"
SUM_PLAN_MAY_LOSE = (
    " The interval includes a loss: treat these moves as a hypothesis to test, not a decision."
)
SUM_PLAN_NO_CHANGE = "The optimiser recommends keeping the current allocation."
SUM_PLAN_BUDGET_CHANGE = (
    "Recommendation: change the budget from {current} to {recommended} "
    "per week and move money {moves}. Expected gain: {gain_week} per week,"
    " {gain_year} per year ({iv}); probability it beats the current plan under the model: "
    "{prob}."
)
TABLE_PLAN_SCALE = "The plan per week, quarter and year"
H_PLAN_ITEM = ""
H_PER_WEEK = "Per week"
H_PER_QUARTER = "Per quarter (13 weeks)"
H_PER_YEAR = "Per year (52 weeks)"
ROW_BUDGET = "Budget (recommended plan)"
ROW_GAIN = "Expected gain"
ROW_GAIN_IV = "{level} interval of the gain"
NOT_REPORTED = "not reported"
GAIN_INTERVAL = "{level} interval {interval} per year"
FLAGS_MORE = "… and {n} more (see the appendix and the channel tables)."
FLAGS_TITLE = "Where the data cannot tell"
FLAGS_NONE = "No confidence warnings: diagnostics passed and intervals are reasonably narrow."
FLAG_ROI_SPANS_ONE = (
    "{channel}: the return interval ({iv}) includes break-even, so the data "
    "cannot tell whether this channel pays back."
)
FLAG_CONCERNS = "Concerns: {names}"
#: finding codes whose detail only restates their lead: the flag names the channels instead
LEAD_SAYS_IT_ALL = frozenset(
    {
        "combine.mmm_uncertain",
        "mmm.channel_no_spend",
        "data.zero_channel",
        "mmm.navigational",
        "mmm.spend_follows_demand",
    }
)
FLAG_WIDE = (
    "{channel}: the contribution interval ({iv}) is wider than twice the estimate; "
    "treat the number as a rough order of magnitude."
)
FLAG_FINDING = "{lead}{message}{action}"
FLAG_ACTION = " Action: {action}."
FLAG_LEAD = "{lead} "
#: one plain sentence per finding code, put before the finding's technical detail in the
#: summary's flags (codes without an entry show their detail only)
FINDING_LEADS = {
    "mmm.rhat": "The media-mix model has not converged: independent runs of its sampler "
    "disagree, so its numbers are not yet reliable.",
    "mmm.ess": "The media-mix model drew too few independent samples for stable intervals.",
    "mmm.divergences": "The media-mix model's sampler could not explore part of the plausible "
    "values, so its intervals may be too narrow or off-centre.",
    "mmm.bfmi": "The media-mix model's sampler explored the uncertainty poorly.",
    "mmm.channel_no_spend": "A channel had no spend in the period, so the model cannot measure it.",
    "mmm.control_constant": "A control never changed in the period, so the model cannot use it.",
    "mmm.collinear": "Some channels always moved together, so the model cannot tell their "
    "effects apart.",
    "mmm.ppc_coverage": "The media-mix model misses part of what drives sales.",
    "mmm.fit": "The media-mix model explains little of the ups and downs in sales.",
    "mmm.media_exceeds_sales": "The model credits marketing with more than all sales, so its "
    "channel numbers come from its assumptions, not from the data.",
    "mmm.holdout": "The media-mix model predicts unseen weeks worse than the weeks it was fitted "
    "on.",
    "mmm.residual_autocorrelation": "The media-mix model leaves a pattern over time unexplained.",
    "mta.no_conversions": "The journey data holds no sales.",
    "mta.never_converts": "Channels that never appear before a sale in the tracked journeys "
    "get no credit.",
    "mta.all_converting": "The journey data holds only customers who bought, so path "
    "attribution cannot tell which channels change the chance to buy.",
    "mta.single_channel": "Only one channel appears in the journeys, so path attribution cannot "
    "compare channels.",
    "mta.few_conversions": "There are too few sales in the journeys for a stable split of credit.",
    "mta.long_paths": "Some journeys are implausibly long.",
    "mta.no_touch_share": "Many sales have no tracked marketing touch before them.",
    "mta.shapley_rate.negative": "One method (rate-based Shapley) gives some channels negative "
    "credit.",
    "combine.mmm_uncertain": "The data cannot separate these channels' effects.",
    "mmm.spend_follows_demand": "This channel's spend rose and fell with customer demand, so "
    "the model cannot fully tell its effect from the demand "
    "itself: its contribution is shown as a range from zero, and the "
    "plan moves it only a little until a lift test measures it.",
    "mmm.navigational": "Most clicks on this channel come from people already on their way "
    "to buy, so the data cannot show what it adds: its contribution is "
    "shown as a range from zero, and the plan moves it only a little "
    "until a lift test measures it.",
    "optimize.not_converged": "The budget optimiser could not confirm its best plan.",
    "optimize.budget_scale": "The budget asked for is far from the current spend.",
    "data.rejected": "Some input rows were rejected.",
    "data.zero_channel": "A channel never spent in the period, so its effect cannot be measured.",
}

# ---------------------------------------------------------------- contribution / ROI
CONTRIB_INTRO = (
    "Estimated incremental sales from each channel over {period}, from the "
    "Bayesian media-mix model. Each bar starts at zero; the line across it is its "
    "{level} interval."
)
CHART_CONTRIB = "Incremental sales by channel, {period} ({currency})"
NOTE_NEGATIVE_HIDDEN = (
    "Some weeks credit {names} with a negative contribution; a stacked chart "
    "cannot show those weeks, so they are drawn at zero here. The table on "
    "the next page has the totals."
)
AXIS_SALES = "Incremental sales ({currency})"
TOTAL = "Total"
CHART_OVER_TIME = "Contribution per week ({currency})"
AXIS_DATE = "Week"
AXIS_CONTRIB_TIME = "Contribution per week ({currency})"
TABLE_CHANNELS = "Contribution and return by channel, {period}"
NO_ROI_ACTIVITY = "no ROI (activity)"
NOTE_ACTIVITY = (
    "Activity channels (no spend) are counted in their own unit, so they have no "
    "return per unit of currency; their contribution is in sales."
)
H_CHANNEL = "Channel"
H_SPEND = "Spend or activity"
H_CONTRIB = "Contribution"
H_INTERVAL = "{level} interval"
H_ROI = "ROI"
H_MROI = "Marginal ROI"
ROI_INTRO = (
    "Return on investment (ROI) is incremental sales per {sym}1 spent over {period}; "
    "marginal ROI is the return on the next {sym}1. A channel above {one} pays back; "
    "budget should move towards channels with a high marginal ROI."
)
CHART_ROI = "Return per {sym}1 spent, with {level} intervals"
AXIS_ROI = "Incremental sales per {sym}1 spent ({currency})"
LEGEND_ROI = "ROI"
LEGEND_MROI = "Marginal ROI"
LEGEND_BREAK_EVEN = "Break-even ({one})"
CHART_CURVES = "Response curves: expected incremental sales by spend ({currency})"
CHART_CURVES_WEEKLY = (
    "Response curves: expected incremental sales per week by weekly spend ({currency})"
)
AXIS_SPEND = "Spend ({currency})"
AXIS_WEEKLY_SPEND = "Weekly spend ({currency})"
AXIS_WEEKLY_RESPONSE = "Incremental sales per week ({currency})"
AXIS_RESPONSE = "Incremental sales ({currency})"
AXIS_ACTIVITY = "Activity ({unit})"
AXIS_WEEKLY_ACTIVITY = "Weekly activity ({unit})"
LEGEND_CURRENT = "Current spend"
LEGEND_RECOMMENDED = "Recommended spend"
LEGEND_BAND = "{level} interval"

# ---------------------------------------------------------------- attribution
ATTR_INTRO = (
    "Share of credited conversions per channel under each method. Heuristics (first "
    "touch, last touch, linear ...) follow fixed rules; Markov and Shapley measure "
    "each channel's effect on conversion; the MMM share is of incremental sales; "
    "the reconciled share is the final combined estimate."
)
CHART_METHODS = "Share of credit by channel and method (%)"
AXIS_SHARE = "Share of credit (%)"
MMM_METHOD = "MMM"
MODEL_NAMES = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "first": "First touch",
    "last": "Last touch",
    "last_non_direct": "Last non-direct",
    "shapley_rate": "Shapley (rate)",
    "time_decay": "Time decay",
    "position": "Position based",
    "position_based": "Position based",
    "u_shaped": "Position based",
    "markov": "Markov",
    "shapley": "Shapley",
}
RECONCILED_METHOD = "Reconciled"
TABLE_METHODS = "Credited conversions by method"
TABLE_TOP_PATHS = "Top journeys by conversions"
H_PATH = "Journey"
H_CONVERSIONS = "Conversions"
H_VALUE = "Value"
H_CONV_RATE = "Conversion rate"
H_JOURNEYS = "Journeys"
PATH_ARROW = " → "
O2O_TITLE = "Online-to-offline movements"
NONE_OFFLINE = "none of the journeys' channels"
#: the path-table name of conversions with no recorded touch
NO_TOUCH = "(none)"
O2O_INTRO = (
    "Channels counted as offline: {offline}. A journey moves online to offline when an "
    "online touch is followed later by an offline touch."
)
O2O_SENTENCE = (
    "{o2o} of journeys ({o2o_conv} of converting journeys) move from online to "
    "offline channels; {online} stay online only and {offline} stay offline only."
)
H_MOVEMENT = "Movement"
H_SHARE_JOURNEYS = "Share of journeys"
H_SHARE_CONVERSIONS = "Share of conversions"
MOVEMENTS = {
    "online_only": "Online only",
    "online_to_offline": "Online to offline",
    "offline_to_online": "Offline to online only",
    "offline_only": "Offline only",
}
TABLE_COMBINED = "Reconciled table per channel"
TABLE_COMBINED_PERIOD = "Reconciled table per channel, {period}"
H_FINAL = "Final contribution"
H_CALIBRATED = "Calibrated path credit"
H_BASIS = "Basis"
#: the reconciled table's basis in a few words, by combined.csv's flag (others: flag_text)
BASIS_SHORT = {
    "both": "path credit calibrated to the MMM",
    "mmm_only": "MMM only (not in the journeys)",
    "path_only": "path credit only (an upper bound)",
    "mmm_uncertain": "too uncertain: the data cannot separate it",
    "no_touch": "no recorded touch: baseline or untracked demand",
}

# ---------------------------------------------------------------- budget
BUDGET_INTRO = (
    "The optimiser reallocates the budget to maximise expected incremental sales "
    "under the configured limits. Spend and expected incremental sales are per week "
    "(multiply by 13 for a quarter, 52 for a year), with {level} intervals."
)
#: how the plan laid weekly spend over the weeks (plan.json "flighting")
FLIGHTING_NOTE = {
    "historical": " A change scales each channel's own week-by-week spend of the fitted "
    "period, so bursts stay bursts and each week saturates as it did.",
    "flat": " Each channel's spend is taken as the same every week.",
}
TABLE_PLAN = "Recommended spend by channel"
H_CURRENT = "Current spend per week"
H_RECOMMENDED = "Recommended spend per week"
H_CHANGE = "Change"
H_EXP_CURRENT = "Expected sales per week, current"
H_EXP_RECOMMENDED = "Expected sales per week, recommended"
CHART_PLAN = "Current and recommended spend per week ({currency})"
CHART_SWEEP = "Budget sweep: expected incremental sales per week by weekly budget ({currency})"
AXIS_BUDGET = "Total weekly budget ({currency})"
AXIS_EXPECTED = "Expected incremental sales per week ({currency})"
LEGEND_EXPECTED = "Expected"
LEGEND_CURRENT_BUDGET = "Current budget"

# ---------------------------------------------------------------- comparison
COMPARE_INTRO = (
    "Compared with the previous run, {previous}, which covers {before}; this run "
    "covers {now}. A change is called beyond the uncertainty when the two {level} "
    "intervals do not overlap."
)
TABLE_COMPARE = "Change by channel: {quantity}"
H_PREVIOUS = "Previous"
H_NOW = "This run"
H_BEYOND = "Beyond uncertainty?"
YES = "yes"
NO = "no"
COMPARE_SUMMARY = "{n} of {total} channels changed beyond the uncertainty{names}."
QUANTITY_CONTRIB = "contribution"
QUANTITY_ROI = "ROI"
QUANTITY_MTA = "credited value ({model})"
NEW_CHANNEL = "new"
GONE_CHANNEL = "dropped"

# ---------------------------------------------------------------- appendix
APPX_FINDINGS = "Model diagnostics and findings"
H_LEVEL = "Level"
H_STAGE = "Stage"
H_CODE = "Code"
H_MESSAGE = "Finding"
H_ACTION = "Action"
APPX_DATA = "Data quality: row accounting"
H_INPUT = "Input"
H_READ = "Rows read"
H_USED = "Rows used"
H_REJECTED = "Rows rejected"
H_REASON = "Reason"
H_ROWS = "Rows"
APPX_REJECTED = "Rejected rows by reason"
NO_REJECTED = "No rows were rejected."
APPX_TRUTH = "Simulated world: error against the known truth by method"
APPX_TRUTH_DETAIL = "Simulated world: {method} estimate per channel against the truth"
H_CHANNELS = "Channels"
H_MEDIAN_ERROR = "Median absolute relative error"
H_TRUTH_MEDIAN = "{quantity}: median absolute error (channels)"
H_TRUTH_EST = "{quantity}: estimate"
H_TRUTH_TRUE = "{quantity}: truth"
H_TRUTH_ERR = "{quantity}: error"
#: truth_comparison.csv's quantities and methods in words (unknown ones shown as written)
QUANTITY_NAMES = {"incremental_sales": "Incremental sales", "roi": "ROI"}
TRUTH_METHODS = {
    "final": "Final (reconciled)",
    "mmm": "Media-mix model",
    "calibrated": "Path credit calibrated to the MMM",
}
TRUTH_PATH_METHOD = "Path: {model}"
H_QUANTITY = "Quantity"
H_METHOD = "Method"
H_ESTIMATE = "Estimate"
H_TRUTH = "Truth"
H_REL_ERROR = "Relative error"
APPX_RUN = "Run details"
H_ITEM = "Item"
H_DETAIL = "Detail"
RUN_SEED = "Seed"
RUN_STATUS = "Status"
RUN_COMMAND = "Command"
RUN_INPUT = "Input {name} (SHA-256)"
RUN_INPUT_FILES = "{n} files, each checksummed in run.json"
RUN_INPUT_REMOTE = "URL or table: no checksum (not a local file)"
RUN_VERSIONS = "Package versions"
RUN_TIMINGS = "Time per stage"
APPX_NOTES = "Method notes and assumptions"
METHOD_NOTES = (
    "Path attribution credits conversions along observed customer journeys. Heuristic models "
    "(first touch, last touch, linear, time decay, position based) apply fixed rules. The Markov "
    "model credits each channel with its removal effect: the share of conversions lost if the "
    "channel were removed from the journeys, solved exactly on the absorbing chain. Shapley "
    "values share each conversion fairly across the channels that appear together.",
    "The media-mix model is a Bayesian regression of weekly sales on spend and activity per "
    "channel with carry-over (adstock) and diminishing returns (saturation), plus controls "
    "such as price, promotions and holidays. Intervals are posterior credible intervals.",
    "The reconciled table combines both views: the model's incremental totals calibrate the "
    "path credit of the channels journeys can see (path shares as the model's priors are off "
    "by default: on simulated worlds they did not make the model more accurate).",
    "The budget plan maximises expected incremental sales on the fitted response curves within "
    "the configured spend limits. Its gain is a model forecast, not a guarantee: channels whose "
    "spend moves far outside the range seen in the data carry extra uncertainty.",
    "Assumptions: the period's spend is representative; no unmeasured confounders drive both "
    "spend and sales; journeys capture the touches customers actually had; online and offline "
    "classification of channels is as configured.",
)
TIME_DECAY_BASIS = (
    "Time decay in this run: {basis} (a touch one "
    "half-life before the conversion counts half as much as one at it)."
)
FOOTER = "Generated by attribution {version}. All numbers come from the run directory."

# ------------------------------------------------------------------ not-for-decisions banner
BANNER_TITLE = "Not for decisions"
BANNER_RUN = (
    "The model's diagnostics failed ({what}), so its numbers may be wrong. Do not "
    "use this report to move budget until the fit passes."
)
BANNER_UNKNOWN = "see the findings in the appendix"
BANNER_PLAN = "This plan is not for decisions: {why}. Its recommended moves and gains may be wrong."
BANNER_PLAN_RUN = "the model behind it failed its diagnostics"
BANNER_FIX = "Fix: {fix}."

# ---------------------------------------------------------------- the test worth running next
EXP_NOT_RUN = "The experiments stage was not run (no experiments.csv), so no test is recommended."
EXP_BEST = (
    "Run next: {sentence} Enter its result in lift_tests.csv (channel {channel}, "
    "start {start}, end {end}, the measured lift in sales for the whole market and its "
    "standard error) and rerun."
)
EXP_NONE = (
    "No test on the grid is worth its cost for the budget decision: the best one, on "
    "{channel}, is expected to improve the plan by {value} but costs {cost}."
)
EXP_TABLE_CAPTION = (
    "Tests ranked by net value (value for the budget decision minus the test's cost)"
)
EXP_HEADERS = (
    "Rank",
    "Channel",
    "Test",
    "Detectable lift",
    "Chance to detect",
    "Value",
    "Cost",
    "Net value",
    "Separable now",
)
EXP_TEST_CELL = "{weeks}-week {design}, {where}"
EXP_WHERE_SHARE = "{share} of market"
EXP_WHERE_GEOS = "geos {geos}"
EXP_WHERE_ALL = "whole market"
EXP_YES, EXP_NO = "yes", "no"
EXP_METHOD = (
    "How the value is computed: for each test the model simulates what the test could "
    "measure, updates its beliefs with that result, re-optimises the budget and averages how "
    "much better the plan becomes over the next {weeks} weeks (a preposterior analysis on the "
    "model's posterior). The cost is the sales lost in the holdout (or the extra spend of a "
    "budget increase). The detectable lift and the chance to detect use the model's own noise "
    "(residuals and forecast uncertainty) at a 5% significance level."
)
EXP_MDE_SAME = (
    "The detectable lift is the same, {mde}, for every {test}: it depends on the noise in "
    "weekly sales and on the test's design (its length and the share of the market held "
    "out), not on the channel."
)
EXP_PAGE_ONE_CAPTION = "Channels the data cannot separate, and the test that would"
EXP_PAGE_ONE_HEADERS = ("Channel", "Test", "Cost", "Value to the next {weeks} weeks' decisions")

# ---------------------------------------------------------------- segments and contact pressure
SEG_TITLE = "Segments, contact pressure and online ↔ offline"
SEG_NOT_RUN = (
    "Segments and contact pressure were not analysed (no mta_by_segment.csv or "
    "pressure.csv): they need journeys built from touchpoints."
)
SEG_INTRO = (
    "Path attribution ({model}) per customer segment. new/returning comes from each "
    "customer's conversion history in the data; single-channel/multichannel from the "
    "journey itself; other segments from the customer attributes table. Shares are of "
    "the segment's credited conversions, with {level} bootstrap intervals."
)
SEG_DIFF_TITLE = "Where the channel mix differs between segments"
SEG_DIFF_NOTE = (
    "A difference is shown only where the two intervals do not overlap; other "
    "gaps are within the noise."
)
SEG_NO_DIFF = (
    "No channel's share differs between the values of any segment beyond the "
    "intervals: the channel mix looks the same across segments."
)
SEG_MIX_TITLE = "Channel share of credited conversions by segment ({model})"
SEG_TOO_SMALL_TITLE = "Segments too small to estimate"
SEG_TOO_SMALL = "{segment} = {value}: {n} converting journeys (fewer than {min} needed)"
H_SEGMENT = "Segment"
H_HIGHER = "Higher share in"
H_LOWER = "Lower share in"
H_CONVERSIONS_SEG = "Converting journeys"
SEGMENT_NAMES = {"history": "new vs returning", "channels": "single vs multichannel"}

O2O_SEG_TITLE = "Research online, buy offline, and the reverse"
O2O_SEG_INTRO = (
    "Of the converting journeys with a touch, those whose closing touch is offline "
    "after an online touch research online and buy offline; those closing online "
    "after an offline touch go the other way. Offline channels: {offline}. "
    "{level} Wilson intervals."
)
O2O_MARKET = (
    "For context only (not used in any calculation): market surveys report that about "
    "61% of shoppers research online before buying in store, and about 41% research "
    "in store before buying online. Those figures count shoppers, not the journeys "
    "your data can see, so a lower share here is expected when offline touches are "
    "sparsely recorded."
)
O2O_TABLE = "Online ↔ offline journeys by segment"
H_ONLINE_OFFLINE = "Research online, buy offline"
H_OFFLINE_ONLINE = "Research offline, buy online"
O2O_CHANNELS_TABLE = "Channels that start and close these journeys"
H_DIRECTION = "Direction"
H_STARTS = "Started by (share)"
H_CLOSES = "Closed by (share)"
O2O_DIRECTIONS = {"online_to_offline": "Online → offline", "offline_to_online": "Offline → online"}

PRESSURE_TITLE = "Contact pressure: response by contact frequency"
PRESSURE_INTRO = (
    "How a customer's weekly conversion rate changes with the number of touches "
    "of one channel that week, comparing each customer with themself in other "
    "weeks (customer fixed effects), so that intent, which drives both contact and "
    "purchase, does not pass for an effect of frequency. The dashed line is the raw "
    "cross-tab, which mixes the two."
)
PRESSURE_CHART = "Change in weekly conversion rate vs no touch, by touches per week"
PRESSURE_X = "touches per customer per week"
PRESSURE_Y = "change in conversion rate (pp)"
PP_INTERVAL = "{est} pp ({lo} to {hi})"
PRESSURE_EST = "estimate (fixed effects)"
PRESSURE_RAW = "raw cross-tab"
PRESSURE_PEAK = "saturation"
PRESSURE_TABLE = "Frequency beyond which an extra touch stops paying"
H_SATURATION = "Saturation (touches/week)"
H_PAST_PEAK = "Beyond it"
H_AT_PEAK = "Change at saturation"
H_RAW_PEAK = "Raw cross-tab would say"
H_JOURNEY_PEAK = "Per journey (descriptive)"
PRESSURE_NOTE = (
    "Saturation is the frequency with the highest estimated response; the interval "
    "comes from the model's sampling uncertainty. The per-journey column compares "
    "journeys, not customers: long journeys that end without a purchase carry many "
    "touches, so it is confounded and is never used for caps."
)
BEYOND = {
    "declines": "an extra touch reduces response",
    "flat": "an extra touch adds nothing",
    "not_reached": "no saturation seen up to {top}+ touches",
}

CAPS_TITLE = "Frequency caps in the budget plan"
CAPS_INTRO = (
    "Frequency caps become spend caps through the touches bought per unit of spend "
    "(reach held fixed, the cautious case). A cap binds when the plan's spend stops "
    "at it."
)
CAPS_TABLE = "Caps and whether they bind"
CAPS_BIND = "Caps that bind: {channels}."
CAPS_NONE_BIND = "No cap binds: the plan stays below every cap."
CAPS_NOT_RUN = "No frequency caps were applied to the plan (no caps.csv)."
H_FREQ_CAP = "Frequency cap (touches/week)"
H_SOURCE = "Source"
H_SPEND_CAP = "Spend cap (weekly)"
H_CAP_RECOMMENDED = "Recommended (weekly)"
H_BINDS = "Binds"
CAP_SOURCES = {"pressure": "measured saturation", "user": "set by you"}
YES, NO = "yes", "no"
