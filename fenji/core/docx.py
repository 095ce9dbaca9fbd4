"""Editable Word copies (`--docx`): the HTML a document's PDF is laid out from, as a .docx.

A clerk retouches a 公示, a 通知书 or the 汇总报告 in WPS or Word; the copy is made from the same
rendered HTML that WeasyPrint gets (the same data objects, the same templates, so the same names,
grades and wording, and nothing a 公示 must not show), walked with the standard library's HTML
parser and written with python-docx:

* A4, margins 37/35/28/26 mm (top, bottom, inside, outside), mirrored for double-sided printing;
  page numbers `— 1 —`, 4号, on the outside of each page (GB/T 9704);
* paragraph styles named after the font roles of documents.md, each naming the first family of its
  role's stack (`fenji.core.fonts.ROLES`) for Latin and East Asian text alike, so that the clerk's
  PC, which has the GB fonts, uses them: 公文标题 (小标宋, 2号, centred), 一级标题 (黑体, 3号),
  二级标题 (楷体, 3号), Normal (仿宋, 3号, first line indented two characters, 22 lines a page);
* tables bordered, 仿宋 小四 (五号 where the PDF's is small), the header repeated on every page;
* the 落款 right-aligned, four characters in, the issuer centred over the date;
* a chart (inline SVG) becomes the line （图见 PDF 版）: a copy is for the words.

Several letters laid out as one HTML document (render.Part.anchor) give one copy each: the element
with the part's id is converted alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

from fenji.core import fonts

CHART_PLACEHOLDER = "（图见 PDF 版）"
BODY_PT = 16  # 3号
LINE_PT = 28.95  # 22 lines in the 225 mm text block
TABLE_PT, SMALL_TABLE_PT = 12, 10.5  # 小四, 五号 (fenji.css: table.data, table.data.small)
TEXT_WIDTH_MM = 210 - 28 - 26
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}  # left/right: inside/outside (mirrored)

# the paragraph styles: name → (font role, size in pt)
STYLES = {"公文标题": ("小标宋", 22), "一级标题": ("黑体", BODY_PT), "二级标题": ("楷体", BODY_PT)}

VOID = {"br", "col", "meta", "img", "hr", "input", "link", "wbr"}
SKIPPED = {"head", "style", "script", "title"}
BLOCKS = {"p", "h1", "h2", "h3", "h4", "div", "section", "table", "figure", "figcaption", "ol", "ul", "li", "svg"}
SPACE = re.compile(r"[ \t\n\r\f]+")
# characters XML 1.0 cannot hold (a control character typed into a roster cell): left out of the copy
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- the HTML as a small tree -------------------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict = field(default_factory=dict)
    children: list = field(default_factory=list)  # Node or str

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def find(self, test) -> Node | None:
        """The first element (depth first, this one included) for which test(element) holds."""
        if test(self):
            return self
        for child in self.children:
            if isinstance(child, Node):
                found = child.find(test)
                if found is not None:
                    return found
        return None

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]
        self.title = ""
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs) -> None:
        attrs = {k: v or "" for k, v in attrs}
        if tag == "meta" and "name" in attrs:
            self.meta[attrs["name"]] = attrs.get("content", "")
        node = Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag) -> None:
        if any(node.tag == tag for node in self.stack[1:]):
            while self.stack.pop().tag != tag:
                pass

    def handle_data(self, data) -> None:
        if self.stack[-1].tag == "title":
            self.title += data
        self.stack[-1].children.append(data)


@dataclass
class Page:
    """A parsed document: its tree and its <head>'s title, author and date."""

    root: Node
    title: str
    author: str
    created: str


def parse(html: str) -> Page:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    meta = builder.meta
    return Page(builder.root, builder.title.strip(), meta.get("author", ""), meta.get("dcterms.created", ""))


# --- inline content: runs --------------------------------------------------------------------


