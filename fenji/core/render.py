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
    env.filters["keep_words"] = keep_words
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


# words a narrow table header keeps on one line (不列入/星级, never 不列入星/级)
HEADER_WORDS = re.compile("星级|等次|评定|参评|党员干部|群众")


def keep_words(value) -> Markup:
    """A Jinja filter for headers: HEADER_WORDS never broken across lines (no-break spans)."""
    html = str(escape(value))
    return Markup(HEADER_WORDS.sub(lambda m: f'<span class="nowrap">{m.group()}</span>', html))


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

# twelve colours told apart in print and on screen (a profile may have eleven grades), then the special grades
GRADE_COLOURS = [
    "#a61b1b",
    "#e07b39",
    "#3c6e9f",
    "#4d4d4d",
    "#8a6d3b",
    "#5b7f3a",
    "#7b4f9d",
    "#2a9d8f",
    "#c9437a",
    "#9aa83a",
    "#1f3a5f",
    "#b07d62",
]
SPECIAL_COLOURS = {"待定": "#d4a72c", "未评定": "#b8b8b8", "不参评": "#e2d9c8"}
# WeasyPrint's SVG text splits this on commas and strips quotes only at the ends: no spaces, no quotes;
# set on every <text> (it does not inherit), with the SC family named (no lang in SVG text)
CHART_FONT = ",".join(fonts.ROLES["黑体"])
CHART_WIDTH = 624  # viewBox units across the chart, printed 156 mm wide (the type area): 1 unit = 0.25 mm
PRINT_MM = 156
MM_PER_POINT = 25.4 / 72
# sizes in points as printed (documents.md: nothing under 9 pt), turned into viewBox units
SMALL_PT, LABEL_PT = 9.5, 10.5


def chart_units(points: float) -> float:
    """A printed size in points as viewBox units (the SVG is scaled from CHART_WIDTH to PRINT_MM)."""
    return round(points * MM_PER_POINT * CHART_WIDTH / PRINT_MM, 1)


SMALL, LABEL = chart_units(SMALL_PT), chart_units(LABEL_PT)


def text_width(text: str, size: float) -> float:
    """A generous width estimate: a CJK character is 1 em, anything else 0.6 em."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.6 for ch in str(text)) * size


def _text(x: float, y: float, text: str, size: float = LABEL, anchor: str = "middle", extra: str = "") -> str:
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
        f'width="{width * PRINT_MM / CHART_WIDTH:.0f}mm" height="{height * PRINT_MM / CHART_WIDTH:.0f}mm" '
        f'role="img" aria-label="{escape(label)}">' + "".join(body) + "</svg>"
    )


def _y_axis(left: float, top: float, bottom: float, right: float, peak: int) -> tuple[list[str], float]:
    """Horizontal grid lines with counts; returns the drawing and the scale (units per count)."""
    step = _axis_step(max(peak, 1))
    ceiling = -(-max(peak, 1) // step) * step
    scale = (bottom - top) / ceiling
    parts = []
    for value in range(0, ceiling + 1, step):
        y = bottom - value * scale
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#bbb" stroke-width="0.6"/>')
        parts.append(_text(left - 6, y + SMALL * 0.35, value, SMALL, "end"))
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#000" stroke-width="1"/>')
    return parts, scale


def series_colours(series: list[str]) -> list[str]:
    """One colour per series, none repeated: the special grades keep theirs, the others take the palette in order."""
    colours, n = [], 0
    for name in series:
        if name in SPECIAL_COLOURS:
            colours.append(SPECIAL_COLOURS[name])
        else:
            colours.append(GRADE_COLOURS[n % len(GRADE_COLOURS)])
            n += 1
    return colours


def svg_grouped_bars(groups: list[str], series: list[str], values: list[list[int]]) -> Markup:
    """Bars of counts: one group per unit, one bar per grade, a legend on top. A grade nobody has is left
    out of the bars and the legend (a legend of twelve mostly empty entries reads as noise)."""
    kept = [s for s in range(len(series)) if any(row[s] for row in values if s < len(row))]
    series = [series[s] for s in kept]
    values = [[row[s] for s in kept] for row in values]
    colours = series_colours(series)
    width, height, left, right = CHART_WIDTH, 320, 44, 614
    top = 30 + 22 * len(_legend_lines(series, left, right)) + 10  # a long legend wraps
    tilt = len(groups) > 6
    bottom = height - (84 if tilt else 40)
    peak = max((v for row in values for v in row), default=0)
    parts, scale = _y_axis(left, top, bottom, right, peak)
    slot = (right - left) / max(len(groups), 1)
    bar = slot * 0.8 / max(len(series), 1)
    for g, (group, row) in enumerate(zip(groups, values)):
        x0 = left + g * slot + slot * 0.1
        for s, value in enumerate(row):
            x, h = x0 + s * bar, value * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar * 0.92:.1f}" height="{h:.1f}" fill="{colours[s]}"/>'
            )
            if value and bar >= text_width(value, SMALL):
                parts.append(_text(x + bar * 0.46, bottom - h - 3, value, SMALL))
        cx = left + g * slot + slot / 2
        rotate = f' transform="rotate(-35 {cx:.1f} {bottom + 16})"' if tilt else ""
        parts.append(_text(cx, bottom + 20, group, LABEL, "end" if tilt else "middle", rotate))
    parts.extend(_legend(series, colours, left, 30, right))
    return _svg(width, height, parts, "各单位等次分布")


def _legend_lines(series: list[str], x: float, limit: float) -> list[list[tuple[int, str, float]]]:
    """The legend's entries (index, name, x) in lines that end before `limit`."""
    lines, line, at = [], [], x
    for s, name in enumerate(series):
        step = 18 + text_width(name, LABEL) + 16
        if line and at + step - 16 > limit:
            lines.append(line)
            line, at = [], x
        line.append((s, name, at))
        at += step
    return lines + [line] if line else lines


