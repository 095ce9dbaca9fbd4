"""Rule edges of rules.md §0–§1: rounding, bands, quotas, ties, vetoes, decisions, missing data."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from builders import branch, frame, write_town

from fenji.api import RunOptions, check
from fenji.core.arith import fewest_required, half_up, most_allowed
from fenji.core.problems import Problems
from fenji.core.records import Decision, Source
from fenji.grading.grade import grade
from fenji.systems import load_profile

DINGJI = load_profile("dingji")


def graded(scores, **kwargs):
    problems = Problems()
    return grade(frame(scores, **kwargs), DINGJI, [], problems), problems


def grades_of(result) -> list[str]:
    return list(result.subjects["等次"])


# --- arithmetic ------------------------------------------------------------------------------


def test_half_up_not_half_even():
    assert round(89.25, 1) == 89.2  # what Python's round() would do
    assert half_up(Decimal("89.25"), 1) == Decimal("89.3")
    assert half_up(Decimal("88.25"), 1) == Decimal("88.3")
    assert half_up(Decimal("89.95"), 1) == Decimal("90.0")


@pytest.mark.parametrize("n, cap, floor", [(5, 1, 1), (7, 1, 1), (12, 2, 2), (13, 2, 2), (15, 3, 2)])
def test_quota_counts(n, cap, floor):
    assert most_allowed(Decimal("0.2"), n) == cap
    assert fewest_required(Decimal("0.1"), n) == floor


def test_89_95_rounds_up_to_good_and_88_25_to_88_3(tmp_path: Path):
    # 群众评价 = 25 × 499/500 = 24.95 → 65 + 24.95 = 89.95 → 90.0 好
    # 群众评价 = 25 × 99/100 = 24.75 → 63.5 + 24.75 = 88.25 → 88.3 较好 (half-even would give 88.2)
    branches = [
        branch("A01", [13, 9, 9, 9, 9, 16], (499, 0, 1, 0)),
        branch("A02", ["13.5", 9, 9, 9, 8, 15], (99, 0, 1, 0)),
    ]
    branches += [branch(f"A{n:02d}", [10, 7, 7, 7, 7, 14], (40, 5, 5, 0)) for n in range(3, 11)]
    result = check(RunOptions(write_town(tmp_path, branches), "dingji", 2027))
    rows = result.results.set_index("编号")
    assert rows.loc["A01", "得分"] == "90.0" and rows.loc["A01", "等次"] == "好"
    assert rows.loc["A02", "得分"] == "88.3" and rows.loc["A02", "等次"] == "较好"


# --- caps and floors -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 7, 12, 13, 15])
def test_cap_keeps_floor_of_twenty_percent(n):
    scores = [99 - i * 0.5 for i in range(n)]  # everyone 好 before quotas
    result, _ = graded(scores)
    grades = grades_of(result)
    allowed = most_allowed(Decimal("0.2"), n)
    assert grades.count("好") == allowed
    assert grades[:allowed] == ["好"] * allowed
    moved = result.subjects[result.subjects["说明"].str.contains("超比例调整")]
    assert len(moved) == n - allowed
    assert list(moved["等次"]).count("较好") == n - allowed - fewest_required(Decimal("0.1"), n)


@pytest.mark.parametrize("n", [5, 7, 12, 13, 15])
def test_floor_moves_the_lowest_into_worst_grade(n):
    scores = [85 - i for i in range(n)]  # nobody below 60
    result, _ = graded(scores)
    grades = grades_of(result)
    required = fewest_required(Decimal("0.1"), n)
    assert grades.count("较差") == required
    assert grades[-required:] == ["较差"] * required
    assert all("按比例调整" in m for m in result.subjects["说明"].iloc[-required:])


def test_tie_straddling_cap_is_pending_and_exit_1(tmp_path: Path):
    # 10 branches, cap 2: the 2nd and 3rd are tied on score and on both tie-breakers → both 待定
    same = [14, 9, 9, 9, 9, 18]
    branches = [
        branch("T01", [15, 10, 10, 10, 10, 20], (50, 0, 0, 0)),
        branch("T02", same, (48, 2, 0, 0)),
        branch("T03", same, (49, 1, 0, 0)),
    ]
    branches += [branch(f"T{n:02d}", [10, 7, 7, 7, 7, 14], (40, 5, 5, 0)) for n in range(4, 11)]
    result = check(RunOptions(write_town(tmp_path, branches), "dingji", 2027))
    rows = result.results.set_index("编号")
    assert rows.loc["T01", "等次"] == "好"
    assert rows.loc["T02", "等次"] == "待定" and rows.loc["T03", "等次"] == "待定"
    assert result.exit_code == 1
    codes = [p.code for p in result.problems]
    assert "tie-at-quota-cut" in codes


def test_tie_resolved_by_tie_breakers():
    # same final score; 群众评价 decides who keeps the one 好 place of five
    result, problems = graded([92, 92, 70, 70, 65], tie=[24, 23, 20, 20, 20])
    assert grades_of(result)[:2] == ["好", "较好"]
    assert "超比例调整" in result.subjects["说明"].iloc[1]
    assert not any(p.code == "tie-at-quota-cut" for p in problems)


def test_veto_counts_toward_floor():
    # 10 subjects, floor 1: the vetoed branch is the one 较差, nobody else is moved
    result, _ = graded([88, 87, 86, 85, 84, 83, 82, 81, 80, 79], veto={0: "发生重大安全事故"})
    grades = grades_of(result)
    assert grades[0] == "较差" and grades.count("较差") == 1
    assert "一票否决" in result.subjects["说明"].iloc[0]
    assert not any("按比例调整" in m for m in result.subjects["说明"])


def test_decision_resolves_pending():
    problems = Problems()
    subjects = frame([95, 91, 91, 80, 80, 80, 80, 80, 80, 50], tie=[25, 24, 24, 20, 20, 20, 20, 20, 20, 20])
    decision = Decision(
        "S02",
        "",
        "好",
        "经党委会研究，S02 村集体经济增幅更大",
        "党委会议纪要〔2027〕3号",
        Source("决定调整表.xlsx", "决定调整表", "C4"),
    )
    result = grade(subjects, DINGJI, [decision], problems)
    grades = grades_of(result)
    assert grades[1] == "好" and grades[2] == "待定"
    assert "经党委研究调整" in result.subjects["说明"].iloc[1]
    # S03 is still pending: only a second decision settles it
    decision2 = Decision(
        "S03", "", "较好", "同上", "党委会议纪要〔2027〕3号", Source("决定调整表.xlsx", "决定调整表", "C5")
    )
    result = grade(subjects, DINGJI, [decision, decision2], Problems())
    assert "待定" not in grades_of(result)


def test_decision_breaking_quota_is_allowed_but_warned():
    problems = Problems()
    subjects = frame([95, 94, 84, 83, 82, 81, 80, 79, 78, 50])
    decision = Decision("S03", "", "好", "理由", "会议", Source("d.xlsx", "决定调整表", "C4"))
    result = grade(subjects, DINGJI, [decision], problems)
    assert grades_of(result)[:3] == ["好", "好", "好"]
    assert any(p.code == "decision-breaks-quota" for p in problems)


@pytest.mark.parametrize(
    "ident, name, code", [("S99", "第3村", "decision-subject-unknown"), ("S03", "第4村", "decision-id-name-mismatch")]
)
def test_decision_with_a_wrong_id_is_never_applied_by_guess(ident, name, code):
    """By 编号 when present (forms.md): an unknown 编号, or one naming another subject than the 名称
    beside it, is an error naming the cell, and no grade changes."""
    problems = Problems()
    subjects = frame([95, 94, 84, 83, 82, 81, 80, 79, 78, 50])
    before = grades_of(grade(subjects, DINGJI, [], Problems()))
    decision = Decision(ident, name, "好", "理由", "会议", Source("d.xlsx", "决定调整表", "C4"))
    result = grade(subjects, DINGJI, [decision], problems)
    assert grades_of(result) == before
    (problem,) = [p for p in problems if p.code == code]
    assert (problem.level, problem.file, problem.cell) == ("错误", "d.xlsx", "C4")


def test_decision_by_name_alone_still_applies():
    subjects = frame([95, 94, 84, 83, 82, 81, 80, 79, 78, 50])
    decision = Decision("", "第3村党支部", "好", "理由", "会议", Source("d.xlsx", "决定调整表", "C4"))
    assert grades_of(grade(subjects, DINGJI, [decision], Problems()))[2] == "好"


def test_branch_lacking_score_sheet_is_ungraded_and_not_counted(tmp_path: Path):
    branches = [branch(f"M{n:02d}", [12, 8, 8, 8, 8, 8 + n], (40, 5, 5, 0)) for n in range(1, 12)]
    result = check(RunOptions(write_town(tmp_path, branches, skip_scores=("M11",)), "dingji", 2027))
    rows = result.results.set_index("编号")
    assert rows.loc["M11", "等次"] == "未评定" and "缺上级评分" in rows.loc["M11", "说明"]
    assert rows.loc["M11", "得分"] == ""
    # N = 10 graded → floor ceil(1.0) = 1 较差, cap floor(2.0) = 2
    assert list(rows["等次"]).count("较差") == 1
    assert result.exit_code == 1


def test_ballots_and_summary_disagree(tmp_path: Path):
    from fenji.forms.samplebooks import ballots_book

    branches = [branch(f"D{n:02d}", [12, 8, 8, 8, 8, 16], (8, 1, 1, 0)) for n in range(1, 6)]
    write_town(tmp_path, branches)
    ballots = [["党员"] + ["满意"] * 5 + ["满意", None]] * 7 + [["党员"] + ["满意"] * 5 + ["不满意", None]] * 3
    ballots_book(branches[0], 2027, ballots).save(tmp_path / "D01测评表.xlsx")
    result = check(RunOptions(tmp_path, "dingji", 2027))
    mismatch = [p for p in result.problems if p.code == "survey-summary-mismatch"]
    assert len(mismatch) == 1 and "D01测评表.xlsx" in mismatch[0].message and mismatch[0].file == "清溪镇汇总表.xlsx"
    assert result.results.set_index("编号").loc["D01", "满意率"] == "70.0%"  # the ballots are used


def test_ballots_sheet_with_no_ballots_is_no_survey_the_summary_is_used(tmp_path: Path):
    """rules §9: an empty 测评表 is not 0 valid votes; the 汇总表 row is used, with a warning naming the file."""
    from fenji.forms.samplebooks import ballots_book

    branches = [branch(f"D{n:02d}", [12, 8, 8, 8, 8, 16], (8, 1, 1, 0)) for n in range(1, 6)]
    write_town(tmp_path, branches)
    ballots_book(branches[0], 2027, []).save(tmp_path / "D01测评表.xlsx")
    result = check(RunOptions(tmp_path, "dingji", 2027))
    empty = [p for p in result.problems if p.code == "survey-no-ballots"]
    assert [(p.level, p.file, p.subject) for p in empty] == [("警告", "D01测评表.xlsx", "D01村党支部")]
    assert "D01测评表.xlsx" in empty[0].message and "汇总表" in empty[0].message
    assert "survey-summary-mismatch" not in [p.code for p in result.problems]
    row = result.results.set_index("编号").loc["D01"]
    assert row["满意率"] == "90.0%" and "汇总表" in row["数据来源"]


def test_ballots_sheet_with_no_ballots_and_no_summary_is_ungraded(tmp_path: Path):
    from fenji.forms.samplebooks import ballots_book

    branches = [branch(f"D{n:02d}", [12, 8, 8, 8, 8, 16], (8, 1, 1, 0)) for n in range(1, 6)]
    write_town(tmp_path, branches)
    (tmp_path / "清溪镇汇总表.xlsx").unlink()
    ballots_book(branches[0], 2027, []).save(tmp_path / "D01测评表.xlsx")
    result = check(RunOptions(tmp_path, "dingji", 2027))
    assert "survey-no-ballots" in [p.code for p in result.problems]
    row = result.results.set_index("编号").loc["D01"]
    assert row["等次"] == "未评定" and "缺满意度测评" in row["说明"]


def test_boundary_60_is_critical():
    result, _ = graded([60, 75, 76, 77, 78, 79.5, 85, 86, 87, 88])
    notes = dict(zip(result.subjects["得分"].astype(str), result.subjects["说明"]))
    assert "临界" in notes["60"] and "临界" in notes["79.5"] and "临界" not in notes["85"]


def test_grading_checks_the_subjects_frame_on_entry():
    """A scorer's frame that breaks fenji.grading.subject's contract fails at once, naming the column."""
    from fenji.core.problems import Problems
    from fenji.grading.grade import grade

    good = {"编号": "A1", "名称": "甲", "单位": "镇", "类别": "", "得分": Decimal("90"), "missing": []}
    with pytest.raises(TypeError, match="单位"):
        grade(pd.DataFrame([{k: v for k, v in good.items() if k != "单位"}]), DINGJI, [], Problems())
    with pytest.raises(TypeError, match="lifetime"):
        grade(pd.DataFrame([{**good, "lifetime": "yes"}]), DINGJI, [], Problems())
    assert grade(pd.DataFrame([good]), DINGJI, [], Problems()).subjects.at[0, "初定等次"] == "好"


def test_an_about_quota_is_judged_again_after_a_decision():
    """`好 10 % 左右` holds with one 好 of 10; a decision making a second 好 (20 %) puts it off by more than
    the 5 points: the report's √/× follows the count it prints, not the count before the decision."""
    import dataclasses

    from fenji.core.profiles import Quota

    profile = dataclasses.replace(DINGJI, quotas=[Quota("好", "about", Decimal("0.10"))])
    subjects = frame([95, 84, 83, 82, 81, 80, 79, 78, 77, 50])
    before = grade(subjects, profile, [], Problems())
    assert [(c.actual, c.ok) for c in before.quota_checks] == [(1, True)]
    decision = Decision("S02", "", "好", "理由", "会议", Source("d.xlsx", "决定调整表", "C4"))
    after = grade(subjects, profile, [decision], Problems())
    assert grades_of(after)[:2] == ["好", "好"]
    assert [(c.actual, c.ok) for c in after.quota_checks] == [(2, False)]
