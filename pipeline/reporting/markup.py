"""HTML fragments of the published tables: the escaped table and the light bar chart (a masked
value is a hatched bar of fixed length, explained under the chart)."""

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
    return (
        f'<figure class="table" id="tab-{html.escape(table.key)}">'
        f"<table><caption>{html.escape(table.title)}</caption>"
        f'<thead><tr><th scope="col">{html.escape(table.index_name)}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<figcaption class="notes">{foot}</figcaption></figure>'
    )


def bars_html(table: PubTable, columns: list[str], legend: list[str], source: str) -> str:
    """A light HTML/CSS bar chart of share columns (no image), with title, n and source.

    Used for network reports: as readable as a figure, and rendered in microseconds.
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
        f'<figure class="hbars" role="img" aria-label="{html.escape(table.title)}">'
        f'<figcaption class="title">{html.escape(table.title)}</figcaption>'
        f'<div class="legend">{keys}</div>{"".join(rows)}{note}'
        f'<p class="src">n = {french_number(table.n)} · Source : {html.escape(source)}</p></figure>'
    )


def chart_note(table: PubTable) -> str:
    """Under a chart with masked values: the hatched bars, then the marks of its table."""
    return " ".join(t for t in (CHART_NOTE, table.mask_note()) if t)
