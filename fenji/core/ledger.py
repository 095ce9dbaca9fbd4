"""The ledger (台账): every run's results, year after year, for the year-on-year rules and `fenji history`.

SQLite through the standard library by default (a file path, or a plain `sqlite:///` URL); any
other SQLAlchemy URL through SQLAlchemy Core, an optional extra (`pip install 'fenji[postgresql]'`):
`postgresql+psycopg://…` for a county's shared database, or `sqlite+pysqlite:///…` for SQLite
through SQLAlchemy. All SQL uses named parameters (`:name`), which both drivers accept; database
errors while writing become a `LedgerError` that names the database (never its password).

The schema is created and upgraded by the named, ordered `MIGRATIONS`; each applied name is kept in
the `migrations` table, so an older ledger is upgraded in place the first time a newer fenji opens it.
A county's shared PostgreSQL is opened by many towns at once: there the migrations run under an
advisory lock (the first opener migrates, the others wait and find it done), and a run's write takes
the results table's lock, so that writers follow one another (SQLite: BEGIN IMMEDIATE does both).

Per run: the profile (name and sha256), the year, every input (path, sha256, forms). Per subject:
final score, grade, markers, source cells and the profile's own columns. Results are keyed by
(profile, year, period, unit, subject), the period being '' except for a profile rated twice a year: re-running a year for a unit replaces that unit's results of that
year, while the `runs` table keeps every run; another year adds. One run is one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fenji.core.problems import FatalError

DEFAULT_DB = Path("fenji.db")


def default_db() -> str | Path:
    """The ledger used when no --db is given: $FENJI_DB if set (a clerk sets it once), else ./fenji.db.

    A URL stays text: as a Path its `//` would collapse, and the county's URL become a local file.
    """
    value = os.environ.get("FENJI_DB")
    return value if value and "://" in value else Path(value or DEFAULT_DB)


class LedgerError(FatalError):
    """The ledger cannot be opened, upgraded or written; the message says which and what to do."""


class LedgerUnreachable(LedgerError):
    """The ledger's database server refused or could not be reached: no run can keep its results there."""


# --- schema ---------------------------------------------------------------------------------
# `{pk}` is the dialect's auto-numbered primary key.

MIGRATION_1 = [
    """CREATE TABLE runs (
        id {pk},
        profile TEXT NOT NULL,
        profile_sha256 TEXT NOT NULL,
        year INTEGER NOT NULL,
        finished TEXT NOT NULL,
        fenji_version TEXT NOT NULL,
        exit_status INTEGER NOT NULL)""",
    """CREATE TABLE inputs (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        forms TEXT NOT NULL)""",
    """CREATE TABLE results (
        profile TEXT NOT NULL,
        year INTEGER NOT NULL,
        unit TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        name TEXT NOT NULL,
        category TEXT NOT NULL,
        score TEXT NOT NULL,
        grade TEXT NOT NULL,
        markers TEXT NOT NULL,
        sources TEXT NOT NULL,
        PRIMARY KEY (profile, year, unit, subject_id))""",
]

MIGRATION_2 = [
    # the profile's own columns (满意率, 分数等次, 达标星 …) and the units a run graded
    "ALTER TABLE results ADD COLUMN details TEXT NOT NULL DEFAULT '{}'",
    "ALTER TABLE runs ADD COLUMN units TEXT NOT NULL DEFAULT '[]'",
    "CREATE INDEX results_by_subject ON results (subject_id, profile, year)",
]

