"""Parse the values people type in survey spreadsheets: French numbers, dates, yes/no, ids.

Every parser takes any cell value (str, float, int, bool, date, datetime, None) and never
raises: it returns the parsed value or ``None`` when the text cannot be read, so the caller
can report the cell.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import cache

from pipeline.common.cells import EXCEL_EPOCH
from pipeline.common.text import fold, normalize_label
from pipeline.domain.codebook import Codebook

# Spaces used as thousands separators: normal, no-break, narrow no-break, thin, figure.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007\u2008\u200a']+")
_EXCEL_ERRORS = frozenset(
    {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)
_MULTIPLIERS = {
    "k": 1e3, "ke": 1e3, "keur": 1e3, "milliers": 1e3, "mille": 1e3,
    "m": 1e6, "me": 1e6, "meur": 1e6, "million": 1e6, "millions": 1e6, "md": 1e9, "mds": 1e9,
    "milliard": 1e9, "milliards": 1e9,
}
_UNIT = re.compile(r"(?:€|eur(?:os?)?|euros?|etp|habitants?|hab\.?|ans?)$", re.IGNORECASE)
_APPROX = re.compile(r"^(?:environ|env\.?|approx(?:\.|imativement)?|ca\.|~|≈)\s*", re.IGNORECASE)



def is_excel_error(value: object) -> bool:
    """True for an Excel error value kept as text ('#N/A', '#DIV/0!')."""
    return isinstance(value, str) and value.strip().upper() in _EXCEL_ERRORS


def parse_number(value: object) -> float | None:
    """French-formatted number to float: '1 500', '1 500,50', '1.500,50', '12 k€', '1,5 M€'.

    Returns None when the text is not a number ('beaucoup', 'entre 2 et 3').
    """
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        try:
            f = float(value)
        except OverflowError:  # an integer beyond any float
            return None
        return f if math.isfinite(f) else None
    if not isinstance(value, str):
        return None
    s = _APPROX.sub("", value.strip())
    if "(" in s:  # an aside: "1 500 (estimation)"
        s = re.sub(r"\(.*?\)", " ", s).strip()
    s = re.sub(r"(?i)\s*(?:ttc|ht|/\s*an|par an|annuels?)\s*$", "", s)
    s = _SPACES.sub("", s)
    if not s:
        return None
    s = s.replace("\u2212", "-").replace("–", "-")
    s = s.rstrip(".")
    multiplier = 1.0
    # strip units and multipliers at the end, in any order: "12k€", "1,5M€", "12 000 euros"
    for _ in range(3):
        unit = _UNIT.search(s)
        if unit and unit.start() > 0:
            s = s[: unit.start()]
            continue
        tail = re.search(r"[A-Za-z]+$", s)
        if tail and tail.group(0).lower() in _MULTIPLIERS and tail.start() > 0:
            multiplier *= _MULTIPLIERS[tail.group(0).lower()]
            s = s[: tail.start()]
            continue
        break
    s = s.lstrip("€").rstrip(".")
    if s.startswith("~") or s.startswith("≈"):
        s = s[1:]
    if not s or not re.fullmatch(r"[+-]?[\d.,]+", s) or not re.search(r"\d", s):
        return None
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    number = _read_digits(s)
    if number is None:
        return None
    result = sign * number * multiplier
    return result if math.isfinite(result) else None  # "999...9" (400 digits) is not an answer


def _read_digits(s: str) -> float | None:
    """Digits with '.' and ',' in French or English conventions."""
    has_dot, has_comma = "." in s, "," in s
    if has_dot and has_comma:
        # the last separator is the decimal one: "1.500,50" (French) or "1,500.50" (English)
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif has_comma:
        if s.count(",") > 1:
            if not re.fullmatch(r"\d{1,3}(?:,\d{3})+", s):
                return None
            s = s.replace(",", "")
        else:
            s = s.replace(",", ".")
    elif has_dot and s.count(".") > 1:
        # "1.500.000": dots as thousands separators
        if not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):
            return None
        s = s.replace(".", "")
    elif has_dot and re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", s):
        # "1.500": French thousands separator (a decimal would rarely have 3 digits)
        s = s.replace(".", "")
    try:
        return float(s)
    except ValueError:
        return None


_DATE_PATTERNS = (
    # dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, optionally followed by a time
    (re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T]\d{1,2}[:h]\d{2}(?::\d{2})?.*)?"), "dmy"),
    # dd/mm/yy
    (re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?.*)?"), "dmy2"),
    # ISO yyyy-mm-dd, optionally with a time and zone (LimeSurvey submitdate, Kobo)
    (re.compile(r"(\d{4})[\-/.](\d{1,2})[\-/.](\d{1,2})(?:[ T].*)?"), "ymd"),
)
_MONTHS_FR = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}


def parse_date(value: object) -> str | None:
    """Date to ISO 'YYYY-MM-DD': Excel serials, dd/mm/yyyy, ISO, '4 mars 2025', datetimes."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_serial(float(value)) if abs(value) < 1e9 else None
    if not isinstance(value, str):
        return None
    s = value.strip()
    if not s:
        return None
    if re.fullmatch(r"\d{5}(?:[.,]\d+)?", s):
        return _from_serial(float(s.replace(",", ".")))
    for pattern, order in _DATE_PATTERNS:
        m = pattern.fullmatch(s)
        if not m:
            continue
        a, b, c = (int(x) for x in m.groups())
        if order == "ymd":
            return _safe_date(a, b, c)
        year = c if order == "dmy" else 2000 + c
        return _safe_date(year, b, a)
    m = re.fullmatch(r"(\d{1,2})(?:er)?\s+([a-z]+)\.?\s+(\d{4})", fold(s))
    if m and m.group(2) in _MONTHS_FR:
        return _safe_date(int(m.group(3)), _MONTHS_FR[m.group(2)], int(m.group(1)))
    return None


