"""Number formatting: hand-written expectations per locale."""

from __future__ import annotations

import math

import pytest

from attribution.errors import UsageError
from attribution.report.fmt import MINUS, NBSP, NNBSP, Formatter, group_digits, locale_spec


@pytest.fixture
def en() -> Formatter:
    return Formatter("EUR", "en")


def test_interval_shares_one_unit(en: Formatter) -> None:
    assert en.money_interval(1.8e6, 2.3e6) == "€1.8–2.3M"
    assert en.money_interval(1.81e6, 1.84e6) == "€1.81–1.84M"  # extra decimal to tell apart
    assert en.money_interval(420e3, 1.1e6) == "€0.4–1.1M"  # unit of the larger end
    assert en.money_interval(12e3, 15e3) == "€12.0–15.0K"
    assert en.money_interval(2.73, 3.47) == "€2.73–3.47"
    assert en.money_interval(-2e5, 1.1e6) == f"{MINUS}€0.2M to €1.1M"  # both ends in one unit
    assert en.money_interval(-5112, 24e3) == f"{MINUS}€5.1K to €24K"


def test_axis_ticks_share_one_unit_and_decimals(en: Formatter) -> None:
    assert en.money_ticks().labels([5000, 15000, 25000]) == ["€5K", "€15K", "€25K"]
    assert en.money_ticks().labels([0, 5000, 10000, 15000]) == ["€0", "€5K", "€10K", "€15K"]
    assert en.money_ticks().labels([0, 2.5e5, 5e5]) == ["€0", "€250K", "€500K"]
    assert en.money_ticks().labels([0, 0.2e6, 1.4e6]) == ["€0", "€0.2M", "€1.4M"]
    assert en.number_ticks().labels([0, 15, 30]) == ["0", "15", "30"]
    assert en.money_interval(math.nan, 1.0) == "–"


def test_money_compact_and_full(en: Formatter) -> None:
    assert en.money(1_834_000) == "€1.8M"
    assert en.money(1_834_000, compact=False) == "€1,834,000"
    assert en.money(2.4) == "€2.40"
    assert en.money(0.0) == "€0"
    assert en.money(950) == "€950"
    assert en.money(12_345) == "€12.3K"
    assert en.money(345_678) == "€346K"
    assert en.money(-45_000) == f"{MINUS}€45K"
    assert en.money(2.5e9) == "€2.5bn"
    assert en.money(None) == "–"
    assert en.signed_money(3e5) == "+€300K"
    assert en.signed_money(-4e4) == f"{MINUS}€40K"
    assert en.signed_money(0.0) == "€0"


def test_percent_ratio_number(en: Formatter) -> None:
    assert en.pct(0.1234) == "12.3%"
    assert en.pct(0.5, 0, signed=True) == "+50%"
    assert en.pct(-0.391, 0, signed=True) == f"{MINUS}39%"
    assert en.pct(-0.0001, 1) == "0.0%"  # no "−0.0%"
    assert en.pct_interval(0.12, 0.15) == "12.0–15.0%"
    assert en.ratio(3.1) == "3.10"
    assert en.ratio_interval(2.73, 3.47) == "2.73–3.47"
    assert en.ratio_interval(-0.2, 1.5) == f"{MINUS}0.20 to 1.50"
    assert en.number(1_234_567.891, 2) == "1,234,567.89"
    assert en.number(float("inf")) == "–"


def test_german_and_french() -> None:
    de = Formatter("EUR", "de_DE")
    assert de.money(1_234_567.0, compact=False) == f"1.234.567{NBSP}€"
    assert de.money_interval(1.8e6, 2.3e6) == f"1,8–2,3{NBSP}Mio.{NBSP}€"
    assert de.pct(0.5) == f"50,0{NBSP}%"
    assert de.money_interval(-1e3, 2e3) == f"{MINUS}1.000{NBSP}€ bis 2.000{NBSP}€"
    fr = Formatter("EUR", "fr")
    assert fr.number(1_234_567.5, 1) == f"1{NNBSP}234{NNBSP}567,5"
    assert fr.money(1.8e6) == f"1,8{NBSP}M{NBSP}€"


def test_other_currencies() -> None:
    assert Formatter("USD", "en").money(2.3e6) == "$2.3M"
    assert Formatter("GBP", "en").money_interval(1e3, 2e3) == "£1,000–2,000"
    assert Formatter("XYZ", "en").money(5.0) == "XYZ5.00"


def test_grouping_edge_cases() -> None:
    spec = locale_spec("en")
    assert group_digits(999.995, 2, spec) == "1,000.00"  # rounding carries into a new group
    assert group_digits(100, 0, spec) == "100"
    assert group_digits(1000, 0, spec) == "1,000"


def test_unknown_locale() -> None:
    with pytest.raises(UsageError, match="unknown locale 'xx'"):
        Formatter("EUR", "xx")
