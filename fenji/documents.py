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
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import jinja2
from markupsafe import Markup

from fenji import __version__, doctor, render
from fenji.arith import fmt_decimal, fmt_percent, to_decimal
from fenji.grade import (M_DECISION, M_FLOOR, M_OVER_QUOTA, M_SELF, M_VETO, M_CRITICAL,
                         NOT_PARTICIPATING, PENDING, UNGRADED)
from fenji.outputs import DIR_MODE, replace_dir
from fenji.profiles import STAR_SYSTEMS, Profile

DASH = "—"
KIND = {"dingji": "分类定级"}        # the word in file names: <单位><年度>年度分类定级评分定级表.pdf
LETTERS_PER_JOB = 40                  # 通知书 laid out together, then cut into one PDF each
POOL_MIN_SUBJECTS = 60                # below this, starting worker processes costs more than it saves


# --- data objects ---------------------------------------------------------------------------

@dataclass
class DocMeta:
    """What every document's <head> carries into the PDF's Info: title, author (the issuing body), date."""

    title: str
    author: str
    created: str                      # ISO date, e.g. 2027-04-10


@dataclass
class Signature:
    """The issuing body and the date (`2027年4月9日`), right-aligned with room for a seal."""

    issuer: str
    date: str


@dataclass
class Column:
    """An indicator column head: name and maximum points."""

    name: str
    max: str


@dataclass
class ScoreLine:
    """One branch's row of the 评分定级表; missing values are `—`."""

    number: int
    id: str
    name: str
    scores: list[str]
    total: str
    veto: str
    initial: str
    grade: str
    note: str


@dataclass
class ScoreTableDoc:
    """评分定级表 of one unit (附件4 completed), landscape, for the county, marked 内部资料."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    year: int
    columns: list[Column]
    rows: list[ScoreLine]
    notes: list[str]
    signature: Signature
    marking: str = "内部资料"


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
class NoticeLine:
    """One line of a public notice: a name and a grade (a score only when the profile allows)."""

    number: int
    name: str
    grade: str
    score: str


@dataclass
class NoticeDoc:
    """结果公示 of one unit for the village board: names and grades, the notice period, how to object."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    year: int
    title: str                        # the profile's title, e.g. 村（社区）党支部分类定级
    subject: str                      # what is graded, e.g. 党组织
    count: int
    summary: str                      # 好 2 个、较好 7 个……
    show_scores: bool
    rows: list[NoticeLine]
    unsettled: int                    # 待定 / 未评定: listed, results announced later
    period_start: str
    period_end: str
    issuer: str
    phone: str
    address: str
    hotline_12380: bool
    signature: Signature


@dataclass
class LetterItem:
    """One indicator in a 通知书: maximum, graded score, self-evaluation score."""

    name: str
    max: str
    score: str
    self_score: str


@dataclass
class Letter:
    """One branch's 定级结果通知书. `status` is graded, pending (待定) or ungraded (未评定)."""

    anchor: str
    id: str
    name: str
    unit: str
    year: int
    title_lines: list[str]
    status: str
    grade: str
    initial: str
    score: str
    rate: str
    valid: str
    group_score: str
    items: list[LetterItem]
    total_max: str
    self_total: str
    self_grade: str
    self_deviation: bool
    missing: str
    changes: list[str]
    rectify: bool
    lowest: bool
    weak: list[str]
    signature: Signature


@dataclass
class LettersDoc:
    """Several 通知书 laid out as one document, cut into one PDF per branch afterwards."""

    meta: DocMeta
    letters: list[Letter]


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
    summary: str                      # 好 2 个，占 15.4%；较好 ……


@dataclass
class QuotaRow:
    """One quota in one unit: the rule, the base, allowed vs actual, ✓ or ✗."""

    unit: str
    rule: str
    n: int
    allowed: str
    actual: int
    ok: bool
    mark: str
    moved: str
    pending: str


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
    # last year's distribution beside this year's, from the ledger (fenji.documents_ledger.last_year_section)
    last_year: list = field(default_factory=list)
    last_year_grades: list[str] = field(default_factory=list)
    last_year_note: str = ""


# --- small helpers --------------------------------------------------------------------------

