"""Stage 2a guard: scan a zip-based workbook's parts before python-calamine sees them.

calamine is fast but trusts the file: a worksheet that names one cell at XFD1048576 makes it
allocate the whole dense grid (hundreds of GB, and the process aborts), and a part whose zip
header understates its size would be inflated without bound. So every part is inflated here
first, as a stream with Python's zipfile (which stops at the declared size and checks the
CRC), counting the bytes actually produced, refusing any document type declaration (entities:
external ones, billion laughs), and, for worksheets, finding the farthest cell reference so
that the grid's size is known before it is built. Nothing is kept in memory but one chunk.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field

CHUNK = 1 << 20
OVERLAP = 512  # a tag or a marker split across two chunks is still seen whole
MARKERS = tuple(
    word.encode(encoding) for word in ("<!DOCTYPE", "<!ENTITY") for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
# One pass in C over the <c> tags (a 2 000-ballot county spends most of its scan here), then the
# farthest row and column letters of the distinct references. Only cells that can hold a
# value count: a self-closing <c r="Z9" s="3"/> is a format, and a <row> with only a height is no
# cell (Excel and WPS write both down to row 1 048 576 when a clerk formats a whole column or sheet;
# calamine does not build a grid for them either).
CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})([0-9]{1,9})"[^>]*?(?<!/)>')
XML_PARTS = (".xml", ".rels", ".vml")
# a formula cell with no saved result (<c r="F9"><f>SUM(…)</f></c>): written by generators, never by
# Excel or WPS after a save; calamine reads it as empty, so validation's "empty" gets a better reason
FORMULA_WITHOUT_VALUE = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3}[0-9]{1,9})"[^>]*?(?<!/)>\s*'
    rb"<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]{0,400}</(?:\w+:)?f>)\s*</(?:\w+:)?c>"
)
MAX_FORMULAS = 200  # cells remembered per part


class ScanRefused(Exception):
    """`code` is the problem code, `message` the Chinese sentence for the clerk."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Extent:
    """The farthest row and column a worksheet part refers to (1-based)."""

    rows: int = 0
    cols: int = 0
    formulas: set = field(default_factory=set)  # refs of formula cells without a saved value

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def scan_parts(archive: zipfile.ZipFile, limits) -> dict[str, set]:
    """Raise ScanRefused for entities, understated sizes, too many sheets or cells; else return
    part name → refs of its formula cells that have no saved value (parts with any)."""
    infos = archive.infolist()
    sheets = [info for info in infos if _is_worksheet(info.filename)]
    if len(sheets) > limits.max_sheets:
        raise ScanRefused("too-many-sheets", f"工作簿有 {len(sheets)} 个工作表，超过上限 {limits.max_sheets}，未读取。")
    produced, cells, formulas = 0, 0, {}
    for info in infos:
        if info.is_dir():
            continue
        # every XML part, not only xl/worksheets/: a relationship may put a worksheet anywhere
        extent = Extent() if info.filename.lower().endswith(XML_PARTS) else None
        produced += _scan_part(archive, info, extent, limits.max_unzipped_bytes - produced)
        if extent is not None:
            cells += extent.cells
            _check_cells(cells, limits)
            if extent.formulas:
                formulas[info.filename] = extent.formulas
    return formulas


def _is_worksheet(name: str) -> bool:
    """A worksheet part, whatever the package's folder is called and whichever slash it uses."""
    parts = name.replace("\\", "/").lower().split("/")
    return len(parts) >= 2 and parts[-2] == "worksheets" and parts[-1].endswith((".xml", ".bin"))


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, extent: Extent | None, budget: int) -> int:
    """Inflate one part, returning its size; XML parts are searched for entity declarations
    (binary parts, such as images, only counted and CRC-checked)."""
    produced, tail = 0, b""
    markup = info.filename.lower().endswith(XML_PARTS)
    try:
        with archive.open(info) as stream:
            while block := stream.read(CHUNK):
                produced += len(block)
                if produced > budget:
                    raise ScanRefused(
                        "workbook-too-large", "工作簿解压后过大，超过读取上限，为防止恶意文件未予读取。请检查文件来源。"
                    )
                window = tail + block
                if markup and any(marker in window for marker in MARKERS):
                    raise ScanRefused(
                        "workbook-xml-entity",
                        f"工作簿的“{info.filename}”部分含有文档类型声明"
                        "（<!DOCTYPE>/<!ENTITY>，正常的 Excel 文件不会有），为防止恶意文件未予读取。"
                        "请用 Excel 或 WPS 打开后另存为 .xlsx 再报送。",
                    )
                if extent is not None:
                    _extend(extent, window)
                tail = window[-OVERLAP:]
    except ScanRefused:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise ScanRefused(
            "workbook-corrupt",
            f"工作簿已损坏，“{info.filename}”部分无法解压（{str(exc)[:80]}）。"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再报送。",
        ) from None
    except Exception as exc:  # zlib.error and the like: still a broken file, never a crash
        raise ScanRefused(
            "workbook-corrupt",
            f"工作簿已损坏，“{info.filename}”部分的压缩数据无法解开（{str(exc)[:80]}）。"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再报送。",
        ) from None
    return produced


def _extend(extent: Extent, window: bytes) -> None:
    refs = CELL_REF.findall(window)
    if refs:
        letters, numbers = zip(*refs)
        extent.rows = max(extent.rows, max(map(int, set(numbers))))
        extent.cols = max(extent.cols, max(map(_column_number, set(letters))))
    if (b"<f" in window or b":f" in window) and len(extent.formulas) < MAX_FORMULAS:
        extent.formulas.update(ref.decode("ascii") for ref in FORMULA_WITHOUT_VALUE.findall(window))


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ch - 64)
    return number


def _check_cells(cells: int, limits) -> None:
    if cells > limits.max_cells:
        raise ScanRefused(
            "too-many-cells",
            f"工作簿的表格范围达 {cells:,} 个单元格，超过上限 {limits.max_cells:,}，未读取。"
            "请删除多余的行列（或远处的空白格式）后重新报送。",
        )
