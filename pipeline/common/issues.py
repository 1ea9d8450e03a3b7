"""Problems are data: one small record per problem, with where it is and a French message."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

import pandas as pd

SEVERITIES = ("error", "warning", "info")
ISSUE_COLUMNS = ("code", "severity", "file", "sheet", "cell", "column", "value", "message_fr")


@dataclass(frozen=True)
class Issue:
    """One problem found in a file or a row.

    ``code`` is a stable machine code (``unreadable_file``, ``bad_number``...); ``message_fr``
    says in French what is wrong and how to fix it; ``cell`` is what the user sees in Excel
    ("B12"), or a range ("A3:A40") or "" when the problem concerns the whole file or sheet.
    """

    code: str
    message_fr: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    column: str = ""
    value: str = ""
    severity: str = "error"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def where_fr(self) -> str:
        """'fichier x.xlsx, feuille Réponses, cellule B12' — the place as a user reads it."""
        parts = []
        if self.file:
            parts.append(f"fichier {self.file}")
        if self.sheet:
            parts.append(f"feuille « {self.sheet} »")
        if self.cell:
            parts.append(("plage " if ":" in self.cell else "cellule ") + self.cell)
        return ", ".join(parts)


def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    """Tidy table of issues, one row each, with the fixed ISSUE_COLUMNS."""
    rows = [i.to_dict() for i in issues]
    return pd.DataFrame(rows, columns=list(ISSUE_COLUMNS)).astype("string") if rows else pd.DataFrame(
        {c: pd.Series(dtype="string") for c in ISSUE_COLUMNS}
    )
