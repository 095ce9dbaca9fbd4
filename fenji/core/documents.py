"""Stage 8: the documents of documents.md for one run — their data, their file names, writing them.

Each document has one dataclass below (`ScoreTableDoc`, `SurveyDoc`, `NoticeDoc`, `LettersDoc`,
`ReportDoc`); its template under `templates/` sees it as `doc` and may use nothing else (the
environment is StrictUndefined). The data are already formatted text: templates decide layout and
wording, never arithmetic.

What a public notice may show is decided here, not in the template: `NoticeLine` has no field for
a veto, a reason or a note, so no template can leak one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import jinja2
from markupsafe import Markup

from fenji import __version__
from fenji.core import fonts, render
from fenji.core.arith import fmt_decimal, fmt_percent, to_decimal
from fenji.core.outputs import DIR_MODE, replace_dir
from fenji.core.profiles import Profile
from fenji.grading.grade import (
    M_CRITICAL,
    M_FLOOR,
    M_OVER_QUOTA,
    M_SELF,
    M_VETO,
    NOT_PARTICIPATING,
    PENDING,
    UNGRADED,
    is_decision,
)

DASH = "—"
LETTERS_PER_JOB = 40  # 通知书 laid out together, then cut into one PDF each
POOL_MIN_SUBJECTS = 60  # below this, starting worker processes costs more than it saves


# --- data objects ---------------------------------------------------------------------------


@dataclass
class DocMeta:
    """What every document's <head> carries into the PDF's Info: title, author (the issuing body), date."""

    title: str
    author: str
    created: str  # ISO date, e.g. 2027-04-10


@dataclass
class Signature:
    """The issuing body and the date (`2027年4月9日`), right-aligned with room for a seal."""

    issuer: str
    date: str


@dataclass
class SurveyLine:
    """One branch's row of the 测评汇总表 (or the 合计 row), counts recomputed from the ballots."""

    number: str
    id: str
    name: str
    issued: str
    returned: str
    valid: str
    counts: list[str]
    rate: str
    score: str
    source: str
    note: str


@dataclass
class SurveyDoc:
    """满意度测评汇总表 of one unit, completed: 满意率 and 群众评价 recomputed from the ballots."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    year: int
    options: list[str]
    score_name: str
    rows: list[SurveyLine]
    total: SurveyLine
    notes: list[str]
    signature: Signature
    marking: str = "内部资料"


@dataclass
class StatCell:
    """One grade in one unit: the count and its share of the unit's subjects."""

    count: int
    share: str


@dataclass
class StatRow:
    """A unit's (or the total's) counts and shares per grade, and the same as a sentence."""

    unit: str
    total: int
    cells: list[StatCell]
    summary: str  # 好2个，占15.4%；较好……


@dataclass
class QuotaRow:
    """One quota in one unit: the rule, the base, allowed vs actual, √ or ×."""

    unit: str
    rule: str
    n: int
    allowed: str
    actual: int
    ok: bool
    mark: str
    moved: str
    pending: str  # still 待定 (a tie the committee has not decided)
    note: str = ""  # why a × row is not adjusted, or how a tie on the line was decided


@dataclass
class AdjustmentRow:
    """A grade changed after the bands: by a veto, a quota or a committee decision, with the reason."""

    unit: str
    id: str
    name: str
    score: str
    before: str
    after: str
    kind: str
    reason: str
    meeting: str


@dataclass
class SubjectRow:
    """A subject listed in the report with a grade and a remark (未评定/待定, 自评偏差, 临界)."""

    unit: str
    id: str
    name: str
    score: str
    grade: str
    remark: str


@dataclass
class ChangeRow:
    """Year on year: last year's grade and how many have each grade now."""

    last: str
    cells: list[str]


@dataclass
class ReportDoc:
    """The county report: cover, statistics, quota checks, charts, and every case to look at."""

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
    stats: list[StatRow]
    total: StatRow
    summary: str
    quotas: list[QuotaRow]
    bar_chart: Markup
    histogram: Markup
    adjustments: list[AdjustmentRow]
    unsettled: list[SubjectRow]
    self_deviations: list[SubjectRow]
    critical: list[SubjectRow]
    change_grades: list[str]
    changes: list[ChangeRow]
    change_summary: str
    signature: Signature
    # last year's distribution beside this year's, from the ledger (fenji.systems.shengji.documents.last_year_section)
    last_year: list = field(default_factory=list)
    last_year_grades: list[str] = field(default_factory=list)
    last_year_note: str = ""
    last_year_count: int = 0  # how many of last year's results the table counts
    last_year_when: str = ""  # the ledger's year they come from (`2026年`)
    counter: str = "个"  # measure word for subjects (profile.counter): 个 for organisations, 名 for people
    change_label: str = "上年等次"  # what the year-on-year table compares with (上次星级 …)


# --- small helpers --------------------------------------------------------------------------


