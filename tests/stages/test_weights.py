"""Stage weights: its files and metrics; the typology stage's row weights from them."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_params

from pipeline.common.errors import UserError
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import TypologyParams, defaults
from pipeline.stages import weights
from pipeline.stages.typology import _row_weights


def _coverage_helpers():
    path = Path(__file__).resolve().parents[1] / "survey" / "test_coverage.py"
    spec = importlib.util.spec_from_file_location("coverage_helpers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stage_writes_weights_coverage_unmatched_and_metrics(tmp_path, capsys):
    helpers = _coverage_helpers()
    frame = helpers.load_frame("pipeline/domain/reference/collectivites.csv.gz",
                               helpers.defaults(helpers.CleanParams).strate_population)
    clean = helpers._respondents(frame)
    labels = {m.slug: m.label for m in load_codebook()["A02"].modalities}
    extra = pd.DataFrame({"response_id": ["S1"], "A01": ["Syndicat des eaux"], "A02": [labels["syndicat"]],
                          "A03": [None], "A04": [None], "departement_code": ["35"], "region_code": ["53"], "big": [False]})
    pd.concat([clean, extra], ignore_index=True).to_parquet(tmp_path / "clean.parquet")
    params = write_params(tmp_path / "params.yaml")
    assert weights.main(["--params", str(params), "--year", "2025", "--clean", str(tmp_path / "clean.parquet"),
                         "--out", str(tmp_path), "--metrics", str(tmp_path / "coverage.json")]) == 0
    w = pd.read_parquet(tmp_path / "weights.parquet")
    assert len(w) == len(clean) + 1 and w["weight"].isna().sum() == 1
    assert w["weight"].sum() == pytest.approx(len(frame))
    unmatched = pd.read_parquet(tmp_path / "unmatched.parquet")
    assert unmatched["response_id"].tolist() == ["S1"] and "syndicats" in unmatched["reason_fr"][0]
    coverage = pd.read_parquet(tmp_path / "coverage.parquet")
    assert coverage["n_frame"].sum() == len(frame)
    metrics = json.loads((tmp_path / "coverage.json").read_text(encoding="utf-8"))
    assert metrics["available"] and metrics["n_unmatched"] == 1 and metrics["raking"]["converged"]
    assert "Redressement :" in capsys.readouterr().out
    # typology.weights: calibration -> the raked weights, mean 1, by response_id
    row = _row_weights(defaults(TypologyParams, weights="calibration"), str(tmp_path / "weights.parquet"))
    assert row.mean() == pytest.approx(1.0) and np.isnan(row["S1"])
    assert _row_weights(defaults(TypologyParams), str(tmp_path / "weights.parquet")) is None


def test_calibration_without_weights_is_refused_in_french(tmp_path):
    pd.DataFrame({"response_id": ["a"], "weight": [np.nan]}).to_parquet(tmp_path / "w.parquet")
    with pytest.raises(UserError, match="typology.weights : « calibration », mais l'étape weights n'a pas fait"):
        _row_weights(defaults(TypologyParams, weights="calibration"), str(tmp_path / "w.parquet"))
