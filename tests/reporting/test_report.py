"""One report: its scope, the labels it shows (from the codebook) and the blocks it writes."""

from __future__ import annotations

import pandas as pd
from conftest import NETWORK, TINY_NETWORK
from support.reporting import make_report

from pipeline.domain.codebook import load_codebook
from pipeline.reporting.report import OTHER_ANSWER, UNASSIGNED, class_source
from pipeline.reporting.tables import single_table


def test_class_variables_come_from_their_number_question():
    assert class_source("C01_classe") == "C01" and class_source("B05_classe") == "B05"
    assert class_source("strate_population") == "A07"
    assert class_source("A02") is None and class_source("rrma") is None


def test_labels_of_derived_variables_are_the_codebook_s(report_inputs):
    rep = make_report(report_inputs)
    cb = load_codebook()
    for column in ("strate_population", "C01_classe", "rrma", "budget_par_habitant", "A02"):
        assert rep.title_of(column) == cb.title(column)
    assert rep.title_of("C01_classe") == "Budget consacré à l'action internationale en N-1 (classes)"


def test_classes_are_ordered_by_their_source_number(report_inputs):
    rep = make_report(report_inputs)
    assert rep.order_of("C01_classe") == ["Moins de 10 k€", "10 à 100 k€", "Plus de 100 k€"]
    assert rep.order_of("strate_population")[0] == "Moins de 3 500 hab."
    assert rep.order_of("B01") == [m.label for m in load_codebook()["B01"].modalities]
    assert rep.order_of("budget_par_habitant") is None


def test_answers_outside_the_list_are_grouped(report_inputs):
    rep = make_report(report_inputs)
    first = rep.codebook["A11"].modalities[0].label
    listed = rep.listed("A11", pd.Series([first, "Autre : Jeanne", None]))
    assert listed.iloc[0] == first and listed.iloc[1] == OTHER_ANSWER and pd.isna(listed.iloc[2])
    assert rep.listed("C01", pd.Series([1.0, 2.0])).tolist() == [1.0, 2.0]  # a number has no list


def test_scope_of_a_network(report_inputs):
    rep = make_report(report_inputs, NETWORK)
    assert not rep.national and rep.name == "Réseau Bretagne Solidaire" and rep.publishable
    assert set(rep.df["rrma_slug"]) == {NETWORK} and len(rep.all) > rep.n
    tiny = make_report(report_inputs, TINY_NETWORK)
    assert tiny.n == 2 and not tiny.publishable and not tiny.unassigned
    assert make_report(report_inputs, UNASSIGNED).unassigned


def test_a_block_below_the_threshold_says_so_and_keeps_its_table(report_inputs):
    rep = make_report(report_inputs, NETWORK)
    table = single_table("k", "Titre", pd.Series(["a", "b"]), 3)
    page = rep.block(table, None)
    assert "Moins de 3 réponses à cette question" in page and "<table" not in page
    assert rep.tables == [table]
    ok = single_table("k2", "Titre 2", pd.Series(["a"] * 5), 3, reference=pd.Series(["a"] * 9))
    page = rep.block(ok, rep.chart(ok))
    assert 'class="hbars"' in page and "<img" not in page and "Tableau : Titre 2" in page
