"""The sheet « Instructions »: how to fill the questionnaire, then the list of its questions."""

from __future__ import annotations

import math

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.domain.codebook import Codebook
from pipeline.questionnaire.layout import (
    ANSWER_SHEET,
    BOLD,
    BOX,
    CODE_ROW,
    FIRST_ANSWER_ROW,
    WRAP_TOP,
    section_fills,
    section_title,
    title,
    yes_no,
)
from pipeline.questionnaire.validation import answer_hint


def instruction_lines(cb: Codebook, year: int, vertical: bool) -> list[str]:
    """The paragraphs of « Comment remplir ce questionnaire », in French."""
    yes, no = yes_no(cb)
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


def write_instructions(ws: Worksheet, cb: Codebook, year: int, vertical: bool) -> None:
    """Title, the instruction paragraphs, then one row per question by section."""
    fills = section_fills(cb)
    ws.cell(1, 1, title(year)).font = Font(bold=True, size=16)
    ws.cell(3, 1, "Comment remplir ce questionnaire").font = Font(bold=True, size=12)
    r = 4
    for line in instruction_lines(cb, year, vertical):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
        cell = ws.cell(r, 1, line)
        cell.alignment = WRAP_TOP
        ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(line) / 150))
        r += 1
    r += 1
    ws.cell(r, 1, "Liste des questions").font = Font(bold=True, size=12)
    r += 1
    for c, text in enumerate(("Code", "Question", "Réponse attendue", "Aide"), start=1):
        cell = ws.cell(r, c, text)
        cell.font = BOLD
        cell.border = BOX
    r += 1
    for section in dict.fromkeys(q.section for q in cb):
        cell = ws.cell(r, 1, section_title(cb, section))
        cell.font = BOLD
        for c in range(1, 5):
            ws.cell(r, c).fill = fills[section]
        r += 1
        for q in cb:
            if q.section != section:
                continue
            hint = answer_hint(q, cb, year, with_help=False, list_multi=True)
            values = (q.code, q.label, hint, q.help)
            for c, text in enumerate(values, start=1):
                cell = ws.cell(r, c, text)
                cell.alignment = WRAP_TOP
                cell.border = BOX
            ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(hint) / 55), math.ceil(len(q.label) / 60))
            r += 1
    for letter, width in zip("ABCD", (8, 62, 58, 60)):
        ws.column_dimensions[letter].width = width


def _enumerate_fr(items: list[str]) -> str:
    """« a, b et c »."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]
