"""Seeded generator of the sample drop folders in sample_workbooks/ (and of test inputs).

`python -m fenji.samples sample_workbooks` rewrites them; the same seed gives the same workbooks,
so the golden results in tests/golden/ stay valid. The dingji sample is a small county: two towns'
returns with a few of the typical problems a clerk meets, so that the demo shows a problem list.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

INDICATORS = [("党组织带头人", 15), ("工作思路", 10), ("工作制度", 10), ("活动阵地", 10), ("保障机制", 10),
              ("工作业绩", 20), ("群众评价", 25)]
ITEMS = ["领导班子", "党员队伍", "工作机制", "工作业绩", "群众反映", "总体评价"]
OPTIONS = ["满意", "基本满意", "不满意", "不了解"]
CATEGORIES = ["党员", "群众代表", "村民小组长", "入党积极分子", "其他"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["国强", "秀英", "建华", "志明", "德福", "明", "红梅", "海燕", "永红", "桂兰", "春生", "文华"]


@dataclass
class Branch:
    id: str
    name: str
    town: str
    kind: str
    members: int
    secretary: str
    last_grade: str
    scores: dict = field(default_factory=dict)     # indicator → int (附件4)
    votes: dict = field(default_factory=dict)      # option → count (总体评价)
    veto: str = ""


def _title(ws, text: str, width: int, row: int = 1, size: int = 16) -> None:
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = Font(bold=True, size=size)
    cell.alignment = Alignment(horizontal="center")


def _header(ws, row: int, labels: list[str]) -> None:
    for c, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=c, value=label)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _date(year: int, month: int, day: int) -> str:
    return f"{year}年{month}月{day}日"


# --- form writers (layout as the reference forms in tests/data/reference_forms) -------------

def roster_book(town: str, year: int, branches: list[Branch]) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "名册"
    _title(ws, "基层党组织名册", 7)
    ws.merge_cells("A2:G2")
    ws["A2"] = f"乡镇（盖章）：{town}\u3000\u3000\u3000\u3000年度：{year}"
    _header(ws, 3, ["编号", "党组织名称", "所属乡镇", "党组织类型", "党员人数", "党组织书记", "上年等次"])
    for r, b in enumerate(branches, start=4):
        for c, value in enumerate([b.id, b.name, b.town, b.kind, b.members, b.secretary, b.last_grade], start=1):
            ws.cell(row=r, column=c, value=value)
    return book


def self_eval_book(branch: Branch, year: int, self_scores: dict, grade: str, formula_total: bool = True) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "自评表"
    ws["A1"] = "附件2"
    _title(ws, "基层党组织分类定级自评表", 6, row=2)
    ws.merge_cells("A3:C3")
    ws.merge_cells("D3:F3")
    ws["A3"] = f"党组织名称（盖章）：{branch.name}"
    ws["D3"] = f"填报日期：{_date(year, 3, 20 + int(branch.id[-1]) % 8)}"
    _header(ws, 4, ["序号", "定级指标", "分值", "评分要点", "自评得分", "扣分说明"])
    numerals = "一二三四五六七"
    for i, (name, maximum) in enumerate(INDICATORS):
        ws.append([numerals[i], name, maximum, "", self_scores[name], ""])
    ws.append(["合计", None, 100, None, "=SUM(E5:E11)" if formula_total else sum(self_scores.values())])
    ws.append(["自评等次", grade])
    ws.merge_cells("B13:F13")
    ws.append(["党组织书记（签字）：" + branch.secretary])
    return book


def ballots_book(branch: Branch, year: int, ballots: list[list[str]]) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "测评表"
    ws["A1"] = "附件3"
    _title(ws, "基层党组织分类定级党员群众满意度测评表", 9, row=2)
    ws.merge_cells("A3:E3")
    ws.merge_cells("F3:I3")
    ws["A3"] = f"被测评党组织：{branch.name}"
    ws["F3"] = f"测评日期：{_date(year, 3, 30)}"
    _header(ws, 4, ["票号", "测评人类别"] + ITEMS + ["备注"])
    for n, ballot in enumerate(ballots, start=1):
        ws.append([n] + ballot)
    ws.append([])
    ws.append(["说明：每项在“满意、基本满意、不满意、不了解”中选填一项。"])
    return book


def summary_book(town: str, year: int, rows: list[tuple[Branch, dict, int, str]]) -> Workbook:
    """rows: (branch, option counts, 发放, typed 满意率 text)."""
    book = Workbook()
    ws = book.active
    ws.title = "汇总表"
    _title(ws, "基层党组织分类定级党员群众满意度测评汇总表", 11)
    ws["A2"] = f"乡镇（盖章）：{town}"
    ws["G2"] = f"统计日期：{_date(year, 4, 2)}"
    _header(ws, 3, ["序号", "党组织名称", "发放票数", "收回票数", "有效票数", "总体评价票数", "", "", "", "满意率", "备注"])
    _header(ws, 4, ["", "", "", "", "", "满意", "基本满意", "不满意", "不了解", "", ""])
    for col in "ABCDEJK":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("F3:I3")
    for n, (branch, counts, issued, rate) in enumerate(rows, start=1):
        returned = sum(counts.values())
        valid = counts["满意"] + counts["基本满意"] + counts["不满意"]
        ws.append([n, branch.name, issued, returned, valid, counts["满意"], counts["基本满意"], counts["不满意"],
                   counts["不了解"], rate, ""])
    return book


def score_book(town: str, year: int, rows: list[tuple[Branch, dict, object]]) -> Workbook:
    """rows: (branch, indicator scores (may hold text), typed 总分 or None)."""
    book = Workbook()
    ws = book.active
    ws.title = "评分定级表"
    ws["A1"] = "附件4"
    _title(ws, "基层党组织分类定级上级党组织评分定级表", 14, row=2)
    ws.merge_cells("A3:F3")
    ws["A3"] = f"乡镇党委（盖章）：{town}党委"
    ws["G3"] = f"评定日期：{_date(year, 4, 8)}"
    _header(ws, 4, ["序号", "编号", "党组织名称", "定级指标得分", "", "", "", "", "", "", "总分", "否决情形", "评定等次", "备注"])
    _header(ws, 5, ["", "", ""] + [f"{n}（{m}分）" for n, m in INDICATORS] + ["", "", "", ""])
    for col in "ABCKLMN":
        ws.merge_cells(f"{col}4:{col}5")
    ws.merge_cells("D4:J4")
    for n, (branch, scores, total) in enumerate(rows, start=1):
        ws.append([n, branch.id, branch.name] + [scores.get(name) for name, _ in INDICATORS[:-1]] + [None, total,
                  branch.veto or None, None, None])
    return book


def decisions_book(town: str, rows: list[tuple[str, str, str, str, str]]) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "决定调整表"
    _title(ws, "分类定级党委研究决定调整表", 5)
    ws.merge_cells("A2:E2")
    ws["A2"] = f"乡镇党委（盖章）：{town}党委"
    _header(ws, 3, ["编号", "名称", "调整后等次", "理由", "会议及文号"])
    for row in rows:
        ws.append(list(row))
    return book


# --- the dingji county sample --------------------------------------------------------------

TOWNS = {
    "清溪镇": ("QX", ["清溪村", "白岩村", "松林村", "梨树村", "河坝村", "新田村", "杨柳村", "龙井村", "石桥村",
                     "花园社区", "竹林村", "金竹村", "枫香村"]),
    "白河镇": ("BH", ["白河村", "石门村", "大坪村", "柏树村", "桃源村", "高峰村", "红岩村", "青山社区", "沙坝村",
                     "观音村"]),
}


def make_branches(rng: random.Random) -> list[Branch]:
    branches = []
    for town, (prefix, villages) in TOWNS.items():
        for n, village in enumerate(villages, start=1):
            suffix = "党总支" if rng.random() < 0.15 else "党支部"
            kind = "社区" if village.endswith("社区") else "行政村"
            branches.append(Branch(f"{prefix}{n:02d}", village + suffix, town, kind, rng.randint(18, 70),
                                   rng.choice(SURNAMES) + rng.choice(GIVEN), rng.choice(["好", "较好", "较好", "一般", "一般", "较差"])))
    for b in branches:
        quality = rng.uniform(0.55, 0.98)
        b.scores = {name: max(0, min(m, round(m * rng.uniform(quality - 0.12, quality + 0.08))))
                    for name, m in INDICATORS[:-1]}
        total = rng.randint(30, 60)
        unknown = rng.randint(0, 2)
        unhappy = rng.randint(0, max(1, int(total * (1 - quality) / 2)))
        basic = rng.randint(2, max(3, total // 4))
        b.votes = {"满意": total - unhappy - basic - unknown, "基本满意": basic, "不满意": unhappy, "不了解": unknown}
    return branches


def _ballot_rows(rng: random.Random, votes: dict) -> list[list[str]]:
    overall = [o for o, n in votes.items() for _ in range(n)]
    rng.shuffle(overall)
    rows = []
    for choice in overall:
        items = [rng.choice(["满意", "满意", "满意", "基本满意", "不了解"]) for _ in ITEMS[:-1]]
        rows.append([rng.choice(CATEGORIES)] + items + [choice, None])
    return rows


def _rate_text(votes: dict) -> str:
    from fractions import Fraction
    from fenji.arith import fmt_percent
    valid = votes["满意"] + votes["基本满意"] + votes["不满意"]
    return fmt_percent(Fraction(votes["满意"] + votes["基本满意"], valid))


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
    decisions_book("清溪镇", [("QX05", "河坝村党支部", "较好", "该村集体经济年度考核全县第一，经党委会研究调整",
                             "清溪镇党委会议纪要〔2027〕5号")]).save(folder / "清溪镇" / "党委研究决定调整表.xlsx")
    (folder / "清溪镇" / "村级报送" / "河坝村活动照片说明.txt").write_text("照片另行报送。\n", encoding="utf-8")


def _town_summary(town: str, year: int, members: list[Branch], rng: random.Random) -> Workbook:
    rows = []
    for b in members:
        votes = dict(b.votes)
        if b.id == "BH04":   # typed summary differs from the ballots: an error naming both files
            votes["满意"] += 2
        rows.append((b, votes, sum(votes.values()) + rng.randint(0, 3), _rate_text(votes)))
    return summary_book(town, year, rows)


def _town_scores(town: str, year: int, members: list[Branch]) -> Workbook:
    rows = []
    for b in members:
        if b.id == "BH09":   # no 附件4 row: 未评定（缺上级评分）
            continue
        scores = dict(b.scores)
        total = None         # 总分 is normally left for fenji to compute (群众评价 comes from the survey)
        if b.id == "QX03":   # a score typed as text with a unit, and a total typed wrong
            scores["工作业绩"] = f"{scores['工作业绩']}分"
            total = sum(b.scores.values()) + 20
        if b.id == "BH06":   # a score above the maximum
            scores["工作思路"] = 12
        rows.append((b, scores, total))
    return score_book(town, year, rows)


def _branch_returns(b: Branch, year: int, rng: random.Random, folder: Path) -> None:
    ballots = _ballot_rows(rng, b.votes)
    if b.id == "QX11" and ballots:   # an unknown option: reported, counted as invalid
        ballots[3][6] = "很满意"
        b.votes = dict(b.votes)
    name = b.name
    if b.id == "BH02":               # misspelt name in the returned ballots: not in roster, closest suggested
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
