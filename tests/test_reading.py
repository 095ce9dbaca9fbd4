"""Every reader tolerance of forms.md ("What a reader must tolerate", "What is an error"), proved on real
workbook files committed under tests/data/ (written by tests/data/make_reader_cases.py; the .xls files are
genuine Excel 97 files saved by LibreOffice and by xlwt, so no LibreOffice is needed here)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import DATA, DINGJI, case, found, make_inbox, read_case, records, summary_of, without_file

from fenji.api import RunOptions, check
from fenji.core.discover import discover
from fenji.core.problems import ERROR, NOTICE, WARNING, Problems
from fenji.core.workbook import OLE_MAGIC, ZIP_MAGIC, read_workbook
from fenji.forms.read import read_file
from fenji.systems import load_profile

D = Decimal
SIX = ["党组织带头人", "工作思路", "工作制度", "活动阵地", "保障机制", "工作业绩"]
SEVEN = SIX + ["群众评价"]
STANDARD_SELF = dict(zip(SEVEN, map(D, [14, 9, 9, 8, 9, 18, 23])))
SCORES = {
    "QX01": [13, 8, 7, 8, 8, 16],
    "QX02": [14, 7, 7, 9, 10, 18],
    "QX03": [15, 7, 8, 9, 9, 15],
    "QX04": [15, 10, 10, 9, 7, 12],
}
NAMES = {"QX01": "清溪村党支部", "QX02": "白岩村党支部", "QX03": "梨树村党总支", "QX04": "花园社区党支部"}
# 193 of 200 valid votes satisfied → 群众评价 = 25 × 0.965 = 24.125; 得分 = six scores + 24.125, half up
EXPECTED_SCORE = {"QX01": "84.1", "QX02": "89.1", "QX03": "87.1", "QX04": "87.1"}
TOWN_XLSX = ["xlsx/roster.xlsx", "xlsx/summary.xlsx", "xlsx/score_sheet.xlsx", "xlsx/self_eval.xlsx"]
TOWN_XLS = ["xls/roster.xls", "xls/summary.xls", "xls/score_sheet.xls", "xls/self_eval.xls"]


def run_check(inbox: Path):
    return check(RunOptions(inbox, "dingji", 2027))


def file_problems(result) -> list:
    """Problems that name a file (what reading and checking the inputs found), ignoring grading notes and
    the forms not yet returned (the towns here send no 自评表: tests/test_returns.py)."""
    return [p for p in result.problems if p.file and p.code != "missing-return"]


def by_id(result) -> dict[str, dict]:
    return {row["编号"]: row for row in result.results.to_dict("records")}


def raw_cell(rel: str, sheet: str, ref: str):
    """The value calamine gives for one cell (to prove the file holds what the case says)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letters, row = coordinate_from_string(ref)
    book = {s.name: s for s in read_workbook(case(rel))}
    return book[sheet].value(row - 1, column_index_from_string(letters) - 1)


# --- formats: .xlsx, .xlsm, genuine .xls ------------------------------------------------------------


def test_roster_xlsx():
    result = read_case("xlsx/roster.xlsx")
    assert result.problems == []
    entries = records(result, "roster")
    assert [(e.id, e.name, e.unit, e.kind, e.members, e.secretary, e.last_grade) for e in entries] == [
        ("QX01", "清溪村党支部", "清溪镇", "行政村", 31, "黄国强", "好"),
        ("QX02", "白岩村党支部", "清溪镇", "行政村", 19, "陈秀英", "较好"),
        ("QX03", "梨树村党总支", "清溪镇", "行政村", 62, "吴建华", "一般"),
        ("QX04", "花园社区党支部", "清溪镇", "社区", 61, "陈建华", "好"),
    ]
    assert [e.source.cell for e in entries] == ["A4", "A5", "A6", "A7"]


def test_self_eval_xlsx_formula_total_without_cached_value_is_recomputed():
    # E12 holds =SUM(E5:E11) written by openpyxl: no cached value, so the reader sees an empty cell
    assert raw_cell("xlsx/self_eval.xlsx", "自评表", "A12") == "合计"
    assert raw_cell("xlsx/self_eval.xlsx", "自评表", "E12") is None
    result = read_case("xlsx/self_eval.xlsx")
    assert result.problems == []
    (record,) = records(result, "self_eval")
    assert record.name == "清溪村党支部"
    assert record.date == dt.date(2027, 3, 28)
    assert record.scores == STANDARD_SELF
    assert record.refs == {name: f"E{5 + k}" for k, name in enumerate(SEVEN)}
    assert record.total == D(90)
    assert (record.grade, record.grade_ref) == ("好", "B13")
    assert record.source.cell == "A3"


