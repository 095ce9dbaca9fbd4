"""Stage 8 for `wuhao` (“五好”星级考评): per town the 星级评定汇总表 (internal), the 公示 (stars
only), one 星级通知书 per organisation naming the goods to improve, and the 党组织星级档案
(建档立册: one PDF per town with a contents page, one section per organisation holding every rating
the ledger has and this one); one 汇总报告 with the 晋位升级率 and the organisations behind it.

File names carry the period (`清溪镇2027年年底“五好”星级考评星级评定汇总表.pdf`): a year has two
ratings. Each document has one dataclass here; its template (`templates/wuhao_*.html`) sees it as
`doc`. Public notices get names and stars only (no score, no veto, no 备注).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from fenji.core import render
from fenji.core.documents import (
    DASH,
    DocMeta,
    GroupedNoticeDoc,
    Plan,
    ReportDoc,
    Signature,
    add_single,
    doc_date,
    doc_meta,
    grouped_notice_doc,
    issuer_of,
    ledger_note,
    letters_in_batches,
    missing_to_none,
    note_text,
    report_doc,
    rows_of,
    safe_name,
    status_of,
    units_of,
)
from fenji.systems.wuhao import score

KIND = "“五好”星级考评"  # the word in file names


def _when(options) -> str:
    """`2027年年底`: the year and the period of the rating."""
    return f"{options.year}年{options.period}"


def _criteria(profile) -> list[str]:
    return [i.name for i in profile.indicators]


# --- 星级评定汇总表 ------------------------------------------------------------------------------


@dataclass
class RatingLine:
    """One organisation's row: each good's points (√ when met), total, goods met, stars, movement."""

    number: int
    id: str
    name: str
    sector: str
    points: list[str]
    total: str
    met: str
    grade: str
    last: str
    movement: str
    note: str


@dataclass
class RatingTableDoc:
    """星级评定汇总表 of one town, landscape, 内部资料."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    when: str
    criteria: list[str]
    met_at: str
    rows: list[RatingLine]
    notes: list[str]
    signature: Signature
    marking: str = "内部资料"


def _point(row: dict, name: str, profile) -> str:
    value = score.result_values(row, profile).get(name, "")
    if not value:
        return DASH
    # √ (U+221A), not ✓: the GB fonts have √ and ×, so a mark never comes from a fallback font (issue 18 item 10)
    return f"{value}√" if name in (row.get("达标项") or []) else value


def rating_table_doc(outcome, options, unit: str) -> RatingTableDoc:
    profile = outcome.profile
    day, issuer = doc_date(options), issuer_of(profile, options, unit)
    criteria = _criteria(profile)
    lines = []
    for n, r in enumerate(rows_of(outcome.graded.subjects, unit), start=1):
        graded = missing_to_none(r["得分"]) is not None
        lines.append(
            RatingLine(
                n,
                str(r["编号"]),
                str(r["名称"]),
                str(r.get("领域") or DASH),
                [_point(r, c, profile) for c in criteria],
                f"{r['得分']}" if graded else DASH,
                str(len(r.get("达标项") or [])) if graded else DASH,
                str(r["等次"]),
                str(r.get("上次星级") or DASH),
                str(r.get("动态") or DASH),
                note_text(r),
            )
        )
    title = f"{unit}{_when(options)}基层党组织“五好”星级评定汇总表"
    met_at = str(profile.rules["met_at"])
    notes = [
        f"每项满分20分，达到{met_at}分为“好”（√），星级为“好”的项数；群众反映好为20分×满意率（满意度测评）。",
        f"软弱涣散党组织最高评为{profile.rules['weak_cap']}；发生否决情形的"
        f"{'最高' if profile.veto.get('cap') else ''}评为{profile.veto.get('grade')}。",
        "“上次”为上一次考评（年底对照当年年初，年初对照上年年底）；晋位、降位、保持五星按星级比较。",
        "“未评定”为缺少评分或满意度测评，补齐后重新评定。",  # the town itself scores and surveys
    ]
    return RatingTableDoc(
        doc_meta(title, issuer, day),
        render.balance_lines(title, 30),
        unit,
        _when(options),
        criteria,
        met_at,
        lines,
        notes,
        Signature(issuer, render.cn_date(day)),
    )


