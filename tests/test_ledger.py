"""The ledger (台账): a real SQLite file in tmp_path, two years in sequence, re-runs, an old schema upgraded."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fenji.api import RunOptions, check, run
from fenji.core import ledger as ledger_module
from fenji.core.history import load_history
from fenji.core.ledger import MIGRATION_1, MIGRATIONS, Ledger, LedgerError, RunRecord, SubjectRecord
from fenji.systems import load_profile
from fenji.systems.shengji.samples import write_shengji_samples

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
    assert first.exit_code == 0 and second.exit_code == 1  # 2027 has a 未评定 on purpose
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
    assert table.loc["SB09", "上年等次"] == ""  # new this year: no history


def test_rerun_of_the_same_year_replaces_its_results_and_keeps_the_runs(tmp_path: Path):
    db = tmp_path / "fenji.db"
    _run(SAMPLES / "shengji-2026", 2026, db, tmp_path / "a")
    _run(SAMPLES / "shengji", 2027, db, tmp_path / "b")
    _run(SAMPLES / "shengji", 2027, db, tmp_path / "c")
    assert _count(db, "SELECT COUNT(*) FROM runs") == 3
    assert _count(db, "SELECT COUNT(*) FROM results") == 32
    assert _count(db, "SELECT COUNT(DISTINCT run_id) FROM results WHERE year = 2027") == 1
    assert _count(db, "SELECT MAX(run_id) FROM results WHERE year = 2027") == 3
    assert _count(db, "SELECT COUNT(*) FROM inputs WHERE run_id = 2") == _count(
        db, "SELECT COUNT(*) FROM inputs WHERE run_id = 3"
    )


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
    run(RunOptions(SAMPLES / "shengji", "shengji", 2027, db=db))  # no --out: nothing written
    assert not db.exists()


def _old_ledger(db: Path) -> None:
    """A ledger as the first schema wrote it: raw SQL of migration 1 only, one run and one result."""
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
        for statement in MIGRATION_1:
            connection.execute(statement.replace("{pk}", "INTEGER PRIMARY KEY AUTOINCREMENT"))
        connection.execute("INSERT INTO migrations VALUES ('001_runs_inputs_results', '2026-12-30T10:00:00')")
        connection.execute(
            "INSERT INTO runs (profile, profile_sha256, year, finished, fenji_version, exit_status) "
            "VALUES ('shengji', 'abc', 2026, '2026-12-30T10:00:00', '0.0.9', 0)"
        )
        connection.execute(
            "INSERT INTO results VALUES ('shengji', 2026, '石板乡', 'SB04', 1, '黄泥村党支部', '', "
            "'62.0', '后进', '[]', '{}')"
        )


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
    assert names == ["001_runs_inputs_results", "002_result_details", "003_run_period"] and "details" in columns
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
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)  # as if it were not installed
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
    bad = SubjectRecord("A2", None, "甲乡", "", "7", "七星")  # NOT NULL name: the insert fails
    with Ledger(db) as ledger:
        ledger.record(RunRecord("shixing", "x" * 64, 2026, [("a.xlsx", "0" * 64, ["roster"])]), [good])
        with pytest.raises(LedgerError, match="写入台账数据库 .* 失败"):
            ledger.record(RunRecord("shixing", "x" * 64, 2026, [("b.xlsx", "1" * 64, ["roster"])]), [good, bad])
        assert len(ledger.runs()) == 1 and list(ledger.results("shixing", 2026)) == ["A1"]
    assert _count(db, "SELECT COUNT(*) FROM inputs") == 1


def test_history_command(tmp_path: Path):
    db = tmp_path / "fenji.db"
    _run(SAMPLES / "shengji-2026", 2026, db, tmp_path / "a")
    _run(SAMPLES / "shengji", 2027, db, tmp_path / "b")
    done = subprocess.run(
        [sys.executable, "-m", "fenji", "history", "LQ05", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = [line.split("\t") for line in done.stdout.strip().splitlines()]
    assert lines[0][:6] == ["年度", "规则", "单位", "名称", "得分", "等次"]
    assert [(l[0], l[4], l[5]) for l in lines[1:]] == [("2026", "65.0", "后进"), ("2027", "76.0", "中间")]
    missing = subprocess.run(
        [sys.executable, "-m", "fenji", "history", "LQ05", "--db", str(tmp_path / "none.db")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert missing.returncode == 2 and "不存在" in missing.stderr + missing.stdout


def test_the_generator_writes_both_years(tmp_path: Path):
    write_shengji_samples(tmp_path)
    assert (tmp_path / "shengji-2026" / "石板乡" / "石板乡党组织名册.xlsx").is_file()
    assert (tmp_path / "shengji" / "石板乡" / "石板乡党组织名册.xlsx").is_file()


# --- xingji-daan: the one-step rule (第五条) fed from the ledger alone ---------------------------


def _daan_village(folder: Path, year: int, people: list) -> Path:
    """One village's roster, 民主评议计分表 and 领导小组评议表 (panel items all 20: 领导小组评议 100)."""
    from fenji.systems.xingji.samples import panel_grid, roster_grid, save, votes_grid

    items = ["忠诚于党我带头", "服务人民我带头", "加快发展我带头", "优良作风我带头", "廉洁自律我带头"]
    save([roster_grid("甲村", year, people)], folder / "甲村" / "甲村评定对象名册.xlsx")
    save([votes_grid("甲村", f"{year}年1月10日", people, 3)], folder / "甲村" / "甲村民主评议计分表.xlsx")
    save([panel_grid("甲村", f"{year}年1月12日", people, items)], folder / "甲村" / "甲村领导小组评议表.xlsx")
    return folder


