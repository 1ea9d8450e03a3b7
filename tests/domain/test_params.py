"""params.yaml mistakes are refused with one French sentence naming the key, the value and what is allowed."""

from __future__ import annotations

import pytest
import yaml
from conftest import write_params

from pipeline.domain.params import (
    BLOCKS,
    PARAMS_FILE,
    IngestParams,
    ParamsError,
    ReportParams,
    TypologyParams,
    check_params,
    defaults,
    load_block,
)


def test_the_project_params_are_valid():
    assert check_params(PARAMS_FILE) == []
    for cls in BLOCKS:
        load_block(cls, PARAMS_FILE)


@pytest.mark.parametrize(("block", "values", "message"), [
    ("ingest", {"fuzzy_threshold": 880},
     "params.yaml, ingest.fuzzy_threshold : 880 n'est pas permis ; attendu : un nombre entre 50 et 100"),
    ("typology", {"k": -3}, "params.yaml, typology.k : -3 n'est pas permis ; attendu : un nombre entre 2 et 50"),
    ("typology", {"k": 12}, "params.yaml, typology.k : 12 types demandés ; attendu : null (nombre automatique) ou "
                            "un nombre entre typology.k_min (3) et typology.k_max (10)"),
    ("typology", {"k": "trois"}, "params.yaml, typology.k : « trois » ; attendu : un nombre entier ou null"),
    ("typology", {"published": "nouveau"},
     "params.yaml, typology.published : « nouveau » n'est pas permis ; attendu : refit ou reference"),
    ("report", {"small_cell_treshold": 3},
     "params.yaml, report.small_cell_treshold : clé inconnue ; vouliez-vous dire « small_cell_threshold » ?"),
    ("report", {"workers": 0}, "params.yaml, report.workers : 0 n'est pas permis ; attendu : un nombre entre 1 et 64"),
    ("survey", {"reference_year": 2030}, "params.yaml, survey.reference_year : 2030 est après l'année de l'enquête"),
    ("clean", {"classes": {"C01": {"edges": [10, 5], "labels": ["a", "b", "c"]}}},
     "params.yaml, clean.classes.C01 : seuils [10.0, 5.0] ; attendu : des seuils croissants"),
])
def test_a_mistake_is_one_french_sentence(tmp_path, block, values, message):
    path = write_params(tmp_path / "params.yaml", **{block: values})
    problems = check_params(path)
    assert len(problems) == 1 and problems[0].startswith(message), problems


def test_every_mistake_of_the_file_is_listed_and_an_unknown_block_is_named(tmp_path):
    path = write_params(tmp_path / "params.yaml", ingest={"workers": "deux"}, report={"source": ["x"]})
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["typologie"] = {"k": 4}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = check_params(path)
    assert problems[0] == "params.yaml, bloc « typologie » inconnu ; vouliez-vous dire « typology » ?"
    assert any(p.startswith("params.yaml, ingest.workers : « deux » ; attendu : un nombre entier") for p in problems)
    assert any(p.startswith("params.yaml, report.source : « ['x'] » ; attendu : un texte") for p in problems)


def test_defaults_come_from_params_yaml_only():
    assert defaults(ReportParams).small_cell_threshold == load_block(ReportParams, PARAMS_FILE).small_cell_threshold
    assert defaults(IngestParams, workers=1).workers == 1
    with pytest.raises(TypeError):
        TypologyParams()  # no default written in the code


def test_a_missing_key_is_named(tmp_path):
    path = tmp_path / "params.yaml"
    data = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    del data["report"]["quantile_min_n"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError, match=r"params.yaml, report.quantile_min_n : clé manquante"):
        load_block(ReportParams, path)
