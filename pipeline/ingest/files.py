"""One returned file into response records and its entry of the ingest report.

The file is opened (:mod:`pipeline.ingest.readers`), its answer sheet and layout found
(:mod:`pipeline.ingest.layout`), its headers resolved (one column per question, conflicts
reported) and each respondent's cells converted (:mod:`pipeline.ingest.values`). Every problem is
an :class:`~pipeline.common.issues.Issue` naming the file, sheet and cell; one bad cell never costs
the row. The file's status: ``rejected`` (nothing read), ``partial`` (read, with an error on some
cell or column), ``ingested``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.common.cells import cell_ref, is_blank
from pipeline.common.issues import Issue
from pipeline.common.text import french_number
from pipeline.domain.codebook import Codebook, load_codebook
from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest.layout import (
    MIN_MATCHES,
    SheetPlan,
    has_answers,
    layout_name,
    plan_sheet,
    plan_sheets,
)
from pipeline.ingest.marks import xlsx_cell_marks
from pipeline.ingest.matching import (
    HeaderMatch,
    HeaderMatcher,
    Resolution,
    matcher_for,
    norm,
    resolve_columns,
)
from pipeline.ingest.readers import Workbook, read_workbook
from pipeline.ingest.values import Answer, ValueReader, convert_answers, reader_for

STATUSES = ("ingested", "partial", "rejected")
PROVENANCE = ("source_file", "source_sheet", "source_row", "source_range", "source_cells", "layout")

# first cell of a row that is not a respondent (read as folded text)
_TOTAL_ROWS = frozenset({"total", "totaux", "total general", "somme", "moyenne", "sous total"})


@dataclass
class FileResult:
    """What one file gave: response records (dicts) and its report entry."""

    records: list[dict[str, object]]
    report: dict[str, object]
    issues: list[Issue]


def report_entry(file: str, status: str, layout: str, fmt: str, sheet: str, header_row: int | None, rows_read: int,
                 mapped: dict[str, str], unmapped: list[str], issues: list[Issue]) -> dict[str, object]:
    """The file's entry of ingest_report.json."""
    return {
        "file": file,
        "status": status,
        "layout": layout,
        "format": fmt,
        "sheet": sheet,
        "header_row": header_row,
        "rows_read": rows_read,
        "mapped": mapped,
        "unmapped": unmapped,
        "problems": [
            {"file": i.file, "sheet": i.sheet, "cell": i.cell, "code": i.code, "message_fr": i.message_fr,
             "severity": i.severity, "column": i.column, "value": i.value}
            for i in issues
        ],
    }


def rejected_file(name: str, fmt: str, problem: Issue) -> FileResult:
    """A file of which nothing was read, for the reason ``problem`` says."""
    return FileResult([], report_entry(name, "rejected", "", fmt, "", None, 0, {}, [], [problem]), [problem])


def ingest_file(path: str | Path, wave_dir: str | Path | None = None, codebook: Codebook | None = None,
                params: IngestParams | None = None) -> FileResult:
    """Read one returned file into response records and a report entry (never raises on bad data)."""
    codebook = codebook or load_codebook()
    params = params or defaults(IngestParams)
    path = Path(path)
    name = file_name(path, wave_dir)
    return ingest_workbook(read_workbook(path, name, params), codebook, params)


def file_name(path: Path, wave_dir: str | Path | None) -> str:
    """The name of a file in messages: its path in the wave folder, or its own name when read alone."""
    if wave_dir is None:
        return path.name
    try:
        return path.relative_to(wave_dir).as_posix()
    except ValueError:  # a file outside the wave folder: named as given
        return path.as_posix()


