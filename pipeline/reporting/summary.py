"""« Ce qu'il faut retenir »: five to eight sentences at the top of a report, from the numbers its own tables
publish (a masked cell is left out of the prose, never guessed): who answered and how many types, the types and
their sizes, what distinguishes the largest, how the network compares with France, what changed
since the previous survey and what became of the types.

The notebook builds the summary last, once every table of the report is published, and shows it at
the top (a display updated in place): a sentence never states a number that its table does not.
"""

from __future__ import annotations

import html

from pipeline.common.text import french_number
from pipeline.reporting import identity
from pipeline.reporting.formats import SECRET_SHARE, secret_label
from pipeline.reporting.identity import named
from pipeline.reporting.portraits import SIZES, PortraitsView, TypeView
from pipeline.reporting.report import OTHER_ANSWER, Report
from pipeline.reporting.secrecy import HIDDEN, PRIMARY, PUBLIC, SECONDARY, VISIBLE
from pipeline.reporting.tables import COUNT

MAX_SENTENCES = 8
TITLE = "Ce qu'il faut retenir"


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


def _visible(text: str | None, rep: Report) -> bool:
    """A count or share a sentence can state: published and not masked (a masked cell reads badly in
    prose: the sentence leaves that fact out, the table shows its mark)."""
    return bool(text) and text not in (SECRET_SHARE, secret_label(rep.threshold))


def _among(rep: Report) -> str:
    """Where a network report's sentence stands: its network, or the collectivités without one."""
    return "parmi ces collectivités" if rep.unassigned else "dans le réseau"


def _type(view: TypeView) -> str:
    """'le type 2 « Jumelages de proximité »' from section 9's '2. Jumelages de proximité'."""
    number, _, name = view.name.partition(". ")
    return named(int(number), name) if number.isdigit() and name else f"« {view.name} »"


def _sized(view: TypeView) -> str:
    return f"{_type(view)} ({view.size_text} collectivités, {view.share_text})"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def trait_sentence(rep: Report, view: TypeView) -> str:
    """The type's most distinctive answer on its card, with the card's two shares."""
    text, value, ref = view.traits[0]
    question, _, answer = text.partition(" : ")
    what = f"« {answer} » ({_lower(question)})" if answer else _lower(text)
    who = _capital(_type(view)) if rep.national else f"{_capital(_among(rep))}, {_type(view)}"
    sentence = f"{who} se distingue d'abord par {what} : {value} des collectivités du type"
    if _visible(ref, rep):
        sentence += f", contre {ref} " + ("pour l'ensemble des répondants" if rep.national
                                          else "pour ce type dans toute la France")
    return sentence + "."


def typology_sentences(rep: Report, portraits: PortraitsView) -> list[str]:
    """How many collectivités in how many types, the types by size, what distinguishes the largest
    three (their cards), and for a network the type it has most more of than France."""
    typo = rep.inputs.typology
    if not typo.available:
        return []
    sizes = next((t for t in rep.tables if t.key == SIZES), None)
    if sizes is None or sizes.withheld or not sizes.published:
        return []
    m = typo.metrics
    shown = [v for v in portraits.types if v.shown and _visible(v.size_text, rep) and _visible(v.share_text, rep)]
    ranked = sorted(shown, key=lambda v: (-float(sizes.data.at[v.name, COUNT]), v.type))
    out = []
    typed = french_number(sizes.n)
    if rep.national:
        out.append(f"{typed} collectivités qui mènent ou ont mené des actions à l'international se répartissent en "
                   f"{m.k} types d'organisation.")
    else:
        out.append(f"{_capital(_among(rep))}, {typed} collectivités sont classées dans les {m.k} types de la "
                   "typologie nationale.")
    # a type whose size is masked could be the largest: no superlative then, the published sizes only
    masked = [v for v in portraits.types if v not in shown and v.size_text != "0"]
    if ranked and not masked:
        rest = ", ".join(_sized(v) for v in ranked[1:])
        out.append(f"Le plus fréquent est {_sized(ranked[0])}" + (f" ; viennent ensuite {rest}." if rest else "."))
    elif ranked:
        out.append("Effectifs publiés à cette échelle : " + ", ".join(_sized(v) for v in ranked) + ".")
    for view in [v for v in ranked if v.traits][:3]:
        out.append(trait_sentence(rep, view))
    if not rep.national and "Part France" in sizes.data.columns:
        over = [v for v in shown if _visible(sizes.cell_text(v.name, "Part réseau"), rep)
                and _visible(sizes.cell_text(v.name, "Part France"), rep)]
        gaps = {v.name: sizes.data.at[v.name, "Part réseau"] - sizes.data.at[v.name, "Part France"] for v in over}
        if over and max(gaps.values()) > 0:
            gap = max(over, key=lambda v: (gaps[v.name], -v.type))
            who = "ces collectivités comptent" if rep.unassigned else "le réseau compte"
            out.append(f"Par rapport à la France, {who} davantage de collectivités du type {gap.type} "
                       f"« {gap.name.partition('. ')[2]} » ({sizes.cell_text(gap.name, 'Part réseau')} contre "
                       f"{sizes.cell_text(gap.name, 'Part France')}).")
    return out