# --- 公示 -------------------------------------------------------------------------------------


@dataclass
class StarNoticeDoc(GroupedNoticeDoc):
    """The shared grouped notice with the rating's period (`2027年年底`) for its title and annex."""

    when: str = ""


def notice_doc(outcome, options, unit: str) -> StarNoticeDoc:
    """The shared grouped notice (names by star), titled with the period."""
    doc = grouped_notice_doc(outcome, options, unit)
    title = f"关于{unit}{_when(options)}{outcome.profile.title}结果的公示"
    values = {f.name: getattr(doc, f.name) for f in fields(doc)}
    values.update(title_lines=render.balance_lines(title), meta=replace(doc.meta, title=title))
    return StarNoticeDoc(**values, when=_when(options))


# --- 星级通知书 ---------------------------------------------------------------------------------


@dataclass
class CriterionItem:
    """One good on a letter: points, 好 or not, and the previous rating's points."""

    name: str
    points: str
    met: str
    last: str


@dataclass
class StarLetter:
    """One organisation's 星级通知书: each good, the stars, the movement, the goods to improve."""

    anchor: str
    id: str
    name: str
    unit: str
    when: str
    title_lines: list[str]
    status: str
    grade: str
    total: str
    items: list[CriterionItem]
    targets: list[str]
    last: str
    last_when: str
    movement: str
    reasons: list[str]
    missing: str
    signature: Signature


@dataclass
class StarLettersDoc:
    meta: DocMeta
    items: list[StarLetter]


def _reasons(r: dict, profile) -> list[str]:
    """Why the stars are fewer than the goods met: the cap, the veto (its text stays internal)."""
    reasons = []
    if r.get("weak_capped"):
        reasons.append(f"因列为软弱涣散党组织，星级最高为{profile.rules['weak_cap']}。")
    if r.get("否决情形") and str(r["等次"]) == profile.veto.get("grade"):
        reasons.append(f"因发生否决情形，评为{profile.veto.get('grade')}。")
    return reasons


def star_letters(outcome, options, unit: str) -> list[StarLetter]:
    profile, history = outcome.profile, outcome.history
    signature = Signature(issuer_of(profile, options, unit), render.cn_date(doc_date(options)))
    kept = history.kept if history is not None else {}
    last_when = f"{history.year}年{history.period}" if history is not None else ""
    letters = []
    for n, r in enumerate(rows_of(outcome.graded.subjects, unit)):
        before = kept.get(str(r["编号"]))
        graded = missing_to_none(r["得分"]) is not None
        values = score.result_values(r, profile)
        items = [
            CriterionItem(
                c,
                values.get(c) or DASH,
                ("好" if c in (r.get("达标项") or []) else "未达到") if graded else DASH,
                (before.details.get(c) or DASH) if before else "",
            )
            for c in _criteria(profile)
        ]
        letters.append(
            StarLetter(
                f"letter-{n}",
                str(r["编号"]),
                str(r["名称"]),
                unit,
                _when(options),
                render.balance_lines(f"{_when(options)}基层党组织“五好”星级通知书", 16),
                status_of(str(r["等次"])),
                str(r["等次"]),
                str(r["得分"]) if graded else DASH,
                items,
                list(r.get("未达标项") or []) if graded else [],
                str(r.get("上次星级") or ""),
                last_when,
                str(r.get("动态") or ""),
                _reasons(r, profile),
                "、".join(r.get("missing") or []),
                signature,
            )
        )
    return letters


# --- 党组织星级档案 (建档立册) ---------------------------------------------------------------------


