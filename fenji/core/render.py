"""Stage 8 machinery: Jinja2 templates to HTML, HTML to PDF with WeasyPrint.

Templates come from the user's folder first (`--templates DIR`), then the built-ins, so a county
can change the wording or the look without touching code. Autoescaping is on (a branch named
`<b>x</b>` prints as typed) and undefined names fail loudly (StrictUndefined): a template may use
only what its document's data object provides.

One `FontConfiguration` is shared per process: a fresh one per document grew a process from
120 MB to 565 MB over 300 documents. Many small documents (one 通知书 per branch) are laid out as
one HTML document and cut into one PDF each (`Part.anchor` marks where each starts).
"""

from __future__ import annotations

import copy
import datetime as dt
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from fenji.core import fonts


def builtin_templates() -> Path:
    """The shared templates (bases, macros, styles), beside this module."""
    return Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class FontFaces:
    """CSS font-family stacks per role (documents.md), for templates as the global `fonts`."""

    title: Markup
    body: Markup
    heading: Markup
    kai: Markup
    title_weight: str


def font_faces() -> FontFaces:
    """The stacks of `fenji.core.fonts.ROLES`; the title is bold only when 小标宋 resolves to a 宋体 stand-in."""
    stacks = {role: Markup(", ".join(f'"{name}"' for name in names)) for role, names in fonts.ROLES.items()}
    title_weight = "bold" if fonts.title_is_bold() else "normal"
    return FontFaces(stacks["小标宋"], stacks["仿宋"], stacks["黑体"], stacks["楷体"], title_weight)


def environment(user_folder: Path | None = None, folders: list[Path] = ()) -> jinja2.Environment:
    """Templates from `user_folder` first, then `folders` (a system's own), then the shared bases;
    autoescape on, StrictUndefined."""
    loaders = [jinja2.FileSystemLoader(str(user_folder))] if user_folder else []
    loaders.append(jinja2.FileSystemLoader([str(p) for p in folders] + [str(builtin_templates())]))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["fonts"] = font_faces()
    env.filters["keep_quotes"] = keep_quotes
    env.filters["balance"] = balance_markup
    return env


def render_html(env: jinja2.Environment, template: str, doc) -> str:
    """The HTML of one document; the template sees its data object as `doc`."""
    return env.get_template(template).render(doc=doc)


OPENING, CLOSING = "（「『“《〔【", "）」』”》〕】，。、；：！？"
GOOD_BREAKS = ("年度", "关于", "）", "〕")
# words a title line never splits (村党/组织, 村级组/织, 党员干部群/众 read as misprints)
KEEP_WORDS = (
    "村（社区）",
    "村党组织",
    "基层党组织",
    "党员干部群众",
    "党组织",
    "党支部",
    "党总支",
    "村级组织",
    "党员干部",
    "群众",
    "社区",
    "组织部门",
    "分类定级",
    "分类升级",
    "星级评定",
    "创建评定",
    "满意度",
    "测评",
    "汇总表",
    "汇总报告",
    "评分定级表",
    "结果",
    "名单",
    "公示",
    "通知书",
)
QUOTED = re.compile(r"“[^”<>]{1,12}”")


def keep_quotes(value) -> Markup:
    """A Jinja filter: short quoted terms (“一般”, “十星”) never broken across lines (a no-break span)."""
    html = str(escape(value))
    return Markup(QUOTED.sub(lambda m: f'<span class="nowrap">{m.group()}</span>', html))


def balance_markup(value, width: float = 20) -> list[str]:
    """A Jinja filter: balance_lines over a rendered block (Markup): the lines as plain text, escaped again
    when printed, so that a break never falls inside an entity like `&amp;`."""
    return balance_lines(Markup(value).unescape() if isinstance(value, Markup) else str(value), width)


def _em(ch: str) -> float:
    return 0.5 if ord(ch) < 0x2E80 else 1.0


def _breakable(text: str, i: int) -> bool:
    """May a line break fall before text[i]? Not inside brackets, digit or Latin runs, or at punctuation."""
    before, after = text[i - 1], text[i]
    if after in CLOSING or before in OPENING or (_em(before) < 1 and _em(after) < 1):
        return False
    depth = sum(1 if ch in "（「『“《〔【" else -1 if ch in "）」』”》〕】" else 0 for ch in text[:i])
    return depth <= 0 and not _inside_word(text, i)


def _inside_word(text: str, i: int) -> bool:
    """Does a break before text[i] split one of KEEP_WORDS?"""
    for word in KEEP_WORDS:
        start = text.find(word, max(0, i - len(word) + 1))
        while start != -1 and start < i:
            if start < i < start + len(word):
                return True
            start = text.find(word, start + 1)
    return False