MIGRATION_3 = [
    # wuhao rates twice a year (--period 年初 | 年底): a run and its results are keyed by
    # (profile, year, period); '' for the profiles that rate once a year. A primary key cannot be
    # altered in SQLite, so the results table is rebuilt (the same statements work on PostgreSQL).
    "ALTER TABLE runs ADD COLUMN period TEXT NOT NULL DEFAULT ''",
    """CREATE TABLE results_by_period (
        profile TEXT NOT NULL,
        year INTEGER NOT NULL,
        period TEXT NOT NULL DEFAULT '',
        unit TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs (id),
        name TEXT NOT NULL,
        category TEXT NOT NULL,
        score TEXT NOT NULL,
        grade TEXT NOT NULL,
        markers TEXT NOT NULL,
        sources TEXT NOT NULL,
        details TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (profile, year, period, unit, subject_id))""",
    "INSERT INTO results_by_period (profile, year, period, unit, subject_id, run_id, name, category, score, grade, "
    "markers, sources, details) SELECT profile, year, '', unit, subject_id, run_id, name, category, score, grade, "
    "markers, sources, details FROM results",
    "DROP TABLE results",
    "ALTER TABLE results_by_period RENAME TO results",
    "CREATE INDEX results_by_subject ON results (subject_id, profile, year, period)",
]

MIGRATIONS: list[tuple[str, list[str]]] = [
    ("001_runs_inputs_results", MIGRATION_1),
    ("002_result_details", MIGRATION_2),
    ("003_run_period", MIGRATION_3),
]

MIGRATIONS_TABLE = "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)"
PRIMARY_KEYS = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgresql": "SERIAL PRIMARY KEY"}
# PostgreSQL advisory lock key held while migrating ("fenji" in ASCII): one migrator per database
MIGRATION_LOCK = 0x66656E6A69
# seconds to wait for a county's server before saying it cannot be reached (unless the URL sets its own)
CONNECT_TIMEOUT = 10


# --- records --------------------------------------------------------------------------------


@dataclass
class RunRecord:
    """What was run: the `runs` and `inputs` rows of one run."""

    profile: str
    profile_sha256: str
    year: int
    inputs: list[tuple[str, str, list[str]]]  # (path, sha256, forms)
    fenji_version: str = ""
    exit_status: int = 0
    finished: str = field(default_factory=lambda: dt.datetime.now().isoformat(timespec="seconds"))
    period: str = ""  # 年初 / 年底 for a profile rated twice a year (wuhao), else empty


@dataclass
class SubjectRecord:
    """One subject's result as kept in the ledger; `score` is the printed text (`87.5`, `7`, or empty)."""

    id: str
    name: str
    unit: str
    category: str
    score: str
    grade: str
    markers: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    year: int = 0
    profile: str = ""
    run_id: int = 0
    period: str = ""


# --- connections ----------------------------------------------------------------------------


class _SqliteConnection:
    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def execute(self, sql: str, params: dict | None = None) -> list[tuple]:
        return self.connection.execute(sql, params or {}).fetchall()

    def insert(self, sql: str, params: dict) -> int:
        return self.connection.execute(sql, params).lastrowid


class _AlchemyConnection:
    def __init__(self, connection, text):
        self.connection, self.text = connection, text

    def execute(self, sql: str, params: dict | None = None) -> list[tuple]:
        result = self.connection.execute(self.text(sql), params or {})
        return [tuple(row) for row in result] if result.returns_rows else []

    def insert(self, sql: str, params: dict) -> int:
        return self.connection.execute(self.text(sql + " RETURNING id"), params).scalar_one()


