"""Star ratings (rules.md §3 xingji-daan, §4 xingji-dashui): every rule edge on real workbooks on disk.

Each test writes a village's 评定对象名册, 民主评议计分表 and 领导小组评议表 with the writers of
fenji.systems.xingji.samples (openpyxl; xlwt for .xls) and grades them through `fenji.api`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from fenji.api import RunOptions, check, run
from fenji.core.profiles import ProfileError
from fenji.systems import builtin_text, load_profile
from fenji.systems.xingji.samples import (
    DAAN_ITEMS,
    DASHUI_ITEMS,
    Person,
    decisions_grid,
    panel_grid,
    roster_grid,
    save,
    votes_grid,
    write_star_samples,
)
from fenji.systems.xingji.score import target_report

ROOT = Path(__file__).resolve().parent.parent
DAAN, DASHUI = "xingji-daan", "xingji-dashui"


# --- builders -------------------------------------------------------------------------------


def person(
    ident: str,
    score=None,
    *,
    votes=None,
    panel=None,
    category="群众",
    name="",
    previous="",
    ineligible="",
    joined="",
    opinion="同意",
    note="",
    items=None,
) -> Person:
    """A subject whose representatives all gave `score` and whose five panel items sum to `panel` (default `score`)."""
    total = Decimal(str(panel if panel is not None else score if score is not None else 80))
    p = Person(
        ident,
        name or f"村民{ident}",
        category,
        "第1村民组",
        joined=joined,
        previous=previous,
        ineligible=ineligible,
        opinion=opinion,
        note=note,
    )
    p.votes = list(votes) if votes is not None else [score] * 3
    p.items = list(items) if items is not None else [float(total / 5)] * 5
    return p


def village(
    folder: Path,
    people: list[Person],
    name: str = "大安村",
    *,
    items: list[str] = DAAN_ITEMS,
    voters: list[Person] | None = None,
    reviewed: list[Person] | None = None,
    suffix: str = ".xlsx",
    decisions: list[tuple] | None = None,
) -> Path:
    """One village's three forms (and a decisions workbook) as real files under `folder/name/`."""
    voters = people if voters is None else voters
    width = max(len(p.votes) for p in voters) if voters else 3
    for p in voters:
        p.votes = p.votes + [None] * (width - len(p.votes))
    save([roster_grid(name, 2027, people)], folder / name / f"{name}评定对象名册{suffix}")
    save([votes_grid(name, "2027年1月10日", voters, width)], folder / name / f"{name}民主评议计分表{suffix}")
    save(
        [panel_grid(name, "2027年1月12日", people if reviewed is None else reviewed, items)],
        folder / name / f"{name}领导小组评议表{suffix}",
    )
    if decisions:
        save([decisions_grid(name, decisions)], folder / name / f"{name}决定调整表.xlsx")
    return folder


def grade_folder(folder: Path, profile: str = DAAN):
    return check(RunOptions(folder, profile, 2027))


def by_id(result) -> pd.DataFrame:
    return result.results.set_index("编号")


def codes(result) -> list[str]:
    return [p.code for p in result.problems]


def crowd(n: int, top: float = 99.0, step: float = 0.2, prefix: str = "Q", **kwargs) -> list[Person]:
    """n subjects with distinct scores from `top` down by `step` (all in the top band when top is high)."""
    return [person(f"{prefix}{i:02d}", round(top - i * step, 1), **kwargs) for i in range(n)]


# --- profiles -------------------------------------------------------------------------------


def test_both_star_profiles_load():
    daan, dashui = load_profile(DAAN), load_profile(DASHUI)
    assert daan.grades == dashui.grades == ["五星", "四星", "三星", "二星", "一星", "不列入星级"]
    assert [b.low for b in daan.bands] == [90, 85, 80, 75, 70, 0]
    assert [b.low for b in dashui.bands] == [95, 90, 85, 80, 65, 0]
    assert (daan.rules["public_weight"], daan.rules["panel_weight"]) == (Decimal("0.8"), Decimal("0.2"))
    assert daan.one_step and not dashui.one_step
    assert sorted(daan.rules["eligibility"]) == ["1", "2", "3", "4", "5", "6"] and not dashui.rules["eligibility"]
    assert str(dashui.rules["lifetime_before"]) == "1949-10-01"
    assert {(q.grade, q.kind, q.category, str(q.share)) for q in dashui.quotas} >= {
        ("五星", "cap", "党员干部", "0.15"),
        ("五星", "cap", "群众", "0.1"),
    }


@pytest.mark.parametrize(
    "old, new, key",
    [
        ('panel_weight = "0.2"', 'panel_weight = "0.3"', "stars.public_weight"),
        ('name = "廉洁自律我带头"\nmax = 20', 'name = "廉洁自律我带头"\nmax = 25', "stars.items"),
        ('category = "群众"\nat_least = "四星"', 'category = "村民"\nat_least = "四星"', "stars.targets[1].category"),
        ("card_months = 6", "card_months = 0", "stars.card_months"),
        ('category = "党员干部"\n\n[[quotas]]', 'category = "干部"\n\n[[quotas]]', "quotas[0].category"),
        ('tie_breakers = ["群众评议"]', 'tie_breakers = ["人气"]', "tie_breakers[0]"),
        ("min_public_scores = 1", "min_public_scores = 1\nfavourite = 2", "stars.favourite"),
    ],
)
def test_bad_star_profile_names_the_key(tmp_path: Path, old: str, new: str, key: str):
    text = builtin_text(DAAN)
    assert old in text
    path = tmp_path / "my.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert key in str(error.value)


def test_bad_lifetime_date_names_the_key(tmp_path: Path):
    path = tmp_path / "my.toml"
    path.write_text(builtin_text(DASHUI).replace('"1949-10-01"', '"建国前"'), encoding="utf-8")
    with pytest.raises(ProfileError, match="stars.lifetime_before"):
        load_profile(path)


