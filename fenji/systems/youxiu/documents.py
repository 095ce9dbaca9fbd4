"""Stage 8 for `youxiu` (优秀党员评选, documents.md "Seed 003 and 001 systems"): per 党总支 the internal
评选汇总表 (every step's figures), the public 评选结果公示, the 表彰决定 (a 公文 with the list by 支部)
and one 荣誉证书 per 优秀党员; one 汇总报告 with the share elected per 总支 against the cap.

Each document has one dataclass here; its template (`templates/youxiu_*.html`) sees it as `doc` and
may use nothing else. The 公示's data has no vote counts (unless notice.show_scores), no 编号 and no
ineligibility reason: they are not in its dataclass, so no template can print them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from fractions import Fraction
from pathlib import Path

from fenji.core import render
from fenji.core.arith import fmt_percent, most_allowed
from fenji.core.documents import (
    DASH,
    DocMeta,
    Plan,
    ReportDoc,
    Signature,
    add_single,
    doc_date,
    doc_meta,
    issuer_of,
    ledger_note,
    note_text,
    notice_terms,
    report_doc,
    rows_of,
    safe_name,
    units_of,
)
from fenji.grading.grade import PENDING, UNGRADED
from fenji.systems.youxiu.score import ELECTED, INELIGIBLE, NOT_ELECTED

KIND = "优秀党员评选"


def _whole(value) -> str:
    return DASH if value is None or value != value else str(int(value))


@dataclass
class ElectionLine:
    """One candidate's row of the 评选汇总表: the four steps' figures and the result."""

    number: int
    id: str
    name: str
    branch: str
    member_type: str
    excellent: str
    valid: str
    share: str
    review: str
    yes: str
    no: str
    abstain: str
    grade: str
    note: str


@dataclass
class ElectionTableDoc:
    """评选汇总表 of one 党总支, landscape, 内部资料 (ineligibility reasons included: internal)."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    year: int
    members: int
    allowed: int
    due: str
    present: str
    rows: list[ElectionLine]
    notes: list[str]
    signature: Signature
    marking: str = "内部资料"


@dataclass
class NoticeLine:
    """One 优秀党员 on the 公示: 支部, 姓名, 性别 (and 赞成票 only when notice.show_scores)."""

    branch: str
    name: str
    gender: str
    votes: str = ""


@dataclass
class ElectionNoticeDoc:
    """评选结果公示 of one 党总支 for the board: names only; 待定 / 未评定 counted, never named."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    year: int
    title: str
    members: int
    count: int
    lines: list[NoticeLine]
    show_scores: bool
    show_gender: bool
    unsettled: int
    period_start: str
    period_end: str
    issuer: str
    phone: str
    address: str
    hotline_12380: bool
    signature: Signature


@dataclass
class BranchList:
    branch: str
    names: list[str]


@dataclass
class CommendationDoc:
    """表彰决定 (关于表彰2027年度优秀共产党员的决定) of one 党总支: a 公文 with the list by 支部."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    year: int
    count: int
    branches: list[BranchList]
    signature: Signature
    place: str = "村"  # 党建示范村 or 党建示范社区: the 总支's own kind, never the form's “村（社区）”


@dataclass
class Certificate:
    name: str
    branch: str
    year: int
    issuer: str
    date: str


@dataclass
class CertificatesDoc:
    """荣誉证书, one A4 landscape page per 优秀党员, room for the seal over issuer and date."""

    meta: DocMeta
    items: list[Certificate] = field(default_factory=list)
    per_page: int = 1  # 1: A4 landscape each; 2: two A5 landscape certificates on one A4 portrait page


def _share(profile) -> object:
    return next(q.share for q in profile.quotas if q.grade == ELECTED and q.kind == "cap")


