"""One numbering and one set of names in every section: section 10 counts the types of both waves with
last year's model (a change of type is then a change of practice), and shows each of them under the
number and name of this year's typology that is the same type (the continuity stage's identity,
``TypologyMetrics.identity``: optimal assignment on the transition table). A type of last year without
one this year is named as it was, with its year and what became of it."""

from __future__ import annotations

from pipeline.reporting.report import Report

SAME = ("même type", "fusionné")
BECAME = {"scindé": "scindé depuis", "disparu": "sans équivalent cette année", "fusionné": "fusionné depuis"}


def _record(rep: Report, reference_type: int) -> dict | None:
    m = rep.inputs.typology.metrics
    if m is None or m.published != "refit" or not m.identity:
        return None
    return m.same_types().get(int(reference_type))


def type_number(rep: Report, reference_type: int) -> str:
    """The number a reference-model type has in this report ('2'), or its name and year."""
    rec = _record(rep, reference_type)
    if rec is None:
        return str(int(reference_type))
    if rec.get("refit_type") is not None and rec["status"] in SAME:
        return str(int(rec["refit_type"]))
    return f"« {rec['reference_name']} » de {rep.inputs.typology.metrics.reference_year}"


def type_label(rep: Report, reference_type: int, reference_name: str) -> str:
    """'2. <this year's name>' for a reference-model type that is a type of this year's typology;
    '« <last year's name> » (2024, scindé depuis)' otherwise."""
    rec = _record(rep, reference_type)
    if rec is None:
        return f"{int(reference_type)}. {reference_name}"
    m = rep.inputs.typology.metrics
    if rec.get("refit_type") is not None and rec["status"] in SAME:
        t = int(rec["refit_type"])
        return f"{t}. {m.type_names.get(t, reference_name)}"
    return f"« {reference_name} » ({m.reference_year}, {BECAME.get(rec['status'], rec['status'])})"
