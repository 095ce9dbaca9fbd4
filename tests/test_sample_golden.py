"""The committed sample county graded end to end, compared with the committed golden results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fenji.api import RunOptions, run
from fenji.systems.dingji.samples import write_dingji_sample

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "dingji.csv"


def test_sample_is_what_the_generator_writes(tmp_path: Path):
    """sample_workbooks/dingji is reproducible from the seeded generator (same cells, same files)."""
    write_dingji_sample(tmp_path / "dingji")
    committed = sorted(
        p.relative_to(ROOT / "sample_workbooks" / "dingji").as_posix()
        for p in (ROOT / "sample_workbooks" / "dingji").rglob("*")
        if p.is_file()
    )
    fresh = sorted(
        p.relative_to(tmp_path / "dingji").as_posix() for p in (tmp_path / "dingji").rglob("*") if p.is_file()
    )
    assert committed == fresh
    a = run(RunOptions(ROOT / "sample_workbooks" / "dingji", "dingji", 2027, documents=False))
    b = run(RunOptions(tmp_path / "dingji", "dingji", 2027, documents=False))
    pd.testing.assert_frame_equal(a.results, b.results)


def test_sample_matches_golden(tmp_path: Path):
    out = tmp_path / "out"
    result = run(RunOptions(ROOT / "sample_workbooks" / "dingji", "dingji", 2027, out, documents=False))
    assert result.exit_code == 1  # the sample carries errors and two 未评定 on purpose
    produced = pd.read_csv(out / "results.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    golden = pd.read_csv(GOLDEN, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(produced, golden)


def test_sample_problem_list(tmp_path: Path):
    out = tmp_path / "out"
    run(RunOptions(ROOT / "sample_workbooks" / "dingji", "dingji", 2027, out, documents=False))
    problems = pd.read_csv(out / "problems.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(problems.columns) == ["级别", "代码", "文件", "工作表", "单元格", "对象", "说明"]
    found = set(zip(problems["代码"], problems["单元格"]))
    assert ("score-out-of-range", "E11") in found
    assert ("option-unknown", "H8") in found
    assert ("total-mismatch", "K8") in found
    assert {"subject-not-in-roster", "survey-summary-mismatch", "not-a-workbook"} <= set(problems["代码"])
    suggestion = problems[problems["代码"] == "subject-not-in-roster"]["说明"].iloc[0]
    assert "石门村党支部" in suggestion
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["profile"]["name"] == "dingji" and len(info["profile"]["sha256"]) == 64
    assert info["exit_status"] == 1 and info["counts"]["未评定"] == 2
    assert all(len(item["sha256"]) == 64 for item in info["inputs"])
    assert any(item["forms"] == ["score_sheet"] for item in info["inputs"])


def test_category_column_is_the_rosters_branch_type(tmp_path: Path):
    """类别 shows the roster's 党组织类型 (dingji, shengji, shixing); quotas still count per 单位."""
    result = run(RunOptions(ROOT / "sample_workbooks" / "dingji", "dingji", 2027, documents=False))
    kinds = dict(zip(result.results["编号"], result.results["类别"]))
    assert set(kinds.values()) == {"行政村", "社区"}
    assert (result.graded.subjects["类别"] == "").all()  # the grading frame keeps one quota scope per town
