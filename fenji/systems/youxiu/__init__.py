"""youxiu — 优秀党员评选 (rules.md §6, seed 003): 支部会议民主评议, 支部推荐, 党总支审核, 党员大会民主评选;
at most floor(20 % × 党员总数) per 党总支, ties across the cap 待定 for the 党委 to decide."""

from __future__ import annotations

from pathlib import Path

from fenji.core.returns import roster_needs
from fenji.forms.blank import BlankPlan
from fenji.forms.returns import APPRAISAL_ROW, ELECTION_VOTES_ROW, RECOMMENDATION_ROW
from fenji.systems.youxiu import blank, documents, samples, score


class Youxiu:
    name = "youxiu"
    campaign = "优秀党员评选"
    package = __name__
    profiles = ("youxiu",)
    forms = ("member_roster", "member_appraisal", "recommendation", "election_votes", "decisions")
    profile_schema = score.SCHEMA
    tie_breaker_columns: frozenset[str] = frozenset({"优秀票"})
    star_levels = False
    needs_history = False

    def check_profile(self, checked, grades, quotas, where) -> dict:
        return score.check_profile(checked, grades, quotas, where)

    def score(self, results, profile, problems, history):
        return score.score_youxiu(results, profile, problems, history)

    def after_grading(self, graded, profile):
        return score.explain_outcomes(graded)

    def result_columns(self, profile) -> list[str]:
        return list(score.RESULT_COLUMNS)

    def result_values(self, row, profile, common) -> dict:
        return score.result_values(row, profile, common)

    def run_info(self, outcome) -> dict:
        return score.run_info(outcome)

    def needed_returns(self, profile, roster, results) -> list:
        """The recommended candidates (a 推荐表 row): each needs its 民主评议 row and its 票数汇总表 row.
        Members nobody recommended owe nothing."""
        recommended = [need.subject for need in roster_needs(roster, results, [RECOMMENDATION_ROW]) if need.records]
        return roster_needs(recommended, results, [APPRAISAL_ROW, ELECTION_VOTES_ROW])

    def plan_documents(self, outcome, options, env, root: Path):
        return documents.plan_youxiu(outcome, options, env, root)

    def plan_blank_forms(self, profile, entries, out: Path, year: int, ballots: int) -> BlankPlan:
        notes = ["--ballots 只用于满意度测评（分类定级、分类升级），优秀党员评选不印选票，已忽略。"] if ballots else []
        return BlankPlan(blank.member_plan(profile, entries, out, year, self.campaign), 0, notes)

    def write_samples(self, root: Path) -> None:
        samples.write_youxiu_samples(root)


SYSTEM = Youxiu()
