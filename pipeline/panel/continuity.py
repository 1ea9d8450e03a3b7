"""Stage ``continuity``: last year's typology on this year's wave, beside this year's refit.

    python -m pipeline.panel.continuity --params params.yaml --clean data/processed/clean.parquet \\
        --reference-model models/reference/typology.joblib \\
        --reference-metrics metrics/reference/typology.json \\
        --refit-dir data/processed/refit --refit-metrics metrics/refit/typology.json \\
        --out-dir data/processed --metrics metrics/continuity.json --published-metrics metrics/typology.json

The current wave is classified with the model fitted on the reference wave (``classify``) and
compared with the typology refitted on the current wave: a transition table (reference-model
type -> refit type), the adjusted Rand index between the two partitions, each reference type's
share in both waves, and a drift flag when the ARI falls below ``continuity.ari_min`` or a
type's share moves by more than ``continuity.share_change_max``. ``typology.published`` decides
which of the two typologies becomes ``typology.parquet`` (and its description and metrics), the
files the reports read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from pipeline.domain.params import ContinuityParams, TypologyParams
from pipeline.typology.metrics import TypologyMetrics
from pipeline.typology.model import (
    TypologyModel,
    classify,
    describe_partition,
    empty_description,
)
from pipeline.typology.spec import analysis_table, select_respondents

TRANSITION_COLUMNS = ("reference_type", "reference_name", "refit_type", "refit_name", "n", "share")
IDENTITY_COLUMNS = ("reference_type", "reference_name", "refit_type", "refit_name", "n_common", "n_reference",
                    "n_refit", "jaccard", "status", "parts")
# What became of a type between the reference model and the refit (French, shown in the reports)
SAME, SPLIT, MERGED, VANISHED, APPEARED = "même type", "scindé", "fusionné", "disparu", "nouveau"
SPLIT_FROM = "issu d'une scission"
PART_MIN = 0.25      # a part of a type: at least this share of it goes to (or comes from) the other type
MATCH_MIN = 0.30     # a matched pair whose Jaccard index is below this is no identity


def classify_wave(model: TypologyModel, clean: pd.DataFrame, column: str, values: list[str]) -> pd.DataFrame:
    """response_id, type, type_name and coordinates of the wave's respondents kept by the typology."""
    selected, _ = select_respondents(clean, column, values)
    return classify(model, selected.assign(response_id=selected["response_id"].astype(str)))


def transition_table(reference: pd.DataFrame, refit: pd.DataFrame) -> pd.DataFrame:
    """Respondents by (reference-model type, refit type), with the share of the reference type."""
    both = reference[["response_id", "type", "type_name"]].merge(
        refit[["response_id", "type", "type_name"]].astype({"response_id": str}), on="response_id",
        suffixes=("_reference", "_refit"), validate="one_to_one")
    table = (both.groupby(["type_reference", "type_name_reference", "type_refit", "type_name_refit"])
             .size().rename("n").reset_index())
    table.columns = list(TRANSITION_COLUMNS[:-1])
    table["share"] = table["n"] / table.groupby("reference_type")["n"].transform("sum")
    return table.astype({"reference_type": int, "refit_type": int, "n": int}).sort_values(
        ["reference_type", "refit_type"]).reset_index(drop=True)