def ingest_workbook(wb: Workbook, codebook: Codebook | None = None, params: IngestParams | None = None) -> FileResult:
    """Response records and report entry of an opened workbook (see :func:`ingest_file`)."""
    codebook = codebook or load_codebook()
    params = params or defaults(IngestParams)
    name, fmt = wb.file, wb.format
    if wb.problem is not None:
        return rejected_file(name, fmt, wb.problem)
    matcher = matcher_for(codebook, params.fuzzy_threshold)
    plans = plan_sheets(wb, matcher, params.max_header_scan_rows)
    if not plans:
        return rejected_file(name, fmt, _no_answer_sheet(wb, matcher, params))
    plan = plans[0]
    sheet = plan.sheet.name
    issues: list[Issue] = list(wb.notes)
    issues.extend(_read_cell_marks(wb, plan, name, codebook))
    issues.extend(_truncated_cells(plan, name, params))
    issues.extend(_other_answer_sheets(plans, name))
    resolution = resolve_columns(plan.matches)
    issues.extend(_column_issues(plan, resolution, matcher, name))
    kept = resolution.kept
    mapped = {plan.header_text[c]: m.target.column for c, m in kept.items()}
    unmapped = [plan.header_text[c] for c in plan.matches if c not in kept]
    unmapped += [text for _, text in sorted(plan.unmatched.items())]
    layout = layout_name(plan, codebook)
    reader = reader_for(codebook, params.fuzzy_threshold)
    if plan.orientation == "horizontal":
        header_row = plan.header_rows[-1] + 1
        records, record_issues = _read_rows(plan, kept, codebook, reader, name, layout)
    else:
        header_row = None
        records, record_issues = _read_columns(plan, kept, codebook, reader, name, layout)
    issues.extend(record_issues)
    if not records:
        issues.append(Issue(
            "no_responses", "Le questionnaire a été reconnu mais ne contient aucune réponse.", name, sheet, severity="error",
        ))
        status = "rejected"
    else:
        status = "partial" if any(i.severity == "error" for i in issues) else "ingested"
    entry = report_entry(name, status, layout, fmt, sheet, header_row, len(records), mapped, unmapped, issues)
    return FileResult(records, entry, issues)


def _no_answer_sheet(wb: Workbook, matcher: HeaderMatcher, params: IngestParams) -> Issue:
    """Why no sheet of a readable workbook can be read as answers (the file is rejected)."""
    name = wb.file
    too_large = [s for s in wb.sheets if s.refused]
    if too_large:
        return Issue("sheet_too_large", f"Le classeur {name}, feuille « {too_large[0].name} » : {too_large[0].refused}",
                     name, too_large[0].name, severity="error")
    broken = [s.name for s in wb.sheets if s.problem]
    if broken and len(broken) == len(wb.sheets):
        return Issue(
            "corrupt_file",
            f"Le classeur est abîmé : aucune feuille lisible ({', '.join(broken)}). Demandez à la collectivité de le renvoyer.",
            name, severity="error",
        )
    hidden = [s.name for s in wb.sheets if s.hidden and plan_sheet(s, matcher, params.max_header_scan_rows)]
    if hidden:
        return Issue(
            "hidden_answer_sheet",
            f"Les seules réponses reconnues sont dans la feuille masquée « {hidden[0]} », qui n'est jamais lue : "
            "affichez-la dans Excel (clic droit sur un onglet > Afficher) ou recopiez les réponses dans la feuille visible.",
            name, hidden[0], severity="error",
        )
    return Issue(
        "unrecognised_layout",
        "Aucune feuille ne ressemble au questionnaire ACTER (aucun en-tête reconnu) : vérifiez qu'il "
        "s'agit bien d'un fichier de réponses, ou utilisez le modèle « acter template ».",
        name, severity="error",
    )