# --- scores ---------------------------------------------------------------------------------


def test_public_score_is_the_mean_of_given_scores_blank_did_not_score(tmp_path: Path):
    # blanks are representatives who did not score; text numbers are numbers: mean of 90, 88, 86, 92 = 89
    people = [person("A1", votes=[90, None, "88分", "８６", " 92 ", None], panel=90)]
    rows = by_id(grade_folder(village(tmp_path, people)))
    assert rows.loc["A1", "群众评议"] == "89.00" and rows.loc["A1", "评议人数"] == "4"
    assert rows.loc["A1", "得分"] == "89.2"  # 0.8 × 89 + 0.2 × 90


def test_final_score_is_rounded_once_half_up(tmp_path: Path):
    # 群众评议 = (15 × 85 + 84) / 16 = 84.9375; 0.8 × 84.9375 + 0.2 × 85 = 84.95 → 85.0 四星.
    # Rounding the public score first (84.9) would give 84.92 → 84.9 三星.
    people = [person("A1", votes=[85] * 15 + [84], panel=85)]
    rows = by_id(grade_folder(village(tmp_path, people)))
    assert rows.loc["A1", "群众评议"] == "84.94"
    assert rows.loc["A1", "得分"] == "85.0" and rows.loc["A1", "等次"] == "四星"


@pytest.mark.parametrize(
    "score, grade",
    [(90, "五星"), (89.9, "四星"), (85, "四星"), (80, "三星"), (75, "二星"), (70, "一星"), (69.9, "不列入星级")],
)
def test_daan_bands(tmp_path: Path, score, grade):
    rows = by_id(grade_folder(village(tmp_path, [person("A1", score)] + crowd(30, top=72, step=0.05, prefix="F"))))
    assert rows.loc["A1", "等次"] == grade


@pytest.mark.parametrize(
    "score, grade",
    [(95, "五星"), (94.9, "四星"), (90, "四星"), (85, "三星"), (80, "二星"), (65, "一星"), (64.9, "不列入星级")],
)
def test_dashui_bands_use_the_public_score_alone(tmp_path: Path, score, grade):
    people = [person("A1", score, panel=40)] + crowd(30, top=70, step=0.1, prefix="F")
    rows = by_id(grade_folder(village(tmp_path, people, items=DASHUI_ITEMS["群众"]), DASHUI))
    assert rows.loc["A1", "等次"] == grade and rows.loc["A1", "得分"] == f"{score:.1f}"
    assert rows.loc["A1", "领导小组评议"] == ""  # the panel reviews; its points are not used


def test_no_representative_scores_is_ungraded(tmp_path: Path):
    people = [person("A1", votes=[None, None, None]), person("A2", 80), person("A3", 80)]
    voters = people[:2]  # A3 has no row at all
    result = grade_folder(village(tmp_path, people, voters=voters))
    rows = by_id(result)
    assert rows.loc["A1", "等次"] == rows.loc["A3", "等次"] == "未评定"
    assert rows.loc["A1", "说明"] == rows.loc["A3", "说明"] == "缺民主评议"
    assert rows.loc["A2", "等次"] == "三星" and result.exit_code == 1


def test_missing_or_incomplete_panel_is_ungraded_under_daan(tmp_path: Path):
    incomplete = person("A2", 88, items=[18, 18, None, 18, 18])
    people = [person("A1", 88), incomplete, person("A3", 88)]
    rows = by_id(grade_folder(village(tmp_path, people, reviewed=people[1:])))
    assert rows.loc["A1", "等次"] == "未评定" and rows.loc["A1", "说明"] == "缺领导小组评议"
    assert rows.loc["A2", "等次"] == "未评定" and rows.loc["A2", "说明"] == "领导小组评议不完整"
    assert rows.loc["A3", "等次"] == "四星"


def test_out_of_range_and_non_numeric_scores_are_errors_left_out_of_the_mean(tmp_path: Path):
    people = [person("A1", votes=[80, 850, "优", 90], panel=85)]
    result = grade_folder(village(tmp_path, people))
    found = {(p.code, p.cell) for p in result.problems}
    assert ("score-out-of-range", "D4") in found and ("score-not-numeric", "E4") in found
    rows = by_id(result)
    assert rows.loc["A1", "群众评议"] == "85.00" and rows.loc["A1", "评议人数"] == "2"
    assert result.exit_code == 1


def test_typed_panel_total_is_recomputed(tmp_path: Path):
    p = person("A1", 85, items=[17, "18分", 16, 17, 17])
    p.typed_total = 95
    result = grade_folder(village(tmp_path, [p]))
    assert [(x.code, x.cell) for x in result.problems if x.code == "total-mismatch"] == [("total-mismatch", "H4")]
    assert by_id(result).loc["A1", "领导小组评议"] == "85.0"


# --- quotas ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n, allowed", [(19, 0), (20, 1), (39, 1), (40, 2)])
def test_five_star_cap_is_floor_of_five_percent_per_village_and_category(tmp_path: Path, n: int, allowed: int):
    people = crowd(n) + crowd(5, prefix="G", category="党员干部", top=86)  # 党员干部 are another group
    result = grade_folder(village(tmp_path, people))
    rows = result.results[result.results["类别"] == "群众"]
    assert list(rows["等次"]).count("五星") == allowed
    assert list(rows["等次"])[:allowed] == ["五星"] * allowed  # the highest keep the stars
    moved = rows[rows["说明"] == "超比例调整"]
    assert len(moved) == n - allowed and set(moved["等次"]) == {"四星"}
    check_ = next(c for c in result.graded.quota_checks if c.kind == "cap" and c.category == "群众")
    assert (check_.unit, check_.n, check_.allowed) == ("大安村", n, allowed)


