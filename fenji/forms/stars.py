"""Stage 3 for the star systems (xingji-*): the 评定对象名册, 民主评议计分表 and 领导小组评议表.

Each table becomes typed records, every value checked where it stands (rules.md §3–§4, forms.md
"Star forms"). Blank representative scores mean "did not score"; scores typed as text (`88分`,
`８８`) are numbers; typed averages and totals are recomputed and compared, never trusted.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from fenji.core.arith import fmt_number, half_up
from fenji.core.cells import is_blank, parse_date, parse_number, parse_stars, squash, text
from fenji.core.records import RosterEntry, Source
from fenji.core.tables import FormSpec, Row
from fenji.core.validate import Context, Form, check_header_max, require_columns, score_value

PANEL_SPEC = FormSpec("panel", "领导小组评议表", ("领导小组评议表",), (), ("编号", "姓名"), (), ("编号", "姓名"))


PUBLIC_VOTES_SPEC = FormSpec("public_votes", "民主评议计分表", ("民主评议计分表",), (), ("编号", "姓名"), (), ("编号", "姓名"))


STAR_ROSTER_SPEC = FormSpec("star_roster", "星级评定对象名册", ("评定对象名册",), (), ("编号", "姓名", "类别"), (), ("编号", "姓名"))

STAR_NAMES = ["无", "一星", "二星", "三星", "四星", "五星"]
REPRESENTATIVE = re.compile(r"^(村民)?代表|^评议人|^评委")
MEAN_COLUMNS = ("平均分", "平均得分", "群众评议得分")
NO_REASON = {"", "无", "否", "-", "—", "/", "0"}
VILLAGE_LABELS = ("村", "社区", "村社区", "村名")


@dataclass
class PublicVotes:
    """One subject's row of the 民主评议计分表: the scores the representatives gave (blanks left out)."""

    id: str
    name: str
    unit: str
    source: Source                     # the row's 编号 cell
    date: dt.date | None
    scores: list[Decimal] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    blanks: int = 0                    # representatives who did not score this subject
    typed_mean: Decimal | None = None
    typed_ref: str = ""


@dataclass
class PanelReview:
    """One subject's row of the 领导小组评议表: item scores, the typed 合计, the 审定意见."""

    id: str
    name: str
    unit: str
    source: Source
    date: dt.date | None
    items: dict[str, Decimal | None] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    typed_total: Decimal | None = None
    total_ref: str = ""
    opinion: str = ""
    opinion_ref: str = ""
    note: str = ""



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



def _village(ctx: Context) -> str:
    found = ctx.table.field_value(*VILLAGE_LABELS)
    return found.value if found else ""


def _date(ctx: Context, *labels: str) -> dt.date | None:
    found = ctx.table.field_value(*labels)
    return parse_date(found.value) if found else None


def _id_name(row: Row, name_column: str = "姓名") -> tuple[str, str]:
    return text(row.cells.get("编号")), text(row.cells.get(name_column))


# --- 评定对象名册 -------------------------------------------------------------------------------

def star_roster(ctx: Context) -> None:
    """Persons and households of one village: 编号 姓名（户主） 类别 … 入党时间 上次星级 不参评情形."""
    if not require_columns(ctx, ["编号", "姓名", "类别"]):
        return
    default_unit = _village(ctx)
    for row in ctx.table.rows:
        entry = _roster_entry(ctx, row, default_unit)
        if entry is not None:
            ctx.result.add("star_roster", entry)


def _roster_entry(ctx: Context, row: Row, default_unit: str) -> RosterEntry | None:
    ident, name = _id_name(row)
    if not ident or not name:
        missing = "编号" if not ident else "姓名"
        ctx.error("roster-field-missing", f"名册第 {row.index + 1} 行缺少{missing}。每个评定对象都要有编号和姓名"
                  "（同村常有同名的人，评议表按编号对应）。", ctx.table.ref(row, missing), name or ident)
        return None
    unit = text(row.cells.get("所属村")) or default_unit
    if not unit:
        ctx.error("roster-unit-missing", "名册表头没有填写“村（社区）：”。请填写村名，星级比例按村计算。",
                  ctx.table.title_ref, ident)
        return None
    return RosterEntry(ident, name, unit, ctx.source.at(ctx.table.ref(row, "编号")),
                       category=_category(ctx, row, ident), joined=_joined(ctx, row, ident),
                       last_grade=_previous(ctx, row, ident), ineligible=_ineligible(ctx, row, ident),
                       note=text(row.cells.get("备注")), kind=text(row.cells.get("所属党支部/村民组")))


