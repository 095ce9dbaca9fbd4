"""Stage 4 for `gongxin` (村（社区）“两委”班子公信度调查, seed 003 五之五; rules.md §7).

Respondents of five categories rate the 班子 as a whole and each 两委 member 信任 / 基本信任 / 不信任 /
不了解. 公信度 = (信任 + 基本信任) / valid, valid = 信任 + 基本信任 + 不信任, exact (Fraction), per
subject overall and per category; a profile may weight categories (default: every ballot once).
The 得分 is the 公信度 in percent rounded half up once (83.3); the flags are the profile's bands.
Fewer valid ballots than `min_valid` → 样本不足 (得分 empty, not flagged). No quotas.

One subject row per 两委 member and one per 班子 (编号 `<village prefix>-班子`, 名称 `班子整体`); the
village's ballots (调查表) win over its typed tallies (汇总表). Year on year from the ledger: last
year's 公信度 and flag, the change in percentage points, and a cadre flagged again.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd

from fenji.core.arith import fmt_percent, half_up, to_decimal
from fenji.core.cells import normalize_name, parse_percent, squash
from fenji.core.history import History
from fenji.core.merge import collect, latest, report_repeats, unique_entries
from fenji.core.problems import Problems, RosterMissing
from fenji.core.profiles import Profile, ProfileError, number
from fenji.forms.trust import TEAM_ID, TEAM_NAME, CadreEntry, TrustSubject, TrustTally
from fenji.grading.grade import UNGRADED
from fenji.grading.subject import Scored

MISSING_SURVEY = "缺公信度调查"
MISSING_COLUMN = "调查表中没有该成员的栏目"
TEAM_POST = "班子"


# --- profile ----------------------------------------------------------------------------------


def check_profile(checked: dict, grades: list[str], where: str) -> dict:
    """[gongxin] of a profile: categories, options, which options trust and distrust, min_valid, weights."""
    section = checked["gongxin"]
    categories = [str(c).strip() for c in section["categories"]]
    options = [str(o).strip() for o in section["options"]]
    trusted, distrusted = [str(o) for o in section["trusted"]], [str(o) for o in section["distrusted"]]
    if not categories or len(set(categories)) != len(categories) or not all(categories):
        raise ProfileError(f"规则配置 {where} 的 `gongxin.categories` 不能为空，也不能有重复或空的类别。")
    if len(set(options)) != len(options) or not all(options):
        raise ProfileError(f"规则配置 {where} 的 `gongxin.options` 中有重复或空的选项。")
    for key, words in (("trusted", trusted), ("distrusted", distrusted)):
        if not words or any(w not in options for w in words):
            raise ProfileError(
                f"规则配置 {where} 的 `gongxin.{key}` 不能为空，且每项都须是 `gongxin.options` 中的选项。"
            )
    if set(trusted) & set(distrusted):
        raise ProfileError(f"规则配置 {where} 的 `gongxin.trusted` 与 `gongxin.distrusted` 不能有相同的选项。")
    if section["min_valid"] < 0:
        raise ProfileError(f"规则配置 {where} 的 `gongxin.min_valid` 应为非负整数（有效票少于此数为样本不足）。")
    weights = {}
    for category, value in section["weights"].items():
        if category not in categories:
            raise ProfileError(
                f"规则配置 {where} 的 `gongxin.weights` 中的“{category}”不是 `gongxin.categories` 中的类别。"
            )
        weight = number(value, f"gongxin.weights.{category}", where)
        if weight < 0:
            raise ProfileError(f"规则配置 {where} 的 `gongxin.weights.{category}` 不能为负数。")
        weights[category] = weight
    insufficient = str(section["insufficient"]).strip()
    if not insufficient or insufficient in grades:
        raise ProfileError(f"规则配置 {where} 的 `gongxin.insufficient` 不能为空，也不能与 `bands` 的等次同名。")
    if len(grades) < 2:
        raise ProfileError(f"规则配置 {where} 的 `bands` 至少要有两个等次（正常和甄别）。")
    return {
        "categories": categories,
        "options": options,
        "trusted": trusted,
        "distrusted": distrusted,
        "min_valid": int(section["min_valid"]),
        "weights": {c: weights.get(c, Decimal(1)) for c in categories},
        "weighted": bool(weights) and any(w != 1 for w in weights.values()),
        "insufficient": insufficient,
        "screening": grades[-1],  # the lowest band: the 甄别名单
        "flagged": grades[1:],  # every band below the top one
    }


# --- figures ----------------------------------------------------------------------------------


def category_figures(counts: dict[str, int], rules: dict) -> tuple[int, int, int]:
    """(trusted, distrusted, not valid) ballots of one category's counts."""
    trusted = sum(counts.get(o, 0) for o in rules["trusted"])
    distrusted = sum(counts.get(o, 0) for o in rules["distrusted"])
    other = sum(n for o, n in counts.items() if o not in rules["trusted"] and o not in rules["distrusted"])
    return trusted, distrusted, other


