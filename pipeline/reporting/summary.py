"""« À retenir »: five to eight sentences at the top of a report, from the numbers its own tables
publish (each one masked as the table's cell is): who answered and how many types, the types and
their sizes, what distinguishes the largest, how the network compares with France, what changed
since the previous survey and what became of the types.

The notebook builds the summary last, once every table of the report is published, and shows it at
the top (a display updated in place): a sentence never states a number that its table does not.
"""

from __future__ import annotations

import html

from pipeline.common.text import french_number
from pipeline.reporting.formats import SECRET_SHARE, secret_label
from pipeline.reporting.portraits import SIZES, PortraitsView, TypeView
from pipeline.reporting.report import Report
from pipeline.reporting.secrecy import HIDDEN, PRIMARY, PUBLIC, SECONDARY, VISIBLE
from pipeline.reporting.tables import COUNT

MAX_SENTENCES = 8


def record_cell(rep: Report, key: str, row: str, column: str = COUNT) -> str | None:
    """The text a published count shows (its value, « < 3 » or « s »), None when not published."""
    for rec in rep.records:
        if rec.key != key or not rec.published or row not in rec.rows or column not in rec.columns:
            continue
        i, j = rec.rows.index(row), rec.columns.index(column)
        status = rec.status[i][j]
        if status in (VISIBLE, PUBLIC):
            return french_number(rec.values[i][j])
        if status == PRIMARY:
            return secret_label(rep.threshold)
        if status == SECONDARY:
            return SECRET_SHARE
        if status == HIDDEN:
            return None
    return None


def _quoted(name: str) -> str:
    """« Engagement ponctuel via jumelage » (the type's number dropped from '1. …')."""
    return f"« {name.split('. ', 1)[-1]} »"


def _sized(view: TypeView) -> str:
    return f"{_quoted(view.name)} ({view.size_text} collectivités, {view.share_text})"


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def typology_sentences(rep: Report, portraits: PortraitsView) -> list[str]:
    typo = rep.inputs.typology
    if not typo.available:
        return []
    sizes = next((t for t in rep.tables if t.key == SIZES), None)
    if sizes is None or sizes.withheld:
        return []
    m = typo.metrics
    shown = [v for v in portraits.types if v.shown]
    ranked = sorted(shown, key=lambda v: -float(sizes.data.at[v.name, COUNT]))
    out = []
    typed = french_number(sizes.n)
    if rep.national:
        out.append(f"{typed} collectivités qui mènent ou ont mené des actions à l'international se répartissent en "
                   f"{m.k} types d'organisation.")
    else:
        out.append(f"Dans le réseau, {typed} collectivités sont classées dans les {m.k} types de la typologie "
                   "nationale.")
    if ranked:
        rest = ", ".join(_sized(v) for v in ranked[1:])
        out.append(f"Le plus fréquent est {_sized(ranked[0])}" + (f" ; viennent ensuite {rest}." if rest else "."))
    reference = "pour l'ensemble des répondants" if rep.national else "pour ce type en France"
    for view in ranked[:3]:
        if view.traits:
            text, value, ref = view.traits[0]
            compare = f" ({value} contre {ref} {reference})" if ref else f" ({value})"
            out.append(f"{_quoted(view.name)} se distingue par : {_lower(text)}{compare}.")
    if not rep.national and "Part France" in sizes.data.columns:
        over = [v for v in shown if not bool(sizes.secret.at[v.name, "Part réseau"])
                and not bool(sizes.secret.at[v.name, "Part France"])]
        if over:
            gap = max(over, key=lambda v: sizes.data.at[v.name, "Part réseau"] - sizes.data.at[v.name, "Part France"])
            out.append(f"Par rapport à la France, le réseau compte davantage de collectivités du type "
                       f"{_quoted(gap.name)} ({sizes.cell_text(gap.name, 'Part réseau')} contre "
                       f"{sizes.cell_text(gap.name, 'Part France')}).")
    return out


def change_sentences(rep: Report) -> list[str]:
    trends = rep.inputs.trends
    ref_year, year = trends.get("reference_year"), trends.get("year")
    out = []
    panel = record_cell(rep, "evolution_resume", "Collectivités présentes les deux années")
    if panel is not None and ref_year is not None:
        facts = []
        moved = record_cell(rep, "evolution_type", "Autre type")
        if moved is not None:
            facts.append(f"{moved} ont changé de type")
        more = record_cell(rep, "evolution_strategie", "Plus formalisée")
        if more is not None:
            facts.append(f"{more} ont davantage formalisé leur stratégie internationale")
        text = f"Parmi les {panel} collectivités qui ont répondu en {ref_year} et en {year}"
        out.append(text + (", " + " et ".join(facts) + "." if facts else ", les évolutions sont détaillées en section 10."))
    identity = identity_sentence(rep)
    if identity:
        out.append(identity)
    return out


def identity_sentence(rep: Report) -> str:
    """What became of last year's types in this year's typology (continuity stage's identity)."""
    m = rep.inputs.typology.metrics
    if m is None or not m.identity or m.published != "refit":
        return ""
    ref_year = m.reference_year
    refs = {r["reference_type"]: r["reference_name"] for r in m.identity if r.get("reference_type") is not None}

    def now(types: list[int]) -> str:
        return " et ".join(_quoted(m.type_names.get(int(t), f"Type {t}")) for t in types)

    parts = []
    for r in m.identity:
        if r.get("reference_type") is not None:
            if r["status"] == "scindé":
                parts.append(f"le type {_quoted(r['reference_name'])} de {ref_year} s'est scindé en {now(r['parts'])}")
            elif r["status"] == "disparu":
                parts.append(f"le type {_quoted(r['reference_name'])} de {ref_year} n'a plus d'équivalent")
        elif r["status"] == "nouveau":
            parts.append(f"le type {now([r['refit_type']])} apparaît")
        elif r["status"] == "fusionné":
            merged = " et ".join(_quoted(refs[t]) for t in r["parts"] if t in refs)
            parts.append(f"{now([r['refit_type']])} réunit les types {merged} de {ref_year}")
    if not parts:
        return f"Les types de {ref_year} se retrouvent tous cette année."
    return "Par rapport à la typologie de " + str(ref_year) + " : " + " ; ".join(parts) + "."


def summary(rep: Report, portraits: PortraitsView) -> str:
    """The « À retenir » box of the report ('' for the planning pass or a report without results)."""
    if rep.collect or not rep.published:
        return ""
    sentences = (typology_sentences(rep, portraits) + change_sentences(rep))[:MAX_SENTENCES]
    if not sentences:
        return ""
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return (f'<aside class="remember"><h2 class="remember-title">À retenir</h2><ul>{items}</ul>'
            '<p class="notes">Chiffres tirés des tableaux du rapport, avec leurs règles de secret statistique '
            "(« s », « &lt;\u00a03 » : valeur masquée).</p></aside>")
