"""Stage 8 for the profiles that look back a year: `shengji` (分类升级) and `shixing` (十星创建).

shengji, per town: 评分定级表 (考核得分, 满意率 and both classes), 测评汇总表 (the common one),
结果公示, one 通知书 per organisation with next year's 升级目标; one 汇总报告 (the common report)
with an annex: each town's 提升率 and 转化率 against the targets, and the organisations behind
each number. shixing, per town: 十星评定汇总表, 结果公示 (villages grouped by stars), one star
sheet (通知书) per village with the stars missed as next year's targets; one 汇总报告 with the
stars met per town and each village's change since last year.

Each document has one dataclass here; its template (`templates/shengji_*.html`, `shixing_*.html`)
sees it as `doc` and may use nothing else. Public notices get names and grades only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from fractions import Fraction
from pathlib import Path

import jinja2

from fenji import render
from fenji.arith import fmt_decimal, fmt_percent
from fenji.documents import (DASH, LETTERS_PER_JOB, DocMeta, Plan, ReportDoc, Signature, _change_sentence, _clean, _doc_date, _html,
                             _issuer, _meta, _note, _rows, _single, _units, notice_terms, report_doc, safe_name,
                             survey_doc)
from fenji.grade import PENDING, UNGRADED
from fenji.history import year_on_year
from fenji.profiles import Profile

KIND = {"shengji": "分类升级", "shixing": "十星创建"}     # the word in file names


# --- shared -----------------------------------------------------------------------------------

@dataclass
class NoticeGroup:
    """One grade on a public notice and the names that have it (names only)."""

    grade: str
    names: list[str]


@dataclass
class LedgerNoticeDoc:
    """结果公示 of one town for the village board: names grouped by grade, the period, how to object."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    year: int
    title: str
    subject: str
    count: int
    summary: str
    groups: list[NoticeGroup]
    unsettled: int
    period_start: str
    period_end: str
    issuer: str
    phone: str
    address: str
    hotline_12380: bool
    signature: Signature


def notice_doc(outcome, options, unit: str) -> LedgerNoticeDoc:
    """The town's notice: grades and names only; 未评定 / 待定 are counted, not named."""
    profile, year = outcome.profile, options.year
    terms = notice_terms(profile, options, unit)
    title = f"关于{unit}{year}年度{profile.title}结果的公示"
    rows = _rows(outcome.graded.subjects, unit)
    counts = Counter(r["等次"] for r in rows)
    groups = [NoticeGroup(g, [str(r["名称"]) for r in rows if r["等次"] == g]) for g in profile.grades if counts[g]]
    summary = "、".join(f"{g}{counts[g]}个" for g in profile.grades if counts[g])
    return LedgerNoticeDoc(_meta(title, terms["issuer"], _doc_date(options)), render.balance_lines(title), unit, year,
                           profile.title, profile.subject, len(rows), summary, groups, counts[PENDING] + counts[UNGRADED],
                           **terms)


def _status(grade: str) -> str:
    return {UNGRADED: "ungraded", PENDING: "pending"}.get(grade, "graded")


def _adjustments(outcome) -> dict[str, list[str]]:
    by_id: dict[str, list[str]] = {}
    for adjustment in outcome.graded.adjustments:
        by_id.setdefault(adjustment["编号"], []).append(_change_sentence(adjustment))
    return by_id


def _letters_in_batches(plan: Plan, env, outcome, options, unit: str, every: list, doc_type, template: str,
                        folder: Path, word: str) -> None:
    """A unit's 通知书, LETTERS_PER_JOB laid out together, each batch cut into one PDF per subject."""
    meta = _meta(f"{unit}{options.year}年度{outcome.profile.title}结果通知书", _issuer(outcome.profile, options, unit),
                 _doc_date(options))
    for start in range(0, len(every), LETTERS_PER_JOB):
        _per_subject(plan, env, outcome, template, doc_type(meta, every[start:start + LETTERS_PER_JOB]), folder, word)


def _per_subject(plan: Plan, env, outcome, template: str, doc, folder: Path, word: str) -> None:
    """Several one-subject documents laid out as one, cut into one PDF per subject (anchor → file)."""
    html = _html(env, outcome, template, doc)
    if html is None:
        return
    parts = [render.Part(folder / f"{safe_name(item.id, 20)}{safe_name(item.name)}{word}.pdf", f"{item.name}{word}", item.anchor)
             for item in doc.items]
    plan.jobs.append(render.Job(html, parts))


