"""Estimates and standard errors agree with R's survey package (svymean, svyquantile) to 1e-6."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.survey.estimates import (
    calibrated_mean,
    calibrated_share,
    respondent_mean,
    respondent_share,
    weighted_median,
)
from pipeline.survey.raking import margins_from_frame, rake

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "survey"


@pytest.fixture(scope="module")
def case():
    frame = pd.read_csv(FIXTURES / "frame.csv", dtype={"id": str})
    sample = pd.read_csv(FIXTURES / "sample.csv", dtype={"id": str})
    ref = json.loads((FIXTURES / "survey.json").read_text(encoding="utf-8"))
    raking = rake(sample, margins_from_frame(frame, ["type", "taille", "reseau"]), tolerance=1e-13)
    return sample, raking, ref


def _close(est, ref):
    assert est.value == pytest.approx(ref["value"], rel=1e-6)
    assert est.se == pytest.approx(ref["se"], rel=1e-6)


CASES = {"engaged": ("engaged", None), "budget": ("budget", None), "engaged_r1": ("engaged", ("reseau", "R1")),
         "budget_cc": ("budget", ("type", "cc"))}


@pytest.mark.parametrize("key", CASES)
def test_calibrated_mean_and_se_are_survey_calibrate_raking(case, key):
    sample, raking, ref = case
    column, scope = CASES[key]
    domain = None if scope is None else sample[scope[0]] == scope[1]
    _close(calibrated_mean(sample[column], raking, domain), ref["calibrate"][key])


@pytest.mark.parametrize("key", CASES)
def test_respondent_mean_and_se_are_survey_unweighted(case, key):
    sample, _, ref = case
    column, scope = CASES[key]
    domain = None if scope is None else sample[scope[0]] == scope[1]
    _close(respondent_mean(sample[column], domain), ref["unweighted"][key])


def test_share_interval_and_bias_correction(case):
    sample, raking, ref = case
    truth = ref["frame_truth"]["engaged"]
    raw = respondent_share(sample["engaged"])
    cal = calibrated_share(sample["engaged"], raking)
    assert abs(cal.value - truth) < abs(raw.value - truth)
    assert cal.covers(truth) and not raw.covers(truth)
    assert cal.ci_low == pytest.approx(cal.value - 1.959964 * cal.se, rel=1e-6)
    assert cal.population == pytest.approx(len(pd.read_csv(FIXTURES / "frame.csv")))


@pytest.mark.parametrize("weighted", [True, False])
def test_weighted_median_and_woodruff_interval_are_svyquantile(case, weighted):
    sample, raking, ref = case
    est = weighted_median(sample["budget"], raking=raking) if weighted else weighted_median(sample["budget"])
    expected = ref["median_calibrate" if weighted else "median_unweighted"]
    assert (est.value, est.ci_low, est.ci_high) == (expected["value"], expected["ci_low"], expected["ci_high"])


def test_missing_values_leave_the_scope():
    y = pd.Series([1.0, None, 0.0, 1.0], dtype="Float64")
    est = respondent_share(y)
    assert est.n == 3 and est.value == pytest.approx(2 / 3)
    assert np.isnan(respondent_share(y, domain=[False] * 4).value)
