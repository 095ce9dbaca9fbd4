"""The library behind every command: `run`, `check`, `demo`, `profiles`, `doctor`.

The CLI only parses arguments, shows progress and maps `RunResult.exit_code` to the process status.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from fenji import __version__
from fenji.core import executors
from fenji.core.discover import InputFile, discover, sha256_file
from fenji.core.history import load_history
from fenji.core.outputs import (
    OutputLocked,
    OutputNotFolder,
    begin_outputs,
    commit_outputs,
    not_a_folder,
    output_lock,
    prepare_out_or_fail,
    write_csv,
    write_json,
    write_problems,
    write_results_xlsx,
)
from fenji.core.problems import EXIT_NEEDS_ATTENTION, EXIT_NOTHING_GRADED, EXIT_OK, FatalError, Problems, RosterMissing
from fenji.core.profiles import Profile
from fenji.core.records import FileResult
from fenji.core.results import grade_counts, results_table
from fenji.core.returns import returns_frame
from fenji.grading.grade import PENDING, UNGRADED, Graded, grade
from fenji.grading.subject import Scored
from fenji.systems import builtin_names, load_profile, system_of, templates_of

Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class RunOptions:
    """Everything a run needs; the CLI's flags map onto these fields one to one."""

    inbox: Path
    profile: str | Path
    year: int
    out: Path | None = None
    decisions: Path | None = None
    db: Path | None = None
    workers: int = 1
    documents: bool = True
    templates: Path | None = None
    html: bool = False
    docx: bool = False  # an editable Word copy beside each 公示, 通知书, 表彰决定 and 汇总报告 PDF
    pdf_variant: str | None = None
    notice_date: dt.date | None = None
    progress: Progress = _quiet
    notice_end: dt.date | None = None  # last day of the 公示 period (default: notice_date + period_days - 1)
    notice_phone: str = ""  # 公示 contact phone (default: the profile's notice.phone)
    notice_address: str = ""  # 公示 address for letters and visits
    notice_issuer: str = ""  # issuing body, overrides the profile's notice.issuer ({unit} allowed)
    county: str = ""  # the county named on the 汇总报告 cover
    card_date: dt.date | None = None  # 五星卡 issue date (default: the documents' date, notice_date)
    executor: str | None = None  # dask://HOST:PORT or dask-local: read and render on Dask (fenji.core.executors)
    period: str = ""  # --period 年初 | 年底 for a profile rated twice a year (its default when empty)
    due: dt.date | None = None  # --due: the last day to return the forms; missing returns after it are 逾期


@dataclass
class RunResult:
    exit_code: int
    profile: Profile | None = None
    problems: Problems = field(default_factory=Problems)
    results: pd.DataFrame | None = None
    graded: Graded | None = None
    scored: Scored | None = None
    files: list[FileResult] = field(default_factory=list)
    documents: list[Path] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    history: object = None  # fenji.core.history.History: last year's ledger results (every profile's report)
    render_stats: object = None  # fenji.core.documents.RenderStats of the documents written (files, pages, seconds)
    returns: list = field(default_factory=list)  # fenji.core.returns.Return: 收件进度, one per subject and form


def check(options: RunOptions) -> RunResult:
    """Read and validate only: the problem list, graded in memory but nothing written."""
    return _pipeline(options, write=False)


def run(options: RunOptions) -> RunResult:
    """Read, validate, grade, and write results, problems, run.json and documents to OUT."""
    if options.out is None:
        return _pipeline(options, write=False)
    if Path(options.out).resolve() == Path(options.inbox).resolve():
        return RunResult(
            EXIT_NOTHING_GRADED,
            message=f"输出文件夹 {options.out} 就是收件文件夹（结果会被当作报送的表）。"
            "请换一个输出文件夹，如收件文件夹旁边的“结果”文件夹。",
        )
    try:
        with output_lock(Path(options.out)):
            return _pipeline(options, write=True)
    except OutputLocked:
        return RunResult(
            EXIT_NOTHING_GRADED,
            message=f"另一个 fenji 正在向 {options.out} 写入结果。请等它结束后再运行，或换一个输出文件夹。",
        )
    except OutputNotFolder as exc:
        return RunResult(EXIT_NOTHING_GRADED, message=not_a_folder(options.out, exc))


