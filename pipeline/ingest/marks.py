"""What calamine does not say about a sheet, read from the file itself.

calamine reads an Excel error value (#DIV/0!, #N/A) as an empty cell and a formula never
calculated (a file written by a program, not saved by Excel) as empty too, and it does not say
which rows and columns are hidden. The ingest reports the first two (a missing value there was
not left blank; the text of a formula never calculated is kept, for a free-text answer to use),
and hidden rows and columns are not answers unless nothing visible holds them
(:mod:`pipeline.ingest.files`). Where each comes from:

- xlsx, xlsm: the sheet's XML (``<row hidden="1">``, ``<col hidden="1">``, ``<autoFilter>`` with
  a ``<filterColumn>``, ``<c t="e">``, ``<f>`` without ``<v>``); parts in UTF-16 (Excel Mobile)
  are read as well as UTF-8 ones;
- ods: ``content.xml`` (``table:visibility="collapse"`` on rows and columns, ``"filter"`` on rows
  a filter hides); error values and formulas are given by calamine there;
- xls (Excel 97-2003, BIFF8): the ROW records' ``fDyZero`` and the COLINFO records' ``fHidden``
  ([MS-XLS] 2.4.221, 2.4.53), FILTERMODE (2.4.120) for a filter; not error values or formulas;
- csv: nothing is hidden.
"""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

from pipeline.common.cells import column_number
from pipeline.ingest.formats import OLE_MAGIC, OleFile, xml_encoding
from pipeline.ingest.readers import Workbook

