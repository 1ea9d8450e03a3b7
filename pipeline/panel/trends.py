"""Stage ``trends``: what changed between the reference wave and the current wave, per collectivité.

    python -m pipeline.panel.trends --params params.yaml --reference data/processed/reference/clean.parquet \\
        --current data/processed/clean.parquet --model models/reference/typology.joblib \\
        --out data/processed/trends.parquet --summary metrics/trends.json

Collectivités are matched across waves with the clean stage's identity keys (SIREN, else INSEE
code, else normalised name + département: :func:`pipeline.clean.recipe.identity_keys`). For the panel
(collectivités present in both waves): budget (C01), staff (D02), actions (B03), strategy (D04)
and type, the type being given in both years by the reference wave's model, so that a change of
type is a change of practice, not of typology. Collectivités present in one wave only are kept
with their ``presence`` ("nouvelle" or "sortie") and no change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clean.dedup import identity_keys
from pipeline.domain.codebook import Codebook
from pipeline.domain.params import TrendsParams, TypologyParams
from pipeline.typology.model import TypologyModel, classify
from pipeline.typology.spec import select_respondents

WAVES = ("reference", "current")
PANEL, NEW, DROPPED = "les deux vagues", "nouvelle", "sortie"
CARRIED = ("A01", "A02", "rrma", "rrma_slug", "strate_population")
UP, STABLE, DOWN, NONE_BOTH = "En hausse", "Stable", "En baisse", "Nul les deux années"
MORE_FORMAL, SAME, LESS_FORMAL = "Plus formalisée", "Inchangée", "Moins formalisée"
MORE_ACTIONS, SAME_ACTIONS, FEWER_ACTIONS = "Plus de types d'action", "Autant de types d'action", "Moins de types d'action"
SAME_TYPE, OTHER_TYPE = "Même type", "Autre type"
# French class columns of the panel (reports): column -> its classes in display order
EVOLUTION_CLASSES = {
    "evolution_budget": (UP, STABLE, DOWN, NONE_BOTH),
    "evolution_etp": (UP, STABLE, DOWN, NONE_BOTH),
    "evolution_strategie": (MORE_FORMAL, SAME, LESS_FORMAL),
    "evolution_actions": (MORE_ACTIONS, SAME_ACTIONS, FEWER_ACTIONS),
    "evolution_type": (SAME_TYPE, OTHER_TYPE),
}


def match_waves(reference: pd.DataFrame, current: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Both waves stacked, with ``wave`` and the collectivité ``key`` shared across waves."""
    both = pd.concat([reference.assign(wave=WAVES[0]), current.assign(wave=WAVES[1])], ignore_index=True)
    # response ids restart each wave: prefix them so that an unidentified row never joins another wave's
    both = both.assign(response_id=both["wave"] + ":" + both["response_id"].astype("string"))
    return both.assign(key=identity_keys(both, codebook).to_numpy())


def type_by_model(model: TypologyModel | None, clean: pd.DataFrame, column: str, values: list[str]) -> pd.DataFrame:
    """response_id -> type and type name given by ``model`` (respondents outside the typology: NA)."""
    if model is None or clean.empty:
        return pd.DataFrame({"response_id": pd.Series(dtype="string"), "type": pd.Series(dtype="Int64"),
                             "type_name": pd.Series(dtype="string")})
    selected, _ = select_respondents(clean, column, values)
    types = classify(model, selected.assign(response_id=selected["response_id"].astype("string")))
    return types[["response_id", "type", "type_name"]].astype({"type": "Int64", "type_name": "string"})


def _actions(frame: pd.DataFrame, codebook: Codebook) -> pd.Series:
    """Slugs of the actions ticked (B03), as frozensets (empty when unanswered)."""
    cols = [c for c in codebook["B03"].columns if c in frame.columns]
    ticked = frame[cols].fillna(False).astype(bool)
    return pd.Series([frozenset(c.split("__", 1)[1] for c, v in row.items() if v) for _, row in ticked.iterrows()],
                     index=frame.index, dtype=object)


