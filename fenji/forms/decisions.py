"""党委研究决定调整表: committee decisions that set a subject's final grade (every system reads it)."""

from __future__ import annotations

from fenji.core.cells import squash, text
from fenji.core.records import Decision
from fenji.core.tables import FormSpec
from fenji.core.validate import Context, Form, require_columns
from fenji.forms.stars import star_grade

SPEC = FormSpec("decisions", "党委研究决定调整表", ("决定调整表",), (), ("调整后等次", "理由"), (), ("编号", "名称"))


def decisions(ctx: Context) -> None:
    if not require_columns(ctx, ["调整后等次", "理由"]):
        return
    for row in ctx.table.rows:
        ident, name = text(row.cells.get("编号")), text(row.cells.get("名称"))
        grade, reason = squash(row.cells.get("调整后等次")), text(row.cells.get("理由"))
        subject = ident or name
        if not grade or not reason:
            missing = "调整后等次" if not grade else "理由"
            ctx.error(
                "decision-incomplete",
                f"决定调整表第 {row.index + 1} 行缺少“{missing}”。每条决定都要写明调整后等次和理由。",
                ctx.table.ref(row, missing),
                subject,
            )
            continue
        grade = star_grade(grade, ctx.profile)  # `5星`, `★★★★★` → 五星 under a star profile
        if grade not in ctx.profile.grades:
            ctx.error(
                "decision-grade-unknown",
                f"调整后等次“{grade}”不是规定的等次（{'、'.join(ctx.profile.grades)}）。",
                ctx.table.ref(row, "调整后等次"),
                subject,
            )
            continue
        ctx.result.add(
            "decisions",
            Decision(
                ident,
                name,
                grade,
                reason,
                text(row.cells.get("会议及文号")),
                ctx.source.at(ctx.table.ref(row, "调整后等次")),
            ),
        )


FORM = Form(SPEC, decisions)
