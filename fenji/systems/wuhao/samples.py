"""Seeded sample drop folders for `wuhao`: `<root>/wuhao-年初/` (the 年初 分类定级, March) and
`<root>/wuhao/` (the 年底 重新考评, which `fenji demo` runs after grading 年初 into its ledger).

Every edge of rules.md §8 is in the 年底 returns: 清溪镇 QX02 meets 领导班子好 at exactly 16.0
(五星, 晋位), QX03 has 15.95 (not met), QX04 is 软弱涣散 (four goods met, capped at 二星, 降位), QX05
has a veto (一星, 降位), QX06 loses 工作业绩好 (降位 naming it), QX01 keeps 五星; 白河镇 BH03 has no
survey (未评定). 群众反映好 comes from the town's 测评汇总表, and for QX01 from its ballots as well
(cross-checked). The 年初 roster carries last year's stars (上年等次) for 年初's own comparison.
"""

from __future__ import annotations

import random
from pathlib import Path

from openpyxl import Workbook

from fenji.forms.samplebooks import Branch, ballot_rows, ballots_book, date_text, roster_book, summary_book, title_row

YEAR = 2027
PERIODS = ("年初", "年底")
CRITERIA = ("领导班子好", "党员队伍好", "工作机制好", "工作业绩好")

# votes (满意, 基本满意, 不满意, 不了解) → 群众反映好 = 20 × (满意 + 基本满意) / 有效票
HIGH = (40, 5, 5, 2)  # 90 % → 18.0
EXACT = (36, 4, 10, 0)  # 80 % → 16.0, met exactly
LOW = (30, 8, 12, 1)  # 76 % → 15.2

# id → (name, 领域, {period: (four criteria scores, votes, 软弱涣散, 否决情形, 服务型, 整改措施)}), 上年等次 (2026 年底)
TOWNS = {
    "清溪镇": {
        "QX01": (
            "清溪村党支部",
            "农村",
            {
                "年初": ((18, 17.5, 18, 17), HIGH, "", "", "是", "巩固提升，发挥示范作用"),
                "年底": ((18.5, 18, 18, 17.5), HIGH, "", "", "是", "保持五星，带动周边村"),
            },
            "五星",
        ),
        "QX02": (
            "石桥村党支部",
            "农村",
            {
                "年初": ((15.5, 17, 16.5, 16), HIGH, "", "", "否", "加强班子建设，开展谈心谈话"),
                "年底": ((16.0, 17, 16.5, 16.5), EXACT, "", "", "是", "班子建设达标，继续巩固"),
            },
            "三星",
        ),
        "QX03": (
            "柳湾社区党支部",
            "社区",
            {
                "年初": ((15, 17, 16, 16.5), HIGH, "", "", "是", "班子成员分片包干"),
                "年底": ((15.95, 17, 16, 16.5), HIGH, "", "", "是", "班子补齐短板，书记参加轮训"),
            },
            "四星",
        ),
        "QX04": (
            "镇机关党支部",
            "机关",
            {
                "年初": ((16, 16.5, 14, 16), LOW, "", "", "否", "健全“三会一课”制度"),
                "年底": ((16.5, 17, 16, 16.5), LOW, "是", "", "否", "列为软弱涣散党组织，县镇两级包联整顿"),
            },
            "",
        ),
        "QX05": (
            "宏达公司党支部",
            "两新组织",
            {
                "年初": ((16, 15, 16.5, 17), LOW, "", "", "否", "规范党员发展"),
                "年底": ((17, 16, 17, 17), HIGH, "", "发生重大安全事故", "否", "落实安全生产责任，整改事故隐患"),
            },
            "",
        ),
        "QX06": (
            "河口村党支部",
            "农村",
            {
                "年初": ((17, 16, 16, 17), LOW, "", "", "是", "提升群众满意度"),
                "年底": ((17, 16.5, 16, 14.5), LOW, "", "", "是", "发展集体经济，补齐工作业绩"),
            },
            "三星",
        ),
    },
    "白河镇": {
        "BH01": (
            "白河村党支部",
            "农村",
            {
                "年初": ((15, 16, 14, 15), HIGH, "", "", "否", "完善议事规则"),
                "年底": ((16, 16, 15, 15.5), HIGH, "", "", "是", "推行“四议两公开”"),
            },
            "一星",
        ),
        "BH02": (
            "新街社区党支部",
            "社区",
            {
                "年初": ((17, 17, 17, 17), HIGH, "", "", "是", "深化网格化服务"),
                "年底": ((17.5, 17, 17.5, 18), HIGH, "", "", "是", "打造服务型党组织品牌"),
            },
            "四星",
        ),
        "BH03": (
            "龙潭村党支部",
            "农村",
            {
                "年初": ((16, 14, 15, 14), LOW, "", "", "否", "加强党员教育管理"),
                "年底": ((16.5, 16, 15, 15), None, "", "", "否", "补做满意度测评"),  # no survey: 未评定
            },
            "",
        ),
        "BH04": (
            "白河中学党支部",
            "机关",
            {
                "年初": ((14, 15, 15, 16.5), LOW, "", "", "否", "落实组织生活制度"),
                "年底": ((16, 16.5, 16, 17), EXACT, "", "", "是", "保持整改成效"),
            },
            "",
        ),
    },
}

