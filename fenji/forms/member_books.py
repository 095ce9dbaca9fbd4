"""Blank forms of the 优秀党员评选 (fenji forms): 党员名册, 民主评议党员测评汇总表 per 党支部, 优秀党员推荐表
and 优秀党员评选票数汇总表 per 党总支 — names pre-filled and locked, drop-downs 同意 / 不同意, vote guards."""

from __future__ import annotations

from collections.abc import Sequence

from fenji.forms.writer import (
    LEFT,
    Form,
    _new,
    choice_guard,
    count_guard,
    label_guard,
    text_guard,
)

CANDIDATE_ROWS = 20


def member_roster_book(general: str, year: int, members: Sequence, codes: dict[str, str]) -> Form:
    """党员名册 of one 党总支: 编号 姓名 性别 所属党支部 党员类别 入党时间 不符合条件情形 备注."""
    form, s = _new("member_roster", "党员名册", (10, 10, 6, 22, 10, 12, 24, 24))
    s.title(1, "党员名册")
    s.label(2, 1, 4, f"党总支：{general}")
    s.label(2, 5, 8, f"年度：{year}")
    s.headers(3, ["编号", "姓名", "性别", "所属党支部", "党员类别", "入党时间", "不符合条件情形", "备注"])
    s.ws.row_dimensions[3].height = 30
    shown = "；".join(f"{c} {reason}" for c, reason in codes.items())
    for r, m in enumerate(members, start=4):
        s.value(r, 1, m.id)
        s.value(r, 2, m.name)
        s.entry(r, 3, (m.id, "性别"), "gender", lambda: choice_guard(["男", "女"], "性别"), getattr(m, "gender", ""))
        s.entry(r, 4, (m.id, "所属党支部"), "branch", lambda: text_guard("所属党支部", "填写党支部名称。"), m.kind)
        s.entry(
            r, 5, (m.id, "党员类别"), "type", lambda: choice_guard(["正式党员", "预备党员"], "党员类别"), m.category
        )
        s.entry(r, 6, (m.id, "入党时间"), "joined", lambda: text_guard("入党时间", "如：1998年7月。"))
        s.entry(
            r,
            7,
            (m.id, "不符合条件情形"),
            "codes",
            lambda: text_guard("不符合条件情形", f"填写序号，可填多个（如 1、3）：{shown}。没有的留空。"),
            m.ineligible.split(" ")[0] if m.ineligible else None,
            align=LEFT,
        )
        s.entry(r, 8, (m.id, "备注"), "note", lambda: text_guard("备注", "可不填。"), align=LEFT)
    s.note(4 + len(members), f"说明：不符合条件情形填写序号——{shown}。此栏只供内部审核，不公示。")
    s.finish("3:3")
    return form


def member_appraisal_book(branch: str, members: Sequence) -> Form:
    """民主评议党员测评汇总表 of one 党支部: 编号 姓名, 评议票数 over 优秀 合格 基本合格 不合格, 备注."""
    form, s = _new("member_appraisal", "测评汇总", (10, 10, 8, 8, 9, 8, 18))
    s.title(1, "民主评议党员测评汇总表")
    s.label(2, 1, 3, f"党支部：{branch}")
    s.label(2, 4, 7, "评议日期：", key="评议日期", example="2027年12月10日")
    for col, text in ((1, "编号"), (2, "姓名"), (7, "备注")):
        s.header(3, col, text, rows=2)
    s.header(3, 3, "评议票数", cols=4)
    options = ["优秀", "合格", "基本合格", "不合格"]
    for c, option in enumerate(options, start=3):
        s.header(4, c, option)
    s.ws.row_dimensions[3].height = s.ws.row_dimensions[4].height = 30
    for r, m in enumerate(members, start=5):
        s.value(r, 1, m.id)
        s.value(r, 2, m.name)
        for c, option in enumerate(options, start=3):
            s.entry(r, c, (m.id, option), "count", lambda: count_guard("评议票数"))
        s.entry(r, 7, (m.id, "备注"), "note", lambda: text_guard("备注", "可不填。"), align=LEFT)
    s.note(5 + len(members), "填表人：\u3000\u3000\u3000\u3000\u3000\u3000党支部书记（签字）：")
    s.finish("3:4")
    return form


