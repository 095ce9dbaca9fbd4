"""Stage 4a: the records of every file merged by the roster — who the subjects are, which record is
each subject's (by 编号, else by name), and which of a resubmitted form counts (the latest).

Shared by every system's scorer; unmatched and ambiguous names become problems with suggestions.
"""

from __future__ import annotations

import datetime as _dt

from fenji.core.match import Matcher
from fenji.core.problems import Problems, RosterMissing
from fenji.core.records import FileResult, RosterEntry

_MIN_DATE = _dt.date(1900, 1, 1)


def collect(results: list[FileResult], kind: str) -> list:
    return [record for result in results for record in result.records.get(kind, [])]


def build_roster(results: list[FileResult], problems: Problems) -> list[RosterEntry]:
    """All roster entries; a repeated 编号 keeps the first and reports the others."""
    entries, repeats = unique_entries(collect(results, "roster"))
    report_repeats(entries, repeats, problems, "已按首次出现的记录处理，请删除重复行。")
    if not entries:
        raise RosterMissing(
            "没有找到党组织名册（标题含“党组织名册”的工作表），无法确定参评对象。请把名册放入收件文件夹。"
        )
    return list(entries.values())


def unique_entries(found) -> tuple[dict, dict[str, list]]:
    """First entry per 编号, and the later entries of every repeated 编号."""
    entries: dict[str, RosterEntry] = {}
    repeats: dict[str, list] = {}
    for entry in found:
        if entry.id in entries:
            repeats.setdefault(entry.id, []).append(entry)
        else:
            entries[entry.id] = entry
    return entries, repeats


def report_repeats(entries: dict, repeats: dict[str, list], problems: Problems, advice: str) -> None:
    """One error per repeated 编号 (a roster pasted 20 000 times is one line, not 20 000), naming
    the first repeat's cell and the rows of the others."""
    for ident, later in repeats.items():
        first, shown = entries[ident], "、".join(e.source.cell for e in later[:5] if e.source.cell)
        more = f"等 {len(later)} 处" if len(later) > 5 else f"共 {len(later)} 处"
        problems.error(
            "roster-duplicate-id",
            f"编号 {ident} 在名册中重复（首次出现在 {first.source}，为“{first.name}”；"
            f"重复出现在 {shown}，{more}）。{advice}",
            file=later[0].source.file,
            sheet=later[0].source.sheet,
            cell=later[0].source.cell,
            subject=ident,
        )


def match_records(records: list, matcher: Matcher, problems: Problems, label: str) -> dict[str, list]:
    """Records grouped by subject id; unmatched and ambiguous names are errors with suggestions."""
    grouped: dict[str, list] = {}
    for record in records:
        entry, reason = matcher.find(getattr(record, "id", ""), record.name, getattr(record, "unit", ""))
        if entry is None:
            _report_unmatched(record, reason, matcher, problems, label)
            continue
        grouped.setdefault(entry.id, []).append(record)
    return grouped


def _report_unmatched(record, reason: str, matcher: Matcher, problems: Problems, label: str) -> None:
    where = dict(
        file=record.source.file,
        sheet=record.source.sheet,
        cell=record.source.cell,
        subject=getattr(record, "id", "") or record.name,
    )
    if reason == "ambiguous":
        ids = "、".join(f"{e.id}（{e.unit}）" for e in matcher.ambiguous(record.name))
        problems.error(
            "name-ambiguous",
            f"{label}中的“{record.name}”与名册中多个党组织同名（{ids}），无法确定是哪一个。请填写编号。",
            **where,
        )
        return
    hint = matcher.suggestions(record.name)
    suggestion = f"名册中相近的名称：{'、'.join(hint)}。" if hint else "请核对名册。"
    shown = record.name or getattr(record, "id", "")
    problems.error("subject-not-in-roster", f"{label}中的“{shown}”在名册中找不到。{suggestion}", **where)


def latest(records: list, problems: Problems, label: str, mtimes: dict[str, float]):
    """The resubmission rule: the latest by date field, then by file modification time."""
    if len(records) == 1:
        return records[0]
    ordered = sorted(records, key=lambda r: (r.date or _MIN_DATE, mtimes.get(r.source.file, 0), r.source.file))
    chosen = ordered[-1]
    for old in ordered[:-1]:
        problems.notice(
            "superseded",
            f"{label}重复报送：使用较新的 {chosen.source.file}，本文件的这份已被替代。",
            file=old.source.file,
            sheet=old.source.sheet,
            cell=old.source.cell,
            subject=old.name,
        )
    return chosen
