"""Seeded sample drop folders for the profiles that look back a year: `shengji` and `shixing`.

Each profile gets two consecutive years under the sample root:

* `<root>/shengji-2026/`, `<root>/shixing-2026/`: the first year's returns;
* `<root>/shengji/`, `<root>/shixing/`: the second year's (2027), which `fenji demo` runs. Their
  rosters carry last year's classes in 上年等次, so the demo shows the year-on-year figures without a
  ledger. Run the 2026 folder first into a ledger (`--db`) and the ledger's results are used
  instead; one roster entry (SB04 / XQ04) is typed differently on purpose, to show `history-mismatch`.

The villages, their scores and stars are fixed in the tables below (each chosen to show one rule:
a boundary, a veto, the lower of two classes, a village merged away, a new one); the seed only
shuffles ballots and picks secretaries' names, so the same seed gives the same workbooks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from fenji.forms.samplebooks import (
    INDICATORS,
    ballots_book,
    date_text,
    header_row,
    roster_book,
    sample_branch,
    summary_book,
    title_row,
)

SHENGJI_YEARS = (2026, 2027)


@dataclass
class Return:
    """One village's figures for one year: 考核得分, satisfaction (positive, valid, 不了解), veto."""

    score: float
    positive: int
    valid: int
    unknown: int = 1
    veto: str = ""
    typed_total_offset: float = 0  # a 总分 typed differently from the indicators' sum


# id → (village, {year: Return}); a year missing means the village is not in that year's roster.
SHENGJI_TOWNS = {
    "龙泉乡": (
        "LQ",
        True,
        {  # 附件4 with indicator columns; 满意率 from each village's ballots (附件3)
            "LQ01": ("龙泉村", {2026: Return(93, 38, 40), 2027: Return(90, 37, 40)}),  # exactly 90: 临界
            "LQ02": ("青杠村", {2026: Return(84, 37, 40), 2027: Return(92, 38, 40)}),  # 中间 → 先进
            "LQ03": ("石马村", {2026: Return(78, 35, 40), 2027: Return(85, 35, 40, typed_total_offset=3)}),
            "LQ04": ("桂花村", {2026: Return(88, 34, 40), 2027: Return(91, 35, 39)}),  # score 先进, 满意率 中间
            "LQ05": ("柏杨村", {2026: Return(65, 32, 40), 2027: Return(76, 33, 40)}),  # 后进 → 中间
            "LQ06": ("水井村", {2026: Return(75, 30, 40), 2027: Return(80, 27, 30)}),  # 满意率 exactly 90 %
            "LQ07": ("高桥村", {2026: Return(72, 26, 40), 2027: Return(74, 29, 40)}),  # 满意率 pulled down, then up
            "LQ08": ("双河村", {2026: Return(95, 39, 40), 2027: Return(94, 38, 40, veto="发生刑事案件")}),
        },
    ),
    "石板乡": (
        "SB",
        False,
        {  # 附件4 with the 总分 alone; 满意率 from the town's 汇总表
            "SB01": ("石板村", {2026: Return(91, 27, 30), 2027: Return(93.5, 41, 45)}),
            "SB02": ("大田村", {2026: Return(80, 34, 40), 2027: Return(86.5, 35, 40)}),
            "SB03": ("枣子村", {2026: Return(86, 31, 40), 2027: Return(88, 34, 40)}),
            "SB04": ("黄泥村", {2026: Return(62, 24, 40), 2027: Return(66, 26, 40)}),  # stays 后进
            "SB05": ("新房村", {2026: Return(70, 35, 40), 2027: Return(70.5, 21, 30)}),  # 70 → 后进; 满意率 70 %
            "SB06": ("堰塘村", {2026: Return(82, 33, 40), 2027: Return(84, 32, 40)}),  # 2027: no 汇总表 row
            "SB07": ("岩口村", {2026: Return(77, 29, 40), 2027: Return(79, 31, 40)}),
            "SB08": ("小河村", {2026: Return(79, 32, 40)}),  # merged into SB07 in 2027
            "SB09": ("新民村", {2027: Return(81, 35, 40)}),  # new in 2027
        },
    ),
}
NO_SURVEY = {(2027, "SB06")}
ROSTER_TYPOS = {"SB04": "中间"}  # 2027 roster: typed 中间, 2026's result was 后进 (ledger wins)


def shengji_class(r: Return) -> str:
    """The class this sample intends (the rules of rules.md §2, written out for the roster's 上年等次)."""
    score = "先进" if r.score >= 90 else "中间" if r.score > 70 else "后进"
    rate = r.positive / r.valid
    by_rate = "先进" if rate >= 0.9 else "中间" if rate >= 0.7 else "后进"
    order = ["先进", "中间", "后进"]
    return "后进" if r.veto else max(score, by_rate, key=order.index)


