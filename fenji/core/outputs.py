"""Stage 7: write the results, the problem list and run.json, atomically.

Every file is written under a temporary name in the same folder and renamed into place, so a run
that is killed leaves either the previous complete outputs or the new ones, never half a file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from fenji.core.problems import PROBLEM_COLUMNS, FatalError, Problem

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML, so not in .xlsx either
REPLACEMENT = "\ufffd"


def _current_umask() -> int:
    """The process umask, read without changing it (os.umask would, for every thread at once):
    Linux reports it in /proc/self/status; elsewhere the conventional 022 is assumed."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


UMASK = _current_umask()  # read once at import, before any worker thread exists
FILE_MODE = 0o666 & ~UMASK  # what open() would have given: colleagues on a shared folder can read
DIR_MODE = 0o777 & ~UMASK


def csv_safe(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (CSV injection);
    control characters (NUL …, which no spreadsheet keeps) become U+FFFD so that they stay visible."""
    if isinstance(value, str):
        value = CONTROL_CHARS.sub(REPLACEMENT, value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


@contextmanager
def atomic_path(target: Path):
    """Yield a temporary path beside `target`; rename it over `target` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, FILE_MODE)  # mkstemp makes it 0600; the outputs follow the umask like the PDFs
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_csv(frame: pd.DataFrame, target: Path) -> None:
    safe = frame.map(csv_safe) if len(frame) else frame
    with atomic_path(target) as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig")


def write_problems(problems: list[Problem], target: Path) -> None:
    frame = pd.DataFrame([p.as_row() for p in problems], columns=PROBLEM_COLUMNS)
    write_csv(frame, target)


def write_json(data: dict, target: Path) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def write_results_xlsx(frame: pd.DataFrame, unit_column: str, target: Path, title: str) -> None:
    """One sheet per unit plus a 汇总 sheet; text is stored as text, never as a formula."""
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    _fill_sheet(summary, frame, f"{title}（全部）")
    for unit, group in frame.groupby(unit_column, sort=False):
        sheet = book.create_sheet(_sheet_name(str(unit), book.sheetnames))
        _fill_sheet(sheet, group, f"{title}（{unit}）")
    with atomic_path(target) as tmp:
        book.save(tmp)


def _sheet_name(unit: str, taken: list[str]) -> str:
    name = "".join(ch for ch in CONTROL_CHARS.sub("", unit) if ch not in "[]:*?/\\")[:28].strip("'") or "单位"
    candidate, n = name, 2
    while candidate in taken or candidate == "汇总":
        candidate, n = f"{name}{n}", n + 1
    return candidate


def _fill_sheet(sheet, frame: pd.DataFrame, title: str) -> None:
    sheet.cell(row=1, column=1, value=CONTROL_CHARS.sub(REPLACEMENT, title)).font = Font(bold=True, size=14)
    header_fill = PatternFill("solid", fgColor="DDDDDD")
    for c, column in enumerate(frame.columns, start=1):
        cell = sheet.cell(row=2, column=c, value=str(column))
        cell.font, cell.fill = Font(bold=True), header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(c)].width = 10 if c > 2 else 16
    for r, values in enumerate(frame.itertuples(index=False), start=3):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c)
            # openpyxl refuses NUL and the like: they become U+FFFD, as in the CSV
            cell.value = CONTROL_CHARS.sub(REPLACEMENT, value) if isinstance(value, str) else value
            if isinstance(value, str):
                cell.data_type = "s"  # a name like "=HYPERLINK(…)" stays literal text
    sheet.freeze_panes = "C3"
    if frame.shape[1]:
        sheet.auto_filter.ref = f"A2:{get_column_letter(frame.shape[1])}{max(2, len(frame) + 2)}"


def replace_dir(new: Path, target: Path) -> None:
    """Swap a freshly written folder into place; the old one is removed only after the swap."""
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


# --- one run's outputs as one generation: written aside, then swapped in by a journal ----------

OUTPUT_NAMES = ("documents", "results.csv", "results.xlsx", "problems.csv", "returns.csv", "run.json")  # run.json last
COMPLETE = ".complete"


def begin_outputs(out: Path) -> Path:
    """A hidden folder in OUT where a run writes all its outputs before any of them replaces OUT's."""
    return Path(tempfile.mkdtemp(prefix=".pending.", dir=out))  # private: its contents are moved out


