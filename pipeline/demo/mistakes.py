"""The mistakes people make in returned files, planted in cells and recorded for the manifest.

Value mistakes (a money amount in k€, a decimal comma, « NSP »...) are written in a cell instead
of the true value; flags (inconsistent answers, planted by :func:`pipeline.demo.plan.plant_flags`)
are recorded where they show. A :class:`Recorder` keeps, while a renderer writes a submission,
what ingest should read and each mistake with its cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from pipeline.common.cells import cell_text, excel_serial
from pipeline.common.text import ascii_fold
from pipeline.demo.answers import Answers
from pipeline.demo.files import NATIVE_FORMATS
from pipeline.demo.submissions import Mistake, Submission
from pipeline.demo.values import number_text
from pipeline.domain.codebook import Codebook, Question

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
# Planted by the renderers of the files networks, secretaries and survey tools make
# (pipeline.demo.networks, pipeline.demo.exports): a date typed as a month or a quarter (read as its
# first day), a code the survey does not define (reported, value empty); and what ingest must not
# read, outcome "skipped": hidden rows, columns and sheets, reminders of last year, summary rows.
SHAPE_KINDS = ("date_period", "undecodable_code")
SKIPPED_KINDS = ("hidden_row", "hidden_column", "hidden_sheet", "stale_column", "summary_row")
# Planted inconsistencies that block the row (the clean stage quarantines it); the others are
# warnings that stay in the clean table as flags.
QUARANTINE_KINDS = ("out_of_range",)
OUT_OF_RANGE_ETP = 850.0  # "8,50" typed without its comma: above the 500 ETP ceiling
# Layouts whose cells a person types (value mistakes go there, not in a survey tool's export).
_TYPED_LAYOUTS = ("template_horizontal", "template_vertical", "horizontal", "vertical", "forms")
_NO_ANSWER_TOKENS = ("NSP", "-", "?", "n/a", "#N/A", "Ne sait pas")
_NOT_NUMBERS = {"B05": "beaucoup", "C05": "variable selon les années"}


def applicable(kind: str, code: str, value: object, layout: str, fmt: str) -> bool:
    """Can mistake ``kind`` be planted in ``code`` (holding ``value``) of this layout and format?"""
    if value is None or layout not in _TYPED_LAYOUTS or code not in KIND_CODES[kind]:
        return False
    if kind == "money_format":
        return isinstance(value, float) and value >= 1000 and value.is_integer()
    if kind == "decimal_comma":
        return isinstance(value, float) and not value.is_integer() and fmt in NATIVE_FORMATS
    if kind in ("date_text", "date_serial"):
        if layout == "forms" or fmt not in NATIVE_FORMATS:
            return False
        return kind == "date_text" or layout in ("horizontal", "vertical")
    if kind == "siren_spaces":
        return layout in ("horizontal", "vertical", "forms")
    return True


def modality_applies(kind: str, q: Question, value: object) -> bool:
    """A label variant must differ from the label, or it is no mistake."""
    if kind == "modality_variant":
        label = q.modality(str(value)).label
        return ascii_fold(label) != label
    return True


def plant(kind: str, q: Question, value: object, rng: np.random.Generator) -> tuple[object, object, str]:
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
        return excel_serial(value), value, "corrected"
    if kind == "not_a_number":
        return _NOT_NUMBERS[q.code], None, "reported"
    if kind == "siren_spaces":
        s = str(value)
        return f"{s[:3]} {s[3:6]} {s[6:]}", value, "corrected"
    raise ValueError(f"unknown mistake kind {kind}")


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
    """A cell's value as the manifest states it: spaces kept, '1500' for 1500.0, '2025-03-04 10:22:33'."""
    if isinstance(value, float):
        return cell_text(float(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
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
        raw, expected, outcome = plant(kind, q, self.sub.answers[q.code], self.rng)
        self.truth[q.code] = expected
        self.mistakes.append(Mistake(self.file, self.sheet, cell, q.code, kind, raw_text(raw),
                                     expected_json(q, expected), outcome))
        return raw

    def flag(self, kind: str, column: str, cell: str, raw: object) -> None:
        """Record a planted inconsistency that shows in ``cell`` (of ``column``)."""
        q = self.cb[column.split("__")[0]]
        value = self.truth.get(q.code)
        if q.type == "multi" and value is not None:
            expected: object = ", ".join(q.modality(s).label for s in value)  # type: ignore[union-attr]
        else:
            expected = expected_json(q, value)
        outcome = "quarantined" if kind in QUARANTINE_KINDS else "flagged"
        self.mistakes.append(Mistake(self.file, self.sheet, cell, column, kind, raw_text(raw), expected, outcome))

    def header(self, column: str, cell: str, text: str, canonical: str) -> None:
        """Record a retyped question label (a header ingest must still match)."""
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
