"""Hostile and broken inputs (issue 9): nothing crashes, nothing leaks, nothing is lost.

The whole corpus (tests/data/hostile/make.py), each case in its own folder, is dropped beside a
small valid town (清溪镇 of the dingji sample) and run once through the real CLI in a subprocess
with a timeout: the bound is the timeout, not a measured speed. Every case must end with a
problem row naming the file, the town graded exactly as without the corpus, and nothing written
outside OUT and the ledger. The small cases are also checked one by one, in-process.
Then: kill -9 at random points of a run, two runs on one OUT, and property tests of the cell
parsers and the grading stage.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
TOWN = ROOT / "sample_workbooks" / "dingji" / "清溪镇"
OTHER_TOWN = ROOT / "sample_workbooks" / "dingji" / "白河镇"
BOUND = 90  # seconds a single `fenji run` may take before the test fails as a hang

sys.path.insert(0, str(HOSTILE))
import make  # noqa: E402  (tests/data/hostile/make.py)

# --- running fenji ------------------------------------------------------------------------------


def fenji_args(inbox: Path, out: Path, db: Path, documents: bool = False) -> list[str]:
    args = [
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
        str(out),
        "--db",
        str(db),
        "--workers",
        "1",
        "--notice-date",
        "2027-04-10",
    ]
    return args + ([] if documents else ["--no-documents"])


def fenji_run(work: Path, inbox: Path, documents: bool = False, timeout: float = BOUND) -> subprocess.CompletedProcess:
    """`fenji run` in a subprocess whose working folder is `work`; a hang fails the test."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(
        fenji_args(inbox, work / "out", work / "fenji.db", documents),
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def town_grades(out: Path) -> dict[str, str]:
    return {row["编号"]: row["等次"] for row in read_csv(out / "results.csv") if row["编号"].startswith("QX")}


