"""公信度调查汇总表 (`gongxin`): one village's tallies, one row a person (and the 班子整体 row, 编号 `班子`),
`编号 姓名 职务`, then one group per respondent category over `信任 基本信任 不信任 不了解` (a two-level
header: the category a merged cell over its four options), then `备注`.

Counts must be whole numbers; a blank count is 0. A category group missing from the header is an
error at the header (its ballots would be lost without a word). The village's ballots
(公信度调查表) win over this table when both are returned (rules.md §7, as §1's survey).
"""

from __future__ import annotations

from fenji.core.cells import cell_ref, is_blank, parse_count, parse_date, squash, text
from fenji.core.tables import FormSpec, header_base
from fenji.core.validate import Context, Form, require_columns, village_field
from fenji.forms.trust import TEAM_ID, TEAM_NAME, TrustSubject, TrustTally

SPEC = FormSpec(
    "trust_summary",
    "公信度调查汇总表",
    ("公信度调查汇总表",),
    (),
    ("编号", "姓名"),
    ("信任", "基本信任", "不信任", "不了解"),
    ("编号", "姓名"),
)


def trust_summary(ctx: Context) -> None:
    if not require_columns(ctx, ["编号", "姓名"]):
        return
    village = village_field(ctx)
    if village is None:
        ctx.error(
            "trust-village-missing",
            "公信度调查汇总表未填写“村（社区）：”。请在表头填写村（社区）名称。",
            ctx.table.title_ref,
        )
        return
    name, ref = village.value, village.ref
    groups = _groups(ctx)
    rules = ctx.profile.rules
    absent = [c for c in rules["categories"] if c not in groups]
    if len(absent) == len(rules["categories"]):
        ctx.error(
            "trust-category-columns-missing",
            f"公信度调查汇总表的表头中没有任何类别的“{'、'.join(rules['options'])}”分栏（应为两行表头："
            f"上一行为类别 {'、'.join(rules['categories'])}，下一行为各选项）。请按标准表样填写表头。",
            cell_ref(ctx.table.header_row, 0),
            name,
        )
        return
    if absent:
        ctx.warning(
            "trust-category-columns-missing",
            f"公信度调查汇总表缺少“{'”“'.join(absent)}”类别的分栏，这些类别按没有调查对象计。"
            "如有该类别的票，请按标准表样补上分栏后重新报送。",
            cell_ref(ctx.table.header_row, 0),
            name,
        )
    date_field = ctx.table.field_value("统计日期", "日期")
    tally = TrustTally(name, ctx.source.at(ref), parse_date(date_field.value) if date_field else None, False)
    for row in ctx.table.rows:
        subject = _row(ctx, row, groups, name)
        if subject is not None:
            tally.subjects.append(subject)
    ctx.result.add("trust", tally)


def _groups(ctx: Context) -> dict[str, dict[str, int]]:
    """category → option → column, from the two header rows (a merged parent spans its options)."""
    rows = ctx.table.sheet.rows
    top = rows[ctx.table.header_row]
    below = rows[ctx.table.header_row + 1] if ctx.table.header_row + 1 < len(rows) else []
    rules = ctx.profile.rules
    categories = {squash(c): c for c in rules["categories"]}
    options = {squash(o): o for o in rules["options"]}
    groups: dict[str, dict[str, int]] = {}
    parent = ""
    for col in range(max(len(top), len(below))):
        value = top[col] if col < len(top) else None
        if not is_blank(value):
            parent = header_base(value)
        child = header_base(below[col]) if col < len(below) and not is_blank(below[col]) else ""
        if parent in categories and child in options:
            groups.setdefault(categories[parent], {}).setdefault(options[child], col)
    return groups


def _row(ctx: Context, row, groups: dict, village: str) -> TrustSubject | None:
    ident, person = text(row.cells.get("编号")), text(row.cells.get("姓名"))
    values = ctx.table.sheet.rows[row.index]
    cells = {(c, o): values[col] if col < len(values) else None for c, g in groups.items() for o, col in g.items()}
    if all(is_blank(v) for v in cells.values()):
        return None  # a row `fenji forms` pre-filled and nobody counted: no tally
    is_team = squash(ident) == TEAM_ID or squash(person) == TEAM_NAME
    subject = TrustSubject(
        TEAM_NAME if is_team else person,
        TEAM_ID if is_team else ident,
        text(row.cells.get("职务")),
        ctx.table.ref(row, "姓名"),
    )
    for (category, option), raw in cells.items():
        count = 0 if is_blank(raw) else parse_count(raw)
        if count is None:
            ctx.error(
                "count-not-integer",
                f"“{category}”的“{option}”票数填写为“{text(raw)}”，应为非负整数；{subject.name}的该项按 0 计。请改正。",
                cell_ref(row.index, groups[category][option]),
                village,
            )
            count = 0
        subject.counts.setdefault(category, {o: 0 for o in ctx.profile.rules["options"]})[option] = count
    return subject


FORM = Form(SPEC, trust_summary)
