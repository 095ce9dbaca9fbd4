"""Scale-out on an existing engine: the reading and rendering stages as batched tasks on Dask.

`--executor dask://HOST:PORT` uses a running Dask distributed scheduler; `--executor dask-local`
starts a LocalCluster of `--workers` processes on loopback for the length of the run. Only the two
stages whose items are independent go out, in batches (a few tasks per worker, never one per file):

* reading: a batch of input files → their `FileResult` records (small: typed records and problems);
* rendering: a batch of render jobs (HTML) → `(path, pages)` of the PDFs the worker wrote.

Grading stays one pandas step in the client. Workers open INBOX's files and write OUT's PDFs
themselves, so with a remote cluster both folders must be at the same path on every node (a shared
file system); both are checked and reported in Chinese rather than failing file by file.

Dask is an optional extra (`pip install 'fenji[dask]'`): nothing here imports it until a run asks.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from fenji import __version__
from fenji.core.problems import FatalError

PREFIX, LOCAL = "dask://", "dask-local"
TASKS_PER_WORKER = 4  # enough batches to balance uneven files, few enough to keep overhead low
MAX_BATCH = 32  # files (or render jobs) per task at most
CONNECT_TIMEOUT = "10s"
WORKER_WAIT = 30  # seconds to wait for a remote cluster's first worker
# no dashboard, and the scheduler's HTTP endpoint on a free loopback port (not 8787 on all interfaces)
LOOPBACK_HTTP = {"dashboard": False, "dashboard_address": "127.0.0.1:0"}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ExecutorSpec:
    """A parsed `--executor`: the scheduler's address, or None to start a LocalCluster."""

    text: str
    address: str | None


def parse(text: str) -> ExecutorSpec:
    """`dask://HOST:PORT` or `dask-local`; anything else is a FatalError naming both forms."""
    if text == LOCAL:
        return ExecutorSpec(text, None)
    if text.startswith(PREFIX):
        try:
            parts = urlsplit(text)
            host, port = parts.hostname, parts.port
        except ValueError:
            host = port = None
        if host and port and not parts.path.strip("/"):
            host = f"[{host}]" if ":" in host else host
            return ExecutorSpec(text, f"tcp://{host}:{port}")
    raise FatalError(
        f"无法识别的执行方式“{text}”：--executor 应为 dask://主机:端口（已运行的 Dask 集群的调度器）"
        f"或 {LOCAL}（在本机临时启动 Dask 集群）。"
    )


def _distributed(spec: ExecutorSpec):
    try:
        import distributed
    except ImportError:
        raise FatalError(
            f"使用 --executor {spec.text} 需要安装 Dask：pip install 'fenji[dask]'"
            "（或 pip install 'dask[distributed]'）。不用 Dask 时请去掉 --executor，"
            "fenji 会用 --workers 个本机进程读取和生成文书。"
        ) from None
    return distributed


@contextmanager
def connect(text: str | None, workers: int) -> Iterator[DaskPool | None]:
    """The run's pool: None without `--executor`, else a connected DaskPool, closed afterwards."""
    if not text:
        yield None
        return
    spec = parse(text)
    distributed = _distributed(spec)
    with _client(distributed, spec, workers) as client:
        pool = DaskPool(client, spec)
        pool.check_workers()
        yield pool


