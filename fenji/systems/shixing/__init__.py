"""shixing — 村级组织“十星”创建 (rules.md §5): one star per standard met, the grade is the count;
next year's targets are the stars missed; each village's change since last year."""

from __future__ import annotations

from pathlib import Path

from fenji.core.returns import roster_needs
from fenji.forms import COMMON_FORMS
from fenji.forms.blank import BlankPlan, ten_stars_plan
from fenji.forms.returns import TEN_STAR_ROW
from fenji.systems.shixing import documents, samples, score


class Shixing:
    name = "shixing"
    campaign = "“十星”创建"
    package = __name__
    profiles = ("shixing",)
    forms = (*COMMON_FORMS, "ten_stars")
    profile_schema = {
        # the ten stars and the words the town writes for 达标 / 未达标
        "ten_stars": (
            {
                "names": (list, False, []),
                "met": (list, False, ["达标"]),
                "not_met": (list, False, ["未达标", "不达标"]),
            },
            False,
            {},
        ),
    }
    tie_breaker_columns: frozenset[str] = frozenset()
    star_levels = False
    needs_history = True

    def check_profile(self, checked, grades, quotas, where) -> dict:
        return score.check_profile(checked, grades, where)

    def score(self, results, profile, problems, history):
        return score.score_shixing(results, profile, problems, history=history)

    def after_grading(self, graded, profile):
        return graded

    def result_columns(self, profile) -> list[str]:
        return score.result_columns(profile)

    def result_values(self, row, profile, common) -> dict:
        return score.result_values(row, profile)

    def run_info(self, outcome) -> dict:
        return {}

    def needed_returns(self, profile, roster, results) -> list:
        return roster_needs(roster, results, [TEN_STAR_ROW])

    def plan_documents(self, outcome, options, env, root: Path):
        return documents.plan_shixing(outcome, options, env, root)

    def plan_blank_forms(self, profile, entries, out: Path, year: int, ballots: int) -> BlankPlan:
        notes = ["--ballots 只用于满意度测评（分类定级、分类升级），“十星”评定不印选票，已忽略。"] if ballots else []
        return BlankPlan(ten_stars_plan(profile, entries, out, year, self.campaign), 0, notes)

    def write_samples(self, root: Path) -> None:
        samples.write_shixing_samples(root)


SYSTEM = Shixing()
