"""wuhao — 基层党组织“五好”星级考评 (seed 001, rules.md §8): five goods of 20 points, stars = goods
met, 软弱涣散 capped, veto → 一星; rated twice a year (--period 年初 | 年底) with 晋位 / 降位 against
the previous rating; documents per town, the 建档立册 archive, and the county report."""

from __future__ import annotations

from pathlib import Path

from fenji.core.returns import roster_needs
from fenji.forms import COMMON_FORMS
from fenji.forms.blank import BlankPlan
from fenji.forms.returns import STAR_SCORE_ROW, SURVEY
from fenji.systems.wuhao import documents, forms, samples, score


class Wuhao:
    name = "wuhao"
    campaign = "“五好”星级考评"
    package = __name__
    profiles = ("wuhao",)
    forms = (*COMMON_FORMS, "star_score_sheet")
    profile_schema = score.SCHEMA
    tie_breaker_columns: frozenset[str] = frozenset()
    star_levels = True
    needs_history = True

    def check_profile(self, checked, grades, quotas, where) -> dict:
        return score.check_profile(checked, grades, where)

    def score(self, results, profile, problems, history):
        return score.score_wuhao(results, profile, problems, history)

    def after_grading(self, graded, profile):
        return score.after_grading(graded, profile)

    def result_columns(self, profile) -> list[str]:
        return score.result_columns(profile)

    def result_values(self, row, profile, common) -> dict:
        return score.result_values(row, profile)

    def run_info(self, outcome) -> dict:
        frame, profile = outcome.graded.subjects, outcome.profile
        return {"晋位升级率": score.success_info(frame, profile), "服务型": score.service_info(frame, profile)}

    def needed_returns(self, profile, roster, results) -> list:
        return roster_needs(roster, results, [STAR_SCORE_ROW, SURVEY])

    def plan_documents(self, outcome, options, env, root: Path):
        return documents.plan_wuhao(outcome, options, env, root)

    def plan_blank_forms(self, profile, entries, out: Path, year: int, ballots: int) -> BlankPlan:
        return BlankPlan(forms.wuhao_plan(profile, entries, out, year, ballots, self.campaign), ballots)

    def write_samples(self, root: Path) -> None:
        samples.write_wuhao_samples(root)


SYSTEM = Wuhao()
