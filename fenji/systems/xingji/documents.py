"""Stage 8 for the star systems (xingji-*): per village the 星级评定结果公示, the 星级评定汇总表 and
the 五星卡 sheet; the county report is the common one (fenji.core.documents.report_doc) with the
three-year targets (stars.targets) as its annex.

Each document has one dataclass here; its template (`templates/stars_*.html`) sees it as `doc` and
may use nothing else. What the public notice may show is decided here: `StarGroup` holds names
only, and subjects who are 不参评 (a sensitive reason: 涉嫌黄赌毒, 治安拘留 …), 不列入星级,
未评定 or 待定 are not on it at all.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path

import jinja2

from fenji.core import render
from fenji.core.arith import fmt_decimal, fmt_percent
from fenji.core.documents import (
    DASH,
    DocMeta,
    Plan,
    ReportDoc,
    Signature,
    add_single,
    band_text,
    doc_date,
    doc_meta,
    issuer_of,
    missing_to_none,
    note_text,
    notice_terms,
    report_doc,
    rows_of,
    safe_name,
    units_of,
    year_on_year,
)
from fenji.core.profiles import Profile
from fenji.grading.grade import M_LIFETIME, NOT_PARTICIPATING, PENDING, UNGRADED
from fenji.systems.xingji.score import target_report

KIND = "星级评定"  # <单位><年度>年度星级评定汇总表.pdf, …星级评定结果公示.pdf
CARDS_PER_PAGE = 4  # 2 × 2 cards on an A4 sheet, cut along the dashed lines


# --- data objects ---------------------------------------------------------------------------


@dataclass
class StarGroup:
    """One star level and category on the public notice: names only (a village group where two share a name)."""

    grade: str
    category: str
    names: list[str]


@dataclass
class StarNoticeDoc:
    """星级评定结果公示 of one village for the village board: who earned which star, by category."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    year: int
    title: str  # the profile's title
    summary: str  # 五星 3 名（户）、四星 9 名（户）……
    groups: list[StarGroup]
    starred: int
    categories: str  # 党员干部、一般党员、群众、服务行业: the categories with a starred subject
    unsettled: int  # 待定 / 未评定: their results are announced later (no names)
    period_start: str
    period_end: str
    issuer: str
    phone: str
    address: str
    hotline_12380: bool
    signature: Signature


@dataclass
class StarLine:
    """One subject's row of the 星级评定汇总表 (internal: everything, 不参评情形 included)."""

    number: int
    id: str
    name: str
    category: str
    group: str
    previous: str
    public: str
    voters: str
    panel: str
    opinion: str
    score: str
    initial: str
    grade: str
    note: str
    ineligible: str


@dataclass
class StarSummaryDoc:
    """星级评定汇总表 of one village, landscape, for the file: every subject, score, adjustment and reason."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    year: int
    show_panel: bool  # the panel's points count (xingji-daan); else only its 审定意见
    rows: list[StarLine]
    quotas: list[str]
    targets: list[str]
    notes: list[str]
    signature: Signature
    marking: str = "内部资料"
    show_ineligible: bool = True  # the profile has 不参评情形 codes (xingji-daan); else the column is left out


@dataclass
class Card:
    """One 五星卡: who, which village, issued when and valid until when, and what it entitles to."""

    title: str
    name: str
    id: str
    category: str
    unit: str
    issued: str
    valid_until: str
    benefits: list[str]
    issuer: str
    name_label: str = "姓　　名"  # 名　　称 for a business (服务行业)


@dataclass
class CardsDoc:
    """A village's 五星卡, several per A4 sheet with dashed cut lines."""

    meta: DocMeta
    pages: list[list[Card]]


# --- helpers --------------------------------------------------------------------------------


def card_valid_until(issued: dt.date, months: int) -> dt.date:
    """Valid for `months` from the issue date, the day before the same date `months` later
    (2027-01-15, 6 → 2027-07-14; a day the month lacks is its last day: 2027-08-31 → 2028-02-28)."""
    month = issued.month - 1 + months
    year, month = issued.year + month // 12, month % 12 + 1
    day = min(issued.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) - dt.timedelta(days=1)


def _groups_by_id(outcome) -> dict[str, str]:
    return {entry.id: entry.kind for entry in outcome.scored.roster}


