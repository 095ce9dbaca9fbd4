"""Every PDF `fenji demo` writes, for every built-in profile, read back as a county reviewer's tools
see it: pdffonts (the fonts are embedded subsets and the body is the 仿宋 role's font) and pdftotext
page by page (no page holds only a 落款, only notes or only a total row; GB/T 9704 keeps the 落款
with the last lines of the body)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from helpers import poppler
from test_documents_review import _lonely, pages

from fenji.api import demo
from fenji.core import fonts as roles
from fenji.systems import builtin_names

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("demo")
    return out, demo(out, workers=2)


def test_the_demo_writes_documents_for_every_built_in_profile(demo_out):
    _, runs = demo_out
    written = {name: len(result.documents) for name, result in runs}
    assert sorted(written) == sorted(builtin_names())
    assert all(written.values()), written


def _fonts(pdf: Path) -> list[str]:
    return poppler("pdffonts", str(pdf)).splitlines()[2:]


def test_every_demo_pdf_embeds_subset_fonts_and_sets_its_body_in_the_fangsong_role(demo_out):
    out, _ = demo_out
    body_font = roles.resolve("仿宋").family.replace(" ", "")  # FandolFang after the set-up
    pdfs = sorted(out.rglob("*.pdf"))
    assert len(pdfs) > 100
    not_embedded = [p.name for p in pdfs if not all(f.split()[-5:-2] == ["yes", "yes", "yes"] for f in _fonts(p))]
    without_body = [p.name for p in pdfs if not any(body_font in f for f in _fonts(p))]
    assert not not_embedded, not_embedded  # every font: emb, sub, uni
    assert not without_body, without_body


def test_no_demo_page_holds_only_a_signature_notes_or_a_total(demo_out):
    out, _ = demo_out
    found = []
    for pdf in sorted(out.rglob("*.pdf")):
        for n in range(1, pages(pdf) + 1):
            why = _lonely(poppler("pdftotext", "-f", str(n), "-l", str(n), "-raw", str(pdf), "-"))
            if why and not (why == "blank" and n == 1):
                found.append((pdf.relative_to(out).as_posix(), n, why))
    assert not found, Counter(why for *_, why in found)


def test_the_demo_never_dates_a_notice_before_the_rating_it_announces(demo_out):
    """The year-end rating (score sheets dated 考评日期：2027年12月20日) is announced at the year's end,
    the spring rating in spring."""
    out, _ = demo_out
    for folder, rated in (("wuhao", "2027年12月20日"), ("wuhao-年初", "2027年3月20日")):
        town = SAMPLES / folder / "清溪镇" / "清溪镇星级考评评分表.xlsx"
        assert openpyxl.load_workbook(town, read_only=True).active["I2"].value == f"考评日期：{rated}"
        notice = next((out / folder / "documents").rglob("清溪镇*公示.pdf"))
        start = re.search(r"公示期为(\d+)年(\d+)月(\d+)日", "".join(poppler("pdftotext", str(notice), "-").split()))
        assert dt.date(*map(int, start.groups())) > dt.date(*map(int, re.findall(r"\d+", rated))), notice.name
