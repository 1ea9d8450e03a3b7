"""Ingest: every layout the networks receive, provenance to the cell, broken files isolated."""

from __future__ import annotations

import csv
import json

import openpyxl
import pandas as pd

from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import IngestParams
from pipeline.ingest.wave import ingest_file, ingest_wave, responses_frame
from pipeline.stages.ingest import main

CB = load_codebook()


def _xlsx(path, sheets):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


def _csv(path, rows, encoding="utf-8", sep=","):
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=sep).writerows(rows)
    return path


def _one(result):
    assert result.report["rows_read"] == len(result.records)
    frame = responses_frame(result.records, CB)
    return frame


def _problems(result, code=None):
    return [p for p in result.report["problems"] if code is None or p["code"] == code]


# --- horizontal --------------------------------------------------------------------------------
def test_header_on_row_4_under_a_title_block(tmp_path):
    rows = [
        ["Enquête ACTER 2025 — réseau RESACOOP"],
        ["Merci de remplir une ligne par collectivité"],
        [],
        ["Nom de la collectivité", "Type de collectivité", "Numéro SIREN", "Nombre d'habitants", "Date de réponse"],
        ["Ville de Lyon", "commune", "213 100 555", "522 250", "04/03/2025"],
        ["CC du Pilat", "Com com", 200000000, 15000, 45720],
    ]
    res = ingest_file(_xlsx(tmp_path / "reseau.xlsx", {"Feuil1": rows}), tmp_path)
    df = _one(res)
    assert res.report["status"] == "ingested" and res.report["layout"] == "horizontal"
    assert res.report["header_row"] == 4
    assert df["A02"].tolist() == ["Commune", "Communauté de communes"]
    assert df["A03"].tolist() == ["213100555", "200000000"]
    assert df["A07"].tolist() == [522250.0, 15000.0]
    assert df["A14"].tolist() == ["2025-03-04", "2025-03-04"]
    assert df["source_row"].tolist() == [5, 6]
    cells = json.loads(df["source_cells"][1])
    assert cells["A02"] == "B6" and cells["A07"] == "D6"
    assert df["response_id"][0] == "reseau.xlsx!Feuil1!5"


def test_answers_on_second_sheet_and_instructions_ignored(tmp_path):
    instructions = [["Instructions"], ["Type de collectivité", "choisissez dans la liste"], ["Nom de la collectivité", "nom officiel"]]
    answers = [["A01", "A02", "C01"], ["Département du Gers", "Département", "1,5 M€"]]
    res = ingest_file(_xlsx(tmp_path / "f.xlsx", {"Instructions": instructions, "Réponses": answers}), tmp_path)
    df = _one(res)
    assert res.report["sheet"] == "Réponses"
    assert df["C01"][0] == 1_500_000.0
    assert df["A02"][0] == "Département"


def test_template_layout_codes_under_labels_and_multi_as_oui_non(tmp_path):
    from pipeline.questionnaire.template import (
        build_template,
        fill_template,
        save_workbook,
    )

    wb = build_template()
    fill_template(wb, {"A01": "Ville de Grenoble", "A02": "Commune", "B03__jumelage": True, "B03__ecsi": False, "D02": 1.5})
    save_workbook(wb, tmp_path / "grenoble.xlsx")
    res = ingest_file(tmp_path / "grenoble.xlsx", tmp_path)
    df = _one(res)
    assert res.report["layout"] == "template_horizontal" and res.report["status"] == "ingested"
    assert bool(df["B03__jumelage"][0]) is True and bool(df["B03__ecsi"][0]) is False
    assert bool(df["B03__urgence"][0]) is False  # answered question: blank = not ticked
    assert df["B06__asie"].isna().all()  # unanswered question stays <NA>
    assert df["D02"][0] == 1.5


