"""Statistical secrecy of the whole publication: which cells are masked, and the proof that no
masked cell can be recovered from everything published.

The reports (national, every network), ``tableaux.xlsx``, the charts and the texts publish the
same numbers. A reader who has all of them knows a system of linear constraints:

- each distribution sums to its base (``partition``); a several-answers count is at most its base
  and the counts of a question add up to at least the base (``multi``); the groups of a quartile
  table add up to its « Ensemble » row (``groups``);
- France = the sum of the networks, cell by cell, for every table published at both levels (the
  respondents without a network form one more, unpublished, part);
- the links between tables of one report (``TableRecord.links``): a group of a quartile table has
  at most the respondents of its category, the panel's changes of type equal the « Autre type »
  row, the net flows of the type changes equal the change of the type sizes...;
- what each mark says: a shown count is its value; « < 3 » (primary secret) is between 1 and
  threshold − 1; « s » (secondary secret, a count masked to protect another) is at least the
  threshold (a zero is never masked); an unpublished count (a network too small for a report, a
  table withheld, a change of type not listed) is at least 0.

Shares add nothing: a share is masked exactly when its count is, and every base is published.

Secondary suppression (:func:`plan_secrecy`) follows τ-ARGUS's and sdcTable's optimal method
(Fischetti & Salazar-González, "Models and algorithms for optimizing cell suppression in tabular
data with linear constraints", JASA 2000): a master MILP chooses the cheapest set of extra cells to
mask; for each protected cell, two LPs give the interval a reader can compute (its minimum and
maximum under every published constraint); when an interval is narrower than the protection level
(``report.protection_primary`` and ``report.protection_secondary``), the LPs' duals give a
"capacity" cut — the extra cells whose masking would widen it, each weighted by how much — added to
the master, which is solved again. Components (tables tied by a constraint) are solved apart.
Both solvers are HiGHS, through ``scipy.optimize.milp`` and :mod:`pipeline.reporting.highs`; the LPs of
one round are solved as one block-diagonal LP.

A masked cell that no pattern can protect is not left pretending: a count of respondents by
territory pinned by the published report sizes is shown (it is public anyway); a table of a report
whose masked cells cannot be protected is withheld in that report; an unpublished count that the
published totals fix whatever is masked (everyone of a network gave the same answer) is counted
as "inherent" in the audit — cell suppression cannot hide it.

:func:`audit_secrecy` computes, for every masked or unpublished cell, its interval over all the
published constraints, and names the first cell narrower than its protection level.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from pipeline.common.errors import UserError
from pipeline.reporting.highs import INFEASIBLE, OPTIMAL, UNBOUNDED, rows_of, solve_lp

# Status of a count cell.
VISIBLE = 0     # its value is shown
PRIMARY = 1     # masked, 0 < value < threshold: « < 3 »
SECONDARY = 2   # masked to protect another cell: « s » (value >= threshold)
HIDDEN = 3      # not published at all (a scope too small for a report, a withheld table, an unlisted move)
PUBLIC = 4      # small but shown: a count of respondents by territory that the report sizes fix anyway
MASKED = (PRIMARY, SECONDARY)

NATIONAL = "national"
REST = "_sans_reseau"  # respondents without a network: part of France, of no network
TERRITORY = ("rrma", "A05")  # counts of respondents by territory (network, région)
RRMA = "rrma"
COUNT = "Effectif"

STRUCTURES = ("partition", "multi", "groups", "free")
BLOCK_VARIABLES = 6000  # size of the block-diagonal LPs (one block per interval asked)
MASTER_GAP = 0.05      # the master MILP stops within 5 % of the cheapest pattern...
MASTER_NODES = 20_000  # ...or after this many branch-and-bound nodes with the best one found (a node
                       # count, not a time: the same plan on a slow machine; the demo's largest needs 131)
MASTER_ROUNDS = 8      # rounds of the master MILP before the pattern grows greedily
CERTIFY_FIRST, CERTIFY_NEXT = 8, 32  # intervals solved by batches: the first, then the next ones
_EPS = 1e-6


class SecrecyError(UserError, RuntimeError):
    """A masked cell can be recovered from the published files, or a table differs from the one
    the plan examined (message in French): the reports are not published."""


@dataclass
class TableRecord:
    """The counts of one published table, as the secrecy model reads them.

    ``values`` and ``status`` are rows × ``columns`` (the count columns); ``base`` is the number
    of respondents of the table (public); ``structure`` says how the counts are tied (see the
    module docstring); ``total_row`` is the « Ensemble » row of a ``groups`` table; ``links`` are
    linear relations with other tables of the same scope: ``{"terms": [[key, row, column, coef],
    ...], "sense": "==" | "<=" | ">=", "rhs": number}``; ``published`` is False for a table no
    reader sees (a hidden scope, a withheld table); ``implied``: not shown because the scope
    fixes it (the région of a one-région network).
    """

    scope: str
    key: str
    title: str
    structure: str
    rows: list[str]
    columns: list[str]
    values: list[list[int]]
    status: list[list[int]]
    base: int
    published: bool = True
    scope_name: str = ""
    total_row: str | None = None
    links: list[dict] = field(default_factory=list)
    implied: bool = False
    national_only: bool = False
    withheld: bool = False  # a table of a published report, not published to protect its cells

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TableRecord:
        return cls(**data)


@dataclass(frozen=True)
class Protection:
    """Minimum width of the interval a reader can compute, for a primary and a secondary cell."""

    threshold: int
    primary: int = 1
    secondary: int = 2


@dataclass
class CellResult:
    scope: str
    key: str
    title: str
    row: str
    column: str
    value: int
    status: int
    low: float
    high: float
    required: int

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def disclosed(self) -> bool:
        return self.required > 0 and _int_width(self.low, self.high) < self.required


@dataclass
class Plan:
    """The statuses chosen for every count cell of the publication, by (scope, key) and row."""

    status: dict[tuple[str, str], dict[str, list[int]]]   # row label -> status of each count column
    withheld: set[tuple[str, str]]
    inherent: int
    seconds: float
    rounds: int
    components: int
    dropped_links: int = 0

    def table(self, scope: str, key: str) -> dict[str, list[int]] | None:
        return self.status.get((scope, key))

    def to_dict(self) -> dict:
        return {"status": {f"{s}\x1f{k}": v for (s, k), v in self.status.items()},
                "withheld": sorted(f"{s}\x1f{k}" for s, k in self.withheld), "inherent": self.inherent,
                "rounds": self.rounds, "components": self.components,
                "dropped_links": self.dropped_links}

    @classmethod
    def from_dict(cls, data: dict) -> Plan:
        def key(text: str) -> tuple[str, str]:
            scope, k = text.split("\x1f", 1)
            return scope, k

        return cls({key(k): v for k, v in data["status"].items()}, {key(k) for k in data["withheld"]},
                   data["inherent"], data.get("seconds", 0.0), data["rounds"], data["components"], data.get("dropped_links", 0))


def load_plan(path: str | Path | None) -> Plan | None:
    """The plan the report stage wrote for the kernels (None without one: primary secrets only)."""
    if not path:
        return None
    return Plan.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _int_width(low: float, high: float) -> float:
    """Width of the integers in [low, high] (values are counts)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return math.inf
    return math.floor(high + _EPS) - math.ceil(low - _EPS)


