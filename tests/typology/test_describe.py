"""catdes agrees with FactoMineR 2.7; suggested names come from over-represented categories."""


import numpy as np
import pandas as pd
import pytest
from conftest import FACTOMINER_SETS, factominer_case

from pipeline.typology.describe import describe_types, suggest_names
from pipeline.typology.hcpc import HCPC
from pipeline.typology.mca import MCA


@pytest.fixture(scope="module", params=FACTOMINER_SETS)
def case(request):
    X, ref, extra = factominer_case(request.param)
    mca = MCA(quali_sup=["type_collectivite"], quanti_sup=["population"]).fit(X)
    types = HCPC().fit(mca.row_coordinates_).labels_
    named = X.assign(**{c: X[c].map(m) for c, m in mca.level_names_.items()})  # FactoMineR names
    return describe_types(named, types, quanti=["population"]), ref, extra


def test_categories_match_catdes(case):
    desc, ref, _ = case
    for k, rows in ref["catdes_category"].items():
        want = pd.DataFrame(rows).set_index("category")
        got = desc.category[desc.category["type"] == int(k)].set_index("category")
        assert list(got.index) == list(want.index)         # same rows, same order (v-test desc.)
        for col in ["v_test", "cla_mod", "mod_cla", "global"]:
            np.testing.assert_allclose(got[col], want[col], atol=1e-6, rtol=1e-9)
        np.testing.assert_allclose(got["p_value"], want["p_value"], rtol=1e-6, atol=0)


def test_chi2_per_variable(case):
    desc, ref, _ = case
    want = pd.DataFrame(ref["catdes_chi2"])
    assert list(desc.chi2["variable"]) == list(want["variable"])
    np.testing.assert_allclose(desc.chi2["p_value"], want["p_value"], rtol=1e-6, atol=0)
    assert (desc.chi2["df"].to_numpy() == want["df"].to_numpy()).all()


def test_numeric_variable(case):
    desc, _, extra = case
    np.testing.assert_allclose(desc.quanti_var[["eta2", "p_value"]].to_numpy().ravel(),
                               np.ravel(extra["quanti_var"]["values"]), rtol=1e-6)
    for k, tab in extra["quanti"].items():
        got = desc.quanti[desc.quanti["type"] == int(k)]
        if not tab:
            assert got.empty
            continue
        want = np.ravel(tab["values"])
        np.testing.assert_allclose(got[["v_test", "mean_in_type", "overall_mean", "sd_in_type",
                                        "overall_sd", "p_value"]].to_numpy().ravel(), want, rtol=1e-6)


def test_suggest_names_and_analyst_names_win(case):
    desc, _, _ = case
    names = suggest_names(desc, n=2)
    assert set(names) == {1, 2, 3}
    assert all(" · " in v for v in names.values())
    labels = {"etp=etp_>2": "Plus de 2 ETP", "organisation=organisation_service_dedie": "Service dédié"}
    named = suggest_names(desc, n=2, labels=labels, names={1: "Sans organisation dédiée"})
    assert named[1] == "Sans organisation dédiée"
    assert set(named[3].split(" · ")) == {"Plus de 2 ETP", "Service dédié"}


def test_suggest_names_skips_labels_mapped_to_none():
    cat = pd.DataFrame({"type": [1, 1, 1], "variable": ["B03__jumelage", "B03__pays", "C02"],
                        "category": ["B03__jumelage=Non", "B03__pays=Oui", "C02=Comité de jumelage"],
                        "modality": ["Non", "Oui", "Comité de jumelage"], "v_test": [5.0, 4.0, 3.0]})
    labels = {"B03__jumelage=Non": None, "B03__pays=Oui": "Jumelage"}
    assert suggest_names(cat, labels=labels) == {1: "Jumelage · Comité de jumelage"}


def test_constant_variable_has_no_chi2():
    data = pd.DataFrame({"a": ["x"] * 10, "b": list("xxxxxyyyyy")})
    desc = describe_types(data, [1] * 5 + [2] * 5)
    assert list(desc.chi2["variable"]) == ["b"] or desc.chi2.empty
