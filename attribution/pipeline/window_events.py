"""A run's reporting window applied to its inputs: the window from the config, and the
touchpoints and conversions the journeys are built from within it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from attribution.data import load_conversions, load_touchpoints
from attribution.errors import UsageError
from attribution.pipeline.config import RunConfig
from attribution.pipeline.manifest import Manifest
from attribution.pipeline.window import check_window, restrict_events


def report_window(cfg: RunConfig) -> tuple[Any, Any]:
    return check_window(cfg.run.window_start, cfg.run.window_end)


def windowed_events(cfg: RunConfig, m: Manifest) -> tuple[Any, Any]:
    """Touchpoints and conversions for the journeys: the configured sources, or with a
    reporting window the conversions inside it and the touches from one look-back
    before it (local files only; rows outside are counted in the row accounting)."""
    inp = cfg.inputs
    start, end = report_window(cfg)
    if start is None and end is None:
        return inp.touchpoints, inp.conversions
    for name in ("touchpoints", "conversions"):
        if not Path(str(getattr(inp, name))).exists():
            raise UsageError(
                f"[run] window_start/window_end need local {name} files; "
                f"'{getattr(inp, name)}' is not one: filter it to the window "
                "upstream and leave the window unset"
            )
    tp, tp_acc = restrict_events(
        load_touchpoints(inp.touchpoints, lenient=cfg.run.lenient).frame,
        start,
        end,
        cfg.journeys.lookback_days,
    )
    conv, conv_acc = restrict_events(
        load_conversions(inp.conversions, lenient=cfg.run.lenient).frame, start, end
    )
    m.add_accounting("window.touchpoints", tp_acc)
    m.add_accounting("window.conversions", conv_acc)
    return tp, conv
