"""French text helpers: accent and case folding, label keys, slugs, French number formatting.

One definition each, used by every layer: header and modality matching (ingest), name keys
(deduplication, panel), report file names, messages and published figures.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

import pandas as pd

NBSP = "\u00a0"    # no-break space: before %, €, :
NNBSP = "\u202f"   # narrow no-break space: thousands separator
DASH = "–"         # what an absent number shows


def strip_accents(text: str) -> str:
    """'Élodie Œuvre' -> 'Elodie Œuvre' (NFKD, combining marks dropped; case kept)."""
    s = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def ascii_fold(text: str) -> str:
    """Lower case without accents, punctuation kept: 'Élodie' -> 'elodie' (e-mail addresses, file names)."""
    return strip_accents(text).lower()


@lru_cache(maxsize=1 << 17)
def fold(text: str) -> str:
    """Loose key of a text: no case, accents or punctuation, single spaces.

    "Ville  d'Évry-Courcouronnes" -> "ville d evry courcouronnes". Digits are kept.
    """
    s = strip_accents(text).lower().replace("œ", "oe").replace("æ", "ae").replace("·", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", s).split())


def fold_series(s: pd.Series) -> pd.Series:
    """:func:`fold` of each text of a column (NA, and texts folding to nothing, give NA)."""
    text = s.astype("string")
    folded = text.map(lambda v: fold(v) if isinstance(v, str) else None, na_action="ignore").astype("string")
    return folded.where(folded != "")


# Leading numbering of a question label: "Q12.", "12)", "B3 -", "3.2", "a)".
_NUMBERING = re.compile(r"^\s*(?:q(?:uestion)?\s*)?[a-f]?\s*\d+(?:[.\-]\d+)*\s*[).:\-–—]?\s+")


@lru_cache(maxsize=1 << 17)
def normalize_label(text: object) -> str:
    """Key of a question or modality label: :func:`fold` after dropping leading numbering.

    "Q12. Types d'actions  menées :" and "types d actions menees" give the same key.
    """
    s = "" if text is None else str(text)
    s = strip_accents(s).lower()
    s = re.sub(r"[\r\n\t]+", " ", s)
    return fold(_NUMBERING.sub("", s))


def slugify(text: str) -> str:
    """ASCII slug with dashes, for file names (network reports): 'Karib Horizon' -> 'karib-horizon'."""
    return normalize_label(text).replace(" ", "-")


def french_number(value: float | int | None, decimals: int | None = 0, *, grouping: bool = True) -> str:
    """A number as a French reader writes it: '1 234,5' (narrow no-break space between thousands).

    ``decimals=None`` writes as many decimals as the value has (0,25; 1945); ``grouping=False``
    for years and bounds ('1945', '0,5'); None or NaN gives '–'.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or pd.isna(value):
        return DASH
    if decimals is None:
        decimals = len(f"{float(value):.6f}".rstrip("0").split(".")[1])
    text = f"{float(value):{',' if grouping else ''}.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",")