def test_ballots_xlsx():
    result = read_case("xlsx/ballots.xlsx")
    assert result.problems == []
    (tally,) = records(result, "tallies")
    assert (tally.name, tally.date, tally.from_ballots) == ("清溪村党支部", dt.date(2027, 3, 30), True)
    assert tally.counts == {"满意": 6, "基本满意": 2, "不满意": 1, "不了解": 1}
    assert (tally.returned, tally.valid) == (10, 9)


def test_summary_xlsx_two_level_header_and_percent_forms():
    # 满意率 typed four ways: a number 0.965, a number 96.5, text 96.5% and text 96.5％ (full-width)
    raw = [raw_cell("xlsx/summary.xlsx", "汇总表", f"J{r}") for r in range(5, 9)]
    assert raw == [0.965, 96.5, "96.5%", "96.5％"]
    assert raw_cell("xlsx/summary.xlsx", "汇总表", "F3") == "总体评价票数"
    result = read_case("xlsx/summary.xlsx")
    assert result.problems == []
    tallies = records(result, "tallies")
    assert [t.name for t in tallies] == list(NAMES.values())
    for tally in tallies:
        assert tally.counts == {"满意": 150, "基本满意": 43, "不满意": 7, "不了解": 0}
        assert (tally.issued, tally.returned, tally.valid) == (205, 200, 200)
        assert tally.typed_rate == D("0.965")
        assert (tally.unit, tally.date, tally.from_ballots) == ("清溪镇", dt.date(2027, 4, 2), False)
    assert [t.source.cell for t in tallies] == ["B5", "B6", "B7", "B8"]


def test_score_sheet_xlsx_two_level_merged_header():
    result = read_case("xlsx/score_sheet.xlsx")
    assert result.problems == []
    rows = records(result, "scores")
    assert [(r.id, r.name) for r in rows] == list(NAMES.items())
    for n, row in enumerate(rows):
        assert row.scores == {**dict(zip(SIX, map(D, SCORES[row.id]))), "群众评价": None}
        assert row.refs == {**{name: f"{'DEFGHIJ'[k]}{6 + n}" for k, name in enumerate(SEVEN)}, "总分": f"K{6 + n}"}
        assert row.typed_total is None  # =D6+…+J6 without a cached value: never trusted, recomputed
        assert (row.unit, row.date) == ("清溪镇", dt.date(2027, 4, 8))


def test_xlsm_is_read():
    path = case("xlsx/self_eval.xlsm")
    import zipfile

    with zipfile.ZipFile(path) as archive:
        assert "macroEnabled" in archive.read("[Content_Types].xml").decode()
    result = read_case("xlsx/self_eval.xlsm")
    assert result.problems == []
    (record,) = records(result, "self_eval")
    assert (record.name, record.total, record.scores) == ("清溪村党支部", D(90), STANDARD_SELF)


@pytest.mark.parametrize("path", sorted(p.relative_to(DATA).as_posix() for p in (DATA / "xls").glob("*.xls")))
def test_xls_files_are_genuine_excel_97(path):
    data = case(path).read_bytes()
    assert data.startswith(OLE_MAGIC) and not data.startswith(ZIP_MAGIC)
    assert "Workbook".encode("utf-16-le") in data  # the BIFF8 stream of Excel 97–2003
    assert len(data) < 20_000


@pytest.mark.parametrize(
    "stem", ["roster", "self_eval", "ballots", "summary", "score_sheet", "dates", "layout_hidden_sheet"]
)
def test_xls_yields_the_same_records_as_xlsx(stem):
    xlsx, xls = read_case(f"xlsx/{stem}.xlsx"), read_case(f"xls/{stem}.xls")
    assert xls.forms == xlsx.forms
    assert summary_of(xls.problems) == [
        (p[0], p[1], p[2].replace(".xlsx", ".xls"), p[3], p[4]) for p in summary_of(xlsx.problems)
    ]
    assert xls.records.keys() == xlsx.records.keys()
    for kind in xlsx.records:
        # the .xls carries the cached =SUM() total LibreOffice computed (see the next test); compare the rest
        same = (lambda r: dataclasses.replace(without_file(r), typed_total=None)) if kind == "scores" else without_file
        assert [same(r) for r in xls.records[kind]] == [same(r) for r in xlsx.records[kind]]
        assert all(r.source.file == f"{stem}.xls" for r in xls.records[kind])


