"""Render demo answers in the questionnaire and in home-made files, planting the mistakes people make.

Each renderer takes the submissions of one file and returns the file's bytes, where each
submission landed (sheet, row) with the values ingest should read from it, and the planted
mistakes with their cells.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

import numpy as np

from pipeline.common.text import ascii_fold
from pipeline.demo.files import (
    SheetGrid,
    cell_ref,
    csv_bytes,
    ods_bytes,
    patch_cells,
    replace_entry,
    xlsx_bytes,
)
from pipeline.demo.population import Answers, Collectivite
from pipeline.domain.codebook import Codebook, Question
from pipeline.common.atomic import workbook_bytes
from pipeline.questionnaire import (
    ANSWER_SHEET,
    FIRST_ANSWER_ROW,
    PREPARED_ROWS,
    build_template,
    horizontal_columns,
    vertical_rows,
)

LAYOUTS = ("template_horizontal", "template_vertical", "horizontal", "vertical", "limesurvey", "kobo", "forms",
           "broken")
# Mistakes planted in a cell value, with the codes they may hit.
KIND_CODES: dict[str, tuple[str, ...]] = {
    "money_format": ("C01", "C05"),
    "decimal_comma": ("D02",),
    "no_answer_token": ("B02", "B05", "C01", "C05", "D02", "D01", "D04", "A11", "A07"),
    "stray_spaces": ("C02", "E03", "A02", "D01", "D04", "F03"),
    "modality_variant": ("A02", "D01", "D03", "D04", "F03", "B01", "C04", "A11"),
    "date_text": ("A14",),
    "date_serial": ("A14",),
    "not_a_number": ("B05", "C05"),
    "siren_spaces": ("A03",),
}
VALUE_KINDS = tuple(KIND_CODES)
FLAG_KINDS = ("main_action_not_ticked", "aucun_not_exclusive", "too_many_obstacles", "bad_siren_checksum",
              "out_of_range")
# Planted inconsistencies that block the row (the clean stage quarantines it); the others are
# warnings that stay in the clean table as flags.
QUARANTINE_KINDS = ("out_of_range",)
OUT_OF_RANGE_ETP = 850.0  # "8,50" typed without its comma: above the 500 ETP ceiling
_TEXT_LAYOUTS = ("template_horizontal", "template_vertical", "horizontal", "vertical", "forms")
_NATIVE_FORMATS = ("xlsx", "xlsm", "ods")
_NO_ANSWER_TOKENS = ("NSP", "-", "?", "n/a", "#N/A", "Ne sait pas")
_NOT_NUMBERS = {"B05": "beaucoup", "C05": "variable selon les années"}
_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Submission:
    """One answer sent by one collectivité, and where and how it is written."""

    collectivite: Collectivite
    answers: Answers
    is_correction: bool = False
    layout: str = ""
    fmt: str = ""
    file: str = ""
    omitted: frozenset[str] = frozenset()  # questions a home-made file leaves out
    value_mistakes: dict[str, str] = field(default_factory=dict)  # code -> mistake kind planted in its cell
    flags: tuple[str, ...] = ()  # inconsistencies planted in the answers
    broken: str = ""  # kind of unreadable file


@dataclass(frozen=True)
class Mistake:
    file: str
    sheet: str
    cell: str
    column: str
    kind: str
    raw: str
    expected: object
    outcome: str

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "sheet": self.sheet, "cell": self.cell, "column": self.column,
                "kind": self.kind, "raw": self.raw, "expected": self.expected, "outcome": self.outcome}


@dataclass
class Placement:
    """Where one submission landed and the answers ingest should read from it."""

    sub: Submission
    sheet: str
    row: int | None
    truth: Answers


@dataclass
class Rendered:
    data: bytes
    placements: list[Placement]
    mistakes: list[Mistake]


@dataclass
class Templates:
    """The questionnaire workbooks, built once per wave and filled for each collectivité.

    Filling writes the answers straight into the answer cells of the saved workbook (the
    cells :func:`pipeline.questionnaire.template.fill_template` would write, with the template's styles),
    which is 20 times faster than loading and saving each copy with openpyxl.
    """

    horizontal: bytes
    vertical: bytes
    compilation: bytes  # the horizontal questionnaire with all its prepared rows
    sheet_entry: dict[bool, str]
    grids: dict[bool, list[SheetGrid]]

    @classmethod
    def build(cls, cb: Codebook, year: int) -> Templates:
        compilation = (workbook_bytes(build_template(cb, year=year)))
        horizontal = build_template(cb, year=year)
        # keep one prepared answer row: the collectivité answers for itself only
        horizontal[ANSWER_SHEET].delete_rows(FIRST_ANSWER_ROW + 1, PREPARED_ROWS - 1)
        vertical = build_template(cb, vertical=True, year=year)
        entries, grids = {}, {}
        for flag, wb in ((False, horizontal), (True, vertical)):
            entries[flag] = f"xl/worksheets/sheet{wb.sheetnames.index(ANSWER_SHEET) + 1}.xml"
            grids[flag] = [SheetGrid(ws.title, [list(r) for r in ws.iter_rows(values_only=True)],
                                     hidden=ws.sheet_state == "hidden") for ws in wb.worksheets]
        return cls(horizontal=(workbook_bytes(horizontal)),
                   vertical=(workbook_bytes(vertical)), compilation=compilation,
                   sheet_entry=entries, grids=grids)

    def filled_xlsx(self, vertical: bool, cells: dict[str, object], *, rows: int = 1) -> bytes:
        """The questionnaire with ``cells`` (A1 reference → value) written in the answer sheet."""
        if rows > PREPARED_ROWS:
            raise ValueError(f"the questionnaire prepares {PREPARED_ROWS} answer rows, not {rows}")
        base = self.vertical if vertical else self.horizontal if rows == 1 else self.compilation
        name = self.sheet_entry[vertical]
        with zipfile.ZipFile(io.BytesIO(base)) as archive:
            xml = archive.read(name).decode("utf-8")
        return replace_entry(base, name, patch_cells(xml, cells).encode("utf-8"))

    def filled_ods(self, vertical: bool, cells: dict[tuple[int, int], object]) -> bytes:
        """The questionnaire saved as .ods by LibreOffice, with ``cells`` ((row, col) 1-based) filled."""
        out = []
        for grid in self.grids[vertical]:
            rows = [list(r) for r in grid.rows]
            if grid.name == ANSWER_SHEET:
                for (r, c), value in cells.items():
                    while len(rows) < r:
                        rows.append([])
                    row = rows[r - 1]
                    row.extend([None] * (c - len(row)))
                    row[c - 1] = value
            out.append(SheetGrid(grid.name, rows, hidden=grid.hidden))
        return ods_bytes(out)


# --- values -------------------------------------------------------------------------------------


def number_text(x: float, french: bool) -> str:
    text = str(int(x)) if float(x).is_integer() else repr(float(x))
    return text.replace(".", ",") if french else text


def applicable(kind: str, code: str, value: object, layout: str, fmt: str) -> bool:
    """Can mistake ``kind`` be planted in ``code`` (holding ``value``) of this layout and format?"""
    if value is None or layout not in _TEXT_LAYOUTS or code not in KIND_CODES[kind]:
        return False
    if kind == "money_format":
        return isinstance(value, float) and value >= 1000 and value.is_integer()
    if kind == "decimal_comma":
        return isinstance(value, float) and not value.is_integer() and fmt in _NATIVE_FORMATS
    if kind in ("date_text", "date_serial"):
        if layout == "forms" or fmt not in _NATIVE_FORMATS:
            return False
        return kind == "date_text" or layout in ("horizontal", "vertical")
    if kind == "siren_spaces":
        return layout in ("horizontal", "vertical", "forms")
    return True


def _plant(kind: str, q: Question, value: object, rng: np.random.Generator) -> tuple[object, object, str]:
    """(cell value written, value ingest must produce, outcome) for a planted mistake."""
    if kind == "money_format":
        # people round when they write in k€ or M€: the value read is the rounded one
        assert isinstance(value, float)
        if value >= 1e6:
            rounded = float(round(value / 1e5) * 100_000)
            return f"{rounded / 1e6:g}".replace(".", ",") + " M€", rounded, "corrected"
        if value >= 10_000 and rng.random() < 0.5:
            rounded = float(round(value / 1000) * 1000)
            return f"{int(rounded // 1000)} k€", rounded, "corrected"
        return f"{int(value):,}".replace(",", " ") + " €", value, "corrected"
    if kind == "decimal_comma":
        return number_text(float(value), french=True), value, "corrected"  # type: ignore[arg-type]
    if kind == "no_answer_token":
        return _NO_ANSWER_TOKENS[int(rng.integers(len(_NO_ANSWER_TOKENS)))], None, "corrected"
    if kind == "stray_spaces":
        return f" {q.modality(str(value)).label} ", value, "corrected"
    if kind == "modality_variant":
        return ascii_fold(q.modality(str(value)).label), value, "corrected"
    if kind == "date_text":
        assert isinstance(value, dt.date)
        return value.strftime("%d/%m/%Y"), value, "corrected"
    if kind == "date_serial":
        assert isinstance(value, dt.date)
        return (value - _EXCEL_EPOCH).days, value, "corrected"
    if kind == "not_a_number":
        return _NOT_NUMBERS[q.code], None, "reported"
    if kind == "siren_spaces":
        s = str(value)
        return f"{s[:3]} {s[3:6]} {s[6:]}", value, "corrected"
    raise ValueError(f"unknown mistake kind {kind}")


def modality_applies(kind: str, q: Question, value: object) -> bool:
    """A label variant must differ from the label, or it is no mistake."""
    if kind == "modality_variant":
        label = q.modality(str(value)).label
        return ascii_fold(label) != label
    return True


def expected_json(q: Question | None, value: object) -> object:
    """A truth value as the manifest states it: label, float, ISO date or text."""
    if value is None:
        return None
    if q is not None and q.type == "single":
        return q.modality(str(value)).label
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return value
    return str(value)


def raw_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class Recorder:
    """Collects cells and mistakes of one submission while a renderer writes it."""

    sub: Submission
    file: str
    sheet: str
    cb: Codebook
    rng: np.random.Generator
    truth: Answers = field(default_factory=dict)
    mistakes: list[Mistake] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.truth = {code: (None if code in self.sub.omitted else v) for code, v in self.sub.answers.items()}

    def value(self, q: Question, cell: str, native: object) -> object:
        """The cell value for a one-value question: ``native`` or a planted mistake."""
        kind = self.sub.value_mistakes.get(q.code)
        if kind is None:
            return native
        raw, expected, outcome = _plant(kind, q, self.sub.answers[q.code], self.rng)
        self.truth[q.code] = expected
        self.mistakes.append(Mistake(self.file, self.sheet, cell, q.code, kind, raw_text(raw),
                                     expected_json(q, expected), outcome))
        return raw

    def flag(self, kind: str, column: str, cell: str, raw: object) -> None:
        q = self.cb[column.split("__")[0]]
        value = self.truth.get(q.code)
        if q.type == "multi" and value is not None:
            expected: object = ", ".join(q.modality(s).label for s in value)  # type: ignore[union-attr]
        else:
            expected = expected_json(q, value)
        outcome = "quarantined" if kind in QUARANTINE_KINDS else "flagged"
        self.mistakes.append(Mistake(self.file, self.sheet, cell, column, kind, raw_text(raw), expected, outcome))

    def header(self, column: str, cell: str, text: str, canonical: str) -> None:
        if text != canonical:
            self.mistakes.append(Mistake(self.file, self.sheet, cell, column, "label_variant", text, column,
                                         "corrected"))


def flag_cells(rec: Recorder, q: Question, cells: dict[str, tuple[str, object]]) -> None:
    """Record flagged inconsistencies located in this question's cells (key → (cell, raw))."""
    sub = rec.sub
    if q.code == "B04" and "main_action_not_ticked" in sub.flags and "B04" in cells:
        rec.flag("main_action_not_ticked", "B04", *cells["B04"])
    if q.code == "D02" and "out_of_range" in sub.flags and "D02" in cells:
        rec.flag("out_of_range", "D02", *cells["D02"])
    if q.code == "A03" and "bad_siren_checksum" in sub.flags and "A03" in cells:
        rec.flag("bad_siren_checksum", "A03", *cells["A03"])
    if q.code == "C03" and "aucun_not_exclusive" in sub.flags:
        key = "C03__aucun" if "C03__aucun" in cells else "C03"
        if key in cells:
            rec.flag("aucun_not_exclusive", key, *cells[key])
    if q.code == "F01" and "too_many_obstacles" in sub.flags:
        ticked = sub.answers["F01"] or ()
        key = "F01" if "F01" in cells else f"F01__{ticked[-1]}"  # type: ignore[index]
        if key in cells:
            rec.flag("too_many_obstacles", key, *cells[key])


def native_value(q: Question, value: object, *, single: str = "label", number: str = "native",
            date: str = "native") -> object:
    if value is None:
        return None
    if q.type == "single":
        return str(value) if single == "slug" else q.modality(str(value)).label
    if q.type == "number":
        x = float(value)  # type: ignore[arg-type]
        if number == "native":
            return int(x) if x.is_integer() else x
        return number_text(x, french=number == "text_fr")
    if q.type == "date":
        assert isinstance(value, dt.date)
        return value if date == "native" else value.strftime("%d/%m/%Y")
    return str(value)


def timestamp(rng: np.random.Generator, day: dt.date) -> dt.datetime:
    seconds = int(rng.integers(8 * 3600, 19 * 3600))
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)