def trust_rate(subject: TrustSubject, rules: dict) -> tuple[Fraction | None, int]:
    """(公信度 weighted by category, valid ballots unweighted); None when no valid ballot weighs anything."""
    numerator = denominator = Fraction(0)
    valid = 0
    for category in rules["categories"]:
        trusted, distrusted, _ = category_figures(subject.counts.get(category, {}), rules)
        weight = Fraction(rules["weights"][category])
        numerator += weight * trusted
        denominator += weight * (trusted + distrusted)
        valid += trusted + distrusted
    return (numerator / denominator if denominator else None), valid


def category_rate(subject: TrustSubject, category: str, rules: dict) -> Fraction | None:
    trusted, distrusted, _ = category_figures(subject.counts.get(category, {}), rules)
    return Fraction(trusted, trusted + distrusted) if trusted + distrusted else None


# --- scoring ----------------------------------------------------------------------------------


def build_cadres(results, problems: Problems) -> list[CadreEntry]:
    entries, repeats = unique_entries(collect(results, "cadre_roster"))
    report_repeats(entries, repeats, problems, "已按首次出现的记录处理，请删除重复行。")
    if not entries:
        raise RosterMissing(
            "没有找到两委班子成员名册（标题含“两委班子成员名册”的工作表），无法确定调查对象。请把名册放入收件文件夹。"
        )
    return list(entries.values())


def team_id(members: list[CadreEntry]) -> str:
    """The 班子's 编号: its members' village prefix (`JS01-1` → `JS01`) and `-班子`."""
    prefixes = [m.id.rsplit("-", 1)[0] for m in members if "-" in m.id]
    prefix = max(set(prefixes), key=prefixes.count) if prefixes else members[0].unit
    return f"{prefix}-{TEAM_ID}"


def score_gongxin(results, profile: Profile, problems: Problems, history: History | None = None) -> Scored:
    cadres = build_cadres(results, problems)
    villages: dict[str, list[CadreEntry]] = {}
    for entry in cadres:
        villages.setdefault(entry.unit, []).append(entry)
    tallies = _tallies_by_village(results, villages, problems)
    kept = history.kept if history is not None else {}
    rows = []
    for village, members in villages.items():
        tally = tallies.get(village)
        found = _assign(tally, village, members, problems) if tally is not None else {}
        team = team_id(members)
        rows.append(_row(team, TEAM_NAME, village, members[0].town, TEAM_POST, tally, found.get(TEAM_ID), profile))
        for m in members:
            rows.append(_row(m.id, m.name, village, m.town, m.post, tally, found.get(m.id), profile))
    for row in rows:
        _last_year(row, kept.get(row["编号"]))
    return Scored(pd.DataFrame(rows), [], collect(results, "decisions"), superseded=[])


