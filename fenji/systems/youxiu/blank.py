"""`fenji forms` for youxiu: per 党总支 the 党员名册 (as read), one 民主评议党员测评汇总表 per 党支部 with its
members, the 优秀党员推荐表, the 优秀党员评选票数汇总表 and the 决定调整表."""

from __future__ import annotations

from pathlib import Path

from fenji.core.profiles import Profile
from fenji.forms import member_books as mb
from fenji.forms import writer as fw
from fenji.forms.blank import Planned, by_unit, safe_name


def by_branch(members: list) -> dict[str, list]:
    branches: dict[str, list] = {}
    for member in members:
        branches.setdefault(member.kind or "（未填党支部）", []).append(member)
    return branches


def member_plan(profile: Profile, entries: list, out: Path, year: int, campaign: str) -> list[Planned]:
    codes = profile.rules["ineligibility"]
    plan = []
    for unit, members in by_unit(entries).items():
        folder, name = out / safe_name(unit), safe_name(unit)
        plan.append(
            Planned(
                folder / f"{name}党员名册.xlsx",
                "member_roster",
                unit,
                "",
                lambda u=unit, m=members: mb.member_roster_book(u, year, m, codes),
            )
        )
        for branch, people in by_branch(members).items():
            plan.append(
                Planned(
                    folder / f"{safe_name(branch)}民主评议党员测评汇总表.xlsx",
                    "member_appraisal",
                    unit,
                    branch,
                    lambda b=branch, p=people: mb.member_appraisal_book(b, p),
                )
            )
        plan += [
            Planned(
                folder / f"{name}优秀党员推荐表.xlsx",
                "recommendation",
                unit,
                "",
                lambda u=unit: mb.recommendation_book(u),
            ),
            Planned(
                folder / f"{name}优秀党员评选票数汇总表.xlsx",
                "election_votes",
                unit,
                "",
                lambda u=unit: mb.election_votes_book(u),
            ),
            Planned(
                folder / f"{name}党委研究决定调整表.xlsx",
                "decisions",
                unit,
                "",
                lambda u=unit: fw.decisions_book(
                    u, profile.grades, label="乡镇党委（盖章）", issuer="", campaign=campaign
                ),
            ),
        ]
    return plan
