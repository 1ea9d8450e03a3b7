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
  Hartigan-Wong algorithm (AS 136, R ``src/library/stats/src/kmns.f``), ported below;
- clusters renumbered by the axis-1 coordinate of their centre (``ord <- order(centers[, 1])``);
- ``kk``: k-means pre-partition into ``kk`` groups, Ward on their centres weighted by their
  sizes, the within-group inertia appended as the last gain (``cla$tot.withinss /
  sum(cla$size)``); as in FactoMineR no consolidation is done in that case. Unlike
  FactoMineR (Hartigan-Wong, ``nstart = 4``, all rows) the pre-partition runs Lloyd on a sample
  then assigns every respondent (:func:`kmeans_prepartition`), to stay under 2 s at 1e5 rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import linkage
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted

BIG = 1.0e30  # kmns.f: DATA BIG /1.E30/
MAX_WARD = 20000  # Ward on more units needs O(n^2) memory: use kk beyond


# -- Ward ----------------------------------------------------------------------------------
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


# -- Hartigan-Wong k-means (AS 136) ---------------------------------------------------------
def kmeans_hartigan_wong(A: np.ndarray, centers: np.ndarray, max_iter: int = 10,
                         max_quick_transfer: int | None = None):
    """R's ``kmeans(A, centers, iter.max, algorithm = "Hartigan-Wong")``, ported from kmns.f.

    Parameters
    ----------
    A : ndarray (m, n)
        Points, in the order R sees them (the order matters for ties and transfers).
    centers : ndarray (k, n)
        Starting centres.
    max_iter : int
        ``iter.max`` (10 in HCPC).

    Returns
    -------
    labels : ndarray of int (0-based), centers : ndarray, n_iter : int, ifault : int
        ``ifault`` as in kmns.f: 0 converged, 1 empty cluster, 2 ``max_iter`` reached,
        3 bad k, 4 too many quick transfers.
    """
    A = np.asarray(A, float)
    C = np.array(centers, float)
    M, _ = A.shape
    K = len(C)
    if K <= 1 or K >= M:
        return np.zeros(M, int), C, 0, 3
    imaxqtr = max_quick_transfer or 50 * M  # R kmeans: iMaxQtr = 50 * m by default
    d2 = ((A[:, None, :] - C[None, :, :]) ** 2).sum(2)
    # kmns.f lines "DO 50 I = 1, M": two closest centres (ties: lower index first)
    order = np.argsort(d2, axis=1, kind="stable")
    ic1 = order[:, 0].copy()
    ic2 = order[:, 1].copy()
    nc = np.bincount(ic1, minlength=K).astype(float)
    if np.any(nc == 0):
        return ic1, C, 0, 1
    C = np.vstack([A[ic1 == l].sum(0) for l in range(K)]) / nc[:, None]
    an2 = nc / (nc + 1.0)
    an1 = np.where(nc > 1, nc / np.maximum(nc - 1.0, 1e-300), BIG)
    itran = np.ones(K, bool)
    ncp = -np.ones(K, int)
    live = np.zeros(K, int)
    D = np.zeros(M)
    indx = 0
    ifault = 2
    it = 0
    st = {"indx": 0}

    def transfer(i, l1, l2):
        al1, al2 = nc[l1], nc[l2]
        alw, alt = al1 - 1.0, al2 + 1.0
        C[l1] = (C[l1] * al1 - A[i]) / alw
        C[l2] = (C[l2] * al2 + A[i]) / alt
        nc[l1] -= 1
        nc[l2] += 1
        an2[l1] = alw / al1
        an1[l1] = alw / (alw - 1.0) if alw > 1.0 else BIG
        an1[l2] = alt / al2
        an2[l2] = alt / (alt + 1.0)
        ic1[i], ic2[i] = l2, l1

    def optra():
        # AS 136.1, kmns.f SUBROUTINE OPTRA (indices 1-based there, 0-based here)
        for l in range(K):
            if itran[l]:
                live[l] = M + 1
        for i0 in range(M):
            i = i0 + 1
            st["indx"] += 1
            l1, l2 = ic1[i0], ic2[i0]
            ll = l2
            if nc[l1] != 1:
                if ncp[l1] != 0:
                    D[i0] = ((A[i0] - C[l1]) ** 2).sum() * an1[l1]
                r2 = ((A[i0] - C[l2]) ** 2).sum() * an2[l2]
                dist = ((A[i0] - C) ** 2).sum(1)
                for l in range(K):
                    if (i >= live[l1] and i >= live[l]) or l == l1 or l == ll:
                        continue
                    if dist[l] < r2 / an2[l]:
                        r2 = dist[l] * an2[l]
                        l2 = l
                if r2 >= D[i0]:
                    ic2[i0] = l2
                else:
                    st["indx"] = 0
                    live[l1] = M + i
                    live[l2] = M + i
                    ncp[l1] = i
                    ncp[l2] = i
                    transfer(i0, l1, l2)
            if st["indx"] == M:
                return
        itran[:] = False
        live[:] -= M

    def qtran():
        # AS 136.2, kmns.f SUBROUTINE QTRAN
        icoun = 0
        istep = 0
        while True:
            for i0 in range(M):
                icoun += 1
                istep += 1
                if istep >= imaxqtr:
                    return False
                l1, l2 = ic1[i0], ic2[i0]
                if nc[l1] != 1:
                    if istep <= ncp[l1]:
                        D[i0] = ((A[i0] - C[l1]) ** 2).sum() * an1[l1]
                    if istep < ncp[l1] or istep < ncp[l2]:
                        r2 = D[i0] / an2[l2]
                        dd = ((A[i0] - C[l2]) ** 2).sum()
                        if dd < r2:
                            icoun = 0
                            st["indx"] = 0
                            itran[l1] = True
                            itran[l2] = True
                            ncp[l1] = istep + M
                            ncp[l2] = istep + M
                            transfer(i0, l1, l2)
                if icoun == M:
                    return True

    st["indx"] = indx
    for it in range(1, max_iter + 1):
        optra()
        if st["indx"] == M:
            ifault = 0
            break
        if not qtran():
            ifault = 4
            break
        if K == 2:
            ifault = 0
            break
        ncp[:] = 0
    else:
        ifault = 2
    # kmns.f label 150: final centres from the memberships
    C = np.vstack([A[ic1 == l].mean(0) for l in range(K)])
    return ic1.copy(), C, it, ifault


