"""The contract between a system's scorer and grading: the subjects frame, one row per subject.

A scorer returns `Scored`; its `subjects` frame has the columns of `SUBJECT_COLUMNS`. grading reads
only these, by these names, and `check_subjects` checks them on entry so that a scorer that forgets
a required column or hands a wrong type fails at once with the column named, instead of somewhere
deep in the quotas. A system may add its own columns (shengji's 分数等次 …): grading ignores them,
the system's results columns and documents use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from fenji.core.records import BallotTally, RosterEntry


@dataclass(frozen=True)
class SubjectColumn:
    """One column of the subjects frame: its name, the types its values may have, what it means."""

    name: str
    types: tuple[type, ...]
    required: bool
    meaning: str


_NONE = type(None)
SUBJECT_COLUMNS: tuple[SubjectColumn, ...] = (
    SubjectColumn("编号", (str,), True, "the roster's 编号"),
    SubjectColumn("名称", (str,), True, "the subject's name"),
    SubjectColumn("单位", (str,), True, "the unit quotas are counted in (乡镇, 村)"),
    SubjectColumn("类别", (str,), True, "the category quotas are counted per ('' for one group)"),
    SubjectColumn("得分", (Decimal, _NONE), True, "the rounded score the bands are decided on; None when ungraded"),
    SubjectColumn("missing", (list,), True, "why the subject cannot be graded (→ 未评定); empty when it can"),
    SubjectColumn(
        "initial_grade", (str,), False, "a grade the scorer decided itself (shengji's lower of two); '' = band of 得分"
    ),
    SubjectColumn("否决情形", (str,), False, "a veto: non-empty → the veto grade"),
    SubjectColumn("满意率", (object,), False, "an exact rate (Fraction) for the cross-condition; None when unknown"),
    SubjectColumn("ineligible", (str,), False, "a reason the subject does not take part (→ 不参评)"),
    SubjectColumn("lifetime", (bool,), False, "the top grade for life (终身五星), outside the quotas"),
    SubjectColumn("previous_rank", (int, float, _NONE), False, "last rating's rank from the bottom, for `one_step`"),
    SubjectColumn("quota_exempt", (bool,), False, "not counted in the quotas"),
    SubjectColumn("quota_base", (object,), False, "the N a quota's share is taken of, when not the graded count"),
    SubjectColumn("自评等次", (str,), False, "the subject's own grade (附件2), for 自评偏差"),
    SubjectColumn("自评得分", (Decimal, _NONE), False, "the subject's own total, for 自评偏差"),
)


def check_subjects(frame: pd.DataFrame) -> None:
    """Raise TypeError naming the column when the frame breaks the contract (a programming error)."""
    for column in SUBJECT_COLUMNS:
        if column.name not in frame:
            if column.required and len(frame):
                raise TypeError(f"subjects frame lacks the required column {column.name!r} ({column.meaning})")
            continue
        if object in column.types:
            continue
        for value in frame[column.name]:
            if not isinstance(value, column.types) and not (float in column.types and value != value):
                raise TypeError(
                    f"subjects column {column.name!r} holds {value!r} ({type(value).__name__}); "
                    f"expected {' or '.join(t.__name__ for t in column.types)}: {column.meaning}"
                )


@dataclass
class Scored:
    """The subjects table and what grading and the documents need beside it."""

    subjects: pd.DataFrame
    roster: list[RosterEntry]
    decisions: list = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    tallies: dict[str, BallotTally] = field(default_factory=dict)
    summaries: dict[str, BallotTally] = field(default_factory=dict)