def recommendation_book(general: str, rows: int = CANDIDATE_ROWS) -> Form:
    """优秀党员推荐表 of one 党总支, free rows: 编号 姓名 所属党支部 推荐理由 总支审核意见 (同意/不同意) 备注."""
    form, s = _new("recommendation", "推荐表", (10, 10, 22, 40, 12, 16))
    s.title(1, "优秀党员推荐表")
    s.label(2, 1, 3, f"党总支：{general}")
    s.label(2, 4, 6, "推荐日期：", key="推荐日期", example="2027年12月15日")
    s.headers(3, ["编号", "姓名", "所属党支部", "推荐理由", "总支审核意见", "备注"])
    s.ws.row_dimensions[3].height = 30
    for n in range(1, rows + 1):
        r = 3 + n
        s.entry(r, 1, (n, "编号"), "id", lambda: text_guard("编号", "填写党员名册中的编号。"))
        s.entry(r, 2, (n, "姓名"), "name", lambda: text_guard("姓名", "填写党员名册中的姓名。"))
        s.entry(r, 3, (n, "所属党支部"), "branch", lambda: text_guard("所属党支部", "填写推荐的党支部。"))
        s.entry(r, 4, (n, "推荐理由"), "reason", lambda: text_guard("推荐理由", "简要写明事迹。"), align=LEFT)
        s.entry(r, 5, (n, "总支审核意见"), "review", lambda: choice_guard(["同意", "不同意"], "总支审核意见"))
        s.entry(r, 6, (n, "备注"), "note", lambda: text_guard("备注", "可不填。"), align=LEFT)
    s.note(4 + rows, "填表人：\u3000\u3000\u3000\u3000\u3000\u3000审核人（党总支书记）：")
    s.finish("3:3", free_rows=True)
    return form


def election_votes_book(general: str, rows: int = CANDIDATE_ROWS) -> Form:
    """优秀党员评选票数汇总表 of one 党员大会: 应到, 实到, then 编号 姓名 赞成 不赞成 弃权 备注 per candidate."""
    form, s = _new("election_votes", "票数汇总", (10, 10, 8, 8, 8, 18))
    s.title(1, "优秀党员评选票数汇总表")
    s.label(2, 1, 3, f"党总支：{general}")
    s.label(2, 4, 6, "会议日期：", key="会议日期", example="2027年12月28日")
    s.label(3, 1, 3, "应到人数：", key="应到人数", example="48")
    s.label(3, 4, 6, "实到人数：", key="实到人数", example="41")
    s.headers(4, ["编号", "姓名", "赞成", "不赞成", "弃权", "备注"])
    s.ws.row_dimensions[4].height = 30
    for n in range(1, rows + 1):
        r = 4 + n
        s.entry(r, 1, (n, "编号"), "id", lambda: text_guard("编号", "填写党员名册中的编号。"))
        s.entry(r, 2, (n, "姓名"), "name", lambda: text_guard("姓名", "填写党员名册中的姓名。"))
        for c, column in enumerate(("赞成", "不赞成", "弃权"), start=3):
            s.entry(r, c, (n, column), "count", lambda: count_guard("票数"))
        s.entry(r, 6, (n, "备注"), "note", lambda: text_guard("备注", "可不填。"), align=LEFT)
    s.note(5 + rows, "填表人：\u3000\u3000\u3000\u3000\u3000\u3000监票人：\u3000\u3000\u3000\u3000\u3000\u3000计票人：")
    s.finish("4:4", free_rows=True)
    return form


__all__ = ["election_votes_book", "label_guard", "member_appraisal_book", "member_roster_book", "recommendation_book"]
