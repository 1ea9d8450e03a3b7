"""Text a spreadsheet would run as a formula, made inert (OWASP "CSV injection").

One rule for every xlsx and csv the pipeline writes: text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading apostrophe, so Excel or LibreOffice shows it
as text. Numbers are left alone (a negative number stays a number).
"""

from __future__ import annotations

import pandas as pd

FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> object:
    """``value`` with a leading apostrophe when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_LEAD):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` for CSV: text cells, column names and index labels neutralised."""
    def text_columns(frame: pd.DataFrame) -> list[str]:
        return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)
                or isinstance(frame[c].dtype, pd.CategoricalDtype)]

    out = df.rename(columns=lambda c: neutralize(c) if isinstance(c, str) else c)
    if not isinstance(out.index, pd.MultiIndex) and not pd.api.types.is_numeric_dtype(out.index.dtype):
        out.index = out.index.map(neutralize)
        out.index.name = neutralize(df.index.name)
    changed = {c: out[c].astype(object).map(neutralize) for c in text_columns(out)
               if pd.api.types.is_bool_dtype(out[c].dtype) is False}
    return out.assign(**changed) if changed else out
