"""优秀党员评选票数汇总表 (`youxiu`): one 党员大会 — 应到 and 实到 members, then per candidate 赞成 不赞成 弃权;
赞成 + 不赞成 + 弃权 ≤ 实到 ≤ 应到, else an error at the cell."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fenji.core.cells import parse_count, text
from fenji.core.records import Source
from fenji.core.tables import FormSpec
from fenji.core.validate import Context, Form, require_columns
from fenji.forms.members import general_branch_of, table_date, vote_count
from fenji.forms.stars import id_and_name

SPEC = FormSpec(
    "election_votes",
    "优秀党员评选票数汇总表",
    ("优秀党员评选票数汇总表",),
    (),
    ("编号", "姓名", "赞成"),
    (),
    ("编号", "姓名"),
)
VOTES = ("赞成", "不赞成", "弃权")


@dataclass
class ElectionVotes:
    """One candidate's votes at one 党员大会, with the meeting's 应到 and 实到 (None when unreadable)."""

    id: str
    name: str
    unit: str  # the 党总支
    source: Source
    date: dt.date | None
    due: int | None
    present: int | None
    yes: int
    no: int
    abstain: int
    meeting_ref: str = ""


def election_votes(ctx: Context) -> None:
    if not require_columns(ctx, ["编号", "姓名", *VOTES]):
        return
    general, date = general_branch_of(ctx), table_date(ctx, "会议日期", "日期")
    due, present = _attendance(ctx)
    for row in ctx.table.rows:
        ident, name = id_and_name(row)
        if not ident and not name:
            continue
        subject = ident or name
        votes = {column: vote_count(ctx, row, column, subject) for column in VOTES}
        if any(v is None for v in votes.values()):
            continue
        if present is not None and sum(votes.values()) > present:
            ctx.error(
                "votes-exceed-present",
                f"{name or ident} 的赞成、不赞成、弃权票合计 {sum(votes.values())} 票，多于实到人数 {present} 人。"
                "请核对计票结果。",
                ctx.table.ref(row, "赞成"),
                subject,
            )
            continue
        where = ctx.source.at(ctx.table.ref(row, "编号" if ident else "姓名"))
        ctx.result.add(
            "election_votes",
            ElectionVotes(
                ident, name, general, where, date, due, present, votes["赞成"], votes["不赞成"], votes["弃权"]
            ),
        )


def _attendance(ctx: Context) -> tuple[int | None, int | None]:
    """应到 and 实到 from the header fields; a missing, unreadable or impossible figure is an error (None)."""
    figures = {}
    for label in ("应到人数", "实到人数"):
        found = ctx.table.field_value(label, label[:2])
        value = parse_count(found.value) if found and found.value.strip() else None
        if value is None:
            shown = f"填写为“{text(found.value)}”" if found and found.value.strip() else "没有填写"
            ctx.error(
                "attendance-invalid",
                f"评选票数汇总表的“{label}：”{shown}，应为非负整数。没有应到、实到人数无法判断大会是否有效，"
                "本次大会的候选人均为未评定。",
                found.ref if found else ctx.table.title_ref,
            )
        figures[label] = value
    due, present = figures["应到人数"], figures["实到人数"]
    if due is not None and present is not None and present > due:
        found = ctx.table.field_value("实到人数", "实到")
        ctx.error(
            "attendance-invalid",
            f"实到人数 {present} 多于应到人数 {due}。请核对会议签到。本次大会的候选人均为未评定。",
            found.ref if found else ctx.table.title_ref,
        )
        return due, None
    return due, present


FORM = Form(SPEC, election_votes)
