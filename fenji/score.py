"""Stage 4: merge the records of all files by the roster and compute each subject's score (dingji).

Pure: records in, a pandas frame of subjects out, with every number traceable to its cell. Exact
arithmetic: 满意率 and 群众评价 are Fractions; the total is rounded once, half up (rules.md §0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from fenji.arith import fmt_number, fmt_percent, half_up, to_decimal
from fenji.match import Matcher
from fenji.problems import FatalError, Problems, RosterMissing
from fenji.profiles import Profile
from fenji.records import BallotTally, FileResult, RosterEntry, ScoreRow, SelfEval

MISSING_SCORES = "缺上级评分"
INCOMPLETE_SCORES = "上级评分不完整"
MISSING_SURVEY = "缺满意度测评"
NO_VALID_VOTES = "无有效票"


@dataclass
class Scored:
    """The subjects table and what grading and the documents need beside it."""

    subjects: pd.DataFrame
    roster: list[RosterEntry]
    decisions: list = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    tallies: dict[str, BallotTally] = field(default_factory=dict)
    summaries: dict[str, BallotTally] = field(default_factory=dict)


def collect(results: list[FileResult], kind: str) -> list:
    return [record for result in results for record in result.records.get(kind, [])]


def build_roster(results: list[FileResult], problems: Problems) -> list[RosterEntry]:
    """All roster entries; a repeated 编号 keeps the first and reports the others."""
    entries, repeats = unique_entries(collect(results, "roster"))
    report_repeats(entries, repeats, problems, "已按首次出现的记录处理，请删除重复行。")
    if not entries:
        raise RosterMissing("没有找到党组织名册（标题含“党组织名册”的工作表），无法确定参评对象。请把名册放入收件文件夹。")
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
        problems.error("roster-duplicate-id", f"编号 {ident} 在名册中重复（首次出现在 {first.source}，为“{first.name}”；"
                       f"重复出现在 {shown}，{more}）。{advice}", file=later[0].source.file,
                       sheet=later[0].source.sheet, cell=later[0].source.cell, subject=ident)


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
    where = dict(file=record.source.file, sheet=record.source.sheet, cell=record.source.cell,
                 subject=getattr(record, "id", "") or record.name)
    if reason == "ambiguous":
        ids = "、".join(f"{e.id}（{e.unit}）" for e in matcher.ambiguous(record.name))
        problems.error("name-ambiguous", f"{label}中的“{record.name}”与名册中多个党组织同名（{ids}），无法确定是哪一个。"
                       "请填写编号。", **where)
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
        problems.notice("superseded", f"{label}重复报送：使用较新的 {chosen.source.file}，本文件的这份已被替代。",
                        file=old.source.file, sheet=old.source.sheet, cell=old.source.cell, subject=old.name)
    return chosen


import datetime as _dt  # noqa: E402  (kept near its one use)
_MIN_DATE = _dt.date(1900, 1, 1)


def satisfaction_rate(tally: BallotTally, profile: Profile) -> Fraction | None:
    """满意率 = Σ weight(option) × count(option) / 有效票, exactly; None without valid votes."""
    if tally.valid == 0:
        return None
    weights = profile.satisfaction["weights"]
    numerator = sum((Fraction(to_decimal(w)) * tally.counts.get(o, 0) for o, w in weights.items()), Fraction(0))
    return numerator / tally.valid


def cross_check(ballot: BallotTally, summary: BallotTally, problems: Problems, subject: str) -> None:
    """Ballots and the town's summary row must agree; the ballots are used."""
    differing = [o for o in ballot.counts if ballot.counts.get(o, 0) != summary.counts.get(o, 0)]
    if ballot.returned != summary.returned:
        differing.append("收回票数")
    if differing:
        detail = "；".join(f"{o} 测评表 {ballot.counts.get(o, ballot.returned if o == '收回票数' else 0)} 票、汇总表 "
                          f"{summary.counts.get(o, summary.returned if o == '收回票数' else 0)} 票" for o in differing)
        problems.error("survey-summary-mismatch", f"测评表（{ballot.source.file}）与汇总表（{summary.source.file}）的票数不一致："
                       f"{detail}。已按测评表计算，请核对汇总表。", file=summary.source.file, sheet=summary.source.sheet,
                       cell=summary.source.cell, subject=subject)


def check_typed_rate(summary: BallotTally, rate: Fraction | None, problems: Problems, profile: Profile, subject: str) -> None:
    if summary.typed_rate is None or rate is None:
        return
    difference = abs(to_decimal(summary.typed_rate) * 100 - to_decimal(Fraction(rate) * 100))
    if difference > profile.totals["tolerance"]:
        problems.warning("rate-mismatch", f"满意率填写为 {fmt_percent(summary.typed_rate)}，按票数重新计算为 "
                         f"{fmt_percent(rate)}；以重新计算的结果为准。", file=summary.source.file,
                         sheet=summary.source.sheet, cell=summary.source.cell, subject=subject)


def score_dingji(results: list[FileResult], profile: Profile, problems: Problems) -> Scored:
    """The subjects table for `dingji`: indicators, 满意率, 群众评价, total, self-evaluation."""
    roster = build_roster(results, problems)
    matcher = Matcher(roster)
    mtimes = {r.rel: r.mtime for r in results}
    ballots = collect(results, "tallies")
    by_ballots = match_records([t for t in ballots if t.from_ballots], matcher, problems, "满意度测评表")
    by_summary = match_records([t for t in ballots if not t.from_ballots], matcher, problems, "测评汇总表")
    by_scores = match_records(collect(results, "scores"), matcher, problems, "评分定级表")
    by_self = match_records(collect(results, "self_eval"), matcher, problems, "自评表")
    scored = Scored(pd.DataFrame(), roster, collect(results, "decisions"))
    rows = []
    for entry in roster:
        tally, summary = subject_tallies(entry, by_ballots, by_summary, problems, mtimes)
        score_row = latest(by_scores[entry.id], problems, "评分定级表", mtimes) if entry.id in by_scores else None
        self_row = latest(by_self[entry.id], problems, "自评表", mtimes) if entry.id in by_self else None
        if tally is not None:
            scored.tallies[entry.id] = tally
        if summary is not None:
            scored.summaries[entry.id] = summary
        rows.append(_subject_row(entry, tally, score_row, self_row, profile, problems))
    scored.subjects = pd.DataFrame(rows)
    scored.superseded = [p.file for p in problems if p.code == "superseded"]
    return scored


