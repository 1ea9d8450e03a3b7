"""The answer sheet « Réponses » in its two layouts, and the hidden sheet « Listes ».

Dropdown lists live in « Listes » (Excel limits inline lists to 255 characters and labels
contain commas); the answer cells point at them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from openpyxl.comments import Comment
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.domain.codebook import Codebook, Question
from pipeline.questionnaire.layout import (
    BOLD,
    BOX,
    CODE_FONT,
    CODE_ROW,
    CREATOR,
    FIRST_ANSWER_ROW,
    HELP_FONT,
    LABEL_ROW,
    LISTS_SHEET,
    PREPARED_ROWS,
    SECTION_ROW,
    TITLE_FONT,
    TITLE_ROW,
    WRAP_TOP,
    cell_format,
    header_text,
    section_fills,
    section_title,
    title,
    vertical_question_text,
    vertical_rows,
)
from pipeline.questionnaire.validation import answer_hint, help_prompt, validation


def write_lists(ws: Worksheet, cb: Codebook) -> dict[str, str]:
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


def write_horizontal(ws: Worksheet, cb: Codebook, year: int, list_ranges: Mapping[str, str]) -> None:
    """Title, sections, labels and codes, then :data:`PREPARED_ROWS` styled and validated answer rows."""
    fills = section_fills(cb)
    last_row = FIRST_ANSWER_ROW + PREPARED_ROWS - 1
    text = f"{title(year)} : une ligne par collectivité, à partir de la ligne {FIRST_ANSWER_ROW}"
    ws.cell(TITLE_ROW, 1, text).font = TITLE_FONT
    col = 1
    label_height = 2
    for section in dict.fromkeys(q.section for q in cb):
        questions = [q for q in cb if q.section == section]
        first = col
        for q in questions:
            answers = validation(q, cb, year, list_ranges)
            header_help = help_prompt(q)
            parts = [None] if q.type != "multi" else list(q.modalities)
            for modality in parts:
                letter = get_column_letter(col)
                width = _column_width(q)
                ws.column_dimensions[letter].width = width
                label = ws.cell(LABEL_ROW, col, header_text(q, modality))
                label.font = BOLD
                label.alignment = WRAP_TOP
                label.fill = fills[section]
                label.border = BOX
                label_height = max(label_height, math.ceil(len(label.value) / (width * 0.95)))
                code = ws.cell(CODE_ROW, col, q.code if modality is None else f"{q.code}__{modality.slug}")
                code.font = CODE_FONT
                if q.max_choices:
                    label.comment = Comment(f"{q.max_choices} au maximum", CREATOR, width=160, height=40)
                if answers is not None:
                    answers.add(f"{letter}{FIRST_ANSWER_ROW}:{letter}{last_row}")
                if header_help is not None:
                    header_help.add(f"{letter}{LABEL_ROW}")
                fmt = cell_format(q)
                for r in range(FIRST_ANSWER_ROW, last_row + 1):
                    cell = ws.cell(r, col)
                    cell.border = BOX
                    if fmt:
                        cell.number_format = fmt
                col += 1
            if answers is not None:
                ws.add_data_validation(answers)
            if header_help is not None:
                ws.add_data_validation(header_help)
        ws.merge_cells(start_row=SECTION_ROW, start_column=first, end_row=SECTION_ROW, end_column=col - 1)
        head = ws.cell(SECTION_ROW, first, section_title(cb, section))
        head.font = BOLD
        head.alignment = Alignment(horizontal="left", vertical="center")
        for c in range(first, col):
            ws.cell(SECTION_ROW, c).fill = fills[section]
    ws.row_dimensions[TITLE_ROW].height = 22
    ws.row_dimensions[LABEL_ROW].height = min(160, 15 * label_height)
    ws.freeze_panes = ws.cell(FIRST_ANSWER_ROW, 2).coordinate


def write_vertical(ws: Worksheet, cb: Codebook, year: int, list_ranges: Mapping[str, str]) -> None:
    """Title and headings, then one row per column: question (A), answer (B), expected values (C)."""
    fills = section_fills(cb)
    ws.cell(1, 1, title(year)).font = TITLE_FONT
    headings = ("Question", "Votre réponse", "Valeurs possibles et aide")
    for c, text in enumerate(headings, start=1):
        cell = ws.cell(2, c, text)
        cell.font = BOLD
        cell.border = BOX
    places = vertical_rows(cb)
    for q in cb:
        answers = validation(q, cb, year, list_ranges)
        hint = answer_hint(q, cb, year)
        fmt = cell_format(q)
        for column in q.columns:
            r = places[column]
            question = ws.cell(r, 1, vertical_question_text(q, column))
            question.alignment = WRAP_TOP
            question.fill = fills[q.section]
            question.border = BOX
            answer = ws.cell(r, 2)
            answer.border = BOX
            answer.alignment = Alignment(vertical="top")
            if fmt:
                answer.number_format = fmt
            help_cell = ws.cell(r, 3, hint)
            help_cell.font = HELP_FONT
            help_cell.alignment = WRAP_TOP
            if answers is not None:
                answers.add(answer.coordinate)
        if answers is not None:
            ws.add_data_validation(answers)
    ws.column_dimensions["A"].width = 70
    ws.column_dimensions["B"].width = 32
    ws.column_dimensions["C"].width = 70
    ws.freeze_panes = "B3"


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