def _daan_people(public: dict[str, int], previous: dict[str, str] | None = None) -> list:
    """final = 0.8 × public + 0.2 × 100: public 65 → 72 一星, 50 → 60 不列入, 77 → 81.6 三星, 83 → 86.4 四星."""
    from fenji.systems.xingji.samples import Person

    previous = previous or {}
    return [
        Person(
            ident, name, "党员干部", "第1党支部", previous=previous.get(ident, ""), votes=[score] * 3, items=[20] * 5
        )
        for (ident, score), name in zip(public.items(), ["赵甲", "钱乙", "孙丙", "李丁"])
    ]


def test_one_step_rule_from_the_ledger_alone(tmp_path: Path):
    db = tmp_path / "fenji.db"
    first = _daan_village(tmp_path / "2026", 2026, _daan_people({"P1": 65, "P2": 50, "P3": 77, "P4": 60}))
    done = _run(first, 2026, db, tmp_path / "a", profile="xingji-daan")
    assert done.results.set_index("编号")["等次"].to_dict() == {
        "P1": "一星",
        "P2": "不列入星级",
        "P3": "三星",
        "P4": "不列入星级",
    }
    # 2027: the roster's 上次星级 is left blank, except P3's typed wrong (ledger 三星, roster 二星)
    second = _daan_village(
        tmp_path / "2027", 2027, _daan_people({"P1": 90, "P2": 83, "P3": 83, "P4": 62}, {"P3": "二星"})
    )
    result = _run(second, 2027, db, tmp_path / "b", profile="xingji-daan")
    table = result.results.set_index("编号")
    assert table["等次"].to_dict() == {"P1": "二星", "P2": "一星", "P3": "四星", "P4": "不列入星级"}
    assert "限晋一级" in table.loc["P1", "说明"] and "限晋一级" in table.loc["P2", "说明"]
    assert "限晋一级" not in table.loc["P3", "说明"]
    assert table["上次星级"].to_dict() == {"P1": "一星", "P2": "无", "P3": "三星", "P4": "无"}
    mismatch = [p for p in result.problems if p.code == "history-mismatch"]
    assert (
        [p.subject for p in mismatch] == ["P3"] and "上次星级" in mismatch[0].message and "三星" in mismatch[0].message
    )
    # without the ledger the same folder is a first rating for P1, P2 (P1's 五星 is over the 5 % cap of
    # 4 subjects, 0) and P3's roster 二星 caps it at 三星
    alone = _run(second, 2027, tmp_path / "empty.db", tmp_path / "c", profile="xingji-daan")
    table = alone.results.set_index("编号")
    assert table["等次"].to_dict() == {"P1": "四星", "P2": "四星", "P3": "三星", "P4": "不列入星级"}
    assert "超比例调整" in table.loc["P1", "说明"] and "限晋一级" in table.loc["P3", "说明"]