_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_MAX_COLUMNS = 16_384  # Excel's last column: a <col> range may run to it
_FORMULA = re.compile(r"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.DOTALL)
# Formulas that sum up a column: a row of them is a total, not a collectivité
_AGGREGATE = re.compile(r"^(?:_xlfn\.)?(?:SUM|SUMIF|SUMIFS|AVERAGE|AVERAGEIF|COUNT|COUNTA|COUNTIF|COUNTIFS|MEDIAN|SUBTOTAL|"
                        r"AGGREGATE|MIN|MAX|SOMME|MOYENNE|NB|NBVAL|MEDIANE|SOUS\.TOTAL)\(", re.IGNORECASE)


def _xml_text(raw: bytes) -> str:
    """An XML part as text, UTF-8 or UTF-16."""
    return raw.decode(xml_encoding(raw[:4]), "replace").lstrip("\ufeff")


@dataclass
class CellMarks:
    """What calamine does not say about a sheet (0-based positions)."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # Excel error values, read as empty
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # formulas without a saved value: their text ("=A1&B1", "" if shared)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    filtered: bool = False  # a filter is on: its hidden rows are answers out of view, not stale ones
    aggregates: set[tuple[int, int]] = field(default_factory=set)  # cells holding a SUM, AVERAGE, COUNT... formula


def sheet_marks(workbook: Workbook, sheet_name: str) -> CellMarks:
    """The marks of one sheet of any format, read once per workbook (empty when the file is odd)."""
    cache = workbook.marks
    if sheet_name not in cache:
        fmt = workbook.format
        data = workbook.data
        if not data:
            marks = CellMarks()
        elif data.startswith(OLE_MAGIC):
            marks = _xls_marks(workbook, sheet_name)
        elif fmt == "ods":
            marks = _ods_marks(workbook, sheet_name)
        else:
            marks = xlsx_cell_marks(workbook, sheet_name)
        cache[sheet_name] = marks
    return cache[sheet_name]


# --- xlsx ---------------------------------------------------------------------------------------
def xlsx_cell_marks(workbook: Workbook, sheet_name: str) -> CellMarks:
    """Excel error values (#N/A, #DIV/0!), formulas never computed, hidden rows and columns, an
    active filter, and summing formulas of one xlsx sheet.

    Empty for other formats or when the archive is odd.
    """
    marks = CellMarks()
    if not workbook.data or workbook.data.startswith(OLE_MAGIC):
        return marks
    try:
        with zipfile.ZipFile(io.BytesIO(workbook.data)) as z:
            names = set(z.namelist())
            book = _xml_text(z.read("xl/workbook.xml"))
            rels = _xml_text(z.read("xl/_rels/workbook.xml.rels"))
            rid = ""
            for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
                attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', tag))
                if html.unescape(attrs.get("name", "")) == sheet_name:
                    rid = attrs.get("r:id", "")
            target = ""
            for tag in re.findall(r"<Relationship\b[^>]*>", rels):
                attrs = dict(_ATTR.findall(tag))
                if attrs.get("Id") == rid:
                    target = attrs.get("Target", "").lstrip("/")
            if not target:
                return marks
            path = target if target.startswith("xl/") else f"xl/{target}"
            if path not in names:
                return marks
            xml = _xml_text(z.read(path))
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError, ValueError):
        return marks
    if 'hidden="1"' in xml or 'hidden="true"' in xml:
        for tag in re.findall(r"<row\b[^>]*>", xml):
            attrs = dict(_ATTR.findall(tag))
            if attrs.get("hidden") in ("1", "true") and attrs.get("r", "").isdigit():
                marks.hidden_rows.add(int(attrs["r"]) - 1)
        for tag in re.findall(r"<col\b[^>]*>", xml):
            attrs = dict(_ATTR.findall(tag))
            if attrs.get("hidden") in ("1", "true") and attrs.get("min", "").isdigit() and attrs.get("max", "").isdigit():
                low, high = int(attrs["min"]), min(int(attrs["max"]), _MAX_COLUMNS)
                marks.hidden_cols.update(range(low - 1, high))
    marks.filtered = "<filterColumn" in xml
    if 't="e"' not in xml and "<f" not in xml:
        return marks
    for m in _CELL.finditer(xml):
        body = m.group(2) or ""
        if 't="e"' not in m.group(1) and "<f" not in body:
            continue
        attrs = dict(_ATTR.findall(m.group(1)))
        ref = re.fullmatch(r"([A-Z]+)(\d+)", attrs.get("r", ""))
        if not ref:
            continue
        where = (int(ref.group(2)) - 1, column_number(ref.group(1)) - 1)
        value = re.search(r"<v>([^<]*)</v>", body)
        if attrs.get("t") == "e" and value:
            marks.errors[where] = html.unescape(value.group(1))
            continue
        formula = _FORMULA.search(body)
        text = html.unescape(formula.group(1) or "").strip() if formula else ""
        if text and _AGGREGATE.match(text):
            marks.aggregates.add(where)
        if (value is None or not value.group(1)) and attrs.get("t") not in ("s", "inlineStr"):
            marks.formulas[where] = "=" + text if text else ""
    return marks


# --- ods ----------------------------------------------------------------------------------------
_ODS_TAG = re.compile(r"<(/?)table:(table-row|table-column|table)(?=[\s/>])([^>]*?)(/?)>")
_ODS_ATTR = re.compile(r'table:([\w-]+)="([^"]*)"')
_ODS_MAX_REPEAT = 1_048_576  # LibreOffice pads a sheet to its last row with one repeated row


def _ods_marks(workbook: Workbook, sheet_name: str) -> CellMarks:
    """Hidden (``collapse``) and filtered-out (``filter``) rows and columns of an ods sheet."""
    marks = CellMarks()
    try:
        with zipfile.ZipFile(io.BytesIO(workbook.data)) as z:
            xml = z.read("content.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError, ValueError):
        return marks
    if "table:visibility" not in xml:
        return marks
    name = html.escape(sheet_name, quote=True)
    start = -1
    for m in re.finditer(r"<table:table(?=[\s>])[^>]*>", xml):
        if f'table:name="{name}"' in m.group(0) or html.unescape(dict(_ODS_ATTR.findall(m.group(0))).get("name", "")) == sheet_name:
            start = m.start()
            break
    if start < 0:
        return marks
    row = col = depth = 0
    for m in _ODS_TAG.finditer(xml, start):
        closing, kind, attrs, empty = m.groups()
        if kind == "table":
            depth += -1 if closing else (0 if empty else 1)
            if depth == 0:
                break
            continue
        if closing or depth != 1:
            continue
        a = dict(_ODS_ATTR.findall(attrs))
        visibility = a.get("visibility", "visible")
        if kind == "table-row":
            n = _repeat(a.get("number-rows-repeated"))
            if visibility != "visible" and n < _ODS_MAX_REPEAT // 2:
                marks.hidden_rows.update(range(row, row + n))
                marks.filtered = marks.filtered or visibility == "filter"
            row += n
        else:
            n = _repeat(a.get("number-columns-repeated"))
            if visibility != "visible" and n < _MAX_COLUMNS:
                marks.hidden_cols.update(range(col, col + n))
            col += n
    return marks


def _repeat(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


# --- xls (BIFF8) --------------------------------------------------------------------------------
_BOUNDSHEET, _ROW, _COLINFO, _FILTERMODE, _BOF, _EOF = 0x0085, 0x0208, 0x007D, 0x009B, 0x0809, 0x000A
_MAX_XLS_STREAM = 64 << 20


def _xls_marks(workbook: Workbook, sheet_name: str) -> CellMarks:
    """Hidden rows and columns of an xls sheet, from its BIFF8 records (nothing for Excel 95)."""
    marks = CellMarks()
    try:
        ole = OleFile(workbook.data)
        size = next((e[3] for e in ole.entries if e[1] == 2 and e[0].lower() == "workbook"), 0)
        if not size:
            return marks
        stream = ole.head("workbook", min(size, _MAX_XLS_STREAM))
        offset = _xls_sheet_offset(stream, sheet_name)
        if offset is None:
            return marks
        pos = offset
        while pos + 4 <= len(stream):
            rid, length = struct.unpack_from("<HH", stream, pos)
            body = stream[pos + 4:pos + 4 + length]
            if rid == _EOF:
                break
            if rid == _ROW and len(body) >= 16 and struct.unpack_from("<I", body, 12)[0] & 0x20:
                marks.hidden_rows.add(struct.unpack_from("<H", body, 0)[0])
            elif rid == _COLINFO and len(body) >= 10 and struct.unpack_from("<H", body, 8)[0] & 0x1:
                first, last = struct.unpack_from("<HH", body, 0)
                marks.hidden_cols.update(range(first, min(last, 255) + 1))
            elif rid == _FILTERMODE:
                marks.filtered = True
            pos += 4 + length
    except (ValueError, struct.error, IndexError, OverflowError, MemoryError):
        return CellMarks()
    return marks


def _xls_sheet_offset(stream: bytes, sheet_name: str) -> int | None:
    """Where the BOF of the sheet called ``sheet_name`` is in the workbook stream."""
    pos = 0
    while pos + 4 <= len(stream):
        rid, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4:pos + 4 + length]
        if rid == _EOF:
            return None
        if rid == _BOUNDSHEET and len(body) >= 8:
            (offset,) = struct.unpack_from("<I", body, 0)
            cch, high = body[6], body[7] & 0x1
            raw = body[8:8 + cch * (2 if high else 1)]
            name = raw.decode("utf-16-le" if high else "latin-1", "replace")
            if name == sheet_name:
                return offset
        pos += 4 + length
    return None
