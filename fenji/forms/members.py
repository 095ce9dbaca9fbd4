"""What the four 优秀党员评选 forms share (党员名册, 民主评议党员测评汇总表, 优秀党员推荐表, 优秀党员评选票数汇总表):
the 党总支 of a table, its date, and a whole number of votes checked where it stands."""

from __future__ import annotations

import datetime as dt

from fenji.core.cells import is_blank, parse_count, parse_date, text
from fenji.core.tables import Row
from fenji.core.validate import Context

GENERAL_BRANCH_LABELS = ("党总支", "村社区党总支", "总支")


def general_branch_of(ctx: Context) -> str:
    found = ctx.table.field_value(*GENERAL_BRANCH_LABELS)
    return found.value if found else ""


def table_date(ctx: Context, *labels: str) -> dt.date | None:
    found = ctx.table.field_value(*labels)
    return parse_date(found.value) if found else None


def vote_count(ctx: Context, row: Row, column: str, subject: str) -> int | None:
    """A number of votes: blank → 0; `12`, `12票`, `１２` → 12; anything else an error at the cell (None)."""
    raw = row.cells.get(column)
    if is_blank(raw):
        return 0
    count = parse_count(raw)
    if count is None:
        ctx.error(
            "count-not-integer",
            f"“{column}”填写为“{text(raw)}”，应为非负整数（票数）。请改正。",
            ctx.table.ref(row, column),
            subject,
        )
    return count