# --- shengji ----------------------------------------------------------------------------------

@dataclass
class ShengjiLine:
    """One organisation's row of the 分类升级评分定级表."""

    number: int
    id: str
    name: str
    score: str
    rate: str
    valid: str
    score_class: str
    rate_class: str
    initial: str
    veto: str
    grade: str
    last: str
    note: str


@dataclass
class ShengjiTableDoc:
    """评分定级表 of one town (考核得分 and 满意率, both classes, the lower one), landscape, 内部资料."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    year: int
    rows: list[ShengjiLine]
    notes: list[str]
    signature: Signature
    marking: str = "内部资料"


@dataclass
class ShengjiLetter:
    """One organisation's 分类升级结果通知书: its class, both parts of it, and next year's 升级目标."""

    anchor: str
    id: str
    name: str
    unit: str
    year: int
    title_lines: list[str]
    status: str                       # graded, pending, ungraded
    grade: str
    score: str
    rate: str
    score_class: str
    rate_class: str
    last: str
    goal: str
    missing: str
    changes: list[str]
    signature: Signature


@dataclass
class ShengjiLettersDoc:
    """The town's 通知书, laid out together and cut into one PDF each (`items`)."""

    meta: DocMeta
    items: list[ShengjiLetter]


@dataclass
class RateLine:
    """One town's 提升率 or 转化率: counted, reached, the share against the target, and who is behind it."""

    unit: str
    name: str
    rule: str
    counted: int
    reached: int
    value: str
    target: str
    mark: str
    counted_names: str
    reached_names: str
    gone_names: str


@dataclass
class ShengjiReportDoc(ReportDoc):
    """The common county report plus the annex of 提升率 and 转化率 per town."""

    rates: list[RateLine] = field(default_factory=list)
    rate_source: str = ""


def _score_text(row: dict, profile: Profile) -> str:
    value = _clean(row.get("考核得分"))
    return DASH if value is None else fmt_decimal(value, profile.decimals)


def _rate_text(row: dict) -> str:
    value = _clean(row.get("满意率"))
    return DASH if value is None else fmt_percent(value)


def shengji_table_doc(outcome, options, unit: str) -> ShengjiTableDoc:
    profile, year = outcome.profile, options.year
    day, issuer = _doc_date(options), _issuer(profile, options, unit)
    title = f"{unit}{year}年度{profile.title}评分定级表"
    rows = [ShengjiLine(n, str(r["编号"]), str(r["名称"]), _score_text(r, profile), _rate_text(r),
                        str(int(r["有效票"])) if _clean(r.get("有效票")) is not None else DASH,
                        r.get("分数等次") or DASH, r.get("满意率等次") or DASH, str(r["初定等次"]),
                        str(r.get("否决情形") or ""), str(r["等次"]), str(r.get("上年等次") or DASH), _note(r))
            for n, r in enumerate(_rows(outcome.graded.subjects, unit), start=1)]
    return ShengjiTableDoc(_meta(title, issuer, day), render.balance_lines(title, 30), unit, year, rows,
                           _shengji_notes(profile), Signature(issuer, render.cn_date(day)))


def _interval_words(classes) -> str:
    def words(i) -> str:
        low = f"{i.low}{'（含）' if i.low_closed else '（不含）'}"
        high = f"{i.high}{'（含）' if i.high_closed else '（不含）'}"
        return f"{low}至{high}"
    return "；".join(f"“{g}”{words(i)}" for g, i in classes)


def _shengji_notes(profile: Profile) -> list[str]:
    rules = profile.rules
    return [f"考核得分为上级党组织评分定级表的总分（填有各项指标得分的，为各项之和），四舍五入保留 {profile.decimals} 位小数。"
            f"按考核得分分类：{_interval_words(rules['score_classes'])}。",
            f"满意率 = 满意、基本满意票数之和 ÷ 有效票数，按满意度测评表重新计算。按满意率分类（%）：{_interval_words(rules['rate_classes'])}。",
            "初定类别取两者中较低的一类；有否决情形的定为“" + (profile.veto.get("grade") or profile.lowest_grade) + "”。不设比例限制。",
            "恰在分类界线上的（考核得分 70、90 分，满意率 70%、90%）标为“临界”，请党委研究时留意。"]


