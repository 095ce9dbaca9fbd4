"""Stage 4 for `youxiu` (优秀党员评选, rules.md §6): the four steps of seed 003 per candidate.

支部会议民主评议 (民主评议党员测评汇总表) → 支部推荐 (优秀党员推荐表) → 党总支审核 (its 审核意见) →
党总支党员大会民主评选 (优秀党员评选票数汇总表). The subjects are the recommended candidates; 得分 is
their 赞成票. A candidate is 不符合条件 (internal reason) when the roster or the 民主评议 rules them
out, 未评定 without a 审核意见 or a valid (quorate) meeting, 未当选 without 赞成 > half of 实到 or with
a 不同意, else 优秀党员 — and then the shared cap floor(20 % × 党员总数) per 党总支, ties → 待定.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd

from fenji.core.arith import fmt_percent, most_allowed
from fenji.core.history import History, last_grades
from fenji.core.match import Matcher
from fenji.core.merge import collect, latest, match_records, report_repeats, unique_entries
from fenji.core.problems import Problems, RosterMissing
from fenji.core.profiles import Profile, ProfileError, parse_share
from fenji.core.records import FileResult
from fenji.forms.member_roster import FORMAL, PROBATIONARY, Member
from fenji.forms.recommendation import DISAGREE
from fenji.grading.subject import Scored

ELECTED, NOT_ELECTED, INELIGIBLE = "优秀党员", "未当选", "不符合条件"
MISSING_REVIEW, MISSING_MEETING, MISSING_VOTES, MISSING_APPRAISAL = (
    "缺总支审核",
    "缺有效评选",
    "缺评选票数",
    "缺民主评议",
)
WHY_SHORT, WHY_REJECTED = "未过半数", "审核不同意"
COUNT_BASES = ("全体党员", "正式党员")


# --- profile ----------------------------------------------------------------------------------

SCHEMA = {
    "youxiu": (
        {
            "min_excellent_share": ((int, float, str), False, "50%"),
            "probationary_eligible": (bool, False, False),
            "quorum_share": ((int, float, str), False, "50%"),
            "pass_share": ((int, float, str), False, "50%"),
            "count_base": (str, False, "全体党员"),
            "ineligibility": (dict, False, {}),
            "certificates_per_page": (int, False, 1),
        },
        False,
        {},
    ),
}


def check_profile(checked: dict, grades: list[str], quotas: list, where: str) -> dict:
    """[youxiu] of a profile: the shares as exact Decimals, the cap's base, the ineligibility codes."""
    section = checked["youxiu"]
    if grades[:2] != [ELECTED, NOT_ELECTED] or INELIGIBLE not in grades:
        raise ProfileError(
            f"规则配置 {where} 的 `bands` 应依次为“{ELECTED}”“{NOT_ELECTED}”“{INELIGIBLE}”（评选结果的等次）。"
        )
    if not any(q.grade == ELECTED and q.kind == "cap" for q in quotas):
        raise ProfileError(
            f'规则配置 {where} 缺少 `quotas` 中 grade = "{ELECTED}"、kind = "cap" 的名额（如 share = "20%"）。'
        )
    if section["count_base"] not in COUNT_BASES:
        raise ProfileError(
            f"规则配置 {where} 的 `youxiu.count_base` 应为 {' 或 '.join(COUNT_BASES)}，实际为 {section['count_base']!r}。"
        )
    if section["certificates_per_page"] not in (1, 2):
        raise ProfileError(
            f"规则配置 {where} 的 `youxiu.certificates_per_page` 应为 1（每页一张，A4 横向）或 2（每页两张），"
            f"实际为 {section['certificates_per_page']!r}。"
        )
    codes = {str(k).strip(): str(v).strip() for k, v in section["ineligibility"].items()}
    if not all(codes) or not all(codes.values()):
        raise ProfileError(f"规则配置 {where} 的 `youxiu.ineligibility` 中有空的序号或情形。")
    rules = {
        key: parse_share(section[key], f"youxiu.{key}", where)
        for key in ("min_excellent_share", "quorum_share", "pass_share")
    }
    return {
        **rules,
        "probationary_eligible": section["probationary_eligible"],
        "count_base": section["count_base"],
        "ineligibility": codes,
        "certificates_per_page": section["certificates_per_page"],
    }


