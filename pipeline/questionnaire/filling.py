"""Write one respondent's answers into a questionnaire workbook, as a collectivité would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.cell.cell import Cell

from pipeline.common.cells import is_blank
from pipeline.common.identifiers import normalize_siren
from pipeline.domain.codebook import Codebook, Question, load_codebook
from pipeline.questionnaire.excel import write_value
from pipeline.questionnaire.layout import (
    ANSWER_SHEET,
    CODE_ROW,
    DATE_FORMAT,
    FIRST_ANSWER_ROW,
    TEXT_FORMAT,
    number_format,
    vertical_question_text,
    vertical_rows,
    yes_no,
)


def fill_template(
    wb: Workbook,
    answers: Mapping[str, object],
    *,
    vertical: bool = False,
    row: int | None = None,
    codebook: Codebook | None = None,
) -> Workbook:
    """Write one respondent's answers (keyed by responses.parquet column) into the answer sheet.

    single → the label as given; multi → True/False as « Oui »/« Non »; number → number;
    date → a real Excel date (``datetime.date`` or ISO string); text, id, pii → text cells
    (a SIREN typed with spaces is written without them). None or NaN leaves the cell empty.
    A value of another type (a string in a number column, say) is written as it is, so a
    caller can plant the mistakes people make. ``row`` picks the row of the horizontal layout.
    """
    cb = codebook or load_codebook()
    ws = wb[ANSWER_SHEET]
    columns = {col: q for q in cb for col in q.columns}
    unknown = sorted(set(answers) - set(columns))
    if unknown:
        raise KeyError(f"columns not in the codebook: {', '.join(unknown)}")
    if vertical:
        if row is not None:
            raise ValueError("row applies to the horizontal layout only")
        places = vertical_rows(cb)
        for col, value in answers.items():
            r = places[col]
            expected = vertical_question_text(columns[col], col)
            if ws.cell(r, 1).value != expected:
                raise ValueError(f"row {r} of {ANSWER_SHEET!r} is not {col}: was the workbook built from this codebook?")
            _write_answer(ws.cell(r, 2), columns[col], value, cb)
        return wb
    target = FIRST_ANSWER_ROW if row is None else row
    if target < FIRST_ANSWER_ROW:
        raise ValueError(f"answers start at row {FIRST_ANSWER_ROW}, not {target}")
    code_columns = {ws.cell(CODE_ROW, c).value: c for c in range(1, ws.max_column + 1)}
    for col, value in answers.items():
        if col not in code_columns:
            raise ValueError(f"{col} has no column in row {CODE_ROW} of {ANSWER_SHEET!r}")
        _write_answer(ws.cell(target, code_columns[col]), columns[col], value, cb)
    return wb


def _is_missing(value: object) -> bool:
    """None, NaN, pandas.NA and NaT (by type name: no pandas import here); a blank text is kept."""
    return (not isinstance(value, str) and is_blank(value)) or type(value).__name__ in ("NAType", "NaTType")


def _plain(value: object) -> object:
    """numpy scalars to Python scalars; anything else unchanged."""
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        return item()
    return value


def _write_answer(cell: Cell, q: Question, value: object, cb: Codebook) -> None:
    value = _plain(value)
    value = None if _is_missing(value) else value
    if q.type == "multi":
        if isinstance(value, bool):
            value = yes_no(cb)[0 if value else 1]
    elif q.type == "number":
        if isinstance(value, bool):
            value = int(value)
        cell.number_format = number_format(q)
    elif q.type == "date":
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        if isinstance(value, dt.datetime) and value.time() == dt.time(0):
            value = value.date()
        cell.number_format = DATE_FORMAT
    elif q.type in ("text", "id", "pii"):
        cell.number_format = TEXT_FORMAT
        if value is not None:
            text = str(value)
            value = (normalize_siren(value) or text.strip()) if q.format == "siren" else text
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    write_value(cell, value)
