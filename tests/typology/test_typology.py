"""Typology stage and `acter typology`: planted types recovered, outputs, persisted model, CLI."""

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_params
from sklearn.metrics import adjusted_rand_score

from pipeline.cli.main import main as acter
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import ParamsError, TypologyParams, block_from_dict, defaults
from pipeline.stages import typology as typology_stage
from pipeline.typology.model import classify
from pipeline.typology.persistence import (
    ModelVersionError,
    load_model,
    save_model,
    versions,
)
from pipeline.typology.recipe import type_wave

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "factominer"
CB = load_codebook()


def planted_clean(n=240, seed=3, models=3):
    """clean.parquet-like rows: each planted model favours its own answers (80 % of the time)."""
    rng = np.random.default_rng(seed)
    model = rng.integers(0, models, n)

    def pick(code, n_mod=None):
        labels = [m.label for m in CB[code].modalities][: n_mod or None]
        own = np.array([labels[(m * 2 + 1) % len(labels)] for m in model], dtype=object)
        other = rng.choice(labels, n)
        return np.where(rng.random(n) < 0.8, own, other)

    df = {"response_id": [f"R{i:04d}" for i in range(n)]}
    for code in ["C02", "D01", "D03", "D04", "E03", "A02", "C04", "F03"]:
        df[code] = pick(code)
    for code in ["B03", "C03", "E01", "E02"]:
        for j, m in enumerate(CB[code].modalities):
            p = np.where((model + j) % models == 0, 0.85, 0.15)
            col = pd.array(rng.random(n) < p, dtype="boolean")
            col[rng.random(n) < 0.03] = pd.NA
            df[f"{code}__{m.slug}"] = col
    for c, labs in [("B05_classe", ["Aucun partenariat", "1 à 2 partenariats", "3 à 5 partenariats"]),
                    ("C01_classe", ["Moins de 10 k€", "10 à 50 k€", "50 à 200 k€"]),
                    ("D02_classe", ["Moins de 0,5 ETP", "0,5 à 1 ETP", "1 à 3 ETP"])]:
        own = np.array([labs[m] for m in model], dtype=object)
        df[c] = np.where(rng.random(n) < 0.8, own, rng.choice(labs, n))
    df["A05"] = rng.choice(["Bretagne", "Occitanie", "Grand Est"], n)
    df["rrma"] = rng.choice(["Réseau A", "Réseau B"], n)
    df["strate_population"] = rng.choice(["Moins de 2 000 habitants", "2 000 à 10 000 habitants"], n)
    df["B01"] = rng.choice(["Oui, actuellement", "Oui, par le passé", "Non, jamais"], n, p=[0.6, 0.3, 0.1])
    for c in ["A07", "C01", "D02", "B05"]:
        df[c] = (model + 1) * 1000.0 + rng.normal(0, 300, n)
    df["D02"][:3] = np.nan
    return pd.DataFrame(df), model


def small_params(**kw):
    return defaults(TypologyParams, n_bootstrap=3, n_seeds=2, **kw)


@pytest.fixture(scope="module")
def stage():
    clean, model = planted_clean()
    return clean, model, type_wave(clean, small_params(), CB)


def test_stage_recovers_planted_types_and_counts_exclusions(stage):
    clean, model, res = stage
    m = res.metrics
    kept = clean["B01"].isin(["Oui, actuellement", "Oui, par le passé"]).to_numpy()
    assert m.n == kept.sum() and m.selection.excluded == (~kept).sum()
    assert m.selection.excluded_by_answer == {"Non, jamais": int((~kept).sum())}
    assert m.k == 3
    assert adjusted_rand_score(model[kept], res.types["type"]) > 0.9
    assert set(m.stability.jaccard) == {1, 2, 3}
    assert all(v >= 0.75 for v in m.stability.jaccard.values())
    assert m.stability.verdict[1] == "stable"
    assert len(m.eigenvalues) == 5 and 0 < m.silhouette <= 1 and m.calinski_harabasz > 0


def test_outputs_are_labelled_in_french(stage):
    _, _, res = stage
    types = res.types
    assert list(types.columns[:3]) == ["response_id", "type", "type_name"]
    assert [c for c in types.columns if c.startswith("F")] == ["F1", "F2", "F3", "F4", "F5"]
    desc = res.description.category
    b03 = desc[desc["variable"] == "B03"]
    labels = {m.label for m in CB["B03"].modalities}
    assert set(b03["modality"]) <= labels | {f"{x} : non" for x in labels} | set(b03["value"])
    assert {"type", "variable", "modality", "v_test", "p_value", "cla_mod", "mod_cla", "global"} <= set(desc.columns)
    names = res.model.names
    assert len(names) == 3 and all(isinstance(v, str) and v for v in names.values())
    assert not any(v.endswith(": non") for name in names.values() for v in name.split(" · "))


