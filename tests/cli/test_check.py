"""`acter check`: exit 0 on a clean file, 1 with problems (sheet and cell named), 2 unusable."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_params

from pipeline.cli.check import resolve_survey_year, run_check
from pipeline.cli.main import main as cli_main
from pipeline.domain.params import SurveyParams, defaults
from pipeline.questionnaire import template  # noqa: E402

GOOD = {
    "A01": "Ville de Toulouse", "A02": "Commune", "A03": "213105554", "A04": "31555",
    "A05": "Occitanie", "A07": 500_000, "A10": "Jeanne Martin", "A14": "2025-03-01",
    "B01": "Oui, actuellement", "B03__jumelage": True, "B04": "Jumelage", "C01": 200_000,
}


def filled(path: Path, **changes: object) -> Path:
    wb = template.build_template()
    template.fill_template(wb, {**GOOD, **changes})
    template.save_workbook(wb, path)
    return path


def test_clean_file_exit_0(tmp_path, capsys):
    path = filled(tmp_path / "toulouse.xlsx")
    assert run_check([str(path)], survey_year=2025) == 0
    out = capsys.readouterr().out
    assert "✓ toulouse.xlsx : aucun problème (1 réponse lue)" in out


def test_file_with_errors_exit_1_names_sheet_and_cell(tmp_path, capsys):
    path = filled(tmp_path / "erreurs.xlsx", A07=-5, B04="Rayonnement culturel", A03="213105555")
    assert run_check([str(path)], survey_year=2025) == 1
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "A07" in line]
    assert lines and "erreurs.xlsx, feuille « Réponses », cellule " in lines[0]
    assert "Comment corriger" in lines[0]
    assert "Action principale non cochée" in out and "clé de contrôle du SIREN".lower() in out.lower()


def test_corrupt_and_missing_files_exit_2(tmp_path, capsys):
    corrupt = tmp_path / "abime.xlsx"
    corrupt.write_bytes(b"this is not a workbook")
    assert run_check([str(corrupt)], survey_year=2025) == 2
    assert "abime.xlsx" in capsys.readouterr().out
    assert run_check([str(tmp_path / "absent.xlsx")], survey_year=2025) == 2
    assert "introuvable" in capsys.readouterr().out
    good = filled(tmp_path / "ok.xlsx")
    assert run_check([str(good), str(corrupt)], survey_year=2025) == 2  # the worst file decides


def test_json_output_and_cli(tmp_path, capsys):
    path = filled(tmp_path / "erreurs.xlsx", A07=-5)
    assert cli_main(["check", str(path), "--json", "--year", "2025"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["exit_code"] == 1 and doc["survey_year"] == 2025
    problem = next(p for p in doc["files"][0]["problems"] if p["code"] == "out_of_range")
    assert problem["sheet"] == "Réponses" and problem["cell"] and problem["severity"] == "error"


def test_start_year_after_survey_year_depends_on_year(tmp_path, capsys):
    path = filled(tmp_path / "annee.xlsx", B02=2025)
    assert run_check([str(path)], survey_year=2025) == 0
    assert run_check([str(path)], survey_year=2024) == 1
    capsys.readouterr()


def test_survey_year_resolution(tmp_path, monkeypatch):
    assert resolve_survey_year(2023) == 2023
    params = write_params(tmp_path / "params.yaml", survey={"year": 2021, "reference_year": 2020})
    assert resolve_survey_year(None, params) == 2021
    # outside a project folder: the project's survey year
    assert resolve_survey_year(None, tmp_path / "missing.yaml") == defaults(SurveyParams).year


def test_vertical_form_names_the_answer_cell(tmp_path, capsys):
    wb = template.build_template(vertical=True)
    template.fill_template(wb, {**GOOD, "A07": -5, "C03__aucun": True, "C03__ficol": True}, vertical=True)
    path = tmp_path / "fiche.xlsx"
    template.save_workbook(wb, path)
    assert run_check([str(path)], survey_year=2025, as_json=True) == 1
    doc = json.loads(capsys.readouterr().out)
    problems = {p["code"]: p for p in doc["files"][0]["problems"]}
    rows = template.vertical_rows()
    assert problems["out_of_range"]["cell"].endswith(str(rows["A07"]))
    assert problems["aucun_not_exclusive"]["value"] == "Oui"
    assert "« Oui »" not in problems["aucun_not_exclusive"]["message_fr"]