@contextmanager
def _client(distributed, spec: ExecutorSpec, workers: int):
    if spec.address is None:
        with (
            _local_cluster(distributed, workers) as cluster,
            distributed.Client(cluster, set_as_default=False) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(spec.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, asyncio.TimeoutError) as exc:
        raise FatalError(
            f"无法连接 Dask 调度器 {spec.text[len(PREFIX) :]}（{type(exc).__name__}: {str(exc)[:120]}）。"
            "请确认调度器已启动（dask scheduler）、地址和端口无误。"
        ) from None
    with client:
        yield client


def _local_cluster(distributed, workers: int):
    """A LocalCluster of `workers` single-threaded processes on loopback (spawned: a calling script needs
    the usual `if __name__ == "__main__":` guard)."""
    try:
        return distributed.LocalCluster(
            n_workers=max(1, workers),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            silence_logs=logging.ERROR,
            scheduler_kwargs=LOOPBACK_HTTP,
        )
    except (RuntimeError, OSError, TimeoutError, asyncio.TimeoutError) as exc:
        raise FatalError(
            f"无法在本机启动 Dask 集群（{type(exc).__name__}: {str(exc)[:120]}）。"
            "可改用 --workers N（不加 --executor）在本机多进程运行。"
        ) from None


# --- tasks: module-level functions, so that workers import them from fenji -----------------

_RENDER_LOCK = threading.Lock()  # a worker with several threads renders one job at a time


def _fenji_version() -> str:
    return __version__


def _read_batch(items: list, profile) -> list:
    from fenji.forms.read import read_file

    return [read_file(item, profile) for item in items]


def _render_batch(jobs: list, variant: str | None) -> list[tuple[Path, int]]:
    from fenji.core import render

    with _RENDER_LOCK:
        return [written for job in jobs for written in render.run_job(job, variant)]


def _sees_all(paths: list[str]) -> bool:
    return all(os.path.exists(path) for path in paths)


def batches(items: list, workers: int) -> list[list]:
    """Consecutive batches, about TASKS_PER_WORKER per worker and at most MAX_BATCH items each."""
    if not items:
        return []
    size = max(1, min(MAX_BATCH, -(-len(items) // (max(1, workers) * TASKS_PER_WORKER))))
    return [items[start : start + size] for start in range(0, len(items), size)]


class DaskPool:
    """Reading and rendering on a Dask cluster; results keep their input order. `tasks` counts submitted tasks."""

    def __init__(self, client, spec: ExecutorSpec):
        self.client, self.spec, self.tasks = client, spec, 0

    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info()["workers"]))

    def check_workers(self) -> None:
        """At least one worker, each running this version of fenji."""
        try:
            self.client.wait_for_workers(1, timeout=WORKER_WAIT)
        except (TimeoutError, asyncio.TimeoutError):
            raise FatalError(
                f"Dask 集群 {self.spec.text} 在 {WORKER_WAIT} 秒内没有可用的工作进程（worker）。请先启动 dask worker。"
            ) from None
        try:
            versions = self.client.run(_fenji_version)
        except Exception as exc:  # typically: fenji is not installed on a worker
            raise FatalError(
                f"无法在 Dask 工作进程上运行 fenji（{type(exc).__name__}: {str(exc)[:120]}）。"
                f"请在每个节点上安装与本机相同版本的 fenji：pip install 'fenji[dask]=={__version__}'。"
            ) from None
        wrong = {worker: version for worker, version in versions.items() if version != __version__}
        if wrong:
            worker, version = next(iter(wrong.items()))
            raise FatalError(
                f"Dask 工作进程 {worker} 上的 fenji 版本为 {version}，本机为 {__version__}。"
                "请在每个节点上安装相同版本的 fenji。"
            )

    def read(self, files: list, profile, progress: Progress) -> list:
        """Every file's FileResult, read by the workers in batches."""
        files = [replace(item, path=self._portable(item.path)) for item in files]
        if files:
            self._check_visible([str(files[0].path), str(files[-1].path)], "收件文件")
        profile_future = self.client.scatter(profile, broadcast=True, hash=False)  # sent once, not per batch
        return self._map(_read_batch, batches(files, self.workers()), (profile_future,), "读取", progress)

    def render(self, jobs: list, variant: str | None) -> list[tuple[Path, int]]:
        """Every job's (path, pages), laid out and written by the workers in batches."""
        asked = {self._portable(part.path): part.path for job in jobs for part in job.parts}
        jobs = [
            replace(job, parts=[replace(part, path=self._portable(part.path)) for part in job.parts]) for job in jobs
        ]
        written = self._map(_render_batch, batches(jobs, self.workers()), (variant,), "生成文书", None)
        written = [(asked[Path(path)], pages) for path, pages in written]  # the caller's paths again
        missing = [path for path, _ in written if not Path(path).exists()]
        if missing:
            raise FatalError(
                f"Dask 工作进程写出的文书在本机找不到（如 {missing[0]}）。使用 dask://主机:端口 时，"
                "输出文件夹须位于所有节点共享、路径相同的文件系统上。"
            )
        return written

    def _portable(self, path) -> Path:
        """A remote worker's working folder is not ours: it gets absolute paths (dask-local shares ours)."""
        return Path(path).absolute() if self.spec.address else Path(path)

    def _check_visible(self, paths: list[str], what: str) -> None:
        seen = self.client.run(_sees_all, paths)
        blind = [worker for worker, ok in seen.items() if not ok]
        if blind:
            raise FatalError(
                f"Dask 工作进程 {blind[0]} 上找不到{what}（如 {paths[0]}）。使用 dask://主机:端口 时，"
                "收件文件夹和输出文件夹须位于所有节点共享、路径相同的文件系统上。"
            )

    def _map(self, function, groups: list[list], extra: tuple, stage: str, progress: Progress | None) -> list:
        """One task per group; the flattened results in the groups' order. Cluster failures are FatalErrors."""
        from distributed import as_completed

        total = sum(len(group) for group in groups)
        if progress:
            progress(stage, 0, total)
        futures = [self.client.submit(function, group, *extra, pure=False) for group in groups]
        self.tasks += len(futures)
        sizes = {future.key: len(group) for future, group in zip(futures, groups)}
        try:
            done = 0
            for future in as_completed(futures, loop=self.client.loop):
                done += sizes[future.key]
                if progress:
                    progress(stage, done, total)
            return [item for future in futures for item in future.result()]
        except Exception as exc:  # a lost worker, a task that could not be unpickled, a dropped connection
            raise FatalError(
                f"Dask 集群上的{stage}任务失败（{type(exc).__name__}: {str(exc)[:160]}），本次未输出结果。"
                "请检查集群的工作进程日志后重新运行。"
            ) from None
        finally:
            self.client.cancel(futures)
