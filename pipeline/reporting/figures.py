"""Figures of the reports (plots only): one colour-blind-safe palette, French number formats,
each chart with its title, its base (n) and its source; byte-identical PNG and SVG output.
A masked value is a hatched bar of fixed length with its mark (« < 3 », « s »), explained in a
note under the chart.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from pipeline.common.atomic import atomic_write_bytes  # noqa: E402
from pipeline.common.text import french_number  # noqa: E402
from pipeline.reporting.formats import fmt_percent  # noqa: E402
from pipeline.reporting.markup import chart_note  # noqa: E402
from pipeline.reporting.tables import PubTable  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every colour-vision deficiency.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
GREY = "#8C8C8C"
EDGE = "#333333"  # outline of the bars: 3:1 against white whatever their fill (WCAG 1.4.11)
DPI = 100


def setup_style() -> None:
    """Fixed, deterministic matplotlib settings shared by every figure."""
    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "acter",
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.titlesize": 11,
            "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "path.simplify": True,
        }
    )


setup_style()


def _wrap(label: object, width: int = 42) -> str:
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _frame(title: str, n: int, source: str, height: float, width: float = 8.0,
           labels: list[str] | None = None, note: str = "") -> tuple[Figure, plt.Axes]:
    """Figure with title, base, source and ``note`` (masked values); margins computed from the
    labels (no tight_layout, which draws the figure twice)."""
    note = "\n".join(textwrap.wrap(note, int(width * 15))) if note else ""
    note_inches = 0.15 * (note.count("\n") + 1) if note else 0.0
    height += note_inches
    fig = Figure(figsize=(width, height))
    longest = max((len(line) for lab in labels or [] for line in str(lab).split("\n")), default=4)
    left = min(0.6, (0.068 * longest + 0.25) / width)
    title = _wrap(title, 80)
    top_inches, bottom_inches = 0.5 + 0.2 * title.count("\n"), 0.55 + note_inches
    fig.subplots_adjust(left=left, right=0.96, top=1 - top_inches / height, bottom=bottom_inches / height)
    ax = fig.add_subplot()
    fig.suptitle(title, x=0.01, y=1 - 0.12 / height, ha="left", va="top", fontsize=11,
                 fontweight="bold")
    fig.text(0.01, 0.08 / height, f"n = {french_number(n)} · Source : {source}", fontsize=8, color="#444444",
             ha="left", va="bottom")
    if note:
        fig.text(0.01, 0.27 / height, note, fontsize=7, color="#444444", ha="left", va="bottom")
    return fig, ax


def _finish(fig: Figure) -> Figure:
    return fig


def tick_text(value: float) -> str:
    """A tick label with the decimals it needs and no more: 0,25 · 0,5 · 0,75 · 1 · 1 000."""
    return french_number(round(float(value), 6), None)


def _ticks() -> FuncFormatter:
    """A formatter of :func:`tick_text` (one per axis: a formatter belongs to its axis)."""
    return FuncFormatter(lambda v, _: tick_text(v))
LOG_NOTE = "échelle logarithmique"


def log_scale(values: pd.Series) -> str | None:
    """'log', 'symlog' (zeros: linear up to the smallest amount) or None: the scale of an axis of
    amounts spanning more than two orders of magnitude."""
    values = pd.to_numeric(values, errors="coerce").dropna()
    positive = values[values > 0]
    if not len(positive) or positive.max() <= 100 * positive.min():
        return None
    return "log" if (values > 0).all() else "symlog"


def quartile_scale(table: PubTable) -> str | None:
    """The scale :func:`quartiles` draws ``table`` on (the alt text says so too)."""
    return log_scale(pd.concat([table.plot_values(c) for c in ("1er quartile", "3e quartile")]))


def _percent_axis(ax: plt.Axes, top: float) -> None:
    """Bars carry their value: no x axis (fewer texts to draw, cleaner chart)."""
    ax.set_xlim(0, max(0.05, min(1.0, top * 1.18 + 0.02)))
    _bare_x(ax)


def _bare_x(ax: plt.Axes) -> None:
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    ax.tick_params(axis="y", length=0)


def _bars_frame(table: PubTable, source: str) -> tuple[Figure, plt.Axes, list[str], np.ndarray]:
    """Frame of a horizontal bar chart of ``table``: its height follows the wrapped row labels."""
    labels = [_wrap(i) for i in table.data.index]
    fig, ax = _frame(table.title, table.n, source, 1.1 + 0.3 * sum(l.count("\n") + 1 for l in labels), labels=labels,
                     note=chart_note(table) if table.masked else "")
    return fig, ax, labels, np.arange(len(labels))


def _masked_bars(ax: plt.Axes, y: np.ndarray, secret: pd.Series, length: float) -> None:
    """A hatched bar of fixed ``length`` for each masked value: « masked », not how much."""
    rows = y[secret.to_numpy(dtype=bool)]
    if len(rows):
        ax.barh(rows, [length] * len(rows), height=0.65, facecolor="none", edgecolor=GREY, hatch="////",
                linewidth=0.6)


def bar_shares(table: PubTable, source: str, column: str = "Part") -> Figure:
    """Horizontal bars of shares; a secret share is a hatched bar with its mark."""
    values = table.plot_values(column)
    fig, ax, labels, y = _bars_frame(table, source)
    top = float(values.max()) if values.notna().any() else 0.0
    length = max(0.02, 0.04 * top)
    secret = table.secret[column].astype(bool)
    ax.barh(y, values.fillna(0).to_numpy(), color=OKABE_ITO[0], height=0.65, edgecolor=EDGE, linewidth=0.6)
    _masked_bars(ax, y, secret, length)
    j = table.data.columns.get_loc(column)
    for i, (yi, v, is_secret) in enumerate(zip(y, values, secret)):
        text = table.cell_text_at(i, j) if is_secret else fmt_percent(v)
        ax.text((length if is_secret else (0 if pd.isna(v) else v)) + 0.005, yi, text, va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    _percent_axis(ax, top)
    return _finish(fig)


def bar_counts(table: PubTable, source: str, column: str = "Effectif", colors: bool = False) -> Figure:
    """Horizontal bars of counts; a secret count is a hatched bar with its mark (« < 3 », « s »)."""
    values = table.plot_values(column)
    fig, ax, labels, y = _bars_frame(table, source)
    palette = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(y))] if colors else OKABE_ITO[0]
    secret = table.secret[column].astype(bool)
    top = float(values.max()) if values.notna().any() else 1.0
    length = 0.04 * top + 0.5
    ax.barh(y, values.fillna(0).to_numpy(), color=palette, height=0.65, edgecolor=EDGE, linewidth=0.6)
    _masked_bars(ax, y, secret, length)
    j = table.data.columns.get_loc(column)
    for i, (yi, v, is_secret) in enumerate(zip(y, values, secret)):
        x = length if is_secret else (0 if pd.isna(v) else v)
        ax.text(x + top * 0.01, yi, table.cell_text_at(i, j), va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.15 + 1)
    _bare_x(ax)
    return _finish(fig)


def quartiles(table: PubTable, source: str, log: bool = True, unit: str = "€") -> Figure:
    """Median (dot) and interquartile range (line) by group; secret groups are left empty."""
    rows = list(table.data.index)
    note = table.mask_note() if table.masked else ""  # no bars here: the marks only
    fig, ax = _frame(table.title, table.n, source, 1.8 + 0.34 * len(rows), labels=[_wrap(r, 36) for r in rows],
                     note=note)
    height = fig.get_figheight()
    fig.subplots_adjust(bottom=(1.0 + (height - 1.8 - 0.34 * len(rows))) / height)  # axis label above the notes
    y = np.arange(len(rows))
    q1, med, q3 = (table.plot_values(c) for c in ("1er quartile", "Médiane", "3e quartile"))
    for yi, row in zip(y, rows):
        color = OKABE_ITO[2] if row == "Ensemble" else OKABE_ITO[0]
        if pd.isna(med.loc[row]):
            ax.text(0.5, yi, "s (secret statistique)" if table.secret.at[row, "Médiane"] else "–",
                    transform=ax.get_yaxis_transform(), va="center", ha="center", fontsize=8, color=GREY)
            continue
        ax.plot([q1.loc[row], q3.loc[row]], [yi, yi], color=color, linewidth=4, alpha=0.45, solid_capstyle="butt")
        ax.plot([med.loc[row]], [yi], "o", color=color, markersize=6)
        ax.annotate(table.cell_text_at(int(yi), table.data.columns.get_loc("Médiane")), (med.loc[row], yi), xytext=(0, 7),
                    textcoords="offset points", ha="center", fontsize=7)
    ax.set_yticks(y, [_wrap(r, 36) for r in rows])
    ax.invert_yaxis()
    values = pd.concat([q1, q3]).dropna()
    scale = quartile_scale(table) if log else None
    if scale == "log":
        ax.set_xscale("log")
    elif scale == "symlog":  # zeros (no budget): linear up to the smallest amount, logarithmic beyond
        positive = values[values > 0]
        ax.set_xscale("symlog", linthresh=10 ** np.floor(np.log10(positive.min())))
        ax.set_xlim(0, values.max() * 2)
    ax.xaxis.set_major_formatter(_ticks())
    label = f"Médiane (point) et écart interquartile (trait), en {unit}"
    ax.set_xlabel(f"{label} ({LOG_NOTE})" if scale else label)
    return _finish(fig)


def _luminance(rgb: tuple[float, ...]) -> float:
    """WCAG relative luminance of an sRGB colour (components 0-1)."""
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _ink(fill: tuple[float, ...]) -> str:
    """Black or white, whichever contrasts more with ``fill`` (the value printed in a cell)."""
    lum = _luminance(fill)
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"


def heatmap(values: pd.DataFrame, title: str, n: int, source: str,
            label: str = "Valeur-test (> 2 : sur-représentée,\n< −2 : sous-représentée)") -> Figure:
    """Diverging heatmap (rows: categories, columns: types), value printed in each cell."""
    rows, cols = values.shape
    fig, ax = _frame(title, n, source, 2.2 + 0.3 * rows, width=9.5,
                     labels=[_wrap(r, 60) for r in values.index])
    fig.subplots_adjust(top=1 - 0.85 / (2.2 + 0.3 * rows), right=0.9)
    data = values.to_numpy(dtype=float)
    bound = max(2.0, float(np.nanmax(np.abs(data))) if np.isfinite(data).any() else 2.0)
    image = ax.imshow(np.nan_to_num(data), cmap="PuOr_r", vmin=-bound, vmax=bound, aspect="auto")
    ax.set_xticks(np.arange(cols), [_wrap(c, 16) for c in values.columns], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(rows), [_wrap(r, 60) for r in values.index], fontsize=7)
    for i in range(rows):
        for j in range(cols):
            v = data[i, j]
            if np.isfinite(v):
                ax.text(j, i, french_number(v, 1), ha="center", va="center", fontsize=6.5,
                        color=_ink(image.cmap(image.norm(v))))
    cbar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    cbar.set_label(label)
    cbar.ax.yaxis.set_major_formatter(_ticks())
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return _finish(fig)


def factor_map(coords: pd.DataFrame, types: pd.Series, title: str, source: str,
               x: str = "F1", y: str = "F2", inertia: tuple[float, float] | None = None) -> Figure:
    """Respondents on the first factorial plane, one colour per type, type centres labelled."""
    fig, ax = _frame(title, len(coords), source, 6.2, width=8.0)
    fig.subplots_adjust(left=0.09, right=0.64, bottom=0.14)
    def order(name: object) -> tuple[int, str]:  # "10. ..." after "9. ..."
        head = str(name).split(".")[0]
        return (int(head) if head.isdigit() else 0, str(name))

    for i, name in enumerate(sorted(types.dropna().unique(), key=order)):
        mask = (types == name).to_numpy()
        color = OKABE_ITO[i % len(OKABE_ITO)]
        ax.scatter(coords.loc[mask, x], coords.loc[mask, y], s=9, alpha=0.45, color=color, linewidths=0,
                   label=_wrap(name, 30))
        cx, cy = coords.loc[mask, x].mean(), coords.loc[mask, y].mean()
        ax.scatter([cx], [cy], s=90, marker="D", color=color, edgecolor="black", linewidths=0.8)
    ax.axhline(0, color=GREY, linewidth=0.6)
    ax.axvline(0, color=GREY, linewidth=0.6)
    xl, yl = (f"{x} ({fmt_percent(inertia[0], 1)} de l'inertie)", f"{y} ({fmt_percent(inertia[1], 1)} de l'inertie)") \
        if inertia else (x, y)
    ax.set_xlabel(xl)
    ax.set_ylabel(yl)
    ax.xaxis.set_major_formatter(_ticks())
    ax.yaxis.set_major_formatter(_ticks())
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, markerscale=2,
              title="Types (losange : centre du type)", title_fontsize=8, alignment="left")
    return _finish(fig)


def render(fig: Figure) -> tuple[bytes, bytes]:
    """PNG and SVG bytes, with no date or software stamp (byte-identical across runs)."""
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", metadata={"Software": None})
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return png.getvalue(), svg.getvalue()


def render_png(fig: Figure) -> bytes:
    png = io.BytesIO()
    fig.savefig(png, format="png", metadata={"Software": None})
    return png.getvalue()


def save(fig: Figure, folder: Path, name: str) -> bytes:
    """Write ``name``.png and ``name``.svg into ``folder``; return the PNG bytes."""
    png, svg = render(fig)
    atomic_write_bytes(folder / f"{name}.png", png)
    atomic_write_bytes(folder / f"{name}.svg", svg)
    return png
