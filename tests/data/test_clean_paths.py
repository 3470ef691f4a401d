"""The Arrow gate for clean path tables gives what the full reader and validator give.

``read_clean_paths`` either proves a CSV path table clean and returns its columns (paths
split and coded once), or returns None and the command runs the full reader and
validator. Checked here: on clean tables the same path table and row accounting as the
full route; on every planted problem of the fast-path tests (and file-level oddities) it
steps aside; the ``mta`` command writes the same bytes either way; and a clean Markov run
does not import pandas or scipy.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from attribution.cli import main
from attribution.data import clean_paths, read_table, validate_frame
from attribution.data.clean_paths import _distinct, read_clean_paths, to_numpy
from attribution.mta import command
from attribution.mta.paths import PathTable

from .test_fast_paths import BAD_ROWS, CLEAN_ROWS, HEADER

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str, name: str = "p.csv") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def _full_route(path: Path) -> tuple[PathTable, object]:
    raw = read_table(path)
    loaded = validate_frame(raw.frame, "paths", source=raw.source, rows=raw.rows)
    f = loaded.frame
    table = PathTable.from_strings(
        f["path"],
        f["total_conversions"],
        f.get("total_conversion_value"),
        f.get("total_null"),
        distinct=True,
    )
    return table, loaded.accounting


def _same(a: PathTable, b: PathTable) -> None:
    assert a.channels == b.channels
    np.testing.assert_array_equal(a.offsets, b.offsets)
    np.testing.assert_array_equal(a.steps, b.steps)
    for name in ("conversions", "value", "nulls"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))  # bit for bit


@pytest.mark.parametrize(
    "text",
    [
        HEADER + "\n".join(CLEAN_ROWS) + "\n",
        (HEADER + "\n".join(CLEAN_ROWS) + "\n").replace("\n", "\r\n"),  # CRLF
        HEADER + '"a, x > b",1,2,3\n(direct) > é y,2,3.25,4\nb,0,0,1\n',  # quoted, unicode
        "path,total_conversions\na > b,1\nb,2\n",  # optional columns absent
    ],
)
def test_clean_table_equals_full_route(tmp_path: Path, text: str) -> None:
    f = _write(tmp_path, text)
    clean = read_clean_paths(f)
    assert clean is not None
    fast = PathTable.from_codes(
        clean.names,
        clean.offsets,
        clean.codes,
        *(clean.numbers[c] for c in clean_paths.NUMBERS),
    )
    table, accounting = _full_route(f)
    _same(fast, table)
    assert clean.accounting == accounting


@pytest.mark.parametrize("bad", BAD_ROWS)
def test_every_planted_problem_goes_to_the_full_validator(tmp_path: Path, bad: str) -> None:
    assert read_clean_paths(_write(tmp_path, HEADER + "\n".join([*CLEAN_ROWS, bad]) + "\n")) is None


@pytest.mark.parametrize(
    "text",
    [
        HEADER + "a > b,1,2,3\nb,1,1,1\na > b,1,1,1\n",  # a repeated path is summed
        HEADER + " a > b,1,2,3\nb,1,1,1\n",  # padded path
        HEADER + "a\u00a0 > b,1,2,3\nb,1,1,1\n",  # padded step (no-break space)
        HEADER + "a>x > b,1,2,3\n",  # '>' inside a step
        HEADER + "a > b,1,2,3\n\nb,1,1,1\n",  # blank line
        HEADER + "a > b,1,2,3\nb,1,1\n",  # too few fields
        HEADER + 'a > b,1,2,3\n"b,1,1,1\n',  # odd number of quotes
        HEADER + "a > b,1e16,2,3\n",  # implausibly large
        HEADER + "a > b,-0.5,2,3\n",  # negative
        HEADER + "a > b, 1,2,3\n",  # padded number (the full parser reads it)
        "\ufeff" + HEADER + "a > b,1,2,3\n",  # byte-order mark
        "\n" + HEADER + "a > b,1,2,3\n",  # blank line before the header
        "Path,Total_Conversions\na > b,1\n",  # names to resolve
        HEADER.strip() + ",note\na > b,1,2,3,x\n",  # an extra column
        "," + HEADER + "0,a > b,1,2,3\n",  # a row-index column
        HEADER,  # no rows
    ],
)
def test_anything_unusual_goes_to_the_full_route(tmp_path: Path, text: str) -> None:
    assert read_clean_paths(_write(tmp_path, text)) is None


def test_renamed_columns_and_other_formats(tmp_path: Path) -> None:
    rows = "\n".join(CLEAN_ROWS) + "\n"
    f = _write(tmp_path, "journey,conv,val,nulls\n" + rows)
    rename = {"journey": "path", "conv": "total_conversions", "val": "total_conversion_value"}
    assert read_clean_paths(f) is None
    clean = read_clean_paths(f, rename={**rename, "nulls": "total_null"})
    assert clean is not None and clean.accounting.used == len(CLEAN_ROWS)
    assert read_clean_paths(f, rename={**rename, "missing": "total_null"}) is None
    gz = tmp_path / "p.csv.gz"
    gz.write_bytes(gzip.compress((HEADER + rows).encode()))
    assert read_clean_paths(gz) is None  # the full reader decompresses it
    assert read_clean_paths(_write(tmp_path, HEADER + rows), sep="|") is None


def test_mta_writes_the_same_bytes_on_both_routes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(4)
    names = [f"ch{i}" for i in range(70)] + ["(none)", "=formula"]
    paths = {" > ".join(rng.choice(names, rng.integers(1, 7))) for _ in range(600)}
    lines = [
        f'"{p}",{rng.integers(0, 4)},{rng.uniform(0, 99):.2f},{rng.integers(0, 9)}' for p in paths
    ]
    f = _write(tmp_path, HEADER + "\n".join(lines) + "\n")
    argv = ["-q", "mta", "--paths", str(f), "--models", "markov,first", "--order", "1"]
    assert main([*argv, "--out", str(tmp_path / "fast.csv")]) == 0
    monkeypatch.setattr(command, "read_clean_paths", lambda *a, **k: None)
    assert main([*argv, "--out", str(tmp_path / "full.csv")]) == 0
    fast = (tmp_path / "fast.csv").read_bytes()
    assert fast == (tmp_path / "full.csv").read_bytes()
    assert b"'=formula" in fast  # neutralised as write_csv does


def test_clean_markov_run_imports_neither_pandas_nor_scipy(tmp_path: Path) -> None:
    f = _write(tmp_path, HEADER + "\n".join(CLEAN_ROWS) + "\n")
    code = (
        "import sys; from attribution.cli import main; "
        f"rc = main(['-q', 'mta', '--paths', {str(f)!r}, '--out', {str(tmp_path / 'o.csv')!r}, "
        "'--models', 'markov', '--order', '1']); "
        "print(rc, sorted(m for m in ('pandas', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.split("\n")[0] == "0 []"


def test_to_numpy_reads_chunks_and_slices() -> None:
    arr = pa.chunked_array([pa.array([1.5, 2.0, 3.0]).slice(1), pa.array([4.0])])
    assert to_numpy(arr).tolist() == [2.0, 3.0, 4.0]
    assert to_numpy(pa.array([7, 8], type=pa.int32())).dtype == np.int32


def test_distinct_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 40))
        offsets = np.r_[0, np.cumsum(rng.integers(1, 5, n))]
        codes = rng.integers(0, 3, offsets[-1]).astype(np.int32)
        seqs = {tuple(codes[offsets[i] : offsets[i + 1]]) for i in range(n)}
        assert _distinct(offsets, codes) == (len(seqs) == n)
