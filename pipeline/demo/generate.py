"""Demo survey: two waves of a seeded population of collectivités, their returned files, the truth.

The stage ``python -m pipeline.stages.demo --params params.yaml --out data/raw/demo --truth data/demo``
writes, for the reference year and the survey year of params.yaml (``survey.reference_year``,
``survey.year``), the returned files (every layout and format of the questionnaire's "How
answers come back", with realistic mistakes) under ``--out/<year>/`` and, apart from them, the
ground truth under ``--truth/<year>/``: ``truth.parquet`` (what ingest should read from each
file), ``manifest.json`` (files, expected status, planted mistakes with their cells) and
``collectivites.parquet`` (the population with its planted organisational model that year).
The second wave is a panel of the first (:mod:`pipeline.demo.panel`): most collectivités answer
again, one planted model grows.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from pipeline.common.atomic import (
    atomic_write_bytes,
    atomic_write_parquet,
    atomic_write_text,
)
from pipeline.demo.answers import Answers
from pipeline.demo.layouts import render_broken, render_file
from pipeline.demo.models import Model, select_models
from pipeline.demo.panel import evolve_answers, next_population
from pipeline.demo.plan import (
    assign_files,
    build_submissions,
    plan_mistakes,
    plant_comments,
    plant_flags,
)
from pipeline.demo.population import Collectivite, generate_population
from pipeline.demo.submissions import Mistake, Placement, Submission
from pipeline.demo.templates import Templates
from pipeline.domain.codebook import Codebook, load_codebook
from pipeline.domain.params import DemoParams


@dataclass(frozen=True)
class FileEntry:
    """One returned file in the manifest: its way back, format and what ingest should make of it."""

    file: str
    layout: str
    format: str
    expected_status: str
    n_respondents: int
    shape: str = ""  # how the file was made when not as the layout's usual file (pipeline.demo.layouts.SHAPES)


@dataclass
class Manifest:
    """What a wave holds, written apart from its files (manifest.json)."""

    year: int
    seed: int
    files: list[FileEntry] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


# --- rendering and truth ------------------------------------------------------------------------


def render_all(seed: int, cb: Codebook, subs: list[Submission], year: int
               ) -> tuple[dict[str, bytes], Manifest, list[Placement]]:
    """Bytes of every returned file, the manifest, and where each answer landed."""
    rng = np.random.default_rng([seed, 1])
    templates = Templates.build(cb, year)
    by_file: dict[str, list[Submission]] = {}
    for s in subs:
        by_file.setdefault(s.file, []).append(s)
    files: dict[str, bytes] = {}
    manifest = Manifest(year=year, seed=seed)
    placements: list[Placement] = []
    for path in sorted(by_file):
        group = sorted(by_file[path], key=lambda s: (s.answers["A14"], s.collectivite.collectivite_id))  # type: ignore[arg-type]
        first = group[0]
        layout, fmt = first.layout, first.fmt
        if layout == "broken":
            files[path] = render_broken(first, path, cb, year, rng, templates)
            manifest.files.append(FileEntry(path, "broken", fmt, "rejected", 0))
            continue
        rendered = render_file(layout, fmt, group, path, cb, year, rng, templates, first.shape)
        files[path] = rendered.data
        placements.extend(rendered.placements)
        manifest.mistakes.extend(rendered.mistakes)
        # a cell that cannot be read (reported) leaves the file partly ingested
        status = "partial" if any(m.outcome == "reported" for m in rendered.mistakes) else "ingested"
        manifest.files.append(FileEntry(path, layout, fmt, status, len(rendered.placements), first.shape))
    return files, manifest, placements


def truth_values(cb: Codebook, answers: Answers) -> dict[str, object]:
    """Answers as responses.parquet columns: labels, booleans per modality, floats, ISO dates."""
    out: dict[str, object] = {}
    for q in cb:
        v = answers.get(q.code)
        if q.type == "multi":
            for m in q.modalities:
                out[f"{q.code}__{m.slug}"] = None if v is None else m.slug in v  # type: ignore[operator]
        elif v is None:
            out[q.code] = None
        elif q.type == "single":
            out[q.code] = q.modality(str(v)).label
        elif q.type == "number":
            out[q.code] = float(v)  # type: ignore[arg-type]
        elif q.type == "date":
            out[q.code] = v.isoformat()  # type: ignore[attr-defined]
        else:
            out[q.code] = str(v)
    return out


def truth_frame(cb: Codebook, placements: list[Placement]) -> pd.DataFrame:
    """One row per response written in a readable file, with what ingest should read."""
    rows = []
    for p in placements:
        c = p.sub.collectivite
        rows.append({"collectivite_id": c.collectivite_id, "model": c.model, "is_correction": p.sub.is_correction,
                     "source_file": p.sub.file, "source_sheet": p.sheet, "source_row": p.row,
                     **truth_values(cb, p.truth)})
    frame = pd.DataFrame(rows, columns=["collectivite_id", "model", "is_correction", "source_file", "source_sheet",
                                        "source_row", *cb.columns])
    dtypes: dict[str, str] = {"collectivite_id": "string", "model": "string", "is_correction": "bool",
                              "source_file": "string", "source_sheet": "string", "source_row": "Int64"}
    for q in cb:
        for col in q.columns:
            dtypes[col] = "boolean" if q.type == "multi" else "float64" if q.type == "number" else "string"
    return frame.astype(dtypes)


def population_frame(cb: Codebook, population: list[Collectivite]) -> pd.DataFrame:
    """The demo population, respondents or not, with its planted models (type as slug and label)."""
    frame = pd.DataFrame([asdict(c) for c in population])
    labels = {m.slug: m.label for m in cb["A02"].modalities}
    frame.insert(frame.columns.get_loc("type") + 1, "type_label", frame["type"].map(labels))
    return frame.astype({k: "string" for k in frame.columns if k not in ("population", "responded")})


def generate_wave(params: DemoParams, year: int, out_dir: Path, truth_dir: Path) -> Manifest:
    """Write the demo wave's returned files under ``out_dir`` and its truth under ``truth_dir``."""
    cb = load_codebook()
    rng = np.random.default_rng(params.seed)
    models = select_models(params.n_models)
    population = generate_population(rng, params.n_collectivites, models, params.response_rate)
    return _write_wave(rng, cb, params, models, population, year, out_dir, truth_dir)[0]


