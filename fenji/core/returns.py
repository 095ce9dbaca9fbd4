"""收件进度: which subject still owes which form (returns.csv, `missing-return`, 催报.txt).

System-agnostic: a system says which forms each subject of its roster needs and which records
brought them (`needed_returns`, one `Need` per subject and form); this module turns the needs into
returns.csv rows, one `missing-return` error per missing form, the per-unit 催报 text and the data
of 收件进度.pdf. A form that can come two ways (ballots in 附件3, or a row of the 汇总表) is one
need with the records of both ways: either counts as received.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from fenji.core.match import Matcher
from fenji.core.problems import Problems
from fenji.core.records import FileResult, RosterEntry

RECEIVED, MISSING, FAULTY, REPLACED = "已收", "缺报", "有错误", "已替代"
COLUMNS = ["编号", "名称", "单位", "表", "状态", "文件", "日期", "说明"]

_MIN_DATE = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Way:
    """One way a form comes back: records of `kind`, those for which `accepts` is true."""

    kind: str
    accepts: Callable[[object], bool] | None = None


@dataclass(frozen=True)
class Form:
    """A form a subject needs, in the clerk's words, and the ways it can come back."""

    label: str  # 满意度测评表（附件3）或测评汇总表中的一行
    ways: tuple[Way, ...]


@dataclass
class Need:
    """One form one subject needs, and every record (of any way) that brought it."""

    subject: RosterEntry
    form: str
    records: list = field(default_factory=list)


@dataclass
class Return:
    """One row of returns.csv."""

    id: str
    name: str
    unit: str
    form: str
    status: str
    file: str = ""
    date: dt.date | None = None
    note: str = ""
    since: dt.date | None = None  # missing since: the date of the roster that named the subject
    roster_file: str = ""
    roster_sheet: str = ""
    roster_cell: str = ""

    def row(self) -> dict:
        values = [self.id, self.name, self.unit, self.form, self.status, self.file, self.date or "", self.note]
        return dict(zip(COLUMNS, [str(v) for v in values]))


def roster_needs(
    roster: list[RosterEntry], results: list[FileResult], forms: list[Form], find: Callable | None = None
) -> list[Need]:
    """Every subject × form, with the records of each way matched to the subject (by 编号, else by
    name, as the scorers do; misses are the scorers' problems, not counted twice here). `find`
    (record → entry or None) replaces the roster-wide match, e.g. for village rosters of people."""
    if find is None:
        matcher = Matcher(roster)

        def find(record):
            return matcher.find(getattr(record, "id", ""), record.name, getattr(record, "unit", ""))[0]

    needs = {(entry.id, form.label): Need(entry, form.label) for entry in roster for form in forms}
    for form in forms:
        for way in form.ways:
            for record in (r for result in results for r in result.records.get(way.kind, [])):
                if way.accepts is not None and not way.accepts(record):
                    continue
                entry = find(record)
                if entry is not None and (entry.id, form.label) in needs:
                    needs[(entry.id, form.label)].records.append(record)
    return list(needs.values())


def returns_of(needs: list[Need], results: list[FileResult], problems: Problems, decided: set[str]) -> list[Return]:
    """The returns.csv rows: the latest record that brought each need (the resubmission rule), 有错误
    when that file has an error about the subject, 已替代 when nothing came back but a committee
    decision settles the subject, else 缺报."""
    mtimes = {r.rel: r.mtime for r in results}
    faulty = {(p.file, p.subject) for p in problems if p.level == "错误" and p.subject}
    rows = []
    for need in needs:
        entry = need.subject
        row = Return(entry.id, entry.name, entry.unit, need.form, MISSING)
        row.roster_file, row.roster_sheet, row.roster_cell = entry.source.file, entry.source.sheet, entry.source.cell
        row.since = _file_date(entry.source.file, mtimes)
        if need.records:
            chosen = max(
                need.records,
                key=lambda r: (getattr(r, "date", None) or _MIN_DATE, mtimes.get(r.source.file, 0), r.source.file),
            )
            row.file = chosen.source.file
            row.date = getattr(chosen, "date", None) or _file_date(chosen.source.file, mtimes)
            errors = {(chosen.source.file, entry.id), (chosen.source.file, entry.name)} & faulty
            row.status = FAULTY if errors else RECEIVED
            if errors:
                row.note = "报送的表有错误，见问题清单"
        elif entry.id in decided or entry.name in decided:
            row.status, row.note = REPLACED, "未报送，已由党委研究决定代替"
        rows.append(row)
    return rows


