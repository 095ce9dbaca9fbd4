"""Stage 2a guard, zip packages other than a plain .xlsx: which kind of workbook a zip holds, the
extent of .ods and .xlsb sheets, and an .xlsx/.xlsm without its Excel 4 macro sheets.

* kind: an OpenDocument spreadsheet says so in its `mimetype` part; an OOXML package has a content
  types part (Excel writes `[Content_Types].xml`, some producers `[content_types].xml` or `\\`
  separators) naming a spreadsheet main part, wherever its folder is.
* .ods: `content.xml` is streamed (iterparse; entity declarations were refused by the part scan
  before) and only cells with a value count, repeated rows and columns multiplied out.
* .xlsb: each worksheet's binary records are walked; only value records count.
* macro sheets: calamine refuses a whole .xlsx that has one (`xl/macrosheets/…`), so the package is
  copied in memory without them (the size is bounded before) and the worksheets are read.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from xml.etree.ElementTree import iterparse

from fenji.core.xlsxscan import ScanRefused

ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
OOXML_WORKBOOK = re.compile(
    rb"spreadsheetml\.sheet\.main|ms-excel\.sheet\.(?:macroEnabled\.main|binary\.macroEnabled\.main)"
    rb"|spreadsheetml\.template\.main|ms-excel\.template\.macroEnabled\.main|ms-excel\.addin"
)
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
MAX_REPEAT = 1 << 20  # a repeat count beyond a sheet's size is a hostile file, counted as such


def norm(name: str) -> str:
    return name.replace("\\", "/").lower()


def kind_of(archive: zipfile.ZipFile) -> str | None:
    """'ods', 'xlsx' (also .xlsm/.xlsb), or None when the zip is no spreadsheet (a .docx, an archive)."""
    names = {norm(info.filename): info for info in archive.infolist()}
    if "mimetype" in names and archive.read(names["mimetype"])[:80].strip().startswith(ODS_MIME):
        return "ods"
    types = names.get("[content_types].xml")
    if types is None or types.file_size > 4 << 20:
        return None
    return "xlsx" if OOXML_WORKBOOK.search(archive.read(types)) else None


def binary_sheets(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    return [
        info
        for info in archive.infolist()
        if "/worksheets/" in norm(info.filename) and norm(info.filename).endswith(".bin")
    ]


def xlsb_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """rows × cols of the value cells of one .xlsb worksheet (BrtRowHdr, then cell records)."""
    data = archive.read(info)
    position, row, rows, cols = 0, 0, 0, 0
    while position < len(data):
        kind, position = _varint(data, position, 2)
        size, position = _varint(data, position, 4)
        if kind == 0 and size >= 4:  # BrtRowHdr: the row of the cells that follow
            row = struct.unpack_from("<I", data, position)[0]
        elif 2 <= kind <= 11 and size >= 4:  # value cells (1 is BrtCellBlank: a format)
            col = struct.unpack_from("<I", data, position)[0]
            rows, cols = max(rows, row + 1), max(cols, col + 1)
        position += size
    return rows * cols


def _varint(data: bytes, position: int, width: int) -> tuple[int, int]:
    value = 0
    for shift in range(width):
        if position >= len(data):
            return value, position
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << (7 * shift)
        if not byte & 0x80:
            break
    return value, position


def ods_encrypted(archive: zipfile.ZipFile) -> bool:
    """An .ods saved with a password lists its encrypted parts in META-INF/manifest.xml."""
    info = next((i for i in archive.infolist() if norm(i.filename) == "meta-inf/manifest.xml"), None)
    return info is not None and info.file_size < 4 << 20 and b"encryption-data" in archive.read(info)


def ods_cells(archive: zipfile.ZipFile) -> list[tuple[str, int]]:
    """(sheet name, rows × cols of its value cells) for each table of an .ods `content.xml`."""
    info = next((i for i in archive.infolist() if norm(i.filename) == "content.xml"), None)
    if info is None:
        raise ScanRefused(
            "workbook-corrupt",
            "OpenDocument 表格缺少 content.xml 部分，已损坏。请用 WPS 或 LibreOffice 打开后另存为 .xlsx 再报送。",
        )
    found, name, row, rows, cols, col, valued = [], "", 0, 0, 0, 0, False
    try:
        with archive.open(info) as stream:
            for event, element in iterparse(stream, events=("start", "end")):
                tag = element.tag
                if tag == f"{{{TABLE}}}table":
                    if event == "start":
                        name, row, rows, cols = element.get(f"{{{TABLE}}}name", ""), 0, 0, 0
                    else:
                        found.append((name, rows * cols))
                        element.clear()
                elif tag == f"{{{TABLE}}}table-row":
                    if event == "start":
                        col, valued = 0, False
                    else:
                        repeat = _repeat(element, "number-rows-repeated")
                        if valued:
                            rows = row + repeat
                        row += repeat
                        element.clear()
                elif tag in (f"{{{TABLE}}}table-cell", f"{{{TABLE}}}covered-table-cell") and event == "end":
                    repeat = _repeat(element, "number-columns-repeated")
                    if element.get(f"{{{OFFICE}}}value-type") or element.find(f"{{{TEXT}}}p") is not None:
                        valued, cols = True, max(cols, col + repeat)
                    col += repeat
                    element.clear()
    except ScanRefused:
        raise
    except Exception as exc:  # ParseError, a broken stream
        raise ScanRefused(
            "workbook-corrupt",
            f"OpenDocument 表格的 content.xml 无法解析（{str(exc)[:80]}），已损坏。"
            "请用 WPS 或 LibreOffice 打开后另存为 .xlsx 再报送。",
        ) from None
    return found


def _repeat(element, attribute: str) -> int:
    try:
        return max(1, min(MAX_REPEAT, int(element.get(f"{{{TABLE}}}{attribute}", "1"))))
    except ValueError:
        return 1


def sheet_names_by_part(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name (as stored in the zip) → sheet name, from workbook.xml and its relationships."""
    infos = {norm(info.filename): info for info in archive.infolist()}
    book_name = next((n for n in infos if n.endswith("/workbook.xml") and n.count("/") == 1), None)
    rels_name = book_name and book_name.replace("workbook.xml", "_rels/workbook.xml.rels")
    if book_name is None or rels_name not in infos:
        return {}
    folder = book_name.rsplit("/", 1)[0]
    targets = {}
    for element in RELATIONSHIP.findall(archive.read(infos[rels_name])):
        rid, target = re.search(rb'\sId="([^"]+)"', element), re.search(rb'\sTarget="([^"]+)"', element)
        if rid and target:
            path = target.group(1).decode("utf-8", errors="replace").replace("\\", "/").lower()
            targets[rid.group(1)] = path.lstrip("/") if path.startswith("/") else f"{folder}/{path}"
    names = {}
    for element in SHEET_ELEMENT.findall(archive.read(infos[book_name])):
        rid, name = re.search(rb'\s(?:\w+:)?id="([^"]+)"', element), re.search(rb'\sname="([^"]*)"', element)
        if rid and name and rid.group(1) in targets and targets[rid.group(1)] in infos:
            names[infos[targets[rid.group(1)]].filename] = _unescape(name.group(1).decode("utf-8", errors="replace"))
    return names


