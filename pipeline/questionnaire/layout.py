"""Where each answer goes in the questionnaire workbook, and how its cells read and look.

Two layouts share the same texts, formats and styles:

- horizontal (default): sheet « Réponses » with a title (row 1), section names (row 2), French
  labels prefixed by their code (row 3), machine codes (row 4) and one collectivité per row
  from :data:`FIRST_ANSWER_ROW`; multi-select questions take one Oui/Non column per modality;
- vertical: one question (or one modality of a multi-select question) per row, the question in
  column A, the answer in column B, the allowed values and help in column C.

Rows and columns are Excel's (1-based), as openpyxl numbers them.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from pipeline.domain.codebook import Codebook, Modality, Question, load_codebook

ANSWER_SHEET = "Réponses"
INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Listes"
TITLE_ROW = 1
SECTION_ROW = 2
LABEL_ROW = 3
CODE_ROW = 4
FIRST_ANSWER_ROW = 5
PREPARED_ROWS = 50
VERTICAL_FIRST_ROW = 3
CREATOR = "Observatoire ACTER"

DATE_FORMAT = "dd/mm/yyyy"
TEXT_FORMAT = "@"
# Stored with the file format's "," thousands separator; French Excel shows it as "# ##0".
INTEGER_FORMAT = "#,##0"
ONE_DECIMAL_FORMAT = "0.0"
YEAR_FORMAT = "0"

_SECTION_FILLS = ("DDEBF7", "E2EFDA", "FFF2CC", "FCE4D6", "EADCF4", "D9E1F2")
_GREY = "808080"
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
CODE_FONT = Font(size=8, color=_GREY)
HELP_FONT = Font(size=9, italic=True, color=_GREY)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def vertical_rows(codebook: Codebook | None = None) -> dict[str, int]:
    """Excel row of each responses.parquet column in the vertical layout (questionnaire order)."""
    cb = codebook or load_codebook()
    return {col: VERTICAL_FIRST_ROW + i for i, col in enumerate(cb.columns)}


def horizontal_columns(codebook: Codebook | None = None) -> dict[str, int]:
    """Excel column number (1 = A) of each responses.parquet column in the horizontal layout."""
    cb = codebook or load_codebook()
    return {col: i for i, col in enumerate(cb.columns, start=1)}


# --- texts ---------------------------------------------------------------------------------------


def title(year: int) -> str:
    return f"Observatoire ACTER — questionnaire {year}"


def yes_no(cb: Codebook) -> tuple[str, str]:
    """The words written for a ticked / unticked modality: the first of the codebook's yes / no.

    Falls back to « Oui » / « Non » when the codebook lists none (a YAML 1.1 reader turns a bare
    ``yes:`` key into a boolean, which leaves those lists empty).
    """
    return (cb.yes[0] if cb.yes else "Oui", cb.no[0] if cb.no else "Non")


def header_text(q: Question, modality: Modality | None = None) -> str:
    """Label row of the horizontal layout: « B03 - Types d'actions menées : Jumelage »."""
    text = f"{q.code} - {q.label}"
    return f"{text} : {modality.label}" if modality is not None else text


def vertical_question_text(q: Question, column: str) -> str:
    """Column A of the vertical layout for one responses.parquet column of ``q``."""
    if q.type == "multi":
        slug = column.split("__", 1)[1]
        return header_text(q, q.modality(slug))
    return header_text(q)


def section_title(cb: Codebook, letter: str) -> str:
    name = cb.sections.get(letter)
    return f"{letter}. {name}" if name else letter


# --- formats and styles ---------------------------------------------------------------------------


def number_format(q: Question) -> str:
    if q.max_survey_year:
        return YEAR_FORMAT
    if q.integer or q.unit == "euros":
        return INTEGER_FORMAT
    if q.unit.upper() == "ETP" or "(ETP)" in q.label:
        return ONE_DECIMAL_FORMAT
    return INTEGER_FORMAT


def cell_format(q: Question) -> str | None:
    """Number format of the answer cells of ``q`` (None: Excel's general format)."""
    if q.type == "number":
        return number_format(q)
    if q.type == "date":
        return DATE_FORMAT
    if q.type in ("text", "id", "pii"):
        return TEXT_FORMAT
    return None


def section_fills(cb: Codebook) -> dict[str, PatternFill]:
    """One background colour per section, in turn."""
    letters = list(dict.fromkeys([*cb.sections, *(q.section for q in cb)]))
    return {
        s: PatternFill("solid", start_color=(c := _SECTION_FILLS[i % len(_SECTION_FILLS)]), end_color=c)
        for i, s in enumerate(letters)
    }
