"""Stage 8 for `gongxin` (两委班子公信度调查): every document is internal (内部资料) — no public notice
ever (rules.md §7, documents.md). Per village the 公信度调查结果汇总表 (班子 and each member, per
category); per town the 甄别名单 (to the 镇党委 only: the 甄别 and 提醒谈话 flags, lowest 公信度
first, with the figures that caused each flag); one 汇总报告 (distribution, villages with a flagged
班子, year on year from the ledger).

Each document has one dataclass here; its template (`templates/gongxin_*.html`) sees it as `doc`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from fenji.core import render
from fenji.core.documents import (
    DASH,
    DocMeta,
    Plan,
    Signature,
    add_single,
    doc_date,
    doc_meta,
    issuer_of,
    ledger_note,
    note_text,
    report_doc,
    safe_name,
)
from fenji.forms.blank import BlankPlan

KIND = "公信度调查"  # the word in file names
MARKING = "内部资料"


@dataclass
class TrustLine:
    """One row of a village's 汇总表 (the 班子 or one member)."""

    number: int
    id: str
    name: str
    post: str
    valid: str
    counts: list[str]  # per option
    rate: str
    rates: list[str]  # per category
    grade: str
    last: str
    change: str  # empty without last year's figure
    note: str
    team: bool


@dataclass
class TrustTableDoc:
    """公信度调查结果汇总表 of one village, landscape, 内部资料."""

    meta: DocMeta
    title_lines: list[str]
    village: str
    town: str
    year: int
    options: list[str]
    categories: list[str]
    rows: list[TrustLine]
    notes: list[str]
    signature: Signature
    marking: str = MARKING


@dataclass
class FlagLine:
    """One flagged person or 班子 on the 甄别名单, with the figures behind the flag."""

    number: int
    village: str
    id: str
    name: str
    post: str
    rate: str
    distrust: str
    valid: str
    low_categories: str  # categories whose own rate is below the flag's threshold
    last: str
    again: str


@dataclass
class ScreeningDoc:
    """The town's 甄别名单: 甄别 first, then 提醒谈话, each lowest 公信度 first. To the 镇党委 only."""

    meta: DocMeta
    title_lines: list[str]
    town: str
    year: int
    sections: list[tuple[str, str, list[FlagLine]]]  # (grade, rule text, lines)
    notes: list[str]
    signature: Signature
    marking: str = f"{MARKING}　报镇党委"


@dataclass
class TeamLine:
    town: str
    village: str
    rate: str
    grade: str
    last: str
    change: str
    flagged_members: str


@dataclass
class CountLine:
    who: str
    counts: list[str]
    total: str


@dataclass
class GongxinReportDoc:
    """The 汇总报告 for gongxin: the cover facts, the flag distribution (班子 and members), every
    village's 班子, the flagged, the not graded, and year on year (cadres flagged again)."""

    meta: DocMeta
    title_lines: list[str]
    scope: str
    year: int
    profile_name: str
    profile_title: str
    date: str
    data_as_of: str
    version: str
    problem_counts: str
    grades: list[str]
    counts: list[CountLine]
    bar_chart: object
    teams: list[TeamLine]
    flagged_teams: list[str]
    flagged: list[FlagLine]
    unsettled: list[FlagLine]
    again: list[FlagLine]
    has_history: bool
    signature: Signature
    marking: str = MARKING
    last_year: list = field(default_factory=list)
    last_year_grades: list[str] = field(default_factory=list)
    last_year_note: str = ""


def _records(outcome) -> list[dict]:
    return outcome.graded.subjects.to_dict("records")


def _towns(records: list[dict]) -> list[str]:
    return list(dict.fromkeys(str(r["乡镇"]) for r in records))


def _value(values: dict, key: str) -> str:
    return str(values.get(key) or "") or DASH


def _printed(outcome) -> dict[str, dict]:
    """results.csv's printed values by 编号 (the documents print what the results say)."""
    return {str(r["编号"]): r for r in outcome.results.to_dict("records")}


