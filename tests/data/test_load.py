"""Reading files: formats, encodings, delimiters, row numbers; round-trips CSV <-> Parquet."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attribution.data import (
    load_conversions,
    load_id_map,
    load_lift_tests,
    load_media,
    load_paths,
    load_touchpoints,
    read_table,
)
from attribution.data.read import decode, detect_delimiter, guess_separator
from attribution.errors import InputError

TOUCHPOINTS = pd.DataFrame(
    {
        "customer_id": ["c1", "c1", "c2", "c3"],
        "timestamp": [
            "2024-03-01 10:00:00",
            "2024-03-02 11:00:00",
            "2024-03-01 09:30:00",
            "2024-03-03 18:00:00",
        ],
        "channel": ["search", "email", "social", "display"],
        "campaign": ["spring", "", "spring", "brand"],
        "interaction": ["click", "visit", "impression", "impression"],
        "cost": ["0.5", "0", "0.01", ""],
    }
)
CONVERSIONS = pd.DataFrame(
    {
        "customer_id": ["c1", "c2"],
        "order_id": ["o1", "o2"],
        "timestamp": ["2024-03-05T10:00:00Z", "2024-03-06T10:00:00Z"],
        "value": ["25.5", "30"],
    }
)
ID_MAP = pd.DataFrame(
    {
        "id": ["ck1", "ck2", "card9"],
        "customer_id": ["c1", "c1", "c2"],
        "id_type": ["cookie", "cookie", "loyalty"],
    }
)
PATHS = pd.DataFrame(
    {
        "path": ["search > email", "social"],
        "total_conversions": ["10", "2.5"],
        "total_conversion_value": ["500", "90"],
        "total_null": ["40", "7"],
    }
)
MEDIA = pd.DataFrame(
    {
        "date": ["2024-01-08", "2024-01-01", "2024-01-15"],
        "sales": ["1010", "1000", "1020"],
        "spend_tv": ["500", "0", "250"],
        "activity_social": ["3", "4", "5"],
        "price": ["-1.5", "9.99", "10"],
    }
)
LIFT = pd.DataFrame(
    {
        "channel": ["tv"],
        "start": ["2024-01-01"],
        "end": ["2024-01-14"],
        "lift": ["-12.5"],
        "lift_se": ["3"],
    }
)
KINDS = [
    (TOUCHPOINTS, load_touchpoints),
    (CONVERSIONS, load_conversions),
    (ID_MAP, load_id_map),
    (PATHS, load_paths),
    (MEDIA, load_media),
    (LIFT, load_lift_tests),
]


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """What a Parquet writer would store: numbers as numbers, times as datetimes."""
    out = frame.copy()
    for col in out.columns:
        num = pd.to_numeric(out[col].replace("", np.nan), errors="coerce")
        if num.notna().sum() == (out[col] != "").sum():
            out[col] = num
        elif col in ("timestamp",):
            out[col] = pd.to_datetime(
                out[col],
                format="ISO8601",
                utc=col == "timestamp" and out[col].str.endswith("Z").all(),
            )
        elif col in ("date", "start", "end"):
            out[col] = pd.to_datetime(out[col])
        else:
            out[col] = out[col].replace("", None)
    return out


@pytest.mark.parametrize(("frame", "loader"), KINDS, ids=[k[1].__name__ for k in KINDS])
def test_csv_and_parquet_give_identical_frames(tmp_path: Path, frame, loader) -> None:
    frame.to_csv(tmp_path / "a.csv", index=False)
    _typed(frame).to_parquet(tmp_path / "a.parquet")
    a = loader(tmp_path / "a.csv")
    b = loader(tmp_path / "a.parquet")
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.accounting.read == b.accounting.read == len(frame)
    assert a.accounting.used == len(frame)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_encodings_with_bom_read_the_same(tmp_path: Path, encoding: str) -> None:
    base = tmp_path / "base.csv"
    TOUCHPOINTS.to_csv(base, index=False)
    other = tmp_path / "other.csv"
    other.write_bytes(base.read_text().encode(encoding))
    pd.testing.assert_frame_equal(load_touchpoints(base).frame, load_touchpoints(other).frame)


@pytest.mark.parametrize("delim", [";", "\t", "|"])
def test_delimiters_are_detected(tmp_path: Path, delim: str) -> None:
    base, other = tmp_path / "base.csv", tmp_path / "other.csv"
    TOUCHPOINTS.to_csv(base, index=False)
    TOUCHPOINTS.to_csv(other, index=False, sep=delim)
    raw = read_table(other)
    assert raw.delimiter == delim
    pd.testing.assert_frame_equal(load_touchpoints(base).frame, load_touchpoints(other).frame)


def test_gzip_crlf_quotes_and_blank_lines(tmp_path: Path) -> None:
    text = (
        "customer_id,timestamp,channel,campaign\r\n"
        'c1,2024-03-01 10:00:00,search,"spring, part 1"\r\n'
        "\r\n"
        'c2,2024-03-01 11:00:00,email,"two\r\nlines"\r\n'
        "c3,2024-03-01 12:00:00,social,x\r\n"
    )
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    loaded = load_touchpoints(path)
    assert loaded.frame["campaign"].tolist() == ["spring, part 1", "two\r\nlines", "x"]
    assert loaded.accounting.read == 3 and loaded.accounting.blank == 1
    assert loaded.rows.tolist() == [2, 4, 5]


def test_row_numbers_skip_unsplittable_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "customer_id,timestamp,channel\n"
        "c1,2024-03-01 10:00,search\n"
        "c2,2024-03-01 10:00\n"
        "c3,2024-03-01 10:00,email,extra\n"
        "c4,2024-03-01 10:00,-5\n"
    )
    loaded = load_touchpoints(path, lenient=True)
    assert loaded.rows.tolist() == [2, 5]
    rej = loaded.rejected_frame
    assert rej["_row"].tolist() == [3, 4]
    assert rej["_reason"].tolist() == ["field_count", "field_count"]
    assert rej["_raw"].tolist() == ["c2,2024-03-01 10:00", "c3,2024-03-01 10:00,email,extra"]
    assert loaded.accounting.to_dict()["rejected"] == {"field_count": 2}


def test_trailing_delimiter_column_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,customer_id,\nck1,c1,\nck2,c2,\n")
    assert load_id_map(path).frame.columns.tolist() == ["id", "customer_id"]


def test_parquet_with_integer_ids_and_index(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [11, 12], "customer_id": [1, 1]}).set_index("id")
    frame.to_parquet(tmp_path / "m.parquet")
    out = load_id_map(tmp_path / "m.parquet").frame
    assert out["id"].tolist() == ["11", "12"] and out["customer_id"].tolist() == ["1", "1"]


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_touchpoints(tmp_path / "nope.csv")
    assert info.value.reason == "missing_file"
    (tmp_path / "x.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError) as info:
        load_touchpoints(tmp_path / "x.parquet")
    assert info.value.reason == "unreadable"
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04....")
    with pytest.raises(InputError) as info:
        load_touchpoints(tmp_path / "x.xlsx")
    assert "CSV" in info.value.fix
    (tmp_path / "blank.csv").write_text("\n  \n")
    with pytest.raises(InputError) as info:
        load_touchpoints(tmp_path / "blank.csv")
    assert info.value.reason == "empty_file"


def test_decode_reports_byte_offset_and_line() -> None:
    data = b"a,b\nok,ok\nok,caf" + b"\xe9\n"
    with pytest.raises(InputError) as info:
        decode(data, "f.csv")
    assert info.value.row == 3 and "byte offset 16" in str(info.value)
    assert "save the file as UTF-8" in str(info.value)
    assert decode("\ufeffa,b\n".encode(), "f") == ("a,b\n", b"a,b\n")


def test_detect_delimiter_and_guess_separator() -> None:
    assert detect_delimiter("a;b;c\n1;2;3\n") == ";"
    assert detect_delimiter('"a,b";c;d\n1;2;3\n') == ";"  # quoted comma does not count
    assert detect_delimiter("a|b\n1|2\n") == "|"
    assert detect_delimiter("a,b;c\n1,2;3\n") == ","  # tie: first that is consistent
    assert detect_delimiter("abc\n1\n") == ","
    assert guess_separator("customer_id:timestamp:channel") == ":"
    assert guess_separator("customer_id") is None


def test_forced_wrong_delimiter_says_which_one_the_file_uses(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    TOUCHPOINTS.to_csv(path, index=False, sep=";")
    with pytest.raises(InputError) as info:
        load_touchpoints(path, delimiter=",")
    assert info.value.reason == "wrong_delimiter" and "semicolon ';'" in str(info.value)


def test_blank_lines_before_header_keep_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "\n\ncustomer_id,timestamp,channel\nc1,2024-03-01 10:00,tv\nc2,x,tv,9\nc3,bad,tv\n"
    )
    loaded = load_touchpoints(path, lenient=True)
    assert loaded.rejected_frame["_row"].tolist() == [5, 6]  # lines 5 and 6 of the file
    assert loaded.rows.tolist() == [4]
    with pytest.raises(InputError) as info:
        load_touchpoints(path)
    assert info.value.row == 5


def test_bad_settings_are_usage_errors(tmp_path: Path) -> None:
    from attribution.errors import UsageError

    path = tmp_path / "t.csv"
    TOUCHPOINTS.to_csv(path, index=False)
    with pytest.raises(UsageError, match="time zone"):
        load_touchpoints(path, tz="Mars/Olympus")
    with pytest.raises(UsageError, match="one character"):
        load_touchpoints(path, delimiter=";;")


def test_stray_quote_inside_a_value_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('customer_id,timestamp,channel,campaign\nc1,2024-03-01 10:00,tv,12" screen\n')
    assert load_touchpoints(path).frame["campaign"].tolist() == ['12" screen']


def test_media_with_other_column_names_and_geo(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "week,revenue,region,spend_tv\n2024-01-08,10,n,1\n2024-01-01,9,n,2\n"
        "2024-01-01,5,s,0\n2024-01-08,6,s,0\n"
    )
    out = load_media(path, date_col="week", sales_col="revenue", geo_col="region").frame
    assert out.columns.tolist() == ["date", "sales", "geo", "spend_tv"]
    assert out["sales"].tolist() == [9.0, 10.0, 5.0, 6.0]
    with pytest.raises(InputError, match="column 'area'"):
        load_media(path, date_col="week", sales_col="revenue", geo_col="area")