def election_table_doc(outcome, options, unit: str) -> ElectionTableDoc:
    profile, year = outcome.profile, options.year
    rows = rows_of(outcome.graded.subjects, unit)
    members = int(rows[0]["quota_base"]) if rows else 0
    lines = []
    for n, r in enumerate(rows, start=1):
        note = note_text(r)
        if r["等次"] == INELIGIBLE and r.get("不符合条件原因"):
            note = "；".join(p for p in (r["不符合条件原因"], note) if p)
        share = r.get("优秀率")
        lines.append(
            ElectionLine(
                n,
                str(r["编号"]),
                str(r["名称"]),
                str(r.get("所属党支部") or DASH),
                str(r.get("党员类别") or DASH),
                _whole(r.get("优秀票")),
                _whole(r.get("有效评议票")),
                fmt_percent(share) if share is not None and share == share else DASH,
                str(r.get("审核意见") or "未审核"),
                _whole(r.get("赞成")),
                _whole(r.get("不赞成")),
                _whole(r.get("弃权")),
                str(r["等次"]),
                note,
            )
        )
    dues = {_whole(r.get("应到")) for r in rows} - {DASH}
    presents = {_whole(r.get("实到")) for r in rows} - {DASH}
    issuer, day = issuer_of(profile, options, unit), doc_date(options)
    title = f"{unit}{year}年度优秀党员评选汇总表"
    rules = profile.rules
    notes = [
        f"党员总数 {members} 人（{rules['count_base']}），名额不超过 {fmt_percent(_share(profile), 0)}，"
        f"即最多 {most_allowed(_share(profile), members)} 名。",
        f"推荐条件：民主评议优秀票不少于有效票的 {fmt_percent(rules['min_excellent_share'], 0)}"
        f"{'' if rules['probationary_eligible'] else '，正式党员'}，且无不符合条件情形。",
        f"当选条件：党员大会实到超过应到的 {fmt_percent(rules['quorum_share'], 0)}，赞成票超过实到的 "
        f"{fmt_percent(rules['pass_share'], 0)}，党总支审核同意；按赞成票、再按民主评议优秀票排序，"
        "跨越名额线的并列者为待定，由党委研究决定。",
        "本表含不符合条件的原因，仅供内部审核，不得公示。",
    ]
    return ElectionTableDoc(
        doc_meta(title, issuer, day),
        render.balance_lines(title, 30),
        unit,
        year,
        members,
        most_allowed(_share(profile), members),
        "、".join(sorted(dues)) or DASH,
        "、".join(sorted(presents)) or DASH,
        lines,
        notes,
        Signature(issuer, render.cn_date(day)),
    )


def election_notice_doc(outcome, options, unit: str) -> ElectionNoticeDoc:
    profile, year = outcome.profile, options.year
    terms = notice_terms(profile, options, unit, outcome.problems)  # no phone, no address: missing-contact
    rows = rows_of(outcome.graded.subjects, unit)
    elected = [r for r in rows if r["等次"] == ELECTED]
    show_scores = bool(profile.notice["show_scores"])
    lines = [
        NoticeLine(
            str(r.get("所属党支部") or ""),
            str(r["名称"]),
            str(r.get("性别") or ""),
            _whole(r.get("赞成")) if show_scores else "",
        )
        for r in elected
    ]
    title = f"关于{unit}{year}年度优秀党员评选结果的公示"
    return ElectionNoticeDoc(
        doc_meta(title, terms["issuer"], doc_date(options)),
        render.balance_lines(title),
        unit,
        year,
        profile.title,
        int(rows[0]["quota_base"]) if rows else 0,
        len(elected),
        lines,
        show_scores,
        any(line.gender for line in lines),
        sum(1 for r in rows if r["等次"] in (PENDING, UNGRADED)),
        **terms,
    )


def decision_date(profile, options) -> dt.date:
    """The 表彰决定 and the 荣誉证书 say 经公示无异议: they are dated the day after the 公示 period ends,
    never on the day the 公示 goes up (the documents' date is the 公示's first day)."""
    start = doc_date(options)
    end = options.notice_end or start + dt.timedelta(days=profile.notice["period_days"] - 1)
    return end + dt.timedelta(days=1)


