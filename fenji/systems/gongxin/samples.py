"""Seeded sample drop folders for `gongxin`: `<root>/gongxin-2026/` (last year, into the ledger first)
and `<root>/gongxin/` (2027, which `fenji demo` runs). One town, three villages:

* 清溪村 (QX01) returns ballots: 陈志明 falls under 60 % (甄别; 提醒谈话 in 2026: flagged again),
  张国强 between 60 % and 80 % (提醒谈话); the usual mistakes — an option typed `信 任` (read), one
  typed `很信任` (error), a ballot whose category is `群众` (error), a column for 李明 who left the
  班子 (error at the header); its 汇总表 is returned too and not used (ballots win);
* 石桥村 (QX02) returns only the 汇总表 (two-level header, groups in another order): 周海燕, elected
  this year, has too few valid ballots (样本不足); its 书记 王建华 is a namesake of 清溪村's, told apart by 编号;
* 新光社区 (QX03) returns nothing (未评定, 缺公信度调查).
"""

from __future__ import annotations

import random
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment

from fenji.forms.samplebooks import date_text, header_row, title_row

YEARS = (2026, 2027)
TOWN = "温泉镇"
CATEGORIES = ["基层干部", "党代表", "人大代表", "政协委员", "基层群众"]
OPTIONS = ["信任", "基本信任", "不信任", "不了解"]
PER_CATEGORY = {"基层干部": 12, "党代表": 8, "人大代表": 5, "政协委员": 3, "基层群众": 32}  # 60 ballots

# village → (id prefix, members [(编号, 姓名, 职务)]); 周海燕 joins in 2027
VILLAGES = {
    "清溪村": [
        ("QX01-1", "王建华", "书记"),
        ("QX01-2", "李秀英", "主任"),
        ("QX01-3", "张国强", "委员"),
        ("QX01-4", "刘红梅", "委员"),
        ("QX01-5", "陈志明", "委员"),
    ],
    "石桥村": [
        ("QX02-1", "王建华", "书记"),
        ("QX02-2", "赵桂兰", "主任"),
        ("QX02-3", "孙春生", "委员"),
        ("QX02-4", "周海燕", "委员"),
    ],
    "新光社区": [("QX03-1", "黄永红", "书记"), ("QX03-2", "吴德福", "主任"), ("QX03-3", "郭文华", "委员")],
}
NEW_IN = {"QX02-4": 2027}

# (year, 编号 or 村-班子) → shares of 信任, 基本信任, 不信任, 不了解 (in percent of the ballots)
SHARES = {
    (2026, "清溪村"): (55, 30, 12, 3),
    (2027, "清溪村"): (50, 33, 14, 3),
    (2026, "QX01-1"): (60, 30, 8, 2),
    (2027, "QX01-1"): (62, 28, 8, 2),
    (2026, "QX01-2"): (50, 35, 10, 5),
    (2027, "QX01-2"): (52, 33, 12, 3),
    (2026, "QX01-3"): (45, 35, 15, 5),
    (2027, "QX01-3"): (35, 33, 28, 4),
    (2026, "QX01-4"): (50, 30, 15, 5),
    (2027, "QX01-4"): (55, 30, 10, 5),
    (2026, "QX01-5"): (35, 35, 25, 5),
    (2027, "QX01-5"): (25, 27, 43, 5),
    (2026, "石桥村"): (50, 35, 12, 3),
    (2027, "石桥村"): (40, 32, 25, 3),
    (2026, "QX02-1"): (58, 30, 10, 2),
    (2027, "QX02-1"): (60, 27, 10, 3),
    (2026, "QX02-2"): (45, 38, 12, 5),
    (2027, "QX02-2"): (48, 35, 12, 5),
    (2026, "QX02-3"): (40, 40, 15, 5),
    (2027, "QX02-3"): (38, 38, 20, 4),
    (2027, "QX02-4"): (5, 4, 2, 89),
}
LEFT_MEMBER = "李明"  # 2027 清溪村 ballots still carry his column: not on the 名册


def write_gongxin_samples(root: Path, seed: int = 2027) -> None:
    rng = random.Random(seed)
    for year in YEARS:
        folder = Path(root) / ("gongxin" if year == YEARS[-1] else f"gongxin-{year}")
        folder.mkdir(parents=True, exist_ok=True)
        members = {v: [m for m in ms if NEW_IN.get(m[0], 0) <= year] for v, ms in VILLAGES.items()}
        cadre_roster_book(TOWN, year, members).save(folder / f"{TOWN}两委班子成员名册.xlsx")
        tallies = {v: _tallies(year, v, ms) for v, ms in members.items() if v != "新光社区"}
        ballots = _ballot_rows(tallies["清溪村"], rng)
        if year == YEARS[-1]:
            _mistakes(ballots)
        heads = ["班子整体"] + [f"{name}（{post}）" if post == "委员" else name for _, name, post in members["清溪村"]]
        extra = [LEFT_MEMBER] if year == YEARS[-1] else []
        ballots_book("清溪村", year, heads + extra, ballots).save(folder / "清溪村公信度调查表.xlsx")
        summary_book("清溪村", year, members["清溪村"], tallies["清溪村"], CATEGORIES).save(
            folder / "清溪村公信度调查汇总表.xlsx"
        )
        order = CATEGORIES[::-1] if year == YEARS[-1] else CATEGORIES  # the groups moved: found by header
        summary_book("石桥村", year, members["石桥村"], tallies["石桥村"], order).save(
            folder / "石桥村公信度调查汇总表.xlsx"
        )


