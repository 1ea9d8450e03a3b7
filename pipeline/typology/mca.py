"""Multiple correspondence analysis (MCA), computed as FactoMineR 2.7 ``MCA()`` does.

MCA is the correspondence analysis (CA) of the complete disjunctive (indicator) table of the
active categorical variables. Formulas follow Lebart, Piron & Morineau, *Statistique
exploratoire multidimensionnelle* (Dunod, 4th ed.), ch. 3, and FactoMineR's sources:

- ``R/MCA.R``: level renaming when two variables share a level, missing answer as a category
  ``<var>.NA`` (``na.method = "NA"``), v-tests ``coord * sqrt(Nj (N - 1) / (N - Nj))``,
  supplementary numeric variables as weighted (ML) correlations with the axes;
- ``R/CA.R`` and ``R/svd.triplet.R``: the SVD of ``D_r^{1/2} (F / (r c') - 1) D_c^{1/2}`` and the
  sign rule (each right singular vector is flipped so that its column sum is positive);
- specific MCA (Le Roux & Rouanet, *Geometric Data Analysis*, 2004, ch. 5; FactoMineR
  ``MCA(excl = )``): passive categories keep their place in the profiles ``F / (r c') - 1`` but get
  the column weight ``1e-15`` in the SVD (``R/CA.R``: ``marge.col[excl] <- 1e-15`` before
  ``svd.triplet``, ``0`` after it), so that they build no axis; the respondents' squared distances
  are taken over the active categories only; the passive categories are left out of the category
  tables (``R/MCA.R``: ``res.mca$var$coord[-excl, ]``). ``missing = "passive"`` makes every
  ``<var>.NA`` category passive: non-response no longer pulls respondents together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

NA_SUFFIX = ".NA"


def axis_names(n: int) -> list[str]:
    """Axis labels ``F1 .. Fn`` used for every coordinate table."""
    return [f"F{s + 1}" for s in range(n)]


def _label(value) -> str:
    """An answer as a category label; booleans spelled as R prints them."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    return str(value)


