"""Row weights of the typology (typology.weights: calibration): FactoMineR's row.w semantics."""

from __future__ import annotations

import numpy as np

from conftest import factominer_case
from pipeline.typology.hcpc import HCPC
from pipeline.typology.mca import MCA


def _case():
    X, ref, _ = factominer_case("complete")
    active = [c for c in X.columns if c not in ("population",)][:6]
    return X[active]


def test_an_integer_weight_is_a_repeated_row_in_the_mca():
    X = _case()
    w = np.random.default_rng(1).integers(1, 4, len(X))
    weighted = MCA(n_components=4).fit(X, sample_weight=w)
    repeated = MCA(n_components=4).fit(X.loc[X.index.repeat(w)])
    assert np.allclose(weighted.eigenvalues_["eigenvalue"].to_numpy()[:4],
                       repeated.eigenvalues_["eigenvalue"].to_numpy()[:4], rtol=1e-10)
    first = ~repeated.row_coordinates_.index.duplicated()
    assert np.allclose(np.abs(weighted.row_coordinates_.to_numpy()),
                       np.abs(repeated.row_coordinates_.to_numpy()[first]), atol=1e-10)


def test_weights_move_the_ward_step_and_uniform_weights_change_nothing():
    X = _case()
    coord = MCA(n_components=4).fit(X).row_coordinates_
    plain = HCPC(n_clusters=3).fit(coord)
    uniform = HCPC(n_clusters=3).fit(coord, sample_weight=np.full(len(coord), 7.0))
    assert np.array_equal(plain.labels_, uniform.labels_) and np.allclose(plain.linkage_, uniform.linkage_)
    w = np.where(coord.iloc[:, 0].to_numpy() > 0, 10.0, 1.0)
    weighted = HCPC(n_clusters=3).fit(coord, sample_weight=w)
    assert not np.allclose(plain.linkage_[:, 2], weighted.linkage_[:, 2])
