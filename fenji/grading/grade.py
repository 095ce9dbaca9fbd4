"""Stage 5: grades from scores — bands, vetoes, cross-conditions, quotas, committee decisions.

Pure and exact (rules.md §0): bands are decided on the rounded Decimal score; quota counts are
floor/ceil of exact products; a tie straddling a quota cut is never broken arbitrarily (待定).
Order: bands → vetoes and cross-conditions → quotas → committee decisions.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from fenji.core.arith import fewest_required, fmt_decimal, fmt_percent, most_allowed
from fenji.core.problems import Problems
from fenji.core.profiles import Profile, Quota
from fenji.grading.subject import check_subjects

UNGRADED = "未评定"
PENDING = "待定"
NOT_PARTICIPATING = "不参评"
NOT_COUNTED = (UNGRADED, NOT_PARTICIPATING)

M_OVER_QUOTA = "超比例调整"
M_FLOOR = "按比例调整"
M_VETO = "一票否决"
M_SELF = "自评偏差"
M_CRITICAL = "临界"
M_CROSS = "满意率不足"
M_LIFETIME = "终身五星"
M_ONE_STEP = "限晋一级"


@dataclass
class QuotaCheck:
    """One quota in one unit, for the report: allowed vs actual."""

    unit: str
    category: str
    grade: str
    kind: str
    share: Decimal
    n: int
    allowed: int
    actual: int
    ok: bool
    moved: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    tolerance: Decimal | None = None  # a “p% 左右” quota's tolerance, to judge it again after decisions

    @property
    def label(self) -> str:
        word = {"cap": "不超过", "floor": "不低于", "about": "左右"}[self.kind]
        return f"{self.grade}{word}{fmt_percent(self.share, 0) if self.kind != 'about' else fmt_percent(self.share, 0)}"


@dataclass
class Graded:
    subjects: pd.DataFrame
    quota_checks: list[QuotaCheck]
    adjustments: list[dict]


def band_of(score: Decimal, profile: Profile) -> str:
    for band in profile.bands:
        if score >= band.low:
            return band.grade
    return profile.lowest_grade


def grade(subjects: pd.DataFrame, profile: Profile, decisions: list, problems: Problems) -> Graded:
    """Grade every subject of the frame (fenji.grading.subject's columns, checked on entry); returns
    the frame with 初定等次, 等次, markers and notes."""
    check_subjects(subjects)
    frame = subjects.copy()
    frame["markers"] = [[] for _ in range(len(frame))]
    frame["notes"] = [[] for _ in range(len(frame))]
    frame["decision"] = None
    frame["初定等次"] = [_initial(row, profile) for row in frame.itertuples(index=False)]
    frame["等次"] = frame["初定等次"]
    adjustments: list[dict] = []
    _vetoes(frame, profile, adjustments)
    _cross_condition(frame, profile, adjustments)
    _eligibility(frame, profile, adjustments)
    _one_step(frame, profile, adjustments)
    checks = _quotas(frame, profile, problems, adjustments)
    _decisions(frame, profile, decisions, problems, adjustments)
    _recheck_quotas(frame, profile, checks, problems)
    _critical(frame, profile)
    _self_deviation(frame, profile)
    frame["说明"] = [_explain(row) for row in frame.itertuples(index=False)]
    return Graded(frame, checks, adjustments)


def _initial(row, profile: Profile) -> str:
    """The band of the rounded score; a scorer may supply `initial_grade` (e.g. shengji's lower of two)."""
    if row.missing:
        return UNGRADED
    override = getattr(row, "initial_grade", None)
    if isinstance(override, str) and override:
        return override
    return band_of(row.得分, profile)


def grade_rank(grade_name: str, profile: Profile) -> int:
    """Rank from the bottom: the lowest band is 0 (for stars: 不列入星级 0 … 五星 5)."""
    return len(profile.grades) - 1 - profile.grades.index(grade_name)


def _eligibility(frame: pd.DataFrame, profile: Profile, adjustments: list) -> None:
    """Optional scorer columns: `ineligible` (reason → 不参评) and `lifetime` (→ top grade, outside quotas)."""
    if "quota_exempt" not in frame:
        frame["quota_exempt"] = False
    for i in frame.index:
        reason = frame.at[i, "ineligible"] if "ineligible" in frame else ""
        if isinstance(reason, str) and reason:
            frame.at[i, "等次"] = NOT_PARTICIPATING
            frame.at[i, "quota_exempt"] = True
            continue
        if "lifetime" in frame and bool(frame.at[i, "lifetime"]) and frame.at[i, "等次"] != UNGRADED:
            top = profile.grades[0]
            before = frame.at[i, "等次"]
            frame.at[i, "等次"] = top
            frame.at[i, "quota_exempt"] = True
            frame.at[i, "markers"].append(M_LIFETIME)
            if before != top:
                adjustments.append(_adjustment(frame, i, before, top, M_LIFETIME, "建国前入党的老党员，终身享有"))


def _one_step(frame: pd.DataFrame, profile: Profile, adjustments: list) -> None:
    """With `previous_rank` (an int, None for a first rating): rise at most one grade above it."""
    if "previous_rank" not in frame or not profile.one_step:
        return
    for i in frame.index:
        previous, current = frame.at[i, "previous_rank"], frame.at[i, "等次"]
        if previous is None or previous != previous or current not in profile.grades:
            continue
        if bool(frame.at[i, "quota_exempt"]):
            continue
        limit = int(previous) + 1
        if grade_rank(current, profile) > limit:
            capped = profile.grades[len(profile.grades) - 1 - min(limit, len(profile.grades) - 1)]
            frame.at[i, "等次"] = capped
            frame.at[i, "markers"].append(M_ONE_STEP)
            adjustments.append(
                _adjustment(
                    frame,
                    i,
                    current,
                    capped,
                    M_ONE_STEP,
                    f"上次为 {profile.grades[len(profile.grades) - 1 - int(previous)]}，每次最多晋升一级",
                )
            )


def _vetoes(frame: pd.DataFrame, profile: Profile, adjustments: list) -> None:
    lowest = profile.veto.get("grade") or profile.lowest_grade
    for i in frame.index:
        veto = frame.at[i, "否决情形"] if "否决情形" in frame else ""
        if not veto or frame.at[i, "等次"] == UNGRADED:
            continue
        before = frame.at[i, "等次"]
        marker = profile.veto.get("marker") or M_VETO
        frame.at[i, "markers"].append(marker)
        if profile.veto.get("cap") and grade_rank(before, profile) <= grade_rank(lowest, profile):
            continue  # the veto grade is a ceiling ("→ 一星"): a veto never lifts a lower grade up to it
        frame.at[i, "等次"] = lowest
        adjustments.append(_adjustment(frame, i, before, lowest, marker, veto))


def _cross_condition(frame: pd.DataFrame, profile: Profile, adjustments: list) -> None:
    rule = profile.cross_condition
    if not rule.get("enabled") or "满意率" not in frame:
        return
    for i in frame.index:
        rate = frame.at[i, "满意率"]
        if rate is None or frame.at[i, "等次"] not in rule["blocked_grades"]:
            continue
        if Fraction(rate) < Fraction(rule["min_rate"]):
            before = frame.at[i, "等次"]
            frame.at[i, "等次"] = rule["grade"]
            frame.at[i, "markers"].append(M_CROSS)
            adjustments.append(
                _adjustment(
                    frame,
                    i,
                    before,
                    rule["grade"],
                    M_CROSS,
                    f"满意率 {fmt_percent(rate)} 低于 {fmt_percent(rule['min_rate'])}",
                )
            )


def _adjustment(frame, i, before: str, after: str, kind: str, reason: str, meeting: str = "") -> dict:
    return {
        "编号": frame.at[i, "编号"],
        "名称": frame.at[i, "名称"],
        "单位": frame.at[i, "单位"],
        "类别": frame.at[i, "类别"],
        "调整前": before,
        "调整后": after,
        "类型": kind,
        "理由": reason,
        "会议及文号": meeting,
        "得分": frame.at[i, "得分"],
    }


# --- quotas ---------------------------------------------------------------------------------


def _scopes(frame: pd.DataFrame, quota: Quota):
    """(unit, category, index list) for each quota scope; category groups counted separately."""
    graded = frame[~frame["等次"].isin(NOT_COUNTED)]
    if "quota_exempt" in graded:
        graded = graded[~graded["quota_exempt"].astype(bool)]
    if quota.category:
        graded = graded[graded["类别"] == quota.category]
        keys = ["单位"]
    else:
        keys = ["单位", "类别"]
    for key, group in graded.groupby(keys, sort=True):
        unit, category = (key[0], quota.category) if quota.category else key
        yield unit, category, list(group.index)


def rank_key(frame: pd.DataFrame, i, profile: Profile) -> tuple:
    """Final score, then the tie-breakers in order (exact values), all higher-is-better."""
    values = [frame.at[i, "得分"]]
    for column in profile.tie_breakers:
        value = frame.at[i, column] if column in frame else None
        values.append(Fraction(value) if value is not None else Fraction(-1))
    return tuple(Fraction(v) if v is not None else Fraction(-1) for v in values)


def _quotas(frame: pd.DataFrame, profile: Profile, problems: Problems, adjustments: list) -> list[QuotaCheck]:
    checks = []
    caps = sorted((q for q in profile.quotas if q.kind == "cap"), key=lambda q: profile.grades.index(q.grade))
    for quota in caps:
        for unit, category, index in _scopes(frame, quota):
            checks.append(_enforce_cap(frame, index, unit, category, quota, profile, problems, adjustments))
    for quota in (q for q in profile.quotas if q.kind == "floor"):
        for unit, category, index in _scopes(frame, quota):
            checks.append(_enforce_floor(frame, index, unit, category, quota, profile, problems, adjustments))
    for quota in (q for q in profile.quotas if q.kind == "about"):
        for unit, category, index in _scopes(frame, quota):
            checks.append(_report_about(frame, index, unit, category, quota, problems, profile.counter))
    return checks


def _enforce_cap(frame, index, unit, category, quota: Quota, profile, problems, adjustments) -> QuotaCheck:
    n = _quota_base(frame, index)
    allowed = most_allowed(quota.share, n)
    members = sorted(
        (i for i in index if frame.at[i, "等次"] == quota.grade),
        key=lambda i: rank_key(frame, i, profile),
        reverse=True,
    )
    check = QuotaCheck(unit, category, quota.grade, "cap", quota.share, n, allowed, len(members), True)
    if len(members) <= allowed:
        return check
    lower = profile.grades[min(profile.grades.index(quota.grade) + 1, len(profile.grades) - 1)]
    tied = _tied_at(frame, members, allowed, profile)
    for position, i in enumerate(members):
        if i in tied:
            _pend(frame, i, check, f"{quota.grade}名额（{allowed} {profile.counter}）的最后一名与其后并列", profile)
        elif position >= allowed:
            frame.at[i, "等次"] = lower
            frame.at[i, "markers"].append(M_OVER_QUOTA)
            check.moved.append(frame.at[i, "编号"])
            adjustments.append(
                _adjustment(
                    frame,
                    i,
                    quota.grade,
                    lower,
                    M_OVER_QUOTA,
                    f"{unit}{category}共 {n} {profile.counter}，{quota.grade}不超过 {fmt_percent(quota.share, 0)}，"
                    f"最多 {allowed} {profile.counter}；按得分排名第 {position + 1}",
                )
            )
    _report_pending(frame, check, unit, category, problems, profile)
    check.actual = sum(1 for i in index if frame.at[i, "等次"] == quota.grade)
    return check


def _quota_base(frame, index: list) -> int:
    """The N a share is taken of: the scope's graded subjects, unless the scorer gives the base itself
    (`quota_base`: youxiu's cap is 20 % of the 党总支's 党员总数, not of its candidates)."""
    if "quota_base" in frame and index:
        base = frame.at[index[0], "quota_base"]
        if isinstance(base, numbers.Integral) and not isinstance(base, bool):
            return int(base)
    return len(index)


def _tied_at(frame, ordered: list, cut: int, profile) -> set:
    if cut <= 0:
        return set()
    last_in, first_out = ordered[cut - 1], ordered[cut]
    key = rank_key(frame, last_in, profile)
    if rank_key(frame, first_out, profile) != key:
        return set()
    return {i for i in ordered if rank_key(frame, i, profile) == key}


def decision_marker(profile: Profile) -> str:
    """`经党委研究调整`, or by the body the profile names (`decider`): a village's 总支 decides its own stars."""
    return f"经{profile.decider}研究调整"


def is_decision(marker: str) -> bool:
    """Whether an adjustment (or marker) is a committee decision, whoever the profile's decider is."""
    return marker.startswith("经") and marker.endswith("研究调整")


def _pend(frame, i, check: QuotaCheck, why: str, profile: Profile) -> None:
    frame.at[i, "等次"] = PENDING
    frame.at[i, "markers"].append(PENDING)
    frame.at[i, "notes"].append(f"{why}，需{profile.decider}研究决定")
    check.pending.append(frame.at[i, "编号"])


def _report_pending(frame, check: QuotaCheck, unit, category, problems: Problems, profile: Profile) -> None:
    if not check.pending:
        return
    names = "、".join(f"{frame.loc[frame['编号'] == s, '名称'].iloc[0]}（{s}）" for s in check.pending)
    problems.warning(
        "tie-at-quota-cut",
        f"{unit}{category}：{names} 得分及全部排序依据完全相同，跨越“{check.label}”的名额线，"
        f"无法自动取舍，已标为待定。请{profile.decider}研究决定后填入决定调整表。",
        subject="、".join(check.pending),
    )


def _enforce_floor(frame, index, unit, category, quota: Quota, profile, problems, adjustments) -> QuotaCheck:
    n = len(index)
    required = fewest_required(quota.share, n)
    in_lowest = [i for i in index if frame.at[i, "等次"] == quota.grade]
    check = QuotaCheck(unit, category, quota.grade, "floor", quota.share, n, required, len(in_lowest), True)
    short = required - len(in_lowest)
    if short <= 0:
        return check
    candidates = sorted(
        (i for i in index if frame.at[i, "等次"] not in (quota.grade, PENDING)),
        key=lambda i: rank_key(frame, i, profile),
    )
    tied = _tied_at(frame, candidates, short, profile) if short < len(candidates) else set()
    for position, i in enumerate(candidates[:short] + [c for c in candidates[short:] if c in tied]):
        if i in tied:
            _pend(frame, i, check, f"{quota.grade}比例（至少 {required} {profile.counter}）的名额线上并列", profile)
            continue
        before = frame.at[i, "等次"]
        frame.at[i, "等次"] = quota.grade
        frame.at[i, "markers"].append(M_FLOOR)
        check.moved.append(frame.at[i, "编号"])
        adjustments.append(
            _adjustment(
                frame,
                i,
                before,
                quota.grade,
                M_FLOOR,
                f"{unit}{category}共 {n} {profile.counter}，{quota.grade}不低于 {fmt_percent(quota.share, 0)}，"
                f"至少 {required} {profile.counter}；按得分倒数第 {position + 1}",
            )
        )
    _report_pending(frame, check, unit, category, problems, profile)
    check.actual = sum(1 for i in index if frame.at[i, "等次"] == quota.grade)
    return check


def _report_about(frame, index, unit, category, quota: Quota, problems, counter: str = "个") -> QuotaCheck:
    n = len(index)
    actual = sum(1 for i in index if frame.at[i, "等次"] == quota.grade)
    share = Fraction(actual, n) if n else Fraction(0)
    ok = _within_about(actual, n, quota.share, quota.tolerance)
    allowed = round_share(quota.share, n)
    check = QuotaCheck(
        unit, category, quota.grade, "about", quota.share, n, allowed, actual, ok, tolerance=quota.tolerance
    )
    if not ok:
        problems.warning(
            "quota-about-off",
            f"{unit}{category}{quota.grade} {actual} {counter}，占 {fmt_percent(share)}，"
            f"与“{quota.grade}{fmt_percent(quota.share, 0)}左右”相差超过 {fmt_decimal(quota.tolerance * 100, 0)} 个百分点"
            "（“左右”只作对照，不据此调整）。",
        )
    return check


def _within_about(actual: int, n: int, share: Decimal, tolerance: Decimal) -> bool:
    """Whether `actual` of `n` is within `tolerance` of a “p% 左右” `share` (exact fractions)."""
    actual_share = Fraction(actual, n) if n else Fraction(0)
    return abs(actual_share - Fraction(share)) <= Fraction(tolerance)


def round_share(share: Decimal, n: int) -> int:
    from fenji.core.arith import half_up

    return int(half_up(share * n, 0))


# --- decisions and markers ------------------------------------------------------------------


def _decisions(frame, profile, decisions: list, problems: Problems, adjustments: list) -> None:
    from fenji.core.cells import normalize_name
    from fenji.core.match import Matcher
    from fenji.core.records import RosterEntry

    entries = [RosterEntry(frame.at[i, "编号"], frame.at[i, "名称"], frame.at[i, "单位"], None) for i in frame.index]
    matcher = Matcher(entries)
    position = {frame.at[i, "编号"]: i for i in frame.index}
    for decision in decisions:
        # forms.md: by 编号 when present, else by name; a decision changes a grade, so a 编号 that is
        # unknown, or names another subject than the 名称 beside it, is never guessed at
        entry, reason = matcher.find(decision.id) if decision.id else matcher.find("", decision.name)
        where = dict(
            file=decision.source.file,
            sheet=decision.source.sheet,
            cell=decision.source.cell,
            subject=decision.id or decision.name,
        )
        if (
            entry is not None
            and decision.id
            and decision.name
            and normalize_name(decision.name) != normalize_name(entry.name)
        ):
            problems.error(
                "decision-id-name-mismatch",
                f"决定调整表中编号 {decision.id} 是“{entry.name}”，但同一行的名称写的是"
                f"“{decision.name}”，无法确定是哪个对象，该决定未执行。请核对编号和名称。",
                **where,
            )
            continue
        if entry is None and reason == "ambiguous":  # villages have namesakes: the 编号 is needed
            ids = "、".join(e.id for e in matcher.ambiguous(decision.name))
            problems.error(
                "name-ambiguous",
                f"决定调整表中的“{decision.name}”没有填编号，而名册中有多个同名的对象（{ids}），"
                "该决定未执行。请填写编号。",
                **where,
            )
            continue
        if entry is None:
            problems.error(
                "decision-subject-unknown",
                f"决定调整表中的“{decision.id or decision.name}”在名册中找不到，该决定未执行。请核对编号或名称。",
                **where,
            )
            continue
        i = position[entry.id]
        before = frame.at[i, "等次"]
        frame.at[i, "等次"] = decision.grade
        if PENDING in frame.at[i, "markers"]:
            frame.at[i, "markers"].remove(PENDING)
            frame.at[i, "notes"].clear()
        marker = decision_marker(profile)
        frame.at[i, "markers"].append(marker)
        frame.at[i, "decision"] = decision
        adjustments.append(_adjustment(frame, i, before, decision.grade, marker, decision.reason, decision.meeting))


def _recheck_quotas(frame, profile, checks: list[QuotaCheck], problems: Problems) -> None:
    """After decisions: actual counts again; a decision that breaks a quota is allowed but warned."""
    exempt = frame["quota_exempt"].astype(bool) if "quota_exempt" in frame else pd.Series(False, index=frame.index)
    counted = frame[~frame["等次"].isin(NOT_COUNTED) & ~exempt]
    scopes = {key: list(group["等次"]) for key, group in counted.groupby(["单位", "类别"], sort=False)}
    c = profile.counter
    for check in checks:
        grades_in_scope = scopes.get((check.unit, check.category), [])
        actual = grades_in_scope.count(check.grade)
        check.actual = actual
        if check.kind == "cap":
            check.ok = actual <= check.allowed
        elif check.kind == "floor":
            check.ok = actual >= check.allowed
        else:  # about: a decision may bring the share within (or out of) the tolerance; the report says which
            check.ok = _within_about(actual, check.n, check.share, check.tolerance)
        if not check.ok and check.kind != "about":
            problems.warning(
                "decision-breaks-quota",
                f"{check.unit}{check.category}：{profile.decider}研究决定后{check.grade} {actual} {c}，"
                f"不符合“{check.label}”（{check.n} {c}的{'上限' if check.kind == 'cap' else '下限'}为 {check.allowed} {c}）。"
                "决定已执行，请在报告中说明。",
            )


def _critical(frame, profile: Profile) -> None:
    for i in frame.index:
        score = frame.at[i, "得分"]
        if score is not None and any(interval.contains(score) for interval in profile.critical):
            frame.at[i, "markers"].append(M_CRITICAL)


def _self_deviation(frame, profile: Profile) -> None:
    if "自评等次" not in frame:
        return
    limit = profile.self_evaluation["deviation"]
    for i in frame.index:
        grade_now, score = frame.at[i, "等次"], frame.at[i, "得分"]
        self_grade, self_score = frame.at[i, "自评等次"], frame.at[i, "自评得分"]
        if grade_now in (UNGRADED, PENDING, NOT_PARTICIPATING) or (not self_grade and self_score is None):
            continue
        differs = bool(self_grade) and self_grade != grade_now
        far = self_score is not None and score is not None and abs(self_score - score) >= limit
        if differs or far:
            frame.at[i, "markers"].append(M_SELF)


def _explain(row) -> str:
    parts = list(dict.fromkeys(row.markers))
    if row.等次 == UNGRADED:
        parts = list(row.missing) + parts
    return "；".join(parts)
