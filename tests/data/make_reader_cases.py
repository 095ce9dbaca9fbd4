#!/usr/bin/env python3
"""Write the workbooks that tests/test_reading.py reads (run by hand; CI only reads the committed files).

    python3 tests/data/make_reader_cases.py          # needs openpyxl, xlwt, Pillow, LibreOffice (soffice)
                                                     # and msoffcrypto-tool (pip, generation time only)

* tests/data/xlsx/  cases written with openpyxl (plus one .xlsm saved by LibreOffice);
* tests/data/xls/   GENUINE Excel 97-2003 files: converted by `soffice --headless --convert-to xls`
                    (filter "MS Excel 97"), one written by xlwt, one password-protected (LibreOffice UNO);
* tests/data/bad/   files that are not (readable) workbooks: .et, HTML and CSV renamed, .docx, .jpg,
                    encrypted, truncated and corrupt workbooks;
* tests/data/locks/ an Office (~$) and a LibreOffice (.~lock.…#) lock file.

Deterministic: a fixed seed, fixed document timestamps and zip entry dates for the openpyxl files, and a
seeded random source and clock for the .xlsx encryption. Only xls/encrypted.xls changes bytes when
regenerated (LibreOffice draws its own random salt); its content does not.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
XLSX, XLS, BAD, LOCKS = HERE / "xlsx", HERE / "xls", HERE / "bad", HERE / "locks"
SEED = 20270328
FIXED_TIME = dt.datetime(2027, 3, 28, 9, 0, 0)

TOWN = "清溪镇"
BRANCHES = [
    ("QX01", "清溪村党支部", "行政村", 31, "黄国强", "好"),
    ("QX02", "白岩村党支部", "行政村", 19, "陈秀英", "较好"),
    ("QX03", "梨树村党总支", "行政村", 62, "吴建华", "一般"),
    ("QX04", "花园社区党支部", "社区", 61, "陈建华", "好"),
]
INDICATORS = [
    ("党组织带头人", 15, "书记“一好双强”，班子健全团结，按期换届"),
    ("工作思路", 10, "有年度计划和总结，发展思路清晰"),
    ("工作制度", 10, "“三会一课”、民主评议党员、党务公开落实"),
    ("活动阵地", 10, "有活动场所，设施齐全，管理使用规范"),
    ("保障机制", 10, "工作经费、报酬待遇落实"),
    ("工作业绩", 20, "年度目标任务完成，集体经济发展"),
    ("群众评价", 25, "党员群众满意度测评结果"),
]
NUMERALS = "一二三四五六七"
# 附件4 scores (the six indicators the town scores; 群众评价 is left blank under dingji)
SCORES = {
    "QX01": [13, 8, 7, 8, 8, 16],
    "QX02": [14, 7, 7, 9, 10, 18],
    "QX03": [15, 7, 8, 9, 9, 15],
    "QX04": [15, 10, 10, 9, 7, 12],
}
BALLOT_COLUMNS = ["票号", "测评人类别", "领导班子", "党员队伍", "工作机制", "工作业绩", "群众反映", "总体评价", "备注"]
CATEGORIES = ["党员", "群众代表", "村民小组长", "入党积极分子", "其他"]
# 清溪村's ten ballots, 总体评价: 6 满意, 2 基本满意, 1 不满意, 1 不了解
OVERALL = ["满意", "满意", "基本满意", "满意", "不满意", "满意", "不了解", "满意", "基本满意", "满意"]

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


# --- a generic form writer ---------------------------------------------------------------------


def write_form(ws, *, title, columns, rows, annex=None, fields=(), top=1, left=1, widths=None, gap=0):
    """Title, `标签：值` fields, a one- or two-level header and data rows, placed at (top, left).

    columns: (parent, label) pairs; parent None for a single-level header, label None for an empty
    column. rows: lists aligned with columns; None inserts an empty row. Fields: (column offset, text)
    or (column offset, text, value for the next cell); `gap` empty rows go between them and the header.
    Returns (first data row, next free row, col map).
    """
    width = len(columns)
    r = top
    if annex:
        ws.cell(r, left, annex)
        r += 1
    ws.cell(r, left, title).alignment = CENTER
    ws.merge_cells(start_row=r, start_column=left, end_row=r, end_column=left + width - 1)
    r += 1
    if fields:
        for spec in fields:
            ws.cell(r, left + spec[0], spec[1])
            if len(spec) > 2:
                cell = ws.cell(r, left + spec[0] + 1, spec[2])
                if isinstance(spec[2], (dt.date, dt.datetime)):
                    cell.number_format = 'yyyy"年"m"月"d"日"'
        r += 1
    r += gap
    two_level = any(parent for parent, _ in columns)
    colmap = {}
    i = 0
    while i < width:
        parent, label = columns[i]
        if parent:
            j = i
            while j < width and columns[j][0] == parent:
                ws.cell(r + 1, left + j, columns[j][1]).alignment = CENTER
                colmap[columns[j][1]] = get_column_letter(left + j)
                j += 1
            ws.cell(r, left + i, parent).alignment = CENTER
            if j - i > 1:
                ws.merge_cells(start_row=r, start_column=left + i, end_row=r, end_column=left + j - 1)
            i = j
            continue
        if label is not None:
            ws.cell(r, left + i, label).alignment = CENTER
            colmap[label] = get_column_letter(left + i)
            if two_level:
                ws.merge_cells(start_row=r, start_column=left + i, end_row=r + 1, end_column=left + i)
        i += 1
    r += 2 if two_level else 1
    first = r
    for values in rows:
        if values is not None:
            for j, value in enumerate(values):
                if value is not None:
                    ws.cell(r, left + j, value)
        r += 1
    for j, w in enumerate(widths or []):
        ws.column_dimensions[get_column_letter(left + j)].width = w
    return first, r, colmap


def new_book(sheet_name):
    wb = openpyxl.Workbook()
    wb.active.title = sheet_name
    return wb


def save(wb, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.properties.creator = "fenji tests"
    wb.properties.created = FIXED_TIME
    wb.save(path)
    normalise_zip(path)


def normalise_zip(path: Path):
    """Fixed timestamps in docProps/core.xml and in every zip entry, so regenerating changes nothing."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", lambda m: m.group(1) + stamp.encode(), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            out.writestr(fixed, data)
    path.write_bytes(buffer.getvalue())


