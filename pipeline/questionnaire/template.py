"""The questionnaire as an Excel workbook a collectivité fills in, built from the codebook.

Sheets « Instructions » (:mod:`~pipeline.questionnaire.instructions`), « Réponses » in the
horizontal or vertical layout (:mod:`~pipeline.questionnaire.layout`,
:mod:`~pipeline.questionnaire.sheets`) and the hidden « Listes » of the dropdowns.
:func:`fill_template` (:mod:`~pipeline.questionnaire.filling`) writes one respondent's answers,
as the demo generator does; :func:`save_workbook` writes byte-identical files for identical
content.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from openpyxl import Workbook

from pipeline.common.atomic import save_workbook
from pipeline.domain.codebook import Codebook, load_codebook
from pipeline.questionnaire.excel import fix_properties
from pipeline.questionnaire.filling import fill_template  # noqa: F401 (callers build and fill from here)
from pipeline.questionnaire.instructions import write_instructions
from pipeline.questionnaire.layout import (  # noqa: F401 (vertical_rows: callers locate answers from here)
    ANSWER_SHEET,
    CREATOR,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    title,
    vertical_rows,
)
from pipeline.questionnaire.sheets import write_horizontal, write_lists, write_vertical


def build_template(codebook: Codebook | None = None, *, vertical: bool = False, year: int | None = None) -> Workbook:
    """Build the questionnaire workbook: « Instructions », « Réponses », hidden « Listes »."""
    cb = codebook or load_codebook()
    survey_year = year if year is not None else default_year()
    wb = Workbook()
    instructions = wb.active
    instructions.title = INSTRUCTIONS_SHEET
    answers = wb.create_sheet(ANSWER_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    list_ranges = write_lists(lists, cb)
    lists.sheet_state = "hidden"
    write_instructions(instructions, cb, survey_year, vertical)
    if vertical:
        write_vertical(answers, cb, survey_year, list_ranges)
    else:
        write_horizontal(answers, cb, survey_year, list_ranges)
    for ws in (instructions, answers):
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    fix_properties(wb, dt.datetime(survey_year, 1, 1), CREATOR)
    wb.properties.title = title(survey_year)
    wb.properties.language = "fr-FR"
    return wb


def write_template(path: str | os.PathLike[str], *, vertical: bool = False, year: int | None = None) -> None:
    """Write the questionnaire to ``path`` (atomically: temporary file then rename)."""
    save_workbook(build_template(vertical=vertical, year=year), path)


def default_year() -> int:
    """Survey year: ``survey.year`` of ./params.yaml when present, else the current year."""
    params = Path("params.yaml")
    if params.is_file():
        from pipeline.domain.params import ParamsError, read_params

        try:
            year = (read_params(params).get("survey") or {}).get("year")
        except ParamsError:
            year = None
        if isinstance(year, int) and not isinstance(year, bool):
            return year
    return dt.date.today().year