def commendation_doc(outcome, options, unit: str) -> CommendationDoc:
    year = options.year
    elected = [r for r in rows_of(outcome.graded.subjects, unit) if r["等次"] == ELECTED]
    branches: dict[str, list[str]] = {}
    for r in elected:
        branches.setdefault(str(r.get("所属党支部") or "其他"), []).append(str(r["名称"]))
    issuer, day = issuer_of(outcome.profile, options, unit), decision_date(outcome.profile, options)
    title = f"关于表彰{year}年度优秀共产党员的决定"
    return CommendationDoc(
        doc_meta(title, issuer, day),
        render.balance_lines(title),
        unit,
        year,
        len(elected),
        [BranchList(b, names) for b, names in branches.items()],
        Signature(issuer, render.cn_date(day)),
        "社区" if "社区" in unit else "村",
    )


def certificates_doc(outcome, options, unit: str) -> CertificatesDoc:
    issuer, day = issuer_of(outcome.profile, options, unit), decision_date(outcome.profile, options)
    items = [
        Certificate(str(r["名称"]), str(r.get("所属党支部") or ""), options.year, issuer, render.cn_date(day))
        for r in rows_of(outcome.graded.subjects, unit)
        if r["等次"] == ELECTED
    ]
    meta = doc_meta(f"{unit}{options.year}年度优秀党员荣誉证书", issuer, day)
    return CertificatesDoc(meta, items, outcome.profile.rules["certificates_per_page"])


# --- 汇总报告 -----------------------------------------------------------------------------------


@dataclass
class UnitLine:
    """One 党总支 (or 合计) in the report: 党员总数 and the cap, the candidates and what became of them."""

    unit: str
    members: int
    allowed: int
    recommended: int
    elected: int
    not_elected: int
    ineligible: int
    pending: int
    ungraded: int
    share: str  # 当选 ÷ 党员总数
    mark: str  # √ 符合 / × 超出名额 against the cap


@dataclass
class BranchLine:
    """One 支部 of a 总支: how many it recommended and how many were elected."""

    unit: str
    branch: str
    recommended: int
    elected: int
    not_elected: int
    ineligible: int
    unsettled: int


@dataclass
class ExcludedLine:
    """A candidate not elected, not eligible, 待定 or 未评定, with the reason (internal report)."""

    unit: str
    branch: str
    id: str
    name: str
    grade: str
    reason: str


@dataclass
class YouxiuReportDoc(ReportDoc):
    """The county report for youxiu (内部资料): the cover and last year's table of the common report, then
    per 总支 the candidates against 20 % of 党员总数, per 支部 recommended and elected, and every candidate
    left out with the reason — people counted in 名, never 个."""

    marking: str = "内部资料"
    lines: list[UnitLine] = field(default_factory=list)
    overall: UnitLine | None = None
    branches: list[BranchLine] = field(default_factory=list)
    excluded: list[ExcludedLine] = field(default_factory=list)
    pending_lines: list[ExcludedLine] = field(default_factory=list)
    again: list[str] = field(default_factory=list)  # 连续两年当选
    cap: str = ""
    count_base: str = ""  # 全体党员 or 正式党员: what 党员总数 counts


def _counted(rows: list[dict], grade: str) -> int:
    return sum(1 for r in rows if r["等次"] == grade)


def _unit_line(unit: str, rows: list[dict], members: int, allowed: int) -> UnitLine:
    elected = _counted(rows, ELECTED)
    share = fmt_percent(Fraction(elected, members)) if members else DASH
    return UnitLine(
        unit,
        members,
        allowed,
        len(rows),
        elected,
        _counted(rows, NOT_ELECTED),
        _counted(rows, INELIGIBLE),
        _counted(rows, PENDING),
        _counted(rows, UNGRADED),
        share,
        "√ 符合" if elected <= allowed else "× 超出名额",
    )


