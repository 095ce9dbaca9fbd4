"""优秀党员推荐表 (`youxiu`): one 党总支's candidates from its branches, with the 总支's 审核意见
(同意 / 不同意; blank: not reviewed yet)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fenji.core.cells import squash, text
from fenji.core.records import Source
from fenji.core.tables import FormSpec
from fenji.core.validate import Context, Form, require_columns
from fenji.forms.members import general_branch_of, table_date
from fenji.forms.stars import id_and_name

SPEC = FormSpec("recommendation", "优秀党员推荐表", ("优秀党员推荐表",), (), ("编号", "姓名"), (), ("编号", "姓名"))
AGREE, DISAGREE = "同意", "不同意"


@dataclass
class Recommendation:
    id: str
    name: str
    unit: str  # the 党总支
    branch: str
    source: Source
    date: dt.date | None
    reason: str
    review: str  # 同意 / 不同意 / "" (not reviewed)
    review_ref: str


def recommendation(ctx: Context) -> None:
    if not require_columns(ctx, ["编号", "姓名", "总支审核意见"]):
        return
    general, date = general_branch_of(ctx), table_date(ctx, "推荐日期", "日期")
    for row in ctx.table.rows:
        ident, name = id_and_name(row)
        if not ident and not name:
            continue
        ref = ctx.table.ref(row, "总支审核意见")
        ctx.result.add(
            "recommendation",
            Recommendation(
                ident,
                name,
                general,
                text(row.cells.get("所属党支部")),
                ctx.source.at(ctx.table.ref(row, "编号" if ident else "姓名")),
                date,
                text(row.cells.get("推荐理由")),
                _review(ctx, row.cells.get("总支审核意见"), ref, ident or name),
                ref,
            ),
        )


def _review(ctx: Context, raw, ref: str, subject: str) -> str:
    """同意 / 不同意 as typed (`同 意`, `不同意。`); an unknown word is an error and counts as not reviewed."""
    key = squash(raw).rstrip("。.")
    if key in ("", AGREE, DISAGREE):
        return key
    ctx.error(
        "option-unknown",
        f"总支审核意见“{text(raw)}”应为“同意”或“不同意”。该候选人按未审核处理（未评定），请改正。",
        ref,
        subject,
    )
    return ""


FORM = Form(SPEC, recommendation)
