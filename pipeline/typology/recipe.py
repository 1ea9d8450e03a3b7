"""The typology of one wave: respondents selected, MCA + HCPC fitted, types described and named, quality and stability measured (the typology stage's work, without files)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.common.atomic import atomic_path
from pipeline.common.safe_text import safe_frame
from pipeline.common.text import french_number
from pipeline.domain.codebook import Codebook
from pipeline.domain.params import TypologyParams
from pipeline.typology.describe import Description
from pipeline.typology.metrics import Selection, TypologyMetrics
from pipeline.typology.model import (
    TypologyModel,
    describe_model,
    empty_description,
    fit_typology,
)
from pipeline.typology.portrait import name_types_from, portrait_table
from pipeline.typology.quality import PER_K_COLUMNS, quality_by_k, stability, truth_ari
from pipeline.typology.spec import analysis_table, build_spec, select_respondents


@dataclass(frozen=True)
class WaveTypology:
    """The typology of a wave: the fitted model, each respondent's type and coordinates
    (typology.parquet), the description of the types, quality by number of types, metrics."""

    model: TypologyModel | None     # None: too few respondents for a typology (metrics.notice says why)
    types: pd.DataFrame
    description: Description
    per_k: pd.DataFrame
    metrics: TypologyMetrics


def type_wave(clean: pd.DataFrame, params: TypologyParams, codebook: Codebook,
              truth: pd.DataFrame | None = None, row_weights: pd.Series | None = None) -> WaveTypology:
    """Select the respondents, fit MCA + HCPC on the codebook's active variables, describe and
    name the types, measure quality and stability (and, on the demo, recovery of the truth).
    ``row_weights`` (by response_id, ``typology.weights: calibration``) weight the MCA and the Ward
    step; a respondent without one counts once."""
    selected, excl = select_respondents(clean, params.include_column, params.include_values)
    ids = selected["response_id"].astype(str) if "response_id" in selected.columns else selected.index.astype(str)
    selected = selected.set_axis(pd.Index(ids, name="response_id"))
    spec = build_spec(selected, *codebook.typology_roles(), codebook)
    table = analysis_table(selected, spec)
    if len(table) < params.min_respondents:
        return untyped_wave(len(table), len(clean), excl, params.min_respondents)
    weights = None if row_weights is None else row_weights.reindex(table.index).fillna(1.0).to_numpy(dtype=float)
    model = fit_typology(table, spec, ncp=params.ncp, k=params.k, k_min=params.k_min,
                         k_max=params.k_max, kk=params.kk, seed=params.seed,
                         sample_weight=weights, missing=params.missing)
    desc = describe_model(model, table, params.proba)
    portraits = portrait_table(selected, pd.Series(model.hcpc.labels_, index=selected.index), codebook)
    suggested = name_types_from(portraits)
    model.names = name_types_from(portraits, params.names)
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
                            seed=params.seed, stable=params.jaccard_stable, doubtful=params.jaccard_doubtful,
                            sample_weight=weights),
        truth=None if truth is None else _truth(labels, selected, coord.index, truth, table, spec, params, weights),
        type_names_suggested=suggested, missing=params.missing,
        inertia_gains=[float(g) for g in model.hcpc.inertia_gains_[:10]],
        jaccard_thresholds={"stable": params.jaccard_stable, "doubtful": params.jaccard_doubtful},
    )
    return WaveTypology(model, types, desc, per_k, metrics)


def _truth(labels, selected, ids, truth, table, spec, params, weights) -> dict:
    """ARI against the demo's planted models of the typology published and, beside it, of the other
    handling of missing answers (passive vs category), at the same number of types
    (``ari_by_missing``) and at the number its own automatic rule chooses (``other_automatic``)."""
    rows = selected.reset_index(drop=True).assign(response_id=ids.to_numpy())
    out = truth_ari(pd.Series(labels), rows, truth)
    other = "category" if params.missing == "passive" else "passive"
    k = int(len(set(labels)))

    def fit(n_types):
        alt = fit_typology(table, spec, ncp=params.ncp, k=n_types, k_min=params.k_min, k_max=params.k_max,
                           kk=params.kk, seed=params.seed, sample_weight=weights, missing=other)
        return int(alt.hcpc.n_clusters_), truth_ari(pd.Series(alt.hcpc.labels_), rows, truth)["ari"]

    out["ari_by_missing"] = {params.missing: out["ari"], other: fit(k)[1]}
    k_other, ari_other = fit(params.k)
    out["other_automatic"] = {"missing": other, "k": k_other, "ari": ari_other}
    return out


def untyped_wave(n: int, n_input: int, selection: Selection, minimum: int) -> WaveTypology:
    """A wave too small for a typology: empty tables with their columns, the reason in the metrics."""
    notice = (f"La typologie n'est pas calculée : {french_number(n)} collectivité(s) retenue(s), il en faut au "
              f"moins {french_number(minimum)} pour que des types aient un sens (params.yaml, "
              "typology.min_respondents).")
    types = pd.DataFrame({"response_id": pd.Series(dtype=object), "type": pd.Series(dtype="int64"),
                          "type_name": pd.Series(dtype=object)})
    return WaveTypology(None, types, empty_description(), pd.DataFrame(columns=PER_K_COLUMNS),
                        TypologyMetrics.skipped(n, n_input, selection, notice))


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
