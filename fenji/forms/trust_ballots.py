"""公信度调查表 (`gongxin`): one village's ballots, one row a ballot (`票号 调查对象类别`, then `班子整体`,
then one column per 两委 member headed by the name, optionally `张三（书记）` or `张伟（QX01-3）`, then `备注`).

Each cell is one of the four options (信任 / 基本信任 / 不信任 / 不了解). A blank cell is an invalid
ballot for that column (one notice per column, not one per cell); anything else is an error at the
cell and counts as invalid. A ballot whose 调查对象类别 is not a profile category is an error and
counts nowhere (its category decides its weight). Member names are checked against the 两委名册 by
the scorer.
"""

from __future__ import annotations

from fenji.core.cells import cell_ref, is_blank, parse_date, parse_option, squash, text
from fenji.core.tables import FormSpec, header_base
from fenji.core.validate import Context, Form, require_columns, village_field
from fenji.forms.trust import TEAM_ID, TEAM_NAME, TrustSubject, TrustTally, member_header

SPEC = FormSpec("trust_ballots", "公信度调查表", ("公信度调查表",), ("汇总",), ("票号", "调查对象类别"), (), ("票号",))
FIXED = {"票号", "调查对象类别", "备注", "序号"}


def trust_ballots(ctx: Context) -> None:
    if not require_columns(ctx, ["票号", "调查对象类别"]):
        return
    village = village_field(ctx)
    if village is None:
        ctx.error(
            "trust-village-missing",
            "公信度调查表未填写“村（社区）：”。请在表头填写被调查的村（社区）名称。",
            ctx.table.title_ref,
        )
        return
    name, ref = village.value, village.ref
    subjects = _subjects(ctx)
    if not subjects:
        ctx.error(
            "trust-no-subjects",
            "公信度调查表在“调查对象类别”右边没有“班子整体”或任何成员的姓名列。请按标准表样填写表头。",
            cell_ref(ctx.table.header_row, 0),
            name,
        )
        return
    if not ctx.table.rows:  # no survey (rules.md §9): the village's 汇总表 is used instead
        ctx.warning(
            "trust-no-ballots",
            f"“{name}”的公信度调查表（{ctx.result.rel}）中没有任何选票行，不计为一次调查；"
            "按该村的公信度调查汇总表计算（也没有汇总表时，记为缺公信度调查）。如有选票，请逐行填写后重新报送。",
            ctx.table.title_ref,
            name,
        )
        return
    rules = ctx.profile.rules
    blanks: dict[int, int] = {}
    read = 0
    for row in ctx.table.rows:
        category = _category(ctx, row, name)
        if category is None:
            continue
        read += 1
        values = ctx.table.sheet.rows[row.index]
        for col, subject in subjects.items():
            raw = values[col] if col < len(values) else None
            counts = subject.counts.setdefault(category, {o: 0 for o in rules["options"]})
            option = None if is_blank(raw) else parse_option(raw, rules["options"])
            if option is not None:
                counts[option] += 1
                continue
            subject.invalid[category] = subject.invalid.get(category, 0) + 1
            if is_blank(raw):
                blanks[col] = blanks.get(col, 0) + 1
            else:
                ctx.error(
                    "trust-option-unknown",
                    f"第 {text(row.cells.get('票号'))} 号票“{subject.name}”栏填写为“{text(raw)}”，不是规定的选项"
                    f"（{'、'.join(rules['options'])}），按无效票计。请核对原始选票后改正。",
                    cell_ref(row.index, col),
                    name,
                )
    for col, count in blanks.items():
        ctx.notice(
            "trust-ballot-blank",
            f"“{subjects[col].name}”栏有 {count} 张票未填，按无效票计（不计入有效票）。",
            cell_ref(ctx.table.header_row, col),
            name,
        )
    date_field = ctx.table.field_value("调查日期", "日期")
    tally = TrustTally(name, ctx.source.at(ref), parse_date(date_field.value) if date_field else None, True)
    tally.subjects, tally.ballots = list(subjects.values()), read
    ctx.result.add("trust", tally)


def _subjects(ctx: Context) -> dict[int, TrustSubject]:
    """Every column right of the fixed ones: 班子整体 and each member, by column index (read from the
    sheet's header row itself: two namesakes `张伟（QX01-3）` `张伟（QX01-5）` are two columns)."""
    header = ctx.table.sheet.rows[ctx.table.header_row]
    found: dict[int, TrustSubject] = {}
    for col, raw in enumerate(header):
        if is_blank(raw) or header_base(raw) in FIXED:
            continue
        ref = cell_ref(ctx.table.header_row, col)
        if header_base(raw) == TEAM_NAME or squash(raw) == TEAM_ID:
            found[col] = TrustSubject(TEAM_NAME, TEAM_ID, "", ref)
            continue
        name, ident, post = member_header(raw)
        found[col] = TrustSubject(name, ident, post, ref)
    return found


def _category(ctx: Context, row, village: str) -> str | None:
    categories = ctx.profile.rules["categories"]
    raw = row.cells.get("调查对象类别")
    category = None if is_blank(raw) else parse_option(raw, categories)
    if category is None:
        typed = "未填写" if is_blank(raw) else f"填写为“{text(raw)}”"
        ctx.error(
            "trust-category-unknown",
            f"第 {text(row.cells.get('票号'))} 号票的“调查对象类别”{typed}，不是规定的类别（{'、'.join(categories)}）；"
            "类别决定票的权重，本票不计。请核对原始选票后改正。",
            ctx.table.ref(row, "调查对象类别"),
            village,
        )
    return category


FORM = Form(SPEC, trust_ballots)
