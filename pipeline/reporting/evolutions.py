"""Section 10 of a report: what changed since the reference wave, among the collectivités that
answered both (metrics/trends.json and the evolution classes of trends.parquet, trends stage).

Aggregates only, every count masked like any other cell: the counts of the summary sentence,
the type sizes and the changes of type are tables of the secrecy model like the others, tied by
what they share (the changes of type add up to « Autre type »; each type's net flow is the
change of its size).
"""

from __future__ import annotations

import html

import pandas as pd

from pipeline.common.text import french_number
from pipeline.reporting.formats import fmt_euros, secret_label, small_mask
from pipeline.reporting.identity import type_label, type_number
from pipeline.reporting.markup import bars_html, table_html
from pipeline.reporting.report import Report, withheld_notice
from pipeline.reporting.tables import COUNT, PubTable, single_table

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


SUMMARY_ROWS = {  # trends.json key -> the count's label (the cells of the summary sentence)
    "n_panel": "Collectivités présentes les deux années",
    "n_new": "Nouvelles répondantes",
    "n_dropped": "Répondantes de l'enquête précédente absentes",
    "strategy_changed": "Stratégie internationale modifiée",
    "type_changed": "Changement de type",
}
OTHER_TYPE, MORE_FORMAL, LESS_FORMAL = "Autre type", "Plus formalisée", "Moins formalisée"


def _type_sizes_table(rep: Report, sizes: dict, ref_year: object, year: object) -> PubTable:
    rows = {type_label(rep, int(key), v["name"]): (float(v["reference"]), float(v["current"]))
            for key, v in sorted(sizes.items(), key=lambda kv: int(kv[0]))}
    before, after = f"Effectif {ref_year}", f"Effectif {year}"
    data = pd.DataFrame.from_dict(rows, orient="index", columns=[before, after])
    totals = data.sum()
    data[f"Part {ref_year}"] = data[before] / totals.iloc[0] if totals.iloc[0] else float("nan")
    data[f"Part {year}"] = data[after] / totals.iloc[1] if totals.iloc[1] else float("nan")
    secret = pd.DataFrame(False, index=data.index, columns=data.columns)
    for count_col, share_col in ((before, f"Part {ref_year}"), (after, f"Part {year}")):
        small = small_mask(data[count_col], rep.threshold)
        secret[count_col] = small
        secret[share_col] = small
    return PubTable(
        "evolution_types", f"Types des collectivités présentes en {ref_year} et en {year}", data, secret,
        {before: "count", after: "count", f"Part {ref_year}": "share", f"Part {year}": "share"},
        n=int(totals.iloc[1]), index_name="Type", source=rep.source, threshold=rep.threshold,
        note=f"Types des deux années selon le modèle de {ref_year}, appliqué aux deux vagues ; numéros et noms de "
             f"la typologie {year} (section 9) pour les types qu'elle retrouve.",
        structure="partition", counts=(before, after),
        follows={f"Part {ref_year}": before, f"Part {year}": after})


def _summary_table(rep: Report, t: dict) -> PubTable:
    """The counts of the summary sentence, as one table of the secrecy model (not shown as a table)."""
    keys = [k for k in SUMMARY_ROWS if k in t]
    data = pd.DataFrame({COUNT: [int(t[k]) for k in keys]}, index=[SUMMARY_ROWS[k] for k in keys])
    secret = pd.DataFrame({COUNT: small_mask(data[COUNT], rep.threshold)})
    links = []
    if "type_changed" in t:
        links.append({"terms": [["evolution_resume", SUMMARY_ROWS["type_changed"], COUNT, 1],
                                ["evolution_type", OTHER_TYPE, COUNT, -1]], "sense": "==", "rhs": 0})
    if "strategy_changed" in t:  # a change of strategy is at least a change of its formalisation
        links.append({"terms": [["evolution_resume", SUMMARY_ROWS["strategy_changed"], COUNT, 1],
                                ["evolution_strategie", MORE_FORMAL, COUNT, -1],
                                ["evolution_strategie", LESS_FORMAL, COUNT, -1]], "sense": ">=", "rhs": 0})
    panel = _panel_rows(rep)
    if "n_panel" in t and len(panel):
        base = max(int(panel[c].notna().sum()) for c in EVOLUTION_TITLES if c in panel)
        links.append({"terms": [["evolution_resume", SUMMARY_ROWS["n_panel"], COUNT, 1]], "sense": ">=", "rhs": base})
    return PubTable("evolution_resume", "Évolutions : collectivités présentes les deux années", data, secret,
                    {COUNT: "count"}, n=int(t.get("n_panel", 0)), source=rep.source, threshold=rep.threshold,
                    structure="free", counts=(COUNT,), links=links)


