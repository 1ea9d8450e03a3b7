"""True answers drawn from the planted models: each model stands out where the typology looks."""

import numpy as np
import pandas as pd
import pytest

from pipeline.demo.answers import generate_answers
from pipeline.demo.generate import truth_values
from pipeline.demo.models import select_models
from pipeline.demo.population import generate_population
from pipeline.domain.codebook import load_codebook

YEAR = 2025


@pytest.mark.slow
def test_planted_models_drive_the_active_variables():
    """Over a larger population, each model stands out on its own indicators."""
    cb = load_codebook()
    rng = np.random.default_rng(3)
    models = select_models(5)
    by_name = {m.name: m for m in models}
    population = [c for c in generate_population(rng, 500, models, 0.5) if c.responded]
    rows = []
    for c in population:
        values = truth_values(cb, generate_answers(rng, cb, c, by_name[c.model], YEAR))
        rows.append({"model": by_name[c.model].key, **values})
    frame = pd.DataFrame(rows)
    frame["deliberation"] = frame["D04"] == "Adoptée par délibération"
    frame["service"] = frame["D01"] == "Direction ou service dédié"
    frame["log_budget"] = np.log10(frame["C01"] + 1)
    means = frame.groupby("model")[["B03__jumelage", "B03__attractivite", "B03__ecsi", "deliberation", "service",
                                    "log_budget", "C03__aucun", "D02"]].mean(numeric_only=False)
    means = means.astype(float)
    assert means["B03__jumelage"].idxmax() == "jumelage"
    assert means["B03__attractivite"].idxmax() == "attractivite"
    assert means["B03__ecsi"].idxmax() == "solidarite"
    assert means["deliberation"].idxmax() == "structuree"
    assert means["log_budget"].idxmin() == "veille"
    assert means.loc["structuree", "deliberation"] - means.loc["jumelage", "deliberation"] > 0.5
    assert frame.groupby("model")["B01"].agg(lambda s: (s == "Oui, actuellement").mean())["veille"] < 0.1