def _shown_names(rows: list[dict], groups: dict[str, str]) -> dict[str, str]:
    """Names as printed: where two subjects of the village share a name, the first qualifier that tells
    them apart is added — their village group, their category, both — never their internal 编号;
    namesakes alike in all of these are told apart as 甲、乙 … in roster order."""
    names = Counter(str(r["名称"]) for r in rows)
    qualifiers = [
        lambda r: groups.get(r["编号"], ""),
        lambda r: str(r.get("类别") or ""),
        lambda r: groups.get(r["编号"], "") + str(r.get("类别") or ""),
    ]
    shown, ordinal = {}, Counter()
    for r in rows:
        name = str(r["名称"])
        label = ""
        if names[name] > 1:
            namesakes = [o for o in rows if str(o["名称"]) == name]
            for qualify in qualifiers:
                if qualify(r) and sum(1 for o in namesakes if qualify(o) == qualify(r)) == 1:
                    label = qualify(r)
                    break
            else:
                ordinal[name] += 1
                label = "甲乙丙丁戊己庚辛壬癸"[(ordinal[name] - 1) % 10]
        shown[r["编号"]] = f"{name}（{label}）" if label else name
    return shown


# --- 结果公示 ---------------------------------------------------------------------------------

PUBLIC_MARKS = {M_LIFETIME: "终身"}  # markers the board may see, as printed


def _public_marks(row: dict) -> str:
    """`（终身）` only: adjustment notes (经党委研究调整, 限晋一级, 超比例调整 …) and reasons stay on the
    internal 汇总表 — a public notice announces results, and a village has no 党委 to name."""
    marks = [PUBLIC_MARKS[m] for m in dict.fromkeys(row.get("markers") or []) if m in PUBLIC_MARKS]
    return f"（{'，'.join(marks)}）" if marks else ""


def _public_score(row: dict, profile: Profile) -> str:
    """` 96.0分` only where the profile says `notice.show_scores = true` (documents.md); else nothing."""
    score = missing_to_none(row.get("得分"))
    return f" {fmt_decimal(score, profile.decimals)}分" if profile.notice["show_scores"] and score is not None else ""


def star_notice_doc(outcome, options, unit: str) -> StarNoticeDoc:
    """The village's notice: starred subjects by star and category; nobody else, no reasons, and no scores
    unless the profile's `notice.show_scores`."""
    profile, year = outcome.profile, options.year
    terms = notice_terms(profile, options, unit, outcome.problems)
    title = f"关于{unit}{year}年度{profile.title}结果的公示"
    rows = rows_of(outcome.graded.subjects, unit)
    names = _shown_names(rows, _groups_by_id(outcome))
    stars = profile.grades[:-1]  # the lowest band is 不列入星级: not announced
    shown = {r["编号"]: names[r["编号"]] + _public_marks(r) + _public_score(r, profile) for r in rows}
    groups = [
        StarGroup(grade, category, [shown[r["编号"]] for r in rows if r["等次"] == grade and r["类别"] == category])
        for grade in stars
        for category in profile.rules["categories"]
    ]
    groups = [g for g in groups if g.names]
    counts = Counter(r["等次"] for r in rows)
    summary = "、".join(f"{g} {counts[g]} 名（户）" for g in stars if counts[g])
    return StarNoticeDoc(
        doc_meta(title, terms["issuer"], doc_date(options)),
        render.balance_lines(title),
        unit,
        year,
        profile.title,
        summary,
        groups,
        sum(counts[g] for g in stars),
        "、".join(c for c in profile.rules["categories"] if any(g.category == c for g in groups)),
        counts[PENDING] + counts[UNGRADED],
        **terms,
    )


# --- 星级评定汇总表 -----------------------------------------------------------------------------


