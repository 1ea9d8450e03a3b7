"""The questionnaire as an Excel workbook a collectivité fills in, built from the codebook.

Two layouts share the same validations and formats:

- horizontal (default): sheet « Réponses » with a title (row 1), section names (row 2), French
  labels prefixed by their code (row 3), machine codes (row 4) and one collectivité per row
  from :data:`FIRST_ANSWER_ROW`; multi-select questions take one Oui/Non column per modality;
- vertical: one question (or one modality of a multi-select question) per row, the question in
  column A, the answer in column B, the allowed values and help in column C.

Dropdown lists live in a hidden sheet « Listes » (Excel limits inline lists to 255 characters
and labels contain commas). :func:`fill_template` writes one respondent's answers, as the demo
generator does; :func:`save_workbook` writes byte-identical files for identical content.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.common.atomic import save_workbook, workbook_bytes  # noqa: F401 (re-exported)
from pipeline.common.text import french_number
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
_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_CODE_FONT = Font(size=8, color=_GREY)
_HELP_FONT = Font(size=9, italic=True, color=_GREY)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
# Excel limits: input title 32 characters, input and error messages 255.
_TITLE_MAX = 32
_MESSAGE_MAX = 255
# Up to this many modalities, column C of the vertical form and the instructions list them.
_LISTED_MODALITIES = 12


# --- public API ------------------------------------------------------------------------------


def vertical_rows(codebook: Codebook | None = None) -> dict[str, int]:
    """Excel row of each responses.parquet column in the vertical layout (questionnaire order)."""
    cb = codebook or load_codebook()
    return {col: VERTICAL_FIRST_ROW + i for i, col in enumerate(cb.columns)}


def horizontal_columns(codebook: Codebook | None = None) -> dict[str, int]:
    """Excel column number (1 = A) of each responses.parquet column in the horizontal layout."""
    cb = codebook or load_codebook()
    return {col: i for i, col in enumerate(cb.columns, start=1)}


def build_template(codebook: Codebook | None = None, *, vertical: bool = False, year: int | None = None) -> Workbook:
    """Build the questionnaire workbook: « Instructions », « Réponses », hidden « Listes »."""
    cb = codebook or load_codebook()
    survey_year = year if year is not None else default_year()
    wb = Workbook()
    instructions = wb.active
    instructions.title = INSTRUCTIONS_SHEET
    answers = wb.create_sheet(ANSWER_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    list_ranges = _write_lists(lists, cb)
    lists.sheet_state = "hidden"
    _write_instructions(instructions, cb, survey_year, vertical)
    if vertical:
        _write_vertical(answers, cb, survey_year, list_ranges)
    else:
        _write_horizontal(answers, cb, survey_year, list_ranges)
    for ws in (instructions, answers):
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    _fix_properties(wb, survey_year)
    return wb


def write_template(path: str | os.PathLike[str], *, vertical: bool = False, year: int | None = None) -> None:
    """Write the questionnaire to ``path`` (atomically: temporary file then rename)."""
    save_workbook(build_template(vertical=vertical, year=year), path)


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
            expected = _vertical_question_text(columns[col], col)
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


# --- answers -------------------------------------------------------------------------------------


def _is_missing(value: object) -> bool:
    """None, NaN, pandas.NA and NaT (checked by type name: no pandas import needed here)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


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
            value = _yes_no(cb)[0 if value else 1]
    elif q.type == "number":
        if isinstance(value, bool):
            value = int(value)
        cell.number_format = _number_format(q)
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
            value = str(value)
            if q.format == "siren":
                compact = "".join(value.split()).replace("\u00a0", "").replace("\u202f", "")
                value = compact if compact.isdigit() else value.strip()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # an answer, not a formula


# --- text shared by the layouts ----------------------------------------------------------------


def _yes_no(cb: Codebook) -> tuple[str, str]:
    """The words written for a ticked / unticked modality: the first of the codebook's yes / no.

    Falls back to « Oui » / « Non » when the codebook lists none (a YAML 1.1 reader turns a bare
    ``yes:`` key into a boolean, which leaves those lists empty).
    """
    return (cb.yes[0] if cb.yes else "Oui", cb.no[0] if cb.no else "Non")


def _header_text(q: Question, modality: Modality | None = None) -> str:
    text = f"{q.code} - {q.label}"
    return f"{text} : {modality.label}" if modality is not None else text


def _vertical_question_text(q: Question, column: str) -> str:
    if q.type == "multi":
        slug = column.split("__", 1)[1]
        return _header_text(q, q.modality(slug))
    return _header_text(q)


