"""Drop-folder mode: a real watcher (a thread, or `fenji watch` in a subprocess) on real files.

Files are copied in the way a clerk's copy arrives (in chunks, with pauses, beside lock files);
nothing here fakes a file-system event. Settle time is 0.3 s so the whole file runs in well under a minute.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pytest

from fenji import api, watch
from fenji.core.problems import FatalError
from fenji.watch import Watcher

ROOT = Path(__file__).resolve().parent.parent
TOWN = ROOT / "sample_workbooks" / "dingji" / "清溪镇"
VILLAGE = "清溪镇/村级报送"
SELF_XINTIAN = "附件2-新田村党支部自评表.xlsx"
SELF_YANGLIU = "附件2-杨柳村党支部自评表.xlsx"
BALLOTS_ZHULIN = "附件3-竹林村党支部满意度测评表.xlsx"  # ballot 4 says 很满意 (cell H8): an error
SETTLE = 0.3
TIMEOUT = 20

# watchdog's own harmless race (a new folder watched twice); fenji.watch silences it, pytest re-enables warnings
pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")


# --- helpers --------------------------------------------------------------------------------


def seed(inbox: Path, *names: str) -> None:
    """The town's roster and 附件4 (and more `names` from 村级报送) as the clerk's first delivery."""
    for name in ("清溪镇党组织名册.xlsx", "附件4-清溪镇评分定级表.xlsx"):
        drop(TOWN / name, inbox / "清溪镇" / name)
    for name in names:
        drop(TOWN / "村级报送" / name, inbox / VILLAGE / name)


def drop(src: Path, dest: Path, mtime: float | None = None) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)
    if mtime is not None:
        os.utime(dest, (mtime, mtime))
    return dest


def accepted(inbox: Path, name: str) -> list[Path]:
    return sorted((inbox / "已处理").glob(f"*/**/{name}"))


def returned(inbox: Path, name: str) -> list[Path]:
    return sorted((inbox / "退回").glob(f"*/**/{name}"))


def results(out: Path) -> dict[str, dict]:
    with open(out / "results.csv", encoding="utf-8-sig", newline="") as handle:
        return {row["名称"]: row for row in csv.DictReader(handle)}


def wait_until(condition, timeout: float = TIMEOUT, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Running:
    """A watcher in a thread, collecting its events; stopped (and joined) on leaving the block."""

    def __init__(self, inbox: Path, out: Path, **kwargs):
        self.events: list[watch.Event] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None
        options = api.RunOptions(inbox, "dingji", 2027, out, db=out.parent / "fenji.db", workers=1, documents=False)
        kwargs.setdefault("rescan", 5.0)
        self.watcher = Watcher(
            options, run=api.run, check=api.check, settle=SETTLE, on_event=self.events.append, **kwargs
        )
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.watcher.run(self.stop)
        except BaseException as exc:  # surfaced by wait()
            self.error = exc

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "watcher did not stop"

    def of(self, kind: str, text: str = "") -> list[watch.Event]:
        return [e for e in list(self.events) if e.kind == kind and text in e.text]

    def wait(self, kind: str, text: str = "", count: int = 1) -> list[watch.Event]:
        def seen():
            if self.error is not None:
                raise AssertionError(f"watcher failed: {self.error!r}")
            return len(self.of(kind, text)) >= count

        wait_until(seen, what=f"{count} × {kind} {text}; got {[e.line() for e in self.events]}")
        return self.of(kind, text)


def corrected_copy(tmp_path: Path, day: int = 28) -> Path:
    """新田村's self-assessment as the clerk corrects it: 党组织带头人 12 → 14 (total 89 → 91), dated
    two days after the first (3月26日), or on `day`."""
    book = openpyxl.load_workbook(TOWN / "村级报送" / SELF_XINTIAN)
    sheet = book.active
    sheet["E5"] = 14
    sheet["D3"] = f"填报日期：2027年3月{day}日"
    path = tmp_path / "corrected" / SELF_XINTIAN
    path.parent.mkdir()
    book.save(path)
    return path


# --- in a thread ----------------------------------------------------------------------------


def test_file_copied_slowly_is_read_once_and_complete(tmp_path: Path):
    inbox, out = tmp_path / "收件 箱", tmp_path / "out"
    seed(inbox)
    data = (TOWN / "村级报送" / SELF_XINTIAN).read_bytes()
    cut = len(data) * 6 // 10
    with Running(inbox, out) as w:
        w.wait("定级")
        dest = inbox / VILLAGE / SELF_XINTIAN
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "wb") as handle:
            for start in range(0, cut, 1000):  # chunks faster than the settle time …
                handle.write(data[start : min(start + 1000, cut)])
                handle.flush()
                time.sleep(0.1)
            time.sleep(SETTLE * 2.5)  # … then a stall longer than it: a truncated zip
            handle.write(data[cut:])
        w.wait("接收", "新田村")
        w.wait("定级", count=2)
    seen = [e.kind for e in w.events if "新田村" in e.text]
    assert seen[0] == "发现" and "未完成" in seen and seen[-1] == "接收" and seen.count("接收") == 1
    [kept] = accepted(inbox, SELF_XINTIAN)
    assert kept.read_bytes() == data
    assert not dest.exists() and not (inbox / "退回").exists()
    assert results(out)["新田村党支部"]["自评得分"] == "89.0"


def test_lock_and_temporary_files_are_ignored(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox)
    folder = inbox / VILLAGE
    folder.mkdir(parents=True)
    junk = {
        f"~${SELF_YANGLIU}": b"\x05clerk" + b"\0" * 150,
        f".~lock.{SELF_YANGLIU}#": "清溪,clerk,2027".encode(),
        f"{SELF_YANGLIU}.tmp": b"PK\x03\x04half",
    }
    for name, content in junk.items():
        (folder / name).write_bytes(content)
    drop(TOWN / "村级报送" / SELF_YANGLIU, folder / SELF_YANGLIU)
    drop(TOWN / "村级报送" / "河坝村活动照片说明.txt", folder / "河坝村活动照片说明.txt")
    with Running(inbox, out) as w:
        w.wait("定级")
        time.sleep(SETTLE * 3)  # time enough to pick up anything else
    assert {p.name for p in folder.iterdir()} == set(junk) | {"河坝村活动照片说明.txt"}
    assert [e.kind for e in w.events if "照片" in e.text] == ["跳过"]
    assert all((folder / name).read_bytes() == content for name, content in junk.items())
    assert not [e for e in w.events if "~" in e.text or ".tmp" in e.text]
    inputs = [i["path"] for i in json.loads((out / "run.json").read_text(encoding="utf-8"))["inputs"]]
    assert len(inputs) == 3 and any(path.endswith(SELF_YANGLIU) for path in inputs)


def test_corrected_resubmission_replaces_the_earlier_one(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox, SELF_XINTIAN)
    first_mtime = (TOWN / "村级报送" / SELF_XINTIAN).stat().st_mtime
    fixed = corrected_copy(tmp_path)
    with Running(inbox, out) as w:
        w.wait("定级")
        assert results(out)["新田村党支部"]["自评得分"] == "89.0"
        drop(fixed, inbox / VILLAGE / SELF_XINTIAN, mtime=first_mtime + 3600)
        w.wait("接收", "新田村", count=2)
        w.wait("定级", count=2)
    assert results(out)["新田村党支部"]["自评得分"] == "91.0"
    earlier, later = accepted(inbox, SELF_XINTIAN) + accepted(inbox, SELF_XINTIAN.replace(".xlsx", "(2).xlsx"))
    assert later.read_bytes() == fixed.read_bytes()
    assert later.stat().st_mtime == pytest.approx(first_mtime + 3600)  # moving kept the mtime
    with open(out / "problems.csv", encoding="utf-8-sig", newline="") as handle:
        superseded = [row["文件"] for row in csv.DictReader(handle) if row["代码"] == "superseded"]
    assert superseded == [earlier.relative_to(inbox / "已处理").as_posix()]


def test_a_resubmission_dated_earlier_is_taken_but_said_to_be_unused(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox, SELF_XINTIAN)
    older = corrected_copy(tmp_path, day=20)
    with Running(inbox, out) as w:
        w.wait("定级")
        drop(older, inbox / VILLAGE / SELF_XINTIAN)
        [told] = w.wait("提示", "未被采用")
        w.wait("定级", count=2)
    assert "(2).xlsx 未被采用" in told.text and "填报日期" in told.text
    assert results(out)["新田村党支部"]["自评得分"] == "89.0"  # the first one still counts


def test_file_with_errors_is_returned_with_a_note(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox)
    with Running(inbox, out) as w:
        w.wait("定级")
        drop(TOWN / "村级报送" / BALLOTS_ZHULIN, inbox / VILLAGE / BALLOTS_ZHULIN)
        [event] = w.wait("退回", "竹林村")
    [back] = returned(inbox, BALLOTS_ZHULIN)
    assert back.parent == inbox / "退回" / back.parts[-4] / "清溪镇" / "村级报送"
    assert back.read_bytes() == (TOWN / "村级报送" / BALLOTS_ZHULIN).read_bytes()
    note = back.with_name(back.name + ".问题.txt").read_bytes()
    assert note.startswith(b"\xef\xbb\xbf") and b"\r\n" in note  # Notepad on any Windows
    text = note.decode("utf-8-sig")
    for words in ("退回", "工作表“测评表”，单元格 H8（竹林村党支部）", "很满意", "改正", "重新放回收件文件夹"):
        assert words in text, words
    assert not accepted(inbox, BALLOTS_ZHULIN) and not (inbox / VILLAGE / BALLOTS_ZHULIN).exists()
    assert "1 处错误" in event.text


def test_a_committee_error_does_not_send_the_village_form_back(tmp_path: Path):
    """A 终身五星 holder the panel disagrees with is an error for the committee (rules §9), not a
    mistake in the 领导小组评议表: the form is accepted and the error stays in problems.csv."""
    from fenji.systems.xingji.samples import Person, panel_grid, roster_grid, save, votes_grid

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    people = [Person(f"C{n}", f"村民C{n}", "党员干部", "第1党支部", votes=[80 + n] * 3) for n in range(5)]
    people.append(
        Person(
            "L1",
            "穆老党",
            "党员干部",
            "第1党支部",
            joined="1945年3月",
            votes=[70] * 3,
            opinion="不同意",
            note="长期不参加组织生活",
        )
    )
    save([roster_grid("大水村", 2027, people)], inbox / "大水村" / "大水村评定对象名册.xlsx")
    save([votes_grid("大水村", "2027年1月10日", people, 3)], inbox / "大水村" / "大水村民主评议计分表.xlsx")
    panel = tmp_path / "later" / "大水村领导小组评议表.xlsx"
    save([panel_grid("大水村", "2027年1月12日", people, [])], panel)
    options = api.RunOptions(inbox, "xingji-dashui", 2027, out, db=tmp_path / "fenji.db", workers=1, documents=False)
    events: list[watch.Event] = []
    stop = threading.Event()
    watcher = Watcher(options, run=api.run, check=api.check, settle=SETTLE, on_event=events.append, rescan=5.0)
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: any(e.kind == "定级" for e in events), what="first grading")
        graded = sum(e.kind == "定级" for e in events)
        drop(panel, inbox / "大水村" / panel.name)
        wait_until(lambda: sum(e.kind == "定级" for e in events) > graded, what="grading with the panel")
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert accepted(inbox, panel.name) and not returned(inbox, panel.name)
    with open(out / "problems.csv", encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["代码"] == "lifetime-review-rejected"]
    assert [(r["级别"], r["对象"]) for r in rows] == [("错误", "L1")]
    assert results(out)["穆老党"]["等次"] == "五星"


def test_summary_disagreeing_only_with_a_returned_form_is_accepted(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox, BALLOTS_ZHULIN)
    drop(TOWN / "清溪镇满意度测评汇总表.xlsx", inbox / "清溪镇" / "清溪镇满意度测评汇总表.xlsx")
    with Running(inbox, out) as w:
        w.wait("定级")
    assert returned(inbox, BALLOTS_ZHULIN) and accepted(inbox, "清溪镇满意度测评汇总表.xlsx")


def test_a_returned_file_sent_again_unchanged_is_taken_once_its_cause_is_fixed(tmp_path: Path):
    """The summary is returned for disagreeing with 新田村's ballots; the village corrects those, and
    the very same summary, sent again, is now accepted (sent again before that, it stays a repeat)."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    ballots, summary = "附件3-新田村党支部满意度测评表.xlsx", "清溪镇满意度测评汇总表.xlsx"
    book = openpyxl.load_workbook(TOWN / "村级报送" / ballots)
    book.active["H5"] = "基本满意"  # ballot 1: one vote off the summary's count
    wrong = tmp_path / "wrong" / ballots
    wrong.parent.mkdir()
    book.save(wrong)
    seed(inbox)
    drop(wrong, inbox / VILLAGE / ballots)
    with Running(inbox, out) as w:
        w.wait("定级")
        drop(TOWN / summary, inbox / "清溪镇" / summary)
        w.wait("退回", summary)
        drop(TOWN / summary, inbox / "清溪镇" / summary)
        [repeat] = w.wait("重复", summary)
        drop(TOWN / "村级报送" / ballots, inbox / VILLAGE / ballots, mtime=time.time() + 60)  # the correction
        w.wait("接收", "新田村", count=2)
        drop(TOWN / summary, inbox / "清溪镇" / summary)
        [taken] = w.wait("接收", summary)
        w.wait("定级", count=3)
    assert "仍有 1 处错误" in repeat.text and "重新检查已无错误" in taken.text
    note = returned(inbox, summary.replace(".xlsx", "(2).xlsx"))[0]
    text = note.with_name(note.name + ".问题.txt").read_text(encoding="utf-8-sig")
    assert "内容完全相同" in text and "错误仍在" in text and "单元格" in text and "另一份表" in text
    assert len(accepted(inbox, summary)) == 1 and len(returned(inbox, summary)) == 1


