"""xingji — 星级评定 of persons and households (rules.md §3–§4), one system with two built-in
profiles: xingji-daan (党员、群众 …) and xingji-dashui (households). 群众评议 and 领导小组评议
weighted, eligibility codes (不参评), 终身五星, at most one star up, quotas per category."""

from __future__ import annotations

from pathlib import Path

from fenji.core.arith import fmt_decimal
from fenji.core.results import whole
from fenji.core.returns import roster_needs
from fenji.forms import COMMON_FORMS
from fenji.forms.blank import BlankPlan, star_plan
from fenji.forms.returns import PANEL_ROW, PUBLIC_VOTES_ROW
from fenji.systems.xingji import documents, profile, samples, score

# 不参评情形 is sensitive personal information; results.csv is an internal file, never a 公示
RESULT_COLUMNS = ["群众评议", "评议人数", "领导小组评议", "审定意见", "上次星级", "初定等次", "不参评情形", "数据来源"]


class Xingji:
    name = "xingji"
    campaign = "星级评定"
    package = __name__
    profiles = ("xingji-daan", "xingji-dashui")
    forms = (*COMMON_FORMS, "star_roster", "public_votes", "panel")
    profile_schema = profile.SCHEMA
    tie_breaker_columns = profile.TIE_BREAKER_COLUMNS
    star_levels = True
    needs_history = True

    def check_profile(self, checked, grades, quotas, where) -> dict:
        return profile.check_stars(checked, grades, quotas, where)

    def score(self, results, profile, problems, history):
        return score.score_stars(results, profile, problems, history=history)

    def after_grading(self, graded, profile):
        return graded

    def result_columns(self, profile) -> list[str]:
        return list(RESULT_COLUMNS)

    def result_values(self, row, profile, common) -> dict:
        """群众评议 is an exact mean: one more place, so that a reviewer can retrace 0.8 × 群众评议 + 0.2 × 领导小组评议."""
        d = profile.decimals
        return {
            "群众评议": fmt_decimal(row.get("群众评议"), d + 1),
            "评议人数": whole(row.get("评议人数")),
            "领导小组评议": fmt_decimal(row.get("领导小组评议"), d),
            "审定意见": row.get("审定意见") or "",
            "上次星级": row.get("上次星级") or "",
            "不参评情形": row.get("不参评情形") or "",
        }

    def run_info(self, outcome) -> dict:
        return {}

    def needed_returns(self, profile, roster, results) -> list:
        """Every eligible person or household: its 民主评议 row; its 领导小组 row where the profile requires one."""
        rules = profile.rules
        forms = [PUBLIC_VOTES_ROW] + ([PANEL_ROW] if rules["review"] and rules["panel_required"] else [])
        lookup = score.VillageLookup(roster)
        eligible = [entry for entry in roster if not entry.ineligible]
        return roster_needs(eligible, results, forms, lambda record: lookup.find(record)[0])

    def plan_documents(self, outcome, options, env, root: Path):
        return documents.plan_star_documents(outcome, options, env, root)

    def plan_blank_forms(self, profile, entries, out: Path, year: int, ballots: int) -> BlankPlan:
        notes = ["--ballots 只用于满意度测评（分类定级、分类升级），星级评定不印选票，已忽略。"] if ballots else []
        return BlankPlan(star_plan(profile, entries, out, year, self.campaign), 0, notes)

    def write_samples(self, root: Path) -> None:
        for name in self.profiles:
            samples.write_star_samples(Path(root) / name, name)


SYSTEM = Xingji()
