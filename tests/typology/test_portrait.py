"""Portraits of the types along the five dimensions of the study, and the names they suggest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.domain.codebook import load_codebook
from pipeline.typology.portrait import (
    MEDIAN,
    MISSING,
    SHARE,
    card,
    missing_share,
    name_types_from,
    portrait_table,
    short_label,
    suggest_name,
)

CB = load_codebook()


def _answers(n: int = 120, seed: int = 5) -> tuple[pd.DataFrame, pd.Series]:
    """Type 1 structured decentralised cooperation with a dedicated line; type 2 twinning, nothing formal;
    type 3 leaves E01 unanswered (its missing answers must make no trait)."""
    rng = np.random.default_rng(seed)
    t = np.repeat([1, 2, 3], n // 3)
    df = pd.DataFrame(index=[f"R{i}" for i in range(len(t))])
    for m in CB["B03"].modalities:
        p = {"coop_decentralisee": (0.95, 0.05, 0.3), "jumelage": (0.1, 0.95, 0.3)}.get(m.slug, (0.2, 0.2, 0.2))
        df[f"B03__{m.slug}"] = pd.array(rng.random(len(t)) < np.choose(t - 1, p), dtype="boolean")
    df["C02"] = np.where(t == 1, "Oui", np.where(rng.random(len(t)) < 0.9, "Non", "Oui"))
    df["D01"] = np.where(t == 1, "Direction ou service dédié", "Pas d'organisation identifiée")
    df["D04"] = np.where(t == 1, "Adoptée par délibération", "Aucune")
    df["C01"] = np.where(t == 1, 200000.0, 5000.0)
    df.loc[df.index[:3], "C01"] = np.nan
    for m in CB["E01"].modalities:
        col = pd.array(rng.random(len(t)) < 0.4, dtype="boolean")
        col[t == 3] = pd.NA
        df[f"E01__{m.slug}"] = col
    for m in CB["F01"].modalities:
        df[f"F01__{m.slug}"] = pd.array(rng.random(len(t)) < (0.7 if m.slug == "budget" else 0.2), dtype="boolean")
    return df, pd.Series(t, index=df.index)


@pytest.fixture(scope="module")
def table():
    answers, types = _answers()
    return portrait_table(answers, types, CB), answers, types


def test_shares_and_counts_agree_with_the_answers(table):
    tab, answers, types = table
    row = tab[(tab["type"] == 1) & (tab["column"] == "B03__coop_decentralisee")].iloc[0]
    b03 = answers[[c for c in answers if c.startswith("B03__")]].fillna(False)
    ticked = b03.any(axis=1)            # a multi-select question's base: who ticked at least one option
    in_type = answers.loc[(types == 1) & ticked, "B03__coop_decentralisee"]
    assert row["kind"] == SHARE and row["n"] == int(in_type.sum()) and row["base"] == len(in_type)
    assert row["share_all"] == pytest.approx(answers.loc[ticked, "B03__coop_decentralisee"].mean())
    assert row["v_test"] > 2 and row["dimension"] == "actions"
    assert row["text"] == "Types d'actions menées : Coopération décentralisée"
    median = tab[(tab["type"] == 2) & (tab["question"] == "C01") & (tab["kind"] == MEDIAN)].iloc[0]
    assert median["median"] == 5000.0 and median["n"] == 40 - 0   # the 3 unanswered are type 1's
    assert median["median_all"] == 5000.0 and median["base_all"] == 117


def test_missing_answers_are_counted_never_a_trait(table):
    tab, _, _ = table
    gone = tab[(tab["type"] == 3) & (tab["question"] == "E01") & (tab["kind"] == MISSING)].iloc[0]
    e01 = tab[(tab["question"] == "E01") & (tab["kind"] == MISSING)].set_index("type")
    assert gone["n"] == 40 and gone["share"] == 1.0 and gone["n_all"] == e01["n"].sum()
    missing, asked, _, _ = missing_share(tab, 3, "partenariats")
    assert missing == 40 and asked == 40
    lines = card(tab, 3, "partenariats", CB)
    assert lines.empty or not lines["kind"].eq(MISSING).any()


def test_a_card_lists_distinctive_answers_then_key_facts(table):
    tab, _, _ = table
    moyens = card(tab, 1, "moyens", CB)
    assert moyens.iloc[0]["role"] == "distinctive" and moyens["v_test"].iloc[0] >= 2
    assert {"C02", "D01"} <= set(moyens.loc[moyens["role"] == "distinctive", "question"])
    assert ((moyens["question"] == "C01") & (moyens["kind"] == MEDIAN)).any()
    obstacles = card(tab, 2, "perspectives", CB)
    assert obstacles.iloc[0]["label"] == "Contraintes budgétaires"     # the most cited obstacle is shown
    lacking = card(tab, 2, "moyens", CB)   # what a type lacks is a fact of its card, never a distinctive trait
    assert not lacking.loc[lacking["role"] == "distinctive", "label"].isin(["Non", "Pas d'organisation identifiée"]).any()


def test_names_read_as_words_and_never_as_missing_or_none(table):
    tab, _, _ = table
    names = name_types_from(tab)
    assert names[1] == "Coopération décentralisée structurée, budget dédié"
    assert names[2] == "Engagement ponctuel via jumelage"
    for name in names.values():
        assert "renseign" not in name and "Aucun" not in name and ".NA" not in name
    assert len(set(names.values())) == 3


def test_analysts_name_a_profile_and_two_alike_types_stay_apart(table):
    tab, _, _ = table
    renamed = name_types_from(tab, {"Engagement ponctuel via jumelage": "Jumelages de proximité"})
    assert renamed[2] == "Jumelages de proximité"
    twins = pd.concat([tab, tab[tab["type"] == 2].assign(type=4)], ignore_index=True)
    names = name_types_from(twins)
    assert names[2] != names[4] and names[4].startswith("Engagement ponctuel via jumelage")


def test_short_labels_and_the_fallback_name():
    assert short_label("Éducation à la citoyenneté et à la solidarité internationale (ECSI)") == "ECSI"
    assert short_label("Volontariat (VIES, VSI, service civique)") == "Volontariat"
    assert short_label("Jumelage") == "Jumelage"
    empty = pd.DataFrame({c: [] for c in ("type", "kind", "question", "column", "value", "label", "share",
                                          "share_all", "v_test")}).astype({"type": int})
    assert suggest_name(empty, 1) == "Engagement international"
