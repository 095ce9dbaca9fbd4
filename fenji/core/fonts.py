"""Fonts for the documents: which installed family each role of documents.md resolves to, and the
run's font warnings (also what `fenji doctor` reports).

Asks fontconfig (`fc-match`, the same library Pango and WeasyPrint use) which family each font role
of documents.md resolves to, whether HarfBuzz subsetting is loadable (without it WeasyPrint falls
back to fontTools, about 40 times slower on CJK fonts, and says so only in a log nobody reads), and
which characters no installed font covers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

CJK_LANG = "zh-cn"

# documents.md, "Fonts": a family stack per role, the first installed wins; the last is the fallback.
# FandolSong and FandolHei are not in the standard's 小标宋 and 黑体 stacks; they are added before the
# Noto fallback because the set-up installs them (texlive-lang-chinese) and they have the GB glyph
# shapes of 宋体 and 黑体, so a fresh machine's titles and headings are not a fallback either.
ROLES: dict[str, list[str]] = {
    "小标宋": ["方正小标宋简体", "FZXiaoBiaoSong-B05S", "FandolSong", "Noto Serif CJK SC"],
    "仿宋": ["仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "FandolFang", "Noto Serif CJK SC"],
    "黑体": ["黑体", "SimHei", "FandolHei", "Noto Sans CJK SC"],
    "楷体": ["楷体_GB2312", "KaiTi", "FandolKai", "AR PL UKai CN", "LXGW WenKai", "Noto Serif CJK SC"],
}
# A 宋体 stands in for 小标宋 only when set bold (小标宋 itself is heavy and is set regular).
BOLD_TITLE_STAND_INS = ("FandolSong", "Noto Serif CJK SC")

# What to install when no font covers Chinese (Debian; the README's set-up does it).
INSTALL_COMMAND = (
    "sudo apt-get install fonts-noto-cjk && sudo apt-get install --no-install-recommends texlive-lang-chinese"
)


@dataclass(frozen=True)
class RoleFont:
    """The family fontconfig picks for one role's stack, and where it stands in that stack."""

    role: str
    stack: tuple[str, ...]
    family: str = ""
    file: str = ""
    index: int = 0  # face index in a .ttc collection
    cjk: bool = False
    position: int = -1  # index in the stack; -1 when fontconfig substituted another family

    @property
    def fallback(self) -> bool:
        """True when none of the preferred families is installed (last entry or a substitute)."""
        return self.position in (-1, len(self.stack) - 1)


def _fc_escape(family: str) -> str:
    """fontconfig pattern syntax: `-`, `:`, `,` and `\\` in a family name need a backslash."""
    return "".join("\\" + ch if ch in "-:,\\" else ch for ch in family)


def _fc_match(families: list[str]) -> tuple[str, str, str, str] | None:
    """(family names, file, face index, languages) of fontconfig's best match, Chinese preferred."""
    if shutil.which("fc-match") is None:
        return None
    pattern = ",".join(_fc_escape(f) for f in families) + f":lang={CJK_LANG}"
    try:
        done = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}\t%{index}\t%{lang}", pattern],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    parts = done.stdout.split("\t")
    return (parts[0], parts[1], parts[2], parts[3]) if len(parts) == 4 else None


@functools.cache
def resolve(role: str) -> RoleFont:
    """Which family fontconfig resolves for a role (cached: fonts do not change during a run)."""
    stack = tuple(ROLES[role])
    match = _fc_match(list(stack))
    if match is None:
        return RoleFont(role, stack)
    names, file, index, langs = match
    lowered = [n.strip().lower() for n in names.split(",")]
    position = next((i for i, family in enumerate(stack) if family.lower() in lowered), -1)
    return RoleFont(role, stack, names.split(",")[0], file, int(index or 0), CJK_LANG in langs.split("|"), position)


def resolve_all() -> list[RoleFont]:
    return [resolve(role) for role in ROLES]


