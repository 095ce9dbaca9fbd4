"""Builders of real input workbooks on disk for the grading tests (written with fenji.forms.samplebooks' writers)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from fenji.forms.samplebooks import INDICATORS, Branch, decisions_book, roster_book, score_book, summary_book

SIX = [name for name, _ in INDICATORS[:-1]]


def branch(ident: str, six: list, votes: dict | tuple, veto: str = "", town: str = "清溪镇", name: str = "") -> Branch:
    """A branch with its six 附件4 scores and its 总体评价 counts (满意, 基本满意, 不满意, 不了解)."""
    if isinstance(votes, tuple):
        votes = dict(zip(["满意", "基本满意", "不满意", "不了解"], votes))
    b = Branch(ident, name or f"{ident}村党支部", town, "行政村", 30, "张三", "")
    b.scores = dict(zip(SIX, six))
    b.votes = votes
    b.veto = veto
    return b


def write_town(
    folder: Path, branches: list[Branch], year: int = 2027, decisions: list | None = None, skip_scores: tuple = ()
) -> Path:
    """名册 + 汇总表 + 附件4 for one or more towns, as real .xlsx files."""
    folder.mkdir(parents=True, exist_ok=True)
    towns = sorted({b.town for b in branches})
    for town in towns:
        members = [b for b in branches if b.town == town]
        roster_book(town, year, members).save(folder / f"{town}名册.xlsx")
        summary_book(town, year, [(b, b.votes, sum(b.votes.values()), "") for b in members]).save(
            folder / f"{town}汇总表.xlsx"
        )
        score_book(town, year, [(b, b.scores, None) for b in members if b.id not in skip_scores]).save(
            folder / f"{town}附件4.xlsx"
        )
    if decisions:
        decisions_book(towns[0], decisions).save(folder / "决定调整表.xlsx")
    return folder


def frame(scores: list, unit: str = "甲镇", tie: list | None = None, veto: dict | None = None) -> pd.DataFrame:
    """A subjects frame as the scorer builds it, for pure grading tests."""
    rows = []
    for n, score in enumerate(scores):
        rows.append(
            {
                "编号": f"S{n + 1:02d}",
                "名称": f"第{n + 1}村",
                "单位": unit,
                "类别": "",
                "得分": Decimal(str(score)),
                "missing": [],
                "否决情形": (veto or {}).get(n, ""),
                "群众评价": Decimal((tie or [0] * len(scores))[n]),
                "工作业绩": Decimal(0),
                "自评等次": "",
                "自评得分": None,
                "上年等次": "",
                "sources": {},
            }
        )
    return pd.DataFrame(rows)
