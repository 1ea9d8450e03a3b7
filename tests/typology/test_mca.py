"""MCA agrees with FactoMineR 2.7 on the two planted data sets (tests/fixtures/factominer)."""


import numpy as np
import pandas as pd
import pytest
from conftest import FACTOMINER_SETS, factominer_case

from pipeline.typology.mca import MCA

SETS = FACTOMINER_SETS
load = factominer_case


@pytest.fixture(scope="module", params=SETS)
def fitted(request):
    X, ref, extra = load(request.param)
    mca = MCA(n_components=5, quali_sup=["type_collectivite"], quanti_sup=["population"]).fit(X)
    return X, ref, extra, mca


def as_frame(table):
    rows = table["rows"] if isinstance(table["rows"], list) else [table["rows"]]
    return pd.DataFrame(np.array(table["values"], float).reshape(len(rows), -1), index=rows)


def test_eigenvalues_all_axes(fitted):
    _, ref, _, mca = fitted
    assert len(mca.eigenvalues_) == len(ref["eigenvalues"])
    np.testing.assert_allclose(mca.eigenvalues_["eigenvalue"], ref["eigenvalues"], atol=1e-9, rtol=0)
    np.testing.assert_allclose(mca.eigenvalues_["percent"], ref["percent_variance"], atol=1e-9, rtol=0)


def test_row_coordinates_with_factominer_sign_rule(fitted):
    _, ref, _, mca = fitted
    ours = mca.row_coordinates_.loc[ref["ids"]].to_numpy()
    np.testing.assert_allclose(ours, np.array(ref["ind_coord"]), atol=1e-9, rtol=0)


def test_row_contributions_and_cos2(fitted):
    _, _, extra, mca = fitted
    np.testing.assert_allclose(mca.row_contributions_, as_frame(extra["ind_contrib"]), atol=1e-9)
    np.testing.assert_allclose(mca.row_cos2_, as_frame(extra["ind_cos2"]), atol=1e-9)


@pytest.mark.parametrize("attr,key", [("column_coordinates_", "var_coord"),
                                      ("column_contributions_", "var_contrib"),
                                      ("column_cos2_", "var_cos2"),
                                      ("column_vtest_", "var_vtest")])
def test_categories(fitted, attr, key):
    _, _, extra, mca = fitted
    ref = as_frame(extra[key])
    ours = getattr(mca, attr).droplevel("variable")   # category names as FactoMineR renames them
    assert sorted(ours.index) == sorted(ref.index)
    np.testing.assert_allclose(ours.loc[ref.index], ref, atol=1e-9)


@pytest.mark.parametrize("attr,key", [("quali_sup_coordinates_", "quali_sup_coord"),
                                      ("quali_sup_vtest_", "quali_sup_vtest"),
                                      ("quali_sup_cos2_", "quali_sup_cos2"),
                                      ("quali_sup_eta2_", "quali_sup_eta2"),
                                      ("quanti_sup_correlations_", "quanti_sup_coord")])
def test_supplementary_variables(fitted, attr, key):
    _, _, extra, mca = fitted
    ref = as_frame(extra[key])
    ours = getattr(mca, attr)
    if isinstance(ours.index, pd.MultiIndex):
        ours = ours.droplevel("variable")
    np.testing.assert_allclose(ours.loc[ref.index], ref, atol=1e-9)


def test_missing_answer_is_a_category():
    X, _, _ = load("with_missing")
    mca = MCA(quali_sup=["type_collectivite"], quanti_sup=["population"]).fit(X)
    assert ("budget", "budget.NA") in mca.column_coordinates_.index
    # a shared level is renamed <var>_<level>, a level of one variable only is kept
    assert ("ligne_dediee", "ligne_dediee_non") in mca.column_coordinates_.index
    assert ("portage", "aucun") in mca.column_coordinates_.index


def test_transform_reproduces_fit_and_handles_unknown_categories(fitted):
    X, _, _, mca = fitted
    np.testing.assert_allclose(mca.transform(X), mca.row_coordinates_, atol=1e-12)
    new = X.iloc[:3].copy()
    new.iloc[0, 0] = "jamais_vu"                     # unknown organisation
    new.iloc[1, 1] = np.nan                          # missing strategie
    coord = mca.transform(new)
    assert np.isfinite(coord.to_numpy()).all()
    np.testing.assert_allclose(coord.iloc[2], mca.row_coordinates_.iloc[2], atol=1e-12)
    # the unknown answer sits at the centre: its variable contributes nothing
    Vs = mca.column_standard_coordinates_
    known = Vs.loc[[(c, mca.level_names_[c][X.iloc[0][c]]) for c in mca.active_[1:]]].sum()
    np.testing.assert_allclose(coord.iloc[0], known / len(mca.active_), atol=1e-12)
    assert mca.unknown_categories(new)["value"].tolist() == ["jamais_vu"]


def test_row_weights_equal_duplicated_rows():
    X, _, _ = load("complete")
    X = X.iloc[:120]
    w = np.r_[np.full(60, 2.0), np.ones(60)]
    weighted = MCA(quali_sup=["type_collectivite"], quanti_sup=["population"]).fit(X, sample_weight=w)
    dup = pd.concat([X.iloc[:60], X])
    plain = MCA(quali_sup=["type_collectivite"], quanti_sup=["population"]).fit(dup)
    np.testing.assert_allclose(weighted.eigenvalues_["eigenvalue"].iloc[:5],
                               plain.eigenvalues_["eigenvalue"].iloc[:5], atol=1e-12)
    np.testing.assert_allclose(np.abs(weighted.row_coordinates_.to_numpy()),
                               np.abs(plain.row_coordinates_.iloc[60:].to_numpy()), atol=1e-10)


def test_failures_are_reported_in_french():
    X, _, _ = load("complete")
    with pytest.raises(ValueError, match="absentes"):
        MCA(quali_sup=["inconnue"]).fit(X)
    with pytest.raises(ValueError, match="une seule modalité"):
        MCA(quali_sup=["type_collectivite"], quanti_sup=["population"]).fit(X.assign(ecsi="oui"))
    with pytest.raises(TypeError):
        MCA().fit(X.to_numpy())