def test_files_wait_in_the_inbox_until_a_roster_arrives(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    drop(TOWN / "村级报送" / SELF_XINTIAN, inbox / VILLAGE / SELF_XINTIAN)
    with Running(inbox, out) as w:
        [held] = w.wait("暂缓", "新田村")
        assert "名册" in held.text and (inbox / VILLAGE / SELF_XINTIAN).exists() and not (out / "results.csv").exists()
        seed(inbox)
        w.wait("接收", "新田村")
        w.wait("定级")
    assert results(out)["新田村党支部"]["自评得分"] == "89.0" and not (inbox / "退回").exists()


def test_same_content_is_not_processed_twice(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox)
    with Running(inbox, out) as w:
        w.wait("定级")
        drop(TOWN / "清溪镇党组织名册.xlsx", inbox / "名册 再发一次.xlsx")
        drop(TOWN / "村级报送" / BALLOTS_ZHULIN, inbox / VILLAGE / BALLOTS_ZHULIN)
        w.wait("退回", "竹林村")
        drop(TOWN / "村级报送" / BALLOTS_ZHULIN, inbox / VILLAGE / BALLOTS_ZHULIN)  # unchanged, sent again
        w.wait("重复", count=2)
        time.sleep(SETTLE * 2)
    assert len(w.of("定级")) == 1 and len(w.of("接收")) == 2
    assert len(accepted(inbox, "清溪镇党组织名册.xlsx")) == 1 and len(returned(inbox, "名册 再发一次.xlsx")) == 1
    assert len(returned(inbox, BALLOTS_ZHULIN.replace(".xlsx", "(2).xlsx"))) == 1
    notes = sorted((inbox / "退回").glob("*/**/*.问题.txt"))
    again = [n.read_text(encoding="utf-8-sig") for n in notes if "(2)" in n.name]
    assert "内容完全相同" in again[0] and "问题.txt" in again[0]  # points to the first note
    assert any("已经接收" in n.read_text(encoding="utf-8-sig") for n in notes if "名册" in n.name)


def test_an_exception_returns_the_file_and_the_watcher_goes_on(tmp_path: Path, monkeypatch):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox)
    real = watch.sha256_file

    def breaks_on_one(path):
        if "坏" in path.name:
            raise RuntimeError("a bug that only this file brings out")
        return real(path)

    monkeypatch.setattr(watch, "sha256_file", breaks_on_one)
    with Running(inbox, out) as w:
        w.wait("定级")
        drop(TOWN / "村级报送" / SELF_YANGLIU, inbox / "坏.xlsx")
        drop(TOWN / "村级报送" / SELF_XINTIAN, inbox / VILLAGE / SELF_XINTIAN)
        w.wait("退回", "坏.xlsx")
        w.wait("接收", "新田村")
        w.wait("定级", count=2)
    assert w.of("出错", "坏.xlsx")
    [back] = returned(inbox, "坏.xlsx")
    assert "内部错误" in back.with_name("坏.xlsx.问题.txt").read_text(encoding="utf-8-sig")
    assert "Traceback" in (out / "watch.log").read_text(encoding="utf-8")


