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


def test_run_without_any_chinese_font_writes_no_pdf(machine, tmp_path):
    """Boxes instead of characters must not be printed: no PDF, an error with the install command."""
    from pathlib import Path

    from fenji.api import RunOptions, run

    machine(lambda families: ("DejaVu Serif", "/usr/share/fonts/DejaVuSerif.ttf", "0", "en|de|fr"))
    sample = Path(__file__).resolve().parents[1] / "sample_workbooks" / "dingji"
    result = run(RunOptions(sample, "dingji", 2027, tmp_path, workers=1))
    assert result.documents == []
    assert not list(tmp_path.rglob("*.pdf"))
    errors = [p for p in result.problems.items if p.code == "no-chinese-font"]
    assert len(errors) == 1 and errors[0].level == "错误"
    assert fonts.INSTALL_COMMAND in errors[0].message and "没有生成 PDF" in errors[0].message
    assert (tmp_path / "results.csv").is_file()  # the grading is still written
    assert result.exit_code == 1


def test_fandol_gives_gb_shaped_roles_without_warnings(machine):
    """After the set-up (texlive-lang-chinese registered with fontconfig): every role has a GB-shaped font."""
    fandol = {"小标宋": "FandolSong", "仿宋": "FandolFang", "黑体": "FandolHei", "楷体": "FandolKai"}

    def answer(families):
        family = next(f for f in families if f.startswith("Fandol"))
        return (family, f"/fonts/{family}.otf", "0", "zh-cn")

    machine(answer)
    assert fonts.font_warnings() == []
    assert {font.role: font.family for font in fonts.resolve_all()} == fandol
    assert fonts.title_is_bold()  # a 宋体 stands in for 小标宋 in bold
    assert "仿宋：FandolFang（第 5 选，公文字形，含中文） /fonts/FandolFang.otf" in doctor.doctor().lines


def test_this_machine_sets_the_body_in_a_gb_fangsong():
    """The README's set-up installs and registers Fandol: the body is 仿宋, not the Noto fallback."""
    fonts.resolve.cache_clear()
    assert not fonts.resolve("仿宋").fallback, fonts.resolve("仿宋")
