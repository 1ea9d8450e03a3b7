"""On the demo, whose respondents answer far more often when large (pipeline/demo/population.py),
the calibrated estimate of a planted share is closer to the share among all the frame's
collectivités than the respondents' share, and its 95 % interval covers it."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.demo.models import select_models
from pipeline.demo.population import planted_share
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import CleanParams, DemoParams, WeightsParams, load_block
from pipeline.survey.estimates import respondent_share
from pipeline.survey.frame import load_frame
from pipeline.survey.recipe import Calibration

pytestmark = pytest.mark.pipeline


@pytest.mark.parametrize("code,slug", [("D01", "service_dedie"), ("D04", "deliberation")])
def test_calibrated_share_beats_the_respondents_share(repo, code, slug):
    # the reference wave: its planted models are the frame's (the survey year's grow one model)
    params = repo / "params.yaml"
    weights = load_block(WeightsParams, params)
    frame = load_frame(repo / weights.frame, load_block(CleanParams, params).strate_population)
    processed = repo / "data" / "processed" / "reference"
    clean = pd.read_parquet(processed / "clean.parquet")
    calibration = Calibration.load(pd.read_parquet(processed / "weights.parquet"), frame, weights)
    label = load_codebook()[code].modality(slug).label
    y = (clean[code] == label).where(clean[code].notna())
    planted = planted_share(select_models(load_block(DemoParams, params).n_models), code, slug)
    raw, calibrated = respondent_share(y), calibration.share(clean, y)
    assert abs(calibrated.value - planted) < abs(raw.value - planted)
    assert calibrated.covers(planted) and not raw.covers(planted)
    coverage = json.loads((repo / "metrics" / "reference" / "coverage.json").read_text(encoding="utf-8"))
    assert coverage["available"] and coverage["raking"]["converged"]
