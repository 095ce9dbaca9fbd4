"""wuhao (“五好”星级考评, rules.md §8): the seeded samples of both periods graded into one ledger,
every edge of the rules, --period against the score sheet, the ledger keyed by period (SQLite and
the PostgreSQL fixture), `fenji history`, the documents (the archive above all) and the blank forms."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from pg import postgres  # noqa: F401  (the fixture)

from fenji.api import EXIT_NOTHING_GRADED, RunOptions, forms, history, run
from fenji.core.ledger import MIGRATION_1, MIGRATION_2, MIGRATIONS, Ledger
from fenji.forms import writer as fw

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
FIRST, SECOND = SAMPLES / "wuhao-年初", SAMPLES / "wuhao"


def _run(inbox: Path, out: Path, db, period: str = "", documents: bool = False, year: int = 2027):
    return run(RunOptions(inbox, "wuhao", year, out, db=db, workers=1, documents=documents, period=period))


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> tuple[Path, object, object]:
    """年初 then 年底 (default period) into one ledger, with documents."""
    tmp = tmp_path_factory.mktemp("wuhao")
    db = tmp / "fenji.db"
    first = _run(FIRST, tmp / "年初", db, "年初", documents=True)
    second = _run(SECOND, tmp / "年底", db, documents=True)
    return tmp, first, second


def _by_id(result) -> pd.DataFrame:
    return result.results.set_index("编号")


def test_every_edge_of_the_rules_in_the_year_end_rating(both):
    _, first, second = both
    assert first.exit_code == 0 and second.exit_code == 1  # BH03 has no survey: 未评定
    r = _by_id(second)
    # exactly 16.0 is met; 15.95 is not
    assert r.loc["QX02", "领导班子好"] == "16" and r.loc["QX02", "等次"] == "五星"
    assert r.loc["QX03", "领导班子好"] == "15.95" and r.loc["QX03", "整改目标"] == "领导班子好"
    assert r.loc["QX03", "等次"] == "四星"
    # 群众反映好 = 20 × 满意率: 80 % → 16 (met), 76 % → 15.2 (not)
    assert (r.loc["BH04", "满意率"], r.loc["BH04", "群众反映好"]) == ("80.0%", "16")
    assert r.loc["QX06", "群众反映好"] == "15.2" and "群众反映好" in r.loc["QX06", "整改目标"]
    # 软弱涣散: four goods met, at most 二星, marked
    assert r.loc["QX04", "达标项"].count("、") == 3 and r.loc["QX04", "等次"] == "二星"
    assert "软弱涣散，最高二星" in r.loc["QX04", "说明"]
    # veto: all five met, 一星
    assert r.loc["QX05", "达标项"].count("、") == 4 and r.loc["QX05", "等次"] == "一星"
    assert "一票否决" in r.loc["QX05", "说明"]
    # movement against that year's 年初 (from the ledger)
    assert r.loc["QX01", "动态"] == "保持五星" and r.loc["QX01", "上次星级来源"] == "台账"
    assert r.loc["QX02", "动态"] == "晋位" and r.loc["QX06", "动态"] == "降位"
    assert (r.loc["BH03", "等次"], r.loc["BH03", "说明"], r.loc["BH03", "动态"]) == ("未评定", "缺满意度测评", "")
    assert r.loc["QX01", "得分"] == "90.0" and r.loc["QX04", "得分"] == "81.2"


def test_a_fall_is_a_warning_naming_the_goods_lost_or_the_cap_or_veto(both):
    _, _, second = both
    downs = {p.subject: p.message for p in second.problems if p.code == "rating-down"}
    assert set(downs) == {"QX04", "QX05", "QX06"}
    assert "失去：工作业绩好" in downs["QX06"] and "年初的四星降为三星" in downs["QX06"]
    assert "软弱涣散，最高二星" in downs["QX04"] and "一票否决" in downs["QX05"]


def test_the_first_period_compares_with_last_years_rating_from_the_roster(both):
    _, first, _ = both
    r = _by_id(first)
    assert (r.loc["QX02", "上次星级"], r.loc["QX02", "上次星级来源"], r.loc["QX02", "动态"]) == ("三星", "名册", "晋位")
    assert r.loc["QX04", "动态"] == ""  # no rating before


def test_run_json_has_the_success_rate_with_its_counts_and_the_service_share(both):
    tmp, _, _ = both
    info = json.loads((tmp / "年底" / "run.json").read_text(encoding="utf-8"))
    assert info["period"] == "年底"
    rate = info["晋位升级率"]
    assert (rate["比较对象"], rate["晋位"], rate["保持五星"], rate["持平"], rate["降位"]) == (9, 3, 2, 1, 3)
    assert rate["晋位升级率"] == "55.6%" and rate["达到目标"] is False  # (3 + 2) / 9
    assert "QX01 清溪村党支部" in rate["晋位升级"] and "QX06 河口村党支部（降位）" in rate["未晋位升级"]
    service = info["服务型"]
    assert (service["对象"], service["服务型"], service["占比"], service["达到目标"]) == (9, 7, "77.8%", True)


def test_the_ledger_keeps_both_periods_and_history_shows_them(both):
    tmp, _, _ = both
    rows = history("QX05", tmp / "fenji.db")
    assert [(r.year, r.period, r.grade) for r in rows] == [(2027, "年初", "三星"), (2027, "年底", "一星")]
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "fenji", "history", "QX05", "--db", str(tmp / "fenji.db")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stdout.splitlines()
    assert lines[1].startswith("2027年初\twuhao") and lines[2].startswith("2027年底\twuhao") and "三星" in lines[1]


def test_rerunning_a_period_replaces_only_that_period(both, tmp_path: Path):
    tmp, _, _ = both
    db = tmp_path / "fenji.db"
    shutil.copyfile(tmp / "fenji.db", db)
    _run(SECOND, tmp_path / "again", db)
    with Ledger(db) as ledger:
        assert len(ledger.results("wuhao", 2027, "年初")) == 10 and len(ledger.results("wuhao", 2027, "年底")) == 10
        assert [r["period"] for r in ledger.runs()] == ["年初", "年底", "年底"]


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_archive_has_a_contents_page_and_every_rating_per_organisation(both):
    tmp, _, second = both
    archive = tmp / "年底" / "documents" / "清溪镇" / "清溪镇基层党组织星级档案（建档立册）.pdf"
    text = _pdf_text(archive)
    assert "目 录" in text or "目　录" in text
    for name in ("清溪村党支部", "石桥村党支部", "柳湾社区党支部", "镇机关党支部", "宏达公司党支部", "河口村党支部"):
        assert f"{name}星级档案" in text
    assert text.count("2027年年初") >= 6 and text.count("2027年年底") >= 6  # both ratings in every section
    assert "整改目标" in text and "发展集体经济，补齐工作业绩" in text  # the town's 整改措施
    info = subprocess.run(["pdfinfo", str(archive)], capture_output=True, text=True).stdout
    assert "Pages:           7" in info  # contents + one page per organisation


def test_public_notice_shows_stars_only_and_letters_name_the_goods_to_improve(both):
    tmp, _, _ = both
    folder = tmp / "年底" / "documents" / "清溪镇"
    notice = _pdf_text(folder / "清溪镇2027年年底“五好”星级考评结果公示.pdf")
    assert "宏达公司党支部" in notice and "重大安全事故" not in notice and "90.0" not in notice
    letter = _pdf_text(folder / "通知书" / "QX06河口村党支部2027年年底星级通知书.pdf")
    assert "工作业绩好、群众反映好" in letter and "整改目标" in letter and "降位" in letter
    report = _pdf_text(tmp / "年底" / "documents" / "汇总报告.pdf")
    assert "55.6%" in report and "QX06 河口村党支部（降位）" in report.replace("\n", "")


def test_a_score_sheet_of_the_other_period_is_an_error_and_not_used(tmp_path: Path):
    result = _run(SECOND, tmp_path / "out", tmp_path / "fenji.db", "年初")
    mismatches = [p for p in result.problems if p.code == "period-mismatch"]
    assert len(mismatches) == 2 and all(p.cell == "E2" and "填写为“年底”" in p.message for p in mismatches)
    assert set(result.results["等次"]) == {"未评定"}


def test_period_is_checked_against_the_profile(tmp_path: Path):
    bad = _run(SECOND, tmp_path / "a", tmp_path / "fenji.db", "年中")
    assert bad.exit_code == EXIT_NOTHING_GRADED and "年初 或 年底" in bad.message
    yearly = run(RunOptions(SAMPLES / "dingji", "dingji", 2027, tmp_path / "b", documents=False, period="年初"))
    assert yearly.exit_code == EXIT_NOTHING_GRADED and "--period" in yearly.message


def _old_ledger(db: Path) -> None:
    """A ledger of schema 002 (before periods), holding one shixing result."""
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
        for statement in MIGRATION_1 + MIGRATION_2:
            connection.execute(statement.replace("{pk}", "INTEGER PRIMARY KEY AUTOINCREMENT"))
        connection.execute("INSERT INTO migrations VALUES ('001_runs_inputs_results', '2026-12-30T10:00:00')")
        connection.execute("INSERT INTO migrations VALUES ('002_result_details', '2026-12-30T10:00:00')")
        connection.execute(
            "INSERT INTO runs (profile, profile_sha256, year, finished, fenji_version, exit_status, units) "
            "VALUES ('shixing', 'abc', 2026, '2026-12-30T10:00:00', '0.0.9', 0, '[\"庆阳湖乡\"]')"
        )
        connection.execute(
            "INSERT INTO results VALUES ('shixing', 2026, '庆阳湖乡', 'XQ01', 1, '西庆村党支部', '', "
            "'7', '七星', '[]', '{}', '{\"领导核心星\": \"达标\"}')"
        )


def test_an_older_ledger_is_upgraded_in_place_to_periods(tmp_path: Path):
    db = tmp_path / "old.db"
    _old_ledger(db)
    with Ledger(db) as ledger:
        assert ledger.applied == [name for name, _ in MIGRATIONS] and ledger.applied[-1] == "003_run_period"
        kept = ledger.results("shixing", 2026)["XQ01"]
        assert (kept.grade, kept.period, kept.details) == ("七星", "", {"领导核心星": "达标"})
        assert ledger.runs()[0]["period"] == ""
    with sqlite3.connect(db) as connection:
        keys = [row[1] for row in connection.execute("PRAGMA table_info(results)") if row[5]]
    assert keys == ["profile", "year", "period", "unit", "subject_id"]
    # the same ledger then takes both periods of wuhao
    _run(FIRST, tmp_path / "a", db, "年初")
    _run(SECOND, tmp_path / "b", db)
    assert [r.period for r in history("QX01", db)] == ["年初", "年底"]


def test_both_periods_on_the_postgresql_ledger(postgres, tmp_path: Path):  # noqa: F811
    url = postgres.database("periods")
    _run(FIRST, tmp_path / "a", url, "年初")
    second = _run(SECOND, tmp_path / "b", url)
    assert _by_id(second).loc["QX02", "动态"] == "晋位" and _by_id(second).loc["QX02", "上次星级来源"] == "台账"
    assert [(r.period, r.grade) for r in history("QX04", url)] == [("年初", "三星"), ("年底", "二星")]
    assert postgres.query("periods", "SELECT period, COUNT(*) FROM results GROUP BY period ORDER BY period") == [
        ("年初", 10),
        ("年底", 10),
    ]


def test_the_blank_score_sheet_has_the_period_drop_down_and_reads_back(tmp_path: Path):
    written = forms("wuhao", FIRST / "清溪镇" / "清溪镇党组织名册.xlsx", tmp_path / "forms", 2027)
    sheet = next(f for f in written.forms if f.kind == "star_score_sheet")
    assert {f.kind for f in written.forms} >= {"roster", "summary", "ballots", "decisions", "star_score_sheet"}
    from openpyxl import load_workbook

    ws = load_workbook(sheet.path).active
    drop_downs = [dv.formula1 for dv in ws.data_validations.dataValidation if "E2" in str(dv.sqref)]
    assert drop_downs == ['"考评阶段：年初,考评阶段：年底"']
    values = {("", "考评阶段"): "考评阶段：年初", ("", "考评日期"): "考评日期：2027年3月20日"}
    for ident in ("QX01", "QX02", "QX03", "QX04", "QX05", "QX06"):
        values.update({(ident, c): 17 for c in ("领导班子好", "党员队伍好", "工作机制好", "工作业绩好")})
        values[(ident, "软弱涣散")] = "否"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(FIRST / "清溪镇" / "清溪镇党组织名册.xlsx", inbox / "名册.xlsx")
    shutil.copyfile(FIRST / "清溪镇" / "清溪镇满意度测评汇总表.xlsx", inbox / "汇总表.xlsx")
    fw.fill(sheet.path, sheet.cells, values, inbox / "评分表.xlsx")
    result = _run(inbox, tmp_path / "out", tmp_path / "fenji.db", "年初")
    r = _by_id(result)
    assert [p.code for p in result.problems if p.level == "错误"] == []
    assert r.loc["QX01", "等次"] == "五星" and r.loc["QX04", "等次"] == "四星"  # 76 %: 群众反映好 not met


def test_the_survey_good_is_tested_exactly_not_after_rounding(tmp_path: Path):
    """满意率 79.98 % gives 群众反映好 15.996: printed so, and not 好 (rounded it would be 16.00)."""
    from fenji.forms.samplebooks import Branch, summary_book

    inbox = tmp_path / "inbox"
    shutil.copytree(FIRST / "清溪镇", inbox)
    branch = Branch("QX01", "清溪村党支部", "清溪镇", "农村", 30, "", "")
    counts = {"满意": 3999, "基本满意": 0, "不满意": 1001, "不了解": 0}
    summary_book("清溪镇", 2027, [(branch, counts, 5000, "")]).save(inbox / "清溪镇满意度测评汇总表.xlsx")
    r = _by_id(_run(inbox, tmp_path / "out", tmp_path / "fenji.db", "年初"))
    assert (r.loc["QX01", "满意率"], r.loc["QX01", "群众反映好"]) == ("80.0%", "15.996")
    assert r.loc["QX01", "整改目标"] == "群众反映好" and r.loc["QX01", "等次"] == "四星"


def test_a_veto_is_a_ceiling_of_one_star_never_a_lift_from_none(tmp_path: Path):
    """rules.md §8: a veto → 一星 and "no criterion met → 无星"; the veto only brings a grade down
    (§0: "a subject forced down by a veto"), so a vetoed organisation that met no good stays 无星
    (profile `veto.cap = true`) while a vetoed five-good one falls to 一星."""
    from fenji.forms.samplebooks import Branch, summary_book

    written = forms("wuhao", FIRST / "清溪镇" / "清溪镇党组织名册.xlsx", tmp_path / "forms", 2027)
    sheet = next(f for f in written.forms if f.kind == "star_score_sheet")
    values = {("", "考评阶段"): "考评阶段：年初", ("", "考评日期"): "考评日期：2027年3月20日"}
    for ident in ("QX01", "QX02", "QX03", "QX04", "QX05", "QX06"):
        points = 10 if ident == "QX01" else 18
        values.update({(ident, c): points for c in ("领导班子好", "党员队伍好", "工作机制好", "工作业绩好")})
        values[(ident, "软弱涣散")] = "否"
    values[("QX01", "否决情形")] = "发生重大安全事故"
    values[("QX02", "否决情形")] = "严重违纪"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(FIRST / "清溪镇" / "清溪镇党组织名册.xlsx", inbox / "名册.xlsx")
    fw.fill(sheet.path, sheet.cells, values, inbox / "评分表.xlsx")
    low = {"满意": 50, "基本满意": 0, "不满意": 50, "不了解": 0}
    high = {"满意": 90, "基本满意": 0, "不满意": 10, "不了解": 0}
    rows = [
        (Branch(i, n, "清溪镇", "农村", 30, "", ""), low if i == "QX01" else high, 100, "")
        for i, n in [("QX01", "清溪村党支部"), ("QX02", "石桥村党支部"), ("QX03", "柳湾社区党支部")]
        + [("QX04", "镇机关党支部"), ("QX05", "宏达公司党支部"), ("QX06", "河口村党支部")]
    ]
    summary_book("清溪镇", 2027, rows).save(inbox / "汇总表.xlsx")
    result = _run(inbox, tmp_path / "out", tmp_path / "fenji.db", "年初")
    r = _by_id(result)
    assert r.loc["QX01", "达标项"] == "" and r.loc["QX01", "等次"] == "无星"
    assert "一票否决" in r.loc["QX01", "说明"]  # still on the internal record
    assert r.loc["QX02", "等次"] == "一星" and r.loc["QX03", "等次"] == "五星"
