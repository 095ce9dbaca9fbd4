"""What the star forms share (评定对象名册, 民主评议计分表, 领导小组评议表: star_roster, public_votes,
panel): star names and levels as typed, and the date, 编号 and 姓名 of a table (the village: core.validate).

Each table becomes typed records, every value checked where it stands (rules.md §3–§4, forms.md
"Star forms"). Blank representative scores mean "did not score"; scores typed as text (`88分`,
`８８`) are numbers; typed averages and totals are recomputed and compared, never trusted.
"""

from __future__ import annotations

import datetime as dt

from fenji.core.cells import parse_date, parse_stars, text
from fenji.core.tables import Row
from fenji.core.validate import Context

STAR_NAMES = ["无", "一星", "二星", "三星", "四星", "五星"]


def star_name(rank: int | None) -> str:
    """0 → 无, 3 → 三星; None → empty (no previous rating)."""
    return "" if rank is None else STAR_NAMES[rank]


def star_grade(typed: str, profile) -> str:
    """A star level as typed (`5星`, `五星级`, `★★★★`, `无`) → the profile's grade name (五星 … 不列入星级);
    anything else, or under a profile whose grades are not star levels, is returned as typed."""
    if not profile.star_levels or typed in profile.grades:
        return typed
    rank = parse_stars(typed)
    if rank is None or rank >= len(profile.grades):
        return typed
    return profile.grades[len(profile.grades) - 1 - rank]


def field_date(ctx: Context, *labels: str) -> dt.date | None:
    found = ctx.table.field_value(*labels)
    return parse_date(found.value) if found else None


def id_and_name(row: Row, name_column: str = "姓名") -> tuple[str, str]:
    return text(row.cells.get("编号")), text(row.cells.get(name_column))


# --- 评定对象名册 -------------------------------------------------------------------------------


# --- 民主评议计分表 ------------------------------------------------------------------------------


# --- 领导小组评议表 ------------------------------------------------------------------------------
