"""Profiles are data, validated on load with messages that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from fenji.core.profiles import ProfileError
from fenji.systems import builtin_text, load_profile

BASE = builtin_text("dingji")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_dingji_loads():
    profile = load_profile("dingji")
    assert profile.grades == ["好", "较好", "一般", "较差"]
    assert sum(i.max for i in profile.indicators) == 100
    assert [q.kind for q in profile.quotas] == ["cap", "floor"]


def test_user_copy_loads(tmp_path: Path):
    profile = load_profile(write(tmp_path, BASE.replace('name = "dingji"', 'name = "my-county"')))
    assert profile.name == "my-county"


@pytest.mark.parametrize(
    "old, new, key",
    [
        ("decimals = 1", "decimals = 1\nfavourite = 3", "favourite"),
        ("decimals = 1", 'decimals = "one"', "decimals"),
        ('grade = "较好"\nlow = 80', 'grade = "较好"\nlow = 95', "bands[1].low"),
        ('name = "工作业绩"\nmax = 20', 'name = "工作业绩"\nmax = 25', "indicators"),
        ('share = "20%"', 'share = "120%"', "quotas[0].share"),
        ('kind = "cap"', 'kind = "maximum"', "quotas[0].kind"),
        ('tie_breakers = ["群众评价", "工作业绩"]', 'tie_breakers = ["人气"]', "tie_breakers[0]"),
    ],
)
def test_bad_profile_names_the_key(tmp_path: Path, old: str, new: str, key: str):
    assert old in BASE
    with pytest.raises(ProfileError) as error:
        load_profile(write(tmp_path, BASE.replace(old, new, 1)))
    assert key in str(error.value)


def test_not_toml(tmp_path: Path):
    with pytest.raises(ProfileError, match="不是有效的 TOML"):
        load_profile(write(tmp_path, "name = "))


def test_unknown_builtin():
    with pytest.raises(ProfileError, match="没有名为"):
        load_profile("no-such-profile")