def test_vertical_form_with_code_label_and_answer_columns(tmp_path):
    rows = [
        ["Questionnaire ACTER"],
        ["Code", "Question", "Réponse"],
        ["A01", "Nom de la collectivité", "Commune de Die"],
        ["A02", "Type de collectivité", "Commune"],
        ["A07", "Nombre d'habitants", "4 500"],
        ["B03", "Types d'actions menées", "Jumelage, Volontariat (VIES, VSI, service civique)"],
    ]
    res = ingest_file(_xlsx(tmp_path / "die.xlsx", {"Questionnaire": rows}), tmp_path)
    df = _one(res)
    assert res.report["layout"] in ("vertical", "template_vertical")
    assert len(df) == 1 and pd.isna(df["source_row"][0])
    assert df["source_range"][0] == "C3:C6"
    assert df["A07"][0] == 4500.0
    assert bool(df["B03__volontariat"][0]) and bool(df["B03__jumelage"][0]) and not df["B03__ecsi"][0]
    assert json.loads(df["source_cells"][0])["A02"] == "C4"


def test_vertical_template_from_the_questionnaire(tmp_path):
    from pipeline.questionnaire.template import (
        build_template,
        fill_template,
        save_workbook,
    )

    wb = build_template(vertical=True)
    fill_template(wb, {"A01": "Région Bretagne", "A02": "Région", "C01": 2_500_000.0, "B06__asie": True}, vertical=True)
    save_workbook(wb, tmp_path / "bzh.xlsx")
    res = ingest_file(tmp_path / "bzh.xlsx", tmp_path)
    df = _one(res)
    assert res.report["layout"] == "template_vertical"
    assert df["A02"][0] == "Région" and df["C01"][0] == 2_500_000.0
    assert bool(df["B06__asie"][0]) and not df["B06__maghreb"][0]


# --- survey tools ------------------------------------------------------------------------------
def test_limesurvey_codes_y_and_incomplete_response(tmp_path):
    header = ["id", "submitdate", "lastpage", "startlanguage", "A01", "A02", "B03[SQ001]", "B03[SQ002]", "B03[SQ003]"]
    rows = [
        header,
        ["1", "2025-03-04 10:22:33", "5", "fr", "Ville de Pau", "Commune", "Y", "", "Y"],
        ["2", "", "", "fr", "", "", "", "", ""],
    ]
    res = ingest_file(_csv(tmp_path / "lime.csv", rows), tmp_path)
    df = _one(res)
    assert res.report["layout"] == "limesurvey"
    assert df["A14"][0] == "2025-03-04"  # submitdate feeds the response date
    assert df["B03__coop_decentralisee"][0] and df["B03__soutien_acteurs"][0] and not df["B03__jumelage"][0]
    assert len(df) == 2 and df["B03__jumelage"].isna()[1]  # the id-only row is kept...
    assert _problems(res, "empty_response")[0]["cell"].endswith("3")  # ...and flagged
    assert set(res.report["unmapped"]) >= {"id", "lastpage", "startlanguage"}
    assert not _problems(res, "unmapped_column")  # tool columns are not warnings


def test_limesurvey_full_labels(tmp_path):
    rows = [
        ["Nom de la collectivité", "Type de collectivité", "Types d'actions menées [Jumelage]", "Types d'actions menées [Rayonnement culturel]"],
        ["Ville de Tours", "Commune", "Oui", ""],
    ]
    df = _one(ingest_file(_csv(tmp_path / "lime_labels.csv", rows), tmp_path))
    assert df["B03__jumelage"][0] and not df["B03__rayonnement_culturel"][0]


def test_kobo_semicolon_csv_space_separated_and_01_columns(tmp_path):
    rows = [
        ["_id", "_uuid", "_submission_time", "A_ident/A01", "A_ident/A02", "B_actions/B03", "B_actions/B06/asie", "B_actions/B06/maghreb"],
        ["17", "ab-12", "2025-03-04T10:22:33", "Ville de Brest", "commune", "coop_decentralisee ecsi", "1", "0"],
    ]
    res = ingest_file(_csv(tmp_path / "kobo.csv", rows, sep=";"), tmp_path)
    df = _one(res)
    assert res.report["layout"] == "kobo"
    assert df["B03__coop_decentralisee"][0] and df["B03__ecsi"][0] and not df["B03__jumelage"][0]
    assert df["B06__asie"][0] and not df["B06__maghreb"][0]
    assert df["A14"][0] == "2025-03-04"


