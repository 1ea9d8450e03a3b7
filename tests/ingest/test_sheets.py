"""Files holding many collectivités: every sheet and block of answers read, hidden and stale data
and summary rows set apart with a note, each sheet listed in the report with what became of it."""

from __future__ import annotations

from support.spreadsheets import frame_of, problems_of, write_xlsx

from pipeline.ingest.files import ingest_file


def _form(name: str, siren: str, population: object, extra: list[list[object]] = ()) -> list[list[object]]:
    return [
        [f"Fiche ACTER — {name}"],
        ["Question", "Réponse"],
        ["Nom de la collectivité", name],
        ["Numéro SIREN", siren],
        ["Type de collectivité", "Commune"],
        ["Nombre d'habitants", population],
        ["Types d'actions menées", "Jumelage, Coopération décentralisée"],
        *extra,
    ]


def _sheets(res) -> list[tuple[str, str, str, int]]:
    return [(s["sheet"], s["status"], s["reason"], s["rows_read"]) for s in res.report["sheets"]]


# --- several sheets ------------------------------------------------------------------------------
def test_one_collectivite_per_sheet_every_sheet_read(tmp_path):
    sheets = {
        "Sommaire": [["Onglet", "Collectivité", "Reçu le"], ["Foix", "Ville de Foix", "03/03/2025"]],
        "Foix": _form("Ville de Foix", "210900152", 9600),
        "Pamiers": _form("Ville de Pamiers", "210902257", "15 700"),
        "Lavelanet": _form("Ville de Lavelanet", "210901606", 6000),
    }
    res = ingest_file(write_xlsx(tmp_path / "reseau.xlsx", sheets), tmp_path)
    df = frame_of(res)
    assert res.report["status"] == "ingested" and res.report["layout"] == "vertical"
    assert df["A01"].tolist() == ["Ville de Foix", "Ville de Pamiers", "Ville de Lavelanet"]
    assert df["source_sheet"].tolist() == ["Foix", "Pamiers", "Lavelanet"]
    assert df["A07"].tolist() == [9600.0, 15700.0, 6000.0] and df["B03__jumelage"].all()
    assert _sheets(res) == [("Sommaire", "skipped", "no_question", 0), ("Foix", "read", "", 1),
                            ("Pamiers", "read", "", 1), ("Lavelanet", "read", "", 1)]
    assert res.report["sheet"] == "Foix" and res.report["sheets"][1]["layout"] == "vertical"


def test_a_sheet_that_looks_like_answers_but_is_not_read_makes_the_file_partial(tmp_path):
    odd = [["Question", "Réponse"], ["Nom de la collectivité", "Ville de Mirepoix"], ["Numéro SIREN", "210901937"],
           ["Couleur", "bleu"], ["Devise", "Liberté"]]
    sheets = {"Foix": _form("Ville de Foix", "210900152", 9600), "Mirepoix": odd}
    res = ingest_file(write_xlsx(tmp_path / "reseau.xlsx", sheets), tmp_path)
    assert res.report["status"] == "partial" and res.report["rows_read"] == 1
    problem = problems_of(res, "sheet_not_read")[0]
    assert problem["sheet"] == "Mirepoix" and "Mirepoix" in problem["message_fr"] and problem["severity"] == "error"
    assert _sheets(res)[1] == ("Mirepoix", "not_read", "few_questions", 0)


def test_a_hidden_copy_of_a_sheet_is_skipped_with_a_note(tmp_path):
    sheets = {"Foix": _form("Ville de Foix", "210900152", 9600), "Foix (2024)": _form("Ville de Foix", "210900152", 9400)}
    res = ingest_file(write_xlsx(tmp_path / "foix.xlsx", sheets, hidden=("Foix (2024)",)), tmp_path)
    df = frame_of(res)
    assert df["A07"].tolist() == [9600.0] and res.report["status"] == "ingested"
    assert [p["sheet"] for p in problems_of(res, "hidden_sheet_skipped")] == ["Foix (2024)"]
    assert res.report["sheets"][1]["hidden"] and _sheets(res)[1] == ("Foix (2024)", "skipped", "hidden", 0)