def _tallies_by_village(results, villages: dict, problems: Problems) -> dict[str, TrustTally]:
    """Each roster village's tally: its ballots (the latest resubmission) else its 汇总表 row set."""
    by_key = {normalize_name(v): v for v in villages}
    mtimes = {r.rel: r.mtime for r in results}
    grouped: dict[str, list[TrustTally]] = {}
    for tally in collect(results, "trust"):
        village = by_key.get(normalize_name(tally.village))
        if village is None:
            problems.error(
                "trust-village-unknown",
                f"“{tally.village}”不在两委班子成员名册的“所属村（社区）”中（名册中有：{'、'.join(list(villages)[:8])}）。"
                "请核对表头的村（社区）名称。",
                file=tally.source.file,
                sheet=tally.source.sheet,
                cell=tally.source.cell,
                subject=tally.village,
            )
            continue
        grouped.setdefault(village, []).append(tally)
    chosen = {}
    for village, found in grouped.items():
        ballots = [t for t in found if t.from_ballots]
        pool = ballots or found
        for typed in (t for t in found if ballots and not t.from_ballots):
            problems.notice(
                "trust-summary-ignored",
                f"{village}既报送了公信度调查表（选票），又报送了调查汇总表；按选票计算，汇总表未使用。",
                file=typed.source.file,
                sheet=typed.source.sheet,
                cell=typed.source.cell,
                subject=village,
            )
        chosen[village] = latest(pool, problems, "公信度调查表" if ballots else "公信度调查汇总表", mtimes)
    return chosen


def _assign(tally: TrustTally, village: str, members: list[CadreEntry], problems: Problems) -> dict:
    """The form's subjects → roster ids: the 班子; a member by 编号, else by name (and 职务 for namesakes)."""
    by_id = {squash(m.id): m for m in members}
    where = dict(file=tally.source.file, sheet=tally.source.sheet)
    found: dict[str, TrustSubject] = {}
    for subject in tally.subjects:
        if subject.is_team:
            found[TEAM_ID] = subject
            continue
        member = by_id.get(squash(subject.id)) if subject.id else None
        if member is None:
            same = [m for m in members if normalize_name(m.name) == normalize_name(subject.name)]
            if len(same) > 1 and subject.post:
                same = [m for m in same if squash(m.post) == squash(subject.post)] or same
            if len(same) > 1:
                ids = "、".join(f"{m.id}（{m.post}）" for m in same)
                problems.error(
                    "trust-member-ambiguous",
                    f"“{subject.name}”在{village}的两委名册中有 {len(same)} 人同名（{ids}），无法确定这一栏是谁。"
                    f"请在表头写明编号，如“{subject.name}（{same[0].id}）”。",
                    cell=subject.ref,
                    subject=village,
                    **where,
                )
                continue
            member = same[0] if same else None
        if member is None:
            names = "、".join(m.name for m in members)
            problems.error(
                "trust-member-not-in-roster",
                f"“{subject.name}”不在{village}的两委班子成员名册中（名册中的成员：{names}），这一栏不计。"
                "请核对姓名，或先把该成员补入名册。",
                cell=subject.ref,
                subject=village,
                **where,
            )
            continue
        found[member.id] = subject
    for m in members:
        if m.id not in found:
            problems.warning(
                "trust-member-missing",
                f"{village}的{tally.source.file}中没有“{m.name}”（{m.id}，{m.post}）的栏目，该成员未评定。"
                "请补上该成员的调查栏后重新报送。",
                cell=tally.source.cell,
                subject=m.id,
                **where,
            )
    if TEAM_ID not in found:
        problems.warning(
            "trust-member-missing",
            f"{village}的{tally.source.file}中没有“{TEAM_NAME}”栏（行），班子整体未评定。",
            cell=tally.source.cell,
            subject=village,
            **where,
        )
    return found


def _row(ident, name, village, town, post, tally, subject, profile: Profile) -> dict:
    rules = profile.rules
    row = {
        "编号": ident,
        "名称": name,
        "单位": village,
        "类别": post,
        "乡镇": town,
        "missing": [],
        "sources": {},
        "得分": None,
        "公信度": None,
        "有效票": None,
        "counts": {},
        "category_rates": {},
        "不信任率": None,
        "insufficient": False,
    }
    if tally is None:
        row["missing"].append(MISSING_SURVEY)
        return row
    if subject is None:
        row["missing"].append(MISSING_COLUMN)
        return row
    row["sources"]["公信度调查" if tally.from_ballots else "公信度调查汇总"] = str(tally.source)
    totals = {o: sum(subject.counts.get(c, {}).get(o, 0) for c in rules["categories"]) for o in rules["options"]}
    totals["无效"] = sum(subject.invalid.values())
    row["counts"] = totals
    row["category_rates"] = {c: category_rate(subject, c, rules) for c in rules["categories"]}
    rate, valid = trust_rate(subject, rules)
    row["有效票"] = valid
    distrusted = sum(totals[o] for o in rules["distrusted"])
    row["不信任率"] = Fraction(distrusted, valid) if valid else None
    if rate is None or valid < rules["min_valid"]:
        row["insufficient"] = True
        row["missing"].append(f"有效票{valid}张，少于{rules['min_valid']}张")
        return row
    row["公信度"] = rate
    row["得分"] = half_up(rate * 100, profile.decimals)
    return row


