"""附件3 满意度测评表: one branch's ballots, one row a ballot, reduced to counts per option."""

from __future__ import annotations

from fenji.core.cells import is_blank, parse_date, parse_option, squash, text
from fenji.core.records import BallotTally
from fenji.core.tables import FormSpec, Row
from fenji.core.validate import Context, Form, require_columns

SPEC = FormSpec("ballots", "满意度测评表（附件3）", ("满意度测评表",), ("汇总",), ("票号",), (), ("票号",))


def ballots(ctx: Context) -> None:
    column = ctx.profile.satisfaction["column"]
    if not require_columns(ctx, ["票号", column]):
        return
    name_field = ctx.table.field_value("被测评党组织", "党组织名称")
    if name_field is None or not name_field.value:
        ctx.error("branch-name-missing", "测评表未填写“被测评党组织：”。请在表头填写党组织名称。", ctx.table.title_ref)
        return
    name = name_field.value
    if not ctx.table.rows:  # no survey (rules.md §9): the town's 汇总表 row is used instead
        ctx.warning(
            "survey-no-ballots",
            f"“{name}”的测评表（{ctx.result.rel}）中没有任何选票行，不计为一次测评；"
            "该党组织的满意率按乡镇测评汇总表中的票数计算（汇总表中也没有时，记为缺少测评）。"
            "如有选票，请在表头下方逐行填写后重新报送。",
            ctx.table.title_ref,
            name,
        )
        return
    options = ctx.profile.satisfaction["options"]
    counts = {option: 0 for option in options}
    _check_item_columns(ctx, name, options)
    for row in ctx.table.rows:
        option = _ballot_option(ctx, row, column, options, name)
        if option is not None:
            counts[option] += 1
    valid = sum(counts[o] for o in ctx.profile.satisfaction["weights"])
    date_field = ctx.table.field_value("测评日期", "日期")
    ctx.result.add(
        "tallies",
        BallotTally(
            name,
            ctx.source.at(name_field.ref),
            parse_date(date_field.value) if date_field else None,
            counts,
            len(ctx.table.rows),
            valid,
        ),
    )


def _ballot_option(ctx: Context, row: Row, column: str, options: list[str], name: str) -> str | None:
    raw = row.cells.get(column)
    if is_blank(raw):
        ctx.notice(
            "ballot-blank",
            f"第 {text(row.cells.get('票号'))} 号票“{column}”未填，按无效票计。",
            ctx.table.ref(row, column),
            name,
        )
        return None
    option = parse_option(raw, options)
    marked = [o for o in options if o in squash(raw)]
    if option is None and len(marked) > 1:
        ctx.warning(
            "ballot-multiple-marks",
            f"第 {text(row.cells.get('票号'))} 号票“{column}”同时选了"
            f"“{'”“'.join(marked)}”，按无效票计（计入收回票数，不计入有效票数）。",
            ctx.table.ref(row, column),
            name,
        )
        return None
    if option is None:
        hint = "（在单个选项列中打“√”不是标准填法）" if squash(raw) in ("√", "✓", "✔", "v", "V") else ""
        ctx.error(
            "option-unknown",
            f"第 {text(row.cells.get('票号'))} 号票“{column}”填写为“{text(raw)}”{hint}，"
            f"不是规定的选项（{'、'.join(options)}），按无效票计。请核对原始选票后改正。",
            ctx.table.ref(row, column),
            name,
        )
    return option


def _check_item_columns(ctx: Context, name: str, options: list[str]) -> None:
    """The five item columns are not scored, but a value that is no option is reported once per column."""
    for column in ("领导班子", "党员队伍", "工作机制", "工作业绩", "群众反映"):
        if column not in ctx.table.columns or column == ctx.profile.satisfaction["column"]:
            continue
        for row in ctx.table.rows:
            raw = row.cells.get(column)
            if not is_blank(raw) and parse_option(raw, options) is None:
                ctx.warning(
                    "option-unknown",
                    f"“{column}”填写为“{text(raw)}”，不是规定的选项（{'、'.join(options)}）。",
                    ctx.table.ref(row, column),
                    name,
                )
                break


FORM = Form(SPEC, ballots)