def test_xls_score_sheet_two_level_header_values():
    rows = records(read_case("xls/score_sheet.xls"), "scores")
    assert [(r.id, r.name, [r.scores[i] for i in SIX]) for r in rows] == [
        (ident, NAMES[ident], list(map(D, SCORES[ident]))) for ident in NAMES
    ]
    assert rows[2].refs["工作业绩"] == "I8"
    # LibreOffice computed the =SUM() when saving, so the .xls carries a cached total of the six columns
    assert [r.typed_total for r in rows] == [D(sum(SCORES[i])) for i in NAMES]


def test_xls_written_by_xlwt():
    result = read_case("xls/score_sheet_xlwt.xls")
    assert result.problems == []
    rows = records(result, "scores")
    assert [(r.id, r.name, [r.scores[i] for i in SIX]) for r in rows] == [
        (ident, NAMES[ident], list(map(D, SCORES[ident]))) for ident in NAMES
    ]
    assert [r.veto for r in rows] == ["", "", "发生群体性上访事件", ""]
    assert rows[2].veto_ref == "L8"
    # 评定日期： in G3, a real date cell in H3
    assert isinstance(raw_cell("xls/score_sheet_xlwt.xls", "评分定级表", "H3"), (dt.date, dt.datetime))
    assert {r.date for r in rows} == {dt.date(2027, 4, 8)}


# --- files that are not workbooks ----------------------------------------------------------------------


def test_discover_takes_wps_et_and_skips_docx_jpg_and_lock_files(tmp_path):
    inbox = make_inbox(
        tmp_path,
        "xlsx/roster.xlsx",
        "bad/自评表.et",
        "bad/说明.docx",
        "bad/选票照片.jpg",
        "locks/~$roster.xlsx",
        "locks/.~lock.roster.xlsx#",
    )
    problems = Problems()
    files = discover(inbox, problems)
    assert [f.rel for f in files] == ["roster.xlsx", "自评表.et"]
    assert summary_of(problems) == sorted(
        [(NOTICE, "not-a-workbook", "说明.docx", "", ""), (NOTICE, "not-a-workbook", "选票照片.jpg", "", "")]
    )


def test_wps_et_is_read_like_xls(tmp_path):
    """WPS's own .et (a BIFF workbook) goes through the same recognition and validation as .xls."""
    inbox = make_inbox(tmp_path, "bad/自评表.et")
    (item,) = discover(inbox, Problems())
    result = read_file(item, load_profile("dingji"))
    assert result.forms == ["self_eval"]
    assert not [p for p in result.problems if p.code in ("workbook-corrupt", "not-a-workbook", "internal-error")]


def test_files_being_copied_or_temporary_are_never_read(tmp_path):
    names = {"bad/truncated.xlsx": "附件4.xlsx.part"}
    inbox = make_inbox(tmp_path, "xlsx/roster.xlsx", "bad/truncated.xlsx", rename=names)
    for extra in ("附件2.xlsx.crdownload", "~附件3.tmp", "附件3.xlsx~"):
        (inbox / extra).write_bytes(case("bad/truncated.xls").read_bytes())
    problems = Problems()
    assert [f.rel for f in discover(inbox, problems)] == ["roster.xlsx"]
    assert list(problems) == []


@pytest.mark.parametrize(
    "path, code",
    [
        ("bad/html_as.xls", "html-as-excel"),
        ("bad/csv_as.xlsx", "csv-as-excel"),  # UTF-8 with BOM, a character cut at byte 512
        ("bad/csv_utf8_as.xls", "csv-as-excel"),  # UTF-8, a character cut at byte 512
        ("bad/csv_as.xls", "csv-as-excel"),  # GB18030, a character cut at byte 512
        ("bad/tsv_utf16_as.xls", "csv-as-excel"),  # Excel's "Unicode 文本": UTF-16, tab-separated
        ("bad/docx_as.xlsx", "not-a-workbook"),  # a Word document renamed
        ("bad/encrypted.xlsx", "workbook-encrypted"),
        ("xls/encrypted.xls", "workbook-encrypted"),
        ("bad/truncated.xlsx", "workbook-corrupt"),
        ("bad/truncated.xls", "workbook-corrupt"),
        ("bad/corrupt_sheet.xlsx", "workbook-corrupt"),
    ],
)
def test_unreadable_file_is_one_clear_error(path, code):
    result = read_case(path)
    assert result.records == {} and result.forms == []
    assert summary_of(result.problems) == [(ERROR, code, Path(path).name, "", "")]
    message = result.problems[0].message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message) and "Traceback" not in message


