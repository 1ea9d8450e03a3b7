"""Section 10: evolutions since the reference wave, masked like any count."""

from __future__ import annotations

import pandas as pd
from conftest import NETWORK, TINY_NETWORK
from support.reporting import make_report

from pipeline.reporting import evolutions


def test_evolution_section_masks_small_counts(rendered):
    page = (rendered / "national.html").read_text(encoding="utf-8").replace("&#x27;", "'")
    assert "10. Évolutions depuis l'enquête précédente" in page
    assert "absentes en 2025 : &lt;\u00a03" in page  # 2 collectivités dropped out: masked
    assert "du type 1 au type 2 : 6" in page and "du type 3 au type 4" not in page  # a move of 2 is not shown
    assert "Évolution du budget consacré à l'action internationale" in page
    network = (rendered / "regions" / f"{NETWORK}.html").read_text(encoding="utf-8").replace("&#x27;", "'")
    assert "Évolution du type (typologie)" in network and "France entière" in network
    assert "en 2024 et en 2025 : 25 ; nouvelles répondantes : &lt;\u00a03" in network  # its own summary


def test_classes_follow_the_trends_stage_s_order(report_inputs):
    rep = make_report(report_inputs)
    evolutions.classes(rep)
    budget = next(t for t in rep.tables if t.key == "evolution_budget")
    assert list(budget.data.index) == ["En hausse", "Stable", "En baisse"]
    kind = next(t for t in rep.tables if t.key == "evolution_type")
    assert list(kind.data.index) == ["Même type", "Autre type", "Type inconnu"]  # an unknown class last
    assert "deux enquêtes" in budget.note


def test_type_sizes_of_the_panel_have_secondary_secrecy(report_inputs):
    rep = make_report(report_inputs)
    summary = rep.inputs.trends | {"type_sizes_panel": {
        "1": {"name": "A", "reference": 10, "current": 2}, "2": {"name": "B", "reference": 5, "current": 9},
        "3": {"name": "C", "reference": 7, "current": 7}}}
    table = evolutions._type_sizes_table(rep, summary["type_sizes_panel"], 2024, 2025)
    assert list(table.data.index) == ["1. A", "2. B", "3. C"]
    assert table.secret["Effectif 2025"].tolist() == [True, False, False]  # 2: under the threshold
    assert not table.secret["Effectif 2024"].any()
    # the secrecy model reads both years as distributions: the plan masks what protects the 2
    record = table.record("national", "France entière", published=True)
    assert record.structure == "partition" and record.columns == ["Effectif 2024", "Effectif 2025"]


def test_no_panel_no_section(report_inputs):
    first_wave = {"year": 2025, "reference_year": 2025, "first_wave": True, "n_panel": 0, "n_new": 0,
                  "n_dropped": 0, "type_changed": 0}
    rep = make_report(report_inputs, trends=first_wave, evolutions=pd.DataFrame())
    assert evolutions.summary(rep) == "" and evolutions.classes(rep) == ""
    assert evolutions.summary(make_report(report_inputs, TINY_NETWORK)) == ""  # no summary of its own
