"""Excel conventions the questionnaire and the demo's returned files follow.

Dates are day numbers (:func:`pipeline.common.cells.excel_serial`); a typed text starting with "=" stays text (a comment that looks like a formula must never run);
document properties carry fixed dates so that the same content gives the same bytes.
"""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from openpyxl.cell.cell import Cell


def write_value(cell: Cell, value: object) -> None:
    """Write ``value`` in ``cell``; a text starting with '=' stays text (an answer, not a formula)."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def fix_properties(wb: Workbook, stamp: dt.datetime, author: str) -> None:
    """Author and fixed created / modified dates (openpyxl would write the current time)."""
    props = wb.properties
    props.creator = author
    props.lastModifiedBy = author
    props.created = stamp
    props.modified = stamp