def test_csv_and_html_messages_say_what_to_do():
    assert "另存为" in read_case("bad/html_as.xls").problems[0].message
    assert "CSV" in read_case("bad/csv_as.xls").problems[0].message
    assert "密码" in read_case("bad/encrypted.xlsx").problems[0].message


def test_renamed_csv_really_cuts_a_character_at_byte_512():
    for path, encoding in (("bad/csv_as.xls", "gb18030"), ("bad/csv_utf8_as.xls", "utf-8")):
        head = case(path).read_bytes()[:512]
        with pytest.raises(UnicodeDecodeError):
            head.decode(encoding)


# --- values typed by hand --------------------------------------------------------------------------------


def test_numbers_typed_as_text():
    raw = [raw_cell("xlsx/text_numbers.xlsx", "自评表", f"E{r}") for r in range(5, 12)]
    assert raw == [" 14 ", "8.5", "９", "8分", "9", "18", 23.0]
    result = read_case("xlsx/text_numbers.xlsx")
    assert result.problems == []
    (record,) = records(result, "self_eval")
    assert record.scores == dict(zip(SEVEN, map(D, ["14", "8.5", "9", "8", "9", "18", "23"])))
    assert record.total == D("89.5")


@pytest.mark.parametrize("path", ["xlsx/dates.xlsx", "xls/dates.xls"])
def test_dates_in_every_written_form(path):
    assert raw_cell(path, "年月日", "D3") == "填报日期：2027年3月28日"
    assert raw_cell(path, "点", "D3") == "填报日期：2027.3.28"
    assert raw_cell(path, "横线", "D3") == "填报日期：2027-03-28"
    assert raw_cell(path, "斜线", "D3") == "填报日期：2027/3/28"
    assert raw_cell(path, "真日期", "D3") == "填报日期："
    assert isinstance(raw_cell(path, "真日期", "E3"), (dt.date, dt.datetime))  # a real date cell
    result = read_case(path)
    assert result.problems == []
    evals = records(result, "self_eval")
    assert [(r.source.sheet, r.date) for r in evals] == [
        (sheet, dt.date(2027, 3, 28)) for sheet in ("年月日", "点", "横线", "斜线", "真日期")
    ]


def test_options_with_stray_spaces_and_full_width_spaces():
    raw = [raw_cell("xlsx/options_spaces.xlsx", "测评表", f"H{r}") for r in range(5, 15)]
    assert raw[:7] == [" 满意", "满意 ", "基本\u3000满意", "不\n满意", "满 意", "不了解\u3000", "\u3000满意\u3000"]
    result = read_case("xlsx/options_spaces.xlsx")
    assert result.problems == []
    (tally,) = records(result, "tallies")
    assert tally.counts == {"满意": 6, "基本满意": 2, "不满意": 1, "不了解": 1}


def test_tick_mark_in_an_option_column_is_reported():
    result = read_case("xlsx/options_tick.xlsx")
    assert summary_of(result.problems) == [
        (ERROR, "option-unknown", "options_tick.xlsx", "测评表", "H7"),
        (ERROR, "option-unknown", "options_tick.xlsx", "测评表", "H9"),
    ]
    tick, word = sorted(result.problems, key=lambda p: p.cell)
    assert "√" in tick.message and "不是标准填法" in tick.message
    assert "比较满意" in word.message and "√" not in word.message
    assert tick.subject == "清溪村党支部"
    (tally,) = records(result, "tallies")
    assert tally.counts == {"满意": 6, "基本满意": 1, "不满意": 0, "不了解": 1}
    assert (tally.returned, tally.valid) == (10, 7)


# --- layout: rows, columns, sheets moved ---------------------------------------------------------------


