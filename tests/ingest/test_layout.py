"""Layouts: where the answers are (header row, sheet, orientation) and which layout a file is."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
from support.spreadsheets import frame_of, problems_of, write_csv, write_xlsx

from pipeline.ingest.files import ingest_file


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
    res = ingest_file(write_xlsx(tmp_path / "reseau.xlsx", {"Feuil1": rows}), tmp_path)
    df = frame_of(res)
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
    res = ingest_file(write_xlsx(tmp_path / "f.xlsx", {"Instructions": instructions, "Réponses": answers}), tmp_path)
    df = frame_of(res)
    assert res.report["sheet"] == "Réponses"
    assert df["C01"][0] == 1_500_000.0
    assert df["A02"][0] == "Département"


def test_sheet_with_answers_preferred_over_a_questions_only_sheet(tmp_path):
    questions = [["Nom de la collectivité"], ["Type de collectivité"], ["Nombre d'habitants"]]
    answers = [["Nom de la collectivité", "Type de collectivité"], ["Ville de Laval", "Commune"]]
    res = ingest_file(write_xlsx(tmp_path / "q.xlsx", {"Questionnaire": questions, "Saisie": answers}), tmp_path)
    assert res.report["sheet"] == "Saisie" and frame_of(res)["A01"][0] == "Ville de Laval"


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
    df = frame_of(res)
    assert res.report["layout"] == "template_horizontal" and res.report["status"] == "ingested"
    assert bool(df["B03__jumelage"][0]) is True and bool(df["B03__ecsi"][0]) is False
    assert bool(df["B03__urgence"][0]) is False  # answered question: blank = not ticked
    assert df["B06__asie"].isna().all()  # unanswered question stays <NA>
    assert df["D02"][0] == 1.5


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
    df = frame_of(res)
    assert res.report["header_row"] == 2 and len(df) == 1
    assert df["B03__jumelage"][0] and df["B03__coop_decentralisee"][0] and not df["B03__ecsi"][0]
    assert df["C01"][0] == 8000.0
    assert json.loads(df["source_cells"][0])["B03__ecsi"] == "C3"



# --- vertical ----------------------------------------------------------------------------------
def test_vertical_form_with_code_label_and_answer_columns(tmp_path):
    rows = [
        ["Questionnaire ACTER"],
        ["Code", "Question", "Réponse"],
        ["A01", "Nom de la collectivité", "Commune de Die"],
        ["A02", "Type de collectivité", "Commune"],
        ["A07", "Nombre d'habitants", "4 500"],
        ["B03", "Types d'actions menées", "Jumelage, Volontariat (VIES, VSI, service civique)"],
    ]
    res = ingest_file(write_xlsx(tmp_path / "die.xlsx", {"Questionnaire": rows}), tmp_path)
    df = frame_of(res)
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
    df = frame_of(res)
    assert res.report["layout"] == "template_vertical"
    assert df["A02"][0] == "Région" and df["C01"][0] == 2_500_000.0
    assert bool(df["B06__asie"][0]) and not df["B06__maghreb"][0]


def test_vertical_form_with_modality_rows_under_the_question(tmp_path):
    rows = [
        ["Question", "Réponse", "Aide"],
        ["Nom de la collectivité", "Ville de Sète", "nom officiel"],
        ["Zones géographiques des partenaires", None, "cochez"],
        ["Maghreb", "x", "aide"],
        ["Asie", None, "aide"],
        ["Couleur du logo", "bleu", "aide"],
    ]
    res = ingest_file(write_xlsx(tmp_path / "sete.xlsx", {"Fiche": rows}), tmp_path)
    df = frame_of(res)
    assert df["B06__maghreb"][0] and not df["B06__asie"][0]
    assert res.report["unmapped"] == ["Couleur du logo"]
    assert problems_of(res, "unmapped_column")[0]["cell"] == "A6"  # the lost answer is pointed at


def test_vertical_consolidation_with_one_column_per_collectivite(tmp_path):
    rows = [
        ["Synthèse du réseau"],
        ["Question", "Ville de Foix", "Ville de Pamiers", "Ville de Lavelanet"],
        ["Nom de la collectivité", "Ville de Foix", "Ville de Pamiers", "Ville de Lavelanet"],
        ["Type de collectivité", "Commune", "Commune", None],
        ["Nombre d'habitants", "9 600", "15 700", "6 000"],
    ]
    res = ingest_file(write_xlsx(tmp_path / "ariege.xlsx", {"Synthèse": rows}), tmp_path)
    df = frame_of(res)
    assert df["A01"].tolist() == ["Ville de Foix", "Ville de Pamiers", "Ville de Lavelanet"]
    assert df["source_range"].tolist() == ["B3:B5", "C3:C5", "D3:D5"]
    assert df["A07"].tolist() == [9600.0, 15700.0, 6000.0]
    assert df["response_id"].is_unique



# --- survey tools ------------------------------------------------------------------------------
def test_limesurvey_codes_y_and_incomplete_response(tmp_path):
    header = ["id", "submitdate", "lastpage", "startlanguage", "A01", "A02", "B03[SQ001]", "B03[SQ002]", "B03[SQ003]"]
    rows = [
        header,
        ["1", "2025-03-04 10:22:33", "5", "fr", "Ville de Pau", "Commune", "Y", "", "Y"],
        ["2", "", "", "fr", "", "", "", "", ""],
    ]
    res = ingest_file(write_csv(tmp_path / "lime.csv", rows), tmp_path)
    df = frame_of(res)
    assert res.report["layout"] == "limesurvey"
    assert df["A14"][0] == "2025-03-04"  # submitdate feeds the response date
    assert df["B03__coop_decentralisee"][0] and df["B03__soutien_acteurs"][0] and not df["B03__jumelage"][0]
    assert len(df) == 2 and df["B03__jumelage"].isna()[1]  # the id-only row is kept...
    assert problems_of(res, "empty_response")[0]["cell"].endswith("3")  # ...and flagged
    assert set(res.report["unmapped"]) >= {"id", "lastpage", "startlanguage"}
    assert not problems_of(res, "unmapped_column")  # tool columns are not warnings


def test_limesurvey_full_labels(tmp_path):
    rows = [
        ["Nom de la collectivité", "Type de collectivité", "Types d'actions menées [Jumelage]", "Types d'actions menées [Rayonnement culturel]"],
        ["Ville de Tours", "Commune", "Oui", ""],
    ]
    df = frame_of(ingest_file(write_csv(tmp_path / "lime_labels.csv", rows), tmp_path))
    assert df["B03__jumelage"][0] and not df["B03__rayonnement_culturel"][0]


def test_kobo_semicolon_csv_space_separated_and_01_columns(tmp_path):
    rows = [
        ["_id", "_uuid", "_submission_time", "A_ident/A01", "A_ident/A02", "B_actions/B03", "B_actions/B06/asie", "B_actions/B06/maghreb"],
        ["17", "ab-12", "2025-03-04T10:22:33", "Ville de Brest", "commune", "coop_decentralisee ecsi", "1", "0"],
    ]
    res = ingest_file(write_csv(tmp_path / "kobo.csv", rows, sep=";"), tmp_path)
    df = frame_of(res)
    assert res.report["layout"] == "kobo"
    assert df["B03__coop_decentralisee"][0] and df["B03__ecsi"][0] and not df["B03__jumelage"][0]
    assert df["B06__asie"][0] and not df["B06__maghreb"][0]
    assert df["A14"][0] == "2025-03-04"


def test_forms_multi_in_one_cell_with_commas_inside_labels(tmp_path):
    rows = [
        ["Horodateur", "Nom de la collectivité", "Thématiques des actions", "Types d'actions menées"],
        ["04/03/2025 10:00:00", "Ville d'Angers", "Climat, énergie et environnement, Santé", "Volontariat (VIES, VSI, service civique); Jumelage; Tourisme spatial"],
    ]
    res = ingest_file(write_csv(tmp_path / "forms.csv", rows, encoding="utf-8-sig"), tmp_path)
    df = frame_of(res)
    assert res.report["layout"] == "forms"
    assert df["B07__climat"][0] and df["B07__sante"][0] and not df["B07__eau"][0]
    assert df["B03__volontariat"][0] and df["B03__jumelage"][0]
    unknown = problems_of(res, "unknown_modality")
    assert unknown and "tourisme spatial" in unknown[0]["message_fr"].lower() and unknown[0]["cell"] == "D2"



# --- options as rows or columns ----------------------------------------------------------------
def test_vertical_form_with_option_rows_under_a_merged_question_and_a_choix_heading(tmp_path):
    rows = [
        ["Fiche ACTER 2025"],
        ["Question", "Choix", "Réponse"],
        ["Nom de la collectivité", None, "Ville de Sète"],
        ["Type de collectivité", "Commune", "X"],
        [None, "Communauté de communes", None],
        [None, "Département", None],
        ["Types d'actions menées", "Coopération décentralisée", "x"],
        [None, "Jumelage", None],
        [None, "Attractivité éco.", "✓"],
        [None, "Aide d'urgence", "oui"],
        ["Existe-t-il une ligne budgétaire dédiée ?", "Oui", None],
        [None, "Non", 1],
        ["Nombre d'habitants", None, "44 000"],
    ]
    path = write_xlsx(tmp_path / "sete.xlsx", {"Fiche": rows}, merged=("A4:A6", "A7:A10", "A11:A12"))
    res = ingest_file(path, tmp_path)
    df = frame_of(res)
    assert len(df) == 1 and res.report["status"] == "ingested"  # « Choix » is no second respondent
    assert df["A02"][0] == "Commune" and df["C02"][0] == "Non" and df["A07"][0] == 44000.0
    ticked = {c.split("__")[1] for c in df.columns if c.startswith("B03__") and df[c][0]}
    assert ticked == {"coop_decentralisee", "attractivite", "urgence"}
    assert not df["B03__jumelage"][0]
    cells = json.loads(df["source_cells"][0])
    assert cells["B03__attractivite"] == "C9" and cells["A02"] == "C4"


def test_two_marks_on_a_one_choice_question_are_an_error_not_a_guess(tmp_path):
    rows = [
        ["Question", "Choix", "Réponse"],
        ["Nom de la collectivité", None, "Ville de Sète"],
        ["Type de collectivité", "Commune", "X"],
        [None, "Communauté de communes", "X"],
        [None, "Département", None],
        ["Types d'actions menées", "Jumelage", "X"],
        [None, "Coopération décentralisée", None],
    ]
    res = ingest_file(write_xlsx(tmp_path / "sete.xlsx", {"Fiche": rows}), tmp_path)
    df = frame_of(res)
    assert pd.isna(df["A02"][0]) and res.report["status"] == "partial"
    assert [p["cell"] for p in problems_of(res, "several_options")] == ["C3", "C4"]


def test_cross_grid_with_abbreviated_option_headers_under_merged_questions(tmp_path):
    rows = [
        ["Nom de la collectivité", "Types d'actions menées", None, None, "Zones géographiques des partenaires", None, None],
        [None, "Coop. décentralisée", "Attractivité éco.", "Rel. consulaires", "Afrique subsah.", "Maghreb", "Europe"],
        ["Ville de Niort", "X", None, "X", "x", None, "x"],
        ["CA du Niortais", None, "X", None, None, "X", None],
    ]
    path = write_xlsx(tmp_path / "grille.xlsx", {"R": rows}, merged=("B1:D1", "E1:G1"))
    res = ingest_file(path, tmp_path)
    df = frame_of(res)
    assert df["B03__coop_decentralisee"].tolist() == [True, False] and df["B03__attractivite"].tolist() == [False, True]
    assert df["B03__relations_consulaires"].tolist() == [True, False]
    assert df["B06__afrique_subsaharienne"].tolist() == [True, False] and df["B06__maghreb"].tolist() == [False, True]
    ambiguous = problems_of(res, "ambiguous_option")  # « Europe »: Union européenne or Europe hors UE
    assert [p["cell"] for p in ambiguous] == ["G2"] and "Union européenne" in ambiguous[0]["message_fr"]
    assert res.report["status"] == "partial"


def test_one_choice_question_as_option_columns(tmp_path):
    rows = [
        ["Nom de la collectivité", "Existe-t-il une ligne budgétaire dédiée ?", None, "Évolution prévue du budget sur trois ans", None, None],
        [None, "Oui", "Non", "Hausse", "Stabilité", "Baisse"],
        ["Ville de Niort", "X", None, None, "X", None],
    ]
    res = ingest_file(write_xlsx(tmp_path / "grille.xlsx", {"R": rows}, merged=("B1:C1", "D1:F1")), tmp_path)
    df = frame_of(res)
    assert df["C02"][0] == "Oui" and df["F03"][0] == "Stabilité"