def test_two_tables_one_under_the_other_in_one_sheet(tmp_path):
    rows = [
        ["Communes"],
        ["Nom de la collectivité", "Numéro SIREN", "Nombre d'habitants"],
        ["Ville de Foix", "210900152", 9600],
        ["Ville de Pamiers", "210902257", 15700],
        [],
        ["Intercommunalités"],
        ["Nom de la collectivité", "Numéro SIREN", "Type de collectivité", "Nombre d'habitants"],
        ["CC du Pays de Foix-Varilhes", "200066223", "CC", 33000],
    ]
    res = ingest_file(write_xlsx(tmp_path / "ariege.xlsx", {"Réponses": rows}), tmp_path)
    df = frame_of(res)
    assert df["A01"].tolist() == ["Ville de Foix", "Ville de Pamiers", "CC du Pays de Foix-Varilhes"]
    assert df["A02"].tolist()[2] == "Communauté de communes" and df["source_row"].tolist() == [3, 4, 8]
    assert res.report["sheets"][0]["blocks"] == 2 and res.report["status"] == "ingested"


def test_forms_one_under_the_other_in_one_sheet(tmp_path):
    rows = _form("Ville de Foix", "210900152", 9600) + [[]] + _form("Ville de Pamiers", "210902257", 15700)
    res = ingest_file(write_xlsx(tmp_path / "fiches.xlsx", {"Fiches": rows}), tmp_path)
    df = frame_of(res)
    assert df["A01"].tolist() == ["Ville de Foix", "Ville de Pamiers"]
    assert df["source_range"].tolist() == ["B3:B7", "B11:B15"] and df["response_id"].is_unique


# --- hidden and stale data -----------------------------------------------------------------------
def test_hidden_reminder_column_of_a_vertical_form_is_not_a_second_respondent(tmp_path):
    rows = [["Question", "Réponse 2025", "Rappel 2024"]] + [r + [r[1]] for r in _form("Ville de Foix", "210900152", 9600)[2:]]
    rows[4][2] = 9400
    res = ingest_file(write_xlsx(tmp_path / "foix.xlsx", {"Fiche": rows}, hidden_cols=("C",)), tmp_path)
    df = frame_of(res)
    assert len(df) == 1 and df["A07"][0] == 9600.0
    assert problems_of(res, "stale_column")[0]["cell"] == "C2"


def test_hidden_column_without_heading_is_skipped_when_a_visible_one_answers(tmp_path):
    rows = [r + [r[1]] for r in _form("Ville de Foix", "210900152", 9600)[2:]]
    rows = [["Question", "Réponse", "Réponse"]] + rows
    res = ingest_file(write_xlsx(tmp_path / "foix.xlsx", {"Fiche": rows}, hidden_cols=("C",)), tmp_path)
    assert len(frame_of(res)) == 1
    assert problems_of(res, "hidden_column_skipped")[0]["cell"] == "C2:C6"


def test_hidden_column_with_the_same_header_breaks_the_tie(tmp_path):
    rows = [["Nom de la collectivité", "Nombre d'habitants", "Nombre d'habitants", "Type de collectivité",
             "Numéro SIREN", "Budget", "Ligne budgétaire dédiée"],
            ["Ville de Foix", 9600, 9400, "Commune", "210900152", 5000, "Oui"]]
    res = ingest_file(write_xlsx(tmp_path / "foix.xlsx", {"R": rows}, hidden_cols=("C",)), tmp_path)
    df = frame_of(res)
    assert df["A07"][0] == 9600.0 and not problems_of(res, "duplicate_column")
    skipped = problems_of(res, "hidden_column_skipped")
    assert [p["cell"] for p in skipped] == ["C1"] and "B1" in skipped[0]["message_fr"]
    assert res.report["status"] == "ingested"