def test_score_sheet_moved_reordered_with_extra_columns_on_second_sheet():
    path = "xlsx/layout_score_sheet.xlsx"
    assert raw_cell(path, "打分", "B5") == "基层党组织分类定级上级党组织评分定级表"  # title moved down, column A empty
    assert raw_cell(path, "打分", "F8") == "工作业绩\n（20分）"
    assert raw_cell(path, "打分", "G8") == "党组织带头人 (15分)"
    result = read_case(path)
    assert summary_of(result.problems) == [(NOTICE, "sheet-not-recognised", "layout_score_sheet.xlsx", "封面", "")]
    rows = records(result, "scores")
    assert [(r.id, r.name, r.source.sheet, r.source.cell) for r in rows] == [
        ("QX01", "清溪村党支部", "打分", "C9"),
        ("QX02", "白岩村党支部", "打分", "C10"),
        ("QX03", "梨树村党总支", "打分", "C12"),
        ("QX04", "花园社区党支部", "打分", "C13"),
    ]  # row 11 empty
    for row in rows:
        assert [row.scores[i] for i in SIX] == list(map(D, SCORES[row.id]))
    r = rows[0].refs
    assert (r["工作业绩"], r["党组织带头人"], r["工作思路"], r["群众评价"], r["工作制度"], r["总分"]) == (
        "F9",
        "G9",
        "H9",
        "I9",
        "J9",
        "P9",
    )
    assert rows[0].veto_ref == "O9"


@pytest.mark.parametrize("path", ["xlsx/layout_hidden_sheet.xlsx", "xls/layout_hidden_sheet.xls"])
def test_form_on_a_hidden_second_sheet_is_read(path):
    sheets = read_workbook(case(path))
    assert [(s.name, s.hidden) for s in sheets] == [("填表说明", False), ("Sheet2", True)]
    result = read_case(path)
    assert summary_of(result.problems) == [(NOTICE, "sheet-not-recognised", Path(path).name, "填表说明", "")]
    (tally,) = records(result, "tallies")
    assert (tally.name, tally.source.sheet, tally.source.cell) == ("清溪村党支部", "Sheet2", "A5")
    assert tally.counts == {"满意": 6, "基本满意": 2, "不满意": 1, "不了解": 1}
    assert tally.returned == 10  # the empty row between ballots 4 and 5 is skipped


def test_self_eval_reordered_moved_down_with_a_wrong_typed_total():
    result = read_case("xlsx/layout_self_eval.xlsx")
    (record,) = records(result, "self_eval")
    assert record.scores == STANDARD_SELF
    assert record.refs == {
        "群众评价": "E10",
        "工作业绩": "E11",
        "保障机制": "E12",
        "活动阵地": "E14",
        "工作制度": "E15",
        "工作思路": "E16",
        "党组织带头人": "E17",
    }
    assert record.total == D(90)
    assert (record.name, record.source.cell, record.grade, record.grade_ref) == ("梨树村党总支", "A6", "好", "B19")
    assert summary_of(result.problems) == [(WARNING, "total-mismatch", "layout_self_eval.xlsx", "Sheet1", "E18")]
    assert "99" in result.problems[0].message and "90" in result.problems[0].message


def test_two_forms_in_one_workbook_with_other_sheet_names(dingji):
    result = read_case("xlsx/two_forms.xlsx", dingji)
    assert result.problems == []
    assert result.forms == ["roster", "score_sheet"]
    assert [e.id for e in records(result, "roster")] == list(NAMES)
    assert [r.id for r in records(result, "scores")] == list(NAMES)
    assert {r.source.sheet for r in records(result, "scores")} == {"2"}


# --- errors, each with file, sheet and cell ----------------------------------------------------------


def test_score_errors_name_their_cells():
    result = read_case("xlsx/score_sheet_errors.xlsx")
    assert [(p.level, p.code, p.sheet, p.cell, p.subject) for p in result.problems] == [
        (ERROR, "score-out-of-range", "评分定级表", "D6", "QX01"),
        (ERROR, "score-not-numeric", "评分定级表", "E7", "QX02"),
        (ERROR, "score-out-of-range", "评分定级表", "F8", "QX03"),
    ]
    high, word, negative = result.problems
    assert "16" in high.message and "15" in high.message
    assert "良好" in word.message
    assert "-1" in negative.message
    rows = records(result, "scores")
    assert rows[0].scores["党组织带头人"] is None and rows[1].scores["工作思路"] is None


