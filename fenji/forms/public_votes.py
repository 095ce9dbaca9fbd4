"""民主评议计分表 (star profiles): one row per subject, one column per representative (代表1 …);
a blank means "did not score", scores typed as text are numbers, a typed mean is recomputed."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from fenji.core.arith import fmt_number, half_up
from fenji.core.cells import is_blank, parse_number
from fenji.core.records import Source
from fenji.core.tables import FormSpec, Row
from fenji.core.validate import Context, Form, score_value, village_name
from fenji.forms.stars import field_date, id_and_name

SPEC = FormSpec("public_votes", "民主评议计分表", ("民主评议计分表",), (), ("编号", "姓名"), (), ("编号", "姓名"))


REPRESENTATIVE = re.compile(r"^(村民)?代表|^评议人|^评委")


MEAN_COLUMNS = ("平均分", "平均得分", "群众评议得分")


@dataclass
class PublicVotes:
    """One subject's row of the 民主评议计分表: the scores the representatives gave (blanks left out)."""

    id: str
    name: str
    unit: str
    source: Source  # the row's 编号 cell
    date: dt.date | None
    scores: list[Decimal] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    blanks: int = 0  # representatives who did not score this subject
    typed_mean: Decimal | None = None
    typed_ref: str = ""


def public_votes(ctx: Context) -> None:
    """One row per subject; one column per representative (代表1 …), blank = did not score."""
    representatives = [c for c in ctx.table.columns if REPRESENTATIVE.search(c)]
    if not representatives:
        ctx.error(
            "column-missing",
            "民主评议计分表没有代表评分列（表头应为“代表1”“代表2”……）。请按标准表样填写。",
            f"A{ctx.table.header_row + 1}",
        )
        return
    unit, date = village_name(ctx), field_date(ctx, "评议日期", "日期")
    mean_column = next((c for c in MEAN_COLUMNS if c in ctx.table.columns), "")
    for row in ctx.table.rows:
        ident, name = id_and_name(row)
        if not ident and not name:
            continue
        votes = PublicVotes(ident, name, unit, ctx.source.at(ctx.table.ref(row, "编号" if ident else "姓名")), date)
        for column in representatives:
            _vote(ctx, row, column, votes, ident or name)
        if mean_column:
            _check_typed_mean(ctx, row, mean_column, votes, ident or name)
        ctx.result.add("public_votes", votes)


def _vote(ctx: Context, row: Row, column: str, votes: PublicVotes, subject: str) -> None:
    if is_blank(row.cells.get(column)):
        votes.blanks += 1
        return
    value = score_value(ctx, row, column, ctx.profile.rules["score_max"], subject)
    if value is not None:
        votes.scores.append(value)
        votes.refs.append(ctx.table.ref(row, column))


def _check_typed_mean(ctx: Context, row: Row, column: str, votes: PublicVotes, subject: str) -> None:
    raw = row.cells.get(column)
    typed = parse_number(raw) if not is_blank(raw) else None
    votes.typed_mean, votes.typed_ref = typed, ctx.table.ref(row, column)
    if typed is None or not votes.scores:
        return
    mean = Fraction(sum(votes.scores)) / len(votes.scores)
    if abs(Fraction(typed) - mean) > Fraction(ctx.profile.totals["tolerance"]):
        ctx.warning(
            "total-mismatch",
            f"“{column}”填写为 {fmt_number(typed)}，按 {len(votes.scores)} 名代表的评分重新计算为 "
            f"{half_up(mean, 2)}；以重新计算的结果为准。",
            votes.typed_ref,
            subject,
        )


FORM = Form(SPEC, public_votes)
