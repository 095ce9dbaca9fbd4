"""Every built-in profile graded as `fenji demo` grades it (last year's sample first, into the same
ledger), compared with committed golden results.csv and problems.csv.

These pin the behaviour of every system through refactorings: a layout change must leave them
untouched. Regenerate deliberately with `python tests/test_golden.py` and review the diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from fenji.api import DEMO_YEAR, RunOptions, run
from fenji.systems import SYSTEMS, builtin_names, load_profile

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
GOLDEN = ROOT / "tests" / "golden" / "demo"
OUTPUTS = ("results.csv", "problems.csv", "returns.csv")
# a form without a date field is dated by its file's modification time, which a checkout does not keep
UNSTABLE = {"returns.csv": ["日期"]}


def demo_runs(name: str) -> list[tuple[str, int]]:
    """(sample folder, year) in the order the demo grades them: last year's, this year's first
    period (a profile rated twice a year: `<profile>-年初`), this year's."""
    runs = [(f"{name}-{DEMO_YEAR - 1}", DEMO_YEAR - 1)] if (SAMPLES / f"{name}-{DEMO_YEAR - 1}").is_dir() else []
    runs += [(f"{name}-{p}", DEMO_YEAR) for p in _periods(name)[:-1] if (SAMPLES / f"{name}-{p}").is_dir()]
    return runs + [(name, DEMO_YEAR)]


def _periods(name: str) -> list[str]:
    return list(load_profile(name).rules.get("periods") or [])


def _period_of(folder: str, name: str) -> str:
    return next((p for p in _periods(name) if folder == f"{name}-{p}"), "")


def grade_like_the_demo(name: str, out: Path) -> dict[str, Path]:
    """Output folder per (folder) run, graded into one ledger, without documents."""
    folders = {}
    for folder, year in demo_runs(name):
        folders[folder] = out / folder
        period = _period_of(folder, name)
        run(RunOptions(SAMPLES / folder, name, year, out / folder, db=out / "fenji.db", documents=False, period=period))
    return folders


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frame.drop(columns=UNSTABLE.get(path.name, []))


@pytest.mark.parametrize("name", builtin_names())
def test_every_profile_matches_its_golden(tmp_path: Path, name: str):
    for folder, out in grade_like_the_demo(name, tmp_path).items():
        for output in OUTPUTS:
            pd.testing.assert_frame_equal(
                _read(out / output), _read(GOLDEN / folder / output), obj=f"{folder}/{output}"
            )


def test_every_builtin_profile_has_a_golden():
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(f for n in builtin_names() for f, _ in demo_runs(n))


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_each_system_writes_the_sample_folders_the_demo_grades(tmp_path: Path, system):
    system.write_samples(tmp_path)
    expected = sorted(folder for name in system.profiles for folder, _ in demo_runs(name))
    assert sorted(p.name for p in tmp_path.iterdir()) == expected
    for folder in expected:
        committed = sorted(p.relative_to(SAMPLES / folder) for p in (SAMPLES / folder).rglob("*") if p.is_file())
        assert (
            sorted(p.relative_to(tmp_path / folder) for p in (tmp_path / folder).rglob("*") if p.is_file()) == committed
        )


def regenerate() -> None:
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for name in builtin_names():
            for folder, out in grade_like_the_demo(name, Path(tmp)).items():
                (GOLDEN / folder).mkdir(parents=True, exist_ok=True)
                for output in OUTPUTS:
                    shutil.copyfile(out / output, GOLDEN / folder / output)


if __name__ == "__main__":
    regenerate()
    sys.exit(0)
