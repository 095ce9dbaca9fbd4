"""Benchmark: a county inbox (20 towns, 300 branches, ~660 workbooks) and a province (20 000 branches).

Plain Python that prints figures (never a timed test). Inputs are generated with a fixed seed into
bench/.cache/ (reused on later runs). Usage: .venv/bin/python bench/run.py [--skip-province] [--skip-documents]
[--skip-county] [--skip-dask] [--province-branches N] [--workers N]; the province also runs through
a dask-local cluster (`--executor dask-local`, needs `pip install 'fenji[dask]'`). A quick check:
.venv/bin/python bench/run.py --skip-county --province-branches 500
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import python_calamine as calamine  # noqa: E402

    from fenji.api import RunOptions, check, run  # noqa: E402
    from fenji.core.problems import FatalError  # noqa: E402
    from fenji.forms.samplebooks import (  # noqa: E402
        INDICATORS,
        Branch,
        ballot_rows,
        ballots_book,
        rate_text,
        roster_book,
        score_book,
        self_eval_book,
        summary_book,
    )
except ImportError as missing:  # run by an interpreter without fenji's dependencies (a bare `python`)
    sys.stderr.write(
        f"这个 Python（{sys.executable}）没有安装 fenji 的依赖（缺少 {missing.name}）。\n"
        "请先运行 bash scripts/setup.sh，再用虚拟环境中的 Python 运行：.venv/bin/python bench/run.py\n"
    )
    sys.exit(2)

CACHE = ROOT / "bench" / ".cache"
PROVINCE_BRANCHES = 20_000


def make_branches(rng: random.Random, towns: int, per_town: int) -> list[Branch]:
    branches = []
    for t in range(towns):
        town = f"第{t + 1:03d}镇"
        for n in range(per_town):
            b = Branch(
                f"T{t + 1:03d}B{n + 1:03d}",
                f"第{t + 1:03d}镇{n + 1:03d}村党支部",
                town,
                "行政村",
                rng.randint(15, 80),
                "张三",
                rng.choice(["好", "较好", "一般", "较差"]),
            )
            quality = rng.uniform(0.55, 0.98)
            b.scores = {
                name: max(0, min(m, round(m * rng.uniform(quality - 0.1, quality + 0.08))))
                for name, m in INDICATORS[:-1]
            }
            total = rng.randint(50, 70)
            unhappy, basic, unknown = rng.randint(0, 6), rng.randint(3, 15), rng.randint(0, 2)
            b.votes = {
                "满意": total - unhappy - basic - unknown,
                "基本满意": basic,
                "不满意": unhappy,
                "不了解": unknown,
            }
            branches.append(b)
    return branches


def write_inbox(folder: Path, branches: list[Branch], ballots: bool, rng: random.Random) -> None:
    folder.mkdir(parents=True)
    towns = sorted({b.town for b in branches})
    for town in towns:
        members = [b for b in branches if b.town == town]
        roster_book(town, 2027, members).save(folder / f"{town}名册.xlsx")
        summary_book(town, 2027, [(b, b.votes, sum(b.votes.values()), rate_text(b.votes)) for b in members]).save(
            folder / f"{town}汇总表.xlsx"
        )
        score_book(town, 2027, [(b, b.scores, None) for b in members]).save(folder / f"{town}附件4.xlsx")
        if not ballots:
            continue
        for b in members:
            ballots_book(b, 2027, ballot_rows(rng, b.votes)).save(folder / f"{b.id}测评表.xlsx")
            self_scores = {n: min(m, b.scores.get(n, m - 1) + 1) for n, m in INDICATORS}
            self_eval_book(b, 2027, self_scores, "较好").save(folder / f"{b.id}自评表.xlsx")


def inbox(name: str, towns: int, per_town: int, ballots: bool) -> Path:
    folder = CACHE / name
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        write_inbox(folder, make_branches(random.Random(2027), towns, per_town), ballots, random.Random(7))
        marker.write_text("ok")
        print(
            f"  生成 {name}：{sum(1 for _ in folder.glob('*.xlsx'))} 个工作簿，{time.perf_counter() - started:.1f} 秒"
        )
    return folder


def raw_read(folder: Path) -> float:
    """The floor: python-calamine reading every sheet of every workbook, nothing else."""
    started = time.perf_counter()
    for path in sorted(folder.glob("*.xlsx")):
        book = calamine.CalamineWorkbook.from_path(str(path))
        for index in range(len(book.sheet_names)):
            book.get_sheet_by_index(index).to_python(skip_empty_area=False)
    return time.perf_counter() - started


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def pages_of(paths) -> int:
    import subprocess

    total = 0
    for path in paths:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        total += next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), 0)
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-province", action="store_true")
    parser.add_argument("--skip-documents", action="store_true")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-county", action="store_true")
    parser.add_argument(
        "--only-returned-file", action="store_true", help="only the figure of one returned file (render reuse)"
    )
    parser.add_argument("--skip-dask", action="store_true", help="no province run through a dask-local cluster")
    parser.add_argument(
        "--province-branches",
        type=int,
        default=PROVINCE_BRANCHES,
        help="province size (default 20000); small for a quick check",
    )
    args = parser.parse_args()
    print(f"机器：{os.cpu_count()} 核；Python {sys.version.split()[0]}；workers={args.workers}")
    if args.only_returned_file:
        returned_file_figure(args)
        return
    if not args.skip_county:
        county_figures(args)
    if not args.skip_province:
        province_figures(args)


def timed_process(command: list[str]) -> tuple[float, int]:
    """Wall time and exit status of a whole process, as a user runs it (output discarded)."""
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, done.returncode


def whole_process_figures(county: Path, floor: float, workers: int) -> None:
    """The issue-13 goal: `fenji check` as a process within 3 × the calamine floor plus the
    interpreter's start (Python importing what `fenji check` imports)."""
    start = min(timed_process([sys.executable, "-c", "import fenji.cli"])[0] for _ in range(3))
    runs = [
        timed_process(
            [
                sys.executable,
                "-m",
                "fenji",
                "check",
                str(county),
                "--profile",
                "dingji",
                "--year",
                "2027",
                "--workers",
                str(workers),
            ]
        )
        for _ in range(3)
    ]
    whole, status = min(runs)
    goal = 3 * floor + start
    print(f"  解释器启动（import fenji.cli）：{start:.2f} 秒")
    print(
        f"  整个进程 fenji check（--workers {workers}，3 次取最快）：{whole:.2f} 秒，退出码 {status}；"
        f"目标 3 × 下限 + 启动 = {goal:.2f} 秒，{'达到' if whole <= goal else f'未达到（超出 {whole - goal:.2f} 秒）'}；"
        f"扣除启动后是下限的 {(whole - start) / floor:.2f} 倍"
    )