def match_types(transitions: pd.DataFrame) -> pd.DataFrame:
    """One identity across years: each reference type matched to at most one refit type.

    The pairs maximise the respondents shared (optimal assignment on the transition table,
    ``scipy.optimize.linear_sum_assignment``); a pair whose Jaccard index (shared / in either) is
    under ``MATCH_MIN`` is no match. Then each type says what became of it: ``même type``; ``scindé``
    (a reference type at least ``PART_MIN`` of which goes to each of two refit types or more);
    ``fusionné`` (a refit type at least ``PART_MIN`` of which comes from each of two reference
    types or more); ``disparu`` (a reference type without a match); ``issu d'une scission`` (a refit
    type without a match, a part of a split reference type); ``nouveau`` (another refit type without one). ``parts``: the other side's types that hold at least ``PART_MIN`` of it.
    One row per reference type, then one per refit type left unmatched (reference_type NA).
    """
    if transitions.empty:
        return pd.DataFrame(columns=list(IDENTITY_COLUMNS))
    grid = transitions.pivot_table(index="reference_type", columns="refit_type", values="n", aggfunc="sum",
                                   fill_value=0)
    ref_names = dict(zip(transitions["reference_type"], transitions["reference_name"]))
    refit_names = dict(zip(transitions["refit_type"], transitions["refit_name"]))
    counts = grid.to_numpy(dtype=float)
    n_ref, n_refit = counts.sum(1), counts.sum(0)
    jaccard = counts / (n_ref[:, None] + n_refit[None, :] - counts)
    rows, cols = linear_sum_assignment(-counts)
    match = {int(r): int(c) for r, c in zip(rows, cols) if jaccard[r, c] >= MATCH_MIN}
    out_share, in_share = counts / n_ref[:, None], counts / n_refit[None, :]
    refs, refits = list(grid.index.astype(int)), list(grid.columns.astype(int))
    records = []
    for i, r in enumerate(refs):
        parts = [refits[j] for j in range(len(refits)) if out_share[i, j] >= PART_MIN]
        j = match.get(i)
        status = SPLIT if len(parts) >= 2 else SAME if j is not None else VANISHED
        if j is not None and status == SAME and (in_share[:, j] >= PART_MIN).sum() >= 2:
            status = MERGED
        records.append({"reference_type": r, "reference_name": ref_names[r],
                        "refit_type": refits[j] if j is not None else pd.NA,
                        "refit_name": refit_names[refits[j]] if j is not None else pd.NA,
                        "n_common": int(counts[i, j]) if j is not None else 0, "n_reference": int(n_ref[i]),
                        "n_refit": int(n_refit[j]) if j is not None else 0,
                        "jaccard": float(jaccard[i, j]) if j is not None else np.nan, "status": status,
                        "parts": parts})
    matched = set(match.values())
    split = {r["reference_type"] for r in records if r["status"] == SPLIT}
    for j, c in enumerate(refits):
        if j in matched:
            continue
        parts = [refs[i] for i in range(len(refs)) if in_share[i, j] >= PART_MIN]
        status = MERGED if len(parts) >= 2 else SPLIT_FROM if set(parts) & split else APPEARED
        records.append({"reference_type": pd.NA, "reference_name": pd.NA, "refit_type": c,
                        "refit_name": refit_names[c], "n_common": 0, "n_reference": 0, "n_refit": int(n_refit[j]),
                        "jaccard": np.nan, "status": status, "parts": parts})
    table = pd.DataFrame(records, columns=list(IDENTITY_COLUMNS))
    return table.astype({"reference_type": "Int64", "refit_type": "Int64"})


def partition_ari(reference: pd.DataFrame, refit: pd.DataFrame) -> float:
    """Adjusted Rand index between the two partitions of the same respondents."""
    both = reference[["response_id", "type"]].merge(refit[["response_id", "type"]].astype({"response_id": str}),
                                                    on="response_id")
    return float(adjusted_rand_score(both["type_x"], both["type_y"]))


def share_changes(reference_sizes: dict[int, int], current: pd.Series, names: dict[int, str]) -> pd.DataFrame:
    """Each reference type's share of respondents in the reference wave and in the current wave."""
    types = sorted(set(reference_sizes) | set(int(t) for t in current.unique()))
    n_ref = pd.Series({t: reference_sizes.get(t, 0) for t in types}, dtype=float)
    n_cur = current.astype(int).value_counts().reindex(types, fill_value=0).astype(float)
    out = pd.DataFrame({"type": types, "type_name": [names.get(t, f"Type {t}") for t in types],
                        "n_reference": n_ref.to_numpy().astype(int), "n_current": n_cur.to_numpy().astype(int)})
    out["share_reference"] = out["n_reference"] / max(out["n_reference"].sum(), 1)
    out["share_current"] = out["n_current"] / max(out["n_current"].sum(), 1)
    out["change"] = out["share_current"] - out["share_reference"]
    return out


