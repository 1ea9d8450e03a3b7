"""One numbering and one set of names in every section: section 10 counts the types of both waves with
last year's model (a change of type is then a change of practice), and shows each of them under the
number and name of this year's typology that is the same type (the continuity stage's identity,
``TypologyMetrics.identity``: optimal assignment on the transition table). A type of last year without
one this year is named as it was, with its year and what became of it.

What became of the types is said in the same words everywhere: under a type's portrait (section 9),
in section 10 and in the summary at the top (:func:`changes`)."""

from __future__ import annotations

from pipeline.reporting.report import Report

SAME = ("même type", "fusionné")
BECAME = {"scindé": "scindé depuis", "disparu": "sans équivalent cette année", "fusionné": "fusionné depuis"}


def _identity(rep: Report) -> list[dict]:
    """The identity records when this year's typology is a refit (else the types are last year's)."""
    m = rep.inputs.typology.metrics
    if m is None or m.published != "refit" or not m.identity:
        return []
    return list(m.identity)


def _record(rep: Report, reference_type: int) -> dict | None:
    if not _identity(rep):
        return None
    return rep.inputs.typology.metrics.same_types().get(int(reference_type))


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


def named(number: int, name: str) -> str:
    """'le type 2 « Name »': a type of this year's typology in a sentence (section 9's number and name)."""
    return f"le type {int(number)} « {name} »"


def _now(rep: Report, types: list[int]) -> str:
    """'le type 2 « Name » et le type 3 « Name »': this year's types as section 9 numbers and names them."""
    names = rep.inputs.typology.metrics.type_names
    return " et ".join(named(t, names.get(int(t), f"Type {t}")) for t in types)


def changes(rep: Report) -> list[str]:
    """What became of last year's types in this year's typology, one French clause per change
    (none when nothing changed or the types are last year's): split, vanished or merged into another
    (« a rejoint »), new, or a refit type that gathers types of last year."""
    records = _identity(rep)
    if not records:
        return []
    year = rep.inputs.typology.metrics.reference_year
    refs = {int(r["reference_type"]): r["reference_name"] for r in records if r.get("reference_type") is not None}
    out = []
    for r in records:
        if r.get("reference_type") is not None:
            old = f"le type « {r['reference_name']} » de {year}"
            if r["status"] == "scindé":
                out.append(f"{old} s'est scindé entre {_now(rep, r['parts'])}")
            elif r["status"] == "disparu" and r.get("parts"):
                out.append(f"{old} a rejoint {_now(rep, r['parts'])}")
            elif r["status"] == "disparu":
                out.append(f"{old} n'a plus d'équivalent")
        elif r["status"] == "nouveau":
            out.append(f"{_now(rep, [r['refit_type']])} apparaît")
        elif r["status"] == "fusionné":
            merged = " et ".join(f"« {refs[int(t)]} »" for t in r["parts"] if int(t) in refs)
            out.append(f"{_now(rep, [r['refit_type']])} réunit les types {merged} de {year}")
    return out


def sentence(rep: Report) -> str:
    """The changes as one sentence; that every type was found again when none changed."""
    if not _identity(rep):
        return ""
    year = rep.inputs.typology.metrics.reference_year
    parts = changes(rep)
    if not parts:
        return f"Les types de {year} se retrouvent tous cette année."
    return f"Par rapport à la typologie de {year} : " + " ; ".join(parts) + "."


def origin(rep: Report, refit_type: int) -> str:
    """Under a type's portrait: which type of last year it is, or that it is new or from a split."""
    records = _identity(rep)
    if not records:
        return ""
    year = rep.inputs.typology.metrics.reference_year
    for r in records:
        if r.get("refit_type") is None or int(r["refit_type"]) != int(refit_type):
            continue
        if r.get("reference_type") is not None and r["status"] == "fusionné":  # joined by vanished types
            merged = [r] + [o for o in records if o.get("reference_type") is not None and o["status"] == "disparu"
                            and [int(t) for t in o.get("parts") or []] == [int(refit_type)]]
            if len(merged) > 1:
                return "Réunit les types " + " et ".join(f"« {o['reference_name']} »" for o in merged) + f" de {year}."
        if r.get("reference_type") is not None and r["status"] in SAME:
            if int(r["reference_type"]) == int(refit_type) and r["reference_name"] == r.get("refit_name"):
                return f"Type déjà présent en {year}, sous le même numéro et le même nom."
            return f"Même type que le type {int(r['reference_type'])} de {year} (« {r['reference_name']} »)."
        if r["status"] == "nouveau":
            return f"Nouveau type : sans équivalent dans la typologie de {year}."
        if r["status"] == "fusionné":
            names = " et ".join(f"« {o['reference_name']} »" for o in records
                                if o.get("reference_type") is not None and o["reference_type"] in r["parts"])
            return f"Réunit les types {names} de {year}."
    for r in records:  # a part of a split type
        if r.get("reference_type") is not None and r["status"] == "scindé" and int(refit_type) in r["parts"]:
            return f"Issu de la scission du type « {r['reference_name']} » de {year}."
    return ""