def _clean(value):
    """None for missing values (None, or a NaN that pandas put in a numeric column)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value


def _num(value, places: int) -> str:
    value = _clean(value)
    return DASH if value is None else fmt_decimal(value if isinstance(value, (Decimal, Fraction)) else to_decimal(value), places)


def _plain(value) -> str:
    """A maximum like Decimal('15') as `15`."""
    return format(to_decimal(value).normalize(), "f")


def _int(value) -> str:
    value = _clean(value)
    return DASH if value is None else str(int(value))


def _rate(value) -> str:
    value = _clean(value)
    return DASH if value is None else fmt_percent(value)


def safe_name(text: str, limit: int = 60) -> str:
    """A file or folder name: characters Windows forbids become full-width look-alikes, as typed otherwise."""
    table = str.maketrans({"/": "／", "\\": "＼", ":": "：", "*": "＊", "?": "？", '"': "＂",
                           "<": "＜", ">": "＞", "|": "｜"})
    cleaned = "".join(ch for ch in str(text).translate(table) if unicodedata.category(ch)[0] != "C")
    cleaned = (cleaned.strip().lstrip(".") or "未命名")[:limit]
    while len(cleaned.encode("utf-8")) > 2 * limit:   # names are capped in bytes (255), not characters
        cleaned = cleaned[:-1]
    return cleaned


def _issuer(profile: Profile, options, unit: str) -> str:
    template = options.notice_issuer or profile.notice["issuer"]
    return template.replace("{unit}", unit)


def _doc_date(options) -> dt.date:
    return options.notice_date or dt.date.today()


def _meta(title: str, author: str, day: dt.date) -> DocMeta:
    return DocMeta(title, author, day.isoformat())


def _band_text(profile: Profile) -> str:
    parts, above = [], None
    for band in profile.bands:
        low = _plain(band.low)
        if above is None:
            parts.append(f"{low}分以上为“{band.grade}”")
        elif band.low > 0:
            parts.append(f"{low}分以上不满{above}分为“{band.grade}”")
        else:
            parts.append(f"不满{above}分为“{band.grade}”")
        above = low
    return "，".join(parts)


def _quota_text(profile: Profile) -> str:
    words = {"cap": "不超过", "floor": "不低于", "about": "左右"}
    parts = [f"“{q.grade}”{words[q.kind]}{fmt_percent(q.share, 0)}" if q.kind != "about"
             else f"“{q.grade}”{fmt_percent(q.share, 0)}左右" for q in profile.quotas]
    return "，".join(parts)


def _places(profile: Profile, indicator) -> int:
    # 群众评价 is exact (25 × 满意率): two places, as in results.csv, so that a reviewer can retrace the total
    return profile.decimals + 1 if indicator.source == "satisfaction" else profile.decimals


def _units(frame) -> list[str]:
    return list(dict.fromkeys(str(u) for u in frame["单位"]))


def _rows(frame, unit: str) -> list[dict]:
    return [row for row in frame.to_dict("records") if str(row["单位"]) == unit]


def _note(row: dict) -> str:
    parts = [p for p in str(row.get("说明") or "").split("；") if p]
    parts += [n for n in (row.get("notes") or []) if n not in parts]
    decision = _clean(row.get("decision"))
    if decision is not None and decision.meeting:
        parts = [f"{p}（{decision.meeting}）" if p == M_DECISION else p for p in parts]
    return "；".join(parts)


# --- 评分定级表 -------------------------------------------------------------------------------

def score_table_doc(outcome, options, unit: str) -> ScoreTableDoc:
    """附件4 completed for one unit: every indicator, 总分, 否决情形, 初定等次, 最终等次, 说明."""
    profile, year = outcome.profile, options.year
    day, issuer = _doc_date(options), _issuer(profile, options, unit)
    title = f"{unit}{year}年度{profile.title}评分定级表"
    columns = [Column(i.name, _plain(i.max)) for i in profile.indicators]
    rows = []
    for number, row in enumerate(_rows(outcome.graded.subjects, unit), start=1):
        scores = [_num(row.get(i.name), _places(profile, i)) for i in profile.indicators]
        rows.append(ScoreLine(number, str(row["编号"]), str(row["名称"]), scores, _num(row["得分"], profile.decimals),
                              str(row.get("否决情形") or ""), str(row["初定等次"]), str(row["等次"]), _note(row)))
    return ScoreTableDoc(_meta(title, issuer, day), render.balance_lines(title, 30), unit, year, columns, rows,
                         _score_notes(profile), Signature(issuer, render.cn_date(day)))


def _score_notes(profile: Profile) -> list[str]:
    notes = []
    for indicator in profile.indicators:
        if indicator.source == "satisfaction":
            valid = [o for o, w in profile.satisfaction["weights"].items() if w > 0]
            notes.append(f"{indicator.name} = {_plain(indicator.max)} × 满意率，满意率 = {'、'.join(valid)}票数之和 ÷ 有效票数，"
                         "按满意度测评表重新计算。")
    notes.append(f"总分为各项得分之和，四舍五入保留 {profile.decimals} 位小数；等次：{_band_text(profile)}。")
    veto_grade = profile.veto.get("grade") or profile.lowest_grade
    notes.append(f"有否决情形的定为“{veto_grade}”。初定等次按总分确定；最终等次为执行否决情形、比例控制（"
                 f"{_quota_text(profile) or '无'}）和党委研究决定后的等次。")
    notes.append(f"“{UNGRADED}”为评定资料不全，“{PENDING}”为比例名额线上得分完全相同、待党委研究决定。")
    return notes


# --- 测评汇总表 -------------------------------------------------------------------------------

def survey_doc(outcome, options, unit: str) -> SurveyDoc:
    """The unit's satisfaction summary, recomputed from the ballots (the town's sheet where none came back)."""
    profile, year = outcome.profile, options.year
    day, issuer = _doc_date(options), _issuer(profile, options, unit)
    title = f"{unit}{year}年度{profile.title}党员群众满意度测评汇总表"
    options_list = list(profile.satisfaction["options"])
    indicator = next((i for i in profile.indicators if i.source == "satisfaction"), None)
    rows, totals = [], Counter()
    for number, row in enumerate(_rows(outcome.graded.subjects, unit), start=1):
        tally = outcome.scored.tallies.get(row["编号"])
        summary = outcome.scored.summaries.get(row["编号"])
        rows.append(_survey_line(number, row, tally, summary, options_list, indicator, profile))
        if tally is not None:
            _add_totals(totals, tally, options_list)
    total = _survey_total(totals, options_list, profile)
    notes = [f"满意率 = {'、'.join(o for o, w in profile.satisfaction['weights'].items() if w > 0)}票数之和 ÷ 有效票数；"
             f"{'、'.join(o for o in options_list if o not in profile.satisfaction['weights'])}、空白、多选为无效票。",
             "数据来源为“测评表”的，票数按各村报送的满意度测评表逐张统计；为“汇总表”的，按乡镇汇总表填报的票数计算。"]
    if indicator is not None:
        notes.append(f"{indicator.name}（{_plain(indicator.max)}分）= {_plain(indicator.max)} × 满意率。")
    return SurveyDoc(_meta(title, issuer, day), render.balance_lines(title, 30), unit, year, options_list,
                     indicator.name if indicator else "", rows, total, notes, Signature(issuer, render.cn_date(day)))


def _survey_line(number, row, tally, summary, options_list, indicator, profile) -> SurveyLine:
    if tally is None:
        return SurveyLine(str(number), str(row["编号"]), str(row["名称"]), DASH, DASH, DASH, [DASH] * len(options_list),
                          DASH, DASH, DASH, "缺满意度测评")
    note = ""
    if tally.from_ballots and summary is not None and (summary.counts != tally.counts or summary.returned != tally.returned):
        note = "与汇总表不一致，以测评表为准"
    elif not tally.from_ballots and tally.typed_rate is not None and row.get("满意率") is not None \
            and fmt_percent(tally.typed_rate) != fmt_percent(row["满意率"]):
        note = f"填报满意率 {fmt_percent(tally.typed_rate)}，已重新计算"
    if tally.valid == 0:
        note = "无有效票"
    issued = summary.issued if summary is not None else tally.issued
    score = _num(row.get(indicator.name), _places(profile, indicator)) if indicator else DASH
    return SurveyLine(str(number), str(row["编号"]), str(row["名称"]), _int(issued), str(tally.returned), str(tally.valid),
                      [str(tally.counts.get(o, 0)) for o in options_list], _rate(row.get("满意率")), score,
                      "测评表" if tally.from_ballots else "汇总表", note)


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
    return SurveyLine("合计", "", "", DASH, str(totals["returned"]), str(totals["valid"]),
                      [str(totals[o]) for o in options_list], _rate(rate), DASH, "", "")


# --- 结果公示 ---------------------------------------------------------------------------------

def notice_terms(profile: Profile, options, unit: str) -> dict:
    """The fields every 公示 object ends with: its period, where to object, who signs it — run
    settings (--notice-date/-end, --phone, --address, --issuer) over the profile's [notice]."""
    start = _doc_date(options)
    end = options.notice_end or start + dt.timedelta(days=profile.notice["period_days"] - 1)
    issuer = _issuer(profile, options, unit)
    return dict(period_start=render.cn_date(start), period_end=render.cn_date(end), issuer=issuer,
                phone=options.notice_phone or profile.notice["phone"], address=options.notice_address,
                hotline_12380=bool(profile.notice["hotline_12380"]), signature=Signature(issuer, render.cn_date(start)))


