"""附件2 分类定级自评表: one branch's own scores per indicator, its typed 合计 and 自评等次."""

from __future__ import annotations

from decimal import Decimal

from fenji.core.arith import fmt_number
from fenji.core.cells import cell_ref, is_blank, parse_date, parse_number, squash, text
from fenji.core.records import SelfEval
from fenji.core.tables import FormSpec
from fenji.core.validate import Context, Form, require_columns, score_value

SPEC = FormSpec(
    "self_eval", "分类定级自评表（附件2）", ("分类定级自评表",), (), ("定级指标", "自评得分"), (), ("定级指标",)
)


def self_eval(ctx: Context) -> None:
    if not require_columns(ctx, ["定级指标", "自评得分"]):
        return
    name_field = ctx.table.field_value("党组织名称", "被测评党组织")
    if name_field is None or not name_field.value:
        ctx.error("branch-name-missing", "自评表未填写“党组织名称：”。请在表头填写党组织名称。", ctx.table.title_ref)
        return
    name = name_field.value
    rows = {squash(r.cells.get("定级指标")): r for r in ctx.table.rows}
    scores, refs = {}, {}
    for indicator in ctx.profile.indicators:
        row = rows.get(indicator.name)
        if row is None:
            ctx.error(
                "indicator-missing",
                f"自评表缺少“{indicator.name}”一行。请按标准表样补齐七项指标。",
                ctx.table.ref(ctx.table.header_row, "定级指标"),
                name,
            )
            continue
        refs[indicator.name] = ctx.table.ref(row, "自评得分")
        value = score_value(ctx, row, "自评得分", indicator.max, name)
        if value is not None:
            scores[indicator.name] = value
    complete = len(scores) == len(ctx.profile.indicators)
    total = sum(scores.values(), Decimal(0)) if complete else None
    grade, grade_ref = _self_grade(ctx, name, total)
    date_field = ctx.table.field_value("填报日期", "日期")
    ctx.result.add(
        "self_eval",
        SelfEval(
            name,
            ctx.source.at(name_field.ref),
            parse_date(date_field.value) if date_field else None,
            scores,
            refs,
            total,
            grade,
            grade_ref,
        ),
    )


def _self_grade(ctx: Context, name: str, total: Decimal | None) -> tuple[str, str]:
    grade, grade_ref = "", ""
    for offset, values in enumerate(ctx.table.after):
        cells = [(c, v) for c, v in enumerate(values) if not is_blank(v)]
        if not cells:
            continue
        label = squash(cells[0][1])
        r = ctx.table.after_start + offset
        if label.startswith("合计") and total is not None:
            _check_typed_total(ctx, name, cells, r, total)
        if label.startswith("自评等次"):
            inline = label.split("：", 1)[1] if "：" in label else (label.split(":", 1)[1] if ":" in label else "")
            if inline:
                grade, grade_ref = inline, cell_ref(r, cells[0][0])
            elif len(cells) > 1:
                grade, grade_ref = text(cells[1][1]), cell_ref(r, cells[1][0])
    if grade and grade not in ctx.profile.grades:
        ctx.warning(
            "self-grade-unknown",
            f"自评等次“{grade}”不是规定的等次（{'、'.join(ctx.profile.grades)}）。",
            grade_ref,
            name,
        )
    return grade, grade_ref


def _check_typed_total(ctx: Context, name: str, cells: list, r: int, total: Decimal) -> None:
    col = ctx.table.columns["自评得分"]
    typed = next((v for c, v in cells if c == col), None)
    number = parse_number(typed)
    if number is not None and abs(number - total) > ctx.profile.totals["tolerance"]:
        ctx.warning(
            "total-mismatch",
            f"合计填写为 {fmt_number(number)}，按各项得分重新计算为 {total}；以重新计算的结果为准。",
            cell_ref(r, col),
            name,
        )


FORM = Form(SPEC, self_eval)
