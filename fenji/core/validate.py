"""Stage 3 machinery: what every form's validator works with (fenji.forms holds the validators).

A validator turns a recognised table into typed records, checking every value where it stands.
Pure: no disk access. Each problem names the file, sheet and cell, in Chinese, with how to fix it.
Totals typed into a form are recomputed from their parts (rules.md §0, "never trust a total").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from fenji.core.arith import fmt_number, half_up
from fenji.core.cells import is_blank, parse_number, text
from fenji.core.problems import Problems
from fenji.core.profiles import Profile
from fenji.core.records import FileResult, Source
from fenji.core.tables import Field, FormSpec, Row, Table

VILLAGE_LABELS = ("村", "社区", "村社区", "村名")  # how the star and 公信度 forms label `村（社区）：`


@dataclass(frozen=True)
class Form:
    """One standard form: how to recognise it (its spec) and how to check it into records."""

    spec: FormSpec
    validate: Callable[[Context], None]

    @property
    def kind(self) -> str:
        return self.spec.kind


class Context:
    """Where we are (file, sheet) and where problems go."""

    def __init__(self, result: FileResult, table: Table, problems: Problems, profile: Profile):
        self.result, self.table, self.problems, self.profile = result, table, problems, profile
        self.source = Source(result.rel, table.sheet.name)

    def where(self, cell: str = "", subject: str = "") -> dict:
        return {"file": self.result.rel, "sheet": self.table.sheet.name, "cell": cell, "subject": subject}

    def error(self, code, message, cell="", subject=""):
        self.problems.error(code, message, **self.where(cell, subject))

    def warning(self, code, message, cell="", subject=""):
        self.problems.warning(code, message, **self.where(cell, subject))

    def notice(self, code, message, cell="", subject=""):
        self.problems.notice(code, message, **self.where(cell, subject))


def village_field(ctx: Context) -> Field | None:
    """The form's `村（社区）：` value and its cell; None when the label is missing or left empty."""
    found = ctx.table.field_value(*VILLAGE_LABELS)
    return found if found is not None and found.value else None


def village_name(ctx: Context) -> str:
    """The form's `村（社区）：` value; '' when missing (the star forms then take each row's own 村)."""
    found = village_field(ctx)
    return found.value if found else ""


def require_columns(ctx: Context, names: list[str]) -> bool:
    missing = [n for n in names if n not in ctx.table.columns]
    if missing:
        ctx.error(
            "column-missing",
            f"{ctx.table.spec.label}缺少“{'”“'.join(missing)}”列（在第 {ctx.table.header_row + 1} 行的表头中未找到）。"
            f"请按标准表样补上该列，不要修改表头文字。",
            cell=f"A{ctx.table.header_row + 1}",
        )
        return False
    return True


def required_id_and_name(
    ctx: Context, row: Row, form: str, why: str, name_column: str = "姓名"
) -> tuple[str, str] | None:
    """The row's 编号 and name (`name_column`); None, with an error at the empty cell, when either is
    missing. `form` names the roster in the message (`党员名册`), `why` says why both are needed."""
    ident, name = text(row.cells.get("编号")), text(row.cells.get(name_column))
    if ident and name:
        return ident, name
    missing = "编号" if not ident else name_column
    ctx.error(
        "roster-field-missing",
        f"{form}第 {row.index + 1} 行缺少{missing}。{why}",
        ctx.table.ref(row, missing),
        name or ident,
    )
    return None


def score_value(ctx: Context, row: Row, column: str, maximum: Decimal, subject: str) -> Decimal | None:
    """An indicator score in [0, max]; a problem (and None) otherwise."""
    raw = row.cells.get(column)
    cell = ctx.table.ref(row, column)
    if is_blank(raw):
        return None
    value = parse_number(raw)
    if value is None:
        ctx.error(
            "score-not-numeric",
            f"“{column}”得分“{text(raw)}”不是数字。请填写 0 到 {maximum} 之间的数字。",
            cell,
            subject,
        )
        return None
    if not Decimal(0) <= value <= maximum:
        ctx.error(
            "score-out-of-range",
            f"“{column}”得分 {fmt_number(value)} 超出范围，应在 0 到 {maximum} 分之间。请核对后改正。",
            cell,
            subject,
        )
        return None
    return value


def check_header_max(ctx: Context, column: str, maximum: Decimal) -> None:
    """A header's `（N分）` must agree with the profile's maximum."""
    from fenji.core.cells import header_max

    typed = header_max(ctx.table.header_text.get(column, ""))
    if typed is not None and typed != maximum:
        col = ctx.table.columns[column]
        from fenji.core.cells import cell_ref

        ctx.warning(
            "indicator-max-mismatch",
            f"表头“{ctx.table.header_text[column]}”标注的分值 {typed} 与规则配置的满分 {maximum} 不一致；"
            f"按规则配置的 {maximum} 分校验。",
            cell_ref(ctx.table.header_row + 1, col),
        )


# --- 名册 ---------------------------------------------------------------------------------


# --- 附件2 自评表 ------------------------------------------------------------------------------


# --- 附件3 满意度测评表 ------------------------------------------------------------------------


# --- 测评汇总表 -------------------------------------------------------------------------------


# --- 附件4 上级党组织评分定级表 -------------------------------------------------------------------


# --- 决定调整表 --------------------------------------------------------------------------------


def warn_typed_total(
    record,
    total: Fraction | None,
    profile: Profile,
    problems: Problems,
    subject: str,
    field: str,
    basis: str,
    verdict: str = "以重新计算的结果为准",
) -> None:
    """A total the form typed (`record.typed_total`, at `record.refs[field]`) that differs from the one
    recomputed from its parts by more than `totals.tolerance`: a `total-mismatch` warning; the recomputed
    total is used either way (a typed total is never trusted)."""
    if record.typed_total is None or total is None:
        return
    if abs(Fraction(record.typed_total) - total) > Fraction(profile.totals["tolerance"]):
        problems.warning(
            "total-mismatch",
            f"{field}填写为 {fmt_number(record.typed_total)}，按{basis}重新计算为 "
            f"{half_up(total, profile.decimals)}；{verdict}。",
            file=record.source.file,
            sheet=record.source.sheet,
            cell=record.refs.get(field, record.source.cell),
            subject=subject,
        )
