"""The whole publication of a wave: every table of every report, planned and audited together.

The notebook (``notebooks/rapport.py``) decides which tables a report publishes. To choose the
secondary secrets of the whole publication before any report is drawn, :func:`collect_records`
runs the notebook's own code in this process with ``collect=True`` for every scope — France, each
network, even a network too small for a report (its counts are part of France's) — drawing and
writing nothing, and keeps the counts of every table built. :func:`plan_publication` then chooses
the secrets (:func:`pipeline.reporting.secrecy.plan_secrecy`); the kernels render with that plan
and leave the counts they published, which :func:`audit_publication` checks.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.common.atomic import atomic_write_text
from pipeline.reporting.inputs import ROOT
from pipeline.reporting.report import NATIONAL
from pipeline.reporting.secrecy import (
    Audit,
    Plan,
    Protection,
    SecrecyError,
    TableRecord,
    audit_secrecy,
    plan_secrecy,
)

NOTEBOOK = ROOT / "notebooks" / "rapport.py"
PLAN_FILE = "plan.json"


def notebook_code(path: Path = NOTEBOOK) -> tuple[str, str]:
    """(parameters cell, every other code cell) of the report notebook, as Python source."""
    import jupytext

    nb = jupytext.read(path, fmt="py:percent")
    code = [c for c in nb.cells if c.get("cell_type") == "code"]
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    body = [c for c in code if c not in params]
    return "\n".join(c["source"] for c in params), "\n\n".join(c["source"] for c in body)


def collect_records(common: dict, scopes: list[str], published: set[str]) -> list[TableRecord]:
    """The counts of every table each scope's report builds (``published``: the scopes that get a
    report page; the others' tables are unpublished parts of France's)."""
    params_source, body = notebook_code()
    compiled = compile(body, str(NOTEBOOK), "exec")
    records: list[TableRecord] = []
    for scope in scopes:
        namespace: dict = {"__name__": "acter_collect"}
        exec(params_source, namespace)  # noqa: S102 - the project's own notebook
        namespace.update(common, scope=scope, collect=True, secrecy_plan_path="", secrecy_records_dir="")
        exec(compiled, namespace)  # noqa: S102
        for record in namespace["rep"].records:
            record.published = record.published and scope in published
            records.append(record)
    return records


def protection_of(common: dict) -> Protection:
    return Protection(common["small_cell_threshold"], common["protection_primary"], common["protection_secondary"])


def plan_publication(common: dict, scopes: list[str], published: set[str], folder: Path) -> tuple[Plan, list[TableRecord]]:
    """Collect every table, choose the secrets, write the plan into ``folder`` (private, never
    published: it holds the counts of the unpublished scopes). Returns the plan and the records
    of what no report publishes (for the audit)."""
    records = collect_records(common, scopes, published)
    plan = plan_secrecy(records, protection_of(common))
    atomic_write_text(Path(folder) / PLAN_FILE, json.dumps(plan.to_dict(), ensure_ascii=False))
    unpublished = [r for r in records if r.scope not in published]
    return plan, unpublished


def audit_publication(folder: Path, unpublished: list[TableRecord], common: dict, plan: Plan) -> Audit:
    """The audit of what the kernels published (their records in ``folder``) with the unpublished
    scopes' counts; a kernel that published a mask other than the plan's is an error."""
    records = list(unpublished)
    for path in sorted(Path(folder).glob("records-*.json")):
        records += [TableRecord.from_dict(r) for r in json.loads(path.read_text(encoding="utf-8"))]
    for record in records:
        planned = plan.table(record.scope, record.key)
        if record.published and planned is not None:
            shown = {row: codes for row, codes in zip(record.rows, record.status)}
            if any(planned.get(row) != codes for row, codes in shown.items()):
                raise SecrecyError(f"Secret statistique : le tableau « {record.title} » ({record.scope}) n'a pas été "
                                   "masqué comme le plan le prévoit.")
    audit = audit_secrecy(records, protection_of(common))
    audit.withheld = sorted(f"{s}/{k}" for s, k in plan.withheld)
    audit.inherent = max(audit.inherent, plan.inherent)
    if audit.disclosed:
        raise SecrecyError(audit.message())
    return audit


__all__ = ["NATIONAL", "audit_publication", "collect_records", "notebook_code", "plan_publication"]