# --- scoring ----------------------------------------------------------------------------------


def build_members(results: list[FileResult], problems: Problems) -> list[Member]:
    entries, repeats = unique_entries(collect(results, "member_roster"))
    report_repeats(entries, repeats, problems, "已按首次出现的记录处理，请删除重复行。")
    if not entries:
        raise RosterMissing(
            "没有找到党员名册（标题含“党员名册”的工作表），无法确定党员总数和推荐对象。请把各党总支的党员名册放入收件文件夹。"
        )
    return list(entries.values())


def members_total(members: list[Member], unit: str, profile: Profile) -> int:
    """The cap's base: the 党总支's 党员总数 (预备党员 included unless count_base = 正式党员)."""
    formal_only = profile.rules["count_base"] == "正式党员"
    return sum(1 for m in members if m.unit == unit and (not formal_only or m.category == FORMAL))


def score_youxiu(results: list[FileResult], profile: Profile, problems: Problems, history: History) -> Scored:
    members = build_members(results, problems)
    matcher = Matcher(members)
    mtimes = {r.rel: r.mtime for r in results}

    def one(kind: str, label: str) -> dict:
        grouped = match_records(collect(results, kind), matcher, problems, label)
        return {ident: latest(records, problems, label, mtimes) for ident, records in grouped.items()}

    appraisals = one("member_appraisal", "民主评议党员测评汇总表")
    recommended = one("recommendation", "优秀党员推荐表")
    votes = one("election_votes", "优秀党员评选票数汇总表")
    _report_meetings(votes.values(), profile, problems)
    _report_not_recommended(votes, recommended, problems)
    last = last_grades([m for m in members if m.id in recommended], history, profile, problems, lambda _: None)
    rows = []
    for member in members:  # roster order: results list candidates as the 总支 lists its members
        if member.id not in recommended:
            continue
        row = candidate_row(member, recommended[member.id], appraisals.get(member.id), votes.get(member.id), profile)
        row["quota_base"] = members_total(members, member.unit, profile)
        found = last.get(member.id)
        row["上年等次"], row["上年等次来源"] = (found.grade, found.source) if found else ("", "")
        if row["不符合条件原因"]:
            _report_ineligible(row, recommended[member.id], problems)
        rows.append(row)
    return Scored(
        pd.DataFrame(rows, columns=list(rows[0]) if rows else ["编号", "名称", "单位", "类别", "得分", "missing"]),
        members,
        collect(results, "decisions"),
        superseded=[p.file for p in problems if p.code == "superseded"],
    )


