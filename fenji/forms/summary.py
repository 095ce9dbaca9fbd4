"""满意度测评汇总表: the town's summary of every branch's ballots, its arithmetic checked."""

from __future__ import annotations

from fenji.core.cells import is_blank, parse_count, parse_date, parse_percent, text
from fenji.core.records import BallotTally
from fenji.core.tables import FormSpec, Row
from fenji.core.validate import Context, Form, require_columns

SPEC = FormSpec(
    "summary",
    "满意度测评汇总表",
    ("满意度测评汇总表",),
    (),
    ("党组织名称", "有效票数"),
    ("满意", "基本满意", "不满意", "不了解"),
    ("序号", "党组织名称"),
)


def summary(ctx: Context) -> None:
    options = ctx.profile.satisfaction["options"]
    if not require_columns(ctx, ["党组织名称", "收回票数", "有效票数"] + options):
        return
    town = ctx.table.field_value("乡镇", "乡镇党委")
    date_field = ctx.table.field_value("统计日期", "日期")
    for row in ctx.table.rows:
        tally = _summary_row(ctx, row, options)
        if tally is not None:
            tally.unit = town.value if town else ""
            tally.date = parse_date(date_field.value) if date_field else None
            ctx.result.add("tallies", tally)


def _summary_row(ctx: Context, row: Row, options: list[str]) -> BallotTally | None:
    name = text(row.cells.get("党组织名称"))
    if not name:
        return None
    if all(is_blank(row.cells.get(column)) for column in ["收回票数", "有效票数"] + options):
        return None  # a row left blank (`fenji forms` lists every branch, 发放票数 maybe filled): no tally
    numbers = {}
    for column in ["发放票数", "收回票数", "有效票数"] + options:
        if column not in row.cells or is_blank(row.cells.get(column)):
            numbers[column] = None if column == "发放票数" else 0
            continue
        numbers[column] = parse_count(row.cells[column])
        if numbers[column] is None:
            ctx.error(
                "count-not-integer",
                f"“{column}”填写为“{text(row.cells[column])}”，应为非负整数。",
                ctx.table.ref(row, column),
                name,
            )
            return None
    counts = {o: numbers[o] for o in options}
    valid = sum(counts[o] for o in ctx.profile.satisfaction["weights"])
    _check_summary_arithmetic(ctx, row, name, numbers, valid)
    rate = parse_percent(row.cells.get("满意率")) if not is_blank(row.cells.get("满意率")) else None
    return BallotTally(
        name,
        ctx.source.at(ctx.table.ref(row, "党组织名称")),
        None,
        counts,
        numbers["收回票数"],
        valid,
        issued=numbers["发放票数"],
        typed_rate=rate,
        from_ballots=False,
        id=text(row.cells.get("编号")),
    )


def _check_summary_arithmetic(ctx: Context, row: Row, name: str, numbers: dict, valid: int) -> None:
    issued, returned, typed_valid = numbers["发放票数"], numbers["收回票数"], numbers["有效票数"]
    if issued is not None and returned > issued:
        ctx.error(
            "returned-exceeds-issued",
            f"收回票数 {returned} 大于发放票数 {issued}。请核对。",
            ctx.table.ref(row, "收回票数"),
            name,
        )
    if typed_valid != valid:
        ctx.warning(
            "valid-votes-mismatch",
            f"有效票数填写为 {typed_valid}，而满意、基本满意、不满意三项之和为 {valid}；以三项之和为准。",
            ctx.table.ref(row, "有效票数"),
            name,
        )
    if valid > returned:
        ctx.error(
            "valid-exceeds-returned",
            f"有效票数 {valid} 大于收回票数 {returned}。请核对。",
            ctx.table.ref(row, "有效票数"),
            name,
        )


FORM = Form(SPEC, summary)
