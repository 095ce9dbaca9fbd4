"""Rule profiles: built-in TOML files, validated on load with messages that name the key.

No grading constant lives in code: every number of rules.md is a profile setting.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path

from fenji.arith import to_decimal
from fenji.problems import FatalError

BUILTIN = ("dingji", "shengji", "xingji-daan", "xingji-dashui", "shixing")
SYSTEMS = ("dingji", "xingji", "shengji", "shixing")  # scoring systems implemented; other profiles add theirs
STAR_SYSTEMS = ("xingji",)      # 星级评定 of persons and households (xingji-daan, xingji-dashui)
STAR_COLUMNS = {"群众评议", "领导小组评议"}  # frame columns a star profile may name as tie-breakers


class ProfileError(FatalError):
    """A profile that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Band:
    grade: str
    low: Decimal


@dataclass(frozen=True)
class Indicator:
    name: str
    max: Decimal
    source: str


@dataclass(frozen=True)
class Quota:
    grade: str
    kind: str  # cap | floor | about
    share: Decimal
    category: str = ""
    tolerance: Decimal = Decimal("0.05")


@dataclass(frozen=True)
class Interval:
    """A closed/open interval written like `[60,60]` or `(89,90)`."""

    low: Decimal
    high: Decimal
    low_closed: bool
    high_closed: bool

    def contains(self, value: Decimal) -> bool:
        above = value >= self.low if self.low_closed else value > self.low
        below = value <= self.high if self.high_closed else value < self.high
        return above and below


@dataclass
class Profile:
    """A validated rule profile. `raw` keeps the TOML as loaded, for `profiles show` and run.json."""

    name: str
    title: str
    system: str
    subject: str
    unit: str
    decimals: int
    bands: list[Band]
    critical: list[Interval]
    indicators: list[Indicator]
    quotas: list[Quota]
    tie_breakers: list[str]
    satisfaction: dict
    veto: dict
    cross_condition: dict
    self_evaluation: dict
    totals: dict
    notice: dict
    source: str
    sha256: str
    text: str
    raw: dict = field(repr=False, default_factory=dict)
    stars: dict = field(default_factory=dict)   # the parsed [stars] table (star systems only)
    rules: dict = field(default_factory=dict)   # shengji [classes] / shixing [ten_stars], [year_on_year], parsed
    limits: dict = field(default_factory=dict)  # [limits]: per-file resource bounds (None = fenji.workbook.Limits default)

    @property
    def grades(self) -> list[str]:
        return [band.grade for band in self.bands]

    @property
    def lowest_grade(self) -> str:
        return self.bands[-1].grade

    def indicator(self, name: str) -> Indicator:
        return next(i for i in self.indicators if i.name == name)


# --- schema ---------------------------------------------------------------------------------
# (type, required, default); a dict value is a nested table; [dict] is an array of tables.

_NUMBER = (int, float, str)
_BAND = {"grade": (str, True, None), "low": (_NUMBER, True, None)}
_INDICATOR = {"name": (str, True, None), "max": (_NUMBER, True, None),
              "source": (str, True, None)}
_QUOTA = {"grade": (str, True, None), "kind": (str, True, None), "share": (_NUMBER, True, None),
          "category": (str, False, ""), "tolerance": (_NUMBER, False, "5%")}
_STAR_ITEM = {"name": (str, True, None), "max": (_NUMBER, True, None), "categories": (list, False, [])}
_STAR_TARGET = {"unit": (str, False, ""), "category": (str, True, None), "at_least": (str, True, None),
                "share": (_NUMBER, True, None)}
