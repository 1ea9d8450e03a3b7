"""Hierarchical clustering on principal components (HCPC), as FactoMineR 2.7 ``HCPC()``.

Ported from FactoMineR ``R/HCPC.R`` (CRAN mirror ``cran/FactoMineR``; line numbers are those
of that file, about: ``auto.cut.tree`` l. 6-36 with the sort l. 12, Ward l. 21-25, gains and
``quot`` l. 26-30; ``consolidation`` l. 37-43; renumbering in the ``if (consol)`` block):

- ``auto.cut.tree``: respondents sorted by their axis-1 coordinate, weighted Ward on the
  coordinates (dissimilarity ``w_i w_j / (W (w_i + w_j)) * d2``, i.e. the inertia lost by
  merging, with Lance-Williams updates), inertia gains ``rev(hc$height)``, within inertia
  ``W(Q) = sum of the gains from Q on``, criterion ``quot = W(Q) / W(Q - 1)`` for
  ``Q = min..max`` and ``nb.clust = which.min(quot) + min - 1`` (rule of FactoMineR 1.34 to 2.13);
  ``max = min(10, round(n / 2))`` by default;
- ``consolidation``: ``kmeans(X, centers = Ward cluster means, iter.max = 10)``, R's default
  Hartigan-Wong algorithm (AS 136, R ``src/library/stats/src/kmns.f``), ported in :mod:`pipeline.typology.kmeans`;
- clusters renumbered by the axis-1 coordinate of their centre (``ord <- order(centers[, 1])``);
- ``kk``: k-means pre-partition into ``kk`` groups, Ward on their centres weighted by their
  sizes, the within-group inertia appended as the last gain (``cla$tot.withinss /
  sum(cla$size)``); as in FactoMineR no consolidation is done in that case. Unlike
  FactoMineR (Hartigan-Wong, ``nstart = 4``, all rows) the pre-partition runs Lloyd on a sample
  then assigns every respondent (:func:`kmeans_prepartition`), to stay under 2 s at 1e5 rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import linkage
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted

from pipeline.typology.kmeans import (
    cluster_means,
    kmeans_hartigan_wong,
    kmeans_prepartition,
)

MAX_WARD = 20000  # Ward on more units needs O(n^2) memory: use kk beyond


def weighted_ward(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Ward tree of weighted points; scipy linkage layout, heights = inertia gains.

    Merging groups a and b costs ``w_a w_b / (w_a + w_b) * |g_a - g_b|^2 / W`` (the
    between-group inertia lost); Lance-Williams update for Ward (flashClust ``hclust``
    with ``members = weight`` on that dissimilarity, as R/HCPC.R calls it). O(m^2) memory:
    meant for the ``kk`` centres or a few thousand respondents.
    """
    m = len(X)
    w = np.asarray(weights, float).copy()
    W = w.sum()
    sq = (X**2).sum(1)
    D = np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0.0)
    D *= np.outer(w, w) / (w[:, None] + w[None, :]) / W
    np.fill_diagonal(D, np.inf)
    ids = np.arange(m)
    size = np.ones(m)
    active = np.ones(m, bool)
    Z = np.zeros((m - 1, 4))
    for step in range(m - 1):
        flat = np.argmin(D)
        i, j = divmod(int(flat), m)
        if i > j:
            i, j = j, i
        h = D[i, j]
        Z[step] = (min(ids[i], ids[j]), max(ids[i], ids[j]), h, size[i] + size[j])
        wi, wj = w[i], w[j]
        wk = w
        new = ((wi + wk) * D[i] + (wj + wk) * D[j] - wk * h) / (wi + wj + wk)
        new[~active] = np.inf
        D[i, :] = new
        D[:, i] = new
        D[i, i] = np.inf
        D[j, :] = np.inf
        D[:, j] = np.inf
        active[j] = False
        w[i] = wi + wj
        size[i] += size[j]
        ids[i] = m + step
    return Z


