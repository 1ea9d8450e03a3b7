"""Load and check the ACTER codebook, the single source of truth for the questionnaire.

Everything else (template, ingest, validation, features, report labels) derives from the
objects returned by :func:`load_codebook`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from pipeline.common.errors import UserError
from pipeline.common.text import normalize_label
from pipeline.domain.reference import read_reference

TYPES = ("id", "text", "single", "multi", "number", "date", "pii")
ROLES = ("A", "S", "D", "-")
PII = "pii"


class CodebookError(UserError, ValueError):
    """The codebook file is broken; the message names the faulty entry (in French)."""


@dataclass(frozen=True)
class Modality:
    slug: str
    label: str
    synonyms: tuple[str, ...] = ()
    exclusive: bool = False


@dataclass(frozen=True)
class Question:
    code: str
    label: str
    type: str
    role: str
    section: str
    modalities: tuple[Modality, ...] = ()
    synonyms: tuple[str, ...] = ()
    help: str = ""
    min: float | None = None
    min_exclusive: bool = False  # the value must be > min, not >= min
    max: float | None = None
    max_survey_year: bool = False
    integer: bool = False
    max_choices: int | None = None
    unit: str = ""
    format: str = ""

    @property
    def is_pii(self) -> bool:
        return self.type == PII

    @property
    def columns(self) -> tuple[str, ...]:
        """Output columns: one boolean per modality for multi-select, else the code."""
        if self.type == "multi":
            return tuple(f"{self.code}__{m.slug}" for m in self.modalities)
        return (self.code,)

    def modality(self, slug: str) -> Modality:
        for m in self.modalities:
            if m.slug == slug:
                return m
        raise KeyError(f"{self.code}: pas de modalité « {slug} »")


@dataclass(frozen=True)
class Derived:
    """A column the clean stage derives (classes, geography): its label and typology role."""

    code: str
    label: str
    role: str


@dataclass(frozen=True)
class Dimension:
    """A dimension of the study (``dimensions:`` of the codebook): a type is portrayed along each."""

    slug: str
    title: str
    questions: tuple[str, ...]


CLASS_SUFFIX = "_classe"  # <code>_classe: the classes of number question <code> (params.yaml clean.classes)


@dataclass(frozen=True)
class Codebook:
    version: str
    questions: tuple[Question, ...]
    no_answer: tuple[str, ...]
    yes: tuple[str, ...]
    no: tuple[str, ...]
    sections: dict[str, str] = field(default_factory=dict)
    derived: tuple[Derived, ...] = ()
    dimensions: tuple[Dimension, ...] = ()

    def dimension_of(self, code: str) -> Dimension | None:
        """The dimension of the study a question (or its ``<code>_classe``) belongs to, if any."""
        code = code.split("__", 1)[0].removesuffix(CLASS_SUFFIX)
        return next((d for d in self.dimensions if code in d.questions), None)

    def title(self, column: str) -> str:
        """The French label a reader sees for a column: a question's, or a derived variable's."""
        for d in self.derived:
            if d.code == column:
                return d.label
        return self[column].label

    @property
    def pii_codes(self) -> tuple[str, ...]:
        """Personal data about the respondent (A10, A12, A13): never past the clean stage."""
        return tuple(q.code for q in self.questions if q.is_pii)

    def typology_roles(self) -> tuple[list[str], list[str], list[str]]:
        """(active, qualitative supplementary, quantitative supplementary) variables of the typology.

        Role A: a categorical question is active; a number is active through its classes
        (``<code>_classe``) and describes the types as a number. Role S: describes the types only.
        """
        active, quali, quanti = [], [], []
        for q in self.questions:
            if q.role == "A":
                active.append(q.code + CLASS_SUFFIX if q.type == "number" else q.code)
            if q.type == "number" and q.role in ("A", "S"):
                quanti.append(q.code)
            elif q.role == "S":
                quali.append(q.code)
        quali += [d.code for d in self.derived if d.role == "S"]
        active += [d.code for d in self.derived if d.role == "A"]
        return active, quali, quanti

    def __getitem__(self, code: str) -> Question:
        for q in self.questions:
            if q.code == code:
                return q
        raise KeyError(code)

    def __iter__(self):
        return iter(self.questions)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions)

    @property
    def columns(self) -> tuple[str, ...]:
        """All data columns of responses.parquet, in questionnaire order."""
        return tuple(c for q in self.questions for c in q.columns)

    def of_type(self, *types: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.type in types)

    def is_no_answer(self, value: object, question: Question | None = None) -> bool:
        """True for NSP, '-', '?', '#N/A'... unless the token is a modality of the question."""
        key = normalize_label(value) if not _is_punct_only(value) else str(value).strip()
        if question is not None and question.modalities:
            for m in question.modalities:
                if key in {normalize_label(m.label), *map(normalize_label, m.synonyms)}:
                    return False
        return key in _no_answer_keys(self.no_answer)


def _is_punct_only(value: object) -> bool:
    s = str(value).strip()
    return bool(s) and not any(ch.isalnum() for ch in s)


@cache
def _no_answer_keys(tokens: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t.strip() if _is_punct_only(t) else normalize_label(t) for t in tokens)


def _reference_modalities(source: str) -> tuple[Modality, ...]:
    if source == "departements":
        return tuple(
            Modality(slug=r["code"].lower(), label=r["nom"], synonyms=(r["code"],))
            for r in read_reference("departements.csv")
        )
    if source == "rrma":
        seen: dict[str, Modality] = {}
        for r in read_reference("rrma.csv"):
            slug = r["rrma_slug"].replace("-", "_")
            seen.setdefault(slug, Modality(slug=slug, label=r["rrma"]))
        return tuple(seen.values())
    raise CodebookError(f"source de modalités inconnue « {source} »")


def _fail(where: str, message: str) -> CodebookError:
    return CodebookError(f"Codebook, {where} : {message}")


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def parse_codebook(raw: dict[str, Any]) -> Codebook:
    """Build and check a Codebook from its YAML mapping; raise CodebookError naming the entry."""
    if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list):
        raise _fail("racine", "la clé « questions » (liste) est absente")
    questions: list[Question] = []
    by_code: dict[str, Question] = {}
    for i, entry in enumerate(raw["questions"], start=1):
        where = f"entrée n°{i}"
        if not isinstance(entry, dict):
            raise _fail(where, "une question doit être un dictionnaire")
        code = str(entry.get("code", "")).strip()
        if not re.fullmatch(r"[A-Z]\d{2}", code):
            raise _fail(where, f"code « {code} » invalide (attendu : une lettre et deux chiffres, ex. B03)")
        where = f"question {code}"
        if code in by_code:
            raise _fail(where, "code en double")
        label = str(entry.get("label", "")).strip()
        if not label:
            raise _fail(where, "libellé (label) manquant")
        qtype = entry.get("type")
        if qtype not in TYPES:
            raise _fail(where, f"type « {qtype} » inconnu (attendus : {', '.join(TYPES)})")
        role = str(entry.get("role", "D"))
        if role not in ROLES:
            raise _fail(where, f"rôle « {role} » inconnu (attendus : A, S, D, -)")
        if qtype == PII and role != "-":
            raise _fail(where, "une donnée personnelle (pii) ne peut pas avoir de rôle dans la typologie")
        if "modalities_from" in entry:
            modalities = _reference_modalities(entry["modalities_from"])
        elif "modalities_from_question" in entry:
            src = entry["modalities_from_question"]
            if src not in by_code:
                raise _fail(where, f"modalités reprises de {src}, qui doit être défini avant")
            modalities = tuple(Modality(m.slug, m.label, m.synonyms) for m in by_code[src].modalities)
        else:
            modalities = []
            for j, m in enumerate(entry.get("modalities") or [], start=1):
                if not isinstance(m, dict) or not m.get("slug") or not m.get("label"):
                    raise _fail(where, f"modalité n°{j} : « slug » et « label » sont obligatoires")
                if not re.fullmatch(r"[a-z0-9_]+", str(m["slug"])):
                    raise _fail(where, f"modalité « {m['slug']} » : slug en minuscules, chiffres et _")
                modalities.append(
                    Modality(str(m["slug"]), str(m["label"]), _tuple(m.get("synonyms")), bool(m.get("exclusive", False)))
                )
            modalities = tuple(modalities)
        if qtype in ("single", "multi") and not modalities:
            raise _fail(where, f"une question de type {qtype} doit avoir des modalités")
        if qtype not in ("single", "multi") and modalities:
            raise _fail(where, f"une question de type {qtype} ne peut pas avoir de modalités")
        slugs = [m.slug for m in modalities]
        if len(set(slugs)) != len(slugs):
            raise _fail(where, "deux modalités ont le même slug")
        keys = [normalize_label(m.label) for m in modalities]
        if len(set(keys)) != len(keys):
            raise _fail(where, "deux modalités ont le même libellé (à la casse et aux accents près)")
        q = Question(
            code=code,
            label=label,
            type=qtype,
            role=role,
            section=code[0],
            modalities=modalities,
            synonyms=_tuple(entry.get("synonyms")),
            help=str(entry.get("help", "")),
            min=entry.get("min"),
            min_exclusive=bool(entry.get("min_exclusive", False)),
            max=entry.get("max"),
            max_survey_year=bool(entry.get("max_survey_year", False)),
            integer=bool(entry.get("integer", False)),
            max_choices=entry.get("max_choices"),
            unit=str(entry.get("unit", "")),
            format=str(entry.get("format", "")),
        )
        by_code[code] = q
        questions.append(q)
    # A label or synonym must point to one question only, or loose matching would guess.
    owner: dict[str, str] = {}
    for q in questions:
        for text in (q.label, *q.synonyms):
            key = normalize_label(text)
            if key in owner and owner[key] != q.code:
                raise _fail(f"question {q.code}", f"le libellé ou synonyme « {text} » est déjà utilisé par {owner[key]}")
            owner[key] = q.code
    return Codebook(
        version=str(raw.get("version", "")),
        questions=tuple(questions),
        no_answer=_tuple(raw.get("no_answer")),
        yes=_tuple(raw.get("yes")),
        no=_tuple(raw.get("no")),
        sections={str(k): str(v) for k, v in (raw.get("sections") or {}).items()},
        derived=_parse_derived(raw.get("derived") or [], by_code),
        dimensions=_parse_dimensions(raw.get("dimensions") or [], by_code),
    )


def _parse_dimensions(entries: list[Any], questions: dict[str, Question]) -> tuple[Dimension, ...]:
    out: list[Dimension] = []
    seen: dict[str, str] = {}
    for i, entry in enumerate(entries, start=1):
        where = f"dimension n°{i}"
        if not isinstance(entry, dict) or not entry.get("slug") or not entry.get("title"):
            raise _fail(where, "« slug » et « title » sont obligatoires")
        slug = str(entry["slug"])
        codes = _tuple(entry.get("questions"))
        if not codes:
            raise _fail(f"dimension {slug}", "la liste « questions » est vide")
        for code in codes:
            if code not in questions:
                raise _fail(f"dimension {slug}", f"question {code} inconnue")
            if code in seen:
                raise _fail(f"dimension {slug}", f"la question {code} est déjà dans la dimension {seen[code]}")
            seen[code] = slug
        out.append(Dimension(slug, str(entry["title"]), codes))
    return tuple(out)


def _parse_derived(entries: list[Any], questions: dict[str, Question]) -> tuple[Derived, ...]:
    out: list[Derived] = []
    for i, entry in enumerate(entries, start=1):
        where = f"variable dérivée n°{i}"
        if not isinstance(entry, dict) or not entry.get("code") or not entry.get("label"):
            raise _fail(where, "« code » et « label » sont obligatoires")
        code, role = str(entry["code"]), str(entry.get("role", "D"))
        if code in questions or code in {d.code for d in out}:
            raise _fail(where, f"le code « {code} » est déjà utilisé")
        if role not in ROLES or role == "-":
            raise _fail(where, f"rôle « {role} » inconnu (attendus : A, S, D)")
        if code.endswith(CLASS_SUFFIX) and questions.get(code.removesuffix(CLASS_SUFFIX), None) is None:
            raise _fail(where, f"« {code} » : pas de question {code.removesuffix(CLASS_SUFFIX)} dont ce seraient les classes")
        out.append(Derived(code, str(entry["label"]), role))
    return tuple(out)


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read the codebook (the packaged one by default) and check it."""
    if path is None:
        return _default_codebook()
    return _load(Path(path))


@cache
def _default_codebook() -> Codebook:
    return _load(Path(str(resources.files("pipeline.domain") / "codebook.yaml")))


def _load(path: Path) -> Codebook:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CodebookError(f"Codebook {path} illisible : {exc}") from exc
    return parse_codebook(raw)
