"""Seeded generator of the star-rating sample drop folders (xingji-daan, xingji-dashui) and of test inputs.

`write_star_samples(folder, profile_name, seed)` writes one profile's drop folder: two villages, each
with its 评定对象名册, 民主评议计分表 and 领导小组评议表 as the reference forms lay them out
(tests/data/reference_forms/星级_*), with the typical problems a village clerk's returns carry (listed
in `PROBLEMS`). The same seed gives the same cells, so tests/golden/<profile>.csv stays valid.

The form writers (`roster_grid`, `votes_grid`, `panel_grid`, `decisions_grid`, `save`) are also
what tests use to build real workbooks on disk; `save` writes .xlsx with openpyxl or, for a path
ending in .xls, a genuine Excel 97–2003 file with xlwt (a test dependency, imported on use).
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from fenji.core.arith import half_up

WIDE = "\u3000\u3000\u3000\u3000"
DAAN_ITEMS = ["忠诚于党我带头", "服务人民我带头", "加快发展我带头", "优良作风我带头", "廉洁自律我带头"]
DASHUI_ITEMS = {
    "党员干部": ["带头服务群众", "带头争创佳绩", "带头执行政策", "带头弘扬正气", "带头促进和谐"],
    "群众": ["带头勤劳致富", "带头遵纪守法", "带头诚实守信", "带头文明卫生", "带头睦邻和谐"],
    "一般党员": [],
    "服务行业": [],
}


# --- form grids ------------------------------------------------------------------------------


@dataclass
class Grid:
    """One sheet of a standard form: title, the `标签：值` line, header row, data rows, a footer line."""

    sheet: str
    title: str
    fields: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    footer: str = ""


def roster_grid(village: str, year: int, people: list[Person]) -> Grid:
    headers = ["编号", "姓名（户主）", "类别", "所属党支部/村民组", "入党时间", "上次星级", "不参评情形", "备注"]
    rows = [
        [p.id, p.name, p.category, p.group]
        + [None if v == "" else v for v in (p.joined, p.previous, p.ineligible, p.remark)]
        for p in people
    ]
    return Grid("名册", "“五带头”星级化管理评定对象名册", f"村（社区）：{village}{WIDE}年度：{year}", headers, rows)


def votes_grid(village: str, date: str, people: list[Person], representatives: int) -> Grid:
    headers = ["编号", "姓名"] + [f"代表{n}" for n in range(1, representatives + 1)]
    rows = [[p.id or None, p.name] + list(p.votes) for p in people]
    return Grid(
        "民主评议",
        "“五带头”星级化管理民主评议计分表",
        f"村（社区）：{village}{WIDE}评议日期：{date}",
        headers,
        rows,
        "说明：每名代表按百分制无记名评分，未评分的留空。",
    )


def panel_grid(village: str, date: str, people: list[Person], items: list[str], sheet: str = "领导小组评议") -> Grid:
    headers = (
        ["编号", "姓名"] + [f"{name}（20分）" for name in items] + (["合计"] if items else []) + ["审定意见", "备注"]
    )
    rows = []
    for p in people:
        typed = sum(v for v in p.items if isinstance(v, (int, float)))  # what the clerk's =SUM() shows
        total = [p.typed_total if p.typed_total is not None else typed] if items else []
        rows.append([p.id, p.name] + list(p.items) + total + [p.opinion or None, p.note or None])
    return Grid(
        sheet, "“五带头”星级化管理评定领导小组评议表", f"村（社区）：{village}{WIDE}评议日期：{date}", headers, rows
    )


def decisions_grid(village: str, rows: list[tuple[str, str, str, str, str]]) -> Grid:
    return Grid(
        "决定调整表",
        "星级评定党委研究决定调整表",
        f"村（社区）：{village}",
        ["编号", "名称", "调整后等次", "理由", "会议及文号"],
        [list(r) for r in rows],
    )


def save(grids: list[Grid], path: Path) -> Path:
    """Write the grids as one workbook (one sheet each): .xls with xlwt, else .xlsx with openpyxl."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xls":
        _save_xls(grids, path)
    else:
        _save_xlsx(grids, path)
    return path


def _save_xlsx(grids: list[Grid], path: Path) -> None:
    book = Workbook()
    book.remove(book.active)
    for grid in grids:
        ws = book.create_sheet(grid.sheet)
        width = len(grid.headers)
        for row, value, bold in ((1, grid.title, True), (2, grid.fields, False)):
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
            ws.cell(row=row, column=1, value=value).font = Font(bold=bold, size=16 if bold else 11)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
        for c, label in enumerate(grid.headers, start=1):
            cell = ws.cell(row=3, column=c, value=label)
            cell.font, cell.alignment = Font(bold=True), Alignment(horizontal="center", wrap_text=True)
        for values in grid.rows:
            ws.append(values)
        if grid.footer:
            ws.append([grid.footer])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    book.save(path)