def test_forms_multi_in_one_cell_with_commas_inside_labels(tmp_path):
    rows = [
        ["Horodateur", "Nom de la collectivité", "Thématiques des actions", "Types d'actions menées"],
        ["04/03/2025 10:00:00", "Ville d'Angers", "Climat, énergie et environnement, Santé", "Volontariat (VIES, VSI, service civique); Jumelage; Tourisme spatial"],
    ]
    res = ingest_file(_csv(tmp_path / "forms.csv", rows, encoding="utf-8-sig"), tmp_path)
    df = _one(res)
    assert res.report["layout"] == "forms"
    assert df["B07__climat"][0] and df["B07__sante"][0] and not df["B07__eau"][0]
    assert df["B03__volontariat"][0] and df["B03__jumelage"][0]
    unknown = _problems(res, "unknown_modality")
    assert unknown and "tourisme spatial" in unknown[0]["message_fr"].lower() and unknown[0]["cell"] == "D2"


def test_cp1252_semicolon_csv_and_ods(tmp_path):
    rows = [["Nom de la collectivité", "Région", "Budget consacré à l'action internationale en N-1 (euros)"], ["Département de l'Hérault", "Occitanie", "120 000"]]
    res = ingest_file(_csv(tmp_path / "herault.csv", rows, encoding="cp1252", sep=";"), tmp_path)
    df = _one(res)
    assert df["A01"][0] == "Département de l'Hérault" and df["C01"][0] == 120_000.0
    ods = tmp_path / "herault.ods"
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(ods, engine="odf", index=False)
    df2 = _one(ingest_file(ods, tmp_path))
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
    df = _one(res)
    assert res.report["status"] == "ingested" and res.report["format"] == "xls"
    assert res.report["sheet"] == "Données" and df["source_row"][0] == 4
    assert df["A01"][0] == "Ville de Tulle" and df["A02"][0] == "Commune"
    assert bool(df["B03__jumelage"][0]) and bool(df["B03__coop_decentralisee"][0]) and not bool(df["B03__ecsi"][0])
    assert df["C01"][0] == 12_000.0 and df["A14"][0] == "2025-03-14"


# --- problems ----------------------------------------------------------------------------------
def test_two_columns_claiming_one_question_is_an_error_naming_both_cells(tmp_path):
    rows = [["Nom de la collectivité", "Type de collectivité", "Budget", "Type de collectivité"], ["Ville de Nantes", "Commune", "10 000", "Métropole"]]
    res = ingest_file(_xlsx(tmp_path / "doublon.xlsx", {"R": rows}), tmp_path)
    dup = _problems(res, "duplicate_column")
    assert res.report["status"] == "partial"
    assert {p["cell"] for p in dup} == {"B1", "D1"}
    assert "B1" in dup[0]["message_fr"] and "D1" in dup[0]["message_fr"]
    df = _one(res)
    assert df["A02"].isna()[0] and df["C01"][0] == 10_000.0  # no guess, the rest of the row kept


def test_bad_number_is_an_error_on_the_cell_and_the_row_is_kept(tmp_path):
    rows = [["A01", "C01", "D02"], ["Ville de Metz", "beaucoup", "entre 2 et 3"], ["Ville de Nancy", "5 000", "0,5"]]
    res = ingest_file(_xlsx(tmp_path / "n.xlsx", {"R": rows}), tmp_path)
    df = _one(res)
    bad = _problems(res, "bad_number")
    assert [p["cell"] for p in bad] == ["B2", "C2"]
    assert all(p["severity"] == "error" for p in bad)
    assert res.report["status"] == "partial"
    assert len(df) == 2 and pd.isna(df["C01"][0]) and df["A01"][0] == "Ville de Metz" and df["D02"][1] == 0.5


