"""A wave: every returned file of a folder into one table of responses and one ingest report.

Each file is read by :mod:`pipeline.ingest.files` (through :mod:`pipeline.ingest.workers`, so
that one bad file never costs the wave); the records become the typed responses table
(codebook columns in order, then provenance) and the entries the report (one per file, totals).
The stage ``python -m pipeline.stages.ingest`` writes both.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.atomic import atomic_write_parquet, atomic_write_text
from pipeline.common.issues import SEVERITIES
from pipeline.domain.codebook import Codebook, load_codebook
from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest.files import PROVENANCE, STATUSES
from pipeline.ingest.workers import read_files


def list_wave_files(wave_dir: str | Path) -> list[Path]:
    """Files of a wave, sorted; hidden files, Office lock files (~$) and DVC files skipped."""
    wave = Path(wave_dir)
    out = []
    for p in wave.rglob("*"):
        rel = p.relative_to(wave)
        if not p.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if p.name.startswith("~$") or p.suffix.lower() in (".dvc", ".gitignore"):
            continue
        out.append(p)
    return sorted(out, key=lambda p: p.relative_to(wave).as_posix())


def responses_frame(records: list[dict[str, object]], codebook: Codebook) -> pd.DataFrame:
    """Typed responses table: response_id, codebook columns in order, provenance."""
    data: dict[str, object] = {"response_id": pd.array([r["response_id"] for r in records], dtype="string")}
    for q in codebook:
        for col in q.columns:
            vals = [r.get(col) for r in records]
            if q.type == "multi":
                data[col] = pd.array(vals, dtype="boolean")
            elif q.type == "number":
                data[col] = np.array([np.nan if v is None else float(v) for v in vals], dtype="float64")
            else:
                data[col] = pd.array(vals, dtype="string")
    for col in PROVENANCE:
        vals = [r.get(col) for r in records]
        data[col] = pd.array(vals, dtype="Int64" if col == "source_row" else "string")
    return pd.DataFrame(data)


def ingest_wave(wave_dir: str | Path, codebook: Codebook | None = None, params: IngestParams | None = None,
                progress: bool = False) -> tuple[pd.DataFrame, dict[str, object]]:
    """Ingest every file of a wave folder: (responses table, ingest report).

    With ``params.max_seconds_per_file`` > 0, files are read by ``params.workers`` worker
    processes: a file that takes longer, or that crashes its reader, is rejected and the worker
    replaced; the rest of the wave goes on (:mod:`pipeline.ingest.workers`).
    """
    codebook = codebook or load_codebook()
    params = params or defaults(IngestParams)
    wave = Path(wave_dir)
    files = list_wave_files(wave)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(files), desc="ingest", unit="fichier", file=sys.stderr)
    records: list[dict[str, object]] = []
    entries: list[dict[str, object]] = []
    for result in read_files(files, wave, codebook, params):
        records.extend(result.records)
        entries.append(result.report)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    frame = responses_frame(records, codebook)
    return frame, build_report(wave.as_posix(), entries)


def build_report(wave: str, entries: list[dict[str, object]]) -> dict[str, object]:
    """The ingest report: one entry per file plus totals."""
    totals: dict[str, object] = {"files": len(entries)}
    for status in STATUSES:
        totals[status] = sum(1 for e in entries if e["status"] == status)
    totals["rows_read"] = sum(int(e["rows_read"]) for e in entries)
    problems = [p for e in entries for p in e["problems"]]
    totals["problems"] = len(problems)
    for sev in SEVERITIES:
        totals[f"problems_{sev}"] = sum(1 for p in problems if p["severity"] == sev)
    return {"wave": wave, "files": entries, "totals": totals}


def summary_fr(report: dict[str, object]) -> str:
    """Short French summary of an ingest report."""
    t = report["totals"]
    return (
        f"Ingestion de {t['files']} fichier(s) : {t['ingested']} intégré(s), {t['partial']} partiel(s), "
        f"{t['rejected']} rejeté(s) ; {t['rows_read']} réponse(s) lue(s) ; "
        f"{t['problems_error']} erreur(s), {t['problems_warning']} avertissement(s)."
    )


def write_outputs(frame: pd.DataFrame, report: dict[str, object], out_dir: str | Path) -> None:
    """Write responses.parquet and ingest_report.json (deterministic)."""
    out = Path(out_dir)
    atomic_write_parquet(frame, out / "responses.parquet")
    atomic_write_text(out / "ingest_report.json", json.dumps(report, ensure_ascii=False, indent=2) + "\n")
