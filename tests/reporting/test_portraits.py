"""Section 9's portraits along the five dimensions, the method box, « À retenir » and one identity of the
types across sections: every number stated is a cell of a table the report publishes."""

from __future__ import annotations

import dataclasses
import html
import re

from conftest import NETWORK
from support.reporting import make_report, read_inputs

from pipeline.reporting import (
    answers,
    evolutions,
    identity,
    portraits,
    typology_section,
)
from pipeline.reporting.identity import type_label, type_number
from pipeline.reporting.summary import (
    practice_sentences,
    record_cell,
    summary,
    typology_sentences,
)
from pipeline.reporting.tables import COUNT


def _publish_sections(rep) -> None:
    """What the notebook publishes before section 9: the questions' own tables (« ensemble »)."""
    for code in ("B03", "C03", "E01", "E02", "F01", "F02", "D05", "E04", "B06", "B07", "E05", "F04"):
        answers.multi(rep, code)
    for code in ("B01", "B04", "C02", "C04", "D01", "D03", "D04", "E03", "F03"):
        answers.single(rep, code)
    typology_section.sizes(rep)


def _texts(fragment: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<li>(.*?)</li>", fragment, re.DOTALL)]


def test_every_type_has_a_card_per_dimension_whose_shares_are_table_cells(report_inputs):
    rep = make_report(report_inputs)
    _publish_sections(rep)
    view = portraits.portraits(rep)
    assert view.html.count('class="type-portrait"') == 4
    assert view.html.count('<section class="card">') == 4 * 5
    for title in ("Types d'action", "Moyens financiers et humains", "Partenariats internes et externes",
                  "Stratégie et internationalisation", "Freins, besoins et perspectives"):
        assert f"<h5>{html.escape(title)}</h5>" in view.html
    tables = {t.key: t for t in rep.records}
    assert any(k.startswith("portrait_1_") for k in tables) and "portrait_mediane_C01" in tables
    # a share on a card is the published cell of its table, the « ensemble » the question's own table
    b03 = next(t for t in rep.tables if t.key == "B03")
    jumelage = rep.codebook["B03"].modality("jumelage").label
    card_lines = re.findall(r'<span class="what">Types d&#x27;actions menées : Jumelage</span><span class="val">'
                            r"(.*?)</span><span class=\"ref\">ensemble : (.*?)</span>", view.html)
    for _, reference in card_lines:
        assert html.unescape(reference) == b03.cell_text(jumelage, "Part")
    assert "Sans réponse :" in view.html      # unanswered questions counted, never a trait


def test_a_network_sees_its_members_beside_the_type_in_france(report_inputs):
    rep = make_report(report_inputs, NETWORK)
    typology_section.sizes(rep)
    view = portraits.portraits(rep)
    assert "type en France" in view.html and "ensemble :" not in view.html
    sizes = next(t for t in rep.tables if t.key == "typologie_effectifs")
    for t in view.types:
        small = int(sizes.data.at[t.name, COUNT]) < rep.threshold
        assert t.shown is not small


def test_the_method_box_shows_the_gains_and_what_stable_means(report_inputs):
    metrics = read_inputs(report_inputs).typology.metrics.with_updates(
        inertia_gains=[0.4, 0.2, 0.1, 0.05, 0.04, 0.03], jaccard_thresholds={"stable": 0.75, "doubtful": 0.6},
        missing="passive")
    typology = dataclasses.replace(read_inputs(report_inputs).typology, metrics=metrics)
    box = portraits.method_box(make_report(report_inputs, typology=typology))
    assert '<tr class="chosen"><td class="num">4</td><td class="num">0,100</td><td class="num">0,80</td></tr>' in box
    assert '<tr><td class="num">2</td><td class="num">0,400</td><td class="num">–</td></tr>' in box  # all the gains
    assert "« stable » à partir de 0,75" in box and "sous 0,60" in box and "ne construisent pas les types" in box


def test_the_summary_states_only_numbers_of_its_tables(report_inputs):
    rep = make_report(report_inputs)
    _publish_sections(rep)
    evolutions.summary(rep)
    view = portraits.portraits(rep)
    box = summary(rep, view)
    sentences = _texts(box)
    assert 5 <= len(sentences) <= 8 and "Ce qu'il faut retenir" in box
    sizes = next(t for t in rep.tables if t.key == "typologie_effectifs")
    for t in view.types:
        if t.shown:
            number, name = t.name.split(". ", 1)
            stated = (f"le type {number} « {name} » ({sizes.cell_text(t.name, COUNT)} collectivités, "
                      f"{sizes.cell_text(t.name, 'Part')})")
            assert any(stated in s for s in sentences), stated
    traits = [s for s in sentences if "se distingue d'abord par" in s]
    assert traits
    for sentence in traits:   # a trait's numbers are those of the type's card
        t = next(v for v in view.types if sentence.startswith(f"Le type {v.name.split('. ', 1)[0]} "))
        text, value, reference = t.traits[0]
        answer = text.split(" : ", 1)[1]
        assert f"« {answer} »" in sentence
        assert sentence.endswith(f" : {value} des collectivités du type, contre {reference} pour l'ensemble "
                                 "des répondants.")
    panel = record_cell(rep, "evolution_resume", "Collectivités présentes les deux années")
    assert any(f"Parmi les {panel} collectivités" in s for s in sentences)
    assert "non renseign" not in box and ".NA" not in box
    assert not any(re.search(r"(^| )(s|< 3) ont", s) for s in sentences)   # a masked count is left out


def test_a_masked_count_is_left_out_of_the_summary(report_inputs):
    rep = make_report(report_inputs)
    _publish_sections(rep)
    evolutions.summary(rep)
    evolutions.classes(rep)
    moved = record_cell(rep, "evolution_type", "Autre type")
    text = " ".join(_texts(summary(rep, portraits.portraits(rep))))
    if moved in ("s", "< 3"):
        assert "ont changé de type" not in text
    else:
        assert f"{moved} ont changé de type" in text


def test_section_10_uses_this_year_s_numbers_and_names(report_inputs):
    inputs = read_inputs(report_inputs)
    names = inputs.typology.metrics.type_names
    records = [  # last year's 1 is this year's 2, 2 is 1; 3 split; 4 this year is new
        {"reference_type": 1, "reference_name": "Ancien A", "refit_type": 2, "refit_name": names[2],
         "status": "même type", "parts": [2]},
        {"reference_type": 2, "reference_name": "Ancien B", "refit_type": 1, "refit_name": names[1],
         "status": "même type", "parts": [1]},
        {"reference_type": 3, "reference_name": "Ancien C", "refit_type": None, "refit_name": None,
         "status": "scindé", "parts": [3, 4]},
        {"reference_type": None, "reference_name": None, "refit_type": 4, "refit_name": names[4],
         "status": "nouveau", "parts": []},
    ]
    metrics = inputs.typology.metrics.with_updates(identity=records, published="refit", reference_year=2024)
    rep = make_report(report_inputs, typology=dataclasses.replace(inputs.typology, metrics=metrics))
    assert type_label(rep, 1, "Ancien A") == f"2. {names[2]}" and type_number(rep, 2) == "1"
    assert type_label(rep, 3, "Ancien C") == "« Ancien C » (2024, scindé depuis)"
    page = evolutions.summary(rep)
    assert f"2. {html.escape(names[2])}" in page and "Ancien A" not in page
    assert "du type 2 au type 1" in page     # last year's 1 → 2, shown in this year's numbers
    text = " ".join(_texts(summary(rep, portraits.PortraitsView("", []))))
    assert f"le type « Ancien C » de 2024 s'est scindé entre le type 3 « {names[3]} » et le type 4" in text
    assert f"le type 4 « {names[4]} » apparaît" in text
    # under the portraits, the same identity
    assert identity.origin(rep, 2) == "Même type que le type 1 de 2024 (« Ancien A »)."
    assert identity.origin(rep, 3) == "Issu de la scission du type « Ancien C » de 2024."
    assert identity.origin(rep, 4) == "Nouveau type : sans équivalent dans la typologie de 2024."


def test_a_type_that_vanished_into_another_is_said_to_have_joined_it(report_inputs):
    inputs = read_inputs(report_inputs)
    names = inputs.typology.metrics.type_names
    identity_records = [
        {"reference_type": 1, "reference_name": "Ancien A", "refit_type": 1, "refit_name": names[1],
         "status": "fusionné", "parts": [1]},
        {"reference_type": 2, "reference_name": "Ancien B", "refit_type": None, "refit_name": None,
         "status": "disparu", "parts": [1]},
        {"reference_type": 3, "reference_name": "Ancien C", "refit_type": None, "refit_name": None,
         "status": "disparu", "parts": []},
    ]
    metrics = inputs.typology.metrics.with_updates(identity=identity_records, published="refit", reference_year=2024)
    rep = make_report(report_inputs, typology=dataclasses.replace(inputs.typology, metrics=metrics))
    assert identity.changes(rep) == [f"le type « Ancien B » de 2024 a rejoint le type 1 « {names[1]} »",
                                     "le type « Ancien C » de 2024 n'a plus d'équivalent"]
    assert identity.origin(rep, 1) == "Réunit les types « Ancien A » et « Ancien B » de 2024."
    assert type_label(rep, 3, "Ancien C") == "« Ancien C » (2024, sans équivalent cette année)"
    # the reference model published again: its types are this year's, nothing to say
    same = dataclasses.replace(inputs.typology, metrics=metrics.with_updates(published="reference"))
    assert identity.sentence(make_report(report_inputs, typology=same)) == ""


def test_portraits_show_the_stage_s_verdict_not_a_cut_off_of_their_own(report_inputs):
    typology = read_inputs(report_inputs).typology
    stability = dataclasses.replace(typology.metrics.stability, jaccard={1: 0.8, 2: 0.9, 3: 0.5, 4: None},
                                    verdict={1: "douteux", 2: "moyen", 3: "stable", 4: None})
    metrics = typology.metrics.with_updates(stability=stability)
    rep = make_report(report_inputs, typology=dataclasses.replace(typology, metrics=metrics))
    typology_section.sizes(rep)
    page = portraits.portraits(rep).html
    assert "type peu stable : à lire avec prudence (indice de Jaccard 0,80)" in page
    assert "type moyennement stable (indice de Jaccard 0,90)" in page and "type stable (indice de Jaccard 0,50)" in page
    assert page.count("indice de Jaccard") == 3  # type 4: no bootstrap value


def test_the_most_cited_answer_is_the_largest_count_and_never_one_a_mask_could_exceed(report_inputs):
    rep = make_report(report_inputs)
    _publish_sections(rep)
    said = practice_sentences(rep)
    assert len(said) == 6   # B03, F01, F02, B07, B06, E02: all published above
    b03 = next(t for t in rep.tables if t.key == "B03")
    top = b03.data[COUNT].idxmax()
    assert said[0] == f"L'action la plus citée est « {top} » ({b03.cell_text(top, 'Part')} des collectivités qui ont répondu)."
    # a count masked to protect another might be the largest: nothing is claimed then
    other = next(r for r in b03.data.index if r != top)
    b03.secret.loc[other, :] = True
    b03.secondary = b03.secret.copy()
    assert b03.cell_text(other, COUNT) == "s"
    assert not any(s.startswith("L'action") for s in practice_sentences(rep))


def test_no_type_is_said_the_most_frequent_when_a_masked_one_could_be(report_inputs):
    rep = make_report(report_inputs, NETWORK)
    typology_section.sizes(rep)
    sizes = next(t for t in rep.tables if t.key == "typologie_effectifs")
    largest = sizes.data[COUNT].idxmax()
    sizes.secret.loc[largest, :] = True       # masked to protect another cell
    sizes.secondary = sizes.secret.copy()
    said = typology_sentences(rep, portraits.portraits(rep))
    assert not any("plus fréquent" in s for s in said)
    listed = next(s for s in said if s.startswith("Effectifs publiés à cette échelle : "))
    assert largest.split(". ", 1)[1] not in listed