def test_analyst_names_follow_the_profile_not_the_number():
    clean, _ = planted_clean(n=150)
    first = type_wave(clean, small_params(), CB)
    suggested = first.metrics.type_names_suggested[2]
    res = type_wave(clean, small_params(names={suggested: "Jumelages de proximité"}), CB)
    assert res.model.names[2] == "Jumelages de proximité" and res.metrics.type_names_suggested[2] == suggested
    assert set(res.types.loc[res.types["type"] == 2, "type_name"]) == {"Jumelages de proximité"}
    # the same respondents in another order: numbers may move, the chosen name stays with the profile
    shuffled = type_wave(clean.sample(frac=1.0, random_state=4), small_params(names={suggested: "Jumelages de proximité"}), CB)
    again = shuffled.types.set_index("response_id").loc[res.types["response_id"], "type_name"]
    assert (again.to_numpy() == res.types["type_name"].to_numpy()).mean() > 0.95


def test_a_numbered_analyst_name_is_refused_in_french():
    with pytest.raises(ParamsError, match="se rattache au profil d'un type, pas à son numéro"):
        block_from_dict(TypologyParams, {**vars(defaults(TypologyParams)), "names": {1: "Jumelages"}}, "typology")


def test_model_persisted_and_classifies_a_later_wave(stage, tmp_path):
    clean, _, res = stage
    path = tmp_path / "typology.joblib"
    save_model(res.model, path, CB.version)
    model = load_model(path, CB.version)
    kept = clean[clean["B01"].isin(["Oui, actuellement", "Oui, par le passé"])]
    again = classify(model, kept)
    assert (again["type"].to_numpy() == res.types["type"].to_numpy()).mean() > 0.97
    wave2, _ = planted_clean(n=60, seed=99)
    wave2.loc[0, "D01"] = "Réponse jamais vue"
    out = classify(model, wave2)
    assert len(out) == 60 and out["type"].between(1, 3).all()


def test_loader_refuses_incompatible_versions(stage, tmp_path):
    _, _, res = stage
    path = tmp_path / "old.joblib"
    save_model(res.model, path, "2019.0")
    with pytest.raises(ModelVersionError, match="codebook 2019.0"):
        load_model(path, CB.version)
    with path.open("wb") as f:
        pickle.dump({**versions(CB.version), "sklearn": "0.20.0"}, f)
        pickle.dump(res.model, f)
    with pytest.raises(ModelVersionError, match="versions incompatibles"):
        load_model(path, CB.version)


def test_a_codebook_variable_missing_from_the_table_is_named():
    clean, _ = planted_clean(n=60)
    with pytest.raises(KeyError, match="E03"):
        type_wave(clean.drop(columns=["E03"]), small_params(), CB)


def test_stage_main_writes_every_output(tmp_path):
    clean, model = planted_clean(n=200, seed=5)
    clean["A03"] = [f"{200000000 + i:09d}" for i in range(len(clean))]
    clean.to_parquet(tmp_path / "clean.parquet", index=False)
    truth = pd.DataFrame({"siren": clean["A03"], "model": [f"m{m}" for m in model]})
    truth.to_parquet(tmp_path / "collectivites.parquet", index=False)
    write_params(tmp_path / "params.yaml", typology={"n_bootstrap": 2, "n_seeds": 2})
    rc = typology_stage.main(["--params", str(tmp_path / "params.yaml"), "--clean", str(tmp_path / "clean.parquet"),
                 "--out-dir", str(tmp_path / "out"), "--model", str(tmp_path / "models" / "t.joblib"),
                 "--metrics", str(tmp_path / "metrics" / "typology.json"), "--plots", str(tmp_path / "plots"),
                 "--truth", str(tmp_path / "collectivites.parquet")])
    assert rc == 0
    for f in ["out/typology.parquet", "out/typology_description.parquet", "models/t.joblib",
              "plots/inertia.csv", "plots/silhouette.csv", "plots/calinski_harabasz.csv"]:
        assert (tmp_path / f).exists(), f
    metrics = json.loads((tmp_path / "metrics" / "typology.json").read_text(encoding="utf-8"))
    assert metrics["truth"]["key"] == "A03" and metrics["truth"]["ari"] > 0.9
    assert set(pd.read_csv(tmp_path / "plots" / "silhouette.csv")["k"]) >= {2, 3, 4}


# -- acter typology FILE ----------------------------------------------------------------------
ACTIVE = ("organisation,strategie,portage,ligne_dediee,budget,etp,coop_decentralisee,ecsi,"
          "volontariat,attractivite,rayonnement_culturel,consortium")


@pytest.mark.parametrize("name", ["complete", "with_missing"])
def test_cli_on_fixture_matches_factominer(name, tmp_path, capsys):
    rc = acter(["typology", str(FIX / name / "survey.csv"), "--active", ACTIVE, "--missing", "category",
                "--quali-sup", "type_collectivite", "--quanti-sup", "population", "--out", str(tmp_path)])
    assert rc == 0
    ref = json.loads((FIX / name / "factominer.json").read_text())
    eig = pd.read_csv(tmp_path / "eigenvalues.csv")
    np.testing.assert_allclose(eig["eigenvalue"], ref["eigenvalues"], atol=1e-9)
    ind = pd.read_csv(tmp_path / "individuals.csv").set_index("id").loc[ref["ids"]]
    np.testing.assert_allclose(ind[["F1", "F2", "F3", "F4", "F5"]], ref["ind_coord"], atol=1e-9)
    assert adjusted_rand_score(ind["type"], ref["hcpc_clust"]) >= 0.98
    cats = pd.read_csv(tmp_path / "categories.csv")
    assert {"vtest_F1", "role"} <= set(cats.columns) and "supplementary" in set(cats["role"])
    desc = pd.read_csv(tmp_path / "description.csv")
    assert len(desc) == sum(len(v) for v in ref["catdes_category"].values())
    assert "3 types" in capsys.readouterr().out


