"""`fenji forms`: blank forms laid out like the reference forms, guarded, and read back exactly.

The inputs are committed under tests/data/forms_roundtrip/ (written by its make.py, which also holds
the fill plan used here): a county roster, a village's star roster, and forms that fenji wrote, a
program filled and LibreOffice saved as genuine .xls and back, so no LibreOffice is needed here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

from fenji import api
from fenji.cli import app
from fenji.discover import InputFile
from fenji.problems import ERROR, WARNING, FatalError
from fenji.profiles import load_profile
from fenji.read import read_file

from helpers import DATA

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
    assert rel[:4] == ["清溪镇/清溪镇党组织名册.xlsx", "清溪镇/清溪镇满意度测评汇总表.xlsx",
                       "清溪镇/附件4-清溪镇评分定级表.xlsx", "清溪镇/清溪镇党委研究决定调整表.xlsx"]
    assert rel[4:6] == ["清溪镇/村级表格/QX01-清溪村党支部/附件2-清溪村党支部自评表.xlsx",
                        "清溪镇/村级表格/QX01-清溪村党支部/附件3-清溪村党支部满意度测评表.xlsx"]
    assert len(rel) == 2 * 4 + 5 * 2 and all((written.out / r).is_file() for r in rel)
    assert written.units == ["清溪镇", "白河镇"] and written.subjects == 5
    assert written.counts() == {"党组织名册": 2, "满意度测评汇总表": 2, "附件4 上级党组织评分定级表": 2,
                                "党委研究决定调整表": 2, "附件2 自评表": 5, "附件3 满意度测评表": 5}
    assert not list(written.out.rglob(".*"))          # no temporary files left behind


def test_every_written_form_is_recognised_by_its_title(written):
    for form in written.forms:
        result = read(form.path)
        assert result.forms == [form.kind], form.path.name
        assert serious(result.problems) == [], form.path.name


def test_written_roster_reads_back_as_the_input_roster(written):
    entries = records_of_file(by_kind(written, "roster")[1].path, "roster")
    assert [(e.id, e.name, e.unit, e.kind, e.members, e.secretary, e.last_grade) for e in entries] == [
        ("BH01", "白河村党支部", "白河镇", "行政村", 40, "王明", "较好"),
        ("BH02", "花园社区党支部", "白河镇", "社区", 55, "李红梅", "一般")]


def records_of_file(path: Path, kind: str, profile="dingji") -> list:
    return read(path, profile).records.get(kind, [])


# --- layout: as the reference forms in shared/standard/forms --------------------------------------

LAYOUT = {  # kind → (title cell, title, header row, headers, merged ranges, column widths A…)
    "self_eval": ("A2", "基层党组织分类定级自评表", 4, ["序号", "定级指标", "分值", "评分要点", "自评得分", "扣分说明"],
                  {"A2:F2", "A3:C3", "D3:F3", "B13:F13", "A14:F14"}, [6, 16, 8, 40, 10, 24]),
    "ballots": ("A2", "基层党组织分类定级党员群众满意度测评表", 4,
                ["票号", "测评人类别", "领导班子", "党员队伍", "工作机制", "工作业绩", "群众反映", "总体评价", "备注"],
                {"A2:I2", "A3:E3", "F3:I3", "A56:I56"}, [6, 12, 10, 10, 10, 10, 10, 10, 12]),
    "score_sheet": ("A2", "基层党组织分类定级上级党组织评分定级表", 4,
                    ["序号", "编号", "党组织名称", "定级指标得分", None, None, None, None, None, None, "总分", "否决情形",
                     "评定等次", "备注"],
                    {"A2:N2", "A3:F3", "G3:N3", "A4:A5", "B4:B5", "C4:C5", "D4:J4", "K4:K5", "L4:L5", "M4:M5", "N4:N5"},
                    [6, 8, 20, 9, 9, 9, 9, 9, 9, 9, 8, 16, 9, 16]),
    # the reference 汇总表 with an 编号 column after 序号, so that its rows match the roster by 编号
    "summary": ("A1", "基层党组织分类定级党员群众满意度测评汇总表", 3,
                ["序号", "编号", "党组织名称", "发放票数", "收回票数", "有效票数", "总体评价票数", None, None, None, "满意率", "备注"],
                {"A1:L1", "A2:H2", "I2:L2", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:F4", "G3:J3", "K3:K4", "L3:L4"},
                [6, 8, 22, 9, 9, 9, 8, 8, 8, 8, 10, 16]),
    "roster": ("A1", "基层党组织名册", 3, ["编号", "党组织名称", "所属乡镇", "党组织类型", "党员人数", "党组织书记", "上年等次"],
               {"A1:G1", "A2:G2"}, [10, 22, 12, 12, 10, 12, 10]),
    "decisions": ("A1", "分类定级党委研究决定调整表", 3, ["编号", "名称", "调整后等次", "理由", "会议及文号"],
                  {"A1:E1", "A2:E2"}, [10, 22, 12, 36, 26]),
}


@pytest.mark.parametrize("kind", sorted(LAYOUT))
def test_layout_as_reference(written, kind):
    ref, title, header, headers, merged, widths = LAYOUT[kind]
    ws = load_workbook(by_kind(written, kind)[0].path).active
    assert ws[ref].value == title
    assert [c.value for c in ws[header]][:len(headers)] == headers
    assert {str(r) for r in ws.merged_cells.ranges} == merged
    assert [ws.column_dimensions[chr(65 + i)].width for i in range(len(widths))] == widths


def test_labels_carry_names_and_ids(written):
    ws = load_workbook(by_kind(written, "self_eval")[0].path).active
    assert (ws["A1"].value, ws["A3"].value, ws["D3"].value) == ("附件2", "党组织名称（盖章）：清溪村党支部\u3000\u3000编号：QX01",
                                                                "填报日期：")
    ws = load_workbook(by_kind(written, "ballots")[0].path).active
    assert (ws["A3"].value, ws["F3"].value) == ("被测评党组织：清溪村党支部\u3000\u3000编号：QX01", "测评日期：")
    ws = load_workbook(by_kind(written, "score_sheet")[0].path).active
    assert [ws["D5"].value, ws["J5"].value] == ["党组织带头人（15分）", "群众评价（25分）"]
    assert [[c.value for c in row] for row in ws["A6:C8"]] == [[1, "QX01", "清溪村党支部"], [2, "QX02", "白岩村党支部"],
                                                               [3, "QX03", "梨树村党总支"]]
    ws = load_workbook(by_kind(written, "summary")[1].path).active
    assert [[c.value for c in row] for row in ws["A5:C6"]] == [[1, "BH01", "白河村党支部"], [2, "BH02", "花园社区党支部"]]
    assert ws["K5"].value == '=IF((G5+H5+I5)>0,(G5+H5)/(G5+H5+I5),"")'


# --- guards --------------------------------------------------------------------------------------

def test_input_cells_are_exactly_the_unlocked_and_guarded_cells(written):
    for form in written.forms:
        book = load_workbook(form.path)
        for ws in book.worksheets:
            assert ws.protection.sheet and not ws.protection.password, form.path.name
            unlocked = {c.coordinate for row in ws.iter_rows() for c in row
                        if c.protection.locked is False and type(c).__name__ == "Cell"}
            guarded = {f"{get_column_letter(col)}{row}" for dv in ws.data_validations.dataValidation
                       for rng in dv.sqref.ranges for row, col in rng.cells}
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


PRINT = {"self_eval": ("$4:$4", "portrait"), "ballots": ("$4:$4", "portrait"), "score_sheet": ("$4:$5", "landscape"),
         "summary": ("$3:$4", "landscape"), "roster": ("$3:$3", "portrait"), "decisions": ("$3:$3", "portrait")}


@pytest.mark.parametrize("kind", sorted(PRINT))
def test_print_setup(written, kind):
    ws = load_workbook(by_kind(written, kind)[0].path).active
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
        i: (plan.tally(plan.ballots(i)), len(plan.ballots(i)), dt.date(2027, 3, 30)) for i in idents}
    summaries = [t for t in records(result, "tallies") if not t.from_ballots]
    assert {t.id: (t.counts, t.returned, t.issued, t.name) for t in summaries} == {
        i: (plan.tally(plan.ballots(i)), len(plan.ballots(i)), len(plan.ballots(i)) + 2, NAMES[i]) for i in idents}
    rows = {r.id: r for r in records(result, "scores")}
    assert sorted(rows) == sorted(idents)
    for ident, row in rows.items():
        assert {k: v for k, v in row.scores.items() if v is not None} == {n: dec(v) for n, v in zip(plan.SIX, plan.SCORES[ident])}
        assert (row.name, row.veto, row.note, row.date) == (NAMES[ident], plan.VETO.get(ident, ""), plan.NOTES.get(ident, ""),
                                                           dt.date(2027, 4, 8))
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
    assert {i: table[i]["等次"] for i in table} == {"QX01": "一般", "QX02": "一般", "QX03": "较差", "BH01": "较差",
                                                  "BH02": "较好"}
    assert "经党委研究调整" in table["QX02"]["说明"] and "一票否决" in table["BH01"]["说明"]


def test_values_outside_the_guards_are_still_caught(tmp_path):
    """openpyxl ignores data validation, as a careless program or an old WPS would: reading still catches it."""
    result = api.forms("dingji", ROUND / "roster.xlsx", tmp_path / "out", year=2027)
    plan.fill(result)
    score, ballots = by_kind(result, "score_sheet")[0], by_kind(result, "ballots")[0]
    from fenji.formwriter import fill
    fill(score.path, score.cells, {("QX01", "党组织带头人"): 150, ("QX02", "工作思路"): "缺"})
    fill(ballots.path, ballots.cells, {(2, "总体评价"): "很满意"})
    assert [(p.level, p.code, p.cell) for p in read(score.path).problems] == [
        (ERROR, "score-out-of-range", "D6"), (ERROR, "score-not-numeric", "E7")]
    assert [(p.level, p.code, p.cell) for p in read(ballots.path).problems] == [(ERROR, "option-unknown", "H6")]


# --- paper ballots ---------------------------------------------------------------------------------

BAIHE = [r[0] for r in plan.ROSTER if r[2] == "白河镇"]


@pytest.fixture(scope="module")
def with_ballots(tmp_path_factory):
    """白河镇's forms with 3 ballots per branch (one town only: laying out PDFs takes a while)."""
    folder = tmp_path_factory.mktemp("ballots")
    book = load_workbook(ROUND / "roster.xlsx")
    book.active.delete_rows(4, 3)          # the three 清溪镇 rows
    book.save(folder / "白河镇名册.xlsx")
    return api.forms("dingji", folder / "白河镇名册.xlsx", folder / "out", year=2027, ballots=3)