def _category(ctx: Context, row: Row, ident: str) -> str:
    raw = squash(row.cells.get("类别"))
    categories = ctx.profile.rules["categories"]
    if raw not in categories:
        shown = text(row.cells.get("类别")) or "（空）"
        ctx.error("category-unknown", f"类别“{shown}”不是规定的类别（{'、'.join(categories)}）。该对象不能评定，请改正。",
                  ctx.table.ref(row, "类别"), ident)
    return raw


def _previous(ctx: Context, row: Row, ident: str) -> str:
    """上次星级 normalised (`三星`, `无`), empty for a first rating."""
    raw = row.cells.get("上次星级")
    if is_blank(raw):
        return ""
    stars = parse_stars(raw)
    if stars is None:
        ctx.error("stars-unknown", f"上次星级填写为“{text(raw)}”，无法识别。请填写“一星”至“五星”或“无”（未评上星级），"
                  "首次评定的留空。本次按首次评定处理（不限晋级）。", ctx.table.ref(row, "上次星级"), ident)
        return ""
    return star_name(stars)


def _joined(ctx: Context, row: Row, ident: str) -> dt.date | None:
    raw = row.cells.get("入党时间")
    if is_blank(raw):
        return None
    day = parse_date(raw) or _year_month(raw)
    if day is None:
        ctx.error("date-invalid", f"入党时间“{text(raw)}”不是日期。请填写如“1983年8月”或“1983-08-01”。",
                  ctx.table.ref(row, "入党时间"), ident)
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
        ctx.warning("ineligible-not-in-profile", f"规则“{ctx.profile.name}”没有不参评情形，名册中填写的“{text(raw)}”已忽略。",
                    cell, ident)
        return ""
    key = squash(raw)
    found = re.findall(r"\d+", key) or [c for c, reason in codes.items() if key in squash(reason) or squash(reason) in key]
    unknown = [c for c in found if c not in codes]
    if not found or unknown:
        ctx.error("ineligible-unknown", f"不参评情形“{text(raw)}”不是规定的情形（填写序号 {'、'.join(codes)}）。"
                  "该对象按不参评处理，请核对改正。", cell, ident)
        return text(raw)
    return "；".join(f"{c} {codes[c]}" for c in dict.fromkeys(found))


# --- 民主评议计分表 ------------------------------------------------------------------------------

def public_votes(ctx: Context) -> None:
    """One row per subject; one column per representative (代表1 …), blank = did not score."""
    representatives = [c for c in ctx.table.columns if REPRESENTATIVE.search(c)]
    if not representatives:
        ctx.error("column-missing", "民主评议计分表没有代表评分列（表头应为“代表1”“代表2”……）。请按标准表样填写。",
                  f"A{ctx.table.header_row + 1}")
        return
    unit, date = _village(ctx), _date(ctx, "评议日期", "日期")
    mean_column = next((c for c in MEAN_COLUMNS if c in ctx.table.columns), "")
    for row in ctx.table.rows:
        ident, name = _id_name(row)
        if not ident and not name:
            continue
        votes = PublicVotes(ident, name, unit, ctx.source.at(ctx.table.ref(row, "编号" if ident else "姓名")), date)
        for column in representatives:
            _vote(ctx, row, column, votes, ident or name)
        if mean_column:
            _check_typed_mean(ctx, row, mean_column, votes, ident or name)
        ctx.result.add("public_votes", votes)


