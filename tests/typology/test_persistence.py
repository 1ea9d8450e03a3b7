"""Saved models: last year's model keeps loading after the package moved, and bad files are refused."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.typology.model import fit_typology
from pipeline.typology.persistence import (
    MODEL_FORMAT,
    ModelVersionError,
    load_model,
    save_model,
)
from pipeline.typology.spec import Spec

FIX = Path(__file__).resolve().parents[1] / "fixtures"
ACTIVE = ["organisation", "strategie", "portage", "ligne_dediee", "budget", "etp", "coop_decentralisee", "ecsi",
          "volontariat", "attractivite", "rayonnement_culturel", "consortium"]


def _survey() -> pd.DataFrame:
    X = pd.read_csv(FIX / "factominer" / "complete" / "survey.csv").set_index("id")
    return X.astype({c: str for c in [*ACTIVE, "type_collectivite"]})


def test_a_model_saved_by_the_first_year_package_still_loads_and_classifies():
    old = load_model(FIX / "models" / "typology_format1.joblib", "2025.1")
    X = _survey()
    fresh = fit_typology(X, Spec(ACTIVE, ["type_collectivite"], ["population"], {}, {}), ncp=5)
    assert old.names[1] == "Type un" and old.hcpc.n_clusters_ == fresh.hcpc.n_clusters_
    np.testing.assert_array_equal(old.hcpc.labels_, fresh.hcpc.labels_)
    coord = old.mca.transform(X[ACTIVE + ["type_collectivite", "population"]])
    np.testing.assert_allclose(coord.to_numpy(), fresh.mca.row_coordinates_.to_numpy(), atol=1e-12)
    np.testing.assert_array_equal(old.hcpc.predict(coord), fresh.hcpc.predict(coord))


def test_new_models_are_written_in_the_current_format(tmp_path):
    X = _survey()
    model = fit_typology(X, Spec(ACTIVE, [], [], {}, {}), ncp=5)
    save_model(model, tmp_path / "m.joblib", "2025.1")
    with (tmp_path / "m.joblib").open("rb") as f:
        assert pickle.load(f)["format"] == MODEL_FORMAT == 2
    assert load_model(tmp_path / "m.joblib", "2025.1").hcpc.n_clusters_ == model.hcpc.n_clusters_


def test_a_file_that_is_not_a_model_is_refused_in_french(tmp_path):
    path = tmp_path / "typology.joblib"
    path.write_bytes(b"PK\x03\x04 not a pickle")
    with pytest.raises(ModelVersionError, match="n'est pas un modèle de typologie"):
        load_model(path)
