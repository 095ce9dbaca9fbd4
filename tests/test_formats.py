"""Any workbook from any producer (issue 13): .et/.ods/.xlsb read like .xlsx, OOXML packages with odd
part names or Excel 4 macro sheets, BIFF files bounded before calamine, parser panics and dying
workers reduced to one problem row, and a corpus of other projects' spreadsheet test files
(tests/data/realworld/README.md) dropped beside a healthy town.
"""

from __future__ import annotations

import csv
import json
import os
import re
import resource
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fenji.api import RunOptions, check
from fenji.core.discover import InputFile, sha256_file
from fenji.core.isolate import IsolatedReader
from fenji.core.problems import ERROR, NOTICE
from fenji.core.workbook import Limits, WorkbookError, read_workbook
from fenji.core.xlsscan import scan_biff
from fenji.forms.read import read_file
from fenji.systems import load_profile

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
REALWORLD = DATA / "realworld"
TOWN = ROOT / "sample_workbooks" / "dingji" / "清溪镇"
ROSTER_XLSX = DATA / "xlsx" / "roster.xlsx"
ROSTER_XLS = DATA / "xls" / "roster.xls"
DINGJI = load_profile("dingji")
SUFFIXES = (".xls", ".xlsx", ".xlsm", ".xlsb", ".ods", ".et")


def item_for(path: Path, inbox: Path | None = None) -> InputFile:
    stat = path.stat()
    rel = path.relative_to(inbox).as_posix() if inbox else path.name
    return InputFile(path, rel, stat.st_size, stat.st_mtime, sha256_file(path))


def codes(result) -> list[tuple[str, str]]:
    return [(p.level, p.code) for p in result.problems]


def rewrite_zip(
    source: Path,
    target: Path,
    rename=lambda name: name,
    edit=lambda name, data: data,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A copy of an .xlsx with its part names and contents transformed (the producer quirks below)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(rename(info.filename), edit(info.filename, old.read(info)))
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def town_grades(result) -> dict[str, str]:
    graded = result.results.set_index("编号")["等次"].to_dict()
    return {k: v for k, v in graded.items() if k.startswith("QX")}


@pytest.fixture(scope="module")
def xlsx_town_grades():
    return town_grades(check(RunOptions(TOWN, "dingji", 2027)))


# --- formats --------------------------------------------------------------------------------------


def test_libreoffice_ods_town_grades_as_the_xlsx_town(xlsx_town_grades):
    """The sample town saved by LibreOffice as .ods (tests/data/ods_town) grades exactly the same."""
    result = check(RunOptions(DATA / "ods_town", "dingji", 2027))
    assert town_grades(result) == xlsx_town_grades
    assert not [p for p in result.problems if p.code in ("workbook-corrupt", "not-a-workbook", "internal-error")]


def test_xlsb_and_ods_from_calamine_are_read():
    for name in ("base.xlsb", "base.ods", "any_sheets.xlsb", "any_sheets.ods"):
        sheets = read_workbook(REALWORLD / "python-calamine" / name)
        assert sheets and any(any(v is not None for row in s.rows for v in row) for s in sheets), name


@pytest.mark.parametrize("quirk", ["backslashes", "lowercase-content-types", "other-folder"])
def test_ooxml_part_name_quirks_are_read_when_the_content_is_a_workbook(tmp_path, quirk):
    if quirk == "backslashes":
        target = rewrite_zip(
            ROSTER_XLSX, tmp_path / "名册.xlsx", rename=lambda n: n.replace("/", "\\") if n.startswith("xl/") else n
        )
    elif quirk == "lowercase-content-types":
        target = rewrite_zip(
            ROSTER_XLSX, tmp_path / "名册.xlsx", rename=lambda n: n.lower() if n.startswith("[") else n
        )
    else:
        target = rewrite_zip(
            ROSTER_XLSX,
            tmp_path / "名册.xlsx",
            rename=lambda n: "book/" + n[3:] if n.startswith("xl/") else n,
            edit=lambda n, d: d.replace(b"/xl/", b"/book/").replace(b'"xl/', b'"book/'),
        )
    result = read_file(item_for(target), DINGJI)
    assert result.forms == ["roster"], codes(result)


def test_a_zip_that_is_no_spreadsheet_is_still_refused(tmp_path):
    target = tmp_path / "资料.xlsx"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(WorkbookError) as raised:
        read_workbook(target)
    assert raised.value.code == "not-a-workbook"


MACRO_REL = (
    b'<Relationship Id="rIdM1" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" '
    b'Target="macrosheets/sheet1.xml"/>'
)
MACRO_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData>'
    b'<row r="1"><c r="A1"><f>HALT()</f></c></row></sheetData></xm:macrosheet>'
)