def ward_tree(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Ward linkage with heights in inertia units; scipy's fast path for uniform weights."""
    w = np.asarray(weights, float)
    if np.allclose(w, w[0]):
        Z = linkage(X, method="ward")
        # scipy height = sqrt(2 n_a n_b / (n_a + n_b)) |g_a - g_b|; gain = that^2 / 2 * w / W
        Z[:, 2] = Z[:, 2] ** 2 / 2.0 * w[0] / w.sum()
        return Z
    return weighted_ward(X, w)


def cut_first_seen(Z: np.ndarray, k: int) -> np.ndarray:
    """Cut a tree into ``k`` groups numbered 1..k by first appearance (as R's ``cutree``).

    The first ``n - k`` merges of the (monotone) Ward tree are applied.
    """
    n = len(Z) + 1
    parent = np.arange(2 * n - 1)
    for step in range(n - k):
        a, b = int(Z[step, 0]), int(Z[step, 1])
        parent[a] = parent[b] = n + step
    root = np.arange(2 * n - 1)
    for node in range(2 * n - 2, -1, -1):
        p = parent[node]
        if p != node:
            root[node] = root[p]
    raw = root[:n]
    _, first, inv = np.unique(raw, return_index=True, return_inverse=True)
    rank = np.empty(len(first), int)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inv] + 1


