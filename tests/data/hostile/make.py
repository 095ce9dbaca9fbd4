"""The hostile corpus: broken, malicious and oversized inputs (issue 9).

    python tests/data/hostile/make.py        # rewrite the small committed cases beside this file

Small cases are committed (a few KB each, byte-for-byte reproducible: fixed zip timestamps).
Big ones (the zip bomb, 200 000 rows, 300 sheets, a 5 MB cell, 20 000 duplicate roster rows, the
town of hostile names) are built at test time into a temporary folder by the functions below,
so nothing large lives in the repository. Every builder takes the folder and returns the path.
"""

from __future__ import annotations

import io
import shutil
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
BAD = HERE.parent / "bad"
STAMP = (2027, 4, 1, 0, 0, 0)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# branch names that try path traversal, control characters, markup and spreadsheet formulas
HOSTILE_NAMES = [
    "../../逃逸村党支部",
    "左/右村党支部",
    "反\\斜村党支部",
    "空\x00字符村党支部",
    "\u202e部支党村序倒\u202c",
    "<script>alert(1)</script>村党支部",
    '=HYPERLINK("http://evil.example","点此")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd",
    "-2+3村党支部",
]


# --- a minimal .xlsx writer (exact bytes, for crafted parts) ---------------------------------------


def _content_types(sheets: int, shared: bool) -> str:
    parts = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, sheets + 1)
    )
    if shared:
        parts += (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' + parts + "</Types>"
    )


def _workbook(names: list[str]) -> str:
    sheets = "".join(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(names, start=1))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} xmlns:r="{REL_NS}"><sheets>{sheets}</sheets></workbook>'
    )


def _workbook_rels(sheets: int, shared: bool) -> str:
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    if shared:
        rels += f'<Relationship Id="rId{sheets + 1}" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'
    )


ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    f'2006/relationships"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def sheet_xml(rows: list[list], prolog: str = "") -> str:
    """A worksheet of inline strings and numbers; `prolog` goes between the XML declaration and the root."""
    body = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_letters(c)}{r}"
            if isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value is not None:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    return f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet {NS}><sheetData>{"".join(body)}</sheetData></worksheet>'