def county_figures(args) -> None:
    county = inbox("county", 20, 15, ballots=True)
    files = len(list(county.glob("*.xlsx")))
    floor = min(raw_read(county) for _ in range(3))
    print(f"县级收件：{files} 个工作簿")
    print(f"  calamine 原始读取（下限，一个进程，3 次取最快）：{floor:.2f} 秒")
    whole_process_figures(county, floor, args.workers)
    gc.collect()
    started = time.perf_counter()
    checked = check(RunOptions(county, "dingji", 2027, workers=args.workers))
    grading = time.perf_counter() - started
    print(
        f"  fenji 读取+校验+定级（api.check，进程内）：{grading:.2f} 秒，是下限的 {grading / floor:.2f} 倍；"
        f"{len(checked.results)} 个党组织，退出码 {checked.exit_code}"
    )
    started = time.perf_counter()
    graded = run(
        RunOptions(
            county, "dingji", 2027, CACHE / "county-out", workers=args.workers, documents=False, db=CACHE / "bench.db"
        )
    )
    print(
        f"  同上并写出 results.csv/xlsx、problems.csv、run.json 和台账（run --no-documents）："
        f"{time.perf_counter() - started:.2f} 秒，退出码 {graded.exit_code}"
    )
    if not args.skip_documents:
        started = time.perf_counter()
        documented = run(
            RunOptions(
                county,
                "dingji",
                2027,
                CACHE / "county-docs",
                workers=args.workers,
                documents=True,
                db=CACHE / "bench.db",
            )
        )
        total = time.perf_counter() - started
        pages = pages_of(documented.documents)
        stats = documented.render_stats
        print(
            f"  含文书的完整运行：{total:.1f} 秒；PDF {len(documented.documents)} 份，{pages} 页；"
            f"文书 {stats.seconds:.1f} 秒，{stats.seconds / max(pages, 1):.3f} 秒/页"
        )
    print(f"  峰值内存（RSS，含子进程）：{peak_rss_mb():.0f} MB")


