"""The [stars] table of a star profile (xingji-daan, xingji-dashui): categories, the weights of
群众评议 and 领导小组评议, panel items, eligibility codes, per-category targets, the 五星卡."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from fenji.core.profiles import NUMBER, ProfileError, Quota, number, parse_share

_STAR_ITEM = {"name": (str, True, None), "max": (NUMBER, True, None), "categories": (list, False, [])}
_STAR_TARGET = {
    "unit": (str, False, ""),
    "category": (str, True, None),
    "at_least": (str, True, None),
    "share": (NUMBER, True, None),
}
_STARS = {
    "categories": (list, False, []),
    "public_weight": (NUMBER, False, "1"),
    "panel_weight": (NUMBER, False, "0"),
    "min_public_scores": (int, False, 1),
    "score_max": (NUMBER, False, 100),
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
    # categories that are businesses (服务行业): their card says 名称, not 姓名, and lists only
    # business_card_benefits (the household ones — 体检, 子女补助 — do not apply to a shop)
    "business_categories": (list, False, []),
    "business_card_benefits": (list, False, []),
}
SCHEMA = {"stars": (_STARS, False, {})}
TIE_BREAKER_COLUMNS = frozenset({"群众评议", "领导小组评议"})  # subject columns a star profile may rank ties by


def check_stars(checked: dict, grades: list[str], quotas: list[Quota], where: str) -> dict:
    """The [stars] table, required by the star systems and checked against bands and quotas."""
    if not checked["stars"].get("categories"):
        raise ProfileError(
            f'规则配置 {where} 缺少必填的键 `stars.categories`（星级评定的类别，如 ["党员干部", "群众"]）。'
        )
    section = dict(checked["stars"])
    categories = [str(c) for c in section["categories"]]
    section["public_weight"] = number(section["public_weight"], "stars.public_weight", where)
    section["panel_weight"] = number(section["panel_weight"], "stars.panel_weight", where)
    if (
        section["public_weight"] + section["panel_weight"] != 1
        or min(section["public_weight"], section["panel_weight"]) < 0
    ):
        raise ProfileError(
            f"规则配置 {where} 的 `stars.public_weight` 与 `stars.panel_weight` 应为非负数且相加等于 1，"
            f"实际为 {section['public_weight']} 与 {section['panel_weight']}。"
        )
    if section["min_public_scores"] < 1:
        raise ProfileError(f"规则配置 {where} 的 `stars.min_public_scores` 应至少为 1。")
    section["score_max"] = number(section["score_max"], "stars.score_max", where)
    section["items"] = _star_items(section["items"], categories, section, where)
    section["eligibility"] = {str(k).strip(): str(v) for k, v in section["eligibility"].items()}
    section["lifetime_before"] = _star_date(section["lifetime_before"], "stars.lifetime_before", where)
    section["targets"] = [_star_target(t, i, categories, grades, where) for i, t in enumerate(section["targets"])]
    for i, quota in enumerate(quotas):
        if quota.category and quota.category not in categories:
            raise ProfileError(
                f"规则配置 {where} 的 `quotas[{i}].category` 为 {quota.category!r}，不是 stars.categories 中的类别。"
            )
    if section["card_months"] < 1:
        raise ProfileError(f"规则配置 {where} 的 `stars.card_months` 应至少为 1（五星卡有效月数）。")
    for business in section["business_categories"]:
        if str(business) not in categories:
            raise ProfileError(
                f"规则配置 {where} 的 `stars.business_categories` 中的 {business!r} 不是 stars.categories 中的类别。"
            )
    return {**section, "categories": categories}


def _star_items(items: list[dict], categories: list[str], section: dict, where: str) -> list[dict]:
    parsed = []
    for i, item in enumerate(items):
        maximum = number(item["max"], f"stars.items[{i}].max", where)
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
                raise ProfileError(
                    f"规则配置 {where} 的 `stars.items` 对类别“{category}”的分值合计为 {total}，"
                    f"应为 {section['score_max']}（领导小组评议计入得分时各项满分之和须等于总分）。"
                )
    return parsed


def _star_date(value: str, key: str, where: str):
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ProfileError(f'规则配置 {where} 的 `{key}` 应为日期（如 "1949-10-01"），实际为 {value!r}。') from None


def _star_target(target: dict, i: int, categories: list[str], grades: list[str], where: str) -> dict:
    if target["category"] not in categories:
        raise ProfileError(
            f"规则配置 {where} 的 `stars.targets[{i}].category` 为 {target['category']!r}，不是 stars.categories 中的类别。"
        )
    if target["at_least"] not in grades:
        raise ProfileError(
            f"规则配置 {where} 的 `stars.targets[{i}].at_least` 为 {target['at_least']!r}，不是 bands 中的等次。"
        )
    return {**target, "share": parse_share(target["share"], f"stars.targets[{i}].share", where)}
