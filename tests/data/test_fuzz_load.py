"""Property-based fuzzing of the CSV/Parquet loaders (issue #7, item 2).

Every outcome is an ``InputError``/``UsageError`` with a one-line message naming the
file, or a ``Loaded`` whose row accounting adds up (rows read = used + rejected), with
every data line of the file counted and every used row carrying its own values.
Bounded and derandomized, so CI is deterministic.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attribution.data import load_conversions, load_touchpoints, read_table
from attribution.data.read import sniff_text
from attribution.errors import InputError, UsageError

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CHANNELS = ("search", "email", "social", "tv")


def _write(tmp: Path, name: str, data: bytes) -> Path:
    p = tmp / name
    p.write_bytes(data)
    return p


def _check_outcome(load, path: Path, **kw) -> object | None:
    """Run a loader; errors must be clean one-liners; results must account for all rows."""
    try:
        loaded = load(path, **kw)
    except (InputError, UsageError) as exc:
        text = str(exc)
        assert "\n" not in text and text
        if isinstance(exc, InputError):
            assert exc.file == str(path) and exc.reason
            assert exc.row is None or exc.row >= 1
        return None
    acc = loaded.accounting
    assert acc.read == acc.used + acc.n_rejected
    assert len(loaded.frame) == acc.used == len(loaded.rows)
    assert len(loaded.rejected_frame) == acc.n_rejected
    return loaded


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".parquet", ".txt"]))
def test_random_bytes_never_crash(tmp_path_factory, data: bytes, suffix: str) -> None:
    path = _write(tmp_path_factory.mktemp("b"), "f" + suffix, data)
    for load in (load_touchpoints, load_conversions):
        for lenient in (False, True):
            _check_outcome(load, path, lenient=lenient)
    try:
        sniff_text(path)
    except InputError as exc:
        assert exc.reason in ("empty_file", "encoding", "nul_byte")


@FUZZ
@given(
    text=st.text(alphabet=st.sampled_from(list('ab,;|\t"\r\n =0123456789.-:é\x00')), max_size=300),
    header=st.sampled_from(
        ["customer_id,timestamp,channel", "customer_id;timestamp;channel;cost", ""]
    ),
)
def test_random_text_never_crashes(tmp_path_factory, text: str, header: str) -> None:
    path = _write(tmp_path_factory.mktemp("t"), "f.csv", (header + "\n" + text).encode())
    for lenient in (False, True):
        _check_outcome(load_touchpoints, path, lenient=lenient)


# ---- valid tables with one mutation: every data line is counted, none lost --------------


@st.composite
def touch_rows(draw: st.DrawFn) -> list[list[str]]:
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        day = draw(st.integers(1, 28))
        rows.append(
            [
                f"c{draw(st.integers(0, 4))}",
                f"2024-03-{day:02d} 10:{i:02d}:00",
                draw(st.sampled_from(CHANNELS)),
                f"{draw(st.integers(0, 500)) / 100:.2f}",
            ]
        )
    return rows


CELL_JUNK = st.sampled_from(
    [
        "",
        "abc",
        "-1",
        "NaN",
        "inf",
        "1e308",
        "2024-02-30 10:00:00",
        "9999-12-31 00:00:00",
        "1970-01-01 00:00:00",
        " ",
        "0,50",
        "=1+1",
        "2024-03-01T10:00:00+05:30",
    ]
)
MUTATIONS = (
    "none",
    "cell",
    "extra_field",
    "missing_field",
    "blank_line",
    "crlf",
    "bom",
    "semicolon",
    "utf16",
    "nul",
    "duplicate_row",
)


@FUZZ
@given(
    rows=touch_rows(), mutation=st.sampled_from(MUTATIONS), data=st.data(), lenient=st.booleans()
)
def test_mutated_touchpoints_account_for_every_line(
    tmp_path_factory, rows: list[list[str]], mutation: str, data: st.DataObject, lenient: bool
) -> None:
    header = ["customer_id", "timestamp", "channel", "cost"]
    rows = [list(r) for r in rows]
    delim, newline, encoding, bom = ",", "\n", "utf-8", b""
    k = data.draw(st.integers(0, len(rows) - 1))
    blank_at = None
    if mutation == "cell":
        rows[k][data.draw(st.integers(0, 3))] = data.draw(CELL_JUNK)
    elif mutation == "extra_field":
        rows[k].append("x")
    elif mutation == "missing_field":
        rows[k] = rows[k][:-1]
    elif mutation == "blank_line":
        blank_at = k
    elif mutation == "crlf":
        newline = "\r\n"
    elif mutation == "bom":
        bom = codecs.BOM_UTF8
    elif mutation == "semicolon":
        delim = ";"
    elif mutation == "utf16":
        encoding = "utf-16"
    elif mutation == "nul":
        rows[k][2] = rows[k][2][:2] + "\x00" + rows[k][2][2:]
    elif mutation == "duplicate_row":
        rows.insert(k, list(rows[k]))
    lines = [delim.join(header)] + [delim.join(r) for r in rows]
    if blank_at is not None:
        lines.insert(blank_at + 1, "")
    body = bom + (newline.join(lines) + newline).encode(encoding)
    path = _write(tmp_path_factory.mktemp("m"), "tp.csv", body)
    loaded = _check_outcome(load_touchpoints, path, lenient=lenient)
    if loaded is None:
        assert mutation not in ("none", "crlf", "bom", "semicolon", "utf16", "blank_line")
        return
    acc = loaded.accounting
    assert acc.read == len(rows)  # every data line read, none lost
    assert acc.blank == (1 if blank_at is not None else 0)
    # each used row carries the values of its own line (row numbers as a spreadsheet shows)
    row_of_line = {}
    line_no = 2
    for i in range(len(rows)):
        if blank_at is not None and i == blank_at:
            line_no += 1
        row_of_line[line_no] = rows[i]
        line_no += 1
    frame = loaded.frame
    for j, r in enumerate(loaded.rows.tolist()):
        src = row_of_line[r]
        assert frame["customer_id"].iloc[j] == src[0].strip()
        assert frame["channel"].iloc[j] == src[2].strip()
        want = pd.to_numeric(src[3].strip() or "nan", errors="coerce")  # cost is optional
        assert frame["cost"].iloc[j] == pytest.approx(want, nan_ok=True)
    if not lenient:
        assert acc.n_rejected == 0


@FUZZ
@given(rows=touch_rows(), nulls=st.lists(st.integers(0, 11), max_size=3))
def test_parquet_round_trip_accounts_for_missing_values(
    tmp_path_factory, rows: list[list[str]], nulls: list[int]
) -> None:
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "channel", "cost"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["cost"] = frame["cost"].astype(float)
    missing = sorted({i for i in nulls if i < len(frame)})
    frame.loc[missing, "cost"] = np.nan  # cost is optional: kept as missing
    frame.loc[missing, "channel"] = None  # channel is required: rejected in lenient mode
    path = tmp_path_factory.mktemp("p") / "tp.parquet"
    frame.to_parquet(path)
    loaded = _check_outcome(load_touchpoints, path, lenient=True)
    assert loaded is not None
    acc = loaded.accounting
    dup = frame.drop(index=missing).duplicated().sum()
    assert acc.rejected.get("missing_value", 0) == len(missing)
    assert acc.used == len(frame) - len(missing) - dup
    assert sorted(set(range(2, len(frame) + 2)) - set(loaded.rows.tolist())) == sorted(
        loaded.rejected_frame["_row"].tolist()
    )


def test_read_table_on_a_folder_and_missing_file(tmp_path: Path) -> None:
    for target in (tmp_path, tmp_path / "nope.csv"):
        with pytest.raises(InputError) as info:
            read_table(target)
        assert info.value.reason == "missing_file"


def test_sniff_text_cuts_the_sample_between_characters(tmp_path: Path) -> None:
    p = _write(tmp_path, "a.csv", b"a,b\n" + "é".encode() * 600)
    for limit in range(4, 12):  # the sample may end inside a two-byte character
        sniff_text(p, limit=limit)
    with pytest.raises(InputError) as info:
        sniff_text(_write(tmp_path, "b.csv", b"a,b\n\xe9,1\n"))
    assert (info.value.reason, info.value.row) == ("encoding", 2)
    with pytest.raises(InputError) as info:
        sniff_text(_write(tmp_path, "c.csv", "a,b\n1,2\n".encode("utf-16")))
    assert info.value.reason == "encoding"
