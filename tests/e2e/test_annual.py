"""`make annual YEAR=2025`: params.yaml pointed at a year's wave and the year before, then the pipeline."""

from __future__ import annotations

import yaml
from support.pipeline_run import YEAR


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