@dataclass
class ArchiveRating:
    """One rating of an organisation, as the ledger keeps it (or this run's)."""

    when: str
    points: list[str]
    total: str
    grade: str
    movement: str
    note: str


@dataclass
class ArchiveEntry:
    """One organisation's archive: roster facts, every rating, 整改目标 and 整改措施."""

    anchor: str
    id: str
    name: str
    facts: list[tuple[str, str]]
    ratings: list[ArchiveRating]
    targets: list[str]
    limits: list[str]  # the cap or veto behind fewer stars than goods met: rectified before any 晋位
    measures: list[tuple[str, str]]  # (rating, 整改措施 typed that time)


@dataclass
class ArchiveDoc:
    """The town's 党组织星级档案, one PDF: a contents page, then one section per organisation."""

    meta: DocMeta
    title_lines: list[str]
    unit: str
    when: str
    criteria: list[str]
    entries: list[ArchiveEntry]
    signature: Signature


def _kept_rating(record, criteria: list[str]) -> ArchiveRating:
    d = record.details
    return ArchiveRating(
        f"{record.year}年{record.period}",
        [d.get(c) or DASH for c in criteria],
        record.score or DASH,
        record.grade,
        d.get("动态") or DASH,
        "；".join(record.markers),
    )


def _limits(r: dict, profile) -> list[str]:
    """The archive's 整改目标 beyond the goods not met: a 五好 organisation capped by 软弱涣散 or a veto has
    something to rectify all the same (the veto's text stays in 说明, the archive is internal)."""
    limits = []
    if r.get("weak_capped"):
        limits.append(f"列为软弱涣散党组织，星级最高为{profile.rules['weak_cap']}，整顿软弱涣散列为整改目标。")
    if r.get("否决情形") and str(r["等次"]) == profile.veto.get("grade"):
        limits.append(f"发生否决情形，评为{profile.veto.get('grade')}，整改否决情形列为整改目标。")
    return limits


def archive_doc(outcome, options, unit: str) -> ArchiveDoc:
    """Regenerated from the ledger at every run (every earlier rating) plus this run's, so it is whole."""
    profile, history = outcome.profile, outcome.history
    criteria = _criteria(profile)
    earlier = history.earlier if history is not None else []
    roster = {e.id: e for e in outcome.scored.roster} if outcome.scored is not None else {}
    entries = []
    for n, r in enumerate(rows_of(outcome.graded.subjects, unit)):
        ident = str(r["编号"])
        kept = [k for k in earlier if k.id == ident]
        values = score.result_values(r, profile)
        graded = missing_to_none(r["得分"]) is not None
        ratings = [_kept_rating(k, criteria) for k in kept]
        ratings.append(
            ArchiveRating(
                _when(options),
                [values.get(c) or DASH for c in criteria],
                str(r["得分"]) if graded else DASH,
                str(r["等次"]),
                str(r.get("动态") or DASH),
                note_text(r),
            )
        )
        measures = [(f"{k.year}年{k.period}", k.details.get("整改措施", "")) for k in kept if k.details.get("整改措施")]
        if r.get("整改措施"):
            measures.append((_when(options), str(r["整改措施"])))
        entry = roster.get(ident)
        facts = [
            ("编号", ident),
            ("党组织名称", str(r["名称"])),
            ("所属乡镇", unit),
            ("领域", (entry.sector if entry else "") or str(r.get("领域") or DASH)),
            ("党组织类型", (entry.kind if entry else "") or DASH),
            ("党员人数", str(entry.members) if entry and entry.members is not None else DASH),
            ("党组织书记", (entry.secretary if entry else "") or DASH),
        ]
        entries.append(
            ArchiveEntry(
                f"org-{n}",
                ident,
                str(r["名称"]),
                facts,
                ratings,
                list(r.get("未达标项") or []) if graded else [],
                _limits(r, profile) if graded else [],
                measures,
            )
        )
    title = f"{unit}基层党组织星级档案"
    day, issuer = doc_date(options), issuer_of(profile, options, unit)
    return ArchiveDoc(
        doc_meta(title, issuer, day),
        render.balance_lines(title, 16),
        unit,
        _when(options),
        criteria,
        entries,
        Signature(issuer, render.cn_date(day)),
    )