def test_subject_not_in_roster_suggests_the_closest_name(tmp_path):
    inbox = make_inbox(tmp_path, "xlsx/roster.xlsx", "xlsx/summary.xlsx", "xlsx/score_sheet_errors.xlsx")
    result = run_check(inbox)
    (missing,) = found(result.problems, "subject-not-in-roster")
    assert (missing.level, missing.file, missing.sheet, missing.cell) == (
        ERROR,
        "score_sheet_errors.xlsx",
        "评分定级表",
        "C9",
    )
    assert "请溪村党支部" in missing.message and "清溪村党支部" in missing.message
    assert {p.cell for p in found(result.problems, "score-out-of-range")} == {"D6", "F8"}
    rows = by_id(result)
    assert rows["QX04"]["得分"] == ""  # its row was the misspelt one: no scores for 花园社区


@pytest.mark.parametrize(
    "path, sheet, cell, column",
    [
        ("xlsx/ballots_no_overall.xlsx", "测评表", "A4", "总体评价"),
        ("xlsx/summary_no_returned.xlsx", "汇总表", "A3", "收回票数"),
    ],
)
def test_required_column_missing(path, sheet, cell, column):
    result = read_case(path)
    assert summary_of(result.problems) == [(ERROR, "column-missing", Path(path).name, sheet, cell)]
    assert column in result.problems[0].message
    assert records(result, "tallies") == []


def test_indicator_missing():
    result = read_case("xlsx/score_sheet_no_column.xlsx")
    assert summary_of(result.problems) == [
        (ERROR, "indicator-missing", "score_sheet_no_column.xlsx", "评分定级表", "A4")
    ]
    assert "工作业绩" in result.problems[0].message
    result = read_case("xlsx/self_eval_no_indicator.xlsx")
    (problem,) = result.problems
    assert (problem.level, problem.code, problem.sheet, problem.cell, problem.subject) == (
        ERROR,
        "indicator-missing",
        "自评表",
        "B4",
        "清溪村党支部",
    )  # the 定级指标 header cell
    assert "工作制度" in problem.message
    assert records(result, "self_eval")[0].total is None


# --- whole runs: matching, resubmissions, broken files among good ones -------------------------------------


def test_town_from_xlsx_is_graded(tmp_path):
    result = run_check(make_inbox(tmp_path, *TOWN_XLSX))
    assert summary_of(file_problems(result)) == []
    rows = by_id(result)
    assert {i: rows[i]["得分"] for i in NAMES} == EXPECTED_SCORE
    assert {rows[i]["满意率"] for i in NAMES} == {"96.5%"}
    assert rows["QX01"]["自评得分"] == "90.0"


def test_town_from_genuine_xls_is_graded_the_same(tmp_path):
    result = run_check(make_inbox(tmp_path, *TOWN_XLS))
    rows = by_id(result)
    assert {i: rows[i]["得分"] for i in NAMES} == EXPECTED_SCORE
    assert rows["QX01"]["自评得分"] == "90.0"
    # the cached 总分 LibreOffice stored (the six columns only) is checked against the recomputed total
    mismatches = found(result.problems, "total-mismatch")
    assert sorted(p.cell for p in mismatches) == ["K6", "K7", "K8", "K9"]
    assert {p.level for p in mismatches} == {WARNING}
    assert [p for p in result.problems if p.level == ERROR and p.code != "missing-return"] == []


def test_names_match_after_normalisation(tmp_path):
    # 编号 left blank; names written 清溪村 / 白岩村 党支部 / 梨树村党总支部 / 花园社区　党支部
    inbox = make_inbox(tmp_path, "xlsx/roster.xlsx", "xlsx/summary.xlsx", "xlsx/score_sheet_names.xlsx")
    result = run_check(inbox)
    assert found(result.problems, "subject-not-in-roster") == []
    assert found(result.problems, "name-ambiguous") == []
    rows = by_id(result)
    assert {i: rows[i]["得分"] for i in NAMES} == EXPECTED_SCORE


def test_resubmission_later_date_wins_over_newer_file(tmp_path):
    # the first return (填报日期 3月20日) was copied in last: the date field still decides
    inbox = make_inbox(
        tmp_path,
        *TOWN_XLSX,
        "xlsx/resubmit_dated_first.xlsx",
        "xlsx/resubmit_dated_second.xlsx",
        mtimes={"resubmit_dated_first.xlsx": 1_900_000_000, "resubmit_dated_second.xlsx": 1_800_000_000},
    )
    result = run_check(inbox)
    assert by_id(result)["QX02"]["自评得分"] == "85.0"
    (old,) = found(result.problems, "superseded")
    assert (old.level, old.file, old.sheet) == (NOTICE, "resubmit_dated_first.xlsx", "自评表")
    assert "resubmit_dated_second.xlsx" in old.message
    assert result.scored.superseded == ["resubmit_dated_first.xlsx"]