def _max_value(q: Question, year: int) -> float | None:
    return float(year) if q.max_survey_year else q.max


def _bounds_fr(q: Question, year: int) -> str:
    hi = _max_value(q, year)
    if q.min is not None and hi is not None:
        return f"compris entre {french_number(q.min, None, grouping=False)} et {french_number(hi, None, grouping=False)}"
    if q.min is not None:
        return f"supérieur ou égal à {french_number(q.min, None, grouping=False)}"
    if hi is not None:
        return f"inférieur ou égal à {french_number(hi, None, grouping=False)}"
    return ""


def _number_kind_fr(q: Question) -> str:
    return "un nombre entier" if q.integer else "un nombre"


def _choices_note(q: Question, cb: Codebook) -> str:
    """Rules of a multi-select question: maximum number of « Oui », exclusive modalities."""
    notes = []
    if q.max_choices:
        notes.append(f"{q.max_choices} au maximum : répondez « {_yes_no(cb)[0]} » pour {q.max_choices} réponses au plus")
    for m in q.modalities:
        if m.exclusive:
            notes.append(f"« {m.label} » exclut les autres réponses")
    return " ; ".join(notes)


def _date_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year - 1, 1, 1), dt.date(year + 1, 12, 31)


def _answer_hint(q: Question, cb: Codebook, year: int, *, with_help: bool = True, list_multi: bool = False) -> str:
    """What is expected, in French: column C of the vertical form, list of the instructions.

    ``list_multi`` also lists the modalities of a multi-select question (the instructions show
    one line per question; the vertical form already has one row per modality).
    """
    if q.type == "single":
        if len(q.modalities) <= _LISTED_MODALITIES:
            hint = "Choix dans la liste : " + " ; ".join(m.label for m in q.modalities)
        else:
            hint = f"Choix dans la liste déroulante ({len(q.modalities)} possibilités)"
    elif q.type == "multi":
        yes, no = _yes_no(cb)
        if list_multi:
            hint = f"« {yes} » ou « {no} » pour chaque réponse : " + " ; ".join(m.label for m in q.modalities)
        else:
            hint = f"« {yes} » si cette réponse concerne votre collectivité, « {no} » sinon"
        note = _choices_note(q, cb)
        if note:
            hint += f" ({note})"
    elif q.type == "number":
        hint = _number_kind_fr(q).capitalize()
        if q.unit:
            hint += f" en {q.unit}"
        bounds = _bounds_fr(q, year)
        if bounds:
            hint += f" {bounds}" if not q.unit else f", {bounds}"
        decimals = ", décimales possibles, par exemple 0,5" if _number_format(q) == ONE_DECIMAL_FORMAT else ""
        hint += f" (chiffres seulement{decimals})"
    elif q.type == "date":
        hint = "Date au format jj/mm/aaaa"
    elif q.type == "pii":
        hint = "Donnée personnelle, jamais publiée"
    elif q.type == "id":
        hint = "Identifiant, saisi comme du texte"
    else:
        hint = "Texte libre"
    return f"{hint}. {q.help}" if q.help and with_help else f"{hint}."


