"""The command line as a clerk runs it: real subprocesses, exit codes, Chinese output."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_workbooks" / "dingji"


def fenji(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fenji", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_check_prints_problem_list_and_exits_1():
    done = fenji("check", str(SAMPLE), "--profile", "dingji", "--year", "2027")
    assert done.returncode == 1, done.stderr
    assert "问题清单" in done.stdout
    assert "附件4-白河镇评分定级表.xlsx / 评分定级表 / E11" in done.stdout
    assert "超出范围" in done.stdout


def test_run_writes_outputs(tmp_path: Path):
    out = tmp_path / "输出 结果"
    done = fenji(
        "run",
        str(SAMPLE),
        "--profile",
        "dingji",
        "--year",
        "2027",
        "--out",
        str(out),
        "--no-documents",
        "--workers",
        "1",
    )
    assert done.returncode == 1, done.stderr
    for name in ("results.csv", "results.xlsx", "problems.csv", "run.json"):
        assert (out / name).is_file()
    assert (out / "results.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not list(out.glob(".*.tmp"))


def test_missing_inbox_exits_2(tmp_path: Path):
    done = fenji("check", str(tmp_path / "nowhere"), "--profile", "dingji", "--year", "2027")
    assert done.returncode == 2
    assert "不存在" in done.stderr


def test_no_roster_exits_2(tmp_path: Path):
    done = fenji("check", str(tmp_path), "--profile", "dingji", "--year", "2027")
    assert done.returncode == 2
    assert "名册" in done.stderr


def test_bad_profile_exits_2(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n', encoding="utf-8")
    done = fenji("check", str(SAMPLE), "--profile", str(bad), "--year", "2027")
    assert done.returncode == 2
    assert "title" in done.stderr


def test_profiles_list_and_show():
    listed = fenji("profiles")
    assert listed.returncode == 0 and "dingji" in listed.stdout
    shown = fenji("profiles", "show", "dingji")
    assert shown.returncode == 0 and 'name = "dingji"' in shown.stdout


def test_help_is_bilingual():
    done = fenji("run", "--help")
    assert done.returncode == 0
    assert "收件文件夹" in done.stdout and "Drop folder" in done.stdout


def test_input_files_are_not_modified(tmp_path: Path):
    before = {p: p.stat().st_mtime_ns for p in SAMPLE.rglob("*") if p.is_file()}
    fenji("run", str(SAMPLE), "--profile", "dingji", "--year", "2027", "--out", str(tmp_path / "o"), "--no-documents")
    after = {p: p.stat().st_mtime_ns for p in SAMPLE.rglob("*") if p.is_file()}
    assert before == after


def test_notice_period_contacts_and_county_are_run_settings(tmp_path: Path):
    inbox = tmp_path / "收件"
    shutil.copytree(SAMPLE / "清溪镇", inbox)
    out = tmp_path / "out"
    done = fenji(
        "run",
        str(inbox),
        "--profile",
        "dingji",
        "--year",
        "2027",
        "--out",
        str(out),
        "--workers",
        "1",
        "--db",
        str(tmp_path / "l.db"),
        "--notice-date",
        "2027-04-12",
        "--notice-end",
        "2027-04-18",
        "--phone",
        "0851-8888 1234",
        "--address",
        "清溪镇人民政府二楼组织办",
        "--county",
        "示例县",
    )
    assert done.returncode == 1, done.stderr
    notice = _pdf_text(out / "documents" / "清溪镇" / "清溪镇2027年度分类定级结果公示.pdf")
    assert "公示期为2027年4月12日至2027年4月18日" in notice
    assert "0851-88881234" in notice and "清溪镇人民政府二楼组织办" in notice
    report = _pdf_text(out / "documents" / "汇总报告.pdf")
    assert "示例县2027年度" in report and "中共示例县委员会组织部" in report


def test_notice_end_before_start_exits_2(tmp_path: Path):
    done = fenji(
        "run",
        str(SAMPLE),
        "--profile",
        "dingji",
        "--year",
        "2027",
        "--out",
        str(tmp_path / "o"),
        "--notice-date",
        "2027-04-12",
        "--notice-end",
        "2027-04-01",
        "--no-documents",
    )
    assert done.returncode == 2
    assert "早于开始日期" in done.stderr
    bad = fenji(
        "run",
        str(SAMPLE),
        "--profile",
        "dingji",
        "--year",
        "2027",
        "--out",
        str(tmp_path / "o"),
        "--notice-date",
        "4月12日",
        "--no-documents",
    )
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def _pdf_text(pdf: Path) -> str:
    """The PDF's text without white space (pdftotext -raw), as a reader copying it would get it."""
    done = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return "".join(done.stdout.split())


