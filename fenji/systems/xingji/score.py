"""Stage 4 for the star systems (xingji-*): merge the villages' forms by 编号 and score each subject.

Pure: records in, a pandas frame of subjects out (the columns grade.py reads: 得分, missing,
否决情形, ineligible, lifetime, previous_rank, quota_exempt), every number traceable to its cells.
Exact arithmetic (rules.md §0, §3): 群众评议 is the Fraction mean of the representatives' scores,
the final score `public_weight × 群众评议 + panel_weight × 领导小组评议` is rounded once, half up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from fenji.core.arith import fmt_percent, half_up
from fenji.core.cells import normalize_name, parse_stars
from fenji.core.history import FROM_LEDGER, History, LastGrade, last_grades
from fenji.core.match import Matcher
from fenji.core.merge import collect, latest, report_repeats, unique_entries
from fenji.core.problems import Problems, RosterMissing
from fenji.core.profiles import Profile
from fenji.core.records import FileResult, RosterEntry
from fenji.forms.panel import PanelReview
from fenji.forms.public_votes import PublicVotes
from fenji.forms.stars import star_name
from fenji.grading.grade import NOT_PARTICIPATING, grade_rank
from fenji.grading.subject import Scored

MISSING_PUBLIC = "缺民主评议"
MISSING_PANEL = "缺领导小组评议"
INCOMPLETE_PANEL = "领导小组评议不完整"
BAD_CATEGORY = "类别不明"


def score_stars(results: list[FileResult], profile: Profile, problems: Problems, history=None) -> Scored:
    """The subjects table of a star profile: one row per person or household of the villages' rosters.

    `history` (fenji.core.history.History) gives last year's ratings from the ledger; they win over the
    roster's 上次星级 (`last_star_ratings`), for the one-step rule.
    """
    roster = build_star_roster(results, problems)
    previous = last_star_ratings(roster, history, profile, problems)
    lookup = VillageLookup(roster)
    mtimes = {r.rel: r.mtime for r in results}
    votes = lookup.group(collect(results, "public_votes"), problems, "民主评议计分表")
    panels = lookup.group(collect(results, "panel"), problems, "领导小组评议表")
    rows = []
    for entry in roster:
        vote = latest(votes[entry.id], problems, "民主评议计分表", mtimes) if entry.id in votes else None
        review = latest(panels[entry.id], problems, "领导小组评议表", mtimes) if entry.id in panels else None
        rows.append(subject_row(entry, vote, review, profile, problems, previous.get(entry.id)))
    _report_unreviewed(roster, panels, profile, problems)
    decisions = collect(results, "decisions")
    _report_lifetime_disagreements(rows, decisions, problems, profile)
    frame = pd.DataFrame(rows)
    frame["previous_rank"] = pd.Series([r["previous_rank"] for r in rows], index=frame.index, dtype=object)
    scored = Scored(frame, roster, decisions)
    scored.superseded = [p.file for p in problems if p.code == "superseded"]
    return scored


def build_star_roster(results: list[FileResult], problems: Problems) -> list[RosterEntry]:
    """Every village's roster entries; a repeated 编号 keeps the first and reports the others."""
    entries, repeats = unique_entries(collect(results, "star_roster"))
    report_repeats(entries, repeats, problems, "已按首次出现的记录处理，请给每个评定对象不同的编号。")
    if not entries:
        raise RosterMissing(
            "没有找到评定对象名册（标题含“评定对象名册”的工作表），无法确定参评对象。"
            "请把各村的评定对象名册放入收件文件夹。"
        )
    return list(entries.values())


