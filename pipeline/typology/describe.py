"""Description of the types by their variables (FactoMineR ``catdes``) and suggested names.

Ported from ``catdes()`` of FactoMineR 2.7 (``R/catdes.R`` of that release, as printed by
``body(catdes)``; earlier releases used plain doubled tails):

- per categorical variable, Pearson chi-squared test of independence with the type
  (``chisq.test(Table, correct = FALSE)``), kept when ``p <= proba``;
- per (type, category): ``cla_mod = n_kj / n_j``, ``mod_cla = n_kj / n_k``, ``global = n_j / n``
  (percent); hypergeometric mid-p two-sided p-value
  ``min(2 P(N < n_kj) + P(N = n_kj), 2 P(N > n_kj) + P(N = n_kj))``, kept when ``p <= proba``;
  v-test ``-qnorm(p / 2)``, positive when the category is over-represented in the type
  (``mod_cla > global``) (Lebart, Morineau & Piron 1995, §2.4);
- per numeric variable: ``eta2`` and F-test p-value of the one-way ANOVA, and per type the
  v-test ``(mean_k - mean) / sd * sqrt(n_k) / sqrt((n - n_k) / (n - 1))`` with population
  standard deviations; kept when ``p <= proba``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

CATEGORY_COLUMNS = ["type", "variable", "category", "label", "v_test", "p_value", "cla_mod",
                    "mod_cla", "global", "count"]


@dataclass(frozen=True)
class Description:
    """Result of :func:`describe_types` (labelled tables, FactoMineR ``catdes`` layout)."""

    category: pd.DataFrame     # one row per (type, category) kept, by type then v-test desc.
    chi2: pd.DataFrame         # one row per categorical variable kept, by p-value
    quanti: pd.DataFrame       # one row per (type, numeric variable) kept
    quanti_var: pd.DataFrame   # eta2 and p-value per numeric variable kept


def _crosstab(codes_y: np.ndarray, n_types: int, col: pd.Series, name: str):
    """Counts type x category; a missing answer is the category ``<var>.NA`` (catdes.R)."""
    raw, uniques = pd.factorize(col, use_na_sentinel=True)
    labels = [str(u) for u in uniques]
    if (raw < 0).any():
        raw = np.where(raw < 0, len(labels), raw)
        labels.append(f"{name}.NA")
    order = np.argsort(labels, kind="stable")
    rank = np.empty(len(labels), int)
    rank[order] = np.arange(len(labels))
    m = len(labels)
    T = np.bincount(codes_y * m + rank[raw], minlength=n_types * m).reshape(n_types, m)
    return T.astype(float), [labels[i] for i in order]


def describe_categories(data: pd.DataFrame, types: pd.Series | np.ndarray,
                        proba: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Over- and under-represented categories per type, and chi-squared per variable.

    Parameters
    ----------
    data : pandas.DataFrame
        Categorical columns to describe (active and supplementary).
    types : array-like
        Type of each row.
    proba : float
        Significance threshold (FactoMineR ``proba``).

    Returns
    -------
    category, chi2 : pandas.DataFrame
        ``category`` has the columns of ``CATEGORY_COLUMNS``; ``chi2`` has ``variable``,
        ``chi2``, ``p_value``, ``df``.
    """
    levels, codes_y = np.unique(np.asarray(types), return_inverse=True)
    n = len(codes_y)
    nk = np.bincount(codes_y, minlength=len(levels)).astype(float)
    rows, chi = [], []
    for var in data.columns:
        T, cats = _crosstab(codes_y, len(levels), data[var], var)
        if T.shape[1] >= 2:
            c2, p, dof, _ = stats.chi2_contingency(T, correction=False)
            chi.append((var, c2, p, dof))
        nj = T.sum(0)
        K, J = np.broadcast_arrays(nk[:, None], nj[None, :])
        mid = stats.hypergeom.pmf(T, n, K, J)
        P = np.minimum(2 * stats.hypergeom.cdf(T - 1, n, K, J) + mid,
                       2 * stats.hypergeom.sf(T, n, K, J) + mid)
        over = T / K > J / n
        V = np.where(over, -1.0, 1.0) * stats.norm.ppf(P / 2)
        for a, b in zip(*np.nonzero(P <= proba)):
            cat = cats[b]
            rows.append((levels[a], var, f"{var}={cat}", cat, V[a, b], P[a, b], 100 * T[a, b] / nj[b],
                         100 * T[a, b] / nk[a], 100 * nj[b] / n, int(T[a, b])))
    cat = pd.DataFrame(rows, columns=CATEGORY_COLUMNS)
    cat = cat.rename(columns={"label": "modality"})
    if len(cat):
        cat = cat.sort_values(["type", "v_test"], ascending=[True, False], kind="stable")
    chi2 = pd.DataFrame(chi, columns=["variable", "chi2", "p_value", "df"])
    chi2 = chi2[chi2["p_value"] <= proba].sort_values("p_value", kind="stable")
    return cat.reset_index(drop=True), chi2.reset_index(drop=True)


