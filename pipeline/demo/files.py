"""Write cell grids as returned files (.xlsx, .xlsm, .ods, .csv) with byte-identical output.

Spreadsheets carry fixed creation / modification times and fixed archive timestamps, so the
same grid always gives the same bytes. Grids are 0-based (row 0 is Excel's row 1), as
:func:`pipeline.common.cells.cell_ref` counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from pipeline.common.atomic import workbook_bytes
from pipeline.common.cells import cell_text, column_letter, excel_serial
from pipeline.questionnaire import DATE_FORMAT, fix_properties, write_value

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Formats whose cells keep their type (numbers, dates); a CSV cell is text.
NATIVE_FORMATS = ("xlsx", "xlsm", "ods")


@dataclass
class SheetGrid:
    """One sheet as rows of cell values (row 0 is Excel row 1); ``bold`` lists rows, ``widths``
    columns (0 is column A); hidden rows and columns, merged ranges (row, col, last row, last col),
    all 0-based."""

    name: str
    rows: list[list[object]] = field(default_factory=list)
    bold: tuple[int, ...] = ()
    widths: dict[int, float] = field(default_factory=dict)
    hidden: bool = False
    hidden_rows: frozenset[int] = frozenset()
    hidden_cols: frozenset[int] = frozenset()
    merged: tuple[tuple[int, int, int, int], ...] = ()


def xlsx_bytes(sheets: list[SheetGrid], year: int, author: str) -> bytes:
    """An .xlsx (or .xlsm-named) workbook with the grids, dates as real dates."""
    wb = Workbook()
    wb.remove(wb.active)
    for grid in sheets:
        ws = wb.create_sheet(grid.name)
        for r, row in enumerate(grid.rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                cell = ws.cell(r + 1, c + 1)
                write_value(cell, value)
                if isinstance(value, dt.datetime):
                    cell.number_format = f"{DATE_FORMAT} hh:mm:ss"
                elif isinstance(value, dt.date):
                    cell.number_format = DATE_FORMAT
                if r in grid.bold:
                    cell.font = Font(bold=True)
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for c, width in sorted(grid.widths.items()):
            ws.column_dimensions[column_letter(c)].width = width
        for r in sorted(grid.hidden_rows):
            ws.row_dimensions[r + 1].hidden = True
        for c in sorted(grid.hidden_cols):
            ws.column_dimensions[column_letter(c)].hidden = True
        for r0, c0, r1, c1 in grid.merged:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        if grid.hidden:
            ws.sheet_state = "hidden"
    fix_properties(wb, dt.datetime(year, 1, 15, 9, 0, 0), author)
    return workbook_bytes(wb)


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.2"'
)
_ODS_STYLES = (
    '<office:automatic-styles>'
    '<number:date-style style:name="N1"><number:day number:style="long"/><number:text>/</number:text>'
    '<number:month number:style="long"/><number:text>/</number:text><number:year/></number:date-style>'
    '<number:date-style style:name="N2"><number:day number:style="long"/><number:text>/</number:text>'
    '<number:month number:style="long"/><number:text>/</number:text><number:year/><number:text> </number:text>'
    '<number:hours number:style="long"/><number:text>:</number:text><number:minutes number:style="long"/>'
    '<number:text>:</number:text><number:seconds number:style="long"/></number:date-style>'
    '<style:style style:name="ce1" style:family="table-cell" style:data-style-name="N1"/>'
    '<style:style style:name="ce2" style:family="table-cell" style:data-style-name="N2"/>'
    '<style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style>'
    '<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>'
    '</office:automatic-styles>'
)
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
    '</manifest:manifest>'
)


def _ods_paragraphs(text: str) -> str:
    """text:p elements; spaces kept with text:s (ODF collapses plain runs of spaces)."""
    out = []
    for line in text.split("\n"):
        parts = re.split(r"( {2,}|^ | $)", _xml_escape(line))
        body = "".join(f'<text:s text:c="{len(p)}"/>' if p and not p.strip() else p for p in parts)
        out.append(f"<text:p>{body}</text:p>")
    return "".join(out)


def _ods_cell(value: object, span: str = "") -> str:
    """One table:table-cell; ``span``: the number-columns/rows-spanned attributes of a merged range's first cell."""
    if span:
        inner = _ods_cell(value)
        if inner == "<table:table-cell/>":
            return f"<table:table-cell{span}/>"
        return inner.replace("<table:table-cell", f"<table:table-cell{span}", 1)
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, bool):
        return (f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(value).lower()}">'
                f"<text:p>{'VRAI' if value else 'FAUX'}</text:p></table:table-cell>")
    if isinstance(value, dt.datetime):
        return (f'<table:table-cell table:style-name="ce2" office:value-type="date" '
                f'office:date-value="{value.isoformat(timespec="seconds")}"><text:p>{value:%d/%m/%Y %H:%M:%S}</text:p>'
                "</table:table-cell>")
    if isinstance(value, dt.date):
        return (f'<table:table-cell table:style-name="ce1" office:value-type="date" office:date-value="{value.isoformat()}">'
                f"<text:p>{value:%d/%m/%Y}</text:p></table:table-cell>")
    if isinstance(value, (int, float)):
        number = cell_text(float(value))
        return (f'<table:table-cell office:value-type="float" office:value="{number}"><text:p>{number}</text:p>'
                "</table:table-cell>")
    return f'<table:table-cell office:value-type="string">{_ods_paragraphs(str(value))}</table:table-cell>'