@pytest.mark.parametrize(
    "newer, older, total",
    [
        ("resubmit_undated_b.xlsx", "resubmit_undated_a.xlsx", "75.0"),
        ("resubmit_undated_a.xlsx", "resubmit_undated_b.xlsx", "70.0"),
    ],
)
def test_resubmission_without_date_later_file_wins(tmp_path, newer, older, total):
    inbox = make_inbox(
        tmp_path, *TOWN_XLSX, f"xlsx/{newer}", f"xlsx/{older}", mtimes={newer: 1_900_000_000, older: 1_800_000_000}
    )
    result = run_check(inbox)
    assert by_id(result)["QX04"]["自评得分"] == total
    (old,) = found(result.problems, "superseded")
    assert (old.file, old.subject) == (older, "花园社区党支部")


def test_broken_files_never_stop_the_others(tmp_path):
    broken = [
        "bad/html_as.xls",
        "bad/csv_as.xlsx",
        "bad/csv_as.xls",
        "bad/docx_as.xlsx",
        "bad/encrypted.xlsx",
        "xls/encrypted.xls",
        "bad/truncated.xlsx",
        "bad/truncated.xls",
        "bad/corrupt_sheet.xlsx",
        "bad/说明.docx",
        "bad/选票照片.jpg",
        "locks/~$roster.xlsx",
        "locks/.~lock.roster.xlsx#",
    ]
    # spread the broken files before, between and after the good ones
    rename = {"xls/encrypted.xls": "0_encrypted.xls", "bad/truncated.xlsx": "m_truncated.xlsx"}
    inbox = make_inbox(tmp_path, *TOWN_XLSX, *broken, rename=rename)
    result = run_check(inbox)
    rows = by_id(result)
    assert {i: rows[i]["得分"] for i in NAMES} == EXPECTED_SCORE
    assert summary_of(file_problems(result)) == sorted(
        [
            (ERROR, "html-as-excel", "html_as.xls", "", ""),
            (ERROR, "csv-as-excel", "csv_as.xlsx", "", ""),
            (ERROR, "csv-as-excel", "csv_as.xls", "", ""),
            (ERROR, "not-a-workbook", "docx_as.xlsx", "", ""),
            (ERROR, "workbook-encrypted", "encrypted.xlsx", "", ""),
            (ERROR, "workbook-encrypted", "0_encrypted.xls", "", ""),
            (ERROR, "workbook-corrupt", "m_truncated.xlsx", "", ""),
            (ERROR, "workbook-corrupt", "truncated.xls", "", ""),
            (ERROR, "workbook-corrupt", "corrupt_sheet.xlsx", "", ""),
            (NOTICE, "not-a-workbook", "说明.docx", "", ""),
            (NOTICE, "not-a-workbook", "选票照片.jpg", "", ""),
        ]
    )
    assert all("lock" not in p.file and "~$" not in p.file for p in result.problems)


def test_ballot_typed_without_its_number_is_an_error_not_a_silent_end(tmp_path):
    """A ballot row with votes but no 票号 would end the table; it and every ballot below are named."""
    import openpyxl

    from fenji.core.discover import InputFile
    from fenji.forms.read import read_file

    book = openpyxl.load_workbook(case("xlsx/ballots.xlsx"))
    sheet = book.active
    header = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "票号")
    sheet.cell(header + 3, 1).value = None  # the third ballot lost its number
    path = tmp_path / "附件3-清溪村党支部满意度测评表.xlsx"
    book.save(path)
    result = read_file(InputFile(path, path.name, path.stat().st_size, path.stat().st_mtime, ""), DINGJI)
    (problem,) = found(result.problems, "row-without-key")
    assert (problem.level, problem.cell) == (ERROR, f"A{header + 3}")
    assert f"第 {header + 3} 行的“票号”为空" in problem.message and "共 8 行没有读取" in problem.message
    (tally,) = records(result, "tallies")
    assert tally.returned == 2  # what was read is still there, and said to be partial
