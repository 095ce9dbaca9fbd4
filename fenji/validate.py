"""Stage 3: turn recognised tables into typed records, checking every value where it stands.

Pure: no disk access. Each problem names the file, sheet and cell, in Chinese, with how to fix it.
Totals typed into a form are recomputed from their parts (rules.md §0, "never trust a total").
"""

from __future__ import annotations

from decimal import Decimal

from fenji.arith import fmt_number, fmt_percent
from fenji.cells import (is_blank, parse_count, parse_date, parse_number, parse_option, parse_percent,
                         squash, text)
from fenji.forms import Row, Table
from fenji.problems import Problems
from fenji.profiles import Profile
from fenji.records import (BallotTally, Decision, FileResult, RosterEntry, ScoreRow, SelfEval, Source)
from fenji import validate_stars   # the star forms (xingji-*); registered in VALIDATORS below
from fenji import validate_shixing   # the 十星评定表 (shixing); registered in VALIDATORS below


class Context:
    """Where we are (file, sheet) and where problems go."""

    def __init__(self, result: FileResult, table: Table, problems: Problems, profile: Profile):
        self.result, self.table, self.problems, self.profile = result, table, problems, profile
        self.source = Source(result.rel, table.sheet.name)

    def where(self, cell: str = "", subject: str = "") -> dict:
        return {"file": self.result.rel, "sheet": self.table.sheet.name, "cell": cell, "subject": subject}

    def error(self, code, message, cell="", subject=""):
        self.problems.error(code, message, **self.where(cell, subject))

    def warning(self, code, message, cell="", subject=""):
        self.problems.warning(code, message, **self.where(cell, subject))

    def notice(self, code, message, cell="", subject=""):
        self.problems.notice(code, message, **self.where(cell, subject))


def require_columns(ctx: Context, names: list[str]) -> bool:
    missing = [n for n in names if n not in ctx.table.columns]
    if missing:
        ctx.error("column-missing", f"{ctx.table.spec.label}缺少“{'”“'.join(missing)}”列（在第 {ctx.table.header_row + 1} 行的表头中未找到）。"
                  f"请按标准表样补上该列，不要修改表头文字。", cell=f"A{ctx.table.header_row + 1}")
        return False
    return True


def score_value(ctx: Context, row: Row, column: str, maximum: Decimal, subject: str) -> Decimal | None:
    """An indicator score in [0, max]; a problem (and None) otherwise."""
    raw = row.cells.get(column)
    cell = ctx.table.ref(row, column)
    if is_blank(raw):
        return None
    value = parse_number(raw)
    if value is None:
        ctx.error("score-not-numeric", f"“{column}”得分“{text(raw)}”不是数字。请填写 0 到 {maximum} 之间的数字。",
                  cell, subject)
        return None
    if not Decimal(0) <= value <= maximum:
        ctx.error("score-out-of-range", f"“{column}”得分 {fmt_number(value)} 超出范围，应在 0 到 {maximum} 分之间。请核对后改正。",
                  cell, subject)
        return None
    return value


def check_header_max(ctx: Context, column: str, maximum: Decimal) -> None:
    """A header's `（N分）` must agree with the profile's maximum."""
    from fenji.cells import header_max
    typed = header_max(ctx.table.header_text.get(column, ""))
    if typed is not None and typed != maximum:
        col = ctx.table.columns[column]
        from fenji.cells import cell_ref
        ctx.warning("indicator-max-mismatch", f"表头“{ctx.table.header_text[column]}”标注的分值 {typed} 与规则配置的满分 {maximum} 不一致；"
                    f"按规则配置的 {maximum} 分校验。", cell_ref(ctx.table.header_row + 1, col))


# --- 名册 ---------------------------------------------------------------------------------

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
    ident, name = text(row.cells.get("编号")), text(row.cells.get("党组织名称"))
    if not ident or not name:
        missing = "编号" if not ident else "党组织名称"
        ctx.error("roster-field-missing", f"名册第 {row.index + 1} 行缺少{missing}。每个党组织都要有编号和名称。",
                  ctx.table.ref(row, missing), name or ident)
        return None
    unit = text(row.cells.get("所属乡镇")) or default_unit
    if not unit:
        ctx.error("roster-unit-missing", "名册未填“所属乡镇”，表头也没有“乡镇：”。请填写所属乡镇。",
                  ctx.table.ref(row, "所属乡镇"), ident)
        return None
    members = parse_count(row.cells.get("党员人数")) if "党员人数" in row.cells else None
    return RosterEntry(ident, name, unit, ctx.source.at(ctx.table.ref(row, "编号")),
                       kind=text(row.cells.get("党组织类型")), members=members,
                       secretary=text(row.cells.get("党组织书记")), last_grade=text(row.cells.get("上年等次")))


