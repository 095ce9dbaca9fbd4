"""Stage 4: merge the records of all files by the roster and compute each subject's score (dingji).

Pure: records in, a pandas frame of subjects out, with every number traceable to its cell. Exact
arithmetic: 满意率 and 群众评价 are Fractions; the total is rounded once, half up (rules.md §0).
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from fenji.core.arith import fmt_number, half_up
from fenji.core.match import Matcher
from fenji.core.merge import build_roster, collect, latest, match_records
from fenji.core.problems import Problems
from fenji.core.profiles import Profile
from fenji.core.records import FileResult, RosterEntry, ScoreRow, SelfEval
from fenji.core.survey import subject_rate, subject_tallies
from fenji.core.validate import warn_typed_total
from fenji.forms.score_sheet import INCOMPLETE_SCORES, MISSING_SCORES
from fenji.grading.subject import Scored


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


def _subject_row(
    entry: RosterEntry,
    tally,
    score_row: ScoreRow | None,
    self_row: SelfEval | None,
    profile: Profile,
    problems: Problems,
) -> dict:
    row = {
        "编号": entry.id,
        "名称": entry.name,
        "单位": entry.unit,
        "类别": "",
        "党组织类型": entry.kind,
        "上年等次": entry.last_grade,
        "missing": [],
        "sources": {},
        "否决情形": "",
        "veto_source": "",
    }
    rate = subject_rate(entry, tally, profile, problems, row)
    exact = _indicators(entry, score_row, rate, profile, problems, row)
    row["exact"] = exact
    row["得分"] = half_up(exact, profile.decimals) if exact is not None and not row["missing"] else None
    _self(self_row, row)
    return row


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
        warn_typed_total(score_row, total if complete else None, profile, problems, entry.id, "总分", "各项得分")
    if (
        not complete
        and score_row is not None
        and any(score_row.scores.get(i.name) is None for i in profile.indicators if i.source == "score_sheet")
    ):
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
        problems.warning(
            "survey-score-mismatch",
            f"评分定级表中“{indicator.name}”填写为 {fmt_number(typed)}，按满意度测评计算为 "
            f"{half_up(computed, 2)}；以计算结果为准。",
            file=score_row.source.file,
            sheet=score_row.source.sheet,
            cell=score_row.refs.get(indicator.name, ""),
            subject=subject,
        )


def _self(self_row: SelfEval | None, row: dict) -> None:
    row["自评得分"] = self_row.total if self_row else None
    row["自评等次"] = self_row.grade if self_row else ""
    if self_row:
        row["sources"]["自评"] = str(self_row.source)
