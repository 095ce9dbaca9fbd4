"""Stage 2a guard: scan a legacy BIFF workbook (.xls, WPS .et) before python-calamine sees it.

calamine sizes a BIFF sheet's grid from the sheet's DIMENSIONS record: a 41 KB file that claims
the whole 65 536 × 256 grid costs a gigabyte before any limit of fenji's is checked. So the OLE
compound file is opened here (a small reader of its sector chains, every index bounds-checked),
the Workbook stream walked record by record: FILEPASS means the workbook is password-protected
(XOR or RC4: calamine would report a codepage error instead), BOUNDSHEET names each sheet, its
type (worksheet, Excel 4 macro sheet, chart, VBA module) and where its records start, and each
worksheet's DIMENSIONS and cell records give its claimed extent and the extent of the cells that
hold values. Nothing is decompressed; the stream is read once.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from fenji.core.xlsxscan import ScanRefused

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FREE, END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
MAX_REGULAR = 0xFFFFFFFA

BOF, EOF, FILEPASS, BOUNDSHEET, DIMENSIONS = 0x0809, 0x000A, 0x002F, 0x0085, 0x0200
# records that put a value in a cell (BLANK/MULBLANK only carry a format: not cells)
VALUE_RECORDS = {
    0x0203: "NUMBER",
    0x0204: "LABEL",
    0x0205: "BOOLERR",
    0x0006: "FORMULA",
    0x00FD: "LABELSST",
    0x027E: "RK",
    0x00D6: "RSTRING",
    0x0406: "FORMULA",
}
MULRK = 0x00BD
SHEET_TYPES = {0: "worksheet", 1: "macro", 2: "chart", 6: "module"}


def corrupt(detail: str) -> ScanRefused:
    return ScanRefused(
        "workbook-corrupt",
        f"工作簿已损坏（{detail}），无法读取。请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（.xlsx）再报送。",
    )


@dataclass
class BiffSheet:
    name: str
    kind: str  # worksheet, macro, chart, module
    offset: int
    claimed: tuple[int, int] = (0, 0)  # rows × cols by DIMENSIONS
    used: tuple[int, int] = (0, 0)  # farthest row and column holding a value (1-based)

    @property
    def claimed_cells(self) -> int:
        return self.claimed[0] * self.claimed[1]


@dataclass
class BiffScan:
    encrypted: bool = False
    sheets: list[BiffSheet] = field(default_factory=list)


class Compound:
    """The streams of an OLE compound file held in memory (the file size is bounded before this)."""

    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise corrupt("OLE 文件头不完整")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise corrupt("OLE 扇区大小无效")
        self.size, self.mini_size = 1 << shift, 1 << mini_shift
        self.sectors = (len(data) - 512 + self.size - 1) // self.size
        fat_count, self.dir_start = struct.unpack_from("<II", data, 0x2C)
        self.cutoff, self.minifat_start, minifat_count, difat_start, difat_count = struct.unpack_from(
            "<IIIII", data, 0x38
        )
        self.fat = self._fat(fat_count, difat_start, difat_count)
        self.entries = self._directory()
        root = self.entries[0] if self.entries else None
        if root is None or root[1] != 5:
            raise corrupt("OLE 目录无根项")
        self.mini_stream = self._chain_bytes(root[2], root[3], self.fat, self.size, self._sector) if root[3] else b""
        self.minifat = (
            self._table(self._chain_bytes(self.minifat_start, None, self.fat, self.size, self._sector))
            if minifat_count and self.minifat_start <= MAX_REGULAR
            else []
        )

    def _sector(self, number: int) -> bytes:
        if number >= self.sectors:
            raise corrupt("OLE 扇区编号越界")
        start = 512 + number * self.size
        return self.data[start : start + self.size]

    def _mini_sector(self, number: int) -> bytes:
        start = number * self.mini_size
        if start >= len(self.mini_stream):
            raise corrupt("OLE 小扇区编号越界")
        return self.mini_stream[start : start + self.mini_size]

    @staticmethod
    def _table(raw: bytes) -> list[int]:
        return list(struct.unpack(f"<{len(raw) // 4}I", raw[: len(raw) // 4 * 4]))

    def _fat(self, count: int, difat_start: int, difat_count: int) -> list[int]:
        numbers = [n for n in struct.unpack_from("<109I", self.data, 0x4C) if n <= MAX_REGULAR]
        sector, seen = difat_start, 0
        while sector <= MAX_REGULAR and seen <= difat_count and seen < self.sectors:
            entries = self._table(self._sector(sector))
            numbers += [n for n in entries[:-1] if n <= MAX_REGULAR]
            sector, seen = entries[-1], seen + 1
        if count > self.sectors or len(numbers) < min(count, 1):
            raise corrupt("OLE 分配表无效")
        return self._table(b"".join(self._sector(n) for n in numbers[: max(count, 1)]))

    def _chain_bytes(self, start: int, length: int | None, table: list[int], unit: int, read) -> bytes:
        """The sectors of a chain from `start`; a loop or an index out of range is a corrupt file."""
        parts, sector, limit = [], start, len(table) + 1
        wanted = None if length is None else -(-length // unit)
        while sector <= MAX_REGULAR and (wanted is None or len(parts) < wanted):
            if len(parts) >= limit or sector >= len(table):
                raise corrupt("OLE 扇区链无效")
            parts.append(read(sector))
            sector = table[sector]
        data = b"".join(parts)
        if length is not None and len(data) < length:
            raise corrupt("OLE 数据流被截断")
        return data if length is None else data[:length]

    def _directory(self) -> list[tuple[str, int, int, int]]:
        raw = self._chain_bytes(self.dir_start, None, self.fat, self.size, self._sector)
        entries = []
        for start in range(0, len(raw) - 127, 128):
            name_length, kind = struct.unpack_from("<HB", raw, start + 0x40)
            first, size = struct.unpack_from("<II", raw, start + 0x74)
            name = raw[start : start + min(64, name_length)].decode("utf-16-le", errors="replace").rstrip("\x00")
            entries.append((name, kind, first, size))
        return entries

    def stream(self, *names: str) -> bytes | None:
        """The first stream called one of `names` (case-insensitive), or None."""
        wanted = {n.lower() for n in names}
        for name, kind, first, size in self.entries:
            if kind == 2 and name.lower() in wanted:
                if size < self.cutoff:
                    return self._chain_bytes(first, size, self.minifat, self.mini_size, self._mini_sector)
                return self._chain_bytes(first, size, self.fat, self.size, self._sector)
        return None


def records(stream: bytes, start: int = 0):
    """(type, payload offset, length) of each BIFF record from `start` to the stream's end."""
    position, end = start, len(stream)
    while position + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, position)
        yield kind, position + 4, min(length, end - position - 4)
        position += 4 + length