def test_quotas_are_counted_per_village(tmp_path: Path):
    village(tmp_path, crowd(20, prefix="A"), "大安村")
    village(tmp_path, crowd(20, prefix="B"), "新寨村")
    result = grade_folder(tmp_path)
    counts = result.results[result.results["等次"] == "五星"].groupby("单位").size().to_dict()
    assert counts == {"大安村": 1, "新寨村": 1}


def test_tie_at_the_cut_is_pending_until_a_decision(tmp_path: Path):
    tied = [person("T1", 95.5, votes=[95, 96, 95.5]), person("T2", 95.5, votes=[96, 95, 95.5])]
    people = tied + crowd(18, top=88, step=0.1, prefix="F")  # N = 20: one five-star
    result = run(
        RunOptions(village(tmp_path, people), DAAN, 2027, tmp_path / "out", documents=False, db=tmp_path / "a.db")
    )
    rows = by_id(result)
    assert rows.loc["T1", "等次"] == rows.loc["T2", "等次"] == "待定"
    assert result.exit_code == 1 and "tie-at-quota-cut" in codes(result)
    decided = village(
        tmp_path / "decided",
        people,
        decisions=[
            ("T1", "村民T1", "五星", "两户得分相同，经村总支委员会研究", "会议纪要〔2027〕1号"),
            ("T2", "村民T2", "四星", "两户得分相同，五星名额已满", "会议纪要〔2027〕1号"),
        ],
    )
    settled = run(RunOptions(decided, DAAN, 2027, tmp_path / "out2", documents=False, db=tmp_path / "b.db"))
    rows = by_id(settled)
    assert (rows.loc["T1", "等次"], rows.loc["T2", "等次"]) == ("五星", "四星")
    assert rows.loc["T1", "说明"] == "经村党总支研究调整" and settled.exit_code == 0  # the village's 总支 decided


def test_tie_breaker_is_the_public_score(tmp_path: Path):
    # same final 95.0; A1's public score is higher (95.5 vs 94.5), so A1 keeps the one five-star
    people = [person("A2", votes=[94.5], panel=97), person("A1", votes=[95.5], panel=93)] + crowd(
        18, top=80, prefix="F"
    )
    rows = by_id(grade_folder(village(tmp_path, people)))
    assert rows.loc["A1", "得分"] == rows.loc["A2", "得分"] == "95.0"
    assert (rows.loc["A1", "等次"], rows.loc["A2", "等次"]) == ("五星", "四星")


def test_ineligible_subjects_are_not_graded_and_not_counted(tmp_path: Path):
    # 19 eligible five-star scores + 1 不参评: N = 19 → 0 five-stars (counting the 不参评 would allow 1)
    people = crowd(19) + [person("X1", 99.9, ineligible="3"), person("X2", votes=[None], ineligible="第2、5项")]
    result = grade_folder(village(tmp_path, people))
    rows = by_id(result)
    assert rows.loc["X1", "等次"] == rows.loc["X2", "等次"] == "不参评"
    assert rows.loc["X1", "得分"] == "" and rows.loc["X1", "说明"] == ""
    assert rows.loc["X1", "不参评情形"] == "3 受到治安拘留处罚或以上"
    assert rows.loc["X2", "不参评情形"] == "2 涉嫌黄赌毒行为；5 未缴纳新型农村合作医疗、新型农村养老保险"
    assert "五星" not in set(rows["等次"])
    assert next(c for c in result.graded.quota_checks if c.kind == "cap").n == 19


def test_unknown_ineligibility_code_is_an_error(tmp_path: Path):
    result = grade_folder(village(tmp_path, [person("A1", 80, ineligible="9"), person("A2", 80, ineligible="无")]))
    assert "ineligible-unknown" in codes(result)
    rows = by_id(result)
    assert rows.loc["A1", "等次"] == "不参评" and rows.loc["A2", "等次"] == "三星"


# --- one step at a time (xingji-daan 第五条) -------------------------------------------------


@pytest.mark.parametrize(
    "previous, expected, limited",
    [
        ("", "五星", False),
        ("无", "一星", True),
        ("一星", "二星", True),
        ("二星", "三星", True),
        ("三星", "四星", True),
        ("四星", "五星", False),
        ("五星", "五星", False),
        ("★★★", "四星", True),
        ("3星", "四星", True),
        ("二星级", "三星", True),
        (0, "一星", True),
    ],
)
def test_one_step_from_each_previous_level(tmp_path: Path, previous, expected, limited):
    people = [person("A1", 95, previous=previous)] + crowd(19, top=75, step=0.1, prefix="F")
    rows = by_id(grade_folder(village(tmp_path, people)))
    assert rows.loc["A1", "初定等次"] == "五星"
    assert rows.loc["A1", "等次"] == expected
    assert ("限晋一级" in rows.loc["A1", "说明"]) is limited


def test_a_drop_has_no_limit_and_dashui_has_no_one_step(tmp_path: Path):
    people = [person("A1", 72, previous="五星"), person("A2", 96, previous="无")] + crowd(
        19, top=70, step=0.2, prefix="F"
    )
    rows = by_id(grade_folder(village(tmp_path, people)))
    assert rows.loc["A1", "等次"] == "一星" and rows.loc["A1", "说明"] == ""
    rows = by_id(grade_folder(village(tmp_path / "dashui", people, items=DASHUI_ITEMS["群众"]), DASHUI))
    assert rows.loc["A2", "等次"] == "五星"


def test_unreadable_previous_level_is_an_error_and_no_limit(tmp_path: Path):
    people = [person("A1", 95, previous="优秀")] + crowd(19, top=75, step=0.1, prefix="F")
    result = grade_folder(village(tmp_path, people))
    assert [(p.code, p.cell) for p in result.problems if p.code == "stars-unknown"] == [("stars-unknown", "F4")]
    assert by_id(result).loc["A1", "等次"] == "五星"


