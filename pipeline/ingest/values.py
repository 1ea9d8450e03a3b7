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
from pipeline.common.text import fold as fold_key
from pipeline.domain.codebook import Codebook, Question
from pipeline.domain.rules import RULES
from pipeline.ingest.codes import AnswerCodes, decode, looks_like_code
from pipeline.ingest.matching import HeaderMatch, norm
from pipeline.ingest.parsers import (
    is_excel_error,
    parse_date,
    parse_number,
    parse_period,
    parse_yes_no,
)

# words between two choices of a one-cell list ("Jumelage et ECSI") that name no choice
_STOPWORDS = frozenset({"et", "ou", "de", "des", "du", "la", "le", "les", "l", "d", "a", "en", "and", "or", "aussi"})


class ValueReader:
    """Turns raw cells into typed answers for one codebook, with cached modality lookups."""

    def __init__(self, codebook: Codebook, fuzzy_threshold: float) -> None:
        self.codebook = codebook
        self.questions: dict[str, Question] = {q.code: q for q in codebook}
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

    def option_keys(self, q: Question) -> dict[str, str]:
        """Folded label, synonym and slug of each modality of a one-choice question -> its label."""
        return self._single.get(q.code, {})

    def slug_of(self, q: Question, text: object) -> str:
        """The slug of the modality ``text`` names exactly (label, synonym or slug), or ""."""
        if text.__class__ is not str or not q.modalities:
            return ""
        if q.type == "single":
            label = self.single(q, text)
            return next((m.slug for m in q.modalities if m.label == label), "") if label else ""
        words = tuple(norm(text.replace("_", " ")).split())
        return next((slug for kw, slug in self._multi_keys.get(q.code, ()) if kw == words), "")

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
    answers: list[Answer], codebook: Codebook, reader: ValueReader, file: str, sheet: str,
    codes: AnswerCodes | None = None,
) -> tuple[dict[str, object], dict[str, str], list[Issue]]:
    """Typed values for every codebook column from one respondent's matched cells.

    ``codes`` decodes answer codes (:mod:`pipeline.ingest.codes`); a one-choice question may
    come as one cell, or as one marked cell per option (its option rows or columns).
    Returns (values by output column, source cell by output column, issues).
    """
    codes = codes if codes is not None else AnswerCodes()
    questions = reader.questions
    values: dict[str, object] = {}
    cells: dict[str, str] = {}
    issues: list[Issue] = []
    by_code: dict[str, list[Answer]] = {}
    for a in answers:
        target = a.match.target
        by_code.setdefault(target.code, []).append(a)
        # every mapped cell, blank or not: where each value was (or should have been) read
        multi = questions[target.code].type == "multi"
        if multi and target.slug:
            cells[target.column] = a.cell
        elif not multi and not target.slug:
            cells[target.code] = a.cell
    for a in answers:
        target = a.match.target
        multi = questions[target.code].type == "multi"
        if multi and not target.slug:
            for col in questions[target.code].columns:
                cells.setdefault(col, a.cell)
        elif not multi and target.slug:
            cells.setdefault(target.code, a.cell)  # a one-choice question in option rows: its first option

    def issue(code: str, msg: str, a: Answer, column: str, severity: str) -> None:
        issues.append(Issue(code, msg, file, sheet, a.cell, column, cell_text(a.value)[:200], severity))

    for code, items in by_code.items():
        q = questions[code]
        clean: list[Answer] = []
        for a in items:
            if is_blank(a.value):
                continue
            if is_excel_error(a.value):
                issue("excel_error", f"Erreur Excel « {cell_text(a.value)} » dans la cellule : valeur considérée comme manquante.", a, a.match.target.column, "warning")
                continue
            clean.append(a)
        if q.type == "multi":
            _convert_multi(q, clean, codebook, reader, codes, values, issue)
            continue
        whole = [a for a in clean if not a.match.target.slug]
        if not whole:
            if clean:
                _convert_options(q, clean, codebook, reader, values, cells, issue)
            continue
        a = whole[0]
        v = a.value
        if isinstance(v, str) and reader.no_answer(v, q):
            continue
        if q.type == "single":
            # a column said to hold codes may hold what is already a modality's name or code (« 75 » in A06)
            exact = a.match.coded and norm(cell_text(v)) in reader.option_keys(q)
            decoded = None if exact else decode(q, v, codes, a.match.coded)
            if decoded is not None:
                if decoded.problem:
                    issue("undecodable_code", f"« {cell_text(v)} » est un code de réponse pour « {q.label} » mais "
                          f"{decoded.problem} : valeur laissée vide. Remplacez le code par la réponse en toutes lettres.",
                          a, code, "error")
                else:
                    values[code] = q.modality(decoded.slug).label
                    codes.used[decoded.how] = codes.used.get(decoded.how, 0) + 1
                continue
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
            if parsed is None and q.type == "date":
                period = parse_period(v)
                if period is not None:
                    parsed, what = period
                    day = f"{parsed[8:10]}/{parsed[5:7]}/{parsed[:4]}"
                    issue("date_assumed", f"« {cell_text(v)} » ne donne que le {what} pour « {q.label} » : le {day}, "
                          f"premier jour du {what}, a été retenu. Indiquez la date exacte (jj/mm/aaaa) si elle compte.",
                          a, code, "warning")
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


