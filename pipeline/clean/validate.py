"""Validation of responses: a pandera schema generated from the codebook, plus cross-field rules.

Every failure becomes one row of an issues table (``response_id`` + :data:`ISSUE_COLUMNS`), with
the file, sheet and cell taken from the row's provenance (``source_cells``) and a French message
saying how to fix it. Each rule has a stable code and a severity: ``error`` is blocking (the row
goes to quarantine), ``warning`` leaves the row in the clean table with a ``flag_<rule>`` column."""

from __future__ import annotations

import json
from typing import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipeline.clean.checks import (
    RuleParams,
    answered,
    budget_per_inhabitant,
    check_budget_per_inhabitant,
    check_exclusive,
    check_main_action,
    check_max_choices,
    check_never_without_action,
    modality_labels,
    multi_frame,
)
from pipeline.common.identifiers import (
    INSEE_PATTERN,
    SIREN_PATTERN,
    normalize_insee_series,
    normalize_siren_series,
    siren_valid_series,
)
from pipeline.common.issues import ISSUE_COLUMNS
from pipeline.domain.codebook import Codebook, Question
from pipeline.domain.rules import BLOCKING, RULES, Rule

VALIDATION_COLUMNS = ("response_id", *ISSUE_COLUMNS)


def _range_check(q: Question, params: RuleParams) -> pa.Check | None:
    low = q.min
    high = params.survey_year if q.max_survey_year else q.max
    strict = q.min_exclusive
    if low is None and high is None and not strict:
        return None

    def ok(s: pd.Series) -> pd.Series:
        x = pd.to_numeric(s, errors="coerce")
        good = x.isna()
        inside = pd.Series(True, index=s.index)
        if low is not None:
            inside &= x >= low
        if strict:
            inside &= x > 0
        if high is not None:
            inside &= x <= high
        return good | inside

    return pa.Check(ok, name="out_of_range")


def _integer_check() -> pa.Check:
    def ok(s: pd.Series) -> pd.Series:
        x = pd.to_numeric(s, errors="coerce")
        return x.isna() | (x == np.floor(x))

    return pa.Check(ok, name="not_integer")


def cross_field_rules(
    codebook: Codebook, params: RuleParams
) -> list[tuple[str, str, Callable[[pd.DataFrame], pd.Series]]]:
    """(check name, column shown to the user, DataFrame -> passes) for each cross-field rule;
    the check name is the rule code, with ':<question>' for rules repeated per question."""
    rules: list[tuple[str, str, Callable[[pd.DataFrame], pd.Series]]] = [
        ("main_action_not_ticked", "B04", lambda d: check_main_action(d, codebook)),
        ("actions_but_never", "B01", lambda d: check_never_without_action(d, codebook)),
        ("budget_per_inhabitant_implausible", "C01", lambda d: check_budget_per_inhabitant(d, codebook, params)),
        ("identity_missing", "A01",
         lambda d: answered(d, codebook["A01"]) | answered(d, codebook["A03"]) | answered(d, codebook["A04"])),
    ]
    for q in codebook.of_type("multi"):
        exclusive = [m for m in q.modalities if m.exclusive]
        if exclusive:
            rules.append((f"aucun_not_exclusive:{q.code}", f"{q.code}__{exclusive[0].slug}",
                          lambda d, q=q: check_exclusive(d, q)))
        if q.max_choices:
            rules.append((f"too_many_obstacles:{q.code}", q.code, lambda d, q=q: check_max_choices(d, q)))
    return rules


def build_schema(codebook: Codebook, params: RuleParams, *, cross_field: bool = True) -> pa.DataFrameSchema:
    """pandera schema of responses.parquet generated from the codebook (types, modalities, ranges,
    formats); with ``cross_field`` the cross-field rules are DataFrame-level checks named after
    their rule code (validate_responses evaluates those directly: pandera would report each
    failing row once per column)."""
    columns: dict[str, pa.Column] = {}
    for q in codebook:
        if q.type == "multi":
            for c in q.columns:
                columns[c] = pa.Column("boolean", coerce=True, nullable=True, required=False)
        elif q.type == "number":
            checks = [c for c in (_range_check(q, params), _integer_check() if q.integer else None) if c]
            columns[q.code] = pa.Column(float, coerce=True, nullable=True, required=False, checks=checks)
        elif q.type == "single":
            labels = set(modality_labels(q))
            columns[q.code] = pa.Column(
                nullable=True, required=False,
                checks=pa.Check(lambda s, labels=labels: s.isin(labels) | s.isna(), name="unknown_modality"),
            )
        elif q.format == "siren":
            columns[q.code] = pa.Column(
                nullable=True, required=False,
                checks=[
                    pa.Check(lambda s: normalize_siren_series(s).str.fullmatch(SIREN_PATTERN).fillna(True).astype(bool),
                             name="bad_siren_format"),
                    pa.Check(lambda s: siren_valid_series(normalize_siren_series(s)).fillna(True).astype(bool),
                             name="bad_siren_checksum"),
                ],
            )
        elif q.format == "insee":
            columns[q.code] = pa.Column(
                nullable=True, required=False,
                checks=pa.Check(
                    lambda s: normalize_insee_series(s).str.fullmatch(INSEE_PATTERN).fillna(True).astype(bool),
                    name="bad_insee_format",
                ),
            )
    frame_checks = [
        pa.Check(lambda d, f=f: f(d), name=name) for name, _, f in cross_field_rules(codebook, params)
    ] if cross_field else []
    for q in codebook:
        if q.code in columns or q.type == "multi":
            continue
        if q.type == "date":
            columns[q.code] = pa.Column(
                nullable=True, required=False,
                checks=pa.Check(
                    lambda s: s.isna() | pd.to_datetime(s.astype("string"), errors="coerce", format="ISO8601").notna(),
                    name="bad_date",
                ),
            )
        else:  # text, pii, id without format
            columns[q.code] = pa.Column(nullable=True, required=False)
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=False, name="responses")