def star_summary_doc(outcome, options, unit: str) -> StarSummaryDoc:
    """Every subject of the village with its scores, grades, markers and (internal) 不参评情形."""
    profile, year = outcome.profile, options.year
    day, issuer = doc_date(options), issuer_of(profile, options, unit)
    title = f"{unit}{year}年度{profile.title}汇总表"
    groups, d = _groups_by_id(outcome), profile.decimals
    lines = [
        StarLine(
            n,
            str(r["编号"]),
            str(r["名称"]),
            str(r["类别"]),
            groups.get(r["编号"], ""),
            str(r.get("上次星级") or "") or DASH,
            _fmt(r.get("群众评议"), d + 1),
            _count(r.get("评议人数")),
            _fmt(r.get("领导小组评议"), d),
            str(r.get("审定意见") or "") or DASH,
            _fmt(r["得分"], d),
            str(r["初定等次"]),
            str(r["等次"]),
            note_text(r),
            str(r.get("不参评情形") or ""),
        )
        for n, r in enumerate(rows_of(outcome.graded.subjects, unit), start=1)
    ]
    quotas = [
        f"{c.category}{c.label}：{c.n} 名（户）中{'最多' if c.kind == 'cap' else '约'} {c.allowed}，实际 {c.actual}，"
        f"{'符合' if c.ok else '不符合'}"
        for c in outcome.graded.quota_checks
        if c.unit == unit
    ]
    subjects = outcome.graded.subjects
    targets = [t.text for t in target_report(subjects[subjects["单位"] == unit], profile)]
    return StarSummaryDoc(
        doc_meta(title, issuer, day),
        render.balance_lines(title, 30),
        unit,
        year,
        profile.rules["panel_weight"] > 0,
        lines,
        quotas,
        targets,
        _summary_notes(profile),
        Signature(issuer, render.cn_date(day)),
        show_ineligible=bool(profile.rules["eligibility"]),
    )


def _fmt(value, places: int) -> str:
    value = missing_to_none(value)
    return DASH if value is None else fmt_decimal(value, places)


def _count(value) -> str:
    value = missing_to_none(value)
    return DASH if value is None else str(int(value))


def _summary_notes(profile: Profile) -> list[str]:
    stars = profile.rules
    rounding = f"四舍五入保留 {profile.decimals} 位小数"
    if stars["panel_weight"] > 0:
        formula = (
            f"得分 = 群众评议 × {fmt_percent(stars['public_weight'], 0)} + 领导小组评议 × "
            f"{fmt_percent(stars['panel_weight'], 0)}，{rounding}"
        )
    else:
        formula = f"得分即群众评议，{rounding}；领导小组只作审定，审定意见为“不同意”的不列入星级"
    notes = [f"群众评议为各代表所评分数的平均数（未评分的代表不计）；{formula}。", f"星级：{band_text(profile)}。"]
    if profile.one_step:
        notes.append("首次评定后每次最多晋升一级（上次未评上星级的按零星计），标“限晋一级”；降级不受限制。")
    if stars["lifetime_before"]:
        notes.append(f"{render.cn_date(stars['lifetime_before'])}前（不含当日）入党的老党员为终身五星，不占比例。")
    if stars["eligibility"]:
        codes = "；".join(f"{code}. {reason}" for code, reason in stars["eligibility"].items())
        notes.append(f"不参评情形（{codes}）的对象不参加评定、不计入比例基数；此列属个人信息，仅供存档，不得公示。")
    notes.append(
        f"“{UNGRADED}”为评定资料不全，“{PENDING}”为比例名额线上得分完全相同、待{profile.decider}研究决定，"
        f"“{NOT_PARTICIPATING}”为有不参评情形。"
    )
    return notes


# --- 五星卡 -----------------------------------------------------------------------------------


def cards_doc(outcome, options, unit: str) -> CardsDoc | None:
    """The village's 五星卡 (None when nobody earned five stars)."""
    profile, stars = outcome.profile, outcome.profile.rules
    issued, issuer = getattr(options, "card_date", None) or doc_date(options), issuer_of(profile, options, unit)
    valid = render.cn_date(card_valid_until(issued, stars["card_months"]))
    top = profile.grades[0]
    cards = [
        _card(r, unit, stars, issued, valid, issuer) for r in rows_of(outcome.graded.subjects, unit) if r["等次"] == top
    ]
    if not cards:
        return None
    title = f"{unit}{options.year}年度{stars['card_title']}"
    pages = [cards[i : i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)]
    return CardsDoc(doc_meta(title, issuer, issued), pages)


def _card(row: dict, unit: str, stars: dict, issued: dt.date, valid: str, issuer: str) -> Card:
    """A lifetime five-star (终身五星) holds the title for life: the card says 终身, not a half-year date.
    A business (stars.business_categories) gets a card naming it, with the business benefits only."""
    lifetime = M_LIFETIME in (row.get("markers") or [])
    category = str(row["类别"])
    business = category in stars["business_categories"]
    return Card(
        f"{unit}“五带头”{stars['card_title']}",
        str(row["名称"]),
        str(row["编号"]),
        category + ("（终身五星）" if lifetime else ""),
        unit,
        render.cn_date(issued),
        "终身" if lifetime else valid,
        list(stars["business_card_benefits"] if business else stars["card_benefits"]),
        issuer,
        "名　　称" if business else "姓　　名",
    )


