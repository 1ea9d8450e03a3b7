"""Ingest stage: read every returned file of a wave into one table of responses.

Each file is opened (:mod:`pipeline.ingest.readers`), its answer sheet and layout found (one row per
respondent under a header row, or the vertical form), its headers matched to the codebook
(:mod:`pipeline.ingest.matching`) and its values parsed (:mod:`pipeline.ingest.parsers`). Every problem is an
:class:`~pipeline.common.issues.Issue` naming the file, sheet and cell; one bad cell never costs the
row, one bad file never costs the wave.

Stage: ``python -m pipeline.ingest.wave --params params.yaml --wave DIR --out data/interim``.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.common.atomic import atomic_write_parquet, atomic_write_text
from pipeline.common.cells import cell_ref, cell_text, is_blank
from pipeline.common.identifiers import normalize_insee, normalize_siren
from pipeline.common.issues import Issue
from pipeline.common.text import french_number
from pipeline.domain.codebook import Codebook, Question, load_codebook
from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest.matching import (
    TIER_CODE,
    HeaderMatch,
    HeaderMatcher,
    Target,
    matcher_for,
    norm,
    resolve_columns,
)
from pipeline.ingest.parsers import (
    is_excel_error,
    parse_date,
    parse_number,
    parse_yes_no,
)
from pipeline.ingest.readers import Sheet, Workbook, read_workbook, xlsx_cell_marks

PROVENANCE = ("source_file", "source_sheet", "source_row", "source_range", "source_cells", "layout")
LAYOUTS = ("template_horizontal", "template_vertical", "horizontal", "vertical", "limesurvey", "kobo", "forms")
STATUSES = ("ingested", "partial", "rejected")

_HELP_SHEET = re.compile(
    r"instruction|aide|help|notice|consigne|lisez|readme|read me|mode d.?emploi|listes?$|param|dictionnaire|codebook",
    re.IGNORECASE,
)
_ANSWER_HEADERS = ("reponse", "votre reponse", "valeur", "answer", "saisie", "vos reponses")
_TOTAL_ROWS = frozenset({"total", "totaux", "total general", "somme", "moyenne", "sous total"})
_STOPWORDS = frozenset({"et", "ou", "de", "des", "du", "la", "le", "les", "l", "d", "a", "en", "and", "or", "aussi"})
_MIN_MATCHES = 2  # distinct questions a sheet must match to be read as answers
_VERTICAL_SCAN_COLUMNS = 10
_VERTICAL_SCAN_ROWS = 600


# ---------------------------------------------------------------------------------------------
# Layout detection
# ---------------------------------------------------------------------------------------------
@dataclass
class SheetPlan:
    """Where the answers are in one sheet."""

    sheet: Sheet
    orientation: str  # "horizontal" | "vertical"
    score: int
    header_rows: tuple[int, ...] = ()  # 0-based rows of the header (horizontal)
    question_cols: tuple[int, ...] = ()  # 0-based question columns (vertical)
    answer_col: int = -1  # vertical: first (usually only) answer column
    answer_cols: tuple[int, ...] = ()  # vertical: one column per respondent
    matches: dict[int, HeaderMatch] = field(default_factory=dict)  # column (or row) -> match
    header_text: dict[int, str] = field(default_factory=dict)  # column (or row) -> header text
    header_cell: dict[int, str] = field(default_factory=dict)  # column (or row) -> cell ref
    unmatched: dict[int, str] = field(default_factory=dict)  # column (or row) -> header text


def _row_matches(row: list, matcher: HeaderMatcher) -> dict[int, HeaderMatch]:
    out: dict[int, HeaderMatch] = {}
    cache = matcher._cache
    for c, v in enumerate(row):
        if v.__class__ is str and v:
            m = cache[v] if v in cache else matcher.match(v)
            if m is not None:
                out[c] = m
    return out


def _n_targets(matches: dict[int, HeaderMatch]) -> int:
    return len({m.target.code for m in matches.values()})


def _plan_horizontal(sheet: Sheet, matcher: HeaderMatcher, max_rows: int) -> SheetPlan | None:
    rows = sheet.rows
    scan = min(len(rows), max_rows)
    per_row = [_row_matches(rows[r], matcher) for r in range(scan)]
    if not per_row:
        return None
    scores = [_n_targets(m) for m in per_row]
    best = max(range(scan), key=lambda r: (scores[r], -r))
    if scores[best] == 0:
        return None
    header_rows = [best]
    matches = dict(per_row[best])
    texts = {c: cell_text(rows[best][c]) for c in matches}
    cells = {c: cell_ref(best, c) for c in matches}
    # A second header row just above or below: codes under labels, or modalities under a
    # merged multi-select question label.
    for other in (best - 1, best + 1):
        if not 0 <= other < len(rows) or other in header_rows:
            continue
        upper, lower = (other, best) if other < best else (best, other)
        m_other = per_row[other] if other < scan else _row_matches(rows[other], matcher)
        m_up, m_low = (m_other, per_row[best]) if other < best else (per_row[best], m_other)
        combined = _combine_rows(rows[upper], rows[lower], m_up, m_low, matcher)
        which_other = 0 if other < best else 1
        nonblank = sum(1 for v in rows[other] if not _blank(v))
        useful = sum(1 for m, w in combined.values() if w == which_other)
        useful = max(useful, len(m_other))
        # a second header row agrees with the first (codes under labels); a data row whose
        # values look like labels ("Département" under "Type de collectivité") does not
        shared = [c for c in m_other if c in per_row[best]]
        disagree = sum(1 for c in shared if m_other[c].target.code != per_row[best][c].target.code)
        if nonblank and useful >= max(2, 0.5 * nonblank) and disagree * 4 <= len(shared) - disagree:
            header_rows.append(other)
            for c, (m, which) in combined.items():
                r = upper if which == 0 else lower
                if c not in matches or m.tier < matches[c].tier or m.target.slug and not matches[c].target.slug:
                    matches[c] = m
                    texts[c] = cell_text(rows[r][c])
                    cells[c] = cell_ref(r, c)
    header_rows.sort()
    width = max((len(rows[r]) for r in header_rows), default=0)
    unmatched = {}
    for c in range(width):
        if c in matches:
            continue
        for r in header_rows:
            if c < len(rows[r]) and not _blank(rows[r][c]):
                unmatched[c] = cell_text(rows[r][c])
                cells.setdefault(c, cell_ref(r, c))
                break
    return SheetPlan(
        sheet=sheet, orientation="horizontal", score=_n_targets(matches), header_rows=tuple(header_rows),
        matches=matches, header_text=texts, header_cell=cells, unmatched=unmatched,
    )


def _combine_rows(
    upper: list, lower: list, m_upper: dict[int, HeaderMatch], m_lower: dict[int, HeaderMatch], matcher: HeaderMatcher
) -> dict[int, tuple[HeaderMatch, int]]:
    """Column -> (match, 0 from upper / 1 from lower); lower cells under a multi label become modalities."""
    out: dict[int, tuple[HeaderMatch, int]] = {}
    current_multi: str | None = None
    n_up = len(upper)
    for c in range(max(n_up, len(lower))):
        top = upper[c] if c < n_up else None
        m_top = m_upper.get(c)
        m_bot = m_lower.get(c)
        top_blank = _blank(top)
        if not top_blank:
            current_multi = None
            if m_top is not None and not m_top.target.slug and matcher.questions[m_top.target.code].type == "multi":
                current_multi = m_top.target.code
        if m_top is not None and m_bot is not None:
            better = m_bot.tier < m_top.tier or (m_bot.target.slug and not m_top.target.slug)
            out[c] = (m_bot, 1) if better else (m_top, 0)
            continue
        if current_multi and (top_blank or (m_top is not None and m_top.target.code == current_multi)):
            bottom = lower[c] if c < len(lower) else None
            slug = matcher.modality_keys[current_multi].get(norm(bottom)) if bottom.__class__ is str else None
            if slug:
                out[c] = (HeaderMatch(Target(current_multi, slug), "modality"), 1)
                continue
        if m_bot is not None:
            out[c] = (m_bot, 1)
        elif m_top is not None:
            out[c] = (m_top, 0)
    return out


def _blank(v: object) -> bool:
    """Fast is_blank for the cell types readers return."""
    if v is None or v == "":
        return True
    cls = v.__class__
    if cls is str:
        return not v.strip()
    if cls is float:
        return v != v
    return False


def _plan_vertical(sheet: Sheet, matcher: HeaderMatcher) -> SheetPlan | None:
    rows = sheet.rows[:_VERTICAL_SCAN_ROWS]
    if not rows:
        return None
    ncols = min(max((len(r) for r in rows), default=0), _VERTICAL_SCAN_COLUMNS)
    per_col: dict[int, dict[int, HeaderMatch]] = {}
    cache = matcher._cache
    for c in range(ncols):
        col_matches: dict[int, HeaderMatch] = {}
        for r, row in enumerate(rows):
            if c < len(row):
                v = row[c]
                if v.__class__ is str and v:
                    m = cache[v] if v in cache else matcher.match(v)
                    if m is not None:
                        col_matches[r] = m
        per_col[c] = col_matches
    scores = {c: _n_targets(m) for c, m in per_col.items()}
    if not scores or max(scores.values()) == 0:
        return None
    best = max(scores.values())
    qcols = tuple(c for c in sorted(scores) if scores[c] >= max(2, 0.5 * best))
    if not qcols:
        return None
    matches: dict[int, HeaderMatch] = {}
    texts: dict[int, str] = {}
    cells: dict[int, str] = {}
    for c in qcols:
        for r, m in per_col[c].items():
            if r not in matches or m.tier < matches[r].tier or (m.target.slug and not matches[r].target.slug and m.target.code == matches[r].target.code):
                matches[r] = m
                texts[r] = cell_text(sheet.rows[r][c])
                cells[r] = cell_ref(r, c)
    _vertical_modality_rows(rows, qcols, matches, texts, cells, matcher)
    answer_cols = _respondent_columns(sheet.rows, qcols, matches) or (_answer_column(sheet.rows, qcols, matches),)
    answer_col = answer_cols[0]
    unmatched: dict[int, str] = {}
    for r in range(min(matches), len(rows)):
        row = rows[r]
        if r in matches or answer_col >= len(row) or _blank(row[answer_col]):
            continue
        label = next((row[c] for c in reversed(qcols) if c < len(row) and not _blank(row[c])), None)
        if label is not None:
            unmatched[r] = cell_text(label)
            cells[r] = cell_ref(r, qcols[-1])
    return SheetPlan(
        sheet=sheet, orientation="vertical", score=_n_targets(matches), question_cols=qcols, answer_col=answer_col,
        answer_cols=answer_cols,
        matches=dict(sorted(matches.items())), header_text=texts, header_cell=cells, unmatched=unmatched,
    )


def _vertical_modality_rows(rows, qcols, matches, texts, cells, matcher: HeaderMatcher) -> None:
    """Rows naming only a modality ("Jumelage") under a multi-select question row become that modality."""
    current: str | None = None
    for r in range(min(matches), len(rows)):
        m = matches.get(r)
        if m is not None:
            q = matcher.questions[m.target.code]
            if q.type == "multi":
                current = m.target.code
            else:
                current = None
            continue
        if current is None:
            continue
        row = rows[r]
        for c in reversed(qcols):
            v = row[c] if c < len(row) else None
            if v.__class__ is str and v.strip():
                slug = matcher.modality_keys[current].get(norm(v))
                if slug:
                    matches[r] = HeaderMatch(Target(current, slug), "modality")
                    texts[r] = v.strip()
                    cells[r] = cell_ref(r, c)
                break


_HELP_HEADERS = ("aide", "help", "valeurs possibles", "consigne", "precision", "remarque", "format", "exemple",
                 "commentaire", "note", "explication", "modalites", "choix possibles", "source")


def _respondent_columns(rows: list[list], qcols: tuple[int, ...], matches: dict[int, HeaderMatch]) -> tuple[int, ...]:
    """Several respondents side by side in a vertical form: one named column each.

    Needs a heading row just above the questions naming at least two answer columns
    (collectivités), none of which is help text; otherwise () and the single-column rule applies.
    """
    first = min(matches)
    for hr in range(first - 1, max(-1, first - 4), -1):
        row = rows[hr]
        named = [c for c in range(max(qcols) + 1, len(row)) if not _blank(row[c])]
        if not named:
            continue
        heads = [norm(row[c]) if row[c].__class__ is str else "" for c in named]
        if len(named) < 2 or any(h.startswith(_HELP_HEADERS) for h in heads):
            return ()
        used = tuple(c for c in named if any(c < len(rows[r]) and not _blank(rows[r][c]) for r in matches))
        return used if len(used) >= 2 else ()
    return ()


def _answer_column(rows: list[list], qcols: tuple[int, ...], matches: dict[int, HeaderMatch]) -> int:
    """The answer column of a vertical form: a column headed 'Réponse', else the first non-empty one."""
    first = min(matches) if matches else 0
    for r in range(first + 1):
        for c, v in enumerate(rows[r]):
            if c > max(qcols) and isinstance(v, str) and norm(v).startswith(_ANSWER_HEADERS):
                return c
    width = max((len(rows[r]) for r in matches), default=0)
    for c in range(max(qcols) + 1, width):
        if any(c < len(rows[r]) and not is_blank(rows[r][c]) for r in matches):
            return c
    return max(qcols) + 1


def plan_sheet(sheet: Sheet, matcher: HeaderMatcher, max_header_scan_rows: int) -> SheetPlan | None:
    """The better of the horizontal and vertical readings of a sheet (None if neither fits)."""
    h = _plan_horizontal(sheet, matcher, max_header_scan_rows)
    v = _plan_vertical(sheet, matcher)
    if v is not None and (h is None or v.score > h.score):
        return v if v.score >= _MIN_MATCHES else None
    return h if h is not None and h.score >= _MIN_MATCHES else None


def choose_sheet(workbook: Workbook, matcher: HeaderMatcher, max_header_scan_rows: int) -> SheetPlan | None:
    """The sheet holding the answers: sheets with answers first, then the best score;
    help/instructions sheets only as a last resort."""
    plans = plan_sheets(workbook, matcher, max_header_scan_rows)
    return plans[0] if plans else None


def plan_sheets(workbook: Workbook, matcher: HeaderMatcher, max_header_scan_rows: int) -> list[SheetPlan]:
    """Readable sheets, best first (regular sheets; help sheets only when nothing else fits).

    Hidden sheets (the template's « Listes ») are never answer sheets.
    """
    visible = [s for s in workbook.sheets if not s.hidden]
    regular = [s for s in visible if not _HELP_SHEET.search(s.name)]
    helpers = [s for s in visible if _HELP_SHEET.search(s.name)]
    for pool in (regular, helpers):
        plans = [p for s in pool if (p := plan_sheet(s, matcher, max_header_scan_rows)) is not None]
        if plans:
            return sorted(plans, key=lambda p: (_has_answers(p), p.score), reverse=True)
    return []


def _has_answers(plan: SheetPlan) -> bool:
    rows = plan.sheet.rows
    if plan.orientation == "vertical":
        col = plan.answer_col
        return any(col < len(rows[r]) and not _blank(rows[r][col]) for r in plan.matches)
    cols = list(plan.matches)
    for row in rows[plan.header_rows[-1] + 1:]:
        if any(c < len(row) and not _blank(row[c]) for c in cols):
            return True
    return False


def _layout(plan: SheetPlan, codebook: Codebook) -> str:
    """Name the layout for the report (template, survey tool, or home-made)."""
    texts = [v.strip() for r in plan.header_rows for v in plan.sheet.rows[r] if v.__class__ is str and v.strip()]
    keys = {norm(t) for t in texts}
    if plan.orientation == "vertical":
        code_rows = sum(1 for m in plan.matches.values() if m.tier == TIER_CODE)
        return "template_vertical" if code_rows >= 0.8 * max(1, len(plan.matches)) else "vertical"
    if any("__" in t and re.fullmatch(r"[A-Z]\d{2}__[a-z0-9_]+", t) for t in texts):
        return "template_horizontal"
    if keys & {"submitdate", "lastpage", "startlanguage", "derniere page", "langue de depart"} or any(re.search(r"\[SQ\d+\]", t, re.I) for t in texts):
        return "limesurvey"
    if keys & {"uuid", "submission time"} or any(re.fullmatch(r"[\w.-]+(?:/[\w.-]+)+", t) for t in texts):
        return "kobo"
    targets = [m.target for m in plan.matches.values()]
    one_cell_multi = any(not t.slug and codebook[t.code].type == "multi" for t in targets)
    if one_cell_multi and not any(t.slug for t in targets):
        return "forms"  # Google Forms, Sphinx: full labels, multi-select answers in one cell
    return "horizontal"


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------
class ValueReader:
    """Turns raw cells into typed answers for one codebook, with cached modality lookups."""

    def __init__(self, codebook: Codebook, fuzzy_threshold: float) -> None:
        self.codebook = codebook
        self.fuzzy_threshold = fuzzy_threshold
        self._single: dict[str, dict[str, str]] = {}
        self._single_cache: dict[tuple[str, str], str | None] = {}
        self._multi_keys: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._multi_cache: dict[tuple[str, str], tuple[frozenset[str], tuple[str, ...]]] = {}
        self._no_answer_cache: dict[tuple[str, str], bool] = {}
        for q in codebook:
            if q.type == "single":
                keys: dict[str, str] = {}
                for m in q.modalities:
                    for text in (m.label, *m.synonyms, m.slug):
                        keys.setdefault(norm(text), m.label)
                self._single[q.code] = keys
            elif q.type == "multi":
                pairs: dict[tuple[str, ...], str] = {}
                for m in q.modalities:
                    for text in (m.label, *m.synonyms, m.slug):
                        words = tuple(norm(text).split())
                        if words:
                            pairs.setdefault(words, m.slug)
                self._multi_keys[q.code] = sorted(pairs.items(), key=lambda kv: (-len(kv[0]), -len(" ".join(kv[0]))))

    def no_answer(self, value: str, q: Question | None = None) -> bool:
        """Codebook.is_no_answer, cached per (question, text)."""
        key = (q.code if q is not None else "", value)
        hit = self._no_answer_cache.get(key)
        if hit is None:
            hit = self._no_answer_cache[key] = self.codebook.is_no_answer(value, q)
        return hit

    def single(self, q: Question, value: object) -> str | None:
        """Canonical modality label, or None when nothing matches."""
        text = cell_text(value)
        key = (q.code, text)
        if key in self._single_cache:
            return self._single_cache[key]
        result = self._single_lookup(q, text)
        self._single_cache[key] = result
        return result

    def _single_lookup(self, q: Question, text: str) -> str | None:
        keys = self._single[q.code]
        for m in q.modalities:
            if text == m.label:
                return m.label
        key = norm(text)
        if key in keys:
            return keys[key]
        if text.isdigit() and text.zfill(2) != text and norm(text.zfill(2)) in keys:
            return keys[norm(text.zfill(2))]
        if "(" in text and ")" in text:  # "Ain (01)", "CC (communauté de communes)"
            outside = norm(re.sub(r"\(.*?\)", " ", text))
            inside = [norm(x) for x in re.findall(r"\((.*?)\)", text)]
            found = {keys[k] for k in (outside, *inside) if k in keys}
            if len(found) == 1:
                return found.pop()
        yn = parse_yes_no(text, self.codebook)
        if yn is not None and norm("Oui" if yn else "Non") in keys:
            return keys[norm("Oui" if yn else "Non")]
        if len(key) >= 4:
            starts = {label for k, label in keys.items() if len(k) >= 4 and (k.startswith(key) or key.startswith(k + " "))}
            if len(starts) == 1:
                return starts.pop()
            found = process.extractOne(key, [k for k in keys if len(k) >= 4], scorer=fuzz.ratio, score_cutoff=self.fuzzy_threshold)
            if found:
                return keys[found[0]]
        return None

    def split_multi(self, q: Question, value: object) -> tuple[frozenset[str], tuple[str, ...]]:
        """Slugs named in one cell ('Jumelage, ECSI' or 'coop_decentralisee ecsi') and leftovers."""
        text = cell_text(value)
        key = (q.code, text)
        cached = self._multi_cache.get(key)
        if cached is not None:
            return cached
        slugs: set[str] = set()
        leftovers: list[str] = []
        for piece in re.split(r"[;\n|]+", text):
            words = norm(piece.replace("_", " ")).split() if piece.strip() else []
            if not words:
                continue
            used = [False] * len(words)
            for kw, slug in self._multi_keys[q.code]:
                n = len(kw)
                i = 0
                while i + n <= len(words):
                    if not any(used[i:i + n]) and tuple(words[i:i + n]) == kw:
                        for j in range(i, i + n):
                            used[j] = True
                        slugs.add(slug)
                        i += n
                    else:
                        i += 1
            span: list[str] = []
            for w, u in zip(words + [""], used + [True]):
                if not u and w:
                    span.append(w)
                    continue
                rest = [x for x in span if x not in _STOPWORDS]
                if rest:
                    leftovers.append(" ".join(span))
                span = []
        result = (frozenset(slugs), tuple(leftovers))
        self._multi_cache[key] = result
        return result


@dataclass
class _Answer:
    match: HeaderMatch
    value: object
    cell: str


def convert_answers(
    answers: list[_Answer], codebook: Codebook, reader: ValueReader, file: str, sheet: str
) -> tuple[dict[str, object], dict[str, str], list[Issue]]:
    """Typed values for every codebook column from one respondent's matched cells.

    Returns (values by output column, source cell by output column, issues).
    """
    values: dict[str, object] = {}
    cells: dict[str, str] = {}
    issues: list[Issue] = []
    by_code: dict[str, list[_Answer]] = {}
    for a in answers:
        by_code.setdefault(a.match.target.code, []).append(a)
        # every mapped cell, blank or not: where each value was (or should have been) read
        if a.match.target.slug or codebook[a.match.target.code].type != "multi":
            cells[a.match.target.column] = a.cell
    for a in answers:
        if not a.match.target.slug and codebook[a.match.target.code].type == "multi":
            for col in codebook[a.match.target.code].columns:
                cells.setdefault(col, a.cell)

    def issue(code: str, msg: str, a: _Answer, column: str, severity: str) -> None:
        issues.append(Issue(code, msg, file, sheet, a.cell, column, cell_text(a.value)[:200], severity))

    for code, items in by_code.items():
        q = codebook[code]
        clean: list[_Answer] = []
        for a in items:
            if is_blank(a.value):
                continue
            if is_excel_error(a.value):
                issue("excel_error", f"Erreur Excel « {cell_text(a.value)} » dans la cellule : valeur considérée comme manquante.", a, a.match.target.column, "warning")
                continue
            clean.append(a)
        if q.type == "multi":
            _convert_multi(q, clean, codebook, reader, values, issue)
            continue
        if not clean:
            continue
        a = clean[0]
        v = a.value
        if isinstance(v, str) and reader.no_answer(v, q):
            continue
        if q.type == "single":
            label = reader.single(q, v)
            if label is None:
                values[code] = cell_text(v)
                issue("unknown_modality", f"Réponse « {cell_text(v)} » inconnue pour « {q.label} » : gardée telle quelle, à vérifier.", a, code, "warning")
            else:
                values[code] = label
        elif q.type == "number":
            number = parse_number(v)
            if number is None:
                issue("bad_number", f"« {cell_text(v)} » n'est pas un nombre lisible pour « {q.label} » : indiquez un nombre (ex. 1 500 ou 12 k€).", a, code, "error")
            else:
                values[code] = number
        elif q.type == "date":
            iso = parse_date(v)
            if iso is None:
                issue("bad_date", f"« {cell_text(v)} » n'est pas une date lisible pour « {q.label} » : utilisez le format jj/mm/aaaa.", a, code, "error")
            else:
                values[code] = iso
        elif q.type == "id":
            normal = normalize_siren(v) if q.format == "siren" else normalize_insee(v) if q.format == "insee" else cell_text(v)
            if normal is None:
                values[code] = cell_text(v)
                issue("bad_id", f"Identifiant « {cell_text(v)} » mal formé pour « {q.label} » : gardé tel quel, à vérifier.", a, code, "warning")
            else:
                values[code] = normal
        else:
            values[code] = cell_text(v)
    return values, cells, issues


def _convert_multi(q: Question, clean: list[_Answer], codebook: Codebook, reader: ValueReader,
                   values: dict[str, object], issue) -> None:  # noqa: ANN001 (issue: local reporter)
    """Ticks of one multi-select question from per-modality cells and/or one-cell lists."""
    ticks: dict[str, bool] = {}
    whole: list[_Answer] = []
    for a in clean:
        slug = a.match.target.slug
        if not slug:
            whole.append(a)
            continue
        column = a.match.target.column
        v = a.value
        yn = parse_yes_no(v, codebook)
        if yn is None:
            if isinstance(v, str) and reader.no_answer(v):
                continue
            mod = q.modality(slug)
            if norm(v) in {norm(mod.label), norm(mod.slug), *map(norm, mod.synonyms)}:
                yn = True
            else:
                yn = True
                issue("unclear_tick", f"Valeur « {cell_text(v)} » inattendue pour « {q.label} : {mod.label} » : comptée comme cochée.", a, column, "warning")
        ticks[slug] = ticks.get(slug, False) or yn
    for a in whole:
        if isinstance(a.value, str) and reader.no_answer(a.value, q):
            continue
        if parse_yes_no(a.value, codebook) is False and not reader.split_multi(q, a.value)[0]:
            # "Non" for the whole question: answered, nothing ticked
            for m in q.modalities:
                ticks.setdefault(m.slug, False)
            continue
        slugs, leftovers = reader.split_multi(q, a.value)
        for s in slugs:
            ticks[s] = True
        for left in leftovers:
            issue("unknown_modality", f"Choix « {left} » non reconnu pour « {q.label} » : ignoré, les autres choix de la cellule sont gardés.", a, q.code, "warning")
    if not ticks:
        return
    for m in q.modalities:
        values[f"{q.code}__{m.slug}"] = ticks.get(m.slug, False)


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------
@dataclass
class FileResult:
    """What one file gave: response records (dicts) and its report entry."""

    records: list[dict[str, object]]
    report: dict[str, object]
    issues: list[Issue]


def _report_entry(file: str, status: str, layout: str, fmt: str, sheet: str, header_row, rows_read: int,
                  mapped: dict[str, str], unmapped: list[str], issues: list[Issue]) -> dict[str, object]:
    return {
        "file": file,
        "status": status,
        "layout": layout,
        "format": fmt,
        "sheet": sheet,
        "header_row": header_row,
        "rows_read": rows_read,
        "mapped": mapped,
        "unmapped": unmapped,
        "problems": [
            {"file": i.file, "sheet": i.sheet, "cell": i.cell, "code": i.code, "message_fr": i.message_fr,
             "severity": i.severity, "column": i.column, "value": i.value}
            for i in issues
        ],
    }


def ingest_file(path: str | Path, wave_dir: str | Path | None = None, codebook: Codebook | None = None,
                params: IngestParams | None = None) -> FileResult:
    """Read one returned file into response records and a report entry (never raises on bad data)."""
    codebook = codebook or load_codebook()
    params = params or defaults(IngestParams)
    path = Path(path)
    try:
        name = path.relative_to(wave_dir).as_posix() if wave_dir is not None else path.name
    except ValueError:  # a file outside the wave folder: named as given
        name = path.as_posix()
    return ingest_workbook(read_workbook(path, name, params), codebook, params)


def ingest_workbook(wb: Workbook, codebook: Codebook | None = None, params: IngestParams | None = None) -> FileResult:
    """Response records and report entry of an opened workbook (see :func:`ingest_file`)."""
    codebook = codebook or load_codebook()
    params = params or defaults(IngestParams)
    name = wb.file
    matcher = matcher_for(codebook, params.fuzzy_threshold)
    reader = _reader_for(codebook, params.fuzzy_threshold)
    fmt = wb.format
    if wb.problem is not None:
        return FileResult([], _report_entry(name, "rejected", "", fmt, "", None, 0, {}, [], [wb.problem]), [wb.problem])
    plans = plan_sheets(wb, matcher, params.max_header_scan_rows)
    plan = plans[0] if plans else None
    broken = [s.name for s in wb.sheets if s.problem]
    too_large = [s for s in wb.sheets if s.refused]
    if plan is None and too_large:
        problem = Issue("sheet_too_large", f"Le classeur {name}, feuille « {too_large[0].name} » : {too_large[0].refused}",
                        name, too_large[0].name, severity="error")
        return FileResult([], _report_entry(name, "rejected", "", fmt, "", None, 0, {}, [], [problem]), [problem])
    if plan is None and broken and len(broken) == len(wb.sheets):
        problem = Issue(
            "corrupt_file",
            f"Le classeur est abîmé : aucune feuille lisible ({', '.join(broken)}). Demandez à la collectivité de le renvoyer.",
            name, severity="error",
        )
        return FileResult([], _report_entry(name, "rejected", "", fmt, "", None, 0, {}, [], [problem]), [problem])
    hidden = [s.name for s in wb.sheets if s.hidden and plan_sheet(s, matcher, params.max_header_scan_rows)] if plan is None else []
    if hidden:
        problem = Issue(
            "hidden_answer_sheet",
            f"Les seules réponses reconnues sont dans la feuille masquée « {hidden[0]} », qui n'est jamais lue : "
            "affichez-la dans Excel (clic droit sur un onglet > Afficher) ou recopiez les réponses dans la feuille visible.",
            name, hidden[0], severity="error",
        )
        return FileResult([], _report_entry(name, "rejected", "", fmt, "", None, 0, {}, [], [problem]), [problem])
    if plan is None:
        problem = Issue(
            "unrecognised_layout",
            "Aucune feuille ne ressemble au questionnaire ACTER (aucun en-tête reconnu) : vérifiez qu'il "
            "s'agit bien d'un fichier de réponses, ou utilisez le modèle « acter template ».",
            name, severity="error",
        )
        return FileResult([], _report_entry(name, "rejected", "", fmt, "", None, 0, {}, [], [problem]), [problem])
    sheet = plan.sheet.name
    issues: list[Issue] = list(wb.notes)
    issues.extend(_read_cell_marks(wb, plan, name))
    for r, c, length in plan.sheet.truncated:
        issues.append(Issue(
            "cell_truncated",
            f"La cellule {cell_ref(r, c)} du fichier {name} contient {french_number(length)} caractères, au-delà de la limite de "
            f"{french_number(params.max_cell_chars)} (ingest.max_cell_chars) : seul le début a été lu.",
            name, sheet, cell_ref(r, c), "", "", "error",
        ))
    for other in plans[1:]:
        if other.score >= max(_MIN_MATCHES, 0.5 * plan.score) and _has_answers(other):
            issues.append(Issue(
                "other_sheet_ignored",
                f"La feuille « {other.sheet.name} » contient aussi des réponses au questionnaire mais seule la "
                f"feuille « {sheet} » a été lue : placez toutes les réponses sur une seule feuille, ou envoyez un fichier par feuille.",
                name, other.sheet.name, "", "", "", "warning",
            ))
    resolution = resolve_columns(plan.matches)
    for target, cols in resolution.conflicts:
        refs = [plan.header_cell[c] for c in cols]
        texts = [plan.header_text[c] for c in cols]
        what = "colonnes" if plan.orientation == "horizontal" else "lignes"
        message = (
            f"{len(cols)} {what} correspondent à la même question {target.column} : "
            + ", ".join(f"« {t} » ({r})" for t, r in zip(texts, refs))
            + ". Aucune n'a été retenue : supprimez ou renommez celle qui est en trop."
        )
        for c in cols:
            issues.append(Issue("duplicate_column", message, name, sheet, plan.header_cell[c], target.column, plan.header_text[c], "error"))
    for c, (m, winner) in resolution.beaten.items():
        if m.method == "tool":
            continue
        issues.append(Issue(
            "ignored_column",
            f"« {plan.header_text[c]} » ({plan.header_cell[c]}) ressemble à la question {m.target.column}, déjà lue "
            f"dans « {plan.header_text[winner]} » ({plan.header_cell[winner]}) : ignorée.",
            name, sheet, plan.header_cell[c], m.target.column, plan.header_text[c], "warning",
        ))
    kept = resolution.kept
    mapped = {plan.header_text[c]: m.target.column for c, m in kept.items()}
    unmapped = [plan.header_text[c] for c in plan.matches if c not in kept]
    for c, text in sorted(plan.unmatched.items()):
        unmapped.append(text)
        if not matcher.is_tool_column(text):
            issues.append(Issue(
                "unmapped_column",
                f"En-tête « {text} » non reconnu : cette colonne n'est pas lue. Renommez-la avec le code de la question (ex. A02) si elle doit l'être.",
                name, sheet, plan.header_cell[c], "", text, "warning",
            ))
    layout = _layout(plan, codebook)
    records: list[dict[str, object]] = []
    if plan.orientation == "horizontal":
        header_row = plan.header_rows[-1] + 1
        rows = plan.sheet.rows
        columns = codebook.columns
        for r in range(plan.header_rows[-1] + 1, len(rows)):
            row = rows[r]
            nonblank = [c for c, v in enumerate(row) if not _blank(v)]
            if not nonblank:
                continue
            first = row[nonblank[0]]
            if first.__class__ is str and (norm(first) in _TOTAL_ROWS or norm(first).startswith("exemple")):
                what = "d'exemple" if norm(first).startswith("exemple") else "de total"
                issues.append(Issue(
                    "skipped_row", f"Ligne {r + 1} « {first.strip()[:60]} » lue comme une ligne {what} : ignorée.",
                    name, sheet, cell_ref(r, nonblank[0]), "", first.strip()[:200], "warning",
                ))
                continue
            width = len(row)
            answers = [_Answer(m, row[c] if c < width else None, cell_ref(r, c)) for c, m in kept.items()]
            rng = f"{cell_ref(r, nonblank[0])}:{cell_ref(r, nonblank[-1])}"
            rid = f"{name}!{sheet}!{r + 1}"
            rec, rec_issues = _record(answers, codebook, reader, name, sheet, rid, r + 1, rng, layout)
            if not any(k in rec for k in columns):
                rec_issues.append(Issue(
                    "empty_response",
                    f"Ligne {r + 1} sans aucune réponse lisible (réponse incomplète ?) : gardée, à vérifier.",
                    name, sheet, rng, "", "", "warning",
                ))
            records.append(rec)
            issues.extend(rec_issues)
    else:
        header_row = None
        rows = plan.sheet.rows
        for col in plan.answer_cols:
            answers = [_Answer(m, rows[r][col] if col < len(rows[r]) else None, cell_ref(r, col)) for r, m in kept.items()]
            rng = f"{cell_ref(min(kept), col)}:{cell_ref(max(kept), col)}" if kept else ""
            if any(not _blank(a.value) for a in answers):
                rid = f"{name}!{sheet}!{rng}"
                rec, rec_issues = _record(answers, codebook, reader, name, sheet, rid, None, rng, layout)
                records.append(rec)
                issues.extend(rec_issues)
    if not records:
        issues.append(Issue(
            "no_responses", "Le questionnaire a été reconnu mais ne contient aucune réponse.", name, sheet, severity="error",
        ))
        status = "rejected"
    else:
        status = "partial" if any(i.severity == "error" for i in issues) else "ingested"
    entry = _report_entry(name, status, layout, fmt, sheet, header_row, len(records), mapped, unmapped, issues)
    return FileResult(records, entry, issues)


def _read_cell_marks(wb: Workbook, plan: SheetPlan, name: str) -> list[Issue]:
    """Put back the Excel error values (#DIV/0!) calamine reads as empty, so they are reported;
    report formulas without a saved value and hidden rows of answers."""
    marks = xlsx_cell_marks(wb, plan.sheet.name)
    rows = plan.sheet.rows
    for (r, c), error in marks.errors.items():
        if r < len(rows) and c < len(rows[r]) and is_blank(rows[r][c]):
            rows[r][c] = error
    sheet = plan.sheet.name
    read = set(plan.matches) if plan.orientation == "horizontal" else {plan.answer_col, *plan.answer_cols}
    issues: list[Issue] = []
    first = plan.header_rows[-1] + 1 if plan.orientation == "horizontal" else 0
    for r, c in sorted(marks.formulas):
        if r >= first and c in read and (plan.orientation == "horizontal" or r in plan.matches):
            issues.append(Issue(
                "formula_without_value",
                f"La cellule {cell_ref(r, c)} contient une formule jamais calculée (fichier produit par un programme, pas "
                "enregistré par Excel) : valeur considérée comme manquante. Ouvrez le fichier dans Excel ou LibreOffice "
                "et enregistrez-le avant de le renvoyer.",
                name, sheet, cell_ref(r, c), "", "", "warning",
            ))
    if plan.orientation == "horizontal":
        for r in sorted(x for x in marks.hidden_rows if x >= first and x < len(rows) and any(not _blank(v) for v in rows[x])):
            issues.append(Issue(
                "hidden_row",
                f"La ligne {r + 1} est masquée dans Excel : ses réponses ont été lues comme les autres. Supprimez-la "
                "si elle ne doit pas compter.",
                name, sheet, f"A{r + 1}", "", "", "warning",
            ))
    return issues


def _record(answers, codebook, reader, name, sheet, rid, source_row, rng, layout):
    values, cells, issues = convert_answers(answers, codebook, reader, name, sheet)
    rec: dict[str, object] = {"response_id": rid}
    rec.update(values)
    rec.update({
        "source_file": name,
        "source_sheet": sheet,
        "source_row": source_row,
        "source_range": rng,
        "source_cells": json.dumps(cells, ensure_ascii=False, sort_keys=False),
        "layout": layout,
    })
    return rec, issues


_READERS: dict[tuple[int, float], ValueReader] = {}


def _reader_for(codebook: Codebook, fuzzy_threshold: float) -> ValueReader:
    key = (id(codebook), float(fuzzy_threshold))
    reader = _READERS.get(key)
    if reader is None or reader.codebook is not codebook:
        reader = ValueReader(codebook, float(fuzzy_threshold))
        _READERS[key] = reader
    return reader


# ---------------------------------------------------------------------------------------------
# Wave
# ---------------------------------------------------------------------------------------------
def list_wave_files(wave_dir: str | Path) -> list[Path]:
    """Files of a wave, sorted; hidden files, Office lock files (~$) and DVC files skipped."""
    wave = Path(wave_dir)
    out = []
    for p in wave.rglob("*"):
        rel = p.relative_to(wave)
        if not p.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if p.name.startswith("~$") or p.suffix.lower() in (".dvc", ".gitignore"):
            continue
        out.append(p)
    return sorted(out, key=lambda p: p.relative_to(wave).as_posix())


def responses_frame(records: list[dict[str, object]], codebook: Codebook) -> pd.DataFrame:
    """Typed responses table: response_id, codebook columns in order, provenance."""
    data: dict[str, object] = {"response_id": pd.array([r["response_id"] for r in records], dtype="string")}
    for q in codebook:
        for col in q.columns:
            vals = [r.get(col) for r in records]
            if q.type == "multi":
                data[col] = pd.array(vals, dtype="boolean")
            elif q.type == "number":
                data[col] = np.array([np.nan if v is None else float(v) for v in vals], dtype="float64")
            else:
                data[col] = pd.array(vals, dtype="string")
    for col in PROVENANCE:
        vals = [r.get(col) for r in records]
        data[col] = pd.array(vals, dtype="Int64" if col == "source_row" else "string")
    return pd.DataFrame(data)


def ingest_wave(wave_dir: str | Path, codebook: Codebook | None = None, params: IngestParams | None = None,
                progress: bool = False) -> tuple[pd.DataFrame, dict[str, object]]:
    """Ingest every file of a wave folder: (responses table, ingest report).

    With ``params.max_seconds_per_file`` > 0, files are read one at a time by a worker process:
    a file that takes longer, or that crashes the reader, is rejected and the worker replaced;
    the rest of the wave goes on.
    """
    codebook = codebook or load_codebook()
    params = params or defaults(IngestParams)
    wave = Path(wave_dir)
    files = list_wave_files(wave)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(files), desc="ingest", unit="fichier", file=sys.stderr)
    if params.max_seconds_per_file > 0 and files:
        results: Iterable[FileResult] = _WorkerPool(codebook, params, min(max(1, params.workers), len(files))).run(files, wave)
    else:
        results = (_ingest_guarded(path, wave, codebook, params) for path in files)
    records: list[dict[str, object]] = []
    entries: list[dict[str, object]] = []
    for result in results:
        records.extend(result.records)
        entries.append(result.report)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    frame = responses_frame(records, codebook)
    return frame, build_report(wave.as_posix(), entries)


def _ingest_guarded(path: Path, wave: Path, codebook: Codebook, params: IngestParams) -> FileResult:
    try:
        return ingest_file(path, wave, codebook, params)
    except Exception as exc:  # a bug on one odd file must not cost the wave: report it as data
        return _internal_error(path.relative_to(wave).as_posix(), exc)


def _worker_loop(conn, codebook: Codebook, params: IngestParams) -> None:  # noqa: ANN001 (a Connection)
    """Child process: ingest the files sent through ``conn`` until None arrives."""
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        path, wave = job
        conn.send(_ingest_guarded(Path(path), Path(wave), codebook, params))


class _FileWorker:
    """One child process reading files in turn; killed and replaced when a file overruns or crashes it."""

    def __init__(self, codebook: Codebook, params: IngestParams) -> None:
        methods = multiprocessing.get_all_start_methods()
        self._ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._codebook = codebook
        self._params = params
        # built once here: a forked worker (and its replacements) inherits them
        matcher_for(codebook, params.fuzzy_threshold)
        _reader_for(codebook, params.fuzzy_threshold)
        self._proc = None
        self._conn = None

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_loop, args=(child, self._codebook, self._params), daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent

    def submit(self, path: Path, wave: Path) -> None:
        """Send one file to read; the worker process is started (again) when needed."""
        if self._proc is None:
            self._start()
        try:
            self._conn.send((str(path), str(wave)))
        except (OSError, BrokenPipeError):
            pass  # collect() finds the pipe broken and reports a crash

    @property
    def connection(self):  # noqa: ANN201 (a multiprocessing Connection)
        return self._conn

    def collect(self, name: str) -> FileResult:
        """The result of the file sent last, or a rejection when the worker died reading it."""
        try:
            return self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._stop(kill=True)
            return _rejected(name, "reader_crash",
                             f"La lecture du fichier {name} a fait échouer le lecteur de tableurs (mémoire épuisée ou "
                             "fichier piégé) : fichier abandonné, les autres fichiers de la vague sont lus. "
                             "Demandez à la collectivité de réenregistrer le fichier.")

    def abandon(self, name: str) -> FileResult:
        """Kill the worker stuck on ``name`` and reject that file for overrunning the time limit."""
        self._stop(kill=True)
        limit = self._params.max_seconds_per_file
        return _rejected(name, "time_limit",
                         f"La lecture du fichier {name} a dépassé la limite de {french_number(limit, 0 if float(limit).is_integer() else 1)} s "
                         "par fichier (ingest.max_seconds_per_file) : fichier abandonné, les autres fichiers de la vague "
                         "sont lus. Demandez un fichier plus léger (seulement les réponses).")

    def _stop(self, kill: bool) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is None:
            return
        if kill:
            proc.kill()
        else:
            try:
                conn.send(None)
            except (OSError, BrokenPipeError):
                proc.kill()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
            proc.join()
        conn.close()

    def close(self) -> None:
        self._stop(kill=False)


class _WorkerPool:
    """A few ``_FileWorker`` reading files side by side; results come back in file order.

    Each file has ``max_seconds_per_file`` from the moment its worker starts on it; a file that
    overruns or crashes its worker is rejected and that worker replaced.
    """

    def __init__(self, codebook: Codebook, params: IngestParams, n: int) -> None:
        self._workers = [_FileWorker(codebook, params) for _ in range(n)]
        self._limit = params.max_seconds_per_file

    def run(self, files: list[Path], wave: Path) -> Iterable[FileResult]:
        done: dict[int, FileResult] = {}
        busy: dict[int, tuple[int, float]] = {}  # worker index -> (file index, deadline)
        todo = iter(enumerate(files))
        next_out = 0
        try:
            while next_out < len(files):
                for w, worker in enumerate(self._workers):
                    if w not in busy:
                        job = next(todo, None)
                        if job is not None:
                            worker.submit(job[1], wave)
                            busy[w] = (job[0], time.monotonic() + self._limit)
                if busy:
                    timeout = max(0.0, min(deadline for _, deadline in busy.values()) - time.monotonic())
                    ready = set(wait([self._workers[w].connection for w in busy], timeout))
                    now = time.monotonic()
                    for w, (i, deadline) in list(busy.items()):
                        name = files[i].relative_to(wave).as_posix()
                        if self._workers[w].connection in ready:
                            done[i] = self._workers[w].collect(name)
                        elif now >= deadline:
                            done[i] = self._workers[w].abandon(name)
                        else:
                            continue
                        del busy[w]
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
        finally:
            for worker in self._workers:
                worker.close()


def _rejected(name: str, code: str, message: str) -> FileResult:
    problem = Issue(code, message, name, severity="error")
    fmt = Path(name).suffix.lower().lstrip(".")
    return FileResult([], _report_entry(name, "rejected", "", fmt, "", None, 0, {}, [], [problem]), [problem])


def _internal_error(name: str, exc: Exception) -> FileResult:
    print(f"ingest: internal error on {name}:\n{traceback.format_exc()}", file=sys.stderr)
    return _rejected(
        name, "internal_error",
        f"Le fichier n'a pas pu être lu à cause d'une erreur du programme ({type(exc).__name__}) : "
        "signalez-le à l'équipe ACTER avec ce fichier.",
    )


def build_report(wave: str, entries: list[dict[str, object]]) -> dict[str, object]:
    """The ingest report: one entry per file plus totals."""
    totals: dict[str, object] = {"files": len(entries)}
    for status in STATUSES:
        totals[status] = sum(1 for e in entries if e["status"] == status)
    totals["rows_read"] = sum(int(e["rows_read"]) for e in entries)
    problems = [p for e in entries for p in e["problems"]]
    totals["problems"] = len(problems)
    for sev in ("error", "warning", "info"):
        totals[f"problems_{sev}"] = sum(1 for p in problems if p["severity"] == sev)
    return {"wave": wave, "files": entries, "totals": totals}


def summary_fr(report: dict[str, object]) -> str:
    """Short French summary of an ingest report."""
    t = report["totals"]
    return (
        f"Ingestion de {t['files']} fichier(s) : {t['ingested']} intégré(s), {t['partial']} partiel(s), "
        f"{t['rejected']} rejeté(s) ; {t['rows_read']} réponse(s) lue(s) ; "
        f"{t['problems_error']} erreur(s), {t['problems_warning']} avertissement(s)."
    )


def write_outputs(frame: pd.DataFrame, report: dict[str, object], out_dir: str | Path) -> None:
    """Write responses.parquet and ingest_report.json (deterministic)."""
    out = Path(out_dir)
    atomic_write_parquet(frame, out / "responses.parquet")
    atomic_write_text(out / "ingest_report.json", json.dumps(report, ensure_ascii=False, indent=2) + "\n")
