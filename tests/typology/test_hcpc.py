"""HCPC agrees with FactoMineR 2.7: automatic k, criterion, Ward cut, Hartigan-Wong consolidation."""


import numpy as np
import pytest
from conftest import FACTOMINER_SETS, factominer_case
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from pipeline.typology.hcpc import HCPC, ward_tree, weighted_ward
from pipeline.typology.kmeans import kmeans_hartigan_wong
from pipeline.typology.mca import MCA


@pytest.fixture(scope="module", params=FACTOMINER_SETS)
def case(request):
    X, ref, extra = factominer_case(request.param)
    coord = MCA(quali_sup=["type_collectivite"], quanti_sup=["population"]).fit_transform(X)
    pos = [X.index.get_loc(i) for i in ref["ids"]]
    return coord, ref, extra, pos, HCPC().fit(coord)


def test_automatic_k_and_criterion(case):
    _, ref, _, _, hc = case
    assert hc.n_clusters_ == ref["hcpc_nb_clust"]
    assert list(hc.criterion_.index) == list(range(3, 11))
    np.testing.assert_allclose(hc.criterion_, ref["hcpc_quot"], atol=1e-6)
    np.testing.assert_allclose(hc.inertia_gains_[:10], ref["hcpc_inert_gain_top10"], atol=1e-9)


def test_ward_cut_before_consolidation_is_identical(case):
    _, ref, _, pos, hc = case
    assert adjusted_rand_score(hc.labels_ward_[pos], ref["hcpc_clust_before_consolidation"]) == 1.0


def test_consolidated_partition_and_numbering(case):
    _, ref, _, pos, hc = case
    assert adjusted_rand_score(hc.labels_[pos], ref["hcpc_clust"]) >= 0.98
    # clusters numbered by their centre on axis 1, as FactoMineR: here labels agree exactly
    assert (hc.labels_[pos] == np.array(ref["hcpc_clust"])).mean() >= 0.99
    assert hc.cluster_centers_["F1"].is_monotonic_increasing
    assert hc.kmeans_fault_ == 0


def test_imposed_k(case):
    coord, _, extra, _, _ = case
    hc = HCPC(n_clusters=4).fit(coord)
    assert hc.n_clusters_ == 4
    assert adjusted_rand_score(hc.labels_, extra["hcpc4_clust"]) >= 0.98


def test_predict_nearest_consolidated_centre(case):
    coord, _, _, _, hc = case
    pred = hc.predict(coord)
    d2 = ((coord.to_numpy()[:, None, :] - hc.cluster_centers_.to_numpy()[None]) ** 2).sum(2)
    assert (pred == d2.argmin(1) + 1).all()
    # after Hartigan-Wong convergence almost everyone is nearest to their own centre
    assert (pred == hc.labels_).mean() > 0.97


def test_weighted_ward_matches_scipy_and_duplication():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(60, 3))
    Zs = ward_tree(A, np.ones(60))
    Zw = weighted_ward(A, np.ones(60))
    np.testing.assert_allclose(np.sort(Zs[:, 2]), np.sort(Zw[:, 2]), atol=1e-12)
    # a weight of 2 costs what two coincident points cost
    w = np.r_[np.full(10, 2.0), np.ones(50)]
    Zd = ward_tree(np.vstack([A[:10], A]), np.ones(70))
    Zw2 = weighted_ward(A, w)
    np.testing.assert_allclose(np.sort(Zw2[:, 2])[-20:], np.sort(Zd[:, 2])[-20:], atol=1e-12)


def test_hartigan_wong_reaches_a_local_optimum():
    rng = np.random.default_rng(1)
    A = np.vstack([rng.normal(c, 1.0, size=(80, 2)) for c in (0, 4, 8)])
    start = A[[0, 100, 200]] + 0.5
    lab, C, it, fault = kmeans_hartigan_wong(A, start, max_iter=10)
    assert fault == 0
    wss = ((A - C[lab]) ** 2).sum()
    # no single move of a point lowers the within sum of squares (Hartigan optimality)
    nc = np.bincount(lab, minlength=3)
    for i in range(len(A)):
        l1 = lab[i]
        cost_out = nc[l1] / (nc[l1] - 1) * ((A[i] - C[l1]) ** 2).sum()
        for l in range(3):
            if l != l1:
                assert nc[l] / (nc[l] + 1) * ((A[i] - C[l]) ** 2).sum() >= cost_out - 1e-9
    lloyd = KMeans(3, init=start, n_init=1).fit(A)
    assert wss <= lloyd.inertia_ + 1e-9


def test_kk_prepartition_never_builds_n_by_n(case):
    coord, ref, _, pos, _ = case
    hc = HCPC(kk=80, random_state=0).fit(coord)
    assert hc.linkage_.shape == (79, 4)
    assert hc.labels_.shape == (len(coord),)
    assert adjusted_rand_score(hc.labels_[pos], ref["hcpc_clust"]) > 0.5


def test_bad_input():
    with pytest.raises(ValueError, match="coordonnées"):
        HCPC().fit(np.array([[np.nan, 1.0]] * 10))
    with pytest.raises(ValueError, match="Nombre de types"):
        HCPC(n_clusters=50).fit(np.random.default_rng(0).normal(size=(20, 2)))


def test_direct_ward_refuses_large_n(monkeypatch):
    import pipeline.typology.hcpc as hcpc_module

    monkeypatch.setattr(hcpc_module, "MAX_WARD", 50)
    A = np.random.default_rng(2).normal(size=(80, 3))
    with pytest.raises(ValueError, match="kk"):
        HCPC().fit(A)
    assert HCPC(kk=20, random_state=0).fit(A).n_clusters_ >= 3
