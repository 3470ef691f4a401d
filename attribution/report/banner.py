"""The "not for decisions" banners: on page 1 and on the plan when diagnostics fail.

Error-level findings (R-hat, effective sample size, divergences, ...) mean the
numbers may be wrong; a plan made from them is not for decisions. The banner
says so, names what failed and gives the fix (the findings' actions).
"""

from __future__ import annotations

from attribution import rundir as R
from attribution.report import wording as W
from attribution.report.blocks import Banner
from attribution.report.rundata import RunData


def _fix(findings: list[dict[str, str]]) -> str:
    actions = list(dict.fromkeys(f["action"] for f in findings if f["action"]))
    return W.BANNER_FIX.format(fix="; ".join(actions)) if actions else ""


def run_banner(run: RunData) -> Banner | None:
    """The page-1 banner, or None when the run is fit for decisions.

    Example
    -------
    >>> from pathlib import Path
    >>> run = RunData(Path("q3"), manifest={"status": "not_for_decisions", "findings": [
    ...     {"level": "error", "code": "mmm.rhat", "message": "R-hat 1.06", "action": "sample"
    ...      " longer"}]})
    >>> run_banner(run).fix
    'Fix: sample longer.'
    """
    blockers = run.blockers
    if not blockers and run.manifest.get(R.STATUS) != R.STATUS_NOT_FOR_DECISIONS:
        return None
    what = "; ".join(dict.fromkeys(f["message"].rstrip(".") for f in blockers))
    return Banner(
        W.BANNER_TITLE, W.BANNER_RUN.format(what=what or W.BANNER_UNKNOWN), _fix(blockers)
    )


def plan_banner(run: RunData) -> Banner | None:
    """The banner over the budget plan: the plan is unsafe, or the run is not for decisions."""
    banner = run_banner(run)
    reason = run.plan_unsafe
    if banner is None and not reason:
        return None
    return Banner(
        W.BANNER_TITLE,
        W.BANNER_PLAN.format(why=reason or W.BANNER_PLAN_RUN),
        banner.fix if banner else "",
    )
