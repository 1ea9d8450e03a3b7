"""Planted organisational models of the demo survey, read from ``models.yaml`` and checked.

The file keys every answer probability by modality slug; here each profile becomes a tuple in
codebook order, which is what the answer generator draws from. A question or slug the codebook
does not know, a modality left out, or a number out of range is refused with a French message
naming the model, the question and the slug.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

import yaml

from pipeline.domain.codebook import Codebook, Question, load_codebook
from pipeline.common.errors import UserError

MODELS_FILE = Path(__file__).with_name("models.yaml")
TYPE_QUESTION = "A02"  # collectivité types are its modality slugs
# Communes above BIG_CITY inhabitants adopt a model with its weight ``big_city``; below VILLAGE,
# with its commune weight times ``village_factor``.
BIG_CITY = 50_000
VILLAGE = 2_000
# Numbers of a model: those in _PROBABILITIES are at most 1.
_NUMBERS = ("budget_factor", "zero_budget", "etp_factor", "dedicated_line", "consortium", "adherent", "big_city",
            "village_factor")
_PROBABILITIES = ("zero_budget", "dedicated_line", "consortium", "adherent")
_MODEL_KEYS = {"key", "name", "adoption", "partnerships", "start_years", "subsidy_share", "singles", "multis",
               *_NUMBERS}
_TYPE_KEYS = {"share", "budget", "etp", "population"}


class ModelsError(UserError, ValueError):
    """models.yaml does not match the codebook or the expected shape (message in French)."""


@dataclass(frozen=True)
class Model:
    """One planted model: French name, adoption weight by collectivité type, answer profile."""

    key: str
    name: str
    adoption: Mapping[str, float]  # A02 slug -> relative weight
    big_city: float  # weight for a commune of more than BIG_CITY inhabitants
    village_factor: float  # times the commune weight for a commune of fewer than VILLAGE inhabitants
    partnerships: tuple[float, int]  # B05: Poisson mean, offset
    start_years: tuple[int, int]  # B02 range
    budget_factor: float  # times the type's median budget
    zero_budget: float  # share answering 0 euros
    etp_factor: float  # times the type's ETP range
    subsidy_share: tuple[float, float]  # C05 as a share of C01
    dedicated_line: float  # C02 = Oui
    consortium: float  # E03 = Oui
    adherent: float  # A09 = Oui
    singles: Mapping[str, tuple[float, ...]]  # code -> weight of each modality, in codebook order
    multis: Mapping[str, tuple[float, ...]]  # code -> tick probability of each modality, in codebook order


@dataclass(frozen=True)
class TypeProfile:
    """Orders of magnitude of one collectivité type (an A02 slug)."""

    share: float  # share of the population drawn with this type (0: never drawn directly)
    budget: float  # median budget in euros
    etp: tuple[float, float]  # ETP range
    population: tuple[float, float, int, int]  # log-normal median and spread, min, max


@dataclass(frozen=True)
class Planted:
    """What models.yaml plants: the models, in file order, and the types' orders of magnitude."""

    models: tuple[Model, ...]
    types: Mapping[str, TypeProfile]

    @property
    def type_shares(self) -> dict[str, float]:
        """Share of each type drawn directly (types without a share left out)."""
        return {slug: t.share for slug, t in self.types.items() if t.share > 0}


@cache
def planted() -> Planted:
    """The packaged models.yaml, checked against the packaged codebook (read once)."""
    return read_models(MODELS_FILE)


def select_models(n_models: int) -> tuple[Model, ...]:
    """The first ``n_models`` planted models (2 to the number models.yaml holds)."""
    models = planted().models
    if not 2 <= n_models <= len(models):
        raise ValueError(f"n_models must be between 2 and {len(models)}, not {n_models}")
    return models[:n_models]


def read_models(path: str | Path = MODELS_FILE, codebook: Codebook | None = None) -> Planted:
    """Read a models file and check it against ``codebook`` (the packaged one by default)."""
    cb = codebook or load_codebook()
    name = Path(path).name
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ModelsError(f"{name} : lecture impossible ({exc})") from exc
    if not isinstance(raw, dict) or set(raw) != {"types", "models"}:
        raise ModelsError(f"{name} : deux blocs attendus, « types » et « models »")
    if not isinstance(raw["models"], list) or len(raw["models"]) < 2:
        raise ModelsError(f"{name}, models : une liste d'au moins deux modèles est attendue")
    types = _by_slug(raw["types"], cb[TYPE_QUESTION], f"{name}, types")
    out = Planted(
        models=tuple(_model(entry, cb, name, i) for i, entry in enumerate(raw["models"], start=1)),
        types=MappingProxyType({slug: _type(entry, f"{name}, types, {slug}") for slug, entry in types.items()}),
    )
    keys = [m.key for m in out.models]
    if len(set(keys)) != len(keys):
        raise ModelsError(f"{name} : clé de modèle en double ({', '.join(k for k in keys if keys.count(k) > 1)})")
    first = out.models[0]
    for m in out.models[1:]:
        for questions, reference in ((m.singles, first.singles), (m.multis, first.multis)):
            if set(questions) != set(reference):
                diff = ", ".join(sorted(set(questions) ^ set(reference)))
                raise ModelsError(f"{name}, modèle « {m.key} » : les modèles décrivent les mêmes questions que "
                                  f"« {first.key} » ({diff} chez l'un et pas chez l'autre)")
    return out


# --- checks -------------------------------------------------------------------------------------


