"""`make annual YEAR=2025`: params.yaml pointed at a year's wave and the year before, then the pipeline."""

from __future__ import annotations

import yaml
from support.pipeline_run import YEAR

from pipeline.cli.annual import check_waves, main, set_survey, survey_values

PARAMS = """# comment on top
survey:
  year: 2025                 # survey year
  wave: data/raw/demo/2025   # folder
demo:
  seed: 1   # kept
"""


def test_set_survey_changes_only_the_survey_values():
    text = set_survey(PARAMS, survey_values(2026, "data/raw"))
    assert yaml.safe_load(text)["survey"] == {"year": 2026, "wave": "data/raw/2026", "reference_year": 2025,
                                              "reference_wave": "data/raw/2025"}
    lines = text.splitlines()
    assert lines[0] == "# comment on top" and "  seed: 1   # kept" in lines
    assert "  year: 2026                 # survey year" in lines
    assert "  wave: data/raw/2026        # folder" in lines
    assert survey_values(2025, "demo")["reference_wave"] == "data/raw/demo/2024"


def test_missing_wave_folder_is_explained_in_french(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(PARAMS, encoding="utf-8")
    (tmp_path / "data" / "raw" / "2024").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "2024" / "reponse.xlsx").write_bytes(b"x")
    assert main(["--year", "2025"]) == 2
    err = capsys.readouterr().err
    assert "Vague 2025 introuvable : le dossier data/raw/2025 n'existe pas" in err
    assert "dvc add data/raw/2025" in err and "WAVES=demo" in err and "référence" not in err
    assert (tmp_path / "params.yaml").read_text(encoding="utf-8") == PARAMS  # untouched
    (tmp_path / "data" / "raw" / "2025").mkdir()
    (tmp_path / "data" / "raw" / "2025.dvc").write_text("outs: []\n", encoding="utf-8")
    problems = check_waves(survey_values(2025, "data/raw"), "data/raw")
    assert "ne contient aucun fichier" in problems[0] and "dvc pull data/raw/2025.dvc" in problems[0]
    (tmp_path / "data" / "raw" / "2025" / "a.csv").write_text("x", encoding="utf-8")
    assert main(["--year", "2025"]) == 0
    assert yaml.safe_load((tmp_path / "params.yaml").read_text(encoding="utf-8"))["survey"]["wave"] == "data/raw/2025"



def test_make_annual_from_a_fresh_copy_writes_the_year_reports(repo):
    survey = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))["survey"]
    assert survey == {"year": YEAR, "wave": f"data/raw/demo/{YEAR}", "reference_year": YEAR - 1,
                      "reference_wave": f"data/raw/demo/{YEAR - 1}"}
    reports = repo / "reports" / str(YEAR)
    assert (reports / "national.html").is_file() and (reports / "tableaux.xlsx").is_file()
    assert any((reports / "regions").glob("*.html"))
    for year in (YEAR - 1, YEAR):
        assert (repo / "data" / "raw" / "demo" / str(year)).is_dir()
    assert (repo / "data" / "processed" / "reference" / "clean.parquet").is_file()


def test_scheduled_workflows_run_the_pipeline_and_keep_the_reports():
    from support.pipeline_run import ROOT

    gh = yaml.safe_load((ROOT / ".github" / "workflows" / "annual.yml").read_text(encoding="utf-8"))
    triggers = gh[True] if True in gh else gh["on"]  # YAML 1.1 reads the key `on` as True
    assert {"schedule", "workflow_dispatch"} <= set(triggers) and triggers["schedule"][0]["cron"]
    steps = gh["jobs"]["pipeline"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    assert "make annual" in runs and "make repro" in runs and "dvc pull" in runs
    assert any(s.get("uses", "").startswith("actions/upload-artifact") and s["with"]["path"] == "reports/"
               for s in steps)
    gl = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    job = gl["annuel"]
    assert any("schedule" in r["if"] for r in job["rules"]) and job["artifacts"]["paths"] == ["reports/"]
    assert any("make annual" in line for line in job["script"])


def test_first_survey_without_an_earlier_wave_is_its_own_reference(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(PARAMS, encoding="utf-8")
    (tmp_path / "data" / "raw" / "2025").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "2025" / "reponse.xlsx").write_bytes(b"x")
    assert main(["--year", "2025"]) == 0
    assert "première enquête" in capsys.readouterr().out
    survey = yaml.safe_load((tmp_path / "params.yaml").read_text(encoding="utf-8"))["survey"]
    assert survey == {"year": 2025, "wave": "data/raw/2025", "reference_year": 2025, "reference_wave": "data/raw/2025"}