# --- the five dingji forms -----------------------------------------------------------------------


def roster_sheet(ws, branches=BRANCHES):
    columns = [
        (None, h) for h in ("编号", "党组织名称", "所属乡镇", "党组织类型", "党员人数", "党组织书记", "上年等次")
    ]
    rows = [[i, n, TOWN, k, m, s, g] for i, n, k, m, s, g in branches]
    write_form(
        ws,
        title="基层党组织名册",
        columns=columns,
        rows=rows,
        fields=[(0, f"乡镇（盖章）：{TOWN}\u3000\u3000\u3000\u3000年度：2027")],
        widths=[10, 22, 12, 12, 10, 12, 10],
    )


def self_eval_sheet(
    ws,
    name,
    date,
    scores,
    *,
    total="formula",
    grade="好",
    order=None,
    blank_after=None,
    top=1,
    left=1,
    drop=None,
    date_cell=None,
    gap=0,
):
    """附件2: one row per indicator (in `order`), a 合计 row and a 自评等次 row below the table."""
    order = order or list(range(7))
    columns = [(None, h) for h in ("序号", "定级指标", "分值", "评分要点", "自评得分", "扣分说明")]
    rows = []
    for position, k in enumerate(order):
        if drop is not None and k == drop:
            continue
        indicator, maximum, point = INDICATORS[k]
        rows.append([NUMERALS[k], indicator, maximum, point, scores[k], None])
        if blank_after is not None and position == blank_after:
            rows.append(None)
    fields = [(0, f"党组织名称（盖章）：{name}")]
    fields.append((3, "填报日期：", date_cell) if date_cell is not None else (3, f"填报日期：{date}"))
    first, end, cols = write_form(
        ws,
        title="基层党组织分类定级自评表",
        annex="附件2",
        columns=columns,
        rows=rows,
        fields=fields,
        top=top,
        left=left,
        widths=[6, 16, 8, 40, 10, 24],
        gap=gap,
    )
    score_col = cols["自评得分"]
    ws.cell(end, left, "合计")
    ws.cell(end, left + 2, 100)
    if total == "formula":  # openpyxl stores no cached value: what a library-written file looks like
        ws[f"{score_col}{end}"] = f"=SUM({score_col}{first}:{score_col}{end - 1})"
    elif total is not None:
        ws[f"{score_col}{end}"] = total
    ws.cell(end + 1, left, "自评等次")
    ws.cell(end + 1, left + 1, grade)
    ws.merge_cells(start_row=end + 1, start_column=left + 1, end_row=end + 1, end_column=left + 5)
    ws.cell(end + 2, left, "党组织书记（签字）：张国强")
    return first, end