def missing_to_none(value):
    """None for missing values (None, or a NaN that pandas put in a numeric column)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value


def score_text(value, places: int) -> str:
    value = missing_to_none(value)
    return (
        DASH
        if value is None
        else fmt_decimal(value if isinstance(value, (Decimal, Fraction)) else to_decimal(value), places)
    )


def plain_number(value) -> str:
    """A maximum like Decimal('15') as `15`."""
    return format(to_decimal(value).normalize(), "f")


def count_text(value) -> str:
    value = missing_to_none(value)
    return DASH if value is None else str(int(value))


def percent_text(value) -> str:
    value = missing_to_none(value)
    return DASH if value is None else fmt_percent(value)


def safe_name(text: str, limit: int = 60) -> str:
    """A file or folder name: characters Windows forbids become full-width look-alikes, as typed otherwise."""
    table = str.maketrans(
        {"/": "／", "\\": "＼", ":": "：", "*": "＊", "?": "？", '"': "＂", "<": "＜", ">": "＞", "|": "｜"}
    )
    cleaned = "".join(ch for ch in str(text).translate(table) if unicodedata.category(ch)[0] != "C")
    cleaned = (cleaned.strip().lstrip(".") or "未命名")[:limit]
    while len(cleaned.encode("utf-8")) > 2 * limit:  # names are capped in bytes (255), not characters
        cleaned = cleaned[:-1]
    return cleaned


def issuer_of(profile: Profile, options, unit: str) -> str:
    template = options.notice_issuer or profile.notice["issuer"]
    return template.replace("{unit}", unit)


def doc_date(options) -> dt.date:
    """The documents' date: fenji.api fixes `notice_date` (default: today) once per run."""
    return options.notice_date or dt.date.today()


def doc_meta(title: str, author: str, day: dt.date) -> DocMeta:
    return DocMeta(title, author, day.isoformat())


def band_text(profile: Profile) -> str:
    parts, above = [], None
    for band in profile.bands:
        low = plain_number(band.low)
        if above is None:
            parts.append(f"{low}分以上为“{band.grade}”")
        elif band.low > 0:
            parts.append(f"{low}分以上不满{above}分为“{band.grade}”")
        else:
            parts.append(f"不满{above}分为“{band.grade}”")
        above = low
    return "，".join(parts)


def quota_text(profile: Profile) -> str:
    words = {"cap": "不超过", "floor": "不低于", "about": "左右"}
    parts = [
        f"“{q.grade}”{words[q.kind]}{fmt_percent(q.share, 0)}"
        if q.kind != "about"
        else f"“{q.grade}”{fmt_percent(q.share, 0)}左右"
        for q in profile.quotas
    ]
    return "，".join(parts)


def decimals_of(profile: Profile, indicator) -> int:
    # 群众评价 is exact (25 × 满意率): two places, as in results.csv, so that a reviewer can retrace the total
    return profile.decimals + 1 if indicator.source == "satisfaction" else profile.decimals


def units_of(frame) -> list[str]:
    return list(dict.fromkeys(str(u) for u in frame["单位"]))


def rows_of(frame, unit: str) -> list[dict]:
    # the unit's rows first, then to dicts: each unit's documents ask, and the whole frame each time was
    # most of planning a county's documents
    return frame[frame["单位"].astype(str) == unit].to_dict("records")


def note_text(row: dict) -> str:
    parts = [p for p in str(row.get("说明") or "").split("；") if p]
    parts += [n for n in (row.get("notes") or []) if n not in parts]
    decision = missing_to_none(row.get("decision"))
    if decision is not None and decision.meeting:
        parts = [f"{p}（{decision.meeting}）" if is_decision(p) else p for p in parts]
    return "；".join(parts)


# --- 评分定级表 -------------------------------------------------------------------------------


# --- 测评汇总表 -------------------------------------------------------------------------------


def survey_doc(outcome, options, unit: str) -> SurveyDoc:
    """The unit's satisfaction summary, recomputed from the ballots (the town's sheet where none came back)."""
    profile, year = outcome.profile, options.year
    day, issuer = doc_date(options), issuer_of(profile, options, unit)
    title = f"{unit}{year}年度{profile.title}党员群众满意度测评汇总表"
    options_list = list(profile.satisfaction["options"])
    indicator = next((i for i in profile.indicators if i.source == "satisfaction"), None)
    rows, totals = [], Counter()
    for number, row in enumerate(rows_of(outcome.graded.subjects, unit), start=1):
        tally = outcome.scored.tallies.get(row["编号"])
        summary = outcome.scored.summaries.get(row["编号"])
        rows.append(_survey_line(number, row, tally, summary, options_list, indicator, profile))
        if tally is not None:
            _add_totals(totals, tally, options_list)
    total = _survey_total(totals, options_list, profile)
    notes = [
        f"满意率 = {'、'.join(o for o, w in profile.satisfaction['weights'].items() if w > 0)}票数之和 ÷ 有效票数；"
        f"{'、'.join(o for o in options_list if o not in profile.satisfaction['weights'])}、空白、多选为无效票。",
        "数据来源为“测评表”的，票数按各村报送的满意度测评表逐张统计；为“汇总表”的，按乡镇汇总表填报的票数计算。",
    ]
    if indicator is not None:
        notes.append(f"{indicator.name}（{plain_number(indicator.max)}分）= {plain_number(indicator.max)} × 满意率。")
    return SurveyDoc(
        doc_meta(title, issuer, day),
        render.balance_lines(title, 30),
        unit,
        year,
        options_list,
        indicator.name if indicator else "",
        rows,
        total,
        notes,
        Signature(issuer, render.cn_date(day)),
    )


