"""Seeded sample drop folders for `youxiu`: `<root>/youxiu-2026/` (last year, into the demo's ledger)
and `<root>/youxiu/` (2027, which `fenji demo` runs), one town with two 党总支.

青山村党总支 (31 members, 3 预备党员: cap floor(20 % × 31) = 6) shows every rule edge: a tie on
赞成票 and 优秀票 across the cap (two 待定), a tie broken by 优秀票, 赞成 exactly half of 实到
(未当选 未过半数), a 不同意, a 预备党员, a member with roster codes, a member whose 民主评议 优秀票 are
under half, a candidate not yet reviewed (未评定), namesakes told apart by 编号, votes typed as text,
and a 推荐表 resubmitted. 石桥社区党总支's 党员大会 has no quorum (实到 6 of 应到 12): 未评定.
QS01 is elected in 2026 and 2027 (连续两年当选).
"""

from __future__ import annotations

import random
from pathlib import Path

from openpyxl import Workbook

from fenji.forms.samplebooks import date_text, header_row, title_row

YEARS = (2026, 2027)
TOWN = "青山镇"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国玉兰志红文斌"

# 党总支 → (prefix, branches, members, 预备党员 count)
GENERALS = {
    "青山村党总支": ("QS", ["第一党支部", "第二党支部", "第三党支部"], 31, 3),
    "石桥社区党总支": ("SQ", ["石桥社区党支部"], 12, 0),
}

# 2027 candidates: id → (优秀, 合格, 基本合格, 不合格, 审核意见, 赞成, 不赞成, 弃权)
CANDIDATES_2027 = {
    "QS01": (18, 2, 0, 0, "同意", 24, 1, 1),
    "QS04": (16, 4, 0, 0, "同意", 23, 2, 1),
    "QS07": (15, 5, 0, 0, "同意", 21, 3, 2),  # tied on 赞成 with QS10, more 优秀票: ranked first
    "QS10": (13, 7, 0, 0, "同意", 21, 4, 1),
    "QS13": (14, 6, 0, 0, "同意", 19, 5, 2),
    "QS16": (12, 8, 0, 0, "同意", 17, 6, 3),  # tied with QS19 on 赞成 and 优秀 across the cap: 待定
    "QS19": (12, 7, 1, 0, "同意", 17, 8, 1),
    "QS22": (11, 9, 0, 0, "同意", 13, 10, 3),  # 13 of 实到 26 is not 超过半数
    "QS25": (14, 6, 0, 0, "不同意", 20, 4, 2),
    "QS29": (15, 5, 0, 0, "同意", 22, 2, 2),  # 预备党员
    "QS03": (16, 4, 0, 0, "同意", 18, 6, 2),  # roster: 不符合条件情形 1、3
    "QS06": (9, 10, 1, 0, "同意", 16, 8, 2),  # 优秀 9 of 20: under half
    "QS09": (14, 6, 0, 0, "", 18, 5, 3),  # not reviewed yet: 未评定
    "SQ02": (8, 2, 0, 0, "同意", 5, 1, 0),  # no quorum at 石桥社区
    "SQ05": (7, 3, 0, 0, "同意", 4, 1, 1),
}
CANDIDATES_2026 = {
    "QS01": (17, 3, 0, 0, "同意", 25, 1, 0),
    "QS02": (15, 5, 0, 0, "同意", 22, 3, 1),
    "QS05": (14, 6, 0, 0, "同意", 14, 10, 2),
    "SQ01": (8, 2, 0, 0, "同意", 9, 1, 1),
}
ATTENDANCE = {
    2026: {"青山村党总支": (28, 26), "石桥社区党总支": (12, 11)},
    2027: {"青山村党总支": (28, 26), "石桥社区党总支": (12, 6)},
}
INELIGIBLE_CODES = {"QS03": "1、3"}
NAMESAKES = {"QS11": "王芳", "QS25": "王芳"}  # same name, two branches: the 推荐表 gives 编号
TYPED_AS_TEXT = {("QS04", "赞成"): "23票", ("QS13", "赞成"): "１９"}


def write_youxiu_samples(root: Path, seed: int = 2027) -> None:
    for year in YEARS:
        rng = random.Random(seed)  # the same members both years
        folder = Path(root) / ("youxiu" if year == YEARS[-1] else f"youxiu-{year}") / TOWN
        folder.mkdir(parents=True, exist_ok=True)
        candidates = CANDIDATES_2027 if year == 2027 else CANDIDATES_2026
        for general, (prefix, branches, count, probationary) in GENERALS.items():
            members = _members(prefix, branches, count, probationary, rng)
            _general_books(folder, general, year, members, candidates)