def _moves_table(rep: Report, t: dict, types: list[int], names: dict[int, str]) -> PubTable:
    """Every change of type a → b of the panel (national report only); the reader sees the largest
    (at least the threshold), the others are not published. Their sum is the number of changes, and
    each type's net flow is the change of its size."""
    given = {(int(m["from"]), int(m["to"])): int(m["n"]) for m in t.get("type_moves", [])}
    pairs = [(a, b) for a in types for b in types if a != b]
    label = {p: f"du type {type_number(rep, p[0])} au type {type_number(rep, p[1])}" for p in pairs}
    data = pd.DataFrame({COUNT: [given.get(p, 0) for p in pairs]}, index=[label[p] for p in pairs])
    ranked = sorted((p for p in pairs if given.get(p, 0) >= rep.threshold), key=lambda p: (-given[p], p))
    listed = set(ranked[:MOVES_SHOWN])
    hidden = pd.DataFrame({COUNT: [p not in listed for p in pairs]}, index=data.index)
    links = [{"terms": [["evolution_changements", label[p], COUNT, 1] for p in pairs]
             + [["evolution_resume", SUMMARY_ROWS["type_changed"], COUNT, -1]], "sense": "==", "rhs": 0}]
    ref_year, year = t["reference_year"], t["year"]
    for a in types:  # out − in = size last year − size this year
        terms = [["evolution_changements", label[(a, b)], COUNT, 1] for b in types if b != a]
        terms += [["evolution_changements", label[(b, a)], COUNT, -1] for b in types if b != a]
        row = type_label(rep, a, names[a])
        terms += [["evolution_types", row, f"Effectif {ref_year}", -1], ["evolution_types", row, f"Effectif {year}", 1]]
        links.append({"terms": terms, "sense": "==", "rhs": 0})
    return PubTable("evolution_changements", "Changements de type des collectivités présentes les deux années",
                    data, pd.DataFrame({COUNT: False}, index=data.index), {COUNT: "count"}, n=int(data[COUNT].sum()),
                    source=rep.source, threshold=rep.threshold, structure="free", counts=(COUNT,), links=links,
                    hidden=hidden, national_only=True)


def _panel_rows(rep: Report) -> pd.DataFrame:
    panel = rep.inputs.evolutions
    if panel.empty:
        return panel
    return panel if rep.national else panel[panel["rrma_slug"].astype(str) == rep.scope]


def summary(rep: Report) -> str:
    """Changes among collectivités that answered both waves: panel size, medians, type moves."""
    t = _summary(rep)
    if not t.get("n_panel"):
        return ""
    ref_year, year = t["reference_year"], t["year"]
    counts = rep.publish(_summary_table(rep, t), workbook=False)
    sizes = t.get("type_sizes_panel") or {}
    moves = None
    table = None
    if sizes:
        table = rep.publish(_type_sizes_table(rep, sizes, ref_year, year))
        if rep.national:  # a network's changes of type are too few to list
            types = sorted(int(k) for k in sizes)
            moves = rep.publish(_moves_table(rep, t, types, {int(k): v["name"] for k, v in sizes.items()}),
                                workbook=False)
    if rep.collect:
        return ""

    def count(key: str) -> str | None:
        """The count as shown; None when it is left out (no masking could protect it)."""
        row = SUMMARY_ROWS[key]
        if key not in t or (counts.hidden is not None and bool(counts.hidden.at[row, COUNT])):
            return None
        return counts.cell_text(row, COUNT)

    said = [(f"Collectivités ayant répondu en {ref_year} et en {year}", count("n_panel")),
            ("nouvelles répondantes", count("n_new")),
            (f"répondantes de {ref_year} absentes en {year}", count("n_dropped"))]
    panel = " ; ".join(f"{label} : {value}" for label, value in said if value is not None)
    parts = [f"<p>{html.escape(panel)}.</p>"] if panel else []
    facts = []
    if t.get("budget_change_median") is not None:
        facts.append(f"variation médiane du budget : {fmt_euros(t['budget_change_median'])}")
    if t.get("etp_change_median") is not None:
        facts.append(f"variation médiane des ETP : {french_number(t['etp_change_median'], 1)}")
    if count("strategy_changed") is not None:
        facts.append(f"stratégie internationale modifiée : {count('strategy_changed')}")
    if count("type_changed") is not None:
        typed = t.get("n_typed_both_years", 0)
        typed_text = secret_label(rep.threshold) if 0 < typed < rep.threshold else french_number(typed)
        facts.append(f"changement de type : {count('type_changed')} sur {typed_text} "
                     "collectivités classées les deux années")
    if facts:
        parts.append("<p>Parmi les collectivités présentes les deux années : " + html.escape(" ; ".join(facts)) + ".</p>")
    if counts.mask_note():
        parts.append(f'<p class="notes">{html.escape(counts.mask_note())}</p>')
    if table is not None:
        if table.withheld:
            parts.append(withheld_notice(table.title))
        else:
            chart = bars_html(table, [f"Part {ref_year}", f"Part {year}"], [str(ref_year), str(year)], rep.source)
            parts.append(f'<section class="block">{chart}<details><summary>Tableau : {html.escape(table.title)}'
                         f"</summary>{table_html(table)}</details></section>")
    if moves is not None and not moves.withheld:
        shown = [(int(moves.data[COUNT].iloc[i]), label) for i, label in enumerate(moves.data.index)
                 if not bool(moves.secret[COUNT].iloc[i])]
        if shown:
            ranked = sorted(shown, key=lambda m: (-m[0], m[1]))
            items = "".join(f"<li>{html.escape(f'{label} : {french_number(n)}')}</li>" for n, label in ranked)
            parts.append(f"<p>Principaux changements de type (au moins {rep.threshold} collectivités ; les autres "
                         f"ne sont pas détaillés) :</p><ul>{items}</ul>")
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