def test_ballot_pdfs_one_per_branch(with_ballots):
    pdfs = by_kind(with_ballots, "ballot_pdf")
    assert [p.path.relative_to(with_ballots.out).as_posix() for p in pdfs] == [
        "白河镇/村级表格/BH01-白河村党支部/满意度测评票-白河村党支部.pdf",
        "白河镇/村级表格/BH02-花园社区党支部/满意度测评票-花园社区党支部.pdf"]
    assert [p.subject for p in pdfs] == BAIHE
    text = subprocess.run(["pdftotext", "-layout", str(pdfs[1].path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert text.count("基层党组织分类定级党员群众满意度测评票") == 3
    assert text.count("被测评党组织：花园社区党支部") == 3 and "白河村" not in text
    for word in ("领导班子", "党员队伍", "工作机制", "工作业绩", "群众反映", "总体评价", "基本满意", "不了解", "入党积极分子",
                 "本票不记名", "票号（计票时填写）"):
        assert word in text, word
    assert text.count("☐") == 3 * (6 * 4 + 5 + 1)      # options, categories, and one in the instructions
    assert text.count("\f") == 2                       # two ballots to a page: 3 ballots, 2 pages


def test_ballots_number_the_rows_and_prefill_issued(with_ballots):
    ws = load_workbook(by_kind(with_ballots, "ballots")[0].path).active
    assert [ws[f"A{r}"].value for r in range(5, 9)] == [1, 2, 3, None]
    assert ws["A9"].value.startswith("说明：") and "清除票号" in ws["A9"].value
    ws = load_workbook(by_kind(with_ballots, "summary")[0].path).active
    assert [ws[f"D{r}"].value for r in (5, 6)] == [3, 3]


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
        assert all(f.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1") for f in files)   # genuine Excel 97
    result = api.check(api.RunOptions(ROUND / folder, "dingji", 2027))
    assert result.exit_code == api.EXIT_OK and list(result.problems) == []
    assert_values_as_typed(result, towns=("清溪镇",))


# --- star profiles (xingji-*) and 十星 (shixing) ---------------------------------------------------

def star_forms(tmp_path: Path, profile: str, roster: Path):
    result = api.forms(profile, roster, tmp_path / profile, year=2027)
    plan.fill(result)
    return result, {f.kind: read(f.path, profile) for f in result.forms}


def test_xingji_daan_forms_round_trip(tmp_path):
    result, read_back = star_forms(tmp_path, "xingji-daan", ROUND / "star_roster.xlsx")
    assert [f.path.relative_to(result.out).as_posix() for f in result.forms] == [
        "大安村/大安村评定对象名册.xlsx", "大安村/大安村民主评议计分表.xlsx", "大安村/大安村领导小组评议表.xlsx",
        "大安村/大安村决定调整表.xlsx"]
    for kind, got in read_back.items():
        assert serious(got.problems) == [], kind
    votes = {v.id: v for v in read_back["public_votes"].records["public_votes"]}
    for ident, *_ in plan.STAR_ROSTER:
        typed = plan.public_scores(ident)
        assert votes[ident].scores == [dec(s) for s in typed if s] and votes[ident].blanks == typed.count(None)
        assert votes[ident].date == dt.date(2027, 1, 10)
    items = [i["name"] for i in load_profile("xingji-daan").stars["items"]]
    panel = {r.id: r for r in read_back["panel"].records["panel"]}
    for ident, *_ in plan.STAR_ROSTER:
        assert panel[ident].items == {i: dec(v) for i, v in plan.panel_scores(ident, items).items()}
        assert panel[ident].opinion == ("不同意" if ident == "DA003" else "同意")
    roster = read_back["star_roster"].records["star_roster"]
    assert [(e.id, e.name, e.category, e.last_grade, e.ineligible[:1]) for e in roster] == [
        ("DA001", "陈小秋", "党员干部", "三星", ""), ("DA002", "许正义", "党员干部", "", ""),
        ("DA003", "梁家富", "群众", "二星", ""), ("DA004", "何志平", "群众", "无", "3")]


def test_xingji_daan_panel_layout(tmp_path):
    result = api.forms("xingji-daan", ROUND / "star_roster.xlsx", tmp_path / "o", year=2027)
    book = load_workbook(by_kind(result, "panel")[0].path)
    ws = book.active
    assert book.sheetnames == ["领导小组评议"]
    assert [c.value for c in ws[3]] == ["编号", "姓名", "忠诚于党我带头（20分）", "服务人民我带头（20分）", "加快发展我带头（20分）",
                                       "优良作风我带头（20分）", "廉洁自律我带头（20分）", "合计", "审定意见", "备注"]
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
        "DA001": "同意", "DA002": "同意", "DA003": "不同意", "DA004": "同意"}


def test_shixing_forms_round_trip(tmp_path):
    result, read_back = star_forms(tmp_path, "shixing", ROUND / "roster.xlsx")
    assert result.counts() == {"党组织名册": 2, "十星评定表": 2, "党委研究决定调整表": 2}
    stars = load_profile("shixing").rules["stars"]
    rows = [r for f in result.forms if f.kind == "ten_stars" for r in read(f.path, "shixing").records["ten_stars"]]
    assert {r.id: r.marks for r in rows} == {
        i: {s: plan.ten_star_mark(i, s) == "达标" for s in stars} for i in NAMES}
    for form in result.forms:
        assert serious(read(form.path, "shixing").problems) == [], form.path.name


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
    done = runner.invoke(app, ["forms", "--profile", "dingji", "--roster", str(ROUND / "roster.xlsx"),
                               "--out", str(tmp_path / "空白 表"), "--year", "2027"])
    assert done.exit_code == 0, done.output
    assert "写入 18 个文件" in done.output and "附件2 自评表 5 份" in done.output and "无密码" in done.output
    done = runner.invoke(app, ["forms", "--profile", "nope", "--roster", str(ROUND / "roster.xlsx"), "--out", str(tmp_path)])
    assert done.exit_code == 2 and "nope" in done.output
    done = runner.invoke(app, ["forms", "--profile", "dingji", "--roster", str(tmp_path / "x.xlsx"), "--out", str(tmp_path)])
    assert done.exit_code == 2 and "找不到名册文件" in done.output
    help_text = runner.invoke(app, ["forms", "--help"]).output
    assert "空白表" in help_text and "blank forms" in help_text.replace("\n", " ")


def test_shengji_writes_the_dingji_forms_with_its_own_grades(tmp_path):
    result = api.forms("shengji", ROUND / "roster.xlsx", tmp_path / "o", year=2027)
    assert result.counts() == {"党组织名册": 2, "满意度测评汇总表": 2, "附件4 上级党组织评分定级表": 2,
                               "党委研究决定调整表": 2, "附件2 自评表": 5, "附件3 满意度测评表": 5}
    grades = '"' + ",".join(load_profile("shengji").grades) + '"'
    assert guard_at(load_workbook(by_kind(result, "score_sheet")[0].path).active, "M6").formula1 == grades
    assert guard_at(load_workbook(by_kind(result, "self_eval")[0].path).active, "B13").formula1 == grades
