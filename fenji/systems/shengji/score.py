"""Stage 4 for `shengji` (村党组织分类升级, seed 000): two classes, and the lower one counts.

The 考核得分 is the township's 附件4 total: the sum of its indicator columns where they are filled
(a typed 总分 that differs is a warning), else the typed 总分 alone. The score is rounded once, half
up, and classed by `[classes].score`; the exact 满意率 (the same as dingji's) is classed by
`[classes].satisfaction`. The lower of the two is the initial grade (`initial_grade`), then
`fenji.grading.grade` applies the veto (→ 后进) and committee decisions; there is no quota.
Scores and 满意率 on a class boundary (70, 90; 70 %, 90 %) are marked 临界 after grading.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd

from fenji.core.arith import fmt_number, fmt_percent, half_up, to_decimal
from fenji.core.history import History, LastGrade, last_grades
from fenji.core.match import Matcher
from fenji.core.merge import build_roster, collect, latest, match_records
from fenji.core.problems import Problems
from fenji.core.profiles import Interval, Profile, ProfileError, parse_interval, parse_share
from fenji.core.records import FileResult, RosterEntry, ScoreRow
from fenji.core.survey import subject_rate, subject_tallies
from fenji.core.validate import warn_typed_total
from fenji.forms.score_sheet import INCOMPLETE_SCORES, MISSING_SCORES
from fenji.grading import grade as grading
from fenji.grading.subject import Scored

SCORE_KEY, RATE_KEY = "classes.score", "classes.satisfaction"
RESULT_COLUMNS = [
    "考核得分",
    "满意率",
    "有效票",
    "分数等次",
    "满意率等次",
    "初定等次",
    "否决情形",
    "上年等次",
    "上年等次来源",
    "升级目标",
]


# --- profile ----------------------------------------------------------------------------------


def check_profile(checked: dict, grades: list[str], where: str) -> dict:
    """[classes] and [year_on_year] of a shengji profile, parsed; mistakes name the key."""
    classes = checked["classes"]
    score = _classes(classes["score"], SCORE_KEY, grades, where)
    rate = _classes(classes["satisfaction"], RATE_KEY, grades, where)
    for grade_name in classes["goals"]:
        if grade_name not in grades:
            raise ProfileError(
                f"规则配置 {where} 的 `classes.goals.{grade_name}` 不是 bands 中的等次（{'、'.join(grades)}）。"
            )
    return {
        "score_classes": score,
        "rate_classes": rate,
        "goals": {str(k): str(v) for k, v in classes["goals"].items()},
        "year_on_year": parse_year_on_year(checked["year_on_year"], grades, where),
    }


def _classes(table: dict, key: str, grades: list[str], where: str) -> list[tuple[str, Interval]]:
    """Every grade's interval, e.g. 中间 = "(70,90)"; together they must cover [0, 100] once."""
    missing = [g for g in grades if g not in table]
    if missing:
        raise ProfileError(f'规则配置 {where} 缺少 `{key}.{missing[0]}`：每个等次都要有区间，如 "[90,100]"。')
    unknown = [g for g in table if g not in grades]
    if unknown:
        raise ProfileError(f"规则配置 {where} 的 `{key}.{unknown[0]}` 不是 bands 中的等次（{'、'.join(grades)}）。")
    parsed = [(g, parse_interval(table[g], f"{key}.{g}", where)) for g in grades]
    _check_cover(parsed, key, where)
    return parsed


def _check_cover(parsed: list[tuple[str, Interval]], key: str, where: str) -> None:
    ordered = sorted(parsed, key=lambda item: (item[1].low, not item[1].low_closed))
    first, last = ordered[0][1], ordered[-1][1]
    if not (first.low == 0 and first.low_closed and last.high == 100 and last.high_closed):
        raise ProfileError(f"规则配置 {where} 的 `{key}` 各区间合起来应正好覆盖 [0,100]（百分数或分数）。")
    for (g1, a), (g2, b) in zip(ordered, ordered[1:]):
        if a.high != b.low or a.high_closed == b.low_closed:
            word = "重叠" if a.high > b.low or (a.high == b.low and a.high_closed and b.low_closed) else "之间有空隙"
            raise ProfileError(
                f"规则配置 {where} 的 `{key}.{g1}` 与 `{key}.{g2}` {word}：区间应首尾相接，"
                f'交界值只属于其中一个（如 "(70,90)" 与 "[90,100]"）。'
            )