def with_macro_sheet(target: Path) -> Path:
    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return re.sub(rb"(<sheets>)", rb'\1<sheet name="Macro1" sheetId="99" r:id="rIdM1"/>', data, count=1)
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", MACRO_REL + b"</Relationships>")
        if name == "[Content_Types].xml":
            return data.replace(
                b"</Types>",
                b'<Override PartName="/xl/macrosheets/sheet1.xml" '
                b'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>',
            )
        return data

    return rewrite_zip(ROSTER_XLSX, target, edit=edit, extra={"xl/macrosheets/sheet1.xml": MACRO_SHEET})


def test_excel4_macro_sheet_is_skipped_with_a_notice_and_the_worksheets_read(tmp_path):
    target = with_macro_sheet(tmp_path / "名册.xlsm")
    with zipfile.ZipFile(target) as archive:
        assert b"r:id" in archive.read("xl/workbook.xml") and b"Macro1" in archive.read("xl/workbook.xml")
    result = read_file(item_for(target), DINGJI)
    assert result.forms == ["roster"]
    (notice,) = [p for p in result.problems if p.code == "macro-sheet-skipped"]
    assert notice.level == NOTICE and notice.sheet == "Macro1" and "宏表" in notice.message


def test_rows_with_only_a_height_down_to_the_last_row_are_not_cells(tmp_path):
    """Excel and WPS write <row r="1048576" ht=…/> (and styled empty cells) when a clerk formats a column."""

    def edit(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            tail = (
                b'<row r="1048575" ht="20" customHeight="1"><c r="XFD1048575" s="1"/></row>'
                b'<row r="1048576" ht="20" customHeight="1"/>'
            )
            return data.replace(b"</sheetData>", tail + b"</sheetData>")
        return data

    target = rewrite_zip(ROSTER_XLSX, tmp_path / "名册.xlsx", edit=edit)
    result = read_file(item_for(target), DINGJI)
    assert result.forms == ["roster"], codes(result)


# --- BIFF: bounded before calamine, encryption named ---------------------------------------------


def claims_whole_grid(target: Path) -> Path:
    """roster.xls whose DIMENSIONS record claims 65 536 × 256 (calamine would reserve ~0.7 GB for it)."""
    data = bytearray(ROSTER_XLS.read_bytes())
    at = data.find(b"\x00\x02\x0e\x00")  # DIMENSIONS, BIFF8 (14 bytes)
    assert at > 0
    struct.pack_into("<IIHH", data, at + 4, 0, 65536, 0, 256)
    target.write_bytes(bytes(data))
    return target


def test_xls_claiming_the_whole_grid_is_refused_before_calamine(tmp_path):
    target = claims_whole_grid(tmp_path / "名册.xls")
    (sheet,) = scan_biff(target.read_bytes()).sheets
    assert sheet.claimed == (65536, 256) and sheet.used == (7, 7)
    with pytest.raises(WorkbookError) as raised:
        read_workbook(target)
    assert raised.value.code == "too-many-cells" and "名册" in raised.value.message


def test_xor_or_rc4_protected_xls_is_encrypted_not_corrupt():
    for path in (REALWORLD / "python-calamine" / "password.xls", DATA / "xls" / "encrypted.xls"):
        assert scan_biff(path.read_bytes()).encrypted
        with pytest.raises(WorkbookError) as raised:
            read_workbook(path)
        assert raised.value.code == "workbook-encrypted", path.name


def test_password_ods_and_xlsb_are_encrypted():
    for name in ("password.ods", "password.xlsb", "password.xlsx"):
        with pytest.raises(WorkbookError) as raised:
            read_workbook(REALWORLD / "python-calamine" / name)
        assert raised.value.code == "workbook-encrypted", name


# --- crashes: a panic, a dying worker --------------------------------------------------------------


def test_a_parser_panic_is_one_corrupt_row_in_process():
    """python-calamine raises pyo3's PanicException (a BaseException) on these fuzzed files."""
    for path in sorted((REALWORLD / "fuzzed").glob("*.xls")):
        result = read_file(item_for(path), DINGJI)
        assert codes(result) == [(ERROR, "workbook-corrupt")], path.name


def test_a_worker_that_dies_is_its_files_row_and_the_batch_goes_on(tmp_path):
    """With the cell limit lifted and a small memory ceiling, calamine's reservation for the claimed
    grid fails inside the worker, which aborts: that file is one row, the files after it are read."""
    claims_whole_grid(tmp_path / "大.xls")
    shutil.copyfile(ROSTER_XLSX, tmp_path / "a名册.xlsx")
    shutil.copyfile(ROSTER_XLS, tmp_path / "z名册.xls")
    files = [item_for(tmp_path / n) for n in ("a名册.xlsx", "大.xls", "z名册.xls")]
    limits = Limits(max_cells=10**9, max_memory_bytes=64 * 1024 * 1024)
    for workers in (1, 2):
        with IsolatedReader(DINGJI, workers, limits) as reader:
            results = reader.read(files)
            assert reader.replaced == 1
        assert [r.rel for r in results] == ["a名册.xlsx", "大.xls", "z名册.xls"]
        assert results[0].forms == ["roster"] and results[2].forms == ["roster"]
        assert codes(results[1]) == [(ERROR, "reader-crashed")]
        assert "大.xls" == results[1].problems[0].file and "另存为" in results[1].problems[0].message


# --- the real-world corpus beside a healthy town ---------------------------------------------------


def corpus_files() -> list[Path]:
    return sorted(p for p in REALWORLD.rglob("*") if p.suffix.lower() in SUFFIXES)


def test_corpus_is_small_and_documented():
    files = corpus_files()
    assert len(files) >= 40
    assert sum(p.stat().st_size for p in REALWORLD.rglob("*") if p.is_file()) < 3 * 1024 * 1024
    readme = (REALWORLD / "README.md").read_text(encoding="utf-8")
    for folder in {p.relative_to(REALWORLD).parts[0] for p in files}:
        assert f"`{folder}/`" in readme, folder


def test_realworld_corpus_beside_the_town(tmp_path, xlsx_town_grades):
    inbox = tmp_path / "inbox"
    shutil.copytree(TOWN, inbox / "清溪镇")
    shutil.copytree(REALWORLD, inbox / "realworld")
    (inbox / "crafted").mkdir()
    grids = [claims_whole_grid(inbox / "crafted" / f"全表格式{n}.xls") for n in (1, 2)]  # one per worker
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fenji",
            "run",
            str(inbox),
            "--profile",
            "dingji",
            "--year",
            "2027",
            "--out",
            str(tmp_path / "out"),
            "--db",
            str(tmp_path / "fenji.db"),
            "--workers",
            "2",
            "--no-documents",
            "--notice-date",
            "2027-04-10",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "panicked" not in done.stderr, done.stderr
    with open(tmp_path / "out" / "problems.csv", encoding="utf-8-sig", newline="") as handle:
        problems = list(csv.DictReader(handle))
    with open(tmp_path / "out" / "results.csv", encoding="utf-8-sig", newline="") as handle:
        grades = {r["编号"]: r["等次"] for r in csv.DictReader(handle) if r["编号"].startswith("QX")}
    assert grades == xlsx_town_grades
    inputs = {i["path"]: i for i in json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))["inputs"]}
    for path in corpus_files():
        rel = "realworld/" + path.relative_to(REALWORLD).as_posix()
        rows = [p for p in problems if p["文件"] == rel]
        assert rel in inputs and (rows or inputs[rel]["forms"]), rel  # every file read or reported
        errors = [p for p in rows if p["级别"] == ERROR and p["代码"] != "missing-return"]  # (no 自评表 sent)
        assert len(errors) <= 1, (rel, errors)  # a bad file is listed once
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in p["说明"]) for p in rows)
    assert not [p for p in problems if p["代码"] == "internal-error"]
    for grid in grids:
        rows = [p for p in problems if p["文件"] == f"crafted/{grid.name}"]
        assert [p["代码"] for p in rows] == ["too-many-cells"], rows
    fuzzed = [p for p in problems if p["文件"].startswith("realworld/fuzzed/")]
    assert {p["代码"] for p in fuzzed} == {"workbook-corrupt"}
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # the largest process waited for
    assert peak < 1024**3