class VillageLookup:
    """Rows of returned forms → roster subjects: by 编号, else by name within the form's village."""

    def __init__(self, roster: list[RosterEntry]):
        self.everyone = Matcher(roster)
        villages: dict[str, list[RosterEntry]] = {}
        for entry in roster:
            villages.setdefault(normalize_name(entry.unit), []).append(entry)
        self.villages = {unit: Matcher(entries) for unit, entries in villages.items()}

    def find(self, record) -> tuple[RosterEntry | None, str, Matcher]:
        """By 编号 when the row has one (never by name then: villages have people of the same name)."""
        matcher = self.villages.get(normalize_name(record.unit), self.everyone)
        if record.id:
            entry, reason = matcher.find(record.id)
            if entry is None and matcher is not self.everyone:  # an 编号 from another village's roster
                entry, reason = self.everyone.find(record.id)
            return entry, reason, matcher
        entry, reason = matcher.find("", record.name)
        return entry, reason, matcher

    def group(self, records: list, problems: Problems, label: str) -> dict[str, list]:
        """Records grouped by subject 编号; unknown, ambiguous and repeated rows are reported."""
        grouped: dict[str, list] = {}
        for record in records:
            entry, reason, matcher = self.find(record)
            if entry is None:
                _report_unmatched(record, reason, matcher, problems, label)
                continue
            if record.id and record.name and normalize_name(record.name) != normalize_name(entry.name):
                problems.warning(
                    "id-name-mismatch",
                    f"{label}中编号 {record.id} 写的姓名是“{record.name}”，名册中该编号是"
                    f"“{entry.name}”。已按编号对应，请核对。",
                    **_where(record),
                )
            same_sheet = [
                r
                for r in grouped.get(entry.id, [])
                if (r.source.file, r.source.sheet) == (record.source.file, record.source.sheet)
            ]
            if same_sheet:
                problems.error(
                    "duplicate-row",
                    f"{label}中 {entry.name}（{entry.id}）出现两次（{same_sheet[0].source.cell} 和 "
                    f"{record.source.cell}），使用后一行。请删除重复的行。",
                    **_where(record),
                )
                grouped[entry.id].remove(same_sheet[0])
            grouped.setdefault(entry.id, []).append(record)
        return grouped


def _where(record) -> dict:
    return dict(
        file=record.source.file, sheet=record.source.sheet, cell=record.source.cell, subject=record.id or record.name
    )


def _report_unmatched(record, reason: str, matcher: Matcher, problems: Problems, label: str) -> None:
    if reason == "ambiguous":
        ids = "、".join(f"{e.id}（{e.category}，{e.kind or e.unit}）" for e in matcher.ambiguous(record.name))
        problems.error(
            "name-ambiguous",
            f"{label}中的“{record.name}”没有填编号，而名册中有多个同名的对象（{ids}），"
            "无法确定是哪一位，该行未使用。请填写编号。",
            **_where(record),
        )
        return
    if reason == "unknown-id":
        same = [e.id for e in matcher.ambiguous(record.name)] if record.name else []
        hint = f"名册中姓名为“{record.name}”的编号是 {'、'.join(same)}。" if same else "请核对编号。"
        problems.error(
            "subject-not-in-roster",
            f"{label}中的编号 {record.id}（{record.name}）在名册中找不到，该行未使用。{hint}",
            **_where(record),
        )
        return
    hint = matcher.suggestions(record.name)
    suggestion = f"名册中相近的姓名：{'、'.join(hint)}。" if hint else "请核对名册。"
    shown = f"{record.id} {record.name}".strip()
    problems.error(
        "subject-not-in-roster", f"{label}中的“{shown}”在名册中找不到，该行未使用。{suggestion}", **_where(record)
    )


# --- one subject ----------------------------------------------------------------------------


def subject_row(
    entry: RosterEntry,
    vote: PublicVotes | None,
    review: PanelReview | None,
    profile: Profile,
    problems: Problems,
    last=None,
) -> dict:
    """The subject's frame row: public and panel scores, the final score and what grading needs.

    `last` (fenji.core.history.LastGrade) is the previous rating, from the ledger or the roster; without
    it the roster's 上次星级 is read as typed.
    """
    stars = profile.rules
    previous = parse_stars(entry.last_grade) if entry.last_grade else None
    shown = entry.last_grade
    if last is not None:
        previous = grade_rank(last.grade, profile)
        shown = star_name(previous) if last.source == FROM_LEDGER else entry.last_grade
    cutoff = stars["lifetime_before"]
    row = {
        "编号": entry.id,
        "名称": entry.name,
        "单位": entry.unit,
        "类别": entry.category,
        "得分": None,
        "exact": None,
        "missing": [],
        "sources": {},
        "否决情形": "",
        "veto_source": "",
        "initial_grade": "",
        "群众评议": None,
        "评议人数": None,
        "领导小组评议": None,
        "审定意见": "",
        "上次星级": shown,
        "上次星级来源": last.source if last else "",
        "previous_rank": previous,
        "入党时间": entry.joined,
        "ineligible": entry.ineligible,
        "不参评情形": entry.ineligible,
        "lifetime": bool(cutoff and entry.joined and entry.joined < cutoff),
        "quota_exempt": False,
    }
    public = _public(vote, stars, row)
    panel = _panel(entry, review, profile, problems, row)
    if entry.category not in stars["categories"]:
        row["missing"].append(BAD_CATEGORY)
    if public is None:
        row["missing"].append(MISSING_PUBLIC)
    if panel is None and (stars["panel_required"] or stars["panel_weight"] > 0):
        row["missing"].append(MISSING_PANEL if review is None else INCOMPLETE_PANEL)
    if public is not None and (panel is not None or stars["panel_weight"] == 0):
        row["exact"] = Fraction(stars["public_weight"]) * public + Fraction(stars["panel_weight"]) * Fraction(
            panel or 0
        )
    _exceptions(row, profile)
    if row["exact"] is not None and not row["missing"]:
        row["得分"] = half_up(row["exact"], profile.decimals)
    return row


