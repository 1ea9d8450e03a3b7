"""`acter check FILE...`: read and validate returned files without touching the pipeline.

Prints, in French, one line per file without problems ("✓ fichier.xlsx : aucun problème
(1 réponse lue)") or each problem with its place ("fichier.xlsx, feuille « Réponses », cellule
F5 : … Comment corriger : …"). Exit code: 0 fine, 1 problems (errors or warnings), 2 unusable
input (a file not found or rejected). ``--json`` prints one JSON document instead.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.domain.codebook import Codebook, load_codebook
from pipeline.clean.geography import Geography, enrich_geography, load_geography
from pipeline.domain.params import ParamsError, load_block, read_params
from pipeline.clean.validate import VALIDATION_COLUMNS, RuleParams, validate_responses

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


def resolve_survey_year(survey_year: int | None, params_file: Path = PARAMS_FILE) -> int:
    """--year, else survey.year of ./params.yaml when present, else the current year."""
    if survey_year is not None:
        return int(survey_year)
    if params_file.is_file():
        try:
            year = (read_params(params_file).get("survey") or {}).get("year")
            if year is not None:
                return int(year)
        except (ParamsError, TypeError, ValueError):
            pass
    return dt.date.today().year


def _rule_params(survey_year: int, params_file: Path) -> tuple[RuleParams, float, str]:
    """Thresholds from the clean: block of ./params.yaml when present (else rules without the
    per-type budget thresholds), population tolerance and communes table."""
    if params_file.is_file():
        from pipeline.clean.recipe import CleanParams

        try:
            cp = load_block(CleanParams, "clean", params_file)
            return cp.rule_params(survey_year), cp.population_tolerance, cp.communes
        except ParamsError:
            pass
    return RuleParams(survey_year=survey_year), 0.2, ""


def _ingest_params(params_file: Path):
    from pipeline.ingest.wave import IngestParams

    if params_file.is_file():
        try:
            return load_block(IngestParams, "ingest", params_file)
        except ParamsError:
            pass
    return IngestParams()


def _ingest(path: Path, codebook: Codebook, params_file: Path) -> tuple[str, str, pd.DataFrame, list[dict[str, str]]]:
    """(status, sheet, responses, ingest problems) of one file, whatever the ingest API returns."""
    from pipeline.ingest import wave as ingest

    result = ingest.ingest_file(path, codebook=codebook, params=_ingest_params(params_file))
    report = getattr(result, "report", None) or {}
    status = getattr(result, "status", None) or report.get("status", "rejected")
    sheet = getattr(result, "sheet", None) or report.get("sheet", "") or ""
    responses = getattr(result, "responses", None)
    if responses is None:
        responses = ingest.responses_frame(getattr(result, "records", []), codebook)
    problems = [
        {"response_id": "", **{k: str(v) for k, v in i.to_dict().items()}} for i in getattr(result, "issues", [])
    ]
    return str(status), str(sheet), responses, problems


def check_file(
    path: str | Path,
    codebook: Codebook,
    rule_params: RuleParams,
    geography: Geography,
    *,
    population_tolerance: float = 0.2,
    params_file: Path = PARAMS_FILE,
) -> FileCheck:
    """Ingest one file and validate its responses; never raises on bad data."""
    path = Path(path)
    if not path.is_file():
        return FileCheck(
            path.name, "not_found",
            problems=[{"code": "file_not_found", "severity": "error", "file": path.name, "sheet": "", "cell": "",
                       "column": "", "value": str(path), "response_id": "",
                       "message_fr": "Fichier introuvable. Comment corriger : vérifier le chemin et le nom du fichier."}],
        )
    status, sheet, responses, problems = _ingest(path, codebook, params_file)
    check = FileCheck(path.name, status, rows_read=len(responses), sheet=sheet, problems=problems)
    if status == "rejected" or responses.empty:
        return check
    from pipeline.clean.recipe import normalize_modalities

    data, _ = normalize_modalities(responses, codebook)
    data, geo_issues = enrich_geography(data, codebook, geography, population_tolerance=population_tolerance)
    issues = pd.concat([validate_responses(data, codebook, rule_params), geo_issues], ignore_index=True)
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
    rule_params, tolerance, communes = _rule_params(year, PARAMS_FILE)
    geography = load_geography(communes or None)
    checks = [
        check_file(f, codebook, rule_params, geography, population_tolerance=tolerance, params_file=PARAMS_FILE)
        for f in files
    ]
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