# --- rows after a table's end ----------------------------------------------------------------------

BALLOTS = TOWN / "村级报送" / "附件3-松林村党支部满意度测评表.xlsx"


def ballots_below_the_note(target: Path) -> Path:
    """The 松林村 ballots typed under the 说明： line instead of above it (row 5 is the 说明 line)."""
    import openpyxl

    book = openpyxl.load_workbook(BALLOTS)
    sheet = book.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "票号")
    note = next(r for r in rows if isinstance(r[0], str) and r[0].startswith("说明"))
    ballots = [r for r in rows[header + 1 :] if isinstance(r[0], (int, float))]
    sheet.delete_rows(header + 2, sheet.max_row)
    for r, values in enumerate([note] + ballots, start=header + 2):
        for c, value in enumerate(values, start=1):
            sheet.cell(r, c, value)
    book.save(target)
    return target


def test_ballots_below_the_note_line_are_reported_and_the_summary_is_used(tmp_path, xlsx_town_grades):
    inbox = tmp_path / "inbox"
    shutil.copytree(TOWN, inbox / "清溪镇")
    target = ballots_below_the_note(inbox / "清溪镇" / "村级报送" / BALLOTS.name)
    result = check(RunOptions(inbox, "dingji", 2027))
    rel = target.relative_to(inbox).as_posix()
    (below,) = [p for p in result.problems if p.code == "rows-below-end"]
    assert (below.file, below.cell) == (rel, "A5")
    assert "说明行下方还有 36 行数据未读取（第 6 行至第 41 行）" in below.message
    (empty,) = [p for p in result.problems if p.code == "survey-no-ballots"]
    assert empty.file == rel and empty.level == "警告" and rel in empty.message
    row = result.results.set_index("名称").loc["松林村党支部"]
    assert row["等次"] not in ("未评定", "待定")
    assert "无有效票" not in str(row["说明"])