def cell_of(source_cells: object, column: str) -> str:
    """Cell of ``column`` in the row's provenance JSON ({column: cell}); falls back to the
    question code for a multi-select column ('B03__ecsi' -> 'B03'), else ''."""
    if source_cells is None or (isinstance(source_cells, float) and np.isnan(source_cells)):
        return ""
    try:
        cells = json.loads(source_cells) if isinstance(source_cells, str) else dict(source_cells)
    except (TypeError, ValueError):
        return ""
    if not isinstance(cells, dict):
        return ""
    for key in (column, column.split("__")[0]):
        if key in cells and cells[key] is not None:
            return str(cells[key])
    # a rule on a whole multi-select question: the first cell of its block
    for key, cell in cells.items():
        if "__" not in column and str(key).startswith(f"{column}__") and cell is not None:
            return str(cell)
    return ""


def _describe(rule: Rule, q: Question | None, value: pd.Series, extra: pd.Series | None) -> pd.Series:
    """French message per failing row: what is wrong, where in the questionnaire, how to fix."""
    head = rule.title_fr[0].upper() + rule.title_fr[1:]
    if q is not None:
        head += f" ({q.code} « {q.label} »)"
    text = pd.Series(head, index=value.index, dtype="string")
    text = text.where(value == "", text + " : « " + value + " »")
    if extra is not None:
        extra = extra.astype("string").fillna("")
        text = text.where(extra == "", text + " ; " + extra)
    return text + f". Comment corriger : {rule.fix_fr}"