def describe_quantitative(data: pd.DataFrame, types, proba: float = 0.05):
    """Numeric variables by type: per-type v-tests and the ANOVA eta2 (FactoMineR catdes).

    Missing values are replaced by the variable's mean first, as MCA.R does for the
    supplementary numeric variables that HCPC then describes.

    Returns
    -------
    quanti, quanti_var : pandas.DataFrame
        ``quanti``: type, variable, v_test, mean_in_type, overall_mean, sd_in_type,
        overall_sd, p_value. ``quanti_var``: variable, eta2, p_value.
    """
    y = np.asarray(types)
    levels = np.sort(pd.unique(y))
    n = len(y)
    rows, eta = [], []
    for var in data.columns:
        x = pd.to_numeric(data[var], errors="coerce").astype(float)
        x = x.fillna(x.mean()).to_numpy()
        if not np.isfinite(x).all():
            continue
        mean = x.mean()
        sd = x.std()                     # sd * sqrt(1 - 1/n): population sd
        ss_tot = ((x - mean) ** 2).sum()
        groups = [x[y == k] for k in levels]
        ss_b = sum(len(g) * (g.mean() - mean) ** 2 for g in groups)
        if ss_tot > 0 and len(levels) > 1:
            dfb, dfw = len(levels) - 1, n - len(levels)
            f = (ss_b / dfb) / ((ss_tot - ss_b) / dfw) if ss_tot > ss_b else np.inf
            eta.append((var, ss_b / ss_tot, stats.f.sf(f, dfb, dfw)))
        for k, g in zip(levels, groups):
            nk = len(g)
            if sd == 0 or nk == n:
                continue
            v = (g.mean() - mean) / sd * np.sqrt(nk) / np.sqrt((n - nk) / (n - 1))
            p = 2 * stats.norm.sf(abs(v))
            if p <= proba:
                rows.append((k, var, v, g.mean(), mean, g.std(), sd, p))
    quanti = pd.DataFrame(rows, columns=["type", "variable", "v_test", "mean_in_type",
                                         "overall_mean", "sd_in_type", "overall_sd", "p_value"])
    if len(quanti):
        quanti = quanti.sort_values(["type", "v_test"], ascending=[True, False], kind="stable")
    qv = pd.DataFrame(eta, columns=["variable", "eta2", "p_value"])
    qv = qv[qv["p_value"] <= proba].sort_values("p_value", kind="stable")
    return quanti.reset_index(drop=True), qv.reset_index(drop=True)


def describe_types(data: pd.DataFrame, types, *, quanti: list[str] | None = None,
                   proba: float = 0.05) -> Description:
    """FactoMineR ``catdes``: describe each type by all categorical and numeric columns.

    Parameters
    ----------
    data : pandas.DataFrame
        Variables to describe; columns listed in ``quanti`` are numeric, all others
        categorical.
    types : array-like
        Type of each row (1..k).
    quanti : list of str, optional
        Numeric columns.
    proba : float
        Significance threshold.

    Returns
    -------
    Description
    """
    quanti = list(quanti or [])
    quali = [c for c in data.columns if c not in quanti]
    cat, chi2 = describe_categories(data[quali], types, proba)
    qt, qv = describe_quantitative(data[quanti], types, proba)
    return Description(category=cat, chi2=chi2, quanti=qt, quanti_var=qv)


def suggest_names(description: Description | pd.DataFrame, n: int = 2, *,
                  labels: Mapping[str, str] | Callable[[str], str | None] | None = None,
                  names: Mapping[int, str] | None = None,
                  variables: list[str] | None = None) -> dict[int, str]:
    """French names for the types from their most over-represented categories.

    Parameters
    ----------
    description : Description or its ``category`` table
    n : int
        Number of categories joined with `` · `` (e.g. "Jumelage · Comité de jumelage").
    labels : mapping or callable, optional
        Display label of a category (``"variable=category"`` -> text); ``None`` or a missing
        key keeps the category as written; a label mapped to ``None`` is skipped (e.g. the
        "Non" of a multiple-choice option, or a missing answer).
    names : mapping, optional
        Names chosen by the analysts (params): they win over the suggestion.
    variables : list of str, optional
        Only categories of these variables are considered (e.g. the active ones).

    Returns
    -------
    dict
        Type number -> name.
    """
    cat = description.category if isinstance(description, Description) else description
    out: dict[int, str] = {}
    for k, g in cat.groupby("type", sort=True):
        g = g[g["v_test"] > 0].sort_values("v_test", ascending=False, kind="stable")
        if variables is not None:
            g = g[g["variable"].isin(variables)]
        picked: list[str] = []
        for category, modality in zip(g["category"], g["modality"]):
            if str(modality).endswith(".NA"):
                continue
            if callable(labels):
                lab = labels(category)
            elif labels is not None:
                lab = labels.get(category, str(modality))
            else:
                lab = str(modality)
            if lab and lab not in picked:
                picked.append(lab)
            if len(picked) == n:
                break
        out[int(k)] = " · ".join(picked) if picked else f"Type {int(k)}"
    for k, name in (names or {}).items():
        if int(k) in out and name:
            out[int(k)] = str(name)
    return out