def _read_cell_marks(wb: Workbook, plan: SheetPlan, name: str, codebook: Codebook) -> list[Issue]:
    """Put back the Excel error values (#DIV/0!) calamine reads as empty, so they are reported;
    report formulas without a saved value (their text kept as the answer of a free-text
    question) and hidden rows of answers."""
    marks = xlsx_cell_marks(wb, plan.sheet.name)
    rows = plan.sheet.rows
    for (r, c), error in marks.errors.items():
        if r < len(rows) and c < len(rows[r]) and is_blank(rows[r][c]):
            rows[r][c] = error
    sheet = plan.sheet.name
    horizontal = plan.orientation == "horizontal"
    read = set(plan.matches) if horizontal else {plan.answer_col, *plan.answer_cols}
    issues: list[Issue] = []
    first = plan.header_rows[-1] + 1 if horizontal else 0
    for (r, c), formula in sorted(marks.formulas.items()):
        if r < first or c not in read or not (horizontal or r in plan.matches):
            continue
        question = codebook[plan.matches[c if horizontal else r].target.code]
        if question.type == "text" and formula and r < len(rows) and c < len(rows[r]) and is_blank(rows[r][c]):
            # the respondent's words, typed where a program wrote a formula: kept as text (neutralised on output)
            rows[r][c] = formula
            issues.append(Issue(
                "formula_text_kept",
                f"La cellule {cell_ref(r, c)} contient une formule jamais calculée (fichier produit par un programme, pas "
                f"enregistré par Excel) : son texte « {formula[:80]} » a été gardé comme réponse à « {question.label} ». "
                "Vérifiez-le, ou ouvrez le fichier dans Excel ou LibreOffice et enregistrez-le avant de le renvoyer.",
                name, sheet, cell_ref(r, c), question.code, formula[:200], "warning",
            ))
            continue
        issues.append(Issue(
            "formula_without_value",
            f"La cellule {cell_ref(r, c)} contient une formule jamais calculée (fichier produit par un programme, pas "
            "enregistré par Excel) : valeur considérée comme manquante. Ouvrez le fichier dans Excel ou LibreOffice "
            "et enregistrez-le avant de le renvoyer.",
            name, sheet, cell_ref(r, c), "", "", "warning",
        ))
    if plan.orientation == "horizontal":
        for r in sorted(x for x in marks.hidden_rows if x >= first and x < len(rows) and any(not is_blank(v) for v in rows[x])):
            issues.append(Issue(
                "hidden_row",
                f"La ligne {r + 1} est masquée dans Excel : ses réponses ont été lues comme les autres. Supprimez-la "
                "si elle ne doit pas compter.",
                name, sheet, f"A{r + 1}", "", "", "warning",
            ))
    return issues


def _truncated_cells(plan: SheetPlan, name: str, params: IngestParams) -> list[Issue]:
    """Cells cut at ingest.max_cell_chars by the reader: an error each (only the start was read)."""
    return [
        Issue(
            "cell_truncated",
            f"La cellule {cell_ref(r, c)} du fichier {name} contient {french_number(length)} caractères, au-delà de la limite de "
            f"{french_number(params.max_cell_chars)} (ingest.max_cell_chars) : seul le début a été lu.",
            name, plan.sheet.name, cell_ref(r, c), "", "", "error",
        )
        for r, c, length in plan.sheet.truncated
    ]


def _other_answer_sheets(plans: list[SheetPlan], name: str) -> list[Issue]:
    """Sheets that also hold answers but are not read (only the best sheet is)."""
    plan, sheet = plans[0], plans[0].sheet.name
    return [
        Issue(
            "other_sheet_ignored",
            f"La feuille « {other.sheet.name} » contient aussi des réponses au questionnaire mais seule la "
            f"feuille « {sheet} » a été lue : placez toutes les réponses sur une seule feuille, ou envoyez un fichier par feuille.",
            name, other.sheet.name, "", "", "", "warning",
        )
        for other in plans[1:]
        if other.score >= max(MIN_MATCHES, 0.5 * plan.score) and has_answers(other)
    ]


def _column_issues(plan: SheetPlan, resolution: Resolution, matcher: HeaderMatcher, name: str) -> list[Issue]:
    """Headers that cannot be read: two for one question (neither kept), one beaten by a better
    one, one matching no question."""
    sheet = plan.sheet.name
    issues: list[Issue] = []
    for target, cols in resolution.conflicts:
        refs = [plan.header_cell[c] for c in cols]
        texts = [plan.header_text[c] for c in cols]
        what = "colonnes" if plan.orientation == "horizontal" else "lignes"
        message = (
            f"{len(cols)} {what} correspondent à la même question {target.column} : "
            + ", ".join(f"« {t} » ({r})" for t, r in zip(texts, refs))
            + ". Aucune n'a été retenue : supprimez ou renommez celle qui est en trop."
        )
        for c in cols:
            issues.append(Issue("duplicate_column", message, name, sheet, plan.header_cell[c], target.column, plan.header_text[c], "error"))
    for c, (m, winner) in resolution.beaten.items():
        if m.method == "tool":
            continue
        issues.append(Issue(
            "ignored_column",
            f"« {plan.header_text[c]} » ({plan.header_cell[c]}) ressemble à la question {m.target.column}, déjà lue "
            f"dans « {plan.header_text[winner]} » ({plan.header_cell[winner]}) : ignorée.",
            name, sheet, plan.header_cell[c], m.target.column, plan.header_text[c], "warning",
        ))
    for c, text in sorted(plan.unmatched.items()):
        if not matcher.is_tool_column(text):
            issues.append(Issue(
                "unmapped_column",
                f"En-tête « {text} » non reconnu : cette colonne n'est pas lue. Renommez-la avec le code de la question (ex. A02) si elle doit l'être.",
                name, sheet, plan.header_cell[c], "", text, "warning",
            ))
    return issues