def _enumerate_fr(items: list[str]) -> str:
    """« a, b et c »."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- validations and formats -------------------------------------------------------------------


def _number_format(q: Question) -> str:
    if q.max_survey_year:
        return YEAR_FORMAT
    if q.integer or q.unit == "euros":
        return INTEGER_FORMAT
    if q.unit.upper() == "ETP" or "(ETP)" in q.label:
        return ONE_DECIMAL_FORMAT
    return INTEGER_FORMAT


def _cell_format(q: Question) -> str | None:
    if q.type == "number":
        return _number_format(q)
    if q.type == "date":
        return DATE_FORMAT
    if q.type in ("text", "id", "pii"):
        return TEXT_FORMAT
    return None


def _formula_num(x: float) -> str:
    """A bound as Excel stores it in a validation formula: 0, 1945, 0.5."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def _validation(q: Question, cb: Codebook, year: int, list_ranges: Mapping[str, str]) -> DataValidation | None:
    """The answer cells' validation: dropdown, Oui/Non, number or date bounds, or help only."""
    prompt = q.help
    if q.type == "multi":
        note = _choices_note(q, cb)
        prompt = f"{note}. {prompt}".strip() if note else prompt
    common = {
        "allow_blank": True,
        "showInputMessage": bool(prompt),
        "promptTitle": _clip(q.code, _TITLE_MAX) if prompt else None,
        "prompt": _clip(prompt, _MESSAGE_MAX) if prompt else None,
        "showErrorMessage": True,
        "errorStyle": "stop",
        "errorTitle": _clip(f"{q.code} - réponse non valide", _TITLE_MAX),
    }
    if q.type == "single":
        return DataValidation(
            type="list", formula1=list_ranges[q.code],
            error="Merci de choisir une réponse dans la liste déroulante (ou de laisser la cellule vide).",
            **common,
        )
    if q.type == "multi":
        return DataValidation(
            type="list", formula1='"{},{}"'.format(*_yes_no(cb)),
            error="Merci de répondre « {} » ou « {} » (ou de laisser la cellule vide).".format(*_yes_no(cb)),
            **common,
        )
    if q.type == "number":
        hi = _max_value(q, year)
        kind = "whole" if q.integer else "decimal"
        error = _clip(f"Merci de saisir {_number_kind_fr(q)} {_bounds_fr(q, year)}, sans unité ni texte.", _MESSAGE_MAX)
        if q.min is not None and hi is not None:
            bounds = {"operator": "between", "formula1": _formula_num(q.min), "formula2": _formula_num(hi)}
        elif q.min is not None:
            bounds = {"operator": "greaterThanOrEqual", "formula1": _formula_num(q.min)}
        elif hi is not None:
            bounds = {"operator": "lessThanOrEqual", "formula1": _formula_num(hi)}
        else:
            bounds = {"operator": "between", "formula1": "-1E+307", "formula2": "1E+307"}
            error = "Merci de saisir un nombre, sans unité ni texte."
        return DataValidation(type=kind, error=error, **bounds, **common)
    if q.type == "date":
        lo, hi_day = _date_bounds(year)
        return DataValidation(
            type="date", operator="between", formula1=str(_excel_serial(lo)), formula2=str(_excel_serial(hi_day)),
            error=f"Merci de saisir une date au format jj/mm/aaaa, entre le {lo:%d/%m/%Y} et le {hi_day:%d/%m/%Y}.",
            **common,
        )
    # text, id, pii: free input; the help, if any, pops up when the cell is selected
    if not prompt:
        return None
    return DataValidation(**{**common, "showErrorMessage": False, "errorTitle": None})


def _help_prompt(q: Question) -> DataValidation | None:
    """Input message on a header cell (any value allowed) where the codebook has help."""
    if not q.help:
        return None
    return DataValidation(allow_blank=True, showInputMessage=True, promptTitle=_clip(q.code, _TITLE_MAX),
                          prompt=_clip(q.help, _MESSAGE_MAX))


# --- sheets -------------------------------------------------------------------------------------


def _write_lists(ws: Worksheet, cb: Codebook) -> dict[str, str]:
    """One column per single-choice question (from column B); returns code → range formula."""
    ws["A1"] = "Listes des menus déroulants du questionnaire : merci de ne pas modifier cette feuille."
    ranges: dict[str, str] = {}
    col = 2
    for q in cb.of_type("single"):
        letter = get_column_letter(col)
        for i, m in enumerate(q.modalities, start=1):
            ws.cell(i, col, m.label)
        ranges[q.code] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(q.modalities)}"
        ws.column_dimensions[letter].width = max(12, min(60, max(len(m.label) for m in q.modalities) + 2))
        col += 1
    return ranges


def _section_fills(cb: Codebook) -> dict[str, PatternFill]:
    letters = list(dict.fromkeys([*cb.sections, *(q.section for q in cb)]))
    return {
        s: PatternFill("solid", start_color=(c := _SECTION_FILLS[i % len(_SECTION_FILLS)]), end_color=c)
        for i, s in enumerate(letters)
    }


def _section_title(cb: Codebook, letter: str) -> str:
    name = cb.sections.get(letter)
    return f"{letter}. {name}" if name else letter


def _title(year: int) -> str:
    return f"Observatoire ACTER — questionnaire {year}"


def _column_width(q: Question) -> float:
    if q.type == "multi":
        return 16
    if q.type == "single":
        return max(16, min(36, max(len(m.label) for m in q.modalities) + 3))
    if q.type == "text":
        return 40
    if q.type == "pii":
        return 28
    if q.type == "id":
        return 16
    return 14


