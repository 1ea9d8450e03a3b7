"""Where the answers are in a sheet: its blocks, their orientation, which cells are questions.

A sheet is read two ways: horizontally (one respondent per row under one or two header rows) and
vertically (one question per row, the answers in a column to the right, or one column per
respondent); the reading matching more distinct codebook questions wins. A sheet may hold several
blocks of answers: tables one under the other, each under its own header, or forms one under the
other (:func:`plan_blocks`). A question may come with one row or column per option, its label
merged over them, a mark (X, ✓, 1, Oui) on the options chosen: option rows beside a « Choix »
column in a vertical form, option columns under a merged header in a horizontal one, abbreviated
labels included (:meth:`~pipeline.ingest.matching.HeaderMatcher.option_slug`). Which sheets are
read is decided by :mod:`pipeline.ingest.files`; :func:`layout_name` names the layout for the
report (the template, a survey tool, or a home-made file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.common.cells import cell_ref, cell_text, is_blank
from pipeline.domain.codebook import Codebook
from pipeline.ingest.matching import TIER_CODE, HeaderMatch, HeaderMatcher, Target, norm
from pipeline.ingest.readers import Sheet

LAYOUTS = ("template_horizontal", "template_vertical", "horizontal", "vertical", "limesurvey", "kobo", "forms")
MIN_MATCHES = 2  # distinct questions a block must match to be read as answers

HELP_SHEET = re.compile(
    r"instruction|aide|help|notice|consigne|lisez|readme|read me|mode d.?emploi|listes?$|param|dictionnaire|codebook",
    re.IGNORECASE,
)
_ANSWER_HEADERS = ("reponse", "votre reponse", "valeur", "answer", "saisie", "vos reponses")
_VERTICAL_SCAN_COLUMNS = 10
_VERTICAL_SCAN_ROWS = 600
# headings of help columns beside a vertical form (not respondents)
_HELP_HEADERS = ("aide", "help", "valeurs possibles", "consigne", "precision", "remarque", "format", "exemple",
                 "commentaire", "note", "explication", "modalites", "choix possibles", "source")
# headings of the column naming each option of an option-row form (not a respondent)
_OPTION_HEADERS = frozenset({"choix", "option", "options", "modalite", "reponses proposees", "propositions", "items",
                             "item", "sous question"})
# A row or column that sums up the others: totals, averages, counts (its label, folded)
SUMMARY_LABEL = re.compile(
    r"^(?:total|totaux|sous total|ensemble|moyennes?|somme|sommes|somme totale|cumul|mediane|effectifs?|synthese|"
    r"nombre (?:de |d )?(?:reponses?|repondants?|collectivites|fiches|retours)|nb (?:de )?(?:reponses?|repondants?|collectivites))\b"
)
# A column heading recalling an earlier answer (« Rappel 2024 », « Réponse 2024 (pour mémoire) »)
STALE_HEADING = re.compile(r"\b(?:rappel|pour memoire|p m|memo)\b")
_MIN_OPTION_ROWS = 3  # option labels a column must show to be the options column of a vertical form


@dataclass
class SheetPlan:
    """Where the answers of one block of a sheet are."""

    sheet: Sheet
    orientation: str  # "horizontal" | "vertical"
    score: int
    header_rows: tuple[int, ...] = ()  # 0-based rows of the header (horizontal)
    question_cols: tuple[int, ...] = ()  # 0-based question columns (vertical)
    answer_col: int = -1  # vertical: first (usually only) answer column
    answer_cols: tuple[int, ...] = ()  # vertical: one column per respondent
    option_col: int = -1  # vertical: the column naming each option of an option-row question
    matches: dict[int, HeaderMatch] = field(default_factory=dict)  # column (or row) -> match
    header_text: dict[int, str] = field(default_factory=dict)  # column (or row) -> header text
    header_cell: dict[int, str] = field(default_factory=dict)  # column (or row) -> cell ref
    unmatched: dict[int, str] = field(default_factory=dict)  # column (or row) -> header text
    first: int = 0  # horizontal: first data row; vertical: first question row (0-based)
    end: int = 0  # the row after the block (the next block starts there)
    set_aside: dict[int, tuple[str, str]] = field(default_factory=dict)  # vertical: answer column -> (why, heading) not read


def _n_targets(matches: dict[int, HeaderMatch]) -> int:
    return len({m.target.code for m in matches.values() if m.method not in ("stale", "ambiguous")})


# --- horizontal ----------------------------------------------------------------------------------
def _plan_horizontal(sheet: Sheet, matcher: HeaderMatcher, max_rows: int, start: int = 0) -> SheetPlan | None:
    rows = sheet.rows
    scan = min(len(rows), start + max_rows)
    per_row = {r: matcher.match_cells(rows[r]) for r in range(start, scan)}
    if not per_row:
        return None
    scores = {r: _n_targets(m) for r, m in per_row.items()}
    best = max(per_row, key=lambda r: (scores[r], -r))
    if scores[best] == 0:
        return None
    # a first table above the best header: an earlier header with data rows under it
    for r in range(start, best):
        if scores[r] >= max(MIN_MATCHES, 0.5 * scores[best]) and any(
                scores[d] == 0 and sum(1 for v in rows[d] if not is_blank(v)) >= 2 for d in range(r + 1, best)):
            best = r
            break
    header_rows = [best]
    matches = dict(per_row[best])
    texts = {c: cell_text(rows[best][c]) for c in matches}
    cells = {c: cell_ref(best, c) for c in matches}
    # A second header row just above or below: codes under labels, or options under a merged
    # question label (a multi-select question, or a one-choice question over 2+ option columns).
    for other in (best - 1, best + 1):
        if not start <= other < len(rows) or other in header_rows:
            continue
        upper, lower = (other, best) if other < best else (best, other)
        m_other = per_row[other] if other in per_row else matcher.match_cells(rows[other])
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
    plan = SheetPlan(
        sheet=sheet, orientation="horizontal", score=_n_targets(matches), header_rows=tuple(header_rows),
        matches=matches, header_text=texts, header_cell=cells, unmatched=unmatched, first=header_rows[-1] + 1,
        end=len(rows),
    )
    plan.end = _next_table(plan, matcher)
    return plan


def _combine_rows(
    upper: list, lower: list, m_upper: dict[int, HeaderMatch], m_lower: dict[int, HeaderMatch], matcher: HeaderMatcher
) -> dict[int, tuple[HeaderMatch, int]]:
    """Column -> (match, 0 from upper / 1 from lower); lower cells under a question label merged
    over them become that question's options."""
    out: dict[int, tuple[HeaderMatch, int]] = {}
    group: list[int] = []  # option columns of the current one-choice question
    plain: dict[int, tuple[HeaderMatch, int]] = {}  # what those columns would be without options
    current: str | None = None

    def close_group() -> None:
        # a one-choice question needs two option columns or more: a single cell under its label
        # is a value of a data row ("Commune" under "Type de collectivité"), not an option
        if len(group) == 1:
            c = group[0]
            if c in plain:
                out[c] = plain[c]
            else:
                out.pop(c, None)
        group.clear()
        plain.clear()

    n_up = len(upper)
    for c in range(max(n_up, len(lower))):
        top = upper[c] if c < n_up else None
        m_top = m_upper.get(c)
        m_bot = m_lower.get(c)
        top_blank = is_blank(top)
        if not top_blank:
            close_group()
            current = None
            if m_top is not None and not m_top.target.slug and matcher.questions[m_top.target.code].modalities:
                current = m_top.target.code
        if m_top is not None and m_bot is not None:
            better = m_bot.tier < m_top.tier or (m_bot.target.slug and not m_top.target.slug)
            out[c] = (m_bot, 1) if better else (m_top, 0)
            continue
        fallback = (m_bot, 1) if m_bot is not None else (m_top, 0) if m_top is not None else None
        if current and (top_blank or (m_top is not None and m_top.target.code == current)):
            bottom = lower[c] if c < len(lower) else None
            option = matcher.option_match(current, bottom) if bottom.__class__ is str else None
            if option is not None:
                out[c] = (option, 1)
                if matcher.questions[current].type != "multi":
                    group.append(c)
                    if fallback is not None:
                        plain[c] = fallback
                continue
        if fallback is not None:
            out[c] = fallback
    close_group()
    return out