_STARS = {
    "categories": (list, False, []),
    "public_weight": (_NUMBER, False, "1"),
    "panel_weight": (_NUMBER, False, "0"),
    "min_public_scores": (int, False, 1),
    "score_max": (_NUMBER, False, 100),
    "panel_required": (bool, False, False),
    "review": (bool, False, False),
    "reject_words": (list, False, ["不同意"]),
    "items": ([_STAR_ITEM], False, []),
    "eligibility": (dict, False, {}),
    "lifetime_before": (str, False, ""),
    "targets": ([_STAR_TARGET], False, []),
    "card_months": (int, False, 6),
    "card_title": (str, False, "五星卡"),
    "card_benefits": (list, False, []),
}
_SCHEMA = {
    "name": (str, True, None),
    "title": (str, True, None),
    "system": (str, True, None),
    "subject": (str, False, "党组织"),
    "unit": (str, False, "乡镇"),
    "decimals": (int, False, 1),
    "bands": ([_BAND], True, None),
    "critical": (list, False, []),
    "indicators": ([_INDICATOR], False, []),
    "quotas": ([_QUOTA], False, []),
    "tie_breakers": (list, False, []),
    "satisfaction": ({
        "column": (str, False, "总体评价"),
        "options": (list, False, ["满意", "基本满意", "不满意", "不了解"]),
        "weights": (dict, False, {"满意": 1, "基本满意": 1, "不满意": 0}),
        "typed_tolerance": (_NUMBER, False, "0.05"),
    }, False, {}),
    "veto": ({"column": (str, False, "否决情形"), "grade": (str, False, ""),
              "marker": (str, False, "一票否决")}, False, {}),
    "one_step": (bool, False, False),
    "cross_condition": ({
        "enabled": (bool, False, False), "min_rate": (_NUMBER, False, "90%"),
        "blocked_grades": (list, False, []), "grade": (str, False, ""),
    }, False, {}),
    "self_evaluation": ({"deviation": (_NUMBER, False, 10)}, False, {}),
    "totals": ({"tolerance": (_NUMBER, False, "0.05")}, False, {}),
    "notice": ({
        "show_scores": (bool, False, False), "issuer": (str, False, "中共{unit}委员会"),
        "period_days": (int, False, 7), "phone": (str, False, ""),
        "hotline_12380": (bool, False, True),
    }, False, {}),
    # per-file resource bounds; an unset key keeps the default of fenji.workbook.Limits
    "limits": ({"max_file_bytes": (int, False, None), "max_unzipped_bytes": (int, False, None),
                "max_compression_ratio": (int, False, None), "max_cells": (int, False, None),
                "max_sheets": (int, False, None), "max_cell_chars": (int, False, None),
                "max_memory_bytes": (int, False, None), "seconds": (_NUMBER, False, None)}, False, {}),
    "stars": (_STARS, False, {}),   # star systems only: categories, weights, panel items, eligibility …
    # shengji: score and 满意率 intervals per class, e.g. { "先进" = "[90,100]" }
    "classes": ({"score": (dict, False, {}), "satisfaction": (dict, False, {}), "goals": (dict, False, {})}, False, {}),
    # shengji / shixing: last year's grades (ledger or roster 上年等次) and the yearly targets
    "year_on_year": ({"promotion_from": (str, False, "中间"), "promotion_to": (str, False, "先进"),
                      "promotion_target": (_NUMBER, False, "10%"), "conversion_from": (str, False, "后进"),
                      "conversion_target": (_NUMBER, False, "100%")}, False, {}),
    # shixing: the ten stars and the words the town writes for 达标 / 未达标
    "ten_stars": ({"names": (list, False, []), "met": (list, False, ["达标"]),
                   "not_met": (list, False, ["未达标", "不达标"])}, False, {}),
}

_TYPE_NAMES = {str: "文字", int: "整数", bool: "true/false", list: "列表", dict: "表"}


def _type_name(expected) -> str:
    if expected is _NUMBER:
        return "数字"
    if isinstance(expected, tuple):
        return "或".join(_TYPE_NAMES.get(t, t.__name__) for t in expected)
    return _TYPE_NAMES.get(expected, getattr(expected, "__name__", str(expected)))