def _read_rows(plan: SheetPlan, kept: dict[int, HeaderMatch], codebook: Codebook, reader: ValueReader, name: str,
               layout: str) -> tuple[list[dict[str, object]], list[Issue]]:
    """Horizontal sheet: one record per non-empty row under the header (total and example rows skipped)."""
    sheet = plan.sheet.name
    rows = plan.sheet.rows
    columns = codebook.columns
    records: list[dict[str, object]] = []
    issues: list[Issue] = []
    for r in range(plan.header_rows[-1] + 1, len(rows)):
        row = rows[r]
        nonblank = [c for c, v in enumerate(row) if not is_blank(v)]
        if not nonblank:
            continue
        first = row[nonblank[0]]
        if first.__class__ is str and (norm(first) in _TOTAL_ROWS or norm(first).startswith("exemple")):
            what = "d'exemple" if norm(first).startswith("exemple") else "de total"
            issues.append(Issue(
                "skipped_row", f"Ligne {r + 1} « {first.strip()[:60]} » lue comme une ligne {what} : ignorée.",
                name, sheet, cell_ref(r, nonblank[0]), "", first.strip()[:200], "warning",
            ))
            continue
        width = len(row)
        answers = [Answer(m, row[c] if c < width else None, cell_ref(r, c)) for c, m in kept.items()]
        rng = f"{cell_ref(r, nonblank[0])}:{cell_ref(r, nonblank[-1])}"
        rid = f"{name}!{sheet}!{r + 1}"
        rec, rec_issues = _record(answers, codebook, reader, name, sheet, rid, r + 1, rng, layout)
        if not any(k in rec for k in columns):
            rec_issues.append(Issue(
                "empty_response",
                f"Ligne {r + 1} sans aucune réponse lisible (réponse incomplète ?) : gardée, à vérifier.",
                name, sheet, rng, "", "", "warning",
            ))
        records.append(rec)
        issues.extend(rec_issues)
    return records, issues


def _read_columns(plan: SheetPlan, kept: dict[int, HeaderMatch], codebook: Codebook, reader: ValueReader, name: str,
                  layout: str) -> tuple[list[dict[str, object]], list[Issue]]:
    """Vertical form: one record per answer column holding at least one answer."""
    sheet = plan.sheet.name
    rows = plan.sheet.rows
    records: list[dict[str, object]] = []
    issues: list[Issue] = []
    for col in plan.answer_cols:
        answers = [Answer(m, rows[r][col] if col < len(rows[r]) else None, cell_ref(r, col)) for r, m in kept.items()]
        rng = f"{cell_ref(min(kept), col)}:{cell_ref(max(kept), col)}" if kept else ""
        if any(not is_blank(a.value) for a in answers):
            rid = f"{name}!{sheet}!{rng}"
            rec, rec_issues = _record(answers, codebook, reader, name, sheet, rid, None, rng, layout)
            records.append(rec)
            issues.extend(rec_issues)
    return records, issues


def _record(answers: list[Answer], codebook: Codebook, reader: ValueReader, name: str, sheet: str, rid: str,
            source_row: int | None, rng: str, layout: str) -> tuple[dict[str, object], list[Issue]]:
    """One response record (id, typed values, provenance) and the problems of its cells."""
    values, cells, issues = convert_answers(answers, codebook, reader, name, sheet)
    rec: dict[str, object] = {"response_id": rid}
    rec.update(values)
    rec.update(zip(PROVENANCE, (name, sheet, source_row, rng, json.dumps(cells, ensure_ascii=False, sort_keys=False), layout)))
    return rec, issues
