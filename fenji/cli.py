"""Command line: parses arguments, shows progress, maps results to exit codes. Nothing else.

Every command calls a function of `fenji.api`; help texts are Chinese with the English beside.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fenji import api
from fenji.problems import FatalError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="fenji（分级）：基层党组织分类定级与星级评定。Grade grassroots Party organisations from returned Excel forms.")
profiles_app = typer.Typer(help="列出或显示规则配置。List or show rule profiles.", invoke_without_command=True)
app.add_typer(profiles_app, name="profiles")
console = Console(stderr=True)
out_console = Console(soft_wrap=True)

INBOX_HELP = "收件文件夹（递归查找工作簿）。Drop folder, searched recursively."
PROFILE_HELP = "规则配置：内置名称（dingji 等）或 TOML 文件路径。Built-in profile name or path to a TOML file."
YEAR_HELP = "评定年度。Grading year."


def _progress_bar():
    if not sys.stderr.isatty():
        return None
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True)


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
        out_console.print(f"[{colours.get(p.level, 'white')}]{p.level}[/] {p.location()}{subject} [dim]{p.code}[/]",
                          highlight=False)
        out_console.print(f"    {p.message}", highlight=False, markup=False)
    if len(items) > limit:
        out_console.print(f"……其余 {len(items) - limit} 条见 problems.csv")


def _summary(result: api.RunResult) -> None:
    counts = result.results["等次"].value_counts()
    parts = "，".join(f"{grade} {n} 个" for grade, n in counts.items())
    out_console.print(f"共 {len(result.results)} 个对象：{parts}。用时 {result.seconds:.1f} 秒。")


@app.command()
def run(inbox: Path = typer.Argument(..., help=INBOX_HELP),
        profile: str = typer.Option(..., "--profile", help=PROFILE_HELP),
        year: int = typer.Option(..., "--year", help=YEAR_HELP),
        out: Path = typer.Option(..., "--out", help="输出文件夹。Output folder."),
        db: Optional[Path] = typer.Option(None, "--db", help="台账数据库（默认 fenji.db）。Ledger database."),
        decisions: Optional[Path] = typer.Option(None, "--decisions", help="党委研究决定调整表。Committee decisions workbook."),
        workers: int = typer.Option(api.default_workers(), "--workers", help="并行进程数。Worker processes."),
        templates: Optional[Path] = typer.Option(None, "--templates", help="自定义模板文件夹。Folder of templates overriding the built-ins."),
        html: bool = typer.Option(False, "--html", help="同时输出 HTML。Also write the HTML."),
        pdf_variant: Optional[str] = typer.Option(None, "--pdf-variant", help="如 pdf/a-3b。PDF variant, e.g. pdf/a-3b."),
        no_documents: bool = typer.Option(False, "--no-documents", help="不生成 PDF 文书。Skip the PDF documents."),
        notice_date: Optional[str] = typer.Option(None, "--notice-date", help="公示开始日期 YYYY-MM-DD（默认今天）。First day of the notice period."),
        ) -> None:
    """读取、校验、定级并输出结果和文书。Read, validate, grade, and write results and documents."""
    options = api.RunOptions(inbox, profile, year, out, decisions=decisions, workers=workers,
                             documents=not no_documents, templates=templates, html=html, pdf_variant=pdf_variant,
                             notice_date=dt.date.fromisoformat(notice_date) if notice_date else None, db=db)
    result = _run_with_progress(api.run, options)
    _finish(result, show_problems=False)
    if result.exit_code != api.EXIT_NOTHING_GRADED:
        out_console.print(f"结果已写入 {out}（results.csv、results.xlsx、problems.csv、run.json"
                          f"{'、documents/' if result.documents else ''}）。")
    raise typer.Exit(result.exit_code)


@app.command()
def check(inbox: Path = typer.Argument(..., help=INBOX_HELP),
          profile: str = typer.Option(..., "--profile", help=PROFILE_HELP),
          year: int = typer.Option(..., "--year", help=YEAR_HELP),
          decisions: Optional[Path] = typer.Option(None, "--decisions", help="党委研究决定调整表。Committee decisions workbook."),
          ) -> None:
    """只读取和校验，打印问题清单，不输出文件。Read and validate only; print the problem list."""
    result = _run_with_progress(api.check, api.RunOptions(inbox, profile, year, decisions=decisions, workers=1))
    _finish(result, show_problems=True)
    raise typer.Exit(result.exit_code)


def _finish(result: api.RunResult, show_problems: bool) -> None:
    if result.exit_code == api.EXIT_NOTHING_GRADED:
        console.print(f"[bold red]未能定级：[/]{result.message}")
        if len(result.problems):
            _print_problems(result)
        return
    if show_problems:
        _print_problems(result)
    else:
        errors, warnings = result.problems.count("错误"), result.problems.count("警告")
        out_console.print(f"问题清单：错误 {errors} 条，警告 {warnings} 条，提示 {result.problems.count('提示')} 条。")
    _summary(result)
    if result.exit_code == api.EXIT_NEEDS_ATTENTION:
        out_console.print("[yellow]有需要处理的问题（错误、未评定或待定），请查看问题清单。[/]")


@app.command()
def demo(out: Path = typer.Option(Path("fenji-demo"), "--out", help="输出文件夹。Output folder."),
         workers: int = typer.Option(api.default_workers(), "--workers", help="并行进程数。Worker processes.")) -> None:
    """用 sample_workbooks/ 中的示例数据运行全部规则。Run every profile on sample_workbooks/."""
    try:
        runs = api.demo(out, workers=workers, progress=lambda name: out_console.print(f"示例：{name} …"))
    except FatalError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(2)
    for name, result in runs:
        pdfs = len(result.documents)
        out_console.print(f"  {name}: {len(result.results)} 个对象，问题 {len(result.problems)} 条，PDF {pdfs} 份，"
                          f"退出码 {result.exit_code} → {out / name}")
    out_console.print(f"PDF 文书在 {out.resolve()}/*/documents/ 下。")


@profiles_app.callback()
def profiles_list(ctx: typer.Context) -> None:
    """列出内置规则配置。List built-in profiles."""
    if ctx.invoked_subcommand is None:
        for name, title in api.profiles():
            out_console.print(f"{name}\t{title}")


@profiles_app.command("show")
def profiles_show(name: str = typer.Argument(..., help=PROFILE_HELP)) -> None:
    """以 TOML 显示一个规则配置。Print one profile as TOML."""
    try:
        sys.stdout.write(api.profile_text(name))
    except FatalError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(2)


@app.command()
def doctor() -> None:
    """检查字体、库和版本。Check fonts, libraries and versions."""
    report = api.doctor()
    for line in report.lines:
        out_console.print(line)
    raise typer.Exit(report.exit_code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
