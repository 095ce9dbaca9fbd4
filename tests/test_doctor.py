"""`fenji doctor` and the run's font warnings, on this machine and on machines we pretend to be."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fenji import doctor
from fenji.api import doctor as api_doctor
from fenji.core import fonts

NOTO_LANGS = "en|ja|ko|zh-cn|zh-tw"


@pytest.fixture
def machine(monkeypatch):
    """Pretend fontconfig answers `answer(families)`; the role cache is cleared before and after."""

    def install(answer):
        fonts.resolve.cache_clear()
        monkeypatch.setattr(fonts, "_fc_match", answer)

    yield install
    fonts.resolve.cache_clear()


def test_doctor_names_each_role_subsetter_and_versions():
    report = api_doctor()
    text = "\n".join(report.lines)
    for role in fonts.ROLES:
        assert any(line.startswith(f"{role}：") for line in report.lines), role
    assert "WeasyPrint" in text and "Pango" in text
    assert "字体子集化：HarfBuzz" in text  # libharfbuzz-subset0 is part of the set-up
    assert report.exit_code == 0  # fonts-noto-cjk is installed here


def test_cli_doctor_prints_the_report():
    done = subprocess.run([sys.executable, "-m", "fenji", "doctor"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "仿宋：" in done.stdout and "结论" in done.stdout


def test_no_cjk_font_fails(machine):
    machine(lambda families: ("DejaVu Serif", "/usr/share/fonts/DejaVuSerif.ttf", "0", "en|de|fr"))
    report = doctor.doctor()
    assert report.exit_code == 1
    assert any("不含中文" in line for line in report.lines)
    assert all("方框" in message for message in fonts.font_warnings())


def test_fallback_to_last_family_is_warned(machine):
    machine(lambda families: (families[-1], "/fonts/noto.ttc", "2", NOTO_LANGS))
    warnings = fonts.font_warnings()
    assert len(warnings) == len(fonts.ROLES)
    assert all("最后的备选" in w for w in warnings)
    assert fonts.resolve("仿宋").fallback and doctor.doctor().exit_code == 0


def test_preferred_family_is_not_warned(machine):
    machine(lambda families: (f"{families[0]},Other", "/fonts/gb.ttf", "0", NOTO_LANGS))
    assert fonts.font_warnings() == []
    assert fonts.resolve("小标宋").position == 0 and not fonts.resolve("小标宋").fallback


def test_substituted_family_is_warned(machine):
    machine(lambda families: ("WenQuanYi Zen Hei", "/fonts/wqy.ttc", "0", NOTO_LANGS))
    assert all("系统替换为 WenQuanYi Zen Hei" in w for w in fonts.font_warnings())


def test_family_names_are_escaped_for_fontconfig():
    assert fonts._fc_escape("FZXiaoBiaoSong-B05S") == "FZXiaoBiaoSong\\-B05S"


def test_uncovered_characters(monkeypatch):
    monkeypatch.setattr(fonts, "_any_font_has", lambda char: False)
    assert fonts.uncovered({"中", "文", "a", "\u0f00"}) == {"\u0f00"}  # Tibetan: not in Noto CJK


def test_subsetter_is_found():
    assert fonts.harfbuzz_subset()
    assert fonts.subsetter_warning() == ""
