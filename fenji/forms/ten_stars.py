"""Stage 3 for `shixing`: the town's 十星评定表, one row a village, one column a star (forms.md).

Each star cell must be one of the profile's words for 达标 / 未达标 (`[ten_stars].met`, `.not_met`);
a blank or any other value is an error naming the cell, and the village is then not graded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from fenji.core.cells import is_blank, parse_date, squash, text
from fenji.core.records import Source
from fenji.core.tables import FormSpec
from fenji.core.validate import Context, Form, require_columns

SPEC = FormSpec("ten_stars", "十星评定表", ("十星", "评定表"), (), ("村党组织",), (), ("编号", "村党组织"))


@dataclass
class TenStarRow:
    """One village's row: each star 达标 (True), 未达标 (False) or unreadable (None), with its cell."""

    id: str
    name: str
    unit: str
    source: Source  # the row's 村党组织 cell
    date: dt.date | None
    marks: dict[str, bool | None] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    note: str = ""


def validate(ctx: Context) -> None:
    """Validate a 十星评定表 into `ten_stars` records."""
    stars = ctx.profile.rules["stars"]
    if not require_columns(ctx, ["村党组织"] + stars):
        return
    town = ctx.table.field_value("乡镇党委", "乡镇")
    unit = _town_name(town.value) if town else ""
    date_field = ctx.table.field_value("评定日期", "日期")
    date = parse_date(date_field.value) if date_field else None
    for row in ctx.table.rows:
        ident, name = text(row.cells.get("编号")), text(row.cells.get("村党组织"))
        if not ident and not name:
            continue
        record = TenStarRow(
            ident, name, unit, ctx.source.at(ctx.table.ref(row, "村党组织")), date, note=text(row.cells.get("备注"))
        )
        for star in stars:
            record.refs[star] = ctx.table.ref(row, star)
            record.marks[star] = _mark(ctx, row, star, ident or name)
        ctx.result.add("ten_stars", record)


def _mark(ctx: Context, row, star: str, subject: str) -> bool | None:
    rules = ctx.profile.rules
    raw = row.cells.get(star)
    cell = ctx.table.ref(row, star)
    words = "、".join(rules["met"] + rules["not_met"])
    if is_blank(raw):
        ctx.error("star-mark-missing", f"“{star}”未填写。请填写{words}之一。", cell, subject)
        return None
    value = squash(raw)
    if value in rules["met"]:
        return True
    if value in rules["not_met"]:
        return False
    ctx.error("star-mark-unknown", f"“{star}”填写为“{text(raw)}”，不是规定的写法（{words}）。请改正。", cell, subject)
    return None


def _town_name(value: str) -> str:
    return value[:-2] if value.endswith("党委") else value


FORM = Form(SPEC, validate)
