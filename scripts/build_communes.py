"""Build the optional communes table (``code,name,departement,population,vintage``) from INSEE files.

No PyPI package ships the INSEE COG and legal-population tables offline, so the table is built
from the files an analyst downloads from insee.fr (the pipeline itself never goes online):

- the COG communes file, e.g. ``v_commune_2025.csv`` (columns TYPECOM, COM, DEP, LIBELLE);
- optionally the legal populations, e.g. ``donnees_communes.csv`` of "Populations légales"
  (``;``-separated; code from DEP + CODCOM, or a CODGEO/COM column of 5 characters; PMUN).

    python scripts/build_communes.py --cog v_commune_2025.csv --population donnees_communes.csv \
        --vintage 2022 --out pipeline/domain/reference/communes.csv.gz

then set ``clean.communes: pipeline/domain/reference/communes.csv.gz`` in params.yaml.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import pandas as pd

from pipeline.domain.reference import read_reference

COLUMNS = ["code", "name", "departement", "population", "vintage"]


def _read(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, sep=None, engine="python", encoding="utf-8-sig", keep_default_na=False)


def population_codes(pop: pd.DataFrame) -> pd.Series:
    """5-character commune code of a legal-population table."""
    cols = {c.upper(): c for c in pop.columns}
    if "DEP" in cols and "CODCOM" in cols:
        dep = pop[cols["DEP"]].str.strip()
        com = pop[cols["CODCOM"]].str.strip()
        # overseas: DEP 971 + CODCOM 01 -> 97101; metropole: DEP 01 + CODCOM 053 -> 01053
        return (dep + com).where(dep.str.len() == 2, dep + com.str[-2:])
    for name in ("CODGEO", "COM", "CODE"):
        if name in cols and pop[cols[name]].str.len().eq(5).all():
            return pop[cols[name]].str.strip()
    raise ValueError("population table: no DEP+CODCOM nor CODGEO/COM column of 5 characters")


def build_communes(cog: pd.DataFrame, population: pd.DataFrame | None, vintage: str) -> pd.DataFrame:
    """Communes (TYPECOM == COM) of the COG with their legal municipal population (PMUN)."""
    cols = {c.upper(): c for c in cog.columns}
    cog = cog[cog[cols["TYPECOM"]] == "COM"] if "TYPECOM" in cols else cog
    table = pd.DataFrame(
        {
            "code": cog[cols["COM"]].str.strip().str.upper(),
            "name": cog[cols["LIBELLE"]].str.strip(),
            "departement": cog[cols["DEP"]].str.strip(),
        }
    )
    if population is not None:
        pcols = {c.upper(): c for c in population.columns}
        pmun = pcols.get("PMUN") or pcols.get("POPULATION") or pcols.get("PTOT")
        values = pd.to_numeric(population[pmun].str.replace(r"\s", "", regex=True), errors="coerce")
        table = table.assign(population=table["code"].map(dict(zip(population_codes(population), values))))
    else:
        table = table.assign(population=pd.NA)
    return table.assign(vintage=vintage)[COLUMNS].drop_duplicates("code").sort_values("code", ignore_index=True)


# the 101 départements of the reference (overseas collectivités such as Saint-Martin are not in it)
_DEPARTEMENTS = {r["code"] for r in read_reference("departements.csv")}


def from_decoupage(communes: list[dict], vintage: str) -> pd.DataFrame:
    """Current communes of Etalab's ``decoupage-administratif`` ``data/communes.json`` (npm package)."""
    rows = [
        {"code": c["code"], "name": c["nom"], "departement": c["departement"], "population": c.get("population"),
         "vintage": vintage, "siren": c.get("siren")}
        for c in communes if c.get("type") == "commune-actuelle" and c.get("departement") in _DEPARTEMENTS
    ]
    return pd.DataFrame(rows).drop_duplicates("code").sort_values("code", ignore_index=True).astype(
        {"population": "Int64"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Table des communes (COG INSEE + populations légales).")
    parser.add_argument("--decoupage", default=None,
                        help="data/communes.json du paquet npm @etalab/decoupage-administratif (au lieu de --cog)")
    parser.add_argument("--cog", default=None, help="fichier des communes du COG (v_commune_AAAA.csv)")
    parser.add_argument("--population", default=None, help="populations légales (donnees_communes.csv)")
    parser.add_argument("--vintage", required=True, help="millésime des populations légales (ex. 2022)")
    parser.add_argument("--out", required=True, help="fichier à écrire (.csv ou .csv.gz)")
    args = parser.parse_args(argv)
    if args.decoupage:
        table = from_decoupage(json.loads(Path(args.decoupage).read_text(encoding="utf-8")), args.vintage)
    elif args.cog:
        table = build_communes(_read(args.cog), _read(args.population) if args.population else None, args.vintage)
    else:
        parser.error("--decoupage ou --cog est nécessaire")
    # gzip without a timestamp in its header: the same table gives the same bytes
    with gzip.GzipFile(args.out, "wb", mtime=0) if args.out.endswith(".gz") else open(args.out, "wb") as f:
        f.write(table.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    print(f"{len(table)} communes écrites dans {args.out} (millésime {args.vintage})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
