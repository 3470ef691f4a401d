"""Event logs and id map of the simulated world as tables (pyarrow, then pandas).

Identifiers are generated vectorised: customers ``C0000001``..., and per customer a
cookie (``ck_``), device (``dv_``) and loyalty card (``lc_``) id, each a bijective
scramble of the customer index, so ids are unique without any lookup table.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from attribution.data.simulator.config import ChannelSpec

ALT_TYPES = ("cookie", "device", "loyalty_card")
ALT_PREFIX = {"cookie": "ck_", "device": "dv_", "loyalty_card": "lc_"}
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_MOD = 16**10


def alt_id_type(spec: ChannelSpec) -> str | None:
    """Which alternative id a channel's touches may carry (None: always the customer id)."""
    if spec.name in ("display", "social_paid"):
        return "cookie"
    if spec.name.startswith("search"):
        return "device"
    if spec.name == "store_visit":
        return "loyalty_card"
    return None


def format_ids(prefix: str, numbers: np.ndarray, width: int, base: int = 10) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` in ``base`` (10 or 16), vectorised.

    Example
    -------
    >>> format_ids("C", np.array([7, 42]), 4).to_pylist()
    ['C0007', 'C0042']
    """
    nums = np.asarray(numbers, dtype=np.uint64)
    powers = np.uint64(base) ** np.arange(width - 1, -1, -1, dtype=np.uint64)
    digits = (nums[:, None] // powers[None, :]) % np.uint64(base)
    pre = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    buf = np.empty((nums.size, len(pre) + width), dtype=np.uint8)
    buf[:, : len(pre)] = pre
    buf[:, len(pre) :] = _HEX[digits.astype(np.intp)]
    arr = buf.reshape(-1).tobytes()
    size = len(pre) + width
    offsets = pa.array(np.arange(0, nums.size * size + 1, size, dtype=np.int32))
    return pa.StringArray.from_buffers(nums.size, offsets.buffers()[1], pa.py_buffer(arr))


def scramble(index: np.ndarray, salt: int) -> np.ndarray:
    """Bijective scramble of indices into [0, 16**10) (unique for unique indices)."""
    mult = np.uint64(0x9E3779B1)  # odd, so invertible modulo 16**10
    return (np.asarray(index, dtype=np.uint64) * mult + np.uint64(salt % _MOD)) % np.uint64(_MOD)


def customer_width(customers: int) -> int:
    """Digits of customer ids (at least 7)."""
    return max(7, len(str(customers)))


def touch_table(
    customers: int,
    start: dt.date,
    specs: list[ChannelSpec],
    cust: np.ndarray,
    seconds: np.ndarray,
    channel: np.ndarray,
    campaign: np.ndarray,
    cost: np.ndarray,
    alt: np.ndarray,
    salts: dict[str, int],
) -> pa.Table:
    """Touchpoints table; ``alt`` holds 0 (customer id) or 1 + index into ``ALT_TYPES``."""
    width = customer_width(customers)
    everyone = np.arange(customers)
    pool = pa.concat_arrays(
        [format_ids("C", everyone + 1, width)]
        + [
            format_ids(ALT_PREFIX[kind], scramble(everyone, salts[kind]), 10, 16)
            for kind in ALT_TYPES
        ]
    )
    ids = pool.take(pa.array(cust.astype(np.int64) + alt.astype(np.int64) * customers))
    names = pa.array([s.name for s in specs])
    interactions = pa.array([s.interaction or "" for s in specs])
    camp_names, camp_offset = [], []
    for s in specs:
        camp_offset.append(len(camp_names))
        camp_names.extend(s.campaigns or (s.name,))
    camp_idx = np.asarray(camp_offset, dtype=np.int64)[channel] + campaign
    t0 = np.datetime64(start, "s").astype("datetime64[us]").astype(np.int64)
    ts = pa.array(t0 + seconds.astype(np.int64) * 1_000_000, type=pa.timestamp("us"))
    return pa.table(
        {
            "customer_id": ids,
            "timestamp": ts,
            "channel": names.take(pa.array(channel.astype(np.int32))),
            "campaign": pa.array(camp_names).take(pa.array(camp_idx)),
            "interaction": interactions.take(pa.array(channel.astype(np.int32))),
            "cost": pa.array(cost, type=pa.float64()),
        }
    )


def conversion_table(
    customers: int, start: dt.date, cust: np.ndarray, seconds: np.ndarray, value: np.ndarray
) -> pa.Table:
    """Conversions table with order ids ``O00000001``... in time order."""
    t0 = np.datetime64(start, "s").astype("datetime64[us]").astype(np.int64)
    return pa.table(
        {
            "customer_id": format_ids("C", cust + 1, customer_width(customers)),
            "timestamp": pa.array(
                t0 + seconds.astype(np.int64) * 1_000_000, type=pa.timestamp("us")
            ),
            "value": pa.array(value, type=pa.float64()),
            "order_id": format_ids("O", np.arange(1, value.size + 1), max(8, len(str(value.size)))),
        }
    )


def id_map_table(
    customers: int, cust: np.ndarray, alt: np.ndarray, salts: dict[str, int]
) -> pa.Table:
    """One row per alternative id used in touchpoints: id, customer_id, id_type."""
    width = customer_width(customers)
    parts = []
    for k, kind in enumerate(ALT_TYPES, start=1):
        used = np.unique(cust[alt == k])
        if used.size:
            parts.append(
                pa.table(
                    {
                        "id": format_ids(ALT_PREFIX[kind], scramble(used, salts[kind]), 10, 16),
                        "customer_id": format_ids("C", used + 1, width),
                        "id_type": pa.array([kind] * used.size, type=pa.string()),
                    }
                )
            )
    if not parts:
        return pa.table(
            {
                "id": pa.array([], pa.string()),
                "customer_id": pa.array([], pa.string()),
                "id_type": pa.array([], pa.string()),
            }
        )
    return pa.concat_tables(parts)


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """pandas frame with plain string and datetime64 columns."""
    frame = table.to_pandas()
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype("str")
    return frame