def subject_tallies(entry, by_ballots, by_summary, problems, mtimes):
    """(the tally used, the summary row) of one subject: its latest ballots, cross-checked against
    its latest 汇总表 row when both came back, else the summary row."""
    ballot = latest(by_ballots[entry.id], problems, "满意度测评表", mtimes) if entry.id in by_ballots else None
    summary = latest(by_summary[entry.id], problems, "测评汇总表", mtimes) if entry.id in by_summary else None
    if ballot is not None and summary is not None:
        cross_check(ballot, summary, problems, entry.id)
    return (ballot or summary), summary


def _subject_row(entry: RosterEntry, tally, score_row: ScoreRow | None, self_row: SelfEval | None,
                 profile: Profile, problems: Problems) -> dict:
    row = {"编号": entry.id, "名称": entry.name, "单位": entry.unit, "类别": "", "党组织类型": entry.kind,
           "上年等次": entry.last_grade,
           "missing": [], "sources": {}, "否决情形": "", "veto_source": ""}
    rate = subject_rate(entry, tally, profile, problems, row)
    exact = _indicators(entry, score_row, rate, profile, problems, row)
    row["exact"] = exact
    row["得分"] = half_up(exact, profile.decimals) if exact is not None and not row["missing"] else None
    _self(self_row, row)
    return row


def subject_rate(entry, tally, profile, problems, row) -> Fraction | None:
    """满意率 of one subject into `row` (with its source), or None and the reason in row['missing']."""
    if tally is None:
        row["missing"].append(MISSING_SURVEY)
        row.update({"满意率": None, "有效票": None, "收回票": None})
        return None
    rate = satisfaction_rate(tally, profile)
    if not tally.from_ballots:
        check_typed_rate(tally, rate, problems, profile, entry.id)
    row.update({"满意率": rate, "有效票": tally.valid, "收回票": tally.returned})
    row["sources"]["满意率"] = str(tally.source)
    if rate is None:
        row["missing"].append(NO_VALID_VOTES)
    return rate


def _indicators(entry, score_row, rate, profile, problems, row) -> Fraction | None:
    total = Fraction(0)
    complete = True
    if score_row is None and any(i.source == "score_sheet" for i in profile.indicators):
        row["missing"].append(MISSING_SCORES)
    for indicator in profile.indicators:
        value = _indicator_value(entry, indicator, score_row, rate, profile, problems, row)
        row[indicator.name] = value
        if value is None:
            complete = False
        else:
            total += Fraction(value) if not isinstance(value, Fraction) else value
    if score_row is not None:
        row["否决情形"] = score_row.veto
        row["veto_source"] = str(score_row.source.at(score_row.veto_ref))
        _check_typed_total(score_row, total if complete else None, problems, profile, entry.id)
    if not complete and score_row is not None and any(
            score_row.scores.get(i.name) is None for i in profile.indicators if i.source == "score_sheet"):
        row["missing"].append(INCOMPLETE_SCORES)
    return total if complete else None


def _indicator_value(entry, indicator, score_row, rate, profile, problems, row):
    if indicator.source == "satisfaction":
        value = None if rate is None else Fraction(indicator.max) * rate
        if value is not None and score_row is not None:
            _check_typed_survey_score(score_row, indicator, value, profile, problems, entry.id)
        return value
    if score_row is None:
        return None
    value = score_row.scores.get(indicator.name)
    row["sources"][indicator.name] = str(score_row.source.at(score_row.refs.get(indicator.name, "")))
    return value


def _check_typed_survey_score(score_row: ScoreRow, indicator, computed: Fraction, profile, problems, subject) -> None:
    typed = score_row.scores.get(indicator.name)
    if typed is None:
        return
    if abs(Fraction(typed) - computed) > Fraction(profile.satisfaction["typed_tolerance"]):
        problems.warning("survey-score-mismatch", f"评分定级表中“{indicator.name}”填写为 {fmt_number(typed)}，按满意度测评计算为 "
                         f"{half_up(computed, 2)}；以计算结果为准。", file=score_row.source.file,
                         sheet=score_row.source.sheet, cell=score_row.refs.get(indicator.name, ""), subject=subject)


def _check_typed_total(score_row: ScoreRow, total: Fraction | None, problems, profile, subject) -> None:
    if score_row.typed_total is None or total is None:
        return
    if abs(Fraction(score_row.typed_total) - total) > Fraction(profile.totals["tolerance"]):
        problems.warning("total-mismatch", f"总分填写为 {fmt_number(score_row.typed_total)}，按各项得分重新计算为 "
                         f"{half_up(total, profile.decimals)}；以重新计算的结果为准。", file=score_row.source.file,
                         sheet=score_row.source.sheet, cell=score_row.refs.get("总分", score_row.source.cell), subject=subject)


def _self(self_row: SelfEval | None, row: dict) -> None:
    row["自评得分"] = self_row.total if self_row else None
    row["自评等次"] = self_row.grade if self_row else ""
    if self_row:
        row["sources"]["自评"] = str(self_row.source)