def _file_date(rel: str, mtimes: dict[str, float]) -> dt.date | None:
    return dt.date.fromtimestamp(mtimes[rel]) if rel in mtimes else None


def returns_frame(rows: list[Return]):
    """returns.csv as a frame (the same writer as results.csv: UTF-8 with BOM for WPS and Excel)."""
    import pandas as pd

    return pd.DataFrame([row.row() for row in rows], columns=COLUMNS)


def overdue(due: dt.date | None, today: dt.date) -> bool:
    return due is not None and today > due


def report_missing(rows: list[Return], problems: Problems, due: dt.date | None, today: dt.date) -> None:
    """One `missing-return` error per missing form, at the subject's roster row."""
    for row in rows:
        if row.status != MISSING:
            continue
        when = ""
        if due is not None:
            when = f"（应于{cn_day(due)}前报送{'，已逾期' if overdue(due, today) else ''}）"
        problems.error(
            "missing-return",
            f"{display_name(row)}尚未报送{row.form}{when}。请催报；收到后放入收件文件夹重新运行。",
            file=row.roster_file,
            sheet=row.roster_sheet,
            cell=row.roster_cell,
            subject=row.id,
        )


def display_name(row: Return) -> str:
    """The subject as a clerk names it: an organisation by its name (茶园村党支部), a person or household
    with its village (张三（茶园村）: villages have namesakes)."""
    return row.name if "党" in row.name or not row.unit else f"{row.name}（{row.unit}）"


def cn_day(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def missing_by_unit(rows: list[Return]) -> dict[str, list[Return]]:
    """The missing returns grouped by unit, units in roster order."""
    grouped: dict[str, list[Return]] = {}
    for row in rows:
        if row.status == MISSING:
            grouped.setdefault(row.unit, []).append(row)
    return grouped


def missing_summary(rows: list[Return]) -> str:
    """The CLI's line: 缺报 3 份：白河镇 2 份，清溪镇 1 份 (empty when nothing is missing)."""
    grouped = missing_by_unit(rows)
    if not grouped:
        return ""
    total = sum(len(missing) for missing in grouped.values())
    units = "，".join(f"{unit} {len(missing)} 份" for unit, missing in grouped.items())
    return f"缺报 {total} 份：{units}（见 returns.csv 和各单位的收件进度.pdf、催报.txt）。"


def reminder_text(unit: str, missing: list[Return], due: dt.date | None, today: dt.date) -> str:
    """催报.txt: a short message to paste into the unit's WeChat group."""
    by_subject: dict[str, list[str]] = {}
    for row in missing:
        by_subject.setdefault(display_name(row), []).append(row.form)
    deadline = f"于{cn_day(due)}前" if due is not None and not overdue(due, today) else "尽快"
    late = f"（报送截止日期{cn_day(due)}已过）" if overdue(due, today) else ""
    lines = [f"【{unit}】收件提醒（截至{cn_day(today)}）{late}", f"请以下村（社区）{deadline}报送："]
    lines += [f"{n}. {name}：{'；'.join(forms)}" for n, (name, forms) in enumerate(by_subject.items(), 1)]
    lines.append("已报送的请忽略。如有疑问请与乡镇（街道）党（工）委组织办联系。")
    return "\n".join(lines) + "\n"
