"""What the two rosters of persons share (评定对象名册: star_roster; 党员名册: member_roster): the
column of numbered reasons not to take part (their required 编号 and 姓名: validate.required_id_and_name)."""

from __future__ import annotations

import re

from fenji.core.cells import squash, text
from fenji.core.tables import Row
from fenji.core.validate import Context

NO_REASON = {"", "无", "否", "-", "—", "/", "0"}  # how a clerk writes "none" in a reasons column


def listed_reasons(ctx: Context, row: Row, column: str, codes: dict, ident: str, treated_as: str) -> str:
    """A filled reasons column (`1、3`, or the reasons' words) → `1 reason；3 reason` from the profile's
    `codes`; anything not among them is an error at the cell and is returned as typed.
    `treated_as` says in the message what happens to the person meanwhile (`该对象按不参评处理`)."""
    raw = row.cells.get(column)
    key = squash(raw)
    found = re.findall(r"\d+", key) or [
        c for c, reason in codes.items() if key in squash(reason) or squash(reason) in key
    ]
    unknown = [c for c in found if c not in codes]
    if not found or unknown:
        ctx.error(
            "ineligible-unknown",
            f"{column}“{text(raw)}”不是规定的情形（填写序号 {'、'.join(codes)}）。{treated_as}，请核对改正。",
            ctx.table.ref(row, column),
            ident,
        )
        return text(raw)
    return "；".join(f"{c} {codes[c]}" for c in dict.fromkeys(found))