class _SqliteStore:
    dialect = "sqlite"

    def __init__(self, path: Path):
        self.where = str(path)
        if not path.parent.is_dir():
            raise LedgerError(f"台账数据库 {path} 所在的文件夹不存在。请先建立该文件夹，或用 --db 指定其他位置。")
        try:
            # autocommit mode: transactions are begun and ended explicitly below
            self.connection = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self.connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise LedgerError(f"无法打开台账数据库 {path}：{exc}。") from None

    @contextmanager
    def transaction(self):
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield _SqliteConnection(self.connection)
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def has_table(self, db, name: str) -> bool:
        return bool(db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name", {"name": name}))

    def lock_migrations(self, db) -> None:
        """BEGIN IMMEDIATE already holds SQLite's write lock."""

    def lock_results(self, db) -> None:
        """BEGIN IMMEDIATE already holds SQLite's write lock."""

    def close(self) -> None:
        self.connection.close()


class _AlchemyStore:
    def __init__(self, url: str):
        try:
            import sqlalchemy
        except ImportError:
            raise LedgerError(
                f"台账数据库 {_hide_password(url)} 是数据库网址，需要先安装 SQLAlchemy 及数据库驱动"
                '（如 pip install sqlalchemy "psycopg[binary]"）；或改用 SQLite 文件路径，如 --db fenji.db。'
            ) from None
        self.where = _hide_password(url)
        if _at_in_password(url):
            raise LedgerError(
                f"台账数据库网址 {self.where} 中的用户名或密码含有“@”：请写成 %40"
                "（其他特殊字符如 : / ? # % 也须按网址规则转写，如 %3A %2F %3F %23 %25）。"
            )
        try:
            self.engine = sqlalchemy.create_engine(url, connect_args=_connect_args(url))
        except Exception as exc:  # unknown dialect, missing driver: both name the package to install
            raise LedgerError(f"无法连接台账数据库 {self.where}：{exc}。") from None
        self.dialect = self.engine.dialect.name
        if self.dialect not in PRIMARY_KEYS:
            raise LedgerError(f"台账数据库 {self.where} 的类型 {self.dialect} 不受支持；请使用 SQLite 或 PostgreSQL。")
        self.text = sqlalchemy.text

    @contextmanager
    def transaction(self):
        import sqlalchemy

        try:
            connection = self.engine.connect()
        except sqlalchemy.exc.SQLAlchemyError as exc:  # refused, unknown host, bad password, no database
            raise LedgerUnreachable(
                f"无法连接台账数据库 {self.where}：{_connection_trouble(exc)}（{_first_line(exc)}）。"
            ) from None
        with connection, connection.begin():
            yield _AlchemyConnection(connection, self.text)

    def has_table(self, db, name: str) -> bool:
        if self.dialect == "postgresql":
            return db.execute("SELECT to_regclass(:name) IS NOT NULL", {"name": name})[0][0]
        return bool(db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name", {"name": name}))

    def lock_migrations(self, db) -> None:
        """PostgreSQL: towns opening a fresh database at once would each create the tables; one migrates.

        A transaction-level lock: released at commit or rollback, also when the process is killed.
        """
        if self.dialect == "postgresql":
            db.execute("SELECT pg_advisory_xact_lock(:key)", {"key": MIGRATION_LOCK})

    def lock_results(self, db) -> None:
        """PostgreSQL: one writer at a time (two towns' runs at once would clash on the same keys).

        The migration lock, shared, first: a newer fenji's migration waits for the writers and they
        for it, instead of each holding a table the other needs (a deadlock).
        """
        if self.dialect == "postgresql":
            db.execute("SELECT pg_advisory_xact_lock_shared(:key)", {"key": MIGRATION_LOCK})
            db.execute("LOCK TABLE results IN SHARE ROW EXCLUSIVE MODE")

    def close(self) -> None:
        self.engine.dispose()


# what a clerk can do about the driver's (English) reason, by a phrase of it; the first match wins
CONNECTION_TROUBLES = [
    ("password authentication failed", "用户名或密码不正确，请核对网址中的用户名和密码"),
    ("role", "数据库服务器上没有这个用户，请核对网址中的用户名"),
    ("no pg_hba.conf entry", "数据库服务器不允许本机以该用户连接，请联系服务器管理员"),
    ("does not exist", "服务器上没有这个数据库，请先建立（createdb）或核对网址中的数据库名"),
    ("connection refused", "连接不上数据库服务器：服务器未启动，或网址中的主机、端口不对"),
    ("resolve host", "找不到网址中的主机名，请核对"),
    ("translate host name", "找不到网址中的主机名，请核对"),
    ("timeout", "连接不上数据库服务器：连接超时，请检查网络、防火墙和网址中的主机、端口"),
    ("timed out", "连接不上数据库服务器：连接超时，请检查网络、防火墙和网址中的主机、端口"),
]


def _connection_trouble(exc: BaseException) -> str:
    reason = str(getattr(exc, "orig", None) or exc).lower()
    for phrase, advice in CONNECTION_TROUBLES:
        if phrase in reason:
            return advice
    return "请检查网址、用户名和密码，以及数据库服务器是否已启动"


def _connect_args(url: str) -> dict:
    """PostgreSQL: give up on an unreachable server after CONNECT_TIMEOUT seconds, not the system's minutes."""
    if url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres") and "connect_timeout" not in url:
        return {"connect_timeout": CONNECT_TIMEOUT}
    return {}


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _database_errors() -> tuple[type[BaseException], ...]:
    """The drivers' error classes: sqlite3's, and SQLAlchemy's when it is installed."""
    try:
        import sqlalchemy.exc
    except ImportError:
        return (sqlite3.Error,)
    return (sqlite3.Error, sqlalchemy.exc.SQLAlchemyError)


# user[:password]@ at the start of what follows `://`, as SQLAlchemy reads it (the password ends at the first @)
_CREDENTIALS = re.compile(r"([^:/]*)(?::([^@]*))?@")


def _host_part(rest: str, credentials: re.Match) -> str:
    return rest[credentials.end() :].split("/", 1)[0].split("?", 1)[0]


def _at_in_password(url: str) -> bool:
    """An unescaped @ in the user or password: the driver would take the rest of the password for the host."""
    rest = url.partition("://")[2]
    credentials = _CREDENTIALS.match(rest)
    return bool(credentials) and "@" in _host_part(rest, credentials)


def _hide_password(url: str) -> str:
    """The URL as it may be shown: `user:***@host`, and `password=***` in the query (libpq takes both)."""
    shown = re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", url)
    scheme, separator, rest = shown.partition("://")
    credentials = _CREDENTIALS.match(rest) if separator else None
    if not credentials or credentials.group(2) is None:
        return shown
    host = _host_part(rest, credentials)
    end = credentials.end() + host.rfind("@") + 1  # past an unescaped @ of the password too
    return f"{scheme}://{credentials.group(1)}:***@{rest[end:]}"


def _store(target: str | Path):
    text = str(target)
    if text.startswith("sqlite:///"):
        return _SqliteStore(Path(text[len("sqlite:///") :]))
    if "://" in text:
        return _AlchemyStore(text)
    return _SqliteStore(Path(text))


def exists(target: str | Path) -> bool:
    """Whether there is a ledger to read: a server's database URL is assumed to exist, a file must."""
    text = str(target)
    if text.startswith("sqlite") and ":///" in text:  # sqlite:///…, sqlite+pysqlite:///…
        path = text.split(":///", 1)[1].split("?", 1)[0]
        return path in ("", ":memory:") or Path(path).is_file()
    return "://" in text or Path(text).is_file()


# --- the ledger -----------------------------------------------------------------------------


class Ledger:
    """An open ledger, upgraded to the current schema. Use as a context manager or call `close()`."""

    def __init__(self, target: str | Path = DEFAULT_DB):
        self.store = _store(target)
        self.where = self.store.where
        try:
            self.applied = self._migrate()
        except FatalError:
            self.store.close()
            raise
        except _database_errors() as exc:
            self.store.close()
            raise LedgerError(
                f"{self.where} 不是可用的台账数据库（{_first_line(exc)}）。请用 --db 指定 fenji 的台账文件。"
            ) from None
        except BaseException:
            self.store.close()
            raise

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    def _migrate(self) -> list[str]:
        """The applied migration names, after applying the missing ones.

        An up-to-date ledger is only read (no lock, no DDL): a role that may only read a county's
        ledger (SELECT) can still open it for `fenji history` and last year's grades.
        """
        with self.store.transaction() as db:
            done = self._applied(db) if self.store.has_table(db, "migrations") else []
        if all(name in done for name, _ in MIGRATIONS):
            return done
        with self.store.transaction() as db:
            self.store.lock_migrations(db)
            db.execute(MIGRATIONS_TABLE)
            done = self._applied(db)  # again, under the lock: another town may have just migrated
            for name, statements in MIGRATIONS:
                if name in done:
                    continue
                for statement in statements:
                    db.execute(statement.replace("{pk}", PRIMARY_KEYS[self.store.dialect]))
                db.execute(
                    "INSERT INTO migrations (name, applied) VALUES (:name, :applied)",
                    {"name": name, "applied": dt.datetime.now().isoformat(timespec="seconds")},
                )
                done.append(name)
        return done

    def _applied(self, db) -> list[str]:
        done = [row[0] for row in db.execute("SELECT name FROM migrations ORDER BY name")]
        known = [name for name, _ in MIGRATIONS]
        unknown = [name for name in done if name not in known]
        if unknown:
            raise LedgerError(
                f"台账数据库 {self.where} 由更新版本的 fenji 建立（迁移 {'、'.join(unknown)}），"
                "本版本无法安全写入。请升级 fenji。"
            )
        return done

    # --- writing ------------------------------------------------------------------------------

    def record(self, run: RunRecord, subjects: list[SubjectRecord]) -> int:
        """Keep one run and its results, in one transaction; returns the run's id.

        Nothing is kept when any statement fails: the error is a LedgerError naming the database.
        """
        try:
            return self._record(run, subjects)
        except FatalError:
            raise
        except _database_errors() as exc:
            advice = (
                "网址中的用户没有写入台账的权限，请改用有写入权限的用户或请服务器管理员授权"
                if "permission denied" in _first_line(exc).lower()
                else ""
            )
            raise LedgerError(
                f"写入台账数据库 {self.where} 失败，本次结果未写入台账（{_first_line(exc)}）"
                f"{'：' + advice if advice else ''}。"
            ) from None

    def _record(self, run: RunRecord, subjects: list[SubjectRecord]) -> int:
        units = sorted({s.unit for s in subjects})
        with self.store.transaction() as db:
            self.store.lock_results(db)
            run_id = db.insert(
                "INSERT INTO runs (profile, profile_sha256, year, finished, fenji_version, exit_status, units, period) "
                "VALUES (:profile, :sha, :year, :finished, :version, :status, :units, :period)",
                {
                    "profile": run.profile,
                    "sha": run.profile_sha256,
                    "year": run.year,
                    "finished": run.finished,
                    "version": run.fenji_version,
                    "status": run.exit_status,
                    "units": _dump(units),
                    "period": run.period,
                },
            )
            for path, sha256, forms in run.inputs:
                db.execute(
                    "INSERT INTO inputs (run_id, path, sha256, forms) VALUES (:run, :path, :sha, :forms)",
                    {"run": run_id, "path": path, "sha": sha256, "forms": _dump(forms)},
                )
            for unit in units:
                db.execute(
                    "DELETE FROM results WHERE profile = :profile AND year = :year AND period = :period "
                    "AND unit = :unit",
                    {"profile": run.profile, "year": run.year, "period": run.period, "unit": unit},
                )
            for subject in subjects:
                db.execute(_INSERT_RESULT, _result_params(run, run_id, subject))
        return run_id

    # --- reading ------------------------------------------------------------------------------

    def results(self, profile: str, year: int, period: str = "") -> dict[str, SubjectRecord]:
        """The kept results of one profile, year and period ('' for a yearly profile), by subject id."""
        rows = self._select(
            "WHERE r.profile = :profile AND r.year = :year AND r.period = :period ORDER BY r.unit, r.subject_id",
            {"profile": profile, "year": year, "period": period},
        )
        return {row.id: row for row in rows}

    def all_results(self, profile: str) -> list[SubjectRecord]:
        """Every kept result of one profile, oldest rating first (wuhao's archive shows them all)."""
        return self._select(
            "WHERE r.profile = :profile ORDER BY r.year, r.period, r.unit, r.subject_id", {"profile": profile}
        )

    def history(self, subject_id: str, profile: str | None = None) -> list[SubjectRecord]:
        """One subject's results over the years (every profile unless one is named), oldest first."""
        where = "WHERE r.subject_id = :id" + (" AND r.profile = :profile" if profile else "")
        # 年初 sorts before 年底 (U+521D < U+5E95), and '' (a yearly profile) before both
        return self._select(
            where + " ORDER BY r.year, r.period, r.profile, r.unit", {"id": subject_id, "profile": profile or ""}
        )

    def runs(self) -> list[dict]:
        """Every run kept, oldest first: id, profile, sha256, year, finished, exit status, input count."""
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT r.id, r.profile, r.profile_sha256, r.year, r.finished, r.exit_status, "
                "(SELECT COUNT(*) FROM inputs i WHERE i.run_id = r.id), r.period FROM runs r ORDER BY r.id"
            )
        keys = ("id", "profile", "profile_sha256", "year", "finished", "exit_status", "inputs", "period")
        return [dict(zip(keys, row)) for row in rows]

    def inputs(self, run_id: int) -> list[tuple[str, str, list[str]]]:
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT path, sha256, forms FROM inputs WHERE run_id = :run ORDER BY path", {"run": run_id}
            )
        return [(path, sha, json.loads(forms)) for path, sha, forms in rows]

    def _select(self, where: str, params: dict) -> list[SubjectRecord]:
        sql = (
            "SELECT r.subject_id, r.name, r.unit, r.category, r.score, r.grade, r.markers, r.sources, r.details, "
            "r.year, r.profile, r.run_id, r.period FROM results r " + where
        )
        with self.store.transaction() as db:
            rows = db.execute(sql, params)
        return [
            SubjectRecord(
                ident,
                name,
                unit,
                category,
                score,
                grade,
                json.loads(markers),
                json.loads(sources),
                json.loads(details),
                int(year),
                profile,
                int(run_id),
                period,
            )
            for ident, name, unit, category, score, grade, markers, sources, details, year, profile, run_id, period in rows
        ]


