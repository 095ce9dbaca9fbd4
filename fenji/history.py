"""Year on year: last year's grades, and the shengji 提升率 / 转化率 (rules.md §2, seed 000 二).

Last year's grade of a subject comes from the ledger (this profile, the year before) or else from
the roster's 上年等次 column. When both exist and disagree, the ledger wins and a warning
`history-mismatch` names the subject and the roster cell: the ledger holds what was decided.

提升率 = share of last year's 中间 that are 先进 now (target ≥ 10 %); 转化率 = share of last year's
后进 that are no longer 后进 (target 100 %). The denominators are last year's 中间 / 后进 that still
exist, i.e. are in this year's roster; those gone (merged, dissolved) are listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Callable

from fenji import ledger as ledger_module
from fenji.arith import fmt_percent
from fenji.grade import PENDING, UNGRADED
from fenji.ledger import SubjectRecord
from fenji.problems import Problems
from fenji.profiles import Profile
from fenji.records import RosterEntry

HISTORY_SYSTEMS = ("shengji", "shixing", "xingji")
FROM_LEDGER = "台账"
FROM_ROSTER = "名册"


@dataclass
class History:
    """Last year's kept results of one profile, by subject id; empty when there is no ledger yet."""

    year: int
    kept: dict[str, SubjectRecord] = field(default_factory=dict)
    where: str = ""


@dataclass
class LastGrade:
    """A subject's grade last year and where it was found (台账 or 名册)."""

    grade: str
    source: str
    record: SubjectRecord | None = None


def load_history(db: str | Path | None, profile: Profile, year: int, problems: Problems | None = None) -> History:
    """Last year's results of `profile` from the ledger at `db` (default fenji.db), if it exists.

    Reading never creates a ledger file; an existing one is upgraded to the current schema on
    opening. A ledger that cannot be read stops the run (LedgerError) for the profiles whose rules
    need last year (HISTORY_SYSTEMS); for the others, where only the report's comparison needs it,
    it is a warning `ledger-read-failed` in `problems` and no history, unless the ledger's server
    cannot be reached at all (LedgerUnreachable), which stops every profile.
    """
    target = db or ledger_module.default_db()
    if not ledger_module.exists(target):
        return History(year - 1, {}, str(target))
    try:
        with ledger_module.Ledger(target) as ledger:
            return History(year - 1, ledger.results(profile.name, year - 1), ledger.where)
    except ledger_module.LedgerError as exc:
        # a server that cannot be reached stops every profile: the run could not keep its results either
        if problems is None or profile.system in HISTORY_SYSTEMS or isinstance(exc, ledger_module.LedgerUnreachable):
            raise
        problems.warning("ledger-read-failed", f"未能读取台账，汇总报告中不列上年比较：{exc}")
        return History(year - 1, {}, str(target))


def last_grades(roster: list[RosterEntry], history: History | None, profile: Profile, problems: Problems,
                normalise: Callable[[str], str | None] | None = None, label: str = "上年等次") -> dict[str, LastGrade]:
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
                problems.warning("history-mismatch", f"{entry.name}（{entry.id}）名册填写的{label}为“{entry.last_grade}”，"
                                 f"台账中 {history.year} 年的结果为“{kept.grade}”；以台账为准。请核对名册。",
                                 file=entry.source.file, sheet=entry.source.sheet, cell=entry.source.cell, subject=entry.id)
            found[entry.id] = LastGrade(kept.grade, FROM_LEDGER, kept)
        elif typed is not None:
            found[entry.id] = LastGrade(typed, FROM_ROSTER)
    return found


def previous_ranks(roster: list[RosterEntry], history: History | None, profile: Profile,
                   problems: Problems) -> dict[str, LastGrade]:
    """Star profiles (xingji-*): each subject's last rating, the ledger's grade else the roster's 上次星级.

    A kept 不列入星级 is a rating of no star (rank 0); a kept 不参评 or 未评定 is no rating, so the
    roster's 上次星级 (if typed) is used. The one-step rule (第五条) reads the rank via `star_rank`.
    """
    from fenji.cells import parse_stars

    def normalise(typed: str) -> str | None:
        rank = parse_stars(typed)
        return None if rank is None or rank >= len(profile.grades) else profile.grades[len(profile.grades) - 1 - rank]

    return last_grades(roster, history, profile, problems, normalise, label="上次星级")


def star_rank(grade_name: str, profile: Profile) -> int:
    """五星 → 5 … 不列入星级 → 0 (the rank from the bottom of the profile's grades)."""
    return len(profile.grades) - 1 - profile.grades.index(grade_name)


