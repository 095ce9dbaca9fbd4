"""收件进度: returns.csv, `missing-return` rows, 收件进度.pdf and 催报.txt on the real samples.

(The golden returns.csv of every profile's samples is compared in tests/test_golden.py.)
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from fenji.api import RunOptions, check, run
from fenji.core.documents import Plan, write_documents
from fenji.core.returns import COLUMNS
from fenji.core.returns_documents import with_returns
from fenji.systems import builtin_names

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
SURVEY = "满意度测评表（附件3）或测评汇总表中的一行"
PROFILES_WITH_GAPS = {
    "dingji": "白河镇",
    "shengji": "石板乡",
    "shixing": "三台乡",
    "xingji-daan": "新寨村",
    "gongxin": "温泉镇",
    "wuhao": "白河镇",
}


def _returns(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "returns.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _problems(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "problems.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def dingji_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dingji")
    run(RunOptions(SAMPLES / "dingji", "dingji", 2027, out, db=out / "fenji.db", documents=False))
    return out


def test_one_row_per_subject_and_needed_form(dingji_out: Path):
    table = _returns(dingji_out)
    assert list(table.columns) == COLUMNS
    subjects = pd.read_csv(dingji_out / "results.csv", dtype=str, encoding="utf-8-sig")
    assert len(table) == 3 * len(subjects)  # 自评表, the survey (either way), the 评分定级表 row
    assert set(table["表"]) == {"自评表（附件2）", SURVEY, "评分定级表（附件4）中的一行"}
    assert set(table["状态"]) <= {"已收", "缺报", "有错误", "已替代"}


def test_both_ungraded_branches_are_on_the_problem_list(dingji_out: Path):
    """沙坝村 (BH09) has no 评分定级表 row: a missing-return in the clerk's words; 高峰村 (BH06) sent one
    with an error: 有错误 in returns.csv, its error (file, sheet, cell) in problems.csv."""
    problems = _problems(dingji_out)
    missing = problems[problems["代码"] == "missing-return"]
    row = missing[missing["对象"] == "BH09"].iloc[0]
    assert row["级别"] == "错误"
    assert row["说明"].startswith("沙坝村党支部尚未报送评分定级表（附件4）中的一行")
    assert (row["文件"], row["工作表"]) == ("白河镇/白河镇党组织名册.xlsx", "名册") and row["单元格"]
    table = _returns(dingji_out).set_index(["编号", "表"])
    assert table.loc[("BH09", "评分定级表（附件4）中的一行"), "状态"] == "缺报"
    faulty = table.loc[("BH06", "评分定级表（附件4）中的一行")]
    assert (faulty["状态"], faulty["文件"]) == ("有错误", "白河镇/附件4-白河镇评分定级表.xlsx")
    assert {"BH06"} <= set(problems[problems["级别"] == "错误"]["对象"])
    results = pd.read_csv(dingji_out / "results.csv", dtype=str, encoding="utf-8-sig").set_index("编号")
    assert set(results.index[results["等次"] == "未评定"]) == {"BH06", "BH09"}


def test_a_survey_counts_when_it_comes_either_way(tmp_path: Path, dingji_out: Path):
    # 石门村's ballots name it 石们村 (not in the roster): its 汇总表 row brings the survey
    table = _returns(dingji_out).set_index(["编号", "表"])
    assert tuple(table.loc[("BH02", SURVEY), ["状态", "文件"]]) == ("已收", "白河镇/白河镇满意度测评汇总表.xlsx")
    # without the 汇总表 the other villages' ballots still bring it; 石门村's survey is then missing
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES / "dingji" / "白河镇", inbox)
    (inbox / "白河镇满意度测评汇总表.xlsx").unlink()
    result = check(RunOptions(inbox, "dingji", 2027, db=tmp_path / "fenji.db"))
    survey = {r.id: r for r in result.returns if r.form == SURVEY}
    assert survey["BH01"].status == "已收" and survey["BH01"].file.startswith("村级报送/附件3-")
    assert survey["BH02"].status == "缺报"
    messages = [p.message for p in result.problems if p.code == "missing-return" and p.subject == "BH02"]
    assert any(m.startswith(f"石门村党支部尚未报送{SURVEY}") for m in messages)


def test_a_committee_decision_replaces_a_missing_form(tmp_path: Path):
    from fenji.forms.samplebooks import decisions_book

    book = decisions_book("白河镇", [("BH09", "沙坝村党支部", "一般", "经党委研究", "2027年4月党委会")])
    book.save(tmp_path / "决定调整表.xlsx")
    options = RunOptions(SAMPLES / "dingji", "dingji", 2027, decisions=tmp_path / "决定调整表.xlsx", db=tmp_path / "x")
    rows = {(r.id, r.form): r for r in check(options).returns}
    assert rows[("BH09", "评分定级表（附件4）中的一行")].status == "已替代"


@pytest.mark.parametrize("name", builtin_names())
def test_every_profile_writes_returns(tmp_path: Path, name: str):
    run(RunOptions(SAMPLES / name, name, 2027, tmp_path, db=tmp_path / "fenji.db", documents=False))
    table = _returns(tmp_path)
    assert len(table) > 0 and list(table.columns) == COLUMNS
    problems = _problems(tmp_path)
    missing = problems[problems["代码"] == "missing-return"]
    assert len(missing) == (table["状态"] == "缺报").sum()
    assert (name in PROFILES_WITH_GAPS) == (len(missing) > 0)


@pytest.mark.parametrize("name", sorted(PROFILES_WITH_GAPS))
def test_progress_pdf_and_reminder_per_unit_with_gaps(tmp_path: Path, name: str):
    """Only the shared documents (the system's own planner left out, for speed): 收件进度.pdf and 催报.txt
    in the unit's folder, the overdue mark with a past --due."""
    due = dt.date.today() - dt.timedelta(days=3)
    options = RunOptions(SAMPLES / name, name, 2027, tmp_path, db=tmp_path / "fenji.db", due=due)
    outcome = check(options)
    written = write_documents(
        outcome, options, tmp_path, with_returns(lambda *args: Plan()), ROOT / "fenji" / "core" / "templates"
    )
    unit = PROFILES_WITH_GAPS[name]
    units = list(dict.fromkeys(r.unit for r in outcome.returns))
    assert sorted(written) == sorted(tmp_path / "documents" / u / "收件进度.pdf" for u in units)
    missing = [r for r in outcome.returns if r.status == "缺报"]
    text = _pdf_text(tmp_path / "documents" / unit / "收件进度.pdf")
    assert "收件进度" in text and missing[0].id in text and missing[0].form[:4] in text and "已逾期 3 天" in text
    reminder = (tmp_path / "documents" / unit / "催报.txt").read_text(encoding="utf-8")
    assert reminder.splitlines()[1] == "请以下村（社区）尽快报送：" and missing[0].name in reminder
    late = [p.message for p in outcome.problems if p.code == "missing-return"]
    assert late and all(f"（应于{due.month}月{due.day}日前报送，已逾期）" in m for m in late)


def test_reminder_names_the_deadline_before_it(tmp_path: Path):
    from fenji.core.returns import reminder_text

    due = dt.date.today() + dt.timedelta(days=5)
    options = RunOptions(SAMPLES / "dingji", "dingji", 2027, db=tmp_path / "fenji.db", due=due)
    outcome = check(options)
    missing = [r for r in outcome.returns if r.status == "缺报"]
    text = reminder_text("白河镇", missing, due, dt.date.today())
    assert f"请以下村（社区）于{due.month}月{due.day}日前报送：" in text
    assert "1. 石门村党支部：自评表（附件2）" in text and "2. 沙坝村党支部：评分定级表（附件4）中的一行" in text


def test_cli_summary_counts_missing_returns_per_unit(tmp_path: Path):
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "fenji"), "run", str(SAMPLES / "dingji"), "--profile", "dingji", "--year", "2027"]
        + ["--out", str(tmp_path / "out"), "--db", str(tmp_path / "fenji.db"), "--no-documents"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "缺报 2 份：白河镇 2 份" in done.stdout


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout


@pytest.mark.parametrize("name", sorted(set(builtin_names()) - set(PROFILES_WITH_GAPS)))
def test_a_unit_with_every_form_in_gets_a_progress_pdf_saying_so_and_no_reminder(tmp_path: Path, name: str):
    """收件进度.pdf for every unit, so a clerk can file that all is in; 催报.txt only where something is owed."""
    options = RunOptions(SAMPLES / name, name, 2027, tmp_path, db=tmp_path / "fenji.db")
    outcome = check(options)
    assert outcome.returns and all(r.status != "缺报" for r in outcome.returns)
    written = write_documents(
        outcome, options, tmp_path, with_returns(lambda *args: Plan()), ROOT / "fenji" / "core" / "templates"
    )
    assert written and all(path.name == "收件进度.pdf" for path in written)
    for path in written:
        text = "".join(_pdf_text(path).split())
        assert "已全部收齐" in text and "全部收齐，没有缺报的表" in text, path
        assert not (path.parent / "催报.txt").exists()


def test_a_rerun_renders_only_the_documents_that_changed(tmp_path: Path):
    """One file comes back in 白河镇: the documents whose HTML changed (its 收件进度; the run-wide report
    when it reads differently) are laid out again; 清溪镇's PDFs are the previous generation's (the same files, hard-linked)."""
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES / "dingji", inbox)
    late = inbox / "白河镇" / "村级报送" / "附件2-沙坝村党支部自评表.xlsx"
    held = tmp_path / late.name
    shutil.move(late, held)
    options = RunOptions(inbox, "dingji", 2027, tmp_path / "out", db=tmp_path / "fenji.db")
    options.notice_date = dt.date(2027, 4, 10)
    first = run(options)
    assert first.render_stats.reused == 0
    documents = tmp_path / "out" / "documents"
    before = {p.relative_to(documents): p.stat().st_ino for p in documents.rglob("*.pdf")}
    shutil.move(held, late)
    second = run(options)
    after = {p.relative_to(documents): p.stat().st_ino for p in documents.rglob("*.pdf")}
    qingxi = {p for p in after if p.parts[0] == "清溪镇"}
    assert qingxi and all(after[p] == before[p] for p in qingxi)  # kept, not laid out again
    progress = Path("白河镇") / "收件进度.pdf"  # 沙坝村 still owes its 评分定级表 row, no longer its 自评表
    assert after[progress] != before[progress]
    text = subprocess.run(["pdftotext", str(documents / progress), "-"], capture_output=True, text=True).stdout
    assert "BH09" in text and text.count("自评表（附件2）") == 1  # 石门村 (BH02) still owes its own
    changed = {p for p in after if after[p] != before.get(p)}
    assert changed <= {p for p in after if p.parts[0] == "白河镇"} | {
        Path("汇总报告.pdf")
    }  # (the report only if it reads differently)
    assert second.render_stats.reused == len(after) - len(changed) >= len(qingxi)
    assert set(after) == {p.relative_to(documents) for p in second.documents}