def _model(raw: object, cb: Codebook, name: str, number: int) -> Model:
    if not isinstance(raw, dict) or not isinstance(raw.get("key"), str) or not raw["key"]:
        raise ModelsError(f"{name}, modèle n°{number} : un dictionnaire avec une clé « key » est attendu")
    at = f"{name}, modèle « {raw['key']} »"
    _keys(raw, _MODEL_KEYS, _MODEL_KEYS, at)
    if not isinstance(raw["name"], str) or not raw["name"]:
        raise ModelsError(f"{at}, name : un texte est attendu")
    partnerships = _keys(raw["partnerships"], {"mean", "offset"}, {"mean", "offset"}, f"{at}, partnerships")
    adoption = _by_slug(raw["adoption"], cb[TYPE_QUESTION], f"{at}, adoption")
    return Model(
        key=raw["key"],
        name=raw["name"],
        adoption=MappingProxyType({s: _number(w, f"{at}, adoption, {s}") for s, w in adoption.items()}),
        partnerships=(_number(partnerships["mean"], f"{at}, partnerships, mean"),
                      int(_number(partnerships["offset"], f"{at}, partnerships, offset", integer=True))),
        start_years=_range(raw["start_years"], f"{at}, start_years", integer=True),
        subsidy_share=_range(raw["subsidy_share"], f"{at}, subsidy_share", high=1.0),
        **{key: _number(raw[key], f"{at}, {key}", high=1.0 if key in _PROBABILITIES else None) for key in _NUMBERS},
        singles=_profiles(raw["singles"], cb, "single", at),
        multis=_profiles(raw["multis"], cb, "multi", at),
    )


def _profiles(raw: object, cb: Codebook, kind: str, at: str) -> Mapping[str, tuple[float, ...]]:
    """Question code -> probabilities by slug, as a tuple in codebook order."""
    section = "singles" if kind == "single" else "multis"
    if not isinstance(raw, dict) or not raw:
        raise ModelsError(f"{at}, {section} : un dictionnaire question -> probabilités est attendu")
    out = {}
    for code, probs in raw.items():
        if code not in cb.codes:
            raise ModelsError(f"{at}, {section} : question « {code} » inconnue du codebook")
        q = cb[code]
        if q.type != kind:
            raise ModelsError(f"{at}, {section} : {code} est une question de type « {q.type} », pas « {kind} »")
        table = _by_slug(probs, q, f"{at}, question {code}")
        values = tuple(_number(table[m.slug], f"{at}, question {code}, modalité « {m.slug} »", high=1.0)
                       for m in q.modalities)
        if kind == "single" and not sum(values) > 0:
            raise ModelsError(f"{at}, question {code} : au moins une modalité doit avoir un poids positif")
        out[code] = values
    return MappingProxyType(out)


def _type(raw: object, at: str) -> TypeProfile:
    entry = _keys(raw, _TYPE_KEYS - {"share"}, _TYPE_KEYS, at)
    keys = ("median", "spread", "min", "max")
    population = _keys(entry["population"], set(keys), set(keys), f"{at}, population")
    low, high = _range([population["min"], population["max"]], f"{at}, population, min et max", integer=True)
    return TypeProfile(
        share=_number(entry.get("share", 0.0), f"{at}, share", high=1.0),
        budget=_number(entry["budget"], f"{at}, budget"),
        etp=_range(entry["etp"], f"{at}, etp"),
        population=(_number(population["median"], f"{at}, population, median"),
                    _number(population["spread"], f"{at}, population, spread"), low, high),
    )


def _by_slug(raw: object, q: Question, at: str) -> dict[str, object]:
    """A mapping keyed by every modality slug of ``q``, in codebook order: none unknown, none missing."""
    if not isinstance(raw, dict):
        raise ModelsError(f"{at} : un dictionnaire par modalité de {q.code} est attendu")
    slugs = [m.slug for m in q.modalities]
    for key in raw:
        if key not in slugs:
            raise ModelsError(f"{at} : modalité « {key} » inconnue de {q.code} dans le codebook "
                              f"(modalités : {', '.join(slugs)})")
    missing = [s for s in slugs if s not in raw]
    if missing:
        raise ModelsError(f"{at} : modalité(s) de {q.code} manquante(s) : {', '.join(missing)}")
    return {s: raw[s] for s in slugs}


def _keys(raw: object, required: set[str], allowed: set[str], at: str) -> dict[str, object]:
    if not isinstance(raw, dict):
        raise ModelsError(f"{at} : un dictionnaire est attendu (clés {', '.join(sorted(allowed))})")
    unknown, missing = sorted(set(raw) - allowed), sorted(required - set(raw))
    if unknown or missing:
        raise ModelsError(f"{at} : clé(s) inconnue(s) {', '.join(unknown) or '-'} ; "
                          f"manquante(s) {', '.join(missing) or '-'}")
    return raw


def _number(value: object, at: str, *, high: float | None = None, integer: bool = False) -> float | int:
    expected = int if integer else (int, float)
    limit = float("inf") if high is None else high
    if isinstance(value, bool) or not isinstance(value, expected) or not 0 <= value <= limit:
        bounds = f"entre 0 et {high:g}" if high is not None else "positif ou nul"
        raise ModelsError(f"{at} : un nombre{' entier' if integer else ''} {bounds} est attendu, pas « {value} »")
    return value if integer else float(value)


def _range(raw: object, at: str, *, high: float | None = None, integer: bool = False) -> tuple:
    """[low, high] with low <= high."""
    if not isinstance(raw, list) or len(raw) != 2:
        raise ModelsError(f"{at} : deux nombres [minimum, maximum] sont attendus")
    low, top = (_number(v, at, high=high, integer=integer) for v in raw)
    if low > top:
        raise ModelsError(f"{at} : le minimum {low} dépasse le maximum {top}")
    return (low, top)