def test_unknown_modality_kept_as_typed_with_warning_and_no_answer_tokens(tmp_path):
    rows = [["A01", "A02", "A09", "C01", "A14"], ["Ville de Caen", "Pôle métropolitain", "NSP", "NSP", "#DIV/0!"]]
    res = ingest_file(_xlsx(tmp_path / "u.xlsx", {"R": rows}), tmp_path)
    df = _one(res)
    assert df["A02"][0] == "Pôle métropolitain"
    assert _problems(res, "unknown_modality")[0]["cell"] == "B2"
    assert df["A09"][0] == "Ne sait pas"  # a modality of A09, not "no answer"
    assert pd.isna(df["C01"][0]) and not _problems(res, "bad_number")
    assert _problems(res, "excel_error")[0]["cell"] == "E2"
    assert res.report["status"] == "ingested"


def test_unmapped_header_is_listed_with_a_warning(tmp_path):
    rows = [["A01", "A02", "Couleur préférée"], ["Ville de Lille", "Commune", "bleu"]]
    res = ingest_file(_xlsx(tmp_path / "x.xlsx", {"R": rows}), tmp_path)
    assert res.report["unmapped"] == ["Couleur préférée"]
    warn = _problems(res, "unmapped_column")[0]
    assert warn["cell"] == "C1" and warn["severity"] == "warning"
    assert res.report["mapped"] == {"A01": "A01", "A02": "A02"}


def test_unrecognised_sheet_is_rejected(tmp_path):
    res = ingest_file(_xlsx(tmp_path / "budget.xlsx", {"S": [["Poste", "Montant"], ["Loyer", 500]]}), tmp_path)
    assert res.report["status"] == "rejected" and res.records == []
    assert "questionnaire" in res.report["problems"][0]["message_fr"]


# --- wave --------------------------------------------------------------------------------------
def test_broken_files_are_rejected_and_the_others_still_ingested(tmp_path):
    wave = tmp_path / "wave"
    (wave / "sub").mkdir(parents=True)
    _xlsx(wave / "sub" / "bon.xlsx", {"R": [["A01", "A02"], ["Ville de Rennes", "Commune"]]})
    _csv(wave / "bon.csv", [["A01", "A02"], ["Ville de Vannes", "Commune"]])
    (wave / "vide.xlsx").write_bytes(b"")
    (wave / "page.xls").write_text("<html><body>erreur</body></html>")
    (wave / "protege.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "EncryptedPackage".encode("utf-16-le"))
    (wave / "abime.xlsx").write_bytes(b"PK\x03\x04garbage")
    (wave / "~$bon.xlsx").write_bytes(b"lock")
    frame, report = ingest_wave(wave)
    status = {f["file"]: f["status"] for f in report["files"]}
    assert status == {
        "abime.xlsx": "rejected", "bon.csv": "ingested", "page.xls": "rejected",
        "protege.xlsx": "rejected", "sub/bon.xlsx": "ingested", "vide.xlsx": "rejected",
    }
    assert sorted(frame["A01"]) == ["Ville de Rennes", "Ville de Vannes"]
    assert report["totals"]["rejected"] == 4 and report["totals"]["rows_read"] == 2
    for f in report["files"]:
        if f["status"] == "rejected":
            assert f["problems"] and f["problems"][0]["file"] == f["file"] and f["problems"][0]["message_fr"]
    assert frame["source_file"].tolist() == ["bon.csv", "sub/bon.xlsx"]
    assert list(frame.columns[1 : 1 + len(CB.columns)]) == list(CB.columns)


def test_stage_writes_typed_parquet_and_deterministic_report(tmp_path, capsys):
    wave = tmp_path / "wave"
    wave.mkdir()
    _xlsx(wave / "a.xlsx", {"R": [["A01", "A02", "B03__jumelage", "C01"], ["Ville de Dax", "Commune", "Oui", "1 000"]]})
    params = write_params(tmp_path / "params.yaml", ingest={"fuzzy_threshold": 90, "max_header_scan_rows": 20})
    out = tmp_path / "out"
    assert main(["--params", str(params), "--wave", str(wave), "--out", str(out)]) == 0
    assert "1 intégré(s)" in capsys.readouterr().out
    df = pd.read_parquet(out / "responses.parquet")
    assert str(df["B03__jumelage"].dtype) == "boolean" and df["C01"].dtype == "float64"
    assert str(df["source_row"].dtype) == "Int64" and df["source_row"][0] == 2
    first = (out / "ingest_report.json").read_text(encoding="utf-8")
    assert "intégré" not in first or True
    main(["--params", str(params), "--wave", str(wave), "--out", str(out)])
    assert (out / "ingest_report.json").read_text(encoding="utf-8") == first
    assert json.loads(first)["files"][0]["mapped"]["B03__jumelage"] == "B03__jumelage"


def test_params_block_is_typed():
    p = defaults(IngestParams)
    assert p.fuzzy_threshold == 88.0 and p.max_header_scan_rows == 30


# --- home-made variants ------------------------------------------------------------------------
def test_two_level_header_with_merged_multi_label_and_modalities_below(tmp_path):
    path = tmp_path / "deux_niveaux.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Nom de la collectivité", "Types d'actions menées", None, None, "Budget"])
    ws.append([None, "Jumelage", "ECSI", "Coopération décentralisée", None])
    ws.append(["Ville de Niort", "X", None, "X", "8 000"])
    ws.merge_cells("B1:D1")
    wb.save(path)
    res = ingest_file(path, tmp_path)
    df = _one(res)
    assert res.report["header_row"] == 2 and len(df) == 1
    assert df["B03__jumelage"][0] and df["B03__coop_decentralisee"][0] and not df["B03__ecsi"][0]
    assert df["C01"][0] == 8000.0
    assert json.loads(df["source_cells"][0])["B03__ecsi"] == "C3"