def _exceptions(row: dict, profile: Profile) -> None:
    """不参评 needs no scores (the reason rules); a lifetime five-star keeps its title without them."""
    if row["ineligible"]:
        row["missing"], row["exact"], row["initial_grade"] = [], None, NOT_PARTICIPATING
    elif row["lifetime"] and row["missing"]:
        row["missing"], row["exact"], row["initial_grade"] = [], None, profile.grades[0]


def _public(vote: PublicVotes | None, stars: dict, row: dict) -> Fraction | None:
    """The mean of the scores given (blank = did not score); None below `min_public_scores` of them."""
    if vote is None:
        return None
    row["评议人数"] = len(vote.scores)
    if len(vote.scores) < stars["min_public_scores"]:  # the profile checks it is at least 1
        return None
    mean = Fraction(sum(vote.scores)) / len(vote.scores)
    row["群众评议"] = mean
    row["sources"]["群众评议"] = f"{vote.source.file}/{vote.source.sheet}!{vote.refs[0]}:{vote.refs[-1]}"
    return mean


def _panel(
    entry: RosterEntry, review: PanelReview | None, profile: Profile, problems: Problems, row: dict
) -> Decimal | None:
    """The sum of the category's items (None when any is missing); 审定意见 as veto where the profile says."""
    if review is None:
        return None
    stars = profile.rules
    row["审定意见"] = review.opinion
    row["sources"]["领导小组评议"] = str(review.source)
    if review.opinion in stars["reject_words"]:
        _rejected(entry, review, profile, problems, row)
    items = [i["name"] for i in stars["items"] if not i["categories"] or entry.category in i["categories"]]
    values = [review.items.get(name) for name in items]
    if not items or any(v is None for v in values):
        return None
    total = sum(values, Decimal(0))
    if stars["panel_weight"] > 0:  # a reviewing-only panel's item points are not part of the grade
        row["领导小组评议"] = total
    return total


def _rejected(entry: RosterEntry, review: PanelReview, profile: Profile, problems: Problems, row: dict) -> None:
    where = dict(file=review.source.file, sheet=review.source.sheet, cell=review.opinion_ref, subject=entry.id)
    if profile.rules["review"] and row["lifetime"]:
        # rules §9: 终身五星 is a title by status, not a rating the panel gives, so 不同意 does not take it
        # away; the committee is asked to decide (_report_lifetime_disagreements)
        row["sources"]["审定意见"] = str(review.source.at(review.opinion_ref))
        row["lifetime_disagreed"] = (review, where)
        return
    if not profile.rules["review"]:
        problems.notice(
            "opinion-not-used",
            f"{entry.name}（{entry.id}）的审定意见为“{review.opinion}”；规则“{profile.name}”"
            "不据审定意见否决，领导小组评议只按比例计入得分。如需调整，请填入决定调整表。",
            **where,
        )
        return
    row["否决情形"] = f"领导小组审定意见：{review.opinion}" + (f"（{review.note}）" if review.note else "")
    row["veto_source"] = str(review.source.at(review.opinion_ref))
    row["sources"]["审定意见"] = row["veto_source"]


def _report_lifetime_disagreements(rows: list[dict], decisions: list, problems: Problems, profile: Profile) -> None:
    """A 终身五星 holder the panel does not agree to: an error until a committee decision names the subject.

    The subject stays 五星; the decision (which may set 不列入星级, or confirm 五星) is what a person adds.
    With one in the decisions workbook the point is settled, so it is only a notice then.
    """
    for row in rows:
        if "lifetime_disagreed" not in row:
            continue
        review, where = row.pop("lifetime_disagreed")
        note = f"（{review.note}）" if review.note else ""
        who = f"{row['名称']}（{row['编号']}）"
        if any(_names_subject(d, row) for d in decisions):
            problems.notice(
                "lifetime-review-rejected",
                f"终身五星对象{who}的领导小组审定意见为“{review.opinion}”{note}；"
                f"决定调整表中已有对该对象的{profile.decider}研究决定，按决定执行。",
                **where,
            )
        else:
            problems.error(
                "lifetime-review-rejected",
                f"{who}是终身五星对象，领导小组审定意见为“{review.opinion}”{note}："
                f"终身五星对象审定不同意，请{profile.decider}研究决定。现仍按五星（终身）列出；研究后请在决定调整表中"
                "填写该对象的编号、决定等次（“不列入星级”或“五星”）、理由和会议名称。",
                **where,
            )


