"""Stage 8 for `dingji` (分类定级): per town the completed 评分定级表 (附件4), the 测评汇总表, the
结果公示 and one 定级结果通知书 per branch; one 汇总报告 for the run (the shared base report).

Each document has one dataclass here (or in fenji.core.documents for the shared ones); its template
(`templates/score_table.html`, `notice.html`, `letter.html`) sees it as `doc` and may use nothing
else. What a public notice may show is decided here: `NoticeLine` has no field for a veto, a reason
or a note, so no template can leak one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import jinja2

from fenji.core import render
from fenji.core.documents import (
    DASH,
    LETTERS_PER_JOB,
    DocMeta,
    Plan,
    Signature,
    add_single,
    band_text,
    change_sentence,
    count_text,
    decimals_of,
    doc_date,
    doc_meta,
    issuer_of,
    missing_to_none,
    note_text,
    notice_terms,
    percent_text,
    plain_number,
    quota_text,
    render_or_report,
    report_doc,
    rows_of,
    safe_name,
    score_text,
    split_missing,
    survey_doc,
    units_of,
    unsettled_text,
)
from fenji.core.profiles import Profile
from fenji.forms.score_sheet import INCOMPLETE_SCORES, MISSING_SCORES
from fenji.grading.grade import M_SELF, PENDING, UNGRADED

KIND = "分类定级"  # the word in file names: <单位><年度>年度分类定级评分定级表.pdf
TOWN_PARTS = (MISSING_SCORES, INCOMPLETE_SCORES)  # the town's own scoring: a 未评定 letter does not ask for it


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
    title: str  # the profile's title, e.g. 村（社区）党支部分类定级
    subject: str  # what is graded, e.g. 党组织
    count: int
    summary: str  # 好 2 个、较好 7 个……
    show_scores: bool
    rows: list[NoticeLine]
    unsettled: int  # 待定 / 未评定: counted, not listed; results announced later
    unsettled_text: str  # 待定1个、未评定2个
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
    missing: str  # what the branch itself must 补报
    town_missing: str  # what the town produces itself (上级评分): not asked of the branch
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


def score_table_doc(outcome, options, unit: str) -> ScoreTableDoc:
    """附件4 completed for one unit: every indicator, 总分, 否决情形, 初定等次, 最终等次, 说明."""
    profile, year = outcome.profile, options.year
    day, issuer = doc_date(options), issuer_of(profile, options, unit)
    title = f"{unit}{year}年度{profile.title}评分定级表"
    columns = [Column(i.name, plain_number(i.max)) for i in profile.indicators]
    rows = []
    for number, row in enumerate(rows_of(outcome.graded.subjects, unit), start=1):
        scores = [score_text(row.get(i.name), decimals_of(profile, i)) for i in profile.indicators]
        rows.append(
            ScoreLine(
                number,
                str(row["编号"]),
                str(row["名称"]),
                scores,
                score_text(row["得分"], profile.decimals),
                str(row.get("否决情形") or ""),
                str(row["初定等次"]),
                str(row["等次"]),
                note_text(row),
            )
        )
    return ScoreTableDoc(
        doc_meta(title, issuer, day),
        render.balance_lines(title, 30),
        unit,
        year,
        columns,
        rows,
        _score_notes(profile),
        Signature(issuer, render.cn_date(day)),
    )


def _score_notes(profile: Profile) -> list[str]:
    notes = []
    for indicator in profile.indicators:
        if indicator.source == "satisfaction":
            valid = [o for o, w in profile.satisfaction["weights"].items() if w > 0]
            notes.append(
                f"{indicator.name} = {plain_number(indicator.max)} × 满意率，满意率 = {'、'.join(valid)}票数之和 ÷ 有效票数，"
                "按满意度测评表重新计算。"
            )
    notes.append(f"总分为各项得分之和，四舍五入保留 {profile.decimals} 位小数；等次：{band_text(profile)}。")
    veto_grade = profile.veto.get("grade") or profile.lowest_grade
    notes.append(
        f"有否决情形的定为“{veto_grade}”。初定等次按总分确定；最终等次为执行否决情形、比例控制（"
        f"{quota_text(profile) or '无'}）和党委研究决定后的等次。"
    )
    notes.append(f"“{UNGRADED}”为评定资料不全，“{PENDING}”为比例名额线上得分完全相同、待党委研究决定。")
    return notes


def notice_doc(outcome, options, unit: str) -> NoticeDoc:
    """The unit's public notice: names and grades only (scores when the profile says so)."""
    profile, year = outcome.profile, options.year
    terms = notice_terms(profile, options, unit, outcome.problems)
    title = f"关于{unit}{year}年度{profile.title}结果的公示"
    rows = rows_of(outcome.graded.subjects, unit)
    order = {grade: n for n, grade in enumerate(profile.grades)}
    # only settled grades are listed: 待定 / 未评定 are counted in a sentence, 不参评 not at all
    ranked = sorted((r for r in rows if r["等次"] in order), key=lambda r: order[r["等次"]])
    show = bool(profile.notice["show_scores"])
    lines = [
        NoticeLine(n, str(r["名称"]), str(r["等次"]), score_text(r["得分"], profile.decimals) if show else "")
        for n, r in enumerate(ranked, start=1)
    ]
    counts = Counter(r["等次"] for r in rows)
    summary = "、".join(f"{g}{counts[g]}个" for g in profile.grades if counts[g])
    unsettled = sum(counts[g] for g in (PENDING, UNGRADED))
    return NoticeDoc(
        doc_meta(title, terms["issuer"], doc_date(options)),
        render.balance_lines(title),
        unit,
        year,
        profile.title,
        profile.subject,
        len(lines),
        summary,
        show,
        lines,
        unsettled,
        unsettled_text(counts),
        **terms,
    )