# --- xingji-dashui: lifetime five-stars, the panel's 审定意见, 石门村's categories -----------------


def test_lifetime_five_star_outside_quotas(tmp_path: Path):
    cadres = crowd(5, top=98, prefix="C", category="党员干部")
    veterans = [
        person("L1", 70, category="党员干部", joined="1949-09-30"),
        person("L2", votes=[None], category="党员干部", joined="1947年5月"),
        person("L3", 70, category="党员干部", joined="1949年10月"),
    ]  # 1949-10-01 is not before
    result = grade_folder(village(tmp_path, cadres + veterans, "大水村", items=DASHUI_ITEMS["党员干部"]), DASHUI)
    rows = by_id(result)
    assert rows.loc["L1", "等次"] == rows.loc["L2", "等次"] == "五星"
    assert rows.loc["L1", "说明"] == rows.loc["L2", "说明"] == "终身五星"
    assert rows.loc["L3", "等次"] == "一星"
    # N = 6 (5 cadres + L3; lifetime titles outside): 15 % → 0 five-stars; counting them (8) would allow 1
    cap = next(c for c in result.graded.quota_checks if c.kind == "cap" and c.category == "党员干部")
    assert (cap.n, cap.allowed) == (6, 0)
    assert list(rows.loc[[f"C{i:02d}" for i in range(5)], "等次"]) == ["四星"] * 5


def test_panel_disagreement_is_not_rated_with_the_note(tmp_path: Path):
    people = [person("A1", 97, opinion="不同意", note="违规搭建未整改"), person("A2", 97, opinion="同 意")]
    people += crowd(20, top=80, prefix="F")
    result = grade_folder(village(tmp_path, people, "大水村", items=DASHUI_ITEMS["群众"]), DASHUI)
    rows = by_id(result)
    assert rows.loc["A1", "等次"] == "不列入星级" and rows.loc["A1", "说明"] == "审定不同意"
    assert rows.loc["A1", "初定等次"] == "五星" and rows.loc["A2", "等次"] == "五星"
    adjustment = next(a for a in result.graded.adjustments if a["编号"] == "A1")
    assert adjustment["类型"] == "审定不同意" and "违规搭建未整改" in adjustment["理由"]


def test_lifetime_holder_the_panel_disagrees_with_stays_five_star_and_is_an_error(tmp_path: Path):
    """rules §9: 终身五星 is a title by status; a 不同意 is an error for the committee, not a veto."""
    people = [person("L1", 70, category="党员干部", joined="1945年3月", opinion="不同意", note="长期不参加组织生活")]
    people += crowd(5, top=90, prefix="C", category="党员干部")
    result = grade_folder(village(tmp_path, people, "大水村", items=DASHUI_ITEMS["党员干部"]), DASHUI)
    rows = by_id(result)
    assert rows.loc["L1", "等次"] == "五星" and rows.loc["L1", "说明"] == "终身五星"
    assert rows.loc["L1", "审定意见"] == "不同意"
    found = [p for p in result.problems if p.code == "lifetime-review-rejected"]
    assert [(p.level, p.subject, p.cell) for p in found] == [("错误", "L1", "I4")]  # 审定意见 of L1
    assert "终身五星对象审定不同意，请村党支部研究决定" in found[0].message and "长期不参加组织生活" in found[0].message
    assert result.exit_code == 1
    assert not [a for a in result.graded.adjustments if a["编号"] == "L1" and a["类型"] == "审定不同意"]


def test_committee_decision_settles_a_lifetime_holder_the_panel_disagrees_with(tmp_path: Path):
    people = [
        person("L1", 70, category="党员干部", joined="1945年3月", opinion="不同意"),
        person("L2", 70, category="党员干部", joined="1946年3月", name="穆老党", opinion="不同意"),
    ]
    people += crowd(5, top=90, prefix="C", category="党员干部")
    result = grade_folder(
        village(
            tmp_path,
            people,
            "大水村",
            items=DASHUI_ITEMS["党员干部"],
            decisions=[
                ("L1", "村民L1", "不列入星级", "审定不同意，经研究不再保留", "纪要3号"),
                ("", "穆老党", "五星", "保留终身称号", "纪要3号"),
            ],
        ),
        DASHUI,
    )
    rows = by_id(result)
    assert rows.loc["L1", "等次"] == "不列入星级" and "经村党支部研究调整" in rows.loc["L1", "说明"]
    assert rows.loc["L2", "等次"] == "五星"
    found = [(p.level, p.subject) for p in result.problems if p.code == "lifetime-review-rejected"]
    assert found == [("提示", "L1"), ("提示", "L2")]
    assert not [p for p in result.problems if p.level == "错误"]


def test_disagreement_is_only_a_notice_under_daan(tmp_path: Path):
    result = grade_folder(village(tmp_path, [person("A1", 86, opinion="不同意")]))
    assert by_id(result).loc["A1", "等次"] == "四星" and "opinion-not-used" in codes(result)