# --- 汇总报告 ---------------------------------------------------------------------------------


@dataclass
class TargetLine:
    """One village's three-year target against this year's share, for the county report."""

    unit: str
    category: str
    goal: str  # 四星及以上 70%
    actual: str  # 5/22（22.7%）
    mark: str  # √ 达到 / × 未达到


@dataclass
class StarReportDoc(ReportDoc):
    """The common county report, then each village's three-year targets (stars.targets) vs the actual shares."""

    targets: list[TargetLine] = field(default_factory=list)
    lifetime: bool = False  # lifetime five-stars exist under the profile: they count as 五星


def target_lines(outcome) -> list[TargetLine]:
    """Every `stars.targets` entry per village (fenji.systems.xingji.score.target_report), as printed."""
    lines = []
    for t in target_report(outcome.graded.subjects, outcome.profile):
        grade = t.at_least if t.at_least == outcome.profile.grades[0] else f"{t.at_least}及以上"
        actual = f"{t.reached}/{t.n}（{fmt_percent(t.share)}）" if t.share is not None else DASH
        mark = "—（无已评定对象）" if t.share is None else "√ 达到" if t.met else "× 未达到"
        lines.append(TargetLine(t.unit, t.category, f"{grade} {fmt_percent(t.target, 0)}", actual, mark))
    order = {unit: n for n, unit in enumerate(units_of(outcome.graded.subjects))}
    return sorted(lines, key=lambda line: order.get(line.unit, len(order)))  # stable: by village, then as listed


PREVIOUS = "上次星级"


def previous_grade(row: dict, profile: Profile) -> str:
    """The previous rating the one-step rule (限晋一级) used, as a grade of the profile ("" for a first
    rating): the same `previous_rank` grading read, whether it came from the ledger or the roster."""
    rank = missing_to_none(row.get("previous_rank"))
    if rank is None:
        return ""
    grades = profile.grades
    return grades[max(0, len(grades) - 1 - int(rank))]


def star_report_doc(outcome, options) -> StarReportDoc:
    """The common report's fields, whatever they are, and the targets annex. The comparison is with the
    上次星级 that drove 限晋一级 (the ledger has no 上年等次 column for stars)."""
    base = report_doc(outcome, options)
    profile = outcome.profile
    records = [{**r, PREVIOUS: previous_grade(r, profile)} for r in outcome.graded.subjects.to_dict("records")]
    fields_of = {f.name: getattr(base, f.name) for f in fields(base)}
    fields_of.update(year_on_year(records, profile, base.grades, column=PREVIOUS, label=PREVIOUS))
    return StarReportDoc(
        **fields_of,
        targets=target_lines(outcome),
        lifetime=bool(profile.rules["lifetime_before"]),
    )


# --- plan -----------------------------------------------------------------------------------


def plan_star_documents(outcome, options, env: jinja2.Environment, root: Path) -> Plan:
    """Per village: 汇总表, 结果公示 and 五星卡; then the county report (paths under `root`)."""
    plan = Plan()
    for unit in units_of(outcome.graded.subjects):
        folder = root / safe_name(unit)
        stem = f"{safe_name(unit)}{options.year}年度"
        add_single(
            plan,
            env,
            outcome,
            "stars_summary.html",
            star_summary_doc(outcome, options, unit),
            folder / f"{stem}{KIND}汇总表.pdf",
        )
        add_single(
            plan,
            env,
            outcome,
            "stars_notice.html",
            star_notice_doc(outcome, options, unit),
            folder / f"{stem}{KIND}结果公示.pdf",
            editable=True,
        )
        cards = cards_doc(outcome, options, unit)
        if cards is not None:
            add_single(plan, env, outcome, "stars_cards.html", cards, folder / f"{stem}五星卡.pdf")
    add_single(
        plan, env, outcome, "stars_report.html", star_report_doc(outcome, options), root / "汇总报告.pdf", editable=True
    )
    return plan
