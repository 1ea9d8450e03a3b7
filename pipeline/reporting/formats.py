"""French number formats of the reports and the marks of statistical secrecy.

A count is secret when 0 < n < threshold (``report.small_cell_threshold``, primary secrecy): it
shows « < 3 » and its share « s ». A count masked only to protect another one (secondary secrecy,
chosen for the whole publication by :mod:`pipeline.reporting.secrecy`) shows « s », its share too.
HTML, charts and the workbook show the same marks and the same notes.
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


def secret_mark(kind: str, threshold: int, secondary: bool = False) -> str:
    """What a masked cell shows: '< 3' for a count under the threshold, 's' for a count masked to
    protect another one, and for a share or an amount."""
    return secret_label(threshold) if kind == "count" and not secondary else SECRET_SHARE


PRIMARY_NOTE = "« {label} » : effectif inférieur à {threshold}, masqué (secret statistique), ainsi que sa part (« s »)."
SECONDARY_NOTE = ("« s » à la place d'un effectif : masqué pour protéger une autre case (secret secondaire) ; "
                  "cet effectif est d'au moins {threshold}.")
CHART_NOTE = "Barres hachurées : valeurs masquées (secret statistique), de longueur sans signification."


def mask_note(threshold: int, primary: bool = True, secondary: bool = False) -> str:
    """The note under a table with masked cells: one sentence per kind of mark it shows."""
    parts = []
    if primary:
        parts.append(PRIMARY_NOTE.format(label=secret_label(threshold), threshold=threshold))
    if secondary:
        parts.append(SECONDARY_NOTE.format(threshold=threshold))
    return " ".join(parts)


# --- masking --------------------------------------------------------------------------------


def small_mask(counts: pd.Series | pd.DataFrame, threshold: int) -> pd.Series | pd.DataFrame:
    """Primary secrecy: a count is secret when 0 < n < threshold."""
    return (counts > 0) & (counts < threshold)
