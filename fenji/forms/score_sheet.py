"""附件4 上级党组织评分定级表: the town's indicator scores per branch, typed 总分, 否决情形."""

from __future__ import annotations

from fenji.core.cells import is_blank, parse_date, parse_number, text
from fenji.core.records import ScoreRow
from fenji.core.tables import FormSpec, Row
from fenji.core.validate import Context, Form, check_header_max, require_columns, score_value

SPEC = FormSpec(
    "score_sheet",
    "上级党组织评分定级表（附件4）",
    ("上级党组织评分定级表",),
    (),
    ("党组织名称",),
    (),
    ("编号", "党组织名称"),
)


def score_sheet(ctx: Context) -> None:
    if not require_columns(ctx, ["党组织名称"]):
        return
    for indicator in ctx.profile.indicators:
        if indicator.name in ctx.table.columns:
            check_header_max(ctx, indicator.name, indicator.max)
        elif indicator.source == "score_sheet":
            ctx.error(
                "indicator-missing",
                f"评分定级表缺少“{indicator.name}”列。请按标准表样补上该列。",
                f"A{ctx.table.header_row + 1}",
            )
    town = ctx.table.field_value("乡镇党委", "乡镇")
    date_field = ctx.table.field_value("评定日期", "日期")
    for row in ctx.table.rows:
        record = _score_row(ctx, row)
        if record is not None:
            record.unit = _town_name(town.value) if town else ""
            record.date = parse_date(date_field.value) if date_field else None
            ctx.result.add("scores", record)


def _town_name(value: str) -> str:
    return value[:-2] if value.endswith("党委") else value


def _score_row(ctx: Context, row: Row) -> ScoreRow | None:
    name = text(row.cells.get("党组织名称"))
    ident = text(row.cells.get("编号"))
    if not name and not ident:
        return None
    subject = ident or name
    scores, refs = {}, {}
    for indicator in ctx.profile.indicators:
        if indicator.name not in ctx.table.columns:
            continue
        refs[indicator.name] = ctx.table.ref(row, indicator.name)
        scores[indicator.name] = score_value(ctx, row, indicator.name, indicator.max, subject)
    if "总分" in ctx.table.columns:
        refs["总分"] = ctx.table.ref(row, "总分")
    veto_column = ctx.profile.veto.get("column", "否决情形")
    total_raw = row.cells.get("总分")
    return ScoreRow(
        name,
        ctx.source.at(ctx.table.ref(row, "党组织名称")),
        scores,
        refs,
        typed_total=parse_number(total_raw) if not is_blank(total_raw) else None,
        veto=text(row.cells.get(veto_column)),
        veto_ref=ctx.table.ref(row, veto_column),
        typed_grade=text(row.cells.get("评定等次")),
        note=text(row.cells.get("备注")),
        id=ident,
    )


FORM = Form(SPEC, score_sheet)


MISSING_SCORES = "缺上级评分"


INCOMPLETE_SCORES = "上级评分不完整"