def _names_subject(decision, row: dict) -> bool:
    """Whether a decision row is about this subject: by 编号 when it has one, else by name."""
    if decision.id:
        return decision.id == row["编号"]
    return normalize_name(decision.name) == normalize_name(row["名称"])


def _report_unreviewed(roster: list[RosterEntry], panels: dict, profile: Profile, problems: Problems) -> None:
    """Under a reviewing profile, subjects with no 审定意见 are taken as agreed: one notice per village."""
    if not profile.rules["review"] or profile.rules["panel_required"]:
        return
    by_unit: dict[str, list[RosterEntry]] = {}
    for entry in roster:
        if entry.id not in panels and not entry.ineligible:
            by_unit.setdefault(entry.unit, []).append(entry)
    for unit, entries in by_unit.items():
        names = "、".join(f"{e.name}（{e.id}）" for e in entries[:10]) + ("等" if len(entries) > 10 else "")
        problems.notice(
            "panel-review-missing",
            f"{unit}有 {len(entries)} 个评定对象没有领导小组审定意见（{names}），"
            "按同意处理。如领导小组未审定，请补报领导小组评议表。",
            subject=unit,
        )


# --- targets (reported, not enforced) -------------------------------------------------------


@dataclass
class TargetRow:
    """A three-year target against this year's share: 石门村 一般党员 四星及以上 3/5 = 60.0%，目标 80%."""

    unit: str
    category: str
    at_least: str
    target: Decimal
    n: int
    reached: int
    share: Fraction | None
    met: bool

    @property
    def text(self) -> str:
        grade = self.at_least if self.at_least.startswith("五") else f"{self.at_least}及以上"
        actual = f"{self.reached}/{self.n}，占 {fmt_percent(self.share)}" if self.share is not None else "无已评定对象"
        return (
            f"{self.unit}{self.category}{grade}：{actual}；三年目标 {fmt_percent(self.target, 0)}"
            f"（{'已达到' if self.met else '未达到'}）"
        )


def target_report(subjects: pd.DataFrame, profile: Profile) -> list[TargetRow]:
    """Each `stars.targets` entry per village it names (or every village): share at or above a grade.

    The base is the category's graded subjects (not 未评定, 待定 or 不参评); lifetime titles count as 五星.
    """
    rows = []
    for target in profile.rules.get("targets", []):
        present = list(dict.fromkeys(subjects["单位"]))
        units = [u for u in present if u == target["unit"]] if target["unit"] else present
        threshold = grade_rank(target["at_least"], profile)
        for unit in units:
            group = subjects[(subjects["单位"] == unit) & (subjects["类别"] == target["category"])]
            if group.empty:
                continue
            graded = [g for g in group["等次"] if g in profile.grades]
            reached = sum(1 for g in graded if grade_rank(g, profile) >= threshold)
            share = Fraction(reached, len(graded)) if graded else None
            rows.append(
                TargetRow(
                    unit,
                    target["category"],
                    target["at_least"],
                    target["share"],
                    len(graded),
                    reached,
                    share,
                    share is not None and share >= Fraction(target["share"]),
                )
            )
    return rows


def last_star_ratings(
    roster: list[RosterEntry], history: History | None, profile: Profile, problems: Problems
) -> dict[str, LastGrade]:
    """Star profiles (xingji-*): each subject's last rating, the ledger's grade else the roster's 上次星级.

    A kept 不列入星级 is a rating of no star (rank 0); a kept 不参评 or 未评定 is no rating, so the
    roster's 上次星级 (if typed) is used. The one-step rule (第五条) reads the rank via `grade_rank`.
    """

    def normalise(typed: str) -> str | None:
        rank = parse_stars(typed)
        return None if rank is None or rank >= len(profile.grades) else profile.grades[len(profile.grades) - 1 - rank]

    return last_grades(roster, history, profile, problems, normalise, label="上次星级")