def _write_horizontal(ws: Worksheet, cb: Codebook, year: int, list_ranges: Mapping[str, str]) -> None:
    fills = _section_fills(cb)
    last_row = FIRST_ANSWER_ROW + PREPARED_ROWS - 1
    title = f"{_title(year)} : une ligne par collectivité, à partir de la ligne {FIRST_ANSWER_ROW}"
    ws.cell(TITLE_ROW, 1, title).font = _TITLE_FONT
    col = 1
    label_height = 2
    for section in dict.fromkeys(q.section for q in cb):
        questions = [q for q in cb if q.section == section]
        first = col
        for q in questions:
            validation = _validation(q, cb, year, list_ranges)
            header_help = _help_prompt(q)
            parts = [None] if q.type != "multi" else list(q.modalities)
            for modality in parts:
                letter = get_column_letter(col)
                width = _column_width(q)
                ws.column_dimensions[letter].width = width
                label = ws.cell(LABEL_ROW, col, _header_text(q, modality))
                label.font = _BOLD
                label.alignment = _WRAP_TOP
                label.fill = fills[section]
                label.border = _BOX
                label_height = max(label_height, math.ceil(len(label.value) / (width * 0.95)))
                code = ws.cell(CODE_ROW, col, q.code if modality is None else f"{q.code}__{modality.slug}")
                code.font = _CODE_FONT
                if q.max_choices:
                    label.comment = Comment(f"{q.max_choices} au maximum", CREATOR, width=160, height=40)
                if validation is not None:
                    validation.add(f"{letter}{FIRST_ANSWER_ROW}:{letter}{last_row}")
                if header_help is not None:
                    header_help.add(f"{letter}{LABEL_ROW}")
                fmt = _cell_format(q)
                for r in range(FIRST_ANSWER_ROW, last_row + 1):
                    cell = ws.cell(r, col)
                    cell.border = _BOX
                    if fmt:
                        cell.number_format = fmt
                col += 1
            if validation is not None:
                ws.add_data_validation(validation)
            if header_help is not None:
                ws.add_data_validation(header_help)
        ws.merge_cells(start_row=SECTION_ROW, start_column=first, end_row=SECTION_ROW, end_column=col - 1)
        head = ws.cell(SECTION_ROW, first, _section_title(cb, section))
        head.font = _BOLD
        head.alignment = Alignment(horizontal="left", vertical="center")
        for c in range(first, col):
            ws.cell(SECTION_ROW, c).fill = fills[section]
    ws.row_dimensions[TITLE_ROW].height = 22
    ws.row_dimensions[LABEL_ROW].height = min(160, 15 * label_height)
    ws.freeze_panes = ws.cell(FIRST_ANSWER_ROW, 2).coordinate


def _write_vertical(ws: Worksheet, cb: Codebook, year: int, list_ranges: Mapping[str, str]) -> None:
    fills = _section_fills(cb)
    ws.cell(1, 1, _title(year)).font = _TITLE_FONT
    headings = ("Question", "Votre réponse", "Valeurs possibles et aide")
    for c, text in enumerate(headings, start=1):
        cell = ws.cell(2, c, text)
        cell.font = _BOLD
        cell.border = _BOX
    places = vertical_rows(cb)
    for q in cb:
        validation = _validation(q, cb, year, list_ranges)
        hint = _answer_hint(q, cb, year)
        fmt = _cell_format(q)
        for column in q.columns:
            r = places[column]
            question = ws.cell(r, 1, _vertical_question_text(q, column))
            question.alignment = _WRAP_TOP
            question.fill = fills[q.section]
            question.border = _BOX
            answer = ws.cell(r, 2)
            answer.border = _BOX
            answer.alignment = Alignment(vertical="top")
            if fmt:
                answer.number_format = fmt
            help_cell = ws.cell(r, 3, hint)
            help_cell.font = _HELP_FONT
            help_cell.alignment = _WRAP_TOP
            if validation is not None:
                validation.add(answer.coordinate)
        if validation is not None:
            ws.add_data_validation(validation)
    ws.column_dimensions["A"].width = 70
    ws.column_dimensions["B"].width = 32
    ws.column_dimensions["C"].width = 70
    ws.freeze_panes = "B3"