@dataclass
class Run:
    text: str
    bold: bool = False
    size: float | None = None
    role: str | None = None
    newline: bool = False  # a line break before the text


def runs_of(node: Node, bold: bool = False) -> list[Run]:
    """The inline content of a paragraph-like element, white space collapsed as a browser does."""
    found: list[Run] = []
    _inline(node, Run("", bold), found)
    return _collapse(found)


def _inline(node: Node, style: Run, found: list[Run]) -> None:
    for child in node.children:
        if isinstance(child, str):
            found.append(replace(style, text=child, newline=False))
            continue
        if child.tag in SKIPPED:
            continue
        if child.tag == "br":
            found.append(replace(style, text="", newline=True))
        elif child.tag == "svg":
            found.append(replace(style, text=CHART_PLACEHOLDER, newline=False))
        elif "sub" in child.classes:  # a second line in a cell, smaller (fenji.css: .sub)
            found.append(replace(style, text="", newline=True))
            _inline(child, replace(style, size=9), found)
        elif child.tag in ("b", "strong", "th"):
            _inline(child, replace(style, bold=True), found)
        else:
            _inline(child, style, found)


def _collapse(found: list[Run]) -> list[Run]:
    runs, space = [], True  # at the start of a line, white space is dropped
    for run in found:
        if run.newline:
            if runs and not run.text:
                runs[-1].text = runs[-1].text.rstrip(" ")
            space = True
        text = NOT_XML.sub("", SPACE.sub(" ", run.text))
        if space:
            text = text.lstrip(" ")
        if text:
            space = text.endswith(" ")
        if text or run.newline:
            runs.append(replace(run, text=text))
    if runs:
        runs[-1].text = runs[-1].text.rstrip(" ")
    return [r for r in runs if r.text or r.newline]


FULL_WIDTH_PUNCTUATION = set("“”‘’—…·")  # full width in a Chinese font, though below U+2E80


def em_width(text: str) -> float:
    """Width in em: CJK characters (and “”—…) one, Latin letters and digits half."""
    return sum(1.0 if ord(ch) >= 0x2E80 or ch in FULL_WIDTH_PUNCTUATION else 0.5 for ch in text)


# --- the Word document -------------------------------------------------------------------------


def role_font(role: str) -> str:
    """The family a copy names for a font role: the first of its stack (the GB font of an office PC)."""
    return fonts.ROLES[role][0]


def _set_fonts(rpr, family: str) -> None:
    """Latin, East Asian and complex-script font in an rPr; theme fonts removed (they would win)."""
    from docx.oxml.ns import qn

    rfonts = rpr.get_or_add_rFonts()
    for name in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(qn(f"w:{name}"), None)
    for name in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{name}"), family)


def _set_chinese(rpr) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _first_line_chars(paragraph_format, chars: int) -> None:
    """A first-line indent in characters (Word and WPS: firstLineChars, in hundredths)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph_format.first_line_indent = Pt(BODY_PT * chars)
    ind = paragraph_format._element.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))


def _styles(document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    defaults = document.styles.element.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}docDefaults")
    rpr = defaults.find(".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}rPr")
    _set_fonts(rpr, role_font("仿宋"))
    _set_chinese(rpr)
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr(), role_font("仿宋"))
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after = Pt(0), Pt(0)
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PT)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = True
    _first_line_chars(fmt, 2)
    _no_auto_space(normal.element.get_or_add_pPr())
    for name, (role, size) in STYLES.items():
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style, style.quick_style = normal, True
        style.font.size, style.font.bold = Pt(size), False
        _set_fonts(style.element.get_or_add_rPr(), role_font(role))
        style.paragraph_format.keep_with_next = True
        if name == "公文标题":
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            style.paragraph_format.line_spacing = Pt(36)
            style.paragraph_format.space_after = Pt(LINE_PT)
            _no_indent(style.paragraph_format)
        _outline_level(style, {"公文标题": 0, "一级标题": 1, "二级标题": 2}[name])


def _no_auto_space(ppr) -> None:
    """No extra space between Chinese and Latin text or digits (the PDF has none: `2027年`)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for name in ("autoSpaceDE", "autoSpaceDN"):
        flag = OxmlElement(f"w:{name}")
        flag.set(qn("w:val"), "0")
        _insert_after(ppr, flag, PPR_BEFORE_AUTOSPACE)