def balance_lines(text: str, width: float = 20) -> list[str]:
    """A title broken into lines of nearly equal width, measured in em (GB/T 9704: 梯形或菱形).

    Breaks never fall inside brackets or numbers and prefer to follow 年度, 关于 or a closing bracket.
    """
    widths = [_em(ch) for ch in text]
    total = sum(widths)
    if total <= width:
        return [text]
    count = int(-(-total // width))
    cuts, start = [], 0
    for k in range(1, count):
        target = total * k / count
        best, best_cost = None, None
        position = sum(widths[:start])
        for i in range(start + 1, len(text)):
            position += widths[i - 1]
            if not _breakable(text, i) or position > width * k + 0.01:
                continue
            cost = abs(position - target) - (0.8 if text[:i].endswith(GOOD_BREAKS) else 0)
            if best_cost is None or cost < best_cost:
                best, best_cost = i, cost
        if best is None:
            break
        cuts.append(best)
        start = best
    bounds = [0] + cuts + [len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def cn_date(day: dt.date) -> str:
    """`2027年4月9日`: Arabic numerals without leading zeros (GB/T 9704)."""
    return f"{day.year}年{day.month}月{day.day}日"


# --- PDF ------------------------------------------------------------------------------------

_FONT_CONFIG = None


def font_config():
    """The process's one WeasyPrint FontConfiguration."""
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


@dataclass
class Part:
    """One PDF cut from a laid-out document: the pages from `anchor` (an element id) to the next part's."""

    path: Path
    title: str
    anchor: str | None = None


@dataclass
class Job:
    """One HTML document, laid out once, and the PDF file(s) written from its pages."""

    html: str
    parts: list[Part] = field(default_factory=list)
    editable: bool = False  # --docx writes a Word copy beside each part (公示, 通知书, 表彰决定, 汇总报告)


def run_job(job: Job, variant: str | None = None) -> list[tuple[Path, int]]:
    """Lay the HTML out and write each part; returns (path, pages) per part."""
    from weasyprint import HTML

    document = HTML(string=job.html, base_url=str(builtin_templates()) + "/").render(font_config=font_config())
    written = []
    for part, pages in _split(document, job.parts):
        piece = document
        if part.anchor is not None:  # a piece of a batch: its own pages and its own title
            piece = document.copy(pages)
            piece.metadata = copy.copy(document.metadata)
            piece.metadata.title = part.title
        part.path.parent.mkdir(parents=True, exist_ok=True)
        piece.write_pdf(part.path, pdf_variant=variant)
        written.append((part.path, len(pages)))
    return written


def _split(document, parts: list[Part]) -> list[tuple[Part, list]]:
    if len(parts) == 1 and parts[0].anchor is None:
        return [(parts[0], document.pages)]
    starts: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            starts.setdefault(anchor, number)
    first = [starts[part.anchor] for part in parts]
    last = first[1:] + [len(document.pages)]
    return [(part, document.pages[a:b]) for part, a, b in zip(parts, first, last)]


def run_jobs(jobs: list[Job], variant: str | None = None, workers: int = 1) -> list[tuple[Path, int]]:
    """Every job, in worker processes when asked (each with its own shared FontConfiguration)."""
    if workers <= 1 or len(jobs) < 2:
        return [item for job in jobs for item in run_job(job, variant)]
    # fork (as the readers do): spawn would re-run the caller's __main__ in every worker
    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        return [item for items in pool.map(run_job, jobs, repeat(variant)) for item in items]


# --- charts (SVG drawn here, no plotting library: crisp when printed, and fonts named explicitly) --

GRADE_COLOURS = ["#a61b1b", "#e07b39", "#7f9cb0", "#4d4d4d", "#8a6d3b", "#5b7f3a"]
SPECIAL_COLOURS = {"待定": "#d4a72c", "未评定": "#c8c8c8", "不参评": "#e6e6e6"}
# WeasyPrint's SVG text splits this on commas and strips quotes only at the ends: no spaces, no quotes;
# set on every <text> (it does not inherit), with the SC family named (no lang in SVG text)
CHART_FONT = ",".join(fonts.ROLES["黑体"])


def _text(x: float, y: float, text: str, size: float = 11, anchor: str = "middle", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{CHART_FONT}" font-size="{size}" text-anchor="{anchor}"{extra}>'
        f"{escape(str(text))}</text>"
    )


def _axis_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if top / step <= 6:
            return step
    return max(1, top // 5)


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width / 4:.0f}mm" height="{height / 4:.0f}mm" '
        f'role="img" aria-label="{escape(label)}">' + "".join(body) + "</svg>"
    )


def _y_axis(left: int, top: int, bottom: int, right: int, peak: int) -> tuple[list[str], float]:
    """Horizontal grid lines with counts; returns the drawing and the scale (units per count)."""
    step = _axis_step(max(peak, 1))
    ceiling = -(-max(peak, 1) // step) * step
    scale = (bottom - top) / ceiling
    parts = []
    for value in range(0, ceiling + 1, step):
        y = bottom - value * scale
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#bbb" stroke-width="0.6"/>')
        parts.append(_text(left - 6, y + 4, value, 10, "end"))
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#000" stroke-width="1"/>')
    return parts, scale


def grade_colour(grade: str, index: int) -> str:
    return SPECIAL_COLOURS.get(grade, GRADE_COLOURS[index % len(GRADE_COLOURS)])


def svg_grouped_bars(groups: list[str], series: list[str], values: list[list[int]]) -> Markup:
    """Bars of counts: one group per unit, one bar per grade, a legend on top."""
    width, height, left, right = 624, 300, 40, 614
    top = 44 + 16 * (len(_legend_lines(series, left, right)) - 1)  # a long legend wraps (shixing: 12)
    tilt = len(groups) > 6
    bottom = height - (70 if tilt else 34)
    peak = max((v for row in values for v in row), default=0)
    parts, scale = _y_axis(left, top, bottom, right, peak)
    slot = (right - left) / max(len(groups), 1)
    bar = slot * 0.8 / max(len(series), 1)
    for g, (group, row) in enumerate(zip(groups, values)):
        x0 = left + g * slot + slot * 0.1
        for s, value in enumerate(row):
            x, h = x0 + s * bar, value * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar * 0.92:.1f}" height="{h:.1f}" '
                f'fill="{grade_colour(series[s], s)}"/>'
            )
            if value and bar >= 9:
                parts.append(_text(x + bar * 0.46, bottom - h - 3, value, 9))
        cx = left + g * slot + slot / 2
        rotate = f' transform="rotate(-35 {cx:.1f} {bottom + 14})"' if tilt else ""
        parts.append(_text(cx, bottom + 16, group, 11, "end" if tilt else "middle", rotate))
    parts.extend(_legend(series, left, 16, right))
    return _svg(width, height, parts, "各单位等次分布")


def _legend_lines(series: list[str], x: float, limit: float) -> list[list[tuple[int, str, float]]]:
    """The legend's entries (index, name, x) in lines that end before `limit`."""
    lines, line, at = [], [], x
    for s, name in enumerate(series):
        step = 28 + 12 * len(name)
        if line and at + step - 12 > limit:
            lines.append(line)
            line, at = [], x
        line.append((s, name, at))
        at += step
    return lines + [line] if line else lines


def _legend(series: list[str], x: float, y: float, limit: float = 614) -> list[str]:
    parts = []
    for n, line in enumerate(_legend_lines(series, x, limit)):
        for s, name, at in line:
            row = y + 16 * n
            parts.append(f'<rect x="{at:.1f}" y="{row - 9}" width="12" height="12" fill="{grade_colour(name, s)}"/>')
            parts.append(_text(at + 16, row + 1, name, 11, "start"))
    return parts


def _plain_number(value) -> str:
    return format(value, "f").rstrip("0").rstrip(".") if "." in format(value, "f") else format(value, "f")


def svg_histogram(scores: list, bands: list[tuple], width_points: int = 5) -> Markup:
    """Final scores in bins of `width_points` (the last bin includes 100), band limits dashed."""
    width, height, left, right, top, bottom = 624, 290, 40, 614, 44, 256
    if not scores:
        return _svg(width, height, [_text(width / 2, height / 2, "无得分数据", 14)], "总分分布")
    low = min(50, int(min(scores) // width_points * width_points))
    edges = list(range(low, 100, width_points)) + [100]
    counts = [0] * (len(edges) - 1)
    for score in scores:
        index = min(int((score - low) // width_points), len(counts) - 1)
        counts[max(index, 0)] += 1
    parts, scale = _y_axis(left, top, bottom, right, max(counts))
    unit = (right - left) / (edges[-1] - edges[0])
    for n, count in enumerate(counts):
        x, h = left + (edges[n] - low) * unit, count * scale
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{bottom - h:.1f}" width="{width_points * unit - 2:.1f}" height="{h:.1f}" '
            f'fill="#7f9cb0" stroke="#38546a" stroke-width="0.6"/>'
        )
        if count:
            parts.append(_text(x + width_points * unit / 2, bottom - h - 3, count, 10))
    for edge in edges:
        parts.append(_text(left + (edge - low) * unit, bottom + 15, edge, 10))
    parts.append(_text((left + right) / 2, bottom + 32, "总分", 11))
    for band_low, grade in bands:
        if low < band_low < 100:
            x = left + (float(band_low) - low) * unit
            parts.append(
                f'<line x1="{x:.1f}" y1="{top - 24}" x2="{x:.1f}" y2="{bottom}" stroke="#a61b1b" '
                'stroke-width="1" stroke-dasharray="4 3"/>'
            )
            parts.append(
                _text(x + 4, top - 14, f"{grade}（{_plain_number(band_low)}分起）", 10, "start", ' fill="#a61b1b"')
            )
    return _svg(width, height, parts, "总分分布")
