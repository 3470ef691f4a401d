"""Number, currency, percentage and interval formatting for finance readers.

A small, dependency-free formatter with a table of locales (decimal mark, digit
grouping, where the currency symbol goes, compact suffixes). Every number in the
report goes through :class:`Formatter`, so HTML, PDF and tests show identical
strings. Negative numbers use the true minus sign (U+2212).

Example
-------
>>> f = Formatter(currency="EUR", locale="en")
>>> f.money_interval(1.8e6, 2.3e6)
'€1.8–2.3M'
>>> Formatter(currency="EUR", locale="de").money(1234567.0, compact=False).replace(NBSP, " ")
'1.234.567 €'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from attribution.errors import UsageError

MINUS = "\u2212"
DASH = "\u2013"  # en dash for ranges
NBSP = "\u00a0"
NNBSP = "\u202f"


@dataclass(frozen=True)
class LocaleSpec:
    """How one locale writes numbers.

    ``money_pattern`` places ``{sym}`` and ``{num}``; ``compact`` holds the
    suffixes for thousands, millions and billions (``{num}`` then suffix).
    """

    code: str
    decimal: str
    group: str
    money_pattern: str  # e.g. "{sym}{num}" or "{num} {sym}"
    percent_pattern: str  # e.g. "{num}%" or "{num} %"
    compact: tuple[str, str, str]
    compact_sep: str = ""  # between number and compact suffix
    to: str = "to"  # joins the ends of an interval that crosses zero


LOCALES: dict[str, LocaleSpec] = {
    "en": LocaleSpec("en", ".", ",", "{sym}{num}", "{num}%", ("K", "M", "bn")),
    "de": LocaleSpec(
        "de",
        ",",
        ".",
        "{num}" + NBSP + "{sym}",
        "{num}" + NBSP + "%",
        ("Tsd.", "Mio.", "Mrd."),
        NBSP,
        "bis",
    ),
    "fr": LocaleSpec(
        "fr",
        ",",
        NNBSP,
        "{num}" + NBSP + "{sym}",
        "{num}" + NNBSP + "%",
        ("k", "M", "Md"),
        NBSP,
        "à",
    ),
    "es": LocaleSpec(
        "es",
        ",",
        ".",
        "{num}" + NBSP + "{sym}",
        "{num}" + NBSP + "%",
        ("mil", "M", "mil M"),
        NBSP,
        "a",
    ),
    "it": LocaleSpec(
        "it", ",", ".", "{num}" + NBSP + "{sym}", "{num}%", ("Mila", "Mln", "Mrd"), NBSP, "a"
    ),
    "nl": LocaleSpec(
        "nl", ",", ".", "{sym}" + NBSP + "{num}", "{num}%", ("K", "mln.", "mld."), NBSP, "tot"
    ),
}

CURRENCY_SYMBOLS: dict[str, str] = {
    "EUR": "€",
    "USD": "$",
    "GBP": "£",
    "JPY": "¥",
    "CHF": "CHF",
    "SEK": "kr",
    "DKK": "kr",
    "NOK": "kr",
    "PLN": "zł",
    "CAD": "CA$",
    "AUD": "A$",
    "INR": "₹",
}


def locale_spec(locale: str) -> LocaleSpec:
    """Look up a locale by code (``"de"``, ``"de_DE"`` and ``"de-AT"`` all give German).

    Raises ``UsageError`` for an unknown locale, naming the known ones.
    """
    key = locale.replace("-", "_").split("_")[0].lower()
    if key not in LOCALES:
        raise UsageError(f"unknown locale '{locale}'; use one of: {', '.join(sorted(LOCALES))}")
    return LOCALES[key]


def group_digits(x: float, decimals: int, spec: LocaleSpec) -> str:
    """Format ``|x|`` with ``decimals`` places, the locale's decimal mark and grouping.

    Example
    -------
    >>> group_digits(1234567.891, 2, LOCALES["en"])
    '1,234,567.89'
    """
    s = f"{abs(x):.{decimals}f}"
    whole, _, frac = s.partition(".")
    parts = []
    while len(whole) > 3:
        parts.insert(0, whole[-3:])
        whole = whole[:-3]
    parts.insert(0, whole)
    out = spec.group.join(parts)
    return out + (spec.decimal + frac if frac else "")


def _scale(x: float) -> tuple[float, int]:
    """Divisor and suffix index (-1 none, 0 K, 1 M, 2 bn) for compact display of ``|x|``."""
    a = abs(x)
    if a >= 1e9:
        return 1e9, 2
    if a >= 1e6:
        return 1e6, 1
    if a >= 1e4:
        return 1e3, 0
    return 1.0, -1


def _compact_decimals(v: float) -> int:
    """Decimals so a compact number shows two to three significant digits."""
    a = abs(v)
    if a >= 100:
        return 0
    if a >= 10:
        return 1 if a < 20 else 0
    return 1


class Formatter:
    """Formats numbers for one currency and locale.

    Parameters
    ----------
    currency : ISO code (``"EUR"``) or a symbol; unknown codes print as the code.
    locale : ``"en"``, ``"de"``, ``"fr"``, ``"es"``, ``"it"``, ``"nl"`` (region suffixes ignored).

    Example
    -------
    >>> Formatter("EUR", "en").pct(0.1234)
    '12.3%'
    """

    def __init__(self, currency: str = "EUR", locale: str = "en") -> None:
        self.spec = locale_spec(locale)
        self.currency = currency
        self.symbol = CURRENCY_SYMBOLS.get(currency.upper(), currency)

    # ------------------------------------------------------------------ basics
    def _sign(self, x: float) -> str:
        return MINUS if x < 0 and not _rounds_to_zero(x) else ""

    def number(self, x: float | None, decimals: int = 0) -> str:
        """Plain number with grouping: ``12,345``; missing values print as an en dash."""
        if x is None or not math.isfinite(x):
            return DASH
        return self._sign(round(x, decimals)) + group_digits(x, decimals, self.spec)

    def _money_body(self, num: str) -> str:
        return self.spec.money_pattern.format(sym=self.symbol, num=num)

    def money(self, x: float | None, compact: bool = True, decimals: int | None = None) -> str:
        """Currency amount: ``€1.8M`` (compact) or ``€1,834,000`` (full).

        Small amounts (below 10) keep two decimals (``€2.40``), so ROI-per-euro reads well.
        """
        if x is None or not math.isfinite(x):
            return DASH
        if compact:
            div, idx = _scale(x)
            if idx >= 0:
                v = x / div
                d = _compact_decimals(v) if decimals is None else decimals
                num = group_digits(v, d, self.spec) + self.spec.compact_sep + self.spec.compact[idx]
                return self._sign(round(v, d)) + self._money_body(num)
        d = decimals if decimals is not None else (2 if 0 < abs(x) < 10 else 0)
        return self._sign(round(x, d)) + self._money_body(group_digits(x, d, self.spec))

    def money_interval(self, lo: float | None, hi: float | None) -> str:
        """Compact interval sharing one unit: ``€1.8–2.3M``; mixed signs: ``−€0.2M to €1.1M``."""
        if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
            return DASH
        div, idx = _scale(max(abs(lo), abs(hi)))
        if lo < 0 < hi or (lo < 0 and hi < 0):  # both ends in one unit: "−€5.1K to €24K"
            if idx < 0:
                return f"{self.money(lo)} {self.spec.to} {self.money(hi)}"
            ends = []
            for v in (lo, hi):
                d = _compact_decimals(v / div)
                num = (
                    group_digits(v / div, d, self.spec)
                    + self.spec.compact_sep
                    + self.spec.compact[idx]
                )
                ends.append(self._sign(round(v / div, d)) + self._money_body(num))
            return f"{ends[0]} {self.spec.to} {ends[1]}"
        a, b = lo / div, hi / div
        d = _compact_decimals(b) if idx >= 0 else (2 if abs(b) < 10 else 0)
        while d < 3 and round(a, d) == round(b, d) and a != b:
            d += 1
        suffix = (self.spec.compact_sep + self.spec.compact[idx]) if idx >= 0 else ""
        num = group_digits(a, d, self.spec) + DASH + group_digits(b, d, self.spec) + suffix
        return self._money_body(num)

    def money_with_interval(self, x: float | None, lo: float | None, hi: float | None) -> str:
        """``€2.0M (€1.8–2.3M)``; the interval is dropped when missing."""
        head = self.money(x)
        iv = self.money_interval(lo, hi)
        return head if iv == DASH else f"{head} ({iv})"

    def pct(self, x: float | None, decimals: int = 1, signed: bool = False) -> str:
        """Fraction as percentage: ``0.123`` -> ``12.3%``; ``signed`` adds ``+``."""
        if x is None or not math.isfinite(x):
            return DASH
        body = group_digits(100 * x, decimals, self.spec)
        sign = self._sign(round(100 * x, decimals))
        if signed and not sign and round(100 * x, decimals) != 0:
            sign = "+"
        return sign + self.spec.percent_pattern.format(num=body)

    def pct_interval(self, lo: float | None, hi: float | None, decimals: int = 1) -> str:
        """``12.3–15.0%``."""
        if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
            return DASH
        if lo < 0:
            return f"{self.pct(lo, decimals)} {self.spec.to} {self.pct(hi, decimals)}"
        num = (
            group_digits(100 * lo, decimals, self.spec)
            + DASH
            + group_digits(100 * hi, decimals, self.spec)
        )
        return self.spec.percent_pattern.format(num=num)

    def ratio(self, x: float | None, decimals: int = 2) -> str:
        """A return per unit of currency: ``2.40`` (read "€2.40 back per €1")."""
        return self.number(x, decimals)

    def ratio_interval(self, lo: float | None, hi: float | None, decimals: int = 2) -> str:
        """``1.90–3.10``; mixed signs use "to"."""
        if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
            return DASH
        if lo < 0:
            return f"{self.number(lo, decimals)} {self.spec.to} {self.number(hi, decimals)}"
        return self.number(lo, decimals) + DASH + self.number(hi, decimals)

    def money_ticks(self) -> Ticks:
        """Axis tick labels for money: one unit and one number of decimals per axis
        (``€5K, €15K, €25K``, never ``€5,000, €15.0K, €25K``)."""
        return Ticks(self, money=True)

    def number_ticks(self) -> Ticks:
        """Axis tick labels for counts (activity units): one unit per axis (``5K, 15K``)."""
        return Ticks(self, money=False)

    def signed_money(self, x: float | None) -> str:
        """Change in money with an explicit sign: ``+€0.3M``, ``−€40K``."""
        if x is None or not math.isfinite(x):
            return DASH
        s = self.money(x)
        return s if s.startswith(MINUS) or s == self.money(0.0) else "+" + s


def _rounds_to_zero(x: float) -> bool:
    return abs(x) < 5e-13


class Ticks:
    """Tick labels that share one scale and one number of decimals across an axis.

    Call it with one value (a single label) or use :meth:`labels` for all the ticks
    of an axis at once (what charts do).

    Example
    -------
    >>> Formatter("EUR", "en").money_ticks().labels([5000, 15000, 25000])
    ['€5K', '€15K', '€25K']
    >>> Formatter("EUR", "en").money_ticks().labels([0, 2500, 5000, 7500])
    ['€0', '€2.5K', '€5.0K', '€7.5K']
    """

    def __init__(self, fmt: Formatter, money: bool = True) -> None:
        self.fmt, self.money = fmt, money

    def __call__(self, x: float) -> str:
        return self.labels([x])[0]

    def labels(self, values: list[float]) -> list[str]:
        vals = [float(v) for v in values]
        finite = [abs(v) for v in vals if math.isfinite(v)]
        top = max(finite, default=0.0)
        div, idx = (
            (1e9, 2)
            if top >= 1e9
            else (1e6, 1)
            if top >= 1e6
            else (1e3, 0)
            if top >= 1e3
            else (1.0, -1)
        )
        scaled = [v / div for v in vals]
        d = 0
        while d < 3 and any(
            math.isfinite(v) and abs(round(v, d) - v) > 1e-9 * max(1.0, abs(v)) for v in scaled
        ):
            d += 1
        spec = self.fmt.spec
        suffix = (spec.compact_sep + spec.compact[idx]) if idx >= 0 else ""
        out = []
        for v in scaled:
            if not math.isfinite(v):
                out.append(DASH)
                continue
            body = "0" if v == 0 else group_digits(v, d, spec) + suffix
            sign = MINUS if round(v, d) < 0 else ""
            out.append(sign + (self.fmt._money_body(body) if self.money else body))
        return out
