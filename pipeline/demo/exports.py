"""Render demo answers as exports of online survey tools (LimeSurvey, KoboToolbox, Google Forms,
Sphinx), one row per respondent, and the unreadable files of the wave."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import numpy as np

from pipeline.common.cells import cell_ref
from pipeline.demo.files import SheetGrid, csv_bytes, ods_bytes, xlsx_bytes
from pipeline.demo.mistakes import Recorder, flag_cells
from pipeline.demo.submissions import Mistake, Placement, Rendered, Submission
from pipeline.demo.values import native_value, timestamp
from pipeline.domain.codebook import Codebook, Question

_KOBO_GROUPS = {"A": "A_identification", "B": "B_actions", "C": "C_moyens_financiers", "D": "D_moyens_humains",
                "E": "E_partenariats", "F": "F_freins_perspectives"}
# The tools stamp each submission themselves: the date of answer (A14) is not a question there.
_STAMPED = "A14"
# (header, key, question or None); key is a code, a <code>__<slug> column or a tool's own field
Columns = list[tuple[str, str, object]]
# (recorder, respondent number from 1, submission, cell of each key) -> key -> value
RowFn = Callable[[Recorder, int, Submission, dict[str, str]], dict[str, object]]
# (question, true answer) -> key -> value of the question's cells
WriteFn = Callable[[Question, object], dict[str, object]]


def _asked(cb: Codebook) -> list[Question]:
    return [q for q in cb if q.code != _STAMPED]


def _export_rows(subs: list[Submission], file: str, sheet: str, cb: Codebook, rng: np.random.Generator,
                 columns: Columns, row_fn: RowFn) -> tuple[list[list[object]], list[Placement], list[Mistake]]:
    """Header + one row per submission (respondent n on grid row n, 0-based, under the header)."""
    rows: list[list[object]] = [[h for h, _, _ in columns]]
    placements, mistakes = [], []
    for n, sub in enumerate(subs, start=1):
        rec = Recorder(sub, file, sheet, cb, rng)
        values = row_fn(rec, n, sub, {key: cell_ref(n, c) for c, (_, key, _) in enumerate(columns)})
        rows.append([values.get(key) for _, key, _ in columns])
        placements.append(Placement(sub, sheet, n + 1, rec.truth))
        mistakes.extend(rec.mistakes)
    return rows, placements, mistakes


def _answers(rec: Recorder, sub: Submission, cb: Codebook, where: dict[str, str], write: WriteFn) -> dict[str, object]:
    """Each asked question's cells as ``write`` gives them; flagged inconsistencies recorded where they show."""
    out: dict[str, object] = {}
    for q in _asked(cb):
        cells = write(q, sub.answers[q.code])
        out.update(cells)
        flag_cells(rec, q, {key: (where[key], value) for key, value in cells.items()})
    return out


def render_limesurvey(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                      rng: np.random.Generator, *, labels: bool) -> Rendered:
    """LimeSurvey export: codes (A02, B03[SQ001]) or full labels, Y / empty for multi-select."""
    sheet = "" if fmt.startswith("csv") else "results"
    columns: Columns = [("id", "_id", None), ("submitdate", "_submit", None), ("lastpage", "_lastpage", None),
                        ("startlanguage", "_lang", None), ("seed", "_seed", None)]
    for q in _asked(cb):
        if q.type == "multi":
            for i, m in enumerate(q.modalities, start=1):
                head = f"{q.label} [{m.label}]" if labels else f"{q.code}[SQ{i:03d}]"
                columns.append((head, f"{q.code}__{m.slug}", q))
        else:
            columns.append((q.label if labels else q.code, q.code, q))
    text = fmt.startswith("csv")

    def write(q: Question, v: object) -> dict[str, object]:
        if q.type == "multi":
            return {f"{q.code}__{m.slug}": "Y" if v is not None and m.slug in v else None  # type: ignore[operator]
                    for m in q.modalities}
        return {q.code: native_value(q, v, number="text" if text else "native")}

    def row(rec: Recorder, n: int, sub: Submission, where: dict[str, str]) -> dict[str, object]:
        stamp = timestamp(rng, sub.answers[_STAMPED])  # type: ignore[arg-type]
        return {"_id": n, "_submit": stamp.strftime("%Y-%m-%d %H:%M:%S"), "_lastpage": 6, "_lang": "fr",
                "_seed": int(rng.integers(10**8, 10**9)), **_answers(rec, sub, cb, where, write)}

    rows, placements, mistakes = _export_rows(subs, file, sheet, cb, rng, columns, row)
    if text:
        data = csv_bytes(rows, sep=",", encoding="utf-8", bom=fmt == "csv_utf8_bom", quote_all=True)
    else:
        data = xlsx_bytes([SheetGrid(sheet, rows, bold=(0,))], year, "LimeSurvey")
    return Rendered(data, placements, mistakes)


