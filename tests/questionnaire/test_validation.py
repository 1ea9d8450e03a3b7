"""What an answer cell accepts and the French help around it, question by question."""

from __future__ import annotations

from pipeline.domain.codebook import Question, load_codebook
from pipeline.questionnaire.validation import answer_hint, help_prompt, validation

YEAR = 2025


def test_bounds_are_written_as_excel_reads_them():
    cb = load_codebook()
    etp = Question(code="Z01", label="Temps de travail (ETP)", type="number", role="-", section="D", min=0.5, max=12.0)
    dv = validation(etp, cb, YEAR, {})
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0.5", "12")
    assert "compris entre 0,5 et 12" in dv.error
    assert "décimales possibles" in answer_hint(etp, cb, YEAR)


def test_dates_accept_the_years_around_the_survey():
    cb = load_codebook()
    dv = validation(cb["A14"], cb, YEAR, {})
    assert (dv.type, dv.formula1, dv.formula2) == ("date", "45292", "46387")  # 1 Jan 2024, 31 Dec 2026
    assert "entre le 01/01/2024 et le 31/12/2026" in dv.error


def test_hints_list_short_lists_only():
    cb = load_codebook()
    assert answer_hint(cb["A02"], cb, YEAR).startswith("Choix dans la liste : Région ; Département")
    assert answer_hint(cb["A06"], cb, YEAR).startswith("Choix dans la liste déroulante (101 possibilités)")
    multi = answer_hint(cb["F01"], cb, YEAR, list_multi=True)
    assert "3 au maximum" in multi and cb["F01"].modalities[0].label in multi


def test_long_help_is_clipped_to_excel_limits_and_no_help_means_no_prompt():
    cb = load_codebook()
    wordy = Question(code="Z02", label="Commentaire", type="text", role="-", section="F", help="mot " * 100)
    prompt = help_prompt(wordy)
    assert len(prompt.prompt) == 255 and prompt.prompt.endswith("…")
    assert validation(wordy, cb, YEAR, {}).showErrorMessage is False
    silent = Question(code="Z03", label="Commentaire", type="text", role="-", section="F")
    assert validation(silent, cb, YEAR, {}) is None and help_prompt(silent) is None
