"""Safe, atomic output: every file is written to a temporary name and renamed.

CSV exports neutralise spreadsheet formula injection: a text cell that begins
with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) is prefixed with a
single quote. Numbers are never touched, so negative numbers stay numbers.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")

from attribution import rundir
from attribution.errors import UsageError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it into place on success.

    Example
    -------
    >>> with atomic_path("out.csv") as tmp:   # doctest: +SKIP
    ...     frame.to_csv(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML config file; a missing or malformed file is a ``UsageError``."""
    import tomllib

    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as stable, indented JSON (sorted keys) atomically."""
    return write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy where text cells that a spreadsheet would run as formulas are quoted."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            out[col] = s.map(_quote_cell)
    out.columns = [_quote_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _quote_cell(v: Any) -> Any:
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v
    return v


def write_csv(path: str | Path, frame: pd.DataFrame, float_format: str = "%.10g") -> Path:
    """Write a table as CSV atomically, deterministic float format, formulas neutralised."""
    with atomic_path(path) as tmp:
        neutralise_formulas(frame).to_csv(
            tmp, index=False, float_format=float_format, lineterminator="\n"
        )
    return Path(path)


def write_columns_csv(
    path: str | Path,
    columns: Mapping[str, Sequence[Any] | np.ndarray],
    float_format: str = "%.10g",
) -> Path:
    """``write_csv`` of ``pandas.DataFrame(columns)``, byte for byte, without pandas.

    Numbers (float arrays) are written with ``float_format`` and NaN as an empty cell,
    text with the same CSV quoting and formula neutralising as ``write_csv``; for
    commands whose output is small and whose process should not import pandas.

    Example
    -------
    >>> write_columns_csv("out.csv", {"channel": ["a"], "x": np.array([0.5])})  # doctest: +SKIP
    """
    cells = []
    for values in columns.values():
        if isinstance(values, np.ndarray) and values.dtype.kind == "f":
            cells.append(["" if v != v else float_format % v for v in values.tolist()])
        else:
            cells.append(["" if v is None else _quote_cell(str(v)) for v in values])
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([_quote_cell(str(c)) for c in columns])
        writer.writerows(zip(*cells, strict=True))
    return Path(path)


def safe_child(base: str | Path, name: str) -> Path:
    """Join ``name`` (which may come from data) under ``base``; refuse to escape it.

    Raises ``UsageError`` when ``name`` is absolute or climbs out with ``..``.
    """
    base_path = Path(base).resolve()
    target = (base_path / name).resolve()
    if base_path != target and base_path not in target.parents:
        raise UsageError(f"refusing to write '{name}' outside the output directory {base_path}")
    return target


def write_table(run_dir: str | Path, name: str, frame: pd.DataFrame) -> Path:
    """Write one of the run directory's tables (``name`` from :mod:`attribution.rundir`),
    after checking that it holds the contract's columns.

    Example
    -------
    >>> write_table("runs/q3", rundir.PLAN_CSV, plan.to_frame())   # doctest: +SKIP
    """
    rundir.check_columns(name, frame.columns)
    return write_csv(Path(run_dir) / name, frame)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_csv` back as it was (text cells that
    :func:`neutralise_formulas` quoted are unquoted)."""
    frame = pd.read_csv(path)
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
    return frame