def _nearest(A: np.ndarray, C: np.ndarray, chunk: int = 16384) -> np.ndarray:
    """Index of the nearest centre of each row, by blocks of rows (memory O(chunk * k))."""
    cc = (C**2).sum(1)
    out = np.empty(len(A), int)
    for s in range(0, len(A), chunk):
        out[s:s + chunk] = (cc[None, :] - 2.0 * A[s:s + chunk] @ C.T).argmin(1)
    return out


def _means(A: np.ndarray, lab: np.ndarray, w: np.ndarray, k: int):
    size = np.bincount(lab, weights=w, minlength=k)
    sums = np.vstack([np.bincount(lab, weights=w * A[:, j], minlength=k) for j in range(A.shape[1])]).T
    return size, sums / np.maximum(size, 1e-300)[:, None]


def kmeans_prepartition(A: np.ndarray, k: int, w: np.ndarray, seed: int | None,
                        max_iter: int = 15, sample: int = 5000) -> np.ndarray:
    """Weighted k-means for the ``kk`` pre-partition; labels 0..k'-1 (k' <= k, no empty group).

    Lloyd iterations on a random sample of ``max(sample, 25 k)`` respondents, started as R's
    ``kmeans(x, centers = kk)`` at ``k`` distinct respondents drawn at random; then every
    respondent joins its nearest centre and the centres become the group means. The
    pre-partition only summarises the cloud for Ward (FactoMineR HCPC ``kk``), so Lloyd on a
    sample replaces Hartigan-Wong on all rows (speed: 1e5 respondents in a fraction of a second).
    """
    rng = np.random.default_rng(seed)
    n = len(A)
    idx = rng.choice(n, size=min(n, max(sample, 25 * k)), replace=False)
    S, ws = A[idx], w[idx]
    cand = np.unique(S[rng.permutation(len(S))[: 4 * k]], axis=0)
    if len(cand) < k:
        cand = np.unique(S, axis=0)
    C = cand[rng.choice(len(cand), size=min(k, len(cand)), replace=False)]
    lab = np.full(len(S), -1)
    for _ in range(max_iter):
        new = _nearest(S, C)
        if (new == lab).all():
            break
        lab = new
        size, M = _means(S, lab, ws, len(C))
        C = np.where(size[:, None] > 0, M, C)
    lab = _nearest(A, C)
    return np.unique(lab, return_inverse=True)[1]


# -- estimator -----------------------------------------------------------------------------
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
            size, G = _means(A, pre, w, kk)
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