# --- the model ---------------------------------------------------------------------------------


Ident = tuple[str, str, str, str]  # scope, key, row, column: a cell, whatever the model build


@dataclass
class _Cell:
    record: int
    i: int
    j: int
    value: int
    national: bool
    candidate: bool  # a shown count that may become a secondary secret
    cost: float


@dataclass
class _Model:
    records: list[TableRecord]
    offset: list[int]
    cells: list[_Cell]
    status: np.ndarray
    cap: np.ndarray             # upper bound known from the structure (the base), inf otherwise
    eq: list[tuple[dict[int, float], float]]   # sum coef x = rhs
    le: list[tuple[dict[int, float], float]]   # sum coef x <= rhs
    components: list[np.ndarray]

    def cell_id(self, n: int, i: int, j: int) -> int:
        return self.offset[n] + i * len(self.records[n].columns) + j

    def ident(self, v: int) -> Ident:
        c = self.cells[v]
        rec = self.records[c.record]
        return rec.scope, rec.key, rec.rows[c.i], rec.columns[c.j]


def build_model(records: list[TableRecord], threshold: int) -> _Model:
    """The reader's constraint system over every count cell of ``records`` (see the module docstring)."""
    index = {(r.scope, r.key): n for n, r in enumerate(records)}
    offset, cells, status, cap = [], [], [], []
    for n, rec in enumerate(records):
        if rec.structure not in STRUCTURES:
            raise ValueError(f"unknown structure {rec.structure!r} of table {rec.key}")
        offset.append(len(cells))
        national = rec.scope == NATIONAL
        hidden_territory = rec.key in TERRITORY and not rec.published and not national
        for i, row in enumerate(rec.rows):
            for j, _ in enumerate(rec.columns):
                value = int(rec.values[i][j])
                st = HIDDEN if not rec.published else int(rec.status[i][j])
                candidate = (rec.published and not rec.implied and st in (VISIBLE, SECONDARY) and value >= threshold
                             and row != rec.total_row and not (rec.key == RRMA and national))
                share = min(1.0, value / rec.base) if rec.base else 0.0
                cells.append(_Cell(n, i, j, value, national, candidate, (3.0 if national else 1.0) + share))
                status.append(st)
                bounded = rec.structure in ("partition", "multi", "groups") and not hidden_territory
                cap.append(float(rec.base) if bounded else np.inf)
    model = _Model(records, offset, cells, np.array(status, dtype=int), np.array(cap, dtype=float), [], [], [])

    def var(scope: str, key: str, row: str, column: str) -> int | None:
        n = index.get((scope, key))
        if n is None:
            return None
        rec = records[n]
        if row not in rec.rows or column not in rec.columns:
            return None  # a row a table does not have is a structural zero
        return model.cell_id(n, rec.rows.index(row), rec.columns.index(column))

    def add(coefs: dict[int, float], sense: str, rhs: float) -> None:
        coefs = {v: c for v, c in coefs.items() if c}
        if not coefs:
            return
        if sense == "==":
            model.eq.append((coefs, rhs))
        elif sense == "<=":
            model.le.append((coefs, rhs))
        elif sense == ">=":
            model.le.append(({v: -c for v, c in coefs.items()}, -rhs))
        else:
            raise ValueError(f"unknown sense {sense!r}")

    for n, rec in enumerate(records):
        hidden_territory = rec.key in TERRITORY and not rec.published and rec.scope != NATIONAL
        for j, _ in enumerate(rec.columns):
            ids = [model.cell_id(n, i, j) for i in range(len(rec.rows))]
            if rec.structure == "partition" and ids:
                if hidden_territory:  # its base is the network's size: unknown when several are hidden
                    size = var(NATIONAL, RRMA, rec.scope_name, COUNT)
                    coefs = {v: 1.0 for v in ids}
                    if size is not None:
                        coefs[size] = coefs.get(size, 0.0) - 1.0
                    add(coefs, "==", 0.0 if size is not None else float(rec.base))
                else:
                    add({v: 1.0 for v in ids}, "==", float(rec.base))
            elif rec.structure == "multi" and ids:
                add({v: 1.0 for v in ids}, ">=", float(rec.base))  # each one ticked a modality at least
            elif rec.structure == "groups" and rec.total_row in rec.rows:
                total = model.cell_id(n, rec.rows.index(rec.total_row), j)
                coefs = {v: 1.0 for v in ids if v != total}
                coefs[total] = -1.0
                add(coefs, "==", 0.0)
        for link in rec.links:
            coefs: dict[int, float] = defaultdict(float)
            for key, row, column, coef in link["terms"]:
                v = var(rec.scope, key, row, column)
                if v is not None:
                    coefs[v] += float(coef)
            add(dict(coefs), link["sense"], float(link.get("rhs", 0.0)))
    # France = the sum of its parts (networks, respondents of no network), cell by cell
    parts: dict[str, list[int]] = defaultdict(list)
    for n, rec in enumerate(records):
        if rec.scope != NATIONAL:
            parts[rec.key].append(n)
    for n, rec in enumerate(records):
        if rec.scope != NATIONAL or rec.national_only or not parts.get(rec.key):
            continue
        for i, row in enumerate(rec.rows):
            if row == rec.total_row:
                continue
            for j, column in enumerate(rec.columns):
                coefs = {model.cell_id(n, i, j): -1.0}
                for p in parts[rec.key]:
                    v = var(records[p].scope, rec.key, row, column)
                    if v is not None:
                        coefs[v] = coefs.get(v, 0.0) + 1.0
                add(coefs, "==", 0.0)
    model.components = _components(len(cells), model.eq + model.le)
    return model


