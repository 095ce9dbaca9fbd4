"""Stage 2: read one input file into typed records (workbook → recognised forms → validation).

Each file is independent, so this is what worker processes run. A broken workbook becomes a
problem row; nothing here raises.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace

from fenji.core.cells import cell_ref
from fenji.core.discover import InputFile
from fenji.core.problems import Problems
from fenji.core.profiles import Profile
from fenji.core.records import FileResult
from fenji.core.tables import find_tables, terminator_word
from fenji.core.validate import Context
from fenji.core.workbook import Limits, WorkbookError, check_time, is_parser_failure, read_workbook
from fenji.forms import FORM_BY_KIND, SPECS

LOG = logging.getLogger(__name__)


def read_file(item: InputFile, profile: Profile, limits: Limits | None = None) -> FileResult:
    """Everything one file yields for `profile`; problems carry the file's path relative to INBOX.

    `limits` defaults to the profile's [limits]; a file over its time budget yields no records."""
    result = FileResult(item.rel, item.sha256, item.mtime)
    problems = Problems()
    limits = limits or Limits.of(profile)
    started = time.monotonic()
    try:
        sheets = read_workbook(item.path, limits, started)
        for sheet in sheets:
            _read_sheet(sheet, result, problems, profile)
            check_time(started, limits)
        if not result.forms and not any(p.code == "form-not-used" for p in problems):
            problems.notice(
                "no-known-form",
                "文件中没有找到任何标准表（按表头标题识别）。如果这是报送材料，请使用标准表样。",
                file=item.rel,
            )
    except WorkbookError as exc:
        problems.error(exc.code, exc.message, file=item.rel)
        result.records.clear()
    except MemoryError:
        problems.error(
            "file-memory-limit",
            "读取此文件需要的内存超过上限，未读取，其他文件不受影响。请检查文件是否含有"
            "大量多余的行列（或远处的空白格式），删除后另存为 .xlsx 再报送。",
            file=item.rel,
        )
        result.records.clear()
    except BaseException as exc:  # a bug, an unforeseen file, a parser panic: report it, keep the run going
        if not is_parser_failure(exc):
            raise
        problems.error(
            "internal-error",
            f"读取时发生内部错误（{type(exc).__name__}: {str(exc)[:100]}），"
            "该文件未读取，其他文件不受影响。请将此文件提供给技术支持。",
            file=item.rel,
        )
        result.records.clear()
        LOG.exception("internal error reading %s", item.rel)  # for the maintainer; the clerk has the problem row
    result.problems = problems.items
    return result


RECOMPUTED_COLUMNS = ("合计", "总分", "总计", "小计")
FORMULA_WITHOUT_RESULT = "单元格 {cell} 是公式，但文件中没有保存计算结果：请用 Excel 或 WPS 打开后保存再报送"


def _explain_unsaved_formulas(table, result: FileResult, problems: Problems, first: int) -> None:
    """A formula cell saved without its result (a generated file, or one saved by a program that does
    not calculate) reads as empty. A problem validation found at such a cell gets the real reason;
    a formula cell in the table's rows and columns that drew no problem gets its own row."""
    sheet = table.sheet
    if not sheet.formulas:
        return
    named = set()
    for n in range(first, len(problems.items)):
        problem = problems.items[n]
        if problem.sheet == sheet.name and problem.cell in sheet.formulas:
            problems.items[n] = replace(
                problem, message=FORMULA_WITHOUT_RESULT.format(cell=problem.cell) + f"。（{problem.message}）"
            )
            named.add(problem.cell)
    rows = {row.index for row in table.rows} | {table.header_row}
    # totals are recomputed from their items (forms.md: never trust totals), so only data columns
    columns = {c for name, c in table.columns.items() if name not in RECOMPUTED_COLUMNS}
    for ref in sorted(sheet.formulas - named, key=lambda r: parse_ref(r)):
        row, col = parse_ref(ref)
        if row in rows and col in columns:
            problems.error(
                "formula-without-result",
                FORMULA_WITHOUT_RESULT.format(cell=ref) + "。",
                file=result.rel,
                sheet=sheet.name,
                cell=ref,
            )