def _letters(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_xlsx(
    target: Path,
    sheets: list[tuple[str, str]],
    shared: str | bytes | None = None,
    shared_info: zipfile.ZipInfo | None = None,
) -> Path:
    """`sheets`: (name, worksheet XML). Deterministic bytes (fixed timestamps, fixed order)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, data):
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

        put("[Content_Types].xml", _content_types(len(sheets), shared is not None))
        put("_rels/.rels", ROOT_RELS)
        put("xl/workbook.xml", _workbook([name for name, _ in sheets]))
        put("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets), shared is not None))
        for n, (_, xml) in enumerate(sheets, start=1):
            put(f"xl/worksheets/sheet{n}.xml", xml)
        if shared is not None:
            put("xl/sharedStrings.xml", shared)
    return target


ROSTER_HEAD = [
    ["基层党组织名册"],
    ["乡镇（盖章）：甲镇　　　　年度：2027"],
    ["编号", "党组织名称", "所属乡镇", "党组织类型", "党员人数", "党组织书记", "上年等次"],
]


def _roster_rows(names: list[str], prefix: str = "JZ") -> list[list]:
    return ROSTER_HEAD + [
        [f"{prefix}{n:02d}", name, "甲镇", "行政村", 30, "张三", ""] for n, name in enumerate(names, start=1)
    ]


# --- small cases (committed) -------------------------------------------------------------------------


def truncated(folder: Path) -> Path:
    """An upload cut off half-way: the zip's central directory is missing."""
    whole = write_xlsx(folder / "截断.xlsx.full", [("名册", sheet_xml(_roster_rows(["截断村党支部"])))])
    data = whole.read_bytes()
    whole.unlink()
    target = folder / "截断.xlsx"
    target.write_bytes(data[: len(data) // 2])
    return target


def corrupt_zip(folder: Path) -> Path:
    """The zip directory is intact but the worksheet's compressed bytes are damaged (bad CRC / bad stream)."""
    target = write_xlsx(folder / "损坏压缩包.xlsx", [("名册", sheet_xml(_roster_rows(["损坏村党支部"] * 20)))])
    data = bytearray(target.read_bytes())
    with zipfile.ZipFile(target) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 8, start + info.compress_size - 4, 7):
        data[k] ^= 0x5A
    target.write_bytes(bytes(data))
    return target


def encrypted(folder: Path) -> Path:
    """Password-protected (ECMA-376 agile encryption, an OLE container): reused from tests/data/bad."""
    target = folder / "加密.xlsx"
    shutil.copyfile(BAD / "encrypted.xlsx", target)
    return target


def external_entity(folder: Path) -> Path:
    """Shared strings declaring an external entity that would pull /etc/passwd into a branch name."""
    prolog = '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    shared = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<sst {NS} count="1" uniqueCount="1">'
        "<si><t>外部&xxe;村党支部</t></si></sst>"
    )
    rows = sheet_xml(ROSTER_HEAD).replace(
        "</sheetData>",
        '<row r="4"><c r="A4" t="inlineStr"><is><t>JZ01</t></is></c><c r="B4" t="s"><v>0</v></c></row></sheetData>',
    )
    return write_xlsx(folder / "外部实体.xlsx", [("名册", rows)], shared=shared)


def billion_laughs(folder: Path) -> Path:
    """Nested internal entities: ten levels of ten, 10^9 'lol's if expanded."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    rows = _roster_rows(["&lol9;"])
    return write_xlsx(folder / "十亿笑.xlsx", [("名册", sheet_xml(rows, prolog=f"<!DOCTYPE worksheet [{entities}]>"))])


def far_cell(folder: Path) -> Path:
    """One cell at XFD1048576: a reader that builds the dense grid asks for 17 billion cells."""
    xml = sheet_xml(_roster_rows(["远端村党支部"])).replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    )
    return write_xlsx(folder / "远端单元格.xlsx", [("名册", xml)])


def empty(folder: Path) -> Path:
    target = folder / "空文件.xlsx"
    target.write_bytes(b"")
    return target


SMALL = {
    "truncated": truncated,
    "corrupt_zip": corrupt_zip,
    "encrypted": encrypted,
    "external_entity": external_entity,
    "billion_laughs": billion_laughs,
    "far_cell": far_cell,
    "empty": empty,
}


# --- big cases (built at test time) ------------------------------------------------------------------


def zip_bomb(folder: Path, gigabytes: float = 2.0) -> Path:
    """Shared strings that inflate to `gigabytes` GB from about 2 MB (deflate of one repeated string)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="1" uniqueCount="1"><si><t>'.encode()
    block = b"A" * (1 << 24)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = [packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)]
    piece = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)  # after a full flush: the same bytes each time
    total, crc = len(head), zlib.crc32(head)
    for _ in range(int(gigabytes * 1024**3) // len(block)):
        packed.append(piece)
        total, crc = total + len(block), zlib.crc32(block, crc)
    tail = b"</t></si></sst>"
    packed += [packer.compress(tail), packer.flush()]
    total, crc = total + len(tail), zlib.crc32(tail, crc)
    stream = b"".join(packed)
    target = write_xlsx(folder / "解压炸弹.xlsx", [("名册", sheet_xml(ROSTER_HEAD))], shared="")
    return _replace_member(target, "xl/sharedStrings.xml", stream, total, crc)


def lying_zip(folder: Path, gigabytes: float = 1.0) -> Path:
    """Headers that claim 4 KB for shared strings which inflate to a gigabyte: only what is actually
    inflated can be trusted (the size check of the zip directory alone would let this through)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(f'<?xml version="1.0" encoding="UTF-8"?><sst {NS}><si><t>'.encode()) + packer.flush(
        zlib.Z_FULL_FLUSH
    )
    piece = packer.compress(b"B" * (1 << 24)) + packer.flush(zlib.Z_FULL_FLUSH)
    stream = head + piece * int(gigabytes * 64) + packer.compress(b"</t></si></sst>") + packer.flush()
    target = write_xlsx(folder / "虚报大小.xlsx", [("名册", sheet_xml(ROSTER_HEAD))], shared="")
    return _replace_member(target, "xl/sharedStrings.xml", stream, 4096, 0)


def _replace_member(target: Path, name: str, stream: bytes, size: int, crc: int) -> Path:
    """Rewrite the zip with member `name` holding a raw deflate `stream` of `size` bytes."""
    with zipfile.ZipFile(target) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    buffer = io.BytesIO()
    central = []
    for info, data in members:
        offset = buffer.tell()
        if info.filename == name:
            raw, usize, ucrc = stream, size, crc
        else:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            raw, usize, ucrc = packer.compress(data) + packer.flush(), len(data), zlib.crc32(data)
        encoded = info.filename.encode()
        header = (
            b"PK\x03\x04"
            + (20).to_bytes(2, "little")
            + b"\0\0"
            + (8).to_bytes(2, "little")
            + b"\0\0\x21\x5a"
            + ucrc.to_bytes(4, "little")
            + len(raw).to_bytes(4, "little")
            + usize.to_bytes(4, "little")
            + len(encoded).to_bytes(2, "little")
            + b"\0\0"
        )
        buffer.write(header + encoded + raw)
        central.append((header, encoded, offset))
    start = buffer.tell()
    for header, encoded, offset in central:
        buffer.write(
            b"PK\x01\x02"
            + (20).to_bytes(2, "little")
            + header[4:30]
            + b"\0\0" * 3
            + b"\0\0\0\0"
            + offset.to_bytes(4, "little")
            + encoded
        )
    directory = buffer.tell() - start
    buffer.write(
        b"PK\x05\x06\0\0\0\0"
        + len(central).to_bytes(2, "little") * 2
        + directory.to_bytes(4, "little")
        + start.to_bytes(4, "little")
        + b"\0\0"
    )
    target.write_bytes(buffer.getvalue())
    return target


def many_rows(folder: Path, rows: int = 200_000) -> Path:
    """A sheet of 200 000 rows (three columns of numbers, no form title): read, skipped as not a form."""
    body = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{r % 97}</v></c><c r="C{r}"><v>1.5</v></c></row>'
        for r in range(1, rows + 1)
    )
    xml = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>{body}</sheetData></worksheet>'
    return write_xlsx(folder / "二十万行.xlsx", [("数据", xml)])


def many_sheets(folder: Path, sheets: int = 300) -> Path:
    xml = sheet_xml([["备用"]])
    return write_xlsx(folder / "三百个工作表.xlsx", [(f"Sheet{n}", xml) for n in range(1, sheets + 1)])


def long_string(folder: Path, megabytes: int = 5) -> Path:
    """A roster whose one branch name is a 5 MB string (random CJK, so that it does not compress away)."""
    import random

    rng = random.Random(5)
    name = "".join(chr(0x4E00 + rng.randrange(2000)) for _ in range(megabytes * 1024 * 1024 // 3))
    return write_xlsx(folder / "超长文字.xlsx", [("名册", sheet_xml(_roster_rows([name])))])


def duplicate_roster(folder: Path, rows: int = 20_000) -> Path:
    """A roster of one branch (乙镇 YZ01) written 20 000 times."""
    head = [row[:] for row in ROSTER_HEAD]
    head[1] = ["乡镇（盖章）：乙镇　　　　年度：2027"]
    body = head + [["YZ01", "重复村党支部", "乙镇", "行政村", 30, "张三", ""]] * rows
    return write_xlsx(folder / "重复名册.xlsx", [("名册", sheet_xml(body))])


def hostile_names(folder: Path, year: int = 2027) -> Path:
    """A whole town (甲镇: 名册, 汇总表, 附件4) whose branches carry HOSTILE_NAMES, written with fenji.forms.samplebooks."""
    from fenji.forms.samplebooks import INDICATORS, Branch, roster_book, score_book, summary_book

    town_dir = folder / "甲镇"
    town_dir.mkdir(parents=True, exist_ok=True)
    branches = []
    for n, name in enumerate(HOSTILE_NAMES, start=1):
        b = Branch(f"JZ{n:02d}", name.replace("\x00", "_x0000_"), "甲镇", "行政村", 30, "张三", "")
        b.scores = dict(zip([i for i, _ in INDICATORS[:-1]], [12, 8, 8, 8, 8, 15 + n % 4]))
        b.votes = {"满意": 20 + n, "基本满意": 5, "不满意": 1, "不了解": 0}
        branches.append(b)
    book = roster_book("甲镇", year, branches)
    _xml_safe(book)
    book.save(town_dir / "甲镇名册.xlsx")
    book = summary_book("甲镇", year, [(b, b.votes, sum(b.votes.values()), "") for b in branches])
    _xml_safe(book)
    book.save(town_dir / "甲镇汇总表.xlsx")
    book = score_book("甲镇", year, [(b, b.scores, None) for b in branches])
    _xml_safe(book)
    book.save(town_dir / "附件4-甲镇评分定级表.xlsx")
    return town_dir


def _xml_safe(book) -> None:
    """Names typed as text, never as formulas. (XML 1.0 cannot hold NUL: the names carry Excel's escape
    _x0000_ instead, which readers decode back to NUL.)"""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    if cell.value.startswith(("=", "+", "-", "@")):
                        cell.data_type = "s"  # a name typed as text, not a formula


BIG = {
    "zip_bomb": zip_bomb,
    "lying_zip": lying_zip,
    "many_rows": many_rows,
    "many_sheets": many_sheets,
    "long_string": long_string,
    "duplicate_roster": duplicate_roster,
}


def main() -> None:
    for build in SMALL.values():
        path = build(HERE)
        print(f"{path.relative_to(HERE)}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent.parent))
    main()
