"""The run manifest (``run.json``): what an auditor needs to reproduce a run, and its state.

It records the config, seed, package versions, input checksums, row accounting
for every input, the stages (each with its status, time, findings and outputs
with checksums), diagnostic findings and the outputs written. It is written
when the run starts (status ``running``) and again after every stage, so a
killed run leaves a manifest that says which stages did not finish. Every key
is a name from :mod:`attribution.rundir`. The builder is the one mutable object
of a run; what it writes is plain JSON.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import platform
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from attribution import rundir as R
from attribution.findings import Finding
from attribution.io import write_json

_PACKAGES = (
    "attribution",
    "numpy",
    "pandas",
    "scipy",
    "pymc",
    "pytensor",
    "arviz",
    "nutpie",
    "statsmodels",
    "duckdb",
    "pyarrow",
    "pyspark",
    "matplotlib",
    "jinja2",
    "weasyprint",
)

#: the finding level that gates decisions
LEVEL_ERROR = "error"


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_json(obj: Any) -> str:
    """SHA-256 of a JSON value in canonical form (sorted keys).

    Example
    -------
    >>> sha256_json({"b": 1, "a": 2}) == sha256_json({"a": 2, "b": 1})
    True
    """
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the numbers."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def decision_blockers(findings: list[Finding]) -> list[Finding]:
    """The error-level findings: while any exists, the run is not for decisions."""
    return [f for f in findings if f.level == LEVEL_ERROR]


def decisions(blockers: list[Finding]) -> dict[str, Any]:
    """``run.json``'s ``decisions`` entry: safe or not, why, and the fix."""
    return {
        R.DECISIONS_SAFE: not blockers,
        R.DECISIONS_REASONS: [f"{f.code}: {f.message}" for f in blockers],
        R.DECISIONS_FIX: list(dict.fromkeys(f.action for f in blockers if f.action)),
    }


def unsafe_reason(blockers: list[Finding]) -> str:
    """Why a plan made now is not for decisions ('' when nothing blocks)."""
    if not blockers:
        return ""
    codes = ", ".join(sorted({f.code for f in blockers}))
    return f"made from a model with error-level diagnostics ({codes})"


