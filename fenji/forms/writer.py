"""Writers for the standard forms (forms.md), laid out like the reference forms
(tests/data/reference_forms/): the same titles, `标签：值` label cells, merged two-level headers, column
widths and fonts, so that what fenji writes is what fenji (and a clerk) expects to read back.

Every writer returns a `Form`: the openpyxl workbook plus a map of its input cells,
`(row key, column) → (sheet, "E5")`. Row keys are the subject's 编号 (tables with one row per
subject), the indicator name (附件2), the row number (附件3) or "" for the label cells above a
table (`("", "填报日期")`). Programs fill a written form through that map (`fill`).

Guards, because forms come back from Excel, WPS and LibreOffice filled by hand:
* every input cell has a data validation with a Chinese prompt and error message: drop-down
  lists for options, categories and grades, decimals in [0, max] for scores (max from the
  profile), whole numbers ≥ 0 for counts, and `标签：` cells that must keep their label;
* every sheet is protected WITHOUT a password: titles, headers, names and 编号 are locked, input
  cells are not. The protection only prevents accidents; anyone may lift it (审阅 → 撤销工作表保护)
  to fix a form, and nothing is lost when they do, because fenji re-checks every value on reading;
* print setup: A4, fit to one page wide, header rows repeated on every page, landscape for the
  wide forms (附件4, 汇总表, 计分表, 评议表).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

# The fonts of the reference forms.
TITLE_FONT = Font(name="方正小标宋简体", size=16, bold=True)
MARK_FONT = Font(name="黑体", size=12)  # 附件2 / 附件3 / 附件4 above the title
LABEL_FONT = Font(name="仿宋_GB2312", size=12)
HEADER_FONT = Font(name="黑体", size=11)
DATA_FONT = Font(name="Calibri", size=11)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
GAP = "\u3000\u3000\u3000\u3000"  # between two labels in one cell, as in the reference

# Layout text of the standard forms (not grading rules: those come from the profile).
BALLOT_ITEMS = ("领导班子", "党员队伍", "工作机制", "工作业绩", "群众反映")
CATEGORIES = ("党员", "群众代表", "村民小组长", "入党积极分子", "其他")
NUMERALS = "一二三四五六七八九十"
POINTS = {  # 附件2 评分要点 of the reference form, by indicator name
    "党组织带头人": "书记“一好双强”，班子健全团结，按期换届",
    "工作思路": "有年度计划和总结，发展思路清晰",
    "工作制度": "“三会一课”、民主评议党员、党务公开落实",
    "活动阵地": "有活动场所，设施齐全，管理使用规范",
    "保障机制": "工作经费、报酬待遇落实",
    "工作业绩": "年度目标任务完成，集体经济发展",
    "群众评价": "党员群众满意度测评结果",
}
BALLOT_NOTE = "说明：每项在“{options}”中选填一项。"
BALLOT_ROWS = "收回的每张票录入一行，从第一行起连续录入，票号照票面填写（每行都要填票号）；未收回的票不录入。"
ROW_HEIGHT = 22  # points, of a table row
DEFAULT_ROWS = 50  # input rows of a 附件3 without a ballot count, and of the free tables


@dataclass
class Form:
    """A written form: the workbook, its kind (as in fenji.forms.FORMS) and its input cells."""

    book: Workbook
    kind: str
    cells: dict[tuple, tuple[str, str]] = field(default_factory=dict)

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.book.save(path)
        return path


def fill(path: Path, cells: dict[tuple, tuple[str, str]], values: dict[tuple, object], out: Path | None = None) -> Path:
    """Type `values` ((row key, column) → value) into a written form, as a program filling it would."""
    book = load_workbook(path)
    for key, value in values.items():
        sheet, ref = cells[key]
        book[sheet][ref] = value
    target = out or path
    book.save(target)
    return target


def _pairs(indicators: Iterable) -> list[tuple[str, Decimal]]:
    """(name, max) from profile Indicators, star item dicts or plain tuples."""
    result = []
    for item in indicators:
        if isinstance(item, dict):
            result.append((item["name"], Decimal(str(item["max"]))))
        elif isinstance(item, (tuple, list)):
            result.append((item[0], Decimal(str(item[1]))))
        else:
            result.append((item.name, Decimal(str(item.max))))
    return result


def _points(value: Decimal) -> str:
    return f"{value.normalize():f}"


# --- guards (data validation) ---------------------------------------------------------------


def _guard(kind: str, title: str, prompt: str, error: str, **options) -> DataValidation:
    return DataValidation(
        type=kind,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        errorStyle="stop",
        promptTitle=title[:32],
        prompt=prompt[:250],
        errorTitle="输入有误"[:32],
        error=error[:220],
        **options,
    )


def choice_guard(values: Sequence[str], what: str) -> DataValidation:
    shown = "、".join(values)
    return _guard(
        "list",
        f"请选择{what}",
        f"从下拉列表中选择：{shown}。",
        f"只能填写：{shown}。请从下拉列表中选择。",
        formula1='"' + ",".join(values) + '"',
    )


def score_guard(maximum: Decimal, what: str = "得分") -> DataValidation:
    top = _points(maximum)
    return _guard(
        "decimal",
        f"填写{what}（0—{top}分）",
        f"填写 0 到 {top} 之间的数字，可带小数，不要加“分”字。",
        f"{what}应为 0 到 {top} 之间的数字。",
        operator="between",
        formula1="0",
        formula2=top,
    )


def count_guard(what: str = "票数") -> DataValidation:
    return _guard(
        "whole",
        f"填写{what}",
        "填写 0 或正整数。",
        f"{what}应为 0 或正整数。",
        operator="greaterThanOrEqual",
        formula1="0",
    )


def number_guard(what: str) -> DataValidation:
    return _guard(
        "whole",
        f"填写{what}",
        "填写正整数（1、2、3……）。",
        f"{what}应为正整数。",
        operator="greaterThanOrEqual",
        formula1="1",
    )


def label_guard(ref: str, label: str, example: str) -> DataValidation:
    """A `标签：` cell filled by typing after the label; the label itself (all the cell's text, e.g.
    `村（社区）：大安村　　　　评议日期：`) must stay."""
    formula = f'LEFT({ref},{len(label)})="{label}"'
    last = label.split(GAP)[-1].strip("\u3000")
    return _guard(
        "custom",
        f"在“{last}”后填写",
        f"保留“{label}”，在其后填写，如：{last}{example}",
        f"请保留“{label}”字样，在其后填写，如：{last}{example}",
        formula1=formula,
    )


def text_guard(what: str, prompt: str) -> DataValidation:
    return _guard(
        "textLength", f"填写{what}", prompt, f"{what}不超过 200 字。", operator="lessThanOrEqual", formula1="200"
    )


# --- the sheet builder ------------------------------------------------------------------------


class Sheet:
    """One worksheet being written: styles, merged cells, input cells and their guards."""

    def __init__(self, ws: Worksheet, widths: Sequence[float], form: Form):
        self.ws, self.form = ws, form
        self.guards: dict[str, DataValidation] = {}
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = width
        self.width = len(widths)

    def mark(self, text: str) -> None:
        self.ws.cell(row=1, column=1, value=text).font = MARK_FONT

    def title(self, row: int, text: str) -> None:
        self.ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=self.width)
        cell = self.ws.cell(row=row, column=1, value=text)
        cell.font, cell.alignment = TITLE_FONT, CENTER
        self.ws.row_dimensions[row].height = 32

    def label(self, row: int, first: int, last: int, text: str, key: str = "", example: str = "") -> None:
        """A `标签：值` cell over columns first..last; with `key` it is an input cell guarded by its label."""
        if last > first:
            self.ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        cell = self.ws.cell(row=row, column=first, value=text)
        cell.font, cell.alignment = LABEL_FONT, Alignment(vertical="center", wrap_text=True)
        if key:
            cell.protection = UNLOCKED
            self.ws.add_data_validation(dv := label_guard(cell.coordinate, text, example))
            dv.add(cell.coordinate)
            self.form.cells[("", key)] = (self.ws.title, cell.coordinate)

    def header(self, row: int, col: int, text: str, rows: int = 1, cols: int = 1) -> None:
        for r in range(row, row + rows):
            for c in range(col, col + cols):
                self.ws.cell(row=r, column=c).border = BOX
        if rows > 1 or cols > 1:
            self.ws.merge_cells(start_row=row, start_column=col, end_row=row + rows - 1, end_column=col + cols - 1)
        cell = self.ws.cell(row=row, column=col, value=text)
        cell.font, cell.alignment = HEADER_FONT, CENTER

    def headers(self, row: int, labels: Sequence[str]) -> None:
        for c, text in enumerate(labels, start=1):
            self.header(row, c, text)

    def value(self, row: int, col: int, value=None, align: Alignment = CENTER):
        """A locked data cell (a name, an 编号, a maximum)."""
        cell = self.ws.cell(row=row, column=col, value=value)
        cell.font, cell.alignment, cell.border = DATA_FONT, align, BOX
        if self.ws.row_dimensions[row].height is None:  # room to write by hand on the printed form
            self.ws.row_dimensions[row].height = ROW_HEIGHT
        return cell

    def entry(self, row: int, col: int, key: tuple, guard: str, make, value=None, align: Alignment = CENTER):
        """An input cell: unlocked, guarded (`guard` names one shared validation built by `make`), mapped."""
        cell = self.value(row, col, value, align)
        cell.protection = UNLOCKED
        if guard not in self.guards:
            self.guards[guard] = make()
            self.ws.add_data_validation(self.guards[guard])
        self.guards[guard].add(cell.coordinate)
        self.form.cells[key] = (self.ws.title, cell.coordinate)
        return cell

    def note(self, row: int, text: str) -> None:
        self.ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=self.width)
        cell = self.ws.cell(row=row, column=1, value=text)
        cell.font, cell.alignment = LABEL_FONT, Alignment(vertical="center", wrap_text=True)

    def finish(self, header_rows: str, landscape: bool = False, free_rows: bool = False) -> None:
        """Protection (no password), print setup, and the header rows frozen on screen."""
        ws = self.ws
        ws.freeze_panes = f"A{int(header_rows.split(':')[1]) + 1}"
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # widening a column or a row stays allowed
        ws.protection.formatRows = False
        if free_rows:  # tables of free length: rows may be inserted and deleted
            ws.protection.insertRows = False
            ws.protection.deleteRows = False
        setup = ws.page_setup
        setup.paperSize = ws.PAPERSIZE_A4
        setup.orientation = "landscape" if landscape else "portrait"
        setup.fitToWidth, setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = header_rows
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.5


def _new(kind: str, title: str, widths: Sequence[float]) -> tuple[Form, Sheet]:
    book = Workbook()
    form = Form(book, kind)
    ws = book.active
    ws.title = title
    return form, Sheet(ws, widths, form)


def _add_sheet(form: Form, title: str, widths: Sequence[float]) -> Sheet:
    return Sheet(form.book.create_sheet(title), widths, form)


# --- 名册 ----------------------------------------------------------------------------------------


def roster_book(unit: str, year: int, subjects: Sequence, grades: Sequence[str]) -> Form:
    """基层党组织名册 of one town. `subjects`: objects with id, name, kind, members, secretary, last_grade
    (fenji.core.records.RosterEntry, fenji.systems.dingji.samples.Branch …). 编号, 名称 and 所属乡镇 are locked."""
    form, s = _new("roster", "名册", (10, 22, 12, 12, 10, 12, 10))
    s.title(1, "基层党组织名册")
    s.label(2, 1, 7, f"乡镇（盖章）：{unit}{GAP}年度：{year}")
    s.headers(3, ["编号", "党组织名称", "所属乡镇", "党组织类型", "党员人数", "党组织书记", "上年等次"])
    s.ws.row_dimensions[3].height = 30
    for r, subject in enumerate(subjects, start=4):
        for c, value in enumerate((subject.id, subject.name, unit), start=1):
            s.value(r, c, value)
        s.entry(
            r,
            4,
            (subject.id, "党组织类型"),
            "kind",
            lambda: text_guard("党组织类型", "如：行政村、社区。"),
            getattr(subject, "kind", "") or None,
        )
        s.entry(
            r,
            5,
            (subject.id, "党员人数"),
            "members",
            lambda: count_guard("党员人数"),
            getattr(subject, "members", None),
        )
        s.entry(
            r,
            6,
            (subject.id, "党组织书记"),
            "text",
            lambda: text_guard("姓名", "填写党组织书记姓名。"),
            getattr(subject, "secretary", "") or None,
        )
        s.entry(
            r,
            7,
            (subject.id, "上年等次"),
            "grade",
            lambda: choice_guard(grades, "上年等次"),
            getattr(subject, "last_grade", "") or None,
        )
    s.finish("3:3")
    return form


# --- 附件2 自评表 ---------------------------------------------------------------------------------


def self_eval_book(name: str, ident: str, indicators: Iterable, grades: Sequence[str]) -> Form:
    """附件2 基层党组织分类定级自评表 of one branch: one row per indicator, 合计 (=SUM) and 自评等次."""
    pairs = _pairs(indicators)
    form, s = _new("self_eval", "自评表", (6, 16, 8, 40, 10, 24))
    s.mark("附件2")
    s.title(2, "基层党组织分类定级自评表")
    s.label(3, 1, 3, f"党组织名称（盖章）：{name}\u3000\u3000编号：{ident}")
    s.label(3, 4, 6, "填报日期：", key="填报日期", example="2027年3月28日")
    s.ws.row_dimensions[3].height = 36
    s.headers(4, ["序号", "定级指标", "分值", "评分要点", "自评得分", "扣分说明"])
    s.ws.row_dimensions[4].height = 30
    first = 5
    for i, (indicator, maximum) in enumerate(pairs):
        r = first + i
        s.value(r, 1, NUMERALS[i] if i < len(NUMERALS) else i + 1)
        s.value(r, 2, indicator)
        s.value(r, 3, int(maximum) if maximum == maximum.to_integral_value() else float(maximum))
        s.value(r, 4, POINTS.get(indicator))
        s.entry(r, 5, (indicator, "自评得分"), f"score-{maximum}", lambda m=maximum: score_guard(m, "自评得分"))
        s.entry(
            r,
            6,
            (indicator, "扣分说明"),
            "reason",
            lambda: text_guard("扣分说明", "有扣分的，写明扣分原因。"),
            align=LEFT,
        )
        s.ws.row_dimensions[r].height = 32
    last = first + len(pairs) - 1
    total = first + len(pairs)
    s.value(total, 1, "合计")
    s.value(total, 2)
    s.value(total, 3, int(sum(m for _, m in pairs)))
    s.value(total, 4)
    s.value(total, 5, f"=SUM(E{first}:E{last})")
    s.value(total, 6)
    _grade_row(s, total + 1, grades)
    s.ws.row_dimensions[total + 1].height = 32
    s.label(total + 2, 1, 6, "党组织书记（签字）：", key="签字", example="张国强")
    s.finish("4:4")
    return form


def _grade_row(s: Sheet, row: int, grades: Sequence[str]) -> None:
    s.value(row, 1, "自评等次")
    for c in range(3, 7):
        s.value(row, c)
    s.entry(row, 2, ("", "自评等次"), "grade", lambda: choice_guard(grades, "自评等次"))
    s.ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)


# --- 附件3 满意度测评表 -----------------------------------------------------------------------------


def ballots_book(
    name: str,
    ident: str,
    options: Sequence[str],
    rows: int = DEFAULT_ROWS,
    printed: bool = False,
    column: str = "总体评价",
    categories: Sequence[str] = CATEGORIES,
) -> Form:
    """附件3 满意度测评表 of one branch, one row a ballot. `printed`: the `rows` rows are those of the
    paper ballots printed by `fenji forms --ballots`. The 票号 is never filled in: a row with a 票号 is
    a returned ballot, so numbers typed ahead would count the ballots not returned as blank ones.
    Row keys are the row numbers 1..rows."""
    items = [i for i in BALLOT_ITEMS if i != column]
    headers = ["票号", "测评人类别", *items, column, "备注"]
    form, s = _new("ballots", "测评表", (6, 12, *[10] * (len(items) + 1), 12))
    s.mark("附件3")
    s.title(2, "基层党组织分类定级党员群众满意度测评表")
    split = len(headers) // 2 + 1
    s.label(3, 1, split, f"被测评党组织：{name}\u3000\u3000编号：{ident}")
    s.label(3, split + 1, len(headers), "测评日期：", key="测评日期", example="2027年3月30日")
    s.headers(4, headers)
    s.ws.row_dimensions[4].height = 30
    for n in range(1, rows + 1):
        _ballot_row(s, 4 + n, n, headers, options, categories)
    s.note(4 + rows + 2, BALLOT_NOTE.format(options="、".join(options)) + (BALLOT_ROWS if printed else ""))
    s.finish("4:4", free_rows=True)
    return form


def _ballot_row(s: Sheet, row: int, n: int, headers: list[str], options, categories) -> None:
    s.entry(row, 1, (n, "票号"), "number", lambda: number_guard("票号"))
    s.entry(row, 2, (n, "测评人类别"), "category", lambda: choice_guard(categories, "测评人类别"))
    for c, header in enumerate(headers[2:-1], start=3):
        s.entry(row, c, (n, header), "option", lambda: choice_guard(options, "测评意见"))
    s.entry(row, len(headers), (n, "备注"), "note", lambda: text_guard("备注", "如“空白票”，可不填。"), align=LEFT)


# --- 测评汇总表 ------------------------------------------------------------------------------------


def summary_book(
    unit: str, subjects: Sequence, options: Sequence[str], weights: dict, issued: int | None = None
) -> Form:
    """满意度测评汇总表 of one town, one row a branch (序号, 编号, 党组织名称 filled; 编号 is a column the
    reference form lacks, so that rows match the roster by 编号). 满意率 is a formula from the counts
    and `weights` (the profile's satisfaction weights); `issued` pre-fills 发放票数."""
    n = len(options)
    widths = (6, 8, 22, 9, 9, 9, *[9 if len(o) > 3 else 8 for o in options], 10, 16)  # 基本满意 9, as the reference
    form, s = _new("summary", "汇总表", widths)
    last = len(widths)
    s.title(1, "基层党组织分类定级党员群众满意度测评汇总表")
    s.label(2, 1, 7, f"乡镇（盖章）：{unit}")  # as the reference: the date from the second option column
    s.label(2, 8, last, "统计日期：", key="统计日期", example="2027年4月2日")
    for c, text in enumerate(("序号", "编号", "党组织名称", "发放票数", "收回票数", "有效票数"), start=1):
        s.header(3, c, text, rows=2)
    s.header(3, 7, "总体评价票数", cols=n)
    for i, option in enumerate(options):
        s.header(4, 7 + i, option)
    s.header(3, 7 + n, "满意率", rows=2)
    s.header(3, 8 + n, "备注", rows=2)
    s.ws.row_dimensions[3].height = s.ws.row_dimensions[4].height = 30
    for i, subject in enumerate(subjects):
        _summary_row(s, 5 + i, i + 1, subject, options, weights, issued)
    s.finish("3:4", landscape=True)
    return form


def _summary_row(s: Sheet, row: int, number: int, subject, options, weights: dict, issued) -> None:
    s.value(row, 1, number)
    s.value(row, 2, subject.id)
    s.value(row, 3, subject.name)
    for c, column in enumerate(("发放票数", "收回票数", "有效票数", *options), start=4):
        s.entry(row, c, (subject.id, column), "count", count_guard, issued if column == "发放票数" else None)
    s.value(row, 7 + len(options), _rate_formula(row, options, weights)).number_format = "0.0%"
    s.entry(row, 8 + len(options), (subject.id, "备注"), "note", lambda: text_guard("备注", "可不填。"), align=LEFT)


def _rate_formula(row: int, options: Sequence[str], weights: dict) -> str:
    """满意率 = Σ weight × count / valid votes, from the option columns (never from a typed 有效票数)."""
    cols = {o: f"{get_column_letter(7 + i)}{row}" for i, o in enumerate(options)}
    valid = "+".join(cols[o] for o in weights)
    weighted = (
        "+".join(
            cols[o] if Decimal(str(w)) == 1 else f"{Decimal(str(w)).normalize():f}*{cols[o]}"
            for o, w in weights.items()
            if Decimal(str(w)) != 0
        )
        or "0"
    )
    return f'=IF(({valid})>0,({weighted})/({valid}),"")'


# --- 附件4 上级党组织评分定级表 -----------------------------------------------------------------------


def score_book(
    unit: str,
    subjects: Sequence,
    indicators: Iterable,
    grades: Sequence[str],
    computed: Iterable[str] = (),
    veto_column: str = "否决情形",
    title: str = "基层党组织分类定级上级党组织评分定级表",
) -> Form:
    """附件4 上级党组织评分定级表 of one town, one row a branch (序号, 编号, 党组织名称 filled). Indicators in
    `computed` (群众评价 under dingji) stay open but are normally left blank: fenji computes them."""
    pairs, computed = _pairs(indicators), set(computed)
    k = len(pairs)
    widths = (6, 8, 20, *[9] * k, 8, 16, 9, 16)
    form, s = _new("score_sheet", "评分定级表", widths)
    s.mark("附件4")
    s.title(2, title)
    s.label(3, 1, 3 + k // 2, f"乡镇党委（盖章）：{unit}党委")
    s.label(3, 4 + k // 2, len(widths), "评定日期：", key="评定日期", example="2027年4月8日")
    rows = 2 if k else 1
    for c, text in enumerate(("序号", "编号", "党组织名称"), start=1):
        s.header(4, c, text, rows=rows)
    if k:
        s.header(4, 4, "定级指标得分", cols=k)
        for i, (name, maximum) in enumerate(pairs):
            s.header(5, 4 + i, f"{name}（{_points(maximum)}分）")
        s.ws.row_dimensions[5].height = 44
    for i, text in enumerate(("总分", veto_column, "评定等次", "备注")):
        s.header(4, 4 + k + i, text, rows=rows)
    s.ws.row_dimensions[4].height = 30
    first = 4 + rows
    for i, subject in enumerate(subjects):
        _score_row(s, first + i, i + 1, subject, pairs, computed, grades, veto_column)
    s.finish(f"4:{3 + rows}", landscape=True)
    return form


def _score_row(s: Sheet, row: int, number: int, subject, pairs, computed, grades, veto_column: str) -> None:
    s.value(row, 1, number)
    s.value(row, 2, subject.id)
    s.value(row, 3, subject.name)
    for i, (name, maximum) in enumerate(pairs):
        if name in computed:
            s.entry(
                row, 4 + i, (subject.id, name), f"computed-{maximum}", lambda n=name, m=maximum: _computed_guard(n, m)
            )
        else:
            s.entry(row, 4 + i, (subject.id, name), f"score-{name}", lambda n=name, m=maximum: score_guard(m, n))
    c = 4 + len(pairs)
    s.entry(row, c, (subject.id, "总分"), "total", lambda: _total_guard(sum(m for _, m in pairs) or Decimal(100)))
    s.entry(
        row,
        c + 1,
        (subject.id, veto_column),
        "veto",
        lambda: text_guard(veto_column, "有一票否决情形的写明情形，没有的留空。"),
        align=LEFT,
    )
    s.entry(row, c + 2, (subject.id, "评定等次"), "grade", lambda: choice_guard(grades, "评定等次"))
    s.entry(row, c + 3, (subject.id, "备注"), "note", lambda: text_guard("备注", "可不填。"), align=LEFT)


def _computed_guard(name: str, maximum: Decimal) -> DataValidation:
    guard = score_guard(maximum, name)
    guard.promptTitle = f"{name}：通常留空"
    guard.prompt = f"由 fenji 按满意度测评计算，通常留空；如填写（0 到 {_points(maximum)} 分），将与计算结果核对。"
    return guard


def _total_guard(maximum: Decimal) -> DataValidation:
    guard = score_guard(maximum, "总分")
    guard.promptTitle = "总分：可留空"
    guard.prompt = f"可留空，由 fenji 按各项得分计算；如填写（0 到 {_points(maximum)} 分），将与计算结果核对。"
    return guard


# --- 决定调整表 ------------------------------------------------------------------------------------


def decisions_book(
    unit: str,
    grades: Sequence[str],
    rows: int = 20,
    label: str = "乡镇党委（盖章）",
    issuer: str | None = None,
    campaign: str = "分类定级",
) -> Form:
    """党委研究决定调整表 of one town (or village: pass `label` and `issuer`), blank: 编号 名称 调整后等次
    理由 会议及文号. `campaign` opens the title (分类定级, 分类升级, 星级评定 …). Row keys 1..rows."""
    form, s = _new("decisions", "决定调整表", (10, 22, 12, 36, 26))
    s.title(1, f"{campaign}党委研究决定调整表")
    s.label(2, 1, 5, f"{label}：{issuer if issuer is not None else unit + '党委'}")
    s.headers(3, ["编号", "名称", "调整后等次", "理由", "会议及文号"])
    s.ws.row_dimensions[3].height = 30
    for n in range(1, rows + 1):
        r = 3 + n
        s.entry(r, 1, (n, "编号"), "id", lambda: text_guard("编号", "填写名册中的编号。"))
        s.entry(r, 2, (n, "名称"), "name", lambda: text_guard("名称", "填写名册中的名称。"))
        s.entry(r, 3, (n, "调整后等次"), "grade", lambda: choice_guard(grades, "调整后等次"))
        s.entry(r, 4, (n, "理由"), "reason", lambda: text_guard("理由", "写明调整的理由。"), align=LEFT)
        s.entry(
            r,
            5,
            (n, "会议及文号"),
            "meeting",
            lambda: text_guard("会议及文号", "如：××镇党委会议纪要〔2027〕5号。"),
            align=LEFT,
        )
    s.finish("3:3", free_rows=True)
    return form


# --- star forms (xingji-*) ---------------------------------------------------------------------


def star_roster_book(village: str, year: int, subjects: Sequence, categories: Sequence[str]) -> Form:
    """评定对象名册 of one village: 编号 and 姓名 locked; `subjects` are RosterEntry-like (category,
    kind = 所属党支部/村民组, joined, last_grade, ineligible, note)."""
    form, s = _new("star_roster", "名册", (10, 14, 10, 18, 12, 10, 24, 16))
    s.title(1, "“五带头”星级化管理评定对象名册")
    s.label(2, 1, 8, f"村（社区）：{village}{GAP}年度：{year}")
    s.headers(3, ["编号", "姓名（户主）", "类别", "所属党支部/村民组", "入党时间", "上次星级", "不参评情形", "备注"])
    s.ws.row_dimensions[3].height = 30
    stars = ("无", "一星", "二星", "三星", "四星", "五星")
    for r, p in enumerate(subjects, start=4):
        s.value(r, 1, p.id)
        s.value(r, 2, p.name)
        s.entry(
            r,
            3,
            (p.id, "类别"),
            "category",
            lambda: choice_guard(categories, "类别"),
            getattr(p, "category", "") or None,
        )
        s.entry(
            r,
            4,
            (p.id, "所属党支部/村民组"),
            "group",
            lambda: text_guard("所属党支部/村民组", "如：第3村民组。"),
            getattr(p, "kind", "") or None,
        )
        joined = getattr(p, "joined", None)
        s.entry(
            r,
            5,
            (p.id, "入党时间"),
            "joined",
            lambda: text_guard("入党时间", "党员填写，如 1983-08-01；群众留空。"),
            joined.isoformat() if joined else None,
        )
        s.entry(
            r,
            6,
            (p.id, "上次星级"),
            "stars",
            lambda: choice_guard(stars, "上次星级"),
            getattr(p, "last_grade", "") or None,
        )
        s.entry(
            r,
            7,
            (p.id, "不参评情形"),
            "ineligible",
            lambda: text_guard("不参评情形", "有不参评情形的填写序号，没有的留空。"),
            getattr(p, "ineligible", "") or None,
            LEFT,
        )
        s.entry(
            r, 8, (p.id, "备注"), "note", lambda: text_guard("备注", "可不填。"), getattr(p, "note", "") or None, LEFT
        )
    s.finish("3:3")
    return form


def public_votes_book(
    village: str, subjects: Sequence, representatives: int = 9, score_max: Decimal = Decimal(100)
) -> Form:
    """民主评议计分表 of one village: 编号 姓名, then 代表1 … 代表N (scores 0—max, blank = did not score)."""
    form, s = _new("public_votes", "民主评议", (10, 12, *[7] * representatives))
    s.title(1, "“五带头”星级化管理民主评议计分表")
    s.label(2, 1, 2 + representatives, f"村（社区）：{village}{GAP}评议日期：", key="评议日期", example="2027年1月10日")
    s.headers(3, ["编号", "姓名", *[f"代表{n}" for n in range(1, representatives + 1)]])
    s.ws.row_dimensions[3].height = 30
    top = Decimal(str(score_max))
    for r, p in enumerate(subjects, start=4):
        s.value(r, 1, p.id)
        s.value(r, 2, p.name)
        for n in range(1, representatives + 1):
            s.entry(r, 2 + n, (p.id, f"代表{n}"), "score", lambda: score_guard(top, "评分"))
    s.note(4 + len(subjects), "说明：每名代表按百分制无记名评分，未评分的留空。")
    s.finish("3:3", landscape=True)
    return form


def panel_book(
    village: str, groups: Sequence[tuple[str, Sequence, Iterable]], opinions: Sequence[str] = ("同意", "不同意")
) -> Form:
    """领导小组评议表 of one village: one sheet per (label, subjects, items) group (items differ by
    category under some profiles); 编号 姓名, one column per item (`忠诚于党我带头（20分）`), 合计 (=SUM), 审定意见, 备注."""
    form = Form(Workbook(), "panel")
    form.book.remove(form.book.active)
    for label, subjects, items in groups:
        _panel_sheet(form, village, label, subjects, _pairs(items), opinions, len(groups) > 1)
    return form


def _panel_sheet(form: Form, village: str, label: str, subjects, pairs, opinions, several: bool) -> None:
    k = len(pairs)
    s = _add_sheet(
        form, f"领导小组评议（{label}）" if several and label else "领导小组评议", (10, 12, *[11] * k, 8, 10, 16)
    )
    s.title(1, "“五带头”星级化管理评定领导小组评议表" + (f"（{label}）" if several and label else ""))
    s.label(
        2,
        1,
        s.width,
        f"村（社区）：{village}{GAP}评议日期：",
        key=f"评议日期（{label}）" if several else "评议日期",
        example="2027年1月12日",
    )
    s.headers(3, ["编号", "姓名", *[f"{n}（{_points(m)}分）" for n, m in pairs], "合计", "审定意见", "备注"])
    s.ws.row_dimensions[3].height = 44
    for r, p in enumerate(subjects, start=4):
        s.value(r, 1, p.id)
        s.value(r, 2, p.name)
        for i, (name, maximum) in enumerate(pairs):
            s.entry(r, 3 + i, (p.id, name), f"score-{name}", lambda n=name, m=maximum: score_guard(m, n))
        s.value(r, 3 + k, f"=SUM({get_column_letter(3)}{r}:{get_column_letter(2 + k)}{r})" if k else None)
        s.entry(r, 4 + k, (p.id, "审定意见"), "opinion", lambda: choice_guard(opinions, "审定意见"))
        s.entry(r, 5 + k, (p.id, "备注"), "note", lambda: text_guard("备注", "可不填。"), align=LEFT)
    s.finish("3:3", landscape=k > 3)


# --- 十星评定表 (shixing) -------------------------------------------------------------------------


def ten_stars_book(
    unit: str, villages: Sequence, stars: Sequence[str], marks: Sequence[str] = ("达标", "未达标")
) -> Form:
    """村级组织“十星”创建评定表 of one town: 编号 村党组织, one column per star (达标 / 未达标), 备注."""
    form, s = _new("ten_stars", "十星评定表", (8, 18, *[7] * len(stars), 16))
    s.title(1, "村级组织“十星”创建评定表")
    s.label(2, 1, s.width, f"乡镇党委（盖章）：{unit}党委{GAP}评定日期：", key="评定日期", example="2027年12月20日")
    s.headers(3, ["编号", "村党组织", *stars, "备注"])
    s.ws.row_dimensions[3].height = 44
    for r, v in enumerate(villages, start=4):
        s.value(r, 1, v.id)
        s.value(r, 2, v.name)
        for i, star in enumerate(stars):
            s.entry(r, 3 + i, (v.id, star), "mark", lambda: choice_guard(marks, "评定结果"))
        s.entry(r, 3 + len(stars), (v.id, "备注"), "note", lambda: text_guard("备注", "可不填。"), align=LEFT)
    s.finish("3:3", landscape=True)
    return form