@pytest.mark.parametrize("survey,fixture,options", [
    ("with_missing", "factominer_specific", []),                      # passive: the default
    ("complete", "factominer_weighted", ["--weights", "poids"]),
    ("with_missing", "factominer_specific_weighted", ["--missing", "passive", "--weights", "poids"]),
])
def test_cli_specific_mca_and_row_weights_match_factominer(survey, fixture, options, tmp_path, capsys):
    ref = json.loads((FIX / survey / f"{fixture}.json").read_text())
    table = pd.read_csv(FIX / survey / "survey.csv", dtype=str)
    if ref["row_w"]:  # French decimal commas, as an analyst's spreadsheet has them
        table["poids"] = [f"{w:g}".replace(".", ",") for w in ref["row_w"]]
    table.to_csv(tmp_path / "s.csv", index=False)
    rc = acter(["typology", str(tmp_path / "s.csv"), "--active", ACTIVE, "--quali-sup", "type_collectivite",
                "--quanti-sup", "population", *options, "--out", str(tmp_path / "out")])
    assert rc == 0
    eig = pd.read_csv(tmp_path / "out" / "eigenvalues.csv")
    np.testing.assert_allclose(eig["eigenvalue"], ref["eigenvalues"], atol=1e-9, rtol=0)
    ind = pd.read_csv(tmp_path / "out" / "individuals.csv").set_index("id").loc[ref["ids"]]
    np.testing.assert_allclose(ind[["F1", "F2", "F3", "F4", "F5"]], ref["ind_coord"], atol=1e-9, rtol=0)
    assert (ind["type"].to_numpy() == np.array(ref["hcpc_clust"])).all()
    cats = pd.read_csv(tmp_path / "out" / "categories.csv")
    assert not cats["category"].str.endswith(".NA").any() or not ref["excl"]
    out = capsys.readouterr().out
    assert ("Non-réponses passives" in out) == bool(ref["excl"]) and ("pondérés" in out) == bool(ref["row_w"])


def test_cli_refuses_unusable_weights_in_french(tmp_path, capsys):
    table = pd.read_csv(FIX / "complete" / "survey.csv", dtype=str).assign(poids="1")
    table.loc[3, "poids"] = "-2"
    table.loc[7, "poids"] = "abc"
    table.to_csv(tmp_path / "s.csv", index=False)
    assert acter(["typology", str(tmp_path / "s.csv"), "--active", ACTIVE, "--weights", "poids",
                  "--out", str(tmp_path / "out")]) == 2
    assert "ligne(s) 5, 9 du tableau" in capsys.readouterr().err


def test_cli_reads_semicolon_csv_and_xlsx(tmp_path):
    df = pd.read_csv(FIX / "complete" / "survey.csv", dtype=str)
    df.to_csv(tmp_path / "s.csv", sep=";", index=False)
    df.to_excel(tmp_path / "s.xlsx", index=False)
    for f, out in [("s.csv", "o1"), ("s.xlsx", "o2")]:
        assert acter(["typology", str(tmp_path / f), "--active", ACTIVE, "--k", "4",
                      "--out", str(tmp_path / out)]) == 0
    a = pd.read_csv(tmp_path / "o1" / "individuals.csv")
    b = pd.read_csv(tmp_path / "o2" / "individuals.csv")
    assert a["type"].nunique() == 4 and (a["type"] == b["type"]).all()


def test_cli_unknown_columns_exit_2_in_french(tmp_path, capsys):
    rc = acter(["typology", str(FIX / "complete" / "survey.csv"), "--active", "organisation,inconnue,autre",
                "--out", str(tmp_path)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "Colonne(s) inconnue(s) : inconnue, autre" in err and "organisation" in err
    assert acter(["typology", str(tmp_path / "absent.csv"), "--active", "a", "--out", str(tmp_path)]) == 2


def test_noise_gives_doubtful_types():
    clean, _ = planted_clean(n=160, seed=11)
    rng = np.random.default_rng(0)
    for c in clean.columns[1:]:
        clean[c] = clean[c].to_numpy()[rng.permutation(len(clean))]
    clean["B01"] = "Oui, actuellement"
    res = type_wave(clean, small_params(k=4), CB)
    jac = res.metrics.stability.jaccard
    assert min(jac.values()) < 0.75 and "douteux" in res.metrics.stability.verdict.values()


def test_loader_refuses_a_file_that_is_not_a_model(tmp_path):
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(ModelVersionError, match="n'est pas un modèle"):
        load_model(bad, CB.version)