def _outline_level(style, level: int) -> None:
    """The navigation pane of Word and WPS lists the headings."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = style.element.get_or_add_pPr()
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), str(level))
    ppr.append(outline)


def _settings(document) -> None:
    """Odd and even pages differ (page numbers outside), margins mirrored (GB/T 9704: 双面印刷)."""
    from docx.oxml import OxmlElement

    settings = document.settings
    settings.odd_and_even_pages_header_footer = True
    _insert_after(settings.element, OxmlElement("w:mirrorMargins"), SETTINGS_BEFORE_MIRROR)


def _page(section) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance, section.footer_distance = Mm(15), Mm(22)


def _page_number(footer, side: str) -> None:
    """`— N —` in 4号 仿宋, one character in from the outside edge (fenji.css: page_number)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    fmt = paragraph.paragraph_format
    _no_indent(fmt)  # not the body's two characters
    fmt.line_spacing = 1.0
    fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT if side == "right" else WD_ALIGN_PARAGRAPH.LEFT
    if side == "right":
        fmt.right_indent = Pt(14)
    else:
        fmt.left_indent = Pt(14)

    def run(text: str = ""):
        made = paragraph.add_run(text)
        made.font.size = Pt(14)
        _set_fonts(made._r.get_or_add_rPr(), role_font("仿宋"))
        return made

    run("\u2014\u00a0")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        piece = run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            piece._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            piece._r.append(instr)
        else:
            piece.text = text
    run("\u00a0\u2014")


def _restart_numbering(section) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    numbering = OxmlElement("w:pgNumType")
    numbering.set(qn("w:start"), "1")
    _insert_after(section._sectPr, numbering, SECTION_BEFORE_NUMBERING)


# WordprocessingML keeps the children of w:settings and w:sectPr in a fixed order: what precedes
# the element added (Word refuses a file with them out of order)
SETTINGS_BEFORE_MIRROR = (
    "writeProtection view zoom removePersonalInformation removeDateAndTime doNotDisplayPageBoundaries "
    "displayBackgroundShape printPostScriptOverText printFractionalCharacterWidth printFormsData "
    "embedTrueTypeFonts embedSystemFonts saveSubsetFonts saveFormsData"
).split()
PPR_BEFORE_AUTOSPACE = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
    "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE"
).split()
SECTION_BEFORE_NUMBERING = (
    "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders lnNumType".split()
)


def _insert_after(parent, element, predecessors: list[str]) -> None:
    """Insert `element` before the first child that is not one of `predecessors` (local names)."""
    for child in parent:
        if child.tag.split("}")[-1] not in predecessors:
            child.addprevious(element)
            return
    parent.append(element)


@dataclass(frozen=True)
class Context:
    """How the enclosing elements set the paragraphs inside them."""

    centred: bool = False
    cover: bool = False
    notes: bool = False


