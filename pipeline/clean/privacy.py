"""Free-text answers without contact details: what the clean stage keeps outside ``restricted/``.

The codebook's free-text questions (type ``text``: the name of the collectivité, the free
comments) go through :func:`pipeline.common.privacy.scrub`; the text as typed is kept, for the
network's staff only, in ``restricted/contacts.parquet`` (column ``<code>_texte_original``), so
nothing the respondent wrote is lost. Values quoted in the issues and corrections tables are
scrubbed too.
"""

from __future__ import annotations

import pandas as pd

from pipeline.common.privacy import scrub
from pipeline.domain.codebook import Codebook

ORIGINAL_SUFFIX = "_texte_original"


def _scrub_series(s: pd.Series) -> pd.Series:
    return s.map(lambda v: scrub(v) if isinstance(v, str) else v, na_action="ignore")


def scrub_free_text(data: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(data with free text scrubbed, originals of the changed texts by response_id, texts changed)."""
    columns = [q.code for q in codebook.of_type("text") if q.code in data.columns]
    originals = pd.DataFrame({"response_id": data["response_id"]})
    changed_any = pd.Series(False, index=data.index)
    updates = {}
    for code in columns:
        before = data[code].astype("string")
        after = _scrub_series(before).astype("string")
        changed = (before != after).fillna(False).astype(bool)
        if changed.any():
            updates[code] = after
            originals[code + ORIGINAL_SUFFIX] = before.where(changed)
            changed_any |= changed
    n = int(sum((data[c].astype("string") != updates[c]).fillna(False).sum() for c in updates))
    return data.assign(**updates), originals[changed_any.to_numpy()].reset_index(drop=True), n


def scrub_values(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``table`` with the text of ``columns`` scrubbed (issues' quoted values, corrections' before/after)."""
    present = [c for c in columns if c in table.columns]
    return table.assign(**{c: _scrub_series(table[c]).astype(table[c].dtype) for c in present})
