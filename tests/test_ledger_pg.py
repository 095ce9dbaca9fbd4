"""The county's shared ledger on a real PostgreSQL server (tests/pg.py starts a throw-away one).

Where SQLite and PostgreSQL differ: migrations on a fresh and on an older database, concurrent
writers (20 towns' `fenji run` at once), a writer killed mid-transaction, what the year-on-year
rules read back, and how a wrong password or an unreachable server is reported (never the password).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pg import WRITER, WRITER_PASSWORD, free_port, postgres, wait_for  # noqa: F401  (postgres: the fixture)

from fenji.api import RunOptions, run
from fenji.core.ledger import MIGRATION_1, MIGRATIONS, Ledger
from fenji.forms.samplebooks import roster_book, score_book, summary_book

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
MIGRATION_NAMES = [name for name, _ in MIGRATIONS]
TOWNS = 20


def _run(inbox: Path, year: int, db: str | Path, out: Path, profile: str = "shengji"):
    return run(RunOptions(inbox, profile, year, out, db=db, workers=1, documents=False))


def _fenji(*args: str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fenji", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


def _run_command(inbox: Path, year: int, db: str, out: Path, profile: str = "shengji") -> list[str]:
    return [
        sys.executable,
        "-m",
        "fenji",
        "run",
        str(inbox),
        "--profile",
        profile,
        "--year",
        str(year),
        "--out",
        str(out),
        "--db",
        db,
        "--no-documents",
        "--workers",
        "1",
    ]


def _assert_no_password(*places: Path | str, password: str = WRITER_PASSWORD) -> None:
    """Neither a text nor any file under a folder holds the password (the writer's unless named)."""
    for place in places:
        if isinstance(place, Path):
            files = [place] if place.is_file() else [p for p in place.rglob("*") if p.is_file()]
            for file in files:
                assert password.encode() not in file.read_bytes(), f"the password is written in {file}"
        else:
            assert password not in place


def _pg_schema(postgres, database: str) -> dict[str, list[str]]:
    rows = postgres.query(
        database,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    )
    schema: dict[str, list[str]] = {}
    for table, column in rows:
        schema.setdefault(table, []).append(column)
    return schema


def _sqlite_schema(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {t: [row[1] for row in connection.execute(f"PRAGMA table_info({t})")] for t in tables}


# --- migrations -----------------------------------------------------------------------------


def test_a_fresh_database_gets_the_schema_by_the_same_named_migrations(postgres, tmp_path: Path):
    url = postgres.database("fresh")
    with Ledger(url) as ledger:
        assert type(ledger.store).__name__ == "_AlchemyStore" and ledger.applied == MIGRATION_NAMES
    with Ledger(tmp_path / "fenji.db") as ledger:
        assert ledger.applied == MIGRATION_NAMES
    assert _pg_schema(postgres, "fresh") == _sqlite_schema(tmp_path / "fenji.db")
    assert [r[0] for r in postgres.query("fresh", "SELECT name FROM migrations ORDER BY name")] == MIGRATION_NAMES
    assert postgres.query("fresh", "SELECT indexname FROM pg_indexes WHERE indexname = 'results_by_subject'")
    owners = postgres.query("fresh", "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
    assert owners == [(WRITER,)]  # created by the county's writer role, not a superuser
    with Ledger(url) as ledger:  # opening again applies nothing
        assert ledger.applied == MIGRATION_NAMES
    assert postgres.query("fresh", "SELECT COUNT(*) FROM migrations") == [(len(MIGRATIONS),)]


def test_many_first_opens_at_once_migrate_a_fresh_database_once(postgres):
    url = postgres.database("race")
    start, errors, applied = threading.Barrier(8), [], []

    def open_ledger():
        start.wait()
        try:
            with Ledger(url) as ledger:
                applied.append(ledger.applied)
        except Exception as exc:  # collected: an exception in a thread would not fail the test
            errors.append(exc)

    threads = [threading.Thread(target=open_ledger) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and applied == [MIGRATION_NAMES] * 8
    assert postgres.query("race", "SELECT COUNT(*) FROM migrations") == [(len(MIGRATIONS),)]


def _old_ledger(postgres, database: str) -> None:
    """A ledger as the first schema wrote it on PostgreSQL (by the writer): one run and one result."""
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=postgres.port, user=WRITER, password=WRITER_PASSWORD, dbname=database
    ) as connection:
        connection.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
        for statement in MIGRATION_1:
            connection.execute(statement.replace("{pk}", "SERIAL PRIMARY KEY"))
        connection.execute("INSERT INTO migrations VALUES ('001_runs_inputs_results', '2026-12-30T10:00:00')")
        connection.execute(
            "INSERT INTO runs (profile, profile_sha256, year, finished, fenji_version, exit_status) "
            "VALUES ('shengji', 'abc', 2026, '2026-12-30T10:00:00', '0.0.9', 0)"
        )
        connection.execute(
            "INSERT INTO results VALUES ('shengji', 2026, '石板乡', 'SB04', 1, '黄泥村党支部', '', "
            "'62.0', '后进', '[]', '{}')"
        )


def test_an_older_schema_is_upgraded_in_place(postgres, tmp_path: Path):
    url = postgres.database("old")
    _old_ledger(postgres, "old")
    with Ledger(url) as ledger:
        assert ledger.applied == MIGRATION_NAMES
        kept = ledger.results("shengji", 2026)["SB04"]
        assert (kept.grade, kept.score, kept.details, kept.run_id) == ("后进", "62.0", {}, 1)
    columns = _pg_schema(postgres, "old")
    assert "details" in columns["results"] and "units" in columns["runs"]
    result = _run(SAMPLES / "shengji", 2027, url, tmp_path / "out")
    assert result.results.set_index("编号").loc["SB04", "上年等次来源"] == "台账"
    assert postgres.query("old", "SELECT COUNT(*) FROM results") == [(17,)]
    assert postgres.query("old", "SELECT id, units FROM runs ORDER BY id") == [(1, "[]"), (2, '["石板乡", "龙泉乡"]')]


# --- writing ------------------------------------------------------------------------------


def test_rerunning_a_year_replaces_its_results(postgres, tmp_path: Path):
    url = postgres.database("rerun")
    _run(SAMPLES / "shengji-2026", 2026, url, tmp_path / "a")
    _run(SAMPLES / "shengji", 2027, url, tmp_path / "b")
    _run(SAMPLES / "shengji", 2027, url, tmp_path / "c")
    _run(SAMPLES / "shengji" / "龙泉乡", 2027, url, tmp_path / "d")
    count = "SELECT COUNT(*) FROM results WHERE year = %s AND unit = %s AND run_id = %s"
    assert postgres.query("rerun", "SELECT COUNT(*) FROM runs") == [(4,)]
    assert postgres.query("rerun", "SELECT COUNT(*) FROM results") == [(32,)]
    assert postgres.query("rerun", count, (2026, "龙泉乡", 1)) == [(8,)]
    assert postgres.query("rerun", count, (2027, "石板乡", 3)) == [(8,)]
    assert postgres.query("rerun", count, (2027, "龙泉乡", 4)) == [(8,)]
    with Ledger(url) as ledger:
        assert [(r.year, r.grade, r.run_id) for r in ledger.history("LQ05")] == [(2026, "后进", 1), (2027, "中间", 4)]
    _assert_no_password(tmp_path)


def test_one_town_recorded_by_several_runs_at_once_keeps_one_whole_set(postgres):
    """Same keys at once: without the writers' lock the later INSERTs would fail on the primary key."""
    from fenji.core.ledger import RunRecord, SubjectRecord

    url = postgres.database("same-town")
    Ledger(url).close()
    start, errors = threading.Barrier(6), []

    def record(n: int):
        subjects = [SubjectRecord(f"A{i}", f"{i}村", "甲乡", "", str(n), f"{n}星") for i in range(1, 21)]
        start.wait()
        try:
            with Ledger(url) as ledger:
                ledger.record(RunRecord("shixing", "x" * 64, 2027, [(f"run{n}.xlsx", "0" * 64, ["roster"])]), subjects)
        except Exception as exc:  # collected: an exception in a thread would not fail the test
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(n,)) for n in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert postgres.query("same-town", "SELECT COUNT(*) FROM runs") == [(6,)]
    kept = postgres.query("same-town", "SELECT DISTINCT run_id, score FROM results")
    assert len(kept) == 1 and postgres.query("same-town", "SELECT COUNT(*) FROM results") == [(20,)]
    # the writers follow one another and take their run id under the lock: the last one's set is kept
    assert postgres.query("same-town", "SELECT MAX(id) FROM runs") == [(kept[0][0],)]


def _bench_generator():
    """bench/run.py's county generator (branches with seeded scores and votes)."""
    spec = importlib.util.spec_from_file_location("fenji_bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _county(folder: Path) -> dict[str, list[str]]:
    """A county of 20 towns × 15 branches for dingji, one folder per town; returns each town's branch ids."""
    import random

    branches = _bench_generator().make_branches(random.Random(2027), TOWNS, 15)
    towns: dict[str, list[str]] = {}
    for b in branches:
        towns.setdefault(b.town, []).append(b.id)
    for town, ids in towns.items():
        members = [b for b in branches if b.town == town]
        (folder / town).mkdir(parents=True)
        roster_book(town, 2027, members).save(folder / town / f"{town}名册.xlsx")
        summary_book(town, 2027, [(b, b.votes, sum(b.votes.values()), _rate(b.votes)) for b in members]).save(
            folder / town / f"{town}汇总表.xlsx"
        )
        score_book(town, 2027, [(b, b.scores, None) for b in members]).save(folder / town / f"{town}附件4.xlsx")
    return towns


def _rate(votes: dict) -> str:
    from fenji.forms.samplebooks import rate_text as _rate_text

    return _rate_text(votes)


def test_twenty_towns_at_once_lose_nothing_and_duplicate_nothing(postgres, tmp_path: Path):
    url = postgres.database("county")
    towns = _county(tmp_path / "county")
    # all at once, on a fresh database: the first opens race to migrate it, then the writes race
    processes = {
        town: subprocess.Popen(
            _run_command(tmp_path / "county" / town, 2027, url, tmp_path / "out" / town, profile="dingji"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        for town in towns
    }
    outputs = {town: process.communicate(timeout=600) for town, process in processes.items()}
    for town, process in processes.items():
        assert process.returncode in (0, 1), f"{town}: {outputs[town]}"
        problems = (tmp_path / "out" / town / "problems.csv").read_text(encoding="utf-8-sig")
        assert "ledger-write-failed" not in problems and "ledger-read-failed" not in problems, problems
        _assert_no_password(*outputs[town])
    _assert_no_password(tmp_path / "out")
    assert not (tmp_path / "fenji.db").exists()
    assert postgres.query("county", "SELECT COUNT(*) FROM migrations") == [(len(MIGRATIONS),)]
    runs = postgres.query("county", "SELECT id, units FROM runs ORDER BY id")
    assert len(runs) == TOWNS and sorted(json.loads(units)[0] for _, units in runs) == sorted(towns)
    run_of = {json.loads(units)[0]: ident for ident, units in runs}
    kept = postgres.query("county", "SELECT unit, subject_id, run_id, grade FROM results")
    assert len(kept) == TOWNS * 15 == len({subject for _, subject, _, _ in kept})
    assert {(unit, subject) for unit, subject, _, _ in kept} == {(t, i) for t, ids in towns.items() for i in ids}
    assert all(run_id == run_of[unit] for unit, _, run_id, _ in kept)
    assert postgres.query("county", "SELECT COUNT(*) FROM inputs") == [(TOWNS * 3,)]
    graded = {}
    for town in towns:
        for line in (tmp_path / "out" / town / "results.csv").read_text(encoding="utf-8-sig").splitlines()[1:]:
            fields = line.split(",")
            graded[fields[0]] = fields[5]
    assert {subject: grade for _, subject, _, grade in kept} == graded  # the ledger holds what was printed


def test_a_run_killed_mid_write_leaves_the_ledger_as_it_was(postgres, tmp_path: Path):
    url = postgres.database("killed")
    _run(SAMPLES / "shengji-2026", 2026, url, tmp_path / "a")
    _run(SAMPLES / "shengji", 2027, url, tmp_path / "b")
    state = "SELECT year, unit, subject_id, run_id, grade, score FROM results ORDER BY year, unit, subject_id"
    before, runs_before = postgres.query("killed", state), postgres.query("killed", "SELECT id FROM runs")
    # A trigger holds the run's first result INSERT on a lock the test holds: the run has written its
    # runs and inputs rows and deleted 龙泉乡's 2027 results when it is killed.
    postgres.query(
        "killed",
        "CREATE FUNCTION hold_results() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_advisory_xact_lock(1919); RETURN NEW; END $$",
    )
    postgres.query(
        "killed", "CREATE TRIGGER hold BEFORE INSERT ON results FOR EACH ROW EXECUTE FUNCTION hold_results()"
    )
    with postgres.admin("killed") as holder:
        holder.execute("SELECT pg_advisory_lock(1919)")
        writer = subprocess.Popen(
            _run_command(SAMPLES / "shengji" / "龙泉乡", 2027, url, tmp_path / "c"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp_path,
        )
        waiting = "SELECT pid, query FROM pg_stat_activity WHERE datname = 'killed' AND wait_event = 'advisory'"
        ((backend, query),) = wait_for(
            lambda: postgres.query("killed", waiting), "the run to reach its result INSERT", seconds=120
        )
        assert query.startswith("INSERT INTO results")
        os.kill(writer.pid, signal.SIGKILL)
        assert writer.wait(60) == -signal.SIGKILL
        holder.execute("SELECT pg_advisory_unlock(1919)")
    alive = "SELECT 1 FROM pg_stat_activity WHERE pid = %s"
    wait_for(lambda: not postgres.query("killed", alive, (backend,)), "the killed run's server process to end")
    postgres.query("killed", "DROP TRIGGER hold ON results")
    assert postgres.query("killed", state) == before and postgres.query("killed", "SELECT id FROM runs") == runs_before
    assert postgres.query("killed", "SELECT COUNT(*) FROM inputs WHERE run_id NOT IN (SELECT id FROM runs)") == [(0,)]
    again = _run(SAMPLES / "shengji" / "龙泉乡", 2027, url, tmp_path / "d")  # nothing was left locked
    assert "ledger-write-failed" not in {p.code for p in again.problems}
    assert postgres.query(
        "killed",
        "SELECT COUNT(*) FROM results WHERE year = 2027 AND unit = '龙泉乡' AND run_id = (SELECT MAX(id) FROM runs)",
    ) == [(8,)]


# --- reading: the year-on-year rules and `fenji history` read the same as from SQLite ---------


def _daan(folder: Path, year: int, public: dict[str, int]) -> Path:
    from test_ledger import _daan_people, _daan_village

    return _daan_village(folder, year, _daan_people(public))


YEARS_OF = {
    "shengji": lambda tmp: (SAMPLES / "shengji-2026", SAMPLES / "shengji"),  # 提升率, 转化率
    "shixing": lambda tmp: (SAMPLES / "shixing-2026", SAMPLES / "shixing"),
    "xingji-daan": lambda tmp: (
        _daan(tmp / "daan-2026", 2026, {"P1": 65, "P2": 50, "P3": 77, "P4": 60}),
        _daan(tmp / "daan-2027", 2027, {"P1": 90, "P2": 83, "P3": 83, "P4": 62}),
    ),  # 限晋一级
}


PROOF = {"shengji": "台账", "shixing": "台账", "xingji-daan": "限晋一级"}


def _printed(out: Path) -> dict[str, object]:
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    info.pop("finished")
    return {"results": (out / "results.csv").read_bytes(), "problems": (out / "problems.csv").read_bytes(), "run": info}


@pytest.mark.parametrize("profile", sorted(YEARS_OF))
def test_the_year_on_year_rules_read_the_same_from_postgresql(postgres, tmp_path: Path, profile: str):
    url = postgres.database(f"years-{profile}")
    first, second = YEARS_OF[profile](tmp_path)
    printed = {}
    for name, db in (("sqlite", tmp_path / "fenji.db"), ("postgresql", url)):
        _run(first, 2026, db, tmp_path / name / "2026", profile)
        _run(second, 2027, db, tmp_path / name / "2027", profile)
        printed[name] = _printed(tmp_path / name / "2027")
    assert printed["postgresql"] == printed["sqlite"]
    # last year's grades did come from the ledger: its source column, or the one-step rule it feeds
    assert PROOF[profile].encode() in printed["sqlite"]["results"]
    if profile == "shengji":  # 提升率 and 转化率, counted over last year's 中间 / 后进 read from the ledger
        rates = {(r["unit"], r["name"]): r for r in printed["postgresql"]["run"]["year_on_year"]}
        assert {name for _, name in rates} == {"提升率", "转化率"} and all(r["base"] for r in rates.values())
    subject = {"shengji": "LQ05", "shixing": "ST01", "xingji-daan": "P1"}[profile]
    shown = {
        name: _fenji("history", subject, "--db", str(db), cwd=tmp_path)
        for name, db in (("sqlite", tmp_path / "fenji.db"), ("postgresql", url))
    }
    assert shown["sqlite"].returncode == 0 and len(shown["sqlite"].stdout.splitlines()) == 3, shown["sqlite"].stderr
    assert shown["postgresql"].stdout == shown["sqlite"].stdout and shown["postgresql"].returncode == 0
    _assert_no_password(tmp_path, shown["postgresql"].stdout + shown["postgresql"].stderr)


def test_the_five_goods_two_ratings_a_year_read_the_same_from_postgresql(postgres, tmp_path: Path):
    """wuhao: 年初 then 年底 of one year into one ledger; 晋位 / 降位 and 晋位升级率 against the 年初 rating
    read from PostgreSQL as from SQLite, and `fenji history` shows both periods."""
    url = postgres.database("years-wuhao")
    printed = {}
    for name, db in (("sqlite", tmp_path / "fenji.db"), ("postgresql", url)):
        for folder, period in (("wuhao-年初", "年初"), ("wuhao", "年底")):
            out = tmp_path / name / period
            run(RunOptions(SAMPLES / folder, "wuhao", 2027, out, db=db, workers=1, documents=False, period=period))
        printed[name] = _printed(tmp_path / name / "年底")
    assert printed["postgresql"] == printed["sqlite"]
    assert "晋位升级率" in printed["postgresql"]["run"] and "降位".encode() in printed["postgresql"]["results"]
    shown = {
        name: _fenji("history", "QX04", "--db", str(db), cwd=tmp_path)
        for name, db in (("sqlite", tmp_path / "fenji.db"), ("postgresql", url))
    }
    assert shown["postgresql"].returncode == 0 and shown["postgresql"].stdout == shown["sqlite"].stdout
    assert "2027年初" in shown["postgresql"].stdout and "2027年底" in shown["postgresql"].stdout


# --- a server that cannot be reached is an error, never a local fallback ---------------------


def _bad_urls(postgres) -> dict[str, str]:
    return {
        "wrong password": postgres.url("bad", password=WRITER_PASSWORD[::-1] + "x"),
        "no server": postgres.url("bad", port=free_port()),
        "no database": postgres.url("never-created"),
    }


ADVICE = {
    "wrong password": "用户名或密码不正确",
    "no server": "连接不上数据库服务器",
    "no database": "服务器上没有这个数据库",
}


@pytest.mark.parametrize("case", ["wrong password", "no server", "no database"])
def test_an_unreachable_ledger_is_a_chinese_error_without_the_password(postgres, tmp_path: Path, case: str):
    postgres.database("bad")
    url = _bad_urls(postgres)[case]
    password = url.split(":")[2].split("@")[0]
    shown = url.replace(password, "***")
    commands = {
        "run": [
            "run",
            str(SAMPLES / "shengji"),
            "--profile",
            "shengji",
            "--year",
            "2027",
            "--out",
            str(tmp_path / "out"),
            "--db",
            url,
            "--no-documents",
            "--workers",
            "1",
        ],
        "run dingji": [
            "run",
            str(SAMPLES / "dingji"),
            "--profile",
            "dingji",
            "--year",
            "2027",
            "--out",
            str(tmp_path / "out"),
            "--db",
            url,
            "--no-documents",
            "--workers",
            "1",
        ],
        "history": ["history", "LQ05", "--db", url],
    }
    for command, args in commands.items():
        done = _fenji(*args, cwd=tmp_path, timeout=120)
        said = "".join((done.stdout + done.stderr).split())  # the console wraps long lines
        assert done.returncode == 2, f"{command}: {said}"
        assert f"无法连接台账数据库{shown}" in said, said
        assert ADVICE[case] in said, said
        assert password not in said and WRITER_PASSWORD not in said
    assert not (tmp_path / "fenji.db").exists() and not Path(os.environ["FENJI_DB"]).exists()
    assert not (tmp_path / "out" / "results.csv").exists()
    _assert_no_password(tmp_path, password=password)


# --- who may write ----------------------------------------------------------------------------


def test_a_reading_role_reads_the_ledger_but_cannot_write_it(postgres, tmp_path: Path):
    url = postgres.database("viewer")
    _run(SAMPLES / "shengji-2026", 2026, url, tmp_path / "a")
    with postgres.admin("viewer") as connection:
        connection.execute("DROP ROLE IF EXISTS county_viewer")
        connection.execute("CREATE ROLE county_viewer LOGIN PASSWORD 'viewer-pw'")
        connection.execute("GRANT CONNECT ON DATABASE viewer TO county_viewer")
        connection.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO county_viewer")
    reader = postgres.url("viewer", user="county_viewer", password="viewer-pw")
    shown = _fenji("history", "LQ05", "--db", reader, cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout.splitlines()[1].startswith("2026\tshengji"), shown.stderr
    result = _run(SAMPLES / "shengji", 2027, reader, tmp_path / "b")
    assert result.results.set_index("编号").loc["LQ05", "上年等次来源"] == "台账"  # last year read
    (failed,) = [p for p in result.problems if p.code == "ledger-write-failed"]
    assert "没有写入台账的权限" in failed.message and "viewer-pw" not in failed.message
    assert postgres.query("viewer", "SELECT COUNT(*), MAX(year) FROM results") == [(16, 2026)]


def test_the_password_can_stay_out_of_the_url_in_a_password_file(postgres, tmp_path: Path, monkeypatch):
    url = postgres.database("pgpass")
    password_file = tmp_path / "pgpass.conf"
    password_file.write_text(f"127.0.0.1:{postgres.port}:pgpass:{WRITER}:{WRITER_PASSWORD}\n")
    password_file.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(password_file))
    bare = url.replace(f":{WRITER_PASSWORD}@", "@")
    _run(SAMPLES / "shengji-2026", 2026, bare, tmp_path / "a")
    shown = _fenji("history", "LQ05", "--db", bare, cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout.splitlines()[1].startswith("2026\tshengji"), shown.stderr


def test_fenji_db_may_hold_the_county_url(postgres, tmp_path: Path, monkeypatch):
    url = postgres.database("env")
    monkeypatch.setenv("FENJI_DB", url)  # set once on a clerk's PC instead of --db every time
    done = _fenji(
        "run",
        str(SAMPLES / "shengji-2026"),
        "--profile",
        "shengji",
        "--year",
        "2026",
        "--out",
        str(tmp_path / "a"),
        "--no-documents",
        "--workers",
        "1",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert postgres.query("env", "SELECT COUNT(*) FROM results") == [(16,)]
    shown = _fenji("history", "LQ05", cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout.splitlines()[1].startswith("2026\tshengji"), shown.stderr
    monkeypatch.setenv("FENJI_DB", postgres.url("env", password="not-the-password"))
    refused = _fenji("history", "LQ05", cwd=tmp_path)
    assert refused.returncode == 2 and "用户名或密码不正确" in "".join(refused.stderr.split())
    assert [p.name for p in tmp_path.iterdir()] == ["a"]  # no SQLite file made of the URL
    _assert_no_password(tmp_path, done.stdout + done.stderr + shown.stdout + shown.stderr)