def _survey_line(number, row, tally, summary, options_list, indicator, profile) -> SurveyLine:
    if tally is None:
        return SurveyLine(
            str(number),
            str(row["编号"]),
            str(row["名称"]),
            DASH,
            DASH,
            DASH,
            [DASH] * len(options_list),
            DASH,
            DASH,
            DASH,
            "缺满意度测评",
        )
    note = ""
    if (
        tally.from_ballots
        and summary is not None
        and (summary.counts != tally.counts or summary.returned != tally.returned)
    ):
        note = "与汇总表不一致，以测评表为准"
    elif (
        not tally.from_ballots
        and tally.typed_rate is not None
        and row.get("满意率") is not None
        and fmt_percent(tally.typed_rate) != fmt_percent(row["满意率"])
    ):
        note = f"填报满意率 {fmt_percent(tally.typed_rate)}，已重新计算"
    if tally.valid == 0:
        note = "无有效票"
    issued = summary.issued if summary is not None else tally.issued
    score = score_text(row.get(indicator.name), decimals_of(profile, indicator)) if indicator else DASH
    return SurveyLine(
        str(number),
        str(row["编号"]),
        str(row["名称"]),
        count_text(issued),
        str(tally.returned),
        str(tally.valid),
        [str(tally.counts.get(o, 0)) for o in options_list],
        percent_text(row.get("满意率")),
        score,
        "测评表" if tally.from_ballots else "汇总表",
        note,
    )


def _add_totals(totals: Counter, tally, options_list) -> None:
    totals["returned"] += tally.returned
    totals["valid"] += tally.valid
    for option in options_list:
        totals[option] += tally.counts.get(option, 0)


def _survey_total(totals: Counter, options_list, profile) -> SurveyLine:
    weights = profile.satisfaction["weights"]
    rate = None
    if totals["valid"]:
        rate = sum((Fraction(to_decimal(w)) * totals[o] for o, w in weights.items()), Fraction(0)) / totals["valid"]
    return SurveyLine(
        "合计",
        "",
        "",
        DASH,
        str(totals["returned"]),
        str(totals["valid"]),
        [str(totals[o]) for o in options_list],
        percent_text(rate),
        DASH,
        "",
        "",
    )


# --- 结果公示 ---------------------------------------------------------------------------------


def notice_terms(profile: Profile, options, unit: str, problems=None) -> dict:
    """The fields every 公示 object ends with: its period, where to object, who signs it — run
    settings (--notice-date/-end, --phone, --address, --issuer) over the profile's [notice].
    With `problems`, a notice that would print without a phone and an address is a `missing-contact`
    warning (once per run): the public would not know where to object."""
    start = doc_date(options)
    end = options.notice_end or start + dt.timedelta(days=profile.notice["period_days"] - 1)
    issuer = issuer_of(profile, options, unit)
    phone = (options.notice_phone or profile.notice["phone"]).replace("{unit}", unit)
    address = options.notice_address.replace("{unit}", unit)
    if problems is not None and not phone and not address:
        _missing_contact(problems, unit)
    return dict(
        period_start=render.cn_date(start),
        period_end=render.cn_date(end),
        issuer=issuer,
        phone=phone,
        address=address,
        hotline_12380=bool(profile.notice["hotline_12380"]),
        signature=Signature(issuer, render.cn_date(start)),
    )


def _missing_contact(problems, unit: str) -> None:
    if any(p.code == "missing-contact" for p in problems.items):
        return
    problems.warning(
        "missing-contact",
        f"结果公示（如{unit}）没有印受理异议的联系电话和地址，群众无从反映。"
        "请运行时加 --phone 和 --address（可写 {unit} 代表乡镇或村），或在规则配置的 [notice] 中填写 phone。",
    )


# --- 定级结果通知书 ---------------------------------------------------------------------------


def change_sentence(change: dict) -> str:
    kind, before, after = change["类型"], change["调整前"], change["调整后"]
    reason = str(change.get("理由") or "").rstrip("。")
    if is_decision(kind):
        basis = f"（{change['会议及文号']}）" if change.get("会议及文号") else ""
        moved = f"由“{before}”调整为“{after}”" if before != after else f"确定为“{after}”"
        return f"{kind.removesuffix('调整')}{basis}，{moved}" + (f"。理由：{reason}。" if reason else "。")
    if kind == M_VETO:
        return f"因存在否决情形（{reason}），实行一票否决，由“{before}”定为“{after}”。"
    if kind in (M_OVER_QUOTA, M_FLOOR):
        return f"按照等次比例控制要求（{reason}），由“{before}”调整为“{after}”。"
    return f"{kind}（{reason}），由“{before}”调整为“{after}”。"


