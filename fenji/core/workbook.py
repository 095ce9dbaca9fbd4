"""Stage 2a: open a workbook file (xlsx, xlsm, genuine xls) into plain sheet grids.

Reading goes through python-calamine (fast, and it reads Excel 97–2003 .xls). Before a zip-based
workbook is handed to it, the zip's directory is checked so that a file that would expand to
gigabytes is refused without being decompressed. Input files are opened read-only.
"""

from __future__ import annotations

import codecs
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from fenji.core import zipscan
from fenji.core.cells import cell_ref
from fenji.core.xlsscan import scan_biff
from fenji.core.xlsxscan import ScanRefused, scan_parts

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Limits:
    """Resource bounds per file (defaults suit county-size returns)."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_compression_ratio: int = 200
    max_cells: int = 2_000_000
    max_sheets: int = 100
    max_cell_chars: int = 32767  # Excel's own limit: a longer text was not made by Excel
    seconds: float = 60.0  # time budget per file (checked between sheets; a worker is stopped at 2× + 5 s)
    max_memory_bytes: int = 640 * 1024 * 1024  # address space a reading worker may add (fenji.core.isolate)

    @classmethod
    def of(cls, profile) -> Limits:
        """The profile's [limits] table over the defaults."""
        settings = getattr(profile, "limits", None) or {}
        return cls(**{key: value for key, value in settings.items() if key in cls.__dataclass_fields__})


@dataclass
class Sheet:
    """One worksheet as a grid of raw values; row/col 0 is A1 whatever calamine's offset was."""

    name: str
    rows: list[list]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive
    hidden: bool = False
    kind: str = "worksheet"  # "macro" (Excel 4 macro / dialog / VBA sheet): skipped, no rows
    formulas: frozenset = frozenset()  # refs ("F9") of formula cells saved without their result

    def value(self, row: int, col: int):
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            return self.rows[row][col]
        return None