def panel_changes(stacked: pd.DataFrame, types: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """One row per collectivité: presence, and for the panel the changes between the two waves."""
    stacked = stacked.drop_duplicates(["key", "wave"], keep="last")
    stacked = stacked.merge(types, on="response_id", how="left")
    stacked = stacked.assign(actions=_actions(stacked, codebook))
    ref = stacked[stacked["wave"] == WAVES[0]].set_index("key")
    cur = stacked[stacked["wave"] == WAVES[1]].set_index("key")
    keys = ref.index.union(cur.index)
    out = pd.DataFrame(index=pd.Index(keys, name="key"))
    in_ref, in_cur = keys.isin(ref.index), keys.isin(cur.index)
    out["presence"] = np.select([in_ref & in_cur, in_cur], [PANEL, NEW], DROPPED)
    r, c = ref.reindex(keys), cur.reindex(keys)
    for col in CARRIED:
        if col in stacked.columns:
            latest = c[col].astype("string")
            out[col] = latest.where(latest.notna(), r[col].astype("string")).to_numpy()
    for wave, frame in zip(WAVES, (r, c)):
        out[f"response_id_{wave}"] = frame["response_id"].astype("string").str.split(":", n=1).str[1].to_numpy()
    for code, name in (("C01", "budget"), ("D02", "etp")):
        before = pd.to_numeric(r[code], errors="coerce").to_numpy()
        after = pd.to_numeric(c[code], errors="coerce").to_numpy()
        out[f"{name}_reference"], out[f"{name}_current"] = before, after
        out[f"{name}_change"] = after - before
    out["budget_change_pct"] = np.where(out["budget_reference"] > 0,
                                        out["budget_change"] / out["budget_reference"] * 100, np.nan)
    labels = {m.slug: m.label for m in codebook["B03"].modalities}
    added, removed = [], []
    for a, b in zip(r["actions"], c["actions"]):
        if isinstance(a, frozenset) and isinstance(b, frozenset):
            added.append("; ".join(labels[s] for s in labels if s in b - a))
            removed.append("; ".join(labels[s] for s in labels if s in a - b))
        else:
            added.append(None)
            removed.append(None)
    out["n_actions_reference"] = [len(a) if isinstance(a, frozenset) else pd.NA for a in r["actions"]]
    out["n_actions_current"] = [len(b) if isinstance(b, frozenset) else pd.NA for b in c["actions"]]
    out["actions_added"], out["actions_removed"] = added, removed
    out["strategy_reference"] = r["D04"].astype("string").to_numpy()
    out["strategy_current"] = c["D04"].astype("string").to_numpy()
    out["type_reference"] = r["type"].astype("Int64").to_numpy()
    out["type_current"] = c["type"].astype("Int64").to_numpy()
    out["type_name_reference"] = r["type_name"].astype("string").to_numpy()
    out["type_name_current"] = c["type_name"].astype("string").to_numpy()
    panel = out["presence"] == PANEL
    # a change of strategy is between two answers: unanswered one year is no change (the evolution class,
    # « Plus formalisée » or « Moins formalisée », counts the same collectivités)
    answered = out["strategy_reference"].notna() & out["strategy_current"].notna()
    out["strategy_changed"] = (panel & answered & (out["strategy_reference"] != out["strategy_current"])
                               ).fillna(False).astype(bool)
    out["type_changed"] = (panel & out["type_reference"].notna() & out["type_current"].notna()
                           & (out["type_reference"] != out["type_current"])).fillna(False).astype(bool)
    out = out.astype({"n_actions_reference": "Int64", "n_actions_current": "Int64",
                      "actions_added": "string", "actions_removed": "string"})
    return out.reset_index()


def _amount_class(before: pd.Series, after: pd.Series, band: float) -> pd.Series:
    b, a = pd.to_numeric(before, errors="coerce"), pd.to_numeric(after, errors="coerce")
    out = np.select([(b == 0) & (a == 0), a > b * (1 + band), a < b * (1 - band)], [NONE_BOTH, UP, DOWN], STABLE)
    return pd.Series(out, index=before.index, dtype="string").where(b.notna() & a.notna())


def classify_changes(changes: pd.DataFrame, codebook: Codebook, stable_band: float = 0.10) -> pd.DataFrame:
    """The panel's changes as French classes (``evolution_*`` columns, NA outside the panel)."""
    panel = changes["presence"] == PANEL
    rank = {m.label: i for i, m in enumerate(codebook["D04"].modalities)}  # first = most formal
    r = changes["strategy_reference"].map(rank).astype("Float64")
    c = changes["strategy_current"].map(rank).astype("Float64")
    strategy = pd.Series(np.select([(c < r).fillna(False), (c > r).fillna(False)], [MORE_FORMAL, LESS_FORMAL], SAME),
                         index=changes.index, dtype="string").where(r.notna() & c.notna())
    na, nc = changes["n_actions_reference"].astype("Float64"), changes["n_actions_current"].astype("Float64")
    actions = pd.Series(np.select([(nc > na).fillna(False), (nc < na).fillna(False)], [MORE_ACTIONS, FEWER_ACTIONS],
                                  SAME_ACTIONS), index=changes.index, dtype="string").where(na.notna() & nc.notna())
    typed = changes["type_reference"].notna() & changes["type_current"].notna()
    kind = pd.Series(np.where(changes["type_changed"], OTHER_TYPE, SAME_TYPE), index=changes.index,
                     dtype="string").where(typed)
    classes = {
        "evolution_budget": _amount_class(changes["budget_reference"], changes["budget_current"], stable_band),
        "evolution_etp": _amount_class(changes["etp_reference"], changes["etp_current"], stable_band),
        "evolution_strategie": strategy, "evolution_actions": actions, "evolution_type": kind,
    }
    return changes.assign(**{k: v.where(panel).astype("string") for k, v in classes.items()})


def summarize(changes: pd.DataFrame) -> dict:
    """Counts and medians of the panel (the small JSON summary of the stage)."""
    panel = changes[changes["presence"] == PANEL]
    both = panel.dropna(subset=["type_reference", "type_current"])
    names = dict(zip(changes["type_reference"].dropna().astype(int), changes["type_name_reference"].dropna()))
    names.update(zip(changes["type_current"].dropna().astype(int), changes["type_name_current"].dropna()))
    moves = (both.groupby(["type_reference", "type_current"]).size().rename("n").reset_index())
    sizes = {int(t): {"name": names.get(int(t), f"Type {t}"),
                      "reference": int((both["type_reference"] == t).sum()),
                      "current": int((both["type_current"] == t).sum())}
             for t in sorted(set(both["type_reference"].astype(int)) | set(both["type_current"].astype(int)))}

    def median(col: str) -> float | None:
        v = pd.to_numeric(panel[col], errors="coerce").dropna()
        return float(v.median()) if len(v) else None

    return {
        "n_reference": int((changes["presence"] != NEW).sum()), "n_current": int((changes["presence"] != DROPPED).sum()),
        "n_panel": int(len(panel)), "n_new": int((changes["presence"] == NEW).sum()),
        "n_dropped": int((changes["presence"] == DROPPED).sum()),
        "budget_change_median": median("budget_change"), "budget_change_pct_median": median("budget_change_pct"),
        "etp_change_median": median("etp_change"),
        "strategy_changed": int(panel["strategy_changed"].sum()),
        "type_changed": int(panel["type_changed"].sum()), "n_typed_both_years": int(len(both)),
        "evolutions": {col: {k: int((panel[col] == k).sum()) for k in classes}
                       for col, classes in EVOLUTION_CLASSES.items() if col in panel.columns},
        "type_sizes_panel": sizes,
        "type_moves": [{"from": int(m.type_reference), "to": int(m.type_current), "n": int(m.n)}
                       for m in moves.itertuples() if m.type_reference != m.type_current],
    }


def run_trends(reference: pd.DataFrame, current: pd.DataFrame, model: TypologyModel | None,
               typology: TypologyParams, codebook: Codebook, params: TrendsParams
               ) -> tuple[pd.DataFrame, dict]:
    """Match the waves, type both with the reference model, compute the panel's changes."""
    stacked = match_waves(reference, current, codebook)
    waves = [stacked[stacked["wave"] == w] for w in WAVES]
    types = pd.concat([type_by_model(model, w, typology.include_column, typology.include_values) for w in waves],
                      ignore_index=True)
    changes = classify_changes(panel_changes(stacked, types, codebook), codebook, params.stable_band)
    return changes, summarize_by_network(changes)


def summarize_by_network(changes: pd.DataFrame) -> dict:
    """The summary of all collectivités, and under ``by_network`` the same for each network
    (``rrma_slug``, last known), so that each network's report shows its own evolutions."""
    summary = summarize(changes)
    if "rrma_slug" in changes.columns:
        slugs = sorted(changes["rrma_slug"].dropna().astype(str).unique())
        summary["by_network"] = {s: summarize(changes[changes["rrma_slug"] == s]) for s in slugs if s}
    return summary
