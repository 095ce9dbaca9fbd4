"""A clone anywhere is the whole product: no tracked text file names a place outside the repository.

The team's reference folder next to the repository, and absolute paths of the machine fenji was built
on, exist on no user's computer; a test, script or doc that names them works only here. The patterns
are built from pieces so that this file does not match itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLASH = "/"
FORBIDDEN = [
    ".." + SLASH + "shared",  # the team's reference folder beside the repository
    "shared" + SLASH + "standard",  # its standard, however it is reached
    SLASH + "work" + SLASH,  # absolute paths of the build machine
    SLASH + "root" + SLASH,
    SLASH + "home" + SLASH,
]
PATTERN = re.compile("|".join(re.escape(p) for p in FORBIDDEN))


def tracked_files() -> list[Path]:
    """Every file git tracks in this repository (a run outside a git checkout fails: nothing to check)."""
    assert shutil.which("git"), "git 未安装：本测试需要 git"
    done = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    names = [n for n in done.stdout.decode().split("\0") if n]
    assert names, "git ls-files 没有列出任何文件"
    return [ROOT / n for n in names]


def text_of(path: Path) -> str | None:
    """The file as text, or None for a binary file (a NUL byte or not UTF-8: workbooks, PDFs, fonts)."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def outside_references(files: list[Path], root: Path = ROOT) -> list[str]:
    """`path:line: text` for every line of a tracked text file that names a place outside the repo."""
    found = []
    for path in files:
        text = text_of(path) if path.is_file() else None
        for number, line in enumerate((text or "").splitlines(), 1):
            if PATTERN.search(line):
                found.append(f"{path.relative_to(root).as_posix()}:{number}: {line.strip()[:120]}")
    return found


def test_no_tracked_file_names_a_place_outside_the_repository():
    files = tracked_files()
    assert len(files) > 50
    assert outside_references(files) == []


def test_the_check_notices_each_pattern(tmp_path):
    """The grep must be able to fail: each forbidden piece, written into a file, is found."""
    for number, piece in enumerate(FORBIDDEN):
        probe = tmp_path / f"probe{number}.txt"
        probe.write_text(f"line one\n见 {piece}rules.md\n", encoding="utf-8")
        assert outside_references([probe], tmp_path) == [f"probe{number}.txt:2: 见 {piece}rules.md"]
    clean = tmp_path / "clean.md"
    clean.write_text("见 docs/rules.md 与 tests/data/reference_forms/\n", encoding="utf-8")
    binary = tmp_path / "probe.bin"
    binary.write_bytes(b"PK\0\0" + FORBIDDEN[0].encode())  # binary files (xlsx: sharedStrings) are skipped
    assert outside_references([clean, binary], tmp_path) == []


def test_reference_forms_are_in_the_repository():
    """The workbooks test_forms and test_documents compare against are test data, tracked."""
    tracked = {p.relative_to(ROOT).as_posix() for p in tracked_files()}
    for name in (
        "名册_blank.xlsx",
        "附件3_满意度测评表_blank.xlsx",
        "星级_领导小组评议表_blank.xlsx",
        "十星评定表_blank.xlsx",
        "附件4_上级党组织评分定级表_example.xlsx",
    ):
        assert f"tests/data/reference_forms/{name}" in tracked
