"""`fenji serve OUT`: a real server on a free loopback port, read by an HTTP client and by a real headless
browser (Debian's chromium, installed by scripts/setup.sh for the tests: missing, these fail)."""

from __future__ import annotations

import base64
import http.client
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from fenji.api import RunOptions, check, run
from fenji.core.documents import Plan, write_documents
from fenji.core.returns_documents import with_returns

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
TEMPLATES = ROOT / "fenji" / "core" / "templates"
PROGRESS = "/files/" + quote("documents/白河镇/收件进度.pdf")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(out: Path, *extra: str) -> tuple[subprocess.Popen, int]:
    """`fenji serve` in its own process; returns once it accepts connections (or fails if it exits)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "fenji", "serve", str(out), "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(600):  # readiness, not a timing assertion: up to a minute on a loaded machine
        assert server.poll() is None, server.communicate()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    pytest.fail("fenji serve did not start")


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers or {})  # the path is sent as is: no client-side normalising
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    server, port = start_server(out)
    yield out, port
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def graded(served):
    """OUT read at request time: empty first, then the dingji sample graded into it (its ledger
    beside, as a careless office would put it), the shared 收件进度 documents rendered."""
    out, port = served
    status, _, body = get(port, "/")
    assert status == 200 and "输出文件夹中还没有结果" in body.decode()
    options = RunOptions(SAMPLES / "dingji", "dingji", 2027, out, db=out / "fenji.db", documents=False)
    run(options)
    write_documents(check(options), options, out, with_returns(lambda *args: Plan()), TEMPLATES)
    outside = out.parent / "secret.pdf"
    outside.write_text("outside OUT")
    (out / "documents" / "白河镇" / "link.pdf").symlink_to(outside)
    (out / "documents" / ".staging").mkdir()
    (out / "documents" / ".staging" / "inbox-copy.pdf").write_text("an INBOX file")
    return out, port


def test_page_shows_missing_returns_first(graded):
    out, port = graded
    status, headers, body = get(port, "/")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "<script" not in page
    progress = page[page.index('id="progress"') : page.index('id="problems"')]
    assert progress.index("白河镇") < progress.index("清溪镇")  # the unit with gaps first
    assert "沙坝村党支部" in progress and "评分定级表（附件4）中的一行" in progress and "缺报" in progress
    assert f'href="{PROGRESS}"' in page


def test_problem_filter_by_level_and_unit(graded):
    out, port = graded
    page = get(port, "/?level=" + quote("警告") + "&unit=" + quote("清溪镇"))[2].decode()
    problems = page[page.index('class="problems"') : page.index('id="results"')]
    assert "total-mismatch" in problems and "K8" in problems and "评分定级表" in problems
    assert "missing-return" not in problems and "错误" not in problems.replace("显示", "")
    page = get(port, "/?level=" + quote("错误") + "&unit=" + quote("白河镇"))[2].decode()
    problems = page[page.index('class="problems"') : page.index('id="results"')]
    assert "missing-return" in problems and "白河镇/白河镇党组织名册.xlsx" in problems and "A12" in problems
    assert "清溪镇/" not in problems


def test_the_progress_pdf_downloads(graded):
    out, port = graded
    status, headers, body = get(port, PROGRESS)
    assert status == 200 and body.startswith(b"%PDF") and "attachment" in headers["content-disposition"]
    assert body == (out / "documents" / "白河镇" / "收件进度.pdf").read_bytes()
    status, _, body = get(port, "/files/returns.csv")
    assert status == 200 and "缺报" in body.decode("utf-8-sig")


@pytest.mark.parametrize(
    "path",
    [
        "/files/../fenji.db",
        "/files/%2e%2e/fenji.db",
        "/files/documents/../fenji.db",
        "/files/documents/%2E%2E/%2E%2E/secret.pdf",
        "/files/fenji.db",
        "/files/documents/" + quote("白河镇") + "/link.pdf",  # a symlink out of OUT
        "/files/documents/.staging/inbox-copy.pdf",  # hidden: watch's links of INBOX files
        "/files//etc/passwd",
        "/files/" + quote("/etc/passwd", safe=""),
        "/../../etc/passwd",
    ],
)
def test_traversal_and_unlisted_files_are_404(graded, path: str):
    out, port = graded
    status, _, body = get(port, path)
    assert status == 404, path
    assert b"outside OUT" not in body and b"SQLite" not in body


def test_a_real_browser_shows_the_page(graded, tmp_path: Path):
    out, port = graded
    browser = shutil.which("chromium")
    assert browser, "chromium is not installed: run FENJI_TEST_PACKAGES=1 bash scripts/setup.sh"
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
        + ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
        + [f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", f"http://127.0.0.1:{port}/"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    dom = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert "收件进度" in dom and "沙坝村党支部" in dom and "石门村党支部" in dom and "尚缺 2 份表" in dom
    assert f'href="{PROGRESS}"' in dom


def test_other_host_needs_a_password(graded):
    out, _ = graded
    done = subprocess.run(
        [sys.executable, "-m", "fenji", "serve", str(out), "--host", "0.0.0.0"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "--password" in done.stdout + done.stderr


def test_missing_out_exits_2(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "fenji", "serve", str(tmp_path / "nope")], capture_output=True, text=True
    )
    assert done.returncode == 2 and "不存在" in done.stdout + done.stderr


def test_password_is_basic_auth(graded):
    out, _ = graded
    server, port = start_server(out, "--password", "口令123")
    try:
        assert get(port, "/")[0] == 401
        wrong = base64.b64encode(b"fenji:wrong").decode()
        assert get(port, "/", {"Authorization": f"Basic {wrong}"})[0] == 401
        right = base64.b64encode("fenji:口令123".encode()).decode()
        status, _, body = get(port, "/", {"Authorization": f"Basic {right}"})
        assert status == 200 and "沙坝村党支部" in body.decode()
        assert get(port, PROGRESS, {"Authorization": f"Basic {right}"})[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
