"""The published table: numbers, which cells are secret, and how to read each column.

Every count or share shown in a report goes through :class:`PubTable`, which carries the numbers
and which cells are secret. The builders below give the primary secrets (0 < n < threshold,
:mod:`pipeline.reporting.formats`) and describe how the counts are tied (``structure``, ``counts``,
``follows``, ``reference``, ``links``): :mod:`pipeline.reporting.secrecy` reads that description
for the whole publication and chooses the secondary secrets, which :meth:`PubTable.apply_status`
puts back. Figures, HTML (:mod:`pipeline.reporting.markup`) and the workbook
(:mod:`pipeline.reporting.workbook`) read the same object, so a masked cell is masked everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.common.text import french_number
from pipeline.reporting.formats import (
    fmt_euros,
    fmt_percent,
    mask_note,
    secret_mark,
    small_mask,
    text_value,
)
from pipeline.reporting.secrecy import HIDDEN, PRIMARY, PUBLIC, SECONDARY, VISIBLE, TableRecord

COUNT = "Effectif"
TOTAL = "Ensemble"


@dataclass
class PubTable:
    """A table as published: numbers, secret cells, and how to read each column.

    ``data`` is indexed by row label (French) with numeric columns; ``secret`` has the same
    shape (masked cells); ``secondary`` marks the masked counts that protect another cell;
    ``kinds`` maps each column to 'count', 'share', 'euros', 'number' or 'text'; ``published``:
    shown with its numbers (False: a notice stands in its place).

    For the secrecy model: ``structure`` ('partition', 'multi', 'groups', 'free'; 'none' for a
    table outside it), ``counts`` (its count columns), ``follows`` (a share or amount column -> the
    count column whose mask it takes), ``reference`` (a column about the national table's row ->
    the national count column whose mask it takes, as 'Part France'), ``total_row`` (the 'Ensemble' row of groups), ``links``
    (relations with other tables of the report, see :class:`~pipeline.reporting.secrecy.TableRecord`),
    ``hidden`` (cells not published at all, e.g. unlisted changes of type).
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
    structure: str = "none"
    counts: tuple[str, ...] = ()
    follows: dict[str, str] = field(default_factory=dict)
    reference: dict[str, str] = field(default_factory=dict)
    total_row: str | None = None
    links: list[dict] = field(default_factory=list)
    secondary: pd.DataFrame | None = None
    hidden: pd.DataFrame | None = None
    withheld: bool = False
    national_only: bool = False
    published: bool = True
    codes: pd.DataFrame | None = None  # the plan's status of each cell, once applied

    @property
    def masked(self) -> bool:
        return bool(self.secret.to_numpy().any())

    def is_secondary(self, i: int, j: int) -> bool:
        return self.secondary is not None and bool(self.secondary.iat[i, j])

    @property
    def has_secondary(self) -> bool:
        return self.secondary is not None and bool((self.secondary.to_numpy() & self.secret.to_numpy()).any())

    @property
    def has_primary(self) -> bool:
        """A count under the threshold is masked (« < 3 »)."""
        for j, col in enumerate(self.data.columns):
            if self.kinds.get(col) == "count":
                for i in range(len(self.data)):
                    if bool(self.secret.iat[i, j]) and not self.is_secondary(i, j):
                        return True
        return False

    def mask_note(self) -> str:
        """The note of its masked cells ('' when none)."""
        return mask_note(self.threshold, self.has_primary, self.has_secondary) if self.masked else ""

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
            return secret_mark(kind, self.threshold, self.is_secondary(i, j))
        value = self.data.iat[i, j]
        if kind == "count":
            return french_number(value, 0)
        if kind == "share":
            return fmt_percent(value)
        if kind == "euros":
            return fmt_euros(value)
        if kind == "euros_cents":
            return fmt_euros(value, 2)
        if kind == "text":
            return text_value(value)
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
        """Values safe to plot: secret cells become NaN (the figure shows them hatched)."""
        return self.data[col].where(~self.secret[col].astype(bool))

    # --- the secrecy model ------------------------------------------------------------------

    def record(self, scope: str, scope_name: str, published: bool, implied: bool = False) -> TableRecord:
        """Its counts as the secrecy model reads them (statuses: primary secrets, hidden cells)."""
        rows = [str(r) for r in self.data.index]
        values, status = [], []
        for i in range(len(rows)):
            values.append([int(round(float(self.data[c].iloc[i]))) if pd.notna(self.data[c].iloc[i]) else 0
                           for c in self.counts])
            if self.codes is not None:
                status.append([int(self.codes[c].iloc[i]) for c in self.counts])
                continue
            status.append([HIDDEN if self.hidden is not None and bool(self.hidden[c].iloc[i])
                           else (PRIMARY if bool(self.secret[c].iloc[i]) else VISIBLE) for c in self.counts])
        return TableRecord(scope, self.key, self.title, self.structure, rows, list(self.counts), values, status,
                           int(self.n), published=published and not self.withheld, scope_name=scope_name,
                           total_row=self.total_row, links=[dict(link) for link in self.links], implied=implied,
                           national_only=self.national_only, withheld=self.withheld)

    def apply_status(self, status: list[list[int]], national: dict[str, pd.Series] | None = None) -> None:
        """Masks from the publication's plan: ``status`` of the count cells (rows × counts);
        ``national`` the statuses of the national table's columns (for 'reference' columns)."""
        code = pd.DataFrame(VISIBLE, index=self.data.index, columns=self.data.columns)
        for j, c in enumerate(self.counts):
            code[c] = [row[j] for row in status]
        for col, count in self.follows.items():
            if col in code and count in code:
                code[col] = code[count].where(code[count] != PUBLIC, VISIBLE)
        for col, count in self.reference.items():
            if col in code and national is not None and count in national:
                rows = [str(r) for r in self.data.index]
                national_code = national[count].reindex(rows).fillna(VISIBLE).astype(int)
                code[col] = national_code.where(national_code != PUBLIC, VISIBLE).to_numpy()
        masked = code.isin([PRIMARY, SECONDARY, HIDDEN])
        # amounts already masked for their own reason (quartiles of a small group) stay masked
        keep = pd.DataFrame(False, index=self.data.index, columns=self.data.columns)
        for col in [*self.follows, *self.reference]:
            if col in keep and self.kinds.get(col) not in ("share", "count"):
                keep[col] = self.secret[col].astype(bool)
        self.secret = masked | keep
        self.secondary = code == SECONDARY
        self.hidden = code == HIDDEN
        self.codes = code


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
    secret_c = small_mask(counts, threshold)
    shares = counts / n if n else counts * np.nan
    data = pd.DataFrame({COUNT: counts, "Part": shares})
    secret = pd.DataFrame({COUNT: secret_c, "Part": secret_c})
    kinds = {COUNT: "count", "Part": "share"}
    share = "Part"
    reference_of = {}
    if reference is not None:
        data, secret, kinds = _add_reference(data, secret, kinds, reference, labels, threshold, single=True)
        share, reference_of = "Part réseau", {"Part France": COUNT}
    data.index.name = secret.index.name = None
    return PubTable(key, title, data, secret, kinds, n=n, source=source, threshold=threshold,
                    note=f"Base : {french_number(n)} répondants à la question.", structure="partition",
                    counts=(COUNT,), follows={share: COUNT}, reference=reference_of)


