"""gongxin — 村（社区）“两委”班子公信度调查 (seed 003 五之五; rules.md §7): 公信度 per 两委 member and
per 班子, overall and per respondent category; flags 正常 / 提醒谈话 / 甄别 / 样本不足; everything
internal (no public notice ever; the 甄别名单 goes to the 镇党委 only)."""

from __future__ import annotations

from pathlib import Path

from fenji.core.problems import Problems
from fenji.core.records import RosterEntry
from fenji.core.returns import roster_needs
from fenji.forms.blank import BlankPlan
from fenji.forms.returns import TRUST_SURVEY
from fenji.systems.gongxin import documents, samples, score


class Gongxin:
    name = "gongxin"
    campaign = "公信度调查"
    package = __name__
    profiles = ("gongxin",)
    forms = ("cadre_roster", "trust_ballots", "trust_summary", "decisions")
    profile_schema = {
        "gongxin": (
            {
                "categories": (list, False, ["基层干部", "党代表", "人大代表", "政协委员", "基层群众"]),
                "options": (list, False, ["信任", "基本信任", "不信任", "不了解"]),
                "trusted": (list, False, ["信任", "基本信任"]),
                "distrusted": (list, False, ["不信任"]),
                "min_valid": (int, False, 10),
                "insufficient": (str, False, "样本不足"),
                "weights": (dict, False, {}),
            },
            False,
            {},
        ),
    }
    tie_breaker_columns: frozenset[str] = frozenset()
    star_levels = False
    needs_history = False  # last year only feeds the comparison columns and the report

    def check_profile(self, checked, grades, quotas, where) -> dict:
        return score.check_profile(checked, grades, where)

    def score(self, results, profile, problems, history):
        return score.score_gongxin(results, profile, problems, history=history)

    def after_grading(self, graded, profile):
        return score.after_grading(graded, profile)

    def result_columns(self, profile) -> list[str]:
        return score.result_columns(profile)

    def result_values(self, row, profile, common) -> dict:
        return score.result_values(row, profile)

    def run_info(self, outcome) -> dict:
        return score.run_info(outcome)

    def needed_returns(self, profile, roster, results) -> list:
        """Each village's 班子 (one subject, under its town, so that the town's 收件进度 and 催报 list its
        villages): its 调查表 or its 汇总表."""
        villages: dict[str, list] = {}
        for cadre in score.build_cadres(results, Problems()):  # (its problems were reported when scoring)
            villages.setdefault(cadre.unit, []).append(cadre)
        teams = {
            village: RosterEntry(score.team_id(members), f"{village}“两委”班子", members[0].town, members[0].source)
            for village, members in villages.items()
        }
        return roster_needs(list(teams.values()), results, [TRUST_SURVEY], lambda tally: teams.get(tally.village))

    def plan_documents(self, outcome, options, env, root: Path):
        return documents.plan_gongxin(outcome, options, env, root)

    def plan_blank_forms(self, profile, entries, out: Path, year: int, ballots: int) -> BlankPlan:
        return documents.blank_forms(profile, entries, out, year, ballots, self.campaign)

    def write_samples(self, root: Path) -> None:
        samples.write_gongxin_samples(root)


SYSTEM = Gongxin()
