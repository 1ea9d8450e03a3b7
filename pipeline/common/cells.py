"""Spreadsheet cells as a user sees them: Excel references (B12), blank cells, cell text, Excel dates."""

from __future__ import annotations

import datetime as dt
import math


def is_blank(value: object) -> bool:
    """True for None, NaN, and strings made only of whitespace."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return False


def cell_text(value: object) -> str:
    """The text a user sees in the cell: integral floats without '.0', dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    try:
        return str(value).strip()
    except ValueError:  # an integer of more than 4,300 digits: no text a user could have seen
        return ""


def column_letter(col0: int) -> str:
    """0-based column index to Excel letters: 0 -> A, 27 -> AB."""
    if col0 < 0:
        raise ValueError(col0)
    letters = ""
    n = col0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_LETTERS = tuple(column_letter(i) for i in range(2048))  # precomputed: ingest calls cell_ref per cell


def cell_ref(row0: int, col0: int) -> str:
    """0-based (row, column) to the Excel reference a user sees: (11, 1) -> 'B12'."""
    return f"{_LETTERS[col0] if col0 < 2048 else column_letter(col0)}{row0 + 1}"


def column_number(letters: str | bytes) -> int:
    """Excel column letters to the column's number, counted from 1 as Excel does: A -> 1, AB -> 28."""
    n = 0
    for ch in letters.encode("ascii") if isinstance(letters, str) else letters:
        n = n * 26 + ch - 64
    return n


# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in): 1 March 1900 is day 61.
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def excel_serial(value: dt.date) -> int | float:
    """Excel's number for a date (whole days since the epoch) or a datetime (with a day fraction)."""
    if isinstance(value, dt.datetime):
        delta = value - EXCEL_EPOCH
        return delta.days + delta.seconds / 86400
    return (value - EXCEL_EPOCH.date()).days
