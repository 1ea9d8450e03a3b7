"""Files collectivités make themselves: their own sheet with a title block and retyped labels
(one answer row), or a vertical form (question in column A, answer in column B)."""

from __future__ import annotations

import numpy as np

from pipeline.common.cells import cell_ref
from pipeline.common.text import ascii_fold
from pipeline.demo.files import (
    NATIVE_FORMATS,
    SheetGrid,
    csv_bytes,
    ods_bytes,
    xlsx_bytes,
)
from pipeline.demo.mistakes import Recorder, flag_cells
from pipeline.demo.submissions import Mistake, Placement, Rendered, Submission
from pipeline.demo.values import native_value
from pipeline.domain.codebook import Codebook, Question


def label_variant(q: Question, rng: np.random.Generator, number: int) -> str:
    """How a collectivité retypes a question label: numbering, case, accents, synonym, line break."""
    u = rng.random()
    if u < 0.45:
        return q.label
    if u < 0.55:
        return f"Q{number}. {q.label}"
    if u < 0.63:
        return f"{q.code[0]}{int(q.code[1:])} - {q.label}"
    if u < 0.73:
        return q.label.lower()
    if u < 0.82:
        return ascii_fold(q.label).capitalize()
    typed = [s for s in q.synonyms if not s.startswith("_") and not (s.islower() and " " not in s)]
    if u < 0.92 and typed:
        return typed[int(rng.integers(len(typed)))]
    words = q.label.split(" ")
    if len(words) >= 4:
        cut = len(words) // 2
        return " ".join(words[:cut]) + "\n" + " ".join(words[cut:])
    return q.label


def _title_rows(sub: Submission, year: int, title_rows: int) -> list[list[object]]:
    rows: list[list[object]] = [
        [f"Questionnaire ACTER {year} — action internationale des collectivités"],
        [f"Collectivité : {sub.collectivite.name}"],
        ["Document transmis au réseau régional"],
    ]
    return rows[:title_rows] + [[] for _ in range(max(0, title_rows - 3))]


def _homemade_options(rng: np.random.Generator) -> dict[str, object]:
    marks = (("X", None), ("x", None), ("Oui", "Non"), ("Oui", None), ("1", "0"))
    yes, no = marks[int(rng.integers(len(marks)))]
    joiner = (" : ", " - ", " / ", " [")[int(rng.integers(4))]
    return {"yes": yes, "no": no, "joiner": joiner, "dept_code": bool(rng.random() < 0.3)}


def render_homemade_horizontal(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                               rng: np.random.Generator) -> Rendered:
    """A collectivité's own sheet: title block, retyped labels, one answer row."""
    (sub,) = subs
    opts = _homemade_options(rng)
    on_second = fmt != "csv_cp1252" and rng.random() < 0.4
    sheet = ("Questionnaire", "Feuil1", "Réponses ACTER", "Données")[int(rng.integers(4))] if fmt != "csv_cp1252" else ""
    title_rows = 3 + int(rng.random() < 0.3)
    header_row = title_rows  # 0-based rows and columns of the grid
    answer_row = header_row + 1
    native = fmt in NATIVE_FORMATS
    rec = Recorder(sub, file, sheet, cb, rng)
    headers: list[object] = []
    answers: list[object] = []
    joiner = str(opts["joiner"])  # between a question and a modality in a multi-select header
    close = "]" if joiner == " [" else ""
    for number, q in enumerate(cb, start=1):
        if q.code in sub.omitted:
            continue
        text = label_variant(q, rng, number)
        v = sub.answers[q.code]
        cells: dict[str, tuple[str, object]] = {}
        if q.type == "multi":
            for m in q.modalities:
                col = len(headers)
                head = f"{text}{joiner}{m.label}{close}"
                headers.append(head)
                rec.header(f"{q.code}__{m.slug}", cell_ref(header_row, col), head, f"{q.label}{joiner}{m.label}{close}")
                ticked = v is not None and m.slug in v  # type: ignore[operator]
                value = opts["yes"] if ticked else (opts["no"] if v is not None else None)
                answers.append(value)
                cells[f"{q.code}__{m.slug}"] = (cell_ref(answer_row, col), value)
        else:
            col = len(headers)
            headers.append(text)
            rec.header(q.code, cell_ref(header_row, col), text, q.label)
            if q.code == "A06" and opts["dept_code"] and v is not None:
                base: object = str(v).upper()
            else:
                base = native_value(q, v, number="native" if native else "text_fr", date="native" if native else "text")
            value = rec.value(q, cell_ref(answer_row, col), base)
            if (not native and q.type == "number" and isinstance(value, str) and "," in value
                    and q.code not in sub.value_mistakes):
                rec.mistakes.append(Mistake(file, sheet, cell_ref(answer_row, col), q.code, "decimal_comma", value,
                                            float(v), "corrected"))  # type: ignore[arg-type]
            answers.append(value)
            cells[q.code] = (cell_ref(answer_row, col), value)
        flag_cells(rec, q, cells)
    grid_rows = _title_rows(sub, year, title_rows) + [headers, answers]
    if fmt == "csv_cp1252":
        data = csv_bytes(grid_rows, sep=";", encoding="cp1252", bom=False)
    else:
        grids = []
        if on_second:
            grids.append(SheetGrid("Notice", [["Réponses au questionnaire ACTER"],
                                              [f"Voir la feuille « {sheet} »."]]))
        grids.append(SheetGrid(sheet, grid_rows, bold=(header_row,)))
        data = ods_bytes(grids) if fmt == "ods" else xlsx_bytes(grids, year, sub.collectivite.name)
    return Rendered(data, [Placement(sub, sheet, answer_row + 1, rec.truth)], rec.mistakes)


def render_homemade_vertical(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                             rng: np.random.Generator) -> Rendered:
    """A vertical form: question in column A, answer in column B, multi-select in one cell."""
    (sub,) = subs
    opts = _homemade_options(rng)
    sheet = ("Questionnaire", "Feuil1", "Fiche ACTER")[int(rng.integers(3))]
    rec = Recorder(sub, file, sheet, cb, rng)
    rows = _title_rows(sub, year, 3)
    if rng.random() < 0.5:
        rows.append(["Question", "Réponse"])
    section = ""
    for number, q in enumerate(cb, start=1):
        if q.section != section:
            section = q.section
            rows.append([f"{section}. {cb.sections.get(section, '')}".strip()])
        if q.code in sub.omitted:
            continue
        text = label_variant(q, rng, number)
        r = len(rows)  # 0-based: the row about to be added
        rec.header(q.code, cell_ref(r, 0), text, q.label)
        v = sub.answers[q.code]
        if q.type == "multi":
            value = None if v is None else ", ".join(q.modality(s).label for s in v)  # type: ignore[union-attr]
        elif q.code == "A06" and opts["dept_code"] and v is not None:
            value = str(v).upper()
        else:
            value = rec.value(q, cell_ref(r, 1), native_value(q, v))
        rows.append([text, value])
        flag_cells(rec, q, {q.code: (cell_ref(r, 1), value)})
    grids = [SheetGrid(sheet, rows, widths={0: 60, 1: 40})]
    if rng.random() < 0.3:
        grids.insert(0, SheetGrid("Présentation", [["Fiche de réponse ACTER"], [sub.collectivite.name]]))
    data = ods_bytes(grids) if fmt == "ods" else xlsx_bytes(grids, year, sub.collectivite.name)
    return Rendered(data, [Placement(sub, sheet, None, rec.truth)], rec.mistakes)