def _components(count: int, constraints) -> list[np.ndarray]:
    parent = np.arange(count)

    def find(a: int) -> int:
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return root

    for coefs, _ in constraints:
        vs = list(coefs)
        r0 = find(vs[0])
        for v in vs[1:]:
            r = find(v)
            if r != r0:
                parent[r] = r0
    groups: dict[int, list[int]] = defaultdict(list)
    for v in range(count):
        groups[find(v)].append(v)
    return [np.array(g) for g in groups.values()]


def add_rest(records: list[TableRecord]) -> list[TableRecord]:
    """The respondents of no network, as one more unpublished part of France: national − networks."""
    parts: dict[str, list[TableRecord]] = defaultdict(list)
    for rec in records:
        if rec.scope not in (NATIONAL, REST):
            parts[rec.key].append(rec)
    rest = []
    national: dict[int, TableRecord] = {}
    for n, rec in enumerate(records):
        if rec.scope != NATIONAL or rec.national_only or not parts.get(rec.key):
            continue
        values = np.array(rec.values, dtype=int)
        for p in parts[rec.key]:
            for i, row in enumerate(rec.rows):
                if row in p.rows:
                    values[i] -= np.array(p.values[p.rows.index(row)], dtype=int)
        base = rec.base - sum(p.base for p in parts[rec.key])
        if (values < 0).any() or base < 0:
            # the networks' counts exceed France's (inputs that disagree, as synthetic ones may):
            # a reader could not subtract them either, so France is not tied to its parts here
            national[n] = TableRecord.from_dict({**rec.to_dict(), "national_only": True})
            continue
        if values.any() or base:
            rest.append(TableRecord(REST, rec.key, rec.title, rec.structure, list(rec.rows), list(rec.columns),
                                    values.tolist(), [[HIDDEN] * len(rec.columns) for _ in rec.rows], int(base),
                                    published=False, scope_name="Sans réseau", total_row=rec.total_row))
    return [national.get(n, rec) for n, rec in enumerate(records)] + rest


def check_links(records: list[TableRecord]) -> tuple[list[TableRecord], int]:
    """Drop the links the true counts do not satisfy (inputs that disagree, as synthetic test
    inputs may): a reader could not use them either. Returns the records and how many were dropped.
    A link naming a table the report does not have is dropped too."""
    index = {(r.scope, r.key): r for r in records}
    dropped = 0
    out = []
    for rec in records:
        keep = []
        for link in rec.links:
            total, known = 0.0, True
            for key, row, column, coef in link["terms"]:
                other = index.get((rec.scope, key))
                if other is None:
                    known = False
                    break
                if row in other.rows and column in other.columns:
                    total += coef * other.values[other.rows.index(row)][other.columns.index(column)]
            rhs = float(link.get("rhs", 0.0))
            ok = known and {"==": abs(total - rhs) < _EPS, "<=": total <= rhs + _EPS,
                            ">=": total >= rhs - _EPS}[link["sense"]]
            if ok:
                keep.append(link)
            else:
                dropped += known
        if len(keep) != len(rec.links):
            rec = TableRecord.from_dict({**rec.to_dict(), "links": keep})
        out.append(rec)
    return out, dropped


# --- intervals ----------------------------------------------------------------------------------