def test_an_internal_error_outside_any_file_does_not_end_the_watch(tmp_path: Path, monkeypatch):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox)
    real, calls = Watcher._fingerprint, []

    def vanishes_once(self):  # as when a file in 已处理 is deleted mid-walk
        calls.append(1)
        if len(calls) == 1:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        return real(self)

    monkeypatch.setattr(Watcher, "_fingerprint", vanishes_once)
    with Running(inbox, out) as w:
        w.wait("出错", "监视时发生内部错误")
        w.wait("定级")
    assert results(out)["新田村党支部"]["等次"] == "未评定"


def test_a_file_held_by_another_program_is_retried_not_returned(tmp_path: Path, monkeypatch):
    """A file open in Excel on a Windows share cannot be read (a sharing violation): it waits.

    Linux has no mandatory locks and root reads anything, so that one refusal is played at the OS
    boundary: opening the file fails with EACCES until the other program lets go."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox)
    held = {"on": True}
    real_open, real_sha = open, watch.sha256_file

    def refuse(path):
        if held["on"] and Path(path).name == SELF_YANGLIU:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(watch, "open", lambda path, *a, **k: refuse(path) or real_open(path, *a, **k), raising=False)
    monkeypatch.setattr(watch, "sha256_file", lambda path: refuse(path) or real_sha(path))
    with Running(inbox, out) as w:
        w.wait("定级")
        drop(TOWN / "村级报送" / SELF_YANGLIU, inbox / VILLAGE / SELF_YANGLIU)
        w.wait("未完成", "正被其他程序占用")
        drop(TOWN / "村级报送" / SELF_XINTIAN, inbox / VILLAGE / SELF_XINTIAN)
        w.wait("接收", "新田村")  # not held up by the busy one
        time.sleep(SETTLE * 4)  # several retries, still busy
        assert (inbox / VILLAGE / SELF_YANGLIU).exists() and not (inbox / "退回").exists()
        held["on"] = False
        w.wait("接收", "杨柳村")
        w.wait("定级", count=3)
    assert len(w.of("未完成", "杨柳村")) == 1 and not w.of("退回") and not w.of("出错")
    assert len(w.of("处理")) == 3  # it was never taken while busy
    assert results(out)["杨柳村党支部"]["自评得分"]


def test_a_failed_grading_is_retried_and_redone_after_a_restart(tmp_path: Path, monkeypatch):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox)
    real = api.run

    def breaks(options):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(api, "run", breaks)
    with Running(inbox, out) as w:
        w.wait("出错", "定级时发生内部错误")
        drop(TOWN / "村级报送" / SELF_XINTIAN, inbox / VILLAGE / SELF_XINTIAN)
        w.wait("接收", "新田村")  # the watcher goes on
        w.wait("出错", "定级时发生内部错误", count=2)
    assert not (out / "results.csv").exists()
    monkeypatch.setattr(api, "run", real)
    with Running(inbox, out) as w:  # nothing new, yet the outputs are made now
        w.wait("定级")
    assert not w.of("接收") and results(out)["新田村党支部"]["自评得分"] == "89.0"


def test_outputs_stale_at_restart_are_regraded(tmp_path: Path):
    """As after a stop between moving files and writing the outputs: the next start re-grades."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox, SELF_XINTIAN)
    with Running(inbox, out) as w:
        w.wait("定级")
    state = json.loads((out / ".watch-state.json").read_text(encoding="utf-8"))
    assert len(state["files"]) == 3
    state["graded"] = None
    (out / ".watch-state.json").write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    (out / "results.csv").unlink()
    with Running(inbox, out) as w:
        w.wait("定级")
    assert not w.of("接收") and not w.of("发现")
    assert results(out)["新田村党支部"]["自评得分"] == "89.0"