class HCPC(ClusterMixin, BaseEstimator):
    """Ward clustering of MCA coordinates, automatic cut and k-means consolidation.

    Parameters
    ----------
    n_clusters : int or None, default=None
        Number of clusters; ``None`` chooses it by the inertia-gain criterion.
    min_clusters, max_clusters : int, default=3 and None
        Range searched by the automatic rule (FactoMineR ``min``/``max``; ``None`` means
        ``min(10, round(n / 2))``).
    consolidate : bool, default=True
        Hartigan-Wong k-means started at the Ward cluster means (ignored with ``kk``).
    max_iter : int, default=10
        ``iter.max`` of the consolidation.
    kk : int or None, default=None
        Size of the k-means pre-partition for large samples (FactoMineR ``kk``).
    random_state : int or None
        Seed of the ``kk`` pre-partition (random starting respondents, as R's kmeans).

    Attributes
    ----------
    labels_ : ndarray of int
        Cluster of each respondent, 1..k, numbered by the axis-1 coordinate of the centre.
    labels_ward_ : ndarray of int
        Cut of the Ward tree before consolidation (numbered as R's ``cutree``).
    n_clusters_ : int
    inertia_gains_ : ndarray
        Ward merge gains, largest first (FactoMineR ``inert.gain``).
    within_inertia_ : ndarray
        ``W(Q)`` for Q = 1, 2, ... (FactoMineR ``within``).
    criterion_ : pandas.Series
        ``W(Q) / W(Q - 1)`` for Q = min..max (FactoMineR ``quot``).
    cluster_centers_ : pandas.DataFrame
        Centres of the final clusters (rows 1..k).
    linkage_ : ndarray
        Ward tree (scipy layout) on the sorted respondents or on the ``kk`` centres.
    n_iter_, kmeans_fault_ : int
        Hartigan-Wong iterations and ``ifault`` code (0 = converged).
    """

    def __init__(self, *, n_clusters: int | None = None, min_clusters: int = 3,
                 max_clusters: int | None = None, consolidate: bool = True, max_iter: int = 10,
                 kk: int | None = None, random_state: int | None = None):
        self.n_clusters = n_clusters
        self.min_clusters = min_clusters
        self.max_clusters = max_clusters
        self.consolidate = consolidate
        self.max_iter = max_iter
        self.kk = kk
        self.random_state = random_state

    def fit(self, X, y=None, sample_weight=None) -> HCPC:
        """Cluster respondents from their coordinates on the first axes.

        Parameters
        ----------
        X : array-like or DataFrame (n, ncp)
            MCA coordinates (``MCA.row_coordinates_``).
        y : ignored
        sample_weight : array-like (n,), optional
            Respondent weights (uniform by default).

        Returns
        -------
        self : HCPC
        """
        cols = list(X.columns) if isinstance(X, pd.DataFrame) else None
        A = np.asarray(X, float)
        if A.ndim != 2 or not np.isfinite(A).all():
            raise ValueError("HCPC attend une matrice de coordonnées finies (répondants x axes)")
        n = len(A)
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
        if w.shape != (n,) or np.any(w <= 0):
            raise ValueError("sample_weight : un poids strictement positif par répondant")
        if n < 4:
            raise ValueError("Au moins 4 répondants sont nécessaires pour la classification")
        self.feature_names_ = cols or [f"F{s + 1}" for s in range(A.shape[1])]

        # R/HCPC.R auto.cut.tree (order = TRUE): sort by axis 1, stable like R's order()
        extra_gain = None
        if self.kk is not None and self.kk < n:
            pre = kmeans_prepartition(A, int(self.kk), w, self.random_state)
            kk = int(pre.max()) + 1
            size, G = cluster_means(A, pre, w, kk)
            within = float(((A - G[pre]) ** 2 * w[:, None]).sum())
            extra_gain = within / size.sum()  # cla$tot.withinss / sum(cla$size)
            units, uw, unit_of = G, size, pre
        else:
            units, uw, unit_of = A, w, np.arange(n)
        if len(units) > MAX_WARD:
            raise ValueError(f"{len(units)} répondants : la classification hiérarchique directe demanderait "
                             f"une matrice {len(units)} x {len(units)} ; utilisez une pré-partition kk "
                             "(par exemple kk=200)")
        srt = np.argsort(units[:, 0], kind="stable")
        U, Uw = units[srt], uw[srt]
        Z = ward_tree(U, Uw)
        gains = Z[::-1, 2].copy()
        if extra_gain is not None:
            gains = np.append(gains, extra_gain)
        intra = np.cumsum(gains[::-1])[::-1]      # intra <- rev(cumsum(rev(inert.gain)))
        m = len(U)
        kmin = int(self.min_clusters)
        # max <- min(10, round(n / 2)); Python's round, like R's, rounds half to even
        kmax = self.max_clusters if self.max_clusters is not None else min(10, round(m / 2))
        kmax = int(min(kmax, m - 1))
        if kmin < 2 or kmax < kmin:
            raise ValueError(f"Intervalle de nombres de types invalide : {kmin}..{kmax}")
        quot = intra[kmin - 1:kmax] / intra[kmin - 2:kmax - 1]
        self.criterion_ = pd.Series(quot, index=pd.RangeIndex(kmin, kmax + 1, name="k"),
                                    name="W(k)/W(k-1)")
        k_auto = int(np.argmin(quot)) + kmin
        k = k_auto if self.n_clusters is None else int(self.n_clusters)
        if not 2 <= k <= m:
            raise ValueError(f"Nombre de types impossible : {k} (entre 2 et {m})")
        self.k_auto_ = k_auto
        self.inertia_gains_ = gains
        self.within_inertia_ = intra
        self.linkage_ = Z

        cut_sorted = cut_first_seen(Z, k)
        cut_units = np.empty(m, int)
        cut_units[srt] = cut_sorted
        ward = cut_units[unit_of]
        self.labels_ward_ = ward
        consolidate = self.consolidate and extra_gain is None
        if consolidate:
            # consolidation(): centres = by(X, clust, colMeans), X in the sorted order
            start = np.vstack([A[srt][cut_sorted == g].mean(0) for g in range(1, k + 1)])
            lab, C, it, fault = kmeans_hartigan_wong(A[srt], start, max_iter=self.max_iter)
            lab_all = np.empty(n, int)
            lab_all[srt] = lab
            self.n_iter_, self.kmeans_fault_ = it, fault
        else:
            lab_all = ward - 1
            C = np.vstack([np.average(A[lab_all == g], axis=0, weights=w[lab_all == g])
                           for g in range(k)])
            self.n_iter_, self.kmeans_fault_ = 0, 0
        # ord <- order(centers[, 1]); clust <- order(ord)[clust]
        ordc = np.argsort(C[:, 0], kind="stable")
        rank = np.empty(k, int)
        rank[ordc] = np.arange(1, k + 1)
        self.labels_ = rank[lab_all]
        self.cluster_centers_ = pd.DataFrame(C[ordc], index=pd.RangeIndex(1, k + 1, name="type"),
                                             columns=self.feature_names_)
        self.n_clusters_ = k
        return self

    def predict(self, X) -> np.ndarray:
        """Type (1..k) of each row of coordinates: the nearest final centre."""
        check_is_fitted(self, "cluster_centers_")
        A = np.asarray(X, float)
        C = self.cluster_centers_.to_numpy()
        d2 = ((A[:, None, :] - C[None, :, :]) ** 2).sum(2)
        return np.argmin(d2, axis=1) + 1

    def inertia_table(self) -> pd.DataFrame:
        """Per number of types k: within inertia W(k), gain of the merge, and W(k)/W(k-1)."""
        check_is_fitted(self, "within_inertia_")
        kmax = min(len(self.within_inertia_), 15)
        ks = np.arange(1, kmax + 1)
        out = pd.DataFrame({"within_inertia": self.within_inertia_[:kmax],
                            "inertia_gain": np.r_[self.inertia_gains_[:kmax - 1], np.nan]},
                           index=pd.Index(ks, name="k"))
        out["ratio"] = out["within_inertia"] / out["within_inertia"].shift(1)
        return out
