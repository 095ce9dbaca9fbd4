#!/usr/bin/env python3
"""Write the files tests/test_forms.py reads, and hold the fill plan it uses (run by hand; CI only reads
the committed files):

    python3 tests/data/forms_roundtrip/make.py          # needs LibreOffice (soffice)

* roster.xlsx        a county's 党组织名册, two towns, written with plain openpyxl as a county office would;
* star_roster.xlsx   a village's 评定对象名册 (xingji-*), likewise;
* xls/               the forms `fenji forms` writes for 清溪镇 from roster.xlsx, filled by `fill` below with
                     openpyxl, then saved by LibreOffice as GENUINE Excel 97 files (`--convert-to xls`);
* xlsx/              those .xls files opened again by LibreOffice and saved as .xlsx.

So the tests prove, even without LibreOffice at test time, that a form fenji wrote survives being saved
by LibreOffice as .xls and back, with every value as typed (tests/test_forms.py also does it live, with
`soffice` below, for the forms as written today). Run this again after changing fenji.forms.writer. The
fill plan (`fill`, `SELF`, `SCORES`, …) is imported by the tests, which compare what fenji reads with it.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import Workbook, load_workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))


YEAR = 2027
ROSTER = [  # 编号, 名称, 乡镇, 类型, 党员人数, 书记, 上年等次
    ("QX01", "清溪村党支部", "清溪镇", "行政村", 31, "黄国强", "好"),
    ("QX02", "白岩村党支部", "清溪镇", "行政村", 19, "陈秀英", "较好"),
    ("QX03", "梨树村党总支", "清溪镇", "行政村", 62, "吴建华", "一般"),
    ("BH01", "白河村党支部", "白河镇", "行政村", 40, "王明", "较好"),
    ("BH02", "花园社区党支部", "白河镇", "社区", 55, "李红梅", "一般"),
]
SIX = ["党组织带头人", "工作思路", "工作制度", "活动阵地", "保障机制", "工作业绩"]
SEVEN = SIX + ["群众评价"]
SELF = {  # 附件2 自评得分 (seven indicators) and 自评等次
    "QX01": ([14, 9, 9.5, 8, 9, 18, 23], "较好"),
    "QX02": ([15, 9, 9, 9, 10, 19, 24], "好"),
    "QX03": ([12, 7, 8, 7, 8, 14, 20], "一般"),
    "BH01": ([13, 8, 8, 9, 9, 16, 22], "较好"),
    "BH02": ([15, 10, 9, 9, 9, 19, 24.5], "好"),
}
SCORES = {  # 附件4: the six indicators the town scores (群众评价 left blank: fenji computes it)
    "QX01": [13, 8, 7.5, 8, 8, 16],
    "QX02": [14, 9, 9, 9, 10, 18],
    "QX03": [10, 6, 7, 6, 7, 12],
    "BH01": [12, 8, 8, 8, 9, 15],
    "BH02": [15, 10, 9, 9, 9, 19],
}
VETO = {"BH01": "发生群体性上访事件"}
NOTES = {"QX03": "班子调整中"}
DECISION = (
    "QX02",
    "白岩村党支部",
    "一般",
    "年度考核中发现党费收缴不规范，经党委会研究调整",
    "清溪镇党委会议纪要〔2027〕5号",
)
DATES = {
    "填报日期": "2027年3月28日",
    "测评日期": "2027年3月30日",
    "统计日期": "2027年4月2日",
    "评定日期": "2027年4月8日",
    "评议日期": "2027年1月10日",
}
OPTIONS = ["满意", "基本满意", "不满意", "不了解"]
CATEGORIES = ["党员", "群众代表", "村民小组长", "入党积极分子", "其他"]
ITEMS = ["领导班子", "党员队伍", "工作机制", "工作业绩", "群众反映", "总体评价"]

# xingji-*: one village's persons and households
STAR_VILLAGE = "大安村"
STAR_ROSTER = [  # 编号, 姓名, 类别, 所属党支部/村民组, 入党时间, 上次星级, 不参评情形
    ("DA001", "陈小秋", "党员干部", "第1村民组", "1983-08-01", "三星", ""),
    ("DA002", "许正义", "党员干部", "第2村民组", "2002-04-01", "", ""),
    ("DA003", "梁家富", "群众", "第3村民组", "", "二星", ""),
    ("DA004", "何志平", "群众", "第3村民组", "", "无", "3"),
]
DASHUI_CATEGORIES = {"DA002": "一般党员"}  # under xingji-dashui one person is 一般党员 (no panel items)


def ballots(ident: str, count: int | None = None) -> list[list[str]]:
    """A branch's ballots: 测评人类别, the five items, 总体评价 (a seeded draw per branch)."""
    rng = random.Random(f"fenji-forms-{ident}")
    rows = []
    for _ in range(count if count is not None else rng.randint(8, 12)):
        rows.append([rng.choice(CATEGORIES)] + [rng.choice(OPTIONS[:2] * 3 + OPTIONS[2:]) for _ in ITEMS])
    return rows


def tally(rows: list[list[str]]) -> dict[str, int]:
    return {option: sum(1 for r in rows if r[-1] == option) for option in OPTIONS}


def public_scores(ident: str) -> list[int | None]:
    rng = random.Random(f"fenji-public-{ident}")
    return [None if rng.random() < 0.15 else rng.randint(70, 100) for _ in range(9)]


def panel_scores(ident: str, items: list[str]) -> dict[str, float]:
    rng = random.Random(f"fenji-panel-{ident}")
    return {item: rng.choice([14, 15, 16.5, 17, 18, 19, 20]) for item in items}


def ten_star_mark(ident: str, star: str) -> str:
    return "达标" if random.Random(f"fenji-ten-{ident}-{star}").random() < 0.8 else "未达标"


# --- the inputs a county would have -------------------------------------------------------------


def write_roster(path: Path) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "名册"
    ws.append(["基层党组织名册"])
    ws.append([f"县委组织部\u3000\u3000\u3000\u3000年度：{YEAR}"])
    ws.append(["编号", "党组织名称", "所属乡镇", "党组织类型", "党员人数", "党组织书记", "上年等次"])
    for row in ROSTER:
        ws.append(list(row))
    book.save(path)
    return path


def write_star_roster(path: Path, categories: dict[str, str] | None = None) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "名册"
    ws.append(["“五带头”星级化管理评定对象名册"])
    ws.append([f"村（社区）：{STAR_VILLAGE}\u3000\u3000\u3000\u3000年度：{YEAR}"])
    ws.append(["编号", "姓名（户主）", "类别", "所属党支部/村民组", "入党时间", "上次星级", "不参评情形", "备注"])
    for ident, name, category, *rest in STAR_ROSTER:
        ws.append([ident, name, (categories or {}).get(ident, category), *[v or None for v in rest], None])
    book.save(path)
    return path


# --- the fill plan: what a program types into the written forms ---------------------------------


class After(str):
    """Text typed after the label a `标签：` cell keeps (`评议日期：` → `评议日期：2027年1月10日`)."""


def values(form, ballots_issued: int = 0) -> dict:
    """(row key, column) → value for one written form (a fenji.forms.blank.WrittenForm). With
    `ballots_issued` N (forms written with --ballots N) each branch returns N - 1 ballots."""
    returned = ballots_issued - 1 if ballots_issued else None
    plan = _plan(form.kind, form.subject or form.unit, form.cells, returned)
    found = {k: v for k, v in plan.items() if k in form.cells}
    for row, column in form.cells:
        label = next((d for d in DATES if str(column).startswith(d)), None)
        if row == "" and label:
            found[(row, column)] = After(DATES[label])
    return found


def _plan(kind: str, subject: str, cells: dict, returned: int | None) -> dict:
    if kind == "self_eval":
        scores, grade = SELF[subject]
        return {
            **{(n, "自评得分"): v for n, v in zip(SEVEN, scores)},
            ("", "自评等次"): grade,
            ("工作思路", "扣分说明"): "年度计划未及时报送",
        }
    if kind == "ballots":
        return _ballot_values(subject, returned)
    if kind == "summary":
        return {k: v for ident in SELF for k, v in summary_row(ident, returned).items()}
    if kind == "score_sheet":
        return {k: v for ident in SCORES for k, v in _score_row(ident).items()}
    if kind == "decisions" and subject == "清溪镇":
        return dict(zip(((1, c) for c in ("编号", "名称", "调整后等次", "理由", "会议及文号")), DECISION))
    if kind == "public_votes":
        return {(ident, f"代表{n}"): s for ident, *_ in STAR_ROSTER for n, s in enumerate(public_scores(ident), 1) if s}
    if kind == "panel":
        return _panel_values(cells)
    if kind == "ten_stars":
        return {(ident, star): ten_star_mark(ident, star) for ident, star in cells if ident and star != "备注"}
    return {}