def _unescape(value: str) -> str:
    import html

    return html.unescape(value)


# --- Excel 4 macro sheets -------------------------------------------------------------------

SHEET_ELEMENT = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?/>")
RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*?/>")


def macro_parts(archive: zipfile.ZipFile) -> list[str]:
    return [
        info.filename
        for info in archive.infolist()
        if "/macrosheets/" in norm(info.filename) or "/dialogsheets/" in norm(info.filename)
    ]


def without_macro_sheets(archive: zipfile.ZipFile) -> tuple[io.BytesIO, list[str]]:
    """A copy of the package in memory without its macro and dialog sheets, and their sheet names."""
    infos = {norm(info.filename): info for info in archive.infolist()}
    book_name = next((n for n in infos if n.endswith("workbook.xml") and "/" in n and n.count("/") == 1), None)
    rels_name = book_name and book_name.replace("workbook.xml", "_rels/workbook.xml.rels")
    if book_name is None or rels_name not in infos:
        raise ScanRefused(
            "workbook-corrupt",
            "工作簿含宏表，但找不到工作簿的目录部分（workbook.xml），已损坏。"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再报送。",
        )
    rels = archive.read(infos[rels_name])
    macro_ids = set()
    kept_rels = rels
    for element in RELATIONSHIP.findall(rels):
        if re.search(rb'Type="[^"]*(?:acrosheet|ialogsheet)"', element):
            found = re.search(rb'\sId="([^"]+)"', element)
            if found:
                macro_ids.add(found.group(1))
            kept_rels = kept_rels.replace(element, b"")
    book = archive.read(infos[book_name])
    names, kept_book = [], book
    for element in SHEET_ELEMENT.findall(book):
        found = re.search(rb'\s(?:\w+:)?id="([^"]+)"', element)
        if found and found.group(1) in macro_ids:
            name = re.search(rb'\sname="([^"]*)"', element)
            names.append(name.group(1).decode("utf-8", errors="replace") if name else "?")
            kept_book = kept_book.replace(element, b"")
    copy = io.BytesIO()
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for key, info in infos.items():
            if "/macrosheets/" in key or "/dialogsheets/" in key:
                continue
            data = kept_book if key == book_name else kept_rels if key == rels_name else archive.read(info)
            target.writestr(info.filename, data)
    copy.seek(0)
    return copy, names
