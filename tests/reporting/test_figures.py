"""Figures: deterministic PNG/SVG, secret values never drawn, title, base and source present."""

from __future__ import annotations

import pandas as pd

from pipeline.reporting import figures as figs
from pipeline.reporting import tables as tb


def _table():
    values = pd.Series(["Commune"] * 12 + ["Département"] * 6 + ["Région"] * 2)
    return tb.single_table("A02", "Type de collectivité", values, 3, ["Commune", "Département", "Région"])


def test_figure_bytes_are_identical_across_renders(tmp_path):
    one = figs.render(figs.bar_shares(_table(), "Enquête test"))
    two = figs.render(figs.bar_shares(_table(), "Enquête test"))
    assert one == two
    png, svg = one
    assert png.startswith(b"\x89PNG") and b"Software" not in png
    assert b"<dc:date>" not in svg


def test_chart_has_title_base_source_and_hides_secret_values():
    svg = figs.render(figs.bar_shares(_table(), "Enquête test"))[1].decode("utf-8")
    assert "Type de collectivité" in svg
    assert "n = 20" in svg and "Source : Enquête test" in svg
    assert "10 %" not in svg.replace("\u00a0", " ")  # Région: 2/20, secret
    assert "s" in svg


def test_save_writes_png_and_svg(tmp_path):
    png = figs.save(figs.bar_counts(_table(), "Enquête test"), tmp_path, "a02")
    assert (tmp_path / "a02.png").read_bytes() == png
    assert (tmp_path / "a02.svg").exists()


def test_other_charts_render():
    grid = pd.DataFrame({"Type 1": [3.1, -2.0], "Type 2": [-1.0, 4.2]}, index=["A : x", "B : y"])
    assert figs.render_png(figs.heatmap(grid, "Profils", 40, "test")).startswith(b"\x89PNG")
    coords = pd.DataFrame({"F1": [0.1, 0.2, -0.3, 0.4], "F2": [0.0, 1.0, -1.0, 0.5]})
    types = pd.Series(["1. A", "1. A", "2. B", "2. B"])
    assert figs.render_png(figs.factor_map(coords, types, "Plan", "test", inertia=(0.1, 0.05)))
    table = tb.quantile_table("q", "Budget", pd.Series([1.0, 2, 3, 4, 5]), pd.Series(list("aaabb")), 3)
    assert figs.render_png(figs.quartiles(table, "test"))


def test_ticks_keep_the_decimals_they_need():
    assert [figs.tick_text(v) for v in (0, 0.25, 0.5, 0.75, 1.0, 1.25, 2.5, 1000)] == \
        ["0", "0,25", "0,5", "0,75", "1", "1,25", "2,5", "1\u202f000"]


def test_a_log_scale_is_announced_on_its_axis():
    amounts = pd.Series([0.0, 0, 0, 200, 50000, 0, 15, 300, 4000, 60000])  # a: first quartile 0
    table = tb.quantile_table("q", "Budget", amounts, pd.Series(list("aaaaabbbbb")), 3)
    assert figs.quartile_scale(table) == "symlog"
    svg = figs.render(figs.quartiles(table, "test"))[1].decode("utf-8")
    assert "échelle logarithmique" in svg


def test_heatmap_legend_is_french():
    grid = pd.DataFrame({"Type 1": [3.1, -2.0], "Type 2": [-1.0, 4.2]}, index=["A : x", "B : y"])
    svg = figs.render(figs.heatmap(grid, "Profils", 40, "test"))[1].decode("utf-8")
    assert "Valeur-test" in svg and "v-test" not in svg