def trust_table_doc(outcome, options, village: str) -> TrustTableDoc:
    profile, year = outcome.profile, options.year
    rules = profile.rules
    printed = _printed(outcome)
    rows = [r for r in _records(outcome) if str(r["单位"]) == village]
    town = str(rows[0]["乡镇"]) if rows else ""
    lines = []
    for n, r in enumerate(rows, start=1):
        p = printed[str(r["编号"])]
        lines.append(
            TrustLine(
                n,
                str(r["编号"]),
                str(r["名称"]),
                str(r["类别"]),
                _value(p, "有效票"),
                [_value(p, o) for o in rules["options"]],
                _value(p, "得分"),
                [_value(p, f"{c}公信度") for c in rules["categories"]],
                str(r["等次"]),
                " ".join(x for x in (str(p.get("上年得分") or ""), str(p.get("上年等次") or "")) if x) or DASH,
                str(p.get("公信度变化") or ""),
                "；".join(x for x in (note_text(r), str(p.get("连续标记") or "")) if x),
                str(r["类别"]) == "班子",
            )
        )
    title = f"{village}{year}年度“两委”班子公信度调查结果汇总表"
    day, issuer = doc_date(options), issuer_of(profile, options, town)
    weights = "、".join(f"{c}×{w}" for c, w in rules["weights"].items() if w != 1)
    notes = [
        f"公信度 =（{'+'.join(rules['trusted'])}）÷ 有效票，有效票 = {'+'.join(rules['trusted'] + rules['distrusted'])}；"
        f"“不了解”、未填和其他写法为无效票。" + (f"按类别加权：{weights}。" if weights else "每张有效票权重相同。"),
        f"结果：{_band_rule(profile)}；有效票少于 {rules['min_valid']} 张为{rules['insufficient']}，不作标记。",
        "本表为内部资料，不公示；甄别名单只报镇党委。",
    ]
    return TrustTableDoc(
        doc_meta(title, issuer, day),
        render.balance_lines(title, 30),
        village,
        town,
        year,
        list(rules["options"]),
        list(rules["categories"]),
        lines,
        notes,
        Signature(issuer, render.cn_date(day)),
    )


def _band_rule(profile) -> str:
    parts, above = [], None
    for band in profile.bands:
        low = f"{band.low}%"
        parts.append(f"{band.grade}（{low}及以上）" if above is None else f"{band.grade}（{low}至不满{above}）")
        above = low
    return "、".join(parts).replace("（0%至不满", "（不满")


def _flag_line(n: int, r: dict, p: dict, profile) -> FlagLine:
    rules = profile.rules
    threshold = _threshold_of(str(r["等次"]), profile)
    below = [
        f"{c} {p.get(f'{c}公信度')}"
        for c in rules["categories"]
        if p.get(f"{c}公信度") and threshold is not None and _pct(p.get(f"{c}公信度")) < threshold
    ]
    return FlagLine(
        n,
        str(r["单位"]),
        str(r["编号"]),
        str(r["名称"]),
        str(r["类别"]),
        _value(p, "得分"),
        _value(p, "不信任率"),
        _value(p, "有效票"),
        "、".join(below) or DASH,
        " ".join(x for x in (str(p.get("上年得分") or ""), str(p.get("上年等次") or "")) if x) or DASH,
        str(p.get("连续标记") or "") or note_text(r),
    )


def _threshold_of(grade: str, profile):
    """The lower bound of the band above `grade`: the figure a flag fell short of."""
    grades = profile.grades
    if grade not in grades or grades.index(grade) == 0:
        return None
    return profile.bands[grades.index(grade) - 1].low


def _pct(text: str) -> Decimal:
    """`72.7%` (a printed rate) → Decimal('72.7')."""
    return Decimal(str(text).rstrip("%"))


def _sort_key(r: dict):
    score = r.get("得分")
    return (score if score is not None and score == score else 0, str(r["编号"]))


def screening_doc(outcome, options, town: str) -> ScreeningDoc:
    profile, year = outcome.profile, options.year
    printed = _printed(outcome)
    records = [r for r in _records(outcome) if str(r["乡镇"]) == town]
    sections = []
    for grade in profile.rules["flagged"][::-1]:  # 甄别 first
        flagged = sorted((r for r in records if r["等次"] == grade), key=_sort_key)
        threshold = _threshold_of(grade, profile)
        low = profile.bands[profile.grades.index(grade)].low
        rule = f"公信度{low}%至不满{threshold}%" if low > 0 else f"公信度不满{threshold}%"
        sections.append(
            (grade, rule, [_flag_line(n, r, printed[str(r["编号"])], profile) for n, r in enumerate(flagged, 1)])
        )
    title = f"{town}{year}年度村（社区）“两委”干部甄别名单"
    day, issuer = doc_date(options), issuer_of(profile, options, town)
    notes = [
        "本名单只报镇党委，不公示、不下发；按公信度由低到高排列。",
        "“低于标准的类别”列出该类调查对象的公信度低于本等次上限的类别，供甄别时核实群众反映。",
        "对公信度低、群众反映强烈的班子或个人，由镇党委研究进行调整、撤换；违法乱纪的依法依规严肃查处。",
    ]
    return ScreeningDoc(
        doc_meta(title, issuer, day),
        render.balance_lines(title, 24),
        town,
        year,
        sections,
        notes,
        Signature(issuer, render.cn_date(day)),
    )


