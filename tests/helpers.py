"""Shared helpers for the tests: the committed workbooks in tests/data/ and how to read them, and poppler."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path

from fenji.core.discover import InputFile
from fenji.core.records import FileResult
from fenji.forms.read import read_file
from fenji.systems import load_profile

DATA = Path(__file__).resolve().parent / "data"
DINGJI = load_profile("dingji")


def case(rel: str) -> Path:
    """A committed test workbook, e.g. `xlsx/roster.xlsx`; fails loudly if it is missing."""
    path = DATA / rel
    assert path.is_file(), f"missing test data {path}; run tests/data/make_reader_cases.py"
    return path


def read_case(rel: str, profile=DINGJI) -> FileResult:
    """Read one committed file the way a run does (stage 2); problems name it by its base name."""
    path = case(rel)
    stat = path.stat()
    return read_file(InputFile(path, path.name, stat.st_size, stat.st_mtime, ""), profile)


def make_inbox(
    tmp_path: Path, *rels: str, rename: dict[str, str] | None = None, mtimes: dict[str, float] | None = None
) -> Path:
    """A drop folder holding copies of committed files (optionally renamed, with set modification times)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    for rel in rels:
        name = (rename or {}).get(rel, Path(rel).name)
        shutil.copyfile(case(rel), inbox / name)
    for name, mtime in (mtimes or {}).items():
        os.utime(inbox / name, (mtime, mtime))
    return inbox


def records(result: FileResult, kind: str) -> list:
    return result.records.get(kind, [])


def without_file(record):
    """A record with its source file blanked, to compare what two files of different formats yield."""
    return dataclasses.replace(record, source=dataclasses.replace(record.source, file=""))


def found(problems, code: str) -> list:
    return [p for p in problems if p.code == code]


def summary_of(problems) -> list[tuple[str, str, str, str, str]]:
    """(level, code, file, sheet, cell) of every problem, sorted: for exact comparisons."""
    return sorted((p.level, p.code, p.file, p.sheet, p.cell) for p in problems)


def poppler(tool: str, *args: str) -> str:
    """Run a poppler tool; a machine without poppler-utils fails here, loudly, never skips."""
    assert shutil.which(tool), f"{tool} 未安装：请安装 poppler-utils（apt-get install poppler-utils）"
    done = subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout
