"""`fenji forms` for `gongxin`: the blank 公信度 forms, laid out like the reference forms
(tests/data/reference_forms/公信度_*), with the guards of fenji.forms.writer (drop-downs for the
categories and the four options, whole numbers for counts, protected sheets without a password).

    OUT/<town>/
        <town>两委班子成员名册.xlsx            the roster rows of this town, as fenji reads them
        <town>党委研究决定调整表.xlsx          blank
        村级表格/<village>/
            <village>公信度调查表.xlsx         票号, 调查对象类别, 班子整体, one column per member
                                               (headed `姓名（职务）`, namesakes `姓名（编号）`)
            <village>公信度调查汇总表.xlsx     one row for the 班子 and one per member, one group per category
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fenji.core.cells import normalize_name
from fenji.core.profiles import Profile
from fenji.forms import writer as fw
from fenji.forms.trust import TEAM_ID, TEAM_NAME, CadreEntry

VILLAGE_FOLDER = "村级表格"


def member_heads(members: Sequence[CadreEntry]) -> list[str]:
    """Each member's column header: `张三（书记）`; two namesakes in one 班子 carry the 编号 instead."""
    names = [normalize_name(m.name) for m in members]
    return [
        f"{m.name}（{m.id}）"
        if names.count(normalize_name(m.name)) > 1
        else (f"{m.name}（{m.post}）" if m.post else m.name)
        for m in members
    ]


def cadre_roster_book(town: str, year: int, members: Sequence[CadreEntry]) -> fw.Form:
    form, s = fw._new("cadre_roster", "两委名册", (10, 10, 10, 14, 12, 16))
    s.title(1, "村（社区）“两委”班子成员名册")
    s.label(2, 1, 3, f"乡镇（盖章）：{town}")
    s.label(2, 4, 6, "填报日期：", key="填报日期", example=f"{year}年11月20日")
    s.headers(3, ["编号", "姓名", "职务", "所属村（社区）", "所属乡镇", "备注"])
    for r, m in enumerate(members, start=4):
        for c, value in enumerate((m.id, m.name, m.post, m.unit, m.town or town), start=1):
            s.value(r, c, value or None)
        s.entry(r, 6, (m.id, "备注"), "note", lambda: fw.text_guard("备注", "可不填。"), m.note or None, align=fw.LEFT)
    s.finish("3:3")
    return form


def trust_ballots_book(
    village: str, members: Sequence[CadreEntry], options: Sequence[str], categories: Sequence[str], rows: int
) -> fw.Form:
    """公信度调查表 of one village, one row a ballot; row keys are the row numbers 1..rows. The 票号 is
    left for the clerk (a row with a 票号 is a returned ballot)."""
    heads = [TEAM_NAME, *member_heads(members)]
    form, s = fw._new("trust_ballots", "调查表", (6, 12, *[11] * len(heads), 12))
    s.title(1, "村（社区）“两委”班子公信度调查表")
    split = len(heads) // 2 + 2
    s.label(2, 1, split, f"村（社区）：{village}")
    s.label(2, split + 1, s.width, "调查日期：", key="调查日期", example="2027年12月5日")
    s.headers(3, ["票号", "调查对象类别", *heads, "备注"])
    s.ws.row_dimensions[3].height = 30
    for n in range(1, rows + 1):
        row = 3 + n
        s.entry(row, 1, (n, "票号"), "number", lambda: fw.number_guard("票号"))
        s.entry(row, 2, (n, "调查对象类别"), "category", lambda: fw.choice_guard(categories, "调查对象类别"))
        for c, head in enumerate(heads, start=3):
            s.entry(row, c, (n, head), "option", lambda: fw.choice_guard(options, "调查意见"))
        s.entry(row, s.width, (n, "备注"), "note", lambda: fw.text_guard("备注", "可不填。"), align=fw.LEFT)
    s.note(3 + rows + 2, f"说明：每栏在“{'、'.join(options)}”中选填一项。" + fw.BALLOT_ROWS)
    s.finish("3:3", landscape=True, free_rows=True)
    return form


def trust_summary_book(
    village: str, members: Sequence[CadreEntry], options: Sequence[str], categories: Sequence[str]
) -> fw.Form:
    """公信度调查汇总表 of one village: 编号 姓名 职务, one group of the four options per category, 备注.
    Row keys: `班子` and each member's 编号; column keys `<category>/<option>`."""
    n = len(options)
    form, s = fw._new("trust_summary", "汇总表", (10, 10, 8, *[6] * (n * len(categories)), 12))
    s.title(1, "村（社区）“两委”班子公信度调查汇总表")
    s.label(2, 1, 8, f"村（社区）：{village}")
    s.label(2, 9, s.width, "统计日期：", key="统计日期", example="2027年12月8日")
    for c, text in enumerate(("编号", "姓名", "职务"), start=1):
        s.header(3, c, text, rows=2)
    for g, category in enumerate(categories):
        s.header(3, 4 + g * n, category, cols=n)
        for k, option in enumerate(options):
            s.header(4, 4 + g * n + k, option)
    s.header(3, s.width, "备注", rows=2)
    s.ws.row_dimensions[4].height = 30
    people = [(TEAM_ID, TEAM_NAME, "")] + [(m.id, m.name, m.post) for m in members]
    for r, (ident, name, post) in enumerate(people, start=5):
        for c, value in enumerate((ident, name, post), start=1):
            s.value(r, c, value or None)
        for g, category in enumerate(categories):
            for k, option in enumerate(options):
                s.entry(r, 4 + g * n + k, (ident, f"{category}/{option}"), "count", lambda: fw.count_guard("票数"))
        s.entry(r, s.width, (ident, "备注"), "note", lambda: fw.text_guard("备注", "可不填。"), align=fw.LEFT)
    s.finish("3:4", landscape=True)
    return form


def trust_forms_plan(profile: Profile, entries: list[CadreEntry], out: Path, year: int, ballots: int, campaign: str):
    """Per town the roster and the 决定调整表; per village its 调查表 (`ballots` rows, else 50) and 汇总表."""
    from fenji.forms.blank import Planned, safe_name

    rules = profile.rules
    rows = ballots or fw.DEFAULT_ROWS
    towns: dict[str, dict[str, list[CadreEntry]]] = {}
    for entry in entries:
        towns.setdefault(entry.town, {}).setdefault(entry.unit, []).append(entry)
    plan = []
    for town, villages in towns.items():
        folder, name = out / safe_name(town), safe_name(town)
        members = [m for ms in villages.values() for m in ms]
        plan.append(
            Planned(
                folder / f"{name}两委班子成员名册.xlsx",
                "cadre_roster",
                town,
                "",
                lambda t=town, m=members: cadre_roster_book(t, year, m),
            )
        )
        for village, ms in villages.items():
            where = folder / VILLAGE_FOLDER / safe_name(village)
            plan += [
                Planned(
                    where / f"{safe_name(village)}公信度调查表.xlsx",
                    "trust_ballots",
                    town,
                    village,
                    lambda v=village, m=ms: trust_ballots_book(v, m, rules["options"], rules["categories"], rows),
                ),
                Planned(
                    where / f"{safe_name(village)}公信度调查汇总表.xlsx",
                    "trust_summary",
                    town,
                    village,
                    lambda v=village, m=ms: trust_summary_book(v, m, rules["options"], rules["categories"]),
                ),
            ]
        plan.append(
            Planned(
                folder / f"{name}党委研究决定调整表.xlsx",
                "decisions",
                town,
                "",
                lambda t=town: fw.decisions_book(t, profile.grades, campaign=campaign),
            )
        )
    return plan
