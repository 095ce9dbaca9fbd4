"""Stage 1: find the workbooks in a drop folder (recursively), skipping what is not a return.

Lock files, temporary files and files still being copied are never read; symlinks are not
followed out of the folder. Nothing here opens a workbook.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from fenji.core.problems import Problems

# .et is WPS's own format (BIFF like .xls), .ods LibreOffice's, .xlsb Excel's binary workbook: all read
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".xlsb")
IGNORED_DIRS = ("已处理", "退回")


@dataclass(frozen=True)
class InputFile:
    path: Path
    rel: str  # path relative to the inbox, with forward slashes, as printed in problems
    size: int
    mtime: float
    sha256: str


def is_lock_or_temp(name: str) -> bool:
    """Office `~$x.xlsx`, LibreOffice `.~lock.x.xlsx#`, and editors' temporary files."""
    lower = name.lower()
    return (
        name.startswith("~$")
        or name.startswith(".~lock.")
        or name.endswith("#")
        or lower.endswith((".tmp", ".part", ".crdownload", ".download", "~"))
        or name.startswith(".")
        or lower == "thumbs.db"
        or lower == "desktop.ini"
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(inbox: Path, problems: Problems, out: Path | None = None) -> list[InputFile]:
    """Every candidate file under `inbox`, sorted by relative path; notices for what is skipped.

    The run's own OUT, and any folder holding a fenji run.json (an earlier run's OUT), are skipped:
    results.xlsx read back as a return would be nonsense."""
    inbox = Path(inbox)
    skip = Path(out).resolve() if out is not None else None
    found: list[InputFile] = []
    for root, dirs, files in os.walk(inbox, followlinks=False):
        root_path = Path(root)
        dirs[:] = sorted(
            d
            for d in dirs
            if not (root_path == inbox and d in IGNORED_DIRS)
            and not _skip_dir(root_path / d, inbox, problems)
            and not _skip_output(root_path / d, inbox, skip, problems)
        )
        for name in sorted(files):
            _consider(root_path / name, inbox, problems, found)
    return found


def _skip_dir(path: Path, inbox: Path, problems: Problems) -> bool:
    if path.is_symlink():
        problems.notice(
            "symlink-skipped", f"“{_rel(path, inbox)}”是指向其他位置的链接，为安全起见未读取。", file=_rel(path, inbox)
        )
        return True
    if path.name.lower().endswith(WORKBOOK_SUFFIXES) and not path.name.startswith("."):
        problems.notice(
            "folder-named-like-workbook",
            f"“{_rel(path, inbox)}”是一个文件夹，不是工作簿（名称像 Excel 文件）；其中的文件照常查找。",
            file=_rel(path, inbox),
        )
    return path.name.startswith(".")


def _skip_output(path: Path, inbox: Path, out: Path | None, problems: Problems) -> bool:
    if not (path.resolve() == out or is_output_folder(path)):
        return False
    problems.notice(
        "output-folder-skipped",
        f"“{_rel(path, inbox)}”是 fenji 的输出文件夹（结果、问题清单、文书），"
        "不是报送的表，未读取。输出文件夹最好不要放在收件文件夹里面。",
        file=_rel(path, inbox),
    )
    return True


def is_output_folder(path: Path) -> bool:
    """A folder with the run.json a fenji run writes (it names fenji_version)."""
    info = path / "run.json"
    if not info.is_file() or info.is_symlink():
        return False
    try:
        return "fenji_version" in json.loads(info.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def _consider(path: Path, inbox: Path, problems: Problems, found: list[InputFile]) -> None:
    rel = _rel(path, inbox)
    if is_lock_or_temp(path.name):
        return
    if path.is_symlink():
        problems.notice("symlink-skipped", f"“{rel}”是指向其他位置的链接，为安全起见未读取。", file=rel)
        return
    if not path.is_file():
        return
    suffix = path.suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES:
        problems.notice(
            "not-a-workbook",
            f"“{path.name}”不是电子表格（.xlsx/.xls/.et/.ods/.xlsb），已跳过，文件保留原处。",
            file=rel,
        )
        return
    stat = path.stat()
    found.append(InputFile(path, rel, stat.st_size, stat.st_mtime, sha256_file(path)))


def _rel(path: Path, inbox: Path) -> str:
    try:
        return path.relative_to(inbox).as_posix()
    except ValueError:
        return path.name
