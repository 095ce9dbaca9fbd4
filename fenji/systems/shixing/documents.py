"""Stage 8 for `shixing` (十星创建): per town the 十星评定汇总表, the 结果公示 (villages grouped by
stars) and one star sheet (通知书) per village with the stars missed as next year's targets; one
汇总报告 with the stars met per town and each village's change since last year.

Each document has one dataclass here; its template (`templates/shixing_*.html`) sees it as `doc`
and may use nothing else. Public notices get names and grades only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from fenji.core import render
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
    status_of,
    units_of,
)

KIND = "十星创建"  # the word in file names


@dataclass
class TenStarLine:
    """One village's row of the 十星评定汇总表: each star √ / ×, the count, the grade, last year's."""

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
    rows: list[TenStarLine]
    met: list[str]  # per star: villages that met it
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
    return {"达标": "√", "未达标": "×"}.get(str(value or ""), DASH)


def ten_star_table_doc(outcome, options, unit: str) -> TenStarTableDoc:
    from fenji.systems.shixing.score import change_text

    profile, year = outcome.profile, options.year
    day, issuer = doc_date(options), issuer_of(profile, options, unit)
    stars = profile.rules["stars"]
    rows = rows_of(outcome.graded.subjects, unit)
    lines = [
        TenStarLine(
            n,
            str(r["编号"]),
            str(r["名称"]),
            [_mark(r.get(s)) for s in stars],
            DASH if missing_to_none(r["得分"]) is None else str(int(r["得分"])),
            str(r["等次"]),
            str(r.get("上年等次") or DASH),
            change_text(r, profile) or DASH,
            note_text(r),
        )
        for n, r in enumerate(rows, start=1)
    ]
    met = [str(sum(1 for r in rows if r.get(s) == "达标")) for s in stars]
    title = f"{unit}{year}年度村级组织十星评定汇总表"
    notes = [
        "√ 为达标，× 为未达标；星数为达标的星的个数，“N星”即“N星村”。未达标的星为下年度创建目标。",
        "“未评定”为缺少评定或评定表填写不全，请乡镇补报后重新运行。",
    ]
    return TenStarTableDoc(
        doc_meta(title, issuer, day),
        render.balance_lines(title, 30),
        unit,
        year,
        stars,
        lines,
        met,
        notes,
        Signature(issuer, render.cn_date(day)),
    )


def star_sheets(outcome, options, unit: str) -> list[StarSheet]:
    from fenji.systems.shixing.score import change_text

    profile, year = outcome.profile, options.year
    signature = Signature(issuer_of(profile, options, unit), render.cn_date(doc_date(options)))
    kept = outcome.history.kept if outcome.history is not None else {}
    changes = adjustment_sentences(outcome)
    sheets = []
    for n, r in enumerate(rows_of(outcome.graded.subjects, unit)):
        last = kept.get(str(r["编号"]))
        items = [
            StarItem(s, str(r.get(s) or DASH), str(last.details.get(s, "")) if last else "")
            for s in profile.rules["stars"]
        ]
        graded = missing_to_none(r["得分"]) is not None
        sheets.append(
            StarSheet(
                f"sheet-{n}",
                str(r["编号"]),
                str(r["名称"]),
                unit,
                year,
                render.balance_lines(f"{year}年度{profile.title}结果通知书", 16),
                status_of(str(r["等次"])),
                str(r["等次"]),
                str(int(r["得分"])) if graded else DASH,
                len(profile.rules["stars"]),
                items,
                list(r.get("未达标星") or []) if graded else [],
                str(r.get("上年等次") or ""),
                change_text(r, profile),
                "、".join(r.get("missing") or []),
                changes.get(r["编号"], []),
                signature,
            )
        )
    return sheets


def shixing_report_doc(outcome, options) -> ShixingReportDoc:
    from fenji.systems.shixing.score import change_text

    base = report_doc(outcome, options)
    profile, frame = outcome.profile, outcome.graded.subjects
    units = units_of(frame)
    records = frame.to_dict("records")
    counts = [
        StarCount(
            s,
            [str(sum(1 for r in records if str(r["单位"]) == u and r.get(s) == "达标")) for u in units]
            + [str(sum(1 for r in records if r.get(s) == "达标"))],
        )
        for s in profile.rules["stars"]
    ]
    chart = render.svg_grouped_bars(
        [s.removesuffix("星") for s in profile.rules["stars"]], ["达标村数"], [[int(c.counts[-1])] for c in counts]
    )
    kept = outcome.history.kept if outcome.history is not None else {}
    changes = []
    for r in records:
        change = change_text(r, profile)
        if not change:
            continue
        last = kept.get(str(r["编号"]))
        gained = [s for s in profile.rules["stars"] if last and last.details.get(s) == "未达标" and r.get(s) == "达标"]
        lost = [s for s in profile.rules["stars"] if last and last.details.get(s) == "达标" and r.get(s) == "未达标"]
        changes.append(
            StarChange(
                str(r["单位"]),
                str(r["编号"]),
                str(r["名称"]),
                str(r["上年等次"]),
                str(r["等次"]),
                change,
                "、".join(gained) or DASH,
                "、".join(lost) or DASH,
            )
        )
    return ShixingReportDoc(
        **{f.name: getattr(base, f.name) for f in fields(base)},
        units=units,
        star_counts=counts,
        star_changes=changes,
        star_chart=chart,
    )


def plan_shixing(outcome, options, env, root: Path) -> Plan:
    plan = Plan()
    kind = KIND
    for unit in units_of(outcome.graded.subjects):
        folder = root / safe_name(unit)
        stem = f"{safe_name(unit)}{options.year}年度{kind}"
        add_single(
            plan,
            env,
            outcome,
            "shixing_table.html",
            ten_star_table_doc(outcome, options, unit),
            folder / f"{stem}十星评定汇总表.pdf",
        )
        add_single(
            plan,
            env,
            outcome,
            "shixing_notice.html",
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
            star_sheets(outcome, options, unit),
            StarSheetsDoc,
            "shixing_sheet.html",
            folder / "通知书",
            f"{kind}结果通知书",
        )
    add_single(
        plan,
        env,
        outcome,
        "shixing_report.html",
        shixing_report_doc(outcome, options),
        root / "汇总报告.pdf",
        editable=True,
    )
    return plan