def _legend(series: list[str], colours: list[str], x: float, y: float, limit: float = 614) -> list[str]:
    parts = []
    for n, line in enumerate(_legend_lines(series, x, limit)):
        for s, name, at in line:
            row = y + 22 * n
            parts.append(f'<rect x="{at:.1f}" y="{row - 12:.1f}" width="14" height="14" fill="{colours[s]}"/>')
            parts.append(_text(at + 18, row, name, LABEL, "start"))
    return parts


def _plain_number(value) -> str:
    return format(value, "f").rstrip("0").rstrip(".") if "." in format(value, "f") else format(value, "f")


def label_rows(labels: list[tuple[float, float]], gap: float = 6) -> list[int]:
    """For labels (x, width) starting at x, the row each goes on: the first row where it does not touch
    a label already placed there (threshold labels 5 points apart would print over each other)."""
    ends: list[float] = []  # per row, where its last label ends
    rows = []
    for x, width in labels:
        row = next((r for r, end in enumerate(ends) if x >= end + gap), len(ends))
        if row == len(ends):
            ends.append(x + width)
        else:
            ends[row] = x + width
        rows.append(row)
    return rows


def svg_histogram(scores: list, bands: list[tuple], width_points: int = 5) -> Markup:
    """Final scores in bins of `width_points` (the last bin includes 100), band limits dashed and labelled,
    the labels staggered in rows so that none covers another."""
    width, left, right = CHART_WIDTH, 44, 614
    if not scores:
        return _svg(width, 290, [_text(width / 2, 145, "无得分数据", LABEL)], "总分分布")
    low = min(50, int(min(scores) // width_points * width_points))
    edges = list(range(low, 100, width_points)) + [100]
    unit = (right - left) / (edges[-1] - edges[0])
    marks = [(float(b), grade) for b, grade in bands if low < b < 100]
    marks.sort()
    texts = [f"{grade}（{_plain_number(b)}分起）" for b, grade in marks]
    xs = [left + (b - low) * unit for b, _ in marks]
    # a label that would run past the right edge is drawn to the left of its line
    starts = [
        x + 4 if x + 4 + text_width(t, SMALL) <= width else x - 4 - text_width(t, SMALL) for x, t in zip(xs, texts)
    ]
    rows = label_rows([(s, text_width(t, SMALL)) for s, t in zip(starts, texts)])
    line_height = SMALL + 6
    top = 16 + line_height * (max(rows, default=-1) + 1) + 10
    bottom = top + 212
    height = bottom + 50
    counts = [0] * (len(edges) - 1)
    for score in scores:
        index = min(int((score - low) // width_points), len(counts) - 1)
        counts[max(index, 0)] += 1
    parts, scale = _y_axis(left, top, bottom, right, max(counts))
    for n, count in enumerate(counts):
        x, h = left + (edges[n] - low) * unit, count * scale
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{bottom - h:.1f}" width="{width_points * unit - 2:.1f}" height="{h:.1f}" '
            f'fill="#7f9cb0" stroke="#38546a" stroke-width="0.6"/>'
        )
        if count:
            parts.append(_text(x + width_points * unit / 2, bottom - h - 3, count, SMALL))
    for edge in edges:
        parts.append(_text(left + (edge - low) * unit, bottom + SMALL + 6, edge, SMALL))
    parts.append(_text((left + right) / 2, bottom + SMALL + LABEL + 14, "总分", LABEL))
    baselines = [16 + line_height * row + SMALL * 0.8 for row in rows]
    for x, baseline in zip(xs, baselines):
        parts.append(
            f'<line x1="{x:.1f}" y1="{baseline - SMALL:.1f}" x2="{x:.1f}" y2="{bottom}" stroke="#a61b1b" '
            'stroke-width="1" stroke-dasharray="4 3"/>'
        )
    for start, text, baseline in zip(
        starts, texts, baselines
    ):  # over the lines, on white: a line never crosses a label
        parts.append(
            f'<rect x="{start - 2:.1f}" y="{baseline - SMALL:.1f}" width="{text_width(text, SMALL) + 4:.1f}" '
            f'height="{SMALL + 3:.1f}" fill="#fff"/>'
        )
        parts.append(_text(start, baseline, text, SMALL, "start", ' fill="#a61b1b"'))
    return _svg(width, height, parts, "总分分布")