def _pipeline(options: RunOptions, write: bool) -> RunResult:
    started = time.monotonic()
    # one date for every document of the run, even when it is written across midnight
    options = replace(options, notice_date=options.notice_date or dt.date.today())
    try:
        with executors.connect(options.executor, options.workers) as pool:
            return _stages(options, write, pool)
    except FatalError as exc:  # the executor could not start, or its cluster failed
        return RunResult(EXIT_NOTHING_GRADED, message=str(exc), seconds=time.monotonic() - started)


def _stages(options: RunOptions, write: bool, pool: executors.DaskPool | None) -> RunResult:
    started = time.monotonic()
    problems = Problems()
    try:
        _check_dates(options)
        profile = load_profile(options.profile)
        system = system_of(profile)
        options.period = resolve_period(options.period, profile)
        files = _inputs(options, problems)
        results = read_all(files, profile, options.workers, options.progress, pool)
        for result in results:
            problems.extend(result.problems)
        check_year(results, options.year, problems)
        # every 汇总报告 shows last year's; the systems whose rules need it cannot run without it
        history = load_history(
            options.db, profile, options.year, problems, required=system.needs_history, period=options.period
        )
        scored = system.score(results, profile, problems, history)
        graded = system.after_grading(grade(scored.subjects, profile, scored.decisions, problems), profile)
        returns = _returns(options, system, profile, scored, results, problems)
    except RosterMissing as exc:
        return RunResult(
            EXIT_NOTHING_GRADED,
            problems=problems,
            message=str(exc) + _profile_hint(files, profile),
            seconds=time.monotonic() - started,
        )
    except FatalError as exc:
        return RunResult(EXIT_NOTHING_GRADED, problems=problems, message=str(exc), seconds=time.monotonic() - started)
    table = results_table(graded, profile, system.result_columns(profile), system.result_values)
    outcome = RunResult(_exit_code(problems, graded), profile, problems, table, graded, scored, results)
    outcome.history = history
    outcome.returns = returns
    if write and options.out is not None:
        _write(options, outcome, files, pool)
    outcome.seconds = time.monotonic() - started
    return outcome


def resolve_period(period: str, profile: Profile) -> str:
    """--period against the profile's `periods` (a profile rated twice a year): its default when not
    given; FatalError for a period it does not have, or for --period with a yearly profile."""
    periods = list(profile.rules.get("periods") or [])
    if not periods:
        if period:
            raise FatalError(f"规则“{profile.title}”每年评定一次，不用 --period；请去掉 --period {period}。")
        return ""
    if not period:
        return profile.rules.get("default_period") or periods[-1]
    if period not in periods:
        raise FatalError(f"--period 为“{period}”，应为 {' 或 '.join(periods)}。")
    return period


def _returns(options: RunOptions, system, profile: Profile, scored: Scored, results, problems: Problems) -> list:
    """收件进度: the system's needs of every roster subject, their state, and a `missing-return` error
    for each form not yet back (so that problems.csv is the clerk's whole to-do list)."""
    from fenji.core.returns import report_missing, returns_of

    decided = {d.id for d in scored.decisions if d.id} | {d.name for d in scored.decisions if d.name}
    rows = returns_of(system.needed_returns(profile, scored.roster, results), results, problems, decided)
    report_missing(rows, problems, options.due, dt.date.today())
    return rows


PROFILE_HINT_FILES = 200  # enough to know a folder's forms; the hint is only worked out when a run failed


def _profile_hint(files: list[InputFile], profile: Profile) -> str:
    """When the roster is missing: the built-in profiles whose forms the folder holds, so that a wrong
    --profile is named (the star-rating forms read under dingji yield nothing but form-not-used)."""
    from fenji.core.isolate import IsolatedReader

    fits: dict[str, int] = {}
    for name in builtin_names():
        if name == profile.name:
            continue
        other = load_profile(name)
        with IsolatedReader(other, 1) as reader:  # untrusted files: read where a crash is one row
            read = reader.read(files[:PROFILE_HINT_FILES], lambda done, total: None)
        kinds = [kind for result in read for kind, records in result.records.items() if records]  # forms it used
        if any(kind in ("roster", "star_roster", "cadre_roster") for kind in kinds):
            fits[name] = len(kinds)
    if not fits:
        return ""
    best = max(fits.values())
    names = [name for name, count in fits.items() if count == best]
    titles = "、".join(dict.fromkeys(f"“{load_profile(name).title}”" for name in names))
    return (
        f"收件文件夹中的表是{titles}的表（规则 {'、'.join(names)}），不是“{profile.title}”（{profile.name}）的表："
        f"请改用 --profile {names[0]}" + (f"（或 {'、'.join(names[1:])}）" if len(names) > 1 else "") + "。"
    )