def notice_doc(outcome, options, unit: str) -> NoticeDoc:
    """The unit's public notice: names and grades only (scores when the profile says so)."""
    profile, year = outcome.profile, options.year
    terms = notice_terms(profile, options, unit)
    title = f"关于{unit}{year}年度{profile.title}结果的公示"
    rows = _rows(outcome.graded.subjects, unit)
    order = {grade: n for n, grade in enumerate(profile.grades + [PENDING, UNGRADED, NOT_PARTICIPATING])}
    ranked = sorted(rows, key=lambda r: order.get(r["等次"], len(order)))
    show = bool(profile.notice["show_scores"])
    lines = [NoticeLine(n, str(r["名称"]), str(r["等次"]), _num(r["得分"], profile.decimals) if show else "")
             for n, r in enumerate(ranked, start=1)]
    counts = Counter(r["等次"] for r in rows)
    summary = "、".join(f"{g}{counts[g]}个" for g in profile.grades if counts[g])
    unsettled = sum(counts[g] for g in (PENDING, UNGRADED))
    return NoticeDoc(_meta(title, terms["issuer"], _doc_date(options)), render.balance_lines(title), unit, year,
                     profile.title, profile.subject, len(rows), summary, show, lines, unsettled, **terms)


# --- 定级结果通知书 ---------------------------------------------------------------------------