def test_shimen_categories_have_no_quota_and_targets_are_reported(tmp_path: Path):
    members = crowd(5, top=99, prefix="M", category="一般党员", items=[])
    shops = [person("S1", 92, category="服务行业", items=[]), person("S2", 70, category="服务行业", items=[])]
    cadres = crowd(3, top=97, prefix="C", category="党员干部")
    folder = tmp_path / "inbox" / "石门村"
    everyone = cadres + members + shops
    save([roster_grid("石门村", 2027, everyone)], folder / "石门村评定对象名册.xlsx")
    save([votes_grid("石门村", "2027年1月8日", everyone, 3)], folder / "石门村民主评议计分表.xlsx")
    # 一般党员 and 服务行业 have no panel items: their review sheet carries only 审定意见
    save(
        [
            panel_grid("石门村", "2027年1月9日", cadres, DASHUI_ITEMS["党员干部"], "党员干部"),
            panel_grid("石门村", "2027年1月9日", members + shops, [], "一般党员和服务行业"),
        ],
        folder / "石门村领导小组评议表.xlsx",
    )
    result = grade_folder(folder.parent, DASHUI)
    rows = by_id(result)
    assert list(rows.loc[[f"M{i:02d}" for i in range(5)], "等次"]) == ["五星"] * 5  # no cap for 一般党员
    assert list(rows.loc[["C00", "C01", "C02"], "等次"]) == ["四星"] * 3  # 党员干部: 15 % of 3 → floor(0.45) = 0
    report = {(t.category, t.at_least): t for t in target_report(result.graded.subjects, result.profile)}
    assert report[("一般党员", "四星")].met and report[("一般党员", "四星")].share == 1
    assert (report[("服务行业", "四星")].reached, report[("服务行业", "四星")].n) == (1, 2)
    assert "三年目标 100%（未达到）" in report[("服务行业", "四星")].text


def test_daan_three_year_targets_are_reported_like_shimen(tmp_path: Path):
    """rules §9: 大安村's 三年目标 (四星+ 党员干部 70 %, 群众 40 %) are reported against the shares, not enforced."""
    cadres = [
        person("C1", 95, category="党员干部"),
        person("C2", 86, category="党员干部"),
        person("C3", 72, category="党员干部"),
    ]
    people = cadres + crowd(5, top=88, step=3, prefix="Q")  # 群众 88, 85, 82, 79, 76 → 四星 ×2 of 5
    result = grade_folder(village(tmp_path, people))
    report = {(t.unit, t.category): t for t in target_report(result.graded.subjects, result.profile)}
    assert set(report) == {("大安村", "党员干部"), ("大安村", "群众")}
    cadre, crowd_ = report[("大安村", "党员干部")], report[("大安村", "群众")]
    assert (cadre.at_least, cadre.reached, cadre.n, cadre.met) == ("四星", 2, 3, False)  # 66.7 % < 70 %
    assert (crowd_.reached, crowd_.n, crowd_.met) == (2, 5, True)
    assert crowd_.text == "大安村群众四星及以上：2/5，占 40.0%；三年目标 40%（已达到）"
    assert by_id(result).loc["C2", "等次"] == "四星"  # a target never changes a rating


# --- matching by 编号: duplicate names ----------------------------------------------------------


def test_duplicate_names_are_matched_by_id_and_a_name_only_row_is_ambiguous(tmp_path: Path):
    people = [person("D1", 80, name="何正义"), person("D2", 86, name="何正义"), person("D3", 75, name="罗本恩")]
    voters = [
        person("D1", 80, name="何正义"),
        person("D2", 86, name="何正义"),
        person("", 75, name="罗本恩"),
        person("", 99, name="何正义"),
    ]
    result = grade_folder(village(tmp_path, people, voters=voters))
    rows = by_id(result)
    assert (rows.loc["D1", "等次"], rows.loc["D2", "等次"], rows.loc["D3", "等次"]) == ("三星", "四星", "二星")
    ambiguous = [p for p in result.problems if p.code == "name-ambiguous"]
    assert [(p.cell, p.subject) for p in ambiguous] == [("B7", "何正义")] and "D1" in ambiguous[0].message


def test_same_name_in_another_village_is_not_ambiguous(tmp_path: Path):
    village(tmp_path, [person("A1", 80, name="何正义")], "大安村", voters=[person("", 80, name="何正义")])
    village(tmp_path, [person("B1", 86, name="何正义")], "新寨村")
    result = grade_folder(tmp_path)
    assert "name-ambiguous" not in codes(result)
    assert by_id(result).loc["A1", "等次"] == "三星"


def test_id_and_name_disagree_is_a_warning_the_id_wins(tmp_path: Path):
    people = [person("A1", 80, name="何正义"), person("A2", 86, name="罗本恩")]
    voters = [person("A1", 86, name="罗本恩"), person("A2", 80, name="罗本恩")]
    result = grade_folder(village(tmp_path, people, voters=voters))
    assert [p.cell for p in result.problems if p.code == "id-name-mismatch"] == ["A4"]
    assert by_id(result).loc["A1", "群众评议"] == "86.00"


def test_unknown_subject_is_an_error(tmp_path: Path):
    people = [person("A1", 80, name="何正义"), person("A2", 80, name="罗本恩")]
    voters = [person("A1", 80, name="何正义"), person("", 80, name="何正乂"), person("A9", 99, name="罗本恩")]
    result = grade_folder(village(tmp_path, people, voters=voters))
    unknown = [p for p in result.problems if p.code == "subject-not-in-roster"]
    assert [p.cell for p in unknown] == ["B5", "A6"]
    assert "何正义" in unknown[0].message  # the closest roster name is suggested
    assert "A2" in unknown[1].message  # an unknown 编号 is never matched by name …
    assert by_id(result).loc["A2", "等次"] == "未评定"  # … so 罗本恩 has no public score


# --- file formats and foreign forms ---------------------------------------------------------


def test_xls_returns_read_like_xlsx(tmp_path: Path):
    people = [
        person("A1", votes=[90, None, "88分", 86]),
        person("A2", 77, previous="二星"),
        person("A3", 91, ineligible="4"),
    ]
    xlsx = grade_folder(village(tmp_path / "x", people))
    xls = grade_folder(village(tmp_path / "y", people, suffix=".xls"))
    columns = ["编号", "名称", "得分", "等次", "说明", "群众评议", "评议人数", "领导小组评议", "上次星级", "不参评情形"]
    pd.testing.assert_frame_equal(xlsx.results[columns], xls.results[columns])
    assert xls.results["数据来源"].str.contains(".xls/", regex=False).all()


