"""``acter typology FILE``: the method of record (MCA, HCPC, description) on any table, outside the pipeline."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.typology.model import describe_model, fit_typology, name_types
from pipeline.typology.recipe import write_csv
from pipeline.typology.spec import Spec


def read_any_table(path: str | Path) -> pd.DataFrame:
    """CSV (separator sniffed) or spreadsheet (calamine); every cell read as text."""
    path = Path(path)
    if path.suffix.lower() in {".csv", ".txt", ".tsv"}:
        raw = path.read_bytes()
        enc = "utf-8-sig" if raw[:3] == b"\xef\xbb\xbf" else "utf-8"
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            enc = "cp1252"
            text = raw.decode(enc)
        sep = csv.Sniffer().sniff(text[:20000], delimiters=",;\t|").delimiter
        return pd.read_csv(path, sep=sep, dtype=str, encoding=enc, keep_default_na=False)
    return pd.read_excel(path, engine="calamine", dtype=str).fillna("")


def _split(arg: str | None) -> list[str]:
    return [a.strip() for a in (arg or "").split(",") if a.strip()]


def run_typology_cli(args: argparse.Namespace) -> int:
    """``acter typology FILE --active a,b --out DIR``: the method of record on any table."""
    try:
        df = read_any_table(args.file)
    except FileNotFoundError:
        print(f"Fichier introuvable : {args.file}", file=sys.stderr)
        return 2
    except Exception as exc:  # unreadable file: say so in French, no traceback
        print(f"Impossible de lire {args.file} : {exc}", file=sys.stderr)
        return 2
    active, qs, qn = _split(args.active), _split(args.quali_sup), _split(args.quanti_sup)
    id_col = args.id or (df.columns[0] if len(df.columns) else None)
    unknown = [c for c in [id_col, *active, *qs, *qn] if c not in df.columns]
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
    spec = Spec(active, [c for c in qs if c not in active], [c for c in qn if c not in active + qs], {}, {})
    try:
        model = fit_typology(table, spec, ncp=args.ncp, k=args.k)
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
    print(f"{len(table)} individus, {len(model.spec.active)} variables actives ; "
          f"axes 1-2 : {share:.1f} % de l'inertie ; {hc.n_clusters_} types"
          + (" (nombre choisi automatiquement)" if args.k is None else "") + ".")
    for t in range(1, hc.n_clusters_ + 1):
        print(f"  Type {t} ({int((hc.labels_ == t).sum())}) : {model.names[t]}")
    if model.dropped:
        print("Variables actives écartées (une seule modalité) : " + ", ".join(model.dropped))
    print(f"Résultats écrits dans {out}")
    return 0
