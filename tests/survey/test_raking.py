"""Raking agrees with R's survey package (fixtures: tests/fixtures/survey/make_fixtures.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.survey.raking import RakingError, margins_from_frame, rake

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "survey"
MARGINS = ["type", "taille", "reseau"]


@pytest.fixture(scope="module")
def case():
    frame = pd.read_csv(FIXTURES / "frame.csv", dtype={"id": str})
    sample = pd.read_csv(FIXTURES / "sample.csv", dtype={"id": str})
    ref = json.loads((FIXTURES / "survey.json").read_text(encoding="utf-8"))
    return frame, sample, ref


def test_raked_weights_are_survey_rake_converged_within_1e_6(case):
    frame, sample, ref = case
    r = rake(sample, margins_from_frame(frame, MARGINS), tolerance=1e-13, max_iterations=1000)
    assert r.converged and r.max_margin_gap < 1e-10
    assert np.max(np.abs(r.weights / np.array(ref["weights_rake"]) - 1)) < 1e-6
    assert np.max(np.abs(r.weights / np.array(ref["weights_calibrate"]) - 1)) < 1e-6


def test_survey_rake_default_control_stops_far_from_the_fixed_point(case):
    # why the loop runs until the weights stop moving: survey's default (maxit 10, epsilon 1) is
    # more than 25 % away on this sample
    frame, sample, ref = case
    r = rake(sample, margins_from_frame(frame, MARGINS), tolerance=1e-13)
    assert np.max(np.abs(np.array(ref["weights_rake_default"]) / r.weights - 1)) > 0.25


def test_starting_weights_are_n_over_n(case):
    frame, sample, _ = case
    r = rake(sample, margins_from_frame(frame, MARGINS))
    assert np.allclose(r.start, len(frame) / len(sample))
    assert r.weights.sum() == pytest.approx(len(frame))


def test_diagnostics(case):
    frame, sample, _ = case
    r = rake(sample, margins_from_frame(frame, MARGINS), bounds=(0.2, 5.0))
    d = r.diagnostics()
    w = r.weights
    assert d["design_effect_kish"] == pytest.approx(len(w) * (w ** 2).sum() / w.sum() ** 2)
    assert d["weight_ratio"] == pytest.approx(w.max() / w.min())
    assert d["converged"] and d["iterations"] > 10
    assert d["outside_bounds"] > 0 and not d["trimmed"]


def test_trimming_keeps_weights_within_bounds_and_margins(case):
    frame, sample, _ = case
    r = rake(sample, margins_from_frame(frame, MARGINS), bounds=(0.1, 3.5), trim=True, max_iterations=5000)
    assert r.converged
    assert r.g.min() >= 0.1 - 1e-12 and r.g.max() <= 3.5 + 1e-12
    assert r.g.max() == pytest.approx(3.5) and r.g.min() == pytest.approx(0.1)  # both bounds bind
    assert r.max_margin_gap < 1e-8
    assert r.diagnostics()["outside_bounds"] == 0


def test_infeasible_bounds_are_reported_not_converged(case):
    frame, sample, _ = case
    r = rake(sample, margins_from_frame(frame, MARGINS), bounds=(0.9, 1.1), trim=True, max_iterations=200)
    assert not r.converged and r.max_margin_gap > 0.01


def test_a_category_without_respondent_is_refused_in_french():
    frame = pd.DataFrame({"type": ["commune"] * 5 + ["region"] * 2, "taille": ["a"] * 7})
    sample = pd.DataFrame({"type": ["commune", "commune"], "taille": ["a", "a"]})
    with pytest.raises(RakingError, match="aucun répondant dans la catégorie « region » de la marge « type »"):
        rake(sample, margins_from_frame(frame, ["type", "taille"]))


def test_a_respondent_category_unknown_to_the_frame_is_refused():
    frame = pd.DataFrame({"type": ["commune"] * 5})
    sample = pd.DataFrame({"type": ["commune", "syndicat"]})
    with pytest.raises(RakingError, match="« syndicat » des répondants absente de la base"):
        rake(sample, margins_from_frame(frame, ["type"]))