def shengji_letters(outcome, options, unit: str) -> list[ShengjiLetter]:
    from fenji.score_shengji import goal
    profile, year = outcome.profile, options.year
    signature = Signature(_issuer(profile, options, unit), render.cn_date(_doc_date(options)))
    changes = _adjustments(outcome)
    letters = []
    for n, r in enumerate(_rows(outcome.graded.subjects, unit)):
        grade = str(r["等次"])
        letters.append(ShengjiLetter(
            f"letter-{n}", str(r["编号"]), str(r["名称"]), unit, year,
            render.balance_lines(f"{year}年度{profile.title}结果通知书", 16), _status(grade), grade,
            _score_text(r, profile), _rate_text(r), r.get("分数等次") or DASH, r.get("满意率等次") or DASH,
            str(r.get("上年等次") or ""), goal(grade, profile), "、".join(r.get("missing") or []),
            changes.get(r["编号"], []), signature))
    return letters


def _names(members) -> str:
    return "、".join(f"{m.name}（{m.now or '已撤并'}）" if m.now else m.name for m in members) or DASH


def rate_lines(outcome) -> list[RateLine]:
    """Each town's (and the total's) 提升率 and 转化率 with the organisations behind them."""
    lines = []
    for rate in year_on_year(outcome.graded.subjects, outcome.profile, outcome.history):
        mark = "—（无上年数据）" if rate.ok is None else "✓ 达到" if rate.ok else "✗ 未达到"
        lines.append(RateLine(rate.unit, rate.name, rate.rule, len(rate.base), len(rate.hits),
                              DASH if rate.value is None else fmt_percent(rate.value), f"{fmt_percent(rate.target, 0)}以上"
                              if rate.target < 1 else "100%", mark, _names(rate.base), _names(rate.hits),
                              "、".join(m.name for m in rate.gone)))
    return lines


def shengji_report_doc(outcome, options) -> ShengjiReportDoc:
    from fenji.score_shengji import critical_reasons
    base = report_doc(outcome, options)
    records = {str(r["编号"]): r for r in outcome.graded.subjects.to_dict("records")}
    for row in base.critical:       # the common report knows the score's boundaries only
        row.remark = "；".join(critical_reasons(records[row.id], outcome.profile)) or row.remark
    history = outcome.history
    source = (f"上年类别取自台账（{history.year} 年的运行结果），台账中没有的取名册“上年等次”列。"
              if history is not None and history.kept else "上年类别取自名册“上年等次”列（台账中尚无上年结果）。")
    return ShengjiReportDoc(**{f.name: getattr(base, f.name) for f in fields(base)}, rates=rate_lines(outcome),
                            rate_source=source)


def plan_shengji(outcome, options, env, root: Path) -> Plan:
    plan = Plan()
    kind = KIND["shengji"]
    for unit in _units(outcome.graded.subjects):
        folder = root / safe_name(unit)
        stem = f"{safe_name(unit)}{options.year}年度{kind}"
        _single(plan, env, outcome, "shengji_table.html", shengji_table_doc(outcome, options, unit), folder / f"{stem}评分定级表.pdf")
        _single(plan, env, outcome, "survey_summary.html", survey_doc(outcome, options, unit), folder / f"{stem}测评汇总表.pdf")
        _single(plan, env, outcome, "shengji_notice.html", notice_doc(outcome, options, unit), folder / f"{stem}结果公示.pdf")
        _letters_in_batches(plan, env, outcome, options, unit, shengji_letters(outcome, options, unit), ShengjiLettersDoc,
                            "shengji_letter.html", folder / "通知书", f"{kind}结果通知书")
    _single(plan, env, outcome, "shengji_report.html", shengji_report_doc(outcome, options), root / "汇总报告.pdf")
    return plan


# --- shixing ----------------------------------------------------------------------------------

@dataclass
class StarLine:
    """One village's row of the 十星评定汇总表: each star ✓ / ✗, the count, the grade, last year's."""

    number: int
    id: str
    name: str
    marks: list[str]
    count: str
    grade: str
    last: str
    change: str
    note: str


@dataclass
class TenStarTableDoc:
    """十星评定汇总表 of one town, landscape, 内部资料."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    year: int
    stars: list[str]
    rows: list[StarLine]
    met: list[str]                    # per star: villages that met it
    notes: list[str]
    signature: Signature
    marking: str = "内部资料"


@dataclass
class StarItem:
    """One star on a village's sheet: this year's mark and last year's (when the ledger has it)."""

    name: str
    mark: str
    last: str


