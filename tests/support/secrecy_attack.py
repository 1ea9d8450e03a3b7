"""An attacker who has every published file of a wave: the HTML pages (national.html,
regions/*.html) and tableaux.xlsx, nothing else — no code of the pipeline, no internal record.

It writes down what a careful reader can: each table's counts, marks and base; shares (with their
rounding); France = the sum of the networks' tables (plus an unknown remainder for what no page
shows: networks without a report, tables replaced by a notice); the counts of a quartile table add
up to « Ensemble » and are at most the respondents of their category; the panel's sentences
(collectivités présentes, nouvelles, changements de type...), the « Autre type » row equal to the
changes of type, the listed changes of type adding up with the unlisted ones and matching the
change of each type's size. Then, for every masked count, its minimum and maximum by linear
programming (HiGHS through scipy, written independently of pipeline/reporting/secrecy.py).

``labels="trust"`` reads « < 3 » as 1 to 2 and « s » as at least 3 (what the reports say today);
``labels="old"`` reads the reports as they were before the whole-publication secrecy: « < 3 »
is 1 to 2 where that is consistent with the table, and at least 1 where the table shows it is not
(a cell masked to protect another was labelled « < 3 » then).

    python tests/support/secrecy_attack.py data/reports/2025 [--labels old]
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from bs4 import BeautifulSoup
from scipy.optimize import linprog

NBSP = "\u00a0"
NNBSP = "\u202f"
NATIONAL = "national"
REST = "(non publié)"
INF = math.inf


def _number(text: str) -> float | None:
    t = text.replace(NBSP, "").replace(NNBSP, "").replace(" ", "").replace("%", "").replace("€", "").replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


@dataclass
class Table:
    scope: str
    key: str
    title: str
    columns: list[str]
    rows: list[str]
    cells: list[list[str]]
    notes: str
    n: int | None = None  # from the chart's « n = »

    def col(self, name: str) -> int | None:
        return self.columns.index(name) if name in self.columns else None

    @property
    def base(self) -> int | None:
        m = re.search(r"Base : ([\d\u202f\u00a0 ]+) répondants", self.notes)
        return int(_number(m.group(1))) if m else None

    @property
    def count_columns(self) -> list[str]:
        return [c for c in self.columns if c == "Effectif" or c.startswith("Effectif ")]


@dataclass
class Page:
    scope: str
    name: str
    published: bool
    tables: dict[str, Table] = field(default_factory=dict)
    sentences: dict[str, str] = field(default_factory=dict)  # panel counts as shown
    moves: dict[tuple[int, int], int] = field(default_factory=dict)
    moves_listed: bool = False


SENTENCES = {
    "n_panel": r"Collectivités ayant répondu en \d{4} et en \d{4} : ([^;.<]+)",
    "n_new": r"nouvelles répondantes : ([^;.<]+)",
    "n_dropped": r"répondantes de \d{4} absentes en \d{4} : ([^;.<]+)",
    "strategy_changed": r"stratégie internationale modifiée : ([^;.<]+)",
    "type_changed": r"changement de type : (.+?) sur",
}


def read_page(path: Path, scope: str) -> Page:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    h1 = soup.find("h1").get_text()
    name = "France entière" if scope == NATIONAL else h1.split(" : ", 1)[-1]
    text = soup.get_text(" ")
    published = "aucun résultat" not in text
    page = Page(scope, name, published)
    for fig in soup.select("figure.table[id]"):  # a table of counts has its key (tab-<key>)
        key = fig["id"].removeprefix("tab-")
        table = fig.find("table")
        columns = [th.get_text() for th in table.find("thead").find_all("th")][1:]
        rows, cells = [], []
        for tr in table.find("tbody").find_all("tr"):
            rows.append(tr.find("th").get_text())
            cells.append([td.get_text() for td in tr.find_all("td")])
        notes = fig.find("figcaption").get_text(" ") if fig.find("figcaption") else ""
        t = Table(scope, key, table.find("caption").get_text(), columns, rows, cells, notes)
        chart = fig.find_parent("section")
        if chart is not None:
            m = re.search(r"n = ([\d\u202f\u00a0 ]+) ·", chart.get_text())
            if m:
                t.n = int(_number(m.group(1)))
        page.tables[key] = t
    for key, pattern in SENTENCES.items():
        m = re.search(pattern, text.replace("\n", " "))
        if m:
            page.sentences[key] = m.group(1).strip()
    for m in re.finditer(r"du type (\d+) au type (\d+) : ([\d\u202f\u00a0 ]+)", text):
        page.moves[(int(m.group(1)), int(m.group(2)))] = int(_number(m.group(3)))
    page.moves_listed = "Principaux changements de type" in text
    return page


def read_workbook(path: Path) -> dict[str, list[list[object]]]:
    from openpyxl import load_workbook

    if not path.exists():
        return {}
    wb = load_workbook(path, read_only=True)
    # the contents sheet names each sheet's table (its title, as the page's caption)
    titles = {}
    if "Sommaire" in wb.sheetnames:
        for row in wb["Sommaire"].iter_rows(min_row=4, values_only=True):
            if row and row[0] and len(row) > 1 and row[1]:
                titles[str(row[0])] = str(row[1])
    return {titles.get(ws.title, ws.title): [list(r) for r in ws.iter_rows(values_only=True)]
            for ws in wb.worksheets if ws.title != "Sommaire"}


def read_publication(folder: Path) -> tuple[list[Page], dict]:
    folder = Path(folder)
    pages = [read_page(folder / "national.html", NATIONAL)]
    for path in sorted((folder / "regions").glob("*.html")):
        pages.append(read_page(path, path.stem))
    return pages, read_workbook(folder / "tableaux.xlsx")


# --- the constraint system ----------------------------------------------------------------------


class System:
    def __init__(self):
        self.index: dict[tuple, int] = {}
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.eq: list[tuple[dict[int, float], float]] = []
        self.le: list[tuple[dict[int, float], float]] = []
        self.targets: dict[int, tuple[str, str, str, str, str]] = {}  # var -> (scope, key, row, col, mark)
        self.published = 0  # count cells a reader sees (shown or masked), tables and sentences

    def var(self, *name) -> int:
        if name not in self.index:
            self.index[name] = len(self.lb)
            self.lb.append(0.0)
            self.ub.append(INF)
        return self.index[name]

    def bound(self, v: int, low: float, high: float) -> None:
        self.lb[v] = max(self.lb[v], low)
        self.ub[v] = min(self.ub[v], high)

    def equal(self, coefs: dict[int, float], rhs: float) -> None:
        self.eq.append((coefs, rhs))

    def at_most(self, coefs: dict[int, float], rhs: float) -> None:
        self.le.append((coefs, rhs))


def _mark(text: str) -> str | None:
    t = text.replace(NBSP, " ").strip()
    if t.startswith("<"):
        return "<"
    if t == "s":
        return "s"
    return None


def build(pages: list[Page], workbook: dict, threshold: int = 3, labels: str = "trust",
          relaxed: set[tuple[str, str]] = frozenset()) -> System:
    """The reader's constraints; ``relaxed``: tables whose « < 3 » are read as « at least 1 »."""
    sys_ = System()
    national = pages[0]
    networks = [p for p in pages[1:]]

    def count_cell(page: Page, table: Table, i: int, col: str) -> int:
        v = sys_.var(page.scope, table.key, table.rows[i], col)
        text = table.cells[i][table.col(col)]
        sys_.published += 1
        mark = _mark(text)
        if mark is None:
            value = _number(text)
            if value is not None:
                sys_.bound(v, value, value)
        elif mark == "<":
            high = INF if (labels == "old" and (page.scope, table.key) in relaxed) else threshold - 1
            sys_.bound(v, 1, high)
            sys_.targets[v] = (page.scope, table.key, table.rows[i], col, "<")
        else:
            sys_.bound(v, threshold if labels == "trust" else 0, INF)
            sys_.targets[v] = (page.scope, table.key, table.rows[i], col, "s")
        return v

    shares = {"Part": "Effectif", "Part réseau": "Effectif"}
    for page in pages:
        for key, table in page.tables.items():
            counts = table.count_columns
            if not counts or key in ("qualite_donnees", "typologie_vtests"):
                continue
            ids = {c: [count_cell(page, table, i, c) for i in range(len(table.rows))] for c in counts}
            base = table.base
            quartile = "Médiane" in table.columns
            multi = "Plusieurs réponses possibles" in table.notes
            for c in counts:
                col_ids = ids[c]
                if quartile:
                    total = table.rows.index("Ensemble")
                    sys_.equal({**{v: 1.0 for k, v in enumerate(col_ids) if k != total}, col_ids[total]: -1.0}, 0.0)
                elif multi and base is not None:
                    for v in col_ids:
                        sys_.bound(v, 0, base)
                    sys_.at_most({v: -1.0 for v in col_ids}, -base)
                elif base is not None:
                    sys_.equal({v: 1.0 for v in col_ids}, base)
                elif table.n is not None:  # the type sizes of the panel: each year's column adds up to n
                    sys_.equal({v: 1.0 for v in col_ids}, table.n)
            # shares, with their rounding to the percent
            for share, count in [*shares.items(), *[(f"Part {c.split(' ', 1)[1]}", c) for c in counts if " " in c]]:
                j = table.col(share)
                if j is None or count not in ids:
                    continue
                total = base if base is not None else table.n
                if not total:
                    continue
                for i, v in enumerate(ids[count]):
                    p = _number(table.cells[i][j])
                    if p is not None and _mark(table.cells[i][j]) is None:
                        sys_.bound(v, (p - 0.5) / 100 * total, (p + 0.5) / 100 * total)
            # 'Part France': the national table's shares
            j = table.col("Part France")
            nat = national.tables.get(key)
            if j is not None and nat is not None and nat.base:
                for i, row in enumerate(table.rows):
                    p = _number(table.cells[i][j])
                    if p is not None and _mark(table.cells[i][j]) is None:
                        v = sys_.var(NATIONAL, key, row, "Effectif")
                        sys_.bound(v, (p - 0.5) / 100 * nat.base, (p + 0.5) / 100 * nat.base)
            # a group of a quartile table has at most the respondents of its category
            if quartile:
                for other in page.tables.values():
                    if other is table or "Médiane" in other.columns or "Effectif" not in other.columns:
                        continue
                    groups = [r for r in table.rows if r != "Ensemble"]
                    if groups and set(groups) <= set(other.rows) and other.base is not None:
                        for g in groups:
                            sys_.at_most({sys_.var(page.scope, key, g, "Effectif"): 1.0,
                                          sys_.var(page.scope, other.key, g, "Effectif"): -1.0}, 0.0)
    # the panel's sentences
    for page in pages:
        for name, text in page.sentences.items():
            v = sys_.var(page.scope, "phrase", name, "Effectif")
            mark = _mark(text)
            sys_.published += 1
            if mark is None:
                value = _number(text)
                if value is not None:
                    sys_.bound(v, value, value)
            elif mark == "<":
                sys_.bound(v, 1, threshold - 1)
                sys_.targets[v] = (page.scope, "phrase", name, "Effectif", "<")
            else:
                sys_.bound(v, threshold if labels == "trust" else 0, INF)
                sys_.targets[v] = (page.scope, "phrase", name, "Effectif", "s")
        if "type_changed" in page.sentences and "evolution_type" in page.tables:
            sys_.equal({sys_.var(page.scope, "phrase", "type_changed", "Effectif"): 1.0,
                        sys_.var(page.scope, "evolution_type", "Autre type", "Effectif"): -1.0}, 0.0)
        if "strategy_changed" in page.sentences and "evolution_strategie" in page.tables:
            sys_.at_most({sys_.var(page.scope, "evolution_strategie", "Plus formalisée", "Effectif"): 1.0,
                          sys_.var(page.scope, "evolution_strategie", "Moins formalisée", "Effectif"): 1.0,
                          sys_.var(page.scope, "phrase", "strategy_changed", "Effectif"): -1.0}, 0.0)
        sizes = page.tables.get("evolution_types")
        if page.moves_listed and sizes is not None:
            types = sorted(int(r.split(".")[0]) for r in sizes.rows)
            row_of = {int(r.split(".")[0]): r for r in sizes.rows}
            before, after = sizes.count_columns
            move = {(a, b): sys_.var(page.scope, "moves", f"{a}>{b}", "Effectif") for a in types for b in types if a != b}
            for ab, v in move.items():
                if ab in page.moves:
                    sys_.bound(v, page.moves[ab], page.moves[ab])
            if "type_changed" in page.sentences:
                coefs = {v: 1.0 for v in move.values()}
                coefs[sys_.var(page.scope, "phrase", "type_changed", "Effectif")] = -1.0
                sys_.equal(coefs, 0.0)
            for a in types:
                coefs: dict[int, float] = defaultdict(float)
                for b in types:
                    if b != a:
                        coefs[move[(a, b)]] += 1.0
                        coefs[move[(b, a)]] -= 1.0
                coefs[sys_.var(page.scope, "evolution_types", row_of[a], before)] -= 1.0
                coefs[sys_.var(page.scope, "evolution_types", row_of[a], after)] += 1.0
                sys_.equal(dict(coefs), 0.0)
    # France = the networks + what no page shows
    keys = set(national.tables) | {"phrase"}
    for key in keys:
        cells = [k for k in sys_.index if k[0] == NATIONAL and k[1] == key]
        if not cells or key in ("rrma", "moves"):
            continue
        for _, _, row, col in cells:
            coefs = {sys_.index[(NATIONAL, key, row, col)]: -1.0}
            for page in networks:
                name = (page.scope, key, row, col)
                if name in sys_.index:
                    coefs[sys_.index[name]] = 1.0
                elif key in page.tables or (key == "phrase" and page.sentences):
                    pass  # the page shows the table: a row it does not have is 0
                else:
                    continue
            coefs[sys_.var(REST, key, row, col)] = 1.0
            sys_.equal(coefs, 0.0)
        nat = national.tables.get(key)
        if nat is not None and nat.base is not None and "Médiane" not in nat.columns:
            shown = sum(p.tables[key].base or 0 for p in networks if key in p.tables)
            rest = nat.base - shown
            rest_ids = [sys_.index[k] for k in sys_.index if k[0] == REST and k[1] == key]
            if "Plusieurs réponses possibles" in nat.notes:
                for v in rest_ids:
                    sys_.bound(v, 0, rest)
            elif rest_ids:
                sys_.equal({v: 1.0 for v in rest_ids}, rest)
    # the workbook shows the national tables again (a sheet is known by its table's title)
    key_of = {t.title: k for k, t in national.tables.items()}
    for sheet, rows in workbook.items():
        sheet = key_of.get(sheet, sheet)
        if not rows:
            continue
        header = rows[0]
        for row in rows[1:]:
            if not row or row[0] is None:
                continue
            for col, value in zip(header[1:], row[1:]):
                if col is None or not str(col).startswith("Effectif"):
                    continue
                name = (NATIONAL, sheet, str(row[0]), str(col))
                if name in sys_.index and isinstance(value, (int, float)):
                    sys_.bound(sys_.index[name], float(value), float(value))
    return sys_


