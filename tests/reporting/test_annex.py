"""Annex: the data-quality summary, in reading order and in French, numbers only."""

from __future__ import annotations

from support.reporting import make_report

from pipeline.reporting import annex


def test_quality_summary_in_reading_order_with_rule_titles(report_inputs, rendered):
    rep = make_report(report_inputs)
    page = annex.quality(rep)
    order = ["Fichiers › reçus", "Fichiers › intégrés", "Fichiers › partiellement intégrés", "Fichiers › rejetés",
             "Réponses lues", "Réponses mises en quarantaine", "Doublons écartés", "Corrections automatiques"]
    positions = [page.index(label) for label in order]
    assert positions == sorted(positions)
    assert "Alertes, par règle" in page and "budget_atypique" not in page  # the rule's French title
    assert rep.tables[-1].key == "qualite_donnees" and rep.tables[-1].kinds["Valeur"] == "count"
    assert "Fichiers › reçus" in (rendered / "national.html").read_text(encoding="utf-8")


def test_without_quality_summary_a_notice(report_inputs):
    page = annex.quality(make_report(report_inputs, quality={}))
    assert "Le bilan de qualité des données n'est pas disponible" in page
