"""Stage 2 guard: read untrusted workbooks in worker processes that a parser crash cannot take down.

python-calamine is native code. On a hostile or merely broken file it may panic, abort, crash,
exhaust memory or loop; in the main process any of these would end the run and lose every healthy
file. So every file is read in a long-lived worker process (forked where the system can, so the
profile and the imported modules are shared), each with a ceiling on its address space
(`resource.setrlimit(RLIMIT_AS)`, where the system has it) and a deadline per file. A worker that
dies or misses its deadline costs only its file: that file becomes one problem row, a fresh worker
takes its place, and the batch goes on. `--workers 1` is one such worker, just as safe.
"""

from __future__ import annotations

import faulthandler
import gc
import multiprocessing
import os
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait

from fenji.core.problems import Problems
from fenji.core.records import FileResult
from fenji.core.workbook import Limits
from fenji.forms.read import read_file

DEADLINE_SLACK = 2.0  # the hard deadline is the time budget × this (+ 5 s): the budget is checked softly first
DEADLINE_EXTRA = 5.0
PIPELINE = 4  # files sent ahead to each worker


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: object
    jobs: deque = field(default_factory=deque)  # (index, item) sent and not answered, the first being read
    since: float = 0.0  # when it began the first of them


def _context():
    # fork: the worker inherits the loaded modules and the profile (and spawn would re-run a caller's __main__)
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _limit_memory(headroom: int) -> None:
    """Cap this process's address space at its present size plus `headroom` bytes (Linux; elsewhere a no-op).

    A native allocation beyond it fails inside the parser, which then aborts: only this worker dies."""
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as status:
            size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (size + headroom, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ImportError, OSError, ValueError, StopIteration):
        pass


def _quiet_stderr() -> None:
    """A parser's panic prints a Rust backtrace on stderr; the clerk gets the problem row instead
    (FENJI_DEBUG=1 keeps the workers' stderr, for a developer)."""
    if os.environ.get("FENJI_DEBUG"):
        return
    faulthandler.disable()  # (a caller's faulthandler would print every worker's crash)
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    except OSError:
        pass


