"""dingji — 基层党组织分类定级 (rules.md §1): seven indicators, 满意率 from the ballots, bands,
veto, cross-condition, quotas, committee decisions; documents per town and the county report."""

from __future__ import annotations

from pathlib import Path

from fenji.core.returns import roster_needs
from fenji.forms import COMMON_FORMS
from fenji.forms.blank import BlankPlan, branch_plan
from fenji.forms.returns import SCORE_ROW, SELF_EVAL, SURVEY
from fenji.systems.dingji import documents, samples, score


class Dingji:
    name = "dingji"
    campaign = "分类定级"
    package = __name__
    profiles = ("dingji",)
    forms = COMMON_FORMS
    profile_schema: dict = {}
    tie_breaker_columns: frozenset[str] = frozenset()
    star_levels = False
    needs_history = False

    def check_profile(self, checked, grades, quotas, where) -> dict:
        return {}

    def score(self, results, profile, problems, history):
        return score.score_dingji(results, profile, problems)

    def after_grading(self, graded, profile):
        return graded

    def result_columns(self, profile) -> list[str]:
        indicators = [i.name for i in profile.indicators if i.source == "score_sheet"]
        return (
            ["满意率", "有效票", "群众评价"]
            + indicators
            + ["自评得分", "自评等次", "初定等次", "否决情形", "上年等次", "数据来源"]
        )

    def result_values(self, row, profile, common) -> dict:
        return {}

    def run_info(self, outcome) -> dict:
        return {}

    def needed_returns(self, profile, roster, results) -> list:
        return roster_needs(roster, results, [SELF_EVAL, SURVEY, SCORE_ROW])

    def plan_documents(self, outcome, options, env, root: Path):
        return documents.plan_dingji(outcome, options, env, root)

    def plan_blank_forms(self, profile, entries, out: Path, year: int, ballots: int) -> BlankPlan:
        return BlankPlan(branch_plan(profile, entries, out, year, ballots, self.campaign, self_eval=True), ballots)

    def write_samples(self, root: Path) -> None:
        samples.write_dingji_sample(Path(root) / "dingji")


SYSTEM = Dingji()