def ods_bytes(sheets: list[SheetGrid]) -> bytes:
    """An OpenDocument spreadsheet with the grids (as LibreOffice users send them)."""
    tables = []
    for grid in sheets:
        spans: dict[tuple[int, int], str] = {}
        covered: set[tuple[int, int]] = set()
        for r0, c0, r1, c1 in grid.merged:
            spans[(r0, c0)] = f' table:number-columns-spanned="{c1 - c0 + 1}" table:number-rows-spanned="{r1 - r0 + 1}"'
            covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0))
        rows = []
        for r, row in enumerate(grid.rows):
            width = max([len(row)] + [c + 1 for (rr, c) in spans if rr == r] + [c + 1 for (rr, c) in covered if rr == r])
            cells = "".join("<table:covered-table-cell/>" if (r, c) in covered
                            else _ods_cell(row[c] if c < len(row) else None, spans.get((r, c), "")) for c in range(width))
            shown = ' table:visibility="collapse"' if r in grid.hidden_rows else ""
            rows.append(f"<table:table-row{shown}>" + (cells or "<table:table-cell/>") + "</table:table-row>")
        name = _xml_escape(grid.name)
        style = "ta2" if grid.hidden else "ta1"
        if grid.hidden_cols:
            ncols = max([len(row) for row in grid.rows] + [c + 1 for c in grid.hidden_cols])
            columns = "".join('<table:table-column table:visibility="collapse"/>' if c in grid.hidden_cols
                              else "<table:table-column/>" for c in range(ncols))
        else:
            columns = "<table:table-column/>"
        tables.append(f'<table:table table:name="{name}" table:style-name="{style}">{columns}{"".join(rows)}</table:table>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODS_NS}>{_ODS_STYLES}'
               f'<office:body><office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body>'
               "</office:document-content>")
    meta = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {_ODS_NS}><office:meta>'
            "<meta:generator>LibreOffice/7.6</meta:generator></office:meta></office:document-meta>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        entries = (("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED),
                   ("content.xml", content.encode("utf-8"), zipfile.ZIP_DEFLATED),
                   ("meta.xml", meta.encode("utf-8"), zipfile.ZIP_DEFLATED),
                   ("META-INF/manifest.xml", _ODS_MANIFEST.encode("utf-8"), zipfile.ZIP_DEFLATED))
        for name, data, method in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = method
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    return out.getvalue()


def csv_text(value: object) -> str:
    """Text of a CSV cell: numbers as a cell shows them (no useless '.0'), booleans 1/0, French
    dates; a text as it was typed (its spaces kept)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return cell_text(float(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


def csv_bytes(rows: list[list[object]], *, sep: str, encoding: str, bom: bool, quote_all: bool = False) -> bytes:
    """CSV with CRLF line ends; ``encoding`` 'utf-8' or 'cp1252' (strict: no silent loss)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n",
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


# --- fast filling of a saved workbook ----------------------------------------------------------


def _xml_escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def _cell_xml(ref: str, style: str, value: object) -> str:
    """One <c> element of a worksheet: inline text, number or date serial."""
    if isinstance(value, dt.date):
        value = excel_serial(value)
    if isinstance(value, bool):
        return f'<c r="{ref}" s="{style}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        number = cell_text(float(value))
        return f'<c r="{ref}" s="{style}"><v>{number}</v></c>'
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{_xml_escape(str(value))}</t></is></c>'


def patch_cells(sheet_xml: str, values: dict[str, object]) -> str:
    """Put values into existing empty styled cells of a worksheet's XML (as Excel would save them).

    Used to fill copies of the questionnaire quickly; every target cell must exist empty in
    the template (the template styles each answer cell).
    """
    def repl(match: re.Match[str]) -> str:
        ref, style = match.group(1), match.group(2)
        if ref not in values or values[ref] is None or values[ref] == "":
            return match.group(0)
        return _cell_xml(ref, style, values[ref])

    out, n = re.subn(r'<c r="([A-Z]+\d+)" s="(\d+)"(?: t="n")?\s*/>', repl, sheet_xml)
    missing = [r for r, v in values.items() if v not in (None, "") and f'<c r="{r}" s=' not in sheet_xml]
    if missing:
        raise ValueError(f"cells not prepared in the template: {', '.join(missing[:5])}")
    return out


def replace_entry(archive: bytes, name: str, content: bytes) -> bytes:
    """The archive with one entry replaced; fixed entry times keep the bytes reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, content if info.filename == name else src.read(info.filename))
    return out.getvalue()


