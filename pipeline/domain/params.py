"""The blocks of params.yaml, typed: a mistyped or missing key fails at start, in French.

``params.yaml`` is the only place a setting has a value: the dataclasses below declare names and
types, never defaults. Code that needs the project's settings without a stage (a notebook, a
test, ``acter check``) reads them with :func:`defaults`, which loads the project's params.yaml.
Each block is read by the stage of the same name; ``survey:`` by every stage that needs the year.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml

T = TypeVar("T")

# The project's params.yaml: the source of every default (the package is installed editable).
PARAMS_FILE = Path(__file__).resolve().parents[2] / "params.yaml"


class ParamsError(ValueError):
    """params.yaml does not match what a stage expects (message in French)."""


# --- the blocks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyParams:
    """``survey:`` — the wave of the year and the earlier wave it is compared with."""

    BLOCK: ClassVar[str] = "survey"
    year: int
    wave: str
    reference_year: int
    reference_wave: str


@dataclass(frozen=True)
class DemoParams:
    """``demo:`` — the generated demo survey (two waves)."""

    BLOCK: ClassVar[str] = "demo"
    seed: int
    n_collectivites: int
    n_models: int
    unreadable_files: int
    response_rate: float
    duplicate_rate: float
    mistake_rate: float
    flag_rate: float
    retention: float
    newcomers: float
    growing_model: str
    growth: float


@dataclass(frozen=True)
class IngestParams:
    """``ingest:`` — header matching and the limits on hostile or runaway files."""

    BLOCK: ClassVar[str] = "ingest"
    fuzzy_threshold: float
    max_header_scan_rows: int
    max_file_mb: float
    max_decompressed_mb: float
    max_compression_ratio: float
    max_rows: int
    max_columns: int
    max_cells: int
    max_cell_chars: int
    max_seconds_per_file: float
    workers: int


@dataclass(frozen=True)
class Bins:
    """Classes of a numeric variable: ``edges`` are the inner cut points (a value equal to an
    edge goes to the upper class), ``labels`` the len(edges) + 1 French class labels."""

    edges: list[float]
    labels: list[str]


@dataclass(frozen=True)
class CleanParams:
    """``clean:`` — thresholds of the validation rules, reference tables, derived classes."""

    BLOCK: ClassVar[str] = "clean"
    communes: str
    population_tolerance: float
    fuzzy_threshold: float
    budget_per_inhabitant_max: dict[str, float]
    strate_population: Bins
    classes: dict[str, Bins]


@dataclass(frozen=True)
class TypologyParams:
    """``typology:`` — MCA + HCPC settings and the analysts' names of the types."""

    BLOCK: ClassVar[str] = "typology"
    include_column: str
    include_values: list[str]
    ncp: int
    k: int | None
    k_min: int
    k_max: int
    kk: int | None
    seed: int
    n_bootstrap: int
    n_seeds: int
    jaccard_stable: float
    jaccard_doubtful: float
    proba: float
    names: dict[int, str]
    published: str


@dataclass(frozen=True)
class TrendsParams:
    """``trends:`` — how a change between the two waves is classed."""

    BLOCK: ClassVar[str] = "trends"
    stable_band: float


@dataclass(frozen=True)
class ContinuityParams:
    """``continuity:`` — when last year's types and this year's refit are said to drift apart."""

    BLOCK: ClassVar[str] = "continuity"
    ari_min: float
    share_change_max: float


@dataclass(frozen=True)
class ReportParams:
    """``report:`` — publication rules and rendering of the reports."""

    BLOCK: ClassVar[str] = "report"
    small_cell_threshold: int
    quantile_min_n: int
    allow_comments: bool
    networks: bool
    workers: int
    source: str

    def __post_init__(self) -> None:
        if self.small_cell_threshold < 1:
            raise ParamsError("params.yaml, report.small_cell_threshold : un entier ≥ 1 est attendu")
        if self.workers < 1:
            raise ParamsError("params.yaml, report.workers : un entier ≥ 1 est attendu")


BLOCKS: tuple[type, ...] = (SurveyParams, DemoParams, IngestParams, CleanParams, TypologyParams, TrendsParams,
                            ContinuityParams, ReportParams)


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


@cache
def _project_block(cls: type[T]) -> T:
    return load_block(cls, PARAMS_FILE)


def defaults(cls: type[T], **overrides: Any) -> T:
    """The block ``cls`` as the project's params.yaml sets it, with ``overrides`` (tests, notebooks, CLI)."""
    return dataclasses.replace(_project_block(cls), **overrides)  # type: ignore[type-var]


def block_from_dict(cls: type[T], raw: Any, name: str) -> T:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParamsError(f"params.yaml, bloc « {name} » : un dictionnaire est attendu")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ParamsError(
            f"params.yaml, bloc « {name} » : clé(s) inconnue(s) {', '.join(unknown)} "
            f"(clés possibles : {', '.join(fields)})"
        )
    hints = typing.get_type_hints(cls)
    values = {}
    for key, f in fields.items():
        if key not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ParamsError(f"params.yaml, bloc « {name} » : clé « {key} » manquante")
            continue
        values[key] = _coerce(raw[key], hints[key], f"{name}.{key}")
    return cls(**values)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(value, a, where)
            except ParamsError as exc:
                errors.append(str(exc))
        raise ParamsError(errors[0] if errors else f"params.yaml, {where} : valeur invalide")
    if dataclasses.is_dataclass(hint):
        return block_from_dict(hint, value, where)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ParamsError(f"params.yaml, {where} : une liste est attendue, pas « {value} »")
        inner = args[0] if args else Any
        out = [_coerce(v, inner, where) for v in value]
        return tuple(out) if origin is tuple else out
    if origin is dict:
        if not isinstance(value, dict):
            raise ParamsError(f"params.yaml, {where} : un dictionnaire est attendu")
        kt, vt = args if args else (Any, Any)
        return {_coerce(k, kt, where): _coerce(v, vt, where) for k, v in value.items()}
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ParamsError(f"params.yaml, {where} : {hint.__name__} attendu, pas « {value} »")
    return value