# --- 汇总报告 ---------------------------------------------------------------------------------


def report_doc(outcome, options) -> ReportDoc:
    """The county report for the whole run."""
    profile, frame, year = outcome.profile, outcome.graded.subjects, options.year
    units, day = units_of(frame), doc_date(options)
    scope, author = _scope(outcome, options, units)
    title = f"{scope}{year}年度{profile.title}汇总报告"
    grades = profile.grades + [g for g in (PENDING, UNGRADED, NOT_PARTICIPATING) if g in set(frame["等次"])]
    counter = profile.counter
    stats = [_stat_row(unit, frame[frame["单位"].astype(str) == unit], grades, counter) for unit in units]
    total = _stat_row("合计", frame, grades, counter)
    records = frame.to_dict("records")
    return ReportDoc(
        meta=doc_meta(title, author, day),
        title_lines=render.balance_lines(title),
        scope=scope,
        year=year,
        profile_name=profile.name,
        profile_title=profile.title,
        date=render.cn_date(day),
        data_as_of=render.cn_date(day),  # the documents' date: a file's mtime (a copy's date) is not the data's
        version=__version__,
        problem_counts=_problem_counts(outcome),
        grades=grades,
        stats=stats,
        total=total,
        summary=_summary(frame, profile.grades, counter),
        quotas=[_quota_row(c, frame, counter) for c in outcome.graded.quota_checks],
        bar_chart=render.svg_grouped_bars(units, grades, [[_count(frame, u, g) for g in grades] for u in units]),
        histogram=render.svg_histogram(
            [missing_to_none(r["得分"]) for r in records if missing_to_none(r["得分"]) is not None],
            [(b.low, b.grade) for b in profile.bands],
        ),
        adjustments=[_adjustment_row(a, profile) for a in outcome.graded.adjustments],
        unsettled=[
            _subject_row(r, profile, _unsettled_reason(r, profile)) for r in records if r["等次"] in (PENDING, UNGRADED)
        ],
        self_deviations=[
            _subject_row(r, profile, _self_remark(r, profile)) for r in records if M_SELF in (r.get("markers") or [])
        ],
        critical=[
            _subject_row(r, profile, _critical_remark(r, profile))
            for r in records
            if M_CRITICAL in (r.get("markers") or [])
        ],
        **year_on_year(records, profile, grades),
        **_last_year(outcome, options, grades),
        signature=Signature(author, render.cn_date(day)),
        counter=counter,
    )


def _last_year(outcome, options, grades: list[str]) -> dict:
    return last_year_section(outcome, options, grades)


PLACEHOLDER_ISSUER = "（发文机关）"  # a line the clerk fills in: fenji does not invent a joint issuing body


def _scope(outcome, options, units: list[str]) -> tuple[str, str]:
    """What the report covers and who issues it: the county's 组织部 when --county is given; one unit's
    body for a one-unit run; for several units --issuer when it names one body (no {unit}), else the
    placeholder line — several towns or villages have no common 党委 to sign for them."""
    profile = outcome.profile
    if options.county:
        return options.county, f"中共{options.county}委员会组织部"
    if len(units) == 1:
        return units[0], issuer_of(profile, options, units[0])
    named = "、".join(units[:3])
    more = len(units) > 3
    scope = named + (f"等 {len(units)} 个{profile.unit}" if more else "")
    if options.notice_issuer and "{unit}" not in options.notice_issuer:
        return scope, options.notice_issuer
    return scope, PLACEHOLDER_ISSUER


def _count(frame, unit: str, grade: str) -> int:
    return int(((frame["单位"].astype(str) == unit) & (frame["等次"] == grade)).sum())


def _stat_row(unit: str, group, grades: list[str], counter: str = "个") -> StatRow:
    n = len(group)
    counts = Counter(group["等次"])
    cells = [StatCell(counts[g], fmt_percent(Fraction(counts[g], n)) if n else DASH) for g in grades]
    return StatRow(unit, n, cells, _summary(group, grades, counter))


def _summary(frame, grades: list[str], counter: str = "个") -> str:
    """`好54个，占10.1%；较好……` over the grades present (shares of all subjects); no space between
    Chinese and figures, as in the rest of a 公文."""
    n = len(frame)
    counts = Counter(frame["等次"])
    shown = grades + [g for g in counts if g not in grades]
    return "；".join(
        f"{g}{counts[g]}{counter}，占{fmt_percent(Fraction(counts[g], n))}" for g in shown if n and counts[g]
    )