# --- a formula saved without its result -------------------------------------------------------------

SCORE_SHEET = TOWN / "附件4-清溪镇评分定级表.xlsx"


def formula_without_result(target: Path, ref: str) -> Path:
    """附件4 with cell `ref` turned into a formula that has no saved value (as generators write them)."""
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"([^>]*?)(?:/>|>.*?</c>)', re.S)

    def edit(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            data, count = pattern.subn(
                lambda m: (
                    b'<c r="'
                    + ref.encode()
                    + b'"'
                    + re.sub(rb'\s+t="[^"]*"', b"", m.group(1))
                    + b"><f>SUM(C1:C2)</f></c>"
                ),
                data,
            )
            assert count == 1
        return data

    return rewrite_zip(SCORE_SHEET, target, edit=edit)


def test_a_formula_without_a_saved_result_is_named_as_such(tmp_path):
    plain = check(RunOptions(TOWN, "dingji", 2027))
    inbox = tmp_path / "inbox"
    shutil.copytree(TOWN, inbox / "清溪镇")
    formula_without_result(inbox / "清溪镇" / SCORE_SHEET.name, "D6")
    result = check(RunOptions(inbox, "dingji", 2027))
    new = [p for p in result.problems if p.cell == "D6" and p.file.endswith(SCORE_SHEET.name)]
    assert new and not [p for p in plain.problems if p.cell == "D6" and p.file.endswith(SCORE_SHEET.name)]
    assert new[0].message.startswith("单元格 D6 是公式，但文件中没有保存计算结果：请用 Excel 或 WPS 打开后保存再报送")


def test_a_worker_that_hangs_is_stopped_at_the_deadline_and_the_batch_goes_on(tmp_path):
    """A worker frozen mid-file (SIGSTOP: as stuck as a parser in an endless loop) is killed at the
    hard deadline (2 × seconds + 5 s); its file is one row and a fresh worker reads the rest."""
    import signal
    import threading
    import time

    sys.path.insert(0, str(DATA / "hostile"))
    import make

    big = make.many_rows(tmp_path)
    shutil.copyfile(ROSTER_XLSX, tmp_path / "名册.xlsx")
    files = [item_for(big, tmp_path), item_for(tmp_path / "名册.xlsx")]
    with IsolatedReader(DINGJI, 1, Limits(seconds=0.5)) as reader:

        def freeze():
            while not any(w.jobs for w in reader.pool):
                time.sleep(0.01)
            os.kill(reader.pool[0].process.pid, signal.SIGSTOP)

        threading.Thread(target=freeze, daemon=True).start()
        results = reader.read(files)
        assert reader.replaced == 1
    assert codes(results[0]) == [(ERROR, "file-time-budget")] and "已强行停止" in results[0].problems[0].message
    assert results[1].forms == ["roster"]


def test_a_total_saved_as_a_formula_without_result_is_recomputed_silently(tmp_path):
    """forms.md: totals are recomputed, never trusted; a 总分 formula without its result is no problem."""
    inbox = tmp_path / "inbox"
    shutil.copytree(TOWN, inbox / "清溪镇")
    formula_without_result(inbox / "清溪镇" / SCORE_SHEET.name, "K8")
    result = check(RunOptions(inbox, "dingji", 2027))
    assert not [p for p in result.problems if p.cell == "K8" and p.file.endswith(SCORE_SHEET.name)]
