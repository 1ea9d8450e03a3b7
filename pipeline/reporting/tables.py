"""Published tables: French number formats, small-cell masking, HTML fragments, tableaux.xlsx.

Every count or share shown in a report goes through :class:`PubTable`, which carries the numbers
and which cells are secret (based on 0 < n < threshold). Figures, HTML and the workbook read the
same object, so a masked cell is masked everywhere.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.atomic import save_workbook
from pipeline.common.safe_text import neutralize
from pipeline.common.text import NBSP, french_number

SECRET_SHARE = "s"


# --- French number formats --------------------------------------------------------------------


def fmt_percent(share: float | None, decimals: int = 0) -> str:
    """Share in [0, 1] as a French percentage with a no-break space: 0.12 -> '12 %'."""
    if share is None or pd.isna(share):
        return "–"
    return f"{french_number(100 * float(share), decimals)}{NBSP}%"


def fmt_euros(value: float | None) -> str:
    """Amount in euros, rounded, French format: 12 345 €."""
    if value is None or pd.isna(value):
        return "–"
    return f"{french_number(value, 0)}{NBSP}€"


def secret_label(threshold: int) -> str:
    """What a masked count shows: '< 3'."""
    return f"<{NBSP}{threshold}"


# --- masking --------------------------------------------------------------------------------


def small_mask(counts: pd.Series | pd.DataFrame, threshold: int) -> pd.Series | pd.DataFrame:
    """Primary secrecy: a count is secret when 0 < n < threshold."""
    return (counts > 0) & (counts < threshold)


def mask_distribution(counts: pd.Series, threshold: int) -> pd.Series:
    """Secret cells of a one-answer distribution, with secondary secrecy.

    When exactly one cell is secret, it could be recovered as total minus the others: the
    smallest other positive cell is masked too.
    """
    secret = small_mask(counts, threshold)
    if int(secret.sum()) == 1:
        others = counts[(~secret) & (counts > 0)]
        if len(others):
            secret.loc[others.sort_values(kind="stable").index[0]] = True
    return secret


# --- the published table --------------------------------------------------------------------


@dataclass
class PubTable:
    """A table as published: numbers, secret cells, and how to read each column.

    ``data`` is indexed by row label (French) with numeric columns; ``secret`` has the same
    shape; ``kinds`` maps each column to 'count', 'share', 'euros', 'number' or 'text'.
    """

    key: str
    title: str
    data: pd.DataFrame
    secret: pd.DataFrame
    kinds: dict[str, str]
    n: int
    index_name: str = "Modalité"
    note: str = ""
    source: str = ""
    threshold: int = 3

    @property
    def masked(self) -> bool:
        return bool(self.secret.to_numpy().any())

    def cell_text(self, row: object, col: str) -> str:
        """French text of one cell (by labels), 'secret' marks included."""
        return self.cell_text_at(self.data.index.get_loc(row), self.data.columns.get_loc(col))

    def cell_text_at(self, i, j: int) -> str:
        """French text of the cell at positions (i, j), 'secret' marks included."""
        if not isinstance(i, int):  # duplicated labels: get_loc gave a mask or slice
            i = int(np.arange(len(self.data))[i][0])
        col = self.data.columns[j]
        kind = self.kinds.get(col, "number")
        if bool(self.secret.iat[i, j]):
            return secret_label(self.threshold) if kind == "count" else SECRET_SHARE
        value = self.data.iat[i, j]
        if kind == "count":
            return french_number(value, 0)
        if kind == "share":
            return fmt_percent(value)
        if kind == "euros":
            return fmt_euros(value)
        if kind == "euros_cents":
            return "–" if pd.isna(value) else f"{french_number(value, 2)}{NBSP}€"
        if kind == "text":
            return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
        return french_number(value, 1)

    def display_frame(self) -> pd.DataFrame:
        """All cells as French text (secret marks included), for HTML and the workbook."""
        out = pd.DataFrame(
            {col: [self.cell_text_at(i, j) for i in range(len(self.data))] for j, col in enumerate(self.data.columns)},
            index=[str(i) for i in self.data.index],
        )
        out.index.name = self.index_name
        return out

    def plot_values(self, col: str) -> pd.Series:
        """Values safe to plot: secret cells become NaN (the figure shows them as 's')."""
        return self.data[col].where(~self.secret[col].astype(bool))


def mask_note(threshold: int) -> str:
    return (
        f"« {secret_label(threshold)} » : effectif inférieur à {threshold}, masqué (secret statistique) ; "
        f"« {SECRET_SHARE} » : part masquée pour la même raison."
    )


def _ordered(values: pd.Series, order: list[str] | None) -> list[str]:
    seen = {v for v in values.dropna() if str(v) != ""}
    if order:
        return [o for o in order if o in seen] + sorted(seen - set(order))
    return sorted(seen)


def single_table(
    key: str,
    title: str,
    values: pd.Series,
    threshold: int,
    order: list[str] | None = None,
    reference: pd.Series | None = None,
    source: str = "",
    keep_empty: bool = True,
    scope_only: bool = False,
) -> PubTable:
    """Distribution of a one-answer question; with ``reference``, side-by-side national shares.

    ``scope_only``: rows only for answers given in ``values`` (e.g. the régions of a network).
    """
    answered = values.dropna()
    answered = answered[answered.astype(str) != ""]
    seen = set(answered)
    if reference is not None and not scope_only:
        seen |= set(reference.dropna())
    seen.discard("")
    if order:
        labels = [o for o in order if (keep_empty and not scope_only) or o in seen] + sorted(seen - set(order))
    else:
        labels = sorted(seen)
    counts = answered.value_counts().reindex(labels, fill_value=0).astype(int)
    n = int(counts.sum())
    secret_c = mask_distribution(counts, threshold)
    shares = counts / n if n else counts * np.nan
    data = pd.DataFrame({"Effectif": counts, "Part": shares})
    secret = pd.DataFrame({"Effectif": secret_c, "Part": secret_c})
    kinds = {"Effectif": "count", "Part": "share"}
    if reference is not None:
        data, secret, kinds = _add_reference(data, secret, kinds, reference, labels, threshold, single=True)
    data.index.name = secret.index.name = None
    return PubTable(key, title, data, secret, kinds, n=n, source=source, threshold=threshold,
                    note=f"Base : {french_number(n)} répondants à la question.")


def _add_reference(data, secret, kinds, reference, labels, threshold, single):
    if single:
        ref = reference.dropna()
        ref = ref[ref.astype(str) != ""]
        all_counts = ref.value_counts()
        ref_n = int(all_counts.sum())  # shares of all answers, even if some rows are not shown
        ref_secret = mask_distribution(all_counts, threshold).reindex(labels, fill_value=False)
        ref_counts = all_counts.reindex(labels, fill_value=0).astype(int)
    else:
        ref_counts, ref_n = reference
        ref_counts = ref_counts.reindex(labels, fill_value=0).astype(int)
        ref_secret = small_mask(ref_counts, threshold)
    data = data.assign(**{"Part France": ref_counts / ref_n if ref_n else np.nan})
    secret = secret.assign(**{"Part France": ref_secret})
    kinds = {**kinds, "Part France": "share"}
    data = data.rename(columns={"Part": "Part réseau"})
    secret = secret.rename(columns={"Part": "Part réseau"})
    kinds = {("Part réseau" if k == "Part" else k): v for k, v in kinds.items()}
    return data, secret, kinds


def multi_counts(df: pd.DataFrame, columns: list[str], labels: list[str]) -> tuple[pd.Series, int]:
    """Counts of each modality among respondents who ticked at least one (the question's base)."""
    block = df[columns].fillna(False).astype(bool)
    answered = block.any(axis=1)
    counts = pd.Series(block[answered].sum().to_numpy(), index=labels).astype(int)
    return counts, int(answered.sum())


def multi_table(
    key: str,
    title: str,
    df: pd.DataFrame,
    columns: list[str],
    labels: list[str],
    threshold: int,
    reference: pd.DataFrame | None = None,
    source: str = "",
    sort: bool = True,
) -> PubTable:
    """Share of respondents citing each modality of a several-answers question."""
    counts, n = multi_counts(df, columns, labels)
    if reference is not None:
        ref = multi_counts(reference, columns, labels)
        order_by = ref[0]
    else:
        ref = None
        order_by = counts
    if sort:
        order = order_by.sort_values(ascending=False, kind="stable").index
        counts = counts.reindex(order)
    secret_c = small_mask(counts, threshold)
    data = pd.DataFrame({"Effectif": counts, "Part": counts / n if n else counts * np.nan})
    secret = pd.DataFrame({"Effectif": secret_c, "Part": secret_c})
    kinds = {"Effectif": "count", "Part": "share"}
    if ref is not None:
        data, secret, kinds = _add_reference(data, secret, kinds, ref, list(counts.index), threshold, single=False)
    return PubTable(key, title, data, secret, kinds, n=n, source=source, threshold=threshold,
                    note=f"Plusieurs réponses possibles : le total dépasse 100 %. "
                         f"Base : {french_number(n)} répondants ayant coché au moins une modalité.")


def quantile_table(
    key: str,
    title: str,
    values: pd.Series,
    groups: pd.Series,
    threshold: int,
    order: list[str] | None = None,
    kind: str = "euros",
    source: str = "",
    index_name: str = "Groupe",
    reference: tuple[pd.Series, pd.Series] | None = None,
    min_n: int = 5,
) -> PubTable:
    """Quartiles of a number by group; a group with fewer than ``threshold`` values is secret.

    No minimum or maximum is published: they are individual values. With ``reference``
    (values, groups of France as a whole), a 'Médiane France' column is added.
    """
    frame = pd.DataFrame({"v": pd.to_numeric(values, errors="coerce"), "g": groups}).dropna()
    labels = _ordered(frame["g"], order)
    rows = {}
    for label in labels:
        v = frame.loc[frame["g"] == label, "v"]
        rows[label] = {
            "Effectif": len(v),
            "1er quartile": v.quantile(0.25) if len(v) else np.nan,
            "Médiane": v.median() if len(v) else np.nan,
            "3e quartile": v.quantile(0.75) if len(v) else np.nan,
        }
    all_v = frame["v"]
    rows["Ensemble"] = {
        "Effectif": len(all_v),
        "1er quartile": all_v.quantile(0.25) if len(all_v) else np.nan,
        "Médiane": all_v.median() if len(all_v) else np.nan,
        "3e quartile": all_v.quantile(0.75) if len(all_v) else np.nan,
    }
    data = pd.DataFrame.from_dict(rows, orient="index")
    # Quartiles of fewer than `min_n` values are (nearly) individual values: secret; the count
    # itself follows the ordinary threshold.
    few = small_mask(data["Effectif"], max(threshold, min_n))
    secret = pd.DataFrame({c: few for c in data.columns})
    secret["Effectif"] = small_mask(data["Effectif"], threshold)
    kinds = {"Effectif": "count", "1er quartile": kind, "Médiane": kind, "3e quartile": kind}
    if reference is not None:
        ref = pd.DataFrame({"v": pd.to_numeric(reference[0], errors="coerce"), "g": reference[1]}).dropna()
        by = ref.groupby("g", observed=True)["v"]
        sizes = by.size().reindex(data.index).fillna(0)
        medians = by.median().reindex(data.index)
        sizes.loc["Ensemble"], medians.loc["Ensemble"] = len(ref), ref["v"].median()
        data["Médiane France"] = medians
        secret["Médiane France"] = small_mask(sizes, max(threshold, min_n))
        kinds["Médiane France"] = kind
    return PubTable(key, title, data, secret, kinds, n=int(len(all_v)), index_name=index_name,
                    source=source, threshold=threshold,
                    note=f"Base : {french_number(len(all_v))} répondants ayant indiqué un montant. "
                         "Les valeurs extrêmes (minimum, maximum) ne sont pas publiées, ni les quartiles "
                         f"d'un groupe de moins de {max(threshold, min_n)} répondants (« s »).")


def frame_table(
    key: str,
    title: str,
    data: pd.DataFrame,
    kinds: dict[str, str],
    n: int,
    threshold: int,
    count_columns: tuple[str, ...] = (),
    index_name: str = "Modalité",
    note: str = "",
    source: str = "",
) -> PubTable:
    """Wrap a ready-made frame; rows whose count column is 0 < n < threshold are secret."""
    secret = pd.DataFrame(False, index=data.index, columns=data.columns)
    for col in count_columns:
        small = small_mask(data[col], threshold)
        for c in data.columns:
            secret[c] = secret[c] | small
    return PubTable(key, title, data, secret, kinds, n=n, index_name=index_name, note=note,
                    source=source, threshold=threshold)


# --- HTML ---------------------------------------------------------------------------------------


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
    if table.masked:
        notes.append(html.escape(mask_note(table.threshold)))
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


# --- workbook -------------------------------------------------------------------------------

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(key: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", key)[:31] or "tableau"
    name, i = base, 2
    while name.lower() in used:
        suffix = f"_{i}"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(name.lower())
    return name


def write_workbook(tables: list[PubTable], path: Path, title: str) -> None:
    """tableaux.xlsx: a contents sheet, then one sheet per table (French headers, frozen header,
    column widths, number formats, secret cells as '< 3' / 's', text neutralised against formulas).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    toc = wb.active
    toc.title = "Sommaire"
    toc.append([neutralize(title)])
    toc["A1"].font = Font(bold=True, size=13)
    toc.append([])
    toc.append(["Feuille", "Tableau", "Base (n)"])
    for c in toc[3]:
        c.font = Font(bold=True)
    toc.freeze_panes = "A4"
    used = {"sommaire"}
    header_fill = PatternFill("solid", fgColor="DDE7F0")
    formats = {"count": "#,##0", "share": "0%", "euros": '#,##0" €"', "euros_cents": '#,##0.00" €"', "number": "#,##0.0", "vtest": "0.0"}
    for table in tables:
        name = _sheet_name(table.key, used)
        toc.append([name, neutralize(table.title), table.n])
        ws = wb.create_sheet(name)
        ws.append([neutralize(table.index_name), *[neutralize(str(c)) for c in table.data.columns]])
        for c in ws[1]:
            c.font = Font(bold=True)
            c.fill = header_fill
            c.alignment = Alignment(wrap_text=True, vertical="top")
        for i, row in enumerate(table.data.index):
            values = [neutralize(str(row))]
            for j, col in enumerate(table.data.columns):
                kind = table.kinds.get(col, "number")
                if bool(table.secret.iat[i, j]):
                    values.append(secret_label(table.threshold) if kind == "count" else SECRET_SHARE)
                    continue
                v = table.data.iat[i, j]
                if kind == "text":
                    values.append(neutralize("" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)))
                elif v is None or pd.isna(v):
                    values.append(None)
                else:
                    values.append(float(v) if kind != "count" else int(v))
            ws.append(values)
        for j, col in enumerate(table.data.columns, start=2):
            fmt = formats.get(table.kinds.get(col, "number"))
            for cell in ws.iter_cols(min_col=j, max_col=j, min_row=2):
                for c in cell:
                    if isinstance(c.value, (int, float)) and fmt:
                        c.number_format = fmt
                    c.alignment = Alignment(horizontal="right")
        r = ws.max_row + 2
        for text in (table.note, mask_note(table.threshold) if table.masked else "",
                     f"Source : {table.source}" if table.source else ""):
            if text:
                ws.cell(row=r, column=1, value=neutralize(text))
                r += 1
        ws.freeze_panes = "B2"
        ws.column_dimensions["A"].width = min(70, max(18, max(len(str(i)) for i in [table.index_name, *table.data.index]) + 2))
        for j, col in enumerate(table.data.columns, start=2):
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = max(12, min(40, len(str(col)) + 4))
    toc.column_dimensions["A"].width = 34
    toc.column_dimensions["B"].width = 90
    toc.column_dimensions["C"].width = 10
    save_workbook(wb, path, drop_dates=True)


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
            width = 0.0 if secret or pd.isna(value) else max(0.0, min(1.0, float(value))) * 100
            text = table.cell_text_at(i, table.data.columns.get_loc(col))
            bars.append(
                f'<div class="bar"><span class="fill s{j}" style="width:{width:.1f}%"></span>'
                f'<span class="val">{html.escape(text)}</span></div>'
            )
        rows.append(f'<div class="row"><div class="lab">{html.escape(str(label))}</div>'
                    f'<div class="bars">{"".join(bars)}</div></div>')
    keys = "".join(f'<span><i class="s{j}"></i>{html.escape(name)}</span>' for j, name in enumerate(legend))
    return (
        f'<figure class="hbars" role="img" aria-label="{html.escape(table.title)}">'
        f'<figcaption class="title">{html.escape(table.title)}</figcaption>'
        f'<div class="legend">{keys}</div>{"".join(rows)}'
        f'<p class="src">n = {french_number(table.n)} · Source : {html.escape(source)}</p></figure>'
    )
