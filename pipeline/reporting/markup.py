"""HTML fragments of the published tables: the escaped table (in its own scrolling container, so
that a wide table never widens a phone's page), the light bar chart (a masked value is a hatched
bar of fixed length, explained under the chart), and the text alternative of a chart that states
its key figure."""

from __future__ import annotations

import html

import pandas as pd

from pipeline.common.text import french_number
from pipeline.reporting.formats import CHART_NOTE
from pipeline.reporting.tables import PubTable


def table_html(table: PubTable) -> str:
    """An escaped HTML table with caption, secrecy note and source."""
    shown = table.display_frame()
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in shown.columns)
    rows = []
    for i, (label, row) in enumerate(shown.iterrows()):
        cells = []
        for j, (col, value) in enumerate(row.items()):
            if table.kinds.get(col) == "text":
                css = "text"
            else:
                css = "secret" if bool(table.secret.iat[i, j]) else "num"
            cells.append(f'<td class="{css}">{html.escape(str(value))}</td>')
        rows.append(f'<tr><th scope="row">{html.escape(str(label))}</th>{"".join(cells)}</tr>')
    notes = []
    if table.note:
        notes.append(html.escape(table.note))
    if table.mask_note():
        notes.append(html.escape(table.mask_note()))
    if table.source:
        notes.append("Source : " + html.escape(table.source))
    foot = "".join(f"<p>{n}</p>" for n in notes)
    # The container scrolls (keyboard too: tabindex) when the table is wider than the screen.
    return (
        f'<figure class="table" id="tab-{html.escape(table.key)}">'
        f'<div class="scroll" tabindex="0" role="region" aria-label="{html.escape(table.title)}">'
        f"<table><caption>{html.escape(table.title)}</caption>"
        f'<thead><tr><th scope="col">{html.escape(table.index_name)}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        f'<figcaption class="notes">{foot}</figcaption></figure>'
    )


def bars_html(table: PubTable, columns: list[str], legend: list[str], source: str) -> str:
    """A light HTML/CSS bar chart of share columns (no image), with title, n and source.

    Used for network reports, and for the national report on narrow screens: its labels and values
    are text (read by screen readers, wrapped on a phone), and it renders in microseconds.
    """
    rows = []
    for i, label in enumerate(table.data.index):
        bars = []
        for j, col in enumerate(columns):
            secret = bool(table.secret[col].iloc[i])
            value = table.data[col].iloc[i]
            text = table.cell_text_at(i, table.data.columns.get_loc(col))
            if secret:  # a hatched bar of fixed length: it says « masked », not how much
                fill = f'<span class="fill masked s{j}"></span>'
            else:
                width = 0.0 if pd.isna(value) else max(0.0, min(1.0, float(value))) * 100
                fill = f'<span class="fill s{j}" style="width:{width:.1f}%"></span>'
            bars.append(f'<div class="bar">{fill}<span class="val">{html.escape(text)}</span></div>')
        rows.append(f'<div class="row"><div class="lab">{html.escape(str(label))}</div>'
                    f'<div class="bars">{"".join(bars)}</div></div>')
    keys = "".join(f'<span><i class="s{j}"></i>{html.escape(name)}</span>' for j, name in enumerate(legend))
    masked = any(bool(table.secret[col].any()) for col in columns)
    note = f'<p class="src">{html.escape(chart_note(table))}</p>' if masked else ""
    return (
        f'<figure class="hbars">'
        f'<figcaption class="title">{html.escape(table.title)}</figcaption>'
        f'<div class="legend">{keys}</div>{"".join(rows)}{note}'
        f'<p class="src">n = {french_number(table.n)} · Source : {html.escape(source)}</p></figure>'
    )


def chart_note(table: PubTable) -> str:
    """Under a chart with masked values: the hatched bars, then the marks of its table."""
    return " ".join(t for t in (CHART_NOTE, table.mask_note()) if t)


def alt_text(table: PubTable, log: bool = False) -> str:
    """The text alternative of a chart of ``table``: its title, its key figure (the most frequent
    answer and its share, the largest count, or the median of all), the scale when logarithmic,
    and n. A masked cell is never the key figure; the full data is the table under the chart."""
    parts: list[str] = []
    data = table.data
    share = next((c for c in ("Part", "Part réseau") if c in data and table.kinds.get(c) == "share"), None)
    count = next((c for c in data.columns if table.kinds.get(c) == "count"), None)
    column = share or count
    if "Médiane" in data:
        row = table.total_row if table.total_row in data.index else None
        if row is not None and not bool(table.secret.at[row, "Médiane"]):
            parts.append(f"médiane de l'ensemble, {table.cell_text(row, 'Médiane')}")
    elif column is not None:
        values = table.plot_values(column).dropna()
        if len(values):
            top = values.idxmax()
            parts.append(f"en tête, « {top} » ({table.cell_text(top, column)})")
    if log:
        parts.append("échelle logarithmique")
    key = f" : {' ; '.join(parts)}" if parts else ""
    return f"{table.title}{key}. Base : {french_number(table.n)} répondants."


def points_table(centres: pd.DataFrame, title: str, axes: tuple[str, str], note: str = "") -> str:
    """The data table of a factor map: the coordinates of each type's centre (``centres``: columns
    x, y by type name). Neither the respondents' points nor the types' sizes (the sizes table
    publishes them, masked as the secrecy plan says) are given here."""
    x, y = axes
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in ("Type", x, y))
    rows = "".join(
        f'<tr><th scope="row">{html.escape(str(name))}</th>'
        f'<td class="num">{french_number(r["x"], 2)}</td><td class="num">{french_number(r["y"], 2)}</td></tr>'
        for name, r in centres.iterrows())
    foot = f'<figcaption class="notes"><p>{html.escape(note)}</p></figcaption>' if note else ""
    return (f'<figure class="table"><div class="scroll" tabindex="0" role="region" aria-label="{html.escape(title)}">'
            f"<table><caption>{html.escape(title)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table></div>{foot}</figure>")
