"""The report charts as a county reviewer reads them (issue 18 item 7): parsed back from the SVG in the
reports' HTML of real sample runs, and from the chart functions with crowded input.

Text boxes are measured with a generous estimate (a CJK character 1 em, anything else 0.6 em), so that
two labels that do not overlap here cannot overlap in print.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from fenji.api import RunOptions, run
from fenji.core import render

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
SVG = "{http://www.w3.org/2000/svg}"
POINT_MM = 25.4 / 72
THRESHOLD_FILL = "#a61b1b"
REPORTS = ("xingji-daan", "xingji-dashui", "shixing", "dingji")


@pytest.fixture(scope="module")
def report_charts(tmp_path_factory) -> dict[str, list[ET.Element]]:
    """Every chart of each sample run's 汇总报告 (HTML kept with `html=True`), per profile."""
    charts = {}
    for profile in REPORTS:
        out = tmp_path_factory.mktemp(profile) / "out"
        run(RunOptions(SAMPLES / profile, profile, 2027, out, notice_date=dt.date(2027, 4, 10), workers=1, html=True))
        html = (out / "documents" / "汇总报告.html").read_text(encoding="utf-8")
        charts[profile] = [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", html, re.S)]
    return charts


def _texts(svg: ET.Element) -> list[ET.Element]:
    return list(svg.iter(f"{SVG}text"))


def printed_points(svg: ET.Element, text: ET.Element) -> float:
    """A text's size as printed: font-size × printed width / viewBox width."""
    view_width = float(svg.get("viewBox").split()[2])
    width_mm = float(svg.get("width").removesuffix("mm"))
    return float(text.get("font-size")) * width_mm / view_width / POINT_MM


def box(text: ET.Element) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of an unrotated text in viewBox units."""
    size, x, y = float(text.get("font-size")), float(text.get("x")), float(text.get("y"))
    width = sum(1.0 if ord(ch) >= 0x2E80 else 0.6 for ch in text.text or "") * size
    left = {"start": x, "middle": x - width / 2, "end": x - width}[text.get("text-anchor", "start")]
    return left, y - size, left + width, y + 0.2 * size


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def threshold_labels(svg: ET.Element) -> list[ET.Element]:
    return [t for t in _texts(svg) if t.get("fill") == THRESHOLD_FILL]


def legend(svg: ET.Element) -> list[tuple[str, str]]:
    """(name, colour) of each legend entry: a 14-unit swatch and the text right of it."""
    swatches = [r for r in svg.iter(f"{SVG}rect") if r.get("width") == "14" and r.get("height") == "14"]
    texts = [t for t in _texts(svg) if t.get("text-anchor") == "start"]
    entries = []
    for swatch in swatches:
        x, y = float(swatch.get("x")), float(swatch.get("y"))
        name = next(
            t.text for t in texts if abs(float(t.get("x")) - x - 18) < 0.5 and abs(float(t.get("y")) - y - 12) < 1
        )
        entries.append((name, swatch.get("fill")))
    return entries


def bars(svg: ET.Element) -> list[tuple[str, float]]:
    """(colour, height) of each bar (legend swatches and label backgrounds excluded)."""
    return [
        (r.get("fill"), float(r.get("height")))
        for r in svg.iter(f"{SVG}rect")
        if r.get("width") != "14" and r.get("fill") not in ("#fff",)
    ]


def assert_chart_reads(svg: ET.Element) -> None:
    for text in _texts(svg):
        assert printed_points(svg, text) >= 9, f"“{text.text}” prints at {printed_points(svg, text):.1f} pt"
    labels = [box(t) for t in threshold_labels(svg)]
    for n, a in enumerate(labels):
        for b in labels[n + 1 :]:
            assert not overlap(a, b), "threshold labels print over each other"
    entries = legend(svg)
    colours = [colour for _, colour in entries]
    assert len(set(colours)) == len(colours), f"two series share a colour: {entries}"
    drawn = {colour for colour, height in bars(svg) if height > 0}
    for name, colour in entries:
        assert colour in drawn, f"legend entry {name} has no bar"


@pytest.mark.parametrize("profile", REPORTS)
def test_every_report_chart_is_readable(report_charts, profile):
    charts = report_charts[profile]
    assert charts, f"{profile}: the report has no chart"
    for svg in charts:
        assert_chart_reads(svg)


def test_the_star_histogram_labels_every_threshold(report_charts):
    histogram = next(svg for svg in report_charts["xingji-daan"] if svg.get("aria-label") == "总分分布")
    assert [t.text for t in threshold_labels(histogram)] == [
        "一星（70分起）",
        "二星（75分起）",
        "三星（80分起）",
        "四星（85分起）",
        "五星（90分起）",
    ]


def test_shixing_distribution_shows_only_the_grades_someone_has(report_charts):
    bar_chart = next(svg for svg in report_charts["shixing"] if svg.get("aria-label") == "各单位等次分布")
    names = [name for name, _ in legend(bar_chart)]
    assert names == ["十星", "九星", "八星", "七星", "未评定"]


def test_crowded_thresholds_are_staggered_and_never_overlap():
    bands = [(Decimal(v), f"第{n}档") for n, v in enumerate([99, 97, 96, 95, 60, 59.5, 0])]
    svg = ET.fromstring(str(render.svg_histogram([Decimal(55), Decimal(96), Decimal(99)], bands)))
    labels = threshold_labels(svg)
    assert len(labels) == 6
    assert_chart_reads(svg)
    assert len({t.get("y") for t in labels}) > 1  # staggered in rows
    width = float(svg.get("viewBox").split()[2])
    assert all(0 <= box(t)[0] and box(t)[2] <= width for t in labels)  # none runs off the chart


def test_thirteen_series_have_thirteen_colours_and_empty_ones_are_dropped():
    series = [f"{n}星" for n in range(12, 0, -1)] + ["待定", "未评定", "不参评"]
    values = [[1] * 13 + [0, 2], [2] * 13 + [0, 0]]
    svg = ET.fromstring(str(render.svg_grouped_bars(["甲乡", "乙乡"], series, values)))
    names = [name for name, _ in legend(svg)]
    assert "未评定" not in names and len(names) == 14
    assert_chart_reads(svg)


def test_chart_units_print_at_the_asked_size():
    svg = ET.fromstring(str(render.svg_histogram([Decimal(80)], [(Decimal(70), "一星")])))
    sizes = {round(printed_points(svg, t), 1) for t in _texts(svg)}
    assert min(sizes) >= 9 and sizes <= {render.SMALL_PT, render.LABEL_PT}
