"""Rule profiles: the common schema and its checks; a mistake's message names the file and the key.

Each grading system adds its own tables (`ProfileSection`); fenji.systems finds the built-in TOML
files and the system a profile names, then calls `build_profile`.

No grading constant lives in code: every number of rules.md is a profile setting.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from fenji.core.arith import to_decimal
from fenji.core.problems import FatalError


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
    one_step: bool = False  # rise at most one grade above the previous rating
    rules: dict = field(default_factory=dict)  # the system's own tables, parsed by its check_profile
    reads: tuple[str, ...] = ()  # the form kinds its system reads (fenji.forms)
    star_levels: bool = False  # grades are star levels (a decision may type `5星`)
    counter: str = "个"  # the measure word for subjects in documents: 个 for organisations, 名 for people
    decider: str = "党委"  # who decides ties and adjustments (经党委研究调整); a village's 总支 decides its stars
    limits: dict = field(
        default_factory=dict
    )  # [limits]: per-file resource bounds (None = fenji.core.workbook.Limits default)

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

NUMBER = (int, float, str)
_BAND = {"grade": (str, True, None), "low": (NUMBER, True, None)}
_INDICATOR = {"name": (str, True, None), "max": (NUMBER, True, None), "source": (str, True, None)}
_QUOTA = {
    "grade": (str, True, None),
    "kind": (str, True, None),
    "share": (NUMBER, True, None),
    "category": (str, False, ""),
    "tolerance": (NUMBER, False, "5%"),
}
_SCHEMA = {
    "name": (str, True, None),
    "title": (str, True, None),
    "system": (str, True, None),
    "subject": (str, False, "党组织"),
    "unit": (str, False, "乡镇"),
    "counter": (str, False, "个"),
    "decider": (str, False, "党委"),
    "decimals": (int, False, 1),
    "bands": ([_BAND], True, None),
    "critical": (list, False, []),
    "indicators": ([_INDICATOR], False, []),
    "quotas": ([_QUOTA], False, []),
    "tie_breakers": (list, False, []),
    "satisfaction": (
        {
            "column": (str, False, "总体评价"),
            "options": (list, False, ["满意", "基本满意", "不满意", "不了解"]),
            "weights": (dict, False, {"满意": 1, "基本满意": 1, "不满意": 0}),
            "typed_tolerance": (NUMBER, False, "0.05"),
        },
        False,
        {},
    ),
    "veto": (
        {
            "column": (str, False, "否决情形"),
            "grade": (str, False, ""),
            "marker": (str, False, "一票否决"),
            "cap": (bool, False, False),
        },
        False,
        {},
    ),
    "one_step": (bool, False, False),
    "cross_condition": (
        {
            "enabled": (bool, False, False),
            "min_rate": (NUMBER, False, "90%"),
            "blocked_grades": (list, False, []),
            "grade": (str, False, ""),
        },
        False,
        {},
    ),
    "self_evaluation": ({"deviation": (NUMBER, False, 10)}, False, {}),
    "totals": ({"tolerance": (NUMBER, False, "0.05")}, False, {}),
    "notice": (
        {
            "show_scores": (bool, False, False),
            "issuer": (str, False, "中共{unit}委员会"),
            "period_days": (int, False, 7),
            "phone": (str, False, ""),
            "hotline_12380": (bool, False, True),
        },
        False,
        {},
    ),
    # per-file resource bounds; an unset key keeps the default of fenji.core.workbook.Limits
    "limits": (
        {
            "max_file_bytes": (int, False, None),
            "max_unzipped_bytes": (int, False, None),
            "max_compression_ratio": (int, False, None),
            "max_cells": (int, False, None),
            "max_sheets": (int, False, None),
            "max_cell_chars": (int, False, None),
            "max_memory_bytes": (int, False, None),
            "seconds": (NUMBER, False, None),
        },
        False,
        {},
    ),
}

_TYPE_NAMES = {str: "文字", int: "整数", bool: "true/false", list: "列表", dict: "表"}


def _type_name(expected) -> str:
    if expected is NUMBER:
        return "数字"
    if isinstance(expected, tuple):
        return "或".join(_TYPE_NAMES.get(t, t.__name__) for t in expected)
    return _TYPE_NAMES.get(expected, getattr(expected, "__name__", str(expected)))


def _check_table(data: dict, schema: dict, path: str, where: str) -> dict:
    unknown = sorted(set(data) - set(schema))
    if unknown:
        key = f"{path}{unknown[0]}"
        raise ProfileError(f"规则配置 {where} 中有未知的键 `{key}`：可用的键是 {', '.join(path + k for k in schema)}。")
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
    if (
        isinstance(value, bool)
        and expected is not bool
        and bool not in (expected if isinstance(expected, tuple) else (expected,))
    ):
        raise ProfileError(f"规则配置 {where} 的 `{full}` 应为{_type_name(expected)}，实际为 {value!r}。")
    if not isinstance(value, expected):
        raise ProfileError(f"规则配置 {where} 的 `{full}` 应为{_type_name(expected)}，实际为 {value!r}。")
    return value


def parse_share(value, key: str, where: str) -> Decimal:
    """`20%`, `"20%"`, 0.2 or `"0.2"` → Decimal('0.2')."""
    raw = str(value).strip()
    try:
        share = (
            Decimal(raw[:-1]) / 100 if raw.endswith("%") else to_decimal(value if not isinstance(value, str) else raw)
        )
    except Exception:
        raise ProfileError(f'规则配置 {where} 的 `{key}` 应为比例（如 "20%" 或 0.2），实际为 {value!r}。') from None
    if not Decimal(0) <= share <= Decimal(1):
        raise ProfileError(f"规则配置 {where} 的 `{key}` 应在 0 到 100% 之间，实际为 {value!r}。")
    return share


def number(value, key: str, where: str) -> Decimal:
    try:
        return to_decimal(value if not isinstance(value, str) else value.strip())
    except Exception:
        raise ProfileError(f"规则配置 {where} 的 `{key}` 应为数字，实际为 {value!r}。") from None


def parse_interval(spec, key: str, where: str) -> Interval:
    raw = str(spec).replace(" ", "")
    if len(raw) < 5 or raw[0] not in "[(" or raw[-1] not in ")]" or "," not in raw:
        raise ProfileError(f'规则配置 {where} 的 `{key}` 应写成区间，如 "[60,60]" 或 "(89,90)"，实际为 {spec!r}。')
    low, high = raw[1:-1].split(",", 1)
    return Interval(number(low, key, where), number(high, key, where), raw[0] == "[", raw[-1] == "]")


class ProfileSection(Protocol):
    """What a grading system adds to the common schema (fenji.systems.System has these)."""

    profile_schema: dict
    tie_breaker_columns: frozenset[str]
    forms: tuple[str, ...]
    star_levels: bool

    def check_profile(self, checked: dict, grades: list[str], quotas: list[Quota], where: str) -> dict: ...


def check_required(data: dict, where: str) -> None:
    """The first common key that is required and missing, as the ProfileError a full check would raise
    (called before the system is known: the schema of its tables depends on it)."""
    for key, (_, required, _) in _SCHEMA.items():
        if required and key not in data:
            raise ProfileError(f"规则配置 {where} 缺少必填的键 `{key}`。")


def build_profile(data: dict, where: str, text: str, system: ProfileSection) -> Profile:
    """A profile from its parsed TOML: the common keys, then the system's own tables (`system`)."""
    checked = _check_table(data, {**_SCHEMA, **system.profile_schema}, "", where)
    bands = [Band(b["grade"], number(b["low"], f"bands[{i}].low", where)) for i, b in enumerate(checked["bands"])]
    _check_bands(bands, where)
    grades = [b.grade for b in bands]
    indicators = [
        Indicator(ind["name"], number(ind["max"], f"indicators[{i}].max", where), ind["source"])
        for i, ind in enumerate(checked["indicators"])
    ]
    _check_indicators(indicators, where)
    quotas = [_quota(q, i, grades, where) for i, q in enumerate(checked["quotas"])]
    _check_known(checked, grades, indicators, system.tie_breaker_columns, where)
    rules = system.check_profile(checked, grades, quotas, where)
    return Profile(
        name=checked["name"],
        title=checked["title"],
        system=checked["system"],
        subject=checked["subject"],
        unit=checked["unit"],
        decimals=checked["decimals"],
        bands=bands,
        indicators=indicators,
        quotas=quotas,
        critical=[parse_interval(c, f"critical[{i}]", where) for i, c in enumerate(checked["critical"])],
        tie_breakers=list(checked["tie_breakers"]),
        satisfaction=_satisfaction(checked["satisfaction"], where),
        veto=checked["veto"],
        cross_condition=_cross(checked["cross_condition"], grades, where),
        self_evaluation={
            "deviation": number(checked["self_evaluation"]["deviation"], "self_evaluation.deviation", where)
        },
        totals={"tolerance": number(checked["totals"]["tolerance"], "totals.tolerance", where)},
        notice=checked["notice"],
        source=where,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        text=text,
        raw=data,
        one_step=checked["one_step"],
        rules=rules,
        limits=_limits(checked["limits"], where),
        reads=tuple(system.forms),
        star_levels=system.star_levels,
        counter=checked["counter"],
        decider=checked["decider"],
    )