def _quota_row(check, frame, counter: str = "个") -> QuotaRow:
    word = {"cap": "最多", "floor": "至少", "about": "约"}[check.kind]
    names = dict(zip(frame["编号"], frame["名称"]))
    grades = dict(zip(frame["编号"], frame["等次"]))
    still = [s for s in check.pending if grades.get(s) == PENDING]
    decided = [s for s in check.pending if grades.get(s) != PENDING]
    return QuotaRow(
        check.unit + (f"（{check.category}）" if check.category else ""),
        check.label,
        check.n,
        f"{word}{check.allowed}{counter}",
        check.actual,
        check.ok,
        "√ 符合" if check.ok else "× 不符合",  # √ and × are both in the body font (✓ and ✗ came from two)
        "、".join(str(names.get(s, s)) for s in check.moved),
        "、".join(str(names.get(s, s)) for s in still),
        _quota_note(check, names, grades, still, decided, counter),
    )


def _quota_note(check, names: dict, grades: dict, still: list, decided: list, counter: str) -> str:
    """What the 说明 column says: how a tie on the line ended, and why a × row stands."""
    parts = []
    if decided:
        shown = "、".join(f"{names.get(s, s)}定为{grades.get(s)}" for s in decided)
        parts.append(f"名额线上得分并列，已研究决定：{shown}")
    if still:
        parts.append(f"{'、'.join(str(names.get(s, s)) for s in still)}得分并列，待研究决定")
    if not check.ok and check.kind == "about":
        share = fmt_percent(Fraction(check.actual, check.n)) if check.n else DASH
        parts.append(f"“左右”只作对照，不据此调整等次（实际占{share}）")
    elif not check.ok:
        bound = "上限" if check.kind == "cap" else "下限"
        parts.append(f"按研究决定执行后超出{bound}（{bound}{check.allowed}{counter}），请说明理由")
    return "；".join(parts)


def _adjustment_row(adjustment: dict, profile: Profile) -> AdjustmentRow:
    return AdjustmentRow(
        str(adjustment["单位"]),
        str(adjustment["编号"]),
        str(adjustment["名称"]),
        score_text(adjustment.get("得分"), profile.decimals),
        adjustment["调整前"],
        adjustment["调整后"],
        adjustment["类型"],
        str(adjustment.get("理由") or ""),
        str(adjustment.get("会议及文号") or ""),
    )


def _subject_row(row: dict, profile: Profile, remark: str) -> SubjectRow:
    return SubjectRow(
        str(row["单位"]),
        str(row["编号"]),
        str(row["名称"]),
        score_text(row["得分"], profile.decimals),
        str(row["等次"]),
        remark,
    )


def _unsettled_reason(row: dict, profile: Profile) -> str:
    if row["等次"] == UNGRADED:
        return "、".join(row.get("missing") or []) or "资料不全"
    return "；".join(row.get("notes") or []) or f"比例名额线上并列，需{profile.decider}研究决定"


def _self_remark(row: dict, profile: Profile) -> str:
    self_score = score_text(row.get("自评得分"), profile.decimals)
    return f"自评 {self_score} 分，自评等次“{row.get('自评等次') or DASH}”"


def _critical_remark(row: dict, profile: Profile) -> str:
    score = missing_to_none(row["得分"])
    hits = [i for i in profile.critical if score is not None and i.contains(score)]
    return "；".join(_interval_text(i) for i in hits)


def _interval_text(interval) -> str:
    low, high = plain_number(interval.low), plain_number(interval.high)
    if interval.low == interval.high:
        return f"恰为 {low} 分，处于两个等次的交界"
    return f"在 {low} 与 {high} 分之间，方案的分数段未覆盖"


def year_on_year(
    records: list[dict], profile: Profile, grades: list[str], column: str = "上年等次", label: str = "上年等次"
) -> dict:
    """The year-on-year table from each record's `column` (a grade of the profile), under `label`."""
    known = [r for r in records if r.get(column) in profile.grades]
    counter = profile.counter
    if not known:
        return {"change_grades": grades, "changes": [], "change_summary": "", "change_label": label}
    rows = [
        ChangeRow(last, [str(sum(1 for r in known if r[column] == last and r["等次"] == g)) for g in grades])
        for last in profile.grades
        if any(r[column] == last for r in known)
    ]
    rank = {g: n for n, g in enumerate(profile.grades)}
    now = [r for r in known if r["等次"] in rank]
    up = sum(1 for r in now if rank[r["等次"]] < rank[r[column]])
    down = sum(1 for r in now if rank[r["等次"]] > rank[r[column]])
    c = counter
    summary = f"有{label}的 {len(known)} {c}中：等次上升 {up} {c}，下降 {down} {c}，持平 {len(now) - up - down} {c}"
    if len(known) > len(now):
        summary += f"，本年未定 {len(known) - len(now)} {c}"
    return {"change_grades": grades, "changes": rows, "change_summary": summary + "。", "change_label": label}


