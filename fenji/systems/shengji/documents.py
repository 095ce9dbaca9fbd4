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

from dataclasses import dataclass, field, fields
from pathlib import Path

from fenji.core import render
from fenji.core.arith import fmt_decimal, fmt_percent
from fenji.core.documents import (
    DASH,
    DocMeta,
    Plan,
    ReportDoc,
    Signature,
    add_single,
    adjustment_sentences,
    doc_date,
    doc_meta,
    grouped_notice_doc,
    issuer_of,
    letters_in_batches,
    missing_to_none,
    note_text,
    report_doc,
    rows_of,
    safe_name,
    split_missing,
    status_of,
    survey_doc,
    units_of,
)
from fenji.core.profiles import Profile
from fenji.forms.score_sheet import INCOMPLETE_SCORES, MISSING_SCORES
from fenji.systems.shengji.rates import year_on_year

KIND = "分类升级"  # the word in file names


# --- shared -----------------------------------------------------------------------------------


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
    status: str  # graded, pending, ungraded
    grade: str
    score: str
    rate: str
    score_class: str
    rate_class: str
    last: str
    goal: str
    missing: str  # what the organisation itself must 补报
    changes: list[str]
    signature: Signature
    town_missing: str = ""  # what the town produces itself (上级评分): not asked of the organisation
    measures: str = "转化措施"  # 巩固提升措施 for the top class: a 先进 organisation has nothing to 转化


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
    value = missing_to_none(row.get("考核得分"))
    return DASH if value is None else fmt_decimal(value, profile.decimals)


def _rate_text(row: dict) -> str:
    value = missing_to_none(row.get("满意率"))
    return DASH if value is None else fmt_percent(value)


def shengji_table_doc(outcome, options, unit: str) -> ShengjiTableDoc:
    profile, year = outcome.profile, options.year
    day, issuer = doc_date(options), issuer_of(profile, options, unit)
    title = f"{unit}{year}年度{profile.title}评分定级表"
    rows = [
        ShengjiLine(
            n,
            str(r["编号"]),
            str(r["名称"]),
            _score_text(r, profile),
            _rate_text(r),
            str(int(r["有效票"])) if missing_to_none(r.get("有效票")) is not None else DASH,
            r.get("分数等次") or DASH,
            r.get("满意率等次") or DASH,
            str(r["初定等次"]),
            str(r.get("否决情形") or ""),
            str(r["等次"]),
            str(r.get("上年等次") or DASH),
            note_text(r),
        )
        for n, r in enumerate(rows_of(outcome.graded.subjects, unit), start=1)
    ]
    return ShengjiTableDoc(
        doc_meta(title, issuer, day),
        render.balance_lines(title, 30),
        unit,
        year,
        rows,
        _shengji_notes(profile),
        Signature(issuer, render.cn_date(day)),
    )


def _interval_words(classes) -> str:
    def words(i) -> str:
        low = f"{i.low}{'（含）' if i.low_closed else '（不含）'}"
        high = f"{i.high}{'（含）' if i.high_closed else '（不含）'}"
        return f"{low}至{high}"

    return "；".join(f"“{g}”{words(i)}" for g, i in classes)


def _shengji_notes(profile: Profile) -> list[str]:
    rules = profile.rules
    return [
        f"考核得分为上级党组织评分定级表的总分（填有各项指标得分的，为各项之和），四舍五入保留 {profile.decimals} 位小数。"
        f"按考核得分分类：{_interval_words(rules['score_classes'])}。",
        f"满意率 = 满意、基本满意票数之和 ÷ 有效票数，按满意度测评表重新计算。按满意率分类（%）：{_interval_words(rules['rate_classes'])}。",
        "初定类别取两者中较低的一类；有否决情形的定为“"
        + (profile.veto.get("grade") or profile.lowest_grade)
        + "”。不设比例限制。",
        "恰在分类界线上的（考核得分 70、90 分，满意率 70%、90%）标为“临界”，请党委研究时留意。",
    ]


