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
    out = df.copy()
    out.columns = [neutralize(c) for c in df.columns]
    if not isinstance(df.index, pd.MultiIndex) and not pd.api.types.is_numeric_dtype(df.index.dtype):
        out.index = df.index.map(neutralize).rename(neutralize(df.index.name))
    for j in range(out.shape[1]):
        column = out.iloc[:, j]
        if column.dtype == object or isinstance(column.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            out.isetitem(j, column.astype(object).map(neutralize))
    return out