def _typed(entry: RosterEntry, normalise, problems: Problems, label: str = "上年等次") -> str | None:
    text = (entry.last_grade or "").strip()
    if not text:
        return None
    grade = normalise(text)
    if grade is None:
        problems.warning("history-grade-unknown", f"{entry.name}（{entry.id}）名册填写的{label}“{text}”不是本规则的等次，"
                         "已忽略。请改为规定的等次或留空。", file=entry.source.file, sheet=entry.source.sheet,
                         cell=entry.source.cell, subject=entry.id)
    return grade


# --- 提升率 and 转化率 ------------------------------------------------------------------------

@dataclass
class Member:
    """A subject behind a rate: id, name, last year's grade and this year's."""

    id: str
    name: str
    last: str
    now: str


@dataclass
class Rate:
    """One year-on-year rate in one unit (or 合计): who is counted, who reached it, against the target."""

    unit: str
    name: str                       # 提升率 / 转化率
    rule: str                       # e.g. 上年“中间”本年为“先进”
    target: Decimal
    base: list[Member] = field(default_factory=list)
    hits: list[Member] = field(default_factory=list)
    gone: list[Member] = field(default_factory=list)     # last year's, no longer in the roster: not counted

    @property
    def value(self) -> Fraction | None:
        return Fraction(len(self.hits), len(self.base)) if self.base else None

    @property
    def ok(self) -> bool | None:
        return None if self.value is None else self.value >= Fraction(self.target)

    @property
    def text(self) -> str:
        return "—" if self.value is None else f"{len(self.hits)}/{len(self.base)}，{fmt_percent(self.value)}"


def year_on_year(subjects, profile: Profile, history: History | None = None) -> list[Rate]:
    """提升率 and 转化率 per unit, then for all units together (unit `合计`)."""
    rules = profile.rules["year_on_year"]
    rows = subjects.to_dict("records")
    roster_ids = {str(r["编号"]) for r in rows}
    units = list(dict.fromkeys(str(r["单位"]) for r in rows)) + ["合计"]
    rates = []
    for unit in units:
        members = [r for r in rows if unit == "合计" or str(r["单位"]) == unit]
        gone = _gone(history, roster_ids, unit)
        rates.append(_rate(unit, "提升率", members, gone, rules["promotion_from"], rules["promotion_target"],
                           lambda now: now == rules["promotion_to"], f"上年“{rules['promotion_from']}”本年为“{rules['promotion_to']}”"))
        rates.append(_rate(unit, "转化率", members, gone, rules["conversion_from"], rules["conversion_target"],
                           lambda now: now not in (rules["conversion_from"], UNGRADED, PENDING),
                           f"上年“{rules['conversion_from']}”本年不再是“{rules['conversion_from']}”"))
    return rates


def _rate(unit, name, members, gone, source_grade, target, reached, rule) -> Rate:
    rate = Rate(unit, name, rule, target)
    for row in members:
        if row.get("上年等次") != source_grade:
            continue
        member = Member(str(row["编号"]), str(row["名称"]), source_grade, str(row["等次"]))
        rate.base.append(member)
        if reached(member.now):
            rate.hits.append(member)
    rate.gone = [Member(r.id, r.name, r.grade, "") for r in gone if r.grade == source_grade]
    return rate


def _gone(history: History | None, roster_ids: set[str], unit: str) -> list[SubjectRecord]:
    if history is None:
        return []
    return [r for r in history.kept.values() if r.id not in roster_ids and (unit == "合计" or r.unit == unit)]


def rates_info(outcome) -> dict:
    """run.json's `year_on_year` for shengji: each unit's (and 合计's) 提升率 and 转化率, exact and as text.

    `{}` for other profiles. Per rate: unit, name, target, base (the ids counted), hits (those that
    reached it), gone (last year's no longer in the roster), value (`"1/4"`), percent (`"25.0%"`), met.
    """
    profile = getattr(outcome, "profile", None)
    if profile is None or profile.system != "shengji" or outcome.graded is None:
        return {}
    return {"year_on_year": [_rate_info(rate) for rate in year_on_year(outcome.graded.subjects, profile, outcome.history)]}


def _rate_info(rate: Rate) -> dict:
    value = rate.value
    return {"unit": rate.unit, "name": rate.name, "rule": rate.rule, "target": fmt_percent(Fraction(rate.target)),
            "base": [m.id for m in rate.base], "hits": [m.id for m in rate.hits], "gone": [m.id for m in rate.gone],
            "value": None if value is None else f"{len(rate.hits)}/{len(rate.base)}",
            "percent": None if value is None else fmt_percent(value), "met": rate.ok}