def returned_file_figure(args) -> None:
    """What `fenji watch` does after one returned file settles, in a 20-town county: the run that
    re-grades and swaps in the documents, re-rendering only the PDFs whose HTML changed (the file's
    town and the run-wide report); the other towns' PDFs are kept from the previous generation."""
    county = inbox("county", 20, 15, ballots=True)
    work = CACHE / "county-returned"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(county, work / "inbox")
    late = sorted((work / "inbox").glob("*测评表.xlsx"))[0]  # one village's ballots come back late
    shutil.move(late, work / late.name)
    options = RunOptions(work / "inbox", "dingji", 2027, work / "out", workers=args.workers, db=work / "bench.db")
    options.notice_date = dt.date(2027, 4, 10)
    started = time.perf_counter()
    first = run(options)
    print(
        f"县级一次完整运行（{len(first.documents)} 份 PDF，全部生成）：{time.perf_counter() - started:.1f} 秒，"
        f"缺报 {sum(r.status == '缺报' for r in first.returns)} 份"
    )
    shutil.move(work / late.name, late)  # the returned file
    started = time.perf_counter()
    second = run(options)
    total = time.perf_counter() - started
    stats = second.render_stats
    print(
        f"  报回一个文件后的重新定级和出文（watch 在文件稳定后做的）：{total:.2f} 秒；"
        f"PDF {stats.files} 份，其中重新生成 {stats.files - stats.reused} 份、沿用上一次的 {stats.reused} 份；"
        f"文书 {stats.seconds:.2f} 秒；缺报 {sum(r.status == '缺报' for r in second.returns)} 份"
    )


def province_figures(args) -> None:
    per_town = min(100, max(1, args.province_branches))
    towns = max(1, args.province_branches // per_town)
    name = "province" if args.province_branches == PROVINCE_BRANCHES else f"province-{towns * per_town}"
    province = inbox(name, towns, per_town, ballots=False)
    started = time.perf_counter()
    result = run(
        RunOptions(
            province,
            "dingji",
            2027,
            CACHE / f"{name}-out",
            workers=args.workers,
            documents=False,
            db=CACHE / "bench.db",
        )
    )
    print(
        f"省级（{len(result.results)} 个党组织，汇总表代替测评表）：定级 {time.perf_counter() - started:.1f} 秒，"
        f"峰值内存 {peak_rss_mb():.0f} MB"
    )
    if not args.skip_dask:
        dask_figure(args, province, name, result)


def dask_figure(args, province: Path, name: str, local) -> None:
    """The same province with reading on a dask-local cluster of --workers processes (grading stays local)."""
    from fenji.core import executors

    started = time.perf_counter()
    try:
        with executors.connect("dask-local", args.workers):
            pass
    except FatalError as exc:
        print(f"  经 Dask：未运行（{exc}）")
        return
    overhead = time.perf_counter() - started
    started = time.perf_counter()
    result = run(
        RunOptions(
            province,
            "dingji",
            2027,
            CACHE / f"{name}-dask-out",
            workers=args.workers,
            documents=False,
            executor="dask-local",
            db=CACHE / "bench-dask.db",
        )
    )
    seconds = time.perf_counter() - started
    if result.results is None:
        print(f"  经 Dask：失败（{result.message}）")
        return
    same = (
        "一致"
        if result.results.equals(local.results) and result.problems.sorted() == local.problems.sorted()
        else "不一致！"
    )
    print(
        f"  经 Dask（dask-local，{args.workers} 个工作进程）：定级 {seconds:.1f} 秒，其中启动和关闭集群约 "
        f"{overhead:.1f} 秒；结果与本机进程{same}；峰值内存 {peak_rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
