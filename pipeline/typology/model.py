"""Stage ``typology``: MCA + HCPC + description of the types, model persisted for later waves.

    python -m pipeline.typology.model --params params.yaml --clean data/processed/clean.parquet \\
        --out-dir data/processed --model models/typology.joblib \\
        --metrics metrics/typology.json --plots plots/typology [--truth data/demo/collectivites.parquet]

Method of record (ARCHITECTURE.md): FactoMineR's MCA on the active categorical variables,
HCPC (Ward cut by inertia gain, Hartigan-Wong consolidation), catdes v-tests. The same method
runs on any table through ``acter typology FILE ...`` (:func:`run_typology_cli`).
"""

from __future__ import annotations

import csv
import pickle
import platform
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import sklearn
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    silhouette_score,
)

from pipeline.common.atomic import atomic_path
from pipeline.common.safe_text import safe_frame
from pipeline.common.text import normalize_label
from pipeline.domain.codebook import Codebook
from pipeline.domain.params import TypologyParams
from pipeline.typology.describe import Description, describe_types, suggest_names
from pipeline.typology.hcpc import HCPC
from pipeline.typology.mca import MCA
from pipeline.typology.metrics import Selection, Stability, TypologyMetrics

MODEL_FORMAT = 1
AUTO_KK_ABOVE = 10000
YES, NO = "Oui", "Non"


@dataclass
class Spec:
    """Columns of the analysis table and where they come from."""

    active: list[str]
    quali_sup: list[str]
    quanti_sup: list[str]
    multi: dict[str, str]          # expanded column -> question code
    labels: dict[str, str]         # "column=value" -> French label for reports and names


# -- preparation -----------------------------------------------------------------------------
def select_respondents(clean: pd.DataFrame, column: str, values: list[str]) -> tuple[pd.DataFrame, Selection]:
    """Keep respondents whose ``column`` is in ``values``; count the others by answer."""
    if not column:
        return clean, Selection(excluded=0)
    if column not in clean.columns:
        raise ValueError(f"Colonne de sélection « {column} » absente du fichier nettoyé")
    keep = clean[column].isin(values)
    reasons = clean.loc[~keep, column].fillna("(sans réponse)").astype(str).value_counts()
    info = Selection(rule=f"{column} ∈ {{{', '.join(values)}}}", excluded=int((~keep).sum()),
                     excluded_by_answer={k: int(v) for k, v in reasons.items()})
    return clean.loc[keep], info


def _expand(codes: list[str], clean: pd.DataFrame, codebook: Codebook | None, missing: list[str]):
    cols, multi = [], {}
    for code in codes:
        if code in clean.columns:
            cols.append(code)
            continue
        found = [c for c in clean.columns if c.startswith(f"{code}__")]
        if codebook is not None and code in codebook.codes and codebook[code].type == "multi":
            found = [c for c in codebook[code].columns if c in clean.columns] or found
        if found:
            cols += found
            multi.update({c: code for c in found})
        else:
            missing.append(code)
    return cols, multi


# Answers that say nothing on their own in a type's name ("Aucun" of which question?).
GENERIC_ANSWERS = frozenset({"aucun", "aucune", "autre", "oui", "non", "ne sait pas"})


def _qualified(label: str, question: str) -> str:
    """'Aucun' -> 'Aucun (Cofinancements mobilisés)'; other labels unchanged."""
    if normalize_label(label) in GENERIC_ANSWERS:
        return f"{label} ({question.rstrip(' ?')})"
    return label