# --- 附件2 自评表 ------------------------------------------------------------------------------

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
            ctx.error("indicator-missing", f"自评表缺少“{indicator.name}”一行。请按标准表样补齐七项指标。",
                      ctx.table.ref(ctx.table.header_row, "定级指标"), name)
            continue
        refs[indicator.name] = ctx.table.ref(row, "自评得分")
        value = score_value(ctx, row, "自评得分", indicator.max, name)
        if value is not None:
            scores[indicator.name] = value
    complete = len(scores) == len(ctx.profile.indicators)
    total = sum(scores.values(), Decimal(0)) if complete else None
    grade, grade_ref = _self_grade(ctx, name, total)
    date_field = ctx.table.field_value("填报日期", "日期")
    ctx.result.add("self_eval", SelfEval(name, ctx.source.at(name_field.ref), parse_date(date_field.value) if date_field else None,
                                         scores, refs, total, grade, grade_ref))


def _self_grade(ctx: Context, name: str, total: Decimal | None) -> tuple[str, str]:
    grade, grade_ref = "", ""
    for offset, values in enumerate(ctx.table.after):
        cells = [(c, v) for c, v in enumerate(values) if not is_blank(v)]
        if not cells:
            continue
        label = squash(cells[0][1])
        r = ctx.table.after_start + offset
        from fenji.cells import cell_ref
        if label.startswith("合计") and total is not None:
            _check_typed_total(ctx, name, cells, r, total)
        if label.startswith("自评等次"):
            inline = label.split("：", 1)[1] if "：" in label else (label.split(":", 1)[1] if ":" in label else "")
            if inline:
                grade, grade_ref = inline, cell_ref(r, cells[0][0])
            elif len(cells) > 1:
                grade, grade_ref = text(cells[1][1]), cell_ref(r, cells[1][0])
    if grade and grade not in ctx.profile.grades:
        ctx.warning("self-grade-unknown", f"自评等次“{grade}”不是规定的等次（{'、'.join(ctx.profile.grades)}）。", grade_ref, name)
    return grade, grade_ref


def _check_typed_total(ctx: Context, name: str, cells: list, r: int, total: Decimal) -> None:
    from fenji.cells import cell_ref
    col = ctx.table.columns["自评得分"]
    typed = next((v for c, v in cells if c == col), None)
    number = parse_number(typed)
    if number is not None and abs(number - total) > ctx.profile.totals["tolerance"]:
        ctx.warning("total-mismatch", f"合计填写为 {fmt_number(number)}，按各项得分重新计算为 {total}；以重新计算的结果为准。",
                    cell_ref(r, col), name)


# --- 附件3 满意度测评表 ------------------------------------------------------------------------

def ballots(ctx: Context) -> None:
    column = ctx.profile.satisfaction["column"]
    if not require_columns(ctx, ["票号", column]):
        return
    name_field = ctx.table.field_value("被测评党组织", "党组织名称")
    if name_field is None or not name_field.value:
        ctx.error("branch-name-missing", "测评表未填写“被测评党组织：”。请在表头填写党组织名称。", ctx.table.title_ref)
        return
    name = name_field.value
    if not ctx.table.rows:      # no survey (rules.md §9): the town's 汇总表 row is used instead
        ctx.warning("survey-no-ballots", f"“{name}”的测评表（{ctx.result.rel}）中没有任何选票行，不计为一次测评；"
                    "该党组织的满意率按乡镇测评汇总表中的票数计算（汇总表中也没有时，记为缺少测评）。"
                    "如有选票，请在表头下方逐行填写后重新报送。", ctx.table.title_ref, name)
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
    ctx.result.add("tallies", BallotTally(name, ctx.source.at(name_field.ref), parse_date(date_field.value) if date_field else None,
                                          counts, len(ctx.table.rows), valid))


def _ballot_option(ctx: Context, row: Row, column: str, options: list[str], name: str) -> str | None:
    raw = row.cells.get(column)
    if is_blank(raw):
        ctx.notice("ballot-blank", f"第 {text(row.cells.get('票号'))} 号票“{column}”未填，按无效票计。", ctx.table.ref(row, column), name)
        return None
    option = parse_option(raw, options)
    marked = [o for o in options if o in squash(raw)]
    if option is None and len(marked) > 1:
        ctx.warning("ballot-multiple-marks", f"第 {text(row.cells.get('票号'))} 号票“{column}”同时选了"
                    f"“{'”“'.join(marked)}”，按无效票计（计入收回票数，不计入有效票数）。", ctx.table.ref(row, column), name)
        return None
    if option is None:
        hint = "（在单个选项列中打“√”不是标准填法）" if squash(raw) in ("√", "✓", "✔", "v", "V") else ""
        ctx.error("option-unknown", f"第 {text(row.cells.get('票号'))} 号票“{column}”填写为“{text(raw)}”{hint}，"
                  f"不是规定的选项（{'、'.join(options)}），按无效票计。请核对原始选票后改正。", ctx.table.ref(row, column), name)
    return option


def _check_item_columns(ctx: Context, name: str, options: list[str]) -> None:
    """The five item columns are not scored, but a value that is no option is reported once per column."""
    for column in ("领导班子", "党员队伍", "工作机制", "工作业绩", "群众反映"):
        if column not in ctx.table.columns or column == ctx.profile.satisfaction["column"]:
            continue
        for row in ctx.table.rows:
            raw = row.cells.get(column)
            if not is_blank(raw) and parse_option(raw, options) is None:
                ctx.warning("option-unknown", f"“{column}”填写为“{text(raw)}”，不是规定的选项（{'、'.join(options)}）。",
                            ctx.table.ref(row, column), name)
                break


