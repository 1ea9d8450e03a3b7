"""Section 9's portraits: each type along the five dimensions of the study (one card per dimension),
in the national report, and for a network's members of each type in the network's report.

The lines of a card are chosen once, on the national portrait (:func:`pipeline.typology.portrait.card`):
the type's distinctive answers, then its key facts (medians of budget, staff and partnerships, most
cited obstacles, needs and partners, the strategy). Every number shown is a cell of a published
table, masked as the publication's secrecy plan says:

- a share « x % of the type »: the count of table ``portrait_<type>_<question>`` (rows: every answer
  of the question, those not on the card unpublished; structure ``partition`` or ``multi`` over the
  type's respondents to the question), national and per network (France = the sum of its parts);
- « ensemble »: the question's own table of sections 2 to 8 (national report), or « type en
  France », the national portrait table's share (network report, as « Part France »);
- a median: table ``portrait_mediane_<question>`` (quartiles by type, as the other quartile tables:
  none under ``report.quantile_min_n`` respondents);
- the type's size: the table of section 9 (``typologie_effectifs``): a type whose size is masked in
  a scope gets no portrait there.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.common.text import french_number
from pipeline.reporting import identity
from pipeline.reporting.formats import SECRET_SHARE, fmt_percent, small_mask
from pipeline.reporting.report import Report
from pipeline.reporting.secrecy import PUBLIC, VISIBLE
from pipeline.reporting.tables import COUNT, PubTable, quantile_table
from pipeline.typology.portrait import KEY_MEDIANS, MEDIAN, SHARE, card, portrait_table

SIZES = "typologie_effectifs"      # the table of section 9 (typology_section.sizes)
TYPE_SHARE = "Part du type"
FRANCE = "Part France"
MEDIAN_COL = "Médiane"
VERDICTS = {"stable": "stable", "moyen": "moyennement stable", "douteux": "peu stable : à lire avec prudence"}
_CACHE: dict[tuple, object] = {}


@dataclass
class TypeView:
    """What the portraits published for one type: its lines' cells, for the summary at the top."""

    type: int
    name: str
    size_text: str
    share_text: str
    shown: bool
    traits: list[tuple[str, str, str]] = field(default_factory=list)   # (text, share in type, reference)


@dataclass
class PortraitsView:
    html: str
    types: list[TypeView]


