"""Files the way network officers and secretaries make them.

- a network's workbook, one sheet per collectivité named after it, each a vertical form (a
  plain one, or a secretary's form with option rows), a summary sheet first, sometimes last
  year's sheet of a collectivité left hidden (:func:`render_sheets`);
- a network's consolidation table: one row per collectivité, communes and then the other
  collectivités each in a block under its own header, multi-select questions as cross grids (a
  question merged over one column per option, abbreviated: « Attractivité éco. »), a few dates
  typed as a month or a quarter, last year's answers left in hidden rows, a hidden column
  recalling last year's population, a « rappel » date column, and total, average and count rows
  (:func:`render_consolidation`);
- a secretary's vertical form with option rows: « Question | Choix | Réponse », the question
  merged over one row per option, a mark on the options chosen (:func:`render_option_rows`);
- last year's file reused: a vertical form with a hidden « Rappel » column, or a row of answers
  with a hidden column repeating a header and a « (rappel) » date (:func:`render_reused`).

What ingest must not read (hidden or stale data, summary rows) is recorded in the manifest with
its cell and the outcome ``skipped``.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from pipeline.common.cells import cell_ref
from pipeline.demo.files import SheetGrid, ods_bytes, xlsx_bytes
from pipeline.demo.homemade import label_variant
from pipeline.demo.mistakes import Recorder, flag_cells, raw_text
from pipeline.demo.submissions import Mistake, Placement, Rendered, Submission
from pipeline.demo.values import native_value
from pipeline.domain.codebook import Codebook, Question

MARKS = ("X", "x", "✓", "1", "oui", "Oui")
# One-choice questions a secretary lists as options (more options are typed: région, département...)
_MAX_LISTED = 9
# Questions a network officer leaves out of a consolidation table (contact details stay with the network)
CONSOLIDATION_OMITS = frozenset({"A10", "A12", "A13"})
# One-choice questions a consolidation table shows as option columns (X under « Oui » or « Non »)
_GRID_SINGLES = ("C02", "E03")
_NUMBERS = ("A07", "B05", "C01", "C05", "D02")
_PERIODS = ("month_name", "month_year", "quarter")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")
_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_SMALL_WORDS = {"et", "ou", "de", "des", "du", "la", "le", "les", "l", "d", "à", "a", "au", "aux", "en"}


# --- cells ---------------------------------------------------------------------------------------
def abbreviate(label: str, rng: np.random.Generator) -> str:
    """How an officer shortens an option label in a narrow column: long words cut after a few
    letters with a dot (« Attractivité éco. »), the tail of a long label dropped."""
    words = re.sub(r"\(.*?\)", "", label).split()
    if len(" ".join(words)) <= 14:
        return " ".join(words)
    out: list[str] = []
    for i, w in enumerate(words[:4]):
        if i and w.lower().strip("'’") in _SMALL_WORDS:
            continue
        cut = 4 + int(rng.integers(0, 3))
        out.append(w[:cut].rstrip("-'’") + "." if len(w) > cut + 2 and i > 0 else w)
    return " ".join(out)


def _year_before(day: dt.date) -> dt.date:
    """The same day a year earlier (28 February for a 29th)."""
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


def _previous(q: Question, value: object, year: int) -> object:
    """Last year's answer recalled beside this year's (a date a year earlier, a rounder number)."""
    if value is None:
        return None
    if q.type == "date":
        return _year_before(value) if isinstance(value, dt.date) else value
    if q.type == "number":
        return float(round(float(value) * 0.9))  # type: ignore[arg-type]
    return native_value(q, value) if q.type != "multi" else ", ".join(q.modality(s).label for s in value)  # type: ignore[union-attr]


def _period(day: dt.date, rng: np.random.Generator) -> tuple[str, dt.date]:
    """A date typed as its month or quarter, and the day ingest assumes (the period's first)."""
    kind = _PERIODS[int(rng.integers(len(_PERIODS)))]
    if kind == "quarter":
        n = (day.month - 1) // 3 + 1
        return f"{n}{'er' if n == 1 else 'e'} trimestre {day.year}", dt.date(day.year, 3 * n - 2, 1)
    if kind == "month_year":
        return f"{day.month:02d}/{day.year}", dt.date(day.year, day.month, 1)
    return f"{_MONTHS[day.month - 1]} {day.year}", dt.date(day.year, day.month, 1)


def sheet_title(name: str, used: set[str]) -> str:
    """A sheet named after a collectivité as Excel allows it (31 characters, no []:*?/\\), unique."""
    base = _SHEET_CHARS.sub(" ", name).strip()[:31].strip()
    title, k = base, 2
    while title.lower() in used:
        title = f"{base[:27]} ({k})"
        k += 1
    used.add(title.lower())
    return title


def _listed(q: Question) -> bool:
    return q.type == "multi" or (q.type == "single" and len(q.modalities) <= _MAX_LISTED)


# --- vertical forms ------------------------------------------------------------------------------
def vertical_form(sub: Submission, file: str, sheet: str, cb: Codebook, year: int, rng: np.random.Generator, *,
                  options: bool, reminder: bool = False) -> tuple[SheetGrid, Recorder]:
    """One collectivité's vertical form: « Question | Réponse » (multi-select in one cell), or
    a secretary's « Question | Choix | Réponse » with option rows (``options``); ``reminder``
    adds last year's answers in a hidden « Rappel » column."""
    rec = Recorder(sub, file, sheet, cb, rng)
    mark = MARKS[int(rng.integers(len(MARKS)))]
    rows: list[list[object]] = [[f"Questionnaire ACTER {year}"], [f"Collectivité : {sub.collectivite.name}"], []]
    answer = 2 if options else 1
    heading: list[object] = ["Question", "Choix", "Réponse"] if options else ["Question", "Réponse"]
    if reminder:
        heading = ["Question", f"Réponse {year}", f"Rappel {year - 1}"]
    rows.append(heading)
    merged: list[tuple[int, int, int, int]] = []
    first_question = -1
    for number, q in enumerate(cb, start=1):
        if q.code in sub.omitted:
            continue
        text = label_variant(q, rng, number)
        r = len(rows)
        first_question = r if first_question < 0 else first_question
        listed = options and _listed(q) and q.code not in sub.value_mistakes
        # an option row is read as its option: a retyped question label is found in its first option's column
        rec.header(f"{q.code}__{q.modalities[0].slug}" if listed and q.type == "multi" else q.code, cell_ref(r, 0), text,
                   q.label)
        v = sub.answers[q.code]
        if listed:
            cells: dict[str, tuple[str, object]] = {}
            chosen = set(v) if q.type == "multi" and v is not None else {v} if v is not None else set()  # type: ignore[arg-type]
            for k, m in enumerate(q.modalities):
                value = mark if m.slug in chosen else None
                rows.append([text if k == 0 else None, m.label, value])
                cells[f"{q.code}__{m.slug}" if q.type == "multi" else f"{q.code}:{m.slug}"] = (cell_ref(r + k, answer), value)
            merged.append((r, 0, r + len(q.modalities) - 1, 0))
            if not chosen:
                rec.truth[q.code] = None  # nothing marked: unanswered, as ingest reads it
            if q.type == "single" and v is not None:
                cells[q.code] = cells[f"{q.code}:{v}"]
            flag_cells(rec, q, {k: c for k, c in cells.items() if ":" not in k})
            continue
        if q.type == "multi":
            value = None if not v else ", ".join(q.modality(s).label for s in v)  # type: ignore[union-attr]
            if not v:
                rec.truth[q.code] = None
        else:
            value = rec.value(q, cell_ref(r, answer), native_value(q, v))
        row: list[object] = [text, None, value] if options else [text, value]
        if reminder:
            row.append(_previous(q, sub.answers[q.code], year))
        rows.append(row)
        flag_cells(rec, q, {q.code: (cell_ref(r, answer), value)})
    grid = SheetGrid(sheet, rows, bold=(3,), widths={0: 60, 1: 40, 2: 14}, merged=tuple(merged),
                     hidden_cols=frozenset({2}) if reminder else frozenset())
    if reminder:
        rec.mistakes.append(Mistake(file, sheet, cell_ref(first_question, 2), "", "stale_column",
                                    raw_text(rows[first_question][2]), None, "skipped"))
    return grid, rec


def render_option_rows(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                       rng: np.random.Generator) -> Rendered:
    """A secretary's vertical form with option rows, one collectivité."""
    (sub,) = subs
    sheet = ("Fiche", "Questionnaire", "Feuil1")[int(rng.integers(3))]
    grid, rec = vertical_form(sub, file, sheet, cb, year, rng, options=True)
    data = ods_bytes([grid]) if fmt == "ods" else xlsx_bytes([grid], year, sub.collectivite.name)
    return Rendered(data, [Placement(sub, sheet, None, rec.truth)], rec.mistakes)


def render_sheets(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                  rng: np.random.Generator) -> Rendered:
    """A network's workbook: a summary sheet, then one sheet per collectivité (its vertical form,
    plain or with option rows); last year's sheet of one collectivité sometimes left hidden."""
    used: set[str] = {"sommaire"}
    grids = [SheetGrid("Sommaire", [[f"Réponses ACTER {year} transmises au réseau"], [],
                                    ["Onglet", "Collectivité", "Reçu le"]], widths={0: 32, 1: 48})]
    placements: list[Placement] = []
    mistakes: list[Mistake] = []
    for sub in subs:
        sheet = sheet_title(sub.collectivite.name, used)
        grid, rec = vertical_form(sub, file, sheet, cb, year, rng, options=bool(rng.random() < 0.4))
        grids[0].rows.append([sheet, sub.collectivite.name, sub.answers["A14"]])
        grids.append(grid)
        placements.append(Placement(sub, sheet, None, rec.truth))
        mistakes.extend(rec.mistakes)
    if fmt == "xlsx" and len(subs) >= 3 and rng.random() < 0.6:
        sub = subs[int(rng.integers(len(subs)))]
        sheet = sheet_title(f"{sub.collectivite.name[:24]} {year - 1}", used)
        old = {q.code: _previous(q, v, year) if q.type in ("number", "date") else v
               for q in cb for v in (sub.answers[q.code],)}
        stale = Submission(sub.collectivite, old, omitted=sub.omitted)
        grid, _ = vertical_form(stale, file, sheet, cb, year - 1, rng, options=False)
        grid.hidden = True
        grids.append(grid)
        mistakes.append(Mistake(file, sheet, "", "", "hidden_sheet", "", None, "skipped"))
    data = ods_bytes(grids) if fmt == "ods" else xlsx_bytes(grids, year, "Réseau")
    return Rendered(data, placements, mistakes)


# --- horizontal tables ---------------------------------------------------------------------------
class _Column:
    """One column of a table: a question's value, one of its options, or last year's value."""

    __slots__ = ("bottom", "kind", "q", "slug", "top")

    def __init__(self, q: Question, slug: str, top: str, bottom: str, kind: str) -> None:
        self.q, self.slug, self.top, self.bottom, self.kind = q, slug, top, bottom, kind


def _columns(cb: Codebook, omitted: frozenset[str], rng: np.random.Generator, year: int, *, grid: bool,
             hidden_dup: bool, stale_date: bool) -> list[_Column]:
    """The columns of a table: one per question, one per option of a multi-select question (under
    the question merged over them, abbreviated, when ``grid``; else « question : option »), a
    hidden copy of the population column and a « (rappel) » date beside the date if asked."""
    cols: list[_Column] = []
    for number, q in enumerate(cb, start=1):
        if q.code in omitted:
            continue
        text = label_variant(q, rng, number)
        if grid and (q.type == "multi" or q.code in _GRID_SINGLES):
            for m in q.modalities:
                cols.append(_Column(q, m.slug, text, abbreviate(m.label, rng), "option"))
            continue
        if q.type == "multi":
            for m in q.modalities:
                cols.append(_Column(q, m.slug, f"{text} : {m.label}", "", "option"))
            continue
        cols.append(_Column(q, "", text, "", "value"))
        if q.code == "A07" and hidden_dup:
            cols.append(_Column(q, "", text, "", "hidden"))
        if q.code == "A14" and stale_date:
            cols.append(_Column(q, "", f"{text} (rappel {year - 1})", "", "stale"))
    return cols


def _header(cols: list[_Column], row: int, two_rows: bool) -> tuple[list[object], list[object], list[tuple[int, int, int, int]]]:
    """The header row(s) of a table and its merged ranges (a question over its options; a
    one-column question over both rows)."""
    top: list[object] = []
    bottom: list[object] = []
    merged = []
    c = 0
    while c < len(cols):
        col = cols[c]
        if col.kind == "option" and col.bottom:
            end = c
            while end + 1 < len(cols) and cols[end + 1].kind == "option" and cols[end + 1].q is col.q:
                end += 1
            for k in range(c, end + 1):
                top.append(col.top if k == c else None)
                bottom.append(cols[k].bottom)
            merged.append((row, c, row, end))
            c = end + 1
            continue
        top.append(col.top)
        bottom.append(None)
        if two_rows:
            merged.append((row, c, row + 1, c))
        c += 1
    return top, bottom, merged


def _write_row(rec: Recorder, cols: list[_Column], r: int, mark: str, year: int, rng: np.random.Generator,
               dates: bool) -> list[object]:
    """One collectivité's row; flags and mistakes recorded on their cells."""
    sub, cb = rec.sub, rec.cb
    values: list[object] = []
    cells: dict[str, dict[str, tuple[str, object]]] = {}
    for c, col in enumerate(cols):
        q = col.q
        v = sub.answers[q.code]
        ref = cell_ref(r, c)
        if col.kind == "option":
            chosen = set(v) if q.type == "multi" and v is not None else {v} if v is not None else set()  # type: ignore[arg-type]
            value: object = mark if col.slug in chosen else None
            key = f"{q.code}__{col.slug}" if q.type == "multi" else q.code
            if q.type == "multi" or col.slug in chosen:
                cells.setdefault(q.code, {})[key] = (ref, value)
            if not chosen:
                rec.truth[q.code] = None
        elif col.kind in ("hidden", "stale"):
            value = _previous(q, v, year)
        elif q.code == "A14" and dates and v is not None and q.code not in sub.value_mistakes and rng.random() < 0.35:
            text, day = _period(v, rng)  # type: ignore[arg-type]
            rec.truth["A14"] = day
            rec.mistakes.append(Mistake(rec.file, rec.sheet, ref, "A14", "date_period", text, day.isoformat(), "corrected"))
            value = text
        elif q.type == "multi":
            value = None if not v else ", ".join(q.modality(s).label for s in v)  # type: ignore[union-attr]
            if not v:
                rec.truth[q.code] = None
            cells.setdefault(q.code, {})[q.code] = (ref, value)
        else:
            value = rec.value(q, ref, native_value(q, v))
            cells.setdefault(q.code, {})[q.code] = (ref, value)
        values.append(value)
    for q in cb:
        if q.code in cells:
            flag_cells(rec, q, cells[q.code])
    return values


def _summaries(rows: list[list[object]], members: list[int], cols: list[_Column]) -> list[tuple[str, list[object]]]:
    """Total, average and count rows of a block (numbers summed, marks and answers counted)."""
    sums: list[object] = []
    means: list[object] = []
    counts: list[object] = []
    for c, col in enumerate(cols):
        vals = [rows[r][c] for r in members if c < len(rows[r]) and rows[r][c] not in (None, "")]
        numbers = [float(v) for v in vals if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if col.kind == "value" and col.q.code in _NUMBERS and numbers:
            sums.append(round(sum(numbers), 2))
            means.append(round(sum(numbers) / len(numbers), 2))
        elif col.kind == "option":
            sums.append(len(vals) or None)
            means.append(None)
        else:
            sums.append(None)
            means.append(None)
        counts.append(len(vals) if c else None)
    return [("Total réseau", sums), ("Moyenne", means), ("Nombre de réponses", counts)]


def render_consolidation(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                         rng: np.random.Generator) -> Rendered:
    """A network officer's consolidation table (see the module's docstring)."""
    network = subs[0].collectivite.rrma
    sheet = ("Consolidation", "Réponses réseau", f"Synthèse {year}")[int(rng.integers(3))]
    mark = ("X", "x", "1")[int(rng.integers(3))]
    cols = _columns(cb, CONSOLIDATION_OMITS, rng, year, grid=True, hidden_dup=True, stale_date=True)
    groups = [("Communes", [s for s in subs if s.collectivite.type == "commune"]),
              ("Intercommunalités, départements et régions", [s for s in subs if s.collectivite.type != "commune"])]
    rows: list[list[object]] = [[f"Enquête ACTER {year} — consolidation du réseau {network}"],
                                ["Saisie par le réseau à partir des questionnaires reçus"]]
    merged: list[tuple[int, int, int, int]] = []
    hidden_rows: set[int] = set()
    placements: list[Placement] = []
    mistakes: list[Mistake] = []
    for title, members in groups:
        if not members:
            continue
        rows += [[], [title]]
        head = len(rows)
        top, bottom, ranges = _header(cols, head, two_rows=True)
        rows += [top, bottom]
        merged += ranges
        mistakes += _header_mistakes(cols, head, file, sheet)
        written: list[int] = []
        for sub in members:
            r = len(rows)
            rec = Recorder(sub, file, sheet, cb, rng)
            rows.append(_write_row(rec, cols, r, mark, year, rng, dates=True))
            written.append(r)
            placements.append(Placement(sub, sheet, r + 1, rec.truth))
            mistakes += rec.mistakes
        if rng.random() < 0.7:  # last year's answer of a member, left in a hidden row
            sub = members[int(rng.integers(len(members)))]
            old = {q.code: _previous(q, v, year) if q.type in ("number", "date") else v for q in cb
                   for v in (sub.answers[q.code],)}
            r = len(rows)
            stale = Recorder(Submission(sub.collectivite, old, omitted=sub.omitted), file, sheet, cb, rng)
            rows.append(_write_row(stale, cols, r, mark, year, rng, dates=False))
            hidden_rows.add(r)
            mistakes.append(Mistake(file, sheet, f"A{r + 1}", "", "hidden_row", raw_text(rows[r][0]), None, "skipped"))
        for label, values in _summaries(rows, written, cols):
            r = len(rows)
            rows.append([label] + values[1:])
            mistakes.append(Mistake(file, sheet, f"A{r + 1}", "", "summary_row", label, None, "skipped"))
    hidden_cols = frozenset(c for c, col in enumerate(cols) if col.kind == "hidden")
    grid = SheetGrid(sheet, rows, widths={0: 40}, hidden_rows=frozenset(hidden_rows), hidden_cols=hidden_cols,
                     merged=tuple(merged))
    return Rendered(xlsx_bytes([grid], year, network), placements, mistakes)


def _header_mistakes(cols: list[_Column], head: int, file: str, sheet: str) -> list[Mistake]:
    """What ingest must make of a table's header: retyped and abbreviated labels still read,
    the hidden copy and the « rappel » column not read."""
    out: list[Mistake] = []
    for c, col in enumerate(cols):
        q = col.q
        column = f"{q.code}__{col.slug}" if q.type == "multi" and col.slug else q.code
        if col.kind in ("hidden", "stale"):
            kind = "hidden_column" if col.kind == "hidden" else "stale_column"
            out.append(Mistake(file, sheet, cell_ref(head, c), "", kind, col.top, None, "skipped"))
            continue
        joined = col.kind == "option" and not col.bottom
        first = joined or col.kind != "option" or not c or cols[c - 1].kind != "option" or cols[c - 1].q is not q
        canonical = f"{q.label} : {q.modality(col.slug).label}" if joined else q.label
        if first and col.top != canonical:
            out.append(Mistake(file, sheet, cell_ref(head, c), column, "label_variant", col.top, column, "corrected"))
        if col.kind == "option" and col.bottom and col.bottom != q.modality(col.slug).label:
            out.append(Mistake(file, sheet, cell_ref(head + 1, c), column, "label_variant", col.bottom, column, "corrected"))
    return out


def render_reused(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                  rng: np.random.Generator) -> Rendered:
    """Last year's file filled again: a vertical form with last year's answers in a hidden
    « Rappel » column, or a row of answers with a hidden column repeating the population's
    header and a « Date de réponse (rappel) » column."""
    (sub,) = subs
    if fmt == "xlsx" and sub.layout == "horizontal":
        sheet = f"Réponses {year}"
        cols = _columns(cb, sub.omitted, rng, year, grid=False, hidden_dup=True, stale_date=True)
        rec = Recorder(sub, file, sheet, cb, rng)
        header = [col.top for col in cols]
        rows: list[list[object]] = [[f"Questionnaire ACTER {year} — {sub.collectivite.name}"], [], header]
        rows.append(_write_row(rec, cols, 3, "X", year, rng, dates=False))
        rec.mistakes += _header_mistakes(cols, 2, file, sheet)
        hidden = frozenset(c for c, col in enumerate(cols) if col.kind == "hidden")
        grid = SheetGrid(sheet, rows, bold=(2,), hidden_cols=hidden)
        return Rendered(xlsx_bytes([grid], year, sub.collectivite.name), [Placement(sub, sheet, 4, rec.truth)], rec.mistakes)
    sheet = "Questionnaire"
    grid, rec = vertical_form(sub, file, sheet, cb, year, rng, options=False, reminder=True)
    data = ods_bytes([grid]) if fmt == "ods" else xlsx_bytes([grid], year, sub.collectivite.name)
    return Rendered(data, [Placement(sub, sheet, None, rec.truth)], rec.mistakes)