def scan_biff(data: bytes) -> BiffScan | None:
    """The workbook's sheets and extents, or None for an OLE file that is no BIFF workbook (an
    encrypted .xlsx, a Word document: calamine or the caller says which)."""
    book = Compound(data)
    stream = book.stream("Workbook", "Book")
    if stream is None:
        return None
    scan = BiffScan()
    for kind, at, length in records(stream):
        if kind == FILEPASS:
            scan.encrypted = True
            return scan
        if kind == BOUNDSHEET and length >= 8:
            scan.sheets.append(_boundsheet(stream, at, length))
        if kind == EOF:
            break
    for sheet in scan.sheets:
        if sheet.kind == "worksheet":
            _extent(stream, sheet)
    return scan


def _boundsheet(stream: bytes, at: int, length: int) -> BiffSheet:
    offset, _state, kind, chars = struct.unpack_from("<IBBB", stream, at)
    name = ""
    if length >= 8:
        flags = stream[at + 7]
        raw = stream[at + 8 : at + length]
        name = raw[: chars * 2].decode("utf-16-le", errors="replace") if flags & 1 else raw[:chars].decode("latin-1")
    return BiffSheet(name, SHEET_TYPES.get(kind, "other"), offset)


def _extent(stream: bytes, sheet: BiffSheet) -> None:
    if sheet.offset >= len(stream):
        return
    rows = cols = 0
    for kind, at, length in records(stream, sheet.offset):
        if kind == EOF:
            break
        if kind == DIMENSIONS:
            if length >= 14:
                first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", stream, at)
            elif length >= 10:
                first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", stream, at)
            else:
                continue
            sheet.claimed = (max(0, last_row - first_row), max(0, last_col - first_col))
        elif (kind in VALUE_RECORDS or kind == MULRK) and length >= 4:
            row, col = struct.unpack_from("<HH", stream, at)
            if kind == MULRK and length >= 6:
                col = struct.unpack_from("<H", stream, at + length - 2)[0]
            rows, cols = max(rows, row + 1), max(cols, col + 1)
    sheet.used = (rows, cols)
