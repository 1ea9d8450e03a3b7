"""What calamine does not say about an xlsx sheet, read from the sheet's XML.

calamine reads an Excel error value (#DIV/0!, #N/A) as an empty cell and a formula never
calculated (a file written by a program, not saved by Excel) as empty too, and it does not say
which rows are hidden. The ingest reports all three: a missing value there was not left blank;
the text of a formula never calculated is kept, for a free-text answer to use. Parts in UTF-16
(Excel Mobile) are read as well as UTF-8 ones.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field

from pipeline.common.cells import column_number
from pipeline.ingest.formats import xml_encoding
from pipeline.ingest.readers import Workbook

_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_FORMULA = re.compile(r"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.DOTALL)


def _xml_text(raw: bytes) -> str:
    """An XML part as text, UTF-8 or UTF-16."""
    return raw.decode(xml_encoding(raw[:4]), "replace").lstrip("\ufeff")


@dataclass
class CellMarks:
    """What calamine does not say about an xlsx sheet, read from its XML (0-based positions)."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # Excel error values, read as empty
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # formulas without a saved value: their text ("=A1&B1", "" if shared)
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
            formula = _FORMULA.search(body)
            text = html.unescape(formula.group(1) or "").strip() if formula else ""
            marks.formulas[where] = "=" + text if text else ""
    return marks
