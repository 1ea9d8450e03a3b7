"""Coverage and the weights of a wave (the weights stage's work)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import CleanParams, WeightsParams, defaults
from pipeline.survey.coverage import coverage_by, flag_respondents
from pipeline.survey.frame import load_frame
from pipeline.survey.recipe import Calibration, CoverageMetrics, weigh_wave


@pytest.fixture(scope="module")
def frame():
    return load_frame("pipeline/domain/reference/collectivites.csv.gz", defaults(CleanParams).strate_population)


def _respondents(frame: pd.DataFrame, seed: int = 3) -> pd.DataFrame:
    """A clean-like table of respondents drawn from the frame, big ones far more often."""
    rng = np.random.default_rng(seed)
    p = np.minimum(1.0, 0.004 * (frame["population"].to_numpy(float) / 1000 + 0.2) ** 0.8)
    p[frame["type"].isin(["region", "statut_particulier", "departement", "metropole", "cu"]).to_numpy()] = 0.9
    drawn = frame[rng.random(len(frame)) < p]
    labels = {m.slug: m.label for m in load_codebook()["A02"].modalities}
    return pd.DataFrame({
        "response_id": [f"R{i}" for i in range(len(drawn))], "A01": drawn["name"].to_numpy(),
        "A02": drawn["type"].map(labels).to_numpy(), "A03": drawn["siren"].to_numpy(), "A04": None,
        "departement_code": drawn["departement"].to_numpy(), "region_code": drawn["region"].to_numpy(),
        "big": (drawn["population"] >= 10_000).to_numpy()})


def test_weights_of_a_wave(frame):
    clean = _respondents(frame)
    res = weigh_wave(clean, frame, defaults(WeightsParams), load_codebook(), 2025)
    m = res.metrics
    assert m.available and m.notice is None and m.n_matched == len(clean) == m.n_clean
    assert m.raking["converged"] and m.raking["design_effect_kish"] > 1
    assert res.weights["weight"].sum() == pytest.approx(len(frame))
    assert res.coverage["n_frame"].sum() == len(frame)
    assert res.coverage["n_respondents"].sum() == len(clean)
    assert CoverageMetrics(**__import__("json").loads(m.to_json())) == m
    # a share the margins fix (above 10,000 inhabitants: the population classes) is the frame's,
    # with no uncertainty; the respondents' is far above
    cal = Calibration.load(res.weights, frame, defaults(WeightsParams))
    truth = float((frame["population"] >= 10_000).mean())
    est = cal.share(clean, "big")
    assert est.value == pytest.approx(truth, abs=1e-9) and est.se < 1e-9
    assert clean["big"].mean() > 3 * truth


def test_a_margin_category_without_respondent_gives_a_notice_not_weights(frame):
    clean = _respondents(frame)
    labels = {m.slug: m.label for m in load_codebook()["A02"].modalities}
    clean = clean[clean["A02"] != labels["cu"]]
    res = weigh_wave(clean, frame, defaults(WeightsParams), load_codebook(), 2025)
    assert not res.metrics.available and res.weights["weight"].isna().all()
    assert "aucun répondant dans la catégorie « cu » de la marge « type »" in res.metrics.notice


def test_coverage_by_any_grouping(frame):
    flagged = flag_respondents(frame, pd.DataFrame({"siren": frame.loc[frame["type"] == "region", "siren"]}))
    table = coverage_by(flagged, ["type"]).set_index("type")
    assert table.loc["region", "response_rate"] == 1.0 and table.loc["commune", "n_respondents"] == 0
