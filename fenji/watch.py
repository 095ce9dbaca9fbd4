"""Drop-folder mode (`fenji watch`): wait for returned workbooks, grade them, file them away.

A file is taken only when it is complete: its size and modification time have not changed for
`settle` seconds and, for a zip (.xlsx) or OLE (.xls) workbook, the container opens — a copy that
pauses longer than `settle` is still a truncated zip, and is waited for, never read broken. A
file another program holds (no read access, a sharing violation on a share) is tried again every
`settle` seconds for as long as it takes, without holding up the others.

Each batch of settled files is first checked together with everything already accepted, in a
staging folder of hard links under OUT (so problems found across files, such as a name missing
from the roster, count too). Files with errors go to INBOX/退回/<date>/ beside a
`<name>.问题.txt` for the clerk; the others to INBOX/已处理/<date>/, keeping their sub-folders and
modification times (a corrected resubmission then wins by its date field, then its mtime). The
accepted state, INBOX/已处理, is then graded by `fenji.api.run`, which replaces OUT's outputs
atomically; every unit is re-graded, so the affected one is.

The folders are the record of what was done: 已处理 and 退回 hold every file ever taken, so a
restart hashes them (reusing OUT/.watch-state.json where size and mtime agree) and knows every
sha256 already processed. A copy of an accepted file is a repeat (moved to 退回 with a note); a
copy of a returned file is checked again, since its errors may have lain in another file corrected
since (a roster, the ballots a summary disagreed with), and is a repeat only if they are still
there. The state file also keeps a fingerprint of 已处理 as last graded: a watcher stopped between
moving files and writing outputs, or whose grading failed, re-grades when it starts again.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import struct
import threading
import time
import traceback
import warnings
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from fenji import __version__
from fenji.core.catalogue import ACCEPTED_CODES
from fenji.core.discover import IGNORED_DIRS, WORKBOOK_SUFFIXES, is_lock_or_temp, sha256_file
from fenji.core.outputs import OutputLocked, atomic_path, output_lock, prepare_out_or_fail, write_json
from fenji.core.problems import ERROR, EXIT_NOTHING_GRADED, WARNING, FatalError, Problem
from fenji.core.workbook import OLE_MAGIC, ZIP_MAGIC
from fenji.systems import load_profile

if TYPE_CHECKING:
    from fenji.api import RunOptions, RunResult

PROCESSED, RETURNED = IGNORED_DIRS  # 已处理, 退回
STATE_FILE = ".watch-state.json"
LOG_FILE = "watch.log"
STAGE_DIR = ".watch-stage"
INBOX_LOCK = ".fenji-watch.lock"
NOTE_SUFFIX = ".问题.txt"
TAKEN_SUFFIXES = WORKBOOK_SUFFIXES  # (.et, .ods and .xlsb are read like the others)
LOCKED_RETRY = 5.0  # seconds before retrying when another run holds OUT
IGNORED_EVENTS = ("opened", "closed_no_write")  # our own reads
SECOND_LOOK_MAX = 8  # failing files of one batch checked again one by one


def _quiet_watchdog() -> None:
    """watchdog's inotify emitter reports two harmless races on the console: a folder watched twice
    (created, then reached again by its recursive walk) and a last read after stop(). Rescans cover
    anything a race could miss, so a clerk's console is spared them. Set when a watch starts, not on
    import: importing fenji.watch changes nothing for a program that only uses the library."""
    warnings.filterwarnings("ignore", message="Callback with id .* already exists", category=RuntimeWarning)
    inotify = logging.getLogger("watchdog.observers.inotify")
    if _inactive_thread_filter not in inotify.filters:
        inotify.addFilter(_inactive_thread_filter)


def _inactive_thread_filter(record: logging.LogRecord) -> bool:
    return "called when the thread is inactive" not in record.getMessage()


@dataclass(frozen=True)
class Event:
    """One thing the watcher did: a line on the console and in OUT/watch.log."""

    kind: str  # 开始 发现 未完成 处理 接收 退回 重复 跳过 暂缓 定级 未能定级 出错 提示 停止
    text: str
    at: dt.datetime = field(default_factory=dt.datetime.now)

    def line(self) -> str:
        return f"{self.at:%H:%M:%S} {self.kind} {self.text}"

    def log_line(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.text}"


@dataclass
class _Seen:
    key: tuple[int, int]  # size, mtime_ns
    since: float  # monotonic time this key was first seen
    incomplete_since: float | None = None


@dataclass(eq=False)
class _New:
    path: Path
    rel: str  # relative to INBOX
    sha: str
    key: tuple[int, int]
    target: str = ""  # relative to 已处理: <date>/<rel>, made unique
    again: str = ""  # the same content returned before (rel under INBOX): checked anew


class Watcher:
    """Watches `options.inbox` and grades into `options.out` until `stop` is set (see the module doc)."""

    def __init__(
        self,
        options: RunOptions,
        *,
        run: Callable,
        check: Callable,
        settle: float = 3.0,
        rescan: float = 30.0,
        polling: bool = False,
        on_event: Callable[[Event], None] | None = None,
        native_observer=None,
        give_up: float | None = None,
    ):
        """`run` and `check` are fenji.api's: a batch is checked with `check`, the accepted files graded with `run`."""
        self.options = options
        self._run, self._check_run = run, check
        self.inbox = Path(options.inbox).absolute()
        self.out = Path(options.out).absolute() if options.out is not None else None
        self.processed, self.returned = self.inbox / PROCESSED, self.inbox / RETURNED
        self.settle, self.rescan, self.polling = settle, rescan, polling
        self.give_up = give_up if give_up is not None else max(30.0, 10 * settle)
        self.on_event = on_event or (lambda event: None)
        self._native = native_observer or Observer
        self._tick = max(0.05, min(0.5, settle / 5))
        self._incoming: dict[Path, tuple] = {}  # path → (size, mtime_ns) or None, monotonic time, at the event
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: dict[Path, _Seen] = {}
        self._parked: dict[Path, tuple[int, int]] = {}  # left alone until they change
        self._held: set[Path] = set()  # complete, waiting until grading is possible
        self._files: dict[str, dict] = {}  # rel under INBOX → sha256, size, mtime_ns
        self._known: dict[str, str] = {}  # sha256 → rel of the first copy taken
        self._retry: dict[Path, float] = {}  # held by another program: monotonic time to look again
        self._busy_told: set[Path] = set()  # said so once
        self._graded: str | None = None
        self._regrade_at: float | None = None
        self._next_scan = 0.0
        self._stop = threading.Event()
        self._log = None
        self.profile = None

    # --- the loop -------------------------------------------------------------------------

    def run(self, stop) -> None:
        """Watch until `stop.is_set()`; a batch under way is finished first, so outputs stay whole."""
        self._stop = stop
        self._check_setup()
        _quiet_watchdog()
        with (
            _exclusive(self.inbox / INBOX_LOCK, self.inbox),
            _exclusive(self.out / INBOX_LOCK, self.out),
            open(self.out / LOG_FILE, "a", encoding="utf-8") as self._log,
        ):
            self._load_state()
            observer, how = self._start_observer()
            self._emit(
                "开始",
                f"监视 {self.inbox}（{how}；文件 {self.settle:g} 秒不变后处理，每 {self.rescan:g} 秒全面检查）；"
                f"已接收 {self._count(PROCESSED)} 个、已退回 {self._count(RETURNED)} 个；结果写入 {self.out}",
            )
            try:
                self._loop(stop)
            finally:
                observer.stop()
                observer.join(timeout=5)
                self._emit("停止", "已停止监视。")

    def _loop(self, stop) -> None:
        while not stop.is_set():
            try:
                self._step()
            except Exception as exc:  # a bug must not end the watch: report it, pause, go on
                self._trace(f"监视时发生内部错误（{_short(exc)}），{self.settle:g} 秒后继续。")
                stop.wait(self.settle)
            self._wake.wait(self._tick if self._pending else 0.5)
            self._wake.clear()

    def _step(self) -> None:
        now = time.monotonic()
        if now >= self._next_scan:
            self._next_scan, self._regrade_at = now + self.rescan, self._regrade_at or now
            self._scan(self.inbox)
        self._drain()
        self._due_retries(now)
        batch = self._ready(time.monotonic())
        if batch:
            self._process(batch)
        elif not self._pending and self._regrade_at is not None and time.monotonic() >= self._regrade_at:
            self._regrade_at = None
            self._regrade_if_changed()

    def _check_setup(self) -> None:
        if not self.inbox.is_dir():
            raise FatalError(f"收件文件夹 {self.inbox} 不存在或不是文件夹。")
        if self.out is None:
            raise FatalError("请用 --out 指定输出文件夹。")
        if self.out == self.inbox or self.inbox in self.out.parents:
            raise FatalError(
                f"输出文件夹 {self.out} 不能放在收件文件夹里面（结果会被当作报送的表）。请换一个输出文件夹。"
            )
        self.profile = load_profile(self.options.profile)
        prepare_out_or_fail(self.out)

    # --- noticing files -------------------------------------------------------------------

    def _start_observer(self):
        handler = _Handler(self)
        if not self.polling:
            try:
                return self._launch(self._native, handler), "系统文件通知"
            except Exception as exc:  # e.g. the inotify watch limit: polling still works
                self._emit("提示", f"系统文件通知无法启动（{_short(exc)}），改用轮询。")
        return self._launch(lambda: PollingObserver(timeout=1), handler), "轮询"

    def _launch(self, factory, handler):
        observer = factory()
        try:
            observer.schedule(handler, str(self.inbox), recursive=True)
            observer.start()
        except BaseException:
            observer.stop()
            raise
        return observer

    def notify(self, path: Path) -> None:
        """Called from the observer's thread: something happened at `path`. Its size and mtime then
        are kept, so a file that arrived during a long grading has settled by the time it is seen."""
        noticed = (_stat_key(path), time.monotonic())
        with self._lock:
            self._incoming[path] = noticed
        self._wake.set()

    def _drain(self) -> None:
        with self._lock:
            paths, self._incoming = self._incoming, {}
        for path, noticed in sorted(paths.items()):
            if path.is_dir() and not path.is_symlink():
                if self._wanted(path):
                    self._scan(path)
            else:
                self._see(path, noticed)

    def _scan(self, root: Path) -> None:
        for dirpath, dirs, files in os.walk(root, followlinks=False):
            here = Path(dirpath)
            dirs[:] = sorted(d for d in dirs if self._wanted(here / d))
            for name in sorted(files):
                self._see(here / name)

    def _wanted(self, path: Path) -> bool:
        """Inside INBOX, outside 已处理 / 退回 and hidden folders, not a lock or temporary file."""
        try:
            parts = path.relative_to(self.inbox).parts
        except ValueError:
            return False
        return (
            bool(parts)
            and parts[0] not in IGNORED_DIRS
            and not any(p.startswith(".") for p in parts)
            and not is_lock_or_temp(path.name)
            and not path.is_symlink()
        )

    def _see(self, path: Path, noticed: tuple | None = None) -> None:
        if path in self._pending or path in self._retry or not self._wanted(path):
            return
        key = _stat_key(path)
        if key is None or self._parked.get(path) == key:
            return
        self._parked.pop(path, None)
        self._held.discard(path)
        if path.suffix.lower() not in TAKEN_SUFFIXES:
            self._parked[path] = key
            self._emit("跳过", f"{self._rel(path)} 不是 Excel 工作簿，留在原处。")
            return
        unchanged_since = noticed[1] if noticed and noticed[0] == key else time.monotonic()
        self._pending[path] = _Seen(key, unchanged_since)
        self._emit("发现", f"{self._rel(path)}，等待复制完成")

    def _ready(self, now: float) -> list[Path]:
        """Settled, complete files — once nothing else is still arriving, or the first has waited 4 × settle."""
        settled = []
        for path, seen in list(self._pending.items()):
            key = _stat_key(path)
            if key is None:
                del self._pending[path]
            elif key != seen.key:
                self._pending[path] = _Seen(key, now)
            elif now - seen.since >= self.settle and self._complete(path, seen, now):
                settled.append(path)
        if not settled:
            return []
        if len(settled) < len(self._pending) and now - min(self._pending[p].since for p in settled) < 4 * self.settle:
            return []
        for path in settled:
            del self._pending[path]
        return settled

    def _complete(self, path: Path, seen: _Seen, now: float) -> bool:
        busy = _busy_error(path)
        if busy is not None:  # retried for as long as it takes: never read broken
            self._retry_later(path, busy)
            return False
        if path.suffix.lower() not in WORKBOOK_SUFFIXES or looks_complete(path):
            return True
        if seen.incomplete_since is None:
            seen.incomplete_since = now
            self._emit("未完成", f"{self._rel(path)} 还不是完整的工作簿（可能仍在复制），稍后再看。")
        return now - seen.incomplete_since >= self.give_up  # then it is read, and returned as corrupt

    # --- one batch ------------------------------------------------------------------------

    def _process(self, paths: list[Path]) -> None:
        held = [p for p in self._held if self._parked.get(p) == _stat_key(p)]
        for path in held:
            self._held.discard(path)
            self._parked.pop(path, None)
        paths = sorted(set(paths) | set(held))
        self._emit("处理", f"开始处理 {len(paths)} 个文件")
        day = dt.date.today().isoformat()
        items, repeats = self._admit_all(paths, day)
        if items:
            self._file_away(items, day)
        for item in repeats:
            self._guard(item.path, day, lambda item=item: self._repeat(item, day))
        self._busy_told = {path for path in self._busy_told if path.exists()}
        if self._stop.is_set():
            self._emit("提示", "已收到停止请求：写完本批的结果后退出。")
        self._regrade_if_changed()
        self._save_state()

    def _admit_all(self, paths: list[Path], day: str) -> tuple[list[_New], list[_New]]:
        """New workbooks to check, and copies of something already accepted (or taken in this batch).

        A copy of a returned file is checked again: what it was returned for may lie in another file
        since corrected (a roster, a ballot form the summary disagreed with); it is a repeat only if
        its errors are still there."""
        items, repeats, shas = [], [], set()
        for path in paths:
            item = self._guard(path, day, lambda path=path: self._admit(path))
            if item is None:
                continue
            earlier = self._earlier(item.sha) or ""
            if item.sha in shas or (earlier and not earlier.startswith(RETURNED + "/")):
                repeats.append(item)
            else:
                item.again = earlier
                items.append(item)
            shas.add(item.sha)
        return items, repeats

    def _admit(self, path: Path) -> _New | None:
        key = _stat_key(path)
        if key is None:
            return None
        return _New(path, self._rel(path), sha256_file(path), key)

    def _file_away(self, items: list[_New], day: str) -> None:
        taken: set[str] = set()
        for item in items:
            item.target = _free(self.processed, f"{day}/{item.rel}", taken)
        verdicts, fatal = self._classify(items)
        self._second_look(items, verdicts)
        for item in items:
            problems = verdicts.get(item.target, [])
            if _has_errors(problems) and item.again:
                self._guard(item.path, day, lambda item=item, problems=problems: self._repeat(item, day, problems))
            elif _has_errors(problems):
                self._guard(item.path, day, lambda item=item, problems=problems: self._reject(item, problems, day))
            elif fatal:
                self._hold(item, fatal)
            else:
                self._guard(item.path, day, lambda item=item, problems=problems: self._accept(item, problems))

    def _classify(self, items: list[_New]) -> tuple[dict[str, list[Problem]], str | None]:
        """Problems by target, from checking the batch with everything accepted; one by one if that breaks."""
        try:
            return self._check(items)
        except Exception as exc:
            self._trace(f"整批检查时发生内部错误（{_short(exc)}），改为逐个检查。")
        verdicts, fatal = {}, None
        for item in items:
            try:
                found, why = self._check([item])
            except Exception as exc:
                self._trace(f"检查 {item.rel} 时发生内部错误（{_short(exc)}）。")
                found, why = {item.target: [_internal(item.target, exc)]}, None
            verdicts.update(found)
            fatal = fatal or why
        return verdicts, fatal

    def _second_look(self, items: list[_New], verdicts: dict[str, list[Problem]]) -> None:
        """A file whose errors vanish without the batch's other failing files is accepted: a town's
        summary that disagrees only with a ballot form that is itself returned is not at fault."""
        failing = [item for item in items if _has_errors(verdicts.get(item.target, []))]
        if not 1 < len(failing) <= SECOND_LOOK_MAX:
            return
        others = [item for item in items if item not in failing]
        for item in failing:
            try:
                found, fatal = self._check(others + [item])
            except Exception as exc:  # the batch's verdict stands; the maintainer finds why in watch.log
                self._log_trace(f"再次检查 {item.rel} 时发生内部错误（{_short(exc)}），按整批检查的结果处理。")
                continue
            if not fatal and not _has_errors(found.get(item.target, [])):
                verdicts[item.target] = found.get(item.target, [])

    def _check(self, items: list[_New]) -> tuple[dict[str, list[Problem]], str | None]:
        stage = self.out / STAGE_DIR
        shutil.rmtree(stage, ignore_errors=True)
        try:
            for path in _files(self.processed):
                _link(path, stage / path.relative_to(self.processed))
            for item in items:
                _link(item.path, stage / item.target)
            result = self._check_run(replace(self.options, inbox=stage, out=None, documents=False))
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        targets = {item.target for item in items}
        verdicts: dict[str, list[Problem]] = {}
        for problem in result.problems:
            if problem.file in targets:
                verdicts.setdefault(problem.file, []).append(problem)
        return verdicts, result.message if result.exit_code == EXIT_NOTHING_GRADED else None

    def _accept(self, item: _New, problems: list[Problem]) -> None:
        if not self._unchanged(item):
            return
        dest = _move(item.path, self.processed, item.target)
        self._record(dest, item)
        warnings = sum(p.level == WARNING for p in problems)
        notes = ([f"与先前退回的 {item.again} 内容相同，重新检查已无错误"] if item.again else []) + (
            [f"警告 {warnings} 条，见 problems.csv"] if warnings else []
        )
        self._emit("接收", f"{item.rel} → {self._rel(dest)}" + (f"（{'；'.join(notes)}）" if notes else ""))
        for problem in problems:
            if problem.code == "superseded":  # taken, yet an earlier one wins: the clerk should know
                self._emit(
                    "提示",
                    f"{self._rel(dest)} 未被采用：{problem.message}（按表中的填报日期，日期相同时按文件修改时间）",
                )

    def _reject(self, item: _New, problems: list[Problem], day: str) -> None:
        if not self._unchanged(item):
            return
        dest = self.returned / _free(self.returned, f"{day}/{item.rel}", set())
        _write_note(dest, clerk_note(item.rel, problems))
        dest = _move(item.path, self.returned, str(dest.relative_to(self.returned)))
        self._record(dest, item)
        errors = sum(p.level == ERROR for p in problems)
        self._emit("退回", f"{item.rel} 有 {errors} 处错误 → {self._rel(dest)}（说明见 {dest.name}{NOTE_SUFFIX}）")

    def _repeat(self, item: _New, day: str, problems: list[Problem] | None = None) -> None:
        """Moved to 退回 with a note: the same content as one accepted, or as one returned (`problems`:
        its errors, found again)."""
        earlier = item.again or self._earlier(item.sha) or "同一批中的另一份"
        dest = self.returned / _free(self.returned, f"{day}/{item.rel}", set())
        _write_note(dest, repeat_note(item.rel, earlier, problems))
        dest = _move(item.path, self.returned, str(dest.relative_to(self.returned)))
        self._files[self._rel(dest)] = {"sha256": item.sha, "size": item.key[0], "mtime_ns": item.key[1]}
        still = f"，重新检查仍有 {sum(p.level == ERROR for p in problems)} 处错误" if problems else ""
        self._emit(
            "重复",
            f"{item.rel} 与 {earlier} 内容相同{still}，不再处理 → {self._rel(dest)}（说明见 {dest.name}{NOTE_SUFFIX}）",
        )

    def _hold(self, item: _New, why: str) -> None:
        self._held.add(item.path)
        self._parked[item.path] = item.key
        self._emit("暂缓", f"{item.rel} 暂留收件文件夹，待能定级时一并处理：{why}")

    def _guard(self, path: Path, day: str, step):
        """Run one file's step; an exception returns the file with a note and never stops the watcher."""
        try:
            return step()
        except Exception as exc:
            rel = self._rel(path)
            if isinstance(exc, FileNotFoundError) and not path.exists():  # the clerk took it back
                self._emit("提示", f"{rel} 在处理前已被移走或删除。")
            elif _locked(exc) and path.exists():  # open in another program
                self._retry_later(path, exc)
            else:
                self._trace(f"处理 {rel} 时发生内部错误（{_short(exc)}）。")
                self._return_broken(path, rel, day, exc)
            return None

    def _return_broken(self, path: Path, rel: str, day: str, exc: Exception) -> None:
        try:
            dest = self.returned / _free(self.returned, f"{day}/{rel}", set())
            _write_note(dest, clerk_note(rel, [_internal(rel, exc)]))
            dest = _move(path, self.returned, str(dest.relative_to(self.returned)))
            self._emit("退回", f"{rel} → {self._rel(dest)}（内部错误，说明见 {dest.name}{NOTE_SUFFIX}）")
        except Exception as again:
            self._parked[path] = _stat_key(path) or (0, 0)
            self._trace(f"{rel} 也无法移到退回文件夹（{_short(again)}），留在原处，文件改动后再处理。")

    def _retry_later(self, path: Path, exc: OSError) -> None:
        """A file another program holds (a copy, Excel on a share, no read permission): tried again
        every `settle` seconds, for as long as it takes, without holding up other files; told once."""
        self._pending.pop(path, None)
        self._retry[path] = time.monotonic() + self.settle
        if path not in self._busy_told:
            self._busy_told.add(path)
            self._emit(
                "未完成",
                f"{self._rel(path)} 正被其他程序占用，暂时无法读取或移动（{_short(exc)}），"
                "稍后自动重试；若在 Excel 或 WPS 中打开着，请关闭。",
            )

    def _due_retries(self, now: float) -> None:
        for path, due in list(self._retry.items()):
            if due <= now:
                del self._retry[path]
                key = _stat_key(path)
                if key is not None:  # looked at again at once, if it has not changed meanwhile
                    self._pending[path] = _Seen(key, now - self.settle)

    def _unchanged(self, item: _New) -> bool:
        if _stat_key(item.path) == item.key:
            return True
        self._emit("提示", f"{item.rel} 在处理时又有改动，等它稳定后重新处理。")
        return False

    # --- grading --------------------------------------------------------------------------

    def _regrade_if_changed(self) -> None:
        fingerprint = self._fingerprint()
        if fingerprint == self._graded or not any(True for _ in _files(self.processed)):
            return
        try:
            with output_lock(self.out):
                pass
        except OutputLocked:
            self._emit("提示", f"另一个 fenji 正在向 {self.out} 写入，{LOCKED_RETRY:g} 秒后重试。")
            self._regrade_at = time.monotonic() + LOCKED_RETRY
            return
        try:
            result = self._run(replace(self.options, inbox=self.processed))
        except Exception as exc:  # outputs stay as they were; tried again later, and at the next start
            self._trace(f"定级时发生内部错误（{_short(exc)}），结果未更新；{self.rescan:g} 秒后重试。")
            self._regrade_at = time.monotonic() + self.rescan
            return
        self._emit(*_graded_event(result))
        self._graded = fingerprint
        self._save_state()

    def _fingerprint(self) -> str:
        """Changes whenever 已处理 or what grading depends on (profile, year, version) changes."""
        digest = hashlib.sha256(
            json.dumps([__version__, self.profile.sha256, self.options.year, self.options.documents]).encode()
        )
        for path in _files(self.processed):
            stat = path.stat()
            digest.update(
                f"{path.relative_to(self.processed).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
            )
        return digest.hexdigest()

    # --- state ----------------------------------------------------------------------------

    def _load_state(self) -> None:
        """What was taken, from the folders themselves; the state file only saves re-hashing."""
        try:
            saved = json.loads((self.out / STATE_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            saved = {}
        except (OSError, ValueError) as exc:
            self._emit("提示", f"状态文件 {STATE_FILE} 无法读取（{_short(exc)}），按已处理、退回文件夹重建。")
            saved = {}
        old = saved.get("files", {}) if isinstance(saved, dict) else {}
        for root in (self.processed, self.returned):  # accepted first, then returned in the order returned
            workbooks = [path for path in _files(root) if not path.name.endswith(NOTE_SUFFIX)]
            for path in sorted(workbooks, key=_returned_at) if root == self.returned else workbooks:
                self._remember(path, old.get(self._rel(path)))
        self._graded = saved.get("graded") if isinstance(saved, dict) else None

    def _remember(self, path: Path, entry: dict | None) -> None:
        key = _stat_key(path)
        if key is None:
            return
        rel = self._rel(path)
        same = isinstance(entry, dict) and [entry.get("size"), entry.get("mtime_ns")] == list(key)
        if entry and not same and rel.startswith(RETURNED + "/"):
            return  # edited in 退回 after it was returned: that content was never processed
        sha = entry["sha256"] if same else sha256_file(path)
        self._files[rel] = {"sha256": sha, "size": key[0], "mtime_ns": key[1]}
        self._known.setdefault(sha, rel)

    def _record(self, dest: Path, item: _New) -> None:
        rel = self._rel(dest)
        self._files[rel] = {"sha256": item.sha, "size": item.key[0], "mtime_ns": item.key[1]}
        self._known[item.sha] = rel

    def _earlier(self, sha: str) -> str | None:
        """Where a file with this content was taken before, if it is still there unchanged."""
        rel = self._known.get(sha)
        entry = self._files.get(rel or "")
        if entry and _stat_key(self.inbox / rel) == (entry["size"], entry["mtime_ns"]):
            return rel
        self._known.pop(sha, None)
        return None

    def _save_state(self) -> None:
        state = {
            "format": 1,
            "fenji_version": __version__,
            "inbox": str(self.inbox),
            "graded": self._graded,
            "saved": dt.datetime.now().isoformat(timespec="seconds"),
            "files": self._files,
        }
        try:
            write_json(state, self.out / STATE_FILE)
        except OSError as exc:
            self._trace(f"状态文件无法写入（{_short(exc)}）；重新启动时将按文件夹重建。")

    # --- helpers --------------------------------------------------------------------------

    def _count(self, folder: str) -> int:
        return sum(1 for rel in self._files if rel.startswith(folder + "/"))

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.inbox).as_posix()
        except ValueError:
            return str(path)

    def _emit(self, kind: str, text: str) -> None:
        event = Event(kind, text)
        if self._log is not None:
            self._log.write(event.log_line() + "\n")
            self._log.flush()
        try:
            self.on_event(event)
        except Exception as exc:  # a broken console must not stop the watcher: the log still has it
            self._log_trace(f"显示事件时出错（{_short(exc)}）。")

    def _trace(self, text: str) -> None:
        """An internal error: one event, and the traceback in watch.log for whoever maintains fenji."""
        self._emit("出错", text)
        self._log_trace("")

    def _log_trace(self, text: str) -> None:
        """A line and the current traceback in watch.log only (no event: for errors while emitting one)."""
        if self._log is not None:
            self._log.write((f"{text}\n" if text else "") + traceback.format_exc())
            self._log.flush()


class _Handler(FileSystemEventHandler):
    """Passes every path the observer reports to the watcher; the watcher decides what it means."""

    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def on_any_event(self, event) -> None:
        if event.event_type in IGNORED_EVENTS or (event.is_directory and event.event_type == "modified"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                self.watcher.notify(Path(os.fsdecode(raw)))


# --- files ----------------------------------------------------------------------------------


def looks_complete(path: Path) -> bool:
    """False for a workbook visibly still being written: empty, zeros so far, or a zip/OLE container
    that does not open yet (a zip's directory is at its end, so a partial copy never opens)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
        if not head.strip(b"\0"):
            return False
        if head.startswith(ZIP_MAGIC):
            with zipfile.ZipFile(path) as book:
                return bool(book.infolist())
        if head.startswith(OLE_MAGIC):
            return path.stat().st_size % 512 == 0 and _ole_opens(path)
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return False
    return True  # not a container we can judge (an HTML page renamed .xls): the reader will report it


def _ole_opens(path: Path) -> bool:
    """The compound file's directory and main stream can be followed to their ends. Checked by
    fenji's own small OLE reader, not the parser: a file that makes python-calamine panic or
    allocate without bound must not reach it in the watcher's process (reading is isolated)."""
    from fenji.core.workbook import Limits
    from fenji.core.xlsscan import Compound
    from fenji.core.xlsxscan import ScanRefused

    try:
        if path.stat().st_size > Limits().max_file_bytes:
            return True  # the reader refuses it (file-too-large) without opening it
        book = Compound(path.read_bytes())
        book.stream("Workbook", "Book", "EncryptedPackage", "EncryptionInfo")
    except (ScanRefused, OSError, ValueError, IndexError, struct.error, MemoryError):
        return False
    return True


LOCKED_ERRNOS = {errno.EACCES, errno.EPERM, errno.EBUSY, errno.ETXTBSY}
LOCKED_WINERRORS = {32, 33}  # sharing and lock violations


def _locked(exc: BaseException) -> bool:
    """An error that goes away once another program lets go of the file."""
    return isinstance(exc, OSError) and (
        exc.errno in LOCKED_ERRNOS or getattr(exc, "winerror", None) in LOCKED_WINERRORS
    )


def _busy_error(path: Path) -> OSError | None:
    """The error that opening `path` for reading gives while another program holds it, else None."""
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        return exc if _locked(exc) else None
    return None


def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns) if path.is_file() else None


def _files(root: Path):
    """Regular files under `root`, sorted, without hidden ones, lock files or temporary files."""
    if not root.is_dir():
        return
    for dirpath, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(dirpath) / name
            if not is_lock_or_temp(name) and path.is_file() and not path.is_symlink():
                yield path


def _returned_at(path: Path) -> int:
    """When a file in 退回 was returned: the time of its note (moving kept the file's own mtime)."""
    try:
        return path.with_name(path.name + NOTE_SUFFIX).stat().st_mtime_ns
    except OSError:
        return 0


def _free(root: Path, rel: str, taken: set[str]) -> str:
    """`rel`, or `name(2).xlsx`, `name(3).xlsx` … — a name not used under `root`, never overwriting."""
    path = Path(rel)
    candidate, n = rel, 2
    while (root / candidate).exists() or candidate in taken:
        candidate, n = (path.parent / f"{path.stem}({n}){path.suffix}").as_posix(), n + 1
    taken.add(candidate)
    return candidate


def _move(src: Path, root: Path, rel: str) -> Path:
    """Move within the file system (a rename keeps the modification time); a taken name gets a suffix."""
    dest = root / _free(root, rel, set())
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(src), str(dest))
    return dest


