"""A small wave (a network of a dozen returned files) goes through every stage: no typology, a
French notice, reports rendered — never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_params

from pipeline.demo.generate import generate_waves
from pipeline.domain.params import DemoParams, TypologyParams, defaults
from pipeline.stages import clean, continuity, ingest, report, trends, typology

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("small")
    generate_waves(defaults(DemoParams, n_collectivites=28, unreadable_files=1, seed=3), 2024, 2025,
                   root / "raw", root / "truth")
    params = write_params(root / "params.yaml", survey={"year": 2025, "wave": str(root / "raw" / "2025"),
                                                        "reference_year": 2024,
                                                        "reference_wave": str(root / "raw" / "2024")},
                          typology={"n_bootstrap": 2}, report={"workers": 1})
    p = ["--params", str(params)]
    for year, interim, processed, model, metrics in (
            (2024, "interim/reference", "processed/reference", "models/reference.joblib", "metrics/reference.json"),
            (2025, "interim", "processed", "models/current.joblib", "metrics/refit.json")):
        assert ingest.main([*p, "--wave", str(root / "raw" / str(year)), "--out", str(root / interim)]) == 0
        assert clean.main([*p, "--year", str(year), "--responses", str(root / interim / "responses.parquet"),
                           "--report", str(root / interim / "ingest_report.json"), "--out", str(root / processed)]) == 0
        out_dir = root / (processed if year == 2024 else "processed/refit")
        assert typology.main([*p, "--clean", str(root / processed / "clean.parquet"), "--out-dir", str(out_dir),
                              "--model", str(root / model), "--metrics", str(root / metrics),
                              "--plots", str(root / "plots" / str(year))]) == 0
    assert continuity.main([*p, "--clean", str(root / "processed/clean.parquet"),
                            "--reference-model", str(root / "models/reference.joblib"),
                            "--reference-metrics", str(root / "metrics/reference.json"),
                            "--refit-dir", str(root / "processed/refit"), "--refit-metrics", str(root / "metrics/refit.json"),
                            "--out-dir", str(root / "processed"), "--metrics", str(root / "metrics/continuity.json"),
                            "--published-metrics", str(root / "metrics/typology.json")]) == 0
    assert trends.main([*p, "--reference", str(root / "processed/reference/clean.parquet"),
                        "--current", str(root / "processed/clean.parquet"), "--model", str(root / "models/reference.joblib"),
                        "--out", str(root / "processed/trends.parquet"), "--summary", str(root / "metrics/trends.json")]) == 0
    assert report.main([*p, "--clean", str(root / "processed/clean.parquet"),
                        "--typology", str(root / "processed/typology.parquet"),
                        "--typology-description", str(root / "processed/typology_description.parquet"),
                        "--typology-metrics", str(root / "metrics/typology.json"),
                        "--quality", str(root / "processed/quality.json"), "--trends", str(root / "metrics/trends.json"),
                        "--trends-table", str(root / "processed/trends.parquet"), "--out", str(root / "reports")]) == 0
    return root


def test_a_small_wave_has_no_typology_and_says_why(small):
    metrics = json.loads((small / "metrics" / "typology.json").read_text(encoding="utf-8"))
    n = metrics["n"]
    assert 0 < n < defaults(TypologyParams).min_respondents
    assert metrics["k"] == 0 and "il en faut au moins 80" in metrics["notice"]
    assert pd.read_parquet(small / "processed" / "typology.parquet").empty


def test_its_reports_render_with_the_notice(small):
    page = (small / "reports" / "national.html").read_text(encoding="utf-8")
    assert "La typologie n&#x27;est pas calculée" in page or "La typologie n'est pas calculée" in page
    networks = list((small / "reports" / "regions").glob("*.html"))
    assert networks, "one report per network with respondents"