def snapshot(root: Path, skip: tuple[str, ...]) -> dict[str, str]:
    """Every path under `root` (but the `skip` top-level names) → content hash, for 'nothing else written'."""
    seen = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in skip:
            continue
        if path.is_symlink():
            seen[str(rel)] = "-> " + os.readlink(path)
        elif path.is_file():
            seen[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            seen[str(rel)] = "dir"
    return seen


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict[str, str]:
    """The town's grades without any hostile file."""
    work = tmp_path_factory.mktemp("baseline")
    shutil.copytree(TOWN, work / "inbox" / "清溪镇")
    done = fenji_run(work, work / "inbox")
    assert done.returncode == 1, done.stdout + done.stderr  # the sample has errors on purpose
    grades = town_grades(work / "out")
    assert len(grades) == 13
    return grades


# --- the corpus ---------------------------------------------------------------------------------


def committed(name: str):
    def place(inbox: Path, work: Path) -> str:
        source = HOSTILE / name
        assert source.is_file(), f"missing {source}; run tests/data/hostile/make.py"
        shutil.copyfile(source, inbox / name)
        return name

    return place


def built(builder):
    def place(inbox: Path, work: Path) -> str:
        return builder(inbox).relative_to(inbox).as_posix()

    return place


def folder_named_xlsx(inbox: Path, work: Path) -> str:
    (inbox / "x.xlsx").mkdir()
    shutil.copyfile(HOSTILE / "空文件.xlsx", inbox / "x.xlsx" / "空文件.xlsx")  # found inside, and reported
    return "x.xlsx"


def symlinks_out(inbox: Path, work: Path) -> str:
    """A file link and a folder link to a valid town outside INBOX: neither is followed."""
    shutil.copytree(OTHER_TOWN, work / "outside")
    (inbox / "白河镇名册.xlsx").symlink_to(work / "outside" / "白河镇党组织名册.xlsx")
    (inbox / "白河镇").symlink_to(work / "outside", target_is_directory=True)
    return "白河镇名册.xlsx"


# (case id, how to place it, expected code, expected level)
CASES = [
    ("truncated", committed("截断.xlsx"), "workbook-corrupt", "错误"),
    ("corrupt-zip", committed("损坏压缩包.xlsx"), "workbook-corrupt", "错误"),
    ("password", committed("加密.xlsx"), "workbook-encrypted", "错误"),
    ("external-entity", committed("外部实体.xlsx"), "workbook-xml-entity", "错误"),
    ("billion-laughs", committed("十亿笑.xlsx"), "workbook-xml-entity", "错误"),
    ("far-cell", committed("远端单元格.xlsx"), "too-many-cells", "错误"),
    ("empty", committed("空文件.xlsx"), "empty-file", "错误"),
    ("zip-bomb", built(make.zip_bomb), "workbook-too-large", "错误"),
    ("lying-zip", built(make.lying_zip), "workbook-corrupt", "错误"),
    ("200000-rows", built(make.many_rows), "no-known-form", "提示"),
    ("300-sheets", built(make.many_sheets), "too-many-sheets", "错误"),
    ("5mb-cell", built(make.long_string), "cell-too-long", "错误"),
    ("20000-duplicates", built(make.duplicate_roster), "roster-duplicate-id", "错误"),
    ("folder-x.xlsx", folder_named_xlsx, "folder-named-like-workbook", "提示"),
    ("symlink-out", symlinks_out, "symlink-skipped", "提示"),
]


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    """The whole corpus in one drop folder beside the town, each case in its own folder, one run."""
    work = tmp_path_factory.mktemp("corpus")
    inbox = work / "inbox"
    shutil.copytree(TOWN, inbox / "清溪镇")
    placed = {}
    for case_id, place, _, _ in CASES:
        (inbox / case_id).mkdir()
        placed[case_id] = f"{case_id}/{place(inbox / case_id, work / case_id)}"
    before = snapshot(work, skip=("out", "fenji.db"))
    started = time.monotonic()
    done = fenji_run(work, inbox)
    return work, done, before, placed, time.monotonic() - started


@pytest.mark.parametrize("case_id, place, code, level", CASES, ids=[c[0] for c in CASES])
def test_hostile_case_is_reported(corpus_run, case_id, place, code, level):
    work, done, _, placed, _ = corpus_run
    assert done.returncode == 1, done.stdout + done.stderr  # never 2 (nothing graded), never a crash
    rel = placed[case_id]
    problems = read_csv(work / "out" / "problems.csv")
    mine = [p for p in problems if p["代码"] == code and p["文件"] == rel]
    assert mine, (
        f"no {code} row for {rel}: {sorted({(p['代码'], p['文件']) for p in problems if p['文件'].startswith(case_id)})}"
    )
    assert mine[0]["级别"] == level and any("\u4e00" <= ch <= "\u9fff" for ch in mine[0]["说明"])


def test_a_roster_pasted_20000_times_is_one_problem_row(corpus_run):
    work, _, _, placed, _ = corpus_run
    problems = read_csv(work / "out" / "problems.csv")
    rows = [p for p in problems if p["文件"] == placed["20000-duplicates"] and p["代码"] != "missing-return"]
    assert [p["代码"] for p in rows] == ["roster-duplicate-id"]
    assert "共 19999 处" in rows[0]["说明"] or "等 19999 处" in rows[0]["说明"]


def test_corpus_run_is_bounded_contained_and_grades_the_rest(corpus_run, baseline):
    work, done, before, _, seconds = corpus_run
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    problems = read_csv(work / "out" / "problems.csv")
    assert not any(p["代码"] == "internal-error" for p in problems)
    assert town_grades(work / "out") == baseline  # everything else graded as without the corpus
    assert snapshot(work, skip=("out", "fenji.db")) == before  # nothing written outside OUT (inputs untouched)
    assert sorted(p.name for p in (work / "out").iterdir()) == [
        "problems.csv",
        "results.csv",
        "results.xlsx",
        "returns.csv",
        "run.json",
    ]
    assert seconds < BOUND


def test_each_case_alone_beside_the_town(tmp_path: Path, baseline):
    """The small committed cases one by one (in-process `check`), so that one cannot hide behind another."""
    from fenji.api import RunOptions, check

    for case_id, place, code, _ in CASES[:7]:
        inbox = tmp_path / case_id / "inbox"
        shutil.copytree(TOWN, inbox / "清溪镇")
        rel = place(inbox, tmp_path / case_id)
        result = check(RunOptions(inbox, "dingji", 2027))
        assert any(p.code == code and p.file == rel for p in result.problems), case_id
        graded = result.results.set_index("编号")["等次"].to_dict()
        assert {k: v for k, v in graded.items() if k.startswith("QX")} == baseline, case_id


# --- hostile names: escaped in results, literal in PDFs, no file outside OUT ---------------------


@pytest.fixture(scope="module")
def names_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("names")
    inbox = work / "inbox"
    make.hostile_names(inbox)  # a whole town of hostile names (the valid town is in the corpus run)
    before = snapshot(work, skip=("out", "fenji.db"))
    done = fenji_run(work, inbox, documents=True)
    return work, done, before


def test_hostile_names_are_graded_and_contained(names_run):
    work, done, before = names_run
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stdout + done.stderr
    assert snapshot(work, skip=("out", "fenji.db")) == before
    out = (work / "out").resolve()
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out)
        assert "\x00" not in path.name and "\u202e" not in path.name
    notices = list((out / "documents" / "甲镇" / "通知书").iterdir())
    assert len(notices) == len(make.HOSTILE_NAMES)  # one per branch, none escaped to another folder
    rows = [r for r in read_csv(out / "results.csv") if r["编号"].startswith("JZ")]
    assert len(rows) == len(make.HOSTILE_NAMES) and all(r["等次"] in ("好", "较好", "一般", "较差") for r in rows)


