"""Section 10 of a report: what changed since the reference wave, among the collectivités that
answered both (metrics/trends.json and the evolution classes of trends.parquet, trends stage).

Aggregates only, every count masked like any other cell.
"""

from __future__ import annotations

import html

import pandas as pd

from pipeline.common.text import french_number
from pipeline.reporting.formats import fmt_euros, mask_distribution, secret_label
from pipeline.reporting.markup import bars_html, table_html
from pipeline.reporting.report import Report
from pipeline.reporting.tables import PubTable, single_table

# Titles of the evolution classes (pipeline.panel.trends.EVOLUTION_CLASSES), in display order.
# Kept here rather than beside the classes: importing pipeline.panel.trends would load the
# typology model (scikit-learn) into every report kernel.
EVOLUTION_TITLES = {
    "evolution_budget": "Évolution du budget consacré à l'action internationale",
    "evolution_etp": "Évolution des équivalents temps plein consacrés",
    "evolution_strategie": "Évolution de la stratégie internationale",
    "evolution_actions": "Évolution du nombre de types d'action menés",
    "evolution_type": "Évolution du type (typologie)",
}
MOVES_SHOWN = 8


def _summary(rep: Report) -> dict:
    """The trends summary of the scope: a network reads its own (by_network), with the years."""
    top = rep.inputs.trends
    if rep.national:
        return top
    return {**top.get("by_network", {}).get(rep.scope, {}),
            "year": top.get("year"), "reference_year": top.get("reference_year")}


def _type_sizes_table(rep: Report, sizes: dict, ref_year: object, year: object) -> PubTable:
    rows = {f"{key}. {v['name']}": (float(v["reference"]), float(v["current"]))
            for key, v in sorted(sizes.items(), key=lambda kv: int(kv[0]))}
    before, after = f"Effectif {ref_year}", f"Effectif {year}"
    data = pd.DataFrame.from_dict(rows, orient="index", columns=[before, after])
    totals = data.sum()
    data[f"Part {ref_year}"] = data[before] / totals.iloc[0] if totals.iloc[0] else float("nan")
    data[f"Part {year}"] = data[after] / totals.iloc[1] if totals.iloc[1] else float("nan")
    table = PubTable(
        "evolution_types", f"Types des collectivités présentes en {ref_year} et en {year}", data,
        pd.DataFrame(False, index=data.index, columns=data.columns),
        {before: "count", after: "count", f"Part {ref_year}": "share", f"Part {year}": "share"},
        n=int(totals.iloc[1]), index_name="Type", source=rep.source, threshold=rep.threshold,
        note=f"Types de {year} selon le modèle de {ref_year}, appliqué aux deux vagues.")
    for count_col, share_col in ((before, f"Part {ref_year}"), (after, f"Part {year}")):
        small = mask_distribution(data[count_col], rep.threshold)  # with secondary secrecy
        table.secret[count_col] = small
        table.secret[share_col] = small
    return table


def summary(rep: Report) -> str:
    """Changes among collectivités that answered both waves: panel size, medians, type moves."""
    t = _summary(rep)
    if not t.get("n_panel"):
        return ""
    ref_year, year = t["reference_year"], t["year"]

    def count(key: str) -> str:
        v = t[key]
        return secret_label(rep.threshold) if 0 < v < rep.threshold else french_number(v)

    panel = (f"Collectivités ayant répondu en {ref_year} et en {year} : {count('n_panel')} ; "
             f"nouvelles répondantes : {count('n_new')} ; "
             f"répondantes de {ref_year} absentes en {year} : {count('n_dropped')}.")
    parts = [f"<p>{html.escape(panel)}</p>"]
    facts = []
    if t.get("budget_change_median") is not None:
        facts.append(f"variation médiane du budget : {fmt_euros(t['budget_change_median'])}")
    if t.get("etp_change_median") is not None:
        facts.append(f"variation médiane des ETP : {french_number(t['etp_change_median'], 1)}")
    if "strategy_changed" in t:
        facts.append(f"stratégie internationale modifiée : {count('strategy_changed')}")
    if "type_changed" in t:
        facts.append(f"changement de type : {count('type_changed')} sur {count('n_typed_both_years')} "
                     "collectivités classées les deux années")
    if facts:
        parts.append("<p>Parmi les collectivités présentes les deux années : " + html.escape(" ; ".join(facts)) + ".</p>")
    if t.get("type_sizes_panel"):
        table = _type_sizes_table(rep, t["type_sizes_panel"], ref_year, year)
        rep.tables.append(table)
        chart = bars_html(table, [f"Part {ref_year}", f"Part {year}"], [str(ref_year), str(year)], rep.source)
        parts.append(f'<section class="block">{chart}<details><summary>Tableau : {html.escape(table.title)}'
                     f"</summary>{table_html(table)}</details></section>")
    moves = [m for m in t.get("type_moves", []) if m["n"] >= rep.threshold]
    if moves:
        ranked = sorted(moves, key=lambda m: (-m["n"], str(m["from"]), str(m["to"])))[:MOVES_SHOWN]
        texts = [f"du type {m['from']} au type {m['to']} : {french_number(m['n'])}" for m in ranked]
        items = "".join(f"<li>{html.escape(x)}</li>" for x in texts)
        parts.append(f"<p>Principaux changements de type (au moins {rep.threshold} collectivités) :</p><ul>{items}</ul>")
    return "".join(parts)


def classes(rep: Report) -> str:
    """Evolution classes of the panel for this scope, beside France for a network.

    The classes' display order is the one of ``evolutions`` in trends.json (the trends stage's).
    """
    panel = rep.inputs.evolutions
    columns = [c for c in EVOLUTION_TITLES if c in panel]
    if not columns:
        return ""
    ours = panel if rep.national else panel[panel["rrma_slug"].astype(str) == rep.scope]
    if ours.empty:  # a first survey, or a network new this year: no evolution to show
        return ""
    order = rep.inputs.trends.get("evolutions", {})
    blocks = []
    for col in columns:
        table = single_table(col, EVOLUTION_TITLES[col], ours[col], rep.threshold, list(order.get(col, [])) or None,
                             reference=None if rep.national else panel[col], source=rep.source)
        table.note += " Collectivités ayant répondu aux deux enquêtes."
        blocks.append(rep.block(table, rep.chart(table)))
    return "".join(blocks)