def commit_outputs(pending: Path, out: Path) -> None:
    """Mark the pending outputs complete, then move each into place (run.json last).

    The `.complete` marker is the journal: a run killed before it leaves OUT's previous outputs and
    a pending folder that `recover` deletes; a run killed after it is rolled forward by `recover`,
    so OUT always ends up holding one run's outputs, never a mix of two."""
    (pending / COMPLETE).touch()
    _roll_forward(pending, out)


def _roll_forward(pending: Path, out: Path) -> None:
    for name in OUTPUT_NAMES:
        source = pending / name
        if source.is_dir():
            replace_dir(source, out / name)
        elif source.exists():
            os.replace(source, out / name)
    shutil.rmtree(pending, ignore_errors=True)


class OutputLocked(Exception):
    """Another fenji process is writing the same output folder."""


class OutputNotFolder(Exception):
    """OUT, or a folder on its path, is an existing file."""


LOCK_NAME = ".fenji.lock"


def refuse_file_on_path(out: Path) -> None:
    """OutputNotFolder when OUT, or a folder it would be created in, is an existing file."""
    for path in (out, *out.parents):
        if path.exists() and not path.is_dir():
            raise OutputNotFolder(str(path))


def prepare_out(out: Path) -> None:
    """Create OUT; a file in its place (or on its path) is OutputNotFolder, not a traceback."""
    refuse_file_on_path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # created as a file meanwhile
        raise OutputNotFolder(str(out)) from None


@contextmanager
def output_lock(out: Path):
    """An exclusive lock on OUT for the whole run, so that two runs never interleave their files.

    The lock file is removed at the end, while still held. A run that opened it just before the
    removal then holds a lock on a deleted file, so after locking each run checks that the file it
    locked is still the one named `.fenji.lock` and otherwise tries again with the new one."""
    import fcntl

    prepare_out(out)
    lock = out / LOCK_NAME
    while True:
        handle = open(lock, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise OutputLocked(str(out)) from None
        if _same_file(handle, lock):
            break
        handle.close()  # locked a file another run had already removed
    try:
        recover(out)
        yield
    finally:
        try:
            if _same_file(handle, lock):
                lock.unlink()
        finally:
            handle.close()


def _same_file(handle, path: Path) -> bool:
    try:
        named, held = os.stat(path), os.fstat(handle.fileno())
    except FileNotFoundError:
        return False
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def recover(out: Path) -> None:
    """What a killed run left in OUT: put back a documents folder caught mid-swap, finish moving in a
    complete `.pending.*` generation or delete an incomplete one, drop temporaries.

    Call only while holding the lock. Temporaries are the hidden `.<output>.*.tmp` files of
    `atomic_path` for the run's outputs (others, like watch's state file, are written outside the
    lock and left alone) and the `.documents.*` staging folders of a run that never finished."""
    old = out / ".documents.old"
    if old.is_dir() and not (out / "documents").exists():
        os.replace(old, out / "documents")  # killed between the two renames of replace_dir
    for path in sorted(out.glob(".pending.*")):
        if path.is_dir() and not path.is_symlink():
            if (path / COMPLETE).exists():
                _roll_forward(path, out)  # killed while moving a complete run's outputs in
            else:
                shutil.rmtree(path, ignore_errors=True)
    for path in out.iterdir():
        if path.name.startswith(".documents.") and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(RUN_TEMPORARIES) and path.name.endswith(".tmp") and path.is_file():
            path.unlink(missing_ok=True)


RUN_TEMPORARIES = tuple(f".{name}." for name in OUTPUT_NAMES if name != "documents")


def not_a_folder(out, exc: OutputNotFolder) -> str:
    """The clerk's message when a file stands where OUT (or a folder on its path) should be."""
    return f"输出文件夹 {out} 无法创建：{exc} 是一个已有的文件，不是文件夹。请用 --out 指定一个文件夹（不存在的会自动创建）。"


def prepare_out_or_fail(out: Path, create: bool = True) -> None:
    """Create OUT (or with create=False only check it could be), FatalError in Chinese when a file stands in its place."""
    try:
        (prepare_out if create else refuse_file_on_path)(Path(out))
    except OutputNotFolder as exc:
        raise FatalError(not_a_folder(out, exc)) from None