def _typed(rep: Report, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    types = rep.inputs.typology.types
    typed = frame[frame["response_id"].isin(types.index)]
    return typed, types.loc[typed["response_id"], "type"].set_axis(typed.index)


def national_portrait(rep: Report) -> pd.DataFrame:
    """The national portrait table (every answer by type), computed once per kernel."""
    key = (id(rep.inputs), "national")
    if key not in _CACHE:
        typed, types = _typed(rep, rep.all)
        _CACHE.clear()  # another wave's inputs: its cards go too
        _CACHE[key] = portrait_table(typed, types, rep.codebook)
    return _CACHE[key]


def national_cards(rep: Report, national: pd.DataFrame, t: int) -> dict[str, pd.DataFrame]:
    """The lines of each dimension's card of type ``t`` (the same in every report: they come from
    the national portrait), computed once per kernel."""
    key = (id(rep.inputs), "cards", t)
    if key not in _CACHE:
        _CACHE[key] = {d.slug: card(national, t, d.slug, rep.codebook) for d in rep.codebook.dimensions}
    return _CACHE[key]


def _by_question(table: pd.DataFrame, t: int) -> dict[str, pd.DataFrame]:
    """The answer lines (kind share) of type ``t`` in a portrait table, by question."""
    rows = table[(table["type"] == t) & (table["kind"] == SHARE)]
    return {str(q): g for q, g in rows.groupby("question", sort=False)}


def _names(rep: Report) -> pd.Series:
    return rep.inputs.typology.types.drop_duplicates("type").set_index("type")["nom"].sort_index()


def _find(rep: Report, key: str) -> PubTable | None:
    return next((t for t in rep.tables if t.key == key), None)


def _cell_visible(table: PubTable | None, row: str, col: str) -> bool:
    if table is None or row not in table.data.index or col not in table.data.columns:
        return False
    return not bool(table.secret.at[row, col])


def _share_tables(rep: Report, national: pd.DataFrame, scope: pd.DataFrame, t: int, lines: pd.DataFrame
                  ) -> dict[str, PubTable]:
    """One table per question of the card: the type's count of every answer (rows off the card unpublished)."""
    out = {}
    shown = lines[lines["kind"] == SHARE]
    national_lines, scope_lines = _by_question(national, t), _by_question(scope, t)
    for code in dict.fromkeys(shown["question"]):
        nat = national_lines.get(code, national.iloc[:0])
        rows = list(nat["label"])
        own = scope_lines.get(code, scope.iloc[:0])
        counts = own.set_index("label")["n"].reindex(rows).fillna(0).astype(int)
        base = int(own["base"].iloc[0]) if len(own) else 0
        data = pd.DataFrame({COUNT: counts, TYPE_SHARE: counts / base if base else np.nan})
        secret = pd.DataFrame({COUNT: small_mask(counts, rep.threshold), TYPE_SHARE: small_mask(counts, rep.threshold)})
        kinds = {COUNT: "count", TYPE_SHARE: "share"}
        reference = {}
        if not rep.national:
            data[FRANCE] = nat.set_index("label")["share"].reindex(rows).to_numpy()
            secret[FRANCE] = small_mask(nat.set_index("label")["n"].reindex(rows), rep.threshold).to_numpy()
            kinds[FRANCE] = "share"
            reference = {FRANCE: COUNT}
        on_card = set(shown.loc[shown["question"] == code, "label"])
        hidden = pd.DataFrame({c: [r not in on_card for r in rows] for c in data.columns}, index=rows)
        multi = rep.codebook[code].type == "multi"
        q = rep.codebook[code]
        table = PubTable(f"portrait_{t}_{code}", f"Type {t} : {q.label}", data, secret, kinds, n=base,
                         source=rep.source, threshold=rep.threshold, structure="multi" if multi else "partition",
                         counts=(COUNT,), follows={TYPE_SHARE: COUNT}, reference=reference, hidden=hidden)
        out[code] = rep.publish(table, shown=base >= rep.threshold, workbook=False)
    return out


def _median_tables(rep: Report) -> dict[str, PubTable]:
    """Quartiles of budget, staff and partnerships by type (a type's median on its card)."""
    names = rep.inputs.typology.types["nom"]
    out = {}
    for code in KEY_MEDIANS:
        if code not in rep.df:
            continue
        typed, _ = _typed(rep, rep.df)
        groups = names.reindex(typed["response_id"]).set_axis(typed.index)
        reference = None
        if not rep.national:
            everyone, _ = _typed(rep, rep.all)
            reference = (everyone[code], names.reindex(everyone["response_id"]).set_axis(everyone.index))
        q = rep.codebook[code]
        kind = "euros" if q.unit == "euros" else "number"
        table = quantile_table(f"portrait_mediane_{code}", f"{q.label} selon le type", typed[code], groups,
                               rep.threshold, list(_names(rep)), kind=kind, source=rep.source, index_name="Type",
                               reference=reference, min_n=rep.quantile_min_n, group_key=SIZES)
        out[code] = rep.publish(table, shown=table.n >= rep.threshold, workbook=False)
    return out


def _line_html(text: str, value: str, reference: str, ref_label: str) -> str:
    ref = f'<span class="ref">{html.escape(ref_label)} : {html.escape(reference)}</span>' if reference else ""
    return (f'<li><span class="what">{html.escape(text)}</span><span class="val">{html.escape(value)}</span>'
            f"{ref}</li>")


def _size_of(rep: Report, name: str) -> tuple[bool, str, str]:
    """(shown, size text, share text) of a type in this scope, from the published sizes table."""
    sizes = _find(rep, SIZES)
    if sizes is None or name not in sizes.data.index or sizes.withheld:
        return False, "", ""
    share_col = "Part" if rep.national else "Part réseau"
    shown = not bool(sizes.secret.at[name, COUNT]) and int(sizes.data.at[name, COUNT]) >= rep.threshold
    if rep.plan is not None and rep.status_of(SIZES, name) not in (VISIBLE, PUBLIC):
        shown = False
    return shown, sizes.cell_text(name, COUNT), sizes.cell_text(name, share_col)


def portraits(rep: Report) -> PortraitsView:
    """The portrait of every type (national), or of the network's members of each type."""
    typo = rep.inputs.typology
    if not typo.available or rep.n == 0:
        return PortraitsView("", [])
    national = national_portrait(rep)
    if rep.national:
        scope = national
    else:
        typed, types = _typed(rep, rep.df)
        scope = portrait_table(typed, types, rep.codebook, vtests=False) if len(typed) else national.iloc[:0]
    medians = _median_tables(rep)
    stability = typo.metrics.stability
    views, parts = [], []
    for t, name in _names(rep).items():
        shown, size_text, share_text = _size_of(rep, name)
        view = TypeView(int(t), name, size_text, share_text, shown)
        views.append(view)
        lines = national_cards(rep, national, int(t))
        if not shown:  # a type too small here, or masked to protect another cell: no portrait, no table
            if not rep.collect:
                parts.append(f'<article class="type-portrait"><h4>{html.escape(name)}</h4><p class="notice">'
                             "Effectif trop faible ou masqué à cette échelle : portrait non publié (secret "
                             "statistique).</p></article>")
            continue
        tables = _share_tables(rep, national, scope, int(t), pd.concat(lines.values(), ignore_index=True))
        if rep.collect:
            continue
        head = (f"{size_text} collectivités ({share_text} des collectivités classées"
                + ("" if rep.national else " du réseau") + ")")
        verdict = stability.verdict.get(int(t))
        if verdict and stability.jaccard.get(int(t)) is not None:
            head += (f" · type {VERDICTS[verdict]} (indice de Jaccard "
                     f"{french_number(stability.jaccard[int(t)], 2)})")
        cards = []
        for dim in rep.codebook.dimensions:
            items = []
            for _, line in lines[dim.slug].iterrows():
                item = _line(rep, line, tables, medians, name, view)
                if item:
                    items.append(item)
            missing = _missing_text(scope, int(t), dim.slug, rep.threshold)
            body = "".join(items) or '<li class="none">Aucune réponse publiable à cette échelle.</li>'
            cards.append(f'<section class="card"><h5>{html.escape(dim.title)}</h5><ul>{body}</ul>'
                         f'<p class="miss">{html.escape(missing)}</p></section>')
        since = identity.origin(rep, int(t))  # which type of last year it is, or that it is new
        since = f'<p class="origin">{html.escape(since)}</p>' if since else ""
        parts.append(f'<article class="type-portrait" id="type-{int(t)}"><h4>{html.escape(name)}</h4>'
                     f'<p class="size">{html.escape(head)}</p>{since}<div class="cards">{"".join(cards)}</div>'
                     "</article>")
    if rep.collect:
        return PortraitsView("", views)
    ref = ("« ensemble » : toutes les collectivités répondantes (tableaux des sections précédentes)" if rep.national
           else "« type en France » : les collectivités de ce type dans toute la France")
    intro = ("<p>Chaque type est décrit selon les cinq dimensions de l'étude. Pour chaque dimension : les réponses "
             "qui le distinguent le plus (sur-représentées), puis ses chiffres clés. Parts : sur les collectivités "
             f"du type qui ont répondu à la question ; {html.escape(ref)}. Les non-réponses sont comptées sous "
             "chaque carte ; elles ne servent jamais à définir un type.</p>")
    return PortraitsView(intro + '<div class="type-portraits">' + "".join(parts) + "</div>", views)


def _line(rep: Report, line: pd.Series, tables: dict[str, PubTable], medians: dict[str, PubTable], name: str,
          view: TypeView) -> str:
    if line["kind"] == MEDIAN:
        table = medians.get(line["question"])
        if table is None or table.withheld or name not in table.data.index:
            return ""
        value = table.cell_text(name, MEDIAN_COL)
        if rep.national:
            reference, label = table.cell_text("Ensemble", MEDIAN_COL), "ensemble"
        else:
            reference, label = table.cell_text(name, "Médiane France"), "type en France"
        return _line_html(line["text"], value, reference, label)
    table = tables.get(line["question"])
    if table is None or table.withheld or not table.published:
        return ""
    row = line["label"]
    value = table.cell_text(row, TYPE_SHARE)
    if rep.national:
        section = _find(rep, line["question"])
        reference = section.cell_text(row, "Part") if _has(section, row, "Part") else ""
        label = "ensemble"
    else:
        reference, label = table.cell_text(row, FRANCE), "type en France"
    if line["role"] == "distinctive" and value != SECRET_SHARE and len(view.traits) < 3:
        view.traits.append((line["text"], value, reference))
    return _line_html(line["text"], value, reference, label)


def _has(table: PubTable | None, row: str, col: str) -> bool:
    return table is not None and row in table.data.index and col in table.data.columns and not table.withheld


def _missing_text(scope: pd.DataFrame, t: int, dimension: str, threshold: int) -> str:
    """Unanswered questions of the dimension in the type: from the type's size and the questions' bases.
    Fewer than ``threshold`` unanswered questions are not counted (the share would give them away)."""
    rows = scope[(scope["type"] == t) & (scope["dimension"] == dimension) & (scope["kind"] == "missing")]
    asked, missing = int(rows["base"].sum()), int(rows["n"].sum())
    if not asked or not missing:
        return ""
    if missing < threshold:
        return f"Quelques questions de cette dimension sans réponse (moins de {threshold})."
    return f"Sans réponse : {fmt_percent(missing / asked)} des questions de cette dimension."


def method_box(rep: Report) -> str:
    """How the number of types was chosen (Ward's inertia gains) and what « stable » means."""
    m = rep.inputs.typology.metrics
    if m is None or not m.available:
        return ""
    gains = list(m.inertia_gains or [])
    rows = []
    if gains and 2 not in m.inertia_gain_ratio:  # the largest gain, that FactoMineR's rule does not weigh
        css = ' class="chosen"' if m.k == 2 else ""
        rows.append(f'<tr{css}><td class="num">2</td><td class="num">{french_number(gains[0], 3)}</td>'
                    '<td class="num">–</td></tr>')
    for k in sorted(m.inertia_gain_ratio):
        gain = french_number(gains[k - 2], 3) if len(gains) >= k - 1 else "–"
        css = ' class="chosen"' if k == m.k else ""
        rows.append(f"<tr{css}><td class=\"num\">{k}</td><td class=\"num\">{gain}</td>"
                    f"<td class=\"num\">{french_number(m.inertia_gain_ratio[k], 2)}</td></tr>")
    thresholds = m.jaccard_thresholds or {}
    stable = french_number(thresholds.get("stable", 0.75), 2)
    doubtful = french_number(thresholds.get("doubtful", 0.6), 2)
    missing = ("Les non-réponses ne construisent pas les types (analyse des correspondances multiples "
               "« spécifique ») : elles sont seulement comptées dans les portraits." if m.missing == "passive" else
               "Une non-réponse compte comme une réponse à part entière dans la construction des types.")
    chosen = ("choisi automatiquement" if m.k == m.k_auto else "fixé par les analystes (règle automatique : "
              f"{m.k_auto})")
    return (
        '<aside class="method"><h4>Méthode : combien de types, et sont-ils solides ?</h4>'
        f"<p>Les collectivités sont d'abord placées sur les axes d'une analyse des correspondances multiples, puis "
        f"regroupées pas à pas (classification ascendante hiérarchique de Ward). Chaque regroupement fait perdre "
        f"une part de la dispersion entre types (« gain d'inertie »). Le nombre de types, {m.k}, est {chosen} : "
        "c'est le découpage où le rapport W(k)/W(k−1) entre la dispersion interne avec k types et avec k−1 types "
        "est le plus faible — ajouter un type de plus n'apporterait que peu (règle de FactoMineR, qui propose au "
        "moins 3 types).</p>"
        '<table class="gains"><thead><tr><th>Nombre de types k</th><th>Gain d\'inertie du passage de k−1 à k '
        "types</th><th>W(k)/W(k−1)</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        f"<p>Stabilité : la typologie est refaite sur {french_number(m.stability.n_bootstrap)} échantillons tirés au "
        "hasard parmi les répondants ; l'indice de Jaccard dit dans quelle mesure un type retrouve les mêmes "
        f"collectivités (1 : toujours). Un type est « stable » à partir de {stable}, « peu stable » sous "
        f"{doubtful}, « moyennement stable » entre les deux.</p>"
        f"<p>{html.escape(missing)} Les noms des types sont tirés de leurs réponses distinctives ; les analystes "
        "peuvent les remplacer (params.yaml, typology.names), un nom suit alors le profil du type d'une année "
        "sur l'autre.</p></aside>")