# --- SQLAlchemy URLs (the optional extra): SQLite through SQLAlchemy, PostgreSQL when one is given ----


def _alchemy_targets(tmp_path: Path) -> list[str]:
    """`sqlite+pysqlite:///` always; a PostgreSQL URL from FENJI_TEST_POSTGRES_URL when set (a scratch database)."""
    import os

    targets = [f"sqlite+pysqlite:///{tmp_path / 'alchemy.db'}"]
    if os.environ.get("FENJI_TEST_POSTGRES_URL"):
        targets.append(os.environ["FENJI_TEST_POSTGRES_URL"])
    return targets


def _drop_all(url: str) -> None:
    """Empty a PostgreSQL scratch database, so that the test starts from no ledger."""
    if not url.startswith("postgresql"):
        return
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        for table in ("results", "inputs", "runs", "migrations"):
            connection.execute(sqlalchemy.text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()


def test_two_years_and_a_rerun_through_a_sqlalchemy_url(tmp_path: Path):
    import sqlalchemy  # noqa: F401  (in the test extra: a missing one fails here, never skips)

    for url in _alchemy_targets(tmp_path):
        _drop_all(url)
        assert ledger_module.exists(url) == url.startswith("postgresql")  # reading never creates a file
        _run(SAMPLES / "shengji-2026", 2026, url, tmp_path / "a")
        _run(SAMPLES / "shengji", 2027, url, tmp_path / "b")
        second = _run(SAMPLES / "shengji", 2027, url, tmp_path / "c")
        with Ledger(url) as ledger:
            assert type(ledger.store).__name__ == "_AlchemyStore" and ledger.applied == [n for n, _ in MIGRATIONS]
            assert [r["id"] for r in ledger.runs()] == [1, 2, 3]
            assert len(ledger.results("shengji", 2026)) == 16 and len(ledger.results("shengji", 2027)) == 16
            assert {r.run_id for r in ledger.results("shengji", 2027).values()} == {3}
            assert [(r.year, r.grade) for r in ledger.history("LQ05")] == [(2026, "后进"), (2027, "中间")]
        table = second.results.set_index("编号")
        assert table.loc["SB04", "上年等次"] == "后进" and table.loc["SB04", "上年等次来源"] == "台账"
        assert "history-mismatch" in {p.code for p in second.problems}
        assert "ledger-write-failed" not in {p.code for p in second.problems}
        _drop_all(url)


def test_an_older_schema_is_upgraded_through_a_sqlalchemy_url(tmp_path: Path):
    import sqlalchemy  # noqa: F401  (in the test extra: a missing one fails here, never skips)

    db = tmp_path / "old.db"
    _old_ledger(db)
    with Ledger(f"sqlite+pysqlite:///{db}") as ledger:
        assert ledger.applied == [name for name, _ in MIGRATIONS]
        assert ledger.results("shengji", 2026)["SB04"].details == {}
        run_id = ledger.record(
            RunRecord("shengji", "b" * 64, 2027, [("a.xlsx", "0" * 64, ["roster"])]),
            [SubjectRecord("SB04", "黄泥村党支部", "石板乡", "", "66.0", "后进", details={"满意率": "65.0%"})],
        )
    assert run_id == 2 and _count(db, "SELECT COUNT(*) FROM results") == 2


def test_sqlalchemy_errors_are_ledger_errors(tmp_path: Path):
    import sqlalchemy  # noqa: F401  (in the test extra: a missing one fails here, never skips)

    bad = tmp_path / "bad.db"
    bad.write_text("这不是数据库\n" * 200, encoding="utf-8")
    with pytest.raises(LedgerError, match="不是可用的台账数据库"):
        Ledger(f"sqlite+pysqlite:///{bad}")
    with pytest.raises(LedgerError, match="无法连接台账数据库"):
        Ledger(f"sqlite+pysqlite:///{tmp_path / 'no such folder' / 'x.db'}")
    with pytest.raises(LedgerError, match="无法连接台账数据库 mysql") as caught:
        Ledger("mysql+nosuchdriver://fenji:secret@127.0.0.1/county")  # a driver that is not installed
    assert "secret" not in str(caught.value)
    good = SubjectRecord("A1", "甲村", "甲乡", "", "7", "七星")
    with Ledger(f"sqlite+pysqlite:///{tmp_path / 'ok.db'}") as ledger:
        with pytest.raises(LedgerError, match="本次结果未写入台账"):
            ledger.record(
                RunRecord("shixing", "x" * 64, 2026, []), [good, SubjectRecord("A2", None, "甲乡", "", "7", "七星")]
            )
        assert ledger.runs() == []


def test_the_cli_takes_a_database_url(tmp_path: Path):
    import sqlalchemy  # noqa: F401  (in the test extra: a missing one fails here, never skips)

    url = f"sqlite+pysqlite:///{tmp_path / '县 台账.db'}"
    for inbox, year in ((SAMPLES / "shengji-2026", "2026"), (SAMPLES / "shengji", "2027")):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "fenji",
                "run",
                str(inbox),
                "--profile",
                "shengji",
                "--year",
                year,
                "--out",
                str(tmp_path / year),
                "--db",
                url,
                "--no-documents",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
        assert done.returncode in (0, 1), done.stderr
        assert "ledger-write-failed" not in (tmp_path / year / "problems.csv").read_text(encoding="utf-8-sig")
    shown = subprocess.run(
        [sys.executable, "-m", "fenji", "history", "SB05", "--db", url],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert [line.split("\t")[5] for line in shown.stdout.strip().splitlines()[1:]] == ["后进", "中间"]
    assert not (tmp_path / "fenji.db").exists()


def test_a_star_report_shows_last_years_distribution_from_the_ledger(tmp_path: Path):
    import re

    db = tmp_path / "fenji.db"
    _run(
        _daan_village(tmp_path / "2026", 2026, _daan_people({"P1": 65, "P2": 50, "P3": 77, "P4": 60})),
        2026,
        db,
        tmp_path / "a",
        profile="xingji-daan",
    )
    second = _daan_village(tmp_path / "2027", 2027, _daan_people({"P1": 90, "P2": 83, "P3": 83, "P4": 62}))
    result = run(RunOptions(second, "xingji-daan", 2027, tmp_path / "b", db=db, workers=1))
    report = next(p for p in result.documents if p.name == "汇总报告.pdf")
    done = subprocess.run(["pdftotext", "-raw", str(report), "-"], capture_output=True, text=True, timeout=60)
    text = re.sub(r"\s+", "", done.stdout)
    assert "上年与本年星级分布" in text and "共4名评定对象" in text
    # 2026: 三星 1, 一星 1, 不列入星级 2; 2027: 四星 1, 二星 1, 一星 1, 不列入星级 1 (only grades seen are columns)
    assert "四星三星二星一星不列入星级" in text
    assert "2026年4" + "0" + "125.0%" + "0" + "125.0%" + "250.0%" in text
    assert "2027年4" + "125.0%" + "0" + "125.0%" + "125.0%" + "125.0%" in text


def test_an_unreadable_ledger_stops_shengji_but_not_dingji(tmp_path: Path):
    db = tmp_path / "fenji.db"
    db.write_text("这不是数据库\n" * 200, encoding="utf-8")
    stopped = check(RunOptions(SAMPLES / "shengji", "shengji", 2027, db=db))
    assert stopped.exit_code == 2 and "不是可用的台账数据库" in stopped.message
    graded = check(RunOptions(SAMPLES / "dingji", "dingji", 2027, db=db))
    assert graded.exit_code != 2 and "ledger-read-failed" in {p.code for p in graded.problems}
