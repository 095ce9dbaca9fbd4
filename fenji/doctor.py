"""`fenji doctor`: what on this machine would make the documents wrong (fenji.core.fonts asks
fontconfig and HarfBuzz), and which fenji, Python, WeasyPrint and Pango are in use."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field

from fenji import __version__
from fenji.core.fonts import INSTALL_COMMAND, RoleFont, font_warnings, harfbuzz_subset, resolve_all, subsetter_warning


@dataclass
class DoctorReport:
    """What `fenji doctor` prints, and its exit status (1 when a role has no CJK font)."""

    lines: list[str] = field(default_factory=list)
    exit_code: int = 0


def _versions() -> list[str]:
    lines = [f"fenji {__version__}，Python {platform.python_version()}"]
    try:
        import weasyprint
        from weasyprint.text.ffi import pango

        number = pango.pango_version()
        lines.append(
            f"WeasyPrint {weasyprint.__version__}，Pango {number // 10000}.{number // 100 % 100}.{number % 100}"
        )
    except Exception as exc:  # a broken Pango install is exactly what doctor must report
        lines.append(f"无法加载 WeasyPrint / Pango：{exc}")
    return lines


def doctor() -> DoctorReport:
    """Fonts per role, the subsetter, versions; exit status 1 when a role has no CJK font."""
    report = DoctorReport()
    report.lines.extend(_versions())
    for font in resolve_all():
        report.lines.append(_role_line(font))
        if not font.cjk:
            report.exit_code = 1
    library = harfbuzz_subset()
    report.lines.append(
        f"字体子集化：HarfBuzz（{library}）" if library else "字体子集化：fontTools（慢）。" + subsetter_warning()
    )
    warnings = font_warnings()
    report.lines.extend(f"警告：{w}" for w in warnings)
    report.lines.append(
        "结论："
        + (
            f"缺少中文字体，不能生成正确的文书。请安装：{INSTALL_COMMAND}"
            if report.exit_code
            else "可以生成文书。"
            if not warnings
            else "可以生成文书，但字体与公文标准不同（见警告）。"
        )
    )
    return report


def _role_line(font: RoleFont) -> str:
    if not font.family:
        return f"{font.role}：无法检查（找不到 fc-match）"
    where = (
        "首选"
        if font.position == 0
        else "最后的备选"
        if font.fallback and font.position > 0
        else f"第 {font.position + 1} 选"
        if font.position > 0
        else "系统替换"
    )
    coverage = ("公文字形，含中文" if not font.fallback else "含中文") if font.cjk else "不含中文！"
    return f"{font.role}：{font.family}（{where}，{coverage}） {font.file}"
