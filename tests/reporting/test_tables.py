"""The published table and its builders: shares, several answers, quartiles, ready-made frames."""

from __future__ import annotations

import pandas as pd

from pipeline.reporting.secrecy import PRIMARY, SECONDARY, VISIBLE
from pipeline.reporting.tables import (
    frame_table,
    multi_table,
    quantile_table,
    single_table,
)


def test_single_table_masks_small_cells_in_text_and_plot():
    table = single_table("t", "Titre", pd.Series(["a"] * 10 + ["b"] * 2 + ["c"] * 7), 3, ["a", "b", "c", "d"])
    text = table.display_frame()
    assert text.loc["b", "Effectif"] == "<\u00a03" and text.loc["b", "Part"] == "s"
    assert text.loc["d", "Effectif"] == "0"
    # alone, a table masks its counts under the threshold; the cells that protect them are chosen
    # for the whole publication (pipeline.reporting.secrecy)
    assert table.plot_values("Part").isna().tolist() == [False, True, False, False]
    assert table.masked and table.n == 19


def test_a_cell_masked_to_protect_another_says_so_not_under_three():
    table = single_table("t", "Titre", pd.Series(["a"] * 10 + ["b"] * 2 + ["c"] * 7), 3, ["a", "b", "c", "d"])
    table.apply_status([[VISIBLE], [PRIMARY], [SECONDARY], [VISIBLE]])
    text = table.display_frame()
    assert text.loc["b", "Effectif"] == "<\u00a03" and text.loc["c", "Effectif"] == "s"
    assert text.loc["c", "Part"] == "s" and text.loc["a", "Effectif"] == "10"
    assert "inférieur à 3" in table.mask_note() and "protéger une autre case" in table.mask_note()
    record = table.record("national", "France entière", published=True)
    assert record.status == [[VISIBLE], [PRIMARY], [SECONDARY], [VISIBLE]] and record.base == 19


def test_network_shares_beside_france_and_scope_only_rows():
    ours = pd.Series(["Bretagne"] * 4)
    france = pd.Series(["Bretagne"] * 4 + ["Occitanie"] * 6 + ["Corse"] * 2)
    table = single_table("A05", "Région", ours, 3, ["Bretagne", "Corse", "Occitanie"], reference=france,
                         scope_only=True)
    assert list(table.data.index) == ["Bretagne"]
    assert table.data.loc["Bretagne", "Part réseau"] == 1.0
    assert abs(table.data.loc["Bretagne", "Part France"] - 4 / 12) < 1e-9
    full = single_table("A05", "Région", ours, 3, ["Bretagne", "Corse", "Occitanie"], reference=france)
    assert full.display_frame().loc["Corse", "Part France"] == "s"


def test_multi_table_counts_respondents_who_ticked_one_at_least():
    df = pd.DataFrame({"q__a": [True, True, False, False, True], "q__b": [False, True, False, False, True]})
    table = multi_table("q", "Question", df, ["q__a", "q__b"], ["A", "B"], 3)
    assert table.n == 3  # two respondents ticked nothing
    assert table.data.loc["A", "Part"] == 1.0 and table.display_frame().loc["B", "Effectif"] == "<\u00a03"


def test_quartiles_of_a_small_group_are_secret():
    values = pd.Series([100.0, 200, 300, 400, 500, 5000, 6000, 7000, 8000, 9000])
    groups = pd.Series(["x"] * 5 + ["y"] * 2 + ["z"] * 3)
    table = quantile_table("q", "Titre", values, groups, 3, min_n=5)
    assert table.secret.loc["y"].all() and not table.secret.loc["x"].any()
    # 3 values: the count is published, the quartiles (near-individual values) are not
    assert not table.secret.loc["z", "Effectif"] and table.secret.loc["z", "Médiane"]
    assert table.data.loc["Ensemble", "Effectif"] == 10
    assert "Minimum" not in table.data.columns


def test_frame_table_masks_rows_of_a_small_count():
    data = pd.DataFrame({"Effectif": [5, 2], "Part": [0.7, 0.3]}, index=["a", "b"])
    table = frame_table("f", "Titre", data, {"Effectif": "count", "Part": "share"}, 7, 3, count_columns=("Effectif",))
    assert table.secret.loc["b"].all() and not table.secret.loc["a"].any()
