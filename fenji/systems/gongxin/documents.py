"""Stage 8 for `gongxin`: stub (documents follow)."""

from __future__ import annotations

from pathlib import Path

from fenji.core.documents import Plan
from fenji.forms.blank import BlankPlan


def plan_gongxin(outcome, options, env, root: Path) -> Plan:
    return Plan()


def blank_forms(profile, entries, out: Path, year: int, ballots: int, campaign: str) -> BlankPlan:
    return BlankPlan([])
