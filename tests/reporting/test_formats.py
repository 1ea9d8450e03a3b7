"""French number formats and the small-cell rule."""

from __future__ import annotations

import pandas as pd

from pipeline.common.text import french_number
from pipeline.reporting.formats import (
    fmt_euros,
    fmt_percent,
    mask_distribution,
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


def test_a_lone_secret_cell_masks_the_smallest_other_one():
    counts = pd.Series({"a": 10, "b": 2, "c": 7, "d": 0})
    assert mask_distribution(counts, 3).to_dict() == {"a": False, "b": True, "c": True, "d": False}
    two = pd.Series({"a": 10, "b": 2, "c": 1})
    assert mask_distribution(two, 3).to_dict() == {"a": False, "b": True, "c": True}  # already two: no more
