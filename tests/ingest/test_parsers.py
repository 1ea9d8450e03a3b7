"""French numbers, dates, yes/no and identifiers as people type them."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.common.cells import cell_text
from pipeline.common.identifiers import normalize_insee, normalize_siren, siren_is_valid
from pipeline.domain.codebook import load_codebook
from pipeline.ingest.parsers import (
    is_excel_error,
    parse_date,
    parse_number,
    parse_period,
    parse_yes_no,
)

CB = load_codebook()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 500", 1500.0),
        ("1 500,50", 1500.5),
        ("1.500,50", 1500.5),
        ("1,500.50", 1500.5),
        ("12 k€", 12_000.0),
        ("12k", 12_000.0),
        ("1,5 M€", 1_500_000.0),
        ("1 500 €", 1500.0),
        ("12 000 euros", 12_000.0),
        ("0,5", 0.5),
        ("1.5", 1.5),
        ("1\u00a0500", 1500.0),  # no-break space
        ("1\u202f500,5", 1500.5),  # narrow no-break space (Excel FR)
        ("2 ETP", 2.0),
        ("-3", -3.0),
        ("2015", 2015.0),
        ("environ 1 500", 1500.0),
        ("1 500 (estimation)", 1500.0),
        ("12 000 € TTC", 12000.0),
        (1500.0, 1500.0),
        (3, 3.0),
    ],
)
def test_parse_number_reads_french_formats(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["beaucoup", "entre 2 et 3", "", "   ", "1,2,3", "k€", "N/A", None, dt.date(2025, 1, 1)])
def test_parse_number_refuses_what_is_not_a_number(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("04/03/2025", "2025-03-04"),
        ("4/3/2025", "2025-03-04"),
        ("04-03-2025", "2025-03-04"),
        ("04/03/25", "2025-03-04"),
        ("2025-03-04", "2025-03-04"),
        ("2025-03-04 10:22:33", "2025-03-04"),  # LimeSurvey submitdate
        ("2025-03-04T10:22:33.123+01:00", "2025-03-04"),  # Kobo _submission_time
        ("04/03/2025 10:22:33", "2025-03-04"),  # Google Forms Horodateur
        ("4 mars 2025", "2025-03-04"),
        ("1er avril 2025", "2025-04-01"),
        (45720, "2025-03-04"),  # Excel serial
        (45720.75, "2025-03-04"),
        ("45720", "2025-03-04"),
        (dt.date(2025, 3, 4), "2025-03-04"),
        (dt.datetime(2025, 3, 4, 17, 5), "2025-03-04"),
    ],
)
def test_parse_date_reads_every_usual_form(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["31/02/2025", "hier", "", "2025", 2025, True, -5])
def test_parse_date_refuses_impossible_dates(value):
    assert parse_date(value) is None


@pytest.mark.parametrize("value", ["Oui", "oui ", "OUI", "O", "Y", "yes", "x", "X", "1", 1, 1.0, True, "Vrai", "✓", "Coché"])
def test_yes_variants(value):
    assert parse_yes_no(value, CB) is True


@pytest.mark.parametrize("value", ["Non", "non", "N", "No", "0", 0, False, "Faux", "Non coché"])
def test_no_variants(value):
    assert parse_yes_no(value, CB) is False


@pytest.mark.parametrize("value", ["Peut-être", "", None, 2])
def test_yes_no_unknown_is_none(value):
    assert parse_yes_no(value, CB) is None


def test_siren_spaces_removed_and_checked():
    assert normalize_siren("213 100 553") == "213100553"
    assert normalize_siren("213\u00a0100\u00a0553") == "213100553"
    assert normalize_siren(213100553.0) == "213100553"
    assert siren_is_valid("542065479")
    assert not siren_is_valid("542065478")
    assert normalize_siren("pas de siren") is None


def test_insee_keeps_leading_zeros_and_corsica():
    assert normalize_insee("01053") == "01053"
    assert normalize_insee(1053.0) == "01053"  # Excel turned the code into a number
    assert normalize_insee("2A004") == "2A004"
    assert normalize_insee("2a004") == "2A004"
    assert normalize_insee(1) == "01"
    assert normalize_insee("Lyon") is None


def test_cell_text_shows_integers_without_decimal():
    assert cell_text(1500.0) == "1500"
    assert cell_text(0.5) == "0.5"
    assert cell_text("  a  ") == "a"
    assert cell_text(None) == ""


def test_excel_errors_detected():
    assert is_excel_error("#DIV/0!")
    assert is_excel_error(" #n/a ")
    assert not is_excel_error("#1 des communes")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.floats(allow_nan=True), st.integers(), st.none(), st.booleans()))
def test_parsers_never_crash(value):
    n = parse_number(value)
    assert n is None or not math.isnan(n)
    d = parse_date(value)
    assert d is None or len(d) == 10
    parse_yes_no(value, CB)
    normalize_siren(value)
    normalize_insee(value)
    cell_text(value)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_french_thousands_roundtrip(n):
    french = f"{n:,}".replace(",", "\u202f")
    assert parse_number(french) == n
    assert parse_number(f"{n:,}".replace(",", " ") + " €") == n


@pytest.mark.parametrize("value,expected", [
    ("mai 2025", ("2025-05-01", "mois")), ("Sept. 2025", ("2025-09-01", "mois")), ("05/2025", ("2025-05-01", "mois")),
    ("2025-05", ("2025-05-01", "mois")), ("2e trimestre 2025", ("2025-04-01", "trimestre")),
    ("T4 2025", ("2025-10-01", "trimestre")), ("1er semestre 2025", ("2025-01-01", "semestre")),
    ("courant juin 2025", ("2025-06-01", "mois")),
])
def test_parse_period_reads_months_quarters_and_half_years_as_their_first_day(value, expected):
    assert parse_period(value) == expected
    assert parse_date(value) is None  # not a date: the caller says which day it assumed


@pytest.mark.parametrize("value", ["13/2025", "5e trimestre 2025", "2025", "fin mai 2025", "04/03/2025", 45720.0, None, "mai"])
def test_parse_period_refuses_what_is_no_period(value):
    assert parse_period(value) is None