# --- the attack ---------------------------------------------------------------------------------


@dataclass
class Finding:
    scope: str
    key: str
    row: str
    column: str
    mark: str
    low: float
    high: float

    @property
    def width(self) -> float:
        if math.isinf(self.high):
            return INF
        return math.floor(self.high + 1e-6) - math.ceil(self.low - 1e-6)


def _components(n: int, rows) -> list[list[int]]:
    parent = list(range(n))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for coefs, _ in rows:
        vs = list(coefs)
        for v in vs[1:]:
            parent[find(v)] = find(vs[0])
    groups = defaultdict(list)
    for v in range(n):
        groups[find(v)].append(v)
    return list(groups.values())


def _matrix(block, local: dict[int, int]):
    """Dense rows of ``block`` over the component's variables (``local``: variable -> column)."""
    if not block:
        return None, None
    A = np.zeros((len(block), len(local)))
    for i, (coefs, _) in enumerate(block):
        for v, c in coefs.items():
            A[i, local[v]] += c
    return A, np.array([r for _, r in block])


def solve(sys_: System, cells: list[int] | None = None) -> tuple[list[Finding], list[int]]:
    """Interval of each target; returns the findings and the infeasible components' variables."""
    n = len(sys_.lb)
    rows = sys_.eq + sys_.le
    findings, infeasible = [], []
    targets = set(sys_.targets if cells is None else cells)
    for comp in _components(n, rows):
        wanted = [v for v in comp if v in targets]
        if not wanted:
            continue
        local = {v: k for k, v in enumerate(comp)}
        eq = [(c, r) for c, r in sys_.eq if next(iter(c)) in local]
        le = [(c, r) for c, r in sys_.le if next(iter(c)) in local]

        A_eq, b_eq = _matrix(eq, local)
        A_ub, b_ub = _matrix(le, local)
        bounds = [(sys_.lb[v], None if math.isinf(sys_.ub[v]) else sys_.ub[v]) for v in comp]
        if any(low > (high if high is not None else INF) + 1e-9 for low, high in bounds):
            infeasible += comp
            continue
        ok = True
        for v in wanted:
            values = []
            for sign in (1.0, -1.0):
                c = np.zeros(len(comp))
                c[local[v]] = sign
                res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
                if res.status == 2:
                    ok = False
                    break
                values.append(INF if res.status == 3 else sign * res.fun)
            if not ok:
                infeasible += comp
                break
            scope, key, row, col, mark = sys_.targets[v]
            findings.append(Finding(scope, key, row, col, mark, values[0], values[1]))
    return findings, infeasible