def _problem_counts(outcome) -> str:
    return "，".join(f"{level} {outcome.problems.count(level)} 条" for level in ("错误", "警告", "提示"))


# --- writing --------------------------------------------------------------------------------


@dataclass
class Plan:
    """Every document of the run as render jobs, plus the HTML to keep when `--html` is given."""

    jobs: list[render.Job] = field(default_factory=list)
    html: dict[Path, str] = field(default_factory=dict)


def render_or_report(env, outcome, template: str, doc) -> str | None:
    try:
        return render.render_html(env, template, doc)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or template
        line = f"第 {exc.lineno} 行" if getattr(exc, "lineno", None) else ""
        outcome.problems.error(
            "template-error",
            f"模板 {where} {line}出错：{exc}。该文书未生成；请修改模板，或删除自定义模板以使用内置模板。",
            file=str(where),
        )
        return None


def add_single(plan: Plan, env, outcome, template: str, doc, path: Path, editable: bool = False) -> None:
    """One document, one PDF; `editable` ones (公示, 表彰决定, 汇总报告) get a Word copy with --docx."""
    html = render_or_report(env, outcome, template, doc)
    if html is not None:
        plan.jobs.append(render.Job(html, [render.Part(path, doc.meta.title)], editable))
        plan.html[path.with_suffix(".html")] = html


def _environment(options, problems, templates: Path) -> jinja2.Environment:
    folder = Path(options.templates) if options.templates else None
    if folder is not None and not folder.is_dir():
        problems.error("templates-missing", f"自定义模板文件夹 {folder} 不存在，已使用内置模板。", file=str(folder))
        folder = None
    return render.environment(folder, [templates])


def _no_chinese_font(outcome) -> bool:
    """True (and an error) when no installed font covers Chinese: PDFs would print as boxes, so none is written."""
    message = fonts.no_chinese_font()
    if message:
        outcome.problems.error("no-chinese-font", message)
    return bool(message)


def _font_problems(outcome) -> None:
    for message in fonts.font_warnings():
        outcome.problems.warning("font-fallback", message)
    slow = fonts.subsetter_warning()
    if slow:
        outcome.problems.warning("font-subsetter", slow)


def _glyph_problems(outcome, html: list[str]) -> None:
    missing = fonts.uncovered(set("".join(html)))
    if missing:
        shown = "、".join(f"“{ch}”（U+{ord(ch):04X}）" for ch in sorted(missing)[:20])
        outcome.problems.warning(
            "glyph-missing",
            f"没有任何已安装的字体包含字符 {shown}，PDF 中这些字将显示为方框。"
            "请安装含这些字的字体（如 fonts-noto-cjk-extra），或在名册中改用通用字。",
        )


@dataclass
class RenderStats:
    """How the last write_documents went: files, pages, seconds (for `bench/` and the report)."""

    files: int = 0
    pages: int = 0
    seconds: float = 0.0
    reused: int = 0  # PDFs taken over from the previous generation (their HTML had not changed)
    copies: int = 0  # editable Word copies written (--docx)


# --- re-rendering only what changed ------------------------------------------------------------
# A PDF is a function of its HTML (fonts and dates are in it) and the PDF variant: a job whose HTML is
# what the previous generation rendered keeps that generation's PDFs (hard links: a generation is never
# modified, only replaced). In `fenji watch`, one returned file changes its unit's documents and the
# run-wide report; the other units' PDFs are not laid out again.

RENDER_KEYS = ".rendered.json"  # hidden: not a document, not served


def _job_key(job: render.Job, variant: str | None) -> str:
    import hashlib

    digest = hashlib.sha256(job.html.encode("utf-8"))
    digest.update(repr((variant, __version__, [(part.title, part.anchor) for part in job.parts])).encode("utf-8"))
    return digest.hexdigest()


def _load_render_keys(previous: Path | None) -> dict:
    import json

    try:
        return json.loads((previous / RENDER_KEYS).read_text(encoding="utf-8")) if previous else {}
    except (OSError, ValueError):
        return {}


def reuse_unchanged(jobs: list[render.Job], previous: Path | None, staging: Path, variant: str | None):
    """(jobs to render, (path, pages) kept from `previous`, job key per part path) for this plan."""
    known = _load_render_keys(previous)
    fresh, kept, keys = [], [], {}
    for job in jobs:
        key = _job_key(job, variant)
        rels = [part.path.relative_to(staging).as_posix() for part in job.parts]
        keys.update({rel: key for rel in rels})
        olds = [known.get(rel) for rel in rels]
        if not rels or any(
            old is None or old[0] != key or not (previous / rel).is_file() for rel, old in zip(rels, olds)
        ):
            fresh.append(job)
            continue
        for part, rel, old in zip(job.parts, rels, olds):
            part.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(previous / rel, part.path)
            except OSError:  # another file system, or links not allowed: a copy
                shutil.copy2(previous / rel, part.path)
            kept.append((part.path, old[1]))
    return fresh, kept, keys


