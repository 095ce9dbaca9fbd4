"""Seeded sample drop folders for `shixing`: `<root>/shixing-2026/` (the first year's returns) and
`<root>/shixing/` (2027, which `fenji demo` runs, after grading 2026 into its ledger). One roster
entry (XQ04) is typed differently on purpose, to show `history-mismatch`; one star is typed
基本达标 and one village has no row, to show the problems."""

from __future__ import annotations

import random
from pathlib import Path

from openpyxl import Workbook

from fenji.forms.samplebooks import Branch, date_text, header_row, roster_book, sample_branch, title_row

YEARS = (2026, 2027)  # the first year into the ledger, then the demo's


# id → (village, {year: stars missed (indices into STARS)}); a year missing: not in that roster.
SHIXING_TOWNS = {
    "庆阳湖乡": (
        "XQ",
        {
            "XQ01": ("西庆村", {2026: [3, 5, 9], 2027: [5]}),
            "XQ02": ("东庆村", {2026: [], 2027: []}),
            "XQ03": ("南湖村", {2026: [0, 4, 5, 7], 2027: [4, 7]}),
            "XQ04": ("北湖村", {2026: [1, 5], 2027: [1, 5, 8]}),  # loses a star
            "XQ05": ("红星村", {2026: [2, 4, 6, 7, 9], 2027: [2, 4, 6]}),
            "XQ06": ("团结村", {2026: [5, 9], 2027: [9]}),  # 2027: one cell typed 基本达标
        },
    ),
    "三台乡": (
        "ST",
        {
            "ST01": ("三台村", {2026: [4], 2027: []}),  # 十星 in 2027
            "ST02": ("柳树村", {2026: [0, 1, 4, 5], 2027: [0, 4, 5]}),
            "ST03": ("马场村", {2026: [5, 6, 7], 2027: [5, 7]}),  # 2027: 不达标 typed for 未达标
            "ST04": ("泉水村", {2026: [3, 4, 5, 7, 8], 2027: [3, 4, 5, 7, 8]}),  # 2027: not on the sheet
            "ST05": ("新光村", {2027: [5, 8]}),  # new in 2027
        },
    ),
}


SHIXING_ODD_CELLS = {(2027, "XQ06", 5): "基本达标", (2027, "ST03", 7): "不达标"}


SHIXING_NOT_MARKED = {(2027, "ST04")}


SHIXING_ROSTER_TYPOS = {"XQ04": "9星"}  # 2027 roster: typed 9星, 2026's result was 八星 (ledger wins)


STAR_WORDS = ["零星", "一星", "二星", "三星", "四星", "五星", "六星", "七星", "八星", "九星", "十星"]


def write_shixing_samples(root: Path, seed: int = 2027) -> None:
    """`root/shixing-2026/` and `root/shixing/` (2027): two towns, eleven villages, two years."""
    rng = random.Random(seed)
    for year in YEARS:
        folder = Path(root) / ("shixing" if year == YEARS[-1] else f"shixing-{year}")
        for town, (_prefix, villages) in SHIXING_TOWNS.items():
            _shixing_town(folder / town, town, year, villages, rng)


def _shixing_town(folder: Path, town: str, year: int, villages: dict, rng: random.Random) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    present = {ident: (name, years[year]) for ident, (name, years) in villages.items() if year in years}
    branches = [sample_branch(ident, name, town, rng) for ident, (name, _) in present.items()]
    for b in branches:
        previous = villages[b.id][1].get(year - 1)
        typed = STAR_WORDS[len(STARS) - len(previous)] if previous is not None else ""
        b.last_grade = SHIXING_ROSTER_TYPOS.get(b.id, typed) if year == YEARS[-1] and typed else typed
    roster_book(town, year, branches).save(folder / f"{town}党组织名册.xlsx")
    rows = [(b, present[b.id][1]) for b in branches if (year, b.id) not in SHIXING_NOT_MARKED]
    ten_stars_book(town, year, rows).save(folder / f"{town}十星评定表.xlsx")


def ten_stars_book(town: str, year: int, rows: list[tuple[Branch, list[int]]]) -> Workbook:
    """The town's 村级组织“十星”创建评定表: one row a village, 达标 / 未达标 per star."""
    book = Workbook()
    ws = book.active
    ws.title = "十星评定表"
    title_row(ws, "村级组织“十星”创建评定表", 13)
    ws.merge_cells("A2:M2")
    ws["A2"] = f"乡镇党委（盖章）：{town}党委\u3000\u3000\u3000\u3000评定日期：{date_text(year, 12, 20)}"
    header_row(ws, 3, ["编号", "村党组织"] + STARS + ["备注"])
    for b, missed in rows:
        marks = [SHIXING_ODD_CELLS.get((year, b.id, i), "未达标" if i in missed else "达标") for i in range(len(STARS))]
        ws.append([b.id, b.name] + marks + [None])
    return book


STARS = [
    "领导核心星",
    "先锋模范星",
    "民族团结星",
    "和谐稳定星",
    "增收致富星",
    "能力提升星",
    "管理民主星",
    "村容整洁星",
    "村风文明星",
    "清正廉洁星",
]
