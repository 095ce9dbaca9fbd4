"""Year on year: each subject's grade last year (rules.md §2), for the systems that look back.

Last year's grade of a subject comes from the ledger (this profile, the year before) or else from
the roster's 上年等次 column. When both exist and disagree, the ledger wins and a warning
`history-mismatch` names the subject and the roster cell: the ledger holds what was decided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fenji.core import ledger as ledger_module
from fenji.core.ledger import SubjectRecord
from fenji.core.problems import Problems
from fenji.core.profiles import Profile
from fenji.core.records import RosterEntry

FROM_LEDGER = "台账"
FROM_ROSTER = "名册"


@dataclass
class History:
    """Last year's kept results of one profile, by subject id; empty when there is no ledger yet."""

    year: int
    kept: dict[str, SubjectRecord] = field(default_factory=dict)
    where: str = ""
    # a profile rated twice a year (rules.md §8): `kept` is the previous rating, of `year` and `period`;
    # `current` is this run's period and `earlier` every kept rating but this one (the archive's)
    period: str = ""
    current: str = ""
    earlier: list[SubjectRecord] = field(default_factory=list)


@dataclass
class LastGrade:
    """A subject's grade last year and where it was found (台账 or 名册)."""

    grade: str
    source: str
    record: SubjectRecord | None = None


def previous_rating(year: int, period: str, periods: list[str]) -> tuple[int, str]:
    """The rating before (year, period): the year's earlier period, else last year's last one.

    年底 → that year's 年初; 年初 → last year's 年底; a yearly profile ('') → last year.
    """
    if not period or period not in periods:
        return year - 1, ""
    index = periods.index(period)
    return (year, periods[index - 1]) if index > 0 else (year - 1, periods[-1])


def load_history(
    db: str | Path | None,
    profile: Profile,
    year: int,
    problems: Problems | None = None,
    required: bool = True,
    period: str = "",
) -> History:
    """Last year's results of `profile` from the ledger at `db` (default fenji.db), if it exists.

    Reading never creates a ledger file; an existing one is upgraded to the current schema on
    opening. A ledger that cannot be read stops the run (LedgerError) when the system's rules need
    last year (`required`); otherwise, where only the report's comparison needs it, it is a warning
    `ledger-read-failed` in `problems` and no history, unless the ledger's server cannot be reached
    at all (LedgerUnreachable), which stops every profile.
    """
    target = db or ledger_module.default_db()
    before, before_period = previous_rating(year, period, list(profile.rules.get("periods") or []))
    if not ledger_module.exists(target):
        return History(before, {}, str(target), before_period, period)
    try:
        with ledger_module.Ledger(target) as ledger:
            history = History(
                before, ledger.results(profile.name, before, before_period), ledger.where, before_period, period
            )
            if period:
                history.earlier = [r for r in ledger.all_results(profile.name) if (r.year, r.period) != (year, period)]
            return history
    except ledger_module.LedgerError as exc:
        # a server that cannot be reached stops every profile: the run could not keep its results either
        if problems is None or required or isinstance(exc, ledger_module.LedgerUnreachable):
            raise
        problems.warning("ledger-read-failed", f"未能读取台账，汇总报告中不列上年比较：{exc}")
        return History(before, {}, str(target), before_period, period)


def last_grades(
    roster: list[RosterEntry],
    history: History | None,
    profile: Profile,
    problems: Problems,
    normalise: Callable[[str], str | None] | None = None,
    label: str = "上年等次",
) -> dict[str, LastGrade]:
    """Each roster subject's grade last year: the ledger's, else the roster's `label` column (normalised)."""
    normalise = normalise or (lambda typed: typed if typed in profile.grades else None)
    history = history or History(0)
    found: dict[str, LastGrade] = {}
    for entry in roster:
        kept = history.kept.get(entry.id)
        kept = kept if kept is not None and kept.grade in profile.grades else None
        typed = _typed(entry, normalise, problems, label)
        if kept is not None:
            if typed is not None and typed != kept.grade:
                problems.warning(
                    "history-mismatch",
                    f"{entry.name}（{entry.id}）名册填写的{label}为“{entry.last_grade}”，"
                    f"台账中 {history.year} 年的结果为“{kept.grade}”；以台账为准。请核对名册。",
                    file=entry.source.file,
                    sheet=entry.source.sheet,
                    cell=entry.source.cell,
                    subject=entry.id,
                )
            found[entry.id] = LastGrade(kept.grade, FROM_LEDGER, kept)
        elif typed is not None:
            found[entry.id] = LastGrade(typed, FROM_ROSTER)
    return found


def _typed(entry: RosterEntry, normalise, problems: Problems, label: str = "上年等次") -> str | None:
    text = (entry.last_grade or "").strip()
    if not text:
        return None
    grade = normalise(text)
    if grade is None:
        problems.warning(
            "history-grade-unknown",
            f"{entry.name}（{entry.id}）名册填写的{label}“{text}”不是本规则的等次，已忽略。请改为规定的等次或留空。",
            file=entry.source.file,
            sheet=entry.source.sheet,
            cell=entry.source.cell,
            subject=entry.id,
        )
    return grade


# --- 提升率 and 转化率 ------------------------------------------------------------------------