def ballots_sheet(ws, name, date, overall, *, columns=BALLOT_COLUMNS, items=None, top=1, left=1, blank_after=None):
    """附件3: one row a ballot; the five item columns repeat `items` (default 满意)."""
    rows = []
    for n, choice in enumerate(overall, start=1):
        values = {"票号": n, "测评人类别": CATEGORIES[(n - 1) % len(CATEGORIES)], "总体评价": choice}
        for item in ("领导班子", "党员队伍", "工作机制", "工作业绩", "群众反映"):
            values[item] = (items or {}).get((n, item), "满意")
        rows.append([values.get(c) if c else None for c in columns])
        if blank_after is not None and n == blank_after:
            rows.append(None)
    cols = [(None, c) for c in columns]
    first, end, colmap = write_form(
        ws,
        title="基层党组织分类定级党员群众满意度测评表",
        annex="附件3",
        columns=cols,
        rows=rows,
        fields=[(0, f"被测评党组织：{name}"), (5, f"测评日期：{date}")],
        top=top,
        left=left,
        widths=[6, 12, 10, 10, 10, 10, 10, 10, 12],
    )
    ws.cell(end + 1, left, "说明：每项在“满意、基本满意、不满意、不了解”中选填一项。")
    return first, colmap


SUMMARY_COLUMNS = [
    (None, "序号"),
    (None, "党组织名称"),
    (None, "发放票数"),
    (None, "收回票数"),
    (None, "有效票数"),
    ("总体评价票数", "满意"),
    ("总体评价票数", "基本满意"),
    ("总体评价票数", "不满意"),
    ("总体评价票数", "不了解"),
    (None, "满意率"),
    (None, "备注"),
]


def summary_sheet(ws, rows, *, columns=SUMMARY_COLUMNS):
    """测评汇总表 with its two-level header (总体评价票数 over the four options)."""
    labels = [label for _, label in columns]
    data = [[row.get(label) for label in labels] for row in rows]
    write_form(
        ws,
        title="基层党组织分类定级党员群众满意度测评汇总表",
        columns=columns,
        rows=data,
        fields=[(0, f"乡镇（盖章）：{TOWN}"), (6, "统计日期：2027年4月2日")],
        widths=[6, 22, 9, 9, 9, 8, 9, 8, 8, 10, 16],
    )


def score_columns(order=None, extra=()):
    order = order if order is not None else list(range(7))
    columns = [(None, "序号"), (None, "编号"), (None, "党组织名称")]
    columns += [("定级指标得分", f"{INDICATORS[k][0]}（{INDICATORS[k][1]}分）") for k in order]
    columns += [(None, "总分"), (None, "否决情形"), (None, "评定等次"), (None, "备注")]
    return columns + list(extra)


def score_sheet(ws, rows, *, columns=None, top=1, left=1, date_field="评定日期：2027年4月8日", total_formula=True):
    """附件4 with its two-level merged header; `rows` are dicts keyed by header label or indicator name."""
    columns = columns or score_columns()
    labels = [label for _, label in columns]
    data = []
    for row in rows:
        if row is None:
            data.append(None)
            continue
        data.append([row.get(_bare(label)) if label else None for label in labels])
    first, end, colmap = write_form(
        ws,
        title="基层党组织分类定级上级党组织评分定级表",
        annex="附件4",
        columns=columns,
        rows=data,
        fields=[(0, f"乡镇党委（盖章）：{TOWN}党委"), (6, date_field)],
        top=top,
        left=left,
    )
    if total_formula and "总分" in colmap:  # =SUM() with no cached value, as a library writes it
        scored = [colmap[label] for label in labels if label and "分）" in label]
        for r in range(first, end):
            if ws[f"{colmap['编号']}{r}"].value or ws[f"{colmap['党组织名称']}{r}"].value:
                ws[f"{colmap['总分']}{r}"] = "=" + "+".join(f"{c}{r}" for c in scored)
    return first, end, colmap


