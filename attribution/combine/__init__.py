"""MTA <-> MMM: priors from path shares, calibration of path credit, reconciled table."""

from attribution.combine.reconcile import calibrate_paths, path_credit_wide, reconcile
from attribution.combine.results import CombineResults, combine
from attribution.combine.truth import compare_with_truth, error_summary

__all__ = [
    "CombineResults",
    "calibrate_paths",
    "combine",
    "compare_with_truth",
    "error_summary",
    "path_credit_wide",
    "reconcile",
]
