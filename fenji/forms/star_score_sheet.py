"""The `wuhao` 星级考评评分表 (forms.md "wuhao form"): one town's organisations, one 考评阶段.

The town scores four of the five goods (20 points each, two-level header under 考评得分); 群众反映好
comes from the survey forms (a typed column is compared). 软弱涣散 and 服务型 are 是 / 否 / blank;
否决情形 is the veto; 整改措施 goes into the archive. The 考评阶段 label (年初 / 年底) is read here and
checked against `--period` by the scorer, which knows the run's period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from fenji.core.cells import is_blank, parse_date, parse_number, squash, text
from fenji.core.records import Source
from fenji.core.tables import FormSpec, Row
from fenji.core.validate import Context, Form, check_header_max, require_columns, score_value

SPEC = FormSpec(
    "star_score_sheet",
    "星级考评评分表",
    ("星级考评评分表",),
    (),
    ("党组织名称",),
    ("领导班子好", "党员队伍好", "工作机制好", "工作业绩好"),  # under the merged 考评得分
    ("编号", "党组织名称"),
)
YES, NO = "是", "否"


@dataclass
class StarScoreRow:
    """One organisation's row of the 星级考评评分表, each value with its cell."""

    id: str
    name: str
    unit: str
    source: Source  # the row's 党组织名称 cell
    period: str  # the sheet's 考评阶段 as typed (年初 / 年底)
    period_ref: str
    date: dt.date | None
    sector: str = ""
    scores: dict[str, Decimal | None] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    typed_total: Decimal | None = None
    weak: bool = False  # 软弱涣散 是
    veto: str = ""
    service: bool | None = None  # 服务型 是 / 否 / blank
    measures: str = ""  # 整改措施
    note: str = ""


def validate(ctx: Context) -> None:
    """Validate a 星级考评评分表 into `star_scores` records."""
    criteria = [i for i in ctx.profile.indicators]
    typed = [i.name for i in criteria if i.source == "score_sheet"]
    if not require_columns(ctx, ["党组织名称"] + typed):
        return
    for indicator in criteria:
        if indicator.name in ctx.table.columns:
            check_header_max(ctx, indicator.name, indicator.max)
    town = ctx.table.field_value("乡镇")
    unit = _town_name(town.value) if town else ""
    period = ctx.table.field_value("考评阶段")
    date_field = ctx.table.field_value("考评日期", "日期")
    date = parse_date(date_field.value) if date_field else None
    for row in ctx.table.rows:
        ident, name = text(row.cells.get("编号")), text(row.cells.get("党组织名称"))
        if not ident and not name:
            continue
        record = StarScoreRow(
            ident,
            name,
            unit,
            ctx.source.at(ctx.table.ref(row, "党组织名称")),
            squash(period.value) if period else "",
            period.ref if period else "",
            date,
            sector=text(row.cells.get("领域")),
            veto=text(row.cells.get(ctx.profile.veto.get("column", "否决情形"))),
            measures=text(row.cells.get("整改措施")),
            note=text(row.cells.get("备注")),
        )
        _scores(ctx, row, record, criteria, ident or name)
        record.weak = _yes_no(ctx, row, "软弱涣散", ident or name) is True
        record.service = _yes_no(ctx, row, "服务型", ident or name)
        ctx.result.add("star_scores", record)


def _scores(ctx: Context, row: Row, record: StarScoreRow, criteria, subject: str) -> None:
    for indicator in criteria:
        if indicator.name not in ctx.table.columns:
            continue
        record.refs[indicator.name] = ctx.table.ref(row, indicator.name)
        record.scores[indicator.name] = score_value(ctx, row, indicator.name, indicator.max, subject)
    if "合计" in ctx.table.columns:
        record.refs["合计"] = ctx.table.ref(row, "合计")
        raw = row.cells.get("合计")
        record.typed_total = None if is_blank(raw) else parse_number(raw)


def _yes_no(ctx: Context, row: Row, column: str, subject: str) -> bool | None:
    raw = row.cells.get(column)
    if column not in ctx.table.columns or is_blank(raw):
        return None
    value = squash(raw)
    if value in (YES, "√", "✓"):
        return True
    if value in (NO, "×", "无"):
        return False
    ctx.warning(
        "yes-no-unknown",
        f"“{column}”填写为“{text(raw)}”，应为“是”或“否”（或留空）；已按留空处理。请改正。",
        ctx.table.ref(row, column),
        subject,
    )
    return None


def _town_name(value: str) -> str:
    return value[:-2] if value.endswith("党委") else value


FORM = Form(SPEC, validate)
