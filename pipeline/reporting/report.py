"""One report, national or of one network: its respondents, the labels it shows, its blocks and
the tables it publishes.

The notebook (``notebooks/rapport.py``) builds each section with the functions of
:mod:`~pipeline.reporting.answers`, :mod:`~pipeline.reporting.typology_section`,
:mod:`~pipeline.reporting.evolutions` and :mod:`~pipeline.reporting.annex`, all writing
through one :class:`Report`: every table they publish is kept for ``tableaux.xlsx``, masked as the
publication's secrecy plan says (:mod:`~pipeline.reporting.secrecy`), and its counts are kept as a
record for the audit. With ``collect=True`` (the planning pass) nothing is drawn: the tables are
only built, even for a scope too small for a report (its counts are part of the national ones).
"""

from __future__ import annotations

import base64
import html
import json
import warnings
from pathlib import Path

import pandas as pd

from pipeline.common.atomic import atomic_write_text
from pipeline.domain.codebook import CLASS_SUFFIX, load_codebook
from pipeline.domain.reference import NO_NETWORK_SLUG
from pipeline.reporting import figures as figs
from pipeline.reporting.inputs import Inputs
from pipeline.reporting.markup import alt_text, bars_html, table_html
from pipeline.reporting.secrecy import PRIMARY, VISIBLE, Plan, SecrecyError, TableRecord
from pipeline.reporting.tables import COUNT, PubTable
from pipeline.reporting.workbook import write_workbook

NATIONAL = "national"
EVOLUTION_PREFIX = "evolution_"  # keys of the tables of section 10 (pipeline.reporting.evolutions)
OTHER_ANSWER = "Autre réponse (hors liste)"
POPULATION = "A07"  # strate_population bins it (params.yaml clean.strate_population)
# The pseudo-network of régions without a known one (pipeline/domain/reference/rrma.csv).
UNASSIGNED = NO_NETWORK_SLUG  # régions without a known network (rrma.csv)


def class_source(column: str) -> str | None:
    """The number question a class variable bins (codebook naming rule ``<code>_classe``)."""
    if column == "strate_population":
        return POPULATION
    return column.removesuffix(CLASS_SUFFIX) if column.endswith(CLASS_SUFFIX) else None


