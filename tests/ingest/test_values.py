"""Values: what a cell holds, typed; what cannot be read is reported on its cell, the row kept."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from support.spreadsheets import frame_of, problems_of, write_xlsx

from pipeline.domain.codebook import load_codebook
from pipeline.ingest.files import ingest_file
from pipeline.ingest.values import ValueReader

CB = load_codebook()


def test_bad_number_is_an_error_on_the_cell_and_the_row_is_kept(tmp_path):
    rows = [["A01", "C01", "D02"], ["Ville de Metz", "beaucoup", "entre 2 et 3"], ["Ville de Nancy", "5 000", "0,5"]]
    res = ingest_file(write_xlsx(tmp_path / "n.xlsx", {"R": rows}), tmp_path)
    df = frame_of(res)
    bad = problems_of(res, "bad_number")
    assert [p["cell"] for p in bad] == ["B2", "C2"]
    assert all(p["severity"] == "error" for p in bad)
    assert res.report["status"] == "partial"
    assert len(df) == 2 and pd.isna(df["C01"][0]) and df["A01"][0] == "Ville de Metz" and df["D02"][1] == 0.5


def test_unknown_modality_kept_as_typed_with_warning_and_no_answer_tokens(tmp_path):
    rows = [["A01", "A02", "A09", "C01", "A14"], ["Ville de Caen", "Pôle métropolitain", "NSP", "NSP", "#DIV/0!"]]
    res = ingest_file(write_xlsx(tmp_path / "u.xlsx", {"R": rows}), tmp_path)
    df = frame_of(res)
    assert df["A02"][0] == "Pôle métropolitain"
    assert problems_of(res, "unknown_modality")[0]["cell"] == "B2"
    assert df["A09"][0] == "Ne sait pas"  # a modality of A09, not "no answer"
    assert pd.isna(df["C01"][0]) and not problems_of(res, "bad_number")
    assert problems_of(res, "excel_error")[0]["cell"] == "E2"
    assert res.report["status"] == "ingested"


def test_row_of_no_answer_tokens_is_kept_and_flagged(tmp_path):
    rows = [["A01", "A02", "C01"], ["-", "NSP", "n/a"], ["Ville d'Auch", "Commune", ""]]
    res = ingest_file(write_xlsx(tmp_path / "vides.xlsx", {"R": rows}), tmp_path)
    df = frame_of(res)
    assert len(df) == 2 and df["A01"].isna()[0]
    assert [p["cell"] for p in problems_of(res, "empty_response")] == ["A2:C2"]


def test_multi_in_one_cell_non_means_nothing_ticked_and_blank_means_unanswered(tmp_path):
    rows = [["A01", "Zones géographiques des partenaires"], ["Ville A", "Non"], ["Ville B", None], ["Ville C", "NSP"]]
    df = frame_of(ingest_file(write_xlsx(tmp_path / "m.xlsx", {"R": rows}), tmp_path))
    assert df["B06__asie"].tolist()[0] is False or not df["B06__asie"][0]
    assert df["B06__asie"].isna().tolist() == [False, True, True]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_one_cell_multi_split_never_crashes_and_names_real_modalities(text):
    reader = ValueReader(CB, 88.0)
    q = CB["B07"]
    slugs, leftovers = reader.split_multi(q, text)
    assert slugs <= {m.slug for m in q.modalities}
    assert all(isinstance(x, str) and x for x in leftovers)


def test_greedy_split_keeps_commas_inside_labels():
    reader = ValueReader(CB, 88.0)
    slugs, leftovers = reader.split_multi(CB["B07"], "Eau et assainissement, Climat, énergie et environnement")
    assert slugs == {"eau", "climat"} and leftovers == ()
    slugs, leftovers = reader.split_multi(CB["B03"], "Volontariat (VIES, VSI, service civique), ECSI et aide humanitaire")
    assert slugs == {"volontariat", "ecsi", "urgence"} and leftovers == ()



def test_cell_problems_take_the_severity_of_their_validation_rule(tmp_path):
    """A problem that is also a rule of the catalogue has the rule's severity, as in the clean report."""
    from pipeline.domain.rules import RULES

    rows = [["A01", "A02", "A03", "A07", "A14"], ["Ville de Sète", "Pôle métropolitain", "21310055x", "beaucoup", "le 3 mars"]]
    res = ingest_file(write_xlsx(tmp_path / "s.xlsx", {"R": rows}), tmp_path)
    severity = {p["code"]: p["severity"] for p in problems_of(res)}
    assert severity == {"unknown_modality": RULES["unknown_modality"].severity, "bad_id": RULES["bad_siren_format"].severity,
                        "bad_number": RULES["bad_type"].severity, "bad_date": RULES["bad_date"].severity}
    assert severity["bad_date"] == "warning" and severity["bad_number"] == "error"
    assert res.report["status"] == "partial"  # the unreadable number, not the date


def test_an_unreadable_date_alone_leaves_the_file_ingested(tmp_path):
    rows = [["A01", "A02", "A14"], ["Ville de Sète", "Commune", "31/02/2025"]]
    res = ingest_file(write_xlsx(tmp_path / "d.xlsx", {"R": rows}), tmp_path)
    bad = problems_of(res, "bad_date")
    assert [(p["cell"], p["severity"]) for p in bad] == [("C2", "warning")] and "jj/mm/aaaa" in bad[0]["message_fr"]
    assert res.report["status"] == "ingested" and frame_of(res)["A14"].isna().all()


def test_a_month_for_a_date_is_read_as_its_first_day_with_a_warning(tmp_path):
    rows = [["A01", "A14"], ["Ville de Metz", "mai 2025"], ["Ville de Nancy", "2e trimestre 2025"], ["Ville de Toul", "05/2025"]]
    res = ingest_file(write_xlsx(tmp_path / "d.xlsx", {"R": rows}), tmp_path)
    df = frame_of(res)
    assert df["A14"].tolist() == ["2025-05-01", "2025-04-01", "2025-05-01"]
    warned = problems_of(res, "date_assumed")
    assert [p["cell"] for p in warned] == ["B2", "B3", "B4"] and "01/05/2025" in warned[0]["message_fr"]
    assert res.report["status"] == "ingested"
