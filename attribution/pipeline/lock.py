"""One run at a time per run directory: a lock file naming the process that holds it.

``RunLock(run_dir)`` creates ``rundir.LOCK_FILE`` exclusively, holding the pid
and start time. A second run into the same directory stops with one clear line
naming the holder. A lock whose process no longer runs (a killed run) is stale:
it is taken over, and the takeover is reported (``RunLock.note``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from attribution import rundir
from attribution.errors import UsageError


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine.

    Example
    -------
    >>> pid_alive(os.getpid())
    True
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


def read_lock(run_dir: str | Path) -> dict | None:
    """The lock's content (``pid``, ``started_at``), or None when there is no lock."""
    path = Path(run_dir) / rundir.LOCK_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"pid": -1, "started_at": "?"}  # unreadable: treat as stale
    return data if isinstance(data, dict) else {"pid": -1, "started_at": "?"}


class RunLock:
    """Exclusive lock of a run directory (a context manager).

    Example
    -------
    >>> with RunLock("runs/q3") as lock:      # doctest: +SKIP
    ...     run_stages()
    """

    def __init__(self, run_dir: str | Path) -> None:
        self.path = Path(run_dir) / rundir.LOCK_FILE
        self.note = ""
        self._held = False

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                held = read_lock(self.path.parent) or {}
                pid = (
                    int(held.get("pid", -1))
                    if str(held.get("pid", "")).lstrip("-").isdigit()
                    else -1
                )
                if pid_alive(pid):
                    raise UsageError(
                        f"run directory {self.path.parent} is in use by another run (pid {pid}, "
                        f"started {held.get('started_at', '?')}); wait for it to finish, or "
                        f"write this run elsewhere with --out"
                    ) from None
                self.note = (
                    f"took over a stale lock of pid {pid} (started "
                    f"{held.get('started_at', '?')}; that process no longer runs)"
                )
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(
                    {
                        "pid": os.getpid(),
                        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    },
                    fh,
                )
            self._held = True
            return self
        raise UsageError(
            f"cannot lock the run directory {self.path.parent}; remove "
            f"{self.path} if no run is writing there"
        )

    def release(self) -> None:
        if self._held:
            held = read_lock(self.path.parent) or {}
            if held.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self._held = False

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
