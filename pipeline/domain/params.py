"""The blocks of params.yaml, typed: a mistyped or missing key fails at start, in French.

``params.yaml`` is the only place a setting has a value: the dataclasses below declare names and
types, never defaults. Code that needs the project's settings without a stage (a notebook, a
test, ``acter check``) reads them with :func:`defaults`, which loads the project's params.yaml.
Each block is read by the stage of the same name; ``survey:`` by every stage that needs the year.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml

from pipeline.common.errors import UserError
from pipeline.common.text import french_number

T = TypeVar("T")

# The project's params.yaml: the source of every default (the package is installed editable).
PARAMS_FILE = Path(__file__).resolve().parents[2] / "params.yaml"


class ParamsError(UserError, ValueError):
    """params.yaml does not match what a stage expects (message in French)."""


# --- the blocks ------------------------------------------------------------------------------
# Each field may carry what values are allowed (``_range``, ``_choice``); the loader checks them
# and names the key, the value and what is allowed, in French.


def _range(low: float | None = None, high: float | None = None) -> Any:
    return field(metadata={"range": (low, high)})


def _choice(*values: str) -> Any:
    return field(metadata={"choices": values})


SHARE = (0.0, 1.0)


@dataclass(frozen=True)
class SurveyParams:
    """``survey:`` — the wave of the year and the earlier wave it is compared with."""

    BLOCK: ClassVar[str] = "survey"
    year: int = _range(1990, 2100)
    wave: str = _range()
    reference_year: int = _range(1990, 2100)
    reference_wave: str = _range()

    def __post_init__(self) -> None:
        if self.reference_year > self.year:
            raise ParamsError(f"params.yaml, survey.reference_year : {self.reference_year} est après l'année de "
                              f"l'enquête ({self.year}) ; attendu : l'année d'une vague antérieure, ou la même "
                              "année pour une première enquête")


@dataclass(frozen=True)
class DemoParams:
    """``demo:`` — the generated demo survey (two waves)."""

    BLOCK: ClassVar[str] = "demo"
    seed: int = _range(0)
    n_collectivites: int = _range(10, 40_000)
    n_models: int = _range(2, 6)
    unreadable_files: int = _range(0, 100)
    response_rate: float = _range(0.01, 1.0)
    duplicate_rate: float = _range(*SHARE)
    mistake_rate: float = _range(*SHARE)
    flag_rate: float = _range(*SHARE)
    retention: float = _range(*SHARE)
    newcomers: float = _range(0.0, 10.0)
    growing_model: str = _range()
    growth: float = _range(*SHARE)


@dataclass(frozen=True)
class IngestParams:
    """``ingest:`` — header matching and the limits on hostile or runaway files."""

    BLOCK: ClassVar[str] = "ingest"
    fuzzy_threshold: float = _range(50, 100)
    max_header_scan_rows: int = _range(1, 10_000)
    max_file_mb: float = _range(0.001)
    max_decompressed_mb: float = _range(0.001)
    max_compression_ratio: float = _range(1)
    max_rows: int = _range(1)
    max_columns: int = _range(1, 16_384)
    max_cells: int = _range(1)
    max_cell_chars: int = _range(1, 32_767)
    max_seconds_per_file: float = _range(0)
    workers: int = _range(1, 64)


@dataclass(frozen=True)
class Bins:
    """Classes of a numeric variable: ``edges`` are the inner cut points (a value equal to an
    edge goes to the upper class), ``labels`` the len(edges) + 1 French class labels."""

    edges: list[float]
    labels: list[str]

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.edges) + 1:
            raise ParamsError(f"{len(self.edges)} seuil(s) et {len(self.labels)} libellé(s) ; attendu : un libellé "
                              "de plus que de seuils (une classe sous le premier seuil, une au-dessus du dernier)")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:])):
            raise ParamsError(f"seuils {self.edges} ; attendu : des seuils croissants")


@dataclass(frozen=True)
class CleanParams:
    """``clean:`` — thresholds of the validation rules, reference tables, derived classes."""

    BLOCK: ClassVar[str] = "clean"
    communes: str
    population_tolerance: float = _range(0.0, 10.0)
    fuzzy_threshold: float = _range(50, 100)
    budget_per_inhabitant_max: dict[str, float] = _range(0)
    strate_population: Bins = field()
    classes: dict[str, Bins] = field()


@dataclass(frozen=True)
class TypologyParams:
    """``typology:`` — MCA + HCPC settings and the analysts' names of the types."""

    BLOCK: ClassVar[str] = "typology"
    include_column: str
    include_values: list[str]
    min_respondents: int = _range(10)
    ncp: int = _range(1, 50)
    k: int | None = _range(2, 50)
    k_min: int = _range(2, 50)
    k_max: int = _range(2, 50)
    kk: int | None = _range(10, 10_000)
    seed: int = _range(0)
    n_bootstrap: int = _range(0, 1_000)
    n_seeds: int = _range(1, 100)
    jaccard_stable: float = _range(*SHARE)
    jaccard_doubtful: float = _range(*SHARE)
    proba: float = _range(0.0001, 0.5)
    names: dict[str, str] = field()   # name suggested by a type's portrait -> the analysts' name
    published: str = _choice("refit", "reference")
    weights: str = _choice("none", "calibration")
    missing: str = _choice("passive", "category")

    def __post_init__(self) -> None:
        if self.k_max < self.k_min:
            raise ParamsError(f"params.yaml, typology.k_max : {self.k_max} est inférieur à typology.k_min "
                              f"({self.k_min}) ; attendu : k_min ≤ k_max")
        if self.k is not None and not self.k_min <= self.k <= self.k_max:
            raise ParamsError(f"params.yaml, typology.k : {self.k} types demandés ; attendu : null (nombre "
                              f"automatique) ou un nombre entre typology.k_min ({self.k_min}) et typology.k_max "
                              f"({self.k_max})")
        if self.jaccard_doubtful > self.jaccard_stable:
            raise ParamsError(f"params.yaml, typology.jaccard_doubtful : {self.jaccard_doubtful} dépasse "
                              f"typology.jaccard_stable ({self.jaccard_stable}) ; attendu : doubtful ≤ stable")
        numbered = [k for k in self.names if k.strip().isdigit()]
        if numbered:
            raise ParamsError(f"params.yaml, typology.names : « {numbered[0]} » ; un nom choisi se rattache au profil "
                              "d'un type, pas à son numéro (qui change d'une année sur l'autre) ; attendu : le nom "
                              "proposé (metrics/typology.json, type_names_suggested) : le nom choisi, ex. "
                              "{\"Engagement ponctuel via jumelage\": \"Jumelages de proximité\"}")


