"""党组织名册: the subjects of dingji, shengji and shixing (编号, 党组织名称, 所属乡镇 …)."""

from __future__ import annotations

from fenji.core.cells import parse_count, text
from fenji.core.records import RosterEntry
from fenji.core.tables import FormSpec, Row
from fenji.core.validate import Context, Form, require_columns, required_id_and_name

SPEC = FormSpec("roster", "党组织名册", ("党组织名册",), (), ("编号", "党组织名称"), (), ("编号", "党组织名称"))


def roster(ctx: Context) -> None:
    if not require_columns(ctx, ["编号", "党组织名称"]):
        return
    town_field = ctx.table.field_value("乡镇", "乡镇党委")
    default_unit = town_field.value if town_field else ""
    for row in ctx.table.rows:
        entry = _roster_entry(ctx, row, default_unit)
        if entry:
            ctx.result.add("roster", entry)


def _roster_entry(ctx: Context, row: Row, default_unit: str) -> RosterEntry | None:
    found = required_id_and_name(ctx, row, "名册", "每个党组织都要有编号和名称。", "党组织名称")
    if not found:
        return None
    ident, name = found
    unit = text(row.cells.get("所属乡镇")) or default_unit
    if not unit:
        ctx.error(
            "roster-unit-missing",
            "名册未填“所属乡镇”，表头也没有“乡镇：”。请填写所属乡镇。",
            ctx.table.ref(row, "所属乡镇"),
            ident,
        )
        return None
    members = parse_count(row.cells.get("党员人数")) if "党员人数" in row.cells else None
    return RosterEntry(
        ident,
        name,
        unit,
        ctx.source.at(ctx.table.ref(row, "编号")),
        kind=text(row.cells.get("党组织类型")),
        members=members,
        secretary=text(row.cells.get("党组织书记")),
        last_grade=text(row.cells.get("上年等次")),
        sector=text(row.cells.get("领域")),
    )


FORM = Form(SPEC, roster)