def test_star_forms_are_skipped_under_dingji(tmp_path: Path):
    folder = village(tmp_path, [person("A1", 80)])
    from fenji.forms.samplebooks import Branch, roster_book

    roster_book("清溪镇", 2027, [Branch("QX01", "清溪村党支部", "清溪镇", "行政村", 30, "张三", "")]).save(
        folder / "名册.xlsx"
    )
    result = check(RunOptions(folder, "dingji", 2027))
    assert list(result.results["编号"]) == ["QX01"]
    assert codes(result).count("form-not-used") == 3


def test_no_star_roster_exits_2(tmp_path: Path):
    save([votes_grid("大安村", "2027年1月10日", [person("A1", 80)], 3)], tmp_path / "民主评议.xlsx")
    result = grade_folder(tmp_path)
    assert result.exit_code == 2 and "评定对象名册" in result.message


# --- the committed samples ------------------------------------------------------------------


@pytest.mark.parametrize("profile", [DAAN, DASHUI])
def test_sample_is_what_the_generator_writes(tmp_path: Path, profile: str):
    write_star_samples(tmp_path / profile, profile)
    committed_root, fresh_root = ROOT / "sample_workbooks" / profile, tmp_path / profile
    committed = sorted(p.relative_to(committed_root).as_posix() for p in committed_root.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(fresh_root).as_posix() for p in fresh_root.rglob("*") if p.is_file())
    assert committed == fresh
    a = check(RunOptions(committed_root, profile, 2027))
    b = check(RunOptions(fresh_root, profile, 2027))
    pd.testing.assert_frame_equal(a.results, b.results)


@pytest.mark.parametrize("profile, subjects", [(DAAN, 100), (DASHUI, 99)])
def test_sample_matches_golden(tmp_path: Path, profile: str, subjects: int):
    out = tmp_path / "out"
    result = run(
        RunOptions(ROOT / "sample_workbooks" / profile, profile, 2027, out, documents=False, db=tmp_path / "fenji.db")
    )
    assert result.exit_code == 1  # the samples carry errors and 未评定 on purpose
    produced = pd.read_csv(out / "results.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    golden = pd.read_csv(
        ROOT / "tests" / "golden" / f"{profile}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    pd.testing.assert_frame_equal(produced, golden)
    assert len(produced) == subjects
    assert list(produced.columns[:7]) == ["编号", "名称", "单位", "类别", "得分", "等次", "说明"]


def test_daan_sample_shows_the_typical_problems(tmp_path: Path):
    result = check(RunOptions(ROOT / "sample_workbooks" / DAAN, DAAN, 2027))
    found = {(p.code, p.file.split("/")[-1], p.cell) for p in result.problems}
    assert ("score-out-of-range", "大安村民主评议计分表.xlsx", "D15") in found
    assert ("stars-unknown", "大安村评定对象名册.xlsx", "F21") in found
    assert ("name-ambiguous", "新寨村民主评议计分表.xlsx", "B33") in found
    assert ("total-mismatch", "大安村领导小组评议表.xlsx", "H17") in found
    caps = {(c.unit, c.category): (c.n, c.allowed) for c in result.graded.quota_checks if c.kind == "cap"}
    assert caps == {
        ("大安村", "党员干部"): (22, 1),
        ("大安村", "群众"): (40, 2),
        ("新寨村", "党员干部"): (12, 0),
        ("新寨村", "群众"): (22, 1),
    }


# --- documents ------------------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize(
    "issued, valid",
    [
        ("2027-01-15", "2027-07-14"),
        ("2027-08-31", "2028-02-28"),
        ("2027-12-01", "2028-05-31"),
        ("2028-02-29", "2028-08-28"),
    ],
)
def test_card_is_valid_half_a_year_less_a_day(issued, valid):
    import datetime as dt

    from fenji.systems.xingji.documents import card_valid_until

    assert card_valid_until(dt.date.fromisoformat(issued), 6) == dt.date.fromisoformat(valid)


@pytest.mark.parametrize("profile", [DAAN, DASHUI])
def test_public_notice_never_shows_who_is_not_rated_or_why(tmp_path: Path, profile: str):
    import datetime as dt

    items = DAAN_ITEMS if profile == DAAN else DASHUI_ITEMS["群众"]
    people = [
        person("A1", 97, name="许顺利"),
        person("A2", 86, name="何<b>正义</b>"),
        person("A3", 91, name="罗保密", ineligible="2" if profile == DAAN else ""),
        person("A4", 96, name="梁否决", opinion="不同意", note="宅基地违规搭建未整改"),
        person("A5", 50, name="陈落选"),
        person("A6", votes=[None], name="任缺票"),
    ]
    people += crowd(16, top=72, step=0.1, prefix="F")  # N ≥ 20: one five-star allowed
    out = tmp_path / "out"
    result = run(
        RunOptions(
            village(tmp_path / "in", people, items=items),
            profile,
            2027,
            out,
            notice_date=dt.date(2027, 1, 15),
            db=tmp_path / "fenji.db",
        )
    )
    folder = out / "documents" / "大安村"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "大安村2027年度五星卡.pdf",
        "大安村2027年度星级评定汇总表.pdf",
        "大安村2027年度星级评定结果公示.pdf",
        "收件进度.pdf",  # internal: the forms still owed, or that all are in
    ]
    assert (out / "documents" / "汇总报告.pdf").is_file()
    notice = pdf_text(folder / "大安村2027年度星级评定结果公示.pdf")
    assert "许顺利" in notice and "何<b>正义</b>" in notice  # escaped, printed as typed
    reasons = list(load_profile(DAAN).rules["eligibility"].values())
    for secret in [
        "不参评",
        "罗保密" if profile == DAAN else "",
        "梁否决" if profile == DASHUI else "",
        "宅基地",
        "不同意",
        "陈落选",
        "任缺票",
        "不列入星级",
        "涉嫌",
        *reasons,
    ]:
        assert not secret or secret not in notice.replace(" ", "").replace("\n", ""), secret
    summary = pdf_text(folder / "大安村2027年度星级评定汇总表.pdf").replace(" ", "")
    assert "内部资料" in summary and "任缺票" in summary
    if profile == DAAN:
        assert "涉嫌" in summary  # the internal file keeps the reason
    cards = pdf_text(folder / "大安村2027年度五星卡.pdf")
    assert "许顺利" in cards and "2027年7月14日" in cards and "陈落选" not in cards
    assert not [p for p in result.problems if p.code in ("template-error", "glyph-missing")]


