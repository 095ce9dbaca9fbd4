"""What the 公信度 forms share (两委班子成员名册, 公信度调查表, 公信度调查汇总表: cadre_roster,
trust_ballots, trust_summary; forms.md "gongxin forms"): the record types, and how a member column's
header is read.

A village's tallies are counts per subject (the 班子 as a whole and each 两委 member) and per
respondent category, over the profile's four options. Which member a ballot column means is decided
by the scorer, against that village's 两委名册 (a validator sees one file, the roster may be another).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from fenji.core.cells import squash, text
from fenji.core.records import Source

TEAM_ID = "班子"  # the 编号 of the 班子 row on the 汇总表
TEAM_NAME = "班子整体"
ID_PATTERN = re.compile(r"^[A-Za-z]{1,6}\d{1,4}-\d{1,3}$")  # a member's 编号: QX01-3


@dataclass
class CadreEntry:
    """One 两委 member of the 两委班子成员名册: the village is the 班子 the member belongs to."""

    id: str
    name: str
    post: str  # 职务: 书记, 主任, 委员 …
    unit: str  # 所属村（社区）: the 班子, and the results' 单位
    town: str
    source: Source
    note: str = ""


@dataclass
class TrustSubject:
    """One subject's counts on one form: the 班子 (`id` 班子) or a member as the form names them."""

    name: str
    id: str  # the 编号 the form gives (summary rows; a ballot header's `（QX01-3）`), else ''
    post: str  # the 职务 the form gives, for telling namesakes apart; else ''
    ref: str  # the header cell (ballots) or the row's 姓名 cell (summary)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # category → option → ballots
    invalid: dict[str, int] = field(default_factory=dict)  # category → blank or unreadable ballots

    @property
    def is_team(self) -> bool:
        return self.id == TEAM_ID or squash(self.name) == TEAM_NAME


@dataclass
class TrustTally:
    """One village's 公信度 figures from one form: from ballots (调查表) or typed tallies (汇总表)."""

    village: str
    source: Source  # the 村（社区） label cell
    date: dt.date | None
    from_ballots: bool
    subjects: list[TrustSubject] = field(default_factory=list)
    ballots: int = 0  # ballot rows read (调查表)

    @property
    def name(self) -> str:  # merge.latest names a superseded form by this
        return self.village


def member_header(raw) -> tuple[str, str, str]:
    """A ballot column header → (name, 编号, 职务): `张三（书记）` → (张三, '', 书记); `张伟（QX01-3）` →
    (张伟, QX01-3, ''); `张三` → (张三, '', '')."""
    value = text(raw).replace("\n", "")
    match = re.fullmatch(r"\s*([^（(]+?)\s*[（(]\s*([^）)]*?)\s*[)）]\s*", value)
    if not match:
        return squash(value), "", ""
    name, inner = squash(match.group(1)), squash(match.group(2))
    return (name, inner, "") if ID_PATTERN.match(inner) else (name, "", inner)