def assess_drift(ari: float | None, shares: pd.DataFrame, params: ContinuityParams) -> tuple[bool, list[str]]:
    """Drift flag and its reasons, in French (no ARI: this wave has no typology to compare)."""
    reasons = []
    if ari is not None and ari < params.ari_min:
        reasons.append(f"La typologie ré-ajustée s'écarte de celle de référence (ARI {ari:.2f} < {params.ari_min:.2f}).")
    for row in shares.itertuples():
        if abs(row.change) > params.share_change_max:
            verb = "gagne" if row.change > 0 else "perd"
            reasons.append(f"Le type « {row.type_name} » {verb} {abs(row.change) * 100:.1f} points "
                           f"({row.share_reference * 100:.1f} % → {row.share_current * 100:.1f} %).")
    return bool(reasons), reasons


def run_continuity(clean: pd.DataFrame, model: TypologyModel | None, reference_metrics: TypologyMetrics,
                   refit: pd.DataFrame, typology: TypologyParams, params: ContinuityParams) -> dict:
    """Every computation of the stage, without files: classification, transitions, drift.

    Without a reference model (last wave too small for a typology) nothing is compared; without a
    refit (this wave too small) the transitions are empty and the ARI is None.
    """
    if model is None:
        empty = pd.DataFrame({"response_id": pd.Series(dtype=object), "type": pd.Series(dtype="int64"),
                              "type_name": pd.Series(dtype=object)})
        summary = {"published": typology.published, "n": 0, "ari": None, "drift": False, "drift_reasons": [],
                   "notice": "Pas de comparaison : la vague de référence n'a pas de typologie "
                             f"({reference_metrics.notice or 'modèle absent'})",
                   "thresholds": {"ari_min": params.ari_min, "share_change_max": params.share_change_max},
                   "k_reference": 0, "k_refit": int(refit["type"].nunique()), "shares": {}, "identity": []}
        return {"by_reference": empty, "transitions": pd.DataFrame(columns=list(TRANSITION_COLUMNS)),
                "shares": pd.DataFrame(), "identity": match_types(pd.DataFrame()), "summary": summary}
    by_reference = classify_wave(model, clean, typology.include_column, typology.include_values)
    transitions = transition_table(by_reference, refit)
    ari = partition_ari(by_reference, refit) if len(refit) else None
    shares = share_changes(reference_metrics.type_sizes, by_reference["type"], {int(k): v for k, v in model.names.items()})
    drift, reasons = assess_drift(ari, shares, params)
    identity = match_types(transitions)
    summary = {
        "published": typology.published, "n": int(len(by_reference)), "ari": ari, "drift": drift,
        "drift_reasons": reasons, "thresholds": {"ari_min": params.ari_min, "share_change_max": params.share_change_max},
        "k_reference": int(model.hcpc.n_clusters_), "k_refit": int(refit["type"].nunique()),
        "shares": {int(r.type): {"name": r.type_name, "reference": float(r.share_reference),
                                 "current": float(r.share_current), "change": float(r.change)}
                   for r in shares.itertuples()},
        "identity": identity_records(identity),
    }
    return {"by_reference": by_reference, "transitions": transitions, "shares": shares, "identity": identity,
            "summary": summary}


def identity_records(identity: pd.DataFrame) -> list[dict]:
    """The identity table as plain records (metrics JSON): NA as None, types as int."""
    def plain(v):
        if isinstance(v, list):
            return [int(x) for x in v]
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        return int(v) if isinstance(v, (np.integer,)) else float(v) if isinstance(v, np.floating) else v
    return [{k: plain(v) for k, v in row.items()} for row in identity.to_dict("records")]


def reference_publication(clean: pd.DataFrame, model: TypologyModel | None, by_reference: pd.DataFrame,
                          reference_metrics: TypologyMetrics, typology: TypologyParams
                          ) -> tuple[pd.DataFrame, TypologyMetrics]:
    """Description and metrics of the reference typology on the current wave (when it is published)."""
    if model is None:
        return empty_description().category, reference_metrics
    selected, excl = select_respondents(clean, typology.include_column, typology.include_values)
    selected = selected.set_axis(pd.Index(selected["response_id"].astype(str), name="response_id"))
    table = analysis_table(selected, model.spec)
    labels = by_reference.set_index("response_id").loc[table.index, "type"].to_numpy()
    description = describe_partition(model.spec, table, labels, typology.proba).category
    metrics = reference_metrics.with_updates(
        n=int(len(table)), n_input=int(len(clean)), selection=excl,
        type_sizes={int(t): int((labels == t).sum()) for t in sorted(model.names)},
        n_reference_wave=reference_metrics.n)
    return description, metrics