@dataclass
class StarSheet:
    """One village's 十星创建结果通知书: each star, the count, the stars to earn next year."""

    anchor: str
    id: str
    name: str
    unit: str
    year: int
    title_lines: list[str]
    status: str
    grade: str
    count: str
    total: int
    items: list[StarItem]
    targets: list[str]
    last: str
    change: str
    missing: str
    changes: list[str]
    signature: Signature


@dataclass
class StarSheetsDoc:
    """The town's star sheets, laid out together and cut into one PDF each (`items`)."""

    meta: DocMeta
    items: list[StarSheet]


@dataclass
class StarCount:
    """How many villages of each town (and in all) met one star."""

    star: str
    counts: list[str]


@dataclass
class StarChange:
    """A village whose star count is known for both years."""

    unit: str
    id: str
    name: str
    last: str
    now: str
    change: str
    gained: str
    lost: str


@dataclass
class ShixingReportDoc(ReportDoc):
    """The county report for shixing: the common facts, stars met per town, and changes since last year."""

    units: list[str] = field(default_factory=list)
    star_counts: list[StarCount] = field(default_factory=list)
    star_changes: list[StarChange] = field(default_factory=list)
    star_chart: object = None


def _mark(value) -> str:
    return {"达标": "✓", "未达标": "✗"}.get(str(value or ""), DASH)


def ten_star_table_doc(outcome, options, unit: str) -> TenStarTableDoc:
    from fenji.score_shixing import change_text
    profile, year = outcome.profile, options.year
    day, issuer = _doc_date(options), _issuer(profile, options, unit)
    stars = profile.rules["stars"]
    rows = _rows(outcome.graded.subjects, unit)
    lines = [StarLine(n, str(r["编号"]), str(r["名称"]), [_mark(r.get(s)) for s in stars],
                      DASH if _clean(r["得分"]) is None else str(int(r["得分"])), str(r["等次"]),
                      str(r.get("上年等次") or DASH), change_text(r, profile) or DASH, _note(r))
             for n, r in enumerate(rows, start=1)]
    met = [str(sum(1 for r in rows if r.get(s) == "达标")) for s in stars]
    title = f"{unit}{year}年度村级组织十星评定汇总表"
    notes = ["✓ 为达标，✗ 为未达标；星数为达标的星的个数，“N星”即“N星村”。未达标的星为下年度创建目标。",
             "“未评定”为缺少评定或评定表填写不全，请乡镇补报后重新运行。"]
    return TenStarTableDoc(_meta(title, issuer, day), render.balance_lines(title, 30), unit, year, stars, lines, met,
                           notes, Signature(issuer, render.cn_date(day)))


def star_sheets(outcome, options, unit: str) -> list[StarSheet]:
    from fenji.score_shixing import change_text
    profile, year = outcome.profile, options.year
    signature = Signature(_issuer(profile, options, unit), render.cn_date(_doc_date(options)))
    kept = outcome.history.kept if outcome.history is not None else {}
    changes = _adjustments(outcome)
    sheets = []
    for n, r in enumerate(_rows(outcome.graded.subjects, unit)):
        last = kept.get(str(r["编号"]))
        items = [StarItem(s, str(r.get(s) or DASH), str(last.details.get(s, "")) if last else "") for s in profile.rules["stars"]]
        graded = _clean(r["得分"]) is not None
        sheets.append(StarSheet(
            f"sheet-{n}", str(r["编号"]), str(r["名称"]), unit, year,
            render.balance_lines(f"{year}年度{profile.title}结果通知书", 16), _status(str(r["等次"])), str(r["等次"]),
            str(int(r["得分"])) if graded else DASH, len(profile.rules["stars"]), items,
            list(r.get("未达标星") or []) if graded else [], str(r.get("上年等次") or ""), change_text(r, profile),
            "、".join(r.get("missing") or []), changes.get(r["编号"], []), signature))
    return sheets


