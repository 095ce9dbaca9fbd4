"""shixing (村级组织“十星”创建): stars earned, stars to earn next year, last year's count from the ledger."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fenji.api import RunOptions, check, run
from fenji.core.profiles import ProfileError
from fenji.forms.samplebooks import Branch, roster_book
from fenji.systems import builtin_text, load_profile
from fenji.systems.shixing.samples import ten_stars_book, write_shixing_samples
from fenji.systems.shixing.score import star_count

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
GOLDEN = ROOT / "tests" / "golden" / "shixing.csv"
PROFILE = load_profile("shixing")


def _sample(tmp_path: Path, with_last_year: bool):
    db = tmp_path / "fenji.db"
    if with_last_year:
        run(RunOptions(SAMPLES / "shixing-2026", "shixing", 2026, tmp_path / "2026", db=db, documents=False))
    return run(RunOptions(SAMPLES / "shixing", "shixing", 2027, tmp_path / "2027", db=db, documents=False))


def test_sample_matches_golden(tmp_path: Path):
    result = _sample(tmp_path, with_last_year=False)
    assert result.exit_code == 1  # a star typed 基本达标, a village not on the sheet
    produced = pd.read_csv(tmp_path / "2027" / "results.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    golden = pd.read_csv(GOLDEN, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(produced, golden)


def test_sample_is_what_the_generator_writes(tmp_path: Path):
    write_shixing_samples(tmp_path)
    for folder in ("shixing", "shixing-2026"):
        committed = sorted(
            p.relative_to(SAMPLES / folder).as_posix() for p in (SAMPLES / folder).rglob("*") if p.is_file()
        )
        fresh = sorted(
            p.relative_to(tmp_path / folder).as_posix() for p in (tmp_path / folder).rglob("*") if p.is_file()
        )
        assert committed == fresh
    a = check(RunOptions(SAMPLES / "shixing", "shixing", 2027, db=tmp_path / "none.db"))
    b = check(RunOptions(tmp_path / "shixing", "shixing", 2027, db=tmp_path / "none.db"))
    pd.testing.assert_frame_equal(a.results, b.results)


def test_stars_earned_and_next_targets(tmp_path: Path):
    result = _sample(tmp_path, with_last_year=False)
    table = result.results.set_index("编号")
    assert tuple(table.loc["XQ01", ["得分", "等次", "下年创建目标"]]) == ("9", "九星", "能力提升星")
    assert tuple(table.loc["ST01", ["得分", "等次", "下年创建目标"]]) == ("10", "十星", "")
    assert table.loc["ST03", "村容整洁星"] == "未达标"  # typed 不达标: the profile accepts it
    assert tuple(table.loc["XQ06", ["得分", "等次", "说明"]]) == ("", "未评定", "十星评定不完整")
    assert tuple(table.loc["ST04", ["得分", "等次", "说明"]]) == ("", "未评定", "缺十星评定")
    errors = {(p.code, p.cell, p.subject) for p in result.problems if p.level == "错误"}
    assert errors == {("star-mark-unknown", "H9", "XQ06"), ("missing-return", "A7", "ST04")}


def test_year_on_year_from_the_ledger(tmp_path: Path):
    result = _sample(tmp_path, with_last_year=True)
    table = result.results.set_index("编号")
    assert tuple(table.loc["XQ01", ["上年等次", "上年等次来源", "星数变化"]]) == ("七星", "台账", "增2星")
    assert tuple(table.loc["XQ04", ["上年等次", "上年等次来源", "星数变化"]]) == ("八星", "台账", "减1星")
    assert tuple(table.loc["XQ02", ["上年等次", "星数变化"]]) == ("十星", "持平")
    assert tuple(table.loc["ST05", ["上年等次", "星数变化"]]) == ("", "")  # new village
    mismatches = [(p.subject, p.cell) for p in result.problems if p.code == "history-mismatch"]
    assert mismatches == [("XQ04", "A7")]


def test_year_on_year_from_the_roster(tmp_path: Path):
    table = _sample(tmp_path, with_last_year=False).results.set_index("编号")
    assert tuple(table.loc["XQ04", ["上年等次", "上年等次来源", "星数变化"]]) == ("九星", "名册", "减2星")


@pytest.mark.parametrize(
    "typed, count",
    [
        ("七星", 7),
        ("七星村", 7),
        ("7星", 7),
        ("7", 7),
        ("十星", 10),
        ("10星", 10),
        ("零星", 0),
        ("★★★", 3),
        ("十一星", None),
        ("很好", None),
    ],
)
def test_star_counts_as_typed(typed, count):
    assert star_count(typed, PROFILE) == count


def test_the_form_under_another_profile_is_not_used(tmp_path: Path):
    branches = [Branch("A1", "甲村党支部", "甲乡", "行政村", 30, "张三", "")]
    roster_book("甲乡", 2027, branches).save(tmp_path / "名册.xlsx")
    ten_stars_book("甲乡", 2027, [(branches[0], [1])]).save(tmp_path / "十星.xlsx")
    result = check(RunOptions(tmp_path, "dingji", 2027))
    assert ("form-not-used", "十星.xlsx") in {(p.code, p.file) for p in result.problems}
    stars = check(RunOptions(tmp_path, "shixing", 2027, db=tmp_path / "none.db"))
    assert stars.exit_code == 0 and tuple(stars.results.iloc[0][["得分", "等次"]]) == ("9", "九星")


def test_a_missing_star_column_is_an_error(tmp_path: Path):
    branches = [Branch("A1", "甲村党支部", "甲乡", "行政村", 30, "张三", "")]
    roster_book("甲乡", 2027, branches).save(tmp_path / "名册.xlsx")
    book = ten_stars_book("甲乡", 2027, [(branches[0], [])])
    book.active["L3"] = "廉洁星"
    book.save(tmp_path / "十星.xlsx")
    result = check(RunOptions(tmp_path, "shixing", 2027, db=tmp_path / "none.db"))
    # the sheet yields no row, so 甲村's row of the 十星评定表 is also still to come
    errors = [(p.code, p.cell) for p in result.problems if p.level == "错误"]
    assert errors == [("column-missing", "A3"), ("missing-return", "A4")]
    assert "清正廉洁星" in next(p.message for p in result.problems if p.code == "column-missing")
    assert result.results.iloc[0]["说明"] == "缺十星评定"


def test_bands_must_match_the_stars(tmp_path: Path):
    text = builtin_text("shixing")
    path = tmp_path / "my.toml"
    path.write_text(text.replace('"村风文明星", "清正廉洁星"]', '"村风文明星"]'), encoding="utf-8")
    with pytest.raises(ProfileError, match="ten_stars.names"):
        load_profile(path)


# --- documents (one town, rendered once; read back with pdftotext) -----------------------------

import datetime as dt  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402


def flat(pdf: Path) -> str:
    """The PDF's text in drawing order without white space (poppler-utils must be installed)."""
    done = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return re.sub(r"\s+", "", done.stdout)


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    base = tmp_path_factory.mktemp("shixing-documents")
    db = base / "fenji.db"
    run(RunOptions(SAMPLES / "shixing-2026", "shixing", 2026, base / "2026", db=db, documents=False))
    result = run(
        RunOptions(
            SAMPLES / "shixing" / "庆阳湖乡",
            "shixing",
            2027,
            base / "2027",
            db=db,
            notice_date=dt.date(2027, 4, 10),
            workers=1,
        )
    )
    return result, base / "2027" / "documents"


