"""models.yaml: read in codebook order, checked against the codebook, refused with a French message."""

from pathlib import Path

import pytest
import yaml

from pipeline.demo.models import (
    MODELS_FILE,
    ModelsError,
    planted,
    read_models,
    select_models,
)
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import DemoParams, ParamsError, block_from_dict, load_block


def _raw() -> dict:
    return yaml.safe_load(MODELS_FILE.read_text(encoding="utf-8"))


def _write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_profiles_are_tuples_in_codebook_order():
    cb = load_codebook()
    jumelage = planted().models[0]
    assert jumelage.key == "jumelage"
    raw = _raw()["models"][0]
    for code, probs in jumelage.multis.items():
        assert probs == tuple(raw["multis"][code][m.slug] for m in cb[code].modalities)
    assert jumelage.singles["B01"] == (0.97, 0.03, 0.0, 0.0)  # actuellement, passe, jamais, reflexion
    assert jumelage.partnerships == (1.0, 1) and isinstance(jumelage.partnerships[1], int)


def test_every_model_covers_the_same_questions_and_types_cover_a02():
    models = planted().models
    assert len(models) == 6 and len({m.key for m in models}) == 6
    assert all(set(m.singles) == set(models[0].singles) and set(m.multis) == set(models[0].multis) for m in models)
    a02 = {m.slug for m in load_codebook()["A02"].modalities}
    assert set(planted().types) == a02
    assert "statut_particulier" not in planted().type_shares  # drawn from the région instead
    assert sum(planted().type_shares.values()) == pytest.approx(1.0)


def test_the_same_slugs_in_another_order_read_the_same(tmp_path):
    raw = _raw()
    for model in raw["models"]:
        model["multis"]["B03"] = dict(reversed(model["multis"]["B03"].items()))
    assert read_models(_write(tmp_path, raw)) == read_models(MODELS_FILE)


def test_an_unknown_slug_is_refused_naming_model_question_and_slug(tmp_path):
    raw = _raw()
    b03 = raw["models"][1]["multis"]["B03"]
    b03["jumelages"] = b03.pop("jumelage")
    with pytest.raises(ModelsError, match=r"modèle « structuree », question B03 : modalité « jumelages » inconnue"):
        read_models(_write(tmp_path, raw))


def test_a_missing_modality_is_refused(tmp_path):
    raw = _raw()
    del raw["models"][0]["singles"]["D04"]["aucune"]
    with pytest.raises(ModelsError, match=r"modèle « jumelage », question D04 : .*manquante.* aucune"):
        read_models(_write(tmp_path, raw))


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["models"][0]["multis"].update(Z99={"x": 0.5}), r"question « Z99 » inconnue"),
    (lambda r: r["models"][0]["singles"].update(B03=r["models"][0]["multis"]["B03"]),
     r"B03 est une question de type « multi »"),
    (lambda r: r["models"][2]["multis"]["E01"].update(culture=1.5),
     r"« attractivite », question E01, modalité « culture » : un nombre entre 0 et 1"),
    (lambda r: r["models"][0]["adoption"].update(comune=0.4), r"adoption : modalité « comune » inconnue de A02"),
    (lambda r: r["types"]["commune"].update(etp=[0.3, 0.0]), r"types, commune, etp : le minimum"),
    (lambda r: r["models"][3].update(colour="bleu"), r"« solidarite » : clé\(s\) inconnue\(s\) colour"),
    (lambda r: r["models"][4]["multis"].pop("F04"), r"« veille » : les modèles décrivent les mêmes questions .*F04"),
])
def test_other_mistakes_in_the_file_are_refused(tmp_path, change, message):
    raw = _raw()
    change(raw)
    with pytest.raises(ModelsError, match=message):
        read_models(_write(tmp_path, raw))


def test_select_models_keeps_the_file_order():
    assert [m.key for m in select_models(3)] == ["jumelage", "structuree", "attractivite"]
    with pytest.raises(ValueError):
        select_models(1)


def test_params_block_is_checked():
    params = load_block(DemoParams, "params.yaml")
    assert params.n_collectivites >= 100 and 2 <= params.n_models <= len(planted().models)
    with pytest.raises(ParamsError):
        block_from_dict(DemoParams, {"seed": 1, "n_collectivite": 5}, "demo")
    with pytest.raises(ValueError):
        select_models(9)
