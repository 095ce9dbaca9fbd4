"""The ledger (台账): a real SQLite file in tmp_path, two years in sequence, re-runs, an old schema upgraded."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fenji import ledger as ledger_module
from fenji.api import RunOptions, check, run
from fenji.history import load_history
from fenji.ledger import MIGRATION_1, MIGRATIONS, Ledger, LedgerError, RunRecord, SubjectRecord
from fenji.profiles import load_profile
from fenji.samples_ledger import write_shengji_samples

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"


def _run(inbox: Path, year: int, db: Path, out: Path, profile: str = "shengji"):
    return run(RunOptions(inbox, profile, year, out, db=db, documents=False))


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchone()[0]


def test_two_years_in_sequence(tmp_path: Path):
    db = tmp_path / "台账 2027.db"
    first = _run(SAMPLES / "shengji-2026", 2026, db, tmp_path / "2026")
    second = _run(SAMPLES / "shengji", 2027, db, tmp_path / "2027")
    assert first.exit_code == 0 and second.exit_code == 1      # 2027 has a 未评定 on purpose
    assert _count(db, "SELECT COUNT(*) FROM runs") == 2
    assert _count(db, "SELECT COUNT(*) FROM results WHERE year = 2026") == 16
    assert _count(db, "SELECT COUNT(*) FROM results WHERE year = 2027") == 16
    with Ledger(db) as ledger:
        history = ledger.history("LQ08")
        assert [(r.year, r.grade, r.markers) for r in history] == [(2026, "先进", []), (2027, "后进", ["一票否决"])]
        kept = ledger.results("shengji", 2027)["LQ01"]
        assert kept.score == "90.0" and kept.details["满意率"] == "92.5%" and "临界" in kept.markers
        assert kept.sources["党组织带头人"].endswith("验收考核评分表!D6")
    table = second.results.set_index("编号")
    assert set(table.loc[table["上年等次"] != "", "上年等次来源"]) == {"台账"}
    assert table.loc["SB09", "上年等次"] == ""                   # new this year: no history


def test_rerun_of_the_same_year_replaces_its_results_and_keeps_the_runs(tmp_path: Path):
    db = tmp_path / "fenji.db"
    _run(SAMPLES / "shengji-2026", 2026, db, tmp_path / "a")
    _run(SAMPLES / "shengji", 2027, db, tmp_path / "b")
    _run(SAMPLES / "shengji", 2027, db, tmp_path / "c")
    assert _count(db, "SELECT COUNT(*) FROM runs") == 3
    assert _count(db, "SELECT COUNT(*) FROM results") == 32
    assert _count(db, "SELECT COUNT(DISTINCT run_id) FROM results WHERE year = 2027") == 1
    assert _count(db, "SELECT MAX(run_id) FROM results WHERE year = 2027") == 3
    assert _count(db, "SELECT COUNT(*) FROM inputs WHERE run_id = 2") == _count(db, "SELECT COUNT(*) FROM inputs WHERE run_id = 3")


def test_rerun_of_one_town_replaces_only_that_town(tmp_path: Path):
    db = tmp_path / "fenji.db"
    _run(SAMPLES / "shengji", 2027, db, tmp_path / "all")
    _run(SAMPLES / "shengji" / "龙泉乡", 2027, db, tmp_path / "one")
    assert _count(db, "SELECT COUNT(*) FROM results WHERE unit = '石板乡' AND run_id = 1") == 8
    assert _count(db, "SELECT COUNT(*) FROM results WHERE unit = '龙泉乡' AND run_id = 2") == 8
    assert _count(db, "SELECT COUNT(*) FROM results") == 16


def test_inputs_are_recorded_with_sha256_and_forms(tmp_path: Path):
    db = tmp_path / "fenji.db"
    _run(SAMPLES / "shengji", 2027, db, tmp_path / "out")
    with Ledger(db) as ledger:
        (kept,) = ledger.runs()
        inputs = {path: (sha, forms) for path, sha, forms in ledger.inputs(kept["id"])}
    assert kept["profile"] == "shengji" and kept["year"] == 2027 and len(kept["profile_sha256"]) == 64
    assert kept["profile_sha256"] == load_profile("shengji").sha256 and kept["exit_status"] == 1
    assert inputs["龙泉乡/附件4-龙泉乡验收考核评分表.xlsx"][1] == ["score_sheet"]
    assert inputs["石板乡/石板乡党组织名册.xlsx"][1] == ["roster"]
    assert all(len(sha) == 64 for sha, _ in inputs.values())


def test_only_a_run_that_writes_outputs_writes_the_ledger(tmp_path: Path):
    db = tmp_path / "fenji.db"
    check(RunOptions(SAMPLES / "shengji", "shengji", 2027, db=db))
    run(RunOptions(SAMPLES / "shengji", "shengji", 2027, db=db))          # no --out: nothing written
    assert not db.exists()


def _old_ledger(db: Path) -> None:
    """A ledger as the first schema wrote it: raw SQL of migration 1 only, one run and one result."""
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
        for statement in MIGRATION_1:
            connection.execute(statement.replace("{pk}", "INTEGER PRIMARY KEY AUTOINCREMENT"))
        connection.execute("INSERT INTO migrations VALUES ('001_runs_inputs_results', '2026-12-30T10:00:00')")
        connection.execute("INSERT INTO runs (profile, profile_sha256, year, finished, fenji_version, exit_status) "
                           "VALUES ('shengji', 'abc', 2026, '2026-12-30T10:00:00', '0.0.9', 0)")
        connection.execute("INSERT INTO results VALUES ('shengji', 2026, '石板乡', 'SB04', 1, '黄泥村党支部', '', "
                           "'62.0', '后进', '[]', '{}')")


def test_a_ledger_of_the_older_schema_is_upgraded_by_migration(tmp_path: Path):
    db = tmp_path / "old.db"
    _old_ledger(db)
    with Ledger(db) as ledger:
        assert ledger.applied == [name for name, _ in MIGRATIONS]
        old = ledger.results("shengji", 2026)["SB04"]
        assert (old.grade, old.score, old.details) == ("后进", "62.0", {})
    with sqlite3.connect(db) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM migrations ORDER BY name")]
        columns = [row[1] for row in connection.execute("PRAGMA table_info(results)")]
    assert names == ["001_runs_inputs_results", "002_result_details"] and "details" in columns
    history = load_history(db, load_profile("shengji"), 2027)
    assert history.kept["SB04"].grade == "后进"
    result = _run(SAMPLES / "shengji", 2027, db, tmp_path / "out")
    assert result.results.set_index("编号").loc["SB04", "上年等次来源"] == "台账"
    assert _count(db, "SELECT COUNT(*) FROM results") == 17


def test_a_ledger_of_a_newer_fenji_is_refused(tmp_path: Path):
    db = tmp_path / "new.db"
    Ledger(db).close()
    with sqlite3.connect(db) as connection:
        connection.execute("INSERT INTO migrations VALUES ('999_future', '2030-01-01')")
    with pytest.raises(LedgerError, match="更新版本"):
        Ledger(db)


def test_a_file_that_is_not_a_ledger_is_a_clear_error(tmp_path: Path):
    db = tmp_path / "fenji.db"
    db.write_text("这不是数据库\n" * 200, encoding="utf-8")
    with pytest.raises(LedgerError, match="不是可用的台账数据库"):
        Ledger(db)
    result = _run(SAMPLES / "shengji", 2027, tmp_path / "missing" / "fenji.db", tmp_path / "out")
    assert result.exit_code == 1 and "ledger-write-failed" in {p.code for p in result.problems}


def test_a_database_url_needs_sqlalchemy(monkeypatch):
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)         # as if it were not installed
    with pytest.raises(LedgerError, match="SQLAlchemy") as caught:
        Ledger("postgresql+psycopg://fenji:secret@db.example/county")
    assert "secret" not in str(caught.value) and "fenji:***@" in str(caught.value)


def test_a_sqlite_url_is_a_file(tmp_path: Path):
    with Ledger(f"sqlite:///{tmp_path / 'url.db'}") as ledger:
        ledger.record(RunRecord("shixing", "x" * 64, 2027, []), [SubjectRecord("A1", "甲村", "甲乡", "", "7", "七星")])
    assert _count(tmp_path / "url.db", "SELECT COUNT(*) FROM results") == 1
    assert ledger_module.exists(f"sqlite:///{tmp_path / 'url.db'}")


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path):
    db = tmp_path / "fenji.db"
    good = SubjectRecord("A1", "甲村", "甲乡", "", "7", "七星")
    bad = SubjectRecord("A2", None, "甲乡", "", "7", "七星")       # NOT NULL name: the insert fails
    with Ledger(db) as ledger:
        ledger.record(RunRecord("shixing", "x" * 64, 2026, [("a.xlsx", "0" * 64, ["roster"])]), [good])
        with pytest.raises(sqlite3.IntegrityError):
            ledger.record(RunRecord("shixing", "x" * 64, 2026, [("b.xlsx", "1" * 64, ["roster"])]), [good, bad])
        assert len(ledger.runs()) == 1 and list(ledger.results("shixing", 2026)) == ["A1"]
    assert _count(db, "SELECT COUNT(*) FROM inputs") == 1


def test_history_command(tmp_path: Path):
    db = tmp_path / "fenji.db"
    _run(SAMPLES / "shengji-2026", 2026, db, tmp_path / "a")
    _run(SAMPLES / "shengji", 2027, db, tmp_path / "b")
    done = subprocess.run([sys.executable, "-m", "fenji", "history", "LQ05", "--db", str(db)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [line.split("\t") for line in done.stdout.strip().splitlines()]
    assert lines[0][:6] == ["年度", "规则", "单位", "名称", "得分", "等次"]
    assert [(l[0], l[4], l[5]) for l in lines[1:]] == [("2026", "65.0", "后进"), ("2027", "76.0", "中间")]
    missing = subprocess.run([sys.executable, "-m", "fenji", "history", "LQ05", "--db", str(tmp_path / "none.db")],
                             capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert missing.returncode == 2 and "不存在" in missing.stderr + missing.stdout


def test_the_generator_writes_both_years(tmp_path: Path):
    write_shengji_samples(tmp_path)
    assert (tmp_path / "shengji-2026" / "石板乡" / "石板乡党组织名册.xlsx").is_file()
    assert (tmp_path / "shengji" / "石板乡" / "石板乡党组织名册.xlsx").is_file()
