"""Command line: parses arguments, shows progress, maps results to exit codes. Nothing else.

Every command calls a function of `fenji.api`; help texts are Chinese with the English beside.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fenji import api
from fenji.core.problems import FatalError
from fenji.core.returns import missing_summary

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="fenji（分级）：基层党组织分类定级与星级评定。Grade grassroots Party organisations from returned Excel forms.",
)
profiles_app = typer.Typer(help="列出或显示规则配置。List or show rule profiles.", invoke_without_command=True)
app.add_typer(profiles_app, name="profiles")
console = Console(stderr=True)
out_console = Console(soft_wrap=True)

INBOX_HELP = "收件文件夹（递归查找工作簿）。Drop folder, searched recursively."
PROFILE_HELP = "规则配置：内置名称（dingji 等）或 TOML 文件路径。Built-in profile name or path to a TOML file."
YEAR_HELP = "评定年度。Grading year."
DOCX_HELP = (
    "同时为结果公示、通知书、表彰决定和汇总报告各写一份可编辑的 Word 副本（.docx，与 PDF 同名同处）。"
    "Also write an editable .docx beside each notice, letter, decision and report PDF."
)
PERIOD_HELP = "考评阶段：年初 或 年底（只用于一年考评两次的规则，如“五好”星级考评；默认年底）。Rating period, for profiles rated twice a year."
DB_HELP = "台账数据库：SQLite 文件（默认 fenji.db）或 SQLAlchemy 网址（如 postgresql+psycopg://用户@主机/数据库）。Ledger: an SQLite file or an SQLAlchemy URL."


def _progress_bar():
    if not sys.stderr.isatty():
        return None
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _run_with_progress(function, options: api.RunOptions) -> api.RunResult:
    bar = _progress_bar()
    if bar is None:
        return function(options)
    tasks: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    options.progress = progress
    with bar:
        return function(options)


def _print_problems(result: api.RunResult, limit: int = 200) -> None:
    """One block per problem: level, code, where (file / sheet / cell), subject, then the sentence."""
    items = result.problems.sorted()
    if not items:
        out_console.print("没有发现问题。")
        return
    out_console.print(f"问题清单（{len(items)} 条）：", highlight=False)
    colours = {"错误": "red", "警告": "yellow", "提示": "cyan"}
    for p in items[:limit]:
        subject = f"（{p.subject}）" if p.subject else ""
        out_console.print(
            f"[{colours.get(p.level, 'white')}]{p.level}[/] {p.location()}{subject} [dim]{p.code}[/]", highlight=False
        )
        out_console.print(f"    {p.message}", highlight=False, markup=False)
    if len(items) > limit:
        out_console.print(f"……其余 {len(items) - limit} 条见 problems.csv")


def _summary(result: api.RunResult) -> None:
    counts = result.results["等次"].value_counts()
    order = [g for g in (result.profile.grades if result.profile else []) if g in counts.index]
    order += [g for g in counts.index if g not in order]  # 待定, 未评定, 不参评 … after the grades
    parts = "，".join(f"{grade} {counts[grade]} 个" for grade in order)
    out_console.print(f"共 {len(result.results)} 个对象：{parts}。用时 {result.seconds:.1f} 秒。")


# options shared by `run` and `watch` (one definition, so their help and defaults never drift)
TEMPLATES_OPTION = typer.Option(
    None, "--templates", help="自定义模板文件夹。Folder of templates overriding the built-ins."
)
DOCX_OPTION = typer.Option(False, "--docx", help=DOCX_HELP)
PHONE_OPTION = typer.Option("", "--phone", help="公示受理电话（默认规则配置的 notice.phone）。Phone for objections.")
ADDRESS_OPTION = typer.Option("", "--address", help="公示受理来信、来访地址。Address for letters and visits.")
ISSUER_OPTION = typer.Option(
    "", "--issuer", help="发文机关，{unit} 代表乡镇或村（默认规则配置的 notice.issuer）。Issuing body."
)
COUNTY_OPTION = typer.Option(
    "", "--county", help="汇总报告封面上的县（市、区）名，如 某某县。County named on the report."
)


@app.command()
def run(
    inbox: Path = typer.Argument(..., help=INBOX_HELP),
    profile: str = typer.Option(..., "--profile", help=PROFILE_HELP),
    year: int = typer.Option(..., "--year", help=YEAR_HELP),
    out: Path = typer.Option(..., "--out", help="输出文件夹。Output folder."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    decisions: Path | None = typer.Option(
        None, "--decisions", help="党委研究决定调整表。Committee decisions workbook."
    ),
    workers: int = typer.Option(api.default_workers(), "--workers", help="并行进程数。Worker processes."),
    period: str = typer.Option("", "--period", help=PERIOD_HELP),
    templates: Path | None = TEMPLATES_OPTION,
    html: bool = typer.Option(False, "--html", help="同时输出 HTML。Also write the HTML."),
    docx: bool = DOCX_OPTION,
    pdf_variant: str | None = typer.Option(None, "--pdf-variant", help="如 pdf/a-3b。PDF variant, e.g. pdf/a-3b."),
    no_documents: bool = typer.Option(False, "--no-documents", help="不生成 PDF 文书。Skip the PDF documents."),
    notice_date: str | None = typer.Option(
        None,
        "--notice-date",
        help="公示开始日期 YYYY-MM-DD（默认今天），也是文书落款日期。"
        "First day of the notice period, also the documents' date.",
    ),
    notice_end: str | None = typer.Option(
        None, "--notice-end", help="公示结束日期 YYYY-MM-DD（默认按规则配置的公示天数）。Last day of the notice period."
    ),
    phone: str = PHONE_OPTION,
    address: str = ADDRESS_OPTION,
    issuer: str = ISSUER_OPTION,
    county: str = COUNTY_OPTION,
    card_date: str | None = typer.Option(
        None,
        "--card-date",
        help="五星卡发卡日期 YYYY-MM-DD（默认同 --notice-date），有效期自该日起半年。"
        "Issue date of the five-star cards (default: the notice date).",
    ),
    due: str | None = typer.Option(
        None, "--due", help="报送截止日期 YYYY-MM-DD：此后仍缺报的注明逾期（收件进度、催报）。Deadline for the returns."
    ),
    executor: str | None = typer.Option(
        None,
        "--executor",
        help="在 Dask 集群上分批读取和生成文书：dask://主机:端口 或 dask-local（本机临时启动 --workers 个进程）；需 pip install 'fenji\\[dask]'。Read and render in batches on a Dask cluster.",
    ),
) -> None:
    """读取、校验、定级并输出结果和文书。Read, validate, grade, and write results and documents."""
    try:
        start, end, issued, deadline = (
            _date(option, text)
            for option, text in (
                ("--notice-date", notice_date),
                ("--notice-end", notice_end),
                ("--card-date", card_date),
                ("--due", due),
            )
        )
    except ValueError as exc:
        console.print(f"[bold red]日期不对：[/]{escape(str(exc))}", highlight=False)
        raise typer.Exit(2)
    options = api.RunOptions(
        inbox,
        profile,
        year,
        out,
        decisions=decisions,
        workers=workers,
        card_date=issued,
        documents=not no_documents,
        templates=templates,
        html=html,
        docx=docx,
        pdf_variant=pdf_variant,
        notice_date=start,
        db=db,
        notice_end=end,
        notice_phone=phone,
        notice_address=address,
        notice_issuer=issuer,
        county=county,
        executor=executor,
        period=period,
        due=deadline,
    )
    result = _run_with_progress(api.run, options)
    _finish(result, show_problems=False)
    if result.exit_code != api.EXIT_NOTHING_GRADED:
        out_console.print(
            f"结果已写入 {out}（results.csv、results.xlsx、problems.csv、returns.csv、run.json"
            f"{'、documents/' if result.documents else ''}）。"
        )
    raise typer.Exit(result.exit_code)


@app.command()
def check(
    inbox: Path = typer.Argument(..., help=INBOX_HELP),
    profile: str = typer.Option(..., "--profile", help=PROFILE_HELP),
    year: int = typer.Option(..., "--year", help=YEAR_HELP),
    decisions: Path | None = typer.Option(
        None, "--decisions", help="党委研究决定调整表。Committee decisions workbook."
    ),
    workers: int = typer.Option(api.default_workers(), "--workers", help="并行读取的进程数。Worker processes."),
    period: str = typer.Option("", "--period", help=PERIOD_HELP),
) -> None:
    """只读取和校验，打印问题清单，不输出文件。Read and validate only; print the problem list."""
    result = _run_with_progress(
        api.check, api.RunOptions(inbox, profile, year, decisions=decisions, workers=workers, period=period)
    )
    _finish(result, show_problems=True)
    raise typer.Exit(result.exit_code)


def _date(option: str, text: str | None) -> dt.date | None:
    """A YYYY-MM-DD option as a date; ValueError with a Chinese reason (Python's own is English)."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        pass
    if re.fullmatch(r"\s*\d{4}-\d{1,2}-\d{1,2}\s*", text):
        reason = f"{option} {text} 没有这一天（月份应为 1–12，日不超过该月的天数）"
    else:
        reason = f"{option} “{text}” 不是 YYYY-MM-DD 格式"
    raise ValueError(f"{reason}。请写成 YYYY-MM-DD，如 2027-04-10。")


def _finish(result: api.RunResult, show_problems: bool) -> None:
    if result.exit_code == api.EXIT_NOTHING_GRADED:
        console.print(f"[bold red]未能定级：[/]{escape(result.message)}")  # [dask] is not markup
        if len(result.problems):
            _print_problems(result)
        return
    if show_problems:
        _print_problems(result)
    else:
        errors, warnings = result.problems.count("错误"), result.problems.count("警告")
        out_console.print(f"问题清单：错误 {errors} 条，警告 {warnings} 条，提示 {result.problems.count('提示')} 条。")
        for line in notable_lines([result]):
            out_console.print(f"[yellow]{escape(line)}[/]", highlight=False)
        missing = missing_summary(result.returns)
        if missing:
            out_console.print(f"[yellow]{escape(missing)}[/]", highlight=False)
    _summary(result)
    if result.exit_code == api.EXIT_NEEDS_ATTENTION:
        out_console.print("[yellow]有需要处理的问题（错误、未评定或待定），请查看问题清单。[/]")


@app.command()
def demo(
    out: Path = typer.Option(Path("fenji-demo"), "--out", help="输出文件夹。Output folder."),
    workers: int = typer.Option(api.default_workers(), "--workers", help="并行进程数。Worker processes."),
    docx: bool = DOCX_OPTION,
) -> None:
    """用 sample_workbooks/ 中的示例数据运行全部规则。Run every profile on sample_workbooks/."""
    try:
        runs = api.demo(out, workers=workers, progress=lambda name: out_console.print(f"示例：{name} …"), docx=docx)
    except FatalError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(2)
    for line in demo_lines(runs, out):
        out_console.print(line, highlight=False, markup=False)


# Shown on screen by `run` and `demo`, not only in problems.csv: they concern the whole run
SCREEN_CODES = ("no-chinese-font", "font-fallback", "font-subsetter", "glyph-missing", "year-mismatch")
EXIT_MEANING = {
    api.EXIT_OK: "没有需要处理的问题",
    api.EXIT_NEEDS_ATTENTION: "有需要处理的问题",
    api.EXIT_NOTHING_GRADED: "未能定级",
}


def notable_lines(results: list[api.RunResult]) -> list[str]:
    """The run-wide warnings (fonts, glyphs, --year), each once even when several runs gave it."""
    lines = [f"{p.level}：{p.message}" for result in results for p in result.problems.items if p.code in SCREEN_CODES]
    return list(dict.fromkeys(lines))


def _copies_text(result: api.RunResult) -> str:
    """`Word 副本 12 份，` after --docx, else nothing."""
    copies = getattr(result.render_stats, "copies", 0)
    return f"Word 副本 {copies} 份，" if copies else ""


def demo_lines(runs: list[tuple[str, api.RunResult]], out: Path) -> list[str]:
    lines = [
        f"  {name}: {len(result.results) if result.results is not None else 0} 个对象，"
        f"问题 {len(result.problems)} 条，PDF {len(result.documents)} 份，{_copies_text(result)}"
        f"退出码 {result.exit_code}（{EXIT_MEANING.get(result.exit_code, '')}）→ {out / name}"
        for name, result in runs
    ]
    if any(result.exit_code == api.EXIT_NEEDS_ATTENTION for _, result in runs):
        lines.append(
            "示例数据中故意放了填错的单元格、缺少的表和待定的对象，用来演示问题清单，"
            "所以退出码为 1（有需要处理的问题）属于正常。问题清单见各文件夹的 problems.csv。"
        )
    lines += notable_lines([result for _, result in runs])
    lines.append(f"PDF 文书在 {out.resolve()}/*/documents/ 下。")
    return lines


@profiles_app.callback()
def profiles_list(ctx: typer.Context) -> None:
    """列出内置规则配置。List built-in profiles."""
    if ctx.invoked_subcommand is None:
        from rich import box
        from rich.table import Table

        table = Table("名称", "标题", box=box.SIMPLE_HEAD, pad_edge=False)  # rich pads by display width (CJK)
        for name, title in api.profiles():
            table.add_row(name, title)
        Console(width=max(out_console.width, 80)).print(table, highlight=False)


@profiles_app.command("show")
def profiles_show(name: str = typer.Argument(..., help=PROFILE_HELP)) -> None:
    """以 TOML 显示一个规则配置。Print one profile as TOML."""
    try:
        sys.stdout.write(api.profile_text(name))
    except FatalError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(2)


@app.command()
def forms(
    profile: str = typer.Option(..., "--profile", help=PROFILE_HELP),
    roster: Path = typer.Option(..., "--roster", help="名册工作簿（党组织名册或评定对象名册）。Roster workbook."),
    out: Path = typer.Option(
        ..., "--out", help="输出文件夹（不覆盖已有文件）。Output folder; existing files are never overwritten."
    ),
    year: int | None = typer.Option(None, "--year", help="评定年度（默认今年）。Grading year (default: this year)."),
    ballots: int = typer.Option(
        0,
        "--ballots",
        min=0,
        help="每个党组织印 N 张满意度测评票（PDF），附件3 预留 N 行。"
        "Print N paper ballots per branch (PDF) and leave N rows for them in 附件3.",
    ),
) -> None:
    """生成预填名称和编号、带下拉选项和数值校验的空白表。Write blank forms pre-filled from the roster, with drop-downs and range checks."""
    try:
        result = api.forms(profile, roster, out, year=year, ballots=ballots)
    except FatalError as exc:
        console.print(f"[bold red]未能生成空白表：[/]{exc}")
        raise typer.Exit(2)
    for note in result.notes:
        out_console.print(f"[yellow]{note}[/]")
    out_console.print(
        f"已为 {len(result.units)} 个单位、{result.subjects} 个对象写入 {len(result.forms)} 个文件"
        f"（用时 {result.seconds:.1f} 秒）：",
        highlight=False,
    )
    for label, count in result.counts().items():
        out_console.print(f"  {label} {count} 份", highlight=False)
    for unit in result.units:
        out_console.print(f"  {unit} → {result.folder(unit)}", highlight=False)
    if result.ballots:
        out_console.print(
            f"每个党组织 {result.ballots} 张满意度测评票（满意度测评票-*.pdf），附件3 已预留 {result.ballots} 行。",
            highlight=False,
        )
    out_console.print("工作表已保护（无密码）：只有填写栏可以输入。", highlight=False)


@app.command()
def doctor() -> None:
    """检查字体、库和版本。Check fonts, libraries and versions."""
    report = api.doctor()
    for line in report.lines:
        out_console.print(line)
    raise typer.Exit(report.exit_code)


@app.command("history")
def history_command(
    subject: str = typer.Argument(..., help="对象编号（名册中的编号）。Subject id from the roster."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    profile: str | None = typer.Option(None, "--profile", help="只看这一规则。Only this profile."),
) -> None:
    """某个对象历年的等次（来自台账）。A subject's grades over the years, from the ledger."""
    try:
        rows = api.history(subject, db, profile)
    except FatalError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(2)
    if not rows:
        out_console.print(f"台账中没有编号 {subject} 的记录。", highlight=False)
        raise typer.Exit(1)
    lines = ["年度\t规则\t单位\t名称\t得分\t等次\t说明"]  # tab-separated, as typed: scripts read it
    # a profile rated twice a year shows its period with the year: 2027年初, 2027年底
    lines += [
        f"{r.year}{r.period}\t{r.profile}\t{r.unit}\t{r.name}\t{r.score}\t{r.grade}\t{'；'.join(r.markers)}"
        for r in rows
    ]
    typer.echo("\n".join(lines))


WATCH_STYLES = {
    "退回": "yellow",
    "重复": "yellow",
    "暂缓": "yellow",
    "未能定级": "red",
    "出错": "bold red",
    "定级": "green",
}


@app.command()
def watch(
    inbox: Path = typer.Argument(..., help=INBOX_HELP),
    profile: str = typer.Option(..., "--profile", help=PROFILE_HELP),
    year: int = typer.Option(..., "--year", help=YEAR_HELP),
    out: Path = typer.Option(
        ..., "--out", help="输出文件夹（不能在收件文件夹里面）。Output folder (not inside INBOX)."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    workers: int = typer.Option(api.default_workers(), "--workers", help="并行进程数。Worker processes."),
    no_documents: bool = typer.Option(False, "--no-documents", help="不生成 PDF 文书。Skip the PDF documents."),
    settle: float = typer.Option(
        3.0,
        "--settle",
        min=0.1,
        help="文件大小和修改时间保持不变多少秒后才读取。"
        "Seconds a file's size and mtime must stay unchanged before it is read.",
    ),
    polling: bool = typer.Option(
        False,
        "--polling",
        help="用轮询代替系统文件通知（网络共享文件夹）。Poll instead of using inotify (network shares).",
    ),
    rescan: float = typer.Option(
        30.0, "--rescan", min=1.0, help="每隔多少秒全面检查一次收件文件夹。Seconds between full rescans of INBOX."
    ),
    period: str = typer.Option("", "--period", help=PERIOD_HELP),
    due: str | None = typer.Option(
        None, "--due", help="报送截止日期 YYYY-MM-DD：此后仍缺报的注明逾期（收件进度、催报）。Deadline for the returns."
    ),
    templates: Path | None = TEMPLATES_OPTION,
    docx: bool = DOCX_OPTION,
    phone: str = PHONE_OPTION,
    address: str = ADDRESS_OPTION,
    issuer: str = ISSUER_OPTION,
    county: str = COUNTY_OPTION,
) -> None:
    """监视收件文件夹：新表复制完成后自动校验、定级，归入 已处理/ 或 退回/（附问题说明）。Ctrl-C 停止。
    Watch a drop folder: grade each complete new file, move it to 已处理/ or 退回/ (with a note). Ctrl-C stops."""
    import os
    import signal
    import threading

    stop = threading.Event()

    def request_stop(signum, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()  # only a flag here: the watcher finishes its current write, then returns
        os.write(2, "正在完成当前写入后退出……（再按一次 Ctrl-C 立即退出）\n".encode())

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        deadline = _date("--due", due)
    except ValueError as exc:
        console.print(f"[bold red]日期不对：[/]{escape(str(exc))}", highlight=False)
        raise typer.Exit(2)
    options = api.RunOptions(
        inbox,
        profile,
        year,
        out,
        db=db,
        workers=workers,
        documents=not no_documents,
        period=period,
        due=deadline,
        templates=templates,
        docx=docx,
        notice_phone=phone,
        notice_address=address,
        notice_issuer=issuer,
        county=county,
    )
    show = lambda event: out_console.print(
        event.line(), style=WATCH_STYLES.get(event.kind), markup=False, highlight=False
    )
    try:
        code = api.watch(options, settle=settle, rescan=rescan, polling=polling, on_event=show, stop=stop)
    except FatalError as exc:
        console.print(f"[bold red]无法开始监视：[/]{exc}")
        raise typer.Exit(2)
    raise typer.Exit(code)


@app.command()
def serve(
    out: Path = typer.Argument(..., help="fenji run / fenji watch 的输出文件夹。The output folder to show."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="监听地址（默认只允许本机访问）；其他地址须加 --password。Address to bind."
    ),
    port: int = typer.Option(8000, "--port", help="端口。Port."),
    password: str | None = typer.Option(
        None, "--password", envvar="FENJI_PASSWORD", help="访问密码（HTTP 基本认证）。Password (HTTP basic auth)."
    ),
) -> None:
    """只读网页：收件进度、问题清单、结果和文书下载，每次刷新读取最新结果。Read-only page of OUT."""
    from fenji.web import ServeRefused

    try:
        api.serve_check(out, host, password)
    except ServeRefused as exc:
        console.print(f"[bold red]无法启动：[/]{escape(str(exc))}", highlight=False)
        raise typer.Exit(2)
    shown = "本机" if host in ("127.0.0.1", "localhost", "::1") else host
    out_console.print(f"请用浏览器打开 http://{host}:{port}/ （{shown}；按 Ctrl-C 停止）。", highlight=False)
    api.serve(out, host, port, password)
    raise typer.Exit(0)


# --- the command line's own words: Chinese errors, help that wraps Chinese, flags shown as flags --------

CLICK_ERRORS = sys.modules[typer.BadParameter.__module__]  # click, or the copy a recent Typer carries
HELP_OPTION = "显示本帮助并退出。 Show this message and exit."
METAVARS = {"inbox": "INBOX", "subject": "SUBJECT", "name": "NAME"}


def main(argv: list[str] | None = None) -> None:
    """Run the CLI with click's English argument errors replaced by Chinese ones (exit status 2)."""
    command = typer.main.get_command(app)
    _tidy_help(command)
    try:
        code = command.main(args=argv, prog_name="fenji", standalone_mode=False)
    except CLICK_ERRORS.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `fenji` alone: the help was the message
            exc.show()
            sys.exit(0)
        _show_usage_error(exc)
        sys.exit(2)
    except typer.Abort:
        console.print("已中止。")
        sys.exit(1)
    except CLICK_ERRORS.ClickException as exc:
        console.print(f"[bold red]错误：[/]{escape(exc.format_message())}")
        sys.exit(exc.exit_code)
    sys.exit(code or 0)


def _show_usage_error(exc) -> None:
    context = getattr(exc, "ctx", None)
    if context is not None:
        console.print(escape(context.command.get_usage(context)), highlight=False)
        console.print(f"用 “{context.command_path} --help” 查看说明。", highlight=False)
    console.print(f"[bold red]命令行有误：[/]{escape(usage_error_text(exc))}", highlight=False)


def usage_error_text(exc) -> str:
    """click's UsageError family in Chinese, keeping its suggestion of what was meant."""
    param = getattr(exc, "param", None)
    if isinstance(exc, CLICK_ERRORS.NoSuchOption):
        guesses = "、".join(sorted(exc.possibilities or ()))
        hint = f"您是不是要用 {guesses}？" if guesses else "可用的选项见 --help。"
        return f"没有 {exc.option_name} 这个选项。{hint}"
    if isinstance(exc, CLICK_ERRORS.MissingParameter) and param is not None:
        return f"缺少{_param_label(param)}{_what(param)}。"
    if isinstance(exc, CLICK_ERRORS.BadParameter) and param is not None:
        return f"{_param_label(param)} 的值不对：{_expected(param)}"
    return _usage_message(exc.format_message())


def _param_label(param) -> str:
    if getattr(param, "param_type_name", "") == "argument":
        return f"参数 {param.metavar or param.name.upper()}"
    return f"选项 {'/'.join(param.opts)}"


def _what(param) -> str:
    first = (param.help or "").split("。")[0]
    return f"（{first}）" if first else ""


def _expected(param) -> str:
    kind = getattr(getattr(param, "type", None), "name", "") or _annotation_name(param)
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is None and high is None:
        kind_type = getattr(param, "type", None)
        low, high = getattr(kind_type, "min", None), getattr(kind_type, "max", None)
    bounds = "，".join(
        part
        for part in (f"不小于 {low}" if low is not None else "", f"不大于 {high}" if high is not None else "")
        if part
    )
    if kind in ("integer", "int"):
        example = "，如 2027" if param.name == "year" else ""
        return f"应为整数{'（' + bounds + '）' if bounds else example}。"
    if kind in ("float", "number"):
        return f"应为数字{'（' + bounds + '）' if bounds else '，如 3 或 0.5'}。"
    return "请检查拼写，详见 --help。"


def _annotation_name(param) -> str:
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    return getattr(annotation, "__name__", "")


USAGE_MESSAGES = [  # (click's English, the Chinese), for UsageErrors that carry no parameter
    (
        re.compile(r"No such command '(.+?)'\.(?: Did you mean '(.+?)'\?)?"),
        lambda m: f"没有 {m[1]} 这个命令。" + (f"您是不是要用 {m[2]}？" if m[2] else "可用的命令见 fenji --help。"),
    ),
    (
        re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)"),
        lambda m: f"多出了参数 {m[1]}。含空格的路径请加引号。",
    ),
    (re.compile(r"Option '(.+?)' requires an argument\."), lambda m: f"选项 {m[1]} 后面要写一个值。"),
    (re.compile(r"Option '(.+?)' does not take a value\."), lambda m: f"选项 {m[1]} 是开关，后面不写值。"),
    (re.compile(r"Missing command\."), lambda m: "缺少命令，可用的命令见 --help。"),
]


def _usage_message(english: str) -> str:
    for pattern, chinese in USAGE_MESSAGES:
        found = pattern.search(english)
        if found:
            return chinese(found)
    return f"{english}（详见 --help）"


def _tidy_help(command) -> None:
    """Help that a narrow terminal does not cut: a space between a Chinese sentence and the English
    (rich wraps only at spaces), flags without a `<bool>` type, `[选项] INBOX` in the usage line."""
    for param in command.params:
        if param.help:
            param.help = BILINGUAL_JOIN.sub(r"\1 \2", param.help)
        _tidy_param(param)
        if getattr(param, "param_type_name", "") == "argument" and param.name in METAVARS:
            param.metavar = METAVARS[param.name]
    if command.help:
        command.help = BILINGUAL_JOIN.sub(r"\1 \2", command.help)
    command.format_usage = _chinese_usage.__get__(command)
    help_option = command.get_help_option

    def chinese_help_option(ctx):
        option = help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
            _tidy_param(option)
        return option

    command.get_help_option = chinese_help_option
    for sub in getattr(command, "commands", {}).values():
        _tidy_help(sub)
    _fold_help_tables()


BILINGUAL_JOIN = re.compile(r"([。；])([A-Za-z])")


def _tidy_param(param) -> None:
    if getattr(param, "is_flag", False):
        param.metavar = ""  # shown as a flag, not as `<bool>`


def _chinese_usage(self, ctx, formatter) -> None:
    pieces = ["[选项]" if piece == "[OPTIONS]" else piece.strip("{}") for piece in self.collect_usage_pieces(ctx)]
    formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法：")


def _fold_help_tables() -> None:
    """rich cuts a line it cannot wrap with “…”; Chinese has no spaces, so let it fold instead."""
    try:
        from typer import rich_utils
    except ImportError:  # Typer without rich: click's plain help
        return
    table = getattr(rich_utils, "Table", None)
    if table is None or getattr(table, "folds", False):
        return

    class FoldingTable(table):
        folds = True

        def add_row(self, *renderables, **options):
            super().add_row(*renderables, **options)
            for column in self.columns:
                column.overflow = "fold"

    rich_utils.Table = FoldingTable
    parameter_help = getattr(rich_utils, "_get_parameter_help", None)
    if parameter_help is not None:

        def folded_parameter_help(*args, **kwargs):
            columns = parameter_help(*args, **kwargs)
            for item in getattr(columns, "renderables", ()):  # a help text and its [default: …]
                if hasattr(item, "overflow"):
                    item.overflow = "fold"
            return columns

        rich_utils._get_parameter_help = folded_parameter_help


if __name__ == "__main__":
    main()
