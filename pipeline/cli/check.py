"""`acter check FILE...`: read and validate returned files without touching the pipeline.

Prints, in French, one line per file without problems ("✓ fichier.xlsx : aucun problème
(1 réponse lue)") or each problem with its place ("fichier.xlsx, feuille « Réponses », cellule
F5 : … Comment corriger : …"). Exit code: 0 fine, 1 problems (errors or warnings), 2 unusable
input (a file not found or rejected). ``--json`` prints one JSON document instead.
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
from pipeline.ingest import ingest_file, responses_frame

T = TypeVar("T")

PARAMS_FILE = Path("params.yaml")
EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2


@dataclass
class FileCheck:
    """Result of checking one file."""

    file: str
    status: str                      # "ingested" | "partial" | "rejected" | "not_found"
    rows_read: int = 0
    sheet: str = ""
    problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.status in ("rejected", "not_found"):
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


def check_file(path: str | Path, codebook: Codebook, params: CleanParams, ingest_params: IngestParams,
               survey_year: int, geography: Geography) -> FileCheck:
    """Read one file as the ingest stage does and apply the clean stage's rules; never raises on bad data."""
    path = Path(path)
    if not path.is_file():
        return FileCheck(
            path.name, "not_found",
            problems=[{"code": "file_not_found", "severity": "error", "file": path.name, "sheet": "", "cell": "",
                       "column": "", "value": str(path), "response_id": "",
                       "message_fr": "Fichier introuvable. Comment corriger : vérifier le chemin et le nom du fichier."}],
        )
    result = ingest_file(path, codebook=codebook, params=ingest_params)
    responses = responses_frame(result.records, codebook)
    status = str(result.report["status"])
    check = FileCheck(path.name, status, rows_read=len(responses), sheet=str(result.report["sheet"] or ""),
                      problems=[{"response_id": "", **{k: str(v) for k, v in i.to_dict().items()}}
                                for i in result.issues])
    if status == "rejected" or responses.empty:
        return check
    issues = clean_responses(responses, codebook, params, survey_year, geography=geography).issues
    check.problems += [
        {c: ("" if pd.isna(r[c]) else str(r[c])) for c in VALIDATION_COLUMNS} for _, r in issues.iterrows()
    ]
    return check


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
    """Check the given files, print the French (or JSON) report, return the exit code."""
    codebook = load_codebook()
    year = resolve_survey_year(survey_year)
    params = _params(CleanParams, PARAMS_FILE)
    ingest_params = _params(IngestParams, PARAMS_FILE)
    geography = load_geography(params.communes or None)
    checks = [check_file(f, codebook, params, ingest_params, year, geography) for f in files]
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