def _limits(section: dict, where: str) -> dict:
    for key, value in section.items():
        if value is not None and (isinstance(value, bool) or number(value, f"limits.{key}", where) <= 0):
            raise ProfileError(f"规则配置 {where} 的 `limits.{key}` 应为正数，实际为 {value!r}。")
    return {
        key: float(number(value, f"limits.{key}", where)) if key == "seconds" else value
        for key, value in section.items()
        if value is not None
    }


def _check_bands(bands: list[Band], where: str) -> None:
    if not bands:
        raise ProfileError(f"规则配置 {where} 的 `bands` 至少要有一个等次。")
    for i in range(1, len(bands)):
        if bands[i].low >= bands[i - 1].low:
            raise ProfileError(
                f"规则配置 {where} 的 `bands[{i}].low`（{bands[i].low}）应小于上一个等次的下限"
                f"（{bands[i - 1].low}）：等次须从高到低排列。"
            )
    if len({b.grade for b in bands}) != len(bands):
        raise ProfileError(f"规则配置 {where} 的 `bands` 中有重复的等次名称。")


def _check_indicators(indicators: list[Indicator], where: str) -> None:
    for i, ind in enumerate(indicators):
        if ind.source not in ("score_sheet", "satisfaction", "score_sheet_optional"):
            raise ProfileError(
                f'规则配置 {where} 的 `indicators[{i}].source` 应为 "score_sheet"、'
                f'"score_sheet_optional"（附件4 中可缺的列，如 shengji）或 "satisfaction"，实际为 {ind.source!r}。'
            )
        if ind.max <= 0:
            raise ProfileError(f"规则配置 {where} 的 `indicators[{i}].max` 应大于 0。")
    if indicators and sum(i.max for i in indicators) != 100:
        raise ProfileError(
            f"规则配置 {where} 的 `indicators` 分值合计为 {sum(i.max for i in indicators)}，"
            f"应为 100：各项指标的 max 之和必须等于总分。"
        )