def _as_strings(col: pd.Series) -> pd.Series:
    """Categorical answers as strings, NA kept."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    lut = np.array([_label(u) for u in uniques] + [None], dtype=object)
    return pd.Series(lut[codes], index=col.index, dtype=object)


def _levels(col: pd.Series) -> list[str]:
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.dropna().astype(str))
        return [str(c) for c in col.cat.categories if str(c) in present]
    _, uniques = pd.factorize(col, use_na_sentinel=True)
    return sorted({_label(u) for u in uniques})


def code_levels(X: pd.DataFrame, columns: Sequence[str]) -> dict[str, dict[str, str]]:
    """Map each answer to its category name, per column, as ``R/MCA.R`` names them.

    A level shared by two categorical variables is renamed ``<var>_<level>`` in every variable
    that holds it (MCA.R, loop over ``niveau``); a missing answer becomes ``<var>.NA``.
    """
    levels = {c: _levels(X[c]) for c in columns}
    pool: dict[str, int] = {}
    for lv in levels.values():
        for v in lv:
            pool[v] = pool.get(v, 0) + 1
    mapping = {}
    for c, lv in levels.items():
        shared = any(pool[v] > 1 for v in lv)
        mapping[c] = {v: (f"{c}_{v}" if shared else v) for v in lv}
    return mapping


def indicator(X: pd.DataFrame, mapping: dict[str, dict[str, str]], na_levels: dict[str, bool]):
    """Complete disjunctive table: one 0/1 column per (variable, category).

    Unknown answers (not seen at fit time) and missing answers of a variable without a NA
    category give a row of zeros for that variable.
    """
    index, codes = [], []
    for c, m in mapping.items():
        cats = list(m.values()) + ([f"{c}{NA_SUFFIX}"] if na_levels.get(c) else [])
        pos_of = {k: j for j, k in enumerate(cats)}
        raw, uniques = pd.factorize(X[c], use_na_sentinel=True)
        na_pos = len(cats) - 1 if na_levels.get(c) else -1
        lut = np.array([pos_of.get(m.get(_label(u), ""), -1) for u in uniques] + [na_pos], dtype=int)
        pos = lut[raw]
        codes.append(np.where(pos >= 0, pos + len(index), -1))
        index += [(c, k) for k in cats]
    Z = np.zeros((len(X), len(index)))
    if codes:
        flat = (np.arange(len(X))[:, None] * len(index) + np.column_stack(codes)).ravel()
        Z.ravel()[flat[np.column_stack(codes).ravel() >= 0]] = 1.0
    return Z, pd.MultiIndex.from_tuples(index, names=["variable", "category"])


def _weighted_corr(A: np.ndarray, B: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted (ML) Pearson correlations between the columns of A and of B (``cov.wt``)."""
    w = w / w.sum()
    Ac = A - w @ A
    Bc = B - w @ B
    cov = (Ac * w[:, None]).T @ Bc
    sa = np.sqrt((w[:, None] * Ac**2).sum(0))
    sb = np.sqrt((w[:, None] * Bc**2).sum(0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / np.outer(sa, sb)


class MCA(TransformerMixin, BaseEstimator):
    """Multiple correspondence analysis with supplementary variables (FactoMineR ``MCA``).

    Parameters
    ----------
    n_components : int, default=5
        Number of axes kept for coordinates (FactoMineR ``ncp``). All non-trivial eigenvalues
        are kept in ``eigenvalues_`` whatever this number.
    quali_sup : sequence of str, optional
        Supplementary categorical columns: projected as barycentres, with v-tests.
    quanti_sup : sequence of str, optional
        Supplementary numeric columns: correlations with the axes (missing values replaced by
        the mean, as ``R/MCA.R`` does).
    missing : {"category", "passive"}, default="category"
        A missing answer is the category ``<var>.NA`` (FactoMineR's default); ``"passive"`` keeps
        that category out of the cloud (specific MCA: ``excl`` = every ``<var>.NA`` category).
    excl : sequence of str or int, optional
        Further passive categories (FactoMineR ``excl``): category names as in
        ``column_coordinates_`` (``"strategie.NA"``, ``"B03__jumelage_Non"``…) or 0-based positions
        in the indicator table of the active variables, ``<var>.NA`` categories included
        (FactoMineR's 1-based positions minus one).

    Attributes
    ----------
    active_ : list of str
        Active columns (every column of ``X`` that is not supplementary).
    eigenvalues_ : pandas.DataFrame
        ``eigenvalue``, ``percent`` and ``cumulative`` (percent of inertia) for all
        ``min(n - 1, J - Q)`` non-trivial axes.
    row_coordinates_, row_contributions_, row_cos2_ : pandas.DataFrame
        Respondents' principal coordinates, contributions (percent) and squared cosines.
    column_coordinates_, column_contributions_, column_cos2_, column_vtest_ : pandas.DataFrame
        The same for the active categories (index: variable, category).
    quali_sup_coordinates_, quali_sup_cos2_, quali_sup_vtest_ : pandas.DataFrame
        Supplementary categories (barycentres of the respondents, scaled by ``1/sqrt(eig)``).
    quali_sup_eta2_ : pandas.DataFrame
        Correlation ratios of the supplementary categorical variables with the axes.
    quanti_sup_correlations_ : pandas.DataFrame
        Correlations of the supplementary numeric variables with the axes.
    level_names_ : dict
        Per categorical column, answer -> category name (after FactoMineR renaming).
    excluded_categories_ : pandas.MultiIndex
        Passive categories (variable, category): in no table of categories, in no axis.
    """

    def __init__(self, *, n_components: int = 5, quali_sup: Sequence[str] | None = None,
                 quanti_sup: Sequence[str] | None = None, missing: str = "category",
                 excl: Sequence[str | int] | None = None):
        self.n_components = n_components
        self.quali_sup = quali_sup
        self.quanti_sup = quanti_sup
        self.missing = missing
        self.excl = excl

    def __setstate__(self, state):
        # models saved before specific MCA: every category active, no offset
        state.setdefault("missing", "category")
        state.setdefault("excl", None)
        if "column_standard_coordinates_" in state and "row_offset_" not in state:
            state["row_offset_"] = np.zeros(state["column_standard_coordinates_"].shape[1])
        super().__setstate__(state)

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y=None, sample_weight=None) -> MCA:
        """Fit the MCA on the active columns of ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            One row per respondent; categorical answers (strings, booleans or categoricals).
        y : ignored
        sample_weight : array-like of shape (n,), optional
            Row weights (FactoMineR ``row.w``); uniform by default.

        Returns
        -------
        self : MCA
        """
        if not isinstance(X, pd.DataFrame):
            raise TypeError("MCA attend un DataFrame pandas (une colonne par question)")
        qs, qn = list(self.quali_sup or []), list(self.quanti_sup or [])
        missing = [c for c in qs + qn if c not in X.columns]
        if missing:
            raise ValueError(f"Colonnes supplémentaires absentes : {', '.join(missing)}")
        self.active_ = [c for c in X.columns if c not in qs and c not in qn]
        if len(self.active_) < 1:
            raise ValueError("Aucune variable active pour l'ACM")
        if not isinstance(self.n_components, (int, np.integer)) or self.n_components < 1:
            raise ValueError("n_components doit être un entier >= 1")
        n = len(X)
        if n < 3:
            raise ValueError("Au moins 3 répondants sont nécessaires pour une ACM")
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
        if w.shape != (n,) or np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
            raise ValueError("sample_weight : un poids positif par répondant est attendu")

        quali = self.active_ + qs
        self.level_names_ = code_levels(X, quali)
        self.na_levels_ = {c: bool(X[c].isna().any()) for c in quali}
        act_map = {c: self.level_names_[c] for c in self.active_}
        Z, cols = indicator(X, act_map, self.na_levels_)
        nlev = [sum(1 for v in cols.get_level_values(0) if v == c) for c in self.active_]
        if any(k < 2 for k in nlev):
            one = [c for c, k in zip(self.active_, nlev) if k < 2]
            raise ValueError(f"Variable(s) active(s) à une seule modalité : {', '.join(one)}")
        Q = len(self.active_)
        self.n_variables_ = Q
        passive = self._passive(cols)
        if passive.all():
            raise ValueError("Toutes les modalités actives sont passives : rien à analyser")

        # CA of Z (R/CA.R): F = row.w * Z / total, margins r, c and the matrix to decompose
        # S = (F - r c') / sqrt(r c'), never formed (n may be 1e5): with p_i = Z_i / sum(Z_i)
        # the row profiles, S'S = D_c^{-1/2} (sum_i r_i p_i p_i') D_c^{-1/2} - sqrt(c) sqrt(c)'
        zsum = Z.sum(1)
        total = float(w @ zsum)
        r = w * zsum / total
        c = (w @ Z) / total
        # sum_i r_i p_i p_i' = Z' diag(w / (total * zsum)) Z
        a = w / (total * zsum)
        G = (Z.T @ Z) * a[0] if np.all(a == a[0]) else Z.T @ (Z * a[:, None])
        sc = np.sqrt(c)
        if passive.any():
            # R/CA.R: Tc = F / (r c') - 1 with the true margins, then svd.triplet with the column
            # weights marge.col, set to 1e-15 for the excluded categories: S = D_r^1/2 Tc D_w^1/2
            sw = np.sqrt(np.where(passive, 1e-15, c))
            M = (G / np.outer(c, c) - 1.0) * np.outer(sw, sw)
        else:
            sw = sc
            M = G / np.outer(sc, sc) - np.outer(sc, sc)
        evals, V = np.linalg.eigh(M)
        order = np.argsort(evals)[::-1]
        evals, V = evals[order], V[:, order]
        n_eig = min(n - 1, Z.shape[1] - Q)
        evals = np.clip(evals[:n_eig], 0.0, None)
        ncp = int(min(self.n_components, n_eig))
        V = V[:, :ncp]
        if ncp > 1:  # R/svd.triplet.R: mult <- sign(colSums(V)); mult[mult == 0] <- 1
            mult = np.sign(V.sum(0))
            mult[mult == 0] = 1.0
            V = V * mult
        sv = np.sqrt(evals[:ncp])
        # transition formula: a respondent's coordinate is sum_j Tc_ij sqrt(w_j) V_j, i.e. the mean
        # of its categories' scores sqrt(w_j) V_j / c_j, less the offset sum_j sqrt(w_j) V_j (zero
        # in an ordinary MCA: V is orthogonal to sqrt(c))
        scores = V * (sw / c)[:, None]
        offset = sw @ V if passive.any() else np.zeros(ncp)
        row_coord = (Z @ scores) / zsum[:, None] - offset
        col_coord = V * sv / sc[:, None]
        kept_c = np.where(passive, 0.0, c)          # R/CA.R: marge.col[excl] <- 0 after the SVD
        # chi2 distance of p_i to c over the active categories (Z is 0/1)
        row_d2 = (Z @ (kept_c / c**2)) / zsum**2 - 2 * (Z @ (kept_c / c)) / zsum + kept_c.sum()
        col_d2 = np.diag(G) / c**2 - 1.0            # chi2 distance of column profile j to r

        ax = axis_names(ncp)
        idx = X.index
        keep = ~passive
        kept = cols[keep]
        self.n_components_ = ncp
        self.excluded_categories_ = cols[passive]
        self.eigenvalues_ = pd.DataFrame(
            {"eigenvalue": evals, "percent": 100 * evals / evals.sum(),
             "cumulative": np.cumsum(100 * evals / evals.sum())},
            index=pd.Index(axis_names(n_eig), name="axis"))
        self.row_coordinates_ = pd.DataFrame(row_coord, index=idx, columns=ax)
        self.row_contributions_ = pd.DataFrame(100 * r[:, None] * row_coord**2 / evals[:ncp],
                                               index=idx, columns=ax)
        self.row_cos2_ = pd.DataFrame(row_coord**2 / row_d2[:, None], index=idx, columns=ax)
        self.column_coordinates_ = pd.DataFrame(col_coord[keep], index=kept, columns=ax)
        self.column_contributions_ = pd.DataFrame(100 * c[keep, None] * col_coord[keep]**2 / evals[:ncp],
                                                  index=kept, columns=ax)
        self.column_cos2_ = pd.DataFrame(col_coord[keep]**2 / col_d2[keep, None], index=kept, columns=ax)
        Nj = (Z * w[:, None]).sum(0)
        self.column_vtest_ = self.column_coordinates_ * self._vtest_coef(Nj[keep], w.sum())[:, None]
        self.column_masses_ = pd.Series(c[keep], index=kept)
        # scores of all categories, passive ones included (about 0): a respondent's coordinates are
        # the mean of its categories' scores less row_offset_ (transition formula), used by transform()
        self.column_standard_coordinates_ = pd.DataFrame(scores, index=cols, columns=ax)
        self.row_offset_ = offset
        self._fit_supplementary(X, qs, qn, w, r, row_coord, evals[:ncp])
        return self

    def _passive(self, cols: pd.MultiIndex) -> np.ndarray:
        """Which categories of the indicator table are passive (``missing``, ``excl``)."""
        if self.missing not in ("category", "passive"):
            raise ValueError(f"missing : « {self.missing} » ; attendu : category ou passive")
        cats = cols.get_level_values(1)
        passive = np.zeros(len(cols), bool)
        if self.missing == "passive":
            passive |= np.array([k == f"{v}{NA_SUFFIX}" for v, k in cols])
        names = set()
        for e in self.excl or []:
            if isinstance(e, (int, np.integer)) and not isinstance(e, bool):
                if not 0 <= e < len(cols):
                    raise ValueError(f"excl : position {e} hors du tableau des modalités (0 à {len(cols) - 1})")
                passive[int(e)] = True
            else:
                names.add(str(e))
        unknown = names - set(cats)
        if unknown:
            raise ValueError(f"excl : modalité(s) inconnue(s) : {', '.join(sorted(unknown))}")
        return passive | np.isin(cats, list(names))

    @staticmethod
    def _vtest_coef(Nj: np.ndarray, N: float) -> np.ndarray:
        # R/MCA.R: coef <- sqrt(Nj * ((N - 1) / (N - Nj))) if N > 1
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sqrt(Nj * (N - 1) / (N - Nj)) if N > 1 else np.sqrt(Nj)

    def _fit_supplementary(self, X, qs, qn, w, r, row_coord, eig):
        ax = axis_names(len(eig))
        std_rows = row_coord / np.sqrt(eig)        # standard coordinates of the respondents
        if qs:
            Zs, cols = indicator(X, {c: self.level_names_[c] for c in qs}, self.na_levels_)
            Zw = Zs * w[:, None]
            Nj = Zw.sum(0)
            with np.errstate(divide="ignore", invalid="ignore"):
                prof = Zw / Nj                          # column profiles (R/CA.R col.sup)
                coord = prof.T @ std_rows
                d2 = (((prof / r[:, None]) - 1.0) ** 2 * r[:, None]).sum(0)
                cos2 = np.where(d2[:, None] > 0, coord**2 / d2[:, None], np.nan)  # one-category variable
            self.quali_sup_coordinates_ = pd.DataFrame(coord, index=cols, columns=ax)
            self.quali_sup_cos2_ = pd.DataFrame(cos2, index=cols, columns=ax)
            self.quali_sup_vtest_ = self.quali_sup_coordinates_ * self._vtest_coef(Nj, w.sum())[:, None]
            eta = []
            den = (row_coord**2 * w[:, None]).sum(0)
            var = cols.get_level_values(0)
            for v in qs:                               # R/MCA.R fct.eta2
                m = var == v
                num = ((Zw[:, m].T @ row_coord) ** 2 / Nj[m][:, None]).sum(0)
                eta.append(num / den)
            self.quali_sup_eta2_ = pd.DataFrame(eta, index=pd.Index(qs, name="variable"), columns=ax)
        if qn:
            Xq = X[qn].apply(pd.to_numeric, errors="coerce").astype(float)
            Xq = Xq.fillna(Xq.mean())
            cor = _weighted_corr(Xq.to_numpy(), row_coord, w)
            self.quanti_sup_correlations_ = pd.DataFrame(cor, index=pd.Index(qn, name="variable"),
                                                         columns=ax)

    # -- projection -------------------------------------------------------------------------
    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Coordinates of respondents projected as supplementary individuals.

        A category unseen at fit time, or a missing answer when the variable had no missing
        answer at fit time, contributes nothing: that answer is placed at the centre of its
        variable. For the respondents the model was fitted on, this returns
        ``row_coordinates_`` exactly (transition formula of CA).

        Parameters
        ----------
        X : pandas.DataFrame
            Must contain the active columns.

        Returns
        -------
        pandas.DataFrame
            Coordinates ``F1 .. Fk``, indexed like ``X``.
        """
        check_is_fitted(self, "column_standard_coordinates_")
        missing = [c for c in self.active_ if c not in X.columns]
        if missing:
            raise ValueError(f"Colonnes actives absentes : {', '.join(missing)}")
        Z, _ = indicator(X, {c: self.level_names_[c] for c in self.active_}, self.na_levels_)
        coord = Z @ self.column_standard_coordinates_.to_numpy() / self.n_variables_ - self.row_offset_
        return pd.DataFrame(coord, index=X.index, columns=self.column_standard_coordinates_.columns)

    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit and return ``row_coordinates_``."""
        return self.fit(X, y, sample_weight=sample_weight).row_coordinates_.copy()

    def unknown_categories(self, X: pd.DataFrame) -> pd.DataFrame:
        """Answers of ``X`` that the fitted model does not know (variable, value, count)."""
        check_is_fitted(self, "level_names_")
        rows = []
        for c in self.active_:
            s = _as_strings(X[c]).dropna()
            bad = s[~s.isin(list(self.level_names_[c]))]
            for v, k in bad.value_counts().items():
                rows.append((c, v, int(k)))
        return pd.DataFrame(rows, columns=["variable", "value", "count"])