def _check_table(data: dict, schema: dict, path: str, where: str) -> dict:
    unknown = sorted(set(data) - set(schema))
    if unknown:
        key = f"{path}{unknown[0]}"
        raise ProfileError(f"规则配置 {where} 中有未知的键 `{key}`：可用的键是 "
                           f"{', '.join(path + k for k in schema)}。")
    result = {}
    for key, (expected, required, default) in schema.items():
        full = f"{path}{key}"
        if key not in data:
            if required:
                raise ProfileError(f"规则配置 {where} 缺少必填的键 `{full}`。")
            result[key] = _check_table({}, expected, full + ".", where) if isinstance(expected, dict) else default
            continue
        result[key] = _check_value(data[key], expected, full, where)
    return result


def _check_value(value, expected, full: str, where: str):
    if isinstance(expected, dict):
        if not isinstance(value, dict):
            raise ProfileError(f"规则配置 {where} 的 `{full}` 应为表（[{full}]），实际为 {type(value).__name__}。")
        return _check_table(value, expected, full + ".", where)
    if isinstance(expected, list):
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ProfileError(f"规则配置 {where} 的 `{full}` 应为表数组（[[{full}]]）。")
        return [_check_table(v, expected[0], f"{full}[{i}].", where) for i, v in enumerate(value)]
    if isinstance(value, bool) and expected is not bool and bool not in (expected if isinstance(expected, tuple) else (expected,)):
        raise ProfileError(f"规则配置 {where} 的 `{full}` 应为{_type_name(expected)}，实际为 {value!r}。")
    if not isinstance(value, expected):
        raise ProfileError(f"规则配置 {where} 的 `{full}` 应为{_type_name(expected)}，实际为 {value!r}。")
    return value


def parse_share(value, key: str, where: str) -> Decimal:
    """`20%`, `"20%"`, 0.2 or `"0.2"` → Decimal('0.2')."""
    raw = str(value).strip()
    try:
        share = Decimal(raw[:-1]) / 100 if raw.endswith("%") else to_decimal(value if not isinstance(value, str) else raw)
    except Exception:
        raise ProfileError(f"规则配置 {where} 的 `{key}` 应为比例（如 \"20%\" 或 0.2），实际为 {value!r}。") from None
    if not Decimal(0) <= share <= Decimal(1):
        raise ProfileError(f"规则配置 {where} 的 `{key}` 应在 0 到 100% 之间，实际为 {value!r}。")
    return share


def _number(value, key: str, where: str) -> Decimal:
    try:
        return to_decimal(value if not isinstance(value, str) else value.strip())
    except Exception:
        raise ProfileError(f"规则配置 {where} 的 `{key}` 应为数字，实际为 {value!r}。") from None


def parse_interval(spec, key: str, where: str) -> Interval:
    raw = str(spec).replace(" ", "")
    if len(raw) < 5 or raw[0] not in "[(" or raw[-1] not in ")]" or "," not in raw:
        raise ProfileError(f"规则配置 {where} 的 `{key}` 应写成区间，如 \"[60,60]\" 或 \"(89,90)\"，实际为 {spec!r}。")
    low, high = raw[1:-1].split(",", 1)
    return Interval(_number(low, key, where), _number(high, key, where), raw[0] == "[", raw[-1] == "]")


