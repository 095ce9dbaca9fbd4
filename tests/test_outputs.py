"""Outputs: atomic writes, a lock against concurrent runs, no formula injection."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from fenji.api import RunOptions, run
from fenji.core.outputs import atomic_path, csv_safe, output_lock, write_csv, write_results_xlsx

SAMPLE = Path(__file__).resolve().parent.parent / "sample_workbooks" / "dingji"


def test_second_run_on_same_out_refuses(tmp_path: Path):
    with output_lock(tmp_path):
        result = run(RunOptions(SAMPLE, "dingji", 2027, tmp_path, documents=False))
    assert result.exit_code == 2 and "另一个 fenji" in result.message
    assert not (tmp_path / "results.csv").exists()


def test_failed_write_leaves_previous_file(tmp_path: Path):
    target = tmp_path / "results.csv"
    target.write_text("old", encoding="utf-8")
    try:
        with atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("killed")
    except RuntimeError:
        pass
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_formula_looking_text_is_escaped(tmp_path: Path):
    frame = pd.DataFrame(
        {"名称": ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "清溪村"], "单位": ["甲镇"] * 4}
    )
    write_csv(frame, tmp_path / "r.csv")
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'+cmd" in text and "'@SUM" in text
    assert csv_safe("清溪村") == "清溪村"
    write_results_xlsx(frame, "单位", tmp_path / "r.xlsx", "结果")
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["汇总"]
    assert sheet["A3"].value.startswith("=HYPERLINK") and sheet["A3"].data_type == "s"


def test_a_complete_pending_run_is_rolled_forward_and_an_incomplete_one_dropped(tmp_path: Path):
    """The journal of commit_outputs: killed after `.complete` → the next run finishes the move;
    killed before it → OUT keeps the previous outputs and the half-written ones are deleted."""
    from fenji.core.outputs import begin_outputs, recover

    out = tmp_path / "out"
    (out / "documents").mkdir(parents=True)
    (out / "documents" / "old.pdf").write_text("old")
    (out / "results.csv").write_text("old")
    (out / "run.json").write_text("old")
    done = begin_outputs(out)
    (done / "documents").mkdir()
    (done / "documents" / "new.pdf").write_text("new")
    (done / "results.csv").write_text("new")  # run.json not yet moved in when the run was killed
    (done / "run.json").write_text("new")
    (done / ".complete").touch()
    half = begin_outputs(out)
    (half / "results.csv").write_text("half")
    recover(out)
    assert (out / "results.csv").read_text() == "new" and (out / "run.json").read_text() == "new"
    assert [p.name for p in (out / "documents").iterdir()] == ["new.pdf"]
    assert sorted(p.name for p in out.iterdir()) == ["documents", "results.csv", "run.json"]


def test_lock_file_is_removed_at_the_end_and_a_handle_on_the_removed_file_is_not_the_lock(tmp_path: Path):
    import fcntl

    from fenji.core.outputs import OutputLocked, _same_file

    with output_lock(tmp_path):
        try:
            with output_lock(tmp_path):
                raise AssertionError("a second lock on the same OUT was granted")
        except OutputLocked:
            pass
        stale = open(tmp_path / ".fenji.lock", "a+")  # a run that opened the file just before it is removed
    assert not (tmp_path / ".fenji.lock").exists()
    fcntl.flock(stale, fcntl.LOCK_EX | fcntl.LOCK_NB)  # it can lock the removed file …
    assert not _same_file(stale, tmp_path / ".fenji.lock")  # … and output_lock sees that this is not the lock
    with output_lock(tmp_path), open(tmp_path / ".fenji.lock") as current:  # so a new run is not kept out by it
        assert _same_file(current, tmp_path / ".fenji.lock")
    stale.close()
    assert list(tmp_path.iterdir()) == []
