"""Answer codes: exports that write a code (``A1``, ``AO02``, ``3``) where the answer's label belongs.

A code is decoded, never published. In order of trust:

1. a sheet of the file that defines the codes (:func:`find_code_tables`): rows of question,
   code and label (``A02 | A1 | Région``, the question written once above its codes, or
   LimeSurvey's survey structure: a question row ``Q | A02``, then its answers ``A | A1 | Région``);
2. the known convention of the tool that wrote the export: LimeSurvey numbers the answer options
   of a list ``A1``, ``A2``… (``AO01``, ``AO02``… since version 5) in the order they were entered,
   the questionnaire's order; Kobo writes the choice names, the codebook's slugs (read as any
   modality synonym, :class:`~pipeline.ingest.values.ValueReader`);
3. the codebook's order, when the export says its column holds codes (a header
   ``Type de collectivité (code)``): ``3`` is the third modality.

A value shaped like a code that none of these decodes is an error on its cell and the value is
left empty (:func:`decode`): it is never kept as an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from pipeline.common.cells import cell_text, is_blank
from pipeline.common.text import fold
from pipeline.domain.codebook import Question
from pipeline.ingest.matching import TIER_CODE, HeaderMatcher
from pipeline.ingest.readers import Sheet

# LimeSurvey's answer option codes: A1, A01, AO01 (any case)
LIMESURVEY_CODE = re.compile(r"A[O0]?0*(\d{1,3})", re.IGNORECASE)
# a code in a codes sheet: a short token without spaces (A1, AO01, 3, cc, oui)
_TOKEN = re.compile(r"[A-Za-z0-9_\-.]{1,12}")
_SCAN_ROWS = 3000  # rows of a sheet looked at for codes
_SCAN_COLUMNS = 8  # a codes table is narrow: its first columns are enough (LimeSurvey's structure: name and text)
_MIN_PAIRS = 3  # codes a sheet must define to be a codes sheet
# names of sheets that may define codes although they look like help sheets
CODES_SHEET = re.compile(r"code|libell|modalit|dictionnaire|codebook|structure|l[ée]gende", re.IGNORECASE)


@dataclass
class CodeTable:
    """Codes defined in a sheet of the file: question code -> folded code -> modality slug."""

    sheet: str
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def n_codes(self) -> int:
        return sum(len(v) for v in self.codes.values())


@dataclass(frozen=True)
class Decoded:
    """What a cell's code says: the modality slug, or why it could not be decoded."""

    slug: str = ""
    how: str = ""  # "table" | "convention" | "order"
    problem: str = ""  # French reason when the value is a code that could not be decoded


@dataclass
class AnswerCodes:
    """How the codes of one block of answers are decoded: the file's code tables, the tool."""

    tables: list[CodeTable] = field(default_factory=list)
    tool: str = ""  # the layout name: "limesurvey" decodes A1/AO01 by the tool's convention
    used: dict[str, int] = field(default_factory=dict)  # cells decoded, by how ("table", "convention", "order")

    def defined(self, code: str) -> dict[str, str]:
        """Codes the file's tables define for question ``code`` (first table wins)."""
        if not self.tables:
            return {}
        out: dict[str, str] = {}
        for t in self.tables:
            for k, v in t.codes.get(code, {}).items():
                out.setdefault(k, v)
        return out

    def source(self, code: str) -> str:
        """The sheet defining the codes of question ``code`` ("" when none does)."""
        return next((t.sheet for t in self.tables if code in t.codes), "")


def looks_like_code(text: str) -> bool:
    """A LimeSurvey answer code (A1, AO01), whichever file it is in."""
    return LIMESURVEY_CODE.fullmatch(text) is not None


