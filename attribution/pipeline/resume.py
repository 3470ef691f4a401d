"""``attribution run --resume``: which finished stages an earlier run here can keep, and
reloading what they wrote (the stages that are cheap simply run again)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from attribution import rundir as R
from attribution.errors import UsageError
from attribution.io import read_table
from attribution.mmm.io import load
from attribution.pipeline.config import RunConfig
from attribution.pipeline.manifest import Manifest, read_manifest, sha256_file, sha256_json
from attribution.pipeline.state import RunState

log = logging.getLogger("attribution")


def resume_point(m: Manifest, out: Path, stages: Sequence[str]) -> set[str]:
    """The stages an earlier run here completed, when its config and inputs match."""
    prev = read_manifest(out)
    if prev is None or R.STAGES not in prev:
        raise UsageError(
            f"--resume: nothing to resume in {out} (no run.json with stages); run without --resume"
        )
    if prev.get(R.CONFIG_CHECKSUM) != sha256_json(m.config):
        raise UsageError(
            f"--resume: the config differs from the one the run in {out} began "
            "with; run without --resume (or restore that config)"
        )
    if prev.get(R.INPUT_CHECKSUM) != m.input_checksum():
        raise UsageError(
            f"--resume: the inputs changed since the run in {out} began (checksums "
            "differ); run without --resume"
        )
    keep: list[str] = []
    for name in stages:
        entry = prev[R.STAGES].get(name) or {}
        if entry.get(R.STAGE_STATUS) not in (R.STAGE_DONE, R.STAGE_SKIPPED):
            break
        changed = [
            rel
            for rel, sums in (entry.get(R.STAGE_OUTPUTS) or {}).items()
            if not (out / rel).is_file() or sha256_file(out / rel) != sums.get("sha256")
        ]
        if changed:
            log.warning(
                "resume: %s changed since stage %s wrote it; rerunning from %s",
                changed[0],
                name,
                name,
            )
            break
        keep.append(name)
    m.restore(prev, keep)
    log.info("resume: keeping %s", ", ".join(keep) or "nothing")
    return set(keep)


def restore_journeys(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    if (Path(cfg.run.out) / R.PATHS_CSV).is_file():
        st.paths = read_table(Path(cfg.run.out) / R.PATHS_CSV)
    restore_skips(m, st)


def restore_mta(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    out = Path(cfg.run.out)
    if (out / R.MTA_CSV).is_file():
        st.mta_long = read_table(out / R.MTA_CSV)
    if (out / R.MTA_JOURNEY_CREDIT_CSV).is_file():
        st.journey_credit = read_table(out / R.MTA_JOURNEY_CREDIT_CSV)
    restore_skips(m, st)


def restore_mmm(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    if (Path(cfg.run.out) / R.MMM_POSTERIOR).is_file():
        st.mmm = load(Path(cfg.run.out) / R.MMM_POSTERIOR)
    # the channels whose plan change is capped (spend follows demand, navigational)
    st.confounded = tuple((m.extra.get(R.SPEND_FOLLOWS_DEMAND) or {}).get(R.SFD_CAPPED, ()))
    restore_skips(m, st)


def restore_combine(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    if (Path(cfg.run.out) / R.COMBINED_CSV).is_file():
        st.combined = read_table(Path(cfg.run.out) / R.COMBINED_CSV)
    restore_skips(m, st)


def restore_skips(m: Manifest, st: RunState) -> None:
    for name, entry in m.stages.items():
        if entry.get(R.STAGE_STATUS) == R.STAGE_SKIPPED and R.STAGE_REASON in entry:
            st.skipped.setdefault(name, entry[R.STAGE_REASON])


def restore_plan(cfg: RunConfig, m: Manifest, st: RunState) -> None:
    """The plan's stage wrote only files the report reads: its skip reason, if any."""
    restore_skips(m, st)