def parse_year_on_year(table: dict, grades: list[str], where: str) -> dict:
    """[year_on_year]: which grades the 提升率 and 转化率 count, and their targets."""
    for key in ("promotion_from", "promotion_to", "conversion_from"):
        if table[key] not in grades:
            raise ProfileError(f"规则配置 {where} 的 `year_on_year.{key}` 为 {table[key]!r}，不是 bands 中的等次。")
    return {
        **table,
        "promotion_target": parse_share(table["promotion_target"], "year_on_year.promotion_target", where),
        "conversion_target": parse_share(table["conversion_target"], "year_on_year.conversion_target", where),
    }


def class_of(value: Fraction, classes: list[tuple[str, Interval]]) -> str:
    """The grade whose interval holds `value` (exact comparison)."""
    for grade_name, interval in classes:
        if _inside(value, interval):
            return grade_name
    return classes[-1][0]


def _inside(value: Fraction, interval: Interval) -> bool:
    low, high = Fraction(interval.low), Fraction(interval.high)
    above = value >= low if interval.low_closed else value > low
    below = value <= high if interval.high_closed else value < high
    return above and below


def boundaries(classes: list[tuple[str, Interval]]) -> list[Decimal]:
    """The inner class boundaries (70, 90): values on them are marked 临界."""
    edges = {i.low for _, i in classes} | {i.high for _, i in classes}
    return sorted(e for e in edges if 0 < e < 100)


# --- scoring ----------------------------------------------------------------------------------


def score_shengji(
    results: list[FileResult], profile: Profile, problems: Problems, history: History | None = None
) -> Scored:
    """The subjects frame for `shengji`: 考核得分, 满意率, both classes, the lower as `initial_grade`."""
    roster = build_roster(results, problems)
    matcher = Matcher(roster)
    mtimes = {r.rel: r.mtime for r in results}
    tallies = collect(results, "tallies")
    by_ballots = match_records([t for t in tallies if t.from_ballots], matcher, problems, "满意度测评表")
    by_summary = match_records([t for t in tallies if not t.from_ballots], matcher, problems, "测评汇总表")
    by_scores = match_records(collect(results, "scores"), matcher, problems, "评分定级表")
    last = last_grades(roster, history, profile, problems)
    scored = Scored(pd.DataFrame(), roster, collect(results, "decisions"))
    rows = []
    for entry in roster:
        tally, summary = subject_tallies(entry, by_ballots, by_summary, problems, mtimes)
        if tally is not None:
            scored.tallies[entry.id] = tally
        if summary is not None:
            scored.summaries[entry.id] = summary
        score_row = latest(by_scores[entry.id], problems, "评分定级表", mtimes) if entry.id in by_scores else None
        rows.append(_subject_row(entry, tally, score_row, last.get(entry.id), profile, problems))
    scored.subjects = pd.DataFrame(rows)
    scored.superseded = [p.file for p in problems if p.code == "superseded"]
    return scored


def _subject_row(
    entry: RosterEntry, tally, score_row: ScoreRow | None, last: LastGrade | None, profile: Profile, problems: Problems
) -> dict:
    row = {
        "编号": entry.id,
        "名称": entry.name,
        "单位": entry.unit,
        "类别": "",
        "党组织类型": entry.kind,
        "上年等次": last.grade if last else "",
        "上年等次来源": last.source if last else "",
        "missing": [],
        "sources": {},
        "否决情形": "",
        "veto_source": "",
        "rate_critical": [],
        **{i.name: None for i in profile.indicators},
    }
    rate = subject_rate(entry, tally, profile, problems, row)
    exact = _score(entry, score_row, profile, problems, row)
    row["exact"] = exact
    row["考核得分"] = half_up(exact, profile.decimals) if exact is not None else None
    row["得分"] = row["考核得分"] if not row["missing"] else None  # 得分 is empty when not graded
    rules = profile.rules
    row["分数等次"] = class_of(Fraction(row["考核得分"]), rules["score_classes"]) if exact is not None else ""
    row["满意率等次"] = class_of(rate * 100, rules["rate_classes"]) if rate is not None else ""
    if rate is not None:
        shown = half_up(rate * 100, 1)  # as printed: 89.96 % shows as 90.0 %, on the boundary too
        row["rate_critical"] = [b for b in boundaries(rules["rate_classes"]) if shown == b]
    lower = [g for g in (row["分数等次"], row["满意率等次"]) if g]
    row["initial_grade"] = max(lower, key=profile.grades.index) if len(lower) == 2 else ""
    return row


