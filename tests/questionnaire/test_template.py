"""The Excel questionnaire: what a collectivité sees, and what comes back when it is filled in."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli.main import main
from pipeline.domain.codebook import Codebook, Question, load_codebook
from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest.wave import ingest_file, responses_frame
from pipeline.questionnaire.template import (
    ANSWER_SHEET,
    CODE_ROW,
    FIRST_ANSWER_ROW,
    INSTRUCTIONS_SHEET,
    LABEL_ROW,
    LISTS_SHEET,
    PREPARED_ROWS,
    VERTICAL_FIRST_ROW,
    build_template,
    fill_template,
    horizontal_columns,
    save_workbook,
    vertical_rows,
    workbook_bytes,
    write_template,
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


def test_instructions_explain_filling_and_personal_data(horizontal: openpyxl.Workbook, cb: Codebook) -> None:
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


# --- filling and reading back -----------------------------------------------------------------


def _example_answers(cb: Codebook, variant: int = 0) -> tuple[dict[str, object], dict[str, object]]:
    """Every column answered: (what is given to fill_template, what a reader must find)."""
    given: dict[str, object] = {}
    for q in cb:
        for i, col in enumerate(q.columns):
            given[col] = _example_value(q, i, variant)
    given["A03"] = "012 345 674"  # Luhn-valid, with a leading zero
    given["A04"] = "01053" if variant == 0 else "2A004"
    given["A12"] = "contact@ville.fr"
    given["A13"] = "04 72 10 30 30"
    expected = {col: ("Oui" if v is True else "Non" if v is False else v) for col, v in given.items()}
    expected["A03"] = "012345674"
    return given, expected


def _example_value(q: Question, i: int, variant: int) -> object:
    if q.type == "single":
        return q.modalities[(3 * variant + len(q.code)) % len(q.modalities)].label
    if q.type == "multi":
        return (i + variant) % 3 != 0  # several ticked, some not
    if q.type == "number":
        return {"B02": 1987, "D02": 1.5, "A07": 48500}.get(q.code, 12000 + variant)
    if q.type == "date":
        return dt.date(YEAR, 3, 15 + variant)
    return f"{q.label} n°{variant} — réponse"


def _read_horizontal(path: Path, rows: int = 1) -> list[dict[str, object]]:
    data = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(ANSWER_SHEET).to_python()
    codes = data[CODE_ROW - 1]
    return [
        {c: v for c, v in zip(codes, data[r]) if v != ""}
        for r in range(FIRST_ANSWER_ROW - 1, FIRST_ANSWER_ROW - 1 + rows)
    ]


def _read_vertical(path: Path, cb: Codebook) -> dict[str, object]:
    data = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(ANSWER_SHEET).to_python()
    return {col: data[r - 1][1] for col, r in vertical_rows(cb).items() if data[r - 1][1] != ""}


def test_filled_horizontal_template_reads_back_exactly(tmp_path: Path, cb: Codebook) -> None:
    wb = build_template(cb, year=YEAR)
    given0, expected0 = _example_answers(cb, 0)
    given1, expected1 = _example_answers(cb, 1)
    fill_template(wb, given0)
    fill_template(wb, given1, row=FIRST_ANSWER_ROW + 1)
    path = tmp_path / "rempli.xlsx"
    save_workbook(wb, path)
    got0, got1 = _read_horizontal(path, rows=2)
    assert got0 == expected0
    assert got1 == expected1
    assert got0["A03"] == "012345674" and got0["A04"] == "01053"
    assert isinstance(got0["A14"], dt.date) and got0["A14"] == dt.date(YEAR, 3, 15)
    assert got0["D02"] == 1.5


def test_filled_vertical_template_reads_back_exactly(tmp_path: Path, cb: Codebook) -> None:
    wb = build_template(cb, vertical=True, year=YEAR)
    given, expected = _example_answers(cb, 0)
    fill_template(wb, given, vertical=True)
    path = tmp_path / "rempli_vertical.xlsx"
    save_workbook(wb, path)
    assert _read_vertical(path, cb) == expected


def test_fill_accepts_iso_dates_missing_values_and_planted_mistakes(tmp_path: Path, cb: Codebook) -> None:
    wb = build_template(cb, year=YEAR)
    fill_template(wb, {
        "A01": "Ville de Gap", "A14": "2025-06-30", "B03__jumelage": None, "B03__ecsi": float("nan"),
        "C01": "12 k€", "A07": None, "A03": 213100553, "F05": "=> à revoir avec le service",
    })
    path = tmp_path / "erreurs.xlsx"
    save_workbook(wb, path)
    (got,) = _read_horizontal(path)
    assert got == {"A01": "Ville de Gap", "A14": dt.date(2025, 6, 30), "C01": "12 k€", "A03": "213100553",
                   "F05": "=> à revoir avec le service"}


def test_fill_refuses_unknown_columns_and_rows_above_the_answers(cb: Codebook) -> None:
    wb = build_template(cb, year=YEAR)
    with pytest.raises(KeyError, match="B03"):
        fill_template(wb, {"B03": "Jumelage"})
    with pytest.raises(ValueError):
        fill_template(wb, {"A01": "Lyon"}, row=CODE_ROW)
    with pytest.raises(ValueError):
        fill_template(build_template(cb, vertical=True, year=YEAR), {"A01": "Lyon"}, vertical=True, row=7)
    with pytest.raises(ValueError):  # a horizontal workbook filled as if it were vertical
        fill_template(wb, {"A02": "Commune"}, vertical=True)


# --- files --------------------------------------------------------------------------------------


def test_same_codebook_gives_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template(first, year=YEAR)
    write_template(second, year=YEAR)
    assert first.read_bytes() == second.read_bytes()
    props = openpyxl.load_workbook(first).properties
    assert props.creator == "Observatoire ACTER"
    assert props.created == props.modified == dt.datetime(YEAR, 1, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx"]  # no temporary file left


@pytest.mark.parametrize("extra", [[], ["--vertical"]])
def test_acter_template_command_writes_the_questionnaire(tmp_path: Path, extra: list[str], capsys) -> None:
    out = tmp_path / "questionnaire.xlsx"
    assert main(["template", str(out), *extra]) == 0
    assert "Questionnaire écrit" in capsys.readouterr().out
    book = python_calamine.CalamineWorkbook.from_path(str(out))
    assert book.sheet_names[:2] == [INSTRUCTIONS_SHEET, ANSWER_SHEET]
    rows = book.get_sheet_by_name(ANSWER_SHEET).to_python()
    if extra:
        assert rows[VERTICAL_FIRST_ROW - 1][0] == "A01 - Nom de la collectivité"
    else:
        assert rows[CODE_ROW - 1][:2] == ["A01", "A02"]


# --- round trip through ingest ------------------------------------------------------------------


def _ingested_rows(path: Path, cb: Codebook) -> tuple[str, list[dict[str, object]]]:
    """Status and response rows of a file read as the ingest stage reads it."""
    result = ingest_file(path, codebook=cb, params=defaults(IngestParams))
    return result.report["status"], responses_frame(result.records, cb).to_dict("records")


@pytest.mark.parametrize("layout", ["horizontal", "vertical"])
def test_filled_template_goes_through_ingest_unchanged(tmp_path: Path, cb: Codebook, layout: str) -> None:
    vertical = layout == "vertical"
    wb = build_template(cb, vertical=vertical, year=YEAR)
    given, expected = _example_answers(cb, 0)
    assert sum(v is True for k, v in given.items() if k.startswith("B03__")) >= 2  # several ticked
    fill_template(wb, given, vertical=vertical)
    path = tmp_path / f"questionnaire_{layout}.xlsx"
    save_workbook(wb, path)
    status, rows = _ingested_rows(path, cb)
    assert status == "ingested"
    assert len(rows) == 1
    (row,) = rows
    for col, value in given.items():
        got = row[col]
        if col == "A03":
            assert got == "012345674", col
        elif isinstance(value, dt.date):
            assert dt.date.fromisoformat(str(got)[:10]) == value, col
        elif isinstance(value, bool):
            assert bool(got) is value, col
        elif isinstance(value, (int, float)):
            assert float(got) == pytest.approx(float(value)), col
        else:
            assert got == expected[col], col


# --- property: whatever a respondent types comes back as it was ------------------------------------

_TYPED_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "S")), min_size=1, max_size=40
)


@st.composite
def _respondent(draw, cb: Codebook) -> dict[str, object]:
    answers: dict[str, object] = {
        "A01": draw(_TYPED_TEXT),
        "A02": draw(st.sampled_from([m.label for m in cb["A02"].modalities])),
        "A04": draw(st.from_regex(r"\A(0\d{4}|2[AB]\d{3})\Z")),
        "A06": draw(st.sampled_from([m.label for m in cb["A06"].modalities])),
        "A14": draw(st.dates(dt.date(YEAR - 1, 1, 1), dt.date(YEAR + 1, 12, 31))),
        "B05": draw(st.integers(0, 500)),
        "C01": draw(st.integers(0, 10**11).map(lambda cents: cents / 100)),  # euros and cents
        "D02": draw(st.integers(0, 5000).map(lambda tenths: tenths / 10)),
        "F05": draw(_TYPED_TEXT),
    }
    for col in cb["B03"].columns:
        answers[col] = draw(st.sampled_from([True, False, None]))
    return answers


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_typed_answers_read_back_as_typed(tmp_path: Path, cb: Codebook, data) -> None:
    respondents = data.draw(st.lists(_respondent(cb), min_size=1, max_size=3))
    wb = build_template(cb, year=YEAR)
    for i, answers in enumerate(respondents):
        fill_template(wb, answers, row=FIRST_ANSWER_ROW + i)
    path = tmp_path / "saisie.xlsx"
    save_workbook(wb, path)
    for answers, got in zip(respondents, _read_horizontal(path, rows=len(respondents)), strict=True):
        expected = {
            c: ("Oui" if v is True else "Non" if v is False else v) for c, v in answers.items() if v is not None
        }
        assert got == expected