def _save_xls(grids: list[Grid], path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    bold = xlwt.easyxf("font: bold on; align: horiz center")
    for grid in grids:
        ws = book.add_sheet(grid.sheet)
        width = len(grid.headers)
        ws.write_merge(0, 0, 0, width - 1, grid.title, bold)
        ws.write_merge(1, 1, 0, width - 1, grid.fields)
        for c, label in enumerate(grid.headers):
            ws.write(2, c, label, bold)
        for r, values in enumerate(grid.rows, start=3):
            for c, value in enumerate(values):
                if value is not None:
                    ws.write(r, c, value)
        if grid.footer:
            ws.write_merge(3 + len(grid.rows), 3 + len(grid.rows), 0, width - 1, grid.footer)
    book.save(str(path))


# --- people and their scores -----------------------------------------------------------------


@dataclass
class Person:
    id: str
    name: str
    category: str
    group: str
    joined: str = ""
    previous: str = ""
    ineligible: str = ""
    remark: str = ""
    votes: list = field(default_factory=list)  # one cell per representative (int, text or None)
    items: list = field(default_factory=list)  # panel item scores
    typed_total: object = None  # a 合计 typed wrong (else the sum is written)
    opinion: str = "同意"
    note: str = ""
    top: bool = False  # designated to score in the top band
    tied: bool = False  # part of the planted tie at a quota cut


@dataclass(frozen=True)
class Village:
    name: str
    prefix: str
    sizes: dict  # category → number of subjects
    stars: dict  # category → number of designated top scorers
    representatives: int


DAAN = (
    Village("大安村", "DA", {"党员干部": 22, "群众": 42}, {"党员干部": 3, "群众": 1}, 9),
    Village("新寨村", "XZ", {"党员干部": 12, "群众": 24}, {"党员干部": 1, "群众": 2}, 7),
)
DASHUI = (
    Village("大水村", "DS", {"党员干部": 14, "群众": 36}, {"党员干部": 2, "群众": 4}, 11),
    Village(
        "石门村",
        "SM",
        {"党员干部": 7, "一般党员": 12, "群众": 25, "服务行业": 5},
        {"党员干部": 2, "一般党员": 1, "群众": 3, "服务行业": 1},
        9,
    ),
)
SURNAMES = {"大安村": "何罗陈许梁任", "新寨村": "王杨罗吴何陈", "大水村": "袁王母陈穆杨", "石门村": "张李刘赵黄周"}
GIVEN = ["小秋", "正义", "顺利", "本恩", "敬友", "家富", "志平", "建平", "才明", "伦", "鹏", "志维", "明华", "德贵"]
BUSINESSES = ["石门农家乐", "便民超市", "惠民农资店", "石门客栈", "绿源养殖场", "兴旺建材店", "乡村快递点"]
PREVIOUS = ["", "", "无", "一星", "二星", "二星", "三星", "三星", "四星", "五星", "3星", "★★★★", "二星级"]

PROBLEMS = {
    "xingji-daan": [
        "大安村 民主评议：一个分数写成“88分”、一个写成全角“９２”（照常读取）；一个误填为 850（超出范围，不计入）",
        "大安村 领导小组评议：一行的“合计”填错（以重新计算为准）",
        "大安村 名册：两人有不参评情形（代码 3、5）；一人上次星级写作“优秀”（无法识别）",
        "大安村 群众：两户得分与群众评议完全相同，跨越五星名额线（待定），由党委研究决定调整表确定",
        "新寨村 民主评议：一行没有填编号，而村里有两位同名的人（无法确定，该人缺民主评议）",
        "新寨村 领导小组评议：少报一人（缺领导小组评议），此表是旧版 Excel（.xls）",
    ],
    "xingji-dashui": [
        "大水村 名册：两位建国前入党的老党员（终身五星，不占比例），一位 1949年10月入党（不是建国前）",
        "大水村 领导小组评议：一人审定意见为“不同意”（不列入星级）",
        "大水村 民主评议：一人没有任何代表评分（缺民主评议）；一个分数写成“95分”",
        "石门村 名册：一家的类别写成“服务业”（类别不明）",
        "石门村 民主评议：一个代表填了“优”（不是分数），此表是旧版 Excel（.xls）",
        "石门村：一般党员、服务行业不设比例，三年目标单列",
    ],
}


def _people(village: Village, rng: random.Random) -> list[Person]:
    people, n = [], 0
    for category, size in village.sizes.items():
        for k in range(size):
            n += 1
            name = (
                rng.choice(BUSINESSES)
                if category == "服务行业"
                else rng.choice(SURNAMES[village.name]) + rng.choice(GIVEN)
            )
            group = (
                f"第{rng.randint(1, 10)}村民组" if category in ("群众", "服务行业") else f"第{rng.randint(1, 4)}党支部"
            )
            person = Person(f"{village.prefix}{n:03d}", name, category, group, previous=rng.choice(PREVIOUS))
            if category in ("党员干部", "一般党员"):
                year, month = rng.randint(1962, 2016), rng.randint(1, 12)
                person.joined = f"{year}-{month:02d}-01" if rng.random() < 0.6 else f"{year}年{month}月"
            person.top = k < village.stars.get(category, 0)
            people.append(person)
    return people


def _scores(person: Person, rng: random.Random, representatives: int, items: int, top: float) -> None:
    """Representatives' scores and panel items; designated top scorers land above `top`."""
    if person.top:
        person.votes = [rng.randint(int(top) + 1, 100) for _ in range(representatives)]
        person.items = [rng.randint(19, 20) for _ in range(items)]
        if person.previous not in ("四星", "五星", "★★★★"):
            person.previous = rng.choice(["四星", "五星", ""])
        return
    quality = rng.uniform(0.70, 0.92)
    person.votes = [
        None if rng.random() < 0.06 else max(55, min(100, round(100 * quality + rng.uniform(-9, 9))))
        for _ in range(representatives)
    ]
    person.items = [max(10, min(20, round(20 * quality + rng.uniform(-3, 2)))) for _ in range(items)]


def _final(person: Person, panel_weight: Fraction) -> Decimal:
    given = [v for v in person.votes if isinstance(v, int)]
    public = Fraction(sum(given), len(given))
    return half_up((1 - panel_weight) * public + panel_weight * sum(person.items), 1)


def _keep_below(person: Person, ceiling: int, panel_weight: Fraction) -> None:
    """Ordinary subjects stay below the top band, so that the designated ones decide the quotas."""
    while _final(person, panel_weight) >= ceiling:
        highest = max(range(len(person.votes)), key=lambda i: person.votes[i] or 0)
        person.votes[highest] -= 4


def _village_people(
    village: Village, rng: random.Random, items: dict, top: int, panel_weight: Fraction
) -> list[Person]:
    people = _people(village, rng)
    for person in people:
        _scores(person, rng, village.representatives, len(items[person.category]), top)
        if not person.top:
            _keep_below(person, top, panel_weight)
    return people


def _as_text(person: Person, index: int, style: str) -> None:
    """A representative's score typed as text the way clerks do: `88分` or full-width `８８`."""
    value = person.votes[index] if person.votes[index] is not None else 80
    person.votes[index] = (
        f"{value}分" if style == "unit" else str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    )


# --- xingji-daan ----------------------------------------------------------------------------


def _daan(folder: Path, rng: random.Random, year: int) -> None:
    items = {"党员干部": DAAN_ITEMS, "群众": DAAN_ITEMS}
    villages = {v.name: _village_people(v, rng, items, 90, Fraction(1, 5)) for v in DAAN}
    da, xz = villages["大安村"], villages["新寨村"]
    by_id = {p.id: p for p in da + xz}
    _daan_tie(da, rng)
    _as_text(by_id["DA005"], 2, "unit")
    _as_text(by_id["DA009"], 4, "full-width")
    by_id["DA012"].votes[1] = 850
    by_id["DA014"].typed_total = sum(by_id["DA014"].items) + 10
    by_id["DA030"].ineligible, by_id["DA047"].ineligible = "3", "5"
    by_id["DA018"].previous = "优秀"
    by_id["XZ030"].name = by_id["XZ020"].name  # two villagers of the same name …
    votes = [p if p.id != "XZ030" else Person("", p.name, p.category, p.group, votes=p.votes) for p in xz]
    for village, people, vote_rows in (("大安村", da, da), ("新寨村", xz, votes)):
        stem = folder / village
        save([roster_grid(village, year, people)], stem / f"{village}评定对象名册.xlsx")
        save(
            [votes_grid(village, f"{year}年1月10日", vote_rows, len(people[0].votes))],
            stem / f"{village}民主评议计分表.xlsx",
        )
    save([panel_grid("大安村", f"{year}年1月12日", da, DAAN_ITEMS)], folder / "大安村" / "大安村领导小组评议表.xlsx")
    save(
        [panel_grid("新寨村", f"{year}年1月12日", [p for p in xz if p.id != "XZ015"], DAAN_ITEMS)],
        folder / "新寨村" / "新寨村领导小组评议表.xls",
    )
    tied = [p for p in da if getattr(p, "tied", False)]
    save(
        [
            decisions_grid(
                "大安村",
                [
                    (
                        tied[0].id,
                        tied[0].name,
                        "五星",
                        "两户得分和群众评议完全相同，经村总支委员会研究，该户带领群众发展产业成效更突出",
                        f"大安村总支委员会会议纪要〔{year}〕1号",
                    ),
                    (
                        tied[1].id,
                        tied[1].name,
                        "四星",
                        "两户得分和群众评议完全相同，五星名额已满，经村总支委员会研究评为四星",
                        f"大安村总支委员会会议纪要〔{year}〕1号",
                    ),
                ],
            )
        ],
        folder / "大安村" / "大安村党委研究决定调整表.xlsx",
    )


def _daan_tie(people: list[Person], rng: random.Random) -> None:
    """大安村 群众 (42, 五星 at most 2): one clear five-star, then two exactly tied at the cut."""
    crowd = [p for p in people if p.category == "群众" and not p.top][:2]
    leader = next(p for p in people if p.category == "群众" and p.top)
    votes = [rng.randint(91, 99) for _ in leader.votes]
    for person in crowd:
        person.top, person.tied = True, True
        person.votes, person.items = rng.sample(votes, len(votes)), [19, 19, 18, 19, 19]
        person.previous = "四星"
    leader.votes, leader.items = [min(100, v + 3) for v in votes], [20] * 5


# --- xingji-dashui --------------------------------------------------------------------------


def _dashui(folder: Path, rng: random.Random, year: int) -> None:
    villages = {v.name: _village_people(v, rng, DASHUI_ITEMS, 95, Fraction(0)) for v in DASHUI}
    ds, sm = villages["大水村"], villages["石门村"]
    by_id = {p.id: p for p in ds + sm}
    by_id["DS003"].joined, by_id["DS003"].remark = "1947年5月", "建国前老党员"
    by_id["DS009"].joined, by_id["DS009"].remark = "1949-03-01", "建国前老党员"
    by_id["DS011"].joined = "1949年10月"
    by_id["DS001"].opinion, by_id["DS001"].note = "不同意", "宅基地存在违规搭建，尚未整改"
    by_id["DS020"].votes = [None] * len(by_id["DS020"].votes)
    _as_text(by_id["DS025"], 3, "unit")
    by_id["SM047"].category = "服务业"
    by_id["SM010"].votes[0] = "优"
    for village, people in (("大水村", ds), ("石门村", sm)):
        stem = folder / village
        suffix = ".xls" if village == "石门村" else ".xlsx"
        save([roster_grid(village, year, people)], stem / f"{village}评定对象名册.xlsx")
        save(
            [votes_grid(village, f"{year}年1月8日", people, len(people[0].votes))],
            stem / f"{village}民主评议计分表{suffix}",
        )
        sheets = [
            panel_grid(village, f"{year}年1月9日", [p for p in people if p.category == c], DASHUI_ITEMS[c], c)
            for c in DASHUI_ITEMS
            if any(p.category == c for p in people)
        ]
        strays = [p for p in people if p.category not in DASHUI_ITEMS]
        sheets[-1].rows += panel_grid(village, "", strays, DASHUI_ITEMS[sheets[-1].sheet]).rows
        save(sheets, stem / f"{village}领导小组评议表.xlsx")


# --- entry points ---------------------------------------------------------------------------


def write_star_samples(folder: Path, profile_name: str, seed: int = 2027, year: int = 2027) -> Path:
    """Write the sample drop folder of `profile_name` (xingji-daan or xingji-dashui) into `folder`."""
    writers = {"xingji-daan": _daan, "xingji-dashui": _dashui}
    if profile_name not in writers:
        raise ValueError(f"no star sample for profile {profile_name!r}; known: {', '.join(writers)}")
    folder = Path(folder)
    writers[profile_name](folder, random.Random(f"{profile_name}-{seed}"), year)
    return folder


def main(argv: list[str]) -> None:
    target = Path(argv[1] if len(argv) > 1 else "sample_workbooks")
    for name in ("xingji-daan", "xingji-dashui"):
        write_star_samples(target / name, name)
    print(f"星级评定示例数据已写入 {target}")


if __name__ == "__main__":
    main(sys.argv)