def _add_reference(data, secret, kinds, reference, labels, threshold, single):
    """'Part France' beside the network's shares; masked like the national table's cells (here
    its primary secrets; the publication's plan puts the national table's masks)."""
    if single:
        ref = reference.dropna()
        ref = ref[ref.astype(str) != ""]
        all_counts = ref.value_counts()
        ref_n = int(all_counts.sum())  # shares of all answers, even if some rows are not shown
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
    data = pd.DataFrame({COUNT: counts, "Part": counts / n if n else counts * np.nan})
    secret = pd.DataFrame({COUNT: secret_c, "Part": secret_c})
    kinds = {COUNT: "count", "Part": "share"}
    share, reference_of = "Part", {}
    if ref is not None:
        data, secret, kinds = _add_reference(data, secret, kinds, ref, list(counts.index), threshold, single=False)
        share, reference_of = "Part réseau", {"Part France": COUNT}
    return PubTable(key, title, data, secret, kinds, n=n, source=source, threshold=threshold,
                    note=f"Plusieurs réponses possibles : le total dépasse 100 %. "
                         f"Base : {french_number(n)} répondants ayant coché au moins une modalité.",
                    structure="multi", counts=(COUNT,), follows={share: COUNT}, reference=reference_of)


QUARTILES = ("1er quartile", "Médiane", "3e quartile")


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
    group_key: str | None = None,
) -> PubTable:
    """Quartiles of a number by group; a group with fewer than ``threshold`` values is secret.

    No minimum or maximum is published: they are individual values. With ``reference``
    (values, groups of France as a whole), a 'Médiane France' column is added. A group's
    quartiles are masked with its count (primary or secondary secret) and below ``min_n``.
    ``group_key``: the table of the groups' distribution (a group has at most its respondents).
    """
    frame = pd.DataFrame({"v": pd.to_numeric(values, errors="coerce"), "g": groups}).dropna()
    labels = _ordered(frame["g"], order)
    rows = {label: _quartiles(frame.loc[frame["g"] == label, "v"]) for label in labels}
    all_v = frame["v"]
    rows[TOTAL] = _quartiles(all_v)
    data = pd.DataFrame.from_dict(rows, orient="index")
    # Quartiles of fewer than `min_n` values are (nearly) individual values: secret; the count
    # itself follows the ordinary threshold.
    few = small_mask(data[COUNT], max(threshold, min_n))
    secret = pd.DataFrame({c: few for c in data.columns})
    secret[COUNT] = small_mask(data[COUNT], threshold)
    kinds = {COUNT: "count", "1er quartile": kind, "Médiane": kind, "3e quartile": kind}
    reference_of = {}
    if reference is not None:
        ref = pd.DataFrame({"v": pd.to_numeric(reference[0], errors="coerce"), "g": reference[1]}).dropna()
        by = ref.groupby("g", observed=True)["v"]
        sizes = by.size().reindex(data.index).fillna(0)
        medians = by.median().reindex(data.index)
        sizes.loc[TOTAL], medians.loc[TOTAL] = len(ref), ref["v"].median()
        data["Médiane France"] = medians
        secret["Médiane France"] = small_mask(sizes, max(threshold, min_n))
        kinds["Médiane France"] = kind
        reference_of = {"Médiane France": COUNT}
    links = []
    if group_key:
        links = [{"terms": [[key, str(g), COUNT, 1], [group_key, str(g), COUNT, -1]], "sense": "<=", "rhs": 0}
                 for g in labels]
    return PubTable(key, title, data, secret, kinds, n=int(len(all_v)), index_name=index_name,
                    source=source, threshold=threshold,
                    note=f"Base : {french_number(len(all_v))} répondants ayant indiqué un montant. "
                         "Les valeurs extrêmes (minimum, maximum) ne sont pas publiées, ni les quartiles "
                         f"d'un groupe de moins de {max(threshold, min_n)} répondants ou dont l'effectif est masqué (« s »).",
                    structure="groups", counts=(COUNT,), follows={q: COUNT for q in QUARTILES},
                    reference=reference_of, total_row=TOTAL, links=links)


def _quartiles(v: pd.Series) -> dict[str, float]:
    return {
        COUNT: len(v),
        "1er quartile": v.quantile(0.25) if len(v) else np.nan,
        "Médiane": v.median() if len(v) else np.nan,
        "3e quartile": v.quantile(0.75) if len(v) else np.nan,
    }


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
    """Wrap a ready-made frame; rows whose count column is 0 < n < threshold are secret.

    Outside the secrecy model (structure 'none'): for tables that are not counts of respondents
    (the data-quality summary) or not linear in them (v-tests)."""
    secret = pd.DataFrame(False, index=data.index, columns=data.columns)
    for col in count_columns:
        small = small_mask(data[col], threshold)
        for c in data.columns:
            secret[c] = secret[c] | small
    return PubTable(key, title, data, secret, kinds, n=n, index_name=index_name, note=note,
                    source=source, threshold=threshold)
