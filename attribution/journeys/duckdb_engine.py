"""DuckDB engine (default): embedded, out-of-core over Parquet.

Only this module imports duckdb. It creates the raw views the definition expects
(see :mod:`attribution.journeys.definition`) and executes SQL; memory is bounded
with ``memory_limit`` and spills go to a temporary directory.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from attribution.journeys.definition import DUCKDB, Dialect

log = logging.getLogger("attribution")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _mixed_newlines(path: str, limit: int = 1 << 20) -> bool:
    """True when a local CSV file's first lines end both in CRLF and in a bare LF."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(limit)
    except OSError:  # a URL or an unreadable file: DuckDB reports it
        return False
    crlf = head.count(b"\r\n")
    return 0 < crlf < head.count(b"\n")


class DuckDBRunner:
    """Executes the journey SQL on an in-process DuckDB connection.

    Parameters
    ----------
    memory_limit : DuckDB memory limit, e.g. ``"5GB"`` (spills beyond it).
    threads : worker threads (None = DuckDB default, one per core).
    temp_dir : where DuckDB spills (default: a fresh temporary directory).

    Example
    -------
    >>> DuckDBRunner().fetch("SELECT 1 AS x").x.tolist()   # doctest: +SKIP
    [1]
    """

    dialect: Dialect = DUCKDB

    def __init__(
        self,
        memory_limit: str | None = "5GB",
        threads: int | None = None,
        temp_dir: str | None = None,
    ) -> None:
        import duckdb

        self._tmp = tempfile.TemporaryDirectory(prefix="attribution-duckdb-")
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute(f"SET temp_directory = {_lit(temp_dir or self._tmp.name)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {_lit(memory_limit)}")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        # order only matters for numbering CSV rows (set again in create_raw for CSV)
        self.con.execute("SET preserve_insertion_order = false")

    # -- raw views -------------------------------------------------------------------
    def columns(self, files: Sequence[str], fmt: str) -> list[str]:
        """Column names of the first file."""
        rel = self.con.sql(f"SELECT * FROM {self._scan([files[0]], fmt)} LIMIT 0")
        return list(rel.columns)

    def _scan(self, files: Sequence[str], fmt: str) -> str:
        if fmt == "table":  # duckdb:FILE:[schema.]table, attached read-only (sources.py)
            import hashlib

            from attribution.journeys.sources import parse_duckdb_table

            path, parts = parse_duckdb_table(files[0])
            alias = "j_db_" + hashlib.sha1(path.encode()).hexdigest()[:12]
            self.execute(f"ATTACH IF NOT EXISTS {_lit(path)} AS {alias} (READ_ONLY)")
            name = ".".join(_q(x) for x in (alias, *parts))
            return f"(SELECT *, 0 AS file_index, rowid AS file_row_number FROM {name})"
        lst = "[" + ", ".join(_lit(f) for f in files) + "]"
        if fmt == "parquet":
            return f"read_parquet({lst}, file_row_number = true)"
        # a CRLF file with an LF header line (or the reverse) defeats DuckDB's strict
        # dialect sniffer; its relaxed mode reads the lines (with their \r removed)
        relaxed = ", strict_mode = false" if any(map(_mixed_newlines, files)) else ""
        return f"read_csv({lst}, all_varchar = true, header = true{relaxed})"

    def create_raw(
        self, view: str, files: Sequence[str], fmt: str, select: dict[str, str | None]
    ) -> None:
        """Create ``view`` with the given ``{raw name: source column or None}`` mapping."""
        cols = ", ".join(
            f"{_q(src)} AS {dst}" if src else f"CAST(NULL AS VARCHAR) AS {dst}"
            for dst, src in select.items()
        )
        if fmt in ("parquet", "table"):
            sql = (
                f"SELECT {cols}, CAST(file_index AS BIGINT) AS _fidx, "
                f"CAST(file_row_number AS BIGINT) AS _row FROM {self._scan(files, fmt)}"
            )
        else:  # one ordered scan per file keeps the row numbers exact
            self.execute("SET preserve_insertion_order = true")
            sql = " UNION ALL ".join(
                f"SELECT {cols}, CAST({i} AS BIGINT) AS _fidx, "
                f"CAST(row_number() OVER () - 1 AS BIGINT) AS _row FROM {self._scan([f], fmt)}"
                for i, f in enumerate(files)
            )
        self.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {sql}")

    # -- execution ------------------------------------------------------------------
    def execute(self, sql: str) -> None:
        """Run a statement."""
        self.con.execute(sql)

    def create_view(self, name: str, select: str) -> None:
        """Create (or replace) a temporary view."""
        self.execute(f"{self.dialect.create_view} {name} AS {select}")

    def materialize(self, name: str, select: str) -> None:
        """Compute ``select`` once into a temporary table (spills to disk if needed)."""
        self.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")

    def fetch(self, sql: str) -> pd.DataFrame:
        """Run a query and return its (small) result as a DataFrame."""
        return self.con.sql(sql).df()

    def exact_row(self, view: str, fidx: int, row: int) -> int:
        """Spreadsheet row number (header = 1) of a raw row."""
        return int(row) + 2

    def write_parquet(self, sql: str, path: Path) -> None:
        """Write a query result to one Parquet file."""
        self.execute(f"COPY ({sql}) TO {_lit(str(path))} (FORMAT parquet)")

    def close(self) -> None:
        """Release the connection and the spill directory."""
        self.con.close()
        self._tmp.cleanup()