def _value_text(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def text_of(s: pd.Series) -> pd.Series:
    """Values as the text a user typed: integral floats without '.0', missing as ''."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean").map({True: "Oui", False: "Non"}).astype("string").fillna("")
    if pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
        return pd.Series([_value_text(v) for v in s.astype("Float64").astype(object)], index=s.index, dtype="string")
    return s.astype("string").fillna("")


def make_issues(
    df: pd.DataFrame,
    failing: pd.Series,
    code: str,
    column: str,
    codebook: Codebook | None = None,
    extra: Callable[[pd.DataFrame], pd.Series] | None = None,
) -> pd.DataFrame:
    """Issues frame for the rows of ``df`` where ``failing`` is True (one per row); ``extra``
    gives, for the failing rows, a French detail appended to the message."""
    rule = RULES[code]
    rows = df.loc[failing.reindex(df.index, fill_value=False).astype(bool)]
    if rows.empty:
        return issues_table()
    q = None
    if codebook is not None:
        try:
            q = codebook[column.split("__")[0]]
        except KeyError:
            q = None
    value = text_of(rows[column]) if column in rows.columns else pd.Series("", index=rows.index, dtype="string")
    cells = rows["source_cells"] if "source_cells" in rows.columns else pd.Series(None, index=rows.index)

    def col(name: str) -> pd.Series:
        if name in rows.columns:
            return text_of(rows[name])
        return pd.Series("", index=rows.index, dtype="string")

    out = pd.DataFrame(
        {
            "response_id": col("response_id"),
            "code": code,
            "severity": rule.severity,
            "file": col("source_file"),
            "sheet": col("source_sheet"),
            "cell": [cell_of(c, column) for c in cells],
            "column": column,
            "value": value,
            "message_fr": _describe(
                rule, q, value if q is None or q.type != "multi" else value.where(value == "", ""),
                extra(rows) if extra else None,
            ),
        },
        index=rows.index,
    )
    return out.reset_index(drop=True).astype("string")


def issues_table(rows: list[dict[str, str]] | None = None) -> pd.DataFrame:
    """Issues with response ids, one row each, columns VALIDATION_COLUMNS (all strings)."""
    return pd.DataFrame(rows or [], columns=list(VALIDATION_COLUMNS)).astype("string")


def validate_responses(df: pd.DataFrame, codebook: Codebook, params: RuleParams) -> pd.DataFrame:
    """Run the codebook schema lazily on responses, then the cross-field rules, and return every
    failure as an issue row (one per row, column and rule)."""
    data = df.reset_index(drop=True)
    schema = build_schema(codebook, params, cross_field=False)
    parts = []
    try:
        schema.validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases[cases["index"].notna() & (cases["schema_context"] == "Column")]
        rule = cases["check"].astype(str)
        rule = rule.mask(rule.str.startswith(("coerce_dtype", "dtype")), "bad_type")
        cases = cases.assign(rule=rule)
        cases = cases[cases["rule"].isin(RULES)].drop_duplicates(["rule", "column", "index"])
        for (code, column), g in cases.groupby(["rule", "column"], sort=False):
            mask = pd.Series(data.index.isin(g["index"].astype(int)), index=data.index)
            parts.append(make_issues(data, mask, code, column, codebook, _extra_for(code, column, codebook, params)))
    for name, column, passes in cross_field_rules(codebook, params):
        code = name.split(":")[0]
        failing = ~passes(data).astype(bool)
        if failing.any():
            parts.append(make_issues(data, failing, code, column, codebook, _extra_for(code, column, codebook, params)))
    parts = [p for p in parts if len(p)]
    if not parts:
        return issues_table()
    return pd.concat(parts, ignore_index=True)


def _extra_for(
    rule: str, column: str, codebook: Codebook, params: RuleParams
) -> Callable[[pd.DataFrame], pd.Series] | None:
    if rule == "out_of_range":
        q = codebook[column]
        high = params.survey_year if q.max_survey_year else q.max
        strict = q.min_exclusive
        low = 0 if strict else q.min
        bounds = []
        if low is not None:
            bounds.append(f"{'supérieure à' if strict else 'au moins'} {_value_text(float(low))}")
        if high is not None:
            bounds.append(f"au plus {_value_text(float(high))}")
        return lambda rows: pd.Series("la valeur doit être " + " et ".join(bounds), index=rows.index)
    if rule == "budget_per_inhabitant_implausible":
        return lambda rows: budget_per_inhabitant(rows).map(
            lambda v: f"soit {v:,.0f} € par habitant".replace(",", "\u202f") if pd.notna(v) else ""
        )
    if rule in ("too_many_obstacles", "aucun_not_exclusive"):
        q = codebook[column.split("__")[0]]

        def ticked(rows: pd.DataFrame) -> pd.Series:
            ticks = multi_frame(rows, q)
            labels = {f"{q.code}__{m.slug}": m.label for m in q.modalities}
            return ticks.apply(lambda r: "cochés : " + ", ".join(labels[c] for c in r.index[r.to_numpy()]), axis=1)

        return ticked
    if rule == "main_action_not_ticked":
        return lambda rows: pd.Series("cette action n'est pas cochée en B03", index=rows.index)
    return None


def summarize_severity(issues: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Counts of issues by severity then code, for reports."""
    out: dict[str, dict[str, int]] = {}
    for (sev, code), n in issues.groupby(["severity", "code"]).size().items():
        out.setdefault(str(sev), {})[str(code)] = int(n)
    return out


def blocking_ids(issues: pd.DataFrame) -> set[str]:
    """Response ids with at least one blocking issue."""
    return set(issues.loc[issues["severity"] == BLOCKING, "response_id"].dropna().astype(str))


PROVENANCE_COLUMNS = ("source_file", "source_sheet", "source_row", "source_range", "source_cells", "layout")


def blank_responses(codebook: Codebook, n: int) -> pd.DataFrame:
    """``n`` unanswered responses in the shape of responses.parquet (ids r1..rn), for tests and
    benchmarks: strings for single/id/text/pii/date, float64 for numbers, boolean for multi."""
    data: dict[str, pd.Series] = {"response_id": pd.Series([f"r{i + 1}" for i in range(n)], dtype="string")}
    for q in codebook:
        for c in q.columns:
            if q.type == "multi":
                data[c] = pd.Series(pd.NA, index=range(n), dtype="boolean")
            elif q.type == "number":
                data[c] = pd.Series(np.nan, index=range(n), dtype="float64")
            else:
                data[c] = pd.Series(pd.NA, index=range(n), dtype="string")
    data["source_file"] = pd.Series(["reponses.xlsx"] * n, dtype="string")
    data["source_sheet"] = pd.Series(["Réponses"] * n, dtype="string")
    data["source_row"] = pd.Series(range(2, n + 2), dtype="Int64")
    data["source_range"] = pd.Series(pd.NA, index=range(n), dtype="string")
    data["source_cells"] = pd.Series(pd.NA, index=range(n), dtype="string")
    data["layout"] = pd.Series(["horizontal"] * n, dtype="string")
    return pd.DataFrame(data)
