"""Identifiers of collectivités: SIREN (9 digits, Luhn key) and INSEE code (code officiel géographique).

One rule each for every layer: ingest reads them from cells, clean validates and keys
duplicates on them, geography looks them up, the demo generates valid ones.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from pipeline.common.cells import cell_text

SIREN_PATTERN = r"\d{9}"
# commune (5 characters, 2A/2B for Corsica), département (2, 2A/2B or 97x), région (2 digits)
INSEE_PATTERN = r"(?:\d{5}|2[AB]\d{3}|\d{2}|2[AB]|97[1-8])"
_SEPARATORS = re.compile(r"[\s\u00a0\u202f\u2009.\-]")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def _text(value: object) -> str:
    return "" if value is pd.NA else cell_text(value)


def luhn_ok(digits: str) -> bool:
    """True for a string of digits whose Luhn checksum is right (the SIREN key)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def luhn_complete(digits8: str) -> str:
    """The 8 digits followed by the one check digit that makes a valid SIREN."""
    return next(digits8 + c for c in "0123456789" if luhn_ok(digits8 + c))


def siren_is_valid(siren: str) -> bool:
    """9 digits with a valid Luhn key."""
    return len(siren) == 9 and luhn_ok(siren)


def normalize_siren(value: object) -> str | None:
    """A SIREN as typed ('213 100 553', '213.100.553', 213100553) to its digits; None if not digits."""
    digits = _SEPARATORS.sub("", _text(value))
    return digits if digits.isdigit() else None


def normalize_insee(value: object) -> str | None:
    """An INSEE code as text, leading zeros kept; None when it cannot be one.

    '01053' stays; 1053 or '1053' (Excel or a CSV dropped the 0) -> '01053'; 1 -> '01';
    '2a004' -> '2A004'. No code has 4 characters, nor 1.
    """
    if isinstance(value, float) and (math.isnan(value) or not value.is_integer()):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not 0 <= value <= 99_999:
        return None
    text = _SPACES.sub("", _text(value)).upper()
    if re.fullmatch(r"\d+\.0", text):  # a code read back from a float column
        text = text[:-2]
    if not re.fullmatch(r"[0-9AB]{1,5}", text):
        return None
    if text.isdigit() and len(text) in (1, 4):
        return text.zfill(len(text) + 1)
    return text


def normalize_siren_series(s: pd.Series) -> pd.Series:
    """:func:`normalize_siren` of a column; what is not digits keeps its characters (to be flagged)."""
    return _map_unique(s, lambda v: normalize_siren(v) or _SEPARATORS.sub("", _text(v)) or None)


def normalize_insee_series(s: pd.Series) -> pd.Series:
    """:func:`normalize_insee` of a column; what cannot be a code stays as typed (to be flagged)."""
    return _map_unique(s, lambda v: normalize_insee(v) or _SPACES.sub("", _text(v)).upper() or None)


def siren_valid_series(s: pd.Series) -> pd.Series:
    """True where the text is a valid SIREN, False where it is not, NA where it is not 9 digits."""
    text = s.astype("string")
    nine = text.str.fullmatch(SIREN_PATTERN).fillna(False).astype(bool)
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[nine] = text[nine].map(luhn_ok).astype(bool)
    return out


def _map_unique(s: pd.Series, fn) -> pd.Series:  # noqa: ANN001 (a scalar function)
    values = s.astype(object).where(s.notna(), None)
    uniques = {v: fn(v) for v in pd.unique(values.dropna())}
    return values.map(lambda v: uniques.get(v) if v is not None else None).astype("string")