def _instruction_lines(cb: Codebook, year: int, vertical: bool) -> list[str]:
    yes, no = _yes_no(cb)
    pii = cb.of_type("pii")
    pii_text = _enumerate_fr([f"{q.code} ({q.label.lower()})" for q in pii])
    lines = [
        "Merci de prendre le temps de répondre à ce questionnaire de l'observatoire ACTER sur l'action "
        "internationale des collectivités territoriales.",
    ]
    if vertical:
        lines += [
            f"Répondez dans la feuille « {ANSWER_SHEET} », colonne B, en face de chaque question : "
            "une seule réponse par ligne. La colonne C rappelle les réponses possibles.",
            "Merci de ne pas modifier les colonnes A et C ni l'ordre des lignes : elles permettent de lire "
            "vos réponses automatiquement.",
        ]
    else:
        lines += [
            f"Répondez dans la feuille « {ANSWER_SHEET} », à partir de la ligne {FIRST_ANSWER_ROW} : une ligne "
            "par collectivité et une seule réponse par question (une cellule par colonne). Un réseau peut "
            "rassembler plusieurs collectivités dans le même fichier, une ligne chacune.",
            f"Merci de ne pas modifier les lignes 1 à {CODE_ROW} ni l'ordre des colonnes : elles permettent de "
            "lire vos réponses automatiquement.",
        ]
    lines += [
        "Questions à choix unique : choisissez la réponse dans la liste déroulante de la cellule.",
        "Questions à choix multiples : chaque réponse possible a sa propre "
        + ("ligne" if vertical else "colonne")
        + f" ; indiquez « {yes} » si elle concerne votre collectivité, « {no} » sinon.",
        "Nombres : saisissez un nombre sans unité ni symbole (15000 et non « 15 k€ ») ; les montants sont en "
        "euros ; les équivalents temps plein peuvent être décimaux (0,5).",
        f"Dates : saisissez-les au format jj/mm/aaaa (par exemple 15/03/{year}).",
    ]
    for q in cb.of_type("multi"):
        if q.max_choices:
            lines.append(
                f"{q.code} ({q.label.lower()}) : {q.max_choices} au maximum ; répondez « {yes} » "
                f"pour {q.max_choices} réponses au plus."
            )
    exclusive = [(q, m) for q in cb.of_type("multi") for m in q.modalities if m.exclusive]
    if exclusive:
        lines.append(
            "Certaines réponses excluent les autres : "
            + _enumerate_fr([f"« {m.label} » ({q.code})" for q, m in exclusive])
            + f" ; si vous répondez « {yes} » à l'une d'elles, répondez « {no} » au reste de la question."
        )
    lines += [
        "Si vous ne connaissez pas la réponse à une question, laissez la cellule vide.",
        f"Données personnelles : les réponses aux questions {pii_text} servent uniquement à vous "
        "recontacter au sujet de ce questionnaire ; elles ne sont jamais publiées.",
        "Merci pour votre participation !",
    ]
    return lines


def _write_instructions(ws: Worksheet, cb: Codebook, year: int, vertical: bool) -> None:
    fills = _section_fills(cb)
    ws.cell(1, 1, _title(year)).font = Font(bold=True, size=16)
    ws.cell(3, 1, "Comment remplir ce questionnaire").font = Font(bold=True, size=12)
    r = 4
    for line in _instruction_lines(cb, year, vertical):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
        cell = ws.cell(r, 1, line)
        cell.alignment = _WRAP_TOP
        ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(line) / 150))
        r += 1
    r += 1
    ws.cell(r, 1, "Liste des questions").font = Font(bold=True, size=12)
    r += 1
    for c, text in enumerate(("Code", "Question", "Réponse attendue", "Aide"), start=1):
        cell = ws.cell(r, c, text)
        cell.font = _BOLD
        cell.border = _BOX
    r += 1
    for section in dict.fromkeys(q.section for q in cb):
        cell = ws.cell(r, 1, _section_title(cb, section))
        cell.font = _BOLD
        for c in range(1, 5):
            ws.cell(r, c).fill = fills[section]
        r += 1
        for q in cb:
            if q.section != section:
                continue
            hint = _answer_hint(q, cb, year, with_help=False, list_multi=True)
            values = (q.code, q.label, hint, q.help)
            for c, text in enumerate(values, start=1):
                cell = ws.cell(r, c, text)
                cell.alignment = _WRAP_TOP
                cell.border = _BOX
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(hint) / 55), math.ceil(len(q.label) / 60))
            r += 1
    for letter, width in zip("ABCD", (8, 62, 58, 60)):
        ws.column_dimensions[letter].width = width


def _fix_properties(wb: Workbook, year: int) -> None:
    stamp = dt.datetime(year, 1, 1)
    props = wb.properties
    props.creator = CREATOR
    props.lastModifiedBy = CREATOR
    props.title = _title(year)
    props.created = stamp
    props.modified = stamp
    props.language = "fr-FR"
