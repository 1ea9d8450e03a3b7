"""Section 9 of a report: the typology (sizes of the types, their profiles, the factorial plane), read
from the published typology as the typology stage writes it. The method box and the portraits of the
types are in :mod:`pipeline.reporting.portraits`.
"""

from __future__ import annotations

import html

import pandas as pd

from pipeline.common.text import french_number
from pipeline.reporting import figures as figs
from pipeline.reporting.formats import fmt_percent
from pipeline.reporting.markup import points_table
from pipeline.reporting.report import Report
from pipeline.reporting.tables import frame_table, single_table
from pipeline.typology.spec import NO, YES

_SEP = "\x1f"


def sizes(rep: Report) -> str:
    """Respondents by type (a network beside France); the notice when there is no typology."""
    typo = rep.inputs.typology
    if not typo.available:
        reason = typo.metrics.notice if typo.metrics is not None and typo.metrics.notice else \
            "La typologie n'est pas disponible pour cette édition."
        return f'<p class="notice">{html.escape(reason, quote=False)}</p>'
    types = typo.types.reindex(rep.df["response_id"])
    order = list(typo.types.sort_values("type")["nom"].unique())
    ref = None if rep.national else typo.types.reindex(rep.all["response_id"])["nom"]
    table = single_table("typologie_effectifs", "Répartition des répondants par type", types["nom"],
                         rep.threshold, order, reference=ref, source=rep.source)
    if rep.national:
        return rep.block(table, lambda: figs.bar_counts(table, rep.source, colors=True))
    return rep.block(table, None)


def _names(rep: Report) -> pd.Series:
    """'1. name' by type number, in type order."""
    return rep.inputs.typology.types.drop_duplicates("type").set_index("type")["nom"].sort_index()


def category_label(rep: Report, column: str, value: str) -> str:
    """French label of a category of the typology description (column 'B03__jumelage', value 'Oui')."""
    cb = rep.codebook
    missing = value == f"{column}.NA"  # catdes's category of the unanswered
    if "__" not in column:
        return f"{cb.title(column)} : {'non renseigné' if missing else value}"
    code, slug = column.split("__", 1)
    q, item = cb[code], cb[code].modality(slug).label
    if missing:
        return f"{q.label} : {item} (non renseigné)"
    return {YES: f"{q.label} : {item}", NO: f"{q.label} : pas « {item} »"}[value]


def heatmap(rep: Report, per_type: int = 5) -> str:
    """v-tests of the categories most over-represented in a type, every type side by side."""
    desc = rep.inputs.typology.description
    if desc.empty:
        return ""
    counts = rep.inputs.typology.types.groupby("type")["nom"].size()
    names = _names(rep)
    n_all = int(counts.sum())
    # Rows: the categories most over-represented in at least one type.
    # (a missing answer is counted in the portraits, never a trait of a type: typology.missing)
    traits = desc[(desc["v_test"] > 0) & ~desc["value"].astype(str).str.endswith(".NA")]
    top = (traits.sort_values(["type", "v_test"], ascending=[True, False], kind="stable")
           .groupby("type").head(per_type))
    keys = list(dict.fromkeys(top["column"] + _SEP + top["value"]))
    desc = desc.assign(key=desc["column"] + _SEP + desc["value"])
    grid = desc[desc["key"].isin(keys)].pivot_table(index="key", columns="type", values="v_test", aggfunc="first")
    grid = grid.reindex(index=keys, columns=list(names.index))
    # A v-test of a category held by 1 or 2 respondents of a type would give that count away.
    cross = desc[desc["key"].isin(keys)].pivot_table(index="key", columns="type", values="count", aggfunc="first")
    cross = cross.reindex(index=keys, columns=list(names.index))
    grid = grid.where(~((cross > 0) & (cross < rep.threshold)))
    # A category held by fewer than `threshold` respondents overall, or a type that small, is masked.
    share = desc.drop_duplicates("key").set_index("key")["global"].reindex(keys) / 100.0  # catdes: percent
    grid = grid.loc[[k for k in keys if not (0 < round(share[k] * n_all) < rep.threshold)]]
    for t in grid.columns:
        if 0 < counts.get(t, 0) < rep.threshold:
            grid[t] = float("nan")
    labels = [category_label(rep, *k.split(_SEP, 1)) for k in grid.index]
    grid.index = [lab if labels.count(lab) == 1 else f"{lab} [{k.split(_SEP, 1)[0]}]"
                  for lab, k in zip(labels, grid.index)]
    grid.columns = [names.loc[t] for t in grid.columns]
    short = grid.set_axis([f"Type {t}" for t in names.index], axis=1)
    table = frame_table("typologie_vtests", "Profils des types : valeurs-test des modalités "
                        "les plus caractéristiques", grid, {c: "vtest" for c in grid.columns}, n_all, rep.threshold,
                        index_name="Modalité", source=rep.source,
                        note="Valeur-test > 2 : modalité sur-représentée dans le type ; < −2 : sous-représentée.")
    return rep.block(table, lambda: figs.heatmap(short, table.title, n_all, rep.source))


def factor_map(rep: Report) -> str:
    """Respondents on the plane F1 × F2 of the MCA; a type smaller than the threshold is not drawn."""
    typo = rep.inputs.typology
    if typo.coords.shape[1] < 2:
        return ""
    coords = typo.coords.reindex(rep.df["response_id"]).dropna()
    types = typo.types.reindex(coords.index)["nom"]
    # A type smaller than the threshold is not drawn (its points would show who is in it).
    keep = types.map(types.value_counts()).ge(rep.threshold).to_numpy()
    coords, types = coords[keep], types[keep]
    if len(coords) < rep.threshold:
        return ""
    inertia = tuple(typo.metrics.inertia[:2])
    if rep.collect:  # no table: nothing for the secrecy plan
        return ""
    title = "Plan factoriel F1 × F2 de l'analyse des correspondances multiples"
    fig = figs.factor_map(coords, types, title, rep.source, inertia=inertia)
    axes = tuple(f"{a} ({fmt_percent(v, 1)} de l'inertie)" for a, v in zip(("F1", "F2"), inertia))
    alt = (f"{title} : {french_number(len(coords))} collectivités, {types.nunique()} types ; "
           f"{axes[0]}, {axes[1]}. Centres des types dans le tableau qui suit.")
    centres = coords[["F1", "F2"]].set_axis(["x", "y"], axis=1).groupby(types.to_numpy()).mean()
    centres = centres.loc[sorted(centres.index, key=lambda t: int(str(t).split(".")[0]) if str(t).split(".")[0].isdigit()
                                 else 0)]
    table = points_table(centres, "Centres des types sur le plan factoriel (coordonnées moyennes)", axes,
                         note="Chaque point du graphique est une collectivité ; seuls les centres des types "
                              "sont publiés en chiffres.")
    return (f'<section class="block">{rep.figure_html(fig, "typologie_plan_factoriel", alt)}'
            f"<details><summary>Tableau : centres des types sur le plan factoriel</summary>{table}</details></section>")