def render_kobo(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                rng: np.random.Generator) -> Rendered:
    """KoboToolbox CSV: group paths, slugs, multi-select as one cell of slugs and 0/1 columns."""
    columns: Columns = [("start", "_start", None), ("end", "_end", None)]
    for q in _asked(cb):
        path = f"{_KOBO_GROUPS[q.section]}/{q.code}"
        columns.append((path, q.code, q))
        if q.type == "multi":
            columns.extend((f"{path}/{m.slug}", f"{q.code}__{m.slug}", q) for m in q.modalities)
    columns += [("_id", "_id", None), ("_uuid", "_uuid", None), ("_submission_time", "_time", None),
                ("_validation_status", "_status", None), ("_index", "_index", None)]

    def write(q: Question, v: object) -> dict[str, object]:
        if q.type != "multi":
            return {q.code: native_value(q, v, single="slug", number="text")}
        return {q.code: None if v is None else " ".join(v),  # type: ignore[arg-type]
                **{f"{q.code}__{m.slug}": None if v is None else ("1" if m.slug in v else "0")  # type: ignore[operator]
                   for m in q.modalities}}

    def row(rec: Recorder, n: int, sub: Submission, where: dict[str, str]) -> dict[str, object]:
        stamp = timestamp(rng, sub.answers[_STAMPED])  # type: ignore[arg-type]
        started = stamp - dt.timedelta(minutes=int(rng.integers(8, 45)))
        return {
            "_start": started.strftime("%Y-%m-%dT%H:%M:%S.000+01:00"), "_end": stamp.strftime("%Y-%m-%dT%H:%M:%S.000+01:00"),
            "_id": 180_000_000 + int(rng.integers(10**6)), "_uuid": str(uuid.UUID(bytes=rng.bytes(16), version=4)),
            "_time": stamp.strftime("%Y-%m-%dT%H:%M:%S"), "_status": "", "_index": n,
            **_answers(rec, sub, cb, where, write),
        }

    rows, placements, mistakes = _export_rows(subs, file, "", cb, rng, columns, row)
    return Rendered(csv_bytes(rows, sep=";", encoding="utf-8", bom=True), placements, mistakes)


def render_forms(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                 rng: np.random.Generator, *, sep: str, stamp_header: str, sheet_name: str) -> Rendered:
    """Google Forms / Sphinx export: full labels, a timestamp, multi-select in one cell."""
    sheet = "" if fmt.startswith("csv") else sheet_name
    columns: Columns = [(stamp_header, "_time", None)] + [(q.label, q.code, q) for q in _asked(cb)]
    text = fmt.startswith("csv")

    def row(rec: Recorder, n: int, sub: Submission, where: dict[str, str]) -> dict[str, object]:
        stamp = timestamp(rng, sub.answers[_STAMPED])  # type: ignore[arg-type]

        def write(q: Question, v: object) -> dict[str, object]:
            if q.type == "multi":
                return {q.code: None if v is None else sep.join(q.modality(s).label for s in v)}  # type: ignore[union-attr]
            return {q.code: rec.value(q, where[q.code], native_value(q, v, number="text" if text else "native"))}

        return {"_time": stamp.strftime("%d/%m/%Y %H:%M:%S") if text else stamp, **_answers(rec, sub, cb, where, write)}

    rows, placements, mistakes = _export_rows(subs, file, sheet, cb, rng, columns, row)
    if fmt == "csv_cp1252":
        data = csv_bytes(rows, sep=",", encoding="cp1252", bom=False)
    elif fmt.startswith("csv"):
        data = csv_bytes(rows, sep=",", encoding="utf-8", bom=fmt == "csv_utf8_bom")
    elif fmt == "ods":
        data = ods_bytes([SheetGrid(sheet, rows)])
    else:
        data = xlsx_bytes([SheetGrid(sheet, rows, bold=(0,))], year, "Sphinx")
    return Rendered(data, placements, mistakes)


# --- unreadable files ---------------------------------------------------------------------------


def broken_bytes(kind: str, good_xlsx: bytes) -> bytes:
    """A file nobody can read: a cut .xlsx, an HTML page saved as .xls, an empty .csv."""
    if kind == "truncated_xlsx":
        return good_xlsx[: len(good_xlsx) // 3]
    if kind == "html_xls":
        return ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Session expirée</title>"
                "</head><body><h1>Votre session a expiré</h1><p>Merci de vous reconnecter à l'espace de dépôt "
                "pour télécharger le fichier.</p></body></html>\n").encode("utf-8")
    return b""