# --- filled templates ---------------------------------------------------------------------------


def render_template(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                    rng: np.random.Generator, templates: Templates, vertical: bool) -> Rendered:
    """The ACTER questionnaire filled by one collectivité (vertical or horizontal form), or by a
    network compiling several collectivités, one row each (horizontal form)."""
    if vertical and len(subs) != 1:
        raise ValueError("the vertical form holds one collectivité")
    rows = vertical_rows(cb)
    cols = horizontal_columns(cb)
    values: dict[tuple[int, int], object] = {}
    placements, mistakes = [], []
    for i, sub in enumerate(subs):
        answer_row = FIRST_ANSWER_ROW + i

        def place(column: str) -> tuple[int, int]:
            return (rows[column], 2) if vertical else (answer_row, cols[column])

        rec = Recorder(sub, file, ANSWER_SHEET, cb, rng)
        for q in cb:
            v = sub.answers[q.code]
            cells: dict[str, tuple[str, object]] = {}
            if q.type == "multi":
                for m in q.modalities:
                    col = f"{q.code}__{m.slug}"
                    value = None if v is None else ("Oui" if m.slug in v else "Non")  # type: ignore[operator]
                    values[place(col)] = value
                    cells[col] = (cell_ref(*place(col)), value)
            else:
                value = rec.value(q, cell_ref(*place(q.code)), native_value(q, v))
                values[place(q.code)] = value
                cells[q.code] = (cell_ref(*place(q.code)), value)
            flag_cells(rec, q, cells)
        placements.append(Placement(sub, ANSWER_SHEET, None if vertical else answer_row, rec.truth))
        mistakes.extend(rec.mistakes)
    if fmt == "ods":
        if len(subs) != 1:
            raise ValueError("a compilation is written as .xlsx")
        data = templates.filled_ods(vertical, {k: v for k, v in values.items() if v is not None})
    else:
        data = templates.filled_xlsx(vertical, {cell_ref(*k): v for k, v in values.items()}, rows=len(subs))
    return Rendered(data, placements, mistakes)


