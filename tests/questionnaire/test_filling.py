"""Filling the questionnaire: what comes back when a collectivité has typed its answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.common.atomic import save_workbook
from pipeline.domain.codebook import Codebook, Question, load_codebook
from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest import ingest_file, responses_frame
from pipeline.questionnaire import (
    ANSWER_SHEET,
    CODE_ROW,
    FIRST_ANSWER_ROW,
    build_template,
    fill_template,
    vertical_rows,
)

YEAR = 2025


@pytest.fixture(scope="module")
def cb() -> Codebook:
    return load_codebook()


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


@pytest.mark.slow
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
        # A text of spaces only is no answer (the cell looks empty to the respondent too).
        expected = {
            c: ("Oui" if v is True else "Non" if v is False else v)
            for c, v in answers.items()
            if v is not None and not (isinstance(v, str) and not v.strip())
        }
        assert got == expected
