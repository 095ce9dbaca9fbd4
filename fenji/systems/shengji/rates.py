"""提升率 and 转化率 (rules.md §2, seed 000 二), per town and for all towns together.

提升率 = share of last year's 中间 that are 先进 now (target ≥ 10 %); 转化率 = share of last year's
后进 that are no longer 后进 (target 100 %). The denominators are last year's 中间 / 后进 that still
exist, i.e. are in this year's roster; those gone (merged, dissolved) are listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from fenji.core.arith import fmt_percent
from fenji.core.history import History
from fenji.core.ledger import SubjectRecord
from fenji.core.profiles import Profile
from fenji.grading.grade import PENDING, UNGRADED


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
    name: str  # 提升率 / 转化率
    rule: str  # e.g. 上年“中间”本年为“先进”
    target: Decimal
    base: list[Member] = field(default_factory=list)
    hits: list[Member] = field(default_factory=list)
    gone: list[Member] = field(default_factory=list)  # last year's, no longer in the roster: not counted

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
        rates.append(
            _rate(
                unit,
                "提升率",
                members,
                gone,
                rules["promotion_from"],
                rules["promotion_target"],
                lambda now: now == rules["promotion_to"],
                f"上年“{rules['promotion_from']}”本年为“{rules['promotion_to']}”",
            )
        )
        rates.append(
            _rate(
                unit,
                "转化率",
                members,
                gone,
                rules["conversion_from"],
                rules["conversion_target"],
                lambda now: now not in (rules["conversion_from"], UNGRADED, PENDING),
                f"上年“{rules['conversion_from']}”本年不再是“{rules['conversion_from']}”",
            )
        )
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

    Per rate: unit, name, target, base (the ids counted), hits (those that
    reached it), gone (last year's no longer in the roster), value (`"1/4"`), percent (`"25.0%"`), met.
    """
    profile = getattr(outcome, "profile", None)
    if profile is None or outcome.graded is None:
        return {}
    return {
        "year_on_year": [_rate_info(rate) for rate in year_on_year(outcome.graded.subjects, profile, outcome.history)]
    }


def _rate_info(rate: Rate) -> dict:
    value = rate.value
    return {
        "unit": rate.unit,
        "name": rate.name,
        "rule": rate.rule,
        "target": fmt_percent(Fraction(rate.target)),
        "base": [m.id for m in rate.base],
        "hits": [m.id for m in rate.hits],
        "gone": [m.id for m in rate.gone],
        "value": None if value is None else f"{len(rate.hits)}/{len(rate.base)}",
        "percent": None if value is None else fmt_percent(value),
        "met": rate.ok,
    }