def _serve(conn, profile, limits: Limits) -> None:
    """A worker: read the files it is sent, one at a time, until told to stop (None) or the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    _quiet_stderr()
    _limit_memory(int(limits.max_memory_bytes))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, item = message
        result = read_file(item, profile, limits)
        try:
            conn.send((index, result))
        except Exception as exc:  # a result that cannot be pickled (or no memory left to do it): still one row
            conn.send(
                (
                    index,
                    failed_result(
                        item,
                        "internal-error",
                        f"读取结果无法传回主进程（{type(exc).__name__}），"
                        "该文件未读取，其他文件不受影响。请将此文件提供给技术支持。",
                    ),
                )
            )


def failed_result(item, code: str, message: str) -> FileResult:
    """The result of a file that could not be read: no records, one error naming the file."""
    result = FileResult(item.rel, item.sha256, item.mtime)
    problems = Problems()
    problems.error(code, message, file=item.rel)
    result.problems = problems.items
    return result


def crashed_message(exitcode: int | None, headroom: int) -> str:
    how = ""
    if exitcode is not None and exitcode < 0:
        try:
            how = f"（信号 {signal.Signals(-exitcode).name}）"
        except ValueError:
            how = f"（信号 {-exitcode}）"
    elif exitcode:
        how = f"（退出码 {exitcode}）"
    return (
        f"读取此文件时解析程序异常终止{how}：文件可能已损坏、不是正常的 Excel 工作簿，或读取它需要的内存超过上限"
        f"（{headroom / 1048576:.0f} MB）。该文件未读取，其他文件不受影响。请用 Excel 或 WPS 打开它，"
        "“另存为” Excel 工作簿（.xlsx）后重新报送；若仍出现此提示，请将此文件提供给技术支持。"
    )


def timeout_message(seconds: float) -> str:
    return (
        f"读取此文件超过 {seconds:g} 秒仍未完成，已强行停止：文件可能已损坏或过于庞大。该文件未读取，其他文件不受影响。"
        "请用 Excel 或 WPS 打开后删除多余的行列、另存为 .xlsx 再报送。"
    )


class IsolatedReader:
    """`workers` worker processes reading files for `profile`; use as a context manager."""

    def __init__(self, profile, workers: int = 1, limits: Limits | None = None):
        self.profile = profile
        self.workers = max(1, workers)
        self.limits = limits or Limits.of(profile)
        self.headroom = int(self.limits.max_memory_bytes)
        self.deadline = self.limits.seconds * DEADLINE_SLACK + DEADLINE_EXTRA
        self.context = _context()
        self.pool: list[_Worker] = []
        self.replaced = 0  # workers that died or were stopped and replaced

    def __enter__(self) -> IsolatedReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child, self.profile, self.limits), daemon=True)
        gc.freeze()  # the parent's objects stay out of the worker's collections (no copy-on-write storm)
        try:
            process.start()
        finally:
            gc.unfreeze()
        child.close()
        return _Worker(process, parent)

    def read(self, files: list, progress=None) -> list[FileResult]:
        """Every file's FileResult, in the files' order; a crash or hang is that file's problem row."""
        results: list[FileResult | None] = [None] * len(files)
        waiting = deque(enumerate(files))
        done = 0
        while waiting or any(w.jobs for w in self.pool):
            self._dispatch(waiting)
            for index, result in self._collect(waiting):
                results[index] = result
                done += 1
                if progress:
                    progress(done, len(files))
        return results

    def _dispatch(self, waiting: deque) -> None:
        """Keep every worker PIPELINE files ahead (a round trip per file would leave it idle)."""
        while len(self.pool) < self.workers and len(waiting) > len(self.pool) * PIPELINE:
            self.pool.append(self._start())
        if not self.pool and waiting:
            self.pool.append(self._start())
        for worker in list(self.pool):
            while waiting and len(worker.jobs) < PIPELINE:
                index, item = waiting.popleft()
                if not worker.jobs:
                    worker.since = time.monotonic()
                worker.jobs.append((index, item))
                try:
                    worker.conn.send((index, item))
                except (OSError, EOFError):  # it has died: this file waits for another worker
                    worker.jobs.pop()
                    waiting.appendleft((index, item))
                    if not worker.jobs:  # died idle; else _collect reports the file it died on
                        self._retire(worker)
                        self.pool.append(self._start())
                    break

    def _collect(self, waiting: deque) -> list[tuple[int, FileResult]]:
        busy = [w for w in self.pool if w.jobs]
        if not busy:
            return []
        nearest = min(w.since for w in busy) + self.deadline
        ready = wait(
            [w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=max(0.0, nearest - time.monotonic())
        )
        finished = []
        for worker in busy:
            if worker.conn in ready:
                try:
                    while worker.jobs and worker.conn.poll():
                        finished.append(worker.conn.recv())
                        worker.jobs.popleft()
                        worker.since = time.monotonic()
                    continue
                except (EOFError, OSError):
                    pass  # died mid-answer: reported below
            if worker.conn in ready or worker.process.sentinel in ready:
                worker.process.join(1)
                finished.append(
                    self._lost(
                        worker, waiting, "reader-crashed", crashed_message(worker.process.exitcode, self.headroom)
                    )
                )
            elif time.monotonic() >= worker.since + self.deadline:
                finished.append(self._lost(worker, waiting, "file-time-budget", timeout_message(self.deadline)))
        return finished

    def _lost(self, worker: _Worker, waiting: deque, code: str, message: str) -> tuple[int, FileResult]:
        """The file a dead or stopped worker was reading is reported; the files queued behind it go back."""
        index, item = worker.jobs.popleft()
        waiting.extendleft(reversed(worker.jobs))
        worker.jobs.clear()
        self._retire(worker)
        return index, failed_result(item, code, message)

    def _retire(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        self.pool.remove(worker)
        self.replaced += 1

    def close(self) -> None:
        for worker in self.pool:
            try:
                worker.conn.send(None)
            except (OSError, EOFError):
                pass
        for worker in self.pool:
            worker.process.join(2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(2)
            worker.conn.close()
        self.pool = []