def candidate_row(member: Member, rec, appraisal, vote, profile: Profile) -> dict:
    """One candidate through the four steps; every step's figures kept for the 评选汇总表."""
    rules = profile.rules
    row = {
        "编号": member.id,
        "名称": member.name,
        "单位": member.unit,
        "类别": "",
        "所属党支部": member.kind or rec.branch,
        "性别": member.gender,
        "党员类别": member.category,
        "missing": [],
        "sources": {"推荐表": str(rec.source)},
        "得分": None,
        "initial_grade": "",
        "quota_exempt": False,
        "优秀票": None,
        "有效评议票": None,
        "优秀率": None,
        "推荐理由": rec.reason,
        "审核意见": rec.review,
        "应到": None,
        "实到": None,
        "赞成": None,
        "不赞成": None,
        "弃权": None,
        "不符合条件原因": "",
        "未当选原因": "",
    }
    if appraisal is not None:
        row["sources"]["民主评议"] = str(appraisal.source)
        row["优秀票"], row["有效评议票"] = appraisal.counts["优秀"], appraisal.valid
        row["优秀率"] = Fraction(appraisal.counts["优秀"], appraisal.valid)
    if vote is not None:
        row["sources"]["评选票数"] = str(vote.source)
        row.update({"应到": vote.due, "实到": vote.present, "赞成": vote.yes, "不赞成": vote.no, "弃权": vote.abstain})
    reasons = ineligibility(member, row, rules)
    if reasons:
        row.update({"不符合条件原因": "；".join(reasons), "initial_grade": INELIGIBLE, "quota_exempt": True})
        return row
    row["missing"] = _missing(row, appraisal, vote, rules)
    if row["missing"]:
        return row
    row["得分"] = Decimal(vote.yes)
    if rec.review == DISAGREE:
        row["initial_grade"], row["未当选原因"] = NOT_ELECTED, WHY_REJECTED
    elif not Fraction(vote.yes) > Fraction(rules["pass_share"]) * vote.present:
        row["initial_grade"], row["未当选原因"] = NOT_ELECTED, WHY_SHORT
    else:
        row["initial_grade"] = ELECTED
    return row


def ineligibility(member: Member, row: dict, rules: dict) -> list[str]:
    """Why the member may not be recommended (rules.md §6): roster codes, 预备党员, 民主评议 优秀 share."""
    reasons = [member.ineligible] if member.ineligible else []
    if member.category == PROBATIONARY and not rules["probationary_eligible"]:
        reasons.append("预备党员不能推荐")
    share = row["优秀率"]
    if share is not None and share < Fraction(rules["min_excellent_share"]):
        reasons.append(f"民主评议优秀票 {fmt_percent(share)}，未达 {fmt_percent(rules['min_excellent_share'], 0)}")
    return reasons


def _missing(row: dict, appraisal, vote, rules: dict) -> list[str]:
    missing = []
    if appraisal is None:
        missing.append(MISSING_APPRAISAL)
    if not row["审核意见"]:
        missing.append(MISSING_REVIEW)
    if vote is None:
        missing.append(MISSING_VOTES)
    elif not quorate(vote, rules):
        missing.append(MISSING_MEETING)
    return missing


def quorate(vote, rules: dict) -> bool:
    """实到 > quorum_share × 应到 (rules.md §6); unreadable figures make no valid meeting."""
    if vote.due is None or vote.present is None:
        return False
    return Fraction(vote.present) > Fraction(rules["quorum_share"]) * vote.due


def _report_meetings(votes, profile: Profile, problems: Problems) -> None:
    """One warning per 党员大会 without a quorum: its candidates are 未评定 and the run needs attention."""
    seen = set()
    for vote in votes:
        key = (vote.source.file, vote.source.sheet)
        if key in seen or vote.due is None or vote.present is None or quorate(vote, profile.rules):
            continue
        seen.add(key)
        problems.warning(
            "meeting-no-quorum",
            f"{vote.unit}党员大会应到 {vote.due} 人、实到 {vote.present} 人，实到未超过应到的"
            f"{fmt_percent(profile.rules['quorum_share'], 0)}，评选无效；本次大会的候选人均为未评定（缺有效评选）。"
            "请重新召开党员大会评选。",
            file=vote.source.file,
            sheet=vote.source.sheet,
            subject=vote.unit,
        )


def _report_not_recommended(votes: dict, recommended: dict, problems: Problems) -> None:
    """A 票数汇总表 row for a member no 推荐表 lists: the votes are not used (only candidates are elected)."""
    for ident, vote in votes.items():
        if ident in recommended:
            continue
        problems.warning(
            "votes-without-recommendation",
            f"{vote.name or ident}（{ident}）在评选票数汇总表中有票数，但不在任何优秀党员推荐表中，票数未使用。"
            "请补报推荐表，或核对编号。",
            file=vote.source.file,
            sheet=vote.source.sheet,
            cell=vote.source.cell,
            subject=ident,
        )


