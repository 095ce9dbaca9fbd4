"""A throw-away PostgreSQL server for the tests of the county's shared ledger (tests/test_ledger_pg.py).

The server is the real one from Debian's `postgresql` package (scripts/test.sh installs it): initdb
into a temporary folder, listening on a free loopback port only, its unix socket in that folder,
run as an unprivileged user when the suite runs as root (PostgreSQL refuses to run as root), and
stopped at the end of the session, also when a test failed. Missing server programs fail the tests
with the install to run; they never skip.

Each test takes a database of its own (`PostgresServer.database()`), owned by a login role that
has rights on its databases only, as a county's writer would (README: 县级共享台账).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ADMIN, ADMIN_PASSWORD = "pgadmin", "admin-Pw-7f3e"
WRITER, WRITER_PASSWORD = "county_writer", "Wr1ter-s3cret-9bd1"  # the tests grep for this password
INSTALL_HINT = (
    "PostgreSQL server programs (initdb, pg_ctl) are not installed: run "
    "`FENJI_TEST_PACKAGES=1 bash scripts/setup.sh` (installs Debian's `postgresql`), or `bash scripts/test.sh`."
)
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    # a throw-away server: durability is not wanted, speed is
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
    "max_connections": "120",
    "log_min_messages": "warning",
    "log_connections": "off",
}


def server_programs() -> Path | None:
    """The folder of initdb / pg_ctl: the newest /usr/lib/postgresql/<version>/bin, else PATH."""
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name or 0))
    for folder in reversed(folders):
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _unprivileged_user() -> str | None:
    """Who runs the server: None (ourselves) unless we are root; then `postgres` if it exists, else `nobody`."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.fail("the suite runs as root and neither a `postgres` nor a `nobody` user exists to run PostgreSQL")


@dataclass
class PostgresServer:
    bin: Path
    root: Path
    port: int
    user: str | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def command(self, program: str, *args: str) -> list[str]:
        line = [str(self.bin / program), *args]
        return ["runuser", "-u", self.user, "--", *line] if self.user else line

    def run(self, program: str, *args: str, timeout: int = 120) -> None:
        done = subprocess.run(
            self.command(program, *args), capture_output=True, text=True, timeout=timeout, cwd=self.root
        )
        if done.returncode:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            pytest.fail(f"{program} failed ({done.returncode}): {done.stderr or done.stdout}\n{log}")

    def start(self) -> None:
        pwfile = self.root / "pw"
        pwfile.write_text(ADMIN_PASSWORD + "\n")
        if self.user:
            os.chown(pwfile, pwd.getpwnam(self.user).pw_uid, -1)
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            ADMIN,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        pwfile.unlink()
        options = " ".join(f"-c {key}={value}" for key, value in SETTINGS.items())
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -k {self.root} {options}",
            "start",
        )

    def stop(self) -> None:
        subprocess.run(
            self.command("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"),
            capture_output=True,
            timeout=60,
            cwd=self.root,
        )

    # --- URLs and databases ------------------------------------------------------------------

    def url(self, database: str, user: str = WRITER, password: str = WRITER_PASSWORD, port: int | None = None) -> str:
        return f"postgresql+psycopg://{user}:{password}@127.0.0.1:{port or self.port}/{database}"

    def admin(self, database: str = "postgres"):
        """A psycopg connection as the server's superuser, in autocommit (CREATE DATABASE needs it)."""
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=ADMIN, password=ADMIN_PASSWORD, dbname=database, autocommit=True
        )

    def database(self, name: str) -> str:
        """A new, empty database owned by the writer role; returns the writer's URL to it."""
        with self.admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}" OWNER {WRITER}')
            connection.execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
        return self.url(name)

    def query(self, database: str, sql: str, params: tuple = ()) -> list[tuple]:
        with self.admin(database) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


def start_server() -> PostgresServer:
    programs = server_programs()
    if programs is None:
        pytest.fail(INSTALL_HINT)
    user = _unprivileged_user()
    # not pytest's tmp_path: its parents are root-only (0700), and the server's user must reach its folder
    root = Path(tempfile.mkdtemp(prefix="fenji-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(programs, root, free_port(), user)
    try:
        server.start()
        with server.admin() as connection:
            # the county's writer: may log in and own its databases, nothing on the server beyond that
            connection.execute(
                f"CREATE ROLE {WRITER} LOGIN PASSWORD '{WRITER_PASSWORD}' NOSUPERUSER NOCREATEDB NOCREATEROLE"
            )
    except BaseException:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server


@pytest.fixture(scope="session")
def postgres():
    """The session's throw-away PostgreSQL server (started on first use, stopped at the end)."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


def wait_for(condition, what: str, seconds: float = 60.0, step: float = 0.05):
    """Poll `condition()` until it returns something true; fail naming `what` after `seconds` (a hang guard)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"gave up waiting for {what}")
