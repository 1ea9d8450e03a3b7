"""Planted mistakes: what is written in the cell, what ingest must read, where each kind may go."""

import datetime as dt

import numpy as np
import pytest

from pipeline.demo.mistakes import (
    KIND_CODES,
    applicable,
    modality_applies,
    plant,
    raw_text,
)
from pipeline.domain.codebook import Modality, Question, load_codebook


def test_money_is_rounded_as_people_write_it():
    cb = load_codebook()
    rng = np.random.default_rng(0)
    assert plant("money_format", cb["C01"], 1_234_567.0, rng) == ("1,2 M€", 1_200_000.0, "corrected")
    assert plant("money_format", cb["C01"], 2_500.0, rng) == ("2 500 €", 2_500.0, "corrected")


def test_other_kinds_give_the_cell_and_the_value_read():
    cb = load_codebook()
    rng = np.random.default_rng(0)
    assert plant("decimal_comma", cb["D02"], 1.5, rng) == ("1,5", 1.5, "corrected")
    assert plant("date_serial", cb["A14"], dt.date(2025, 1, 1), rng) == (45658, dt.date(2025, 1, 1), "corrected")
    assert plant("siren_spaces", cb["A03"], "213100553", rng)[0] == "213 100 553"
    assert plant("stray_spaces", cb["A02"], "commune", rng)[0] == " Commune "
    assert plant("not_a_number", cb["B05"], 3.0, rng) == ("beaucoup", None, "reported")
    with pytest.raises(ValueError, match="unknown mistake kind"):
        plant("typo", cb["A01"], "x", rng)


def test_mistakes_go_only_where_people_type():
    cb = load_codebook()
    assert applicable("money_format", "C01", 15_000.0, "horizontal", "xlsx")
    assert not applicable("money_format", "C01", 15_000.0, "kobo", "csv_utf8_bom")  # a tool's export
    assert not applicable("money_format", "C01", 15_500.5, "horizontal", "xlsx")
    assert not applicable("decimal_comma", "D02", 1.5, "horizontal", "csv_cp1252")  # CSV text: no comma to plant
    assert not applicable("money_format", "D02", 15_000.0, "horizontal", "xlsx")  # not a code it hits
    assert all(applicable(kind, codes[0], None, "horizontal", "xlsx") is False for kind, codes in KIND_CODES.items())
    assert modality_applies("modality_variant", cb["A02"], "departement")  # « Département » -> « departement »
    plain = Question(code="Z01", label="Avis", type="single", role="-", section="F", modalities=(Modality("ok", "ok"),))
    assert not modality_applies("modality_variant", plain, "ok")  # nothing to retype


def test_raw_text_is_the_cell_as_a_reader_sees_it():
    assert [raw_text(v) for v in (1500.0, 0.5, 45658, " x ", dt.date(2025, 3, 4))] == [
        "1500", "0.5", "45658", " x ", "2025-03-04"]
    assert raw_text(dt.datetime(2025, 3, 4, 10, 22, 33)) == "2025-03-04 10:22:33"