def _quota(q: dict, i: int, grades: list[str], where: str) -> Quota:
    if q["grade"] not in grades:
        raise ProfileError(f"规则配置 {where} 的 `quotas[{i}].grade` 为 {q['grade']!r}，不是 bands 中的等次。")
    if q["kind"] not in ("cap", "floor", "about"):
        raise ProfileError(f"规则配置 {where} 的 `quotas[{i}].kind` 应为 cap、floor 或 about，实际为 {q['kind']!r}。")
    if q["kind"] == "floor" and q["grade"] != grades[-1]:
        raise ProfileError(f"规则配置 {where} 的 `quotas[{i}]`：floor 只能用于最低等次（{grades[-1]}）。")
    return Quota(
        q["grade"],
        q["kind"],
        parse_share(q["share"], f"quotas[{i}].share", where),
        q["category"],
        parse_share(q["tolerance"], f"quotas[{i}].tolerance", where),
    )


def _check_known(
    checked: dict, grades: list[str], indicators: list[Indicator], columns: frozenset[str], where: str
) -> None:
    veto_grade = checked["veto"]["grade"]
    if veto_grade and veto_grade not in grades:
        raise ProfileError(f"规则配置 {where} 的 `veto.grade` 为 {veto_grade!r}，不是 bands 中的等次。")
    names = {i.name for i in indicators} | columns
    for i, column in enumerate(checked["tie_breakers"]):
        if column not in names:
            raise ProfileError(f"规则配置 {where} 的 `tie_breakers[{i}]` 为 {column!r}，不是 indicators 中的指标。")


def _satisfaction(section: dict, where: str) -> dict:
    weights = {}
    for option, weight in section["weights"].items():
        if option not in section["options"]:
            raise ProfileError(f"规则配置 {where} 的 `satisfaction.weights.{option}` 不在 satisfaction.options 中。")
        weights[option] = number(weight, f"satisfaction.weights.{option}", where)
    return {
        **section,
        "weights": weights,
        "typed_tolerance": number(section["typed_tolerance"], "satisfaction.typed_tolerance", where),
    }


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