def _members(prefix: str, branches: list[str], count: int, probationary: int, rng: random.Random) -> list[dict]:
    members, used = [], set()
    for n in range(1, count + 1):
        ident = f"{prefix}{n:02d}"
        name = NAMESAKES.get(ident) or _name(rng, used)
        members.append(
            {
                "编号": ident,
                "姓名": name,
                "性别": rng.choice("男女"),
                "所属党支部": branches[(n - 1) * len(branches) // count],
                "党员类别": "预备党员" if n > count - probationary else "正式党员",
                "入党时间": f"{rng.randint(1978, 2022)}年{rng.randint(1, 12)}月",
                "不符合条件情形": INELIGIBLE_CODES.get(ident, ""),
            }
        )
    return members


def _name(rng: random.Random, used: set) -> str:
    while True:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if name not in used and name != "王芳":
            used.add(name)
            return name


def _general_books(folder: Path, general: str, year: int, members: list[dict], candidates: dict) -> None:
    mine = [m for m in members if m["编号"] in candidates]
    _roster_book(general, year, members).save(folder / f"{general}党员名册.xlsx")
    for branch in dict.fromkeys(m["所属党支部"] for m in members):
        people = [m for m in members if m["所属党支部"] == branch]
        _appraisal_book(branch, year, people, candidates).save(folder / f"{general}{branch}民主评议党员测评汇总表.xlsx")
    if year == 2027 and general == "青山村党总支":
        # first return, before the 总支 reviewed everyone; the corrected copy (later date) is used
        _recommendation_book(general, year, mine, candidates, day=12, first=True).save(
            folder / f"{general}优秀党员推荐表（初稿）.xlsx"
        )
    _recommendation_book(general, year, mine, candidates, day=15).save(folder / f"{general}优秀党员推荐表.xlsx")
    _votes_book(general, year, mine, candidates).save(folder / f"{general}优秀党员评选票数汇总表.xlsx")


def _roster_book(general: str, year: int, members: list[dict]) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "党员名册"
    title_row(ws, "党员名册", 8)
    ws["A2"] = f"党总支：{general}\u3000\u3000\u3000\u3000年度：{year}"
    columns = ["编号", "姓名", "性别", "所属党支部", "党员类别", "入党时间", "不符合条件情形", "备注"]
    header_row(ws, 3, columns)
    for m in members:
        ws.append([m.get(c) or None for c in columns])
    return book


def _appraisal_book(branch: str, year: int, people: list[dict], candidates: dict) -> Workbook:
    """Every member of the branch is appraised; non-candidates get ordinary votes."""
    book = Workbook()
    ws = book.active
    ws.title = "测评汇总"
    title_row(ws, "民主评议党员测评汇总表", 7)
    ws["A2"] = f"党支部：{branch}\u3000\u3000\u3000\u3000评议日期：{date_text(year, 12, 10)}"
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    ws.merge_cells("C3:F3")
    ws.merge_cells("G3:G4")
    ws["A3"], ws["B3"], ws["C3"], ws["G3"] = "编号", "姓名", "评议票数", "备注"
    for c, option in enumerate(["优秀", "合格", "基本合格", "不合格"], start=3):
        ws.cell(row=4, column=c, value=option)
    for m in people:
        votes = candidates.get(m["编号"], (4, 15, 1, 0))[:4]
        ws.append([m["编号"], m["姓名"], *votes, None])
    return book


def _recommendation_book(general, year, mine, candidates, day: int, first: bool = False) -> Workbook:
    book = Workbook()
    ws = book.active
    ws.title = "推荐表"
    title_row(ws, "优秀党员推荐表", 6)
    ws["A2"] = f"党总支：{general}\u3000\u3000\u3000\u3000推荐日期：{date_text(year, 12, day)}"
    header_row(ws, 3, ["编号", "姓名", "所属党支部", "推荐理由", "总支审核意见", "备注"])
    for m in mine:
        review = "" if first and m["编号"] in ("QS25", "QS19") else candidates[m["编号"]][4]
        ws.append([m["编号"], m["姓名"], m["所属党支部"], "带头履行党员义务，为群众办实事", review or None, None])
    ws.append(["填表人：\u3000\u3000\u3000\u3000审核人（党总支书记）："])
    return book


def _votes_book(general, year, mine, candidates) -> Workbook:
    due, present = ATTENDANCE[year][general]
    book = Workbook()
    ws = book.active
    ws.title = "票数汇总"
    title_row(ws, "优秀党员评选票数汇总表", 6)
    ws["A2"] = f"党总支：{general}\u3000\u3000\u3000\u3000会议日期：{date_text(year, 12, 28)}"
    ws["A3"] = f"应到人数：{due}"
    ws["D3"] = f"实到人数：{present}"
    header_row(ws, 4, ["编号", "姓名", "赞成", "不赞成", "弃权", "备注"])
    for m in mine:
        yes, no, abstain = candidates[m["编号"]][5:]
        yes = TYPED_AS_TEXT.get((m["编号"], "赞成"), yes)
        ws.append([m["编号"], m["姓名"], yes, no, abstain, None])
    ws.append(["填表人：\u3000\u3000\u3000\u3000监票人：\u3000\u3000\u3000\u3000计票人："])
    return book
