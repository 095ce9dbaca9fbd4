"""党员名册 (`youxiu`): one 党总支's members — 编号 姓名 性别 所属党支部 党员类别 入党时间 不符合条件情形 备注.

The roster defines who may be recommended and the 党员总数 that the 20 % cap is counted on
(rules.md §6); its 不符合条件情形 codes stay internal."""

from __future__ import annotations

from dataclasses import dataclass

from fenji.core.cells import squash, text
from fenji.core.records import RosterEntry
from fenji.core.tables import FormSpec, Row
from fenji.core.validate import Context, Form, require_columns, required_id_and_name
from fenji.forms.members import general_branch_of
from fenji.forms.person_roster import NO_REASON, listed_reasons

SPEC = FormSpec("member_roster", "党员名册", ("党员名册",), (), ("编号", "姓名", "党员类别"), (), ("编号", "姓名"))

FORMAL, PROBATIONARY = "正式党员", "预备党员"


@dataclass
class Member(RosterEntry):
    """A Party member: `unit` is the 党总支, `kind` the 所属党支部, `category` 正式党员 / 预备党员."""

    gender: str = ""


def member_roster(ctx: Context) -> None:
    if not require_columns(ctx, ["编号", "姓名", "党员类别"]):
        return
    general = general_branch_of(ctx)
    if not general:
        ctx.error(
            "roster-unit-missing",
            "党员名册表头没有填写“党总支：”。请填写党总支名称，优秀党员名额按党总支的党员总数计算。",
            ctx.table.title_ref,
        )
        return
    for row in ctx.table.rows:
        member = _member(ctx, row, general)
        if member is not None:
            ctx.result.add("member_roster", member)


def _member(ctx: Context, row: Row, general: str) -> Member | None:
    found = required_id_and_name(ctx, row, "党员名册", "每名党员都要有编号和姓名（同名的党员按编号对应）。")
    if found is None:
        return None
    ident, name = found
    return Member(
        ident,
        name,
        general,
        ctx.source.at(ctx.table.ref(row, "编号")),
        kind=text(row.cells.get("所属党支部")),
        category=_member_type(ctx, row, ident),
        ineligible=_ineligible(ctx, row, ident),
        note=text(row.cells.get("备注")),
        gender=text(row.cells.get("性别")),
    )


def _member_type(ctx: Context, row: Row, ident: str) -> str:
    raw = squash(row.cells.get("党员类别"))
    for word in (FORMAL, PROBATIONARY):
        if raw in (word, word[:2]):
            return word
    ctx.error(
        "category-unknown",
        f"党员类别“{text(row.cells.get('党员类别')) or '（空）'}”应为“正式党员”或“预备党员”。"
        "该党员按正式党员计入党员总数，请核对改正。",
        ctx.table.ref(row, "党员类别"),
        ident,
    )
    return FORMAL


def _ineligible(ctx: Context, row: Row, ident: str) -> str:
    """不符合条件情形 as `1 受党纪政务处分未满影响期；3 …`; `1、3` or the words themselves; empty when none."""
    raw = row.cells.get("不符合条件情形")
    if squash(raw) in NO_REASON:
        return ""
    codes = ctx.profile.rules["ineligibility"]
    return listed_reasons(ctx, row, "不符合条件情形", codes, ident, "该党员按不符合条件处理")


FORM = Form(SPEC, member_roster)