def letters(outcome, options, unit: str) -> list[Letter]:
    """One 通知书 per subject of the unit, in roster order."""
    by_source = {str(r.source): r for f in outcome.files for r in f.records.get("self_eval", [])}
    adjustments: dict[str, list[dict]] = {}
    for adjustment in outcome.graded.adjustments:
        adjustments.setdefault(adjustment["编号"], []).append(adjustment)
    return [_letter(n, row, outcome, options, unit, by_source, adjustments.get(row["编号"], []))
            for n, row in enumerate(_rows(outcome.graded.subjects, unit))]


def _letter(n: int, row: dict, outcome, options, unit: str, by_source: dict, changes: list[dict]) -> Letter:
    profile, year = outcome.profile, options.year
    day = _doc_date(options)
    self_eval = by_source.get((row.get("sources") or {}).get("自评", ""))
    items = [LetterItem(i.name, _plain(i.max), _num(row.get(i.name), _places(profile, i)),
                        _num(self_eval.scores.get(i.name) if self_eval else None, profile.decimals))
             for i in profile.indicators]
    grade = str(row["等次"])
    status = {UNGRADED: "ungraded", PENDING: "pending"}.get(grade, "graded")
    lower = profile.grades[len(profile.grades) // 2:]
    markers = list(row.get("markers") or [])
    return Letter(
        anchor=f"letter-{n}", id=str(row["编号"]), name=str(row["名称"]), unit=unit, year=year,
        title_lines=render.balance_lines(f"{year}年度{_folder_kind(profile)}结果通知书"), status=status, grade=grade,
        initial=str(row["初定等次"]), score=_num(row["得分"], profile.decimals), rate=_rate(row.get("满意率")),
        valid=_int(row.get("有效票")), group_score=_group_score(row, profile), items=items,
        total_max=_plain(sum(i.max for i in profile.indicators)),
        self_total=_num(row.get("自评得分"), profile.decimals), self_grade=str(row.get("自评等次") or ""),
        self_deviation=M_SELF in markers, missing="、".join(row.get("missing") or []),
        changes=[_change_sentence(c) for c in changes], rectify=status == "graded" and grade in lower,
        lowest=grade == profile.lowest_grade, weak=_weak(row, profile),
        signature=Signature(_issuer(profile, options, unit), render.cn_date(day)))


def _group_score(row: dict, profile: Profile) -> str:
    indicator = next((i for i in profile.indicators if i.source == "satisfaction"), None)
    return _num(row.get(indicator.name), _places(profile, indicator)) if indicator else DASH


def _weak(row: dict, profile: Profile) -> list[str]:
    """Indicators below 80 % of their maximum, weakest first (at most three; else the two weakest)."""
    ratios = []
    for indicator in profile.indicators:
        value = _clean(row.get(indicator.name))
        if value is not None:
            ratios.append((Fraction(value) / Fraction(indicator.max), indicator, value))
    ratios.sort(key=lambda item: item[0])
    chosen = [r for r in ratios if r[0] < Fraction(4, 5)][:3] or ratios[:2]
    return [f"{i.name}（{_num(v, _places(profile, i))}/{_plain(i.max)}分）" for _, i, v in chosen]


def _change_sentence(change: dict) -> str:
    kind, before, after = change["类型"], change["调整前"], change["调整后"]
    reason = str(change.get("理由") or "").rstrip("。")
    if kind == M_DECISION:
        basis = f"（{change['会议及文号']}）" if change.get("会议及文号") else ""
        moved = f"由“{before}”调整为“{after}”" if before != after else f"确定为“{after}”"
        return f"经党委研究{basis}，{moved}" + (f"。理由：{reason}。" if reason else "。")
    if kind == M_VETO:
        return f"因存在否决情形（{reason}），实行一票否决，由“{before}”定为“{after}”。"
    if kind in (M_OVER_QUOTA, M_FLOOR):
        return f"按照等次比例控制要求（{reason}），由“{before}”调整为“{after}”。"
    return f"{kind}（{reason}），由“{before}”调整为“{after}”。"


def letters_doc(outcome, options, unit: str, chunk: list[Letter]) -> LettersDoc:
    """Some of a unit's letters as one document (laid out together, cut apart afterwards)."""
    profile = outcome.profile
    title = f"{unit}{options.year}年度{profile.title}结果通知书"
    return LettersDoc(_meta(title, _issuer(profile, options, unit), _doc_date(options)), chunk)


# --- 汇总报告 ---------------------------------------------------------------------------------

def report_doc(outcome, options) -> ReportDoc:
    """The county report for the whole run."""
    profile, frame, year = outcome.profile, outcome.graded.subjects, options.year
    units, day = _units(frame), _doc_date(options)
    scope, author = _scope(outcome, options, units)
    title = f"{scope}{year}年度{profile.title}汇总报告"
    grades = profile.grades + [g for g in (PENDING, UNGRADED, NOT_PARTICIPATING) if g in set(frame["等次"])]
    stats = [_stat_row(unit, frame[frame["单位"].astype(str) == unit], grades) for unit in units]
    total = _stat_row("合计", frame, grades)
    records = frame.to_dict("records")
    return ReportDoc(
        meta=_meta(title, author, day), title_lines=render.balance_lines(title), scope=scope, year=year,
        profile_name=profile.name, profile_title=profile.title, date=render.cn_date(day),
        data_as_of=_data_as_of(outcome), version=__version__, problem_counts=_problem_counts(outcome),
        grades=grades, stats=stats, total=total, summary=_summary(frame, profile.grades),
        quotas=[_quota_row(c, frame) for c in outcome.graded.quota_checks],
        bar_chart=render.svg_grouped_bars(units, grades, [[_count(frame, u, g) for g in grades] for u in units]),
        histogram=render.svg_histogram([_clean(r["得分"]) for r in records if _clean(r["得分"]) is not None],
                                       [(b.low, b.grade) for b in profile.bands]),
        adjustments=[_adjustment_row(a, profile) for a in outcome.graded.adjustments],
        unsettled=[_subject_row(r, profile, _unsettled_reason(r)) for r in records if r["等次"] in (PENDING, UNGRADED)],
        self_deviations=[_subject_row(r, profile, _self_remark(r, profile)) for r in records if M_SELF in (r.get("markers") or [])],
        critical=[_subject_row(r, profile, _critical_remark(r, profile)) for r in records if M_CRITICAL in (r.get("markers") or [])],
        **_year_on_year(records, profile, grades),
        **_last_year(outcome, options, grades),
        signature=Signature(author, render.cn_date(day)))


def _last_year(outcome, options, grades: list[str]) -> dict:
    from fenji.documents_ledger import last_year_section      # it imports this module
    return last_year_section(outcome, options, grades)


def _scope(outcome, options, units: list[str]) -> tuple[str, str]:
    """What the report covers and who issues it: the county when given, else the unit(s)."""
    profile = outcome.profile
    if options.county:
        return options.county, f"中共{options.county}委员会组织部"
    if len(units) == 1:
        return units[0], _issuer(profile, options, units[0])
    named = "、".join(units[:3])
    more = len(units) > 3
    return (named + (f"等 {len(units)} 个{profile.unit}" if more else ""),
            f"{named}{'等' if more else ''}党委")   # `清溪镇、白河镇党委`: the towns issue it jointly


def _count(frame, unit: str, grade: str) -> int:
    return int(((frame["单位"].astype(str) == unit) & (frame["等次"] == grade)).sum())


def _stat_row(unit: str, group, grades: list[str]) -> StatRow:
    n = len(group)
    counts = Counter(group["等次"])
    cells = [StatCell(counts[g], fmt_percent(Fraction(counts[g], n)) if n else DASH) for g in grades]
    return StatRow(unit, n, cells, _summary(group, grades))


def _summary(frame, grades: list[str]) -> str:
    """`好 54 个，占 10.1%；较好 ……` over the grades present (shares of all subjects)."""
    n = len(frame)
    counts = Counter(frame["等次"])
    shown = grades + [g for g in counts if g not in grades]
    return "；".join(f"{g} {counts[g]} 个，占 {fmt_percent(Fraction(counts[g], n))}" for g in shown if n and counts[g])


def _quota_row(check, frame) -> QuotaRow:
    word = {"cap": "最多", "floor": "至少", "about": "约"}[check.kind]
    names = dict(zip(frame["编号"], frame["名称"]))
    return QuotaRow(check.unit + (f"（{check.category}）" if check.category else ""), check.label, check.n,
                    f"{word} {check.allowed} 个", check.actual, check.ok, "✓ 符合" if check.ok else "✗ 不符合",
                    "、".join(str(names.get(s, s)) for s in check.moved), "、".join(str(names.get(s, s)) for s in check.pending))


def _adjustment_row(adjustment: dict, profile: Profile) -> AdjustmentRow:
    return AdjustmentRow(str(adjustment["单位"]), str(adjustment["编号"]), str(adjustment["名称"]),
                         _num(adjustment.get("得分"), profile.decimals), adjustment["调整前"], adjustment["调整后"],
                         adjustment["类型"], str(adjustment.get("理由") or ""), str(adjustment.get("会议及文号") or ""))


def _subject_row(row: dict, profile: Profile, remark: str) -> SubjectRow:
    return SubjectRow(str(row["单位"]), str(row["编号"]), str(row["名称"]), _num(row["得分"], profile.decimals),
                      str(row["等次"]), remark)


def _unsettled_reason(row: dict) -> str:
    if row["等次"] == UNGRADED:
        return "、".join(row.get("missing") or []) or "资料不全"
    return "；".join(row.get("notes") or []) or "比例名额线上并列，需党委研究决定"


def _self_remark(row: dict, profile: Profile) -> str:
    self_score = _num(row.get("自评得分"), profile.decimals)
    return f"自评 {self_score} 分，自评等次“{row.get('自评等次') or DASH}”"


def _critical_remark(row: dict, profile: Profile) -> str:
    score = _clean(row["得分"])
    hits = [i for i in profile.critical if score is not None and i.contains(score)]
    return "；".join(_interval_text(i) for i in hits)


def _interval_text(interval) -> str:
    low, high = _plain(interval.low), _plain(interval.high)
    if interval.low == interval.high:
        return f"恰为 {low} 分，处于两个等次的交界"
    return f"在 {low} 与 {high} 分之间，方案的分数段未覆盖"


def _year_on_year(records: list[dict], profile: Profile, grades: list[str]) -> dict:
    known = [r for r in records if r.get("上年等次") in profile.grades]
    if not known:
        return {"change_grades": grades, "changes": [], "change_summary": ""}
    rows = [ChangeRow(last, [str(sum(1 for r in known if r["上年等次"] == last and r["等次"] == g)) for g in grades])
            for last in profile.grades if any(r["上年等次"] == last for r in known)]
    rank = {g: n for n, g in enumerate(profile.grades)}
    now = [r for r in known if r["等次"] in rank]
    up = sum(1 for r in now if rank[r["等次"]] < rank[r["上年等次"]])
    down = sum(1 for r in now if rank[r["等次"]] > rank[r["上年等次"]])
    summary = f"有上年等次的 {len(known)} 个中：等次上升 {up} 个，下降 {down} 个，持平 {len(now) - up - down} 个"
    if len(known) > len(now):
        summary += f"，本年未定 {len(known) - len(now)} 个"
    return {"change_grades": grades, "changes": rows, "change_summary": summary + "。"}


def _data_as_of(outcome) -> str:
    times = [f.mtime for f in outcome.files if f.mtime]
    return render.cn_date(dt.date.fromtimestamp(max(times))) if times else DASH


def _problem_counts(outcome) -> str:
    return "，".join(f"{level} {outcome.problems.count(level)} 条" for level in ("错误", "警告", "提示"))


# --- writing --------------------------------------------------------------------------------

@dataclass
class Plan:
    """Every document of the run as render jobs, plus the HTML to keep when `--html` is given."""

    jobs: list[render.Job] = field(default_factory=list)
    html: dict[Path, str] = field(default_factory=dict)


def _folder_kind(profile: Profile) -> str:
    return KIND.get(profile.system, profile.name)


def plan_documents(outcome, options, env: jinja2.Environment, root: Path) -> Plan:
    """Render every template to HTML and say which PDF file(s) each becomes (paths under `root`)."""
    if outcome.profile.system in STAR_SYSTEMS:     # xingji-*: 汇总表, 公示 and 五星卡 per village
        from fenji.documents_stars import plan_star_documents
        return plan_star_documents(outcome, options, env, root)
    if outcome.profile.system in ("shengji", "shixing"):     # 分类升级 / 十星创建: fenji.documents_ledger
        from fenji.documents_ledger import plan_ledger_documents
        return plan_ledger_documents(outcome, options, env, root)
    plan = Plan()
    year, kind = options.year, _folder_kind(outcome.profile)
    for unit in _units(outcome.graded.subjects):
        folder = root / safe_name(unit)
        stem = f"{safe_name(unit)}{year}年度{kind}"
        _single(plan, env, outcome, "score_table.html", score_table_doc(outcome, options, unit), folder / f"{stem}评分定级表.pdf")
        _single(plan, env, outcome, "survey_summary.html", survey_doc(outcome, options, unit), folder / f"{stem}测评汇总表.pdf")
        _single(plan, env, outcome, "notice.html", notice_doc(outcome, options, unit), folder / f"{stem}结果公示.pdf")
        _letters(plan, env, outcome, options, unit, folder / "通知书")
    _single(plan, env, outcome, "report.html", report_doc(outcome, options), root / "汇总报告.pdf")
    return plan


def _html(env, outcome, template: str, doc) -> str | None:
    try:
        return render.render_html(env, template, doc)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or template
        line = f"第 {exc.lineno} 行" if getattr(exc, "lineno", None) else ""
        outcome.problems.error("template-error", f"模板 {where} {line}出错：{exc}。该文书未生成；请修改模板，"
                               "或删除自定义模板以使用内置模板。", file=str(where))
        return None


def _single(plan: Plan, env, outcome, template: str, doc, path: Path) -> None:
    html = _html(env, outcome, template, doc)
    if html is not None:
        plan.jobs.append(render.Job(html, [render.Part(path, doc.meta.title)]))
        plan.html[path.with_suffix(".html")] = html


def _letters(plan: Plan, env, outcome, options, unit: str, folder: Path) -> None:
    every = letters(outcome, options, unit)
    for start in range(0, len(every), LETTERS_PER_JOB):
        chunk = every[start:start + LETTERS_PER_JOB]
        html = _html(env, outcome, "letter.html", letters_doc(outcome, options, unit, chunk))
        if html is None:
            return
        parts = [render.Part(folder / f"{safe_name(l.id, 20)}{safe_name(l.name)}定级结果通知书.pdf",
                             f"{l.name}{l.year}年度{_folder_kind(outcome.profile)}结果通知书", l.anchor) for l in chunk]
        plan.jobs.append(render.Job(html, parts))
        if options.html:
            for letter, part in zip(chunk, parts):
                single = render.render_html(env, "letter.html", letters_doc(outcome, options, unit, [letter]))
                plan.html[part.path.with_suffix(".html")] = single


def _environment(options, problems) -> jinja2.Environment:
    folder = Path(options.templates) if options.templates else None
    if folder is not None and not folder.is_dir():
        problems.error("templates-missing", f"自定义模板文件夹 {folder} 不存在，已使用内置模板。", file=str(folder))
        folder = None
    return render.environment(folder)


def _font_problems(outcome) -> None:
    for message in doctor.font_warnings():
        outcome.problems.warning("font-fallback", message)
    slow = doctor.subsetter_warning()
    if slow:
        outcome.problems.warning("font-subsetter", slow)


def _glyph_problems(outcome, html: list[str]) -> None:
    missing = doctor.uncovered(set("".join(html)))
    if missing:
        shown = "、".join(f"“{ch}”（U+{ord(ch):04X}）" for ch in sorted(missing)[:20])
        outcome.problems.warning("glyph-missing", f"没有任何已安装的字体包含字符 {shown}，PDF 中这些字将显示为方框。"
                                 "请安装含这些字的字体（如 fonts-noto-cjk-extra），或在名册中改用通用字。")


@dataclass
class RenderStats:
    """How the last write_documents went: files, pages, seconds (for `bench/` and the report)."""

    files: int = 0
    pages: int = 0
    seconds: float = 0.0


LAST_STATS = RenderStats()


def write_documents(outcome, options, out: Path, pool=None) -> list[Path]:
    """Render every document of the run into OUT/documents/, swapped into place in one step.

    Returns the PDF paths (under OUT/documents). Font fallbacks and uncovered characters become
    warnings in `outcome.problems`; a broken user template is an error and its document is skipped.
    """
    started = time.monotonic()
    out = Path(out)
    env = _environment(options, outcome.problems)
    staging = Path(tempfile.mkdtemp(prefix=".documents.", dir=out))
    os.chmod(staging, DIR_MODE)      # mkdtemp makes it private; the swapped-in folder should not be (umask read once: no os.umask race)
    try:
        _font_problems(outcome)
        plan = plan_documents(outcome, options, env, staging)
        _glyph_problems(outcome, [job.html for job in plan.jobs])
        workers = options.workers if len(outcome.graded.subjects) >= POOL_MIN_SUBJECTS else 1
        if pool is not None:           # a fenji.executors.DaskPool: batches of jobs on the cluster
            written = pool.render(plan.jobs, options.pdf_variant)
        else:
            written = render.run_jobs(plan.jobs, options.pdf_variant, workers)
        if options.html:
            for path, html in plan.html.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(html, encoding="utf-8")
        replace_dir(staging, out / "documents")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    LAST_STATS.files, LAST_STATS.pages = len(written), sum(pages for _, pages in written)
    LAST_STATS.seconds = time.monotonic() - started
    return [out / "documents" / path.relative_to(staging) for path, _ in written]