def shengji_letters(outcome, options, unit: str) -> list[ShengjiLetter]:
    from fenji.systems.shengji.score import goal

    profile, year = outcome.profile, options.year
    signature = Signature(issuer_of(profile, options, unit), render.cn_date(doc_date(options)))
    changes = adjustment_sentences(outcome)
    letters = []
    for n, r in enumerate(rows_of(outcome.graded.subjects, unit)):
        grade = str(r["等次"])
        own_missing, town_missing = split_missing(r.get("missing"), (MISSING_SCORES, INCOMPLETE_SCORES))
        letters.append(
            ShengjiLetter(
                f"letter-{n}",
                str(r["编号"]),
                str(r["名称"]),
                unit,
                year,
                render.balance_lines(f"{year}年度{profile.title}结果通知书", 16),
                status_of(grade),
                grade,
                _score_text(r, profile),
                _rate_text(r),
                r.get("分数等次") or DASH,
                r.get("满意率等次") or DASH,
                str(r.get("上年等次") or ""),
                goal(grade, profile),
                own_missing,
                changes.get(r["编号"], []),
                signature,
                town_missing,
                "巩固提升措施" if grade == profile.grades[0] else "转化措施",
            )
        )
    return letters


def _names(members) -> str:
    return "、".join(f"{m.name}（{m.now or '已撤并'}）" if m.now else m.name for m in members) or DASH


def rate_lines(outcome) -> list[RateLine]:
    """Each town's (and the total's) 提升率 and 转化率 with the organisations behind them."""
    lines = []
    for rate in year_on_year(outcome.graded.subjects, outcome.profile, outcome.history):
        mark = "—（无上年数据）" if rate.ok is None else "√ 达到" if rate.ok else "× 未达到"
        lines.append(
            RateLine(
                rate.unit,
                rate.name,
                rate.rule,
                len(rate.base),
                len(rate.hits),
                DASH if rate.value is None else fmt_percent(rate.value),
                f"{fmt_percent(rate.target, 0)}以上" if rate.target < 1 else "100%",
                mark,
                _names(rate.base),
                _names(rate.hits),
                "、".join(m.name for m in rate.gone),
            )
        )
    return lines


def shengji_report_doc(outcome, options) -> ShengjiReportDoc:
    from fenji.systems.shengji.score import critical_reasons

    base = report_doc(outcome, options)
    records = {str(r["编号"]): r for r in outcome.graded.subjects.to_dict("records")}
    for row in base.critical:  # the common report knows the score's boundaries only
        row.remark = "；".join(critical_reasons(records[row.id], outcome.profile)) or row.remark
    history = outcome.history
    source = (
        f"上年类别取自台账（{history.year}年的定级结果），台账中没有的取名册“上年等次”列。"
        if history is not None and history.kept
        else "上年类别取自名册“上年等次”列（台账中尚无上年结果）。"
    )
    return ShengjiReportDoc(
        **{f.name: getattr(base, f.name) for f in fields(base)}, rates=rate_lines(outcome), rate_source=source
    )


def plan_shengji(outcome, options, env, root: Path) -> Plan:
    plan = Plan()
    kind = KIND
    for unit in units_of(outcome.graded.subjects):
        folder = root / safe_name(unit)
        stem = f"{safe_name(unit)}{options.year}年度{kind}"
        add_single(
            plan,
            env,
            outcome,
            "shengji_table.html",
            shengji_table_doc(outcome, options, unit),
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
            "shengji_notice.html",
            grouped_notice_doc(outcome, options, unit),
            folder / f"{stem}结果公示.pdf",
            editable=True,
        )
        letters_in_batches(
            plan,
            env,
            outcome,
            options,
            unit,
            shengji_letters(outcome, options, unit),
            ShengjiLettersDoc,
            "shengji_letter.html",
            folder / "通知书",
            f"{kind}结果通知书",
        )
    add_single(
        plan,
        env,
        outcome,
        "shengji_report.html",
        shengji_report_doc(outcome, options),
        root / "汇总报告.pdf",
        editable=True,
    )
    return plan


# --- shixing ----------------------------------------------------------------------------------