def _bare(label):
    return re.sub(r"\s*[（(]\d+分[）)]$", "", label.replace("\n", ""))


def score_rows(scores=SCORES, branches=BRANCHES):
    rows = []
    for n, (ident, name, *_rest) in enumerate(branches, start=1):
        row = {"序号": n, "编号": ident, "党组织名称": name}
        row.update({INDICATORS[k][0]: v for k, v in enumerate(scores[ident])})
        rows.append(row)
    return rows


def summary_rows():
    """Four branches, 193 of 200 valid votes satisfied (96.5 %), the rate typed four ways."""
    rates = [0.965, 96.5, "96.5%", "96.5％"]
    rows = []
    for n, ((ident, name, *_rest), rate) in enumerate(zip(BRANCHES, rates), start=1):
        rows.append(
            {
                "序号": n,
                "党组织名称": name,
                "发放票数": 205,
                "收回票数": 200,
                "有效票数": 200,
                "满意": 150,
                "基本满意": 43,
                "不满意": 7,
                "不了解": 0,
                "满意率": rate,
            }
        )
    return rows


# --- the cases -----------------------------------------------------------------------------------

STANDARD_SELF = [14, 9, 9, 8, 9, 18, 23]  # total 90


def make_xlsx_cases():
    wb = new_book("名册")
    roster_sheet(wb.active)
    save(wb, XLSX / "roster.xlsx")

    wb = new_book("自评表")
    self_eval_sheet(wb.active, "清溪村党支部", "2027年3月28日", STANDARD_SELF)
    save(wb, XLSX / "self_eval.xlsx")

    wb = new_book("测评表")
    ballots_sheet(wb.active, "清溪村党支部", "2027年3月30日", OVERALL)
    save(wb, XLSX / "ballots.xlsx")

    wb = new_book("汇总表")
    summary_sheet(wb.active, summary_rows())
    save(wb, XLSX / "summary.xlsx")

    wb = new_book("评分定级表")
    score_sheet(wb.active, score_rows())
    save(wb, XLSX / "score_sheet.xlsx")

    # numbers typed as text (自评得分 column): total 14 + 8.5 + 9 + 8 + 9 + 18 + 23 = 89.5
    wb = new_book("自评表")
    self_eval_sheet(
        wb.active,
        "白岩村党支部",
        "2027年3月28日",
        [" 14 ", "8.5", "９", "8分", "9", "18", 23],
        total=None,
        grade="较好",
    )
    save(wb, XLSX / "text_numbers.xlsx")

    # the date field written five ways, one sheet each (the last a real date in the cell after the label)
    wb = openpyxl.Workbook()
    variants = [
        ("年月日", "2027年3月28日", None),
        ("点", "2027.3.28", None),
        ("横线", "2027-03-28", None),
        ("斜线", "2027/3/28", None),
        ("真日期", None, dt.datetime(2027, 3, 28)),
    ]
    for n, (sheet, typed, real) in enumerate(variants):
        ws = wb.active if n == 0 else wb.create_sheet()
        ws.title = sheet
        self_eval_sheet(ws, "清溪村党支部", typed, STANDARD_SELF, date_cell=real)
    save(wb, XLSX / "dates.xlsx")

    # options with stray spaces, full-width spaces and line breaks (all valid)
    messy = [
        " 满意",
        "满意 ",
        "基本\u3000满意",
        "不\n满意",
        "满 意",
        "不了解\u3000",
        "\u3000满意\u3000",
        "满意",
        "基本满意 ",
        "满意",
    ]
    wb = new_book("测评表")
    ballots_sheet(wb.active, "清溪村党支部", "2027年3月30日", messy, items={(2, "领导班子"): " 基本满意"})
    save(wb, XLSX / "options_spaces.xlsx")

    # a tick (√) where an option belongs: 总体评价 of ballot 3 (row 7, column H), an unknown word on ballot 5
    ticked = list(OVERALL)
    ticked[2] = "√"
    ticked[4] = "比较满意"
    wb = new_book("测评表")
    ballots_sheet(wb.active, "清溪村党支部", "2027年3月30日", ticked)
    save(wb, XLSX / "options_tick.xlsx")

    # 附件4 moved and rearranged: a cover sheet first, the form on the second sheet ("打分"), title at row 4,
    # an empty column A, 名称 before 编号, indicator columns reordered, an extra 联系电话 column, an empty
    # column, an empty row between data rows, and a 说明 row after the table.
    wb = new_book("封面")
    wb.active["B2"] = "清溪镇2027年度基层党组织分类定级材料"
    ws = wb.create_sheet("打分")
    order = [5, 0, 1, 6, 2, 3, 4]
    columns = [(None, "序号"), (None, "党组织名称"), (None, "联系电话"), (None, "编号")]
    columns += [("定级指标得分", f"{INDICATORS[k][0]}（{INDICATORS[k][1]}分）") for k in order]
    columns[4] = ("定级指标得分", "工作业绩\n（20分）")  # a line break in the header cell
    columns[5] = ("定级指标得分", "党组织带头人 (15分)")  # half-width parentheses, a space
    columns += [(None, None), (None, "评定等次"), (None, "否决情形"), (None, "总分"), (None, "备注")]
    rows = score_rows()
    rows[1]["联系电话"] = "13800000000"
    rows.insert(2, None)
    score_sheet(ws, rows, columns=columns, top=4, left=2)
    ws.cell(16, 2, "说明：群众评价由满意度测评结果计算。")
    save(wb, XLSX / "layout_score_sheet.xlsx")

    # 附件3 on a hidden sheet named "Sheet2", after an unrelated first sheet; title moved down two rows,
    # columns reordered and an empty row between ballots
    wb = new_book("填表说明")
    wb.active["A1"] = "请按要求填写各表，填好后交乡镇党委。"
    ws = wb.create_sheet("Sheet2")
    ws.sheet_state = "hidden"
    reordered = [
        "测评人类别",
        "票号",
        "总体评价",
        None,
        "领导班子",
        "党员队伍",
        "工作机制",
        "工作业绩",
        "群众反映",
        "备注",
    ]
    ballots_sheet(ws, "清溪村党支部", "2027年3月30日", OVERALL, columns=reordered, top=3, blank_after=4)
    save(wb, XLSX / "layout_hidden_sheet.xlsx")

    # 附件2 with the indicators in another order, an empty row inserted, the whole form moved down three rows
    # and the header two more rows below the fields, and a typed 合计 that does not add up (99, parts give 90)
    wb = new_book("Sheet1")
    self_eval_sheet(
        wb.active,
        "梨树村党总支",
        "2027年3月28日",
        STANDARD_SELF,
        total=99,
        grade="好",
        order=[6, 5, 4, 3, 2, 1, 0],
        blank_after=2,
        top=4,
        gap=2,
    )
    save(wb, XLSX / "layout_self_eval.xlsx")

    # 附件4 with errors: out of range (D6 = 16 > 15, F8 = -1), not numeric (E7 = 良好), a name not in the
    # roster (row 9: 请溪村党支部, no 编号) and 花园社区 left out
    rows = score_rows()
    rows[0]["党组织带头人"] = 16
    rows[1]["工作思路"] = "良好"
    rows[2]["工作制度"] = -1
    rows[3].update({"编号": None, "党组织名称": "请溪村党支部"})
    wb = new_book("评分定级表")
    score_sheet(wb.active, rows)
    save(wb, XLSX / "score_sheet_errors.xlsx")

    # 附件4 matched by name only (编号 blank), names written loosely
    rows = score_rows()
    loose = ["清溪村", "白岩村 党支部", "梨树村党总支部", "花园社区\u3000党支部"]
    for row, name in zip(rows, loose):
        row.update({"编号": None, "党组织名称": name})
    wb = new_book("评分定级表")
    score_sheet(wb.active, rows)
    save(wb, XLSX / "score_sheet_names.xlsx")

    # required columns missing: 附件3 without 总体评价, 汇总表 without 收回票数, 附件2 without 工作制度 row,
    # 附件4 without the 工作业绩 column
    wb = new_book("测评表")
    ballots_sheet(
        wb.active, "清溪村党支部", "2027年3月30日", OVERALL, columns=[c for c in BALLOT_COLUMNS if c != "总体评价"]
    )
    save(wb, XLSX / "ballots_no_overall.xlsx")
    wb = new_book("汇总表")
    summary_sheet(wb.active, summary_rows(), columns=[c for c in SUMMARY_COLUMNS if c[1] != "收回票数"])
    save(wb, XLSX / "summary_no_returned.xlsx")
    wb = new_book("自评表")
    self_eval_sheet(wb.active, "清溪村党支部", "2027年3月28日", STANDARD_SELF, drop=2)
    save(wb, XLSX / "self_eval_no_indicator.xlsx")
    wb = new_book("评分定级表")
    score_sheet(wb.active, score_rows(), columns=score_columns(order=[0, 1, 2, 3, 4, 6]))
    save(wb, XLSX / "score_sheet_no_column.xlsx")

    # the same branch returned twice: 白岩村 corrected (later 填报日期 wins) ...
    wb = new_book("自评表")
    self_eval_sheet(wb.active, "白岩村党支部", "2027年3月20日", [12, 8, 8, 8, 8, 16, 20], grade="较好")  # 80
    save(wb, XLSX / "resubmit_dated_first.xlsx")
    wb = new_book("自评表")
    self_eval_sheet(wb.active, "白岩村党支部", "2027年3月25日", [13, 8, 9, 8, 9, 17, 21], grade="较好")  # 85
    save(wb, XLSX / "resubmit_dated_second.xlsx")
    # ... and 花园社区 twice without a date: the file modified later wins (the test sets the times)
    wb = new_book("自评表")
    self_eval_sheet(wb.active, "花园社区党支部", "", [10, 7, 7, 7, 7, 14, 18], grade="一般")  # 70
    save(wb, XLSX / "resubmit_undated_a.xlsx")
    wb = new_book("自评表")
    self_eval_sheet(wb.active, "花园社区党支部", "", [11, 8, 7, 7, 7, 15, 20], grade="一般")  # 75
    save(wb, XLSX / "resubmit_undated_b.xlsx")

    # two forms in one workbook, non-standard sheet names: roster + 附件4
    wb = new_book("1")
    roster_sheet(wb.active)
    score_sheet(wb.create_sheet("2"), score_rows())
    save(wb, XLSX / "two_forms.xlsx")


