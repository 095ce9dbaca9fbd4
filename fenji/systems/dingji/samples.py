"""Seeded generator of the sample drop folders in sample_workbooks/ (and of test inputs).

`python -m fenji.systems sample_workbooks` rewrites them; the same seed gives the same workbooks,
so the golden results in tests/golden/ stay valid. The dingji sample is a small county: two towns'
returns with a few of the typical problems a clerk meets, so that the demo shows a problem list.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from openpyxl import Workbook

from fenji.forms.samplebooks import (
    GIVEN,
    INDICATORS,
    SURNAMES,
    Branch,
    ballot_rows,
    ballots_book,
    decisions_book,
    rate_text,
    roster_book,
    score_book,
    self_eval_book,
    summary_book,
)

# --- the dingji county sample --------------------------------------------------------------

TOWNS = {
    "清溪镇": (
        "QX",
        [
            "清溪村",
            "白岩村",
            "松林村",
            "梨树村",
            "河坝村",
            "新田村",
            "杨柳村",
            "龙井村",
            "石桥村",
            "花园社区",
            "竹林村",
            "金竹村",
            "枫香村",
        ],
    ),
    "白河镇": (
        "BH",
        ["白河村", "石门村", "大坪村", "柏树村", "桃源村", "高峰村", "红岩村", "青山社区", "沙坝村", "观音村"],
    ),
}


def make_branches(rng: random.Random) -> list[Branch]:
    branches = []
    for town, (prefix, villages) in TOWNS.items():
        for n, village in enumerate(villages, start=1):
            suffix = "党总支" if rng.random() < 0.15 else "党支部"
            kind = "社区" if village.endswith("社区") else "行政村"
            branches.append(
                Branch(
                    f"{prefix}{n:02d}",
                    village + suffix,
                    town,
                    kind,
                    rng.randint(18, 70),
                    rng.choice(SURNAMES) + rng.choice(GIVEN),
                    rng.choice(["好", "较好", "较好", "一般", "一般", "较差"]),
                )
            )
    for b in branches:
        quality = rng.uniform(0.55, 0.98)
        b.scores = {
            name: max(0, min(m, round(m * rng.uniform(quality - 0.12, quality + 0.08)))) for name, m in INDICATORS[:-1]
        }
        total = rng.randint(30, 60)
        unknown = rng.randint(0, 2)
        unhappy = rng.randint(0, max(1, int(total * (1 - quality) / 2)))
        basic = rng.randint(2, max(3, total // 4))
        b.votes = {"满意": total - unhappy - basic - unknown, "基本满意": basic, "不满意": unhappy, "不了解": unknown}
    return branches


def write_dingji_sample(folder: Path, seed: int = 2027, year: int = 2027) -> None:
    """A county of two towns (23 branches) with the typical problems listed in its README."""
    rng = random.Random(seed)
    branches = make_branches(rng)
    by_id = {b.id: b for b in branches}
    # A veto, a tie straddling nothing, and the problems the demo should show:
    by_id["QX07"].veto = "发生群体性上访事件"
    folder.mkdir(parents=True, exist_ok=True)
    for town in TOWNS:
        members = [b for b in branches if b.town == town]
        town_dir = folder / town
        (town_dir / "村级报送").mkdir(parents=True, exist_ok=True)
        roster_book(town, year, members).save(town_dir / f"{town}党组织名册.xlsx")
        _town_summary(town, year, members, rng).save(town_dir / f"{town}满意度测评汇总表.xlsx")
        _town_scores(town, year, members).save(town_dir / f"附件4-{town}评分定级表.xlsx")
        for b in members:
            _branch_returns(b, year, rng, town_dir / "村级报送")
    decisions_book(
        "清溪镇",
        [
            (
                "QX05",
                "河坝村党支部",
                "较好",
                "该村集体经济年度考核全县第一，经党委会研究调整",
                "清溪镇党委会议纪要〔2027〕5号",
            )
        ],
    ).save(folder / "清溪镇" / "党委研究决定调整表.xlsx")
    (folder / "清溪镇" / "村级报送" / "河坝村活动照片说明.txt").write_text("照片另行报送。\n", encoding="utf-8")


def _town_summary(town: str, year: int, members: list[Branch], rng: random.Random) -> Workbook:
    rows = []
    for b in members:
        votes = dict(b.votes)
        if b.id == "BH04":  # typed summary differs from the ballots: an error naming both files
            votes["满意"] += 2
        rows.append((b, votes, sum(votes.values()) + rng.randint(0, 3), rate_text(votes)))
    return summary_book(town, year, rows)


def _town_scores(town: str, year: int, members: list[Branch]) -> Workbook:
    rows = []
    for b in members:
        if b.id == "BH09":  # no 附件4 row: 未评定（缺上级评分）
            continue
        scores = dict(b.scores)
        total = None  # 总分 is normally left for fenji to compute (群众评价 comes from the survey)
        if b.id == "QX03":  # a score typed as text with a unit, and a total typed wrong
            scores["工作业绩"] = f"{scores['工作业绩']}分"
            total = sum(b.scores.values()) + 20
        if b.id == "BH06":  # a score above the maximum
            scores["工作思路"] = 12
        rows.append((b, scores, total))
    return score_book(town, year, rows)


def _branch_returns(b: Branch, year: int, rng: random.Random, folder: Path) -> None:
    ballots = ballot_rows(rng, b.votes)
    if b.id == "QX11" and ballots:  # an unknown option: reported, counted as invalid
        ballots[3][6] = "很满意"
        b.votes = dict(b.votes)
    name = b.name
    if b.id == "BH02":  # misspelt name in the returned ballots: not in roster, closest suggested
        b = Branch(b.id, "石们村党支部", b.town, b.kind, b.members, b.secretary, b.last_grade)
    ballots_book(b, year, ballots).save(folder / f"附件3-{name}满意度测评表.xlsx")
    # Branches rate themselves a little generously; a few much too generously (自评偏差).
    generosity = 4 if rng.random() < 0.2 else 1
    self_scores = {n: min(m, b.scores.get(n, round(m * 0.95)) + rng.randint(0, generosity)) for n, m in INDICATORS}
    total = sum(self_scores.values())
    grade = "好" if total >= 90 else "较好" if total >= 80 else "一般" if total >= 60 else "较差"
    self_eval_book(b, year, self_scores, grade).save(folder / f"附件2-{name}自评表.xlsx")


def main(argv: list[str]) -> None:
    target = Path(argv[1] if len(argv) > 1 else "sample_workbooks")
    write_dingji_sample(target / "dingji")
    print(f"示例数据已写入 {target}")


if __name__ == "__main__":
    main(sys.argv)