# --- audit additions: 临界, 四星左右, what the board sees, the samples' documents ----------------


@pytest.mark.parametrize(
    "profile, score, grade, critical",
    [
        (DAAN, 70, "一星", True),
        (DAAN, 69.9, "不列入星级", False),
        (DAAN, 70.1, "一星", False),
        (DASHUI, 65, "一星", True),
        (DASHUI, 64.9, "不列入星级", False),
    ],
)
def test_score_on_the_seeds_overlapping_boundary_is_critical(tmp_path: Path, profile, score, grade, critical):
    # 第六条: "70至75分（不含75分）为一星级" and "70分以下不列入星级" both hold 70 (大水村: 65)
    items = DAAN_ITEMS if profile == DAAN else DASHUI_ITEMS["群众"]
    rows = by_id(grade_folder(village(tmp_path, [person("A1", score)], items=items), profile))
    assert rows.loc["A1", "等次"] == grade
    assert ("临界" in rows.loc["A1", "说明"]) is critical


@pytest.mark.parametrize("fours, warned", [(2, False), (3, False), (4, True), (0, True)])
def test_four_star_about_share_is_reported_and_warned_beyond_five_points(tmp_path: Path, fours: int, warned: bool):
    # N = 20 群众, 四星 about 10 %: 2 → 10 %, 3 → 15 % (exactly 5 points off: no warning), 4 → 20 %, 0 → 0 %
    people = [person(f"F{i:02d}", 86) for i in range(fours)] + crowd(20 - fours, top=82, step=0.1, prefix="T")
    result = grade_folder(village(tmp_path, people))
    about = next(c for c in result.graded.quota_checks if c.kind == "about" and c.category == "群众")
    assert (about.n, about.actual, about.allowed, about.ok) == (20, fours, 2, not warned)
    off = [p for p in result.problems if p.code == "quota-about-off"]
    assert len(off) == (1 if warned else 0)
    assert list(result.results["等次"]).count("四星") == fours  # never enforced


def test_notice_marks_decisions_and_lifetime_titles_card_dates(tmp_path: Path):
    import datetime as dt

    cadres = [
        person("C1", 97, category="党员干部", name="王顺利"),
        person("C2", 91, category="党员干部", name="陈决定"),
        person("L1", 70, category="党员干部", name="穆老党", joined="1946年3月"),
    ]
    cadres += crowd(6, top=82, step=0.5, prefix="F", category="党员干部")
    folder = village(
        tmp_path / "in",
        cadres,
        "大水村",
        items=DASHUI_ITEMS["党员干部"],
        decisions=[("C2", "陈决定", "五星", "群众公认，经村支部委员会研究", "支委会纪要〔2027〕2号")],
    )
    out = tmp_path / "out"
    result = run(
        RunOptions(
            folder,
            DASHUI,
            2027,
            out,
            db=tmp_path / "a.db",
            notice_date=dt.date(2027, 1, 5),
            card_date=dt.date(2027, 1, 15),
        )
    )
    rows = by_id(result)
    assert (rows.loc["C2", "等次"], rows.loc["L1", "等次"]) == ("五星", "五星")
    assert "decision-breaks-quota" in codes(result)  # N = 8: 15 % → 1; C1 and C2 make 2
    documents = out / "documents" / "大水村"
    notice = pdf_text(documents / "大水村2027年度星级评定结果公示.pdf").replace(" ", "").replace("\n", "")
    # issue 18 item 5: no adjustment note on a public notice (a village has no 党委); 终身 stays
    assert "陈决定" in notice and "研究调整" not in notice and "穆老党（终身）" in notice
    assert "纪要" not in notice and "群众公认" not in notice  # the decision's reason stays in the file
    assert "2027年1月5日" in notice
    cards = pdf_text(documents / "大水村2027年度五星卡.pdf").replace(" ", "")
    # issue 18 item 9: the lifetime card says 终身, not a half-year date
    assert cards.count("2027年1月15日") == 3 and cards.count("2027年7月14日") == 2 and "有效期：终身" in cards
    assert "党员干部（终身五星）" in cards and "长期" not in cards


SCORE_LIKE = r"\d+\.\d"  # 95.4, 87.33: no score may print on a 公示