# --- 汇总报告 -----------------------------------------------------------------------------------


@dataclass
class MovementRow:
    unit: str
    id: str
    name: str
    last: str
    now: str
    movement: str
    lost: str


@dataclass
class WuhaoReportDoc(ReportDoc):
    """The county report for wuhao: the common facts, 晋位升级率 with its organisations, 服务型 share."""

    when: str = ""
    last_when: str = ""
    success: dict = field(default_factory=dict)
    service: dict = field(default_factory=dict)
    movements: list[MovementRow] = field(default_factory=list)


def wuhao_report_doc(outcome, options) -> WuhaoReportDoc:
    base = report_doc(outcome, options)
    profile, frame, history = outcome.profile, outcome.graded.subjects, outcome.history
    movements = []
    for r in frame.to_dict("records"):
        if not r.get("动态"):
            continue
        lost = [c for c in r.get("上次达标项") or [] if c not in (r.get("达标项") or [])]
        if r.get("动态") == score.DOWN:
            lost += ["软弱涣散封顶"] * bool(r.get("weak_capped")) + ["否决情形"] * bool(r.get("否决情形"))
        movements.append(
            MovementRow(
                str(r["单位"]),
                str(r["编号"]),
                str(r["名称"]),
                str(r["上次星级"]),
                str(r["等次"]),
                str(r["动态"]),
                "、".join(lost) or DASH,
            )
        )
    last_when = f"{history.year}年{history.period}" if history is not None else ""
    if base.last_year:  # the ledger's previous rating is the last period, not last year: label it so
        base.last_year = [
            replace(row, year=last_when if n % 2 == 0 else _when(options)) for n, row in enumerate(base.last_year)
        ]
        base.last_year_note = ledger_note(
            last_when, "考评结果", base.last_year_count, f"{profile.counter}{profile.subject}", which="上次"
        )
    return WuhaoReportDoc(
        **{f.name: getattr(base, f.name) for f in fields(base)},
        when=_when(options),
        last_when=last_when,
        success=score.success_info(frame, profile),
        service=score.service_info(frame, profile),
        movements=movements,
    )


# --- the plan ---------------------------------------------------------------------------------


def plan_wuhao(outcome, options, env, root: Path) -> Plan:
    plan = Plan()
    for unit in units_of(outcome.graded.subjects):
        folder = root / safe_name(unit)
        stem = f"{safe_name(unit)}{_when(options)}{KIND}"
        add_single(
            plan,
            env,
            outcome,
            "wuhao_table.html",
            rating_table_doc(outcome, options, unit),
            folder / f"{stem}星级评定汇总表.pdf",
        )
        add_single(
            plan,
            env,
            outcome,
            "wuhao_notice.html",
            notice_doc(outcome, options, unit),
            folder / f"{stem}结果公示.pdf",
            editable=True,
        )
        letters_in_batches(
            plan,
            env,
            outcome,
            options,
            unit,
            star_letters(outcome, options, unit),
            StarLettersDoc,
            "wuhao_letter.html",
            folder / "通知书",
            f"{_when(options)}星级通知书",
        )
        add_single(
            plan,
            env,
            outcome,
            "wuhao_archive.html",
            archive_doc(outcome, options, unit),
            folder / f"{safe_name(unit)}基层党组织星级档案（建档立册）.pdf",
        )
    add_single(
        plan,
        env,
        outcome,
        "wuhao_report.html",
        wuhao_report_doc(outcome, options),
        root / "汇总报告.pdf",
        editable=True,
    )
    return plan
