"""French number formats and the small-cell rule."""

from __future__ import annotations

import pandas as pd

from pipeline.common.text import french_number
from pipeline.reporting.formats import (
    fmt_euros,
    fmt_percent,
    mask_note,
    secret_mark,
    small_mask,
    text_value,
)


def test_french_number_formats():
    assert french_number(1234.5, 1) == "1\u202f234,5"
    assert french_number(1234567) == "1\u202f234\u202f567"
    assert fmt_percent(0.123) == "12\u00a0%"
    assert fmt_euros(12345.4) == "12\u202f345\u00a0€"
    assert fmt_euros(1.234, 2) == "1,23\u00a0€"
    assert french_number(float("nan")) == fmt_percent(None) == fmt_euros(float("nan")) == "–"


def test_text_value_leaves_missing_cells_empty():
    assert text_value(None) == text_value(float("nan")) == text_value(pd.NA) == ""
    assert text_value("Oui") == "Oui"


def test_small_counts_are_secret_but_not_zero():
    counts = pd.Series({"a": 0, "b": 1, "c": 2, "d": 3})
    assert small_mask(counts, 3).tolist() == [False, True, True, False]
    assert secret_mark("count", 3) == "<\u00a03" and secret_mark("share", 3) == "s"
    assert "inférieur à 3" in mask_note(3)


def test_a_count_masked_to_protect_another_says_so():
    assert secret_mark("count", 3, secondary=True) == "s"
    both = mask_note(3, primary=True, secondary=True)
    assert "inférieur à 3" in both and "masqué pour protéger une autre case" in both
    only_secondary = mask_note(3, primary=False, secondary=True)
    assert "inférieur à 3" not in only_secondary  # no « < 3 » claim where no cell is under the threshold