def _report_ineligible(row: dict, rec, problems: Problems) -> None:
    problems.error(
        "candidate-ineligible",
        f"{row['名称']}（{row['编号']}）不符合优秀党员推荐条件（{row['不符合条件原因']}），不能推荐，结果为“不符合条件”。"
        "此原因只在内部材料中列出，不公示。",
        file=rec.source.file,
        sheet=rec.source.sheet,
        cell=rec.source.cell,
        subject=row["编号"],
    )


# --- results columns --------------------------------------------------------------------------

RESULT_COLUMNS = [
    "所属党支部",
    "性别",
    "党员类别",
    "民主评议优秀票",
    "民主评议有效票",
    "优秀率",
    "审核意见",
    "应到",
    "实到",
    "赞成",
    "不赞成",
    "弃权",
    "党员总数",
    "名额",
    "不符合条件原因",
    "上年等次",
    "连续当选",
    "数据来源",
]


def result_values(row: dict, profile: Profile, common: dict) -> dict:
    def whole(key):
        value = row.get(key)
        return "" if value is None or value != value else str(int(value))

    share = next(q.share for q in profile.quotas if q.grade == ELECTED and q.kind == "cap")
    base = row.get("quota_base")
    return {
        "所属党支部": row.get("所属党支部", ""),
        "性别": row.get("性别", ""),
        "党员类别": row.get("党员类别", ""),
        "民主评议优秀票": whole("优秀票"),
        "民主评议有效票": whole("有效评议票"),
        "优秀率": fmt_percent(row.get("优秀率")) if row.get("优秀率") is not None else "",
        "审核意见": row.get("审核意见", ""),
        "应到": whole("应到"),
        "实到": whole("实到"),
        "赞成": whole("赞成"),
        "不赞成": whole("不赞成"),
        "弃权": whole("弃权"),
        "党员总数": whole("quota_base"),
        "名额": "" if base is None else str(most_allowed(share, int(base))),
        "不符合条件原因": row.get("不符合条件原因", ""),
        "上年等次": row.get("上年等次", ""),
        "连续当选": "是" if twice_running(row) else "",
        "数据来源": common["数据来源"],
    }


def twice_running(row: dict) -> bool:
    return row.get("等次") == ELECTED and row.get("上年等次") == ELECTED


# --- after grading ----------------------------------------------------------------------------


def explain_outcomes(graded):
    """说明 with each 未当选's reason (未过半数 / 审核不同意; 超出名额 is the cap's 超比例调整) and 连续当选."""
    frame = graded.subjects
    if not len(frame):
        return graded
    for i in frame.index:
        parts = [p for p in str(frame.at[i, "说明"] or "").split("；") if p]
        if frame.at[i, "等次"] == NOT_ELECTED:
            why = frame.at[i, "未当选原因"] or ""
            if "超比例调整" in parts:
                parts[parts.index("超比例调整")] = "超出名额"
            if why and why not in parts and frame.at[i, "decision"] is None:
                parts.insert(0, why)
        if twice_running(frame.loc[i].to_dict()):
            parts.append("连续两年当选")
        frame.at[i, "说明"] = "；".join(parts)
    return graded


def run_info(outcome) -> dict:
    """Per 党总支: 党员总数, 名额, 推荐, 当选 (run.json)."""
    profile = getattr(outcome, "profile", None)
    if profile is None or outcome.graded is None or not len(outcome.graded.subjects):
        return {}
    frame = outcome.graded.subjects
    share = next(q.share for q in profile.quotas if q.grade == ELECTED and q.kind == "cap")
    units = []
    for unit, group in frame.groupby("单位", sort=False):
        base = int(group["quota_base"].iloc[0])
        units.append(
            {
                "党总支": unit,
                "党员总数": base,
                "名额": most_allowed(share, base),
                "推荐": len(group),
                "当选": int((group["等次"] == ELECTED).sum()),
                "待定": int((group["等次"] == "待定").sum()),
            }
        )
    return {"党总支": units}