# A date given as a period ("mai 2025", "05/2025", "2e trimestre 2025", "S1 2025"): read as the
# period's first day, the convention of pandas' Period.start_time and of INSEE's monthly series.
_ORDINAL = r"(\d)\s*(?:er|ere|re|e|eme|nd|nde)?"
_PERIODS = (
    (re.compile(r"([a-z]+)\.?\s*[\-/ ]?\s*(\d{4})"), "month_name"),  # mai 2025, sept. 2025, mai-2025
    (re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{4})"), "month_year"),  # 05/2025, 5-2025
    (re.compile(r"(\d{4})\s*[/.\-]\s*(\d{1,2})"), "year_month"),  # 2025-05
    (re.compile(rf"(?:{_ORDINAL}\s*trimestre|t\s*(\d)|q\s*(\d))\s*(\d{{4}})"), "quarter"),  # 2e trimestre 2025, T2 2025
    (re.compile(rf"(?:{_ORDINAL}\s*semestre|s\s*(\d)|h\s*(\d))\s*(\d{{4}})"), "half"),  # 1er semestre 2025, S1 2025
)
_PERIOD_MONTHS = {"quarter": 3, "half": 6}


def parse_period(value: object) -> tuple[str, str] | None:
    """A date given as a month, quarter or half-year: (ISO date of its first day, what the
    period was read as, in French), or None when the text is no such period.

    '05/2025' is May 2025 (French order); the first day is a convention (the message that
    comes with the date says which day was assumed).
    """
    if not isinstance(value, str):
        return None
    s = fold(value)
    s = re.sub(r"^(?:courant|debut|en|au)\s+", "", s)
    raw = value.strip()
    for pattern, kind in _PERIODS:
        m = pattern.fullmatch(s if kind in ("month_name", "quarter", "half") else raw)
        if not m:
            continue
        groups = [g for g in m.groups() if g is not None]
        if kind == "month_name":
            month = _MONTHS_FR.get(groups[0])
            if month is None:
                return None
            year = int(groups[1])
            what = "mois"
        elif kind in ("month_year", "year_month"):
            month, year = (int(groups[0]), int(groups[1])) if kind == "month_year" else (int(groups[1]), int(groups[0]))
            what = "mois"
        else:
            n, year = int(groups[0]), int(groups[1])
            span = _PERIOD_MONTHS[kind]
            if not 1 <= n <= 12 // span:
                return None
            month = (n - 1) * span + 1
            what = "trimestre" if kind == "quarter" else "semestre"
        if not 1 <= month <= 12 or not 1900 <= year <= 2100:
            return None
        return dt.date(year, month, 1).isoformat(), what
    return None


def _from_serial(serial: float) -> str | None:
    # plausible answer dates only (1954-2119): a bare 2025 is a year, not 1905-07-17
    if math.isnan(serial) or not 20000 <= serial < 80000:
        return None
    return (EXCEL_EPOCH.date() + dt.timedelta(days=int(serial))).isoformat()


def _safe_date(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


@cache
def _yes_no_keys(yes: tuple[str, ...], no: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    def keys(tokens: tuple[str, ...]) -> frozenset[str]:
        return frozenset({t.strip().lower() for t in tokens} | {normalize_label(t) for t in tokens} - {""})

    return keys(yes), keys(no)


def parse_yes_no(value: object, codebook: Codebook) -> bool | None:
    """'Oui', 'Y', 'x', 1, True -> True; 'Non', 'N', 0, False -> False; anything else -> None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None
        return True if value == 1 else False if value == 0 else None
    if not isinstance(value, str):
        return None
    yes, no = _yes_no_keys(codebook.yes, codebook.no)
    raw = value.strip().lower()
    key = normalize_label(value)
    if raw in yes or (key and key in yes):
        return True
    if raw in no or (key and key in no):
        return False
    return None


