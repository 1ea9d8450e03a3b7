"""Continuity of the typology: last year's model on this year's wave, beside this year's refit."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from support.pipeline_run import growing_type

from pipeline.domain.params import (
    ContinuityParams,
    ParamsError,
    TypologyParams,
    block_from_dict,
    defaults,
)
from pipeline.panel.continuity import (
    assess_drift,
    identity_records,
    match_types,
    partition_ari,
    share_changes,
    transition_table,
)
from pipeline.stages.continuity import main


def _types(pairs: list[tuple[str, int]]) -> pd.DataFrame:
    return pd.DataFrame({"response_id": [p[0] for p in pairs], "type": [p[1] for p in pairs],
                         "type_name": [f"T{p[1]}" for p in pairs]})


def test_transition_table_counts_and_shares():
    ref = _types([("a", 1), ("b", 1), ("c", 2)])
    refit = _types([("a", 3), ("b", 4), ("c", 4)])
    table = transition_table(ref, refit)
    assert table[["reference_type", "refit_type", "n"]].values.tolist() == [[1, 3, 1], [1, 4, 1], [2, 4, 1]]
    assert table["share"].tolist() == [0.5, 0.5, 1.0]
    assert partition_ari(ref, _types([("a", 7), ("b", 7), ("c", 9)])) == 1.0


def test_drift_when_a_type_grows_or_the_partitions_part():
    shares = share_changes({1: 50, 2: 50}, pd.Series([1] * 30 + [2] * 70), {1: "Jumelage", 2: "Solidarité"})
    assert shares["change"].round(2).tolist() == [-0.2, 0.2]
    drift, reasons = assess_drift(0.9, shares, defaults(ContinuityParams, ari_min=0.5, share_change_max=0.05))
    assert drift and any("« Solidarité » gagne 20.0 points" in r for r in reasons)
    calm = share_changes({1: 50, 2: 50}, pd.Series([1] * 49 + [2] * 51), {})
    assert assess_drift(0.9, calm, defaults(ContinuityParams)) == (False, [])
    drift, reasons = assess_drift(0.2, calm, defaults(ContinuityParams))
    assert drift and "ARI 0.20" in reasons[0]


def test_published_must_be_refit_or_reference():
    with pytest.raises(ParamsError, match="typology.published : « nouveau » n'est pas permis ; attendu : refit ou reference"):
        block_from_dict(TypologyParams, {**vars(defaults(TypologyParams)), "published": "nouveau"}, "typology")


# -- on the demo's two waves (one pipeline run per session) ---------------------------------------

def test_transition_table_recovers_the_growing_model(repo):
    grow = growing_type(repo)
    summary = json.loads((repo / "metrics" / "continuity.json").read_text(encoding="utf-8"))
    transitions = pd.read_parquet(repo / "data" / "processed" / "continuity.parquet")
    reference = json.loads((repo / "metrics" / "reference" / "typology.json").read_text(encoding="utf-8"))
    assert transitions["n"].sum() == summary["n"]
    # the growing model's type gains members in the current wave, more than any other type
    n_current = transitions.groupby("reference_type")["n"].sum()
    assert n_current[grow] > 1.15 * reference["type_sizes"][str(grow)]
    changes = {int(t): s["change"] for t, s in summary["shares"].items()}
    assert max(changes, key=changes.get) == grow and changes[grow] > 0.05
    # the planted models did not change: the refit finds the same types (high ARI), the drift is the growth
    assert summary["ari"] > 0.8 and summary["drift"] is True
    assert any(summary["shares"][str(grow)]["name"] in r and "gagne" in r for r in summary["drift_reasons"])
    # the reference type of the growing model flows mostly to one refit type
    assert transitions.loc[transitions["reference_type"] == grow, "share"].max() > 0.8


def test_published_typology_follows_params(repo, tmp_path):
    refit = pd.read_parquet(repo / "data" / "processed" / "refit" / "typology.parquet")
    published = pd.read_parquet(repo / "data" / "processed" / "typology.parquet")
    pd.testing.assert_frame_equal(published, refit)
    metrics = json.loads((repo / "metrics" / "typology.json").read_text(encoding="utf-8"))
    assert metrics["published"] == "refit" and metrics["year"] == 2025 and metrics["reference_year"] == 2024
    # typology.published: reference -> last year's types on this year's respondents
    params = (repo / "params.yaml").read_text(encoding="utf-8").replace("published: refit", "published: reference")
    (tmp_path / "params.yaml").write_text(params, encoding="utf-8")
    p = lambda *parts: str(repo.joinpath(*parts))  # noqa: E731
    assert main(["--params", str(tmp_path / "params.yaml"), "--clean", p("data", "processed", "clean.parquet"),
                 "--reference-model", p("models", "reference", "typology.joblib"),
                 "--reference-metrics", p("metrics", "reference", "typology.json"),
                 "--refit-dir", p("data", "processed", "refit"), "--refit-metrics", p("metrics", "refit", "typology.json"),
                 "--out-dir", str(tmp_path), "--metrics", str(tmp_path / "continuity.json"),
                 "--published-metrics", str(tmp_path / "typology.json")]) == 0
    types = pd.read_parquet(tmp_path / "typology.parquet")
    ref_metrics = json.loads((repo / "metrics" / "reference" / "typology.json").read_text(encoding="utf-8"))
    pub = json.loads((tmp_path / "typology.json").read_text(encoding="utf-8"))
    assert pub["published"] == "reference" and pub["type_names"] == ref_metrics["type_names"]
    assert set(types["response_id"]) == set(refit["response_id"].astype(str))
    assert sum(pub["type_sizes"].values()) == len(types) == pub["n"]
    assert types["type_name"].isin(ref_metrics["type_names"].values()).all()
    description = pd.read_parquet(tmp_path / "typology_description.parquet")
    assert set(description["type"]) <= set(types["type"]) and len(description) > 0


def _transitions(counts: dict[tuple[int, int], int]) -> pd.DataFrame:
    rows = [{"reference_type": a, "reference_name": f"R{a}", "refit_type": b, "refit_name": f"N{b}", "n": n}
            for (a, b), n in counts.items()]
    return pd.DataFrame(rows)


def test_types_are_matched_by_optimal_assignment_and_say_what_became_of_them():
    # 1 -> 2 (same type, renumbered); 2 splits into 1 and 3; 3 -> 4; 5 is new
    identity = match_types(_transitions({(1, 2): 50, (2, 1): 30, (2, 3): 28, (3, 2): 6, (3, 1): 2, (2, 4): 1,
                                         (1, 4): 1, (3, 4): 20, (1, 5): 3}))
    by_ref = identity.dropna(subset=["reference_type"]).set_index("reference_type")
    assert by_ref.loc[1, "refit_type"] == 2 and by_ref.loc[1, "status"] == "même type"
    assert by_ref.loc[2, "status"] == "scindé" and sorted(by_ref.loc[2, "parts"]) == [1, 3]
    assert by_ref.loc[3, "refit_type"] == 4 and by_ref.loc[3, "jaccard"] > 0.3
    new = identity[identity["reference_type"].isna()].set_index("refit_type")["status"].to_dict()
    assert new == {3: "issu d'une scission", 5: "nouveau"}
    # a weak overlap is no identity
    weak = match_types(_transitions({(1, 1): 10, (1, 2): 10, (2, 2): 2, (2, 3): 40}))
    assert weak.set_index("reference_type").loc[1, "status"] == "scindé"


def test_identity_on_the_same_partition_renumbered_is_the_permutation():
    ref = _types([("a", 1), ("b", 1), ("c", 2), ("d", 3), ("e", 3)])
    refit = _types([("a", 3), ("b", 3), ("c", 1), ("d", 2), ("e", 2)])
    identity = match_types(transition_table(ref, refit)).set_index("reference_type")
    assert identity["refit_type"].to_dict() == {1: 3, 2: 1, 3: 2} and set(identity["status"]) == {"même type"}
    assert identity_records(identity.reset_index())[0]["parts"] == [3]