def test_polling_fallback_when_the_native_observer_fails(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()

    def no_inotify():
        raise OSError(28, "inotify watch limit reached")

    with Running(inbox, out, native_observer=no_inotify, rescan=60.0) as w:
        w.wait("开始")
        assert "轮询" in w.of("开始")[0].text and w.of("提示", "改用轮询")
        seed(inbox)  # seen by the polling observer, not a rescan
        w.wait("定级")
        with pytest.raises(FatalError, match="已有一个 fenji watch"):
            api.watch(api.RunOptions(inbox, "dingji", 2027, tmp_path / "out2"), stop=threading.Event())


def test_refuses_an_output_folder_inside_the_inbox(tmp_path: Path):
    with pytest.raises(FatalError, match="不能放在收件文件夹里面"):
        api.watch(api.RunOptions(tmp_path, "dingji", 2027, tmp_path / "结果"), stop=threading.Event())


# --- `fenji watch` in a subprocess -----------------------------------------------------------


def start_cli(inbox: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fenji",
            "watch",
            str(inbox),
            "--profile",
            "dingji",
            "--year",
            "2027",
            "--out",
            str(out),
            "--db",
            str(out.parent / "fenji.db"),
            "--no-documents",
            "--workers",
            "1",
            "--settle",
            str(SETTLE),
            "--rescan",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=out.parent,
        env=env,
    )


def log_after_start(out: Path, starts: int = 1) -> list[str]:
    """watch.log's lines from the `starts`-th start on (empty before it)."""
    path = out / "watch.log"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    begun = [n for n, line in enumerate(lines) if line.split(" ")[2:3] == ["开始"]]
    return lines[begun[starts - 1] :] if len(begun) >= starts else []


def kinds(lines: list[str]) -> list[str]:
    return [line.split(" ")[2] for line in lines if line[:2] == "20"]


def stop_cli(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, stderr


def wait_log(process: subprocess.Popen, out: Path, kind: str, starts: int = 1) -> None:
    def seen():
        if process.poll() is not None:
            raise AssertionError(f"fenji watch exited {process.returncode}: {process.stderr.read()}")
        return kind in kinds(log_after_start(out, starts))

    wait_until(seen, what=f"{kind} in watch.log")


def test_sigterm_during_a_batch_leaves_complete_outputs(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    shutil.copytree(TOWN.parent, inbox)  # both towns: a batch of seconds, with returns
    process = start_cli(inbox, out)
    try:
        wait_log(process, out, "处理")
    finally:
        stop_cli(process)  # SIGTERM while the batch runs
    lines = log_after_start(out)
    done = kinds(lines)
    asked = next(n for n, line in enumerate(lines) if "已收到停止请求" in line)
    assert done.index("处理") < asked < done.index("定级") < done.index("停止") == len(done) - 1
    with open(out / "results.csv", encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 23
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    kept = {p.relative_to(inbox / "已处理").as_posix() for p in (inbox / "已处理").rglob("*.xlsx")}
    assert {i["path"] for i in info["inputs"]} == kept and info["exit_status"] in (0, 1)
    assert not list(out.glob(".*.tmp")) and not list(out.glob(".pending.*")) and not (out / ".watch-stage").exists()
    workbooks = {p.name for p in TOWN.parent.rglob("*.xlsx")}
    assert {p.name for p in (inbox / "已处理").rglob("*.xlsx")} | {
        p.name for p in (inbox / "退回").rglob("*.xlsx")
    } == workbooks


def test_restart_after_a_stop_processes_only_what_is_new(tmp_path: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox, SELF_XINTIAN)
    process = start_cli(inbox, out)
    try:
        wait_log(process, out, "定级")
    finally:
        stop_cli(process)
    drop(TOWN / "村级报送" / SELF_YANGLIU, inbox / VILLAGE / SELF_YANGLIU)  # arrives while stopped
    drop(TOWN / "村级报送" / SELF_XINTIAN, inbox / VILLAGE / SELF_XINTIAN)  # the same file, again
    process = start_cli(inbox, out)
    try:
        wait_log(process, out, "定级", starts=2)
    finally:
        stop_cli(process)
    second = log_after_start(out, starts=2)
    assert [line for line in second if " 接收 " in line][0].split(" ")[3].endswith(SELF_YANGLIU)
    assert kinds(second).count("接收") == 1 and kinds(second).count("重复") == 1
    assert "已接收 3 个" in second[0]
    assert len(accepted(inbox, SELF_XINTIAN)) == 1 and len(accepted(inbox, SELF_YANGLIU)) == 1
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert len(info["inputs"]) == 4
    assert {"新田村党支部", "杨柳村党支部"} <= {name for name, row in results(out).items() if row["自评得分"]}


def returns_of(out: Path) -> dict[tuple[str, str], str]:
    with open(out / "returns.csv", encoding="utf-8-sig", newline="") as handle:
        return {(row["名称"], row["表"]): row["状态"] for row in csv.DictReader(handle)}


def test_returns_are_refreshed_after_each_batch_and_never_send_the_roster_back(tmp_path: Path):
    """The forms still to come are errors (missing-return) at the roster's rows, but the roster is right:
    it is accepted; returns.csv follows each batch."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    seed(inbox, SELF_XINTIAN)
    with Running(inbox, out) as w:
        w.wait("定级")
        progress = returns_of(out)
        assert progress[("新田村党支部", "自评表（附件2）")] == "已收"
        assert progress[("杨柳村党支部", "自评表（附件2）")] == "缺报"
        drop(TOWN / "村级报送" / SELF_YANGLIU, inbox / VILLAGE / SELF_YANGLIU)
        w.wait("接收", "杨柳村")
        w.wait("定级", count=2)
    assert returns_of(out)[("杨柳村党支部", "自评表（附件2）")] == "已收"
    assert accepted(inbox, "清溪镇党组织名册.xlsx") and not returned(inbox, "清溪镇党组织名册.xlsx")