def check_year(results: list[FileResult], year: int, problems: Problems) -> None:
    """--year against the forms: a 年度 field that names another year, or a date more than a year
    away (a year's grading is done in that year or early the next), is one warning each, naming
    both years and the first place; the run still grades as --year."""
    kinds = {"年度": lambda found: found != year, "日期": lambda found: not year - 1 <= found <= year + 1}
    for kind, disagrees in kinds.items():
        places = [
            (result.rel, sheet, cell, label, found)
            for result in results
            for sheet, cell, label, found in result.years
            if kind in label and disagrees(found)
        ]
        if not places:
            continue
        file, sheet, cell, label, found = places[0]
        files = len({place[0] for place in places})
        others = f"（共 {files} 个文件）" if files > 1 else ""
        problems.warning(
            "year-mismatch",
            f"评定年度 --year 为 {year}，但表上的“{label}”是 {found} 年{others}。"
            f"如果评定的是 {found} 年度，请用 --year {found} 重新运行；结果和台账现按 {year} 年度记录。",
            file=file,
            sheet=sheet,
            cell=cell,
        )


def _check_dates(options: RunOptions) -> None:
    start = options.notice_date or dt.date.today()
    if options.notice_end and options.notice_end < start:
        raise FatalError(
            f"公示结束日期 {options.notice_end} 早于开始日期 {start}。请检查 --notice-date 和 --notice-end。"
        )


def _inputs(options: RunOptions, problems: Problems) -> list[InputFile]:
    inbox = Path(options.inbox)
    if not inbox.is_dir():
        raise FatalError(f"收件文件夹 {inbox} 不存在或不是文件夹。")
    files = discover(inbox, problems, options.out)
    if options.decisions is not None:
        path = Path(options.decisions)
        if not path.is_file():
            raise FatalError(f"决定调整表文件 {path} 不存在。")
        stat = path.stat()
        files.append(InputFile(path, path.name, stat.st_size, stat.st_mtime, sha256_file(path)))
    return files


def read_all(
    files: list[InputFile], profile: Profile, workers: int, progress: Progress, pool: executors.DaskPool | None = None
) -> list[FileResult]:
    """Read every file in isolated worker processes (fenji.core.isolate: a parser crash, hang or runaway
    allocation is that file's problem row), or on the Dask `pool` when asked; results keep the files' order."""
    if pool is not None:
        return pool.read(files, profile, progress)
    from fenji.core.isolate import IsolatedReader

    total = len(files)
    progress("读取", 0, total)
    with IsolatedReader(profile, min(max(1, workers), max(1, total))) as reader:
        return reader.read(files, lambda done, total: progress("读取", done, total))


def _exit_code(problems: Problems, graded: Graded) -> int:
    grades = set(graded.subjects["等次"])
    if problems.has_errors() or UNGRADED in grades or PENDING in grades:
        return EXIT_NEEDS_ATTENTION
    return EXIT_OK


def _write(options: RunOptions, outcome: RunResult, files: list[InputFile], pool=None) -> None:
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    pending = begin_outputs(out)  # everything is written aside, then swapped in as one generation
    try:
        if options.documents:
            from fenji.core.documents import write_documents
            from fenji.core.returns_documents import with_returns

            system = system_of(outcome.profile)
            planner = with_returns(system.plan_documents)  # the system's documents, then 收件进度 and 催报
            written = write_documents(outcome, options, pending, planner, templates_of(system), pool)
            outcome.documents = [out / path.relative_to(pending) for path in written]
        _write_ledger(options, outcome, files)
        write_csv(outcome.results, pending / "results.csv")
        write_results_xlsx(
            outcome.results, "单位", pending / "results.xlsx", f"{options.year}年度{outcome.profile.title}结果"
        )
        write_problems(outcome.problems.sorted(), pending / "problems.csv")
        write_csv(returns_frame(outcome.returns), pending / "returns.csv")
        write_json(run_info(options, outcome, files), pending / "run.json")
    except BaseException:
        shutil.rmtree(pending, ignore_errors=True)
        raise
    commit_outputs(pending, out)


