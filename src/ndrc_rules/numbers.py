"""Exact numbers: grades are read as decimals and computed as fractions.

No binary float ever takes part in a decision. Display truncates to two
decimals, so that a shown 10.00 is never an average below 10.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

_DECIMAL = re.compile(r"\d+(?:[.,]\d+)?")

COMPARATORS: dict[str, Callable[[Fraction, Fraction], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "=": operator.eq,
    "!=": operator.ne,
}


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