def test_document_files_carry_unit_year_and_kind(documents):
    result, folder = documents
    assert "template-error" not in {p.code for p in result.problems}
    names = {p.relative_to(folder).as_posix() for p in result.documents}
    stem = "庆阳湖乡/庆阳湖乡2027年度十星创建"
    assert {f"{stem}十星评定汇总表.pdf", f"{stem}结果公示.pdf", "汇总报告.pdf"} <= names
    assert "庆阳湖乡/通知书/XQ04北湖村党支部十星创建结果通知书.pdf" in names and len(names) == 3 + 6 + 1  # + 收件进度


def test_star_sheet_lists_stars_and_next_targets(documents):
    _, folder = documents
    sheet = flat(folder / "庆阳湖乡" / "通知书" / "XQ04北湖村党支部十星创建结果通知书.pdf")
    assert "达标7星（共10星），为“七星村”，上年为“八星”，减1星" in sheet
    assert "先锋模范星、能力提升星、村风文明星。" in sheet
    assert "村风文明星未达标达标" in sheet  # this year, last year (from the ledger)


def test_notice_groups_villages_by_stars(documents):
    _, folder = documents
    notice = flat(folder / "庆阳湖乡" / "庆阳湖乡2027年度十星创建结果公示.pdf")
    assert "七星村2北湖村党支部、红星村党支部" in notice and "十星村1东庆村党支部" in notice
    assert "另有1个村党组织的评定结果尚未确定" in notice and "基本达标" not in notice


def test_table_and_report(documents):
    _, folder = documents
    table = flat(folder / "庆阳湖乡" / "庆阳湖乡2027年度十星创建十星评定汇总表.pdf")
    assert "内部资料" in table and "达标村数" in table
    report = flat(folder / "汇总报告.pdf")
    assert "各星达标情况" in report and "北湖村党支部XQ04八星七星减1星" in report
