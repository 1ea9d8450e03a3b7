"""How good and how stable a typology is: silhouette and Calinski-Harabasz by number of types, bootstrap Jaccard of each type (Hennig 2007), ARI against the planted models of the demo."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    silhouette_score,
)

from pipeline.typology.hcpc import HCPC
from pipeline.typology.metrics import Stability
from pipeline.typology.model import TypologyModel, fit_typology

PER_K_COLUMNS = ["k", "within_inertia", "inertia_gain", "ratio", "silhouette", "calinski_harabasz"]


def quality_by_k(coord: pd.DataFrame, hcpc: HCPC, k_min: int, k_max: int, seed: int) -> pd.DataFrame:
    """Inertia gain ratio, silhouette and Calinski-Harabasz for each number of types."""
    X = coord.to_numpy()
    sample = min(len(X), 5000)
    rows = []
    for k in range(max(2, k_min), k_max + 1):
        if k >= len(X):
            break
        lab = HCPC(n_clusters=k, min_clusters=hcpc.min_clusters, max_clusters=hcpc.max_clusters,
                   kk=hcpc.kk, random_state=seed).fit(X).labels_
        ok = len(np.unique(lab)) > 1
        rows.append({"k": k, "within_inertia": float(hcpc.within_inertia_[k - 1]),
                     "inertia_gain": float(hcpc.inertia_gains_[k - 2]),
                     "ratio": float(hcpc.within_inertia_[k - 1] / hcpc.within_inertia_[k - 2]),
                     "silhouette": float(silhouette_score(X, lab, sample_size=sample, random_state=seed)) if ok else np.nan,
                     "calinski_harabasz": float(calinski_harabasz_score(X, lab)) if ok else np.nan})
    return pd.DataFrame(rows, columns=PER_K_COLUMNS)


def stability(table: pd.DataFrame, model: TypologyModel, *, n_bootstrap: int, n_seeds: int, seed: int,
              stable: float, doubtful: float, sample_weight: np.ndarray | None = None) -> Stability:
    """Bootstrap Jaccard per type (fpc::clusterboot conventions) and ARI across seeds.

    Each run resamples respondents with replacement, refits MCA + HCPC with the same number of
    types, and for each original type takes the best Jaccard similarity with a type of the run,
    on the respondents drawn (Hennig 2007). Mean < ``doubtful``: doubtful type, >= ``stable``: stable.
    ``ari_bootstrap``: mean ARI between the reference types and the run's model classifying
    every respondent. ``ari_seeds``: mean pairwise ARI of fits with different seeds (only the
    ``kk`` pre-partition is random, so it is 1 without ``kk``).
    """
    spec, ref = model.spec, model.hcpc.labels_
    k = model.hcpc.n_clusters_
    rng = np.random.default_rng(seed)
    n = len(table)
    types = np.arange(1, k + 1)
    jac = {int(t): [] for t in types}
    aris = []
    for _ in range(n_bootstrap):
        idx = rng.integers(0, n, n)
        sub = table.iloc[idx]
        try:
            boot = fit_typology(sub, spec, ncp=model.mca.n_components, k=k, kk=model.hcpc.kk,
                                k_min=model.hcpc.min_clusters, missing=model.mca.missing, seed=seed,
                                sample_weight=None if sample_weight is None else sample_weight[idx])
        except ValueError:
            continue
        drawn, first = np.unique(idx, return_index=True)
        b = boot.hcpc.labels_[first]
        r = ref[drawn]
        for t in types:
            A = r == t
            if not A.any():
                continue
            best = max(((A & (b == u)).sum() / (A | (b == u)).sum()) for u in np.unique(b))
            jac[int(t)].append(float(best))
        aris.append(adjusted_rand_score(ref, boot.hcpc.predict(boot.mca.transform(table))))
    mean = {t: (float(np.mean(v)) if v else None) for t, v in jac.items()}
    verdict = {t: (None if v is None else "stable" if v >= stable else "douteux" if v < doubtful else "moyen")
               for t, v in mean.items()}
    parts = [fit_typology(table, spec, ncp=model.mca.n_components, k=k, kk=model.hcpc.kk,
                          k_min=model.hcpc.min_clusters, missing=model.mca.missing, seed=seed + s, sample_weight=sample_weight).hcpc.labels_
             for s in range(n_seeds)] if model.hcpc.kk else []
    pair = [adjusted_rand_score(a, b) for i, a in enumerate(parts) for b in parts[i + 1:]]
    return Stability(n_bootstrap=n_bootstrap, jaccard=mean, verdict=verdict,
                     ari_bootstrap=float(np.mean(aris)) if aris else None,
                     ari_seeds=float(np.mean(pair)) if pair else 1.0, n_seeds=n_seeds)


def truth_ari(types: pd.Series, clean: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """ARI against planted models (demo truth), joined on response_id, SIREN or INSEE code."""
    digits = lambda s: s.astype(str).str.replace(r"\D", "", regex=True)  # noqa: E731
    pairs = [("response_id", "response_id"), ("A03", "siren"), ("A04", "insee")]
    for left, right in pairs:
        if left in clean.columns and right in truth.columns:
            key = digits(clean[left]) if left == "A03" else clean[left].astype(str)
            tkey = digits(truth[right]) if right == "siren" else truth[right].astype(str)
            model = key.map(dict(zip(tkey, truth["model"])))
            ok = model.notna().to_numpy()
            if ok.sum() >= 2:
                return {"ari": float(adjusted_rand_score(model[ok], types.to_numpy()[ok])),
                        "matched": int(ok.sum()), "key": left}
    return {"ari": None, "matched": 0, "key": None}