def test_formula_looking_names_are_escaped_in_csv_and_xlsx(names_run):
    work, _, _ = names_run
    out = work / "out"
    names = {r["编号"]: r["名称"] for r in read_csv(out / "results.csv")}
    for n, name in enumerate(make.HOSTILE_NAMES, start=1):
        written = names[f"JZ{n:02d}"]
        expected = name.replace("\x00", "\ufffd")
        if expected.startswith(("=", "+", "-", "@")):
            assert written == "'" + expected
        else:
            assert written == expected
    problems = read_csv(out / "problems.csv")
    assert not any(value.startswith(("=", "+", "-", "@")) for p in problems for value in p.values() if value)
    book = openpyxl.load_workbook(out / "results.xlsx")
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    seen.add(cell.value)
    assert '=HYPERLINK("http://evil.example","点此")' in seen and "+cmd|' /C calc'!A0" in seen


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_names_are_literal_in_pdfs(names_run):
    work, _, _ = names_run
    notice = next((work / "out" / "documents" / "甲镇").glob("*公示.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(notice), "-"], capture_output=True, text=True, timeout=60).stdout
    flat = "".join(text.split())
    for literal in (
        "<script>alert(1)</script>村党支部",
        '=HYPERLINK("http://evil.example","点此")',
        "+cmd|'/Ccalc'!A0",
        "@SUM(1+1)*cmd",
        "../../逃逸村党支部",
        "左/右村党支部",
        "反\\斜村党支部",
    ):
        assert literal in flat, f"{literal!r} not in the 公示 PDF"
    assert "&lt;script" not in flat and "&amp;" not in flat  # escaped once, for HTML, not twice


def test_document_names_fit_in_255_bytes():
    from fenji.core.documents import safe_name

    name = safe_name("甲" * 20, 20) + safe_name("乙" * 90 + "村党支部") + "定级结果通知书.pdf"
    assert len(name.encode("utf-8")) <= 255
    assert safe_name("../../x") == "..／..／x".lstrip(".") and safe_name("..") == "未命名"
    assert safe_name("a\x00b\u202ec") == "abc"


def test_committed_cases_are_what_make_py_writes(tmp_path: Path):
    for build in make.SMALL.values():
        path = build(tmp_path)
        assert path.read_bytes() == (HOSTILE / path.name).read_bytes(), f"{path.name}: run tests/data/hostile/make.py"


# --- crash safety: kill -9 at random points -------------------------------------------------------

OUTPUTS = ("results.csv", "results.xlsx", "problems.csv", "run.json")


def state_of(out: Path) -> dict:
    """What the outputs say, without what changes from run to run (timestamps, PDF dates)."""
    state = {}
    for name in ("results.csv", "problems.csv"):
        state[name] = (out / name).read_bytes() if (out / name).exists() else None
    if (out / "results.xlsx").exists():
        sheet = openpyxl.load_workbook(out / "results.xlsx")["汇总"]
        state["results.xlsx"] = [[c.value for c in row] for row in sheet.iter_rows()]
    else:
        state["results.xlsx"] = None
    if (out / "run.json").exists():
        info = json.loads((out / "run.json").read_text(encoding="utf-8"))
        info.pop("finished", None)
        state["run.json"] = info
    else:
        state["run.json"] = None
    documents = out / "documents"
    state["documents"] = (
        sorted(p.relative_to(documents).as_posix() for p in documents.rglob("*.pdf")) if documents.is_dir() else None
    )
    return state


def pdfs_complete(out: Path) -> bool:
    return all(
        p.read_bytes().startswith(b"%PDF") and b"%%EOF" in p.read_bytes()[-64:]
        for p in (out / "documents").rglob("*.pdf")
    )


def ledger_consistent(db: Path) -> None:
    if not db.exists():
        return
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        runs = {row[0] for row in con.execute("SELECT id FROM runs")}
        assert {row[0] for row in con.execute("SELECT DISTINCT run_id FROM results")} <= runs
        assert {row[0] for row in con.execute("SELECT DISTINCT run_id FROM inputs")} <= runs
        for run_id in runs:  # a run is kept with its inputs and results, or not at all
            assert con.execute("SELECT COUNT(*) FROM inputs WHERE run_id = ?", (run_id,)).fetchone()[0] > 0


def _changed(path: Path, before: dict) -> bool:
    return path.exists() and path.stat().st_mtime_ns != before.get(path.name)


def kill_points(out: Path, db: Path, before: dict) -> list:
    """Moments of a run to kill it at: while rendering, after the documents swap, in or after the ledger
    transaction, while results.xlsx is written, and while run.json is written (the last step)."""
    return [
        ("rendering", lambda: bool(list(out.glob(".pending.*/.documents.*")))),
        ("documents written", lambda: bool(list(out.glob(".pending.*/documents")))),
        (
            "ledger",
            lambda: db.with_name(db.name + "-journal").exists() or bool(list(out.glob(".pending.*/results.csv"))),
        ),
        (
            "results.xlsx",
            lambda: bool(list(out.glob(".pending.*/.results.xlsx.*")) + list(out.glob(".pending.*/results.xlsx"))),
        ),
        ("moving in", lambda: bool(list(out.glob(".pending.*/.complete"))) or _changed(out / "results.csv", before)),
    ]


def kill_when(process: subprocess.Popen, ready, jitter: float) -> None:
    deadline = time.monotonic() + BOUND
    while process.poll() is None and not ready():
        assert time.monotonic() < deadline, "the run neither reached the kill point nor ended"
        time.sleep(0.001)
    time.sleep(jitter)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=BOUND)


def test_kill_9_leaves_previous_or_new_outputs(tmp_path: Path):
    from builders import branch, write_town

    inbox = write_town(
        tmp_path / "inbox",
        [
            branch("QX01", [12, 8, 8, 8, 8, 15], (30, 5, 1, 0)),
            branch("QX02", [13, 9, 8, 8, 9, 17], (28, 6, 2, 0)),
            branch("QX03", [10, 7, 6, 7, 6, 12], (20, 8, 5, 1)),
        ],
    )
    scores = inbox / "清溪镇附件4.xlsx"  # a small town: three branches, documents in about 3 s
    held = tmp_path / scores.name
    shutil.move(scores, held)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out, db = tmp_path / "out", tmp_path / "fenji.db"
    assert fenji_run(tmp_path, inbox).returncode == 1  # the previous outputs: no 附件4 (all 未评定), no documents
    previous = state_of(out)
    shutil.move(held, scores)  # the new run: 附件4 back, with documents
    from fenji.core.outputs import output_lock

    rng, seen = random.Random(9), []
    for name, ready in kill_points(out, db, {p.name: p.stat().st_mtime_ns for p in out.iterdir()}):
        process = subprocess.Popen(
            fenji_args(inbox, out, db, True),
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        kill_when(process, ready, rng.uniform(0, 0.01))
        with output_lock(out):  # what the next run finds: a documents swap caught half-way is put back
            seen.append((name, state_of(out)))
        assert pdfs_complete(out), f"kill at {name}: a PDF is cut short"
        ledger_consistent(db)
    assert fenji_run(tmp_path, inbox, documents=True).returncode in (0, 1)  # the same run, left alone
    new = state_of(out)
    assert all(new[name] != previous[name] for name in ("results.csv", "results.xlsx", "run.json", "documents"))
    for name, now in seen:  # one run's outputs, never a mix: a complete pending run is rolled forward
        for output in (*OUTPUTS, "documents"):
            assert now[output] in (previous[output], new[output]), f"kill at {name}: {output} is neither old nor new"
        assert now in (previous, new), f"kill at {name}: OUT mixes the previous run's outputs with the new run's"
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    ledger_consistent(db)


# --- two runs on one OUT ---------------------------------------------------------------------------


def test_second_run_refuses_while_out_is_locked(tmp_path: Path):
    inbox = tmp_path / "inbox"
    shutil.copytree(TOWN, inbox / "清溪镇")
    (tmp_path / "out").mkdir()
    with open(tmp_path / "out" / ".fenji.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        done = fenji_run(tmp_path, inbox)
    assert done.returncode == 2
    assert "另一个 fenji 正在向" in done.stdout + done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".fenji.lock"]


def test_two_runs_at_once_never_interleave(tmp_path: Path):
    from builders import branch, write_town

    inbox = write_town(
        tmp_path / "inbox",
        [branch("QX01", [12, 8, 8, 8, 8, 15], (30, 5, 1, 0)), branch("QX02", [13, 9, 8, 8, 9, 17], (28, 6, 2, 0))],
    )
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen(
        fenji_args(inbox, out, tmp_path / "fenji.db", True),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + BOUND
    while not list(out.glob(".pending.*/.documents.*")):  # the first run is inside its lock, rendering
        assert first.poll() is None and time.monotonic() < deadline, "the first run ended before it could be raced"
        time.sleep(0.02)
    second = subprocess.run(
        fenji_args(inbox, out, tmp_path / "other.db"),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    assert second.returncode == 2 and "另一个 fenji 正在向" in second.stdout + second.stderr
    assert not (tmp_path / "other.db").exists()
    first.communicate(timeout=BOUND)
    assert first.returncode in (0, 1)
    assert all((out / name).exists() for name in OUTPUTS) and pdfs_complete(out)
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["documents"]


# --- resource bounds are profile settings -----------------------------------------------------------


def test_limits_come_from_the_profile(tmp_path: Path):
    from fenji.core.profiles import ProfileError
    from fenji.core.workbook import Limits
    from fenji.systems import builtin_text, load_profile

    text = builtin_text("dingji")
    custom = tmp_path / "strict.toml"
    custom.write_text(text + "\n[limits]\nmax_cells = 50\nseconds = 5\n", encoding="utf-8")
    limits = Limits.of(load_profile(str(custom)))
    assert (limits.max_cells, limits.seconds, limits.max_sheets) == (50, 5.0, Limits().max_sheets)
    assert Limits.of(load_profile("dingji")) == Limits()
    custom.write_text(text + "\n[limits]\nmax_cells = -1\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="limits.max_cells"):
        load_profile(str(custom))
    inbox = tmp_path / "inbox"
    shutil.copytree(TOWN, inbox / "清溪镇")
    from fenji.api import RunOptions, check

    custom.write_text(text + "\n[limits]\nmax_cells = 50\n", encoding="utf-8")
    result = check(RunOptions(inbox, str(custom), 2027))
    assert any(p.code == "too-many-cells" for p in result.problems)
    custom.write_text(text + "\n[limits]\nseconds = 0.000001\n", encoding="utf-8")
    result = check(RunOptions(inbox, str(custom), 2027))
    assert any(p.code == "file-time-budget" and p.file for p in result.problems)


# --- fuzzing: the cell parsers ---------------------------------------------------------------------

from fenji.core import cells  # noqa: E402

HOSTILE_TEXT = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.,%％-+eE∞ 　\u202e\u200b\x00\ufeff"),
    st.sampled_from(
        [
            "1e999999",
            "-0",
            "NaN",
            "inf",
            "９" * 400,
            "1" * 5000,
            "=1+1",
            "@SUM(A1)",
            "满意\x00",
            "２０２７年２月３０日",
            "0000-00-00",
            "9999-99-99",
            "★" * 50,
            "五星★☆",
            "100%%",
            "%",
            "--5",
        ]
    ),
)
CELL = st.one_of(
    st.none(),
    st.booleans(),
    HOSTILE_TEXT,
    st.floats(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.dates(),
    st.datetimes(),
    st.decimals(allow_nan=True, allow_infinity=True),
)
OPTIONS = ["满意", "基本满意", "不满意", "不了解"]


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(CELL)
def test_cell_parsers_return_a_value_or_none(value):
    number = cells.parse_number(value)
    assert number is None or (isinstance(number, Decimal) and number.is_finite())
    count = cells.parse_count(value)
    assert count is None or (isinstance(count, int) and not isinstance(count, bool))
    percent = cells.parse_percent(value)
    assert percent is None or (isinstance(percent, Decimal) and percent.is_finite())
    day = cells.parse_date(value)
    assert day is None or isinstance(day, dt.date)
    stars = cells.parse_stars(value)
    assert stars is None or (isinstance(stars, int) and 0 <= stars <= 5)
    option = cells.parse_option(value, OPTIONS)
    assert option is None or option in OPTIONS


# --- fuzzing: the grading stage ----------------------------------------------------------------------

from fenji.core.arith import fewest_required, most_allowed  # noqa: E402
from fenji.core.problems import Problems  # noqa: E402
from fenji.grading.grade import PENDING, UNGRADED, grade, rank_key  # noqa: E402
from fenji.systems import load_profile

DINGJI = load_profile("dingji")
SCORES = st.sampled_from([Decimal(s) for s in ("95", "92.5", "90", "89.9", "85", "80", "75", "70", "60", "59.9", "45")])
SUBJECT = st.tuples(
    SCORES,
    st.integers(23, 24),
    st.integers(18, 19),
    st.integers(0, 7).map(lambda k: k == 0),
    st.sampled_from(["甲镇", "乙镇"]),
)


def subjects_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "编号": f"S{n:03d}",
                "名称": f"第{n}村",
                "单位": unit,
                "类别": "",
                "得分": score,
                "missing": ["附件4"] if missing else [],
                "否决情形": "",
                "群众评价": Decimal(public),
                "工作业绩": Decimal(work),
                "自评等次": "",
                "自评得分": None,
                "上年等次": "",
                "sources": {},
            }
            for n, (score, public, work, missing, unit) in enumerate(rows, start=1)
        ]
    )


@settings(
    max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(SUBJECT, min_size=1, max_size=30))
def test_grading_keeps_quotas(rows):
    frame = subjects_frame(rows)
    graded = grade(frame, DINGJI, [], Problems()).subjects
    assert len(graded) == len(frame) and set(graded["编号"]) == set(frame["编号"])
    assert set(graded["等次"]) <= set(DINGJI.grades) | {PENDING, UNGRADED}
    assert (graded["等次"] == UNGRADED).tolist() == [bool(r[3]) for r in rows]
    cap = next(q for q in DINGJI.quotas if q.kind == "cap")
    floor = next(q for q in DINGJI.quotas if q.kind == "floor")
    for unit, group in graded[graded["等次"] != UNGRADED].groupby("单位"):
        n = len(group)
        grades = list(group["等次"])
        assert grades.count(cap.grade) <= most_allowed(cap.share, n), f"{unit}: cap exceeded without a decision"
        if PENDING not in grades:
            assert grades.count(floor.grade) >= fewest_required(floor.share, n), f"{unit}: floor not met"
        keys = {i: rank_key(graded, i, DINGJI) for i in group.index}
        for i in group.index[group["等次"] == PENDING]:
            twins = [j for j in group.index if j != i and keys[j] == keys[i]]
            assert twins, f"{unit}: {graded.at[i, '编号']} is 待定 without a real tie"


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.lists(SUBJECT.map(lambda s: (s[0], 22, 18, False, "甲镇")), min_size=2, max_size=25))
def test_grading_without_ties_has_no_pending(rows):
    # distinct scores: no tie can straddle a quota line, so nothing is 待定
    seen, unique = set(), []
    for row in rows:
        if row[0] not in seen:
            seen.add(row[0])
            unique.append(row)
    graded = grade(subjects_frame(unique), DINGJI, [], Problems()).subjects
    assert PENDING not in set(graded["等次"])
    assert Fraction(list(graded["等次"]).count("好")) <= Fraction(most_allowed(Decimal("0.2"), len(unique)))
