"""The sheet « Instructions »: how to fill the questionnaire, every question listed."""

from __future__ import annotations

import io

import openpyxl

from pipeline.common.atomic import workbook_bytes
from pipeline.domain.codebook import load_codebook
from pipeline.questionnaire import INSTRUCTIONS_SHEET, build_template, instruction_lines

YEAR = 2025


def test_instructions_explain_filling_and_personal_data() -> None:
    cb = load_codebook()
    horizontal = openpyxl.load_workbook(io.BytesIO(workbook_bytes(build_template(cb, year=YEAR))))
    text = "\n".join(str(c.value) for row in horizontal[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    assert "une ligne par collectivité" in text
    assert "liste déroulante" in text
    assert "« Oui »" in text and "« Non »" in text
    assert "jj/mm/aaaa" in text
    assert "sans unité" in text
    assert "F01" in text and "3 au maximum" in text
    assert "jamais publiées" in text
    for code in ("A10", "A12", "A13"):
        assert code in text
    for q in cb:
        assert q.label in text
        if q.help:
            assert q.help in text
    for name in cb.sections.values():
        assert name in text


def test_each_layout_says_where_to_answer() -> None:
    cb = load_codebook()
    horizontal, vertical = (" ".join(instruction_lines(cb, YEAR, v)) for v in (False, True))
    assert "à partir de la ligne 5" in horizontal and "lignes 1 à 4" in horizontal and "colonne B" not in horizontal
    assert "colonne B" in vertical and "sa propre ligne" in vertical and "une ligne par collectivité" not in vertical
    assert f"15/03/{YEAR}" in vertical
