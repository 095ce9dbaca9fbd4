"""Stage 2b: recognise a form on each sheet by its spec and lift its table out (fenji.forms has the specs).

A form is recognised by its title, never by the file name; columns are found by header text (two-level
merged headers included), so inserted, reordered or moved rows and columns do not matter (forms.md).
The result is positional data with cell references; typing and checking values is validation's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fenji.core.cells import cell_ref, header_key, split_labels, squash, text, title_key
from fenji.core.workbook import Sheet

TITLE_SCAN_ROWS = 10
HEADER_SCAN_ROWS = 15
TERMINATORS = ("合计", "总计", "说明", "备注", "注:", "注：", "填表人", "审核人", "签字", "负责人")


@dataclass(frozen=True)
class FormSpec:
    """How to find one standard form: title keys, header names (aliases allowed), key columns."""

    kind: str
    label: str  # Chinese name used in messages
    title_all: tuple[str, ...]  # every one of these must be in the title
    title_none: tuple[str, ...] = ()  # none of these may be
    required: tuple[str, ...] = ()  # top-level headers that identify the header row
    children: tuple[str, ...] = ()  # second-level headers expected under a merged parent
    keys: tuple[str, ...] = ()  # key columns: a row with all of them empty ends the table


def header_base(value) -> str:
    """Header text compared with a spec: also drop any parenthesis (`姓名（户主）` → `姓名`)."""
    return re.sub(r"[（(][^）)]*[)）]", "", header_key(value))


@dataclass
class Field:
    value: str
    ref: str


@dataclass
class Row:
    index: int  # 0-based sheet row
    cells: dict  # column name → raw value


@dataclass
class Table:
    """A recognised form's table: columns by name, data rows, header fields, all with locations."""

    spec: FormSpec
    sheet: Sheet
    title: str
    title_ref: str
    header_row: int
    columns: dict[str, int]
    header_text: dict[str, str]
    parents: dict[str, str]
    rows: list[Row]
    fields: dict[str, Field] = field(default_factory=dict)
    after: list[list] = field(default_factory=list)  # rows after the table (合计, 自评等次 …)
    after_start: int = 0
    unread: list[int] = field(default_factory=list)  # rows below the table's end that still hold data
    terminator: int | None = None  # the 合计/说明 row that ended the scan for them
    below: list[int] = field(default_factory=list)  # data-looking rows below that terminator row

    @property
    def kind(self) -> str:
        return self.spec.kind

    def ref(self, row: Row | int, column: str) -> str:
        index = row.index if isinstance(row, Row) else row
        return cell_ref(index, self.columns[column]) if column in self.columns else cell_ref(index, 0)

    def field_value(self, *labels: str) -> Field | None:
        for label in labels:
            if label in self.fields:
                return self.fields[label]
        return None


def recognise(sheet: Sheet, specs: tuple[FormSpec, ...]) -> tuple[FormSpec, str, int, int] | None:
    """The form on this sheet: (spec, title text, title row, title col), or None if no title is known.

    `specs` are tried in order (fenji.forms.SPECS): the first whose title keys the sheet carries wins."""
    for r in range(min(TITLE_SCAN_ROWS, len(sheet.rows))):
        for c, value in enumerate(sheet.rows[r]):
            if not isinstance(value, str) or not value.strip():
                continue
            key = title_key(value)
            for spec in specs:
                if all(k in key for k in spec.title_all) and not any(k in key for k in spec.title_none):
                    return spec, text(value), r, c
    return None


def locate_header(sheet: Sheet, spec: FormSpec, start: int) -> int | None:
    """The first row at or below `start` whose cells contain every required header."""
    wanted = {header_base(h) for h in spec.required}
    for r in range(start, min(start + HEADER_SCAN_ROWS, len(sheet.rows))):
        present = {header_base(v) for v in sheet.rows[r] if isinstance(v, str)}
        if wanted <= present:
            return r
    return None


def extract(
    sheet: Sheet, spec: FormSpec, title: str, title_row: int, title_col: int, child_names: tuple[str, ...] = ()
) -> Table | None:
    """Lift the table out of a recognised sheet; None when the header row cannot be found."""
    header = locate_header(sheet, spec, title_row + 1)
    if header is None:
        return None
    children = tuple(spec.children) + tuple(child_names)
    two_level = _has_child_row(sheet, header, children)
    columns, texts, parents = _columns(sheet, header, two_level)
    first = header + (2 if two_level else 1)
    rows, end = _data_rows(sheet, first, columns, spec)
    table = Table(spec, sheet, title, cell_ref(title_row, title_col), header, columns, texts, parents, rows)
    table.fields = _fields(sheet, title_row, header, end)
    table.after = sheet.rows[end : end + 10]
    table.after_start = end
    table.unread = _unread_rows(sheet, end, columns, spec)
    table.terminator = _terminator_at_or_after(sheet, end)
    if table.terminator is not None:
        table.below = _rows_below(sheet, table.terminator, columns, spec)
    return table


def _terminator_at_or_after(sheet: Sheet, end: int) -> int | None:
    for r in range(end, len(sheet.rows)):
        if _is_terminator(sheet.rows[r]):
            return r
    return None