def build_spec(clean: pd.DataFrame, active: list[str], quali_sup: list[str], quanti_sup: list[str],
               codebook: Codebook | None = None) -> Spec:
    """Resolve variable codes to columns (a multi-select code gives its ``<code>__*`` columns)."""
    missing: list[str] = []
    act, m1 = _expand(active, clean, codebook, missing)
    qs, m2 = _expand(quali_sup, clean, codebook, missing)
    qn = [c for c in quanti_sup if c in clean.columns]
    missing += [c for c in quanti_sup if c not in clean.columns]
    if missing:
        raise KeyError("Variable(s) introuvable(s) : " + ", ".join(missing)
                       + " (colonnes disponibles : " + ", ".join(map(str, clean.columns[:40]))
                       + (", …" if len(clean.columns) > 40 else "") + ")")
    multi = {**m1, **m2}
    labels = {}
    if codebook is not None:
        for col, code in multi.items():
            slug = col.split("__", 1)[1]
            try:
                lab = codebook[code].modality(slug).label
            except KeyError:
                lab = slug
            labels[f"{col}={YES}"] = _qualified(lab, codebook[code].label)
            labels[f"{col}={NO}"] = None
        for col in act + qs:
            if col in multi or col not in codebook.codes:
                continue
            for value in clean[col].dropna().unique():
                if normalize_label(value) in GENERIC_ANSWERS:
                    labels[f"{col}={value}"] = _qualified(str(value), codebook[col].label)
    return Spec(act, [c for c in qs if c not in act], [c for c in qn if c not in act + qs], multi, labels)