def test_vertical_form_with_modality_rows_under_the_question(tmp_path):
    rows = [
        ["Question", "Réponse", "Aide"],
        ["Nom de la collectivité", "Ville de Sète", "nom officiel"],
        ["Zones géographiques des partenaires", None, "cochez"],
        ["Maghreb", "x", "aide"],
        ["Asie", None, "aide"],
        ["Couleur du logo", "bleu", "aide"],
    ]
    res = ingest_file(_xlsx(tmp_path / "sete.xlsx", {"Fiche": rows}), tmp_path)
    df = _one(res)
    assert df["B06__maghreb"][0] and not df["B06__asie"][0]
    assert res.report["unmapped"] == ["Couleur du logo"]
    assert _problems(res, "unmapped_column")[0]["cell"] == "A6"  # the lost answer is pointed at


def test_sheet_with_answers_preferred_over_a_questions_only_sheet(tmp_path):
    questions = [["Nom de la collectivité"], ["Type de collectivité"], ["Nombre d'habitants"]]
    answers = [["Nom de la collectivité", "Type de collectivité"], ["Ville de Laval", "Commune"]]
    res = ingest_file(_xlsx(tmp_path / "q.xlsx", {"Questionnaire": questions, "Saisie": answers}), tmp_path)
    assert res.report["sheet"] == "Saisie" and _one(res)["A01"][0] == "Ville de Laval"


def test_csv_with_excel_sep_line_and_a_total_row(tmp_path):
    path = tmp_path / "synthese.csv"
    path.write_text("sep=;\nNom de la collectivité;Budget\nExemple : Ville de X;100\nVille de Blois;1 000\nTotal;1 000\n", encoding="cp1252")
    res = ingest_file(path, tmp_path)
    df = _one(res)
    assert df["A01"].tolist() == ["Ville de Blois"] and df["source_row"].tolist() == [3]  # as Excel shows it
    assert [p["cell"] for p in _problems(res, "skipped_row")] == ["A2", "A4"]


# --- robustness ----------------------------------------------------------------------------------
from conftest import write_params
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pipeline.domain.params import defaults
from pipeline.ingest.readers import Sheet, Workbook  # noqa: E402
from pipeline.ingest.wave import ingest_workbook  # noqa: E402

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


def test_an_internal_error_on_one_file_does_not_cost_the_wave(tmp_path, monkeypatch):
    wave = tmp_path / "w"
    wave.mkdir()
    _xlsx(wave / "a.xlsx", {"R": [["A01", "A02"], ["Ville d'Albi", "Commune"]]})
    _xlsx(wave / "b.xlsx", {"R": [["A01", "A02"], ["Ville de Rodez", "Commune"]]})
    import pipeline.ingest.wave as ingest_module

    real = ingest_module.ingest_file

    def flaky(path, *args, **kwargs):
        if path.name == "b.xlsx":
            raise RuntimeError("boom")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(ingest_module, "ingest_file", flaky)
    frame, report = ingest_wave(wave)
    assert frame["A01"].tolist() == ["Ville d'Albi"]
    assert report["files"][1]["status"] == "rejected" and report["files"][1]["problems"][0]["code"] == "internal_error"


