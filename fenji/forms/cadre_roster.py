"""两委班子成员名册 (`gongxin`): one town's 两委 members, by village (`编号 姓名 职务 所属村（社区） 所属乡镇 备注`).

The 班子 of a village is everyone with its 所属村; the roster says who is rated, so a village's
missing survey and a member missing from the 调查表 are named from it.
"""

from __future__ import annotations

from fenji.core.cells import text
from fenji.core.tables import FormSpec, Row
from fenji.core.validate import Context, Form, require_columns
from fenji.forms.trust import CadreEntry

SPEC = FormSpec(
    "cadre_roster", "两委班子成员名册", ("两委班子成员名册",), (), ("编号", "姓名", "职务"), (), ("编号", "姓名")
)


def cadre_roster(ctx: Context) -> None:
    if not require_columns(ctx, ["编号", "姓名", "所属村"]):
        return
    town_field = ctx.table.field_value("乡镇", "乡镇党委")
    default_town = town_field.value if town_field else ""
    for row in ctx.table.rows:
        entry = _entry(ctx, row, default_town)
        if entry is not None:
            ctx.result.add("cadre_roster", entry)


def _entry(ctx: Context, row: Row, default_town: str) -> CadreEntry | None:
    ident, name, village = (text(row.cells.get(c)) for c in ("编号", "姓名", "所属村"))
    for column, value in (("编号", ident), ("姓名", name), ("所属村", village)):
        if not value:
            label = "所属村（社区）" if column == "所属村" else column
            ctx.error(
                "cadre-field-missing",
                f"两委名册第 {row.index + 1} 行缺少“{label}”。每位成员都要有编号、姓名和所属村（社区）。",
                ctx.table.ref(row, column),
                name or ident,
            )
            return None
    town = text(row.cells.get("所属乡镇")) or default_town
    return CadreEntry(
        ident,
        name,
        text(row.cells.get("职务")),
        village,
        town,
        ctx.source.at(ctx.table.ref(row, "编号")),
        text(row.cells.get("备注")),
    )


FORM = Form(SPEC, cadre_roster)
