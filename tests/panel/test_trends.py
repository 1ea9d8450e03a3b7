"""Trends: the panel of collectivités present in both waves and what changed for them."""

from __future__ import annotations

import html
import json
import re

import pandas as pd
from support.pipeline_run import growing_type

from pipeline.clean import dedup as clean
from pipeline.common.identifiers import siren_is_valid
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import TrendsParams, TypologyParams, defaults
from pipeline.panel import trends
from pipeline.panel.trends import DROPPED, NEW, PANEL, run_trends

CB = load_codebook()
B03 = [c for c in CB["B03"].columns]


def _wave(rows: list[dict]) -> pd.DataFrame:
    base = {"A01": None, "A02": "Commune", "A03": None, "A04": None, "departement_code": "35", "B01": "Oui, actuellement",
            "C01": None, "D02": None, "D04": None, "rrma": "Réseau", "rrma_slug": "reseau"}
    frame = pd.DataFrame([{**base, **{c: False for c in B03}, **r} for r in rows])
    return frame.astype({"A03": "string", "A04": "string"})


def test_identity_keys_are_the_clean_stage_s():
    assert trends.identity_keys is clean.identity_keys


def test_panel_matched_by_siren_or_name_with_changes():
    siren = "213500010"  # Luhn-valid
    assert siren_is_valid(siren)
    ref = _wave([
        {"response_id": "R1", "A01": "Ville de Lunel", "A03": siren, "C01": 10000.0, "D02": 0.5,
         "D04": "Aucune", "B03__jumelage": True},
        {"response_id": "R2", "A01": "Ville d'Arbois", "C01": 2000.0, "D02": 0.1, "B03__ecsi": True},
        {"response_id": "R3", "A01": "Ville de Revel", "C01": 500.0},
    ])
    cur = _wave([
        # same SIREN, another spelling of the name: the same collectivité
        {"response_id": "R1", "A01": "LUNEL (ville)", "A03": siren, "C01": 15000.0, "D02": 1.0,
         "D04": "Adoptée par délibération", "B03__jumelage": True, "B03__ecsi": True},
        # no SIREN: name + département
        {"response_id": "R7", "A01": "Ville d’Arbois", "C01": 2000.0, "D02": 0.1, "B03__ecsi": True},
        {"response_id": "R2", "A01": "Ville de Salers", "C01": 800.0},
    ])
    changes, summary = run_trends(ref, cur, None, defaults(TypologyParams), CB, defaults(TrendsParams))
    by_name = changes.set_index("A01")
    assert by_name.loc["LUNEL (ville)", "presence"] == PANEL
    lunel = by_name.loc["LUNEL (ville)"]
    assert lunel["budget_change"] == 5000.0 and lunel["budget_change_pct"] == 50.0 and lunel["etp_change"] == 0.5
    assert lunel["actions_added"] == CB["B03"].modality("ecsi").label and lunel["actions_removed"] == ""
    assert lunel["strategy_changed"] and lunel["response_id_reference"] == "R1"
    assert by_name.loc["Ville d’Arbois", "presence"] == PANEL and not by_name.loc["Ville d’Arbois", "strategy_changed"]
    assert by_name.loc["Ville de Revel", "presence"] == DROPPED and by_name.loc["Ville de Salers", "presence"] == NEW
    # R2 exists in both waves but names another collectivité each year: never matched on the id
    assert pd.isna(by_name.loc["Ville de Salers", "budget_change"])
    assert summary["by_network"]["reseau"]["n_panel"] == 2
    assert summary["n_panel"] == 2 and summary["n_new"] == 1 and summary["n_dropped"] == 1
    assert summary["budget_change_median"] == 2500.0 and summary["type_changed"] == 0
    # French classes for the reports (panel only)
    assert lunel[["evolution_budget", "evolution_etp", "evolution_strategie", "evolution_actions"]].tolist() == [
        "En hausse", "En hausse", "Plus formalisée", "Plus de types d'action"]
    arbois = by_name.loc["Ville d’Arbois"]
    assert arbois["evolution_budget"] == "Stable" and arbois["evolution_actions"] == "Autant de types d'action"
    assert pd.isna(arbois["evolution_strategie"]) and pd.isna(arbois["evolution_type"])  # unanswered, untyped
    assert by_name.loc[["Ville de Revel", "Ville de Salers"], "evolution_budget"].isna().all()
    assert summary["evolutions"]["evolution_budget"] == {"En hausse": 1, "Stable": 1, "En baisse": 0,
                                                         "Nul les deux années": 0}


