"""Stage ``typology``: MCA + HCPC + description of the types, model persisted for later waves.

    python -m pipeline.typology.model --params params.yaml --clean data/processed/clean.parquet \
        --out-dir data/processed --model models/typology.joblib \
        --metrics metrics/typology.json --plots plots/typology [--truth data/demo/collectivites.parquet]

Method of record (ARCHITECTURE.md): FactoMineR's MCA on the active categorical variables,
HCPC (Ward cut by inertia gain, Hartigan-Wong consolidation), catdes v-tests. The same method
runs on any table through ``acter typology FILE ...`` (:func:`run_typology_cli`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.typology.describe import Description, describe_types, suggest_names
from pipeline.typology.hcpc import HCPC
from pipeline.typology.mca import MCA
from pipeline.typology.spec import NO, YES, Spec, analysis_table

AUTO_KK_ABOVE = 10000




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
                 names: dict[int, str] | None = None, sample_weight: np.ndarray | None = None,
                 missing: str = "passive") -> TypologyModel:
    """Fit MCA then HCPC; active columns with a single category are set aside (``dropped``).

    ``missing``: ``"passive"`` (specific MCA, FactoMineR ``MCA(excl = <the .NA categories>)``: a missing
    answer builds no axis) or ``"category"`` (FactoMineR's default ``na.method = "NA"``).

    Above ``AUTO_KK_ABOVE`` respondents a ``kk = 200`` pre-partition is used when none is given.
    ``sample_weight``: row weights of the MCA and of the Ward step (FactoMineR ``row.w``; the
    k-means consolidation ignores them, as R's ``kmeans`` in ``HCPC``); none: each row counts once.
    """
    # a column with one answer (missing answers apart, when they are passive) builds nothing
    dropped = [c for c in spec.active if table[c].nunique(dropna=missing == "passive") < 2]
    active = [c for c in spec.active if c not in dropped]
    if not active:
        raise ValueError("Aucune variable active n'a au moins deux modalités")
    used = Spec(active, spec.quali_sup, spec.quanti_sup, spec.multi, spec.labels)
    cols = active + spec.quali_sup + spec.quanti_sup
    mca = MCA(n_components=ncp, quali_sup=spec.quali_sup, quanti_sup=spec.quanti_sup, missing=missing).fit(
        table[cols], sample_weight=sample_weight)
    kmax = min(k_max, max(k_min, len(table) // 2))
    if kk is None and len(table) > AUTO_KK_ABOVE:
        kk = 200
    hcpc = HCPC(n_clusters=k, min_clusters=k_min, max_clusters=kmax, kk=kk,
                random_state=seed).fit(mca.row_coordinates_, sample_weight=sample_weight)
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


def empty_description() -> Description:
    """The description of no type (a wave without typology), with the columns of :func:`describe_partition`."""
    def frame(columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in NUMERIC else object) for c in columns})

    return Description(
        frame(["type", "variable", "column", "category", "modality", "v_test", "p_value", "cla_mod", "mod_cla",
               "global", "count", "value", "role"]),
        frame(["variable", "chi2", "p_value", "df"]),
        frame(["type", "variable", "v_test", "mean_in_type", "overall_mean", "sd_in_type", "overall_sd", "p_value"]),
        frame(["variable", "eta2", "p_value"]))


NUMERIC = frozenset({"type", "v_test", "p_value", "cla_mod", "mod_cla", "global", "count", "chi2", "df", "mean_in_type",
                     "overall_mean", "sd_in_type", "overall_sd", "eta2"})


def name_types(model: TypologyModel, desc: Description, analyst: dict[int, str] | None) -> dict[int, str]:
    labels = {c: model.spec.labels.get(c, m) for c, m in zip(desc.category["category"], desc.category["modality"])}
    cat = desc.category.assign(variable=desc.category["column"])
    suggested = suggest_names(cat, n=2, labels=labels, names=analyst, variables=model.spec.active)
    # a type with no significantly over-represented category (small waves) still has a name
    return {t: suggested.get(t) or (analyst or {}).get(t) or f"Type {t}" for t in range(1, model.hcpc.n_clusters_ + 1)}
