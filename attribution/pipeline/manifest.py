"""The run manifest (``run.json``): what an auditor needs to reproduce a run.

It records the config, seed, package versions, input checksums, row accounting
for every input, stage timings, diagnostic findings and the outputs written
(with checksums). The builder is the one mutable object of a run; what it
writes is plain JSON.
"""

from __future__ import annotations

import glob
import hashlib
import platform
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from attribution.findings import Finding
from attribution.io import write_json

_PACKAGES = ("attribution", "numpy", "pandas", "scipy", "pymc", "pytensor", "arviz", "nutpie",
             "statsmodels", "duckdb", "pyarrow", "pyspark", "matplotlib", "jinja2", "weasyprint")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the numbers."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


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
    status: str = "running"

    def add_input(self, name: str, path: str | Path) -> None:
        """Record an input with its checksum; a folder or glob lists each file; a URL or
        table (not a local file) is recorded by name, marked as having no checksum."""
        s = str(path)
        p = Path(s)
        if p.is_file():
            self.inputs[name] = {"path": s, "bytes": p.stat().st_size, "sha256": sha256_file(p)}
            return
        files = (sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir()
                 else sorted(Path(f) for f in glob.glob(s) if Path(f).is_file()))
        if files:
            self.inputs[name] = {"path": s, "files": [
                {"path": str(f), "bytes": f.stat().st_size, "sha256": sha256_file(f)}
                for f in files]}
        else:
            self.inputs[name] = {"path": s, "sha256": None,
                                 "note": "not a local file (URL or table): no checksum"}

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

    def findings_summary(self) -> dict[str, Any]:
        """Counts by level and the codes of the warnings and errors (for a quick look)."""
        counts = {lvl: sum(f.level == lvl for f in self.findings)
                  for lvl in ("error", "warning", "info")}
        codes = sorted({f.code for f in self.findings if f.level in ("error", "warning")})
        return {**counts, "attention": codes}

    def add_output(self, path: str | Path) -> None:
        rel = str(Path(path).resolve().relative_to(self.run_dir.resolve()))
        if rel not in self.outputs:
            self.outputs.append(rel)

    @contextmanager
    def timed(self, stage: str):
        """Time a stage: ``with manifest.timed("mta"): ...``."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = round(time.perf_counter() - t0, 3)

    def to_dict(self) -> dict[str, Any]:
        outputs = {}
        for rel in sorted(self.outputs):
            p = self.run_dir / rel
            if p.exists():
                outputs[rel] = {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
        return {
            "status": self.status,
            "command": " ".join(["attribution", *sys.argv[1:]]) if sys.argv else "",
            "config": self.config,
            "seed": self.seed,
            "versions": package_versions(),
            "inputs": self.inputs,
            "row_accounting": self.accounting,
            "timings_s": self.timings,
            "findings": [f.to_dict() for f in self.findings],
            "findings_summary": self.findings_summary(),
            "outputs": outputs,
            **self.extra,
        }

    def write(self) -> Path:
        return write_json(self.run_dir / "run.json", self.to_dict())
