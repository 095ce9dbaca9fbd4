"""Stage 4 for `wuhao` (seed 001, rules.md §8): the five goods, stars = criteria met, and the
movement since the previous rating (晋位 / 降位 / 保持五星).

The town scores four goods on the 星级考评评分表; 群众反映好 = 20 × 满意率 of the survey forms
(exact, not rounded before the test). A criterion is met at ≥ `met_at`. The grade is the number of
criteria met (`initial_grade`), capped at `weak_cap` for a 软弱涣散 organisation; a veto (the shared
grading) sets 一星. 得分 is the five criteria's total, rounded half up once.
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from fenji.core.arith import fewest_required, fmt_number, fmt_percent, half_up
from fenji.core.history import History, LastGrade, last_grades
from fenji.core.match import Matcher
from fenji.core.merge import build_roster, collect, latest, match_records
from fenji.core.problems import Problems
from fenji.core.profiles import Profile, ProfileError, number, parse_share
from fenji.core.records import FileResult, RosterEntry
from fenji.core.survey import subject_rate, subject_tallies
from fenji.core.validate import warn_typed_total
from fenji.grading import grade as grading
from fenji.grading.subject import Scored

MISSING_SHEET = "缺星级考评评分"
INCOMPLETE_SHEET = "星级考评评分不完整"
M_WEAK = "软弱涣散"
UP, DOWN, KEPT_FIVE, SAME = "晋位", "降位", "保持五星", "持平"
SHEET = "星级考评评分表"

SCHEMA = {
    "wuhao": (
        {
            "met_at": ((int, float, str), False, 16),
            "weak_cap": (str, False, "二星"),
            "service_target": ((int, float, str), False, "60%"),
            "success_target": ((int, float, str), False, "100%"),
            "periods": (list, False, ["年初", "年底"]),
            "default_period": (str, False, "年底"),
        },
        False,
        {},
    ),
}


# --- profile ----------------------------------------------------------------------------------


def check_profile(checked: dict, grades: list[str], where: str) -> dict:
    """[wuhao]: 达标 threshold, 软弱涣散 cap, targets, the two periods; one band per count of criteria met."""
    section = checked["wuhao"]
    criteria = [i["name"] for i in checked["indicators"]]
    if not criteria:
        raise ProfileError(f"规则配置 {where} 缺少 `indicators`（五个“好”的名称和分值）。")
    lows = sorted(int(b["low"]) for b in checked["bands"] if str(b["low"]).strip().isdigit())
    if lows != list(range(len(criteria) + 1)):
        raise ProfileError(
            f"规则配置 {where} 的 `bands` 应为每个达标项数一个等次（low = {len(criteria)} … 0），"
            f"与 `indicators` 的 {len(criteria)} 项对应。"
        )
    if section["weak_cap"] not in grades:
        raise ProfileError(f"规则配置 {where} 的 `wuhao.weak_cap` 为 {section['weak_cap']!r}，不是 `bands` 中的等次。")
    periods = [str(p).strip() for p in section["periods"]]
    if not periods or len(set(periods)) != len(periods) or not all(periods):
        raise ProfileError(f'规则配置 {where} 的 `wuhao.periods` 应为不重复的考评阶段名称，如 ["年初", "年底"]。')
    if section["default_period"] not in periods:
        raise ProfileError(f"规则配置 {where} 的 `wuhao.default_period` 应为 `wuhao.periods` 之一。")
    return {
        "met_at": number(section["met_at"], "wuhao.met_at", where),
        "weak_cap": section["weak_cap"],
        "service_target": parse_share(section["service_target"], "wuhao.service_target", where),
        "success_target": parse_share(section["success_target"], "wuhao.success_target", where),
        "periods": periods,
        "default_period": section["default_period"],
    }


def grade_of(count: int, profile: Profile) -> str:
    return next(b.grade for b in profile.bands if int(b.low) == count)


def count_of(grade_name: str, profile: Profile) -> int | None:
    return next((int(b.low) for b in profile.bands if b.grade == grade_name), None)


# --- scoring ----------------------------------------------------------------------------------


def score_wuhao(results: list[FileResult], profile: Profile, problems: Problems, history: History) -> Scored:
    """The subjects frame: the five goods, criteria met, the capped stars, the previous rating."""
    roster = build_roster(results, problems)
    matcher = Matcher(roster)
    mtimes = {r.rel: r.mtime for r in results}
    sheets = _this_period(collect(results, "star_scores"), history.current, problems)
    by_sheet = match_records(sheets, matcher, problems, SHEET)
    ballots = collect(results, "tallies")
    by_ballots = match_records([t for t in ballots if t.from_ballots], matcher, problems, "满意度测评表")
    by_summary = match_records([t for t in ballots if not t.from_ballots], matcher, problems, "测评汇总表")
    previous = last_grades(roster, history, profile, problems, label="上次星级")
    scored = Scored(pd.DataFrame(), roster, collect(results, "decisions"))
    rows = []
    for entry in roster:
        tally, summary = subject_tallies(entry, by_ballots, by_summary, problems, mtimes)
        if tally is not None:
            scored.tallies[entry.id] = tally
        if summary is not None:
            scored.summaries[entry.id] = summary
        record = latest(by_sheet[entry.id], problems, SHEET, mtimes) if entry.id in by_sheet else None
        row = _subject_row(entry, record, tally, previous.get(entry.id), profile, problems)
        _warn_down(row, history, profile, problems)
        rows.append(row)
    scored.subjects = pd.DataFrame(rows)
    scored.superseded = [p.file for p in problems if p.code == "superseded"]
    return scored


def _this_period(records: list, period: str, problems: Problems) -> list:
    """The score sheets of this run's period; a sheet of another period (or none typed) is an error, once
    per sheet, and its rows are not used: a 年初 score must never grade the 年底 rating."""
    kept, reported = [], set()
    for record in records:
        if record.period == period:
            kept.append(record)
            continue
        key = (record.source.file, record.source.sheet)
        if key not in reported:
            reported.add(key)
            typed = f"填写为“{record.period}”" if record.period else "未填写"
            problems.error(
                "period-mismatch",
                f"星级考评评分表的“考评阶段”{typed}，本次考评为 --period {period}；该表未使用。"
                f"请核对考评阶段，或用 --period {record.period or '年初/年底'} 重新运行。",
                file=record.source.file,
                sheet=record.source.sheet,
                cell=record.period_ref,
            )
    return kept


def _subject_row(entry: RosterEntry, record, tally, last: LastGrade | None, profile: Profile, problems) -> dict:
    criteria = [i.name for i in profile.indicators]
    row = {
        "编号": entry.id,
        "名称": entry.name,
        "单位": entry.unit,
        "类别": "",
        "党组织类型": entry.kind,
        "领域": (record.sector if record else "") or entry.sector or entry.kind,
        "missing": [],
        "sources": {},
        "否决情形": record.veto if record else "",
        "软弱涣散": bool(record and record.weak),
        "服务型": None if record is None else record.service,
        "整改措施": record.measures if record else "",
        "达标项": [],
        "未达标项": [],
        "得分": None,
        "stars": None,
        "initial_grade": "",
        "weak_capped": False,
        "上次星级": last.grade if last else "",
        "上次星级来源": last.source if last else "",
        "上次达标项": _met_before(last),
        **{name: None for name in criteria},
    }
    rate = subject_rate(entry, tally, profile, problems, row)
    if record is None:
        row["missing"].append(MISSING_SHEET)
        return row
    row["sources"][SHEET] = str(record.source)
    if record.veto:
        row["veto_source"] = str(record.source)
    total, complete = Fraction(0), True
    for indicator in profile.indicators:
        value = _criterion(indicator, record, rate, profile, problems, entry.id)
        row[indicator.name] = value
        if value is None:
            complete = False
            continue
        total += Fraction(value)
        row["达标项" if Fraction(value) >= Fraction(profile.rules["met_at"]) else "未达标项"].append(indicator.name)
    if any(record.scores.get(i.name) is None for i in profile.indicators if i.source == "score_sheet"):
        row["missing"].append(INCOMPLETE_SHEET)
    if row["missing"] or not complete:
        return row
    # the sheet's 合计 adds the columns it has: the four typed goods, and 群众反映好 when it carries one
    on_sheet = sum(
        (Fraction(row[i.name]) for i in profile.indicators if i.source != "satisfaction" or i.name in record.scores),
        Fraction(0),
    )
    warn_typed_total(record, on_sheet, profile, problems, entry.id, "合计", "本表各项得分")
    row["exact"] = total
    row["得分"] = half_up(total, profile.decimals)
    _stars(row, profile)
    return row


def _criterion(indicator, record, rate, profile: Profile, problems: Problems, subject: str):
    if indicator.source != "satisfaction":
        return record.scores.get(indicator.name)
    if rate is None:
        return None
    value = Fraction(indicator.max) * rate
    typed = record.scores.get(indicator.name)
    if typed is not None and abs(Fraction(typed) - value) > Fraction(profile.satisfaction["typed_tolerance"]):
        problems.warning(
            "survey-score-mismatch",
            f"星级考评评分表中“{indicator.name}”填写为 {fmt_number(typed)}，按满意度测评（满意率 "
            f"{fmt_percent(rate)}）计算为 {half_up(value, 2)}；以计算结果为准。",
            file=record.source.file,
            sheet=record.source.sheet,
            cell=record.refs.get(indicator.name, ""),
            subject=subject,
        )
    return value


def _stars(row: dict, profile: Profile) -> None:
    """Stars = criteria met; a 软弱涣散 organisation at most `weak_cap` (the veto is the grading's)."""
    stars = len(row["达标项"])
    cap = count_of(profile.rules["weak_cap"], profile)
    if row["软弱涣散"] and stars > cap:
        row["weak_capped"] = True
        stars = cap
    row["stars"] = stars
    row["initial_grade"] = grade_of(stars, profile)


def _met_before(last: LastGrade | None) -> list[str]:
    if last is None or last.record is None:
        return []
    text = last.record.details.get("达标项", "")
    return [name for name in text.split("、") if name]


def _warn_down(row: dict, history: History, profile: Profile, problems: Problems) -> None:
    """降位 (fewer stars than the previous rating): a warning naming the criteria lost, or the cap or veto."""
    if row["stars"] is None or not row["上次星级"]:
        return
    before = count_of(row["上次星级"], profile)
    now = count_of(profile.veto.get("grade"), profile) if row["否决情形"] else row["stars"]
    if before is None or now is None or now >= before:
        return
    lost = [name for name in row["上次达标项"] if name not in row["达标项"]]
    reasons = []
    if lost:
        reasons.append(f"失去：{'、'.join(lost)}")
    if row["weak_capped"]:
        reasons.append(f"软弱涣散，最高{profile.rules['weak_cap']}")
    if row["否决情形"]:
        reasons.append("一票否决")
    when = f"{history.year}年{history.period}" if history.period else f"{history.year}年"
    problems.warning(
        "rating-down",
        f"{row['名称']}（{row['编号']}）由{when}的{row['上次星级']}降为{grade_of(now, profile)}（降位）"
        f"{'：' + '；'.join(reasons) if reasons else ''}。",
        subject=row["编号"],
    )


# --- after grading: markers and the movement since the previous rating --------------------------


def after_grading(graded: grading.Graded, profile: Profile) -> grading.Graded:
    frame = graded.subjects
    frame["动态"] = ""
    for i in frame.index:
        if bool(frame.at[i, "软弱涣散"]):
            capped = bool(frame.at[i, "weak_capped"])
            frame.at[i, "markers"].append(f"{M_WEAK}，最高{profile.rules['weak_cap']}" if capped else M_WEAK)
        frame.at[i, "动态"] = movement(frame.at[i, "上次星级"], frame.at[i, "等次"], profile)
        if frame.at[i, "动态"] == DOWN:
            frame.at[i, "markers"].append(DOWN)
    frame["说明"] = [grading._explain(row) for row in frame.itertuples(index=False)]
    return graded


def movement(before: str, now: str, profile: Profile) -> str:
    """晋位 / 降位 / 保持五星 / 持平 against the previous rating; empty when either is not a star grade."""
    was, is_now = count_of(before or "", profile), count_of(now or "", profile)
    if was is None or is_now is None:
        return ""
    top = len(profile.indicators)
    if is_now > was:
        return UP
    if is_now < was:
        return DOWN
    return KEPT_FIVE if is_now == top else SAME


# --- results columns and run.json -------------------------------------------------------------


def result_columns(profile: Profile) -> list[str]:
    criteria = [i.name for i in profile.indicators]
    return (
        ["领域", "满意率"]
        + criteria
        + ["达标项", "整改目标", "软弱涣散", "否决情形", "服务型", "上次星级", "上次星级来源", "动态", "整改措施"]
        + ["数据来源"]
    )


def result_values(row: dict, profile: Profile) -> dict:
    graded = row.get("得分") is not None and row.get("得分") == row.get("得分")
    values = {i.name: _points(row.get(i.name)) for i in profile.indicators}
    values["满意率"] = fmt_percent(row["满意率"]) if row.get("满意率") is not None else ""
    values["达标项"] = "、".join(row.get("达标项") or []) if graded else ""
    values["整改目标"] = "、".join(row.get("未达标项") or []) if graded else ""
    values["软弱涣散"] = "是" if row.get("软弱涣散") else ""
    values["服务型"] = {True: "是", False: "否"}.get(row.get("服务型"), "")
    values["上次星级"] = row.get("上次星级") or ""
    values["上次星级来源"] = row.get("上次星级来源") or ""
    values["动态"] = row.get("动态") or ""
    values["领域"] = row.get("领域") or ""
    values["整改措施"] = row.get("整改措施") or ""
    return values


def _points(value) -> str:
    """A criterion as printed: typed scores as typed, 群众反映好 (a Fraction) to four places, half up, so
    that 15.996 (not 好: the test is on the exact value) never prints as 16."""
    if value is None or value != value:
        return ""
    return fmt_number(half_up(value, 4)) if isinstance(value, Fraction) else fmt_number(value)


def success_info(frame: pd.DataFrame, profile: Profile) -> dict:
    """晋位升级率 = (晋位 + 保持五星) / organisations graded in both ratings, with its counts and names."""
    compared = frame[frame["动态"].astype(str) != ""] if "动态" in frame else frame.iloc[0:0]
    counts = {label: int((compared["动态"] == label).sum()) for label in (UP, KEPT_FIVE, SAME, DOWN)}
    total = len(compared)
    success = counts[UP] + counts[KEPT_FIVE]
    rate = Fraction(success, total) if total else None
    target = profile.rules["success_target"]
    return {
        "比较对象": total,
        **counts,
        "晋位升级率": fmt_percent(rate) if rate is not None else "",
        "目标": fmt_percent(target, 0),
        "达到目标": bool(rate is not None and rate >= Fraction(target)),
        "晋位升级": [f"{r['编号']} {r['名称']}" for r in compared.to_dict("records") if r["动态"] in (UP, KEPT_FIVE)],
        "未晋位升级": [
            f"{r['编号']} {r['名称']}（{r['动态']}）" for r in compared.to_dict("records") if r["动态"] in (SAME, DOWN)
        ],
    }


def service_info(frame: pd.DataFrame, profile: Profile) -> dict:
    """服务型 share of the organisations graded (report only) against the target (60 % by 七一)."""
    graded = frame[frame["等次"] != grading.UNGRADED] if len(frame) else frame
    total = len(graded)
    service = int(sum(1 for v in graded["服务型"] if v is True)) if total else 0
    target = profile.rules["service_target"]
    share = Fraction(service, total) if total else None
    return {
        "对象": total,
        "服务型": service,
        "占比": fmt_percent(share) if share is not None else "",
        "目标": fmt_percent(target, 0),
        "达到目标": bool(share is not None and share >= Fraction(target)),
        "尚需": max(0, fewest_required(target, total) - service) if total else 0,
    }