def _write_ledger(options: RunOptions, outcome: RunResult, files: list[InputFile]) -> None:
    """Keep the run in the ledger (`--db`, default fenji.db); a failure is an error in the problem list."""
    from fenji.core.ledger import RunRecord, default_db, record_outcome

    forms = {r.rel: r.forms for r in outcome.files}
    run = RunRecord(
        outcome.profile.name,
        outcome.profile.sha256,
        options.year,
        [(f.rel, f.sha256, forms.get(f.rel, [])) for f in files],
        __version__,
        outcome.exit_code,
        period=options.period,
    )
    try:
        record_outcome(options.db or default_db(), run, outcome.graded.subjects, outcome.results)
    except FatalError as exc:
        outcome.problems.error("ledger-write-failed", f"结果未能写入台账：{exc}")
        outcome.exit_code = max(outcome.exit_code, EXIT_NEEDS_ATTENTION)


def run_info(options: RunOptions, outcome: RunResult, files: list[InputFile]) -> dict:
    forms = {r.rel: r.forms for r in outcome.files}
    return {
        "fenji_version": __version__,
        "profile": {"name": outcome.profile.name, "source": outcome.profile.source, "sha256": outcome.profile.sha256},
        "year": options.year,
        **({"period": options.period} if options.period else {}),
        "finished": dt.datetime.now().isoformat(timespec="seconds"),
        "inputs": [{"path": f.rel, "sha256": f.sha256, "size": f.size, "forms": forms.get(f.rel, [])} for f in files],
        "counts": grade_counts(outcome.graded),
        "subjects": len(outcome.results),
        "problems": {level: outcome.problems.count(level) for level in ("错误", "警告", "提示")},
        "documents": [str(p.relative_to(options.out)) for p in outcome.documents],
        "exit_status": outcome.exit_code,
        **system_of(outcome.profile).run_info(outcome),  # e.g. 提升率 and 转化率 per unit
    }


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


# --- other commands -------------------------------------------------------------------------


def profiles() -> list[tuple[str, str]]:
    """(name, title) of every built-in profile."""
    return [(name, load_profile(name).title) for name in builtin_names()]


def profile_text(spec: str) -> str:
    """A profile as TOML text, after validating it."""
    return load_profile(spec).text


def sample_folder() -> Path:
    """sample_workbooks/ of the source tree, else of the current directory."""
    for candidate in (Path(__file__).resolve().parent.parent / "sample_workbooks", Path.cwd() / "sample_workbooks"):
        if candidate.is_dir():
            return candidate
    raise FatalError("找不到 sample_workbooks/ 文件夹。请在 fenji 源码目录中运行 `fenji demo`。")


DEMO_YEAR = 2027
DEMO_DATE = dt.date(DEMO_YEAR, 4, 10)
DEMO_YEAR_END = dt.date(DEMO_YEAR, 12, 28)
# the demo's 公示 print where to object, marked as samples ({unit}: the town or village)
DEMO_PHONE = "0000-0000000（示例）"
DEMO_ADDRESS = "{unit}党群服务中心（示例）"


def demo(
    out: Path, workers: int = 1, progress: Callable[[str], None] = lambda name: None, docx: bool = False
) -> list[tuple[str, RunResult]]:
    """Run every profile that has a sample folder (`sample_workbooks/<profile>/`) into `out/<profile>/`
    (with `docx`, the editable Word copies too)."""
    samples = sample_folder()
    runs = []
    for name in builtin_names():
        inbox = samples / name
        if not inbox.is_dir():
            continue
        progress(name)
        _demo_last_year(samples, name, Path(out), workers)
        _demo_first_period(samples, name, Path(out), workers)
        options = RunOptions(
            inbox,
            name,
            DEMO_YEAR,
            Path(out) / name,
            workers=workers,
            db=Path(out) / "fenji.db",
            notice_date=_demo_notice_date(name),
            notice_phone=DEMO_PHONE,
            notice_address=DEMO_ADDRESS,
            docx=docx,
        )
        runs.append((name, run(options)))
    if not runs:
        raise FatalError(f"{samples} 中没有示例数据。")
    return runs


def _demo_notice_date(name: str) -> dt.date:
    """The documents' date of the demo's main run: spring, when most ratings are announced; a profile
    rated twice a year is run for its last period (年底), whose score sheets are dated in December, so
    its documents are dated at the year's end, never before the rating they announce."""
    periods = list(load_profile(name).rules.get("periods") or [])
    return DEMO_YEAR_END if len(periods) > 1 else DEMO_DATE


