"""Typed answers from raw cells: modality labels, multi-select ticks, numbers, dates, identifiers.

:class:`ValueReader` holds one codebook's modality lookups (cached per text: the same answers
repeat across thousands of files); :func:`convert_answers` turns one respondent's matched cells
into the values of the responses table and reports, per cell, what it could not read. A problem
that is also a validation rule of :mod:`pipeline.domain.rules` takes the rule's severity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from pipeline.common.cells import cell_text, is_blank
from pipeline.common.identifiers import normalize_insee, normalize_siren
from pipeline.common.issues import Issue
from pipeline.domain.codebook import Codebook, Question
from pipeline.domain.rules import RULES
from pipeline.ingest.matching import HeaderMatch, norm
from pipeline.ingest.parsers import (
    is_excel_error,
    parse_date,
    parse_number,
    parse_yes_no,
)

# words between two choices of a one-cell list ("Jumelage et ECSI") that name no choice
_STOPWORDS = frozenset({"et", "ou", "de", "des", "du", "la", "le", "les", "l", "d", "a", "en", "and", "or", "aussi"})


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
class Answer:
    """One matched cell of a respondent: the question (or modality) it answers, its value, where it is."""

    match: HeaderMatch
    value: object
    cell: str


# Number and date cells: the parser, the problem code when it cannot read the cell, the rule of
# the catalogue that problem is (its severity), and the French message. An unreadable number is
# the clean stage's bad_type ("beaucoup" in A07), caught here on the cell.
_PARSED = {
    "number": (parse_number, "bad_number", "bad_type",
               "« {value} » n'est pas un nombre lisible pour « {label} » : indiquez un nombre (ex. 1 500 ou 12 k€)."),
    "date": (parse_date, "bad_date", "bad_date",
             "« {value} » n'est pas une date lisible pour « {label} » : utilisez le format jj/mm/aaaa."),
}
# A malformed identifier is the format rule of its kind.
_ID_RULES = {"siren": "bad_siren_format", "insee": "bad_insee_format"}


def convert_answers(
    answers: list[Answer], codebook: Codebook, reader: ValueReader, file: str, sheet: str
) -> tuple[dict[str, object], dict[str, str], list[Issue]]:
    """Typed values for every codebook column from one respondent's matched cells.

    Returns (values by output column, source cell by output column, issues).
    """
    values: dict[str, object] = {}
    cells: dict[str, str] = {}
    issues: list[Issue] = []
    by_code: dict[str, list[Answer]] = {}
    for a in answers:
        by_code.setdefault(a.match.target.code, []).append(a)
        # every mapped cell, blank or not: where each value was (or should have been) read
        if a.match.target.slug or codebook[a.match.target.code].type != "multi":
            cells[a.match.target.column] = a.cell
    for a in answers:
        if not a.match.target.slug and codebook[a.match.target.code].type == "multi":
            for col in codebook[a.match.target.code].columns:
                cells.setdefault(col, a.cell)

    def issue(code: str, msg: str, a: Answer, column: str, severity: str) -> None:
        issues.append(Issue(code, msg, file, sheet, a.cell, column, cell_text(a.value)[:200], severity))

    for code, items in by_code.items():
        q = codebook[code]
        clean: list[Answer] = []
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
                issue("unknown_modality", f"Réponse « {cell_text(v)} » inconnue pour « {q.label} » : gardée telle quelle, à vérifier.", a, code,
                      RULES["unknown_modality"].severity)
            else:
                values[code] = label
        elif q.type in _PARSED:
            parse, problem, rule, message = _PARSED[q.type]
            parsed = parse(v)
            if parsed is None:
                issue(problem, message.format(value=cell_text(v), label=q.label), a, code, RULES[rule].severity)
            else:
                values[code] = parsed
        elif q.type == "id":
            normal = normalize_siren(v) if q.format == "siren" else normalize_insee(v) if q.format == "insee" else cell_text(v)
            if normal is None:
                values[code] = cell_text(v)
                issue("bad_id", f"Identifiant « {cell_text(v)} » mal formé pour « {q.label} » : gardé tel quel, à vérifier.", a, code,
                      RULES[_ID_RULES[q.format]].severity)
            else:
                values[code] = normal
        else:
            values[code] = cell_text(v)
    return values, cells, issues


def _convert_multi(q: Question, clean: list[Answer], codebook: Codebook, reader: ValueReader,
                   values: dict[str, object], issue) -> None:  # noqa: ANN001 (issue: local reporter)
    """Ticks of one multi-select question from per-modality cells and/or one-cell lists."""
    ticks: dict[str, bool] = {}
    whole: list[Answer] = []
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
            issue("unknown_modality", f"Choix « {left} » non reconnu pour « {q.label} » : ignoré, les autres choix de la cellule sont gardés.", a, q.code,
                  RULES["unknown_modality"].severity)
    if not ticks:
        return
    for m in q.modalities:
        values[f"{q.code}__{m.slug}"] = ticks.get(m.slug, False)


_READERS: dict[tuple[int, float], ValueReader] = {}


def reader_for(codebook: Codebook, fuzzy_threshold: float) -> ValueReader:
    """The ValueReader of a codebook, built once per process (its caches fill across files)."""
    key = (id(codebook), float(fuzzy_threshold))
    reader = _READERS.get(key)
    if reader is None or reader.codebook is not codebook:
        reader = ValueReader(codebook, float(fuzzy_threshold))
        _READERS[key] = reader
    return reader

