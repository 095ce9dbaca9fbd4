"""领导小组评议表 (star profiles): the panel's item scores per subject (the profile's stars.items
present as columns), its typed 合计 recomputed, its 审定意见."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from fenji.core.arith import fmt_number
from fenji.core.cells import is_blank, parse_number, squash, text
from fenji.core.records import Source
from fenji.core.tables import FormSpec, Row
from fenji.core.validate import Context, Form, check_header_max, require_columns, score_value, village_name
from fenji.forms.stars import field_date, id_and_name

SPEC = FormSpec("panel", "领导小组评议表", ("领导小组评议表",), (), ("编号", "姓名"), (), ("编号", "姓名"))


@dataclass
class PanelReview:
    """One subject's row of the 领导小组评议表: item scores, the typed 合计, the 审定意见."""

    id: str
    name: str
    unit: str
    source: Source
    date: dt.date | None
    items: dict[str, Decimal | None] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    typed_total: Decimal | None = None
    total_ref: str = ""
    opinion: str = ""
    opinion_ref: str = ""
    note: str = ""


def panel(ctx: Context) -> None:
    """Item scores (the profile's items present as columns), 合计 recomputed, 审定意见."""
    stars = ctx.profile.rules
    items = [i for i in stars["items"] if i["name"] in ctx.table.columns]
    if not items and stars["panel_weight"] > 0:
        names = "”“".join(dict.fromkeys(i["name"] for i in stars["items"]))
        ctx.error(
            "column-missing",
            f"领导小组评议表缺少评分项目列（“{names}”）。请按标准表样填写。",
            f"A{ctx.table.header_row + 1}",
        )
        return
    if stars["review"] and not require_columns(ctx, ["审定意见"]):
        return
    for item in items:
        check_header_max(ctx, item["name"], item["max"])
    unit, date = village_name(ctx), field_date(ctx, "评议日期", "审定日期", "日期")
    for row in ctx.table.rows:
        ident, name = id_and_name(row)
        if ident or name:
            ctx.result.add(
                "panel",
                _panel_row(
                    ctx,
                    row,
                    items,
                    PanelReview(
                        ident, name, unit, ctx.source.at(ctx.table.ref(row, "编号" if ident else "姓名")), date
                    ),
                ),
            )


def _panel_row(ctx: Context, row: Row, items: list[dict], review: PanelReview) -> PanelReview:
    subject = review.id or review.name
    for item in items:
        review.refs[item["name"]] = ctx.table.ref(row, item["name"])
        review.items[item["name"]] = score_value(ctx, row, item["name"], item["max"], subject)
    if "合计" in ctx.table.columns and not is_blank(row.cells.get("合计")):
        review.typed_total, review.total_ref = parse_number(row.cells.get("合计")), ctx.table.ref(row, "合计")
        given = [v for v in review.items.values() if v is not None]
        if review.typed_total is not None and given and len(given) == len(review.items):
            total = sum(given, Decimal(0))
            if abs(review.typed_total - total) > ctx.profile.totals["tolerance"]:
                ctx.warning(
                    "total-mismatch",
                    f"合计填写为 {fmt_number(review.typed_total)}，按各项得分重新计算为 "
                    f"{fmt_number(total)}；以重新计算的结果为准。",
                    review.total_ref,
                    subject,
                )
    review.opinion, review.opinion_ref = squash(row.cells.get("审定意见")), ctx.table.ref(row, "审定意见")
    review.note = text(row.cells.get("备注"))
    if review.opinion and review.opinion != "同意" and review.opinion not in ctx.profile.rules["reject_words"]:
        ctx.warning(
            "opinion-unknown",
            f"审定意见填写为“{text(row.cells.get('审定意见'))}”，应为“同意”或"
            f"“{'”“'.join(ctx.profile.rules['reject_words'])}”；按同意处理，请核对。",
            review.opinion_ref,
            subject,
        )
    return review


FORM = Form(SPEC, panel)
