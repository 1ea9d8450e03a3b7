"""`acter check FILE_OR_FOLDER...`: read and validate returned files without touching the pipeline.

Each file is read as the ingest stage reads a wave: in a guarded worker process, with the time
limit ``ingest.max_seconds_per_file`` (a file that overruns or crashes its reader is rejected,
the others are checked); a folder is checked file by file, the files listed as the wave lists
them (:func:`~pipeline.ingest.wave.list_wave_files`). The clean stage's rules then run on the
responses read.

Prints, in French, one line per file without problems ("✓ fichier.xlsx : aucun problème
(1 réponse lue)") or each problem with its place ("fichier.xlsx, feuille « Réponses », cellule
F5 : … Comment corriger : …"). Exit code: 0 fine, 1 problems (errors or warnings), 2 unusable
input (a file or folder not found, an empty folder, a file rejected). ``--json`` prints one
JSON document instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pandas as pd

from pipeline.clean.geography import Geography, load_geography
from pipeline.clean.recipe import clean_responses
from pipeline.clean.validate import VALIDATION_COLUMNS
from pipeline.domain.codebook import Codebook, load_codebook
from pipeline.domain.params import (
    CleanParams,
    IngestParams,
    SurveyParams,
    defaults,
    load_block,
)
from pipeline.ingest import FileResult, list_wave_files, responses_frame
from pipeline.ingest.workers import read_files

T = TypeVar("T")

PARAMS_FILE = Path("params.yaml")
EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2


@dataclass
class FileCheck:
    """Result of checking one file."""

    file: str
    status: str                      # "ingested" | "partial" | "rejected" | "not_found" | "empty_folder"
    rows_read: int = 0
    sheet: str = ""
    problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.status in ("rejected", "not_found", "empty_folder"):
            return EXIT_UNUSABLE
        if any(p.get("severity") in ("error", "warning") for p in self.problems):
            return EXIT_PROBLEMS
        return EXIT_OK


def _params(cls: type[T], params_file: Path) -> T:
    """The block from ./params.yaml when the command runs in a project folder, else the project's."""
    return load_block(cls, params_file) if params_file.is_file() else defaults(cls)


def resolve_survey_year(survey_year: int | None, params_file: Path = PARAMS_FILE) -> int:
    """--year, else survey.year of ./params.yaml (or the project's)."""
    return int(survey_year) if survey_year is not None else _params(SurveyParams, params_file).year


def _unusable(name: str, status: str, code: str, value: str, message: str) -> FileCheck:
    return FileCheck(name, status, problems=[{"code": code, "severity": "error", "file": name, "sheet": "", "cell": "",
                                              "column": "", "value": value, "response_id": "", "message_fr": message}])


def check_result(result: FileResult, codebook: Codebook, params: CleanParams, survey_year: int,
                 geography: Geography) -> FileCheck:
    """The check of one file from what the ingest read of it: its problems, then the clean stage's rules."""
    responses = responses_frame(result.records, codebook)
    status = str(result.report["status"])
    check = FileCheck(str(result.report["file"]), status, rows_read=len(responses), sheet=str(result.report["sheet"] or ""),
                      problems=[{"response_id": "", **{k: str(v) for k, v in i.to_dict().items()}}
                                for i in result.issues])
    if status == "rejected" or responses.empty:
        return check
    issues = clean_responses(responses, codebook, params, survey_year, geography=geography).issues
    check.problems += [
        {c: ("" if pd.isna(r[c]) else str(r[c])) for c in VALIDATION_COLUMNS} for _, r in issues.iterrows()
    ]
    return check


def check_paths(paths: list[str], codebook: Codebook, params: CleanParams, ingest_params: IngestParams,
                survey_year: int, geography: Geography) -> list[FileCheck]:
    """One check per file given, and per file of each folder given, in order; never raises on bad data.

    Files are read by :func:`~pipeline.ingest.workers.read_files`, as the ingest stage reads a wave.
    """
    checks: list[FileCheck] = []
    for arg in paths:
        path = Path(arg)
        if path.is_dir():
            files = list_wave_files(path)
            if not files:
                checks.append(_unusable(
                    path.name or arg, "empty_folder", "empty_folder", arg,
                    "Le dossier ne contient aucun fichier à vérifier. Comment corriger : vérifier le chemin du dossier."))
                continue
            results = read_files(files, path, codebook, ingest_params)
        elif path.is_file():
            results = read_files([path], None, codebook, ingest_params)
        else:
            checks.append(_unusable(
                path.name or arg, "not_found", "file_not_found", arg,
                "Fichier introuvable. Comment corriger : vérifier le chemin et le nom du fichier."))
            continue
        checks += [check_result(r, codebook, params, survey_year, geography) for r in results]
    return checks


def place_fr(problem: dict[str, str], default_file: str) -> str:
    """'fichier.xlsx, feuille « Réponses », cellule F5' for a problem."""
    parts = [problem.get("file") or default_file]
    if problem.get("sheet"):
        parts.append(f"feuille « {problem['sheet']} »")
    cell = problem.get("cell") or ""
    if cell:
        parts.append(("plage " if ":" in cell else "cellule ") + cell)
    elif problem.get("column"):
        parts.append(f"question {problem['column'].split('__')[0]}")
    return ", ".join(parts)


def report_fr(check: FileCheck) -> str:
    """French report of one file."""
    n = check.rows_read
    read = f"{n} réponse{'s' if n > 1 else ''} lue{'s' if n > 1 else ''}"
    if check.status == "not_found":
        return f"✗ {check.file} : fichier introuvable."
    if check.status == "empty_folder":
        return f"✗ {check.file} : aucun fichier à vérifier dans ce dossier."
    shown = [p for p in check.problems if p.get("severity") in ("error", "warning")]
    if not shown and check.status != "rejected":
        return f"✓ {check.file} : aucun problème ({read})"
    n_err = sum(p.get("severity") == "error" for p in shown)
    n_warn = len(shown) - n_err
    if check.status == "rejected":
        head = f"✗ {check.file} : fichier inutilisable"
    else:
        head = f"! {check.file} : {n_err} erreur(s), {n_warn} avertissement(s) ({read})"
    lines = [head]
    for p in shown:
        tag = "erreur" if p.get("severity") == "error" else "avertissement"
        lines.append(f"  - [{tag}] {place_fr(p, check.file)} : {p.get('message_fr', '')}")
    return "\n".join(lines)


def run_check(files: list[str], *, as_json: bool = False, survey_year: int | None = None) -> int:
    """Check the given files and folders, print the French (or JSON) report, return the exit code."""
    codebook = load_codebook()
    year = resolve_survey_year(survey_year)
    params = _params(CleanParams, PARAMS_FILE)
    ingest_params = _params(IngestParams, PARAMS_FILE)
    geography = load_geography(params.communes or None)
    checks = check_paths(files, codebook, params, ingest_params, year, geography)
    code = max((c.exit_code for c in checks), default=EXIT_OK)
    if as_json:
        doc = {
            "survey_year": year,
            "exit_code": code,
            "files": [
                {"file": c.file, "status": c.status, "sheet": c.sheet, "rows_read": c.rows_read,
                 "exit_code": c.exit_code, "problems": c.problems}
                for c in checks
            ],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        for c in checks:
            print(report_fr(c))
    return code