class Report:
    """Builds the HTML fragments of one report (national or one network) and keeps its tables."""

    def __init__(self, inputs: Inputs, scope: str, threshold: int, source: str, out_dir: Path | None,
                 quantile_min_n: int = 5, plan: Plan | None = None, collect: bool = False):
        self.inputs = inputs
        self.scope = scope
        self.threshold = threshold
        self.quantile_min_n = quantile_min_n
        self.source = source
        self.national = scope == NATIONAL
        data = inputs.clean
        self.all = data
        self.df = data if self.national else data[data["rrma_slug"].astype(str) == scope]
        self.name = "France entière" if self.national else (
            str(self.df["rrma"].iloc[0]) if len(self.df) else scope)
        self.unassigned = scope == UNASSIGNED
        self.n = len(self.df)
        self.published = self.n >= threshold  # the scope's report shows results
        self.collect = collect
        self.publishable = self.published or (collect and self.n > 0)
        self.plan = plan
        self.fig_dir = Path(out_dir) / "figures" if (out_dir is not None and self.national and not collect) else None
        self.tables: list[PubTable] = []
        self.records: list[TableRecord] = []
        self.codebook = load_codebook()
        warnings.filterwarnings("ignore")

    # labels
    def title_of(self, column: str) -> str:
        return self.codebook.title(column)

    def order_of(self, column: str) -> list[str] | None:
        """Display order of a column's answers: classes by their source number, else the codebook's."""
        source = class_source(column)
        if source is not None and source in self.all:
            frame = self.all[[column, source]].dropna()
            return list(frame.groupby(column, observed=True)[source].min().sort_values().index)
        if column in self.codebook.codes:
            return [m.label for m in self.codebook[column].modalities]
        return None

    def listed(self, column: str, values: pd.Series) -> pd.Series:
        """Answers outside the codebook's list are grouped: a typed answer is never published."""
        if column in self.codebook.codes and self.codebook[column].modalities:
            listed = {m.label for m in self.codebook[column].modalities}
            values = values.astype("object")
            return values.where(values.isna() | values.isin(listed), OTHER_ANSWER)
        return values

    # secrecy
    def publish(self, table: PubTable, shown: bool = True, implied: bool = False, workbook: bool = True) -> PubTable:
        """Keep ``table``, masked as the publication's plan says, and its record for the audit.

        ``shown``: its numbers are shown (False: a notice stands in its place); ``implied``: not
        shown because the scope fixes it (one région), a constraint all the same; ``workbook``:
        a table of tableaux.xlsx (not the counts of a sentence)."""
        table.published = shown and self.published and not implied
        if table.structure != "none":
            if self.plan is not None:
                planned = self.plan.table(self.scope, table.key)
                rows = [str(r) for r in table.data.index]
                if planned is None or any(r not in planned for r in rows):
                    raise SecrecyError(f"Secret statistique : le tableau « {table.title} » ({self.scope}) n'est pas "
                                       "celui que le plan de secret a examiné.")
                table.withheld = (self.scope, table.key) in self.plan.withheld
                national = None
                if table.reference:
                    ref = self.plan.table(NATIONAL, table.key) or {}
                    national = {COUNT: pd.Series({row: codes[0] for row, codes in ref.items()}, dtype="int64")}
                table.apply_status([planned[r] for r in rows], national)
                table.published = table.published and not table.withheld
            self.records.append(table.record(self.scope, self.name, table.published, implied))
        if workbook and not implied:
            self.tables.append(table)
        return table

    def status_of(self, key: str, row: str, scope: str | None = None) -> int:
        """Status of a count cell in the plan (a count under the threshold when there is no plan)."""
        if self.plan is None:
            return VISIBLE
        codes = (self.plan.table(scope or self.scope, key) or {}).get(str(row))
        return int(codes[0]) if codes else PRIMARY

    def save_records(self, folder: str | Path) -> None:
        """The counts of every table published, for the audit of the whole publication."""
        if folder:
            path = Path(folder) / f"records-{self.scope}.json"
            atomic_write_text(path, json.dumps([r.to_dict() for r in self.records], ensure_ascii=False))

    # blocks
    def figure_html(self, fig, key: str, alt: str) -> str:
        """The figure as an inline PNG; national: also saved as PNG and SVG under figures/."""
        png = figs.save(fig, self.fig_dir, key) if self.fig_dir is not None else figs.render_png(fig)
        data = base64.b64encode(png).decode("ascii")
        # On a phone the image keeps a readable size and scrolls inside its own box (markup.CSS).
        return (f'<div class="fig-scroll" tabindex="0" role="region" aria-label="Graphique : {html.escape(alt)}">'
                f'<img class="figure" alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></div>')

    def chart(self, table: PubTable):
        """Figure factory of a share table for the national report; None (HTML bars) for a network."""
        if self.national:
            return lambda: figs.bar_shares(table, self.source)
        return None

    def block(self, table: PubTable, fig) -> str:
        """Chart + its table. National: matplotlib figure (also saved as PNG and SVG);
        network: HTML bars side by side with France (fast, one page per network)."""
        self.publish(table, shown=table.n >= self.threshold)
        if self.collect:
            return ""
        alt = alt_text(table, log="Médiane" in table.data and figs.quartile_scale(table) is not None)
        if table.n < self.threshold:
            return (f'<section class="block"><h4>{html.escape(table.title)}</h4><p class="notice">'
                    f"Moins de {self.threshold} réponses à cette question : résultat non publié "
                    "(secret statistique).</p></section>")
        if table.withheld:
            return withheld_notice(table.title)
        if fig is None:
            chart = bars_html(table, ["Part réseau", "Part France"], [self.name, "France entière"], self.source)
        else:
            chart = self.figure_html(fig(), table.key, alt)
            if table.kinds.get("Part") == "share":  # on a phone: the same bars as HTML text
                narrow = bars_html(table, ["Part"], ["France entière"], self.source)
                chart = f'<div class="wide-only">{chart}</div><div class="narrow-only">{narrow}</div>'
        return (f'<section class="block">{chart}'
                f"<details><summary>Tableau : {html.escape(table.title)}</summary>{table_html(table)}"
                f"</details></section>")

    def write_workbook(self, out_dir: Path, title: str) -> Path | None:
        """The report's workbook: tableaux.xlsx (national) or regions/<network>.xlsx, the tables its
        page shows, masked alike; none for a report without published tables (a notice)."""
        tables = [t for t in self.tables if t.published]
        # In the page's order: section 10's tables are built first (the contents need to know whether
        # there is a section 10) but shown last.
        tables.sort(key=lambda t: t.key.startswith(EVOLUTION_PREFIX))
        if self.collect or not tables:
            return None
        path = Path(out_dir) / ("tableaux.xlsx" if self.national else Path("regions") / f"{self.scope}.xlsx")
        write_workbook(tables, path, title)
        return path


def withheld_notice(title: str) -> str:
    """What stands for a table whose small cells no masking could protect."""
    return (f'<section class="block"><h4>{html.escape(title)}</h4><p class="notice">Résultat non publié à cette '
            "échelle : trop peu de réponses pour masquer les petits effectifs sans qu'on puisse les retrouver "
            "(secret statistique).</p></section>")