def gongxin_report_doc(outcome, options) -> GongxinReportDoc:
    profile, year = outcome.profile, options.year
    rules = profile.rules
    base = report_doc(outcome, options)
    records, printed = _records(outcome), _printed(outcome)
    towns = _towns(records)
    scope = options.county or "、".join(towns)
    author = f"中共{options.county}委员会组织部" if options.county else issuer_of(profile, options, towns[0])
    title = f"{scope}{year}年度村（社区）“两委”班子公信度调查汇总报告"
    grades = profile.grades + [rules["insufficient"], "未评定"]
    teams = [r for r in records if str(r["类别"]) == "班子"]
    members = [r for r in records if str(r["类别"]) != "班子"]
    counts = []
    for who, group in (("班子", teams), ("成员", members)):
        tally = Counter(str(r["等次"]) for r in group)
        counts.append(CountLine(who, [str(tally[g]) for g in grades], str(len(group))))
    chart = render.svg_grouped_bars(["班子", "成员"], grades, [[int(c) for c in line.counts] for line in counts])
    team_lines = []
    for t in teams:
        p = printed[str(t["编号"])]
        flagged_members = [
            f"{m['名称']}（{m['等次']}）" for m in members if m["单位"] == t["单位"] and m["等次"] in rules["flagged"]
        ]
        team_lines.append(
            TeamLine(
                str(t["乡镇"]),
                str(t["单位"]),
                _value(p, "得分"),
                str(t["等次"]),
                " ".join(x for x in (str(p.get("上年得分") or ""), str(p.get("上年等次") or "")) if x) or DASH,
                str(p.get("公信度变化") or "") or DASH,
                "、".join(flagged_members) or DASH,
            )
        )
    flagged = sorted((r for r in records if r["等次"] in rules["flagged"]), key=_sort_key)
    unsettled = [r for r in records if r["等次"] not in profile.grades]
    again = [r for r in records if printed[str(r["编号"])].get("连续标记")]
    history = getattr(outcome, "history", None)
    return GongxinReportDoc(
        meta=doc_meta(title, author, doc_date(options)),
        title_lines=render.balance_lines(title),
        scope=scope,
        year=year,
        profile_name=profile.name,
        profile_title=profile.title,
        date=base.date,
        data_as_of=base.data_as_of,
        version=base.version,
        problem_counts=base.problem_counts,
        grades=grades,
        counts=counts,
        bar_chart=chart,
        teams=team_lines,
        flagged_teams=[t.village for t in team_lines if t.grade in rules["flagged"]],
        flagged=[_flag_line(n, r, printed[str(r["编号"])], profile) for n, r in enumerate(flagged, 1)],
        unsettled=[_flag_line(n, r, printed[str(r["编号"])], profile) for n, r in enumerate(unsettled, 1)],
        again=[_flag_line(n, r, printed[str(r["编号"])], profile) for n, r in enumerate(again, 1)],
        has_history=bool(history is not None and history.kept),
        signature=Signature(author, base.date),
        last_year=base.last_year,
        last_year_grades=base.last_year_grades,
        # worded for a survey: the ledger keeps last year's 调查结果 of 班子 and members
        last_year_note=base.last_year_note
        and ledger_note(base.last_year_when, "调查结果", base.last_year_count, "个班子和成员"),
    )


def plan_gongxin(outcome, options, env, root: Path) -> Plan:
    """Internal documents only: no 公示, no letters to the persons rated."""
    plan = Plan()
    records = _records(outcome)
    for town in _towns(records):
        folder = root / safe_name(town)
        villages = list(dict.fromkeys(str(r["单位"]) for r in records if str(r["乡镇"]) == town))
        for village in villages:
            add_single(
                plan,
                env,
                outcome,
                "gongxin_table.html",
                trust_table_doc(outcome, options, village),
                folder / f"{safe_name(village)}{options.year}年度{KIND}结果汇总表.pdf",
            )
        add_single(
            plan,
            env,
            outcome,
            "gongxin_screening.html",
            screening_doc(outcome, options, town),
            folder / f"{safe_name(town)}{options.year}年度{KIND}甄别名单.pdf",
        )
    add_single(
        plan,
        env,
        outcome,
        "gongxin_report.html",
        gongxin_report_doc(outcome, options),
        root / "汇总报告.pdf",
        editable=True,
    )
    return plan


def blank_forms(profile, entries, out: Path, year: int, ballots: int, campaign: str) -> BlankPlan:
    """`fenji forms`: the 调查表 gets `--ballots` rows (else 50); no paper ballots are printed."""
    from fenji.forms.trust_blank import trust_forms_plan

    notes = [f"公信度调查表按 --ballots 留出 {ballots} 行。"] if ballots else []
    return BlankPlan(trust_forms_plan(profile, entries, out, year, ballots, campaign), 0, notes)
