"""满意度测评 shared by the systems that read it (dingji, shengji): 满意率 from a branch's ballots or
the town's 汇总表, the two cross-checked, a typed rate recomputed (rules.md §1, exact Fractions)."""

from __future__ import annotations

from fractions import Fraction

from fenji.core.arith import fmt_percent, to_decimal
from fenji.core.merge import latest
from fenji.core.problems import Problems
from fenji.core.profiles import Profile
from fenji.core.records import BallotTally


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
        detail = "；".join(
            f"{o} 测评表 {ballot.counts.get(o, ballot.returned if o == '收回票数' else 0)} 票、汇总表 "
            f"{summary.counts.get(o, summary.returned if o == '收回票数' else 0)} 票"
            for o in differing
        )
        problems.error(
            "survey-summary-mismatch",
            f"测评表（{ballot.source.file}）与汇总表（{summary.source.file}）的票数不一致："
            f"{detail}。已按测评表计算，请核对汇总表。",
            file=summary.source.file,
            sheet=summary.source.sheet,
            cell=summary.source.cell,
            subject=subject,
        )


def check_typed_rate(
    summary: BallotTally, rate: Fraction | None, problems: Problems, profile: Profile, subject: str
) -> None:
    if summary.typed_rate is None or rate is None:
        return
    difference = abs(to_decimal(summary.typed_rate) * 100 - to_decimal(Fraction(rate) * 100))
    if difference > profile.totals["tolerance"]:
        problems.warning(
            "rate-mismatch",
            f"满意率填写为 {fmt_percent(summary.typed_rate)}，按票数重新计算为 "
            f"{fmt_percent(rate)}；以重新计算的结果为准。",
            file=summary.source.file,
            sheet=summary.source.sheet,
            cell=summary.source.cell,
            subject=subject,
        )


def subject_tallies(entry, by_ballots, by_summary, problems, mtimes):
    """(the tally used, the summary row) of one subject: its latest ballots, cross-checked against
    its latest 汇总表 row when both came back, else the summary row."""
    ballot = latest(by_ballots[entry.id], problems, "满意度测评表", mtimes) if entry.id in by_ballots else None
    summary = latest(by_summary[entry.id], problems, "测评汇总表", mtimes) if entry.id in by_summary else None
    if ballot is not None and summary is not None:
        cross_check(ballot, summary, problems, entry.id)
    return (ballot or summary), summary


MISSING_SURVEY = "缺满意度测评"


NO_VALID_VOTES = "无有效票"


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