@dataclass(frozen=True)
class TrendsParams:
    """``trends:`` — how a change between the two waves is classed."""

    BLOCK: ClassVar[str] = "trends"
    stable_band: float = _range(*SHARE)


@dataclass(frozen=True)
class ContinuityParams:
    """``continuity:`` — when last year's types and this year's refit are said to drift apart."""

    BLOCK: ClassVar[str] = "continuity"
    ari_min: float = _range(*SHARE)
    share_change_max: float = _range(*SHARE)


@dataclass(frozen=True)
class WeightsParams:
    """``weights:`` — the frame of collectivités, matching, coverage and calibration weights (raking)."""

    BLOCK: ClassVar[str] = "weights"
    frame: str = _range()
    margins: list[str] = _choice("type", "taille", "reseau")
    collapse: dict[str, dict[str, str]] = field()
    bounds: list[float] = _range(0.0)
    trim: bool = field()
    tolerance: float = _range(1e-15, 1e-3)
    max_iterations: int = _range(1, 100_000)
    fuzzy_threshold: float = _range(50, 100)
    publish_estimates: bool = field()

    def __post_init__(self) -> None:
        if not self.margins or len(set(self.margins)) != len(self.margins):
            raise ParamsError(f"params.yaml, weights.margins : {self.margins} ; attendu : une liste de marges "
                              "différentes parmi type, taille, reseau")
        if len(self.bounds) != 2 or not 0 < self.bounds[0] <= 1 <= self.bounds[1]:
            raise ParamsError(f"params.yaml, weights.bounds : {self.bounds} ; attendu : [bas, haut] avec "
                              "0 < bas ≤ 1 ≤ haut (rapport du poids final au poids de départ)")
        unknown = sorted(set(self.collapse) - set(self.margins))
        if unknown:
            raise ParamsError(f"params.yaml, weights.collapse : marge « {unknown[0]} » absente de weights.margins")


@dataclass(frozen=True)
class ReportParams:
    """``report:`` — publication rules and rendering of the reports."""

    BLOCK: ClassVar[str] = "report"
    small_cell_threshold: int = _range(1, 100)
    quantile_min_n: int = _range(1, 1_000)
    allow_comments: bool = field()
    networks: bool = field()
    workers: int = _range(1, 64)
    source: str = field()
    pdf: bool = field()
    protection_primary: int = _range(1, 100)
    protection_secondary: int | None = _range(0, 100)

    @property
    def secondary_protection(self) -> int:
        """``protection_secondary``, or ``small_cell_threshold`` − 1 when null."""
        if self.protection_secondary is None:
            return max(0, self.small_cell_threshold - 1)
        return self.protection_secondary


BLOCKS: tuple[type, ...] = (SurveyParams, DemoParams, IngestParams, CleanParams, WeightsParams, TypologyParams,
                            TrendsParams, ContinuityParams, ReportParams)


# --- loading ---------------------------------------------------------------------------------


def read_params(path: str | Path = "params.yaml") -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ParamsError(f"Impossible de lire {path} : {exc}") from exc
    if not isinstance(data, dict):
        raise ParamsError(f"{path} doit contenir des blocs (survey:, ingest:, ...)")
    return data