class Builder:
    """Walks one document's tree and adds its paragraphs and tables to a python-docx Document."""

    def __init__(self, document) -> None:
        self.document = document
        self.page_break = False
        self.started = False
        self.cover_sections: set[int] = set()
        self.last = None

    # blocks

    def blocks(self, node: Node, context: Context) -> None:
        """An element holding blocks: the inline content between them becomes paragraphs."""
        pending = Node("p", {"class": "flush" if context.centred else ""})
        for child in node.children:
            if isinstance(child, Node) and child.tag in SKIPPED:
                continue
            if isinstance(child, Node) and (child.tag in BLOCKS or _has_blocks(child)):
                self._flush(pending, context)
                pending = Node("p", dict(pending.attrs))
                self.block(child, context)
            else:
                pending.children.append(child)
        self._flush(pending, context)

    def _flush(self, pending: Node, context: Context) -> None:
        if runs_of(pending):
            self.paragraph(pending, context)

    def block(self, node: Node, context: Context) -> None:
        classes, style = node.classes, node.attrs.get("style", "")
        if node.tag in ("section", "div") and ({"annex", "letter"} & classes or "break-before: page" in style):
            self.page_break = self.started
        if node.tag == "section" and "cover" in classes:
            self.cover_sections.add(len(self.document.sections) - 1)
            context = replace(context, centred=True, cover=True)
        elif node.tag == "section" and "main" in classes:
            self._new_section()
            context = replace(context, centred=False, cover=False)
        if "signature" in classes:
            self.signature(node)
        elif node.tag == "table":
            self.table(node, context)
        elif node.tag == "svg":
            self.paragraph(Node("p", {"class": "flush"}, [CHART_PLACEHOLDER]), replace(context, centred=True))
        elif node.tag == "figure":
            self.figure(node, context)
        elif node.tag in ("p", "h1", "h2", "h3", "h4", "li", "figcaption") and not _has_blocks(node):
            self.paragraph(node, context)
        else:
            self.blocks(node, replace(context, notes=context.notes or "doc-notes" in classes))

    def _new_section(self) -> None:
        from docx.enum.section import WD_SECTION

        if not self.started:
            return
        self.document.add_section(WD_SECTION.NEW_PAGE)
        _restart_numbering(self.document.sections[-1])
        self.page_break = False

    def figure(self, node: Node, context: Context) -> None:
        centred = replace(context, centred=True)
        self.paragraph(Node("p", {"class": "flush"}, [CHART_PLACEHOLDER]), centred)
        for child in node.children:
            if isinstance(child, Node) and child.tag == "figcaption":
                self.paragraph(child, centred, size=TABLE_PT)

    # paragraphs

    def _new_paragraph(self, style: str | None = None):
        paragraph = self.document.add_paragraph(style=style)
        if self.page_break:
            paragraph.paragraph_format.page_break_before = True
            self.page_break = False
        self.started = True
        self.last = paragraph
        return paragraph

    def paragraph(self, node: Node, context: Context, size: float | None = None) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm, Pt

        classes = node.classes
        style = None
        if node.tag == "h1":
            style = "公文标题"
        elif node.tag == "h2":
            style = "一级标题"
        elif node.tag in ("h3", "h4"):
            style = "二级标题"
        paragraph = self._new_paragraph(style)
        fmt = paragraph.paragraph_format
        role = "黑体" if "marking" in classes else None
        if node.tag == "h1" and "annex-title" in classes:
            size = 18
            fmt.line_spacing, fmt.space_after = Pt(LINE_PT), Pt(12)
        elif node.tag == "h1" and context.cover:
            size = 26
            fmt.line_spacing, fmt.space_before, fmt.space_after = Pt(44), Mm(40), Mm(30)
        if {"marking", "salutation", "flush", "branch"} & classes or context.centred or node.tag == "li":
            _no_indent(fmt)
        if "annex-note" in classes:  # 附件： with a wrapped name aligned after it
            _hanging(fmt, BODY_PT * 5, BODY_PT * 3)
        if context.notes:
            size = size or TABLE_PT
            fmt.line_spacing = Pt(20)
            _hanging(fmt, size * 1.5, size * 1.5)
        if context.centred and node.tag != "h1":
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if "issued" in classes:
            fmt.space_before = Mm(40)
        if size and not context.cover or node.tag == "figcaption":
            fmt.line_spacing = Pt(max(20, (size or BODY_PT) * 1.6))
        prefix = []
        if node.tag == "li":
            prefix = [Run(f"{_index_of(node)}．")]
        self._write_runs(paragraph, prefix + runs_of(node), size, role, bold_allowed="branch" not in classes)

    def _write_runs(self, paragraph, runs: list[Run], size=None, role=None, bold_allowed=True) -> None:
        from docx.shared import Pt

        for run in runs:
            made = paragraph.add_run()
            if run.newline:
                made.add_break()
            if run.text:
                made.add_text(run.text)
            if run.bold and bold_allowed:
                made.bold = True
            if run.size or size:
                made.font.size = Pt(run.size or size)
            if run.role or role:
                _set_fonts(made._r.get_or_add_rPr(), role_font(run.role or role))

    def signature(self, node: Node) -> None:
        """Issuer over date, the block's right edge four characters in, each line centred in the block."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        lines = []
        for name in ("issuer", "date"):
            found = node.find(lambda n, name=name: name in n.classes)
            if found is not None:
                lines.append(" ".join(r.text for r in runs_of(found)).strip())
        lines = [line for line in lines if line] or [" ".join(r.text for r in runs_of(node))]
        widest = max(em_width(line) for line in lines)
        if self.last is not None:
            self.last.paragraph_format.keep_with_next = True  # GB/T 9704: never a page with the 落款 alone
        for n, line in enumerate(lines):
            paragraph = self._new_paragraph()
            fmt = paragraph.paragraph_format
            _no_indent(fmt)
            fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            fmt.right_indent = Pt(BODY_PT * (4 + (widest - em_width(line)) / 2))
            if n == 0:
                fmt.space_before = Pt(LINE_PT * 2)
            fmt.keep_with_next = n < len(lines) - 1
            paragraph.add_run(line)

    # tables

    def table(self, node: Node, context: Context) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.shared import Pt

        bordered = "data" in node.classes
        size = (SMALL_TABLE_PT if "small" in node.classes else TABLE_PT) if bordered else 14
        grid, heads, totals = _grid(node)
        if not grid:
            return
        columns = max(len(row) for row in grid)
        if self.page_break:
            self._new_paragraph()  # the page break goes on an empty paragraph before the table
        table = self.document.add_table(rows=len(grid), cols=columns)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        widths = _column_widths(node, grid, columns, size, stretch=bordered)
        for row in table.rows:
            for c, cell in enumerate(row.cells):
                cell.width = Pt(widths[c])
        _grid_widths(table, widths)
        if bordered:
            _borders(table)
        _cell_margins(table)
        origins = [
            (r, c, spot) for r, row in enumerate(grid) for c, spot in enumerate(row) if spot and spot[1] == (r, c)
        ]
        for r, c, (_, _, (rows, cols)) in origins:  # spans first: table.cell() walks the whole table
            if rows > 1 or cols > 1:
                table.cell(r, c).merge(table.cell(r + rows - 1, c + cols - 1))
        row_cells = []
        for r, row in enumerate(table.rows):
            _row_properties(row, header=r in heads)
            row_cells.append(row.cells)
        for r, c, (cell_node, _, _) in origins:
            bold = r in heads or r in totals
            self._cell(row_cells[r][c], cell_node, size, bold=bold, bordered=bordered)
        self.started = True
        self.last = None

    def _cell(self, cell, node: Node, size: float, bold: bool, bordered: bool) -> None:
        from docx.enum.table import WD_ALIGN_VERTICAL
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
        paragraph = cell.paragraphs[0]
        fmt = paragraph.paragraph_format
        _no_indent(fmt)
        fmt.line_spacing = Pt(round(size * 1.35 * 2) / 2) if bordered else Pt(26)
        left = "text" in node.classes or not bordered
        fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
        self._write_runs(paragraph, runs_of(node, bold=bold or node.tag == "th"), size)


def _no_indent(fmt) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    fmt.first_line_indent = Pt(0)
    ind = fmt.element.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), "0")


def _hanging(fmt, left: float, hanging: float) -> None:
    """Indented by `left` pt, the first line `hanging` pt out (numbered notes, 附件：). In characters
    (of the 3号 body) as well as in points: a paragraph's hangingChars is what overrides the style's
    firstLineChars in Word and WPS."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    fmt.left_indent, fmt.first_line_indent = Pt(left), Pt(-hanging)
    ind = fmt.element.get_or_add_pPr().get_or_add_ind()
    ind.attrib.pop(qn("w:firstLineChars"), None)
    ind.set(qn("w:leftChars"), str(round(left / BODY_PT * 100)))
    ind.set(qn("w:hangingChars"), str(round(hanging / BODY_PT * 100)))


