"""What the pipeline's stages hand each other during one run, and the stage type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from attribution.pipeline.config import RunConfig
from attribution.pipeline.manifest import Manifest


@dataclass
class RunState:
    """What the stages hand each other during one run."""

    paths: pd.DataFrame | None = None
    mta_long: pd.DataFrame | None = None
    media: pd.DataFrame | None = None
    lift: pd.DataFrame | None = None
    journey_credit: pd.DataFrame | None = None
    mmm: Any = None
    mmm_table: pd.DataFrame | None = None  # mmm/channels.csv (over the reporting window)
    combined: pd.DataFrame | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    spec: Any = None  # the MMM spec, read with the panel (pipeline/prepare.py)
    segments: Any = None  # SegmentData from the journey engine (pipeline/segments.py)
    pressure: pd.DataFrame | None = None
    weekly: pd.DataFrame | None = None
    confounded: tuple[str, ...] = ()  # spend follows demand, no lift test: capped change


StageFn = Callable[[RunConfig, Manifest, RunState], "RunConfig | None"]


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: ``run`` does it; ``restore`` reloads what it wrote (for
    ``--resume``; None: the stage is cheap and simply runs again)."""

    name: str
    run: StageFn
    restore: StageFn | None = None
