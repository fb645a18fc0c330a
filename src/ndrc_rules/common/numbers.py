"""Exact numbers: grades are read as decimals and computed as fractions.

No binary float ever takes part in a decision. Display truncates to two
decimals, so that a shown 10.00 is never an average below 10, and shows more
digits where two would hide how a value compares (`shown`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from ndrc_rules.common.messages import text

_DECIMAL = re.compile(r"\d+(?:[.,]\d+)?")


def parse_decimal(text: str) -> Fraction:
    """'12,5' or '12.5' → Fraction(25, 2). Raises ValueError on anything else."""
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        raise ValueError(text)
    return Fraction(Decimal(text.replace(",", ".")))


def display(value: Fraction, decimals: int = 2) -> str:
    """Truncated (never rounded up) fixed-point text: 9.999… → '9.99'."""
    scale = 10**decimals
    scaled = abs(value) * scale
    whole = scaled.numerator // scaled.denominator
    sign = "-" if value < 0 and whole else ""
    text = str(whole).rjust(decimals + 1, "0")
    return f"{sign}{text[:-decimals]}.{text[-decimals:]}" if decimals else f"{sign}{text}"


MAX_DECIMALS = 6  # past this many decimals, a value too close to compare is shown exactly


def shown(value: Fraction, compared: Iterable[Fraction] = ()) -> str:
    """The display rule of every output: two truncated decimals, unless they would read
    the same as a value `value` is compared with while the exact values differ
    (`moyenne_pro` 2001/200 against 10). Then the fewest decimals that tell them apart
    ('10.005'), or past `MAX_DECIMALS` the exact fraction. A value two decimals show
    exactly keeps them: the other side of the comparison gets the digits."""
    if (value * 100).denominator == 1:
        return display(value)
    decimals = 2
    for other in compared:
        while other != value and _truncated(value, decimals) == _truncated(other, decimals):
            decimals += 1
            if decimals > MAX_DECIMALS:
                return exact(value)
    return display(value, decimals)


def _truncated(value: Fraction, decimals: int) -> int:
    """The digits `display` shows, as an integer (towards zero, signed)."""
    scaled: Fraction = abs(value) * 10**decimals  # int ** int is typed Any
    whole = scaled.numerator // scaled.denominator
    return -whole if value < 0 else whole


def rounded(value: Fraction, decimals: int, mode: str) -> Fraction:
    """Rounded to `decimals`: 'arrondi' to the nearest (halves up), 'tronque' towards zero."""
    scale = 10**decimals
    scaled = abs(value) * scale
    whole = scaled.numerator // scaled.denominator
    if mode == "arrondi" and scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if value >= 0 else -whole, scale)


def short(value: Fraction) -> str:
    """As a coordinator writes a number: '10', '8,5', '0,25' (truncated past 2 decimals)."""
    if value.denominator == 1:
        return str(value)
    return display(value).rstrip("0").rstrip(".").replace(".", ",")


def exact(value: Fraction) -> str:
    """The exact value as text: '221/21', or '12' when whole."""
    return str(value)


def plain(value: Fraction) -> str:
    """The exact value as a person writes it by hand: '143.5' when a few decimals
    (at most `MAX_DECIMALS`) say it exactly, else the fraction ('226/21')."""
    for decimals in range(MAX_DECIMALS + 1):
        if (value * 10**decimals).denominator == 1:
            return display(value, decimals)
    return exact(value)


# A number in a text: not part of a word or of another number (`U2.1` is a unit code).
_POINTED = re.compile(r"(?<![\w.,/])(-?\d+)\.(\d+)(?![\w.,])")


def readable(shown: str) -> str:
    """The numbers of a text as a person reads them, with the decimal separator of the
    current language ('10,76', '[8,00 ; 10,00['); the one rule of every renderer for
    people. Machine formats (JSON, JSON Lines, records) keep the point."""
    separator = text("number.decimal_separator")
    if separator == ".":
        return shown
    return _POINTED.sub(lambda found: f"{found[1]}{separator}{found[2]}", shown)
