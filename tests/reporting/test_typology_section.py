"""Section 9: the typology as the typology stage wrote it (its verdicts, its inertia, its labels)."""

from __future__ import annotations

from conftest import NETWORK
from support.reporting import make_report

from pipeline.reporting import typology_section as ts
from pipeline.reporting.inputs import NO_TYPOLOGY


def test_category_labels(report_inputs):
    rep = make_report(report_inputs)
    assert ts.category_label(rep, "B03__jumelage", "Oui") == "Types d'actions menées : Jumelage"
    assert ts.category_label(rep, "C03__aucun", "Non") == "Cofinancements mobilisés : pas « Aucun »"
    assert ts.category_label(rep, "E01__sport", "E01__sport.NA") == \
        "Services internes associés : Sport (non renseigné)"
    assert ts.category_label(rep, "D01", "Direction ou service dédié") == \
        f"{rep.codebook['D01'].label} : Direction ou service dédié"
    assert ts.category_label(rep, "D01", "D01.NA") == f"{rep.codebook['D01'].label} : non renseigné"
    assert ts.category_label(rep, "strate_population", "Moins de 3 500 hab.") == \
        "Strate de population : Moins de 3 500 hab."


def test_factor_map_axes_carry_the_metrics_inertia(report_inputs, rendered):
    svg = (rendered / "figures" / "typologie_plan_factoriel.svg").read_text(encoding="utf-8")
    assert "F1 (12,0\u00a0% de l'inertie)" in svg and "F2 (8,0\u00a0% de l'inertie)" in svg


def test_heatmap_and_sizes(report_inputs):
    rep = make_report(report_inputs)
    assert "Profils des types" in ts.heatmap(rep)
    assert "Répartition des répondants par type" in ts.sizes(rep)
    assert [t.key for t in rep.tables] == ["typologie_vtests", "typologie_effectifs"]
    network = ts.sizes(make_report(report_inputs, NETWORK))
    assert "France entière" in network and "<img" not in network


def test_without_typology_the_section_says_so(report_inputs):
    rep = make_report(report_inputs, typology=NO_TYPOLOGY)
    assert "La typologie n'est pas disponible" in ts.sizes(rep)
    assert ts.heatmap(rep) == "" and ts.factor_map(rep) == ""