def _build(data: dict, where: str, text: str) -> Profile:
    checked = _check_table(data, _SCHEMA, "", where)
    if checked["system"] not in SYSTEMS:
        raise ProfileError(f"规则配置 {where} 的 `system` 为 {checked['system']!r}，可用的有：{', '.join(SYSTEMS)}。")
    bands = [Band(b["grade"], _number(b["low"], f"bands[{i}].low", where)) for i, b in enumerate(checked["bands"])]
    _check_bands(bands, where)
    grades = [b.grade for b in bands]
    indicators = [Indicator(ind["name"], _number(ind["max"], f"indicators[{i}].max", where), ind["source"])
                  for i, ind in enumerate(checked["indicators"])]
    _check_indicators(indicators, where)
    quotas = [_quota(q, i, grades, where) for i, q in enumerate(checked["quotas"])]
    _check_known(checked, grades, indicators, where)
    stars = _stars(checked, grades, quotas, where)
    return Profile(
        name=checked["name"], title=checked["title"], system=checked["system"],
        subject=checked["subject"], unit=checked["unit"], decimals=checked["decimals"],
        bands=bands, indicators=indicators, quotas=quotas,
        critical=[parse_interval(c, f"critical[{i}]", where) for i, c in enumerate(checked["critical"])],
        tie_breakers=list(checked["tie_breakers"]), satisfaction=_satisfaction(checked["satisfaction"], where),
        veto=checked["veto"], cross_condition=_cross(checked["cross_condition"], grades, where),
        self_evaluation={"deviation": _number(checked["self_evaluation"]["deviation"], "self_evaluation.deviation", where)},
        totals={"tolerance": _number(checked["totals"]["tolerance"], "totals.tolerance", where)},
        notice=checked["notice"], source=where, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        text=text, raw=data, stars=stars, rules=_system_rules(checked, grades, where),
        limits=_limits(checked["limits"], where),
    )


def _limits(section: dict, where: str) -> dict:
    for key, value in section.items():
        if value is not None and (isinstance(value, bool) or _number(value, f"limits.{key}", where) <= 0):
            raise ProfileError(f"规则配置 {where} 的 `limits.{key}` 应为正数，实际为 {value!r}。")
    return {key: float(_number(value, f"limits.{key}", where)) if key == "seconds" else value
            for key, value in section.items() if value is not None}


def _check_bands(bands: list[Band], where: str) -> None:
    if not bands:
        raise ProfileError(f"规则配置 {where} 的 `bands` 至少要有一个等次。")
    for i in range(1, len(bands)):
        if bands[i].low >= bands[i - 1].low:
            raise ProfileError(f"规则配置 {where} 的 `bands[{i}].low`（{bands[i].low}）应小于上一个等次的下限"
                               f"（{bands[i - 1].low}）：等次须从高到低排列。")
    if len({b.grade for b in bands}) != len(bands):
        raise ProfileError(f"规则配置 {where} 的 `bands` 中有重复的等次名称。")


def _check_indicators(indicators: list[Indicator], where: str) -> None:
    for i, ind in enumerate(indicators):
        if ind.source not in ("score_sheet", "satisfaction", "score_sheet_optional"):
            raise ProfileError(f"规则配置 {where} 的 `indicators[{i}].source` 应为 \"score_sheet\"、"
                               f"\"score_sheet_optional\"（附件4 中可缺的列，如 shengji）或 \"satisfaction\"，实际为 {ind.source!r}。")
        if ind.max <= 0:
            raise ProfileError(f"规则配置 {where} 的 `indicators[{i}].max` 应大于 0。")
    if indicators and sum(i.max for i in indicators) != 100:
        raise ProfileError(f"规则配置 {where} 的 `indicators` 分值合计为 {sum(i.max for i in indicators)}，"
                           f"应为 100：各项指标的 max 之和必须等于总分。")


def _quota(q: dict, i: int, grades: list[str], where: str) -> Quota:
    if q["grade"] not in grades:
        raise ProfileError(f"规则配置 {where} 的 `quotas[{i}].grade` 为 {q['grade']!r}，不是 bands 中的等次。")
    if q["kind"] not in ("cap", "floor", "about"):
        raise ProfileError(f"规则配置 {where} 的 `quotas[{i}].kind` 应为 cap、floor 或 about，实际为 {q['kind']!r}。")
    if q["kind"] == "floor" and q["grade"] != grades[-1]:
        raise ProfileError(f"规则配置 {where} 的 `quotas[{i}]`：floor 只能用于最低等次（{grades[-1]}）。")
    return Quota(q["grade"], q["kind"], parse_share(q["share"], f"quotas[{i}].share", where), q["category"],
                 parse_share(q["tolerance"], f"quotas[{i}].tolerance", where))