def decode(q: Question, value: object, codes: AnswerCodes, coded_column: bool) -> Decoded | None:
    """The modality a coded cell names, a Decoded with a problem when it is a code nothing
    decodes, or None when the value is not a code (read as a label)."""
    if not q.modalities:
        return None
    text = cell_text(value).strip()
    if not text or (len(text) > 12 and not coded_column):  # no code is that long: a label
        return None
    defined = codes.defined(q.code)
    key = fold(text)
    if key in defined:
        return Decoded(defined[key], "table")
    lime = LIMESURVEY_CODE.fullmatch(text)
    if coded_column:
        n = _integer(text) if lime is None else int(lime.group(1))
        if n is not None:
            if 1 <= n <= len(q.modalities):
                return Decoded(q.modalities[n - 1].slug, "order")
            return Decoded(problem=f"le code {text} dépasse le nombre de réponses possibles ({len(q.modalities)})")
    if lime is None:
        return None
    if defined:
        return Decoded(problem=f"le code {text} n'est pas défini dans la feuille « {codes.source(q.code)} »")
    if codes.tool == "limesurvey":
        n = int(lime.group(1))
        if 1 <= n <= len(q.modalities):
            return Decoded(q.modalities[n - 1].slug, "convention")
        return Decoded(problem=f"le code {text} dépasse le nombre de réponses possibles ({len(q.modalities)})")
    return Decoded(problem=f"aucune table de codes dans le fichier ne dit ce que signifie le code {text}")


def _integer(text: str) -> int | None:
    t = text.removesuffix(".0")
    return int(t) if t.isdigit() and len(t) <= 3 else None


def find_code_table(sheet: Sheet, matcher: HeaderMatcher, single_label) -> CodeTable | None:
    """The codes a sheet defines, when it is a codes sheet (None otherwise).

    ``single_label(question, text)`` gives the slug of the modality ``text`` names, or "".
    A codes sheet has at least three rows pairing a code with a modality of the question
    written on that row or on a row above, and such rows make half of its filled rows.
    """
    rows = sheet.rows[:_SCAN_ROWS]
    if len(rows) < _MIN_PAIRS or not any(len(r) >= 2 for r in rows[:50]):
        return None
    table = CodeTable(sheet.name)
    current: Question | None = None
    pairs = filled = 0
    questions = matcher.questions
    for row in rows:
        cells = [(c, v) for c, v in enumerate(row[:_SCAN_COLUMNS]) if v != "" and v is not None and not is_blank(v)]
        if not cells:
            continue
        filled += 1
        start = 0
        for k, (c, v) in enumerate(cells[:3]):
            q = _question_cell(v, matcher, questions)
            if q is not None:
                current, start = q, k + 1
                break
        if current is None or not current.modalities:
            continue
        found = _pair(cells[start:], current, single_label)
        if found is not None:
            code, slug = found
            table.codes.setdefault(current.code, {}).setdefault(fold(code), slug)
            pairs += 1
    if pairs >= _MIN_PAIRS and pairs * 2 >= filled - 1:
        return table
    return None


def _question_cell(value: object, matcher: HeaderMatcher, questions: dict[str, Question]) -> Question | None:
    """The question a cell names by its code (A02, « A02 - Type de collectivité »)."""
    if value.__class__ is not str:
        return None
    text = value.strip()
    if text.upper() in questions:
        return questions[text.upper()]
    if len(text) < 3 or not text[0].isalpha() or not text[1:3].isdigit():
        return None
    m = matcher.match(text)
    if m is not None and m.tier == TIER_CODE and not m.target.slug:
        return questions[m.target.code]
    return None


def _pair(cells: list[tuple[int, object]], q: Question, single_label) -> tuple[str, str] | None:
    """(code, slug) of a code cell followed by a label of one of ``q``'s modalities."""
    for (c, code), (c2, label) in pairwise(cells):
        text = cell_text(code).strip()
        if c2 != c + 1 and c2 != c + 2 or not _TOKEN.fullmatch(text) or label.__class__ is not str:
            continue
        slug = single_label(q, label)
        if slug:
            return text, slug
    return None
