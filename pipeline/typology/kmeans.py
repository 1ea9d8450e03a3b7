"""k-means as HCPC needs it: R's Hartigan-Wong algorithm (AS 136, ported line by line from R ``src/library/stats/src/kmns.f``) for the consolidation, and the ``kk`` pre-partition for large n (Lloyd on a sample, then every row assigned)."""

from __future__ import annotations

import numpy as np

BIG = 1.0e30  # kmns.f: DATA BIG /1.E30/


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


def nearest_centre(A: np.ndarray, C: np.ndarray, chunk: int = 16384) -> np.ndarray:
    """Index of the nearest centre of each row, by blocks of rows (memory O(chunk * k))."""
    cc = (C**2).sum(1)
    out = np.empty(len(A), int)
    for s in range(0, len(A), chunk):
        out[s:s + chunk] = (cc[None, :] - 2.0 * A[s:s + chunk] @ C.T).argmin(1)
    return out


def cluster_means(A: np.ndarray, lab: np.ndarray, w: np.ndarray, k: int):
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
        new = nearest_centre(S, C)
        if (new == lab).all():
            break
        lab = new
        size, M = cluster_means(S, lab, ws, len(C))
        C = np.where(size[:, None] > 0, M, C)
    lab = nearest_centre(A, C)
    return np.unique(lab, return_inverse=True)[1]
