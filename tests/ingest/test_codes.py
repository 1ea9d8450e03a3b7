"""Answer codes: decoded from the file's codes sheet, the tool's convention or the codebook's order
when the export says so; never kept as an answer."""

from __future__ import annotations

import pandas as pd
from support.spreadsheets import frame_of, problems_of, write_csv, write_xlsx

from pipeline.domain.codebook import load_codebook
from pipeline.ingest.codes import AnswerCodes, CodeTable, decode, find_code_table
from pipeline.ingest.files import ingest_file
from pipeline.ingest.matching import matcher_for
from pipeline.ingest.readers import Sheet
from pipeline.ingest.values import reader_for

CB = load_codebook()
LIME = ["id", "submitdate", "lastpage", "startlanguage", "A01", "A02", "C02", "D01", "B03[SQ001]", "B03[SQ002]"]


def test_limesurvey_answer_codes_decoded_from_the_codes_sheet(tmp_path):
    answers = [LIME,
               ["1", "2025-03-04 10:22:33", "6", "fr", "Ville de Pau", "A8", "Y", "A2", "Y", ""],
               ["2", "2025-03-05 11:00:00", "6", "fr", "CA du Pays Basque", "A6", "N", "A9", "", "Y"]]
    codes = [["Code question", "Code réponse", "Libellé"],
             ["A02", "A6", "Communauté d'agglomération"], ["", "A8", "Commune"], ["", "A1", "Région"],
             ["D01", "A1", "Direction ou service dédié"], ["", "A2", "Mission rattachée au cabinet ou à la direction générale"]]
    res = ingest_file(write_xlsx(tmp_path / "results-survey123.xlsx", {"results": answers, "Codes": codes}), tmp_path)
    df = frame_of(res)
    assert res.report["layout"] == "limesurvey" and len(df) == 2
    assert df["A02"].tolist() == ["Commune", "Communauté d'agglomération"]
    assert df["C02"].tolist() == ["Oui", "Non"]
    assert df["D01"][0] == "Mission rattachée au cabinet ou à la direction générale"
    assert pd.isna(df["D01"][1])  # A9 is no code of the sheet: an error on its cell, never the answer
    bad = problems_of(res, "undecodable_code")
    assert [(p["cell"], p["severity"]) for p in bad] == [("H3", "error")] and "Codes" in bad[0]["message_fr"]
    assert res.report["status"] == "partial"
    sheets = {s["sheet"]: s for s in res.report["sheets"]}
    assert sheets["Codes"]["status"] == "codes" and sheets["results"]["rows_read"] == 2
    assert problems_of(res, "codes_decoded")[0]["severity"] == "info"


def test_limesurvey_codes_without_a_codes_sheet_follow_the_tool_convention(tmp_path):
    rows = [LIME, ["1", "2025-03-04 10:22:33", "6", "fr", "Ville de Pau", "AO08", "Y", "A1", "Y", ""],
            ["2", "2025-03-04 10:22:33", "6", "fr", "Ville d'Oloron", "A12", "Y", "A1", "Y", ""]]
    res = ingest_file(write_csv(tmp_path / "results-survey123.csv", rows), tmp_path)
    df = frame_of(res)
    assert df["A02"].tolist()[0] == "Commune" and df["D01"][0] == "Direction ou service dédié"
    assert pd.isna(df["A02"][1])  # 12 answers? A02 has 9
    assert "dépasse" in problems_of(res, "undecodable_code")[0]["message_fr"]
    assert "LimeSurvey" in problems_of(res, "codes_decoded")[0]["message_fr"]


def test_a_code_outside_a_survey_export_is_never_kept(tmp_path):
    rows = [["Nom de la collectivité", "Type de collectivité"], ["Ville de Pau", "A8"]]
    res = ingest_file(write_xlsx(tmp_path / "pau.xlsx", {"R": rows}), tmp_path)
    assert pd.isna(frame_of(res)["A02"][0])
    assert problems_of(res, "undecodable_code")[0]["cell"] == "B2" and res.report["status"] == "partial"


def test_numbers_in_a_column_said_to_hold_codes_follow_the_codebook_order(tmp_path):
    rows = [["Nom de la collectivité", "Type de collectivité (code)", "Zones géographiques des partenaires (codes)"],
            ["Ville de Pau", 8, "1;7"], ["Département du Gers", "2", "3"]]
    res = ingest_file(write_xlsx(tmp_path / "sphinx.xlsx", {"Données": rows}), tmp_path)
    df = frame_of(res)
    assert df["A02"].tolist() == ["Commune", "Département"]
    assert df["B06__afrique_subsaharienne"].tolist() == [True, False] and df["B06__asie"].tolist() == [True, False]
    assert df["B06__moyen_orient"].tolist() == [False, True]


def test_codes_sheet_in_limesurvey_survey_structure_form():
    rows = [["class", "type/scale", "name", "relevance", "text"],
            ["Q", "L", "A02", "1", "Type de collectivité"],
            ["A", "0", "A1", "", "Région"], ["A", "0", "A2", "", "Département"], ["A", "0", "A8", "", "Commune"],
            ["Q", "Y", "C02", "1", "Existe-t-il une ligne budgétaire dédiée ?"]]
    matcher = matcher_for(CB)
    table = find_code_table(Sheet("Structure", rows), matcher, reader_for(CB, 88.0).slug_of)
    assert table is not None and table.codes == {"A02": {"a1": "region", "a2": "departement", "a8": "commune"}}


def test_an_answer_sheet_is_no_codes_sheet():
    rows = [["Nom de la collectivité", "Type de collectivité", "Région"], ["Ville de Pau", "Commune", "Nouvelle-Aquitaine"]]
    vertical = [["A02 - Type de collectivité", "Commune", "Choix dans la liste"], ["A05 - Région", "Occitanie", ""],
                ["A09 - Adhérente du RRMA", "Oui", ""], ["C02 - Ligne dédiée", "Non", ""]]
    matcher, reader = matcher_for(CB), reader_for(CB, 88.0)
    assert find_code_table(Sheet("R", rows), matcher, reader.slug_of) is None
    assert find_code_table(Sheet("V", vertical), matcher, reader.slug_of) is None


def test_decode_rules():
    q = CB["A02"]
    table = AnswerCodes([CodeTable("Codes", {"A02": {"x1": "commune"}})], tool="")
    assert decode(q, "X1", table, False).slug == "commune"
    assert decode(q, "Commune", table, False) is None  # a label: not a code
    assert decode(q, "A3", table, False).problem  # defined codes exist for A02, A3 is not one
    assert decode(q, "A3", AnswerCodes(tool="limesurvey"), False).slug == "statut_particulier"
    assert decode(q, "3", AnswerCodes(), True).slug == "statut_particulier"
    assert decode(q, "3", AnswerCodes(), False) is None