def parse_ref(ref: str) -> tuple[int, int]:
    """`F9` → (8, 5), 0-based."""
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters) :]) - 1, col - 1


def _children(profile: Profile) -> dict[str, tuple[str, ...]]:
    return {"score_sheet": tuple(i.name for i in profile.indicators)}


def _read_sheet(sheet, result: FileResult, problems: Problems, profile: Profile) -> None:
    if sheet.kind != "worksheet":
        problems.notice(
            "macro-sheet-skipped",
            f"工作表“{sheet.name}”是宏表（Excel 4 宏表、对话框或 VBA 模块），"
            "不含报送数据，已跳过；其他工作表照常读取。标准表不需要宏，可将其删除后再报送。",
            file=result.rel,
            sheet=sheet.name,
        )
        return
    found = find_tables(sheet, SPECS, _children(profile))
    if found is None:
        if any(v is not None for row in sheet.rows[:20] for v in row):
            problems.notice(
                "sheet-not-recognised",
                f"工作表“{sheet.name}”不是可识别的标准表，已跳过。",
                file=result.rel,
                sheet=sheet.name,
            )
        return
    spec, table = found
    if table is None:
        problems.error(
            "header-not-found",
            f"识别为{spec.label}，但在标题下方没有找到表头（应包含“{'”“'.join(spec.required)}”）。请不要修改表头文字。",
            file=result.rel,
            sheet=sheet.name,
        )
        return
    result.forms.append(spec.kind)
    first = len(problems.items)
    _report_unread_rows(table, result, problems)
    _report_rows_below_end(table, result, problems)
    before = sum(len(records) for records in result.records.values())
    if spec.kind in profile.reads:
        FORM_BY_KIND[spec.kind].validate(Context(result, table, problems, profile))
    else:
        problems.notice(
            "form-not-used",
            f"{spec.label}不属于规则“{profile.title}”所需的表，已跳过。",
            file=result.rel,
            sheet=sheet.name,
        )
    _explain_unsaved_formulas(table, result, problems, first)
    if sum(len(records) for records in result.records.values()) > before:  # the form was used
        _note_years(table, result)


def _report_rows_below_end(table, result: FileResult, problems: Problems) -> None:
    if not table.below:
        return
    end, first, last = table.terminator, table.below[0], table.below[-1]
    word = terminator_word(table.sheet.rows[end])
    problems.error(
        "rows-below-end",
        f"第 {end + 1} 行是“{word}”行，表格在此结束，但{word}行下方还有 "
        f"{len(table.below):,} 行数据未读取（第 {first + 1} 行至第 {last + 1} 行）。如果这些是表格数据，"
        f"请把它们移到第 {end + 1} 行上方（或删除{word}行下方的内容）后重新报送。",
        file=result.rel,
        sheet=table.sheet.name,
        cell=cell_ref(end, 0),
    )


YEAR_IN_FIELD = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def _note_years(table, result: FileResult) -> None:
    """The years the form's 年度 and 日期 fields name, for the run to compare with --year."""
    for label, found in table.fields.items():
        if "年度" in label or "日期" in label:
            year = YEAR_IN_FIELD.search(found.value or "")
            if year:
                result.years.append((table.sheet.name, found.ref, label, int(year[1])))


def _report_unread_rows(table, result: FileResult, problems: Problems) -> None:
    if not table.unread:
        return
    key = next((k for k in table.spec.keys if k in table.columns), table.spec.keys[0])
    end, last = table.after_start, table.unread[-1]
    problems.error(
        "row-without-key",
        f"第 {end + 1} 行的“{key}”为空，表格在此结束，但下面还有填写的内容："
        f"第 {table.unread[0] + 1} 行至第 {last + 1} 行共 {len(table.unread)} 行没有读取。"
        f"请在第 {end + 1} 行补填“{key}”（或删除该行），确认每一行都有“{key}”后重新报送。",
        file=result.rel,
        sheet=table.sheet.name,
        cell=table.ref(end, key),
    )