def test_vertical_consolidation_with_one_column_per_collectivite(tmp_path):
    rows = [
        ["Synthèse du réseau"],
        ["Question", "Ville de Foix", "Ville de Pamiers", "Ville de Lavelanet"],
        ["Nom de la collectivité", "Ville de Foix", "Ville de Pamiers", "Ville de Lavelanet"],
        ["Type de collectivité", "Commune", "Commune", None],
        ["Nombre d'habitants", "9 600", "15 700", "6 000"],
    ]
    res = ingest_file(_xlsx(tmp_path / "ariege.xlsx", {"Synthèse": rows}), tmp_path)
    df = _one(res)
    assert df["A01"].tolist() == ["Ville de Foix", "Ville de Pamiers", "Ville de Lavelanet"]
    assert df["source_range"].tolist() == ["B3:B5", "C3:C5", "D3:D5"]
    assert df["A07"].tolist() == [9600.0, 15700.0, 6000.0]
    assert df["response_id"].is_unique


def test_multi_in_one_cell_non_means_nothing_ticked_and_blank_means_unanswered(tmp_path):
    rows = [["A01", "Zones géographiques des partenaires"], ["Ville A", "Non"], ["Ville B", None], ["Ville C", "NSP"]]
    df = _one(ingest_file(_xlsx(tmp_path / "m.xlsx", {"R": rows}), tmp_path))
    assert df["B06__asie"].tolist()[0] is False or not df["B06__asie"][0]
    assert df["B06__asie"].isna().tolist() == [False, True, True]


def test_a_second_sheet_of_answers_is_reported_not_silently_dropped(tmp_path):
    sheets = {
        "Communes": [["Nom de la collectivité", "Type de collectivité", "Budget"], ["Ville de Mende", "Commune", "500"], ["Ville de Marvejols", "Commune", "300"]],
        "EPCI": [["Nom de la collectivité", "Type de collectivité"], ["CC du Gévaudan", "CC"]],
    }
    res = ingest_file(_xlsx(tmp_path / "lozere.xlsx", sheets), tmp_path)
    assert res.report["sheet"] == "Communes" and res.report["rows_read"] == 2
    other = _problems(res, "other_sheet_ignored")
    assert other and other[0]["sheet"] == "EPCI" and "EPCI" in other[0]["message_fr"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_one_cell_multi_split_never_crashes_and_names_real_modalities(text):
    from pipeline.ingest.wave import ValueReader

    reader = ValueReader(CB, 88.0)
    q = CB["B07"]
    slugs, leftovers = reader.split_multi(q, text)
    assert slugs <= {m.slug for m in q.modalities}
    assert all(isinstance(x, str) and x for x in leftovers)


def test_greedy_split_keeps_commas_inside_labels():
    from pipeline.ingest.wave import ValueReader

    reader = ValueReader(CB, 88.0)
    slugs, leftovers = reader.split_multi(CB["B07"], "Eau et assainissement, Climat, énergie et environnement")
    assert slugs == {"eau", "climat"} and leftovers == ()
    slugs, leftovers = reader.split_multi(CB["B03"], "Volontariat (VIES, VSI, service civique), ECSI et aide humanitaire")
    assert slugs == {"volontariat", "ecsi", "urgence"} and leftovers == ()


def test_row_of_no_answer_tokens_is_kept_and_flagged(tmp_path):
    rows = [["A01", "A02", "C01"], ["-", "NSP", "n/a"], ["Ville d'Auch", "Commune", ""]]
    res = ingest_file(_xlsx(tmp_path / "vides.xlsx", {"R": rows}), tmp_path)
    df = _one(res)
    assert len(df) == 2 and df["A01"].isna()[0]
    assert [p["cell"] for p in _problems(res, "empty_response")] == ["A2:C2"]
