"""The answer sheet « Réponses » in its two layouts and the hidden « Listes »: what a collectivité sees."""

from __future__ import annotations

import io

import openpyxl
import pytest

from pipeline.common.atomic import workbook_bytes
from pipeline.domain.codebook import Codebook, load_codebook
from pipeline.questionnaire import (
    ANSWER_SHEET,
    CODE_ROW,
    FIRST_ANSWER_ROW,
    INSTRUCTIONS_SHEET,
    LABEL_ROW,
    LISTS_SHEET,
    PREPARED_ROWS,
    VERTICAL_FIRST_ROW,
    build_template,
    horizontal_columns,
    vertical_rows,
)

YEAR = 2025


@pytest.fixture(scope="module")
def cb() -> Codebook:
    return load_codebook()


def _reload(wb: openpyxl.Workbook) -> openpyxl.Workbook:
    """Open the saved bytes again, as a person (or Excel) would."""
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(wb)))


@pytest.fixture(scope="module")
def horizontal(cb: Codebook) -> openpyxl.Workbook:
    return _reload(build_template(cb, year=YEAR))


@pytest.fixture(scope="module")
def vertical(cb: Codebook) -> openpyxl.Workbook:
    return _reload(build_template(cb, vertical=True, year=YEAR))


def _validation_at(ws, coordinate: str):
    found = [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]
    assert found, f"no validation on {coordinate}"
    return found[0]


def _list_values(wb: openpyxl.Workbook, formula: str) -> list[str]:
    sheet, ref = formula.rsplit("!", 1)
    assert sheet.strip("'") == LISTS_SHEET
    return [row[0].value for row in wb[LISTS_SHEET][ref.replace("$", "")]]


def _answer_cell(cb: Codebook, column: str, vertical: bool) -> str:
    if vertical:
        return f"B{vertical_rows(cb)[column]}"
    return f"{openpyxl.utils.get_column_letter(horizontal_columns(cb)[column])}{FIRST_ANSWER_ROW}"


# --- structure --------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_instructions_then_answers_then_hidden_lists(layout: str, request) -> None:
    wb = request.getfixturevalue(layout)
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, ANSWER_SHEET, LISTS_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert wb[INSTRUCTIONS_SHEET]["A1"].value == f"Observatoire ACTER — questionnaire {YEAR}"




def test_horizontal_has_every_column_once_with_code_and_label(horizontal: openpyxl.Workbook, cb: Codebook) -> None:
    ws = horizontal[ANSWER_SHEET]
    codes = [ws.cell(CODE_ROW, c).value for c in range(1, ws.max_column + 1)]
    assert codes == list(cb.columns)
    labels = {ws.cell(CODE_ROW, c).value: ws.cell(LABEL_ROW, c).value for c in range(1, ws.max_column + 1)}
    assert labels["A02"] == "A02 - Type de collectivité"
    assert labels["B03__jumelage"] == "B03 - Types d'actions menées : Jumelage"
    assert ws.cell(CODE_ROW, 1).font.sz == 8
    assert ws.cell(LABEL_ROW, 1).alignment.wrap_text
    assert ws["A2"].value == "A. Identification"
    assert any(str(r) == f"A2:{openpyxl.utils.get_column_letter(14)}2" for r in ws.merged_cells.ranges)


def test_vertical_has_every_column_once_in_column_a(vertical: openpyxl.Workbook, cb: Codebook) -> None:
    ws = vertical[ANSWER_SHEET]
    rows = vertical_rows(cb)
    assert list(rows) == list(cb.columns)
    assert min(rows.values()) == VERTICAL_FIRST_ROW
    questions = [ws.cell(r, 1).value for r in range(VERTICAL_FIRST_ROW, ws.max_row + 1)]
    assert len(questions) == len(cb.columns) == len(set(questions))
    assert ws.cell(rows["A02"], 1).value == "A02 - Type de collectivité"
    assert ws.cell(rows["B03__jumelage"], 1).value == "B03 - Types d'actions menées : Jumelage"
    assert "Région ; Département" in ws.cell(rows["A02"], 3).value
    assert ws.cell(rows["A02"], 3).font.color.rgb.endswith("808080")


# --- validations and formats ----------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_a02_dropdown_offers_exactly_the_nine_types(layout: str, request, cb: Codebook) -> None:
    wb = request.getfixturevalue(layout)
    dv = _validation_at(wb[ANSWER_SHEET], _answer_cell(cb, "A02", layout == "vertical"))
    assert dv.type == "list"
    values = _list_values(wb, dv.formula1)
    assert values == [m.label for m in cb["A02"].modalities]
    assert len(values) == 9


