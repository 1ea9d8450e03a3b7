"""What the report reads, typed: the publishable columns of clean.parquet, the published typology
(types, description, metrics record), the clean stage's quality summary and the trends stage's
evolutions. Each input has one producer, whose layout is read as it is written, not searched for.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from pipeline.domain.codebook import load_codebook
from pipeline.reporting.safety import check_no_pii
from pipeline.typology.metrics import TypologyMetrics
from pipeline.common.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
# Answers the report publishes (as counts, shares or quartiles): never an identifier (SIREN,
# INSEE code), a name, a date or provenance; the free comment only when report.allow_comments.
PUBLISHED_TYPES = ("single", "multi", "number")
COMMENT = "F05"
# typology.parquet (pipeline.typology.recipe.type_wave, pipeline.panel.continuity.classify_wave):
# these columns, then the MCA coordinates F1, F2, ... (pipeline.typology.mca).
TYPES_COLUMNS = ("response_id", "type", "type_name")
COORDINATE = re.compile(r"F\d+")
# typology_description.parquet (pipeline.typology.model.describe_partition, FactoMineR catdes):
# the exact column (B03__jumelage) and its raw value (Oui, Non, a label, <column>.NA when
# unanswered); mod_cla and global are percentages.
DESCRIPTION_COLUMNS = ("type", "column", "value", "v_test", "mod_cla", "global", "count")
# trends.parquet (pipeline.panel.trends.classify_changes): the evolution classes are evolution_*.
EVOLUTION_PREFIX = "evolution_"


class InputsError(UserError, ValueError):
    """An input that is not what its stage writes (message in French)."""


def publishable_columns(allow_comments: bool) -> set[str]:
    """Columns of clean.parquet the report may read: categorical and numeric answers, derived
    variables (classes, network), the respondent's row id (to join the typology), and the free
    comment if allowed."""
    codebook = load_codebook()
    answers = {c for q in codebook.of_type(*PUBLISHED_TYPES) for c in q.columns}
    derived = {d.code for d in codebook.derived}
    return answers | derived | {"response_id"} | ({COMMENT} if allow_comments else set())


def read_clean(path: Path, allow_comments: bool) -> pd.DataFrame:
    """Read from clean.parquet only what the report publishes (a personal data column refused)."""
    names = pq.read_schema(path).names
    check_no_pii(names)
    wanted = publishable_columns(allow_comments)
    return pd.read_parquet(path, columns=[c for c in names if c in wanted])


def _read_columns(path: Path, columns: list[str]) -> pd.DataFrame:
    missing = [c for c in columns if c not in pq.read_schema(path).names]
    if missing:
        raise InputsError(f"{path} : colonne(s) attendue(s) absente(s) ({', '.join(missing)}) : relancez "
                          "l'étape typologie (dvc repro).")
    return pd.read_parquet(path, columns=columns)


def read_json(path: Path | None) -> dict:
    """A stage's JSON summary (quality.json, trends.json); {} when there is none."""
    if path is None or not Path(path).exists():
        return {}
    return json.loads(Path(path).read_text(encoding="utf-8"))


@dataclass
class Typology:
    """The published typology as its stages write it."""

    types: pd.DataFrame        # index response_id; type (int), nom ("1. <type_name>")
    coords: pd.DataFrame       # index response_id; F1, F2, ...
    description: pd.DataFrame  # DESCRIPTION_COLUMNS
    metrics: TypologyMetrics | None  # None only when there is no typology

    @property
    def available(self) -> bool:
        return not self.types.empty


NO_TYPOLOGY = Typology(pd.DataFrame(columns=["type", "nom"]), pd.DataFrame(), pd.DataFrame(), None)


def read_typology(path: Path | None, description: Path | None, metrics: Path | None) -> Typology:
    """typology.parquet, its description and metrics/typology.json; no typology file: no typology
    (the report says so). The three are written together: one missing beside the types is an error."""
    if path is None or not Path(path).exists():
        return NO_TYPOLOGY
    for companion in (description, metrics):
        if companion is None or not Path(companion).exists():
            raise InputsError(f"La typologie {path} est présente mais pas {companion or 'sa description ou son bilan'} "
                              ": relancez l'étape typologie (dvc repro).")
    coords = [c for c in pq.read_schema(path).names if COORDINATE.fullmatch(c)]
    raw = _read_columns(Path(path), [*TYPES_COLUMNS, *coords]).set_index("response_id")
    types = pd.DataFrame({"type": raw["type"].astype(int),
                          "nom": [f"{t}. {name}" for t, name in zip(raw["type"], raw["type_name"])]}, index=raw.index)
    return Typology(types, raw[coords].astype(float), _read_columns(Path(description), list(DESCRIPTION_COLUMNS)),
                    TypologyMetrics.read(metrics))


def read_evolutions(path: Path | None) -> pd.DataFrame:
    """The network and evolution classes of trends.parquet: no name, no identifier is read."""
    if path is None or not Path(path).exists():
        return pd.DataFrame()
    names = pq.read_schema(path).names
    columns = [c for c in names if c.startswith(EVOLUTION_PREFIX)]
    return pd.read_parquet(path, columns=["rrma_slug", *columns]) if columns else pd.DataFrame()


@dataclass
class Inputs:
    clean: pd.DataFrame
    typology: Typology
    quality: dict              # data/processed/quality.json (clean stage)
    trends: dict               # metrics/trends.json (trends stage)
    evolutions: pd.DataFrame   # rrma_slug and evolution_* of data/processed/trends.parquet
    year: int


_INPUTS: dict[tuple, Inputs] = {}


def load_inputs(clean: str, typology: str | None, description: str | None, metrics: str | None,
                quality: str | None, trends: str | None, trends_table: str | None, year: int,
                allow_comments: bool) -> Inputs:
    """Read the inputs once per kernel (network reports reuse what the national one read).

    Relative paths are taken from the project root when they do not exist from the current
    folder (the notebook opened interactively runs in notebooks/).
    """
    def here(p):
        return str(ROOT / p) if p and not Path(p).is_absolute() and not Path(p).exists() else p

    paths = [here(p) for p in (clean, typology, description, metrics, quality, trends, trends_table)]

    def stamp(p):
        return (str(p), Path(p).stat().st_mtime_ns) if p and Path(p).exists() else (str(p), None)

    key = (*map(stamp, paths), year, allow_comments)
    if key not in _INPUTS:
        _INPUTS.clear()
        clean, typology, description, metrics, quality, trends, trends_table = (Path(p) if p else None for p in paths)
        _INPUTS[key] = Inputs(read_clean(clean, allow_comments), read_typology(typology, description, metrics),
                              read_json(quality), read_json(trends), read_evolutions(trends_table), year)
    return _INPUTS[key]


def list_scopes(clean: pd.DataFrame) -> list[str]:
    """Networks with at least one respondent, by slug."""
    if "rrma_slug" not in clean:
        return []
    return sorted(s for s in clean["rrma_slug"].dropna().astype(str).unique() if s)