def _ticked(q: Question, a: Answer, codebook: Codebook, reader: ValueReader, issue) -> bool | None:
    """Whether one option cell is marked (X, x, ✓, 1, Oui, the option's own name); None for a no-answer token."""
    v = a.value
    yn = parse_yes_no(v, codebook)
    if yn is not None:
        return yn
    if isinstance(v, str) and reader.no_answer(v):
        return None
    mod = q.modality(a.match.target.slug)
    if norm(v) not in {norm(mod.label), norm(mod.slug), *map(norm, mod.synonyms)}:
        issue("unclear_tick", f"Valeur « {cell_text(v)} » inattendue pour « {q.label} : {mod.label} » : comptée comme cochée.",
              a, a.match.target.column, "warning")
    return True


def _convert_options(q: Question, clean: list[Answer], codebook: Codebook, reader: ValueReader,
                     values: dict[str, object], cells: dict[str, str], issue) -> None:
    """A one-choice question given as one marked cell per option: the marked option, or an error
    when several are marked (no guess)."""
    marked = [a for a in clean if _ticked(q, a, codebook, reader, issue)]
    if len(marked) == 1:
        values[q.code] = q.modality(marked[0].match.target.slug).label
        cells[q.code] = marked[0].cell
    elif len(marked) > 1:
        names = " ; ".join(f"« {q.modality(a.match.target.slug).label} » ({a.cell})" for a in marked)
        for a in marked:
            issue("several_options", f"Plusieurs réponses cochées pour « {q.label} », qui n'en attend qu'une : {names}. "
                  "Aucune n'a été retenue : gardez une seule marque.", a, q.code, "error")


def _convert_multi(q: Question, clean: list[Answer], codebook: Codebook, reader: ValueReader, codes: AnswerCodes,
                   values: dict[str, object], issue) -> None:
    """Ticks of one multi-select question from per-modality cells and/or one-cell lists (of labels or codes)."""
    ticks: dict[str, bool] = {}
    whole: list[Answer] = []
    for a in clean:
        slug = a.match.target.slug
        if not slug:
            whole.append(a)
            continue
        yn = _ticked(q, a, codebook, reader, issue)
        if yn is None:
            continue
        ticks[slug] = ticks.get(slug, False) or yn
    for a in whole:
        if isinstance(a.value, str) and reader.no_answer(a.value, q):
            continue
        tokens = _code_tokens(q, a, codes)
        if tokens:
            decoded = [(t, decode(q, t, codes, True)) for t in tokens]
            bad = [t for t, d in decoded if d is None or d.problem]
            if bad:
                issue("undecodable_code", f"« {cell_text(a.value)} » donne des codes de réponse pour « {q.label} » mais "
                      f"{', '.join(bad)} ne peu{'ven' if len(bad) > 1 else ''}t pas être décodé{'s' if len(bad) > 1 else ''} : "
                      "cellule laissée vide. Remplacez les codes par les réponses en toutes lettres.", a, q.code, "error")
                continue
            for _, d in decoded:
                ticks[d.slug] = True  # type: ignore[union-attr]
                codes.used[d.how] = codes.used.get(d.how, 0) + 1  # type: ignore[union-attr]
            for m in q.modalities:
                ticks.setdefault(m.slug, False)
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


def _code_tokens(q: Question, a: Answer, codes: AnswerCodes) -> list[str]:
    """The codes of a one-cell multi-select answer written in codes ("A1 A3", "1;3" in a coded
    column, codes of the file's table); [] when the cell holds labels."""
    tokens = [t for t in re.split(r"[\s,;|]+", cell_text(a.value)) if t]
    if not tokens:
        return []
    defined = codes.defined(q.code)
    if a.match.coded and all(t.isdigit() or looks_like_code(t) for t in tokens):
        return tokens
    if all(looks_like_code(t) or (defined and fold_key(t) in defined) for t in tokens):
        return tokens
    return []


_READERS: dict[tuple[int, float], ValueReader] = {}


def reader_for(codebook: Codebook, fuzzy_threshold: float) -> ValueReader:
    """The ValueReader of a codebook, built once per process (its caches fill across files)."""
    key = (id(codebook), float(fuzzy_threshold))
    reader = _READERS.get(key)
    if reader is None or reader.codebook is not codebook:
        reader = ValueReader(codebook, float(fuzzy_threshold))
        _READERS[key] = reader
    return reader