class WorkbookError(Exception):
    """A file that cannot be read as a workbook; `code` is the problem code, the message Chinese."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def read_workbook(path: Path, limits: Limits = Limits(), started: float | None = None) -> list[Sheet]:
    """All sheets of the workbook at `path`, hidden ones included; `started` opens the time budget."""
    started = time.monotonic() if started is None else started
    size = path.stat().st_size
    if size == 0:
        raise WorkbookError("empty-file", "文件是空的（0 字节），可能没有保存完整或传输失败。请重新报送。")
    if size > limits.max_file_bytes:
        raise WorkbookError(
            "file-too-large",
            f"文件过大（{size / 1048576:.1f} MB，上限 "
            f"{limits.max_file_bytes / 1048576:.0f} MB），未读取。请检查是否误传了其他文件。",
        )
    head = _head(path)
    source, skipped, formulas = _check_format(path, head, limits)
    try:
        book = (
            calamine.CalamineWorkbook.from_path(str(path))
            if source is None
            else calamine.CalamineWorkbook.from_filelike(source)
        )
    except calamine.PasswordError:
        raise WorkbookError("workbook-encrypted", ENCRYPTED) from None
    except BaseException as exc:  # calamine raises several types for corrupt files, and panics (a BaseException)
        if not is_parser_failure(exc):
            raise
        raise WorkbookError(
            "workbook-corrupt",
            f"工作簿已损坏，无法打开（{_short(exc)}）。请用 Excel 或 WPS 打开后另存为 .xlsx 再报送。",
        ) from None
    sheets = _sheets(book, limits, started)
    for sheet in sheets:
        sheet.formulas = frozenset(formulas.get(sheet.name, ()))
    return [Sheet(name, [], kind="macro") for name in skipped] + sheets


ENCRYPTED = "工作簿设置了打开密码（或加密保护），无法读取。请在 Excel 或 WPS 中取消密码后重新报送。"


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(512)


def _check_format(path: Path, head: bytes, limits: Limits):
    """Refuse what must not reach calamine; else (None to open the path, or an in-memory copy to open
    instead, the names of the sheets left out of that copy, sheet name → formula cells without a result)."""
    if head.startswith(ZIP_MAGIC):
        return _check_zip(path, limits)
    if head.startswith(OLE_MAGIC):
        _check_biff(path, limits)  # genuine .xls/.et, or an encrypted .xlsx (an OLE container): calamine tells
        return None, [], {}
    sample = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if sample.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        raise WorkbookError(
            "html-as-excel",
            "这个文件其实是网页（HTML）格式，只是扩展名为 .xls。请用 Excel 或 WPS 打开，"
            "“另存为” Excel 工作簿（.xlsx）后重新报送。",
        )
    if _looks_like_text(head):
        raise WorkbookError(
            "csv-as-excel",
            "这个文件其实是文本（CSV）格式，只是扩展名为 Excel。请用 Excel 或 WPS 打开，"
            "“另存为” Excel 工作簿（.xlsx）后重新报送。",
        )
    raise WorkbookError("not-a-workbook", "文件不是 Excel 工作簿（内容无法识别），可能已损坏或是其他类型的文件。")


def _check_biff(path: Path, limits: Limits) -> None:
    """BIFF (.xls/.et): encryption and every worksheet's claimed and used extent, before calamine
    reserves a grid for it. A compound file this reader cannot follow goes on to calamine, which
    reads in a worker with a memory ceiling (fenji.core.isolate)."""
    try:
        scan = scan_biff(path.read_bytes())
    except ScanRefused:
        return
    if scan is None:
        return
    if scan.encrypted:
        raise WorkbookError("workbook-encrypted", ENCRYPTED)
    if len(scan.sheets) > limits.max_sheets:
        raise WorkbookError(
            "too-many-sheets", f"工作簿有 {len(scan.sheets)} 个工作表，超过上限 {limits.max_sheets}，未读取。"
        )
    cells = 0
    for sheet in scan.sheets:
        claimed, used = sheet.claimed_cells, sheet.used[0] * sheet.used[1]
        cells += max(claimed, used)
        if cells > limits.max_cells:
            raise WorkbookError(
                "too-many-cells",
                f"工作表“{sheet.name}”的表格范围达 {max(claimed, used):,} 个单元格"
                f"（{sheet.claimed[0]:,} 行 × {sheet.claimed[1]:,} 列），工作簿合计超过上限 {limits.max_cells:,}，未读取。"
                "请删除多余的行列（或远处的空白格式），另存为 .xlsx 后重新报送。",
            )


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode 文本" (UTF-16, tab-separated)
        decoded = head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
        return "\t" in decoded or "," in decoded or "\n" in decoded
    for encoding in ("utf-8", "gb18030"):
        try:  # not final: the 512-byte head may end inside a multibyte character
            decoded = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return "\x00" not in decoded and ("," in decoded or "\t" in decoded or "\n" in decoded)
    return False


def _check_zip(path: Path, limits: Limits):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkbookError(
            "workbook-corrupt", "工作簿已损坏（压缩结构不完整，可能没有传输完）。请重新保存后报送。"
        ) from None
    with archive:
        return _check_archive(archive, limits)


def _check_archive(archive: zipfile.ZipFile, limits: Limits):
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if total > limits.max_unzipped_bytes or total / packed > limits.max_compression_ratio:
        raise WorkbookError(
            "workbook-too-large",
            f"工作簿解压后过大（{total / 1048576:.0f} MB），超过读取上限，为防止恶意文件未予读取。请检查文件来源。",
        )
    try:
        kind = zipscan.kind_of(archive)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        kind = None
    if kind is None:  # a .docx has a content types part too, but no spreadsheet in it
        raise WorkbookError("not-a-workbook", "这是一个压缩文件，但不是 Excel 工作簿（可能是 Word 文档或其他文件）。")
    try:
        formulas = scan_parts(archive, limits)
        _check_extents(archive, kind, limits)
        by_sheet = _formulas_by_sheet(archive, formulas) if formulas and kind == "xlsx" else {}
        if kind == "xlsx" and zipscan.macro_parts(archive):
            return (*zipscan.without_macro_sheets(archive), by_sheet)
    except ScanRefused as exc:
        raise WorkbookError(exc.code, exc.message) from None
    return None, [], by_sheet


def _formulas_by_sheet(archive: zipfile.ZipFile, formulas: dict[str, set]) -> dict[str, set]:
    names = zipscan.sheet_names_by_part(archive)
    return {names[part]: refs for part, refs in formulas.items() if part in names}


def _check_extents(archive: zipfile.ZipFile, kind: str, limits: Limits) -> None:
    """.ods and .xlsb sheets, whose cells the XML scan of .xlsx parts cannot see."""
    if kind == "ods":
        if zipscan.ods_encrypted(archive):
            raise ScanRefused("workbook-encrypted", ENCRYPTED)
        tables = zipscan.ods_cells(archive)
        sizes = [cells for _, cells in tables]
        if len(tables) > limits.max_sheets:
            raise ScanRefused(
                "too-many-sheets", f"工作簿有 {len(tables)} 个工作表，超过上限 {limits.max_sheets}，未读取。"
            )
    else:
        sizes = [zipscan.xlsb_cells(archive, info) for info in zipscan.binary_sheets(archive)]
    if sum(sizes) > limits.max_cells:
        raise ScanRefused(
            "too-many-cells",
            f"工作簿的表格范围达 {sum(sizes):,} 个单元格，超过上限 {limits.max_cells:,}，未读取。"
            "请删除多余的行列（或远处的空白格式）后重新报送。",
        )


def _sheets(book, limits: Limits, started: float) -> list[Sheet]:
    metadata = book.sheets_metadata
    if len(metadata) > limits.max_sheets:
        raise WorkbookError(
            "too-many-sheets", f"工作簿有 {len(metadata)} 个工作表，超过上限 {limits.max_sheets}，未读取。"
        )
    sheets, cells = [], 0
    for index, meta in enumerate(metadata):
        check_time(started, limits)
        if str(meta.typ) != str(calamine.SheetTypeEnum.WorkSheet):
            if str(meta.typ) != str(calamine.SheetTypeEnum.ChartSheet):  # a chart holds no cells to read
                sheets.append(Sheet(meta.name, [], kind="macro"))
            continue
        try:
            raw = book.get_sheet_by_index(index)
            cells += raw.height * raw.width
            if cells > limits.max_cells:
                raise WorkbookError(
                    "too-many-cells",
                    f"工作簿的单元格数超过上限 {limits.max_cells:,}，未读取。请删除多余的行列后重新报送。",
                )
            rows = raw.to_python(skip_empty_area=False)
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (raw.merged_cell_ranges or [])]
        except WorkbookError:
            raise
        except BaseException as exc:
            if not is_parser_failure(exc):
                raise
            raise WorkbookError("workbook-corrupt", f"工作表“{meta.name}”无法读取（{_short(exc)}）。") from None
        hidden = str(meta.visible) != str(calamine.SheetVisibleEnum.Visible)
        grid = [[_clean(v, r, c, meta.name, limits) for c, v in enumerate(row)] for r, row in enumerate(rows)]
        sheets.append(Sheet(meta.name, grid, merged, hidden))
    check_time(started, limits)
    return sheets


def check_time(started: float, limits: Limits) -> None:
    """Raise when the file has used up its time budget (`limits.seconds`)."""
    if time.monotonic() - started > limits.seconds:
        raise WorkbookError(
            "file-time-budget",
            f"读取超过单个文件的时间上限（{limits.seconds:g} 秒），未读取。请检查文件是否过大或已损坏。",
        )


def _clean(value, row: int, col: int, sheet: str, limits: Limits):
    """calamine gives '' for empty cells; use None so 'blank' has one spelling."""
    if isinstance(value, str):
        if value == "":
            return None
        if len(value) > limits.max_cell_chars:
            raise WorkbookError(
                "cell-too-long",
                f"工作表“{sheet}”的 {cell_ref(row, col)} 单元格有 {len(value):,} 个字符，"
                f"超过上限 {limits.max_cell_chars:,}（Excel 单元格最多 32767 个字符），未读取。",
            )
    return value


def is_parser_failure(exc: BaseException) -> bool:
    """An ordinary exception, or python-calamine's `pyo3_runtime.PanicException` (a Rust panic, which
    derives from BaseException so that `except Exception` lets it through); not Ctrl+C or exit."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _short(exc: BaseException) -> str:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return message[:120]