class _Component:
    """One connected set of cells, its constraints as sparse matrices over local variables."""

    def __init__(self, model: _Model, ids: np.ndarray, threshold: int):
        self.model = model
        self.ids = ids
        self.threshold = threshold
        local = {int(v): k for k, v in enumerate(ids)}
        self.A_eq, self.b_eq = self._matrix([(c, r) for c, r in model.eq if next(iter(c)) in local], local)
        self.A_ub, self.b_ub = self._matrix([(c, r) for c, r in model.le if next(iter(c)) in local], local)
        self.values = np.array([model.cells[v].value for v in ids], dtype=float)
        self._piece_cache: dict[bytes, dict] = {}

    def _matrix(self, rows, local):
        if not rows:
            return None, None
        A = np.zeros((len(rows), len(self.ids)))
        for k, (coefs, _) in enumerate(rows):
            for v, c in coefs.items():
                A[k, local[v]] += c
        return A, np.array([r for _, r in rows], dtype=float)

    def bounds(self, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What a reader knows of each cell from its mark."""
        thr = float(self.threshold)
        cap = self.model.cap[self.ids]
        lb, ub = self.values.copy(), self.values.copy()
        for st, low, high in ((PRIMARY, 1.0, thr - 1.0), (SECONDARY, thr, np.inf), (HIDDEN, 0.0, np.inf)):
            m = status == st
            lb[m] = low
            ub[m] = np.minimum(high, cap[m])
        return lb, ub

    def intervals(self, status: np.ndarray, targets: list[int], extra: list[int | None] | None = None,
                  need: list[int] | None = None):
        """Minimum and maximum of each target (local index) under the reader's constraints, and the
        reduced costs of every cell in both LPs (for the cuts). ``extra``: for each target, one more
        cell to take as a secondary secret in its LP (or None). ``need``: the width each target must
        keep; a target is then only certified wide enough when it is (see :meth:`_certify`)."""
        lb, ub = self.bounds(status)
        if need is not None and extra is None:
            return self._certify(targets, lb, ub, need)
        blocks = None
        if extra is not None and any(e is not None for e in extra):
            thr = float(self.threshold)
            cap = self.model.cap[self.ids]
            blocks = []
            for e in extra:
                b_lb, b_ub = lb.copy(), ub.copy()
                if e is not None:
                    b_lb[e], b_ub[e] = thr, cap[e]
                blocks.append((b_lb, b_ub))
        low, d_low = self._solve(targets, lb, ub, 1.0, blocks)
        high, d_high = self._solve(targets, lb, ub, -1.0, blocks)
        return low, -high, d_low, d_high, lb

    def _certify(self, targets: list[int], lb, ub, need: list[int]):
        """Intervals of the targets, solved a few at a time: every LP solution is a point the reader
        cannot rule out, and so are the true counts; a target whose values over those points already
        span ``need`` is wide enough without LPs of its own (its interval is then the span seen, its
        reduced costs zero: it needs no cut)."""
        seen_low, seen_high = self.values.copy(), self.values.copy()

        def observe(cells: np.ndarray, x: np.ndarray) -> None:
            seen_low[cells] = np.minimum(seen_low[cells], x)
            seen_high[cells] = np.maximum(seen_high[cells], x)

        count = len(targets)
        low, high = np.zeros(count), np.zeros(count)
        zero = np.zeros(len(self.ids))
        d_low, d_high = [zero] * count, [zero] * count
        pending, group = list(range(count)), CERTIFY_FIRST
        while pending:
            batch, rest = pending[:group], pending[group:]
            chosen = [targets[i] for i in batch]
            lows, dl = self._solve(chosen, lb, ub, 1.0, observe=observe)
            highs, dh = self._solve(chosen, lb, ub, -1.0, observe=observe)
            for i, a, b, x, y in zip(batch, lows, highs, dl, dh):
                low[i], high[i], d_low[i], d_high[i] = a, -b, x, y
            pending = []
            for i in rest:
                t = targets[i]
                if _int_width(seen_low[t], seen_high[t]) >= need[i]:
                    low[i], high[i] = seen_low[t], seen_high[t]
                else:
                    pending.append(i)
            group = CERTIFY_NEXT
        return low, high, d_low, d_high, lb

    def _pieces(self, free: np.ndarray, values: np.ndarray) -> dict[int, tuple]:
        """The constraints over the free cells only, shown cells moved to the right-hand side, cut
        into independent pieces (free cells tied by a constraint): {free cell: its piece}, a piece
        being (its cells, A_eq, b_eq, A_eq rows, A_ub, b_ub, A_ub rows)."""
        cols = np.flatnonzero(free)
        systems = []
        for A, b in ((self.A_eq, self.b_eq), (self.A_ub, self.b_ub)):
            if A is None:
                systems.append((np.zeros((0, len(cols))), np.zeros(0), np.zeros(0, dtype=int)))
                continue
            keep = np.flatnonzero(np.abs(A[:, free]).sum(axis=1) > 0)
            rows = A[keep]
            systems.append((rows[:, free], b[keep] - rows[:, ~free] @ values[~free], keep))
        parent = np.arange(len(cols))

        def find(a: int) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for M, _, _ in systems:
            for row in M:
                nz = np.flatnonzero(row)
                for v in nz[1:]:
                    ra, rb = find(int(nz[0])), find(int(v))
                    if ra != rb:
                        parent[rb] = ra
        roots = np.array([find(k) for k in range(len(cols))])
        pieces: dict[int, tuple] = {}
        out: dict[int, tuple] = {}
        for root in np.unique(roots):
            members = np.flatnonzero(roots == root)
            parts = [cols[members]]
            for M, rhs, keep in systems:
                mine = np.flatnonzero(np.abs(M[:, members]).sum(axis=1) > 0)
                parts += [M[np.ix_(mine, members)], rhs[mine], keep[mine]]
            pieces[int(root)] = tuple(parts)
            for k in members:
                out[int(cols[k])] = pieces[int(root)]
        return out

    def _solve(self, targets: list[int], lb, ub, sign: float, blocks=None, observe=None):
        """Block-diagonal LPs, one block per target: the piece of free cells it belongs to (shown
        cells substituted); the reduced costs of every cell recovered from the row duals
        (d = c − Aᵀy)."""
        nvar = len(self.ids)
        base_free = lb < ub
        cache = self._piece_cache
        plan = []  # per target: (its piece, lb, ub)
        for n, t in enumerate(targets):
            b_lb, b_ub = (lb, ub) if blocks is None else blocks[n]
            free = base_free | (b_lb < b_ub)
            free[t] = True
            sig = free.tobytes() + b_lb.tobytes()
            if sig not in cache:
                if len(cache) > 256:
                    cache.clear()
                cache[sig] = self._pieces(free, b_lb)
            plan.append((cache[sig][t], b_lb, b_ub))
        values, duals = np.zeros(len(targets)), [None] * len(targets)
        start = 0
        while start < len(targets):
            size, stop = 0, start
            while stop < len(targets) and (stop == start or size + len(plan[stop][0][0]) <= BLOCK_VARIABLES):
                size += len(plan[stop][0][0])
                stop += 1
            self._solve_chunk(targets, plan, start, stop, sign, values, duals, nvar, observe)
            start = stop
        return values, duals

    def _solve_chunk(self, targets, plan, start, stop, sign, values, duals, nvar, observe=None):
        """One block-diagonal LP for targets[start:stop]: its matrix assembled from the pieces'
        dense blocks (equalities of every block first, then inequalities)."""
        c_parts, bounds, offsets = [], [], []
        e_parts, u_parts, e_rhs, u_rhs = [], [], [], []
        offset = e_rows = u_rows = 0
        for n in range(start, stop):
            (cells, E, eb, _, U, ubb, _), b_lb, b_ub = plan[n]
            c = np.zeros(len(cells))
            c[np.flatnonzero(cells == targets[n])[0]] = sign
            c_parts.append(c)
            for M, parts, at in ((E, e_parts, e_rows), (U, u_parts, u_rows)):
                r, k = np.nonzero(M)
                parts.append((r + at, k + offset, M[r, k]))
            e_rhs.append(eb)
            u_rhs.append(ubb)
            e_rows += E.shape[0]
            u_rows += U.shape[0]
            bounds.append(np.column_stack([b_lb[cells], b_ub[cells]]))
            offsets.append(offset)
            offset += len(cells)
        rows = np.concatenate([p[0] for p in e_parts] + [p[0] + e_rows for p in u_parts])
        cols = np.concatenate([p[1] for p in e_parts + u_parts])
        vals = np.concatenate([p[2] for p in e_parts + u_parts])
        A = sparse.csc_array((vals, (rows, cols)), shape=(e_rows + u_rows, offset))
        b_eq, b_ub = np.concatenate(e_rhs), np.concatenate(u_rhs)
        bounds = np.vstack(bounds)
        res = solve_lp(np.concatenate(c_parts), bounds[:, 0], bounds[:, 1], A,
                       np.concatenate([b_eq, np.full(u_rows, -np.inf)]), np.concatenate([b_eq, b_ub]))
        if res.status in (INFEASIBLE, UNBOUNDED):  # unbounded (some target has no upper limit): one by one
            for n in range(start, stop):
                _, b_lb, b_ub = plan[n]
                values[n], duals[n] = self._solve_one(targets[n], b_lb, b_ub, sign)
            return
        if res.status != OPTIMAL:
            raise SecrecyError(f"Secret statistique : le système des tableaux publiés est incohérent ({res.message}).")
        y_eq_all, y_ub_all = res.y[:e_rows], res.y[e_rows:]
        e_at, u_at = 0, 0
        for k, n in enumerate(range(start, stop)):
            (cells, E, _, e_keep, U, _, u_keep), _, _ = plan[n]
            t = targets[n]
            values[n] = sign * res.x[offsets[k] + int(np.flatnonzero(cells == t)[0])]
            if observe is not None:
                observe(cells, res.x[offsets[k]:offsets[k] + len(cells)])
            red = np.zeros(nvar)
            red[t] = sign
            if E.shape[0]:
                red -= self.A_eq[e_keep].T @ y_eq_all[e_at:e_at + E.shape[0]]
                e_at += E.shape[0]
            if U.shape[0]:
                red -= self.A_ub[u_keep].T @ y_ub_all[u_at:u_at + U.shape[0]]
                u_at += U.shape[0]
            duals[n] = red

    def _solve_one(self, t: int, lb, ub, sign: float):
        c = np.zeros(len(self.ids))
        c[t] = sign
        kw = {}
        if self.A_eq is not None:
            kw.update(A_eq=self.A_eq, b_eq=self.b_eq)
        if self.A_ub is not None:
            kw.update(A_ub=self.A_ub, b_ub=self.b_ub)
        res = solve_lp(c, lb, ub, *rows_of(**kw))
        if res.status == UNBOUNDED:
            return -math.inf, np.zeros(len(self.ids))  # min of -x unbounded: x has no upper limit
        if res.status != OPTIMAL:
            raise SecrecyError(f"Secret statistique : le système des tableaux publiés est incohérent ({res.message}).")
        return sign * res.x[t], res.d


def _requirement(model: _Model, v: int, protection: Protection, inherent: set[Ident]) -> int:
    st = model.status[v]
    if st == PRIMARY:
        return protection.primary
    if st == SECONDARY:
        return protection.secondary
    if st == HIDDEN and 0 < model.cells[v].value < protection.threshold and model.ident(v) not in inherent:
        return protection.primary
    return 0


# --- the plan ----------------------------------------------------------------------------------


def primary_status(records: list[TableRecord], threshold: int) -> list[TableRecord]:
    """The records with primary secrecy only: a shown count 0 < n < threshold is « < 3 »,
    every count of an unpublished table is hidden (a new list; ``records`` is not modified)."""
    out = []
    for rec in records:
        rec = TableRecord.from_dict(rec.to_dict())
        rec.status = [[HIDDEN if not rec.published or st == HIDDEN else (PRIMARY if 0 < v < threshold else VISIBLE)
                       for v, st in zip(row, srow)] for row, srow in zip(rec.values, rec.status)]
        out.append(rec)
    return out


def plan_secrecy(records: list[TableRecord], protection: Protection, max_rounds: int = 500) -> Plan:
    """Secondary secrets of the whole publication: the cheapest set of extra masked cells such
    that every masked or unpublished small cell keeps an interval at least as wide as its
    protection level, given everything published (see the module docstring)."""
    start = time.perf_counter()
    records = add_rest(primary_status([r for r in records if r.scope != REST], protection.threshold))
    records, dropped = check_links(records)
    withheld: set[tuple[str, str]] = set()
    settled: set[Ident] = set()  # unpublished cells no pattern protects, found while solving
    rounds = 0
    done: dict[frozenset, np.ndarray] = {}
    screened: dict[frozenset, tuple[list[int], set[int], set[Ident]]] = {}
    while True:
        model = build_model(records, protection.threshold)
        # what the published totals fix whatever is masked depends on what is published: a table
        # withheld since the last pass may free a cell, so it is found again for this model
        inherent: set[Ident] = set(settled)
        # first, what no pattern can protect, in every component at once
        escalations: list[int] = []
        nevers: dict[int, set[int]] = {}
        for n, ids in enumerate(model.components):
            if not any(_requirement(model, int(v), protection, inherent) for v in ids):
                continue
            signature = frozenset(model.ident(int(v)) + (int(model.status[v]),) for v in ids)
            if signature not in screened:
                before = set(inherent)
                stuck, never = _prescreen(model, ids, protection, inherent)
                screened[signature] = stuck, never, inherent - before
            stuck, never, pinned = screened[signature]
            inherent |= pinned
            escalations += stuck
            nevers[n] = never
        if not escalations:
            for n, ids in enumerate(model.components):
                signature = frozenset(model.ident(int(v)) + (int(model.status[v]),) for v in ids)
                if signature in done:  # solved before an escalation elsewhere: same answer
                    model.status[ids] = done[signature]
                    continue
                if not any(_requirement(model, int(v), protection, inherent) for v in ids):
                    continue
                before = set(inherent)
                escalations, k = _solve_component(model, ids, protection, inherent, max_rounds, nevers.get(n, set()))
                settled |= inherent - before
                rounds += k
                if escalations:
                    break
                done[signature] = model.status[ids].copy()
        if not escalations:
            break
        # a table whose cells add up (a distribution) is withheld first: the counts of a sentence
        # that depend on it may be protected once it is gone
        tables = [v for v in escalations if (model.status[v] != HIDDEN or _withholdable(model, v))
                  and records[model.cells[v].record].structure != "free"]
        for v in tables or escalations:
            cell = model.cells[v]
            rec = records[cell.record]
            if model.status[v] == HIDDEN and not _withholdable(model, v):
                settled.add(model.ident(v))
            elif rec.key in TERRITORY:
                rec.status[cell.i][cell.j] = PUBLIC  # a respondent count the report sizes fix
            elif rec.structure == "free":
                rec.status[cell.i][cell.j] = HIDDEN  # a count of a sentence: left out of it
            else:
                rec.published, rec.withheld = False, True
                rec.status = [[HIDDEN] * len(rec.columns) for _ in rec.rows]
                withheld.add((rec.scope, rec.key))
    status = {}
    for n, rec in enumerate(records):
        if rec.scope == REST:
            continue
        status[(rec.scope, rec.key)] = {row: [int(model.status[model.cell_id(n, i, j)]) for j in range(len(rec.columns))]
                                        for i, row in enumerate(rec.rows)}
    return Plan(status, withheld, len(inherent), time.perf_counter() - start, rounds, len(model.components),
                dropped)


def _prescreen(model: _Model, ids: np.ndarray, protection: Protection, inherent: set[Ident]) -> tuple[list[int], set[int]]:
    """With every shown candidate masked (the most a pattern can hide), the protected cells still
    pinned cannot be protected by any pattern: returned for escalation (unpublished ones become
    inherent). Candidates too narrow even then can never be secondary secrets: returned too."""
    comp = _Component(model, ids, protection.threshold)
    widest = model.status[ids].copy()
    cand = [k for k, v in enumerate(ids) if model.cells[v].candidate]
    widest[cand] = SECONDARY
    targets = [k for k, v in enumerate(ids) if _requirement(model, int(v), protection, inherent)
               and model.status[v] != SECONDARY] + cand
    if not targets:
        return [], set()
    need = [protection.secondary if model.cells[int(ids[t])].candidate
            else _requirement(model, int(ids[t]), protection, inherent) for t in targets]
    lows, highs, *_ = comp.intervals(widest, targets, need=need)
    stuck, never = [], set()
    for t, low, high in zip(targets, lows, highs):
        v = int(ids[t])
        if model.cells[v].candidate:
            if _int_width(low, high) < protection.secondary:
                never.add(v)
        elif _int_width(low, high) < _requirement(model, v, protection, inherent):
            if model.status[v] == HIDDEN and not _withholdable(model, v):
                inherent.add(model.ident(v))
            else:
                stuck.append(v)
    return stuck, never


def _solve_component(model: _Model, ids: np.ndarray, protection: Protection, inherent: set[Ident],
                     max_rounds: int, never: set[int] = frozenset()) -> tuple[list[int], int]:
    """Master MILP and LP checks on one component, until every protected cell is protected;
    the statuses are written into ``model.status``. Returns the cells to escalate (none when solved)."""
    comp = _Component(model, ids, protection.threshold)
    base = model.status[ids].copy()
    cand = [k for k, v in enumerate(ids) if model.cells[v].candidate]
    cand_pos = {k: p for p, k in enumerate(cand)}
    costs = np.array([model.cells[ids[k]].cost for k in cand])
    cuts: list[tuple[dict[int, float], int | None, int]] = []  # (coefs, secondary position, target)
    # candidates that cannot be secondary secrets (their own interval)
    forbidden: set[int] = {p for p, k in enumerate(cand) if int(ids[k]) in never}
    tried: set[int] = set()  # candidates already checked as if masked
    protected: dict[int, list[frozenset]] = defaultdict(list)  # target -> patterns that protected it
    greedy: np.ndarray | None = None  # after MASTER_ROUNDS, the pattern grows by the best cell of each cut
    for rounds in range(1, max_rounds + 1):
        # a cut of a protected cell that only forbidden candidates could satisfy: nothing can protect it
        stuck = sorted({int(ids[target]) for coefs, secondary, target in cuts if secondary is None
                        and sum(c for p, c in coefs.items() if p not in forbidden) < 1 - _EPS})
        if stuck:
            return stuck, rounds
        chosen = greedy if greedy is not None else _master(costs, [(c, s) for c, s, _ in cuts], forbidden)
        if chosen is None:  # no pattern satisfies every cut together: withhold what stays unprotected
            return [int(ids[t]) for _, s, t in cuts if s is None], rounds
        status = base.copy()
        status[[k for p, k in enumerate(cand) if chosen[p]]] = SECONDARY
        model.status[ids] = status
        # masking more cells only widens an interval: a cell protected by an earlier pattern that
        # this one contains needs no LP again
        masked = frozenset(p for p in range(len(cand)) if chosen[p])
        targets = [k for k, v in enumerate(ids) if _requirement(model, int(v), protection, inherent)
                   and not any(earlier <= masked for earlier in protected.get(k, ()))]
        if not targets:
            return [], rounds
        lows, highs, d_low, d_high, lb = comp.intervals(
            status, targets, need=[_requirement(model, int(ids[t]), protection, inherent) for t in targets])
        for t, low, high in zip(targets, lows, highs):
            if _int_width(low, high) >= _requirement(model, int(ids[t]), protection, inherent):
                protected[t].append(masked)
        checks = list(zip(targets, lows, highs, d_low, d_high, [False] * len(targets)))
        violated = [t for t, low, high, *_ in checks
                    if _int_width(low, high) < _requirement(model, int(ids[t]), protection, inherent)]
        if not violated:
            return [], rounds
        # each candidate the cuts name, checked once as the only secondary secret: one that would
        # be pinned gets its own cut now rather than after the master has tried it
        named = sorted({p for coefs, _, _ in cuts for p in coefs} - forbidden - tried) if greedy is None else []
        tried |= set(named)
        if named:
            spec = [cand[p] for p in named]
            s_low, s_high, s_dl, s_dh, _ = comp.intervals(base, spec, spec)
            checks += list(zip(spec, s_low, s_high, s_dl, s_dh, [True] * len(spec)))
        unprotectable, round_cuts = [], []
        for t, low, high, dl, dh, speculative in checks:
            need = protection.secondary if speculative else _requirement(model, int(ids[t]), protection, inherent)
            if _int_width(low, high) >= need:
                continue
            at = base if speculative else status
            b_lb = comp.bounds(at)[0] if speculative else lb
            if speculative:
                b_lb = b_lb.copy()
                b_lb[t] = protection.threshold
            cut = _cut(_gains(dl, dh, b_lb, at, cand, protection.threshold), need - (high - low), cand_pos, t)
            secondary = cand_pos.get(t) if (speculative or status[t] == SECONDARY) else None
            if sum(c for p, c in cut.items() if p not in forbidden) < 1 - _EPS:  # the duals name no cell
                if secondary is not None:
                    forbidden.add(secondary)  # this cell cannot be a secondary secret
                    continue
                # degenerate duals can name no cell although masking more would widen the interval:
                # only a cell pinned with every allowed cell masked is beyond any pattern
                cut = _boundary_cut(comp, status, t, cand, cand_pos, chosen, forbidden)
                if not cut or _pinned_anyway(comp, base, cand, forbidden, t, need):
                    if status[t] == HIDDEN and not _withholdable(model, int(ids[t])):
                        inherent.add(model.ident(int(ids[t])))  # fixed by the published totals whatever is masked
                    else:
                        unprotectable.append(int(ids[t]))
                    continue
            cuts.append((cut, secondary, t))
            if not speculative:
                round_cuts.append(cut)
        if unprotectable:
            return unprotectable, rounds
        if rounds >= MASTER_ROUNDS:
            # the master converges slowly on a large component: from here the pattern only grows,
            # by the cell each violated cut says widens its interval most (a larger pattern never
            # narrows an interval, so this ends)
            picks = set()
            for cut in round_cuts:
                options = [(c, -costs[p], p) for p, c in cut.items() if p not in forbidden and not chosen[p]]
                if options:
                    picks.add(max(options)[2])
            if not picks:
                return [int(ids[t]) for t in violated], rounds
            greedy = chosen.copy()
            greedy[sorted(picks)] = True
    raise SecrecyError(f"Secret statistique : aucun masquage trouvé après {max_rounds} itérations.")


def _withholdable(model: _Model, v: int) -> bool:
    """An unpublished cell of a published table (a row left off a card): withholding the table
    may protect it, where an unpublished table's cell is fixed by what others publish."""
    rec = model.records[model.cells[v].record]
    return rec.published and rec.structure != "free"


def _pinned_anyway(comp: _Component, base: np.ndarray, cand: list[int], forbidden: set[int], t: int,
                   need: int) -> bool:
    """True when ``t`` stays narrower than ``need`` with every allowed candidate masked."""
    widest = base.copy()
    widest[[k for p, k in enumerate(cand) if p not in forbidden]] = SECONDARY
    low, high, *_ = comp.intervals(widest, [t])
    return _int_width(low[0], high[0]) < need


def _boundary_cut(comp: _Component, status: np.ndarray, t: int, cand: list[int], cand_pos: dict[int, int],
                  chosen: np.ndarray, forbidden: set[int]) -> dict[int, float]:
    """At least one more of the shown cells that share a constraint with the masked cells tied to
    ``t`` (the cells whose masking widens its piece); every allowed shown cell when none does."""
    lb, ub = comp.bounds(status)
    free = lb < ub
    free[t] = True
    piece = comp._pieces(free, lb)[t][0]
    near: set[int] = set()
    for A in (comp.A_eq, comp.A_ub):
        if A is None:
            continue
        rows = np.flatnonzero(np.abs(A[:, piece]).sum(axis=1) > 0)
        near |= {int(k) for k in np.flatnonzero(np.abs(A[rows]).sum(axis=0) > 0)}
    allowed = [p for p in range(len(cand)) if p not in forbidden and not chosen[p]]
    close = [p for p in allowed if cand[p] in near]
    return {p: 1.0 for p in (close or allowed)}


def _gains(d_low, d_high, lb, status, cand, threshold) -> dict[int, float]:
    """How far masking each shown candidate could widen the interval (the LPs' reduced costs:
    Fischetti & Salazar-González's capacity inequality)."""
    gains = {}
    for k in cand:
        if status[k] == SECONDARY:
            continue
        g = 0.0
        for red in (d_low, d_high):
            r = red[k]
            if r < -_EPS:    # the bound would grow with x_k: masked, x_k has no upper limit
                g = math.inf
            elif r > _EPS:   # the bound would grow as x_k falls: masked, x_k can fall to the threshold
                g += r * (lb[k] - threshold)
        if g > _EPS:
            gains[k] = g
    return gains


def _cut(gains: dict[int, float], deficit: float, cand_pos: dict[int, int], target: int) -> dict[int, float]:
    if deficit <= _EPS:  # wide enough as an LP but not in integers: at least one helping cell
        return {cand_pos[k]: 1.0 for k in gains if k != target}
    return {cand_pos[k]: min(1.0, g / deficit) for k, g in gains.items() if k != target}


def _master(costs: np.ndarray, cuts, forbidden: set[int]) -> np.ndarray | None:
    """Cheapest set of secondary secrets that satisfies every cut (binary MILP, HiGHS)."""
    n = len(costs)
    if not cuts:
        return np.zeros(n, dtype=bool)
    rows, cols, data, lower = [], [], [], []
    for r, (coefs, secondary) in enumerate(cuts):
        for p, c in coefs.items():
            rows.append(r)
            cols.append(p)
            data.append(c)
        if secondary is None:
            lower.append(1.0 - _EPS)
        else:
            rows.append(r)
            cols.append(secondary)
            data.append(-1.0)
            lower.append(-_EPS)
    upper = np.ones(n)
    upper[list(forbidden)] = 0.0
    A = sparse.csr_matrix((data, (rows, cols)), shape=(len(cuts), n))
    # the cheapest pattern is not needed, a cheap one is: HiGHS stops within MASTER_GAP of the
    # optimum or after MASTER_NODES nodes with the best pattern found (the LPs check it all the same)
    res = milp(costs, constraints=LinearConstraint(A, lower, np.inf), integrality=np.ones(n),
               bounds=Bounds(np.zeros(n), upper),
               options={"mip_rel_gap": MASTER_GAP, "node_limit": MASTER_NODES})
    if res.x is None:
        return None  # infeasible (or no pattern found in time)
    return res.x > 0.5


# --- the audit ---------------------------------------------------------------------------------


@dataclass
class Audit:
    cells: list[CellResult]
    counts: dict[str, int]
    inherent: int
    withheld: list[str]
    seconds: float

    @property
    def disclosed(self) -> list[CellResult]:
        return [c for c in self.cells if c.disclosed]

    def summary(self) -> dict:
        def smallest(status: int) -> float | None:
            widths = [_int_width(c.low, c.high) for c in self.cells if c.status == status]
            return None if not widths else (None if math.isinf(min(widths)) else int(min(widths)))

        shown = self.counts["visible"] + self.counts["public"] + self.counts["primary"] + self.counts["secondary"]
        masked = self.counts["primary"] + self.counts["secondary"]
        return {
            "published_count_cells": shown,
            "masked_cells": masked,
            "masked_share": round(masked / shown, 4) if shown else 0.0,
            "primary": self.counts["primary"],
            "secondary": self.counts["secondary"],
            "public_small_territory_counts": self.counts["public"],
            "unpublished_small_cells": self.counts["hidden_small"],
            "inherent": self.inherent,
            "withheld_tables": len(self.withheld),
            "smallest_interval_primary": smallest(PRIMARY),
            "smallest_interval_secondary": smallest(SECONDARY),
            "disclosed": len(self.disclosed),
        }

    def message(self) -> str:
        """French message naming the first disclosed cell (empty when none)."""
        if not self.disclosed:
            return ""
        c = self.disclosed[0]
        where = "rapport national" if c.scope == NATIONAL else f"rapport du réseau {c.scope}"
        interval = (f"exactement {french_int(c.low)}" if _int_width(c.low, c.high) <= 0
                    else f"entre {french_int(c.low)} et {french_int(c.high)}")
        return (f"Secret statistique non garanti : dans le tableau « {c.title} » ({where}), la case « {c.row} » "
                f"({c.column}) se déduit des fichiers publiés ({interval}). {len(self.disclosed)} case(s) en tout : "
                "le rapport n'est pas publié.")


def french_int(x: float) -> str:
    return "l'infini" if math.isinf(x) else str(round(x))


def audit_secrecy(records: list[TableRecord], protection: Protection) -> Audit:
    """For every masked or unpublished cell, its interval over every published constraint (LP);
    unpublished small cells the published totals fix whatever is masked are counted as inherent."""
    start = time.perf_counter()
    records, _ = check_links(add_rest([r for r in records if r.scope != REST]))
    model = build_model(records, protection.threshold)
    results: list[CellResult] = []
    inherent = 0
    for ids in model.components:
        status = model.status[ids]
        targets = [k for k in range(len(ids)) if status[k] in (PRIMARY, SECONDARY, HIDDEN)]
        if not targets:
            continue
        comp = _Component(model, ids, protection.threshold)
        lows, highs, *_ = comp.intervals(status, targets)
        pinned_hidden = []
        for t, low, high in zip(targets, lows, highs):
            v = int(ids[t])
            cell = model.cells[v]
            rec = model.records[cell.record]
            need = _requirement(model, v, protection, set())
            results.append(CellResult(rec.scope, rec.key, rec.title, rec.rows[cell.i], rec.columns[cell.j], cell.value,
                                      int(status[t]), float(low), float(high), need))
            if status[t] == HIDDEN and need and _int_width(low, high) < need:
                pinned_hidden.append((t, len(results) - 1))
        if pinned_hidden:  # inherent when masking every shown candidate would not free them
            widest = status.copy()
            widest[[k for k, v in enumerate(ids) if model.cells[v].candidate]] = SECONDARY
            lows, highs, *_ = comp.intervals(widest, [t for t, _ in pinned_hidden])
            for (t, r), low, high in zip(pinned_hidden, lows, highs):
                if _int_width(low, high) < results[r].required:
                    results[r].required = 0
                    inherent += 1
    st = model.status
    small = np.array([0 < c.value < protection.threshold for c in model.cells], dtype=bool)
    published = np.array([model.records[c.record].published for c in model.cells], dtype=bool)
    counts = {"visible": int(((st == VISIBLE) & published).sum()), "primary": int((st == PRIMARY).sum()),
              "secondary": int((st == SECONDARY).sum()), "public": int((st == PUBLIC).sum()),
              "hidden_small": int(((st == HIDDEN) & small).sum())}
    withheld = sorted(f"{r.scope}/{r.key}" for r in records if r.withheld)
    return Audit(results, counts, inherent, withheld, time.perf_counter() - start)