def test_the_summary_counts_are_the_counts_of_the_evolution_classes():
    """The text of a report states strategy_changed and type_changed; its tables give the classes:
    the same collectivités, nationally and in each network (an answer given one year only is no change)."""
    ref = _wave([{"response_id": f"R{i}", "A01": f"Ville {i}", "D04": d, "rrma_slug": s}
                 for i, (d, s) in enumerate([("Aucune", "a"), (None, "a"), ("Aucune", "b"), ("En cours d'élaboration", "b"),
                                              ("Aucune", "a")])])
    cur = _wave([{"response_id": f"R{i}", "A01": f"Ville {i}", "D04": d, "rrma_slug": s}
                 for i, (d, s) in enumerate([("Adoptée par délibération", "a"), ("Aucune", "a"), (None, "b"),
                                              ("Aucune", "b"), ("Aucune", "a")])])
    changes, summary = run_trends(ref, cur, None, defaults(TypologyParams), CB, defaults(TrendsParams))
    for part in (summary, *summary["by_network"].values()):
        classes = part["evolutions"]["evolution_strategie"]
        assert part["strategy_changed"] == classes["Plus formalisée"] + classes["Moins formalisée"]
        assert part["type_changed"] == part["evolutions"]["evolution_type"]["Autre type"]
    assert summary["strategy_changed"] == 2


def test_empty_current_wave_gives_only_departures():
    ref = _wave([{"response_id": "R1", "A01": "Ville de Lunel", "C01": 1.0}])
    changes, summary = run_trends(ref, ref.iloc[:0], None, defaults(TypologyParams), CB, defaults(TrendsParams))
    assert changes["presence"].tolist() == [DROPPED] and summary["n_panel"] == 0
    assert summary["budget_change_median"] is None


# -- on the demo's two waves -----------------------------------------------------------------------

def test_trends_show_the_growing_model(repo):
    grow = growing_type(repo)
    changes = pd.read_parquet(repo / "data" / "processed" / "trends.parquet")
    summary = json.loads((repo / "metrics" / "trends.json").read_text(encoding="utf-8"))
    truth = {y: pd.read_parquet(repo / "data" / "demo" / str(y) / "collectivites.parquet") for y in (2024, 2025)}
    both = (truth[2024]["responded"] & truth[2025]["responded"]).sum()
    # the panel is found (a few collectivités are lost to quarantine or a mistyped SIREN)
    assert 0.9 * both <= summary["n_panel"] <= both
    assert summary["n_new"] > 0 and summary["n_dropped"] > 0
    panel = changes[changes["presence"] == PANEL]
    assert panel["budget_change"].notna().mean() > 0.8
    sizes = summary["type_sizes_panel"][str(grow)]
    assert sizes["current"] > 1.15 * sizes["reference"]
    moves = pd.DataFrame(summary["type_moves"])
    into = moves.loc[moves["to"] == grow, "n"].sum()
    assert into > moves.loc[moves["from"] == grow, "n"].sum() * 3 and into >= 0.5 * moves["n"].sum()
    assert summary["type_changed"] == moves["n"].sum()
    assert summary["evolutions"]["evolution_type"]["Autre type"] == summary["type_changed"]
    assert sum(summary["evolutions"]["evolution_budget"].values()) > 0.8 * summary["n_panel"]
    # each network's own summary, same layout, adding up to the national one
    networks = summary["by_network"]
    assert len(networks) > 5 and set(networks) == set(changes["rrma_slug"].dropna())
    assert sum(n["n_panel"] for n in networks.values()) == summary["n_panel"]
    assert sum(n["type_changed"] for n in networks.values()) == summary["type_changed"]


def test_evolution_section_of_the_national_report_shows_the_growing_type(repo):
    grow = growing_type(repo)
    summary = json.loads((repo / "metrics" / "trends.json").read_text(encoding="utf-8"))
    page = (repo / "reports" / "2025" / "national.html").read_text(encoding="utf-8")
    assert "Évolutions depuis l'enquête précédente" in page.replace("&#x27;", "'")
    name = summary["type_sizes_panel"][str(grow)]["name"]
    # the section's two-bar row (before, after): the type's last label on the page (section 9 draws
    # the types' shares, one bar a type, before it)
    row = page.rsplit(f'<div class="lab">{grow}. {html.escape(name, quote=False)}</div>', 1)[1].split('<div class="row">')[0]
    before, after = (float(w) for w in re.findall(r"width:([\d.]+)%", row)[:2])
    assert after > before + 5  # share of the panel, in percentage points