def save_render_keys(staging: Path, keys: dict, written: list[tuple[Path, int]]) -> None:
    import json

    pages = {path.relative_to(staging).as_posix(): count for path, count in written}
    entries = {rel: [key, pages[rel]] for rel, key in keys.items() if rel in pages}
    (staging / RENDER_KEYS).write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")


def _in_plan_order(jobs: list[render.Job], written: list[tuple[Path, int]]) -> list[tuple[Path, int]]:
    by_path = dict(written)
    return [(part.path, by_path[part.path]) for job in jobs for part in job.parts if part.path in by_path]


def write_copies(jobs: list[render.Job], staging: Path, problems) -> int:
    """`--docx`: a Word copy beside the PDF of every part of an editable job, from the same HTML; returns
    how many were written. Always made afresh (a reused PDF's HTML is this run's HTML: the copy is the
    same), in a few hundredths of a second each. A copy that fails is a `docx-failed` error naming the
    PDF, which is written all the same."""
    from fenji.core import docx

    count = 0
    for job in jobs:
        if not job.editable:
            continue
        page = None
        for part in job.parts:
            target = part.path.with_suffix(".docx")
            try:
                page = page or docx.parse(job.html)
                docx.write(page, target, part.anchor, part.title)
                count += 1
            except Exception as exc:  # python-docx, lxml or the disk: one document's copy, never the run
                target.unlink(missing_ok=True)
                rel = part.path.relative_to(staging).as_posix()
                problems.error(
                    "docx-failed",
                    f"{rel} 的可编辑副本（.docx）未能生成：{type(exc).__name__}: {exc}。PDF 已照常生成，以 PDF 为准；"
                    "请检查磁盘空间和输出文件夹的写入权限后重新运行。",
                    file=rel,
                )
    return count


Planner = Callable[..., Plan]  # (outcome, options, env, root) → Plan: a system's plan_documents


def write_documents(outcome, options, out: Path, planner: Planner, templates: Path, pool=None) -> list[Path]:
    """Render every document of the run into OUT/documents/, swapped into place in one step.

    `planner` is the system's document plan, `templates` its own templates folder (after the user's
    `--templates`, before the shared bases). Returns the PDF paths (under OUT/documents) and sets
    `outcome.render_stats`. Font fallbacks and uncovered characters become warnings in
    `outcome.problems`; a broken user template is an error and its document is skipped.
    """
    started = time.monotonic()
    out = Path(out)
    env = _environment(options, outcome.problems, templates)
    staging = Path(tempfile.mkdtemp(prefix=".documents.", dir=out))
    os.chmod(
        staging, DIR_MODE
    )  # mkdtemp makes it private; the swapped-in folder should not be (umask read once: no os.umask race)
    try:
        if _no_chinese_font(outcome):
            shutil.rmtree(staging, ignore_errors=True)
            outcome.render_stats = RenderStats(seconds=time.monotonic() - started)
            return []
        _font_problems(outcome)
        plan = planner(outcome, options, env, staging)
        _glyph_problems(outcome, [job.html for job in plan.jobs])
        workers = options.workers if len(outcome.graded.subjects) >= POOL_MIN_SUBJECTS else 1
        previous = Path(options.out) / "documents" if options.out is not None else None
        fresh, kept, keys = reuse_unchanged(plan.jobs, previous, staging, options.pdf_variant)
        if pool is not None:  # a fenji.core.executors.DaskPool: batches of jobs on the cluster
            rendered = pool.render(fresh, options.pdf_variant)
        else:
            rendered = render.run_jobs(fresh, options.pdf_variant, workers)
        written = _in_plan_order(plan.jobs, rendered + kept)
        save_render_keys(staging, keys, written)
        copies = write_copies(plan.jobs, staging, outcome.problems) if options.docx else 0
        if options.html:
            for path, html in plan.html.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(html, encoding="utf-8")
        replace_dir(staging, out / "documents")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    outcome.render_stats = RenderStats(
        len(written), sum(pages for _, pages in written), time.monotonic() - started, len(kept), copies
    )
    return [out / "documents" / path.relative_to(staging) for path, _ in written]


@dataclass
class NoticeGroup:
    """One grade on a public notice and the names that have it (names only)."""

    grade: str
    names: list[str]


@dataclass
class GroupedNoticeDoc:
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
    unsettled_text: str  # 待定 1 个、未评定 2 个: only the kinds there are
    period_start: str
    period_end: str
    issuer: str
    phone: str
    address: str
    hotline_12380: bool
    signature: Signature