def _link(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dest)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(src, dest)


def _write_note(workbook: Path, text: str) -> None:
    """With a BOM and CRLF, so that Notepad on any Windows shows the Chinese."""
    with atomic_path(workbook.with_name(workbook.name + NOTE_SUFFIX)) as tmp:
        tmp.write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))


@contextmanager
def _exclusive(lock: Path, folder: Path):
    """One watcher per drop folder and per output folder: two would move the same files."""
    handle = open(lock, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FatalError(
                f"已有一个 fenji watch 在使用 {folder}。同一个收件或输出文件夹只能有一个监视程序。"
            ) from None
        yield
    finally:
        handle.close()


# --- texts ----------------------------------------------------------------------------------


def clerk_note(rel: str, problems: list[Problem], at: dt.datetime | None = None) -> str:
    """The 问题.txt beside a returned file: what is wrong, where, how to fix it — for a village clerk."""
    at = at or dt.datetime.now()
    errors = [p for p in problems if p.level == ERROR]
    warnings = [p for p in problems if p.level == WARNING]
    lines = [
        f"文件：{rel}",
        f"处理时间：{at.year}年{at.month}月{at.day}日 {at:%H:%M}",
        f"处理结果：退回。这份表有 {len(errors)} 处错误，本次没有计入定级。",
        "请按下面的说明在原表上改正，保存后把整个文件重新放回收件文件夹（文件名可以不变）。",
        "",
    ]
    for n, problem in enumerate(errors, start=1):
        lines += [f"错误 {n}：{_where(problem)}", f"    {problem.message}", ""]
    if warnings:
        lines += ["另外请核对（不影响接收）："]
        for n, problem in enumerate(warnings, start=1):
            lines += [f"提醒 {n}：{_where(problem)}", f"    {problem.message}"]
        lines.append("")
    lines.append("本文件夹中的同名表格是退回的原件，仅供对照。")
    return "\n".join(lines) + "\n"


def repeat_note(rel: str, earlier: str, problems: list[Problem] | None = None) -> str:
    """The note beside a file whose content was already taken; `problems` when it was returned and
    its errors are still there."""
    same = [f"文件：{rel}", f"处理结果：这份表与 {earlier} 内容完全相同（重复报送），没有再次处理。"]
    if not earlier.startswith(RETURNED + "/"):
        return "\n".join(same + ["原来那份已经接收，无需再次报送。"]) + "\n"
    if problems is None:  # a second copy in the batch that returned the first
        return "\n".join(same + [f"那份因有错误已被退回，说明见 {earlier}{NOTE_SUFFIX}。请改正后再报送。"]) + "\n"
    lines = [
        f"文件：{rel}",
        f"处理结果：这份表与先前退回的 {earlier} 内容完全相同（未经改动），重新检查后错误仍在，"
        "再次退回，没有计入定级。",
        f"先前的说明见 {earlier}{NOTE_SUFFIX}。",
        "",
    ]
    for n, problem in enumerate([p for p in problems if p.level == ERROR], start=1):
        lines += [f"错误 {n}：{_where(problem)}", f"    {problem.message}", ""]
    lines.append(
        "请在原表上改正，保存后把整个文件重新放回收件文件夹。如果问题出在另一份表（如名册、汇总表），"
        "请先报送改正后的那份表，再把这份原样放回。"
    )
    return "\n".join(lines) + "\n"


def _has_errors(problems: list[Problem]) -> bool:
    """Errors that send a file back: not those the committee settles (the village cannot fix them)."""
    return any(p.level == ERROR and p.code not in ACCEPTED_CODES for p in problems)


def _where(problem: Problem) -> str:
    parts = []
    if problem.sheet:
        parts.append(f"工作表“{problem.sheet}”")
    if problem.cell:
        parts.append(f"单元格 {problem.cell}")
    where = "，".join(parts) or "整个文件"
    return where + (f"（{problem.subject}）" if problem.subject else "")


def _internal(rel: str, exc: Exception) -> Problem:
    return Problem(
        ERROR,
        "internal-error",
        rel,
        message=f"处理这个文件时程序发生内部错误（{_short(exc)}），文件没有计入定级。"
        "请先用 Excel 或 WPS 打开并另存为 .xlsx 后重新报送；仍不行时请把文件交给技术支持。",
    )


def _graded_event(result: RunResult) -> tuple[str, str]:
    if result.exit_code == EXIT_NOTHING_GRADED:
        return "未能定级", result.message
    counts = "，".join(f"{grade} {n}" for grade, n in result.results["等次"].value_counts().items())
    documents = f"，文书 {len(result.documents)} 份" if result.documents else ""
    return "定级", (
        f"结果已更新：{len(result.results)} 个对象（{counts}）；错误 {result.problems.count(ERROR)} 条、"
        f"警告 {result.problems.count(WARNING)} 条{documents}；用时 {result.seconds:.1f} 秒"
    )


def _short(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:120]}"