def analysis_table(clean: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """Categorical answers as strings (multi-select as Oui/Non), numbers as floats."""
    out = {}
    for c in spec.active + spec.quali_sup:
        s = clean[c]
        if pd.api.types.infer_dtype(s, skipna=True) == "boolean":   # multi-select: Oui / Non
            s = s.astype("boolean").map({True: YES, False: NO})
        s = s.astype(object)
        blank = s.isna() | (s.astype(str).str.strip() == "")
        out[c] = s.where(~blank, np.nan).map(str).where(~blank, np.nan)
    for c in spec.quanti_sup:
        out[c] = pd.to_numeric(clean[c], errors="coerce").astype(float)
    return pd.DataFrame(out, index=clean.index)


# -- model ------------------------------------------------------------------------------------
@dataclass
class TypologyModel:
    """Fitted typology: MCA + HCPC, the columns it needs and the names of the types."""

    spec: Spec
    mca: MCA
    hcpc: HCPC
    names: dict[int, str]
    dropped: list[str] = field(default_factory=list)

    def coordinates(self, clean: pd.DataFrame) -> pd.DataFrame:
        table = analysis_table(clean, self.spec)
        return self.mca.transform(table)

    def classify(self, clean: pd.DataFrame) -> pd.DataFrame:
        """Type of each respondent of ``clean`` (a later wave): nearest consolidated centre."""
        coord = self.coordinates(clean)
        types = self.hcpc.predict(coord)
        return pd.DataFrame({"type": types, "type_name": [self.names.get(int(t), f"Type {t}") for t in types],
                             **{c: coord[c].to_numpy() for c in coord.columns}}, index=clean.index)


def classify(model: TypologyModel, clean: pd.DataFrame, id_column: str = "response_id") -> pd.DataFrame:
    """``response_id``, type, type_name and coordinates of every row of ``clean``."""
    missing = [c for c in model.spec.active if c not in clean.columns]
    if missing:
        raise KeyError("Colonnes actives absentes de la nouvelle vague : " + ", ".join(missing))
    out = model.classify(clean)
    if id_column in clean.columns:
        out.insert(0, id_column, clean[id_column].to_numpy())
    return out.reset_index(drop=True)


def fit_typology(table: pd.DataFrame, spec: Spec, *, ncp: int = 5, k: int | None = None,
                 k_min: int = 3, k_max: int = 10, kk: int | None = None, seed: int = 0,
                 names: dict[int, str] | None = None) -> TypologyModel:
    """Fit MCA then HCPC; active columns with a single category are set aside (``dropped``).

    Above ``AUTO_KK_ABOVE`` respondents a ``kk = 200`` pre-partition is used when none is given.
    """
    dropped = [c for c in spec.active if table[c].nunique(dropna=False) < 2]
    active = [c for c in spec.active if c not in dropped]
    if not active:
        raise ValueError("Aucune variable active n'a au moins deux modalités")
    used = Spec(active, spec.quali_sup, spec.quanti_sup, spec.multi, spec.labels)
    cols = active + spec.quali_sup + spec.quanti_sup
    mca = MCA(n_components=ncp, quali_sup=spec.quali_sup, quanti_sup=spec.quanti_sup).fit(table[cols])
    kmax = min(k_max, max(k_min, len(table) // 2))
    if kk is None and len(table) > AUTO_KK_ABOVE:
        kk = 200
    hcpc = HCPC(n_clusters=k, min_clusters=k_min, max_clusters=kmax, kk=kk,
                random_state=seed).fit(mca.row_coordinates_)
    return TypologyModel(used, mca, hcpc, dict(names or {}), dropped)


def describe_model(model: TypologyModel, table: pd.DataFrame, proba: float = 0.05) -> Description:
    """catdes of the types by active and supplementary variables, with French labels."""
    return describe_partition(model.spec, table, model.hcpc.labels_, proba)


def describe_partition(spec: Spec, table: pd.DataFrame, labels: np.ndarray, proba: float = 0.05) -> Description:
    """catdes of any partition of ``table`` (e.g. a later wave classified by a saved model)."""
    desc = describe_types(table[spec.active + spec.quali_sup + spec.quanti_sup], np.asarray(labels),
                          quanti=spec.quanti_sup, proba=proba)
    cat = desc.category.rename(columns={"variable": "column"})
    readable = []
    for col, value in zip(cat["column"], cat["modality"]):
        base = spec.labels.get(f"{col}={YES}") or col.split("__", 1)[-1]
        if col in spec.multi and value in (YES, NO):
            readable.append(base if value == YES else f"{base} : non")
        else:
            readable.append(str(value))
    cat.insert(1, "variable", [spec.multi.get(c, c) for c in cat["column"]])
    cat["value"] = cat["modality"]
    cat["modality"] = readable
    cat["role"] = np.where(cat["column"].isin(spec.active), "active", "supplementary")
    return Description(cat, desc.chi2, desc.quanti, desc.quanti_var)


def name_types(model: TypologyModel, desc: Description, analyst: dict[int, str] | None) -> dict[int, str]:
    labels = {c: model.spec.labels.get(c, m) for c, m in zip(desc.category["category"], desc.category["modality"])}
    cat = desc.category.assign(variable=desc.category["column"])
    return suggest_names(cat, n=2, labels=labels, names=analyst, variables=model.spec.active)


# -- quality and stability ----------------------------------------------------------------------
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
    return pd.DataFrame(rows)


def stability(table: pd.DataFrame, model: TypologyModel, *, n_bootstrap: int, n_seeds: int, seed: int,
              stable: float, doubtful: float) -> Stability:
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
                                k_min=model.hcpc.min_clusters, seed=seed)
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
                          k_min=model.hcpc.min_clusters, seed=seed + s).hcpc.labels_
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


# -- persistence --------------------------------------------------------------------------------
def versions(codebook_version: str) -> dict:
    return {"format": MODEL_FORMAT, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "sklearn": sklearn.__version__, "pandas": pd.__version__,
            "codebook": codebook_version}


def save_model(model: TypologyModel, path: str | Path, codebook_version: str) -> None:
    """Pickle stream (whatever the file extension): a header of versions in plain types, then
    the model, so that :func:`load_model` checks versions before unpickling the model."""
    with atomic_path(path) as tmp, tmp.open("wb") as f:
        pickle.dump(versions(codebook_version), f, protocol=4)
        pickle.dump(model, f, protocol=4)


class ModelVersionError(RuntimeError):
    """The saved model was fitted with incompatible versions (message in French)."""


def load_model(path: str | Path, codebook_version: str | None = None) -> TypologyModel:
    """Load a saved typology; refuse it when versions differ in a way that matters."""
    with Path(path).open("rb") as f:
        try:
            head = pickle.load(f)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as exc:
            raise ModelVersionError(f"{path} n'est pas un modèle de typologie lisible ({exc})") from exc
        if not isinstance(head, dict) or "format" not in head:
            raise ModelVersionError(f"{path} n'est pas un modèle de typologie ACTER (en-tête absent)")
        now = versions(codebook_version if codebook_version is not None else head.get("codebook", ""))
        problems = []
        if head.get("format") != MODEL_FORMAT:
            problems.append(f"format de fichier {head.get('format')} (attendu {MODEL_FORMAT})")
        if head.get("codebook") != now["codebook"]:
            problems.append(f"codebook {head.get('codebook')} (actuel {now['codebook']})")
        for lib, parts in (("numpy", 1), ("sklearn", 2), ("python", 2)):
            if str(head.get(lib, "")).split(".")[:parts] != now[lib].split(".")[:parts]:
                problems.append(f"{lib} {head.get(lib)} (installé {now[lib]})")
        if problems:
            raise ModelVersionError(
                f"Le modèle {path} a été ajusté avec des versions incompatibles : " + "; ".join(problems)
                + ". Relancez l'étape typologie (dvc repro typology) pour le ré-ajuster.")
        return pickle.load(f)


# -- stage ------------------------------------------------------------------------------------
def run_stage(clean: pd.DataFrame, params: TypologyParams, codebook: Codebook,
              truth: pd.DataFrame | None = None) -> dict:
    """All computations of the stage, without files: returns the tables and metrics."""
    selected, excl = select_respondents(clean, params.include_column, params.include_values)
    ids = selected["response_id"].astype(str) if "response_id" in selected.columns else selected.index.astype(str)
    selected = selected.set_axis(pd.Index(ids, name="response_id"))
    spec = build_spec(selected, *codebook.typology_roles(), codebook)
    table = analysis_table(selected, spec)
    model = fit_typology(table, spec, ncp=params.ncp, k=params.k, k_min=params.k_min,
                         k_max=params.k_max, kk=params.kk, seed=params.seed, names=params.names)
    desc = describe_model(model, table, params.proba)
    model.names = name_types(model, desc, params.names)
    coord = model.mca.row_coordinates_
    labels = model.hcpc.labels_
    types = pd.DataFrame({"response_id": coord.index, "type": labels,
                          "type_name": [model.names[int(t)] for t in labels],
                          **{c: coord[c].to_numpy() for c in coord.columns}})
    kmax = model.hcpc.criterion_.index.max()
    per_k = quality_by_k(coord, model.hcpc, 2, int(kmax), params.seed)
    eig = model.mca.eigenvalues_
    chosen = per_k.set_index("k").loc[model.hcpc.n_clusters_] if model.hcpc.n_clusters_ in set(per_k["k"]) else None
    metrics = TypologyMetrics(
        n=int(len(table)), n_input=int(len(clean)), selection=excl,
        active_columns=model.spec.active, dropped_constant_columns=model.dropped,
        k=int(model.hcpc.n_clusters_), k_auto=int(model.hcpc.k_auto_),
        type_sizes={int(t): int((labels == t).sum()) for t in range(1, model.hcpc.n_clusters_ + 1)},
        type_names={int(t): v for t, v in model.names.items()},
        eigenvalues=[float(v) for v in eig["eigenvalue"].iloc[:params.ncp]],
        inertia=[float(v) / 100 for v in eig["percent"].iloc[:params.ncp]],
        inertia_gain_ratio={int(k): float(v) for k, v in model.hcpc.criterion_.items()},
        silhouette=None if chosen is None else float(chosen["silhouette"]),
        calinski_harabasz=None if chosen is None else float(chosen["calinski_harabasz"]),
        stability=stability(table, model, n_bootstrap=params.n_bootstrap, n_seeds=params.n_seeds,
                            seed=params.seed, stable=params.jaccard_stable, doubtful=params.jaccard_doubtful),
        truth=None if truth is None else truth_ari(pd.Series(labels), selected.reset_index(drop=True)
                                                   .assign(response_id=coord.index.to_numpy()), truth),
    )
    return {"model": model, "types": types, "description": desc, "per_k": per_k, "metrics": metrics}


def write_plots(per_k: pd.DataFrame, folder: str | Path) -> None:
    folder = Path(folder)
    write_csv(per_k[["k", "inertia_gain", "within_inertia", "ratio"]], folder / "inertia.csv")
    write_csv(per_k[["k", "silhouette"]], folder / "silhouette.csv")
    write_csv(per_k[["k", "calinski_harabasz"]], folder / "calinski_harabasz.csv")


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    """CSV written atomically, text that a spreadsheet would run as a formula neutralised and
    quoted (a carriage return inside a quoted field cannot start a new row)."""
    with atomic_path(path) as tmp:
        safe_frame(df).to_csv(tmp, index=False, quoting=csv.QUOTE_NONNUMERIC)