def _demo_last_year(samples: Path, name: str, out: Path, workers: int) -> None:
    """`sample_workbooks/<profile>-2026/` (shengji, shixing) is graded first, into the demo's ledger, so
    that the 2027 run takes last year's grades from the ledger (提升率, 转化率, star changes)."""
    inbox = samples / f"{name}-{DEMO_YEAR - 1}"
    if inbox.is_dir():
        run(
            RunOptions(
                inbox,
                name,
                DEMO_YEAR - 1,
                out / f"{name}-{DEMO_YEAR - 1}",
                workers=workers,
                db=out / "fenji.db",
                documents=False,
            )
        )


def _demo_first_period(samples: Path, name: str, out: Path, workers: int) -> None:
    """A profile rated twice a year: `sample_workbooks/<profile>-<first period>/` is graded first, with
    its documents, into the demo's ledger, so that the main run (the last period) compares with it."""
    periods = list(load_profile(name).rules.get("periods") or [])
    for period in periods[:-1]:
        inbox = samples / f"{name}-{period}"
        if inbox.is_dir():
            run(
                RunOptions(
                    inbox,
                    name,
                    DEMO_YEAR,
                    out / f"{name}-{period}",
                    workers=workers,
                    db=out / "fenji.db",
                    notice_date=DEMO_DATE,
                    notice_phone=DEMO_PHONE,  # its 公示 are demo documents too: they print where to object
                    notice_address=DEMO_ADDRESS,
                    period=period,
                )
            )


def history(subject_id: str, db: str | Path | None = None, profile: str | None = None) -> list:
    """A subject's kept results over the years (`fenji history`), oldest first; FatalError without a ledger."""
    from fenji.core.ledger import Ledger, default_db, exists

    target = db or default_db()
    if not exists(target):
        raise FatalError(f"台账数据库 {target} 不存在。请用 --db 指定台账文件（fenji run 时的 --db，默认 fenji.db）。")
    with Ledger(target) as ledger:
        return ledger.history(subject_id, profile)


def doctor():
    from fenji.doctor import doctor as run_doctor

    return run_doctor()


# --- blank forms ----------------------------------------------------------------------------

if TYPE_CHECKING:
    from fenji.forms.blank import FormsResult


def forms(profile: str, roster: Path, out: Path, year: int | None = None, ballots: int = 0) -> FormsResult:
    """Blank forms for `profile`, pre-filled from the roster workbook, written under `out` (see
    fenji.forms.blank for which forms and where); `ballots` > 0 also writes that many paper ballots per
    branch and leaves that many guarded rows in 附件3 (票号 left for the clerk to type). Raises FatalError for a bad profile or roster."""
    from fenji.forms.blank import write_forms

    prepare_out_or_fail(Path(out), create=False)  # written only once the roster has been read
    loaded = load_profile(profile)
    return write_forms(
        loaded, system_of(loaded).plan_blank_forms, Path(roster), Path(out), year or dt.date.today().year, ballots
    )


# --- drop-folder mode -----------------------------------------------------------------------


def watch(
    options: RunOptions,
    *,
    settle: float = 3.0,
    rescan: float = 30.0,
    polling: bool = False,
    on_event: Callable | None = None,
    stop=None,
) -> int:
    """Watch `options.inbox` and grade into `options.out` until `stop` (a threading.Event) is set; each
    batch of settled files is checked, filed to 已处理 or 退回, and graded (see fenji.watch). `on_event`
    receives every fenji.watch.Event. Raises FatalError when it cannot start; returns EXIT_OK."""
    import threading

    from fenji.watch import Watcher

    Watcher(options, run=run, check=check, settle=settle, rescan=rescan, polling=polling, on_event=on_event).run(
        stop or threading.Event()
    )
    return EXIT_OK


# --- the office's read-only page ------------------------------------------------------------


def serve_check(out: Path, host: str = "127.0.0.1", password: str | None = None) -> None:
    """What `serve` refuses before it starts (fenji.web.ServeRefused: a missing OUT, a non-local host without a password)."""
    from fenji.web import check_start

    check_start(Path(out), host, password)


def serve(out: Path, host: str = "127.0.0.1", port: int = 8000, password: str | None = None) -> None:
    """`fenji serve OUT`: the read-only page of OUT (fenji.web) until interrupted."""
    from fenji.web import serve as run_server

    run_server(Path(out), host, port, password)
