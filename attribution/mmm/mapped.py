"""The panel and the model spec read together, so a config's column names take effect.

The MMM config may name the panel's columns (``[model] date = "time"``,
``[[channels]] column = "x1"``) and a run config may map them (``[mapping.panel]``).
Both are read *before* the panel is checked: the panel is renamed to the contract
(``date``, ``sales``, ``spend_<channel>`` ...) and the spec rewritten to match, so
the same checks and the same model apply whatever the file's names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from attribution.data import load_lift_tests, load_media
from attribution.data.accounting import Loaded
from attribution.data.mapping import MappingConfig
from attribution.data.panel_mapping import (
    MappedPanel,
    contract_spec,
    load_media_mapped,
    roles_from_spec,
)
from attribution.errors import InputError
from attribution.findings import Finding
from attribution.io import read_toml
from attribution.mmm.spec import MMMSpec, spec_from_dict


@dataclass(frozen=True)
class ModelPanel:
    """A validated panel in the contract's names, the spec that fits it, and the mapping.

    Example
    -------
    >>> mp = load_model_panel("robyn.csv", {}, mapping)   # doctest: +SKIP
    >>> mp.spec.channel_names                              # doctest: +SKIP
    """

    media: Loaded
    spec: MMMSpec
    spec_config: dict[str, Any]
    mapped: MappedPanel | None = None


def spec_config(path: str | Path | None) -> dict[str, Any]:
    """The MMM config file as a dict ({} without one)."""
    return read_toml(path) if path is not None else {}


def load_model_panel(
    path: str | Path,
    config: dict[str, Any],
    mapping: MappingConfig | None = None,
    *,
    lenient: bool = False,
    rejected: str | Path | None = None,
) -> ModelPanel:
    """Load the panel by the mapping (``[mapping.panel]``) or the MMM config's names.

    Parameters
    ----------
    path : the weekly panel (CSV or Parquet).
    config : the MMM config as a dict (``[model]``, ``[[channels]]`` ...), may be ``{}``.
    mapping : the run's mapping; its ``panel`` roles win over the MMM config's names.

    Returns
    -------
    ModelPanel
    """
    roles = mapping.panel if mapping is not None and mapping.panel is not None else None
    cmap = mapping.channels if roles is not None else None
    if roles is None:
        roles = roles_from_spec(config)
    if roles is None:
        try:
            media = load_media(path, lenient=lenient, rejected=rejected)
        except InputError as exc:
            if exc.reason not in ("missing_column", "no_channels"):
                raise
            raise InputError(
                exc.what,
                fix=f"{exc.fix}; or map the file's own names: "
                f"'attribution init {path}' writes a [mapping.panel] to pass "
                "with --mapping (or [model]/[[channels]] in the MMM config)",
                file=exc.file,
                row=exc.row,
                column=exc.column,
                reason=exc.reason,
            ) from None
        cols = [str(c) for c in media.frame.columns]
        return ModelPanel(media, spec_from_dict(config, cols), dict(config))
    media, mapped = load_media_mapped(path, roles, cmap, lenient=lenient, rejected=rejected)
    has_controls = (config.get("model") or {}).get("controls") is not None
    cfg = contract_spec(config, roles, None if has_controls else mapped.controls)
    cols = [str(c) for c in media.frame.columns]
    return ModelPanel(media, spec_from_dict(cfg, cols), cfg, mapped)


def load_lift_mapped(
    path: str | Path,
    mapping: MappingConfig | None,
    *,
    map_channels: bool | None = None,
    lenient: bool = False,
    rejected: str | Path | None = None,
) -> Loaded:
    """Lift tests with the mapping's column names, channels through the channel map.

    Channel values change only where the panel's names went through the same map
    (``[mapping.panel]``), so that both sides agree; each change is a finding.
    """
    if map_channels is None:
        map_channels = mapping is not None and mapping.panel is not None
    if mapping is None or (not mapping.columns.get("lift_tests") and not map_channels):
        return load_lift_tests(path, lenient=lenient, rejected=rejected)
    loaded = load_lift_tests(
        path, lenient=lenient, rejected=rejected, rename=mapping.rename("lift_tests")
    )
    found: list[Finding] = []
    if map_channels:
        raw = loaded.frame["channel"]
        table = mapping.channels.map_values(raw.dropna().unique())
        changed = {k: v for k, v in table.items() if k != v}
        if changed:
            frame = loaded.frame.assign(
                channel=raw.map(lambda v: table.get(v, v)).astype(
                    pd.StringDtype() if isinstance(raw.dtype, pd.StringDtype) else raw.dtype
                )
            )
            loaded = replace(loaded, frame=frame)
            found.append(
                Finding(
                    "info",
                    "mapping.lift_channels",
                    f"{loaded.accounting.source}: channels mapped "
                    + ", ".join(f"{k} -> {v}" for k, v in sorted(changed.items())),
                    "",
                    "inputs",
                )
            )
    return replace(loaded, findings=loaded.findings + tuple(found))