def title_is_bold() -> bool:
    """Whether titles are set bold: when 小标宋 resolved to a 宋体 stand-in or a substitute."""
    font = resolve("小标宋")
    return font.position == -1 or font.stack[font.position] in BOLD_TITLE_STAND_INS


def no_chinese_font() -> str:
    """The error when no role resolves to a font that covers Chinese (every PDF would print boxes), or ""."""
    if any(font.cjk for font in resolve_all()):
        return ""
    return (
        "没有安装任何含中文的字体，文书中的中文会印成方框，因此本次没有生成 PDF 文书（结果表格和问题清单照常写出）。"
        f"请安装中文字体：{INSTALL_COMMAND}，然后运行 fenji doctor 检查，再重新运行。"
    )


def font_warnings() -> list[str]:
    """One sentence per role that lost its preferred families (for the run's problem list)."""
    messages = []
    for font in resolve_all():
        if not font.family:
            messages.append(
                f"无法检查字体角色“{font.role}”（找不到 fontconfig 的 fc-match 命令），"
                "文书中的中文可能显示为方框。请安装 fontconfig 后运行 fenji doctor。"
            )
        elif not font.cjk:
            messages.append(
                f"字体角色“{font.role}”没有可用的中文字体（解析为 {font.family}），文书中的中文将显示为方框。"
                "请安装 fonts-noto-cjk 或标准公文字体。"
            )
        elif font.position == -1:
            messages.append(
                f"字体角色“{font.role}”的字体（{'、'.join(font.stack)}）均未安装，"
                f"系统替换为 {font.family}。请安装标准公文字体。"
            )
        elif font.fallback:
            messages.append(
                f"字体角色“{font.role}”未安装首选字体（{'、'.join(font.stack[:-1])}），"
                f"使用最后的备选 {font.family}：字形与公文标准字体不同。"
            )
    return messages


@functools.cache
def _cmap(file: str, index: int) -> frozenset[int]:
    try:
        from fontTools.ttLib import TTFont

        return frozenset(TTFont(file, fontNumber=index, lazy=True).getBestCmap())
    except Exception:  # an unreadable font covers nothing; fontconfig's answer below still counts
        return frozenset()


def _any_font_has(char: str) -> bool:
    if shutil.which("fc-list") is None:
        return True
    try:
        done = subprocess.run(
            ["fc-list", f":charset={ord(char):x}", "family"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return True
    return bool(done.stdout.strip())


def uncovered(chars: set[str], limit: int = 200) -> set[str]:
    """The printable characters no installed font covers (they would print as empty boxes).

    The role fonts' character maps answer for almost everything; the few characters left over are
    asked of fontconfig one by one (Pango falls back to any installed font that has them).
    """
    wanted = {ch for ch in chars if ord(ch) > 0x7F and unicodedata.category(ch)[0] not in "CZ"}
    covered: set[int] = set()
    for font in resolve_all():
        if font.file:
            covered |= _cmap(font.file, font.index)
    rest = sorted(ch for ch in wanted if ord(ch) not in covered)
    return {ch for ch in rest[:limit] if not _any_font_has(ch)}


def harfbuzz_subset() -> str:
    """The loadable HarfBuzz subsetting library's name, or "" when WeasyPrint must use fontTools."""
    for name in ("libharfbuzz-subset.so.0", ctypes.util.find_library("harfbuzz-subset")):
        if not name:
            continue
        try:
            ctypes.CDLL(name)
            return name
        except OSError:
            continue
    return ""


def subsetter_warning() -> str:
    """A sentence when font subsetting will be slow, else ""."""
    if harfbuzz_subset():
        return ""
    return (
        "找不到 HarfBuzz 子集化库（libharfbuzz-subset.so.0），WeasyPrint 改用 fontTools 嵌入字体，"
        "每份文书约慢 15 秒。请安装 libharfbuzz-subset0。"
    )
