"""Inputs: contracts, loading and validation with row accounting, and the simulator.

Every loader reads CSV (UTF-8, with or without BOM; UTF-16 with BOM; delimiter
``,`` ``;`` tab or ``|``, detected) or Parquet, checks the table against its
contract (``attribution.data.contracts``) and returns a ``Loaded``: the clean
frame, its ``RowAccounting`` (rows read = used + rejected by reason) and the
rejected rows. Strict by default (the first bad row raises ``InputError``);
``lenient=True`` quarantines bad rows (``rejected=`` writes them to a CSV).

Clean types: ids and text are pandas ``str``; numbers ``float64``; timestamps
tz-aware UTC ``datetime64[us, UTC]`` (timestamps without offset are read in
``tz``, UTC by default); dates naive ``datetime64[us]`` at midnight; paths joined by
``" > "`` (``PATH_SEP``).
"""

from attribution.data.accounting import Loaded, RowAccounting, write_rejected
from attribution.data.load import (
    load_conversions,
    load_id_map,
    load_lift_tests,
    load_media,
    load_paths,
    load_touchpoints,
)
from attribution.data.panel_checks import check_lift_tests_against_panel, panel_channels
from attribution.data.read import read_table
from attribution.data.validate import KINDS, PATH_SEP, contract_for, validate_frame

__all__ = [
    "KINDS",
    "PATH_SEP",
    "Loaded",
    "RowAccounting",
    "check_lift_tests_against_panel",
    "contract_for",
    "load_conversions",
    "load_id_map",
    "load_lift_tests",
    "load_media",
    "load_paths",
    "load_touchpoints",
    "panel_channels",
    "read_table",
    "validate_frame",
    "write_rejected",
]