def grouped_notice_doc(outcome, options, unit: str) -> GroupedNoticeDoc:
    """The town's notice: grades and names only; 未评定 / 待定 are counted, not named."""
    profile, year = outcome.profile, options.year
    terms = notice_terms(profile, options, unit, outcome.problems)
    title = f"关于{unit}{year}年度{profile.title}结果的公示"
    rows = rows_of(outcome.graded.subjects, unit)
    counts = Counter(r["等次"] for r in rows)
    groups = [NoticeGroup(g, [str(r["名称"]) for r in rows if r["等次"] == g]) for g in profile.grades if counts[g]]
    summary = "、".join(f"{g}{counts[g]}个" for g in profile.grades if counts[g])
    return GroupedNoticeDoc(
        doc_meta(title, terms["issuer"], doc_date(options)),
        render.balance_lines(title),
        unit,
        year,
        profile.title,
        profile.subject,
        sum(counts[g] for g in profile.grades),  # the sentence counts what the list shows
        summary,
        groups,
        counts[PENDING] + counts[UNGRADED],
        unsettled_text(counts),
        **terms,
    )


def unsettled_text(counts: Counter, measure: str = "个") -> str:
    """`待定1个、未评定2个`: the unsettled kinds a notice counts (not names), only those there are."""
    return "、".join(f"{g}{counts[g]}{measure}" for g in (PENDING, UNGRADED) if counts[g])


def split_missing(missing, town_parts) -> tuple[str, str]:
    """What a 未评定 subject lacks, split into what it must 补报 itself and what the issuing body
    produces (`town_parts`, e.g. 缺上级评分): a letter does not ask a branch for the town's own work.
    The town's part is named as a thing (`上级评分`), not as a lack."""
    missing = list(missing or [])
    own = [m for m in missing if m not in town_parts]
    town = [m.removeprefix("缺").removesuffix("不完整") for m in missing if m in town_parts]
    return "、".join(own), "、".join(dict.fromkeys(town))


def status_of(grade: str) -> str:
    return {UNGRADED: "ungraded", PENDING: "pending"}.get(grade, "graded")


def adjustment_sentences(outcome) -> dict[str, list[str]]:
    by_id: dict[str, list[str]] = {}
    for adjustment in outcome.graded.adjustments:
        by_id.setdefault(adjustment["编号"], []).append(change_sentence(adjustment))
    return by_id


def letters_in_batches(
    plan: Plan, env, outcome, options, unit: str, every: list, doc_type, template: str, folder: Path, word: str
) -> None:
    """A unit's 通知书, LETTERS_PER_JOB laid out together, each batch cut into one PDF per subject."""
    meta = doc_meta(
        f"{unit}{options.year}年度{outcome.profile.title}结果通知书",
        issuer_of(outcome.profile, options, unit),
        doc_date(options),
    )
    for start in range(0, len(every), LETTERS_PER_JOB):
        _per_subject(plan, env, outcome, template, doc_type(meta, every[start : start + LETTERS_PER_JOB]), folder, word)


def _per_subject(plan: Plan, env, outcome, template: str, doc, folder: Path, word: str) -> None:
    """Several one-subject documents laid out as one, cut into one PDF per subject (anchor → file)."""
    html = render_or_report(env, outcome, template, doc)
    if html is None:
        return
    parts = [
        render.Part(
            folder / f"{safe_name(item.id, 20)}{safe_name(item.name)}{word}.pdf", f"{item.name}{word}", item.anchor
        )
        for item in doc.items
    ]
    plan.jobs.append(render.Job(html, parts, editable=True))  # 通知书: a Word copy each with --docx


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
    units = units_of(frame)
    kept = [r for r in history.kept.values() if r.unit in units]
    if not kept:
        return {}
    present = {r.grade for r in kept} | {str(g) for g in frame["等次"]}
    shown = [g for g in list(grades) + sorted(present - set(grades)) if g in present]  # grades seen in either year
    rows = []
    for unit in units + ["合计"]:
        before = [r.grade for r in kept if unit == "合计" or r.unit == unit]
        now = [str(g) for g, u in zip(frame["等次"], frame["单位"].astype(str)) if unit == "合计" or u == unit]
        rows.append(_distribution(unit, f"{history.year}年", before, shown))
        rows.append(_distribution("", f"{options.year}年", now, shown))
    when = f"{history.year}年"
    note = ledger_note(when, "评定结果", len(kept), f"{outcome.profile.counter}{outcome.profile.subject}")
    counted = {"last_year_note": note, "last_year_count": len(kept), "last_year_when": when}
    return {"last_year": rows, "last_year_grades": shown, **counted}


def ledger_note(when: str, what: str, count: int, counted: str, which: str = "上年") -> str:
    """`上年数据取自台账中2026年的评定结果，共23个党组织`: where a report's comparison table comes from.
    A system words `what` (评选结果, 调查结果 …) and `counted` (名, 个班子和成员 …) for its own subjects."""
    return f"{which}数据取自台账中{when}的{what}，共{count}{counted}"


def _distribution(unit: str, year: str, grades: list[str], shown: list[str]) -> DistributionRow:
    counts, n = Counter(grades), len(grades)
    cells = [(str(counts[g]), fmt_percent(Fraction(counts[g], n)) if n and counts[g] else "") for g in shown]
    return DistributionRow(unit, year, n, cells)