# --- 测评汇总表 -------------------------------------------------------------------------------

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
        return None     # a row left blank (`fenji forms` lists every branch, 发放票数 maybe filled): no tally
    numbers = {}
    for column in ["发放票数", "收回票数", "有效票数"] + options:
        if column not in row.cells or is_blank(row.cells.get(column)):
            numbers[column] = None if column == "发放票数" else 0
            continue
        numbers[column] = parse_count(row.cells[column])
        if numbers[column] is None:
            ctx.error("count-not-integer", f"“{column}”填写为“{text(row.cells[column])}”，应为非负整数。",
                      ctx.table.ref(row, column), name)
            return None
    counts = {o: numbers[o] for o in options}
    valid = sum(counts[o] for o in ctx.profile.satisfaction["weights"])
    _check_summary_arithmetic(ctx, row, name, numbers, valid)
    rate = parse_percent(row.cells.get("满意率")) if not is_blank(row.cells.get("满意率")) else None
    return BallotTally(name, ctx.source.at(ctx.table.ref(row, "党组织名称")), None, counts, numbers["收回票数"], valid,
                       issued=numbers["发放票数"], typed_rate=rate, from_ballots=False, id=text(row.cells.get("编号")))


def _check_summary_arithmetic(ctx: Context, row: Row, name: str, numbers: dict, valid: int) -> None:
    issued, returned, typed_valid = numbers["发放票数"], numbers["收回票数"], numbers["有效票数"]
    if issued is not None and returned > issued:
        ctx.error("returned-exceeds-issued", f"收回票数 {returned} 大于发放票数 {issued}。请核对。",
                  ctx.table.ref(row, "收回票数"), name)
    if typed_valid != valid:
        ctx.warning("valid-votes-mismatch", f"有效票数填写为 {typed_valid}，而满意、基本满意、不满意三项之和为 {valid}；"
                    f"以三项之和为准。", ctx.table.ref(row, "有效票数"), name)
    if valid > returned:
        ctx.error("valid-exceeds-returned", f"有效票数 {valid} 大于收回票数 {returned}。请核对。",
                  ctx.table.ref(row, "有效票数"), name)


# --- 附件4 上级党组织评分定级表 -------------------------------------------------------------------

def score_sheet(ctx: Context) -> None:
    if not require_columns(ctx, ["党组织名称"]):
        return
    for indicator in ctx.profile.indicators:
        if indicator.name in ctx.table.columns:
            check_header_max(ctx, indicator.name, indicator.max)
        elif indicator.source == "score_sheet":
            ctx.error("indicator-missing", f"评分定级表缺少“{indicator.name}”列。请按标准表样补上该列。",
                      f"A{ctx.table.header_row + 1}")
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
    return ScoreRow(name, ctx.source.at(ctx.table.ref(row, "党组织名称")), scores, refs,
                    typed_total=parse_number(total_raw) if not is_blank(total_raw) else None,
                    veto=text(row.cells.get(veto_column)), veto_ref=ctx.table.ref(row, veto_column),
                    typed_grade=text(row.cells.get("评定等次")), note=text(row.cells.get("备注")), id=ident)


# --- 决定调整表 --------------------------------------------------------------------------------

def decisions(ctx: Context) -> None:
    if not require_columns(ctx, ["调整后等次", "理由"]):
        return
    for row in ctx.table.rows:
        ident, name = text(row.cells.get("编号")), text(row.cells.get("名称"))
        grade, reason = squash(row.cells.get("调整后等次")), text(row.cells.get("理由"))
        subject = ident or name
        if not grade or not reason:
            missing = "调整后等次" if not grade else "理由"
            ctx.error("decision-incomplete", f"决定调整表第 {row.index + 1} 行缺少“{missing}”。每条决定都要写明调整后等次和理由。",
                      ctx.table.ref(row, missing), subject)
            continue
        grade = validate_stars.star_grade(grade, ctx.profile)     # `5星`, `★★★★★` → 五星 under a star profile
        if grade not in ctx.profile.grades:
            ctx.error("decision-grade-unknown", f"调整后等次“{grade}”不是规定的等次（{'、'.join(ctx.profile.grades)}）。",
                      ctx.table.ref(row, "调整后等次"), subject)
            continue
        ctx.result.add("decisions", Decision(ident, name, grade, reason, text(row.cells.get("会议及文号")),
                                             ctx.source.at(ctx.table.ref(row, "调整后等次"))))


VALIDATORS = {
    "roster": roster,
    "self_eval": self_eval,
    "ballots": ballots,
    "summary": summary,
    "score_sheet": score_sheet,
    "decisions": decisions,
    "star_roster": validate_stars.star_roster,
    "public_votes": validate_stars.public_votes,
    "panel": validate_stars.panel,
    "ten_stars": validate_shixing.ten_stars,
}


def describe_rate(rate) -> str:
    return fmt_percent(rate)