# The answers a summary states when the typology leaves room (too few sentences): the most cited
# answer of a few questions of sections 2 and 8, as their tables show it.
PRACTICES = {"B03": "L'action la plus citée", "F01": "Le frein le plus cité",
             "F02": "Le besoin d'accompagnement le plus cité", "B07": "La thématique la plus citée",
             "B06": "La zone partenaire la plus citée", "E02": "Le partenaire du territoire le plus cité"}
MIN_SENTENCES = 5


def practice_sentences(rep: Report) -> list[str]:
    """The most cited answer of B03, F01 and F02 in this scope (its share beside France for a network),
    from the question's published table: the largest count shown, when no masked count can exceed it
    (none masked to protect another, and it is at least the threshold)."""
    out = []
    share = "Part" if rep.national else "Part réseau"
    for code, subject in PRACTICES.items():
        table = next((t for t in rep.tables if t.key == code), None)
        if table is None or table.withheld or not table.published or share not in table.data.columns:
            continue
        if any(table.cell_text(r, COUNT) == SECRET_SHARE for r in table.data.index):
            continue   # a count masked to protect another may be the largest: no « most cited » to state
        rows = [r for r in table.data.index if r != OTHER_ANSWER and _visible(table.cell_text(r, COUNT), rep)
                and _visible(table.cell_text(r, share), rep)]
        if not rows:
            continue
        top = max(rows, key=lambda r: (float(table.data.at[r, COUNT]), -rows.index(r)))
        if float(table.data.at[top, COUNT]) < rep.threshold:   # « < 3 » cells could be as many
            continue
        text = f"{subject} {'' if rep.national else _among(rep) + ' '}est « {top} » " \
               f"({table.cell_text(top, share)} des collectivités qui ont répondu"
        if not rep.national and _visible(table.cell_text(top, "Part France"), rep):
            text += f", contre {table.cell_text(top, 'Part France')} en France"
        out.append(text + ").")
    return out


def change_sentences(rep: Report) -> list[str]:
    """Among the collectivités of both surveys: how many changed type, how many formalised their
    strategy (the cells of section 10's tables); then what became of last year's types."""
    trends = rep.inputs.trends
    ref_year, year = trends.get("reference_year"), trends.get("year")
    out = []
    panel = record_cell(rep, "evolution_resume", "Collectivités présentes les deux années")
    if _visible(panel, rep) and ref_year is not None:
        facts = []
        moved = record_cell(rep, "evolution_type", "Autre type")
        if _visible(moved, rep):
            facts.append("aucune n'a changé de type" if moved == "0" else f"{moved} ont changé de type")
        more = record_cell(rep, "evolution_strategie", "Plus formalisée")
        if _visible(more, rep):
            facts.append("aucune n'a davantage formalisé sa stratégie internationale" if more == "0" else
                         f"{more} ont davantage formalisé leur stratégie internationale")
        text = f"Parmi les {panel} collectivités qui ont répondu en {ref_year} et en {year}"
        out.append(text + (", " + " et ".join(facts) + "." if facts else
                           ", les évolutions sont détaillées en section 10."))
    said = identity.sentence(rep)
    if said:
        out.append(said)
    return out


def summary(rep: Report, portraits: PortraitsView) -> str:
    """The « Ce qu'il faut retenir » box of the report ('' for the planning pass or a report without results)."""
    if rep.collect or not rep.published:
        return ""
    typology, changes = typology_sentences(rep, portraits), change_sentences(rep)
    room = max(0, MIN_SENTENCES - len(typology) - len(changes))   # a network whose types are masked
    sentences = (typology + practice_sentences(rep)[:room] + changes)[:MAX_SENTENCES]
    if not sentences:
        return ""
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return (f'<aside class="remember" id="retenir"><h2 class="remember-title">{TITLE}</h2><ul>{items}</ul>'
            '<p class="notes">Chiffres tirés des tableaux du rapport (sections 9 et 10), avec leurs règles de secret '
            "statistique : une valeur masquée n'est pas citée ici.</p></aside>")