def _has_blocks(node: Node) -> bool:
    return any(isinstance(c, Node) and (c.tag in BLOCKS or _has_blocks(c)) for c in node.children)


def _index_of(item: Node) -> int:
    return 1 + getattr(item, "_index", 0)


def _rows(node: Node) -> list[tuple[Node, bool]]:
    """(tr, in thead) in order, from the table's thead, tbody and bare rows (nested tables not entered)."""
    found = []
    for child in node.children:
        if not isinstance(child, Node):
            continue
        if child.tag == "tr":
            found.append((child, False))
        elif child.tag in ("thead", "tbody", "tfoot"):
            found += [(tr, child.tag == "thead") for tr, _ in _rows(child)]
    return found


def _grid(node: Node):
    """The table's cells on a grid (rowspan/colspan placed as a browser does): each spot holds
    (cell, origin (r, c), (rows, cols)) or None; and the header rows and 合计 rows."""
    rows = _rows(node)
    grid: list[list] = [[] for _ in rows]
    heads, totals = set(), set()
    for r, (tr, head) in enumerate(rows):
        if head:
            heads.add(r)
        if "total" in tr.classes:
            totals.add(r)
        c = 0
        for cell in (x for x in tr.children if isinstance(x, Node) and x.tag in ("td", "th")):
            while c < len(grid[r]) and grid[r][c] is not None:
                c += 1
            span_r = max(1, _int(cell.attrs.get("rowspan")))
            span_c = max(1, _int(cell.attrs.get("colspan")))
            span_r = min(span_r, len(rows) - r)
            for dr in range(span_r):
                row = grid[r + dr]
                while len(row) < c + span_c:
                    row.append(None)
                for dc in range(span_c):
                    row[c + dc] = (cell, (r, c), (span_r, span_c))
            c += span_c
    columns = max((len(row) for row in grid), default=0)
    for row in grid:
        row.extend([None] * (columns - len(row)))
    return [row for row in grid], heads, totals