def _score(entry, score_row: ScoreRow | None, profile: Profile, problems: Problems, row: dict) -> Fraction | None:
    """The sum of the indicator columns when all are filled, else the typed 总分; None (未评定) otherwise."""
    if score_row is None:
        row["missing"].append(MISSING_SCORES)
        return None
    row["否决情形"] = score_row.veto
    row["veto_source"] = str(score_row.source.at(score_row.veto_ref))
    filled = {i.name: score_row.scores[i.name] for i in profile.indicators if score_row.scores.get(i.name) is not None}
    for name, value in filled.items():
        row[name] = value
        row["sources"][name] = str(score_row.source.at(score_row.refs.get(name, "")))
    if profile.indicators and len(filled) == len(profile.indicators):
        total = sum((Fraction(v) for v in filled.values()), Fraction(0))
        warn_typed_total(score_row, total, profile, problems, entry.id, "总分", "各项指标得分", "以各项之和为准")
        return total
    return _typed_total(entry, score_row, filled, profile, problems, row)


def _typed_total(entry, score_row: ScoreRow, filled: dict, profile: Profile, problems: Problems, row: dict):
    where = dict(
        file=score_row.source.file,
        sheet=score_row.source.sheet,
        cell=score_row.refs.get("总分", score_row.source.cell),
        subject=entry.id,
    )
    total = score_row.typed_total
    maximum = sum((i.max for i in profile.indicators), Decimal(0)) or Decimal(100)
    if total is None:
        row["missing"].append(INCOMPLETE_SCORES)
        return None
    if not Decimal(0) <= total <= maximum:
        problems.error(
            "score-out-of-range",
            f"总分 {fmt_number(total)} 超出范围，应在 0 到 {maximum} 分之间。请核对后改正。",
            **where,
        )
        row["missing"].append(INCOMPLETE_SCORES)
        return None
    if filled:
        problems.notice(
            "indicators-partial",
            f"评分定级表只填了部分指标得分（{'、'.join(filled)}），按填写的总分 {fmt_number(total)} 计算考核得分。",
            **where,
        )
    row["sources"]["总分"] = str(score_row.source.at(where["cell"]))
    return Fraction(to_decimal(total))


# --- after grading, and the results columns ---------------------------------------------------


def after_grading(graded: grading.Graded, profile: Profile) -> grading.Graded:
    """Mark 临界 where the 满意率 (as printed) lies on a class boundary; the score's are in `critical`."""
    frame = graded.subjects
    for i in frame.index:
        if (
            frame.at[i, "rate_critical"]
            and grading.M_CRITICAL not in frame.at[i, "markers"]
            and frame.at[i, "等次"] != grading.UNGRADED
        ):
            frame.at[i, "markers"].append(grading.M_CRITICAL)
    frame["说明"] = [grading._explain(row) for row in frame.itertuples(index=False)]
    return graded


def critical_reasons(row: dict, profile: Profile) -> list[str]:
    """Why a subject is 临界, in words (for the report)."""
    reasons = [
        f"考核得分恰为 {fmt_number(b)} 分"
        for b in boundaries(profile.rules["score_classes"])
        if row.get("得分") is not None and row["得分"] == b
    ]
    reasons += [
        f"满意率为 {fmt_percent(row['满意率'])}，在 {fmt_number(b)}% 的分界上" for b in row.get("rate_critical") or []
    ]
    return reasons


def goal(grade_name: str, profile: Profile) -> str:
    """Next year's 升级目标 for a subject with this grade (empty when not graded)."""
    return profile.rules["goals"].get(grade_name, "")


def result_columns(profile: Profile) -> list[str]:
    return RESULT_COLUMNS + [i.name for i in profile.indicators] + ["数据来源"]


def result_values(row: dict, profile: Profile) -> dict:
    from fenji.core.arith import fmt_decimal

    d = profile.decimals
    values = {
        "考核得分": fmt_decimal(row.get("考核得分"), d),
        "分数等次": row.get("分数等次") or "",
        "满意率等次": row.get("满意率等次") or "",
        "上年等次来源": row.get("上年等次来源") or "",
        "升级目标": goal(row["等次"], profile),
    }
    for indicator in profile.indicators:
        values[indicator.name] = fmt_decimal(row.get(indicator.name), d)
    return values