def load_block(cls: type[T], path: str | Path = "params.yaml") -> T:
    """Build the dataclass ``cls`` from its block (``cls.BLOCK``) of params.yaml, checking keys and types."""
    return block_from_dict(cls, read_params(path).get(cls.BLOCK), cls.BLOCK)  # type: ignore[attr-defined]


def check_params(path: str | Path = "params.yaml") -> list[str]:
    """Every problem of params.yaml, one French sentence each (empty when every block is valid)."""
    try:
        data = read_params(path)
    except ParamsError as exc:
        return [str(exc)]
    names = {cls.BLOCK for cls in BLOCKS}  # type: ignore[attr-defined]
    problems = []
    for block in sorted(set(data) - names, key=str):
        close = difflib.get_close_matches(str(block), sorted(names), n=1)
        hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else f" ; blocs possibles : {', '.join(sorted(names))}"
        problems.append(f"params.yaml, bloc « {block} » inconnu{hint}")
    for cls in BLOCKS:
        try:
            block_from_dict(cls, data.get(cls.BLOCK), cls.BLOCK)  # type: ignore[attr-defined]
        except ParamsError as exc:
            problems.append(str(exc))
    return problems


@cache
def _project_block(cls: type[T]) -> T:
    return load_block(cls, PARAMS_FILE)


def defaults(cls: type[T], **overrides: Any) -> T:
    """The block ``cls`` as the project's params.yaml sets it, with ``overrides`` (tests, notebooks, CLI)."""
    return dataclasses.replace(_project_block(cls), **overrides)  # type: ignore[type-var]


_TYPE_FR = {int: "un nombre entier", float: "un nombre", str: "un texte", bool: "true ou false"}


def block_from_dict(cls: type[T], raw: Any, name: str) -> T:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParamsError(f"params.yaml, {name} : « {raw} » ; attendu : un bloc de clés (clé: valeur)")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - set(fields), key=str)
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(str(key), list(fields), n=1)
        hint = f" ; vouliez-vous dire « {close[0]} » ?" if close else f" ; clés possibles : {', '.join(fields)}"
        raise ParamsError(f"params.yaml, {name}.{key} : clé inconnue{hint}")
    hints = typing.get_type_hints(cls)
    values = {}
    for key, f in fields.items():
        if key not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ParamsError(f"params.yaml, {name}.{key} : clé manquante ; ajoutez-la (voir le params.yaml du projet)")
            continue
        values[key] = _coerce(raw[key], hints[key], f"{name}.{key}")
        _check_allowed(values[key], f, f"{name}.{key}")
    try:
        return cls(**values)
    except ParamsError as exc:
        if str(exc).startswith("params.yaml"):
            raise
        raise ParamsError(f"params.yaml, {name} : {exc}") from None


def _check_allowed(value: Any, f: dataclasses.Field, where: str) -> None:
    """The field's range or choices (``_range``, ``_choice``), for a value or each value of a list or dict."""
    low, high = f.metadata.get("range", (None, None))
    choices = f.metadata.get("choices")
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
    for v in items:
        if v is None or isinstance(v, bool):
            continue
        if choices is not None and v not in choices:
            raise ParamsError(f"params.yaml, {where} : « {v} » n'est pas permis ; attendu : "
                              + " ou ".join(choices))
        if isinstance(v, (int, float)) and ((low is not None and v < low) or (high is not None and v > high)):
            allowed = (f"un nombre entre {_num(low)} et {_num(high)}" if low is not None and high is not None
                       else f"un nombre d'au moins {_num(low)}" if low is not None else f"un nombre d'au plus {_num(high)}")
            raise ParamsError(f"params.yaml, {where} : {_num(v)} n'est pas permis ; attendu : {allowed}")
        if isinstance(v, str) and "range" in f.metadata and not v.strip():
            raise ParamsError(f"params.yaml, {where} : valeur vide ; attendu : un texte non vide")


def _num(x: float) -> str:
    return french_number(x, None, grouping=False)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        try:
            return _coerce(value, inner[0], where) if len(inner) == 1 else value
        except ParamsError as exc:
            raise ParamsError(f"{exc} ou null") from None
    if dataclasses.is_dataclass(hint):
        return block_from_dict(hint, value, where)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ParamsError(f"params.yaml, {where} : « {value} » ; attendu : une liste entre crochets, ex. [a, b]")
        inner = args[0] if args else Any
        out = [_coerce(v, inner, where) for v in value]
        return tuple(out) if origin is tuple else out
    if origin is dict:
        if not isinstance(value, dict):
            raise ParamsError(f"params.yaml, {where} : « {value} » ; attendu : un bloc de clés (clé: valeur)")
        kt, vt = args if args else (Any, Any)
        return {_coerce(k, kt, where): _coerce(v, vt, f"{where}.{k}") for k, v in value.items()}
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ParamsError(f"params.yaml, {where} : « {value} » ; attendu : {_TYPE_FR.get(hint, hint.__name__)}")
    return value