_INSERT_RESULT = (
    "INSERT INTO results (profile, year, period, unit, subject_id, run_id, name, category, score, grade, markers, "
    "sources, details) VALUES (:profile, :year, :period, :unit, :id, :run, :name, :category, :score, :grade, "
    ":markers, :sources, :details)"
)


def _result_params(run: RunRecord, run_id: int, s: SubjectRecord) -> dict:
    return {
        "profile": run.profile,
        "year": run.year,
        "period": run.period,
        "unit": s.unit,
        "id": s.id,
        "run": run_id,
        "name": s.name,
        "category": s.category,
        "score": s.score,
        "grade": s.grade,
        "markers": _dump(s.markers),
        "sources": _dump(s.sources),
        "details": _dump(s.details),
    }


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict))


# --- from a run -----------------------------------------------------------------------------


def subject_records(graded_frame, results_frame) -> list[SubjectRecord]:
    """The ledger rows of a run: printed values from results.csv, markers and sources from the graded frame."""
    common = ["编号", "名称", "单位", "类别", "得分", "等次", "说明"]
    extra = [c for c in results_frame.columns if c not in common and c != "数据来源"]
    records = []
    for graded, printed in zip(graded_frame.to_dict("records"), results_frame.to_dict("records")):
        records.append(
            SubjectRecord(
                str(printed["编号"]),
                str(printed["名称"]),
                str(printed["单位"]),
                str(printed["类别"] or ""),
                str(printed["得分"] or ""),
                str(printed["等次"]),
                list(dict.fromkeys(graded.get("markers") or [])),
                {str(k): str(v) for k, v in (graded.get("sources") or {}).items()},
                {c: _text(printed.get(c)) for c in extra},
            )
        )
    return records


def _text(value) -> str:
    return "" if value is None or value != value else str(value)


def record_outcome(target: str | Path, run: RunRecord, graded_frame, results_frame) -> int:
    """Open (creating or upgrading) the ledger at `target` and keep one run; returns the run id."""
    with Ledger(target) as ledger:
        return ledger.record(run, subject_records(graded_frame, results_frame))