@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_long_lists_go_through_the_lists_sheet(layout: str, request, cb: Codebook) -> None:
    wb = request.getfixturevalue(layout)
    ws = wb[ANSWER_SHEET]
    for code, n in (("A05", 18), ("A06", 101), ("A08", len(cb["A08"].modalities))):
        dv = _validation_at(ws, _answer_cell(cb, code, layout == "vertical"))
        assert _list_values(wb, dv.formula1) == [m.label for m in cb[code].modalities]
        assert len(_list_values(wb, dv.formula1)) == n
    multi = _validation_at(ws, _answer_cell(cb, "B03__jumelage", layout == "vertical"))
    assert multi.formula1 == '"Oui,Non"'


@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_numbers_reject_negatives_with_a_french_message(layout: str, request, cb: Codebook) -> None:
    ws = request.getfixturevalue(layout)[ANSWER_SHEET]
    v = layout == "vertical"
    a07 = _validation_at(ws, _answer_cell(cb, "A07", v))
    assert (a07.type, a07.operator, a07.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert a07.showErrorMessage and a07.errorStyle == "stop"
    assert "supérieur ou égal à 0" in a07.error
    d02 = _validation_at(ws, _answer_cell(cb, "D02", v))
    assert (d02.operator, d02.formula1, d02.formula2) == ("between", "0", "500")
    b02 = _validation_at(ws, _answer_cell(cb, "B02", v))
    assert (b02.type, b02.formula1, b02.formula2) == ("whole", "1945", str(YEAR))
    assert ws[_answer_cell(cb, "D02", v)].number_format == "0.0"
    assert ws[_answer_cell(cb, "C01", v)].number_format == "#,##0"
    assert ws[_answer_cell(cb, "B02", v)].number_format == "0"


@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_dates_and_identifiers_have_their_formats(layout: str, request, cb: Codebook) -> None:
    ws = request.getfixturevalue(layout)[ANSWER_SHEET]
    v = layout == "vertical"
    assert ws[_answer_cell(cb, "A14", v)].number_format == "dd/mm/yyyy"
    assert _validation_at(ws, _answer_cell(cb, "A14", v)).type == "date"
    for code in ("A03", "A04", "A13"):
        assert ws[_answer_cell(cb, code, v)].number_format == "@"


def test_help_texts_pop_up_on_headers_and_answers(horizontal: openpyxl.Workbook, cb: Codebook) -> None:
    ws = horizontal[ANSWER_SHEET]
    col = openpyxl.utils.get_column_letter(horizontal_columns(cb)["A03"])
    for coordinate in (f"{col}{LABEL_ROW}", f"{col}{FIRST_ANSWER_ROW}"):
        dv = _validation_at(ws, coordinate)
        assert dv.showInputMessage and dv.prompt == cb["A03"].help
    f01 = openpyxl.utils.get_column_letter(horizontal_columns(cb)["F01__budget"])
    assert "3 au maximum" in ws[f"{f01}{LABEL_ROW}"].comment.text
    assert "3 au maximum" in _validation_at(ws, f"{f01}{FIRST_ANSWER_ROW}").prompt


def test_prepared_rows_carry_validations(horizontal: openpyxl.Workbook, cb: Codebook) -> None:
    ws = horizontal[ANSWER_SHEET]
    col = openpyxl.utils.get_column_letter(horizontal_columns(cb)["A02"])
    last = FIRST_ANSWER_ROW + PREPARED_ROWS - 1
    assert PREPARED_ROWS >= 50
    assert _validation_at(ws, f"{col}{last}").type == "list"
    assert ws[f"A{last}"].number_format == "@"


def test_panes_and_widths_as_a_person_sees_them(horizontal: openpyxl.Workbook, vertical: openpyxl.Workbook, cb: Codebook) -> None:
    h = horizontal[ANSWER_SHEET]
    assert h.freeze_panes == "B5"
    assert h.column_dimensions["A"].width >= 30
    a06 = openpyxl.utils.get_column_letter(horizontal_columns(cb)["A06"])
    assert h.column_dimensions[a06].width >= 20
    multi = openpyxl.utils.get_column_letter(horizontal_columns(cb)["B03__jumelage"])
    assert 12 <= h.column_dimensions[multi].width <= 20
    assert h.row_dimensions[LABEL_ROW].height >= 45
    v = vertical[ANSWER_SHEET]
    assert v.freeze_panes == "B3"
    assert v.column_dimensions["A"].width > v.column_dimensions["B"].width >= 25
