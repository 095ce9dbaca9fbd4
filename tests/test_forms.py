"""`fenji forms`: blank forms laid out like the reference forms, guarded, and read back exactly.

The inputs are committed under tests/data/forms_roundtrip/ (written by its make.py, which also holds
the fill plan used here): a county roster, a village's star roster, and forms that fenji wrote, a
program filled and LibreOffice saved as genuine .xls and back (read without LibreOffice). The live
LibreOffice tests convert the forms as written today; scripts/setup.sh installs LibreOffice for them.
The layout is compared cell by cell with the reference forms in tests/data/reference_forms.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import DATA
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from typer.testing import CliRunner

from fenji import api
from fenji.cli import app
from fenji.core.cells import split_labels
from fenji.core.discover import InputFile
from fenji.core.problems import ERROR, WARNING, FatalError
from fenji.forms import blank as blankforms
from fenji.forms.read import read_file
from fenji.systems import load_profile

ROUND = DATA / "forms_roundtrip"
_spec = importlib.util.spec_from_file_location("forms_make", ROUND / "make.py")
plan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plan)

D = Decimal
NAMES = {row[0]: row[1] for row in plan.ROSTER}
IDS = {name: ident for ident, name in NAMES.items()}


def dec(value) -> Decimal:
    return D(str(value))


def read(path: Path, profile="dingji"):
    stat = path.stat()
    return read_file(InputFile(path, path.name, stat.st_size, stat.st_mtime, ""), load_profile(profile))


def serious(problems) -> list[tuple]:
    return [(p.level, p.code, p.file, p.cell, p.message) for p in problems if p.level in (ERROR, WARNING)]


def records(result, kind: str) -> list:
    return [r for f in result.files for r in f.records.get(kind, [])]


def guard_at(ws, ref: str):
    found = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
    assert len(found) == 1, f"{ws.title}!{ref}: {len(found)} validations"
    return found[0]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """dingji blank forms for the committed two-town roster, left blank."""
    return api.forms("dingji", ROUND / "roster.xlsx", tmp_path_factory.mktemp("blank") / "空白表 2027", year=2027)


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """The same forms filled by the plan (openpyxl), and what `fenji check` makes of the folder."""
    result = api.forms("dingji", ROUND / "roster.xlsx", tmp_path_factory.mktemp("filled") / "returns", year=2027)
    plan.fill(result)
    return result, api.check(api.RunOptions(result.out, "dingji", 2027))


def by_kind(result, kind: str) -> list:
    return [f for f in result.forms if f.kind == kind]


# --- which files, where --------------------------------------------------------------------------


def test_files_per_town_and_branch(written):
    rel = [f.path.relative_to(written.out).as_posix() for f in written.forms]
    assert rel[:4] == [
        "清溪镇/清溪镇党组织名册.xlsx",
        "清溪镇/清溪镇满意度测评汇总表.xlsx",
        "清溪镇/附件4-清溪镇评分定级表.xlsx",
        "清溪镇/清溪镇党委研究决定调整表.xlsx",
    ]
    assert rel[4:6] == [
        "清溪镇/村级表格/QX01-清溪村党支部/附件2-清溪村党支部自评表.xlsx",
        "清溪镇/村级表格/QX01-清溪村党支部/附件3-清溪村党支部满意度测评表.xlsx",
    ]
    assert len(rel) == 2 * 4 + 5 * 2 and all((written.out / r).is_file() for r in rel)
    assert written.units == ["清溪镇", "白河镇"] and written.subjects == 5
    assert written.counts() == {
        "党组织名册": 2,
        "满意度测评汇总表": 2,
        "附件4 上级党组织评分定级表": 2,
        "党委研究决定调整表": 2,
        "附件2 自评表": 5,
        "附件3 满意度测评表": 5,
    }
    assert not list(written.out.rglob(".*"))  # no temporary files left behind


def test_every_written_form_is_recognised_by_its_title(written):
    for form in written.forms:
        result = read(form.path)
        assert result.forms == [form.kind], form.path.name
        # a blank 测评表 is no survey yet (rules.md §9): that warning and nothing else
        expected = ["survey-no-ballots"] if form.kind == "ballots" else []
        assert [p[1] for p in serious(result.problems)] == expected, form.path.name


def test_written_roster_reads_back_as_the_input_roster(written):
    entries = records_of_file(by_kind(written, "roster")[1].path, "roster")
    assert [(e.id, e.name, e.unit, e.kind, e.members, e.secretary, e.last_grade) for e in entries] == [
        ("BH01", "白河村党支部", "白河镇", "行政村", 40, "王明", "较好"),
        ("BH02", "花园社区党支部", "白河镇", "社区", 55, "李红梅", "一般"),
    ]


def records_of_file(path: Path, kind: str, profile="dingji") -> list:
    return read(path, profile).records.get(kind, [])


# --- layout: as the reference forms in tests/data/reference_forms ----------------------------------

REFERENCE = Path(__file__).resolve().parent / "data" / "reference_forms"
REFERENCES = {  # kind → (reference blank, the rows compared: title, labels, headers; 附件2 as a whole)
    "roster": ("名册_blank.xlsx", 3),
    "self_eval": ("附件2_自评表_blank.xlsx", 14),
    "ballots": ("附件3_满意度测评表_blank.xlsx", 4),
    "summary": ("测评汇总表_blank.xlsx", 4),
    "score_sheet": ("附件4_上级党组织评分定级表_blank.xlsx", 5),
    "decisions": ("党委研究决定调整表_blank.xlsx", 3),
    "star_roster": ("星级_评定对象名册_blank.xlsx", 3),
    "public_votes": ("星级_民主评议计分表_blank.xlsx", 3),
    "panel": ("星级_领导小组评议表_blank.xlsx", 3),
    "ten_stars": ("十星评定表_blank.xlsx", 3),
}


@pytest.fixture(scope="module")
def written_stars(tmp_path_factory):
    return api.forms("xingji-daan", ROUND / "star_roster.xlsx", tmp_path_factory.mktemp("stars") / "out", year=2027)


@pytest.fixture(scope="module")
def written_ten(tmp_path_factory):
    return api.forms("shixing", ROUND / "roster.xlsx", tmp_path_factory.mktemp("ten") / "out", year=2027)


@pytest.fixture(scope="module")
def every_kind(written, written_stars, written_ten):
    """kind → the first written form of that kind, over the three families of profiles."""
    found = {}
    for form in written.forms + written_stars.forms + written_ten.forms:
        found.setdefault(form.kind, form)
    return found


def _shift(ref: str, after: int) -> str:
    """A cell or range of the reference with one column inserted after column `after` (the 汇总表's 编号)."""
    return re.sub(
        r"([A-Z]+)(\d+)",
        lambda m: get_column_letter(column_index_from_string(m[1]) + (column_index_from_string(m[1]) > after)) + m[2],
        ref,
    )


def _labels(value, extra: bool = False) -> list | None:
    """The labels of a `标签：值` cell (`村（社区）：大安村　　　　评议日期：` → 村, 评议日期), None for other text.
    `extra`: without the `编号：` fenji adds after a branch's name (附件2, 附件3), as the issue asks."""
    if not (isinstance(value, str) and "：" in value):
        return None
    return [label for label, _ in split_labels(value) if not (extra and label == "编号")]


def layout_differences(reference: Path, written_path: Path, rows: int, inserted: int | None = None) -> list:
    """Every difference in the first `rows` rows: values (labels compared by their label words, the
    written form adds the names), fonts, alignment, merged ranges, column widths and row heights."""
    ref, got = load_workbook(reference).active, load_workbook(written_path).active
    at = (lambda r: _shift(r, inserted)) if inserted else (lambda r: r)
    found = []
    for row in ref.iter_rows(max_row=rows):
        for cell in row:
            mine = got[at(cell.coordinate)]
            if cell.value != mine.value and (
                _labels(cell.value) is None or _labels(cell.value) != _labels(mine.value, extra=True)
            ):
                found.append(("value", cell.coordinate, cell.value, mine.value))
            if cell.value is not None and (cell.font.name, cell.font.size, cell.font.b, cell.alignment.horizontal) != (
                mine.font.name,
                mine.font.size,
                mine.font.b,
                mine.alignment.horizontal,
            ):
                found.append(("style", cell.coordinate))
    near = lambda ranges: {
        str(r)
        for r in ranges
        if r.min_row <= rows
        and not (  # noqa: E731
            inserted and r.min_col == r.max_col == inserted + 1 and ranges is got.merged_cells.ranges
        )
    }
    want = {at(r) for r in near(ref.merged_cells.ranges)}
    if near(got.merged_cells.ranges) != want:
        found.append(("merged", sorted(want ^ near(got.merged_cells.ranges))))
    for letter, dim in ref.column_dimensions.items():
        if dim.width != got.column_dimensions[at(f"{letter}1")[:-1]].width:
            found.append(("width", letter, dim.width, got.column_dimensions[at(f"{letter}1")[:-1]].width))
    for r in range(1, rows + 1):
        if ref.row_dimensions[r].height and ref.row_dimensions[r].height != got.row_dimensions[r].height:
            found.append(("height", r))
    return found


@pytest.mark.parametrize("kind", sorted(REFERENCES))
def test_layout_as_the_reference_form(every_kind, kind):
    """Cell by cell as the blank reference form; the 汇总表 has one column more, 编号 after 序号 (as 附件4
    has), so that its rows match the roster by 编号 and never by a name two branches might share."""
    name, rows = REFERENCES[kind]
    inserted = 1 if kind == "summary" else None
    assert layout_differences(REFERENCE / name, every_kind[kind].path, rows, inserted) == []
    if inserted:
        ws = load_workbook(every_kind[kind].path).active
        assert (
            ws["B3"].value,
            ws.column_dimensions["B"].width,
            "B3:B4" in {str(r) for r in ws.merged_cells.ranges},
        ) == ("编号", 8, True)


def test_layout_check_sees_a_difference(written, tmp_path):
    """The comparison above is not blind: a moved label and a changed width are both seen."""
    path = tmp_path / "moved.xlsx"
    book = load_workbook(by_kind(written, "self_eval")[0].path)
    book.active["D3"] = "日期："
    book.active.column_dimensions["D"].width = 30
    book.save(path)
    assert [d[:2] for d in layout_differences(REFERENCE / "附件2_自评表_blank.xlsx", path, 14)] == [
        ("value", "D3"),
        ("width", "D"),
    ]


def test_labels_carry_names_and_ids(written):
    ws = load_workbook(by_kind(written, "self_eval")[0].path).active
    assert (ws["A1"].value, ws["A3"].value, ws["D3"].value) == (
        "附件2",
        "党组织名称（盖章）：清溪村党支部\u3000\u3000编号：QX01",
        "填报日期：",
    )
    ws = load_workbook(by_kind(written, "ballots")[0].path).active
    assert (ws["A3"].value, ws["F3"].value) == ("被测评党组织：清溪村党支部\u3000\u3000编号：QX01", "测评日期：")
    ws = load_workbook(by_kind(written, "score_sheet")[0].path).active
    assert [ws["D5"].value, ws["J5"].value] == ["党组织带头人（15分）", "群众评价（25分）"]
    assert [[c.value for c in row] for row in ws["A6:C8"]] == [
        [1, "QX01", "清溪村党支部"],
        [2, "QX02", "白岩村党支部"],
        [3, "QX03", "梨树村党总支"],
    ]
    ws = load_workbook(by_kind(written, "summary")[1].path).active
    assert [[c.value for c in row] for row in ws["A5:C6"]] == [
        [1, "BH01", "白河村党支部"],
        [2, "BH02", "花园社区党支部"],
    ]
    assert ws["K5"].value == '=IF((G5+H5+I5)>0,(G5+H5)/(G5+H5+I5),"")'


# --- guards --------------------------------------------------------------------------------------


def test_input_cells_are_exactly_the_unlocked_and_guarded_cells(written, written_stars, written_ten):
    for form in written.forms + written_stars.forms + written_ten.forms:
        book = load_workbook(form.path)
        for ws in book.worksheets:
            assert ws.protection.sheet and not ws.protection.password, form.path.name
            unlocked = {
                c.coordinate
                for row in ws.iter_rows()
                for c in row
                if c.protection.locked is False and type(c).__name__ == "Cell"
            }
            guarded = {
                f"{get_column_letter(col)}{row}"
                for dv in ws.data_validations.dataValidation
                for rng in dv.sqref.ranges
                for row, col in rng.cells
            }
            mapped = {ref for sheet, ref in form.cells.values() if sheet == ws.title}
            assert unlocked == guarded, form.path.name
            assert mapped == guarded, form.path.name
            for dv in ws.data_validations.dataValidation:
                assert dv.showErrorMessage and dv.showInputMessage and dv.errorStyle == "stop"
                assert dv.promptTitle and dv.prompt and dv.errorTitle and dv.error
                assert len(dv.promptTitle) <= 32 and len(dv.prompt) <= 255 and len(dv.error) <= 225


def test_titles_headers_names_and_ids_are_locked(written):
    ws = load_workbook(by_kind(written, "score_sheet")[0].path).active
    for ref in ("A2", "A3", "D4", "D5", "B6", "C6", "A6"):
        assert ws[ref].protection.locked, ref
    ws = load_workbook(by_kind(written, "ballots")[0].path).active
    assert ws["A3"].protection.locked and ws["A4"].protection.locked and not ws["F3"].protection.locked


def test_guards_follow_the_profile(written):
    ws = load_workbook(by_kind(written, "score_sheet")[0].path).active
    for ref, top in (("D6", "15"), ("E6", "10"), ("I6", "20"), ("J6", "25"), ("K6", "100")):
        dv = guard_at(ws, ref)
        assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0", top), ref
    assert guard_at(ws, "J6").promptTitle == "群众评价：通常留空"
    assert guard_at(ws, "M6").formula1 == '"好,较好,一般,较差"'
    assert guard_at(ws, "G3").formula1 == 'LEFT(G3,5)="评定日期："'
    ws = load_workbook(by_kind(written, "ballots")[0].path).active
    assert guard_at(ws, "H5").formula1 == '"满意,基本满意,不满意,不了解"'
    assert guard_at(ws, "C54").formula1 == '"满意,基本满意,不满意,不了解"'
    assert guard_at(ws, "B5").formula1 == '"党员,群众代表,村民小组长,入党积极分子,其他"'
    assert (guard_at(ws, "A5").type, guard_at(ws, "A5").formula1) == ("whole", "1")
    ws = load_workbook(by_kind(written, "summary")[0].path).active
    for ref in ("D5", "E5", "F5", "G5", "J7"):
        dv = guard_at(ws, ref)
        assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0"), ref
    ws = load_workbook(by_kind(written, "self_eval")[0].path).active
    assert (guard_at(ws, "E5").formula2, guard_at(ws, "E11").formula2) == ("15", "25")
    assert guard_at(ws, "B13").formula1 == '"好,较好,一般,较差"'


def test_star_and_ten_star_guards_follow_the_profile(every_kind):
    ws = load_workbook(every_kind["public_votes"].path).active
    assert (guard_at(ws, "K7").type, guard_at(ws, "K7").formula1, guard_at(ws, "K7").formula2) == (
        "decimal",
        "0",
        "100",
    )
    assert guard_at(ws, "A2").formula1 == 'LEFT(A2,18)="村（社区）：大安村\u3000\u3000\u3000\u3000评议日期："'
    assert guard_at(ws, "A2").promptTitle == "在“评议日期：”后填写"
    ws = load_workbook(every_kind["panel"].path).active
    assert (guard_at(ws, "G7").formula1, guard_at(ws, "G7").formula2) == ("0", "20")
    ws = load_workbook(every_kind["star_roster"].path).active
    assert guard_at(ws, "C4").formula1 == '"党员干部,群众"'
    ws = load_workbook(every_kind["decisions"].path).active  # the first: dingji's
    assert guard_at(ws, "C4").formula1 == '"好,较好,一般,较差"'
    ws = load_workbook(every_kind["ten_stars"].path).active
    assert (guard_at(ws, "C4").formula1, guard_at(ws, "L6").formula1) == ('"达标,未达标"', '"达标,未达标"')
    assert guard_at(ws, "A2").formula1.startswith('LEFT(A2,23)="乡镇党委（盖章）：清溪镇党委')


PRINT = {
    "self_eval": ("$4:$4", "portrait"),
    "ballots": ("$4:$4", "portrait"),
    "score_sheet": ("$4:$5", "landscape"),
    "summary": ("$3:$4", "landscape"),
    "roster": ("$3:$3", "portrait"),
    "decisions": ("$3:$3", "portrait"),
    "star_roster": ("$3:$3", "portrait"),
    "public_votes": ("$3:$3", "landscape"),
    "panel": ("$3:$3", "landscape"),
    "ten_stars": ("$3:$3", "landscape"),
}


@pytest.mark.parametrize("kind", sorted(PRINT))
def test_print_setup(every_kind, kind):
    """A4, one page wide, the header rows on every page; landscape for the wide forms."""
    ws = load_workbook(every_kind[kind].path).active
    assert (ws.print_title_rows, ws.page_setup.orientation) == PRINT[kind]
    assert (int(ws.page_setup.paperSize), int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage


# --- round trip: written, filled by a program, read back -----------------------------------------


def assert_values_as_typed(result, towns=("清溪镇", "白河镇")):
    """What fenji read equals the fill plan, value for value."""
    idents = [r[0] for r in plan.ROSTER if r[2] in towns]
    selfs = {IDS[r.name]: r for r in records(result, "self_eval")}
    assert sorted(selfs) == sorted(idents)
    for ident, record in selfs.items():
        scores, grade = plan.SELF[ident]
        assert record.scores == {n: dec(v) for n, v in zip(plan.SEVEN, scores)}
        assert (record.grade, record.total, record.date) == (grade, sum(map(dec, scores)), dt.date(2027, 3, 28))
    tallies = [t for t in records(result, "tallies") if t.from_ballots]
    assert {IDS[t.name]: (t.counts, t.returned, t.date) for t in tallies} == {
        i: (plan.tally(plan.ballots(i)), len(plan.ballots(i)), dt.date(2027, 3, 30)) for i in idents
    }
    summaries = [t for t in records(result, "tallies") if not t.from_ballots]
    assert {t.id: (t.counts, t.returned, t.issued, t.name) for t in summaries} == {
        i: (plan.tally(plan.ballots(i)), len(plan.ballots(i)), len(plan.ballots(i)) + 2, NAMES[i]) for i in idents
    }
    rows = {r.id: r for r in records(result, "scores")}
    assert sorted(rows) == sorted(idents)
    for ident, row in rows.items():
        assert {k: v for k, v in row.scores.items() if v is not None} == {
            n: dec(v) for n, v in zip(plan.SIX, plan.SCORES[ident])
        }
        assert (row.name, row.veto, row.note, row.date) == (
            NAMES[ident],
            plan.VETO.get(ident, ""),
            plan.NOTES.get(ident, ""),
            dt.date(2027, 4, 8),
        )
    decisions = [(d.id, d.name, d.grade, d.reason, d.meeting) for d in records(result, "decisions")]
    assert decisions == ([plan.DECISION] if "清溪镇" in towns else [])


def test_round_trip_zero_problems(filled):
    _written, result = filled
    assert result.exit_code == api.EXIT_OK, result.message
    assert serious(result.problems) == []


def test_round_trip_values_exact(filled):
    assert_values_as_typed(filled[1])


def test_round_trip_grades(filled):
    table = {row["编号"]: row for row in filled[1].results.to_dict("records")}
    assert {i: table[i]["等次"] for i in table} == {
        "QX01": "一般",
        "QX02": "一般",
        "QX03": "较差",
        "BH01": "较差",
        "BH02": "较好",
    }
    assert "经党委研究调整" in table["QX02"]["说明"] and "一票否决" in table["BH01"]["说明"]


def test_summary_left_blank_beside_the_ballots(tmp_path):
    """A town that types every ballot into 附件3 may send the pre-filled 汇总表 back as it came: its
    rows (序号, 编号 and name filled, no count) are no tallies of zero, so nothing disagrees."""
    result = api.forms("dingji", ROUND / "roster.xlsx", tmp_path / "returns", year=2027)
    for form in result.forms:
        if form.kind not in ("summary", "roster"):
            plan.type_into(form.path, form.cells, plan.values(form))
    checked = api.check(api.RunOptions(result.out, "dingji", 2027))
    assert checked.exit_code == api.EXIT_OK and serious(checked.problems) == []
    assert [t.from_ballots for t in records(checked, "tallies")] == [True] * 5
    blank = by_kind(result, "summary")[0].path
    assert read(blank).records.get("tallies", []) == [] and serious(read(blank).problems) == []


def test_ballots_left_blank_beside_the_summary(tmp_path):
    """The other way round: the 汇总表 filled and each 附件3 sent back as it came. No ballots is no
    survey (rules §9), not 0 valid votes: the summary is used, with one warning per empty 附件3."""
    result = api.forms("dingji", ROUND / "roster.xlsx", tmp_path / "returns", year=2027)
    for form in result.forms:
        if form.kind not in ("ballots", "roster"):
            plan.type_into(form.path, form.cells, plan.values(form))
    checked = api.check(api.RunOptions(result.out, "dingji", 2027))
    empty = [p for p in checked.problems if p.code == "survey-no-ballots"]
    assert len(empty) == 5 and {p.file.rsplit("/", 1)[-1] for p in empty} == {
        f.path.name for f in by_kind(result, "ballots")
    }
    assert [p for p in serious(checked.problems) if p[1] != "survey-no-ballots"] == []
    assert [t.from_ballots for t in records(checked, "tallies")] == [False] * 5
    assert checked.exit_code == api.EXIT_OK and "未评定" not in set(checked.results["等次"])


def test_values_outside_the_guards_are_still_caught(tmp_path):
    """openpyxl ignores data validation, as a careless program or an old WPS would: reading still catches it."""
    result = api.forms("dingji", ROUND / "roster.xlsx", tmp_path / "out", year=2027)
    plan.fill(result)
    score, ballots = by_kind(result, "score_sheet")[0], by_kind(result, "ballots")[0]
    from fenji.forms.writer import fill

    fill(score.path, score.cells, {("QX01", "党组织带头人"): 150, ("QX02", "工作思路"): "缺"})
    fill(ballots.path, ballots.cells, {(2, "总体评价"): "很满意"})
    assert [(p.level, p.code, p.cell) for p in read(score.path).problems] == [
        (ERROR, "score-out-of-range", "D6"),
        (ERROR, "score-not-numeric", "E7"),
    ]
    assert [(p.level, p.code, p.cell) for p in read(ballots.path).problems] == [(ERROR, "option-unknown", "H6")]


OUTSIDE = [  # profile, form, (row key, column), a value its guard refuses, what reading reports
    ("dingji", "self_eval", ("党组织带头人", "自评得分"), 15.5, ERROR, "score-out-of-range"),
    ("dingji", "self_eval", ("群众评价", "自评得分"), -1, ERROR, "score-out-of-range"),
    ("dingji", "self_eval", ("", "自评等次"), "优秀", WARNING, "self-grade-unknown"),
    ("dingji", "summary", ("QX01", "收回票数"), 9.5, ERROR, "count-not-integer"),
    ("dingji", "summary", ("QX02", "满意"), -3, ERROR, "count-not-integer"),
    ("dingji", "score_sheet", ("QX03", "群众评价"), 26, ERROR, "score-out-of-range"),
    ("dingji", "decisions", (1, "调整后等次"), "优秀", ERROR, "decision-grade-unknown"),
    ("xingji-daan", "public_votes", ("DA001", "代表1"), 120, ERROR, "score-out-of-range"),
    ("xingji-daan", "panel", ("DA002", "忠诚于党我带头"), 20.5, ERROR, "score-out-of-range"),
    ("xingji-daan", "panel", ("DA002", "审定意见"), "基本同意", WARNING, "opinion-unknown"),
    ("xingji-daan", "star_roster", ("DA003", "类别"), "干部", ERROR, "category-unknown"),
    ("xingji-daan", "star_roster", ("DA001", "上次星级"), "六星", ERROR, "stars-unknown"),
    ("shixing", "ten_stars", ("QX01", "领导核心星"), "基本达标", ERROR, "star-mark-unknown"),
]


@pytest.fixture(scope="module")
def filled_by_profile(tmp_path_factory):
    """profile → its forms written for the committed roster and filled by the plan (written once)."""
    cache = {}

    def filled(profile: str):
        if profile not in cache:
            roster = ROUND / ("star_roster.xlsx" if profile.startswith("xingji") else "roster.xlsx")
            cache[profile] = api.forms(profile, roster, tmp_path_factory.mktemp(profile) / "out", year=2027)
            plan.fill(cache[profile])
        return cache[profile]

    return filled


@pytest.mark.parametrize("profile, kind, key, value, level, code", OUTSIDE, ids=[f"{o[1]}-{o[3]}" for o in OUTSIDE])
def test_every_kind_of_guard_is_checked_again_on_reading(
    tmp_path, filled_by_profile, profile, kind, key, value, level, code
):
    """One value each guard refuses, typed by openpyxl into a filled form: reported at that very cell."""
    form = by_kind(filled_by_profile(profile), kind)[0]
    path = Path(shutil.copy(form.path, tmp_path / form.path.name))
    if kind == "decisions":
        plan.type_into(
            path,
            form.cells,
            dict(zip(((1, c) for c in ("编号", "名称", "理由")), plan.DECISION[:2] + plan.DECISION[3:4])),
        )
    plan.type_into(path, form.cells, {key: value})
    found = [(p.level, p.code, p.cell) for p in read(path, profile).problems if p.level in (ERROR, WARNING)]
    assert found == [(level, code, form.cells[key][1])]


# --- paper ballots ---------------------------------------------------------------------------------

BAIHE = [r[0] for r in plan.ROSTER if r[2] == "白河镇"]


@pytest.fixture(scope="module")
def with_ballots(tmp_path_factory):
    """白河镇's forms with 3 ballots per branch (one town only: laying out PDFs takes a while)."""
    folder = tmp_path_factory.mktemp("ballots")
    book = load_workbook(ROUND / "roster.xlsx")
    book.active.delete_rows(4, 3)  # the three 清溪镇 rows
    book.save(folder / "白河镇名册.xlsx")
    return api.forms("dingji", folder / "白河镇名册.xlsx", folder / "out", year=2027, ballots=3)


def test_ballot_pdfs_one_per_branch(with_ballots):
    pdfs = by_kind(with_ballots, "ballot_pdf")
    assert [p.path.relative_to(with_ballots.out).as_posix() for p in pdfs] == [
        "白河镇/村级表格/BH01-白河村党支部/满意度测评票-白河村党支部.pdf",
        "白河镇/村级表格/BH02-花园社区党支部/满意度测评票-花园社区党支部.pdf",
    ]
    assert [p.subject for p in pdfs] == BAIHE
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdfs[1].path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert text.count("基层党组织分类定级党员群众满意度测评票") == 3
    assert text.count("被测评党组织：花园社区党支部") == 3 and "白河村" not in text
    for word in (
        "领导班子",
        "党员队伍",
        "工作机制",
        "工作业绩",
        "群众反映",
        "总体评价",
        "基本满意",
        "不了解",
        "入党积极分子",
        "本票不记名",
        "方框内打“√”",
        "每项只选一项",
        "票号（计票时填写）",
    ):
        assert word in text, word
    assert text.count("\f") == 2  # two ballots to a page: 3 ballots, 2 pages


def test_ballot_tick_boxes_are_drawn(with_ballots):
    """Six rows of four options and five categories a ballot, each a drawn box (no ☐ glyph, which only
    some fonts have); the HTML laid out once per town holds one page of each kind per branch."""
    from fenji.core import render
    from fenji.forms.blank import ballot_doc, by_unit

    entries = blankforms.read_roster(with_ballots.out / "白河镇" / "白河镇党组织名册.xlsx", with_ballots.profile)
    doc = ballot_doc(with_ballots.profile, "白河镇", by_unit(entries)["白河镇"], 2027, 3)
    html = render.render_html(render.environment(), "ballot.html", doc)
    assert html.count('<span class="box"></span>') == 2 * (2 + 1) * (6 * 4 + 5) and "☐" not in html


def test_ballot_pdf_has_every_glyph_and_nothing_cut_off(with_ballots):
    """Only the CJK fonts, which have every character printed (no missing-glyph boxes), and every
    word inside the page, at least 10 mm from each edge."""
    from fenji.core import fonts as roles

    path = str(by_kind(with_ballots, "ballot_pdf")[0].path)
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    used = [roles.resolve(role) for role in ("仿宋", "黑体")]  # ballot.css: fonts.body and fonts.heading
    assert fonts and all(any(f.family.replace(" ", "") in line for f in used) for line in fonts), fonts
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True).stdout
    body = roles.resolve("仿宋")
    cmap = roles._cmap(body.file, body.index)
    assert {ch for ch in text if not ch.isspace() and ord(ch) not in cmap} == set()
    bbox = subprocess.run(["pdftotext", "-bbox", path, "-"], capture_output=True, text=True, check=True).stdout
    width, height = (float(v) for v in re.search(r'<page width="([\d.]+)" height="([\d.]+)"', bbox).groups())
    margin = 10 / 25.4 * 72
    for x0, y0, x1, y1 in re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', bbox):
        assert (
            margin <= float(x0) and float(x1) <= width - margin and margin <= float(y0) and float(y1) <= height - margin
        )


def test_ballot_rows_are_left_to_type_and_issued_is_prefilled(with_ballots):
    """附件3 has a guarded row for each printed ballot but no 票号 typed ahead: a row with a 票号 is a
    returned ballot, so numbers for the ballots that do not come back would count as blank ones."""
    ws = load_workbook(by_kind(with_ballots, "ballots")[0].path).active
    assert [ws[f"A{r}"].value for r in range(5, 9)] == [None] * 4
    assert [guard_at(ws, f"A{r}").formula1 for r in range(5, 8)] == ["1"] * 3
    assert not [dv for dv in ws.data_validations.dataValidation if "A8" in dv.sqref]
    assert ws["A9"].value.startswith("说明：") and "每行都要填票号" in ws["A9"].value
    summary = by_kind(with_ballots, "summary")[0].path
    ws = load_workbook(summary).active
    assert [ws[f"D{r}"].value for r in (5, 6)] == [3, 3]
    assert read(summary).records.get("tallies", []) == []  # 发放票数 alone is no tally


def test_ballots_round_trip(with_ballots, tmp_path):
    out = tmp_path / "returns"
    shutil.copytree(with_ballots.out, out)
    copies = [dataclasses.replace(f, path=out / f.path.relative_to(with_ballots.out)) for f in with_ballots.forms]
    plan.fill(dataclasses.replace(with_ballots, out=out, forms=copies))
    result = api.check(api.RunOptions(out, "dingji", 2027))
    assert serious(result.problems) == []
    tallies = {IDS[t.name]: t for t in records(result, "tallies") if t.from_ballots}
    summaries = {t.id: t for t in records(result, "tallies") if not t.from_ballots}
    assert sorted(tallies) == sorted(summaries) == BAIHE
    for ident in BAIHE:
        assert tallies[ident].returned == 2 and tallies[ident].counts == plan.tally(plan.ballots(ident, 2))
        assert (summaries[ident].issued, summaries[ident].returned) == (3, 2)


# --- LibreOffice: the committed .xls (and back to .xlsx) ------------------------------------------


@pytest.mark.parametrize("folder", ["xls", "xlsx"])
def test_libreoffice_round_trip(folder):
    files = sorted((ROUND / folder).iterdir())
    assert len(files) == 10
    if folder == "xls":
        assert all(f.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1") for f in files)  # genuine Excel 97
    result = api.check(api.RunOptions(ROUND / folder, "dingji", 2027))
    assert result.exit_code == api.EXIT_OK and list(result.problems) == []
    assert_values_as_typed(result, towns=("清溪镇",))


# --- LibreOffice, live: the forms as written now (scripts/test.sh installs libreoffice-calc-nogui) ------

SOFFICE = shutil.which("soffice")


def guards_by_cell(path: Path) -> dict:
    """sheet → cell → (type, operator, formula1, formula2, prompt, error): the guards as Excel applies
    them, whatever ranges they are stored in (LibreOffice joins `B5 B6 …` into `B5:B54`)."""
    found = {}
    for ws in load_workbook(path).worksheets:
        cells = found.setdefault(ws.title, {})
        for dv in ws.data_validations.dataValidation:
            between = dv.operator in (None, "between", "notBetween") and dv.type in ("whole", "decimal")
            what = (
                dv.type,
                dv.operator or "between",
                dv.formula1,
                dv.formula2 if between else None,
                dv.prompt,
                dv.error,
            )
            cells.update({f"{get_column_letter(c)}{r}": what for rng in dv.sqref.ranges for r, c in rng.cells})
    return found


def setup_of(path: Path) -> list:
    return [
        (
            ws.title,
            ws.protection.sheet,
            ws.print_title_rows,
            ws.page_setup.orientation,
            int(ws.page_setup.paperSize),
            int(ws.page_setup.fitToWidth),
            {c.coordinate for row in ws.iter_rows() for c in row if c.protection.locked is False},
        )
        for ws in load_workbook(path).worksheets
    ]


LIVE = ["dingji", "xingji-daan", "shixing"]


@pytest.fixture(scope="module")
def through_libreoffice(filled_by_profile, tmp_path_factory):
    """profile → (filled forms, their .xls, the folder of .xlsx saved again from the .xls): every
    profile's forms in one LibreOffice run per direction (each run costs a few seconds to start)."""
    # fails, never skips: scripts/test.sh installs libreoffice-calc-nogui
    assert SOFFICE, (
        "LibreOffice (soffice) 未安装：请用 scripts/test.sh 运行测试，或 apt-get install libreoffice-calc-nogui"
    )
    base = tmp_path_factory.mktemp("libreoffice")
    stage = base / "filled"
    stage.mkdir()
    sources = {}
    for profile in LIVE:
        for form in filled_by_profile(profile).forms:
            sources.setdefault(profile, []).append(Path(shutil.copy(form.path, stage / f"{profile}--{form.path.name}")))
    plan.soffice(sorted(stage.iterdir()), "xls", base / "xls", base / "lo-profile")
    plan.soffice(sorted((base / "xls").iterdir()), "xlsx", base / "back", base / "lo-profile")
    trips = {}
    for profile, files in sources.items():
        folder = base / "xls-by-profile" / profile
        folder.mkdir(parents=True)
        xls = [
            Path(shutil.copy(base / "xls" / f"{f.stem}.xls", folder / f"{f.stem.split('--', 1)[1]}.xls")) for f in files
        ]
        trips[profile] = (sorted(files), sorted(xls), base / "back")
    return trips


@pytest.mark.parametrize("profile", LIVE)
def test_libreoffice_live_round_trip(through_libreoffice, profile):
    """The forms fenji writes today, filled by openpyxl, saved by LibreOffice as genuine .xls (a clerk
    with an old Office) are read back with every value as typed and no problem; saved again as .xlsx
    they keep every guard, the protection and the print set-up."""
    sources, xls, back = through_libreoffice[profile]
    assert len(xls) == len(sources) >= 4
    assert all(f.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1") for f in xls)  # genuine Excel 97
    read_back = [read(f, profile) for f in xls]
    assert [serious(got.problems) for got in read_back] == [[]] * len(xls)
    if profile == "dingji":
        checked = api.check(api.RunOptions(xls[0].parent, profile, 2027))
        assert checked.exit_code == api.EXIT_OK and serious(checked.problems) == []
        assert_values_as_typed(checked)
    elif profile == "shixing":
        assert_ten_stars_as_typed(read_back)
    else:
        assert_star_values_as_typed({got.forms[0]: got for got in read_back})
    for source in sources:
        again = back / source.name
        assert guards_by_cell(again) == guards_by_cell(source), source.name
        assert setup_of(again) == setup_of(source), source.name


# --- star profiles (xingji-*) and 十星 (shixing) ---------------------------------------------------


def star_forms(tmp_path: Path, profile: str, roster: Path):
    result = api.forms(profile, roster, tmp_path / profile, year=2027)
    plan.fill(result)
    return result, {f.kind: read(f.path, profile) for f in result.forms}


def test_xingji_daan_forms_round_trip(tmp_path):
    result, read_back = star_forms(tmp_path, "xingji-daan", ROUND / "star_roster.xlsx")
    assert [f.path.relative_to(result.out).as_posix() for f in result.forms] == [
        "大安村/大安村评定对象名册.xlsx",
        "大安村/大安村民主评议计分表.xlsx",
        "大安村/大安村领导小组评议表.xlsx",
        "大安村/大安村决定调整表.xlsx",
    ]
    for kind, got in read_back.items():
        assert serious(got.problems) == [], kind
    assert_star_values_as_typed(read_back)


def assert_star_values_as_typed(read_back: dict) -> None:
    """What fenji read (form kind → FileResult) equals the xingji-daan fill plan, value for value."""
    votes = {v.id: v for v in read_back["public_votes"].records["public_votes"]}
    for ident, *_ in plan.STAR_ROSTER:
        typed = plan.public_scores(ident)
        assert votes[ident].scores == [dec(s) for s in typed if s] and votes[ident].blanks == typed.count(None)
        assert votes[ident].date == dt.date(2027, 1, 10)
    items = [i["name"] for i in load_profile("xingji-daan").rules["items"]]
    panel = {r.id: r for r in read_back["panel"].records["panel"]}
    for ident, *_ in plan.STAR_ROSTER:
        assert panel[ident].items == {i: dec(v) for i, v in plan.panel_scores(ident, items).items()}
        assert panel[ident].opinion == ("不同意" if ident == "DA003" else "同意")
    roster = read_back["star_roster"].records["star_roster"]
    assert [(e.id, e.name, e.category, e.last_grade, e.ineligible[:1]) for e in roster] == [
        ("DA001", "陈小秋", "党员干部", "三星", ""),
        ("DA002", "许正义", "党员干部", "", ""),
        ("DA003", "梁家富", "群众", "二星", ""),
        ("DA004", "何志平", "群众", "无", "3"),
    ]


def test_xingji_daan_panel_layout(tmp_path):
    result = api.forms("xingji-daan", ROUND / "star_roster.xlsx", tmp_path / "o", year=2027)
    book = load_workbook(by_kind(result, "panel")[0].path)
    ws = book.active
    assert book.sheetnames == ["领导小组评议"]
    assert [c.value for c in ws[3]] == [
        "编号",
        "姓名",
        "忠诚于党我带头（20分）",
        "服务人民我带头（20分）",
        "加快发展我带头（20分）",
        "优良作风我带头（20分）",
        "廉洁自律我带头（20分）",
        "合计",
        "审定意见",
        "备注",
    ]
    assert ws["H4"].value == "=SUM(C4:G4)" and guard_at(ws, "I4").formula1 == '"同意,不同意"'
    assert (guard_at(ws, "C4").formula1, guard_at(ws, "C4").formula2) == ("0", "20")
    ws = load_workbook(by_kind(result, "public_votes")[0].path).active
    assert [c.value for c in ws[3]] == ["编号", "姓名"] + [f"代表{n}" for n in range(1, 10)]
    assert (guard_at(ws, "K7").formula1, guard_at(ws, "K7").formula2) == ("0", "100")
    assert ws.page_setup.orientation == "landscape" and ws["A8"].value.startswith("说明：")


def test_xingji_dashui_panel_sheet_per_item_set(tmp_path):
    roster = plan.write_star_roster(tmp_path / "名册.xlsx", plan.DASHUI_CATEGORIES)
    result, read_back = star_forms(tmp_path, "xingji-dashui", roster)
    book = load_workbook(by_kind(result, "panel")[0].path)
    assert book.sheetnames == ["领导小组评议（党员干部）", "领导小组评议（群众）", "领导小组评议（一般党员、服务行业）"]
    heads = {ws.title: [c.value for c in ws[3]][2:] for ws in book.worksheets}
    assert heads["领导小组评议（党员干部）"][0] == "带头服务群众（20分）"
    assert heads["领导小组评议（群众）"][0] == "带头勤劳致富（20分）"
    assert heads["领导小组评议（一般党员、服务行业）"] == ["合计", "审定意见", "备注"]
    assert [[c.value for c in ws["A"][3:]] for ws in book.worksheets] == [["DA001"], ["DA003", "DA004"], ["DA002"]]
    for kind, got in read_back.items():
        assert serious(got.problems) == [], kind
    assert {r.id: r.opinion for r in read_back["panel"].records["panel"]} == {
        "DA001": "同意",
        "DA002": "同意",
        "DA003": "不同意",
        "DA004": "同意",
    }


def test_shixing_forms_round_trip(tmp_path):
    result, read_back = star_forms(tmp_path, "shixing", ROUND / "roster.xlsx")
    assert result.counts() == {"党组织名册": 2, "十星评定表": 2, "党委研究决定调整表": 2}
    assert_ten_stars_as_typed([read(f.path, "shixing") for f in result.forms])
    for form in result.forms:
        assert serious(read(form.path, "shixing").problems) == [], form.path.name


def assert_ten_stars_as_typed(results: list) -> None:
    stars = load_profile("shixing").rules["stars"]
    rows = [r for got in results for r in got.records.get("ten_stars", [])]
    assert {r.id: r.marks for r in rows} == {i: {s: plan.ten_star_mark(i, s) == "达标" for s in stars} for i in NAMES}
    assert {r.date for r in rows} == {dt.date(2027, 4, 8)}


# --- errors and the command line -------------------------------------------------------------------


def test_refuses_to_overwrite(written):
    with pytest.raises(FatalError, match="已有同名文件"):
        api.forms("dingji", ROUND / "roster.xlsx", written.out, year=2027)


def test_bad_roster(tmp_path):
    with pytest.raises(FatalError, match="找不到名册文件"):
        api.forms("dingji", tmp_path / "nowhere.xlsx", tmp_path / "o")
    with pytest.raises(FatalError, match="没有找到党组织名册"):
        api.forms("dingji", ROUND / "star_roster.xlsx", tmp_path / "o")
    book = load_workbook(ROUND / "roster.xlsx")
    book.active["A5"] = "QX01"
    book.save(tmp_path / "dup.xlsx")
    with pytest.raises(FatalError, match="编号 QX01 重复"):
        api.forms("dingji", tmp_path / "dup.xlsx", tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_cli_forms(tmp_path):
    runner = CliRunner()
    done = runner.invoke(
        app,
        [
            "forms",
            "--profile",
            "dingji",
            "--roster",
            str(ROUND / "roster.xlsx"),
            "--out",
            str(tmp_path / "空白 表"),
            "--year",
            "2027",
        ],
    )
    assert done.exit_code == 0, done.output
    assert "写入 18 个文件" in done.output and "附件2 自评表 5 份" in done.output and "无密码" in done.output
    done = runner.invoke(
        app, ["forms", "--profile", "nope", "--roster", str(ROUND / "roster.xlsx"), "--out", str(tmp_path)]
    )
    assert done.exit_code == 2 and "nope" in done.output
    done = runner.invoke(
        app, ["forms", "--profile", "dingji", "--roster", str(tmp_path / "x.xlsx"), "--out", str(tmp_path)]
    )
    assert done.exit_code == 2 and "找不到名册文件" in done.output
    help_text = runner.invoke(app, ["forms", "--help"]).output
    assert "空白表" in help_text and "blank forms" in help_text.replace("\n", " ")


def test_shengji_writes_its_own_forms_with_its_own_grades(tmp_path):
    """分类升级 reads no 附件2, so none is sent out; its titles say 分类升级; its grades are in the drop-downs."""
    result = api.forms("shengji", ROUND / "roster.xlsx", tmp_path / "o", year=2027)
    assert result.counts() == {
        "党组织名册": 2,
        "满意度测评汇总表": 2,
        "附件4 上级党组织评分定级表": 2,
        "党委研究决定调整表": 2,
        "附件3 满意度测评表": 5,
    }
    grades = '"' + ",".join(load_profile("shengji").grades) + '"'
    ws = load_workbook(by_kind(result, "score_sheet")[0].path).active
    assert (ws["A2"].value, guard_at(ws, "M6").formula1) == ("村党组织分类升级上级党组织评分定级表", grades)
    assert (guard_at(ws, "J6").promptTitle, guard_at(ws, "J6").formula2) == (
        "填写群众评价（0—25分）",
        "25",
    )  # typed here
    ws = load_workbook(by_kind(result, "decisions")[0].path).active
    assert (ws["A1"].value, guard_at(ws, "C4").formula1) == ("分类升级党委研究决定调整表", grades)
    for form in result.forms:
        assert read(form.path, "shengji").forms == [form.kind], form.path.name


def test_shengji_round_trip(tmp_path):
    """分类升级: the town types all seven scores (群众评价 too); filled by the plan, read without a problem."""
    book = load_workbook(ROUND / "roster.xlsx")
    for r, grade in zip(range(4, 9), ["先进", "中间", "后进", "中间", "先进"]):  # last year's classes of shengji
        book.active[f"G{r}"] = grade
    book.save(tmp_path / "名册.xlsx")
    result = api.forms("shengji", tmp_path / "名册.xlsx", tmp_path / "forms", year=2027)
    plan.fill(result)
    for form in by_kind(result, "score_sheet"):
        plan.type_into(form.path, form.cells, {(i, c): 20 for i, c in form.cells if c == "群众评价"})
    checked = api.check(api.RunOptions(tmp_path / "forms", "shengji", 2027))
    assert checked.exit_code == api.EXIT_OK and serious(checked.problems) == []
    table = {row["编号"]: row for row in checked.results.to_dict("records")}
    assert {i: dec(table[i]["考核得分"]) for i in table} == {i: sum(map(dec, plan.SCORES[i])) + 20 for i in NAMES}


@pytest.mark.parametrize(
    "kind, profile, title",
    [
        ("decisions", "dingji", "分类定级党委研究决定调整表"),
        ("decisions", "xingji-daan", "星级评定党委研究决定调整表"),
        ("decisions", "shixing", "“十星”创建党委研究决定调整表"),
        ("score_sheet", "dingji", "基层党组织分类定级上级党组织评分定级表"),
    ],
)
def test_titles_name_the_campaign(written, written_stars, written_ten, kind, profile, title):
    result = {"dingji": written, "xingji-daan": written_stars, "shixing": written_ten}[profile]
    ws = load_workbook(by_kind(result, kind)[0].path).active
    assert title in (ws["A1"].value, ws["A2"].value)