def _rows_below(sheet: Sheet, terminator: int, columns: dict[str, int], spec: FormSpec) -> list[int]:
    """Rows under a 合计/说明 row that look like the table's data: a key cell filled and two or more
    values in the table's columns, and not a `标签：值` footer line. A clerk who pasted ballots under
    the 说明 line would otherwise lose them without a word."""
    keys = [columns[k] for k in spec.keys if k in columns]
    used = [c for name, c in columns.items() if name not in ("备注", "序号") or name in spec.keys]
    found = []
    for r in range(terminator + 1, len(sheet.rows)):
        values = sheet.rows[r]
        if not any(not _blank(values, c) for c in keys) or sum(not _blank(values, c) for c in used) < 2:
            continue
        first = next((v for v in values if v is not None and str(v).strip()), None)
        if _is_terminator(values) or (isinstance(first, str) and ("：" in first or ":" in first)):
            continue
        found.append(r)
    return found


def _unread_rows(sheet: Sheet, end: int, columns: dict[str, int], spec: FormSpec) -> list[int]:
    """Rows from the end of the table to the next 合计/说明 row that still hold two or more values in
    the table's columns. The table ends at the first row whose key cell is empty (forms.md), so a
    ballot typed without its 票号 would otherwise drop it and every ballot below it without a word."""
    used = [c for name, c in columns.items() if name not in ("备注", "序号") or name in spec.keys]
    found = []
    for r in range(end, len(sheet.rows)):
        values = sheet.rows[r]
        if _is_terminator(values):
            break
        if sum(not _blank(values, c) for c in used) >= 2:
            found.append(r)
    return found


def _has_child_row(sheet: Sheet, header: int, children: tuple[str, ...]) -> bool:
    if not children or header + 1 >= len(sheet.rows):
        return False
    below = {header_base(v) for v in sheet.rows[header + 1] if isinstance(v, str)}
    return any(header_base(c) in below for c in children)


def _columns(sheet: Sheet, header: int, two_level: bool):
    """Column name → index; for two-level headers the child label wins under a parent."""
    columns: dict[str, int] = {}
    texts: dict[str, str] = {}
    parents: dict[str, str] = {}
    top = sheet.rows[header]
    below = sheet.rows[header + 1] if two_level and header + 1 < len(sheet.rows) else []
    parent = ""
    for c, value in enumerate(top):
        if isinstance(value, str) and value.strip():
            parent = value
        elif value is not None and not isinstance(value, str):
            parent = ""
        child = below[c] if c < len(below) else None
        if two_level and child is not None and str(child).strip():
            _add_column(columns, texts, child, c)
            parents[header_base(child)] = text(parent)
        elif value is not None and str(value).strip():
            _add_column(columns, texts, value, c)
    return columns, texts, parents


def _add_column(columns: dict, texts: dict, label, col: int) -> None:
    name = header_base(label)
    if name and name not in columns:  # the first of two equal headers wins; the other is an extra column
        columns[name] = col
        texts[name] = text(label)


def _data_rows(sheet: Sheet, first: int, columns: dict[str, int], spec: FormSpec) -> tuple[list[Row], int]:
    key_cols = [columns[k] for k in spec.keys if k in columns]
    rows: list[Row] = []
    r = first
    for r in range(first, len(sheet.rows)):
        values = sheet.rows[r]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if _is_terminator(values) or (key_cols and all(_blank(values, c) for c in key_cols)):
            return rows, r
        rows.append(Row(r, {name: (values[c] if c < len(values) else None) for name, c in columns.items()}))
    return rows, len(sheet.rows)


def _blank(values: list, col: int) -> bool:
    return col >= len(values) or values[col] is None or (isinstance(values[col], str) and not values[col].strip())


def _is_terminator(values: list) -> bool:
    first = next((v for v in values if v is not None and str(v).strip()), None)
    if not isinstance(first, str):
        return False
    key = squash(first)
    return key.startswith(TERMINATORS) or "签字" in key[:12] or "盖章" in key[:12] and ":" in key


def terminator_word(values: list) -> str:
    """The word that makes a row a table's end (`说明`, `合计` …), as named in messages."""
    first = next((v for v in values if v is not None and str(v).strip()), "")
    key = squash(first)
    word = next((t for t in TERMINATORS if key.startswith(t)), key[:6])
    return word.rstrip(":：") or "表尾"


def _fields(sheet: Sheet, title_row: int, header: int, end: int) -> dict[str, Field]:
    """`标签：值` cells above the header (and in footer rows) → label → Field."""
    found: dict[str, Field] = {}
    spans = list(range(title_row, header)) + list(range(end, min(end + 10, len(sheet.rows))))
    for r in spans:
        for c, value in enumerate(sheet.rows[r]):
            if isinstance(value, str) and ("：" in value or ":" in value):
                pairs = split_labels(value)
                for n, (label, content) in enumerate(pairs):
                    where = cell_ref(r, c)
                    if not content and n == len(pairs) - 1:  # `填报日期：` | 2027-03-28 (a real date) in the next cell
                        content, where = _value_after(sheet.rows[r], r, c) or (content, where)
                    found.setdefault(label, Field(content, where))
    return found


def _value_after(values: list, row: int, col: int) -> tuple[str, str] | None:
    """The first non-empty cell right of a `标签：` cell, unless it is itself a label."""
    for c in range(col + 1, len(values)):
        value = values[c]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str) and ("：" in value or ":" in value):
            return None
        return text(value), cell_ref(row, c)
    return None


def find_tables(sheet: Sheet, specs: tuple[FormSpec, ...], extra_children: dict[str, tuple[str, ...]] | None = None):
    """The recognised table on this sheet, or (spec, None) when the title is known but no header,
    or None when the sheet has no known title."""
    found = recognise(sheet, specs)
    if found is None:
        return None
    spec, title, r, c = found
    children = (extra_children or {}).get(spec.kind, ())
    return spec, extract(sheet, spec, title, r, c, children)
