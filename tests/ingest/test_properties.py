"""Property tests (hypothesis) of what ingest reads from cells: numbers, dates, yes/no, labels,
multi-select lists. Two kinds: hostile text never crashes a parser and never gives a value that
is not one (inf, NaN, impossible date, unknown modality); and what the template writes (French
numbers, dd/mm/yyyy dates, modality labels, Oui/Non) reads back exactly.

Complements tests/ingest/test_parsers.py (plain text/float/int inputs, French thousands),
test_files.py (any grid) and test_values.py (the B07 one-cell split). Derandomized: CI sees the same examples.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.common.cells import cell_text
from pipeline.common.identifiers import normalize_insee, normalize_siren
from pipeline.common.text import normalize_label
from pipeline.domain.codebook import load_codebook
from pipeline.ingest.matching import match_header
from pipeline.ingest.parsers import parse_date, parse_number, parse_yes_no
from pipeline.ingest.values import ValueReader

CB = load_codebook()
READER = ValueReader(CB, 88.0)
SINGLE = [q for q in CB if q.type == "single"]
MULTI = [q for q in CB if q.type == "multi"]
FAST = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# --- hostile text ------------------------------------------------------------------------------
_TOKENS = st.sampled_from([
    "NaN", "nan", "inf", "-inf", "Infinity", "1e308", "1e-400", "9" * 400, "-" + "9" * 320 + ",5", "1" * 5000,
    "0x1F", "١٢٣", "１２３", "½", "€", "k€", "M€", "1 500", "1,5", "12 k€", "environ", "(", ")", "/", ";", ",", "|",
    "\x00", "\x1b[31m", "\u200b", "\u202f", "\ufeff", "\u2028", "🌍", "🤝", "👩‍👩‍👧", "é", "Oui", "Non", "x", "NSP", "#N/A",
    "31/02/2025", "29/02/2024", "00/00/0000", "45720", "2025-13-01", "4 mars 2025", "Jumelage", "ECSI", "Santé",
])
HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.lists(_TOKENS, max_size=6).map(" ".join),
    st.lists(st.one_of(_TOKENS, st.text(max_size=4)), max_size=5).map("".join),
)
HOSTILE_CELL = st.one_of(
    HOSTILE_TEXT, st.floats(), st.integers(min_value=-(10**400), max_value=10**400), st.just(10**5000), st.none(), st.booleans(),
    st.dates(), st.datetimes(),
)


@FAST
@given(HOSTILE_CELL)
def test_number_date_yes_no_never_crash_nor_give_a_non_value(value):
    n = parse_number(value)
    assert n is None or (isinstance(n, float) and math.isfinite(n))
    d = parse_date(value)
    if isinstance(value, (dt.date, dt.datetime)):
        assert d == value.isoformat()[:10]  # a real date cell is kept as it is
    elif d is not None:
        assert 1900 <= dt.date.fromisoformat(d).year <= 2200
    assert parse_yes_no(value, CB) in (True, False, None)
    assert isinstance(cell_text(value), str)
    s = normalize_siren(value)
    assert s is None or s.isdigit()
    insee = normalize_insee(value)
    assert insee is None or (1 <= len(insee) <= 5)


@SLOW
@given(HOSTILE_TEXT, st.sampled_from(SINGLE))
def test_label_matching_never_crashes_and_names_a_real_modality(text, q):
    label = READER.single(q, text)
    assert label is None or label in {m.label for m in q.modalities}


@SLOW
@given(HOSTILE_TEXT, st.sampled_from(MULTI))
def test_multi_select_split_never_crashes_and_names_real_options(text, q):
    slugs, leftovers = READER.split_multi(q, text)
    assert slugs <= {m.slug for m in q.modalities}
    assert all(isinstance(x, str) and x.strip() for x in leftovers)


@SLOW
@given(HOSTILE_TEXT)
def test_header_matching_never_crashes_and_names_a_codebook_column(text):
    m = match_header(text, CB)
    if m is not None:
        q = CB[m.target.code]
        assert not m.target.slug or m.target.slug in {mod.slug for mod in q.modalities}
    assert isinstance(normalize_label(text), str)


# --- what the template writes reads back -------------------------------------------------------
def _french(x: Decimal, sep: str) -> str:
    """'1 234,5' as French Excel shows a number (thousands separator ``sep``, decimal comma)."""
    sign = "-" if x < 0 else ""
    whole, _, frac = f"{abs(x):f}".partition(".")
    groups = f"{int(whole):,}".replace(",", sep)
    frac = frac.rstrip("0")
    return sign + groups + ("," + frac if frac else "")


@FAST
@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from([" ", "\u00a0", "\u202f", ""]), st.sampled_from(["", " €", " k€", " ETP"]))
def test_french_numbers_round_trip(x, sep, unit):
    text = _french(x, sep) + unit
    expected = float(x) * (1000 if unit == " k€" else 1)
    assert parse_number(text) == expected or math.isclose(parse_number(text), expected, rel_tol=1e-12)
    assert parse_number(float(x)) == float(x)  # the numeric cell itself


@FAST
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)))
def test_dates_round_trip_as_text_date_and_excel_serial(day):
    iso = day.isoformat()
    assert parse_date(day.strftime("%d/%m/%Y")) == iso  # the template's dd/mm/yyyy
    assert parse_date(f"{day.day}/{day.month}/{day.year}") == iso
    assert parse_date(iso) == iso
    assert parse_date(day) == iso and parse_date(dt.datetime(day.year, day.month, day.day, 10, 30)) == iso
    serial = (day - dt.date(1899, 12, 30)).days
    if dt.date(1954, 10, 3) <= day < dt.date(2119, 1, 1):  # the plausible-serial window
        assert parse_date(serial) == iso and parse_date(float(serial) + 0.75) == iso


_CASINGS = st.sampled_from([str, str.upper, str.lower, lambda s: f"  {s} ", lambda s: s.replace(" ", "  ")])


@FAST
@given(st.sampled_from([(q, m) for q in SINGLE for m in q.modalities]), _CASINGS)
def test_modality_labels_read_back(qm, casing):
    q, m = qm
    assert READER.single(q, m.label) == m.label
    assert READER.single(q, casing(m.label)) == m.label


@FAST
@given(st.sampled_from(["Oui", "Non", "OUI", "non", " Oui ", "oui", "Non "]))
def test_oui_non_read_back(text):
    assert parse_yes_no(text, CB) is (text.strip().lower() == "oui")


@SLOW
@given(st.sampled_from(MULTI).flatmap(lambda q: st.tuples(
    st.just(q), st.lists(st.sampled_from(q.modalities), min_size=1, max_size=len(q.modalities), unique=True))),
    st.sampled_from(["; ", ";", "\n", " | "]))
def test_multi_select_lists_read_back(q_mods, sep):
    q, mods = q_mods
    slugs, leftovers = READER.split_multi(q, sep.join(m.label for m in mods))
    assert slugs == {m.slug for m in mods} and leftovers == ()
    # Kobo: the options' names separated by spaces
    slugs, leftovers = READER.split_multi(q, " ".join(m.slug for m in mods))
    assert slugs == {m.slug for m in mods} and leftovers == ()


@SLOW
@given(st.sampled_from([(q, col) for q in CB for col in q.columns]), _CASINGS)
def test_template_headers_read_back(q_col, casing):
    q, col = q_col
    m = match_header(col, CB)  # the code row of the template
    assert m is not None and m.target.column == col
    if "__" in col:
        slug = col.split("__", 1)[1]
        label = f"{q.label} : {q.modality(slug).label}"
    else:
        label = q.label
    m = match_header(f"{q.code} - {label}", CB)  # the label row: "A02 - Type de collectivité"
    assert m is not None and m.target.column == col
    m = match_header(casing(label), CB)  # the label alone, as typed in a home-made file
    assert m is not None and m.target.column == col
