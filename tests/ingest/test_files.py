"""One file: formats, header problems, rows that are not respondents, rejection; never an exception."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.spreadsheets import frame_of, problems_of, write_csv, write_xlsx

from pipeline.domain.codebook import load_codebook
from pipeline.ingest.files import ingest_file, ingest_workbook
from pipeline.ingest.readers import Sheet, Workbook
from pipeline.ingest.wave import responses_frame

CB = load_codebook()


def test_cp1252_semicolon_csv_and_ods(tmp_path):
    rows = [["Nom de la collectivité", "Région", "Budget consacré à l'action internationale en N-1 (euros)"], ["Département de l'Hérault", "Occitanie", "120 000"]]
    res = ingest_file(write_csv(tmp_path / "herault.csv", rows, encoding="cp1252", sep=";"), tmp_path)
    df = frame_of(res)
    assert df["A01"][0] == "Département de l'Hérault" and df["C01"][0] == 120_000.0
    ods = tmp_path / "herault.ods"
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(ods, engine="odf", index=False)
    df2 = frame_of(ingest_file(ods, tmp_path))
    assert df2["A05"][0] == "Occitanie" and df2["C01"][0] == 120_000.0


def test_genuine_legacy_xls_workbook(tmp_path):
    """An Excel 97-2003 .xls (BIFF) written by xlwt: title block, answers on the second sheet, a date."""
    import datetime as dt

    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    wb.add_sheet("Lisez-moi").write(0, 0, "Merci de remplir la feuille suivante")
    ws = wb.add_sheet("Données")
    ws.write(0, 0, "Enquête ACTER — réponses de la collectivité")
    header = ["Nom de la collectivité", "Type de collectivité", "Q12. Types d'actions menées",
              "Budget consacré à l'action internationale en N-1 (euros)", "Date de réponse"]
    for col, text in enumerate(header):
        ws.write(2, col, text)
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for col, value in enumerate(["Ville de Tulle", "commune", "Jumelage, Coopération décentralisée", "12 k€"]):
        ws.write(3, col, value)
    ws.write(3, 4, dt.date(2025, 3, 14), date_style)
    path = tmp_path / "tulle.xls"
    wb.save(str(path))
    res = ingest_file(path, tmp_path)
    df = frame_of(res)
    assert res.report["status"] == "ingested" and res.report["format"] == "xls"
    assert res.report["sheet"] == "Données" and df["source_row"][0] == 4
    assert df["A01"][0] == "Ville de Tulle" and df["A02"][0] == "Commune"
    assert bool(df["B03__jumelage"][0]) and bool(df["B03__coop_decentralisee"][0]) and not bool(df["B03__ecsi"][0])
    assert df["C01"][0] == 12_000.0 and df["A14"][0] == "2025-03-14"


def test_two_columns_claiming_one_question_is_an_error_naming_both_cells(tmp_path):
    rows = [["Nom de la collectivité", "Type de collectivité", "Budget", "Type de collectivité"], ["Ville de Nantes", "Commune", "10 000", "Métropole"]]
    res = ingest_file(write_xlsx(tmp_path / "doublon.xlsx", {"R": rows}), tmp_path)
    dup = problems_of(res, "duplicate_column")
    assert res.report["status"] == "partial"
    assert {p["cell"] for p in dup} == {"B1", "D1"}
    assert "B1" in dup[0]["message_fr"] and "D1" in dup[0]["message_fr"]
    df = frame_of(res)
    assert df["A02"].isna()[0] and df["C01"][0] == 10_000.0  # no guess, the rest of the row kept


def test_unmapped_header_is_listed_with_a_warning(tmp_path):
    rows = [["A01", "A02", "Couleur préférée"], ["Ville de Lille", "Commune", "bleu"]]
    res = ingest_file(write_xlsx(tmp_path / "x.xlsx", {"R": rows}), tmp_path)
    assert res.report["unmapped"] == ["Couleur préférée"]
    warn = problems_of(res, "unmapped_column")[0]
    assert warn["cell"] == "C1" and warn["severity"] == "warning"
    assert res.report["mapped"] == {"A01": "A01", "A02": "A02"}


def test_unrecognised_sheet_is_rejected(tmp_path):
    res = ingest_file(write_xlsx(tmp_path / "budget.xlsx", {"S": [["Poste", "Montant"], ["Loyer", 500]]}), tmp_path)
    assert res.report["status"] == "rejected" and res.records == []
    assert "questionnaire" in res.report["problems"][0]["message_fr"]


def test_every_sheet_of_answers_is_read_and_listed(tmp_path):
    sheets = {
        "Communes": [["Nom de la collectivité", "Type de collectivité", "Budget"], ["Ville de Mende", "Commune", "500"], ["Ville de Marvejols", "Commune", "300"]],
        "EPCI": [["Nom de la collectivité", "Type de collectivité"], ["CC du Gévaudan", "CC"]],
        "Notes": [["À relancer en septembre"]],
    }
    res = ingest_file(write_xlsx(tmp_path / "lozere.xlsx", sheets), tmp_path)
    df = frame_of(res)
    assert res.report["status"] == "ingested" and res.report["rows_read"] == 3
    assert df["A01"].tolist() == ["Ville de Mende", "Ville de Marvejols", "CC du Gévaudan"]
    assert df["source_sheet"].tolist() == ["Communes", "Communes", "EPCI"]
    listed = [(s["sheet"], s["status"], s["reason"], s["rows_read"]) for s in res.report["sheets"]]
    assert listed == [("Communes", "read", "", 2), ("EPCI", "read", "", 1), ("Notes", "skipped", "no_question", 0)]


def test_csv_with_excel_sep_line_and_a_total_row(tmp_path):
    path = tmp_path / "synthese.csv"
    path.write_text("sep=;\nNom de la collectivité;Budget\nExemple : Ville de X;100\nVille de Blois;1 000\nTotal;1 000\n", encoding="cp1252")
    res = ingest_file(path, tmp_path)
    df = frame_of(res)
    assert df["A01"].tolist() == ["Ville de Blois"] and df["source_row"].tolist() == [3]  # as Excel shows it
    assert [p["cell"] for p in problems_of(res, "skipped_row")] == ["A2"]
    assert [p["cell"] for p in problems_of(res, "summary_row")] == ["A4"]



# --- robustness ----------------------------------------------------------------------------------
_CELLS = st.one_of(
    st.none(), st.text(max_size=12), st.floats(allow_nan=True), st.integers(-10**6, 10**6), st.booleans(),
    st.sampled_from(["A02", "B03", "B03__ecsi", "Type de collectivité", "Types d'actions menées", "Oui", "x",
                     "1 500", "NSP", "#N/A", "Jumelage, ECSI", "submitdate", "B03[SQ099]", "A14"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_CELLS, max_size=8), max_size=8))
def test_any_grid_gives_a_report_never_an_exception(grid):
    res = ingest_workbook(Workbook(file="x.xlsx", format="xlsx", sheets=[Sheet("S", grid)]), CB)
    assert res.report["status"] in ("ingested", "partial", "rejected")
    assert res.report["rows_read"] == len(res.records)
    responses_frame(res.records, CB)  # typed columns build for whatever was read