def _int(text) -> int:
    try:
        return int(text or 1)
    except ValueError:
        return 1


EM_WIDTH = re.compile(r"width:\s*([\d.]+)em")
SHORT_EM, LONGEST_EM = 6, 30  # a column of texts up to 6 em is never narrowed; longer ones share the rest
CELL_PADDING_PT = 3.4  # 1.2 mm, fenji.css table.data th/td


def _column_widths(node: Node, grid, columns: int, size: float, stretch: bool) -> list[float]:
    """Column widths in pt: a colgroup's `width: Nem` where given, else by the longest text (capped),
    the whole filling the text width (a data table) or as wide as its text (the cover's facts)."""
    fixed: dict[int, float] = {}
    cols = [c for group in node.children if isinstance(group, Node) and group.tag == "colgroup" for c in group.children]
    cols = [c for c in cols if isinstance(c, Node) and c.tag == "col"]
    for n, col in enumerate(cols[:columns]):
        match = EM_WIDTH.search(col.attrs.get("style", ""))
        if match:
            fixed[n] = float(match.group(1)) * size + 6
    natural = [1.0] * columns
    for row in grid:
        for c, spot in enumerate(row):
            if spot is not None and spot[2][1] == 1:
                lines = "".join("\n" + r.text if r.newline else r.text for r in runs_of(spot[0])).split("\n")
                natural[c] = max(natural[c], min(LONGEST_EM, max(em_width(line) for line in lines)))
    total = TEXT_WIDTH_MM / 25.4 * 72
    padding = 2 * CELL_PADDING_PT + 4  # the cell's margins and a little room
    # a short text (a number, a grade) keeps its width; what is left goes to the long ones (names, reasons)
    least = [fixed.get(c, min(natural[c], SHORT_EM) * size + padding) for c in range(columns)]
    wanted = [fixed.get(c, natural[c] * size + padding) for c in range(columns)]
    if not stretch:  # as wide as its text, and one character to spare (a substitute font may be wider)
        wanted = [w + size for w in wanted]
    if not stretch or sum(least) >= total:
        return wanted if not stretch and sum(wanted) <= total else [w * total / sum(least) for w in least]
    extra = [wanted[c] - least[c] for c in range(columns)]
    room = total - sum(least)
    if sum(extra) <= 0:
        free = [c for c in range(columns) if c not in fixed] or list(range(columns))
        return [least[c] + (room / len(free) if c in free else 0) for c in range(columns)]
    return [least[c] + room * extra[c] / sum(extra) for c in range(columns)]


