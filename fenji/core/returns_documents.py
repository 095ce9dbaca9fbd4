"""收件进度.pdf per unit (the forms still missing, or that all are in) and 催报.txt per unit with gaps:
the list a clerk chases villages with.

Shared by every system (the rows come from fenji.core.returns); planned after the system's own
documents, into documents/<unit>/ beside them, so that `fenji watch` refreshes both after each batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from fenji.core import render
from fenji.core.documents import DocMeta, Plan, Signature, add_single, doc_meta, issuer_of, safe_name
from fenji.core.returns import FAULTY, Return, display_name, missing_by_unit, overdue, reminder_text

PROGRESS_PDF = "收件进度.pdf"
REMINDER_TXT = "催报.txt"


@dataclass
class ProgressLine:
    number: int
    id: str
    name: str
    form: str
    since: str  # the roster's date: the form has been owed since the roster named the subject
    days: str  # days owed
    late: str  # 已逾期 N 天, when --due is given and past


@dataclass
class ProgressDoc:
    meta: DocMeta
    title_lines: list[str]
    unit: str
    rows: list[ProgressLine]
    notes: list[str]
    signature: Signature
    marking: str = "内部资料"


def progress_doc(outcome, options, unit: str, missing: list[Return], today: dt.date) -> ProgressDoc:
    profile, year = outcome.profile, options.year
    issuer = issuer_of(profile, options, unit)
    title = f"{unit}{year}年度{profile.title}收件进度（缺报清单）"
    due = options.due
    rows = [
        ProgressLine(
            number,
            row.id,
            display_name(row),
            row.form,
            render.cn_date(row.since) if row.since else "",
            f"{(today - row.since).days} 天" if row.since else "",
            f"已逾期 {(today - due).days} 天" if overdue(due, today) else "",
        )
        for number, row in enumerate(missing, start=1)
    ]
    faulty = sum(1 for r in outcome.returns if r.unit == unit and r.status == FAULTY)
    needed = sum(1 for r in outcome.returns if r.unit == unit)
    status = (
        f"截至{render.cn_date(today)}，本单位应报 {needed} 份表，尚缺 {len(rows)} 份；“缺报自”为名册报送之日。"
        if rows
        else f"截至{render.cn_date(today)}，本单位应报的 {needed} 份表已全部收齐。"
    )
    notes = [
        status,
        f"报送截止日期：{render.cn_date(due)}。" if due else "未设报送截止日期（运行时可用 --due 指定）。",
        "收到后放入收件文件夹，重新运行（或由 fenji watch 自动处理）后本表即更新。",
    ]
    if faulty:
        notes.append(f"另有 {faulty} 份已报送但有错误，请见问题清单（problems.csv）。")
    return ProgressDoc(
        doc_meta(title, issuer, today),
        render.balance_lines(title, 30),
        unit,
        rows,
        notes,
        Signature(issuer, render.cn_date(today)),
    )


def add_returns_documents(plan: Plan, env, outcome, options, root: Path) -> None:
    """Per unit: 收件进度.pdf (a render job: its gaps, or that all forms are in); per unit with gaps also
    催报.txt (written now, into the staging folder)."""
    today = dt.date.today()
    gaps = missing_by_unit(outcome.returns)
    for unit in dict.fromkeys(row.unit for row in outcome.returns):
        missing = gaps.get(unit, [])
        folder = Path(root) / safe_name(unit)
        folder.mkdir(parents=True, exist_ok=True)
        if missing:
            (folder / REMINDER_TXT).write_text(reminder_text(unit, missing, options.due, today), encoding="utf-8")
        add_single(
            plan,
            env,
            outcome,
            "returns.html",
            progress_doc(outcome, options, unit, missing, today),
            folder / PROGRESS_PDF,
        )


def with_returns(planner):
    """A system's `plan_documents` followed by the shared 收件进度 documents."""

    def plan(outcome, options, env, root: Path) -> Plan:
        planned = planner(outcome, options, env, root)
        add_returns_documents(planned, env, outcome, options, root)
        return planned

    return plan
