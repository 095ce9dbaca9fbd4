"""Exact arithmetic for grading: Decimal everywhere, one half-up rounding step.

Python's round() rounds half to even (round(89.25, 1) == 89.2); rules.md §0 requires 四舍五入.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

ZERO = Decimal(0)


def to_decimal(value) -> Decimal:
    """Exact Decimal from int, str, Fraction or a float read from a cell (via its shortest repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def half_up(value, decimals: int) -> Decimal:
    """Round half up (四舍五入) to `decimals` places; Fractions are rounded exactly."""
    quantum = Decimal(1).scaleb(-decimals)
    if isinstance(value, Fraction):
        scaled = value * (10**decimals)
        whole = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
        return (Decimal(whole) * quantum).quantize(quantum)
    return to_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def most_allowed(share: Decimal, n: int) -> int:
    """ "不超过 p%" of n subjects: floor(p·n), exactly (20 % of 13 → 2)."""
    return int((to_decimal(share) * n).to_integral_value(rounding=ROUND_FLOOR))


def fewest_required(share: Decimal, n: int) -> int:
    """ "不低于 p%" of n subjects: ceil(p·n), exactly (10 % of 13 → 2)."""
    return int((to_decimal(share) * n).to_integral_value(rounding=ROUND_CEILING))


def fmt_decimal(value: Decimal | None, decimals: int) -> str:
    """A score as printed: fixed decimals, empty for None."""
    if value is None:
        return ""
    return f"{half_up(value, decimals):.{decimals}f}"


def fmt_percent(value: Decimal | Fraction | None, decimals: int = 1) -> str:
    """A rate in [0, 1] as `96.5%` (half up)."""
    if value is None:
        return ""
    return f"{half_up(to_decimal(value) * 100 if not isinstance(value, Fraction) else value * 100, decimals):.{decimals}f}%"


def fmt_number(value) -> str:
    """A typed number as a clerk would write it: `12`, `18.5` (no trailing `.0`)."""
    if value is None:
        return ""
    number = to_decimal(value)
    text = format(number.normalize(), "f")
    return text