def letters(outcome, options, unit: str) -> list[Letter]:
    """One 通知书 per subject of the unit, in roster order."""
    by_source = {str(r.source): r for f in outcome.files for r in f.records.get("self_eval", [])}
    adjustments: dict[str, list[dict]] = {}
    for adjustment in outcome.graded.adjustments:
        adjustments.setdefault(adjustment["编号"], []).append(adjustment)
    return [
        _letter(n, row, outcome, options, unit, by_source, adjustments.get(row["编号"], []))
        for n, row in enumerate(rows_of(outcome.graded.subjects, unit))
    ]


def _letter(n: int, row: dict, outcome, options, unit: str, by_source: dict, changes: list[dict]) -> Letter:
    profile, year = outcome.profile, options.year
    day = doc_date(options)
    self_eval = by_source.get((row.get("sources") or {}).get("自评", ""))
    items = [
        LetterItem(
            i.name,
            plain_number(i.max),
            score_text(row.get(i.name), decimals_of(profile, i)),
            score_text(self_eval.scores.get(i.name) if self_eval else None, profile.decimals),
        )
        for i in profile.indicators
    ]
    grade = str(row["等次"])
    status = {UNGRADED: "ungraded", PENDING: "pending"}.get(grade, "graded")
    lower = profile.grades[len(profile.grades) // 2 :]
    markers = list(row.get("markers") or [])
    own_missing, town_missing = split_missing(row.get("missing"), TOWN_PARTS)
    return Letter(
        anchor=f"letter-{n}",
        id=str(row["编号"]),
        name=str(row["名称"]),
        unit=unit,
        year=year,
        title_lines=render.balance_lines(f"{year}年度{KIND}结果通知书"),
        status=status,
        grade=grade,
        initial=str(row["初定等次"]),
        score=score_text(row["得分"], profile.decimals),
        rate=percent_text(row.get("满意率")),
        valid=count_text(row.get("有效票")),
        group_score=_group_score(row, profile),
        items=items,
        total_max=plain_number(sum(i.max for i in profile.indicators)),
        self_total=score_text(row.get("自评得分"), profile.decimals),
        self_grade=str(row.get("自评等次") or ""),
        self_deviation=M_SELF in markers,
        missing=own_missing,
        town_missing=town_missing,
        changes=[change_sentence(c) for c in changes],
        rectify=status == "graded" and grade in lower,
        lowest=grade == profile.lowest_grade,
        weak=_weak(row, profile),
        signature=Signature(issuer_of(profile, options, unit), render.cn_date(day)),
    )


def _group_score(row: dict, profile: Profile) -> str:
    indicator = next((i for i in profile.indicators if i.source == "satisfaction"), None)
    return score_text(row.get(indicator.name), decimals_of(profile, indicator)) if indicator else DASH


def _weak(row: dict, profile: Profile) -> list[str]:
    """Indicators below 80 % of their maximum, weakest first (at most three; else the two weakest)."""
    ratios = []
    for indicator in profile.indicators:
        value = missing_to_none(row.get(indicator.name))
        if value is not None:
            ratios.append((Fraction(value) / Fraction(indicator.max), indicator, value))
    ratios.sort(key=lambda item: item[0])
    chosen = [r for r in ratios if r[0] < Fraction(4, 5)][:3] or ratios[:2]
    return [f"{i.name}（{score_text(v, decimals_of(profile, i))}/{plain_number(i.max)}分）" for _, i, v in chosen]


def letters_doc(outcome, options, unit: str, chunk: list[Letter]) -> LettersDoc:
    """Some of a unit's letters as one document (laid out together, cut apart afterwards)."""
    profile = outcome.profile
    title = f"{unit}{options.year}年度{profile.title}结果通知书"
    return LettersDoc(doc_meta(title, issuer_of(profile, options, unit), doc_date(options)), chunk)


def plan_dingji(outcome, options, env: jinja2.Environment, root: Path) -> Plan:
    """Render every template to HTML and say which PDF file(s) each becomes (paths under `root`)."""
    plan = Plan()
    year, kind = options.year, KIND
    for unit in units_of(outcome.graded.subjects):
        folder = root / safe_name(unit)
        stem = f"{safe_name(unit)}{year}年度{kind}"
        add_single(
            plan,
            env,
            outcome,
            "score_table.html",
            score_table_doc(outcome, options, unit),
            folder / f"{stem}评分定级表.pdf",
        )
        add_single(
            plan,
            env,
            outcome,
            "survey_summary.html",
            survey_doc(outcome, options, unit),
            folder / f"{stem}测评汇总表.pdf",
        )
        add_single(
            plan,
            env,
            outcome,
            "notice.html",
            notice_doc(outcome, options, unit),
            folder / f"{stem}结果公示.pdf",
            editable=True,
        )
        _letters(plan, env, outcome, options, unit, folder / "通知书")
    add_single(plan, env, outcome, "report.html", report_doc(outcome, options), root / "汇总报告.pdf", editable=True)
    return plan


def _letters(plan: Plan, env, outcome, options, unit: str, folder: Path) -> None:
    every = letters(outcome, options, unit)
    for start in range(0, len(every), LETTERS_PER_JOB):
        chunk = every[start : start + LETTERS_PER_JOB]
        html = render_or_report(env, outcome, "letter.html", letters_doc(outcome, options, unit, chunk))
        if html is None:
            return
        parts = [
            render.Part(
                folder / f"{safe_name(one.id, 20)}{safe_name(one.name)}定级结果通知书.pdf",
                f"{one.name}{one.year}年度{KIND}结果通知书",
                one.anchor,
            )
            for one in chunk
        ]
        plan.jobs.append(render.Job(html, parts, editable=True))
        if options.html:
            for letter, part in zip(chunk, parts):
                single = render.render_html(env, "letter.html", letters_doc(outcome, options, unit, [letter]))
                plan.html[part.path.with_suffix(".html")] = single