BALLOTS = {("年底", "QX01")}  # these also return their 附件3 ballots (cross-checked with the 汇总表)


def folder_of(root: Path, period: str) -> Path:
    return Path(root) / ("wuhao" if period == PERIODS[-1] else f"wuhao-{period}")


def write_wuhao_samples(root: Path, seed: int = 2027) -> None:
    """`root/wuhao-年初/` and `root/wuhao/` (年底): two towns, ten organisations, both ratings of 2027."""
    for period in PERIODS:
        rng = random.Random(seed)
        for town, organisations in TOWNS.items():
            _town(folder_of(root, period) / town, town, period, organisations, rng)


def _town(folder: Path, town: str, period: str, organisations: dict, rng: random.Random) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    branches = []
    for ident, (name, sector, _, last) in organisations.items():
        branch = Branch(ident, name, town, sector, rng.randint(15, 60), rng.choice("王李张刘陈杨赵黄") + "书记", "")
        branch.last_grade = last if period == PERIODS[0] else ""  # 年底 compares with the ledger's 年初
        branches.append(branch)
    roster = roster_book(town, YEAR, branches)
    _add_sectors(roster, branches)
    roster.save(folder / f"{town}党组织名册.xlsx")
    month = 3 if period == PERIODS[0] else 12
    rows = []
    for b in branches:
        votes = organisations[b.id][2][period][1]
        if votes is None:
            continue
        counts = dict(zip(("满意", "基本满意", "不满意", "不了解"), votes))
        rows.append((b, counts, sum(votes) + 2, ""))
        if (period, b.id) in BALLOTS:
            ballots_book(b, YEAR, ballot_rows(rng, counts)).save(folder / f"{b.id}{b.name}满意度测评表.xlsx")
    summary_book(town, YEAR, rows).save(folder / f"{town}满意度测评汇总表.xlsx")
    sheet_rows = [(b, organisations[b.id][2][period]) for b in branches]
    score_sheet_book(town, period, date_text(YEAR, month, 20), sheet_rows).save(folder / f"{town}星级考评评分表.xlsx")


KINDS = {"农村": "村党支部", "社区": "社区党支部", "机关": "机关党支部", "两新组织": "非公企业党支部"}


def _add_sectors(book: Workbook, branches: list[Branch]) -> None:
    """The roster's optional 领域 column (forms.md: §1's 名册 with 领域); 党组织类型 is the branch's kind."""
    ws = book.active
    ws.cell(row=3, column=8, value="领域")
    for r, b in enumerate(branches, start=4):
        ws.cell(row=r, column=8, value=b.kind)
        ws.cell(row=r, column=4, value=KINDS[b.kind])


def score_sheet_book(town: str, period: str, date: str, rows: list) -> Workbook:
    """The town's filled 基层党组织“五好”星级考评评分表, laid out as the reference form (two-level header)."""
    book = Workbook()
    ws = book.active
    ws.title = "星级考评"
    title_row(ws, "基层党组织“五好”星级考评评分表", 14)
    ws["A2"], ws["E2"], ws["I2"] = f"乡镇（盖章）：{town}", f"考评阶段：{period}", f"考评日期：{date}"
    for merged in ("A2:D2", "E2:H2", "I2:N2"):
        ws.merge_cells(merged)
    top = ["序号", "编号", "党组织名称", "领域", "考评得分", None, None, None]
    top += ["合计", "软弱涣散", "否决情形", "服务型", "整改措施", "备注"]
    for c, label in enumerate(top, start=1):
        ws.cell(row=3, column=c, value=label)
    for c, name in enumerate(CRITERIA, start=5):
        ws.cell(row=4, column=c, value=f"{name}（20分）")
    for col in "ABCDIJKLMN":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("E3:H3")
    for n, (b, (scores, _votes, weak, veto, service, measures)) in enumerate(rows, start=1):
        total = sum(scores)
        ws.append([n, b.id, b.name, b.kind, *scores, total, weak or "否", veto, service, measures, None])
    ws.append(["说明：群众反映好由满意度测评计算（20分×满意率），不在本表填写。"])
    return book
