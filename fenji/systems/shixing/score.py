"""Stage 4 for `shixing` (西庆村 “十星” 创建, seed 002 第五篇): stars earned, stars to earn next year.

The town marks each village's ten stars 达标 / 未达标 on the 十星评定表. The 得分 is the number of
stars earned and the grade its band (`七星`); the stars missed are next year's 创建目标. Year on
year, last year's star count comes from the ledger (else the roster's 上年等次, e.g. `六星`, `6星`).
No quota; a village without a complete row is 未评定.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from fenji.core.history import History, LastGrade, last_grades
from fenji.core.match import Matcher
from fenji.core.merge import build_roster, collect, latest, match_records
from fenji.core.problems import Problems
from fenji.core.profiles import Profile, ProfileError
from fenji.core.records import FileResult, RosterEntry
from fenji.grading.subject import Scored

MISSING_STARS = "缺十星评定"
INCOMPLETE_STARS = "十星评定不完整"
NUMERALS = "零一二三四五六七八九十"
MET, NOT_MET = "达标", "未达标"


# --- profile ----------------------------------------------------------------------------------


def check_profile(checked: dict, grades: list[str], where: str) -> dict:
    """[ten_stars] of a shixing profile: the stars, the words for 达标 / 未达标, one band per count."""
    section = checked["ten_stars"]
    stars = [str(s).strip() for s in section["names"]]
    if not stars:
        raise ProfileError(f'规则配置 {where} 缺少 `ten_stars.names`（十颗星的名称，如 ["领导核心星", …]）。')
    if len(set(stars)) != len(stars) or not all(stars):
        raise ProfileError(f"规则配置 {where} 的 `ten_stars.names` 中有重复或空的名称。")
    met, not_met = [str(w) for w in section["met"]], [str(w) for w in section["not_met"]]
    if not met or not not_met or set(met) & set(not_met):
        raise ProfileError(
            f"规则配置 {where} 的 `ten_stars.met` 与 `ten_stars.not_met` 都不能为空，也不能有相同的写法。"
        )
    lows = sorted(int(b["low"]) for b in checked["bands"] if str(b["low"]).strip().isdigit())
    if lows != list(range(len(stars) + 1)):
        raise ProfileError(
            f"规则配置 {where} 的 `bands` 应为每个星数一个等次（low = {len(stars)}、{len(stars) - 1} … 0），"
            f"与 `ten_stars.names` 的 {len(stars)} 颗星对应。"
        )
    return {"stars": stars, "met": met, "not_met": not_met}


def star_count(text: str, profile: Profile) -> int | None:
    """`七星`, `七星村`, `7星`, `7`, `★★★` → 7 / 3; a band name too; None when unreadable."""
    raw = re.sub(r"\s+", "", str(text)).removesuffix("村").removesuffix("级")
    if raw in profile.grades:
        return _grade_count(raw, profile)
    if raw and set(raw) <= {"★", "☆"}:
        return raw.count("★")
    match = re.fullmatch(r"(\d+|[零一二三四五六七八九十]|十[一二三四五六七八九]?)星?", raw)
    if not match:
        return None
    token = match.group(1)
    count = int(token) if token.isdigit() else _chinese(token)
    return count if 0 <= count <= len(profile.rules["stars"]) else None


def _chinese(token: str) -> int:
    if token.startswith("十"):
        return 10 + (NUMERALS.index(token[1]) if len(token) > 1 else 0)
    return NUMERALS.index(token)


def _grade_count(grade_name: str, profile: Profile) -> int:
    return int(next(b.low for b in profile.bands if b.grade == grade_name))


def grade_of(count: int, profile: Profile) -> str:
    return next(b.grade for b in profile.bands if int(b.low) == count)


# --- scoring ----------------------------------------------------------------------------------


def score_shixing(
    results: list[FileResult], profile: Profile, problems: Problems, history: History | None = None
) -> Scored:
    """The subjects frame for `shixing`: 得分 = stars earned; the missed stars and last year's count beside."""
    roster = build_roster(results, problems)
    matcher = Matcher(roster)
    mtimes = {r.rel: r.mtime for r in results}
    by_row = match_records(collect(results, "ten_stars"), matcher, problems, "十星评定表")

    def normalise(typed: str) -> str | None:
        count = star_count(typed, profile)
        return None if count is None else grade_of(count, profile)

    last = last_grades(roster, history, profile, problems, normalise)
    rows = []
    for entry in roster:
        record = latest(by_row[entry.id], problems, "十星评定表", mtimes) if entry.id in by_row else None
        rows.append(_subject_row(entry, record, last.get(entry.id), profile))
    return Scored(
        pd.DataFrame(rows),
        roster,
        collect(results, "decisions"),
        superseded=[p.file for p in problems if p.code == "superseded"],
    )


def _subject_row(entry: RosterEntry, record, last: LastGrade | None, profile: Profile) -> dict:
    stars = profile.rules["stars"]
    row = {
        "编号": entry.id,
        "名称": entry.name,
        "单位": entry.unit,
        "类别": "",
        "党组织类型": entry.kind,
        "missing": [],
        "sources": {},
        "否决情形": "",
        "上年等次": last.grade if last else "",
        "上年等次来源": last.source if last else "",
        "达标星": [],
        "未达标星": [],
        "得分": None,
        **{star: "" for star in stars},
    }
    if record is None:
        row["missing"].append(MISSING_STARS)
        return row
    row["sources"]["十星评定"] = str(record.source)
    for star in stars:
        mark = record.marks.get(star)
        row[star] = "" if mark is None else MET if mark else NOT_MET
        if mark is not None:
            row["达标星" if mark else "未达标星"].append(star)
    if any(record.marks.get(star) is None for star in stars):
        row["missing"].append(INCOMPLETE_STARS)
        return row
    row["得分"] = Decimal(len(row["达标星"]))
    return row


# --- results columns --------------------------------------------------------------------------


def change_text(row: dict, profile: Profile) -> str:
    """Stars gained or lost since last year: `增2星`, `减1星`, `持平`; empty without both years.

    Words, not `+2`: a cell starting with + or - is a formula to Excel (and escaped in results.csv).
    """
    if row.get("得分") is None or row.get("得分") != row.get("得分") or not row.get("上年等次"):
        return ""
    before = _grade_count(row["上年等次"], profile)
    change = int(row["得分"]) - before
    return f"增{change}星" if change > 0 else f"减{-change}星" if change < 0 else "持平"


def result_columns(profile: Profile) -> list[str]:
    return profile.rules["stars"] + ["下年创建目标", "上年等次", "上年等次来源", "星数变化", "数据来源"]


def result_values(row: dict, profile: Profile) -> dict:
    values = {star: row.get(star) or "" for star in profile.rules["stars"]}
    graded = row.get("得分") is not None and row.get("得分") == row.get("得分")
    values["下年创建目标"] = "、".join(row.get("未达标星") or []) if graded else ""
    values["上年等次来源"] = row.get("上年等次来源") or ""
    values["星数变化"] = change_text(row, profile)
    return values
