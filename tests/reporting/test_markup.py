"""HTML of the published tables: escaped text, secrecy note and source, bars without secret values."""

from __future__ import annotations

import pandas as pd

from pipeline.reporting.markup import bars_html, table_html
from pipeline.reporting.tables import frame_table, single_table


def test_table_html_escapes_labels_and_adds_notes():
    data = pd.DataFrame({"Effectif": [5, 2]}, index=["<script>x</script>", "b & c"])
    table = frame_table("k", "Titre <b>", data, {"Effectif": "count"}, 7, 3, count_columns=("Effectif",),
                        note="Base : 7.", source="Enquête")
    page = table_html(table)
    assert "<script>" not in page and "&lt;script&gt;" in page and "b &amp; c" in page
    assert 'class="secret"' in page and "Base : 7." in page and "Source : Enquête" in page
    assert "secret statistique" in page


def test_bars_draw_no_secret_share():
    ours = pd.Series(["a"] * 8 + ["b"] * 2 + ["c"] * 10)
    france = pd.Series(["a"] * 20 + ["b"] * 10 + ["c"] * 15)
    table = single_table("k", "Titre", ours, 3, ["a", "b", "c"], reference=france)
    page = bars_html(table, ["Part réseau", "Part France"], ["Réseau", "France entière"], "Enquête")
    assert page.count('style="width:0.0%"') == 2  # b (2) and, by secondary secrecy, a (8)
    assert "40\u00a0%" not in page and "10\u00a0%" not in page and "50\u00a0%" in page
    assert page.count(">s<") == 2 and "n = 20" in page
