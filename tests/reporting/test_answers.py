"""Sections 1 to 8: answers masked like any count, off-list answers grouped, comments as text."""

from __future__ import annotations

import re

from conftest import (
    NETWORK,
    PLANTED_EMAIL,
    PLANTED_NAME,
    PLANTED_SCRIPT,
    TINY_NETWORK,
    TINY_TYPE,
)
from openpyxl import load_workbook
from support.reporting import make_report

from pipeline.reporting import answers
from pipeline.reporting.report import OTHER_ANSWER


def test_tiny_group_is_masked_in_html_workbook_and_figure(rendered):
    page = (rendered / "national.html").read_text(encoding="utf-8")
    row = re.search(rf"<th scope=\"row\">{re.escape(TINY_TYPE)}</th>(.*?)</tr>", page)
    assert row is not None
    assert "&lt;\u00a03" in row.group(1) and ">2<" not in row.group(1)
    wb = load_workbook(rendered / "tableaux.xlsx")
    sheet = {r[1]: r[0] for r in wb["Sommaire"].iter_rows(min_row=4, values_only=True) if r[0]}
    ws = wb[sheet["Type de collectivité"]]
    rows = {r[0].value: [c.value for c in r[1:]] for r in ws.iter_rows(min_row=2) if r[0].value}
    assert rows[TINY_TYPE] == ["<\u00a03", "s"]
    # a network of 2: France's size minus the other networks' (each on its report) gives it away, so
    # the table does not pretend to hide it behind « < 3 »
    network_row = re.search(r"<th scope=\"row\">Karib Horizon</th>(.*?)</tr>", page)
    assert network_row is not None and '<td class="num">2</td>' in network_row.group(1)
    svg = (rendered / "figures" / "A02.svg").read_text(encoding="utf-8")
    assert "1\u00a0%" not in svg and "Syndicat ou autre groupement" in svg  # 2/160 is not drawn


def test_a_network_too_small_gets_a_notice_only(rendered, report_inputs):
    tiny = (rendered / "regions" / f"{TINY_NETWORK}.html").read_text(encoding="utf-8")
    assert "moins de 3 collectivités répondantes" in tiny
    assert "<img" not in tiny and "Effectif" not in tiny
    assert "Le réseau Karib Horizon compte moins de 3" in answers.notice(make_report(report_inputs, TINY_NETWORK))


def test_an_off_list_answer_is_grouped_never_published(report_inputs):
    page = answers.single(make_report(report_inputs), "A11")
    assert OTHER_ANSWER in page and PLANTED_NAME not in page and "onerror" not in page


def test_a_network_is_shown_beside_france(report_inputs):
    rep = make_report(report_inputs, NETWORK)
    page = answers.multi(rep, "B03") + answers.quartiles(rep, "C01", "A02", "k", "Budget")
    assert "Réseau Bretagne Solidaire" in page and "France entière" in page and "Médiane France" in page
    assert {t.key for t in rep.tables} == {"B03", "k"}
    assert answers.single(rep, "absent") == ""


def test_key_figures_hide_a_small_share(report_inputs):
    rep = make_report(report_inputs)
    page = answers.key_figures(rep)
    assert "Collectivités répondantes" in page and "réseaux régionaux représentés" in page
    small = make_report(report_inputs, TINY_NETWORK)
    assert "<strong>s</strong>" in answers.key_figures(small)  # 2 respondents: no share
    assert "budget médian" not in answers.key_figures(small)


def test_decades_group_years(report_inputs):
    page = answers.decades(make_report(report_inputs), "B02")
    assert "Années 1960" in page and "(par décennie)" in page


def test_comments_are_redacted_and_shown_as_text(report_inputs, rendered):
    page = answers.comments(make_report(report_inputs))
    assert PLANTED_EMAIL not in page and "[courriel masqué]" in page and "[téléphone masqué]" in page
    assert PLANTED_SCRIPT not in page and "&lt;script&gt;" in page
    national = (rendered / "national.html").read_text(encoding="utf-8")
    assert PLANTED_SCRIPT not in national
    assert re.search(r"&lt;script&gt;alert\((&#x27;|')acter(&#x27;|')\)&lt;/script&gt;", national)