def _vote(ctx: Context, row: Row, column: str, votes: PublicVotes, subject: str) -> None:
    if is_blank(row.cells.get(column)):
        votes.blanks += 1
        return
    value = score_value(ctx, row, column, ctx.profile.rules["score_max"], subject)
    if value is not None:
        votes.scores.append(value)
        votes.refs.append(ctx.table.ref(row, column))


def _check_typed_mean(ctx: Context, row: Row, column: str, votes: PublicVotes, subject: str) -> None:
    raw = row.cells.get(column)
    typed = parse_number(raw) if not is_blank(raw) else None
    votes.typed_mean, votes.typed_ref = typed, ctx.table.ref(row, column)
    if typed is None or not votes.scores:
        return
    mean = Fraction(sum(votes.scores)) / len(votes.scores)
    if abs(Fraction(typed) - mean) > Fraction(ctx.profile.totals["tolerance"]):
        ctx.warning("total-mismatch", f"“{column}”填写为 {fmt_number(typed)}，按 {len(votes.scores)} 名代表的评分重新计算为 "
                    f"{half_up(mean, 2)}；以重新计算的结果为准。", votes.typed_ref, subject)


# --- 领导小组评议表 ------------------------------------------------------------------------------

def panel(ctx: Context) -> None:
    """Item scores (the profile's items present as columns), 合计 recomputed, 审定意见."""
    stars = ctx.profile.rules
    items = [i for i in stars["items"] if i["name"] in ctx.table.columns]
    if not items and stars["panel_weight"] > 0:
        names = "”“".join(dict.fromkeys(i["name"] for i in stars["items"]))
        ctx.error("column-missing", f"领导小组评议表缺少评分项目列（“{names}”）。请按标准表样填写。",
                  f"A{ctx.table.header_row + 1}")
        return
    if stars["review"] and not require_columns(ctx, ["审定意见"]):
        return
    for item in items:
        check_header_max(ctx, item["name"], item["max"])
    unit, date = _village(ctx), _date(ctx, "评议日期", "审定日期", "日期")
    for row in ctx.table.rows:
        ident, name = _id_name(row)
        if ident or name:
            ctx.result.add("panel", _panel_row(ctx, row, items, PanelReview(
                ident, name, unit, ctx.source.at(ctx.table.ref(row, "编号" if ident else "姓名")), date)))


def _panel_row(ctx: Context, row: Row, items: list[dict], review: PanelReview) -> PanelReview:
    subject = review.id or review.name
    for item in items:
        review.refs[item["name"]] = ctx.table.ref(row, item["name"])
        review.items[item["name"]] = score_value(ctx, row, item["name"], item["max"], subject)
    if "合计" in ctx.table.columns and not is_blank(row.cells.get("合计")):
        review.typed_total, review.total_ref = parse_number(row.cells.get("合计")), ctx.table.ref(row, "合计")
        given = [v for v in review.items.values() if v is not None]
        if review.typed_total is not None and given and len(given) == len(review.items):
            total = sum(given, Decimal(0))
            if abs(review.typed_total - total) > ctx.profile.totals["tolerance"]:
                ctx.warning("total-mismatch", f"合计填写为 {fmt_number(review.typed_total)}，按各项得分重新计算为 "
                            f"{fmt_number(total)}；以重新计算的结果为准。", review.total_ref, subject)
    review.opinion, review.opinion_ref = squash(row.cells.get("审定意见")), ctx.table.ref(row, "审定意见")
    review.note = text(row.cells.get("备注"))
    if review.opinion and review.opinion != "同意" and review.opinion not in ctx.profile.rules["reject_words"]:
        ctx.warning("opinion-unknown", f"审定意见填写为“{text(row.cells.get('审定意见'))}”，应为“同意”或"
                    f"“{'”“'.join(ctx.profile.rules['reject_words'])}”；按同意处理，请核对。", review.opinion_ref, subject)
    return review


STAR_ROSTER = Form(STAR_ROSTER_SPEC, star_roster)
PUBLIC_VOTES = Form(PUBLIC_VOTES_SPEC, public_votes)
PANEL = Form(PANEL_SPEC, panel)
