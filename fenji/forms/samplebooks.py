"""Sample workbooks of the standard forms, as towns and branches fill them in (layout as the
reference forms in tests/data/reference_forms): what every system's seeded samples
(fenji/systems/*/samples.py), the tests and bench/ build their inputs from."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

INDICATORS = [
    ("党组织带头人", 15),
    ("工作思路", 10),
    ("工作制度", 10),
    ("活动阵地", 10),
    ("保障机制", 10),
    ("工作业绩", 20),
    ("群众评价", 25),
]


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
    scores: dict = field(default_factory=dict)  # indicator → int (附件4)
    votes: dict = field(default_factory=dict)  # option → count (总体评价)
    veto: str = ""


def title_row(ws, text: str, width: int, row: int = 1, size: int = 16) -> None:
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = Font(bold=True, size=size)
    cell.alignment = Alignment(horizontal="center")


def header_row(ws, row: int, labels: list[str]) -> None:
    for c, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=c, value=label)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def date_text(year: int, month: int, day: int) -> str:
    return f"{year}年{month}月{day}日"


def roster_book(town: str, year: int, branches: list[Branch]) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "名册"
    title_row(ws, "基层党组织名册", 7)
    ws.merge_cells("A2:G2")
    ws["A2"] = f"乡镇（盖章）：{town}\u3000\u3000\u3000\u3000年度：{year}"
    header_row(ws, 3, ["编号", "党组织名称", "所属乡镇", "党组织类型", "党员人数", "党组织书记", "上年等次"])
    for r, b in enumerate(branches, start=4):
        for c, value in enumerate([b.id, b.name, b.town, b.kind, b.members, b.secretary, b.last_grade], start=1):
            ws.cell(row=r, column=c, value=value)
    return book


def self_eval_book(branch: Branch, year: int, self_scores: dict, grade: str, formula_total: bool = True) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "自评表"
    ws["A1"] = "附件2"
    title_row(ws, "基层党组织分类定级自评表", 6, row=2)
    ws.merge_cells("A3:C3")
    ws.merge_cells("D3:F3")
    ws["A3"] = f"党组织名称（盖章）：{branch.name}"
    ws["D3"] = f"填报日期：{date_text(year, 3, 20 + int(branch.id[-1]) % 8)}"
    header_row(ws, 4, ["序号", "定级指标", "分值", "评分要点", "自评得分", "扣分说明"])
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
    title_row(ws, "基层党组织分类定级党员群众满意度测评表", 9, row=2)
    ws.merge_cells("A3:E3")
    ws.merge_cells("F3:I3")
    ws["A3"] = f"被测评党组织：{branch.name}"
    ws["F3"] = f"测评日期：{date_text(year, 3, 30)}"
    header_row(ws, 4, ["票号", "测评人类别"] + ITEMS + ["备注"])
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
    title_row(ws, "基层党组织分类定级党员群众满意度测评汇总表", 11)
    ws["A2"] = f"乡镇（盖章）：{town}"
    ws["G2"] = f"统计日期：{date_text(year, 4, 2)}"
    header_row(
        ws, 3, ["序号", "党组织名称", "发放票数", "收回票数", "有效票数", "总体评价票数", "", "", "", "满意率", "备注"]
    )
    header_row(ws, 4, ["", "", "", "", "", "满意", "基本满意", "不满意", "不了解", "", ""])
    for col in "ABCDEJK":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("F3:I3")
    for n, (branch, counts, issued, rate) in enumerate(rows, start=1):
        returned = sum(counts.values())
        valid = counts["满意"] + counts["基本满意"] + counts["不满意"]
        ws.append(
            [
                n,
                branch.name,
                issued,
                returned,
                valid,
                counts["满意"],
                counts["基本满意"],
                counts["不满意"],
                counts["不了解"],
                rate,
                "",
            ]
        )
    return book


def score_book(town: str, year: int, rows: list[tuple[Branch, dict, object]]) -> Workbook:
    """rows: (branch, indicator scores (may hold text), typed 总分 or None)."""
    book = Workbook()
    ws = book.active
    ws.title = "评分定级表"
    ws["A1"] = "附件4"
    title_row(ws, "基层党组织分类定级上级党组织评分定级表", 14, row=2)
    ws.merge_cells("A3:F3")
    ws["A3"] = f"乡镇党委（盖章）：{town}党委"
    ws["G3"] = f"评定日期：{date_text(year, 4, 8)}"
    header_row(
        ws,
        4,
        ["序号", "编号", "党组织名称", "定级指标得分", "", "", "", "", "", "", "总分", "否决情形", "评定等次", "备注"],
    )
    header_row(ws, 5, ["", "", ""] + [f"{n}（{m}分）" for n, m in INDICATORS] + ["", "", "", ""])
    for col in "ABCKLMN":
        ws.merge_cells(f"{col}4:{col}5")
    ws.merge_cells("D4:J4")
    for n, (branch, scores, total) in enumerate(rows, start=1):
        ws.append(
            [n, branch.id, branch.name]
            + [scores.get(name) for name, _ in INDICATORS[:-1]]
            + [None, total, branch.veto or None, None, None]
        )
    return book


def decisions_book(town: str, rows: list[tuple[str, str, str, str, str]]) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "决定调整表"
    title_row(ws, "分类定级党委研究决定调整表", 5)
    ws.merge_cells("A2:E2")
    ws["A2"] = f"乡镇党委（盖章）：{town}党委"
    header_row(ws, 3, ["编号", "名称", "调整后等次", "理由", "会议及文号"])
    for row in rows:
        ws.append(list(row))
    return book


def ballot_rows(rng: random.Random, votes: dict) -> list[list[str]]:
    overall = [o for o, n in votes.items() for _ in range(n)]
    rng.shuffle(overall)
    rows = []
    for choice in overall:
        items = [rng.choice(["满意", "满意", "满意", "基本满意", "不了解"]) for _ in ITEMS[:-1]]
        rows.append([rng.choice(CATEGORIES)] + items + [choice, None])
    return rows


def rate_text(votes: dict) -> str:
    from fractions import Fraction

    from fenji.core.arith import fmt_percent

    valid = votes["满意"] + votes["基本满意"] + votes["不满意"]
    return fmt_percent(Fraction(votes["满意"] + votes["基本满意"], valid))


def sample_branch(ident: str, village: str, town: str, rng: random.Random) -> Branch:
    """A village's branch with a seeded member count and secretary."""
    return Branch(
        ident, village + "党支部", town, "行政村", rng.randint(20, 60), rng.choice(SURNAMES) + rng.choice(GIVEN), ""
    )