def make_xlwt_case():
    """附件4 as written by xlwt (a second .xls flavour): merged two-level header, a real date cell."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("评分定级表")
    ws.write(0, 0, "附件4")
    ws.write_merge(1, 1, 0, 13, "基层党组织分类定级上级党组织评分定级表")
    ws.write(2, 0, f"乡镇党委（盖章）：{TOWN}党委")
    ws.write(2, 6, "评定日期：")
    ws.write(2, 7, dt.datetime(2027, 4, 8), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    for c, label in enumerate(("序号", "编号", "党组织名称")):
        ws.write_merge(3, 4, c, c, label)
    ws.write_merge(3, 3, 3, 9, "定级指标得分")
    for k, (name, maximum, _) in enumerate(INDICATORS):
        ws.write(4, 3 + k, f"{name}（{maximum}分）")
    for c, label in enumerate(("总分", "否决情形", "评定等次", "备注"), start=10):
        ws.write_merge(3, 4, c, c, label)
    for n, row in enumerate(score_rows()):
        r = 5 + n
        ws.write(r, 0, row["序号"])
        ws.write(r, 1, row["编号"])
        ws.write(r, 2, row["党组织名称"])
        for k in range(6):
            ws.write(r, 3 + k, row[INDICATORS[k][0]])
    ws.write(5 + 2, 11, "发生群体性上访事件")
    XLS.mkdir(parents=True, exist_ok=True)
    book.save(str(XLS / "score_sheet_xlwt.xls"))


# --- LibreOffice ---------------------------------------------------------------------------------


def soffice_convert(sources, target: str, outdir: Path, profile: Path):
    outdir.mkdir(parents=True, exist_ok=True)
    command = [
        "soffice",
        "--headless",
        "--norestore",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        *map(str, sources),
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    for source in sources:
        suffix = "." + target.split(":")[0]
        if not (outdir / (Path(source).stem + suffix)).exists():
            sys.exit(f"LibreOffice did not write {Path(source).stem}{suffix}")


UNO_SCRIPT = r"""
import os, subprocess, sys, time, uno
from com.sun.star.beans import PropertyValue
def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p
src, dst, profile = sys.argv[1:4]
pipe = "fenjicases%d" % os.getpid()
proc = subprocess.Popen(["soffice", "--headless", "--norestore", "--nologo", "-env:UserInstallation=" + profile,
                         "--accept=pipe,name=%s;urp;" % pipe], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
for _ in range(300):
    try:
        remote = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
        break
    except Exception:
        time.sleep(0.1)
desktop = remote.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", remote)
doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "MS Excel 97"), prop("Password", "fenji")))
doc.close(True)
try:
    desktop.terminate()