def generate_waves(params: DemoParams, reference_year: int, year: int, out_root: Path,
                   truth_root: Path) -> dict[int, Manifest]:
    """Two waves, ``out_root/<year>/`` and ``truth_root/<year>/``: the reference wave (the same
    bytes as :func:`generate_wave` for that year) and, a panel of it, the survey year's wave."""
    if year <= reference_year:
        raise ValueError(f"survey year {year} must come after the reference year {reference_year}")
    cb = load_codebook()
    models = select_models(params.n_models)
    growing = _growing_model(models, params.growing_model)
    rng = np.random.default_rng(params.seed)
    population = generate_population(rng, params.n_collectivites, models, params.response_rate)
    first, answers = _write_wave(rng, cb, params, models, population, reference_year,
                                 out_root / str(reference_year), truth_root / str(reference_year))
    rng = np.random.default_rng([params.seed, year])
    panel = next_population(rng, population, growing, params.retention, params.newcomers, params.growth)
    known = evolve_answers(rng, cb, answers, panel, {c.collectivite_id: c.model for c in population},
                           {m.name: m for m in models}, year)
    second, _ = _write_wave(rng, cb, params, models, panel, year, out_root / str(year), truth_root / str(year),
                            known=known)
    return {reference_year: first, year: second}


def _growing_model(models: tuple[Model, ...], key: str) -> Model:
    for m in models:
        if m.key == key:
            return m
    raise ValueError(f"demo.growing_model: « {key} » n'est pas un des modèles de la démo "
                     f"({', '.join(m.key for m in models)})")


def _write_wave(rng: np.random.Generator, cb: Codebook, params: DemoParams, models: tuple[Model, ...],
                population: list[Collectivite], year: int, out_dir: Path, truth_dir: Path,
                known: dict[str, Answers] | None = None) -> tuple[Manifest, dict[str, Answers]]:
    """Plan, render and write one wave; returns its manifest and each respondent's true answers."""
    subs = build_submissions(rng, cb, population, {m.name: m for m in models}, params.duplicate_rate, year,
                             known=known)
    answers = {s.collectivite.collectivite_id: s.answers for s in subs}  # the correction comes last
    subs = assign_files(rng, subs, params.unreadable_files, year)
    subs = plant_comments(subs)
    subs = plant_flags(rng, cb, subs, params.flag_rate)
    subs = plan_mistakes(rng, cb, subs, params.mistake_rate)
    files, manifest, placements = render_all(params.seed, cb, subs, year)
    _clear_previous(out_dir, truth_dir)
    for rel, data in files.items():  # each file whole or absent; the manifest, written last, lists them
        atomic_write_bytes(out_dir / PurePosixPath(rel), data)
    atomic_write_parquet(truth_frame(cb, placements), truth_dir / "truth.parquet")
    atomic_write_parquet(population_frame(cb, population), truth_dir / "collectivites.parquet")
    atomic_write_text(truth_dir / "manifest.json", json.dumps(manifest.to_dict(), ensure_ascii=False, indent=1) + "\n")
    return manifest, answers


def _clear_previous(out_dir: Path, truth_dir: Path) -> None:
    """Remove the files of a previous demo wave (those its manifest lists, nothing else)."""
    previous = truth_dir / "manifest.json"
    if not previous.is_file():
        return
    for entry in json.loads(previous.read_text(encoding="utf-8")).get("files", []):
        (out_dir / PurePosixPath(entry["file"])).unlink(missing_ok=True)
    for folder in sorted((p for p in out_dir.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