# --- rough edges a newcomer hit (issue 20) ----------------------------------------------------------


def _run(
    inbox: Path, out: Path, *extra: str, profile: str = "dingji", year: str = "2027"
) -> subprocess.CompletedProcess:
    return fenji(
        "run",
        str(inbox),
        "--profile",
        profile,
        "--year",
        year,
        "--out",
        str(out),
        "--no-documents",
        "--workers",
        "1",
        "--db",
        str(out.parent / "l.db"),
        *extra,
    )


def test_out_naming_a_file_is_a_chinese_message_and_exit_2(tmp_path: Path):
    existing = tmp_path / "结果.xlsx"
    existing.write_bytes(b"not a folder")
    for out in (existing, existing / "sub"):
        done = _run(SAMPLE, out)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and "是一个已有的文件" in done.stderr, done.stderr
    roster = SAMPLE / "清溪镇" / "清溪镇党组织名册.xlsx"
    for args in (
        ["forms", "--profile", "dingji", "--roster", str(roster), "--out", str(existing)],
        ["watch", str(SAMPLE), "--profile", "dingji", "--year", "2027", "--out", str(existing / "sub")],
    ):
        done = fenji(*args)
        assert done.returncode == 2 and "是一个已有的文件" in done.stderr and "Traceback" not in done.stderr, (
            done.stderr
        )
    assert existing.read_bytes() == b"not a folder"


