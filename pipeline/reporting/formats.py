"""French number formats of the reports and the small-cell rule (statistical secrecy).

A count is secret when 0 < n < threshold (``report.small_cell_threshold``); a masked count shows
« < 3 » and its share « s », in HTML, figures and the workbook alike.
"""

from __future__ import annotations

import pandas as pd

from pipeline.common.text import DASH, NBSP, french_number

SECRET_SHARE = "s"


# --- French number formats --------------------------------------------------------------------


def fmt_percent(share: float | None, decimals: int = 0) -> str:
    """Share in [0, 1] as a French percentage with a no-break space: 0.12 -> '12 %'."""
    if share is None or pd.isna(share):
        return DASH
    return f"{french_number(100 * float(share), decimals)}{NBSP}%"


def fmt_euros(value: float | None, decimals: int = 0) -> str:
    """Amount in euros, French format: 12 345 € (``decimals`` = 2: 12,35 €)."""
    if value is None or pd.isna(value):
        return DASH
    return f"{french_number(value, decimals)}{NBSP}€"


def text_value(value: object) -> str:
    """A text cell as shown: missing values are empty."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def secret_label(threshold: int) -> str:
    """What a masked count shows: '< 3'."""
    return f"<{NBSP}{threshold}"


def secret_mark(kind: str, threshold: int) -> str:
    """What a masked cell shows: '< 3' for a count, 's' for a share or an amount."""
    return secret_label(threshold) if kind == "count" else SECRET_SHARE


def mask_note(threshold: int) -> str:
    """The note under a table with masked cells."""
    return (
        f"« {secret_label(threshold)} » : effectif inférieur à {threshold}, masqué (secret statistique) ; "
        f"« {SECRET_SHARE} » : part masquée pour la même raison."
    )


# --- masking --------------------------------------------------------------------------------


def small_mask(counts: pd.Series | pd.DataFrame, threshold: int) -> pd.Series | pd.DataFrame:
    """Primary secrecy: a count is secret when 0 < n < threshold."""
    return (counts > 0) & (counts < threshold)


def mask_distribution(counts: pd.Series, threshold: int) -> pd.Series:
    """Secret cells of a one-answer distribution, with secondary secrecy.

    When exactly one cell is secret, it could be recovered as total minus the others: the
    smallest other positive cell is masked too.
    """
    secret = small_mask(counts, threshold)
    if int(secret.sum()) == 1:
        others = counts[(~secret) & (counts > 0)]
        if len(others):
            secret.loc[others.sort_values(kind="stable").index[0]] = True
    return secret