def shixing_report_doc(outcome, options) -> ShixingReportDoc:
    from fenji.score_shixing import change_text
    base = report_doc(outcome, options)
    profile, frame = outcome.profile, outcome.graded.subjects
    units = _units(frame)
    records = frame.to_dict("records")
    counts = [StarCount(s, [str(sum(1 for r in records if str(r["单位"]) == u and r.get(s) == "达标")) for u in units]
                        + [str(sum(1 for r in records if r.get(s) == "达标"))]) for s in profile.rules["stars"]]
    chart = render.svg_grouped_bars([s.removesuffix("星") for s in profile.rules["stars"]], ["达标村数"],
                                    [[int(c.counts[-1])] for c in counts])
    kept = outcome.history.kept if outcome.history is not None else {}
    changes = []
    for r in records:
        change = change_text(r, profile)
        if not change:
            continue
        last = kept.get(str(r["编号"]))
        gained = [s for s in profile.rules["stars"] if last and last.details.get(s) == "未达标" and r.get(s) == "达标"]
        lost = [s for s in profile.rules["stars"] if last and last.details.get(s) == "达标" and r.get(s) == "未达标"]
        changes.append(StarChange(str(r["单位"]), str(r["编号"]), str(r["名称"]), str(r["上年等次"]), str(r["等次"]), change,
                                  "、".join(gained) or DASH, "、".join(lost) or DASH))
    return ShixingReportDoc(**{f.name: getattr(base, f.name) for f in fields(base)}, units=units, star_counts=counts,
                            star_changes=changes, star_chart=chart)


def plan_shixing(outcome, options, env, root: Path) -> Plan:
    plan = Plan()
    kind = KIND["shixing"]
    for unit in _units(outcome.graded.subjects):
        folder = root / safe_name(unit)
        stem = f"{safe_name(unit)}{options.year}年度{kind}"
        _single(plan, env, outcome, "shixing_table.html", ten_star_table_doc(outcome, options, unit), folder / f"{stem}十星评定汇总表.pdf")
        _single(plan, env, outcome, "shixing_notice.html", notice_doc(outcome, options, unit), folder / f"{stem}结果公示.pdf")
        _letters_in_batches(plan, env, outcome, options, unit, star_sheets(outcome, options, unit), StarSheetsDoc,
                            "shixing_sheet.html", folder / "通知书", f"{kind}结果通知书")
    _single(plan, env, outcome, "shixing_report.html", shixing_report_doc(outcome, options), root / "汇总报告.pdf")
    return plan


def plan_ledger_documents(outcome, options, env: jinja2.Environment, root: Path) -> Plan:
    """Every document of a shengji or shixing run (called by fenji.documents.plan_documents)."""
    planner = plan_shengji if outcome.profile.system == "shengji" else plan_shixing
    return planner(outcome, options, env, root)


# --- every profile's 汇总报告: last year's distribution beside this year's ------------------------

@dataclass
class DistributionRow:
    """One unit's grade counts in one year: (count, share) per grade, e.g. ("3", "18.8%")."""

    unit: str
    year: str
    total: int
    cells: list[tuple[str, str]]


def last_year_section(outcome, options, grades: list[str]) -> dict:
    """The report's 上年与本年等次分布 when the ledger has last year's results of this profile, else {}.

    Per unit of this run (and 合计): last year's kept grades counted beside this year's, in the grades
    seen in either year. Last year's subjects of units not in this run are left out, so that a
    town's run is compared with that town.
    """
    history = getattr(outcome, "history", None)
    if history is None or not history.kept:
        return {}
    frame = outcome.graded.subjects
    units = _units(frame)
    kept = [r for r in history.kept.values() if r.unit in units]
    if not kept:
        return {}
    present = {r.grade for r in kept} | {str(g) for g in frame["等次"]}
    shown = [g for g in list(grades) + sorted(present - set(grades)) if g in present]   # grades seen in either year
    rows = []
    for unit in units + ["合计"]:
        before = [r.grade for r in kept if unit == "合计" or r.unit == unit]
        now = [str(g) for g, u in zip(frame["等次"], frame["单位"].astype(str)) if unit == "合计" or u == unit]
        rows.append(_distribution(unit, f"{history.year}年", before, shown))
        rows.append(_distribution("", f"{options.year}年", now, shown))
    note = f"上年数据取自台账中 {history.year} 年的运行结果，共 {len(kept)} 个对象"
    return {"last_year": rows, "last_year_grades": shown, "last_year_note": note}


def _distribution(unit: str, year: str, grades: list[str], shown: list[str]) -> DistributionRow:
    counts, n = Counter(grades), len(grades)
    cells = [(str(counts[g]), fmt_percent(Fraction(counts[g], n)) if n and counts[g] else "") for g in shown]
    return DistributionRow(unit, year, n, cells)
