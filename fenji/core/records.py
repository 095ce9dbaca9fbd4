"""Typed records that validation produces from the forms' tables: small, picklable, each value
carrying the cell it came from so that every number stays traceable."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Source:
    file: str
    sheet: str
    cell: str = ""

    def at(self, cell: str) -> Source:
        return Source(self.file, self.sheet, cell)

    def __str__(self) -> str:
        return f"{self.file}/{self.sheet}!{self.cell}" if self.cell else f"{self.file}/{self.sheet}"


@dataclass
class RosterEntry:
    id: str
    name: str
    unit: str
    source: Source
    kind: str = ""
    members: int | None = None
    secretary: str = ""
    last_grade: str = ""
    category: str = ""  # star profiles: 党员干部 / 群众 / …
    joined: dt.date | None = None
    ineligible: str = ""  # star profiles: 不参评情形 code(s)
    note: str = ""
    sector: str = ""  # optional 领域 column (农村, 社区, 机关, 两新组织), for the five-goods rating


@dataclass
class SelfEval:
    name: str
    source: Source
    date: dt.date | None
    scores: dict[str, Decimal]
    refs: dict[str, str]
    total: Decimal | None  # recomputed from the indicators
    grade: str = ""
    grade_ref: str = ""
    id: str = ""


@dataclass
class BallotTally:
    """One branch's ballots (附件3) or one row of the town's 汇总表, reduced to counts."""

    name: str
    source: Source
    date: dt.date | None
    counts: dict[str, int]  # option → number of ballots
    returned: int  # 收回
    valid: int  # 有效
    issued: int | None = None  # 发放 (summary only)
    typed_rate: Decimal | None = None
    from_ballots: bool = True
    id: str = ""
    unit: str = ""


@dataclass
class ScoreRow:
    """One branch's row of the 附件4 上级党组织评分定级表."""

    name: str
    source: Source
    scores: dict[str, Decimal | None]
    refs: dict[str, str]
    typed_total: Decimal | None = None
    veto: str = ""
    veto_ref: str = ""
    typed_grade: str = ""
    note: str = ""
    id: str = ""
    unit: str = ""
    date: dt.date | None = None


@dataclass
class Decision:
    id: str
    name: str
    grade: str
    reason: str
    meeting: str
    source: Source


@dataclass
class FileResult:
    """What one input file yielded: records by kind, the forms found, and its problems."""

    rel: str
    sha256: str
    mtime: float
    forms: list[str] = field(default_factory=list)
    records: dict[str, list] = field(default_factory=dict)
    problems: list = field(default_factory=list)
    years: list = field(default_factory=list)  # (sheet, cell, label, year) of each 年度/日期 field on a used form

    def add(self, kind: str, record) -> None:
        self.records.setdefault(kind, []).append(record)
