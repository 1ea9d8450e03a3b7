"""acter weights: raking of any sample to a frame, French errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.cli.main import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "survey"


def test_weights_are_survey_s_raked_weights(tmp_path, capsys):
    out = tmp_path / "w.csv"
    code = main(["weights", str(FIXTURES / "sample.csv"), "--frame", str(FIXTURES / "frame.csv"),
                 "--margins", "type,taille,reseau", "--id", "id", "--out", str(out), "--tolerance", "1e-13"])
    assert code == 0
    weights = pd.read_csv(out, dtype={"id": str})
    assert list(weights.columns) == ["id", "weight"]
    ref = json.loads((FIXTURES / "survey.json").read_text(encoding="utf-8"))["weights_rake"]
    assert np.max(np.abs(weights["weight"].to_numpy() / np.array(ref) - 1)) < 1e-6
    assert "Effet de plan (Kish)" in capsys.readouterr().out


def test_a_missing_column_is_named_in_french(tmp_path, capsys):
    code = main(["weights", str(FIXTURES / "sample.csv"), "--frame", str(FIXTURES / "frame.csv"),
                 "--margins", "type,taille_x", "--id", "id", "--out", str(tmp_path / "w.csv")])
    assert code == 2
    assert "Colonne(s) absente(s) du fichier échantillon : taille_x" in capsys.readouterr().err
    assert not (tmp_path / "w.csv").exists()


def test_a_category_without_respondent_is_refused(tmp_path, capsys):
    pd.DataFrame({"id": ["a", "b"], "type": ["commune", "commune"]}).to_csv(tmp_path / "s.csv", index=False)
    pd.DataFrame({"type": ["commune"] * 8 + ["region"] * 2}).to_csv(tmp_path / "f.csv", index=False)
    code = main(["weights", str(tmp_path / "s.csv"), "--frame", str(tmp_path / "f.csv"), "--margins", "type",
                 "--id", "id", "--out", str(tmp_path / "w.csv")])
    assert code == 2
    assert "aucun répondant dans la catégorie « region » de la marge « type »" in capsys.readouterr().err


def test_infeasible_bounds_are_refused(tmp_path, capsys):
    code = main(["weights", str(FIXTURES / "sample.csv"), "--frame", str(FIXTURES / "frame.csv"),
                 "--margins", "type,taille,reseau", "--id", "id", "--out", str(tmp_path / "w.csv"),
                 "--bounds", "0.9,1.1", "--trim", "--max-iterations", "50"])
    assert code == 2
    assert "n'a pas convergé" in capsys.readouterr().err
