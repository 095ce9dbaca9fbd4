"""The code stays as pyproject.toml's [tool.ruff] says: linted and formatted (one line length)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREES = ["fenji", "tests", "scripts", "bench"]


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args, *TREES], cwd=ROOT, capture_output=True, text=True)


def test_ruff_check_passes():
    done = ruff("check", "--output-format", "concise")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_leaves_everything_as_it_is():
    done = ruff("format", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