@dataclass
class Manifest:
    """Collects what a run did; ``write()`` saves it as ``run.json`` atomically."""

    run_dir: Path
    config: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounting: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    status: str = R.STATUS_RUNNING
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    started_at: str = field(default_factory=_now)
    finished_at: str | None = None
    _current: str | None = None
    _sums: dict[str, tuple[float, int, str]] = field(default_factory=dict)

    # ------------------------------------------------------------------ recording
    def add_input(self, name: str, path: str | Path) -> None:
        """Record an input with its checksum; a folder or glob lists each file; a URL or
        table (not a local file) is recorded by name, marked as having no checksum."""
        s = str(path)
        p = Path(s)
        if p.is_file():
            self.inputs[name] = {"path": s, "bytes": p.stat().st_size, "sha256": sha256_file(p)}
            return
        files = (
            sorted(f for f in p.rglob("*") if f.is_file())
            if p.is_dir()
            else sorted(Path(f) for f in glob.glob(s) if Path(f).is_file())
        )
        if files:
            self.inputs[name] = {
                "path": s,
                "files": [
                    {"path": str(f), "bytes": f.stat().st_size, "sha256": sha256_file(f)}
                    for f in files
                ],
            }
        else:
            self.inputs[name] = {
                "path": s,
                "sha256": None,
                "note": "not a local file (URL or table): no checksum",
            }

    def input_checksum(self) -> str:
        """One checksum over every recorded input's checksums (the resume check)."""
        return sha256_json(
            {
                k: v.get("sha256") or [f["sha256"] for f in v.get("files", [])]
                for k, v in self.inputs.items()
            }
        )

    def add_accounting(self, name: str, accounting: Any) -> None:
        """Record row accounting (an object with ``to_dict()`` or a mapping)."""
        d = accounting.to_dict() if hasattr(accounting, "to_dict") else dict(accounting)
        self.accounting[name] = d

    def add_findings(self, findings: Any, stage: str = "") -> None:
        """Record findings (``stage`` fills in where a finding has none); exact repeats once."""
        for f in findings or ():
            if stage and not f.stage:
                f = Finding(f.level, f.code, f.message, f.action, stage)
            if f not in self.findings:
                self.findings.append(f)
                if self._current is not None:
                    self.stages[self._current].setdefault(R.FINDINGS, []).append(f.to_dict())

    def findings_summary(self) -> dict[str, Any]:
        """Counts by level and the codes of the warnings and errors (for a quick look)."""
        counts = {
            lvl: sum(f.level == lvl for f in self.findings)
            for lvl in (R.SUMMARY_ERROR, R.SUMMARY_WARNING, R.SUMMARY_INFO)
        }
        codes = sorted({f.code for f in self.findings if f.level in ("error", "warning")})
        return {**counts, R.SUMMARY_ATTENTION: codes}

    def add_output(self, path: str | Path) -> None:
        rel = str(Path(path).resolve().relative_to(self.run_dir.resolve()))
        if rel not in self.outputs:
            self.outputs.append(rel)
        if self._current is not None:
            outs = self.stages[self._current].setdefault(R.STAGE_OUTPUTS, {})
            outs.setdefault(rel, {})

    # ------------------------------------------------------------------ stages
    def plan_stages(self, names: list[str]) -> None:
        """Name the stages this run will go through (each ``pending`` until it runs)."""
        for i, n in enumerate(names):
            self.stages.setdefault(n, {R.STAGE_STATUS: R.STAGE_PENDING})[R.STAGE_ORDER] = i

    @contextmanager
    def timed(self, stage: str):
        """Time a stage: ``with manifest.timed("mta"): ...``."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = round(time.perf_counter() - t0, 3)

    @contextmanager
    def stage(self, name: str):
        """Run one stage: marked ``running`` (and written) before, ``done`` (or ``failed``)
        with its time and output checksums after, and written again."""
        order = self.stages.get(name, {}).get(R.STAGE_ORDER, len(self.stages))
        self.stages[name] = {R.STAGE_STATUS: R.STAGE_RUNNING, R.STAGE_ORDER: order}
        self._current = name
        self.write()
        t0 = time.perf_counter()
        try:
            yield
        except BaseException:
            self.stages[name][R.STAGE_STATUS] = R.STAGE_FAILED
            raise
        else:
            if self.stages[name][R.STAGE_STATUS] == R.STAGE_RUNNING:
                self.stages[name][R.STAGE_STATUS] = R.STAGE_DONE
        finally:
            secs = round(time.perf_counter() - t0, 3)
            self.timings[name] = secs
            self.stages[name][R.STAGE_SECONDS] = secs
            for rel in self.stages[name].get(R.STAGE_OUTPUTS, {}):
                self.stages[name][R.STAGE_OUTPUTS][rel] = self._checksum(rel)
            self._current = None
            self.write()

    def skip(self, name: str, reason: str) -> None:
        """Mark a stage as skipped (its inputs are not configured), with the reason."""
        entry = self.stages.setdefault(name, {})
        entry[R.STAGE_STATUS] = R.STAGE_SKIPPED
        entry[R.STAGE_REASON] = reason

    def done_stages(self) -> list[str]:
        return [n for n, s in self.stages.items() if s.get(R.STAGE_STATUS) == R.STAGE_DONE]

    def finish(self) -> str:
        """Set the final status from the findings (``ok`` or ``not_for_decisions``)."""
        blockers = decision_blockers(self.findings)
        self.status = R.STATUS_NOT_FOR_DECISIONS if blockers else R.STATUS_OK
        self.extra[R.DECISIONS] = decisions(blockers)
        self.finished_at = _now()
        return self.status

    # ------------------------------------------------------------------ resume
    def restore(self, previous: dict[str, Any], keep: list[str]) -> None:
        """Take over what ``previous`` (an earlier ``run.json``) recorded for the stages in
        ``keep`` (their status, findings, outputs), and its accounting and extras."""
        for name in keep:
            entry = dict(previous[R.STAGES][name])
            self.stages[name] = entry
            self.add_findings([Finding(**f) for f in entry.get(R.FINDINGS, [])])
            for rel in entry.get(R.STAGE_OUTPUTS, {}):
                if rel not in self.outputs:
                    self.outputs.append(rel)
        self.accounting.update(previous.get(R.ROW_ACCOUNTING) or {})
        for k in (
            R.MTA_BASIS,
            R.MTA_PRIORS,
            R.RUN_WINDOW,
            R.JOURNEY_SIGNALS,
            R.SPEND_FOLLOWS_DEMAND,
            R.UNIDENTIFIED,
        ):
            if k in previous:
                self.extra[k] = previous[k]

    # ------------------------------------------------------------------ writing
    def _checksum(self, rel: str) -> dict[str, Any]:
        p = self.run_dir / rel
        if not p.exists():
            return {}
        st = p.stat()
        cached = self._sums.get(rel)
        if cached is None or cached[:2] != (st.st_mtime, st.st_size):
            cached = (st.st_mtime, st.st_size, sha256_file(p))
            self._sums[rel] = cached
        return {"bytes": st.st_size, "sha256": cached[2]}

    def to_dict(self) -> dict[str, Any]:
        outputs = {}
        for rel in sorted(self.outputs):
            if (self.run_dir / rel).exists():
                outputs[rel] = self._checksum(rel)
        return {
            R.STATUS: self.status,
            R.PID: os.getpid(),
            R.STARTED_AT: self.started_at,
            R.UPDATED_AT: _now(),
            R.FINISHED_AT: self.finished_at,
            R.COMMAND: " ".join(["attribution", *sys.argv[1:]]) if sys.argv else "",
            R.CONFIG: self.config,
            R.CONFIG_CHECKSUM: sha256_json(self.config),
            R.SEED: self.seed,
            R.VERSIONS: package_versions(),
            R.INPUTS: self.inputs,
            R.INPUT_CHECKSUM: self.input_checksum(),
            R.ROW_ACCOUNTING: self.accounting,
            R.STAGES: self.stages,
            R.TIMINGS: self.timings,
            R.FINDINGS: [f.to_dict() for f in self.findings],
            R.FINDINGS_SUMMARY: self.findings_summary(),
            R.OUTPUTS: outputs,
            **self.extra,
        }

    def write(self) -> Path:
        return write_json(self.run_dir / R.RUN_JSON, self.to_dict())


def open_manifest(
    run_dir: str | Path, config: dict[str, Any] | None = None, seed: int | None = None
) -> Manifest:
    """A manifest to add a model-only command's stage to: the directory's ``run.json``
    when there is one (its stages, findings, inputs and outputs kept), else a new one."""
    run_dir = Path(run_dir)
    prev = read_manifest(run_dir)
    m = Manifest(run_dir=run_dir, config=config or {}, seed=seed)
    if prev and isinstance(prev.get(R.STAGES), dict):
        m.config = prev.get(R.CONFIG) or m.config
        m.seed = prev.get(R.SEED, seed)
        m.inputs.update(prev.get(R.INPUTS) or {})
        m.restore(prev, [n for n in prev[R.STAGES] if isinstance(prev[R.STAGES][n], dict)])
        m.status = prev.get(R.STATUS, m.status)
        m.started_at = prev.get(R.STARTED_AT, m.started_at)
        m.finished_at = prev.get(R.FINISHED_AT)
        for k in (R.DECISIONS, R.SKIPPED_STAGES, R.TRUTH_ERROR_SUMMARY, R.NOTES, R.ERROR):
            if k in prev:
                m.extra[k] = prev[k]
    return m


def exit_status(m: Manifest, strict: bool, log: Any) -> int:
    """0, or 3 with one line saying why when the run is not for decisions and ``strict``."""
    if m.status != R.STATUS_NOT_FOR_DECISIONS:
        return R.EXIT_OK
    codes = ", ".join(sorted({f.code for f in decision_blockers(m.findings)}))
    line = (
        f"finished, but NOT FOR DECISIONS: error-level diagnostics ({codes}); see "
        f"{m.run_dir / R.RUN_JSON} and the report's banner for the fix"
    )
    if not strict:
        log.warning("%s", line)
        return R.EXIT_OK
    log.error("%s; exit status %d (--no-strict exits 0)", line, R.EXIT_NOT_FOR_DECISIONS)
    return R.EXIT_NOT_FOR_DECISIONS


def read_manifest(run_dir: str | Path) -> dict[str, Any] | None:
    """An existing ``run.json`` as a dict, or None when there is none (or it is unreadable)."""
    path = Path(run_dir) / R.RUN_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