def write_shengji_samples(root: Path, seed: int = 2027) -> None:
    """`root/shengji-2026/` and `root/shengji/` (2027): two towns, sixteen villages, two years."""
    rng = random.Random(seed)
    for year in SHENGJI_YEARS:
        folder = Path(root) / ("shengji" if year == SHENGJI_YEARS[-1] else f"shengji-{year}")
        for town, (_prefix, indicators, villages) in SHENGJI_TOWNS.items():
            _shengji_town(folder / town, town, year, villages, indicators, rng)


def _shengji_town(folder: Path, town: str, year: int, villages: dict, indicators: bool, rng: random.Random) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    present = {ident: (name, years[year]) for ident, (name, years) in villages.items() if year in years}
    branches = [sample_branch(ident, name, town, rng) for ident, (name, _) in present.items()]
    for b in branches:
        b.last_grade = _last_class(b.id, villages, year)
    roster_book(town, year, branches).save(folder / f"{town}党组织名册.xlsx")
    rows = [(b, present[b.id][1]) for b in branches]
    _shengji_scores(town, year, rows, indicators).save(folder / f"附件4-{town}验收考核评分表.xlsx")
    if indicators:
        for b, r in rows:
            if (year, b.id) not in NO_SURVEY:
                ballots_book(b, year, _ballots(r, rng)).save(folder / f"附件3-{b.name}满意度测评表.xlsx")
    else:
        tallies = [
            (b, _votes(r), r.valid + r.unknown + 2, _rate_text(r)) for b, r in rows if (year, b.id) not in NO_SURVEY
        ]
        summary_book(town, year, tallies).save(folder / f"{town}满意度测评汇总表.xlsx")


def _last_class(ident: str, villages: dict, year: int) -> str:
    previous = villages[ident][1].get(year - 1)
    if previous is None:
        return ""
    return ROSTER_TYPOS.get(ident, shengji_class(previous)) if year == SHENGJI_YEARS[-1] else shengji_class(previous)


def _votes(r: Return) -> dict:
    return {
        "满意": r.positive - r.positive // 4,
        "基本满意": r.positive // 4,
        "不满意": r.valid - r.positive,
        "不了解": r.unknown,
    }


def _rate_text(r: Return) -> str:
    return f"{r.positive * 100 / r.valid:.1f}%"


def _ballots(r: Return, rng: random.Random) -> list[list]:
    overall = [option for option, n in _votes(r).items() for _ in range(n)]
    rng.shuffle(overall)
    return [
        [rng.choice(["党员", "群众代表", "村民小组长"])]
        + [rng.choice(["满意", "满意", "基本满意"]) for _ in range(5)]
        + [choice, None]
        for choice in overall
    ]


def _split(score: int) -> list[int]:
    """An integer 考核得分 spread over the seven indicators, each within its maximum."""
    parts = [m * score // 100 for _, m in INDICATORS]
    for i in range(len(parts)):
        while sum(parts) < score and parts[i] < INDICATORS[i][1]:
            parts[i] += 1
    return parts


def _shengji_scores(town: str, year: int, rows: list, indicators: bool) -> Workbook:
    """附件4 as the township returns it: with the seven indicator columns, or with the 总分 alone."""
    book = Workbook()
    ws = book.active
    ws.title = "验收考核评分表"
    ws["A1"] = "附件4"
    width = 14 if indicators else 7
    title_row(ws, "村党组织分类升级上级党组织评分定级表", width, row=2)
    ws["A3"] = f"乡镇党委（盖章）：{town}党委"
    ws["E3"] = f"评定日期：{date_text(year, 12, 20)}"
    if indicators:
        header_row(
            ws,
            4,
            [
                "序号",
                "编号",
                "党组织名称",
                "定级指标得分",
                "",
                "",
                "",
                "",
                "",
                "",
                "总分",
                "否决情形",
                "评定等次",
                "备注",
            ],
        )
        header_row(ws, 5, ["", "", ""] + [f"{n}（{m}分）" for n, m in INDICATORS] + ["", "", "", ""])
        for col in "ABCKLMN":
            ws.merge_cells(f"{col}4:{col}5")
        ws.merge_cells("D4:J4")
    else:
        header_row(ws, 4, ["序号", "编号", "党组织名称", "总分", "否决情形", "评定等次", "备注"])
    for n, (b, r) in enumerate(rows, start=1):
        total = r.score + r.typed_total_offset
        if indicators:
            ws.append([n, b.id, b.name] + _split(int(r.score)) + [total, r.veto or None, None, None])
        else:
            ws.append([n, b.id, b.name, total, r.veto or None, None, None])
    return book


# --- shixing ----------------------------------------------------------------------------------