def _deal(total: int, shares: tuple[int, ...]) -> list[int]:
    """`total` ballots split by percent shares, largest remainder first (exact, reproducible)."""
    raw = [total * s for s in shares]
    counts = [r // 100 for r in raw]
    order = sorted(range(len(shares)), key=lambda i: (-(raw[i] % 100), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _tallies(year: int, village: str, members) -> dict:
    """subject key (班子整体 or 编号) → category → option → count."""
    keys = [("班子整体", village)] + [(m[0], m[0]) for m in members]
    out = {}
    for key, share_key in keys:
        out[key] = {c: dict(zip(OPTIONS, _deal(n, SHARES[(year, share_key)]))) for c, n in PER_CATEGORY.items()}
    return out


def _ballot_rows(tallies: dict, rng: random.Random) -> list[list]:
    """One row per ballot: category, then each subject's option, so that the counts are exactly `tallies`."""
    rows = []
    for category, n in PER_CATEGORY.items():
        columns = []
        for key in tallies:
            marks = [o for o, count in tallies[key][category].items() for _ in range(count)]
            rng.shuffle(marks)
            columns.append(marks)
        rows += [[category] + [col[i] for col in columns] for i in range(n)]
    rng.shuffle(rows)
    return rows


def _mistakes(rows: list[list]) -> None:
    rows[3][2] = "信 任"  # a space typed inside: read as 信任
    rows[7][3] = "很信任"  # no option: an error, invalid for that column
    rows[11][0] = "群众"  # no category: an error, the ballot counts nowhere


def cadre_roster_book(town: str, year: int, villages: dict) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "两委名册"
    title_row(ws, "村（社区）“两委”班子成员名册", 6)
    ws["A2"] = f"乡镇（盖章）：{town}"
    ws["D2"] = f"填报日期：{date_text(year, 11, 20)}"
    header_row(ws, 3, ["编号", "姓名", "职务", "所属村（社区）", "所属乡镇", "备注"])
    for village, members in villages.items():
        for ident, name, post in members:
            ws.append([ident, name, post, village, town, "本年新任" if ident in NEW_IN else None])
    return book


def ballots_book(village: str, year: int, heads: list[str], rows: list[list]) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "调查表"
    width = 3 + len(heads)
    title_row(ws, "村（社区）“两委”班子公信度调查表", width)
    ws["A2"] = f"村（社区）：{village}"
    ws["D2"] = f"调查日期：{date_text(year, 12, 5)}"
    header_row(ws, 3, ["票号", "调查对象类别"] + heads + ["备注"])
    for n, row in enumerate(rows, start=1):
        marks = row[1:] + ["信任"] * (len(heads) - len(row) + 1)  # the left member's column: filled by habit
        ws.append([n, row[0]] + marks[: len(heads)] + [None])
    ws.append(["说明：每栏在“信任、基本信任、不信任、不了解”中选填一项。"])
    return book


def summary_book(village: str, year: int, members, tallies: dict, order: list[str]) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "汇总表"
    width = 4 + 4 * len(order)
    title_row(ws, "村（社区）“两委”班子公信度调查汇总表", width)
    ws["A2"] = f"村（社区）：{village}"
    ws.cell(row=2, column=9, value=f"统计日期：{date_text(year, 12, 8)}")
    for c, label in enumerate(["编号", "姓名", "职务"], start=1):
        ws.cell(row=3, column=c, value=label)
        ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
    for g, category in enumerate(order):
        first = 4 + 4 * g
        ws.cell(row=3, column=first, value=category).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=3, start_column=first, end_row=3, end_column=first + 3)
        for k, option in enumerate(OPTIONS):
            ws.cell(row=4, column=first + k, value=option)
    ws.cell(row=3, column=width, value="备注")
    ws.merge_cells(start_row=3, start_column=width, end_row=4, end_column=width)
    people = [("班子", "班子整体", "", "班子整体")] + [(i, n, p, i) for i, n, p in members]
    for r, (ident, name, post, key) in enumerate(people, start=5):
        ws.cell(row=r, column=1, value=ident)
        ws.cell(row=r, column=2, value=name)
        ws.cell(row=r, column=3, value=post or None)
        for g, category in enumerate(order):
            for k, option in enumerate(OPTIONS):
                count = tallies[key][category][option]
                # a clerk typed one count as text with the unit: read as the number
                value = f"{count}票" if (r, g, k) == (6, 0, 0) else count
                ws.cell(row=r, column=4 + 4 * g + k, value=value)
    return book