def _grid_widths(table, widths: list[float]) -> None:
    from docx.shared import Pt

    for column, width in zip(table.columns, widths):
        column.width = Pt(width)


def _borders(table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "6")  # eighths of a point: 0.75 pt, as fenji.css
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    tblpr = table._tbl.tblPr
    tblpr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption")


def _cell_margins(table) -> None:
    """1.2 mm inside every cell (fenji.css), not each word processor's own default."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tblpr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for edge in ("top", "left", "bottom", "right"):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), str(round(CELL_PADDING_PT * 20)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    tblpr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")


def _row_properties(row, header: bool) -> None:
    """Rows never split across pages; header rows repeated on every page."""
    from docx.oxml import OxmlElement

    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


# --- whole documents ------------------------------------------------------------------------------


def _number_items(node: Node) -> None:
    """Each <li> learns its place in its list (for the 1．2．… its paragraph begins with)."""
    for child in node.children:
        if isinstance(child, Node):
            if child.tag in ("ol", "ul"):
                items = [c for c in child.children if isinstance(c, Node) and c.tag == "li"]
                for n, item in enumerate(items):
                    item._index = n
            _number_items(child)


def build(page: Page, anchor: str | None = None, title: str | None = None):
    """The python-docx Document of a parsed page (of the element with id `anchor` alone, if given)."""
    import docx

    document = docx.Document()
    _styles(document)
    _settings(document)
    _page(document.sections[0])
    body = page.root.find(lambda n: n.tag == "body") or page.root
    if anchor is not None:
        body = page.root.find(lambda n: n.attrs.get("id") == anchor)
        if body is None:
            raise ValueError(f"文书中没有 id 为 {anchor} 的部分")
    _number_items(body)
    builder = Builder(document)
    builder.blocks(body, Context())
    for n, section in enumerate(document.sections):
        if n not in builder.cover_sections:
            _page_number(section.footer, "right")
            _page_number(section.even_page_footer, "left")
    _properties(document, page, title)
    return document


def _properties(document, page: Page, title: str | None) -> None:
    properties = document.core_properties
    properties.title = NOT_XML.sub("", title or page.title)
    properties.author = NOT_XML.sub("", page.author)
    properties.last_modified_by = properties.author
    properties.language = "zh-CN"
    properties.comments = "fenji 生成的可编辑副本；以同名 PDF 为准。"
    try:
        day = dt.date.fromisoformat(page.created)
        properties.created = properties.modified = dt.datetime(day.year, day.month, day.day)
    except ValueError:
        pass


def write(page: Page, path: Path, anchor: str | None = None, title: str | None = None) -> Path:
    """Write the copy of `page` (or of its element `anchor`) to `path`; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build(page, anchor, title).save(str(path))
    return path
