"""`fenji forms --profile wuhao`: per town the 名册, the 测评汇总表, the 星级考评评分表 (with its
考评阶段 drop-down) and the 决定调整表; per organisation the 附件3 测评表 (the survey dingji uses)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from fenji.core.documents import safe_name
from fenji.core.profiles import Profile
from fenji.core.records import RosterEntry
from fenji.forms import writer as fw
from fenji.forms.blank import Planned, branch_plan, by_unit

TITLE = "基层党组织“五好”星级考评评分表"
FLAGS = ("是", "否")


def wuhao_plan(
    profile: Profile, entries: list[RosterEntry], out: Path, year: int, ballots: int, campaign: str
) -> list[Planned]:
    """dingji's forms without its 附件2 and 附件4; the 星级考评评分表 in place of the 附件4."""
    plan = [p for p in branch_plan(profile, entries, out, year, ballots, campaign, self_eval=False)]
    plan = [p for p in plan if p.kind != "score_sheet"]
    periods = list(profile.rules["periods"])
    for unit, members in by_unit(entries).items():
        plan.append(
            Planned(
                out / safe_name(unit) / f"{safe_name(unit)}星级考评评分表.xlsx",
                "star_score_sheet",
                unit,
                "",
                lambda u=unit, m=members: star_score_book(u, m, profile, periods),
            )
        )
    return plan


def star_score_book(unit: str, subjects, profile: Profile, periods: list[str]) -> fw.Form:
    """The town's 星级考评评分表 as the reference form: 考评阶段 chosen from a drop-down (年初 / 年底),
    the four typed goods under 考评得分 (0–20), 合计, 软弱涣散 / 服务型 是 or 否, 否决情形, 整改措施, 备注."""
    typed = [(i.name, Decimal(str(i.max))) for i in profile.indicators if i.source == "score_sheet"]
    k = len(typed)
    widths = (6, 8, 20, 9, *[10] * k, 8, 9, 16, 8, 24, 12)
    book = Workbook()
    form = fw.Form(book, "star_score_sheet")
    ws = book.active
    ws.title = "星级考评"
    s = fw.Sheet(ws, widths, form)
    s.title(1, TITLE)
    s.label(2, 1, 4, f"乡镇（盖章）：{unit}")
    _period_cell(s, 2, 5, 4 + k, periods)
    s.label(2, 5 + k, len(widths), "考评日期：", key="考评日期", example="2027年12月20日")
    for c, text in enumerate(("序号", "编号", "党组织名称", "领域"), start=1):
        s.header(3, c, text, rows=2)
    s.header(3, 5, "考评得分", cols=k)
    for i, (name, maximum) in enumerate(typed):
        s.header(4, 5 + i, f"{name}（{fw._points(maximum)}分）")
    after = ("合计", "软弱涣散", profile.veto.get("column", "否决情形"), "服务型", "整改措施", "备注")
    for i, text in enumerate(after):
        s.header(3, 5 + k + i, text, rows=2)
    s.ws.row_dimensions[4].height = 44
    for r, subject in enumerate(subjects, start=5):
        _row(s, r, r - 4, subject, typed, after)
    s.note(
        5 + len(subjects),
        "说明：群众反映好由满意度测评计算（20分×满意率），不在本表填写；软弱涣散、服务型选填“是”或“否”。",
    )
    s.finish("3:4", landscape=True)
    return form


def _period_cell(s: fw.Sheet, row: int, first: int, last: int, periods: list[str]) -> None:
    """`考评阶段：年初` / `考评阶段：年底` from a drop-down: the label and its value in one cell, as read."""
    s.ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = s.ws.cell(row=row, column=first, value="考评阶段：")
    cell.font, cell.protection = fw.LABEL_FONT, fw.UNLOCKED
    guard = fw.choice_guard([f"考评阶段：{p}" for p in periods], "考评阶段")
    s.ws.add_data_validation(guard)
    guard.add(cell.coordinate)
    s.form.cells[("", "考评阶段")] = (s.ws.title, cell.coordinate)


def _row(s: fw.Sheet, row: int, number: int, subject, typed, after) -> None:
    s.value(row, 1, number)
    s.value(row, 2, subject.id)
    s.value(row, 3, subject.name)
    s.entry(row, 4, (subject.id, "领域"), "sector", lambda: fw.text_guard("领域", "农村、社区、机关或两新组织。"))
    for i, (name, maximum) in enumerate(typed):
        s.entry(row, 5 + i, (subject.id, name), f"score-{name}", lambda n=name, m=maximum: fw.score_guard(m, n))
    c = 5 + len(typed)
    total = sum((m for _, m in typed), Decimal(0))
    s.entry(row, c, (subject.id, "合计"), "total", lambda: fw.score_guard(total, "合计"))
    s.entry(row, c + 1, (subject.id, "软弱涣散"), "flag", lambda: fw.choice_guard(FLAGS, "是或否"))
    s.entry(
        row,
        c + 2,
        (subject.id, after[2]),
        "veto",
        lambda: fw.text_guard(after[2], "严重违纪、发生重大事件等否决情形写明情形，没有的留空。"),
        align=fw.LEFT,
    )
    s.entry(row, c + 3, (subject.id, "服务型"), "flag", lambda: fw.choice_guard(FLAGS, "是或否"))
    s.entry(
        row,
        c + 4,
        (subject.id, "整改措施"),
        "measures",
        lambda: fw.text_guard("整改措施", "写明整改措施，存入档案。"),
        align=fw.LEFT,
    )
    s.entry(row, c + 5, (subject.id, "备注"), "note", lambda: fw.text_guard("备注", "可不填。"), align=fw.LEFT)