def test_reminder_of_last_years_date_does_not_tie_with_the_date(tmp_path):
    rows = [["Nom de la collectivité", "Date de réponse (rappel 2024)", "Date de réponse", "Type de collectivité"],
            ["Ville de Foix", "12/03/2024", "04/03/2025", "Commune"]]
    res = ingest_file(write_xlsx(tmp_path / "foix.xlsx", {"R": rows}), tmp_path)
    df = frame_of(res)
    assert df["A14"][0] == "2025-03-04" and res.report["status"] == "ingested"
    assert problems_of(res, "stale_column")[0]["cell"] == "B1"
    assert "Date de réponse (rappel 2024)" in res.report["unmapped"]


def test_hidden_rows_of_a_filter_are_read(tmp_path):
    rows = [["Nom de la collectivité", "Type de collectivité"], ["Ville de Foix", "Commune"], ["Ville de Pamiers", "Commune"]]
    res = ingest_file(write_xlsx(tmp_path / "f.xlsx", {"R": rows}, hidden_rows=(3,), autofilter="A1:B3"), tmp_path)
    assert frame_of(res)["A01"].tolist() == ["Ville de Foix", "Ville de Pamiers"]
    assert "filtre" in problems_of(res, "hidden_row_read")[0]["message_fr"]


# --- summary rows and columns --------------------------------------------------------------------
def test_total_average_and_count_rows_are_not_collectivites(tmp_path):
    rows = [["Nom de la collectivité", "Numéro SIREN", "Nombre d'habitants", "Budget"],
            ["Ville de Foix", "210900152", 9600, 5000],
            ["Ville de Pamiers", "210902257", 15700, 12000],
            ["Total réseau", None, 25300, 17000],
            ["Moyenne", None, 12650, 8500],
            ["Nombre de réponses", None, 2, 2],
            ["Ensemble des collectivités", "", 25300, 17000],
            ["Total Énergies (mécène)", "542051180", None, 3000]]
    res = ingest_file(write_xlsx(tmp_path / "conso.xlsx", {"R": rows}), tmp_path)
    df = frame_of(res)
    assert df["A01"].tolist() == ["Ville de Foix", "Ville de Pamiers", "Total Énergies (mécène)"]  # an identifier: read
    assert [p["cell"] for p in problems_of(res, "summary_row")] == ["A4", "A5", "A6", "A7"]
    assert res.report["status"] == "ingested"


def test_total_column_of_a_consolidation_is_not_a_collectivite(tmp_path):
    rows = [["Question", "Ville de Foix", "Ville de Pamiers", "Total"],
            ["Nom de la collectivité", "Ville de Foix", "Ville de Pamiers", None],
            ["Nombre d'habitants", 9600, 15700, 25300],
            ["Budget", 5000, 12000, 17000]]
    res = ingest_file(write_xlsx(tmp_path / "conso.xlsx", {"R": rows}), tmp_path)
    assert frame_of(res)["A01"].tolist() == ["Ville de Foix", "Ville de Pamiers"]
    assert problems_of(res, "summary_column")[0]["cell"] == "D2"


def test_a_row_of_sum_formulas_without_label_or_identifier_is_no_collectivite(tmp_path):
    import re
    import zipfile

    rows = [["Nom de la collectivité", "Nombre d'habitants", "Budget"], ["Ville de Foix", 9600, 5000],
            ["Ville de Pamiers", 15700, 12000], [None, "=SUM(B2:B3)", "=SUM(C2:C3)"]]
    path = write_xlsx(tmp_path / "sommes.xlsx", {"R": rows})
    # as Excel saves it: each formula with its value
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = re.sub(r"<f>SUM\(B2:B3\)</f><v\s*/?>(</v>)?", "<f>SUM(B2:B3)</f><v>25300</v>", xml)
    xml = re.sub(r"<f>SUM\(C2:C3\)</f><v\s*/?>(</v>)?", "<f>SUM(C2:C3)</f><v>17000</v>", xml)
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    res = ingest_file(path, tmp_path)
    assert frame_of(res)["A01"].tolist() == ["Ville de Foix", "Ville de Pamiers"]
    assert problems_of(res, "summary_row")[0]["cell"] == "B4"