def _next_table(plan: SheetPlan, matcher: HeaderMatcher) -> int:
    """The row where another table starts under this one (its header repeating this one's, or
    a header after a blank or title row), or the end of the sheet."""
    rows = plan.sheet.rows
    cols = [c for c, m in plan.matches.items() if m.method not in ("stale", "ambiguous")]
    texts = {c: plan.header_text[c] for c in cols}
    need = max(MIN_MATCHES, len(cols) // 2)
    after_gap = False
    for r in range(plan.first, len(rows)):
        row = rows[r]
        n = len(row)
        filled = 0
        for v in row:
            if not is_blank(v):
                filled += 1
                if filled > 1:
                    break
        if filled <= 1:
            after_gap = True
            continue
        same = sum(1 for c in cols if c < n and row[c].__class__ is str and row[c].strip() == texts[c])
        if same >= need or (after_gap and _n_targets(matcher.match_cells(row)) >= max(MIN_MATCHES, plan.score // 2)):
            return _block_start(rows, r, plan.first)
        after_gap = False
    return len(rows)


def _block_start(rows: list[list], header: int, floor: int) -> int:
    """The first of the blank or one-cell (title) rows just above a block's header."""
    r = header
    while r - 1 >= floor and sum(1 for v in rows[r - 1] if not is_blank(v)) <= 1:
        r -= 1
    return r


# --- vertical ------------------------------------------------------------------------------------
def _plan_vertical(sheet: Sheet, matcher: HeaderMatcher, start: int = 0) -> SheetPlan | None:
    all_rows = sheet.rows
    rows = all_rows[:start + _VERTICAL_SCAN_ROWS]
    if len(rows) <= start:
        return None
    ncols = min(max((len(r) for r in rows[start:]), default=0), _VERTICAL_SCAN_COLUMNS)
    per_col: dict[int, dict[int, HeaderMatch]] = {c: {} for c in range(ncols)}
    for r in range(start, len(rows)):
        for c, m in matcher.match_cells(rows[r][:ncols]).items():
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
                texts[r] = cell_text(all_rows[r][c])
                cells[r] = cell_ref(r, c)
    end = _next_form(matches, len(rows))
    for r in [r for r in matches if r >= end]:
        del matches[r], texts[r], cells[r]
    if not matches:
        return None
    rows = all_rows[:end]
    option_col = _option_column(rows, qcols, matches, matcher)
    if option_col >= 0:
        _option_rows(rows, qcols, option_col, matches, texts, cells, matcher)
    _vertical_modality_rows(rows, qcols, matches, texts, cells, matcher)
    after = max(max(qcols), option_col)
    set_aside: dict[int, tuple[str, str]] = {}
    answer_cols = _respondent_columns(rows, after, matches, set_aside) or (_answer_column(rows, after, matches),)
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
        answer_cols=answer_cols, option_col=option_col,
        matches=dict(sorted(matches.items())), header_text=texts, header_cell=cells, unmatched=unmatched,
        first=min(matches), end=end, set_aside=set_aside,
    )


def _next_form(matches: dict[int, HeaderMatch], n_rows: int) -> int:
    """Where a second form starts under the first: its first question asked again (a row
    recalling the form's first row's target), after at least MIN_MATCHES other questions."""
    ordered = sorted(matches)
    if not ordered:
        return n_rows
    first = matches[ordered[0]].target
    seen: set[str] = set()
    for r in ordered[1:]:
        m = matches[r]
        if m.method in ("stale", "ambiguous"):
            continue
        if m.target == first and len(seen) >= MIN_MATCHES:
            return _form_start(matches, r, ordered[0])
        seen.add(m.target.code)
    return n_rows


def _form_start(matches: dict[int, HeaderMatch], r: int, floor: int) -> int:
    """The row after the last question of the form above ``r`` (its title rows go with the next form)."""
    above = [x for x in matches if floor <= x < r]
    return max(above) + 1 if above else r


def _option_column(rows: list[list], qcols: tuple[int, ...], matches: dict[int, HeaderMatch],
                   matcher: HeaderMatcher) -> int:
    """The column right of the questions that names one option per row (« Choix ») beside
    questions with options, or -1."""
    width = max((len(rows[r]) for r in matches), default=0)
    best, best_hits = -1, 0
    for c in range(max(qcols) + 1, min(width, max(qcols) + 4)):
        hits = below = 0  # option labels in the column; those on the rows under a question's own row
        current: str | None = None
        for r in range(min(matches), len(rows)):
            m = matches.get(r)
            own = m is not None
            if own:
                current = m.target.code if matcher.questions[m.target.code].modalities else None
            elif any(c2 < len(rows[r]) and not is_blank(rows[r][c2]) for c2 in qcols):
                current = None
            v = rows[r][c] if c < len(rows[r]) else None
            if current and v.__class__ is str and matcher.option_slug(current, v) != ("", ()):
                hits += 1
                below += not own
        # a one-value answer column names options too (« Commune »), but never on the rows below
        if below >= _MIN_OPTION_ROWS - 1 and hits > best_hits:
            best, best_hits = c, hits
    return best if best_hits >= _MIN_OPTION_ROWS else -1


def _option_rows(rows: list[list], qcols: tuple[int, ...], option_col: int, matches: dict[int, HeaderMatch],
                 texts: dict[int, str], cells: dict[int, str], matcher: HeaderMatcher) -> None:
    """A question with its options on the rows below (its label merged over them): each row
    with an option label becomes that option (the question's own row included)."""
    current: str | None = None
    label = ""
    for r in range(min(matches), len(rows)):
        row = rows[r]
        m = matches.get(r)
        if m is not None and not m.target.slug:
            current = m.target.code if matcher.questions[m.target.code].modalities else None
            label = texts[r]
        elif m is not None or any(c < len(row) and not is_blank(row[c]) for c in qcols):
            current = None
            continue
        if current is None:
            continue
        v = row[option_col] if option_col < len(row) else None
        if v.__class__ is not str or not v.strip():
            continue
        option = matcher.option_match(current, v)
        if option is None:
            continue
        matches[r] = option
        texts[r] = f"{label} : {v.strip()}"
        cells[r] = cell_ref(r, option_col)


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


def _respondent_columns(rows: list[list], after: int, matches: dict[int, HeaderMatch],
                        set_aside: dict[int, tuple[str, str]]) -> tuple[int, ...]:
    """Several respondents side by side in a vertical form: one named column each.

    Needs a heading row just above the questions naming at least two answer columns
    (collectivités), none of which is help text; otherwise () and the single-column rule applies.
    A column headed as the options (« Choix »), a total or average, or a reminder of an earlier
    answer (« Rappel 2024 ») is no respondent: it goes to ``set_aside`` (column -> (why, heading)).
    """
    first = min(matches)
    for hr in range(first - 1, max(-1, first - 4), -1):
        row = rows[hr]
        named = [c for c in range(after + 1, len(row)) if not is_blank(row[c])]
        if not named:
            continue
        heads = {c: norm(row[c]) if row[c].__class__ is str else "" for c in named}
        if any(h.startswith(_HELP_HEADERS) for h in heads.values()):
            return ()
        kept = []
        for c in named:
            h = heads[c]
            why = ("options" if h in _OPTION_HEADERS else "summary" if SUMMARY_LABEL.match(h)
                   else "stale" if STALE_HEADING.search(h) else "")
            if why:
                if why != "options" and any(c < len(rows[r]) and not is_blank(rows[r][c]) for r in matches):
                    set_aside[c] = (why, cell_text(row[c]))
                continue
            kept.append(c)
        used = tuple(c for c in kept if any(c < len(rows[r]) and not is_blank(rows[r][c]) for r in matches))
        if len(used) >= 2:
            return used
        if set_aside and used:
            return used
        return ()
    return ()


def _answer_column(rows: list[list], after: int, matches: dict[int, HeaderMatch]) -> int:
    """The answer column of a vertical form: a column headed 'Réponse', else the first non-empty one."""
    first = min(matches) if matches else 0
    for r in range(max(0, first - 4), first + 1):
        for c, v in enumerate(rows[r]):
            if c > after and isinstance(v, str) and norm(v).startswith(_ANSWER_HEADERS):
                return c
    width = max((len(rows[r]) for r in matches), default=0)
    for c in range(after + 1, width):
        if any(c < len(rows[r]) and not is_blank(rows[r][c]) for r in matches):
            return c
    return after + 1


# --- a sheet -------------------------------------------------------------------------------------
def plan_sheet(sheet: Sheet, matcher: HeaderMatcher, max_header_scan_rows: int, start: int = 0) -> SheetPlan | None:
    """The better of the horizontal and vertical readings of a sheet from row ``start`` (None if neither fits)."""
    h = _plan_horizontal(sheet, matcher, max_header_scan_rows, start)
    v = _plan_vertical(sheet, matcher, start)
    if v is not None and (h is None or v.score > h.score):
        return v if v.score >= MIN_MATCHES else None
    return h if h is not None and h.score >= MIN_MATCHES else None


def plan_blocks(sheet: Sheet, matcher: HeaderMatcher, max_header_scan_rows: int) -> list[SheetPlan]:
    """The blocks of answers of a sheet, top to bottom (one for most sheets)."""
    plans: list[SheetPlan] = []
    start = 0
    n = len(sheet.rows)
    while start < n:
        plan = plan_sheet(sheet, matcher, max_header_scan_rows, start)
        if plan is None:
            break
        plans.append(plan)
        if plan.end <= start or plan.end >= n:
            break
        start = plan.end
    return plans


def has_answers(plan: SheetPlan) -> bool:
    """True when at least one cell under (or beside) the questions is filled."""
    rows = plan.sheet.rows
    if plan.orientation == "vertical":
        return any(col < len(rows[r]) and not is_blank(rows[r][col]) for col in plan.answer_cols for r in plan.matches)
    cols = list(plan.matches)
    for row in rows[plan.first:plan.end]:
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
