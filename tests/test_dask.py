"""--executor dask://HOST:PORT and dask-local: a real LocalCluster of 2 worker processes on loopback.

The results, the problem list and the PDFs (byte for byte) are exactly those of --workers 1;
reading goes out in batches (fewer tasks than files). dask[distributed] is part of the test extra: no skip here.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import distributed
import pandas as pd
import pytest

from fenji.api import EXIT_NOTHING_GRADED, RunOptions, check, run
from fenji.core import executors
from fenji.core.discover import discover
from fenji.core.problems import FatalError, Problems
from fenji.systems import load_profile

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_workbooks" / "dingji"
DAY = dt.date(2027, 4, 10)


@pytest.fixture(scope="module")
def cluster():
    """`dask://127.0.0.1:PORT` of a LocalCluster with 2 worker processes, for this module."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_kwargs=executors.LOOPBACK_HTTP
    ) as local:
        yield "dask://" + local.scheduler_address.removeprefix("tcp://")


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    """An inbox with the sample's smaller town only (23 files), to keep the PDF comparison quick."""
    inbox = tmp_path_factory.mktemp("inbox")
    shutil.copytree(SAMPLE / "白河镇", inbox / "白河镇")
    return inbox


@pytest.fixture(scope="module")
def baseline(town, tmp_path_factory):
    """The town's run with documents on --workers 1."""
    out = tmp_path_factory.mktemp("one")
    return run(RunOptions(town, "dingji", 2027, out, db=out / "fenji.db", workers=1, notice_date=DAY)), out


def _pdfs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted((out / "documents").rglob("*.pdf"))}


def test_dask_run_is_identical_to_workers_1(cluster, town, baseline, tmp_path: Path):
    one, one_out = baseline
    out = tmp_path / "dask"
    on_dask = run(
        RunOptions(town, "dingji", 2027, out, db=out / "fenji.db", workers=2, notice_date=DAY, executor=cluster)
    )
    assert on_dask.exit_code == one.exit_code, on_dask.message
    pd.testing.assert_frame_equal(one.results, on_dask.results)
    assert one.problems.sorted() == on_dask.problems.sorted()
    assert [f.rel for f in one.files] == [f.rel for f in on_dask.files]
    pdfs = _pdfs(out)
    assert len(pdfs) >= 10 and pdfs == _pdfs(one_out)  # the same files, byte for byte


def test_reading_goes_out_in_batches(cluster):
    profile = load_profile("dingji")
    files = discover(SAMPLE, Problems())
    with executors.connect(cluster, 2) as pool:
        results = pool.read(files, profile, lambda stage, done, total: None)
        assert 1 <= pool.tasks < len(files)
    assert [r.rel for r in results] == [f.rel for f in files]


def test_batches_are_consecutive_and_bounded():
    items = list(range(1000))
    groups = executors.batches(items, 2)
    assert [i for g in groups for i in g] == items
    assert max(len(g) for g in groups) <= executors.MAX_BATCH and len(groups) < len(items)
    assert executors.batches(list(range(5)), 2) == [[0], [1], [2], [3], [4]]
    assert executors.batches([], 2) == []


def test_cli_run_on_the_cluster(cluster, town, baseline, tmp_path: Path):
    _, one_out = baseline
    out = tmp_path / "cli"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fenji",
            "run",
            str(town),
            "--profile",
            "dingji",
            "--year",
            "2027",
            "--out",
            str(out),
            "--db",
            str(tmp_path / "fenji.db"),
            "--no-documents",
            "--executor",
            cluster,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert (out / "results.csv").read_bytes() == (one_out / "results.csv").read_bytes()


def test_dask_local_starts_its_own_cluster():
    # the whole sample (both towns, the committee's decisions): reading only
    one = check(RunOptions(SAMPLE, "dingji", 2027, workers=1))
    local = check(RunOptions(SAMPLE, "dingji", 2027, workers=2, executor="dask-local"))
    pd.testing.assert_frame_equal(one.results, local.results)
    assert one.problems.sorted() == local.problems.sorted()


@pytest.mark.parametrize("text", ["dask", "dask://", "dask://host", "dask://host:notaport", "spark://h:1", "local"])
def test_unknown_executor_is_a_chinese_fatal_error(text):
    with pytest.raises(FatalError, match="dask://主机:端口"):
        executors.parse(text)
    assert executors.parse("dask://127.0.0.1:8786").address == "tcp://127.0.0.1:8786"
    assert executors.parse("dask://[::1]:8786").address == "tcp://[::1]:8786"
    assert executors.parse("dask-local").address is None


def test_without_dask_installed_exits_2_with_the_install_command(tmp_path: Path):
    # `distributed` made unimportable in a fresh interpreter, as on an install without the extra
    code = (
        "import sys; sys.modules['distributed'] = None; sys.argv = ['fenji'] + sys.argv[1:]; "
        "from fenji.cli import main; main()"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "run",
            str(SAMPLE),
            "--profile",
            "dingji",
            "--year",
            "2027",
            "--out",
            str(tmp_path / "out"),
            "--executor",
            "dask-local",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == EXIT_NOTHING_GRADED
    assert "需要安装 Dask" in done.stderr and "fenji[dask]" in done.stderr