def _left_out(r: dict) -> ExcludedLine:
    if r["等次"] == INELIGIBLE:
        reason = str(r.get("不符合条件原因") or "") or note_text(r)
    elif r["等次"] == UNGRADED:
        reason = "、".join(r.get("missing") or []) or note_text(r) or "资料不全"
    else:
        reason = "；".join(p for p in note_text(r).split("；") if p != PENDING) or note_text(r)
    return ExcludedLine(
        str(r["单位"]), str(r.get("所属党支部") or DASH), str(r["编号"]), str(r["名称"]), str(r["等次"]), reason or DASH
    )


def youxiu_report_doc(outcome, options) -> YouxiuReportDoc:
    base = report_doc(outcome, options)
    profile, frame = outcome.profile, outcome.graded.subjects
    share = _share(profile)
    lines, branches, total_members, total_allowed = [], [], 0, 0
    for unit in units_of(frame):
        rows = rows_of(frame, unit)
        members = int(rows[0]["quota_base"]) if rows else 0
        allowed = most_allowed(share, members)
        total_members, total_allowed = total_members + members, total_allowed + allowed
        lines.append(_unit_line(unit, rows, members, allowed))
        for branch in dict.fromkeys(str(r.get("所属党支部") or DASH) for r in rows):
            mine = [r for r in rows if str(r.get("所属党支部") or DASH) == branch]
            branches.append(
                BranchLine(
                    unit,
                    branch,
                    len(mine),
                    _counted(mine, ELECTED),
                    _counted(mine, NOT_ELECTED),
                    _counted(mine, INELIGIBLE),
                    _counted(mine, PENDING) + _counted(mine, UNGRADED),
                )
            )
    records = frame.to_dict("records")
    if base.last_year_note:  # people, counted in 名; the ledger keeps last year's 评选结果
        base.last_year_note = ledger_note(base.last_year_when, "评选结果", base.last_year_count, "名")
    overall = _unit_line("合计", records, total_members, total_allowed)
    overall.mark = "√ 符合" if all(line.mark.startswith("√") for line in lines) else "× 超出名额"
    return YouxiuReportDoc(
        **{f.name: getattr(base, f.name) for f in fields(base)},
        lines=lines,
        overall=overall,
        branches=branches,
        excluded=[_left_out(r) for r in records if r["等次"] in (NOT_ELECTED, INELIGIBLE)],
        pending_lines=[_left_out(r) for r in records if r["等次"] in (PENDING, UNGRADED)],
        again=[
            f"{r['名称']}（{r['单位']}{r.get('所属党支部') or ''}）"
            for r in records
            if r["等次"] == ELECTED and "连续" in str(r.get("说明") or "")
        ],
        cap=fmt_percent(share, 0),
        count_base=str(profile.rules["count_base"]),
    )


def plan_youxiu(outcome, options, env, root: Path) -> Plan:
    plan = Plan()
    for unit in units_of(outcome.graded.subjects):
        folder = root / safe_name(unit)
        stem = f"{safe_name(unit)}{options.year}年度{KIND}"
        add_single(
            plan,
            env,
            outcome,
            "youxiu_table.html",
            election_table_doc(outcome, options, unit),
            folder / f"{stem}汇总表.pdf",
        )
        certificates = certificates_doc(outcome, options, unit)
        if certificates.items:  # no one elected (yet): nothing to make public, no decision, no certificates
            add_single(
                plan,
                env,
                outcome,
                "youxiu_notice.html",
                election_notice_doc(outcome, options, unit),
                folder / f"{stem}结果公示.pdf",
                editable=True,
            )
            add_single(
                plan,
                env,
                outcome,
                "youxiu_decision.html",
                commendation_doc(outcome, options, unit),
                folder / f"{stem}表彰决定.pdf",
                editable=True,
            )
            add_single(plan, env, outcome, "youxiu_certificate.html", certificates, folder / f"{stem}荣誉证书.pdf")
    add_single(
        plan,
        env,
        outcome,
        "youxiu_report.html",
        youxiu_report_doc(outcome, options),
        root / "汇总报告.pdf",
        editable=True,
    )
    return plan
