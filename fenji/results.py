"""The results table of contract.md: the seven common columns, then the profile's own columns.

Pure formatting of the graded frame: Decimals become fixed-decimal text, rates become `96.5%`.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from fenji.arith import fmt_decimal, fmt_percent
from fenji.grade import Graded
from fenji.profiles import STAR_SYSTEMS, Profile

COMMON = ["编号", "名称", "单位", "类别", "得分", "等次", "说明"]
# xingji-*: 不参评情形 is sensitive personal information; results.csv is an internal file, never a 公示
STAR_COLUMNS = ["群众评议", "评议人数", "领导小组评议", "审定意见", "上次星级", "初定等次", "不参评情形", "数据来源"]


def results_table(graded: Graded, profile: Profile) -> pd.DataFrame:
    """One row per roster subject, in roster order."""
    rows = [_row(row, profile) for row in graded.subjects.to_dict("records")]
    return pd.DataFrame(rows, columns=COMMON + profile_columns(profile))


def _own_columns(profile: Profile):
    """The module giving shengji's / shixing's columns (`result_columns`, `result_values`), else None."""
    if profile.system == "shengji":
        from fenji import score_shengji
        return score_shengji
    if profile.system == "shixing":
        from fenji import score_shixing
        return score_shixing
    return None


def profile_columns(profile: Profile) -> list[str]:
    if _own_columns(profile) is not None:
        return _own_columns(profile).result_columns(profile)
    if profile.system in STAR_SYSTEMS:
        return list(STAR_COLUMNS)
    indicators = [i.name for i in profile.indicators if i.source == "score_sheet"]
    return (["满意率", "有效票", "群众评价"] + indicators +
            ["自评得分", "自评等次", "初定等次", "否决情形", "上年等次", "数据来源"])


def _row(row: dict, profile: Profile) -> dict:
    d = profile.decimals
    # 类别 stays empty in the graded frame for the branch profiles (quotas count per 单位 and 类别); the
    # results show the roster's 党组织类型 there
    out = {"编号": row["编号"], "名称": row["名称"], "单位": row["单位"], "类别": row["类别"] or row.get("党组织类型") or "",
           "得分": fmt_decimal(row["得分"], d), "等次": row["等次"], "说明": row["说明"],
           "满意率": fmt_percent(row.get("满意率")), "有效票": _int(row.get("有效票")),
           "自评得分": fmt_decimal(row.get("自评得分"), d), "自评等次": row.get("自评等次", ""),
           "初定等次": row["初定等次"], "否决情形": row.get("否决情形", ""), "上年等次": row.get("上年等次", ""),
           "数据来源": "；".join(f"{k}={v}" for k, v in row.get("sources", {}).items())}
    for indicator in profile.indicators:
        value = row.get(indicator.name)
        # 群众评价 is exact (25 × 满意率): shown to two places so that a reviewer can retrace the total
        places = d + 1 if indicator.source == "satisfaction" else d
        out[indicator.name] = "" if value is None else fmt_decimal(value, places)
    if profile.system in STAR_SYSTEMS:
        out.update(_star_values(row, d))
    if _own_columns(profile) is not None:
        out.update(_own_columns(profile).result_values(row, profile))
    return out


def _star_values(row: dict, d: int) -> dict:
    """群众评议 is an exact mean: one more place, so that a reviewer can retrace 0.8 × 群众评议 + 0.2 × 领导小组评议."""
    return {"群众评议": fmt_decimal(row.get("群众评议"), d + 1), "评议人数": _int(row.get("评议人数")),
            "领导小组评议": fmt_decimal(row.get("领导小组评议"), d), "审定意见": row.get("审定意见") or "",
            "上次星级": row.get("上次星级") or "", "不参评情形": row.get("不参评情形") or ""}


def _int(value) -> str:
    return "" if value is None or value != value else str(int(value))


def grade_counts(graded: Graded) -> dict[str, int]:
    return dict(Counter(graded.subjects["等次"]))