except Exception:
    pass
proc.wait(timeout=60)
"""


def uno_python() -> str:
    """A Python that can `import uno` (Debian's python3-uno lives in the system interpreter)."""
    for candidate in (sys.executable, "/usr/bin/python3"):
        if subprocess.run([candidate, "-c", "import uno"], capture_output=True).returncode == 0:
            return candidate
    sys.exit("No Python with the LibreOffice UNO bridge (apt-get install python3-uno).")


def make_libreoffice_cases(work: Path):
    profile = work / "lo-profile"
    # genuine Excel 97 .xls of each dingji form (and the date variants)
    stems = ("roster", "self_eval", "ballots", "summary", "score_sheet", "dates", "layout_hidden_sheet")
    sources = [XLSX / f"{stem}.xlsx" for stem in stems]
    soffice_convert(sources, "xls:MS Excel 97", XLS, profile)
    # a genuine .xlsm (macro-enabled container) saved by LibreOffice
    soffice_convert([XLSX / "self_eval.xlsx"], "xlsm:Calc MS Excel 2007 VBA XML", work / "xlsm", profile)
    shutil.move(work / "xlsm" / "self_eval.xlsm", XLSX / "self_eval.xlsm")
    normalise_zip(XLSX / "self_eval.xlsm")
    # a password-protected .xls (password "fenji"), through the UNO bridge
    subprocess.run(
        [uno_python(), "-c", UNO_SCRIPT, str(XLSX / "roster.xlsx"), str(XLS / "encrypted.xls"), profile.as_uri()],
        check=True,
        timeout=300,
    )


# --- files that are not (readable) workbooks -----------------------------------------------------


def csv_bytes(encoding: str, bom: bytes = b"") -> bytes:
    """The CSV, padded so that byte 512 (where the reader's sniffing stops) cuts a character in two."""
    for pad in range(8):
        data = bom + csv_text("-" * pad).encode(encoding)
        try:
            data[:512].decode(encoding)
        except UnicodeDecodeError:
            return data
    raise AssertionError("no padding cuts a character at byte 512")


def csv_text(pad: str = "") -> str:
    lines = [f"满意度测评汇总表{pad}", "序号,党组织名称,发放票数,收回票数,有效票数,满意,基本满意,不满意,不了解,满意率"]
    for n, row in enumerate(summary_rows() * 4, start=1):  # > 512 bytes, so a multibyte char is cut at 512
        lines.append(f"{n},{row['党组织名称']},205,200,200,150,43,7,0,96.5%")
    return "\r\n".join(lines) + "\r\n"


def write_docx(path: Path, paragraphs):
    """A minimal WordprocessingML document (what Word needs to open it), fixed timestamps."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, xml in parts.items():
            out.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), xml.encode("utf-8"))


def make_bad_cases(rng: random.Random):
    BAD.mkdir(parents=True, exist_ok=True)
    # .et: WPS's own format (an OLE container like .xls); discovery reports it by its extension
    shutil.copyfile(XLS / "self_eval.xls", BAD / "自评表.et")
    # HTML saved with an .xls name ("Excel" export of many web systems)
    html = (
        '<html><head><meta charset="utf-8"></head><body><table>'
        "<tr><td>基层党组织名册</td></tr><tr><td>编号</td><td>党组织名称</td></tr>"
        + "".join(f"<tr><td>{b[0]}</td><td>{b[1]}</td></tr>" for b in BRANCHES)
        + "</table></body></html>\n"
    )
    (BAD / "html_as.xls").write_text(html, encoding="utf-8")
    # CSV renamed: UTF-8 with BOM as .xlsx, GB18030 (what Chinese Excel exports) as .xls
    (BAD / "csv_as.xlsx").write_bytes(csv_bytes("utf-8", b"\xef\xbb\xbf"))
    (BAD / "csv_as.xls").write_bytes(csv_bytes("gb18030"))
    (BAD / "csv_utf8_as.xls").write_bytes(csv_bytes("utf-8"))
    # Excel's "Unicode 文本" export (UTF-16LE with BOM, tab-separated) renamed to .xls
    (BAD / "tsv_utf16_as.xls").write_bytes(
        "\ufeff".encode("utf-16-le") + csv_text().replace(",", "\t").encode("utf-16-le")
    )
    write_docx(BAD / "说明.docx", ["关于报送分类定级材料的说明", "请于4月10日前将附件2至附件4报送乡镇党委。"])
    # a photo of a ballot
    from PIL import Image

    image = Image.new("RGB", (16, 12), (250, 250, 245))
    for x in range(16):
        image.putpixel((x, 6), (rng.randrange(256), 0, 0))
    image.save(BAD / "选票照片.jpg", format="JPEG", quality=60)
    # the Word document renamed to .xlsx: a zip with [Content_Types].xml, but no workbook in it
    shutil.copyfile(BAD / "说明.docx", BAD / "docx_as.xlsx")
    # password-protected .xlsx (ECMA-376 agile encryption, password "fenji"), seeded random source
    import msoffcrypto.method.container.ecma376_encrypted as container
    import msoffcrypto.method.ecma376_agile as agile
    from msoffcrypto.format.ooxml import OOXMLFile

    class FixedClock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return FIXED_TIME

    saved = agile._random_buffer, container.datetime
    agile._random_buffer = lambda size: bytes(rng.randrange(256) for _ in range(size))
    container.datetime = FixedClock
    try:
        with open(XLSX / "roster.xlsx", "rb") as plain, open(BAD / "encrypted.xlsx", "wb") as out:
            OOXMLFile(plain).encrypt("fenji", out)
    finally:
        agile._random_buffer, container.datetime = saved
    # truncated (a copy interrupted half-way) .xlsx and .xls
    data = (XLSX / "score_sheet.xlsx").read_bytes()
    (BAD / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    data = (XLS / "roster.xls").read_bytes()
    (BAD / "truncated.xls").write_bytes(data[:1536])
    # an .xlsx whose zip is intact but whose sheet XML is garbage
    with zipfile.ZipFile(XLSX / "roster.xlsx") as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(BAD / "corrupt_sheet.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for info, body in entries:
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 3] + b'<row r="x"><c r="\xff\xfe'
            out.writestr(info, body)


def make_lock_files():
    """What Office and LibreOffice leave beside an open workbook; never to be read."""
    LOCKS.mkdir(parents=True, exist_ok=True)
    owner = "清溪镇党委".encode("utf-16-le")
    office = bytes([len("清溪镇党委")]) + b"\x00" + owner
    (LOCKS / "~$roster.xlsx").write_bytes(office + b"\x20\x00" * ((162 - len(office)) // 2))
    (LOCKS / ".~lock.roster.xlsx#").write_text(
        ",清溪镇党委,QXZ-PC,28.03.2027 09:00,file:///C:/Users/qxz/AppData/Roaming/LibreOffice/4;", encoding="utf-8"
    )


def main():
    rng = random.Random(SEED)
    for folder in (XLSX, XLS, BAD, LOCKS):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    make_xlsx_cases()
    make_xlwt_case()
    with tempfile.TemporaryDirectory(prefix="fenji-cases-") as tmp:
        make_libreoffice_cases(Path(tmp))
    make_bad_cases(rng)
    make_lock_files()
    for folder in (XLSX, XLS, BAD, LOCKS):
        for path in sorted(folder.iterdir()):
            print(f"{path.relative_to(HERE)}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    os.environ.setdefault("SAL_USE_VCLPLUGIN", "svp")
    main()