def _check_known(checked: dict, grades: list[str], indicators: list[Indicator], where: str) -> None:
    veto_grade = checked["veto"]["grade"]
    if veto_grade and veto_grade not in grades:
        raise ProfileError(f"规则配置 {where} 的 `veto.grade` 为 {veto_grade!r}，不是 bands 中的等次。")
    names = {i.name for i in indicators} | (STAR_COLUMNS if checked["system"] in STAR_SYSTEMS else set())
    for i, column in enumerate(checked["tie_breakers"]):
        if column not in names:
            raise ProfileError(f"规则配置 {where} 的 `tie_breakers[{i}]` 为 {column!r}，不是 indicators 中的指标。")


def _satisfaction(section: dict, where: str) -> dict:
    weights = {}
    for option, weight in section["weights"].items():
        if option not in section["options"]:
            raise ProfileError(f"规则配置 {where} 的 `satisfaction.weights.{option}` 不在 satisfaction.options 中。")
        weights[option] = _number(weight, f"satisfaction.weights.{option}", where)
    return {**section, "weights": weights,
            "typed_tolerance": _number(section["typed_tolerance"], "satisfaction.typed_tolerance", where)}


def _cross(section: dict, grades: list[str], where: str) -> dict:
    if not section["enabled"]:
        return {**section, "min_rate": parse_share(section["min_rate"], "cross_condition.min_rate", where)}
    for key in ("blocked_grades",):
        for g in section[key]:
            if g not in grades:
                raise ProfileError(f"规则配置 {where} 的 `cross_condition.{key}` 含未知等次 {g!r}。")
    if section["grade"] not in grades:
        raise ProfileError(f"规则配置 {where} 的 `cross_condition.grade` 应为 bands 中的等次。")
    return {**section, "min_rate": parse_share(section["min_rate"], "cross_condition.min_rate", where)}


# --- star profiles (xingji-*) ------------------------------------------------------------------

def _stars(checked: dict, grades: list[str], quotas: list[Quota], where: str) -> dict:
    """The [stars] table, required by the star systems and checked against bands and quotas."""
    if checked["system"] not in STAR_SYSTEMS:
        return {}
    if not checked["stars"].get("categories"):
        raise ProfileError(f"规则配置 {where} 缺少必填的键 `stars.categories`（星级评定的类别，如 [\"党员干部\", \"群众\"]）。")
    section = dict(checked["stars"])
    categories = [str(c) for c in section["categories"]]
    section["public_weight"] = _number(section["public_weight"], "stars.public_weight", where)
    section["panel_weight"] = _number(section["panel_weight"], "stars.panel_weight", where)
    if section["public_weight"] + section["panel_weight"] != 1 or min(section["public_weight"], section["panel_weight"]) < 0:
        raise ProfileError(f"规则配置 {where} 的 `stars.public_weight` 与 `stars.panel_weight` 应为非负数且相加等于 1，"
                           f"实际为 {section['public_weight']} 与 {section['panel_weight']}。")
    if section["min_public_scores"] < 1:
        raise ProfileError(f"规则配置 {where} 的 `stars.min_public_scores` 应至少为 1。")
    section["score_max"] = _number(section["score_max"], "stars.score_max", where)
    section["items"] = _star_items(section["items"], categories, section, where)
    section["eligibility"] = {str(k).strip(): str(v) for k, v in section["eligibility"].items()}
    section["lifetime_before"] = _star_date(section["lifetime_before"], "stars.lifetime_before", where)
    section["targets"] = [_star_target(t, i, categories, grades, where) for i, t in enumerate(section["targets"])]
    for i, quota in enumerate(quotas):
        if quota.category and quota.category not in categories:
            raise ProfileError(f"规则配置 {where} 的 `quotas[{i}].category` 为 {quota.category!r}，不是 stars.categories 中的类别。")
    if section["card_months"] < 1:
        raise ProfileError(f"规则配置 {where} 的 `stars.card_months` 应至少为 1（五星卡有效月数）。")
    return {**section, "categories": categories}


