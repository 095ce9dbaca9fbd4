"""shengji — 村党组织分类升级 (rules.md §2): 考核得分 and 满意率 each give a class, the lower counts;
last year's class from the ledger; 提升率 and 转化率 per town; 升级目标 in every 通知书."""

from __future__ import annotations

from pathlib import Path

from fenji.core.profiles import NUMBER
from fenji.core.returns import roster_needs
from fenji.forms import COMMON_FORMS
from fenji.forms.blank import BlankPlan, branch_plan
from fenji.forms.returns import SCORE_ROW, SURVEY
from fenji.systems.shengji import documents, rates, samples, score

SCORE_TITLE = "村党组织分类升级上级党组织评分定级表"  # its 附件4's title (not the reference one)


class Shengji:
    name = "shengji"
    campaign = "分类升级"
    package = __name__
    profiles = ("shengji",)
    forms = COMMON_FORMS
    profile_schema = {
        # score and 满意率 intervals per class, e.g. { "先进" = "[90,100]" }
        "classes": (
            {"score": (dict, False, {}), "satisfaction": (dict, False, {}), "goals": (dict, False, {})},
            False,
            {},
        ),
        # last year's grades (ledger or roster 上年等次) and the yearly targets
        "year_on_year": (
            {
                "promotion_from": (str, False, "中间"),
                "promotion_to": (str, False, "先进"),
                "promotion_target": (NUMBER, False, "10%"),
                "conversion_from": (str, False, "后进"),
                "conversion_target": (NUMBER, False, "100%"),
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
        return score.score_shengji(results, profile, problems, history=history)

    def after_grading(self, graded, profile):
        return score.after_grading(graded, profile)

    def result_columns(self, profile) -> list[str]:
        return score.result_columns(profile)

    def result_values(self, row, profile, common) -> dict:
        return score.result_values(row, profile)

    def run_info(self, outcome) -> dict:
        return rates.rates_info(outcome)

    def needed_returns(self, profile, roster, results) -> list:
        return roster_needs(roster, results, [SURVEY, SCORE_ROW])

    def plan_documents(self, outcome, options, env, root: Path):
        return documents.plan_shengji(outcome, options, env, root)

    def plan_blank_forms(self, profile, entries, out: Path, year: int, ballots: int) -> BlankPlan:
        return BlankPlan(
            branch_plan(profile, entries, out, year, ballots, self.campaign, self_eval=False, score_title=SCORE_TITLE),
            ballots,
        )

    def write_samples(self, root: Path) -> None:
        samples.write_shengji_samples(root)


SYSTEM = Shengji()
