"""What each answer cell accepts, and the French help a respondent sees.

Data validations (dropdown, Oui/Non, number and date bounds) with their French error messages,
input messages on header cells, and the hint of what is expected (column C of the vertical
form, list of questions in the instructions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.common.cells import cell_text, excel_serial
from pipeline.common.text import french_number
from pipeline.domain.codebook import Codebook, Question
from pipeline.questionnaire.layout import ONE_DECIMAL_FORMAT, number_format, yes_no

# Excel limits: input title 32 characters, input and error messages 255.
_TITLE_MAX = 32
_MESSAGE_MAX = 255
# Up to this many modalities, column C of the vertical form and the instructions list them.
_LISTED_MODALITIES = 12


def validation(q: Question, cb: Codebook, year: int, list_ranges: Mapping[str, str]) -> DataValidation | None:
    """The answer cells' validation: dropdown, Oui/Non, number or date bounds, or help only."""
    prompt = q.help
    if q.type == "multi":
        note = choices_note(q, cb)
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
            type="list", formula1='"{},{}"'.format(*yes_no(cb)),
            error="Merci de répondre « {} » ou « {} » (ou de laisser la cellule vide).".format(*yes_no(cb)),
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
            type="date", operator="between", formula1=str(excel_serial(lo)), formula2=str(excel_serial(hi_day)),
            error=f"Merci de saisir une date au format jj/mm/aaaa, entre le {lo:%d/%m/%Y} et le {hi_day:%d/%m/%Y}.",
            **common,
        )
    # text, id, pii: free input; the help, if any, pops up when the cell is selected
    if not prompt:
        return None
    return DataValidation(**{**common, "showErrorMessage": False, "errorTitle": None})


def help_prompt(q: Question) -> DataValidation | None:
    """Input message on a header cell (any value allowed) where the codebook has help."""
    if not q.help:
        return None
    return DataValidation(allow_blank=True, showInputMessage=True, promptTitle=_clip(q.code, _TITLE_MAX),
                          prompt=_clip(q.help, _MESSAGE_MAX))


def answer_hint(q: Question, cb: Codebook, year: int, *, with_help: bool = True, list_multi: bool = False) -> str:
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
        yes, no = yes_no(cb)
        if list_multi:
            hint = f"« {yes} » ou « {no} » pour chaque réponse : " + " ; ".join(m.label for m in q.modalities)
        else:
            hint = f"« {yes} » si cette réponse concerne votre collectivité, « {no} » sinon"
        note = choices_note(q, cb)
        if note:
            hint += f" ({note})"
    elif q.type == "number":
        hint = _number_kind_fr(q).capitalize()
        if q.unit:
            hint += f" en {q.unit}"
        bounds = _bounds_fr(q, year)
        if bounds:
            hint += f" {bounds}" if not q.unit else f", {bounds}"
        decimals = ", décimales possibles, par exemple 0,5" if number_format(q) == ONE_DECIMAL_FORMAT else ""
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


def choices_note(q: Question, cb: Codebook) -> str:
    """Rules of a multi-select question: maximum number of « Oui », exclusive modalities."""
    notes = []
    if q.max_choices:
        notes.append(f"{q.max_choices} au maximum : répondez « {yes_no(cb)[0]} » pour {q.max_choices} réponses au plus")
    for m in q.modalities:
        if m.exclusive:
            notes.append(f"« {m.label} » exclut les autres réponses")
    return " ; ".join(notes)


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


def _date_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year - 1, 1, 1), dt.date(year + 1, 12, 31)


def _formula_num(x: float) -> str:
    """A bound as Excel stores it in a validation formula: 0, 1945, 0.5."""
    return cell_text(float(x))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
