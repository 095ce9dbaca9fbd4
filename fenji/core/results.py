"""The results table of contract.md: the seven common columns, then the system's own columns.

Pure formatting of the graded frame: Decimals become fixed-decimal text, rates become `96.5%`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pandas as pd

from fenji.core.arith import fmt_decimal, fmt_percent
from fenji.core.profiles import Profile
from fenji.grading.grade import Graded

COMMON = ["编号", "名称", "单位", "类别", "得分", "等次", "说明"]


def results_table(
    graded: Graded, profile: Profile, columns: list[str], own_values: Callable[[dict, Profile, dict], dict]
) -> pd.DataFrame:
    """One row per roster subject, in roster order: COMMON, then the system's `columns`, whose values
    `own_values(row, profile, shared)` gives (`shared`: the values below, formatted)."""
    rows = []
    for row in graded.subjects.to_dict("records"):
        shared = shared_values(row, profile)
        rows.append({**shared, **own_values(row, profile, shared)})
    return pd.DataFrame(rows, columns=COMMON + columns)


def shared_values(row: dict, profile: Profile) -> dict:
    """The common columns and the values several systems show (满意率, 自评, 初定等次, 数据来源 …)."""
    d = profile.decimals
    # 类别 stays empty in the graded frame for the branch profiles (quotas count per 单位 and 类别); the
    # results show the roster's 党组织类型 there
    out = {
        "编号": row["编号"],
        "名称": row["名称"],
        "单位": row["单位"],
        "类别": row["类别"] or row.get("党组织类型") or "",
        "得分": fmt_decimal(row["得分"], d),
        "等次": row["等次"],
        "说明": row["说明"],
        "满意率": fmt_percent(row.get("满意率")),
        "有效票": whole(row.get("有效票")),
        "自评得分": fmt_decimal(row.get("自评得分"), d),
        "自评等次": row.get("自评等次", ""),
        "初定等次": row["初定等次"],
        "否决情形": row.get("否决情形", ""),
        "上年等次": row.get("上年等次", ""),
        "数据来源": "；".join(f"{k}={v}" for k, v in row.get("sources", {}).items()),
    }
    for indicator in profile.indicators:
        value = row.get(indicator.name)
        # 群众评价 is exact (25 × 满意率): shown to two places so that a reviewer can retrace the total
        places = d + 1 if indicator.source == "satisfaction" else d
        out[indicator.name] = "" if value is None else fmt_decimal(value, places)
    return out


def whole(value) -> str:
    """A count as text; empty for None or NaN."""
    return "" if value is None or value != value else str(int(value))


def grade_counts(graded: Graded) -> dict[str, int]:
    return dict(Counter(graded.subjects["等次"]))
