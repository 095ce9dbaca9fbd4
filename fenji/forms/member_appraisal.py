"""民主评议党员测评汇总表 (`youxiu`): one 党支部's 民主评议, one row a member — the votes 优秀 合格 基本合格
不合格 under the merged `评议票数` header."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from fenji.core.records import Source
from fenji.core.tables import FormSpec
from fenji.core.validate import Context, Form, require_columns
from fenji.forms.members import table_date, vote_count
from fenji.forms.stars import id_and_name

OPTIONS = ("优秀", "合格", "基本合格", "不合格")
SPEC = FormSpec(
    "member_appraisal",
    "民主评议党员测评汇总表",
    ("民主评议党员测评汇总表",),
    (),
    ("编号", "姓名"),
    OPTIONS,
    ("编号", "姓名"),
)


@dataclass
class Appraisal:
    """One member's 民主评议 votes; `valid` is their sum (never a typed total)."""

    id: str
    name: str
    branch: str
    source: Source
    date: dt.date | None
    counts: dict[str, int] = field(default_factory=dict)
    unit: str = ""

    @property
    def valid(self) -> int:
        return sum(self.counts.values())


def member_appraisal(ctx: Context) -> None:
    if not require_columns(ctx, ["编号", "姓名", *OPTIONS]):
        return
    found = ctx.table.field_value("党支部", "支部")
    branch, date = (found.value if found else ""), table_date(ctx, "评议日期", "日期")
    for row in ctx.table.rows:
        ident, name = id_and_name(row)
        if not ident and not name:
            continue
        counts = {option: vote_count(ctx, row, option, ident or name) for option in OPTIONS}
        if any(c is None for c in counts.values()):
            continue
        where = ctx.source.at(ctx.table.ref(row, "编号" if ident else "姓名"))
        if not any(counts.values()):
            ctx.warning(
                "appraisal-empty",
                f"{name or ident} 的评议票数全部为空或 0，视为未评议。请填写民主评议的票数。",
                where.cell,
                ident or name,
            )
            continue
        ctx.result.add("member_appraisal", Appraisal(ident, name, branch, where, date, counts))


FORM = Form(SPEC, member_appraisal)