# --- year on year -----------------------------------------------------------------------------


def _last_year(row: dict, record) -> None:
    """Last year's printed 公信度 and flag from the ledger (same 编号, this profile)."""
    row["上年得分"] = record.score if record is not None else ""
    row["上年等次"] = record.grade if record is not None else ""


def change_text(row: dict, profile: Profile) -> str:
    """The change of 公信度 since last year in percentage points: `上升2.1个百分点`, `下降…`, `持平`."""
    now, before = row.get("得分"), parse_percent(row.get("上年得分") or "")
    if now is None or now != now or before is None:
        return ""
    change = to_decimal(now) - half_up(before * 100, profile.decimals)
    places = f"{abs(change):.{profile.decimals}f}"
    return f"上升{places}个百分点" if change > 0 else f"下降{places}个百分点" if change < 0 else "持平"


def flagged_again(row: dict, profile: Profile) -> str:
    """`连续两年被标记` when this year's flag and last year's are both below 正常 (甄别 / 提醒谈话)."""
    flagged = profile.rules["flagged"]
    if row.get("等次") in flagged and row.get("上年等次") in flagged:
        return f"连续两年被标记（上年{row['上年等次']}）"
    return ""


# --- after grading, results columns ------------------------------------------------------------


def after_grading(graded, profile: Profile):
    """A subject with too few valid ballots is 样本不足, not 未评定 (it was surveyed)."""
    frame = graded.subjects
    word = profile.rules["insufficient"]
    for i in frame.index:
        if frame.at[i, "insufficient"] and frame.at[i, "等次"] == UNGRADED:
            frame.at[i, "等次"] = word
            frame.at[i, "初定等次"] = word
    return graded


def percent(value: Decimal | None) -> str:
    """The 得分 as printed: `83.3%`."""
    return "" if value is None or value != value else f"{value}%"


def result_columns(profile: Profile) -> list[str]:
    rules = profile.rules
    rates = [f"{c}公信度" for c in rules["categories"]]
    return (
        ["乡镇", "有效票"]
        + rules["options"]
        + ["无效票", "不信任率"]
        + rates
        + ["上年得分", "上年等次", "公信度变化", "连续标记", "数据来源"]
    )


def result_values(row: dict, profile: Profile) -> dict:
    rules = profile.rules
    counts = row.get("counts") or {}
    surveyed = bool(counts)
    values = {
        "得分": percent(row.get("得分")),
        "乡镇": row.get("乡镇") or "",
        "有效票": str(int(row["有效票"])) if surveyed else "",
        "无效票": str(counts.get("无效", 0)) if surveyed else "",
        "不信任率": fmt_percent(row.get("不信任率")) if surveyed else "",
        "上年得分": row.get("上年得分") or "",
        "上年等次": row.get("上年等次") or "",
        "公信度变化": change_text(row, profile),
        "连续标记": flagged_again(row, profile),
    }
    for option in rules["options"]:
        values[option] = str(counts.get(option, 0)) if surveyed else ""
    for category in rules["categories"]:
        values[f"{category}公信度"] = fmt_percent((row.get("category_rates") or {}).get(category))
    return values


def run_info(outcome) -> dict:
    """run.json's `公信度`: per town, the flags of 班子 and members, and the villages whose 班子 is flagged."""
    profile = outcome.profile
    flagged = profile.rules["flagged"]
    towns: dict[str, dict] = {}
    for row in outcome.graded.subjects.to_dict("records"):
        town = towns.setdefault(str(row["乡镇"]), {"班子": {}, "成员": {}, "班子被标记": []})
        who = "班子" if row["类别"] == TEAM_POST else "成员"
        town[who][row["等次"]] = town[who].get(row["等次"], 0) + 1
        if who == "班子" and row["等次"] in flagged:
            town["班子被标记"].append(str(row["单位"]))
    return {"公信度": towns}
