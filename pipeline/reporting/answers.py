"""Sections 1 to 8 of a report: the answers, question by question, and the headline figures.

Each function returns an HTML fragment for one :class:`~pipeline.reporting.report.Report` and
keeps its table there; a question nobody in the scope answered gives an empty fragment.
"""

from __future__ import annotations

import html

import pandas as pd

from pipeline.common.privacy import scrub
from pipeline.common.text import french_number
from pipeline.reporting import figures as figs
from pipeline.reporting.formats import SECRET_SHARE, fmt_euros, fmt_percent, small_mask
from pipeline.reporting.markup import table_html
from pipeline.reporting.report import UNASSIGNED, Report, withheld_notice
from pipeline.reporting.secrecy import PUBLIC, VISIBLE
from pipeline.reporting.tables import multi_table, quantile_table, single_table


def single(rep: Report, column: str, title: str | None = None, implied: bool = False) -> str:
    """Distribution of a one-answer question (or class variable); a network beside France.

    ``implied``: not shown, because the scope fixes it (the région of a one-région network); kept
    for the secrecy model all the same."""
    if column not in rep.df:
        return ""
    title = title or rep.title_of(column)
    ref = None if rep.national else rep.listed(column, rep.all[column])
    table = single_table(column, title, rep.listed(column, rep.df[column]), rep.threshold, rep.order_of(column),
                         reference=ref, source=rep.source, keep_empty=False, scope_only=column == "A05")
    if column == "rrma":
        table.national_only = True  # one row per network: the size of each network's report
    if implied:
        rep.publish(table, implied=True)
        return ""
    return rep.block(table, rep.chart(table))


def multi(rep: Report, code: str) -> str:
    """Share of respondents citing each modality of a several-answers question."""
    q = rep.codebook[code]
    cols = [c for c in q.columns if c in rep.df]
    if not cols:
        return ""
    labels = [m.label for m in q.modalities if f"{q.code}__{m.slug}" in cols]
    table = multi_table(code, q.label, rep.df, cols, labels, rep.threshold,
                        reference=None if rep.national else rep.all, source=rep.source)
    return rep.block(table, rep.chart(table))


def quartiles(rep: Report, value: str, group: str, key: str, title: str, unit: str = "€",
              cents: bool = False) -> str:
    """Quartiles of a number by group (no individual value); a network: table with France's median."""
    if value not in rep.df or group not in rep.df:
        return ""
    table = quantile_table(key, title, rep.df[value], rep.listed(group, rep.df[group]), rep.threshold,
                           rep.order_of(group), kind=("euros_cents" if cents else "euros") if unit == "€" else "number",
                           source=rep.source, index_name=rep.title_of(group),
                           reference=None if rep.national else (rep.all[value], rep.listed(group, rep.all[group])),
                           min_n=rep.quantile_min_n, group_key=group)
    if not rep.national:
        rep.publish(table, shown=table.n >= rep.threshold)
        if rep.collect or table.n < rep.threshold:
            return ""
        if table.withheld:
            return withheld_notice(table.title)
        return f'<section class="block">{table_html(table)}</section>'
    return rep.block(table, lambda: figs.quartiles(table, rep.source, unit=unit))


def _decade(series: pd.Series) -> pd.Series:
    years = pd.to_numeric(series, errors="coerce")
    start = (years // 10 * 10).astype("Int64")
    return start.map(lambda d: pd.NA if pd.isna(d) else f"Années {d}", na_action="ignore")


def decades(rep: Report, column: str = "B02") -> str:
    """Start year of the engagement, by decade (a year alone would be too fine to publish)."""
    if column not in rep.df:
        return ""
    everyone = _decade(rep.all[column])
    table = single_table(f"{column}_decennie", f"{rep.title_of(column)} (par décennie)", _decade(rep.df[column]),
                         rep.threshold, sorted(everyone.dropna().unique()),
                         reference=None if rep.national else everyone, source=rep.source, keep_empty=False)
    return rep.block(table, rep.chart(table))


def _share_text(rep: Report, key: str, row: str, k: int, n: int) -> str:
    """A share of the scope's table ``key``, masked as its cell is (or as a count under the threshold)."""
    if n < rep.threshold or bool(small_mask(pd.Series([k]), rep.threshold).iloc[0]):
        return SECRET_SHARE
    if rep.plan is not None and rep.status_of(key, row) not in (VISIBLE, PUBLIC):
        return SECRET_SHARE
    return fmt_percent(k / n)


def key_figures(rep: Report) -> str:
    """The headline numbers of the scope, each masked as its cell of the tables is."""
    d = rep.df
    items = [("Collectivités répondantes", french_number(rep.n))]
    if "B01" in d:
        label = rep.codebook["B01"].modality("actuellement").label
        active = int((d["B01"] == label).sum())
        items.append(("mènent actuellement des actions à l'international",
                      _share_text(rep, "B01", label, active, int(d["B01"].notna().sum()))))
    for col, label, fmt in (("C01", "budget médian consacré à l'action internationale", fmt_euros),
                            ("D02", "ETP médian consacrés", lambda v: french_number(v, 1)),
                            ("budget_par_habitant", "budget médian par habitant", lambda v: fmt_euros(v, 2))):
        if col in d:
            v = pd.to_numeric(d[col], errors="coerce").dropna()
            if len(v) >= max(rep.threshold, rep.quantile_min_n):
                items.append((label, fmt(v.median())))
    if rep.national and "rrma_slug" in d:
        items.append(("réseaux régionaux représentés",
                      french_number(d.loc[d["rrma_slug"] != UNASSIGNED, "rrma_slug"].nunique())))
    cards = "".join(f'<div class="kpi"><strong>{html.escape(v)}</strong><span>{html.escape(k)}</span></div>'
                    for k, v in items)
    return f'<div class="kpis">{cards}</div>'


def notice(rep: Report) -> str:
    """What a scope with too few respondents gets instead of statistics."""
    if rep.national:
        return (f'<p class="notice">Moins de {rep.threshold} collectivités ont répondu : pour préserver le '
                "secret statistique, aucun résultat n'est publié.</p>")
    who = "Ce groupe de collectivités" if rep.unassigned else f"Le réseau {html.escape(rep.name)}"
    return (f'<p class="notice">{who} compte moins de {rep.threshold} '
            "collectivités répondantes : pour préserver le secret statistique, aucun résultat "
            "détaillé n'est publié à cette échelle. Ses réponses sont comprises dans le rapport national.</p>")


def comments(rep: Report, limit: int = 40) -> str:
    """Free comments (F05, read only when allowed), contact details removed, shown as text."""
    if "F05" not in rep.df:
        return ""
    texts = [scrub(str(t)).strip() for t in rep.df["F05"].dropna() if str(t).strip()]
    texts = sorted(dict.fromkeys(texts))[:limit]
    if not texts:
        return "<p>Aucun commentaire libre.</p>"
    return "<ul class=\"comments\">" + "".join(f"<li>{html.escape(t)}</li>" for t in texts) + "</ul>"