def _star_items(items: list[dict], categories: list[str], section: dict, where: str) -> list[dict]:
    parsed = []
    for i, item in enumerate(items):
        maximum = _number(item["max"], f"stars.items[{i}].max", where)
        if maximum <= 0:
            raise ProfileError(f"规则配置 {where} 的 `stars.items[{i}].max` 应大于 0。")
        for category in item["categories"]:
            if category not in categories:
                raise ProfileError(f"规则配置 {where} 的 `stars.items[{i}].categories` 含未知类别 {category!r}。")
        parsed.append({"name": item["name"], "max": maximum, "categories": list(item["categories"])})
    if section["panel_weight"] > 0:
        for category in categories:
            total = sum((p["max"] for p in parsed if not p["categories"] or category in p["categories"]), Decimal(0))
            if total != section["score_max"]:
                raise ProfileError(f"规则配置 {where} 的 `stars.items` 对类别“{category}”的分值合计为 {total}，"
                                   f"应为 {section['score_max']}（领导小组评议计入得分时各项满分之和须等于总分）。")
    return parsed


def _star_date(value: str, key: str, where: str):
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ProfileError(f"规则配置 {where} 的 `{key}` 应为日期（如 \"1949-10-01\"），实际为 {value!r}。") from None


def _star_target(target: dict, i: int, categories: list[str], grades: list[str], where: str) -> dict:
    if target["category"] not in categories:
        raise ProfileError(f"规则配置 {where} 的 `stars.targets[{i}].category` 为 {target['category']!r}，不是 stars.categories 中的类别。")
    if target["at_least"] not in grades:
        raise ProfileError(f"规则配置 {where} 的 `stars.targets[{i}].at_least` 为 {target['at_least']!r}，不是 bands 中的等次。")
    return {**target, "share": parse_share(target["share"], f"stars.targets[{i}].share", where)}


def _system_rules(checked: dict, grades: list[str], where: str) -> dict:
    """shengji / shixing tables parsed and checked by their scorer modules (imported here on use)."""
    if checked["system"] == "shengji":
        from fenji.score_shengji import check_profile
        return check_profile(checked, grades, where)
    if checked["system"] == "shixing":
        from fenji.score_shixing import check_profile
        return check_profile(checked, grades, where)
    return {}


# --- loading --------------------------------------------------------------------------------

def builtin_names() -> list[str]:
    """Built-in profiles shipped with this version (those whose TOML exists)."""
    folder = resources.files("fenji.profiles")
    return [n for n in BUILTIN if folder.joinpath(f"{n}.toml").is_file()]


def builtin_text(name: str) -> str:
    path = resources.files("fenji.profiles").joinpath(f"{name}.toml")
    if not path.is_file():
        raise ProfileError(f"没有名为 {name!r} 的内置规则配置；可用的有：{', '.join(builtin_names())}。")
    return path.read_text(encoding="utf-8")


def load_profile(spec: str | Path) -> Profile:
    """A built-in name (`dingji`) or a path to a TOML file → validated Profile."""
    spec_text = str(spec)
    if spec_text in BUILTIN or not (spec_text.endswith(".toml") or Path(spec_text).exists()):
        text, where = builtin_text(spec_text), f"{spec_text}（内置）"
    else:
        path = Path(spec_text)
        if not path.is_file():
            raise ProfileError(f"找不到规则配置文件 {path}。")
        text, where = path.read_text(encoding="utf-8-sig"), str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"规则配置 {where} 不是有效的 TOML：{exc}。") from None
    return _build(data, where, text)