# --- LimeSurvey with answer codes ---------------------------------------------------------------
_YES_NO = ("C02", "E03")  # LimeSurvey's Yes/No question type: Y / N, not answer options


def answer_codes(cb: Codebook, rng: np.random.Generator, *, reordered: bool) -> dict[str, dict[str, str]]:
    """The answer code of each option of each list question, by question and slug.

    LimeSurvey numbers options as they were entered: A1, A2… (the questionnaire's order, its
    convention); a network that entered some lists in another order, with LimeSurvey 5's
    AO01, AO02…, needs its codes sheet to be read (``reordered``).
    """
    out: dict[str, dict[str, str]] = {}
    for q in cb:
        if q.type != "single" or q.code in _YES_NO or q.code == _STAMPED:
            continue
        slugs = [m.slug for m in q.modalities]
        order = slugs
        if reordered and len(slugs) <= 12 and rng.random() < 0.5:
            order = [slugs[i] for i in rng.permutation(len(slugs)).tolist()]
        width = 3 if len(slugs) >= 100 else 2
        out[q.code] = {s: (f"AO{k:0{width}d}" if reordered else f"A{k}") for k, s in enumerate(order, start=1)}
    return out


def render_limesurvey_codes(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                            rng: np.random.Generator) -> Rendered:
    """LimeSurvey export with answer codes: list questions as codes (A1…, or AO01… with a
    « Codes » sheet defining them in an .xlsx), Yes/No questions as Y / N, multi-select as Y /
    empty; now and then a code the survey does not define (reported by ingest, value empty)."""
    sheet_codes = fmt == "xlsx"
    sheet = "results" if sheet_codes else ""
    codes = answer_codes(cb, rng, reordered=sheet_codes)
    columns: Columns = [("id", "_id", None), ("submitdate", "_submit", None), ("lastpage", "_lastpage", None),
                        ("startlanguage", "_lang", None)]
    for q in _asked(cb):
        if q.type == "multi":
            columns += [(f"{q.code}[SQ{i:03d}]", f"{q.code}__{m.slug}", q) for i, m in enumerate(q.modalities, start=1)]
        else:
            columns.append((q.code, q.code, q))
    bad_row = int(rng.integers(len(subs))) if rng.random() < 0.6 else -1

    def row(rec: Recorder, n: int, sub: Submission, where: dict[str, str]) -> dict[str, object]:
        stamp = timestamp(rng, sub.answers[_STAMPED])  # type: ignore[arg-type]
        wrong = ""
        if n - 1 == bad_row:
            # on a question of sections B to F (the identification is what the analyst checks first)
            asked = [c for c in codes if sub.answers.get(c) is not None and not c.startswith("A") and c != "B04"]
            wrong = asked[int(rng.integers(len(asked)))] if asked else ""

        def write(q: Question, v: object) -> dict[str, object]:
            if q.type == "multi":
                return {f"{q.code}__{m.slug}": "Y" if v is not None and m.slug in v else None  # type: ignore[operator]
                        for m in q.modalities}
            if v is None:
                return {q.code: None}
            if q.code in _YES_NO:
                return {q.code: "Y" if v == "oui" else "N"}
            if q.code == wrong:
                n_options = len(q.modalities)
                raw = f"AO{n_options + 2:02d}" if sheet_codes else f"A{n_options + 2}"
                rec.truth[q.code] = None
                rec.mistakes.append(Mistake(file, sheet, where[q.code], q.code, "undecodable_code", raw, None, "reported"))
                return {q.code: raw}
            if q.code in codes:
                return {q.code: codes[q.code][str(v)]}
            return {q.code: native_value(q, v, number="native" if sheet_codes else "text")}

        return {"_id": n, "_submit": stamp.strftime("%Y-%m-%d %H:%M:%S"), "_lastpage": 6, "_lang": "fr",
                **_answers(rec, sub, cb, where, write)}

    rows, placements, mistakes = _export_rows(subs, file, sheet, cb, rng, columns, row)
    if not sheet_codes:
        return Rendered(csv_bytes(rows, sep=",", encoding="utf-8", bom=False, quote_all=True), placements, mistakes)
    table: list[list[object]] = [["Codes des réponses de l'enquête ACTER"], [],
                                 ["Code question", "Code réponse", "Libellé"]]
    for code, by_slug in codes.items():
        q = cb[code]
        for k, (slug, c) in enumerate(sorted(by_slug.items(), key=lambda kv: kv[1])):
            table.append([code if k == 0 else None, c, q.modality(slug).label])
    data = xlsx_bytes([SheetGrid(sheet, rows, bold=(0,)), SheetGrid("Codes", table, widths={2: 60})], year, "LimeSurvey")
    return Rendered(data, placements, mistakes)
