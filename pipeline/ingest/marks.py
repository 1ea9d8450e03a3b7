"""What calamine does not say about an xlsx sheet, read from the sheet's XML.

calamine reads an Excel error value (#DIV/0!, #N/A) as an empty cell and a formula never
calculated (a file written by a program, not saved by Excel) as empty too, and it does not say
which rows are hidden. The ingest reports all three: a missing value there was not left blank.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field

from pipeline.common.cells import column_number
from pipeline.ingest.readers import Workbook

_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class CellMarks:
    """What calamine does not say about an xlsx sheet, read from its XML (0-based positions)."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # Excel error values, read as empty
    formulas: set[tuple[int, int]] = field(default_factory=set)  # formulas without a saved value
    hidden_rows: set[int] = field(default_factory=set)


def xlsx_cell_marks(workbook: Workbook, sheet_name: str) -> CellMarks:
    """Excel error values (#N/A, #DIV/0!), formulas never computed, hidden rows of one xlsx sheet.

    Empty for other formats or when the archive is odd.
    """
    marks = CellMarks()
    if not workbook.data:
        return marks
    try:
        with zipfile.ZipFile(io.BytesIO(workbook.data)) as z:
            names = set(z.namelist())
            book = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
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
            xml = z.read(path).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return marks
    if 'hidden="1"' in xml or 'hidden="true"' in xml:
        for tag in re.findall(r"<row\b[^>]*>", xml):
            attrs = dict(_ATTR.findall(tag))
            if attrs.get("hidden") in ("1", "true") and attrs.get("r", "").isdigit():
                marks.hidden_rows.add(int(attrs["r"]) - 1)
    if 't="e"' not in xml and "<f" not in xml:
        return marks
    for m in _CELL.finditer(xml):
        body = m.group(2) or ""
        attrs = dict(_ATTR.findall(m.group(1)))
        ref = re.fullmatch(r"([A-Z]+)(\d+)", attrs.get("r", ""))
        if not ref:
            continue
        where = (int(ref.group(2)) - 1, column_number(ref.group(1)) - 1)
        value = re.search(r"<v>([^<]*)</v>", body)
        if attrs.get("t") == "e" and value:
            marks.errors[where] = html.unescape(value.group(1))
        elif "<f" in body and (value is None or not value.group(1)) and attrs.get("t") not in ("s", "inlineStr"):
            marks.formulas.add(where)
    return marks