def published_cells(folder: Path, threshold: int = 3) -> int:
    """How many count cells the publication shows (values and marks), HTML pages only (the
    workbook repeats the national tables)."""
    pages, workbook = read_publication(folder)
    return build(pages, workbook, threshold).published


def attack(folder: Path, threshold: int = 3, labels: str = "trust") -> list[Finding]:
    """Every masked count of the publication in ``folder`` with the interval the reader finds.

    With ``labels="old"``, a table whose « < 3 » cannot all be 1 or 2 (a cell masked to protect
    another) is read again with « < 3 » as « at least 1 »."""
    pages, workbook = read_publication(folder)
    sys_ = build(pages, workbook, threshold, labels)
    findings, infeasible = solve(sys_)
    if infeasible and labels == "old":
        names = {sys_.targets[v][:2] for v in infeasible if v in sys_.targets}
        names |= {k[:2] for k, v in sys_.index.items() if v in set(infeasible)}
        sys_ = build(pages, workbook, threshold, labels, relaxed=names)
        findings, infeasible = solve(sys_)
    if infeasible:
        raise AssertionError(f"published numbers inconsistent: {len(infeasible)} variables")
    return findings


def disclosed(findings: list[Finding], primary: int = 1, secondary: int = 2) -> list[Finding]:
    """Masked counts narrower than their protection: pinned « < 3 », « s » known within 2 values."""
    return [f for f in findings if f.width < (primary if f.mark == "<" else secondary)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--labels", choices=("trust", "old"), default="trust")
    parser.add_argument("--threshold", type=int, default=3)
    args = parser.parse_args()
    findings = attack(args.folder, args.threshold, args.labels)
    exact = [f for f in findings if f.width <= 0]
    narrowed = [f for f in disclosed(findings) if f.width > 0]
    cells = published_cells(args.folder, args.threshold)
    print(f"{args.folder}: {len(findings)} masked counts of {cells} count cells "
          f"({100 * len(findings) / max(cells, 1):.1f} %), {len(exact)} recovered exactly, "
          f"{len(narrowed)} narrowed below their protection")
    for f in exact[:15]:
        print(f"  {f.scope} / {f.key} / {f.row} / {f.column}: {f.mark} -> {f.low:g}..{f.high:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