@pytest.mark.parametrize("profile", [DAAN, DASHUI])
def test_sample_notices_show_no_scores_no_ineligible_person_and_no_reason(tmp_path: Path, profile: str):
    import datetime as dt
    import re

    out = tmp_path / "out"
    result = run(
        RunOptions(
            ROOT / "sample_workbooks" / profile,
            profile,
            2027,
            out,
            db=tmp_path / "fenji.db",
            notice_date=dt.date(2027, 1, 15),
        )
    )
    notices = sorted((out / "documents").glob("*/*结果公示.pdf"))
    assert len(notices) == 2
    rows = result.graded.subjects
    reasons = list(load_profile(DAAN).rules["eligibility"].values())
    for path in notices:
        unit = path.parent.name
        text = pdf_text(path).replace(" ", "").replace("\n", "")
        assert not re.search(SCORE_LIKE, text), re.search(SCORE_LIKE, text)
        for secret in ["不参评", "不列入星级", "审定", "不同意", "限晋一级", "超比例调整", "%", *reasons]:
            assert secret not in text, (unit, secret)
        village_rows = rows[rows["单位"] == unit]
        listed = set(village_rows[village_rows["等次"].isin(load_profile(profile).grades[:-1])]["名称"])
        for name in village_rows[village_rows["等次"].isin(["不参评", "未评定", "不列入星级"])]["名称"]:
            if name not in listed:  # a namesake with a star may be listed
                assert name not in text, (unit, name)
        starred = village_rows[village_rows["等次"] == "五星"]
        cards = pdf_text(path.parent / f"{unit}2027年度五星卡.pdf").replace(" ", "")
        assert cards.count("有效期至：2027年7月14日") + cards.count("有效期：终身") == len(starred) > 0
    report = pdf_text(out / "documents" / "汇总报告.pdf").replace(" ", "")
    assert "三年目标完成情况" in report  # documents.md: shares vs 3-year targets
    expected = (
        ["石门村党员干部五星100%1/7", "服务行业四星及以上100%2/4"]
        if profile == DASHUI
        else ["大安村党员干部四星及以上70%", "新寨村群众四星及以上40%"]
    )
    for line in expected:
        assert line in report.replace("\n", ""), line
    assert not [p for p in result.problems if p.code in ("template-error", "glyph-missing")]


def test_name_only_decision_for_a_namesake_is_ambiguous_and_not_applied(tmp_path: Path):
    people = [person("D1", 80, name="何正义"), person("D2", 86, name="何正义")]
    folder = village(tmp_path, people, decisions=[("", "何正义", "五星", "研究决定", "纪要〔2027〕3号")])
    result = grade_folder(folder)
    ambiguous = [p for p in result.problems if p.code == "name-ambiguous"]
    assert len(ambiguous) == 1 and "D1、D2" in ambiguous[0].message and "决定调整表" in ambiguous[0].message
    rows = by_id(result)
    assert (rows.loc["D1", "等次"], rows.loc["D2", "等次"]) == ("三星", "四星")


def test_pending_subjects_are_left_off_the_notice_and_announced_later(tmp_path: Path):
    import datetime as dt

    tied = [
        person("T1", 95.5, name="许并列", votes=[95, 96, 95.5]),
        person("T2", 95.5, name="罗并列", votes=[96, 95, 95.5]),
    ]
    people = tied + crowd(18, top=88, step=0.1, prefix="F")  # N = 20: one five-star, two tied for it
    out = tmp_path / "out"
    result = run(
        RunOptions(
            village(tmp_path / "in", people), DAAN, 2027, out, db=tmp_path / "a.db", notice_date=dt.date(2027, 1, 15)
        )
    )
    assert result.exit_code == 1
    folder = out / "documents" / "大安村"
    notice = pdf_text(folder / "大安村2027年度星级评定结果公示.pdf").replace(" ", "").replace("\n", "")
    assert "许并列" not in notice and "罗并列" not in notice and "待定" not in notice
    assert "另有2名（户）的评定结果尚待确定" in notice
    summary = pdf_text(folder / "大安村2027年度星级评定汇总表.pdf").replace(" ", "")
    assert summary.count("待定") >= 2 and "许并列" in summary
    assert not (folder / "大安村2027年度五星卡.pdf").exists()  # nobody holds five stars yet


def test_decision_grades_are_read_in_every_star_spelling(tmp_path: Path):
    people = [person("A1", 80), person("A2", 80), person("A3", 80), person("A4", 80)]
    result = grade_folder(
        village(
            tmp_path,
            people,
            decisions=[
                ("A1", "村民A1", "5星", "理由", "纪要1号"),
                ("A2", "村民A2", "★★★★", "理由", "纪要1号"),
                ("A3", "村民A3", "无星", "理由", "纪要1号"),
                ("A4", "村民A4", "优秀", "理由", "纪要1号"),
            ],
        )
    )
    rows = by_id(result)
    assert list(rows.loc[["A1", "A2", "A3", "A4"], "等次"]) == ["五星", "四星", "不列入星级", "三星"]
    assert [p.cell for p in result.problems if p.code == "decision-grade-unknown"] == ["C7"]


def test_decision_with_an_unknown_id_is_not_matched_by_name(tmp_path: Path):
    people = [person("A1", 80, name="陈伦"), person("A2", 80, name="罗本恩")]
    result = grade_folder(village(tmp_path, people, decisions=[("A9", "陈伦", "五星", "研究决定", "纪要1号")]))
    assert "decision-subject-unknown" in codes(result)
    assert by_id(result).loc["A1", "等次"] == "三星"


def test_scores_print_on_the_notice_only_where_the_profile_says_so(tmp_path: Path):
    import datetime as dt

    custom = tmp_path / "我村.toml"
    custom.write_text(builtin_text(DAAN).replace("show_scores = false", "show_scores = true"), encoding="utf-8")
    people = [person("A1", 86, name="许顺利"), person("A2", 50, name="陈落选")]
    out = tmp_path / "out"
    run(
        RunOptions(
            village(tmp_path / "in", people), custom, 2027, out, db=tmp_path / "a.db", notice_date=dt.date(2027, 1, 15)
        )
    )
    notice = pdf_text(out / "documents" / "大安村" / "大安村2027年度星级评定结果公示.pdf").replace(" ", "")
    assert "许顺利86.0分" in notice and "陈落选" not in notice and "50.0" not in notice
