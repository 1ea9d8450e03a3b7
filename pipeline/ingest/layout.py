"""Where the answers are in a workbook: the sheet, its orientation, and which cells are questions.

A sheet is read two ways: horizontally (one respondent per row under one or two header rows) and
vertically (one question per row, the answers in a column to the right, or one column per
respondent); the reading matching more distinct codebook questions wins. Help and instruction
sheets are read only when no other sheet fits, hidden sheets never. :func:`layout_name` names the
layout for the report (the template, a survey tool, or a home-made file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.common.cells import cell_ref, cell_text, is_blank
from pipeline.domain.codebook import Codebook
from pipeline.ingest.matching import TIER_CODE, HeaderMatch, HeaderMatcher, Target, norm
from pipeline.ingest.readers import Sheet, Workbook

LAYOUTS = ("template_horizontal", "template_vertical", "horizontal", "vertical", "limesurvey", "kobo", "forms")
MIN_MATCHES = 2  # distinct questions a sheet must match to be read as answers

_HELP_SHEET = re.compile(
    r"instruction|aide|help|notice|consigne|lisez|readme|read me|mode d.?emploi|listes?$|param|dictionnaire|codebook",
    re.IGNORECASE,
)
_ANSWER_HEADERS = ("reponse", "votre reponse", "valeur", "answer", "saisie", "vos reponses")
_VERTICAL_SCAN_COLUMNS = 10
_VERTICAL_SCAN_ROWS = 600
# headings of help columns beside a vertical form (not respondents)
_HELP_HEADERS = ("aide", "help", "valeurs possibles", "consigne", "precision", "remarque", "format", "exemple",
                 "commentaire", "note", "explication", "modalites", "choix possibles", "source")


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


def _n_targets(matches: dict[int, HeaderMatch]) -> int:
    return len({m.target.code for m in matches.values()})


def _plan_horizontal(sheet: Sheet, matcher: HeaderMatcher, max_rows: int) -> SheetPlan | None:
    rows = sheet.rows
    scan = min(len(rows), max_rows)
    per_row = [matcher.match_cells(rows[r]) for r in range(scan)]
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
        m_other = per_row[other] if other < scan else matcher.match_cells(rows[other])
        m_up, m_low = (m_other, per_row[best]) if other < best else (per_row[best], m_other)
        combined = _combine_rows(rows[upper], rows[lower], m_up, m_low, matcher)
        which_other = 0 if other < best else 1
        nonblank = sum(1 for v in rows[other] if not is_blank(v))
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
            if c < len(rows[r]) and not is_blank(rows[r][c]):
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
        top_blank = is_blank(top)
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


def _plan_vertical(sheet: Sheet, matcher: HeaderMatcher) -> SheetPlan | None:
    rows = sheet.rows[:_VERTICAL_SCAN_ROWS]
    if not rows:
        return None
    ncols = min(max((len(r) for r in rows), default=0), _VERTICAL_SCAN_COLUMNS)
    per_col: dict[int, dict[int, HeaderMatch]] = {c: {} for c in range(ncols)}
    for r, row in enumerate(rows):
        for c, m in matcher.match_cells(row[:ncols]).items():
            per_col[c][r] = m
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
        if r in matches or answer_col >= len(row) or is_blank(row[answer_col]):
            continue
        label = next((row[c] for c in reversed(qcols) if c < len(row) and not is_blank(row[c])), None)
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


def _respondent_columns(rows: list[list], qcols: tuple[int, ...], matches: dict[int, HeaderMatch]) -> tuple[int, ...]:
    """Several respondents side by side in a vertical form: one named column each.

    Needs a heading row just above the questions naming at least two answer columns
    (collectivités), none of which is help text; otherwise () and the single-column rule applies.
    """
    first = min(matches)
    for hr in range(first - 1, max(-1, first - 4), -1):
        row = rows[hr]
        named = [c for c in range(max(qcols) + 1, len(row)) if not is_blank(row[c])]
        if not named:
            continue
        heads = [norm(row[c]) if row[c].__class__ is str else "" for c in named]
        if len(named) < 2 or any(h.startswith(_HELP_HEADERS) for h in heads):
            return ()
        used = tuple(c for c in named if any(c < len(rows[r]) and not is_blank(rows[r][c]) for r in matches))
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
        return v if v.score >= MIN_MATCHES else None
    return h if h is not None and h.score >= MIN_MATCHES else None


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
            return sorted(plans, key=lambda p: (has_answers(p), p.score), reverse=True)
    return []


def has_answers(plan: SheetPlan) -> bool:
    """True when at least one cell under (or beside) the questions is filled."""
    rows = plan.sheet.rows
    if plan.orientation == "vertical":
        col = plan.answer_col
        return any(col < len(rows[r]) and not is_blank(rows[r][col]) for r in plan.matches)
    cols = list(plan.matches)
    for row in rows[plan.header_rows[-1] + 1:]:
        if any(c < len(row) and not is_blank(row[c]) for c in cols):
            return True
    return False


def layout_name(plan: SheetPlan, codebook: Codebook) -> str:
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


