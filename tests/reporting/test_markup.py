"""HTML of the published tables: escaped text, secrecy note and source, bars without secret values."""

from __future__ import annotations

import pandas as pd

from pipeline.reporting import tables as tb
from pipeline.reporting.markup import bars_html, table_html
from pipeline.reporting.secrecy import PRIMARY, SECONDARY, VISIBLE
from pipeline.reporting.tables import frame_table, single_table


def test_table_html_escapes_labels_and_adds_notes():
    data = pd.DataFrame({"Effectif": [5, 2]}, index=["<script>x</script>", "b & c"])
    table = frame_table("k", "Titre <b>", data, {"Effectif": "count"}, 7, 3, count_columns=("Effectif",),
                        note="Base : 7.", source="Enquête")
    page = table_html(table)
    assert "<script>" not in page and "&lt;script&gt;" in page and "b &amp; c" in page
    assert 'class="secret"' in page and "Base : 7." in page and "Source : Enquête" in page
    assert "secret statistique" in page


def test_bars_draw_masked_shares_hatched_with_their_note():
    ours = pd.Series(["a"] * 8 + ["b"] * 2 + ["c"] * 10)
    france = pd.Series(["a"] * 20 + ["b"] * 10 + ["c"] * 15)
    table = single_table("k", "Titre", ours, 3, ["a", "b", "c"], reference=france)
    table.apply_status([[SECONDARY], [PRIMARY], [VISIBLE]])  # b (2) and, to protect it, a (8)
    page = bars_html(table, ["Part réseau", "Part France"], ["Réseau", "France entière"], "Enquête")
    assert page.count('class="fill masked') == 2  # a hatched bar of fixed length, no width of its own
    assert "40\u00a0%" not in page and "10\u00a0%" not in page and "50\u00a0%" in page
    assert page.count(">s<") == 2 and "n = 20" in page
    assert "Barres hachurées" in page and "protéger une autre case" in page


def test_alt_text_states_the_key_figure_and_never_a_masked_one():
    from pipeline.reporting.markup import alt_text

    values = pd.Series(["Commune"] * 12 + ["Département"] * 6 + ["Région"] * 2)
    table = tb.single_table("A02", "Type de collectivité", values, 3, ["Commune", "Département", "Région"])
    alt = alt_text(table).replace("\u00a0", " ")
    assert alt == "Type de collectivité : en tête, « Commune » (60 %). Base : 20 répondants."
    only_small = tb.single_table("A02", "Type", pd.Series(["Région"] * 2 + ["Commune"] * 30), 3,
                                 ["Commune", "Région"])
    assert "Région" not in alt_text(only_small)
    assert "échelle logarithmique" in alt_text(table, log=True)


def test_network_bars_are_text_that_screen_readers_read():
    values = pd.Series(["Commune"] * 12 + ["Département"] * 6)
    ref = pd.Series(["Commune"] * 50 + ["Département"] * 50)
    table = tb.single_table("A02", "Type", values, 3, ["Commune", "Département"], reference=ref)
    html = bars_html(table, ["Part réseau", "Part France"], ["Réseau", "France entière"], "test")
    assert 'role="img"' not in html and "Commune" in html and "67\u00a0%" in html


def test_wide_tables_scroll_in_their_own_focusable_box():
    values = pd.Series(["Commune"] * 12 + ["Département"] * 6)
    table = tb.single_table("A02", "Type", values, 3, ["Commune", "Département"])
    assert '<div class="scroll" tabindex="0" role="region" aria-label="Type"><table>' in table_html(table)
