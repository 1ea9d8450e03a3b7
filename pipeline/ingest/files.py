"""One returned file into response records and its entry of the ingest report.

The file is opened (:mod:`pipeline.ingest.readers`); a sheet defining answer codes is set apart
(:mod:`pipeline.ingest.codes`); every other sheet is planned (:mod:`pipeline.ingest.layout`: its
blocks, their orientation, their questions) and every sheet holding answers is read, block by
block: headers resolved (one column per question, conflicts reported), each respondent's cells
converted (:mod:`pipeline.ingest.values`). A file may so hold many collectivités, on several
sheets or in several blocks of a sheet. What the file does not show is not an answer: a hidden
sheet, row or column is skipped, with a note, unless nothing visible holds the answers
(:mod:`pipeline.ingest.marks`); a row or column summing up the others (« Total réseau »,
« Moyenne ») is no collectivité. Every problem is an :class:`~pipeline.common.issues.Issue`
naming the file, sheet and cell; one bad cell never costs the row. The file's status:
``rejected`` (nothing read), ``partial`` (read, with an error on some cell, column or sheet: a
sheet that looks like answers but could not be read is one), ``ingested``. The report entry lists
every sheet and what became of it (``sheets``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.common.cells import cell_ref, cell_text, column_letter, is_blank
from pipeline.common.identifiers import normalize_insee, normalize_siren
from pipeline.common.issues import Issue
from pipeline.common.text import french_number
from pipeline.domain.codebook import Codebook, load_codebook
from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest.codes import CODES_SHEET, AnswerCodes, CodeTable, find_code_table
from pipeline.ingest.layout import (
    HELP_SHEET,
    MIN_MATCHES,
    SUMMARY_LABEL,
    SheetPlan,
    has_answers,
    layout_name,
    plan_blocks,
)
from pipeline.ingest.marks import CellMarks, sheet_marks
from pipeline.ingest.matching import (
    HeaderMatch,
    HeaderMatcher,
    Resolution,
    matcher_for,
    norm,
    resolve_columns,
)
from pipeline.ingest.readers import Sheet, Workbook, read_workbook
from pipeline.ingest.values import Answer, ValueReader, convert_answers, reader_for

STATUSES = ("ingested", "partial", "rejected")
PROVENANCE = ("source_file", "source_sheet", "source_row", "source_range", "source_cells", "layout")
# What became of a sheet (the report's ``sheets`` list): read as answers, read as the table of
# answer codes, skipped (nothing to read there, or hidden), not read (answers that could not be read)
SHEET_STATUSES = ("read", "codes", "skipped", "not_read")
_IDENTIFIERS = ("A03", "A04")  # a row with one of these answered is a collectivité, whatever its label
_DECODED = {"table": "selon la feuille « {sheet} »", "convention": "selon la numérotation de LimeSurvey (A1 = première "
            "réponse possible du questionnaire, A2 = deuxième…)", "order": "selon l'ordre des réponses possibles du questionnaire"}


@dataclass
class FileResult:
    """What one file gave: response records (dicts) and its report entry."""

    records: list[dict[str, object]]
    report: dict[str, object]
    issues: list[Issue]


@dataclass
class SheetOutcome:
    """What became of one sheet: its status and why, its blocks of answers, what was read."""

    sheet: Sheet
    status: str = "skipped"
    reason: str = ""  # hidden | help | empty | no_question | no_answers | few_questions | unreadable | codes | ""
    message_fr: str = ""
    plans: list[SheetPlan] = field(default_factory=list)
    rows_read: int = 0
    layouts: list[str] = field(default_factory=list)

    def entry(self) -> dict[str, object]:
        return {"sheet": self.sheet.name, "hidden": self.sheet.hidden, "status": self.status, "reason": self.reason,
                "layout": self.layouts[0] if self.layouts else "", "blocks": len(self.layouts), "rows_read": self.rows_read,
                "message_fr": self.message_fr}


def report_entry(file: str, status: str, layout: str, fmt: str, sheet: str, header_row: int | None, rows_read: int,
                 mapped: dict[str, str], unmapped: list[str], issues: list[Issue],
                 sheets: list[dict[str, object]] | None = None) -> dict[str, object]:
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
        "sheets": sheets or [],
        "problems": [
            {"file": i.file, "sheet": i.sheet, "cell": i.cell, "code": i.code, "message_fr": i.message_fr,
             "severity": i.severity, "column": i.column, "value": i.value}
            for i in issues
        ],
    }


def rejected_file(name: str, fmt: str, problem: Issue, sheets: list[dict[str, object]] | None = None,
                  notes: list[Issue] | None = None) -> FileResult:
    """A file of which nothing was read, for the reason ``problem`` says."""
    issues = [problem, *(notes or [])]
    return FileResult([], report_entry(name, "rejected", "", fmt, "", None, 0, {}, [], issues, sheets), issues)


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
    reader = reader_for(codebook, params.fuzzy_threshold)
    tables = _code_tables(wb, matcher, reader)
    outcomes, notes = _sheet_outcomes(wb, matcher, params, tables)
    to_read = [o for o in outcomes if o.status == "read"]
    if not to_read:
        return rejected_file(name, fmt, _no_answer_sheet(wb, outcomes), [o.entry() for o in outcomes], notes)
    issues: list[Issue] = list(wb.notes) + notes
    records: list[dict[str, object]] = []
    mapped: dict[str, str] = {}
    unmapped: list[str] = []
    header_row: int | None = None
    for outcome in to_read:
        sheet = outcome.sheet
        marks = _apply_marks(wb, sheet)
        issues.extend(_truncated_cells(sheet, name, params))
        for plan in outcome.plans:
            block = _read_block(plan, marks, codebook, matcher, reader, tables, name)
            records.extend(block.records)
            issues.extend(block.issues)
            outcome.rows_read += len(block.records)
            outcome.layouts.append(block.layout)
            for text, column in block.mapped.items():
                if mapped.get(text, column) != column:
                    text = f"{text} ({outcome.sheet.name})"
                mapped.setdefault(text, column)
            unmapped.extend(t for t in block.unmapped if t not in unmapped)
            if header_row is None and plan.orientation == "horizontal" and block.records:
                header_row = plan.header_rows[-1] + 1
    first = next((o for o in to_read if o.rows_read), to_read[0])
    layout = first.layouts[0] if first.layouts else ""
    if not records:
        issues.append(Issue(
            "no_responses", "Le questionnaire a été reconnu mais ne contient aucune réponse.", name, first.sheet.name,
            severity="error",
        ))
        status = "rejected"
    else:
        status = "partial" if any(i.severity == "error" for i in issues) else "ingested"
    entry = report_entry(name, status, layout, fmt, first.sheet.name, header_row, len(records), mapped, unmapped, issues,
                         [o.entry() for o in outcomes])
    return FileResult(records, entry, issues)


# --- which sheets are read -----------------------------------------------------------------------
def _code_tables(wb: Workbook, matcher: HeaderMatcher, reader: ValueReader) -> list[CodeTable]:
    """The tables of answer codes the file's sheets define: any regular sheet, a help sheet only
    when its name says codes (the template's lists of choices are not looked at)."""
    tables = []
    for s in wb.sheets:
        if HELP_SHEET.search(s.name) and not CODES_SHEET.search(s.name):
            continue
        table = find_code_table(s, matcher, reader.slug_of)
        if table is not None:
            tables.append(table)
    return tables


def _sheet_outcomes(wb: Workbook, matcher: HeaderMatcher, params: IngestParams,
                    tables: list[CodeTable]) -> tuple[list[SheetOutcome], list[Issue]]:
    """What becomes of each sheet, and the notes of sheets not read (hidden answers, sheets that
    could not be read).

    Regular visible sheets are read first; help sheets (instructions, lists) only when no regular
    sheet looks like the questionnaire; hidden sheets only when no visible one holds answers.
    Among the sheets of the pool read, each sheet and block with answers is read, unless it
    matches fewer than half the questions of the best (then it is reported, not guessed).
    """
    name = wb.file
    outcomes = {s.name: SheetOutcome(s) for s in wb.sheets}
    for t in tables:
        o = outcomes[t.sheet]
        o.status, o.reason = "codes", "codes"
        o.message_fr = (f"Table des codes de réponses ({french_number(t.n_codes)} codes, "
                        f"{len(t.codes)} question{'s' if len(t.codes) > 1 else ''}) : sert à décoder les réponses.")
    coded = {t.sheet for t in tables}
    plans: dict[str, list[SheetPlan]] = {}

    def plans_of(s: Sheet) -> list[SheetPlan]:
        if s.name not in plans:
            plans[s.name] = [] if s.name in coded else plan_blocks(s, matcher, params.max_header_scan_rows)
        return plans[s.name]

    visible = [s for s in wb.sheets if not s.hidden]
    regular = [s for s in visible if not HELP_SHEET.search(s.name)]
    helpers = [s for s in visible if HELP_SHEET.search(s.name)]
    hidden = [s for s in wb.sheets if s.hidden and not HELP_SHEET.search(s.name)]
    pool: list[Sheet] = []
    for candidates in (regular, helpers):
        if any(plans_of(s) for s in candidates):
            pool = candidates
            break
    pool_answers = any(has_answers(p) for s in pool for p in plans_of(s))
    hidden_answers = [s for s in hidden if any(has_answers(p) for p in plans_of(s))]
    notes: list[Issue] = []
    if not pool_answers and hidden_answers:
        pool = hidden_answers
        for s in pool:
            notes.append(Issue(
                "hidden_sheet_read",
                f"La feuille « {s.name} » est masquée dans le classeur mais elle seule contient des réponses : elle a été "
                "lue. Vérifiez qu'il ne s'agit pas d'anciennes réponses ; sinon affichez-la (clic droit sur un onglet > Afficher).",
                name, s.name, severity="warning",
            ))
    answered = [p for s in pool for p in plans_of(s) if has_answers(p)]
    best = max((p.score for p in answered), default=0)
    floor = max(MIN_MATCHES, 0.5 * best)
    in_pool = {s.name for s in pool}
    for s in wb.sheets:
        o = outcomes[s.name]
        if o.status == "codes":
            continue
        if s.name not in in_pool:
            _set_aside(o, s, plans_of(s) if s in hidden else [], pool, notes, name)
            continue
        sheet_plans = plans_of(s)
        if s.refused or s.problem:
            o.status, o.reason = "not_read", "unreadable"
            o.message_fr = (f"Feuille illisible : {s.refused}" if s.refused else
                            "Feuille abîmée : elle n'a pas pu être lue. Demandez le fichier enregistré à nouveau depuis Excel ou LibreOffice.")
            continue
        if not sheet_plans:
            _set_aside(o, s, [], pool, notes, name)
            continue
        with_answers = [p for p in sheet_plans if has_answers(p)]
        if not with_answers:
            o.reason = "no_answers"
            o.message_fr = "Le questionnaire est reconnu dans cette feuille mais aucune réponse n'y est saisie."
            continue
        readable = [p for p in with_answers if p.score >= floor]
        for p in with_answers:
            if p.score < floor:
                where = f"{p.header_cell[min(p.matches)]}" if p.matches else ""
                notes.append(Issue(
                    "sheet_not_read",
                    f"La feuille « {s.name} » ({where}) semble contenir des réponses mais seules {p.score} questions y sont "
                    f"reconnues, contre {best} dans la meilleure feuille : elle n'a pas été lue. Reprenez les intitulés ou les "
                    "codes des questions du questionnaire (ex. A02) pour qu'elle le soit.",
                    name, s.name, where, severity="error",
                ))
        if not readable:
            o.status, o.reason = "not_read", "few_questions"
            o.message_fr = f"Trop peu de questions reconnues ({max(p.score for p in with_answers)} contre {best}) : non lue."
            continue
        o.status, o.plans = "read", readable
    if any(o.status == "read" for o in outcomes.values()):
        for o in outcomes.values():
            if o.status == "not_read" and o.reason == "unreadable":
                notes.append(Issue(
                    "sheet_unreadable", f"La feuille « {o.sheet.name} » n'a pas pu être lue : {o.message_fr} Les autres feuilles l'ont été.",
                    name, o.sheet.name, severity="error",
                ))
    return [outcomes[s.name] for s in wb.sheets], notes


def _set_aside(o: SheetOutcome, s: Sheet, plans: list[SheetPlan], pool: list[Sheet], notes: list[Issue], name: str) -> None:
    """A sheet outside the pool read: hidden, help, or holding no question (noted when hidden answers are skipped)."""
    if s.hidden:
        o.reason = "hidden"
        o.message_fr = "Feuille masquée : non lue."
        if any(has_answers(p) for p in plans):
            o.message_fr = "Feuille masquée contenant des réponses : non lue, les feuilles visibles l'ont été."
            notes.append(Issue(
                "hidden_sheet_skipped",
                f"La feuille masquée « {s.name} » contient des réponses au questionnaire : elle n'a pas été lue (les feuilles "
                "visibles l'ont été). Si ces réponses comptent, affichez-la (clic droit sur un onglet > Afficher) ou "
                "recopiez-les dans une feuille visible.",
                name, s.name, severity="warning",
            ))
    elif HELP_SHEET.search(s.name) and pool and s not in pool:
        o.reason, o.message_fr = "help", "Feuille d'aide ou de listes : non lue."
    elif not any(not is_blank(v) for row in s.rows for v in row):
        o.reason, o.message_fr = "empty", "Feuille vide."
    else:
        o.reason, o.message_fr = "no_question", "Aucune question du questionnaire reconnue : non lue."


def _no_answer_sheet(wb: Workbook, outcomes: list[SheetOutcome]) -> Issue:
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
    blank = [o for o in outcomes if o.reason == "no_answers"]
    if blank:
        return Issue("no_responses", "Le questionnaire a été reconnu mais ne contient aucune réponse.", name,
                     blank[0].sheet.name, severity="error")
    few = [o for o in outcomes if o.reason == "few_questions"]
    if few:
        return Issue(
            "unrecognised_layout",
            f"La feuille « {few[0].sheet.name} » semble contenir des réponses mais trop peu de questions du questionnaire "
            "y sont reconnues : reprenez les intitulés ou les codes des questions (ex. A02), ou utilisez le modèle « acter template ».",
            name, few[0].sheet.name, severity="error",
        )
    return Issue(
        "unrecognised_layout",
        "Aucune feuille ne ressemble au questionnaire ACTER (aucun en-tête reconnu) : vérifiez qu'il "
        "s'agit bien d'un fichier de réponses, ou utilisez le modèle « acter template ».",
        name, severity="error",
    )


# --- one block -----------------------------------------------------------------------------------
@dataclass
class Block:
    """What one block of a sheet gave."""

    records: list[dict[str, object]]
    issues: list[Issue]
    layout: str
    mapped: dict[str, str]
    unmapped: list[str]


def _apply_marks(wb: Workbook, sheet: Sheet) -> CellMarks:
    """The sheet's marks, with the Excel error values (#DIV/0!) calamine reads as empty put back
    in its cells, so that they are reported (once per sheet)."""
    marks = sheet_marks(wb, sheet.name)
    rows = sheet.rows
    for (r, c), error in marks.errors.items():
        if r < len(rows) and c < len(rows[r]) and is_blank(rows[r][c]):
            rows[r][c] = error
    return marks


def _read_block(plan: SheetPlan, marks: CellMarks, codebook: Codebook, matcher: HeaderMatcher, reader: ValueReader,
                tables: list[CodeTable], name: str) -> Block:
    """The records and problems of one block of answers."""
    horizontal = plan.orientation == "horizontal"
    resolution = resolve_columns(plan.matches, marks.hidden_cols if horizontal else marks.hidden_rows)
    issues = _column_issues(plan, resolution, matcher, name)
    kept = resolution.kept
    issues.extend(_formula_issues(plan, kept, marks, codebook, name))
    # a one-choice question's option (its row or column) is read into the question's column; a
    # header text read into two columns (« Aucun » under two questions) is told apart by its cell
    mapped: dict[str, str] = {}
    for c, m in kept.items():
        column = m.target.column if matcher.questions[m.target.code].type == "multi" else m.target.code
        text = plan.header_text[c]
        mapped[text if mapped.get(text, column) == column else f"{text} ({plan.header_cell[c]})"] = column
    unmapped = [plan.header_text[c] for c in plan.matches if c not in kept]
    unmapped += [text for _, text in sorted(plan.unmatched.items())]
    layout = layout_name(plan, codebook)
    codes = AnswerCodes(tables, tool=layout)
    if horizontal:
        records, record_issues = _read_rows(plan, kept, marks, codebook, reader, codes, name, layout)
    else:
        records, record_issues = _read_columns(plan, kept, marks, codebook, reader, codes, name, layout)
    issues.extend(record_issues)
    if codes.used:
        ways = [_DECODED[how].format(sheet=", ".join(t.sheet for t in tables)) for how in ("table", "convention", "order")
                if how in codes.used]
        issues.append(Issue(
            "codes_decoded",
            f"{french_number(sum(codes.used.values()))} réponse(s) données en codes ont été décodées "
            + " et ".join(ways) + " : vérifiez quelques réponses dans le fichier.",
            name, plan.sheet.name, severity="info",
        ))
    return Block(records, issues, layout, mapped, unmapped)


def _formula_issues(plan: SheetPlan, kept: dict[int, HeaderMatch], marks: CellMarks, codebook: Codebook,
                    name: str) -> list[Issue]:
    """Formulas without a saved value in the cells read: their text kept as the answer of a
    free-text question, else the value is missing (a warning each)."""
    rows = plan.sheet.rows
    sheet = plan.sheet.name
    horizontal = plan.orientation == "horizontal"
    read = set(kept) if horizontal else set(plan.answer_cols)
    issues: list[Issue] = []
    for (r, c), formula in sorted(marks.formulas.items()):
        if c not in read or (horizontal and not plan.first <= r < plan.end) or (not horizontal and r not in kept):
            continue
        question = codebook[kept[c if horizontal else r].target.code]
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
    return issues


def _truncated_cells(sheet: Sheet, name: str, params: IngestParams) -> list[Issue]:
    """Cells cut at ingest.max_cell_chars by the reader: an error each (only the start was read)."""
    return [
        Issue(
            "cell_truncated",
            f"La cellule {cell_ref(r, c)} du fichier {name} contient {french_number(length)} caractères, au-delà de la limite de "
            f"{french_number(params.max_cell_chars)} (ingest.max_cell_chars) : seul le début a été lu.",
            name, sheet.name, cell_ref(r, c), "", "", "error",
        )
        for r, c, length in sheet.truncated
    ]


def _column_issues(plan: SheetPlan, resolution: Resolution, matcher: HeaderMatcher, name: str) -> list[Issue]:
    """Headers that cannot be read: two for one question (neither kept), one beaten by a better
    one or by a visible one, a reminder of an earlier answer, an option label naming several
    options, one matching no question; hidden headers read because nothing visible answers them."""
    sheet = plan.sheet.name
    horizontal = plan.orientation == "horizontal"
    what = "colonnes" if horizontal else "lignes"
    one = "colonne" if horizontal else "ligne"
    issues: list[Issue] = []
    for target, cols in resolution.conflicts:
        refs = [plan.header_cell[c] for c in cols]
        texts = [plan.header_text[c] for c in cols]
        message = (
            f"{len(cols)} {what} correspondent à la même question {target.column} : "
            + ", ".join(f"« {t} » ({r})" for t, r in zip(texts, refs))
            + ". Aucune n'a été retenue : supprimez ou renommez celle qui est en trop."
        )
        for c in cols:
            issues.append(Issue("duplicate_column", message, name, sheet, plan.header_cell[c], target.column, plan.header_text[c], "error"))
    def at_header(c: int, code: str, message: str, question: str, severity: str) -> None:
        issues.append(Issue(code, message, name, sheet, plan.header_cell[c], question, plan.header_text[c], severity))

    def named(c: int) -> str:  # « header » (cell)
        return f"« {plan.header_text[c]} » ({plan.header_cell[c]})"

    for c, (m, winner) in resolution.beaten.items():
        if m.method != "tool":
            at_header(c, "ignored_column", f"{named(c)} ressemble à la question {m.target.column}, déjà lue dans "
                      f"{named(winner)} : ignorée.", m.target.column, "warning")
    for c, winner in sorted(resolution.hidden_beaten.items()):
        q = plan.matches[c].target.column
        at_header(c, "hidden_column_skipped",
                  f"La {one} masquée {named(c)} répond à la même question {q} que la {one} visible {named(winner)} : "
                  f"seule la {one} visible a été lue. La valeur masquée est peut-être une ancienne réponse : "
                  "vérifiez-la si elle compte.", q, "warning")
    for c in resolution.hidden_kept:
        q = plan.matches[c].target.column
        at_header(c, "hidden_column_read", f"La {one} {named(c)} est masquée mais aucune {one} visible ne répond à la "
                  f"question {q} : elle a été lue.", q, "info")
    for c in resolution.stale:
        q = plan.matches[c].target.column
        at_header(c, "stale_column", f"{named(c)} rappelle une réponse d'une enquête précédente à la question {q} : "
                  "elle n'est pas lue comme une réponse de cette année.", q, "warning")
    for c in resolution.ambiguous:
        q = matcher.questions[plan.matches[c].target.code]
        labels = " ; ".join(f"« {q.modality(s).label} »" for s in plan.matches[c].candidates)
        at_header(c, "ambiguous_option", f"{named(c)} peut désigner plusieurs réponses de la question {q.code} "
                  f"({labels}) : non lue plutôt que devinée. Écrivez la réponse en entier.", q.code, "error")
    for c, text in sorted(plan.unmatched.items()):
        if not matcher.is_tool_column(text):
            issues.append(Issue(
                "unmapped_column",
                f"En-tête « {text} » non reconnu : cette {one} n'est pas lue. Renommez-la avec le code de la question (ex. A02) si elle doit l'être.",
                name, sheet, plan.header_cell[c], "", text, "warning",
            ))
    return issues


# --- respondents ---------------------------------------------------------------------------------
def _identifier(code: str, value: object) -> bool:
    """A SIREN of 9 digits, or a commune's INSEE code (5 characters): what a count or a sum in
    those columns of a total row never looks like."""
    if is_blank(value):
        return False
    if code == "A03":
        digits = normalize_siren(value)
        return digits is not None and len(digits) == 9
    insee = normalize_insee(value)
    return insee is not None and len(insee) == 5


def _summary_label(values: list[object]) -> str:
    """The label of a row summing up the others (« Total réseau », « Moyenne ») among its first
    cell and its name cells, or ""."""
    for v in values:
        if v.__class__ is str and SUMMARY_LABEL.match(norm(v)):
            return v.strip()
    return ""


def _read_rows(plan: SheetPlan, kept: dict[int, HeaderMatch], marks: CellMarks, codebook: Codebook, reader: ValueReader,
               codes: AnswerCodes, name: str, layout: str) -> tuple[list[dict[str, object]], list[Issue]]:
    """Horizontal block: one record per non-empty row under the header; example rows, rows summing
    up the others and hidden rows (when visible ones hold answers) skipped with a note."""
    sheet = plan.sheet.name
    rows = plan.sheet.rows
    columns = codebook.columns
    records: list[dict[str, object]] = []
    issues: list[Issue] = []
    ids = [c for c, m in kept.items() if m.target.code in _IDENTIFIERS]
    label_cols = [c for c, m in kept.items() if m.target.code == "A01"]
    data = [r for r in range(plan.first, plan.end) if any(not is_blank(v) for v in rows[r])]
    hidden = [r for r in data if r in marks.hidden_rows]
    read_hidden = marks.filtered or len(hidden) == len(data)
    for r in data:
        row = rows[r]
        nonblank = [c for c, v in enumerate(row) if not is_blank(v)]
        first = row[nonblank[0]]
        if first.__class__ is str and norm(first).startswith("exemple"):
            issues.append(Issue(
                "skipped_row", f"Ligne {r + 1} « {first.strip()[:60]} » lue comme une ligne d'exemple : ignorée.",
                name, sheet, cell_ref(r, nonblank[0]), "", first.strip()[:200], "warning",
            ))
            continue
        identified = any(c < len(row) and _identifier(kept[c].target.code, row[c]) for c in ids)
        label = "" if identified else _summary_label([first] + [row[c] for c in label_cols if c < len(row)])
        aggregates = sum(1 for c in nonblank if (r, c) in marks.aggregates)
        if label or (not identified and aggregates >= 2):
            shown = label or f"{aggregates} formules de total"
            issues.append(Issue(
                "summary_row",
                f"Ligne {r + 1} « {shown[:60]} » : ligne de total ou de synthèse (sans SIREN ni code INSEE), pas une "
                "collectivité : ignorée.",
                name, sheet, cell_ref(r, nonblank[0]), "", shown[:200], "warning",
            ))
            continue
        if r in marks.hidden_rows:
            if not read_hidden:
                issues.append(Issue(
                    "hidden_row_skipped",
                    f"La ligne {r + 1} (« {cell_text(first)[:60]} ») est masquée dans le classeur : elle n'a pas été lue, les "
                    "lignes visibles l'ont été. S'il s'agit d'une réponse à compter, affichez la ligne ; une ancienne réponse "
                    "peut rester masquée.",
                    name, sheet, f"A{r + 1}", "", cell_text(first)[:200], "warning",
                ))
                continue
            why = "un filtre la cache" if marks.filtered else "aucune ligne visible ne contient de réponse"
            issues.append(Issue(
                "hidden_row_read", f"La ligne {r + 1} est masquée dans le classeur mais elle a été lue ({why}).",
                name, sheet, f"A{r + 1}", "", "", "warning",
            ))
        width = len(row)
        answers = [Answer(m, row[c] if c < width else None, cell_ref(r, c)) for c, m in kept.items()]
        rng = f"{cell_ref(r, nonblank[0])}:{cell_ref(r, nonblank[-1])}"
        rid = f"{name}!{sheet}!{r + 1}"
        rec, rec_issues = _record(answers, codebook, reader, codes, name, sheet, rid, r + 1, rng, layout)
        if not any(k in rec for k in columns):
            rec_issues.append(Issue(
                "empty_response",
                f"Ligne {r + 1} sans aucune réponse lisible (réponse incomplète ?) : gardée, à vérifier.",
                name, sheet, rng, "", "", "warning",
            ))
        records.append(rec)
        issues.extend(rec_issues)
    return records, issues


def _read_columns(plan: SheetPlan, kept: dict[int, HeaderMatch], marks: CellMarks, codebook: Codebook,
                  reader: ValueReader, codes: AnswerCodes, name: str,
                  layout: str) -> tuple[list[dict[str, object]], list[Issue]]:
    """Vertical block: one record per answer column holding at least one answer; columns summing
    up the others, recalling earlier answers, or hidden (when visible ones hold answers) skipped
    with a note."""
    sheet = plan.sheet.name
    rows = plan.sheet.rows
    records: list[dict[str, object]] = []
    issues: list[Issue] = []
    first_row = min(kept) if kept else plan.first
    for col, (why, heading) in sorted(plan.set_aside.items()):
        what = "de total ou de synthèse" if why == "summary" else "qui rappelle les réponses d'une enquête précédente"
        issues.append(Issue(
            "summary_column" if why == "summary" else "stale_column",
            f"La colonne {column_letter(col)} « {heading[:60]} » est une colonne {what} : "
            "elle n'est pas lue comme une collectivité.",
            name, sheet, cell_ref(first_row, col), "", heading[:200], "warning",
        ))

    def filled(col: int) -> bool:
        return any(col < len(rows[r]) and not is_blank(rows[r][col]) for r in kept)

    answered = [c for c in plan.answer_cols if filled(c)]
    shown = [c for c in answered if c not in marks.hidden_cols]
    for col in answered:
        rng = f"{cell_ref(min(kept), col)}:{cell_ref(max(kept), col)}" if kept else ""
        if col in marks.hidden_cols:
            if shown:
                issues.append(Issue(
                    "hidden_column_skipped",
                    f"La colonne de réponses {rng} est masquée dans le classeur : elle n'a pas été lue, la colonne visible "
                    "l'a été. Une ancienne réponse peut rester masquée ; s'il s'agit d'une réponse à compter, affichez la colonne.",
                    name, sheet, rng, "", "", "warning",
                ))
                continue
            issues.append(Issue(
                "hidden_column_read", f"La colonne de réponses {rng} est masquée mais aucune colonne visible ne contient de "
                "réponse : elle a été lue.", name, sheet, rng, "", "", "warning",
            ))
        answers = [Answer(m, rows[r][col] if col < len(rows[r]) else None, cell_ref(r, col)) for r, m in kept.items()]
        rid = f"{name}!{sheet}!{rng}"
        rec, rec_issues = _record(answers, codebook, reader, codes, name, sheet, rid, None, rng, layout)
        records.append(rec)
        issues.extend(rec_issues)
    return records, issues


def _record(answers: list[Answer], codebook: Codebook, reader: ValueReader, codes: AnswerCodes, name: str, sheet: str,
            rid: str, source_row: int | None, rng: str, layout: str) -> tuple[dict[str, object], list[Issue]]:
    """One response record (id, typed values, provenance) and the problems of its cells."""
    values, cells, issues = convert_answers(answers, codebook, reader, name, sheet, codes)
    rec: dict[str, object] = {"response_id": rid}
    rec.update(values)
    rec.update(zip(PROVENANCE, (name, sheet, source_row, rng, json.dumps(cells, ensure_ascii=False, sort_keys=False), layout)))
    return rec, issues