def test_outputs_follow_the_umask_and_no_lock_is_left(tmp_path: Path):
    inbox = tmp_path / "收件"
    shutil.copytree(SAMPLE / "清溪镇", inbox)
    out = tmp_path / "out"
    done = subprocess.run(
        [
            "sh",
            "-c",
            'umask 022 && exec "$@"',
            "sh",
            sys.executable,
            "-m",
            "fenji",
            "run",
            str(inbox),
            "--profile",
            "dingji",
            "--year",
            "2027",
            "--out",
            str(out),
            "--workers",
            "1",
            "--db",
            str(tmp_path / "l.db"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    for name in ("results.csv", "results.xlsx", "problems.csv", "run.json"):
        assert (out / name).stat().st_mode & 0o777 == 0o644, name
    pdfs = list((out / "documents").rglob("*.pdf"))
    assert pdfs and all(p.stat().st_mode & 0o777 == 0o644 for p in pdfs)
    assert (out / "documents").stat().st_mode & 0o777 == 0o755
    assert not (out / ".fenji.lock").exists()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_out_inside_inbox_is_not_read_back(tmp_path: Path):
    inbox = tmp_path / "收件"
    shutil.copytree(SAMPLE / "清溪镇", inbox)
    out = inbox / "out"
    first, second = _run(inbox, out), _run(inbox, out)
    assert first.returncode == second.returncode == 1, second.stderr
    problems = (out / "problems.csv").read_text(encoding="utf-8-sig")
    assert "out/results.xlsx" not in problems and "header-not-found" not in problems
    assert "output-folder-skipped" in problems
    checked = fenji("check", str(inbox), "--profile", "dingji", "--year", "2027")
    assert "out/results.xlsx" not in checked.stdout and "输出文件夹" in checked.stdout
    same = _run(inbox, inbox)
    assert same.returncode == 2 and "就是收件文件夹" in same.stderr


def test_argument_errors_are_chinese_with_the_suggestion_kept():
    cases = [
        (["run", "x", "--yaer", "2027"], ["没有 --yaer 这个选项", "您是不是要用 --year？"]),
        (["run", "x", "--profile", "dingji", "--out", "o"], ["缺少选项 --year（评定年度）"]),
        (["run", "x", "--profile", "dingji", "--out", "o", "--year", "二〇二七"], ["--year 的值不对：应为整数"]),
        (["forms", "--profile", "dingji", "--roster", "r", "--out", "o", "--ballots", "-1"], ["不小于 0"]),
        (["rnu"], ["没有 rnu 这个命令", "您是不是要用 run？"]),
        (["check"], ["缺少参数 INBOX"]),
        (["check", "a", "b", "--profile", "dingji", "--year", "2027"], ["多出了参数 b"]),
    ]
    for args, expected in cases:
        done = fenji(*args)
        assert done.returncode == 2, (args, done.stderr)
        for text in expected:
            assert text in done.stderr, (args, done.stderr)
        for english in ("No such", "Missing", "Input should", "Invalid value", "Usage:", "Got unexpected", "Traceback"):
            assert english not in done.stderr, (args, done.stderr)


def test_date_errors_are_chinese():
    for value, expected in (
        ("2027-13-01", "没有这一天"),
        ("2027-02-30", "没有这一天"),
        ("4月12日", "不是 YYYY-MM-DD 格式"),
    ):
        done = fenji("run", str(SAMPLE), "--profile", "dingji", "--year", "2027", "--out", "o", "--notice-date", value)
        assert done.returncode == 2 and expected in done.stderr and "--notice-date" in done.stderr, done.stderr
        assert "Invalid isoformat" not in done.stderr and "month must be" not in done.stderr, done.stderr


def test_help_is_not_cut_at_80_or_100_columns_and_shows_flags_as_flags():
    import os

    for columns in ("80", "100"):
        for command in ([], ["run"], ["check"], ["watch"], ["forms"], ["history"], ["demo"]):
            done = subprocess.run(
                [sys.executable, "-m", "fenji", *command, "--help"],
                capture_output=True,
                text=True,
                timeout=60,
                env={**os.environ, "COLUMNS": columns, "TERM": "dumb"},
            )
            assert done.returncode == 0, done.stderr
            assert "…" not in done.stdout, (columns, command, done.stdout)
            assert "<bool>" not in done.stdout and "{" + "inbox}" not in done.stdout, done.stdout
            flat = " ".join(done.stdout.replace("│", " ").split())  # the words, whatever the wrapping
            assert "用法：fenji" in flat and "Show this message and exit." in flat, flat
        run_help = subprocess.run(
            [sys.executable, "-m", "fenji", "run", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "COLUMNS": columns},
        ).stdout
        flat = " ".join(run_help.replace("│", " ").split())
        assert "用法：fenji run [选项] INBOX" in flat
        assert "Ledger: an SQLite file or an SQLAlchemy URL." in flat and "Second" not in flat
        assert "--html 同时输出 HTML。" in flat and "--no-documents 不生成 PDF 文书。" in flat


def test_profiles_are_an_aligned_table():
    from rich.cells import cell_len

    done = fenji("profiles")
    assert done.returncode == 0
    rows = [
        line for line in done.stdout.splitlines() if any(name in line for name in ("dingji", "xingji-daan", "shixing"))
    ]
    assert len(rows) >= 3
    starts = {cell_len(line[: len(line) - len(line.split()[-1])]) for line in (r.rstrip() for r in rows)}
    assert len(starts) == 1, done.stdout  # every title starts in the same display column


def test_bench_run_by_a_python_without_the_dependencies_says_which_command_to_use():
    done = subprocess.run(
        [sys.executable, "-S", str(ROOT / "bench" / "run.py"), "--skip-county"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )  # -S: no site-packages, as a bare system python
    assert done.returncode == 2, done.stderr
    assert ".venv/bin/python bench/run.py" in done.stderr and "Traceback" not in done.stderr
    assert ".venv/bin/python bench/run.py" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`python bench/run.py`" not in (ROOT / "README.md").read_text(encoding="utf-8")


def test_wrong_profile_names_the_profile_whose_forms_the_folder_holds(tmp_path: Path):
    stars = ROOT / "sample_workbooks" / "xingji-daan"
    done = fenji("check", str(stars), "--profile", "dingji", "--year", "2027")
    assert done.returncode == 2
    flat = "".join(done.stderr.split())
    assert "没有找到党组织名册" in flat and "请改用--profilexingji-daan" in flat, done.stderr
    back = fenji("check", str(SAMPLE), "--profile", "xingji-daan", "--year", "2027")
    assert back.returncode == 2 and "请改用--profiledingji" in "".join(back.stderr.split()), back.stderr
    (tmp_path / "说明.txt").write_text("x", encoding="utf-8")
    empty = fenji("check", str(tmp_path), "--profile", "dingji", "--year", "2027")  # no forms at all: no guess
    assert empty.returncode == 2 and "请改用" not in empty.stderr


def test_a_year_the_forms_disagree_with_is_a_warning_naming_both_years():
    wrong = fenji("check", str(SAMPLE), "--profile", "dingji", "--year", "2035")
    assert wrong.returncode == 1, wrong.stderr
    flat = "".join(wrong.stdout.split())
    assert "year-mismatch" in flat and "--year为2035，但表上的“年度”是2027年" in flat, wrong.stdout
    assert "“统计日期”是2027年" in flat or "“评定日期”是2027年" in flat
    right = fenji("check", str(SAMPLE), "--profile", "dingji", "--year", "2027")
    assert "year-mismatch" not in right.stdout


def test_demo_says_the_samples_carry_problems_on_purpose_and_shows_font_warnings(tmp_path: Path):
    from fenji import api
    from fenji.cli import demo_lines

    result = api.run(api.RunOptions(SAMPLE, "dingji", 2027, tmp_path / "dingji", documents=False, db=tmp_path / "l.db"))
    assert result.exit_code == 1
    result.problems.warning(
        "font-fallback", "字体角色“正文”未安装首选字体（仿宋_GB2312），使用最后的备选 Noto Serif CJK SC。"
    )
    lines = demo_lines([("dingji", result), ("xingji-daan", result)], tmp_path)
    text = "\n".join(lines)
    assert "退出码 1（有需要处理的问题）" in text and "故意" in text and "problems.csv" in text
    assert text.count("未安装首选字体") == 1  # on screen, once for all profiles


def test_setup_says_what_it_is_doing():
    script = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    for step in ("系统软件包", "虚拟环境", "Python 依赖", "完成"):
        assert step in script
    done = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "== 检查" in done.stdout and "就绪" in done.stdout, done.stdout


def test_watch_takes_the_document_options_of_run():
    """A clerk who grades with `watch` posts the same 公示 as one who runs `run`: where to object, who
    issues it, the county on the report, custom templates and the Word copies are options of both."""
    import typer

    from fenji.cli import app

    commands = typer.main.get_command(app).commands
    shared = {"--phone", "--address", "--issuer", "--county", "--templates", "--docx"}

    def flags(name: str) -> dict:
        return {opt: p for p in commands[name].params for opt in p.opts if opt in shared}

    run, watch = flags("run"), flags("watch")
    assert set(run) == set(watch) == shared
    assert all((run[o].help, run[o].default) == (watch[o].help, watch[o].default) for o in shared)
