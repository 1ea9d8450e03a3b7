"""Build the frame of collectivités (``collectivites.csv.gz``) from Etalab's decoupage-administratif.

The frame lists every collectivité the survey could reach, with its SIREN, INSEE code, type (the
codebook's A02 slug), legal population, département and région (the network comes from
``rrma.csv`` at run time, so an analyst's edit of that table takes effect):

- communes: the shipped ``communes.csv.gz`` (same package, same vintage);
- EPCI à fiscalité propre: ``data/epci.json`` (SIREN, type CC / CA / CU / METRO / MET69, members);
  population = sum of its member communes' (the communes' vintage; epci.json carries the DGCL's
  older one), département = the one holding most of its population;
- départements, régions and the collectivités that take their place (Collectivité européenne
  d'Alsace, Collectivité de Corse, collectivités territoriales de Martinique and Guyane,
  Département de Mayotte, Ville de Paris as a commune): names from ``data/departements.json`` and
  ``data/regions.json``, which carry no SIREN and no population: SIREN from
  ``scripts/sirens_departements_regions.csv`` (SIRENE register), population = sum of their
  communes'.

    npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-decoupage-administratif-6.0.0.tgz
    python scripts/build_frame.py --decoupage package/data --vintage "COG 2026" \
        --out pipeline/domain/reference/collectivites.csv.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import pandas as pd

from pipeline.common.identifiers import siren_is_valid
from pipeline.domain.reference import read_reference, reference_path

COLUMNS = ["siren", "code", "name", "type", "population", "departement", "region", "vintage"]
SIRENS = Path(__file__).with_name("sirens_departements_regions.csv")
EPCI_TYPES = {"CC": "cc", "CA": "ca", "CU": "cu", "METRO": "metropole", "MET69": "metropole"}
# Départements whose collectivité is another one: Alsace (67, 68: Collectivité européenne d'Alsace,
# INSEE code 6AE), Corse (2A, 2B: Collectivité de Corse), Martinique and Guyane (collectivités
# territoriales uniques), Paris (Ville de Paris, a commune of the communes table).
ABSORBED = {"67": "6AE", "68": "6AE", "2A": None, "2B": None, "972": None, "973": None, "75": None}
# Régions whose collectivité is a "collectivité à statut particulier" (A02 statut_particulier);
# Mayotte's is the Département de Mayotte (no région collectivité).
SPECIAL_STATUS = {"94": "Collectivité de Corse", "02": "Collectivité territoriale de Martinique",
                  "03": "Collectivité territoriale de Guyane"}
NO_REGION_COLLECTIVITE = {"06"}
# INSEE's "type de nom en clair": the article before a name ("Département de l'Ain", "du Cher")
_OF = {0: "de ", 1: "d'", 2: "du ", 3: "de la ", 4: "des ", 5: "de l'"}


def _load(folder: Path, name: str) -> list[dict]:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def build_frame(decoupage: Path, communes: pd.DataFrame, sirens: pd.DataFrame, vintage: str) -> pd.DataFrame:
    """The frame: communes, EPCI, départements, régions and collectivités à statut particulier."""
    communes = communes.astype({"population": "int64"})
    region_of_dept = {r["code"]: r["region"] for r in read_reference("departements.csv")}
    siren_of = {(r.level, r.code): r.siren for r in sirens.itertuples()}
    parts = [pd.DataFrame({
        "siren": communes["siren"], "code": communes["code"], "name": communes["name"], "type": "commune",
        "population": communes["population"], "departement": communes["departement"],
        "region": communes["departement"].map(region_of_dept)})]

    pop_of_commune = dict(zip(communes["code"], communes["population"]))
    dept_of_commune = dict(zip(communes["code"], communes["departement"]))
    rows = []
    for e in _load(decoupage, "epci.json"):
        members = [m["code"] for m in e["membres"]]
        by_dept = pd.Series({c: pop_of_commune.get(c, 0) for c in members}).groupby(
            pd.Series({c: dept_of_commune.get(c) for c in members})).sum()
        dept = str(by_dept.sort_index().idxmax())  # most of its population (first code on a tie)
        rows.append({"siren": e["code"], "code": "", "name": e["nom"], "type": EPCI_TYPES[e["type"]],
                     "population": int(sum(pop_of_commune.get(c, 0) for c in members)),
                     "departement": dept, "region": region_of_dept[dept]})
    parts.append(pd.DataFrame(rows))

    dept_pop = communes.groupby("departement")["population"].sum()
    rows = []
    for d in _load(decoupage, "departements.json"):
        code = d["code"]
        if code not in region_of_dept or code in ABSORBED:
            continue
        name = "Département de Mayotte" if code == "976" else f"Département {_OF[d['typeLiaison']]}{d['nom']}"
        rows.append({"siren": siren_of[("departement", code)], "code": code, "name": name, "type": "departement",
                     "population": int(dept_pop[code]), "departement": code, "region": region_of_dept[code]})
    alsace = [c for c, v in ABSORBED.items() if v == "6AE"]
    rows.append({"siren": siren_of[("departement", "6AE")], "code": "6AE", "name": "Collectivité européenne d'Alsace",
                 "type": "departement", "population": int(dept_pop[alsace].sum()), "departement": "",
                 "region": region_of_dept[alsace[0]]})
    region_pop = communes.assign(region=communes["departement"].map(region_of_dept)).groupby("region")["population"].sum()
    for r in _load(decoupage, "regions.json"):
        code = r["code"]
        if code not in set(region_of_dept.values()) or code in NO_REGION_COLLECTIVITE:
            continue
        special = SPECIAL_STATUS.get(code)
        rows.append({"siren": siren_of[("region", code)], "code": code, "name": special or f"Région {r['nom']}",
                     "type": "statut_particulier" if special else "region", "population": int(region_pop[code]),
                     "departement": "", "region": code})
    parts.append(pd.DataFrame(rows))
    frame = pd.concat(parts, ignore_index=True).assign(vintage=vintage)[COLUMNS]
    bad = frame[~frame["siren"].map(siren_is_valid)]
    if len(bad) or frame["siren"].duplicated().any():
        raise SystemExit(f"SIREN invalides ou en double : {bad.head().to_dict('records')}")
    order = {"region": 0, "statut_particulier": 1, "departement": 2, "metropole": 3, "cu": 4, "ca": 5, "cc": 6,
             "commune": 7}
    return frame.sort_values(["type", "siren"], key=lambda s: s.map(order) if s.name == "type" else s,
                             ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Base des collectivités (communes, EPCI, départements, régions).")
    parser.add_argument("--decoupage", required=True, help="dossier data/ du paquet npm @etalab/decoupage-administratif")
    parser.add_argument("--communes", default=str(reference_path("communes.csv.gz")),
                        help="table des communes du même millésime (communes.csv.gz)")
    parser.add_argument("--sirens", default=str(SIRENS), help="SIREN des départements et des régions")
    parser.add_argument("--vintage", required=True, help="millésime, ex. « COG 2026 »")
    parser.add_argument("--out", required=True, help="fichier à écrire (.csv.gz)")
    args = parser.parse_args(argv)
    communes = pd.read_csv(args.communes, dtype={"code": str, "departement": str, "siren": str})
    sirens = pd.read_csv(args.sirens, dtype=str)
    frame = build_frame(Path(args.decoupage), communes, sirens, args.vintage)
    # gzip without a timestamp in its header: the same table gives the same bytes
    with gzip.GzipFile(args.out, "wb", mtime=0) as f:
        f.write(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    counts = ", ".join(f"{t} {n}" for t, n in frame["type"].value_counts(sort=False).items())
    print(f"{len(frame)} collectivités écrites dans {args.out} ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
