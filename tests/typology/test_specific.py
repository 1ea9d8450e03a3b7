"""Specific MCA (missing answers passive, FactoMineR MCA(excl = )) and row weights (MCA(row.w = )),
then HCPC on them, agree with FactoMineR 2.7 (tests/fixtures/factominer/specific_reference.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, factominer_case

from pipeline.typology.hcpc import HCPC
from pipeline.typology.mca import MCA

CASES = {  # fixture -> (survey, how the missing answers are excluded)
    "specific": ("with_missing", "factominer_specific"),
    "weighted": ("complete", "factominer_weighted"),
    "specific_weighted": ("with_missing", "factominer_specific_weighted"),
}
SUP = {"quali_sup": ["type_collectivite"], "quanti_sup": ["population"]}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    survey, name = CASES[request.param]
    X, _, _ = factominer_case(survey)
    ref = json.loads((FIXTURES / "factominer" / survey / f"{name}.json").read_text(encoding="utf-8"))
    w = np.array(ref["row_w"], float) if ref["row_w"] else None
    by_position = MCA(n_components=5, excl=[p - 1 for p in ref["excl"]], **SUP).fit(X, sample_weight=w)
    passive = MCA(n_components=5, missing="passive" if ref["excl"] else "category", **SUP).fit(X, sample_weight=w)
    return X, ref, w, by_position, passive


def frame(table: dict) -> pd.DataFrame:
    return pd.DataFrame(np.array(table["values"], float), index=table["rows"])


def test_excl_positions_are_the_missing_categories(case):
    _, ref, _, by_position, passive = case
    assert list(by_position.excluded_categories_.get_level_values(1)) == ref.get("excl_names", [])
    assert list(passive.excluded_categories_.get_level_values(1)) == ref.get("excl_names", [])


def test_eigenvalues_within_1e9(case):
    _, ref, _, mca, passive = case
    assert len(mca.eigenvalues_) == len(ref["eigenvalues"])
    for fitted in (mca, passive):
        np.testing.assert_allclose(fitted.eigenvalues_["eigenvalue"], ref["eigenvalues"], atol=1e-9, rtol=0)
        np.testing.assert_allclose(fitted.eigenvalues_["percent"], ref["percent_variance"], atol=1e-9, rtol=0)


def test_respondents_within_1e9(case):
    X, ref, _, mca, passive = case
    pos = [X.index.get_loc(i) for i in ref["ids"]]
    for fitted in (mca, passive):
        np.testing.assert_allclose(fitted.row_coordinates_.to_numpy()[pos], ref["ind_coord"], atol=1e-9, rtol=0)
        np.testing.assert_allclose(fitted.row_contributions_.to_numpy()[pos], ref["ind_contrib"], atol=1e-9, rtol=0)
        np.testing.assert_allclose(fitted.row_cos2_.to_numpy()[pos], ref["ind_cos2"], atol=1e-9, rtol=0)
    # a fitted respondent projected again lands where it is (transition formula with the offset)
    np.testing.assert_allclose(passive.transform(X).to_numpy(), passive.row_coordinates_.to_numpy(), atol=1e-12)


@pytest.mark.parametrize("attr,key", [("column_coordinates_", "var_coord"), ("column_contributions_", "var_contrib"),
                                      ("column_cos2_", "var_cos2"), ("column_vtest_", "var_vtest")])
def test_active_categories_within_1e9(case, attr, key):
    _, ref, _, mca, _ = case
    ours = getattr(mca, attr).droplevel("variable")
    theirs = frame(ref[key])
    assert sorted(ours.index) == sorted(theirs.index)      # the passive categories are in no table
    np.testing.assert_allclose(ours.loc[theirs.index], theirs, atol=1e-9, rtol=0)


def test_supplementary_variables_within_1e9(case):
    _, ref, _, mca, _ = case
    theirs = frame(ref["quali_sup_coord"])
    ours = mca.quali_sup_coordinates_.droplevel("variable")
    np.testing.assert_allclose(ours.loc[theirs.index], theirs, atol=1e-9, rtol=0)
    np.testing.assert_allclose(mca.quanti_sup_correlations_, np.array(ref["quanti_sup_coord"]["values"]), atol=1e-9)


def test_hcpc_same_k_gains_and_partition(case):
    """Same automatic k and criterion, same Ward gains, the same partition after the consolidation,
    which ignores the row weights as R's kmeans does (n = 400, below any kk pre-partition)."""
    X, ref, w, mca, _ = case
    pos = [X.index.get_loc(i) for i in ref["ids"]]
    hc = HCPC().fit(mca.row_coordinates_, sample_weight=w)
    assert hc.n_clusters_ == ref["hcpc_nb_clust"]
    np.testing.assert_allclose(hc.criterion_, ref["hcpc_quot"], atol=1e-9, rtol=0)
    np.testing.assert_allclose(hc.inertia_gains_[:10], ref["hcpc_inert_gain_top10"], atol=1e-9, rtol=0)
    assert np.array_equal(hc.labels_[pos], np.array(ref["hcpc_clust"]))
    ward4 = HCPC(n_clusters=4, consolidate=False).fit(mca.row_coordinates_, sample_weight=w)
    assert np.array_equal(ward4.labels_[pos], np.array(ref["hcpc4_ward"]))


def test_weighted_consolidation_would_not_be_factominer():
    """The k-means step of R's HCPC is unweighted: weighting it moves respondents."""
    X, _, _ = factominer_case("complete")
    ref = json.loads((FIXTURES / "factominer" / "complete" / "factominer_weighted.json").read_text(encoding="utf-8"))
    w = np.array(ref["row_w"], float)
    coord = MCA(n_components=5, **SUP).fit(X, sample_weight=w).row_coordinates_.to_numpy()
    hc = HCPC().fit(coord, sample_weight=w)
    centres = np.vstack([np.average(coord[hc.labels_ward_ == g], axis=0, weights=w[hc.labels_ward_ == g])
                         for g in range(1, hc.n_clusters_ + 1)])
    for _ in range(10):  # Lloyd with weighted centres
        lab = ((coord[:, None, :] - centres[None]) ** 2).sum(2).argmin(1)
        centres = np.vstack([np.average(coord[lab == g], axis=0, weights=w[lab == g]) for g in range(hc.n_clusters_)])
    from sklearn.metrics import adjusted_rand_score
    assert adjusted_rand_score(lab, ref["hcpc_clust"]) < adjusted_rand_score(hc.labels_, ref["hcpc_clust"]) == 1.0


def test_passive_without_missing_answers_is_the_ordinary_mca():
    X, ref, _ = factominer_case("complete")
    plain = MCA(n_components=5, **SUP).fit(X)
    passive = MCA(n_components=5, missing="passive", **SUP).fit(X)
    assert passive.excluded_categories_.empty
    np.testing.assert_array_equal(plain.row_coordinates_, passive.row_coordinates_)


def test_unknown_excluded_category_and_bad_missing_are_refused():
    X, _, _ = factominer_case("with_missing")
    with pytest.raises(ValueError, match="inconnue"):
        MCA(excl=["strategie.NB"], **SUP).fit(X)
    with pytest.raises(ValueError, match="hors du tableau"):
        MCA(excl=[999], **SUP).fit(X)
    with pytest.raises(ValueError, match="attendu : category ou passive"):
        MCA(missing="average", **SUP).fit(X)
