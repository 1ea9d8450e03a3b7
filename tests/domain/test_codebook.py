"""The codebook covers the questionnaire and a broken codebook names the faulty entry."""

import copy

import pytest
import yaml

from pipeline.common.text import normalize_label
from pipeline.domain.codebook import CodebookError, load_codebook, parse_codebook
from pipeline.domain.reference import reference_path

QUESTIONNAIRE_CODES = (
    [f"A{i:02d}" for i in range(1, 15)]
    + [f"B{i:02d}" for i in range(1, 8)]
    + [f"C{i:02d}" for i in range(1, 6)]
    + [f"D{i:02d}" for i in range(1, 6)]
    + [f"E{i:02d}" for i in range(1, 6)]
    + [f"F{i:02d}" for i in range(1, 6)]
)


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load((reference_path("..") / "codebook.yaml").read_text(encoding="utf-8"))


def test_every_question_of_the_questionnaire_is_in_the_codebook():
    cb = load_codebook()
    assert cb.codes == tuple(QUESTIONNAIRE_CODES)
    assert cb["B03"].label == "Types d'actions menées"
    assert len(cb["B03"].modalities) == 12
    assert len(cb["A05"].modalities) == 18
    assert len(cb["A06"].modalities) == 101
    assert {q.code for q in cb if q.is_pii} == {"A10", "A12", "A13"}
    assert cb["F01"].max_choices == 3


def test_multi_select_columns_are_named_code_double_underscore_slug():
    cb = load_codebook()
    assert "B03__ecsi" in cb.columns
    assert "C03__aucun" in cb.columns
    assert "B03" not in cb.columns
    assert cb["B04"].modalities == tuple(m.__class__(m.slug, m.label, m.synonyms) for m in cb["B03"].modalities)


def test_the_five_dimensions_of_the_study_hold_the_typology_questions():
    cb = load_codebook()
    assert [d.title for d in cb.dimensions] == ["Types d'action", "Moyens financiers et humains",
                                                "Partenariats internes et externes", "Stratégie et internationalisation",
                                                "Freins, besoins et perspectives"]
    active, _, _ = cb.typology_roles()
    assert all(cb.dimension_of(c) is not None for c in active)   # every active variable is portrayed
    assert cb.dimension_of("C01_classe").slug == "moyens" and cb.dimension_of("A02") is None


def test_labels_match_loosely():
    assert normalize_label("Q12. Types d'actions\nmenées :") == normalize_label("types d actions menees")
    assert normalize_label("B3 - Cofinancements mobilisés") == "cofinancements mobilises"
    assert normalize_label("  ÉLU·E ") == "elue"


def test_no_answer_tokens_unless_they_are_a_modality():
    cb = load_codebook()
    for token in ["NSP", "Ne sait pas", "-", "?", "n/a", "#N/A"]:
        assert cb.is_no_answer(token), token
    assert not cb.is_no_answer("Ne sait pas", cb["A09"])
    assert not cb.is_no_answer("Oui")


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda r: r["questions"][2].update(type="nombre"), "question A03"),
        (lambda r: r["questions"][1]["modalities"].append({"slug": "region", "label": "Autre"}), "question A02"),
        (lambda r: r["questions"][1].update(modalities=[]), "question A02"),
        (lambda r: r["questions"][9].update(role="A"), "question A10"),
        (lambda r: r["questions"][5].update(code="B3"), "entrée n°6"),
        (lambda r: r["questions"][0]["synonyms"].append("Types d'actions menées"), "déjà utilisé par"),
        (lambda r: r["dimensions"][1]["questions"].append("B03"), "déjà dans la dimension actions"),
        (lambda r: r["dimensions"][0]["questions"].append("Z99"), "dimension actions : question Z99 inconnue"),
    ],
)
def test_a_broken_codebook_fails_naming_the_entry(raw, mutate, expected):
    broken = copy.deepcopy(raw)
    mutate(broken)
    with pytest.raises(CodebookError, match=expected):
        parse_codebook(broken)
