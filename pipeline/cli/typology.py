"""``acter typology FILE``: the method of record (MCA, HCPC, description) on any table, outside the pipeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.cells import cell_text, column_letter
from pipeline.common.errors import UserError
from pipeline.ingest import read_workbook
from pipeline.typology.model import describe_model, fit_typology, name_types
from pipeline.typology.recipe import write_csv
from pipeline.typology.spec import Spec


class TableError(UserError):
    """The table given to ``acter typology`` cannot be read (message in French)."""


def read_any_table(path: str | Path) -> pd.DataFrame:
    """The first sheet of a spreadsheet or a CSV, read as the ingest stage reads returned files
    (same guards against hostile files), first row as header, every cell as text."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"Fichier introuvable : {path}")
    wb = read_workbook(path, path.name)
    if wb.problem is not None:
        raise TableError(f"{path} : {wb.problem.message_fr}")
    sheet = next((s for s in wb.sheets if not s.hidden and s.rows), None)
    if sheet is None or len(sheet.rows) < 2:
        raise TableError(f"{path} : aucune feuille ne contient un tableau (une ligne d'en-têtes puis une ligne par individu)")
    header = [cell_text(v) or f"colonne_{column_letter(j)}" for j, v in enumerate(sheet.rows[0])]
    width = len(header)
    rows = [[cell_text(v) for v in (row + [None] * width)[:width]] for row in sheet.rows[1:]]
    return pd.DataFrame(rows, columns=header)


def _split(arg: str | None) -> list[str]:
    return [a.strip() for a in (arg or "").split(",") if a.strip()]


def _weights(column: pd.Series, name: str) -> np.ndarray:
    """Row weights read as French or English numbers (FactoMineR ``row.w``); TableError when one is not usable."""
    text = column.fillna("").str.strip().str.replace("\u202f", "").str.replace(" ", "").str.replace(",", ".")
    values = pd.to_numeric(text.where(text != "", np.nan), errors="coerce")
    bad = values.isna() | ~np.isfinite(values) | (values <= 0)
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad.to_numpy())[:5])
        raise TableError(f"Colonne de poids « {name} » : un nombre strictement positif est attendu sur chaque ligne "
                         f"(ligne(s) {rows} du tableau)")
    return values.to_numpy(dtype=float)


def run_typology_cli(args: argparse.Namespace) -> int:
    """``acter typology FILE --active a,b --out DIR``: the method of record on any table."""
    try:
        df = read_any_table(args.file)
    except TableError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    active, qs, qn = _split(args.active), _split(args.quali_sup), _split(args.quanti_sup)
    id_col = args.id or (df.columns[0] if len(df.columns) else None)
    weight_col = args.weights
    unknown = [c for c in [id_col, *active, *qs, *qn, *([weight_col] if weight_col else [])] if c not in df.columns]
    if unknown or not active:
        msg = ("Colonne(s) inconnue(s) : " + ", ".join(map(str, unknown))) if unknown else "Aucune variable active"
        print(f"{msg}. Colonnes du fichier : {', '.join(map(str, df.columns))}", file=sys.stderr)
        return 2
    ids = df[id_col].astype(str)
    if ids.duplicated().any():
        print(f"La colonne identifiant « {id_col} » contient des doublons : {', '.join(ids[ids.duplicated()].unique()[:5])}",
              file=sys.stderr)
        return 2
    table = pd.DataFrame(index=pd.Index(ids, name=id_col))
    for c in active + qs:
        v = df[c].str.strip()
        table[c] = v.where(v != "", np.nan).to_numpy()
    bad_numbers = []
    for c in qn:
        v = df[c].str.strip().str.replace("\u202f", "").str.replace(" ", "").str.replace(",", ".")
        num = pd.to_numeric(v.where(v != "", np.nan), errors="coerce")
        if (num.isna() & v.ne("")).any():
            bad_numbers.append(c)
        table[c] = num.to_numpy()
    if bad_numbers:
        print("Valeurs non numériques ignorées dans : " + ", ".join(bad_numbers), file=sys.stderr)
    try:
        weights = _weights(df[weight_col], weight_col) if weight_col else None
    except TableError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    spec = Spec(active, [c for c in qs if c not in active], [c for c in qn if c not in active + qs], {}, {})
    try:
        model = fit_typology(table, spec, ncp=args.ncp, k=args.k, missing=args.missing, sample_weight=weights)
    except ValueError as exc:
        print(f"Typologie impossible : {exc}", file=sys.stderr)
        return 2
    desc = describe_model(model, table)
    model.names = name_types(model, desc, None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    mca, hc = model.mca, model.hcpc
    write_csv(mca.eigenvalues_.reset_index(), out / "eigenvalues.csv")
    ind = mca.row_coordinates_.assign(type=hc.labels_, type_name=[model.names[int(t)] for t in hc.labels_])
    write_csv(ind.reset_index(), out / "individuals.csv")
    act = mca.column_coordinates_.join(mca.column_vtest_.add_prefix("vtest_")).join(
        mca.column_contributions_.add_prefix("contrib_")).join(mca.column_cos2_.add_prefix("cos2_"))
    parts = [act.assign(role="active")]
    if spec.quali_sup:
        parts.append(mca.quali_sup_coordinates_.join(mca.quali_sup_vtest_.add_prefix("vtest_"))
                     .join(mca.quali_sup_cos2_.add_prefix("cos2_")).assign(role="supplementary"))
    write_csv(pd.concat(parts).reset_index(), out / "categories.csv")
    write_csv(desc.category, out / "description.csv")
    if spec.quanti_sup:
        write_csv(mca.quanti_sup_correlations_.reset_index(), out / "quanti_sup.csv")
    share = mca.eigenvalues_["percent"].iloc[:2].sum()
    if len(mca.excluded_categories_):
        print("Non-réponses passives (ACM spécifique) : " + ", ".join(mca.excluded_categories_.get_level_values(1)))
    if weights is not None:
        print(f"Individus pondérés par « {weight_col} » (ACM et CAH ; consolidation non pondérée, comme FactoMineR).")
    print(f"{len(table)} individus, {len(model.spec.active)} variables actives ; "
          f"axes 1-2 : {share:.1f} % de l'inertie ; {hc.n_clusters_} types"
          + (" (nombre choisi automatiquement)" if args.k is None else "") + ".")
    for t in range(1, hc.n_clusters_ + 1):
        print(f"  Type {t} ({int((hc.labels_ == t).sum())}) : {model.names[t]}")
    if model.dropped:
        print("Variables actives écartées (une seule modalité) : " + ", ".join(model.dropped))
    print(f"Résultats écrits dans {out}")
    return 0