def template_answers(sub: Submission, cb: Codebook) -> dict[str, object]:
    """A submission as the column → value mapping of :func:`pipeline.questionnaire.template.fill_template`."""
    out: dict[str, object] = {}
    for q in cb:
        v = sub.answers[q.code]
        if q.type == "multi":
            out.update({f"{q.code}__{m.slug}": None if v is None else m.slug in v for m in q.modalities})  # type: ignore[operator]
        else:
            out[q.code] = native_value(q, v)
    return out


# --- home-made files ----------------------------------------------------------------------------


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
    header_row = title_rows + 1
    answer_row = header_row + 1
    native = fmt in _NATIVE_FORMATS
    rec = Recorder(sub, file, sheet, cb, rng)
    headers: list[object] = []
    answers: list[object] = []
    number = 0
    for q in cb:
        number += 1
        if q.code in sub.omitted:
            continue
        text = label_variant(q, rng, number)
        v = sub.answers[q.code]
        cells: dict[str, tuple[str, object]] = {}
        if q.type == "multi":
            for m in q.modalities:
                col = len(headers) + 1
                joiner = str(opts["joiner"])
                head = f"{text}{joiner}{m.label}" + ("]" if joiner == " [" else "")
                headers.append(head)
                rec.header(f"{q.code}__{m.slug}", cell_ref(header_row, col), head,
                           f"{q.label}{joiner}{m.label}" + ("]" if joiner == " [" else ""))
                ticked = v is not None and m.slug in v  # type: ignore[operator]
                value = opts["yes"] if ticked else (opts["no"] if v is not None else None)
                answers.append(value)
                cells[f"{q.code}__{m.slug}"] = (cell_ref(answer_row, col), value)
        else:
            col = len(headers) + 1
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
        grids.append(SheetGrid(sheet, grid_rows, bold=(header_row - 1,)))
        data = ods_bytes(grids) if fmt == "ods" else xlsx_bytes(grids, year, sub.collectivite.name)
    return Rendered(data, [Placement(sub, sheet, answer_row, rec.truth)], rec.mistakes)


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
    number = 0
    section = ""
    for q in cb:
        number += 1
        if q.section != section:
            section = q.section
            rows.append([f"{section}. {cb.sections.get(section, '')}".strip()])
        if q.code in sub.omitted:
            continue
        text = label_variant(q, rng, number)
        r = len(rows) + 1
        rec.header(q.code, cell_ref(r, 1), text, q.label)
        v = sub.answers[q.code]
        if q.type == "multi":
            value = None if v is None else ", ".join(q.modality(s).label for s in v)  # type: ignore[union-attr]
        elif q.code == "A06" and opts["dept_code"] and v is not None:
            value = str(v).upper()
        else:
            value = rec.value(q, cell_ref(r, 2), native_value(q, v))
        rows.append([text, value])
        flag_cells(rec, q, {q.code: (cell_ref(r, 2), value)})
    grids = [SheetGrid(sheet, rows, widths={1: 60, 2: 40})]
    if rng.random() < 0.3:
        grids.insert(0, SheetGrid("Présentation", [["Fiche de réponse ACTER"], [sub.collectivite.name]]))
    data = ods_bytes(grids) if fmt == "ods" else xlsx_bytes(grids, year, sub.collectivite.name)
    return Rendered(data, [Placement(sub, sheet, None, rec.truth)], rec.mistakes)