def _ballot_values(subject: str, returned: int | None) -> dict:
    found = {}
    for n, row in enumerate(ballots(subject, returned), start=1):
        found[(n, "票号")] = n
        found[(n, "测评人类别")] = row[0]
        found.update({(n, item): option for item, option in zip(ITEMS, row[1:])})
    return found


def summary_row(ident: str, returned: int | None = None) -> dict:
    """A branch's 汇总表 row, agreeing with its ballots; 发放 is pre-filled by fenji under --ballots."""
    counts = tally(ballots(ident, returned))
    total = sum(counts.values())
    valid = counts["满意"] + counts["基本满意"] + counts["不满意"]
    row = {"收回票数": total, "有效票数": valid, **counts}
    if returned is None:
        row["发放票数"] = total + 2
    return {(ident, column): value for column, value in row.items()}


def _score_row(ident: str) -> dict:
    row = {(ident, n): v for n, v in zip(SIX, SCORES[ident])}
    if ident in VETO:
        row[(ident, "否决情形")] = VETO[ident]
    if ident in NOTES:
        row[(ident, "备注")] = NOTES[ident]
    return row


def _panel_values(cells: dict) -> dict:
    found = {}
    for ident in dict.fromkeys(row for row, _ in cells if row):
        items = [c for r, c in cells if r == ident and c not in ("审定意见", "备注")]
        found.update({(ident, item): v for item, v in panel_scores(ident, items).items()})
        found[(ident, "审定意见")] = "不同意" if ident == "DA003" else "同意"
    return found


def fill(result) -> None:
    """Fill every form of a fenji.forms.blank.FormsResult in place, as a program would (openpyxl, which
    ignores the data validation), through the form's map of input cells. Under --ballots N one
    ballot of each branch is not returned: N - 1 rows are typed."""
    for form in result.forms:
        if form.kind in ("ballot_pdf", "roster", "star_roster") or (
            form.kind == "decisions" and result.profile.name != "dingji"
        ):
            continue
        type_into(form.path, form.cells, values(form, result.ballots))


def type_into(path: Path, cells: dict, typed: dict) -> None:
    book = load_workbook(path)
    for key, value in typed.items():
        sheet, ref = cells[key]
        cell = book[sheet][ref]
        cell.value = f"{cell.value}{value}" if isinstance(value, After) else value
    book.save(path)


# --- generation ---------------------------------------------------------------------------------


def soffice(sources: list[Path], target: str, outdir: Path, profile: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    command = [
        "soffice",
        "--headless",
        "--norestore",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        *map(str, sources),
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    for source in sources:
        if not (outdir / f"{source.stem}.{target}").exists():
            sys.exit(f"LibreOffice did not write {source.stem}.{target}")


def main() -> None:
    from fenji.api import forms

    if shutil.which("soffice") is None:
        sys.exit("LibreOffice (soffice) is needed to write the .xls round-trip files.")
    write_roster(HERE / "roster.xlsx")
    write_star_roster(HERE / "star_roster.xlsx")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        result = forms("dingji", HERE / "roster.xlsx", tmp / "forms", year=YEAR)
        fill(result)
        town = sorted((tmp / "forms" / "清溪镇").rglob("*.xlsx"))
        for folder in ("xls", "xlsx"):
            shutil.rmtree(HERE / folder, ignore_errors=True)
        soffice(town, "xls", HERE / "xls", tmp / "lo-profile")
        soffice(sorted((HERE / "xls").glob("*.xls")), "xlsx", HERE / "xlsx", tmp / "lo-profile")
    print(f"wrote {len(town)} forms as .xls and back to .xlsx under {HERE} ({dt.date.today()})")


if __name__ == "__main__":
    main()
