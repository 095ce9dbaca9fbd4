"""Parsers for the values clerks type into cells. Each returns a value or None; never raises.

The callers turn a None into a problem that names the cell, so the message can say what was found.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from fenji.core.arith import to_decimal

_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\u200e\u200f\ufeff]+")
_QUOTES = re.compile(r"[\"'“”‘’「」『』]")
_SCORE_SUFFIX = re.compile(r"[（(]\s*[\d.]+\s*分\s*[)）]$")
_NAME_SUFFIXES = ("党总支部", "党总支", "党支部", "支部", "党委")


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and _SPACES.sub("", value) == "")


def text(value) -> str:
    """Cell content as display text: strip, NFKC, numbers without a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    return str(value).strip().replace("\u3000", " ").strip()


def squash(value) -> str:
    """NFKC and every kind of space removed: the form used to compare labels and options."""
    if isinstance(value, str):
        return _squash_text(value)
    return _SPACES.sub("", unicodedata.normalize("NFKC", text(value)))


@functools.lru_cache(maxsize=8192)
def _squash_text(value: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text(value)))


def title_key(value) -> str:
    """Text as compared with a form's title key: spaces, full-width spaces and quotes removed."""
    return _QUOTES.sub("", squash(value))


def header_key(value) -> str:
    """A column header without spaces, line breaks and a trailing （N分）."""
    return _SCORE_SUFFIX.sub("", squash(value))


def header_max(value) -> Decimal | None:
    """The maximum in a header's trailing （N分）, if any."""
    match = re.search(r"[（(]\s*([\d.]+)\s*分\s*[)）]$", squash(value))
    try:
        return Decimal(match.group(1)) if match else None
    except InvalidOperation:  # `（1.2.3分）`, `（.分）`
        return None


def normalize_name(value) -> str:
    """Branch names as matched to the roster: NFKC, no spaces, organisational suffix removed."""
    name = squash(value)
    for suffix in _NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def parse_number(value) -> Decimal | None:
    """`18`, `18.5`, `１８`, `18分`, ` 18 ` → Decimal; anything else → None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return None
        return to_decimal(value)
    raw = squash(value)
    if raw.endswith("分"):
        raw = raw[:-1]
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", raw):
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def parse_count(value) -> int | None:
    """A whole number of votes: `42`, `42.0`, `４２`, `42票`."""
    if isinstance(value, str) and squash(value).endswith(("票", "张", "人")):
        value = squash(value)[:-1]
    number = parse_number(value)
    if number is None or number != number.to_integral_value() or number < 0 or number >= 10**12:
        return None  # (the bound also keeps int() clear of Python's limit on huge integer strings)
    return int(number)


def parse_percent(value) -> Decimal | None:
    """A rate as a fraction of one: `0.965`, `96.5`, `96.5%`, `96.5％` → Decimal('0.965')."""
    if isinstance(value, str):
        raw = squash(value)
        if raw.endswith("%"):
            number = parse_number(raw[:-1])
            return None if number is None or number < 0 else number / 100
    number = parse_number(value)
    if number is None or number < 0:
        return None
    return number if number <= 1 else number / 100


_DATE_PATTERNS = (
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})[.\-/](\d{1,2})[.\-/](\d{1,2})"),
)


def parse_date(value) -> dt.date | None:
    """Real dates and `2027年3月28日`, `2027.3.28`, `2027-03-28`, `2027/3/28`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = squash(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.search(raw)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


_STAR_WORDS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_NO_STAR = {"无", "无星", "0", "0星", "零", "零星", "不列入星级", "未列入星级", "-", "—"}


def parse_stars(value) -> int | None:
    """`五星`, `五星级`, `5`, `5星`, `★★★★★` → 5; `无`, `无星`, `0` → 0; unknown → None.

    A blank cell is not parsed here: the caller decides what "no previous rating" means.
    """
    raw = squash(value)
    if raw in _NO_STAR:
        return 0
    if raw and set(raw) <= {"★", "☆"}:
        return raw.count("★") if len(raw) <= 5 else None  # six or more marks is not a rating
    match = re.fullmatch(r"([1-5一二两三四五])(星|星级)?", raw)
    if match:
        token = match.group(1)
        return int(token) if token.isdigit() else _STAR_WORDS[token]
    return None


def parse_option(value, options: list[str]) -> str | None:
    """A survey option after removing stray spaces and full-width forms; None if not an option."""
    if isinstance(value, str) and value in options:  # the common case, tens of thousands per county
        return value
    raw = squash(value)
    for option in options:
        if raw == squash(option):
            return option
    return None


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) → A1 reference."""
    return f"{column_letter(col)}{row + 1}"


def split_label(value) -> tuple[str, str] | None:
    """`党组织名称（盖章）：清溪村党支部` → (`党组织名称`, `清溪村党支部`); None without a colon."""
    raw = text(value)
    match = re.search(r"[:：]", raw)
    if not match:
        return None
    label = re.sub(r"[（(][^）)]*[)）]", "", raw[: match.start()])
    return squash(label), raw[match.end() :].strip()


def split_labels(value) -> list[tuple[str, str]]:
    """A cell may hold several `标签：值` pairs separated by wide spaces (`乡镇：清溪镇　　年度：2027`)."""
    raw = text(value) if not isinstance(value, str) else value.strip()
    pieces = [p for p in re.split(r"[\u3000]{2,}|\s{3,}", raw) if p.strip()]
    pairs = []
    for piece in pieces:
        pair = split_label(piece)
        if pair:
            pairs.append(pair)
    return pairs
