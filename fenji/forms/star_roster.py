"""评定对象名册 (star profiles): the persons or households of one village — 编号, 姓名（户主）, 类别,
its 上次星级, 入党时间 and 不参评情形, each checked where it stands (rules.md §3–§4)."""

from __future__ import annotations

import datetime as dt
import re

from fenji.core.cells import is_blank, parse_date, parse_stars, squash, text
from fenji.core.records import RosterEntry
from fenji.core.tables import FormSpec, Row
from fenji.core.validate import Context, Form, require_columns, required_id_and_name, village_name
from fenji.forms.person_roster import NO_REASON, listed_reasons
from fenji.forms.stars import star_name

SPEC = FormSpec(
    "star_roster", "星级评定对象名册", ("评定对象名册",), (), ("编号", "姓名", "类别"), (), ("编号", "姓名")
)


def star_roster(ctx: Context) -> None:
    """Persons and households of one village: 编号 姓名（户主） 类别 … 入党时间 上次星级 不参评情形."""
    if not require_columns(ctx, ["编号", "姓名", "类别"]):
        return
    default_unit = village_name(ctx)
    for row in ctx.table.rows:
        entry = _roster_entry(ctx, row, default_unit)
        if entry is not None:
            ctx.result.add("star_roster", entry)


def _roster_entry(ctx: Context, row: Row, default_unit: str) -> RosterEntry | None:
    why = "每个评定对象都要有编号和姓名（同村常有同名的人，评议表按编号对应）。"
    found = required_id_and_name(ctx, row, "名册", why)
    if found is None:
        return None
    ident, name = found
    unit = text(row.cells.get("所属村")) or default_unit
    if not unit:
        ctx.error(
            "roster-unit-missing",
            "名册表头没有填写“村（社区）：”。请填写村名，星级比例按村计算。",
            ctx.table.title_ref,
            ident,
        )
        return None
    return RosterEntry(
        ident,
        name,
        unit,
        ctx.source.at(ctx.table.ref(row, "编号")),
        category=_category(ctx, row, ident),
        joined=_joined(ctx, row, ident),
        last_grade=_previous(ctx, row, ident),
        ineligible=_ineligible(ctx, row, ident),
        note=text(row.cells.get("备注")),
        kind=text(row.cells.get("所属党支部/村民组")),
    )


def _category(ctx: Context, row: Row, ident: str) -> str:
    raw = squash(row.cells.get("类别"))
    categories = ctx.profile.rules["categories"]
    if raw not in categories:
        shown = text(row.cells.get("类别")) or "（空）"
        ctx.error(
            "category-unknown",
            f"类别“{shown}”不是规定的类别（{'、'.join(categories)}）。该对象不能评定，请改正。",
            ctx.table.ref(row, "类别"),
            ident,
        )
    return raw


def _previous(ctx: Context, row: Row, ident: str) -> str:
    """上次星级 normalised (`三星`, `无`), empty for a first rating."""
    raw = row.cells.get("上次星级")
    if is_blank(raw):
        return ""
    stars = parse_stars(raw)
    if stars is None:
        ctx.error(
            "stars-unknown",
            f"上次星级填写为“{text(raw)}”，无法识别。请填写“一星”至“五星”或“无”（未评上星级），"
            "首次评定的留空。本次按首次评定处理（不限晋级）。",
            ctx.table.ref(row, "上次星级"),
            ident,
        )
        return ""
    return star_name(stars)


def _joined(ctx: Context, row: Row, ident: str) -> dt.date | None:
    raw = row.cells.get("入党时间")
    if is_blank(raw):
        return None
    day = parse_date(raw) or _year_month(raw)
    if day is None:
        ctx.error(
            "date-invalid",
            f"入党时间“{text(raw)}”不是日期。请填写如“1983年8月”或“1983-08-01”。",
            ctx.table.ref(row, "入党时间"),
            ident,
        )
    return day


def _year_month(raw) -> dt.date | None:
    """`1983年8月`, `1983.08`, `1983-8` → the first of that month (入党时间 is often given to the month)."""
    match = re.fullmatch(r"(\d{4})[年.\-/](\d{1,2})月?", squash(raw))
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _ineligible(ctx: Context, row: Row, ident: str) -> str:
    """不参评情形 as `3 受到治安拘留处罚或以上` (several joined by `；`); empty when eligible."""
    raw = row.cells.get("不参评情形")
    if squash(raw) in NO_REASON:
        return ""
    codes = ctx.profile.rules["eligibility"]
    cell = ctx.table.ref(row, "不参评情形")
    if not codes:
        ctx.warning(
            "ineligible-not-in-profile",
            f"规则“{ctx.profile.name}”没有不参评情形，名册中填写的“{text(raw)}”已忽略。",
            cell,
            ident,
        )
        return ""
    return listed_reasons(ctx, row, "不参评情形", codes, ident, "该对象按不参评处理")


FORM = Form(SPEC, star_roster)
