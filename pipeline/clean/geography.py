"""Official geography, offline: régions, départements, networks (RRMA) and optional communes.

The régions, départements and the région → RRMA table ship in ``pipeline/domain/reference/``. No PyPI
package ships the INSEE communes and population tables offline (``insee-cogpy`` and
``french-cities`` query INSEE's API at run time), so the communes table is optional: analysts
drop a CSV (``code,name,departement,population,vintage``, gzip allowed) and name it in
``params.yaml`` (``clean.communes``); without it, responses are enriched from départements and
régions only and the population is the declared one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.clean.validate import issues_table, make_issues
from pipeline.common.errors import UserError
from pipeline.common.identifiers import normalize_insee_series, normalize_siren_series
from pipeline.common.text import normalize_label, slugify
from pipeline.domain.codebook import Codebook
from pipeline.domain.reference import read_reference, reference_path

COMMUNES_COLUMNS = ("code", "name", "departement", "population", "vintage")
SHIPPED_COMMUNES = "communes.csv.gz"  # pipeline/domain/reference/, INSEE COG 2026 (see communes.README.md)
GEO_COLUMNS = (
    "region_code", "region", "departement_code", "departement", "geo_source",
    "population_ref", "population_vintage", "rrma", "rrma_slug",
)


class GeographyError(UserError, ValueError):
    """A reference table is unusable (message in French)."""


@dataclass(frozen=True)
class Geography:
    regions: pd.DataFrame        # code, slug, nom
    departements: pd.DataFrame   # code, nom, region
    rrma: pd.DataFrame           # region, rrma, rrma_slug
    communes: pd.DataFrame       # COMMUNES_COLUMNS (empty when no table was provided)

    @property
    def has_communes(self) -> bool:
        return len(self.communes) > 0


def load_communes(path: str | Path) -> pd.DataFrame:
    """Read an analyst-provided communes table (CSV, optionally gzipped), codes kept as text."""
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise GeographyError(f"Table des communes {path} illisible : {exc}") from exc
    missing = [c for c in COMMUNES_COLUMNS if c not in table.columns]
    if missing:
        raise GeographyError(
            f"Table des communes {path} : colonne(s) {', '.join(missing)} manquante(s) "
            f"(attendues : {', '.join(COMMUNES_COLUMNS)})"
        )
    table = table[[*COMMUNES_COLUMNS, *(["siren"] if "siren" in table.columns else [])]].astype("string")
    return table.assign(
        code=table["code"].str.strip().str.upper(),
        population=pd.to_numeric(table["population"].str.replace(r"\s", "", regex=True), errors="coerce"),
    ).drop_duplicates("code", keep="last")


def load_geography(communes_path: str | Path | None = None) -> Geography:
    """Reference tables shipped with the package, plus the communes table when given."""
    if communes_path and not Path(communes_path).exists() and Path(communes_path).name == SHIPPED_COMMUNES:
        communes_path = reference_path(SHIPPED_COMMUNES)  # outside the project folder: the packaged copy
    communes = (
        load_communes(communes_path)
        if communes_path
        else pd.DataFrame({c: pd.Series(dtype="string") for c in COMMUNES_COLUMNS})
    )
    return Geography(
        regions=pd.DataFrame(read_reference("regions.csv")).astype("string"),
        departements=pd.DataFrame(read_reference("departements.csv")).astype("string"),
        rrma=pd.DataFrame(read_reference("rrma.csv")).astype("string"),
        communes=communes,
    )


def departement_of_code(code: pd.Series, departement_codes: set[str]) -> pd.Series:
    """Département of an INSEE code: a commune code's prefix (3 characters overseas), or the
    code itself when it is a département."""
    code = code.astype("string")
    is_commune = code.str.fullmatch(r"\d{5}|2[AB]\d{3}").fillna(False).astype(bool)
    prefix = code.str[:2].mask(code.str.startswith("97").fillna(False), code.str[:3])
    dept = prefix.where(is_commune)
    dept = dept.fillna(code.where(code.isin(departement_codes)))
    return dept.where(dept.isin(departement_codes))


def departement_of_siren(siren: pd.Series, departement_codes: set[str]) -> pd.Series:
    """Département encoded in the SIREN of a commune (21DD…) or a département (22DD…)."""
    s = siren.astype("string")
    ok = s.str.fullmatch(r"2[12]\d{7}").fillna(False).astype(bool)
    dept = s.str[2:4].mask(s.str[2:4] == "97", s.str[2:5]).where(ok)
    return dept.where(dept.isin(departement_codes))


def map_unique(s: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` once per distinct non-missing value (labels repeat a lot), as strings."""
    s = s.astype("string")
    uniques = s.dropna().unique()
    return s.map(dict(zip(uniques, (fn(v) for v in uniques)))).astype("string")


def _lookup(keys: pd.DataFrame, key_cols: list[str], value_col: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for _, r in keys.iterrows():
        for k in key_cols:
            out.setdefault(normalize_label(r[k]), r[value_col])
    return out


def enrich_geography(
    df: pd.DataFrame, codebook: Codebook, geo: Geography, *, population_tolerance: float = 0.2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add reference région, département, network and population from the INSEE code (A04),
    else the SIREN prefix (A03), else the declared values; return (enriched, issues) where
    issues are warnings on declared values that disagree with the reference."""
    dept_codes = set(geo.departements["code"])
    region_codes = set(geo.regions["code"])
    dept_region = dict(zip(geo.departements["code"], geo.departements["region"]))
    dept_name = dict(zip(geo.departements["code"], geo.departements["nom"]))
    region_name = dict(zip(geo.regions["code"], geo.regions["nom"]))
    region_rrma = dict(zip(geo.rrma["region"], geo.rrma["rrma"]))
    rrma_slug = {normalize_label(n): s for n, s in zip(geo.rrma["rrma"], geo.rrma["rrma_slug"])}

    insee = normalize_insee_series(df["A04"])
    siren = normalize_siren_series(df["A03"])
    if "siren" in geo.communes.columns:  # a commune that gave its SIREN but no INSEE code
        commune_of_siren = dict(zip(geo.communes["siren"], geo.communes["code"]))
        insee = insee.fillna(siren.map(commune_of_siren).astype("string"))
    is_region_type = (df["A02"] == codebook["A02"].modality("region").label).fillna(False)

    from_insee = departement_of_code(insee.where(~is_region_type), dept_codes)
    from_siren = departement_of_siren(siren, dept_codes)
    ref_dept = from_insee.fillna(from_siren)
    region_from_insee = insee.where(is_region_type & insee.isin(region_codes)).astype("string")
    ref_region = region_from_insee.fillna(ref_dept.map(dept_region).astype("string"))

    dept_key = _lookup(geo.departements, ["code", "nom"], "code")
    region_key = _lookup(geo.regions, ["code", "slug", "nom"], "code")
    declared_dept = map_unique(df["A06"], lambda v: dept_key.get(normalize_label(v), pd.NA))
    declared_region = map_unique(df["A05"], lambda v: region_key.get(normalize_label(v), pd.NA))

    dept = ref_dept.fillna(declared_dept)
    region = ref_region.fillna(dept.map(dept_region).astype("string")).fillna(declared_region)
    source = pd.Series(pd.NA, index=df.index, dtype="string")
    source = source.mask(declared_region.notna() | declared_dept.notna(), "declared")
    source = source.mask(from_siren.notna(), "siren").mask(from_insee.notna() | region_from_insee.notna(), "insee")

    # The network is the région's in rrma.csv (an analyst's edit of that table takes effect); the
    # declared A08 answer only counts when the région is unknown, and a disagreement is flagged.
    network_of_region = region.map(region_rrma).astype("string")
    network_name = {normalize_label(n): n for n in geo.rrma["rrma"]}
    declared_rrma = map_unique(df["A08"], lambda v: network_name.get(normalize_label(v), pd.NA))
    rrma = network_of_region.fillna(declared_rrma)

    is_commune = insee.str.fullmatch(r"\d{5}|2[AB]\d{3}").fillna(False).astype(bool)
    communes = geo.communes.set_index("code")
    pop_ref = insee.where(is_commune).map(communes["population"]).astype("Float64")
    pop_vintage = insee.where(is_commune).map(communes["vintage"]).astype("string")

    out = df.assign(
        region_code=region,
        region=region.map(region_name).astype("string"),
        departement_code=dept.astype("string"),
        departement=dept.map(dept_name).astype("string"),
        geo_source=source,
        population_ref=pop_ref,
        population_vintage=pop_vintage,
        rrma=rrma,
        rrma_slug=map_unique(rrma, lambda v: rrma_slug.get(normalize_label(v), slugify(v))),
    )

    where = "le code INSEE ou le SIREN"
    region_bad = (declared_region.notna() & ref_region.notna() & (declared_region != ref_region)).fillna(False)
    dept_bad = (declared_dept.notna() & ref_dept.notna() & (declared_dept != ref_dept)).fillna(False)
    rrma_bad = (
        declared_rrma.notna() & network_of_region.notna()
        & (map_unique(declared_rrma, normalize_label) != map_unique(network_of_region, normalize_label))
    ).fillna(False)
    a07 = pd.to_numeric(df["A07"], errors="coerce")
    is_commune_type = (df["A02"] == codebook["A02"].modality("commune").label).fillna(False)
    pop_bad = (is_commune_type & pop_ref.notna() & a07.notna()
               & ((a07 - pop_ref).abs() > population_tolerance * pop_ref)).fillna(False)
    parts = [
        make_issues(out, region_bad, "region_mismatch", "A05", codebook,
                    lambda rows: f"{where} la situe en " + rows["region"].fillna("")),
        make_issues(out, dept_bad, "departement_mismatch", "A06", codebook,
                    lambda rows: f"{where} la situe dans le département " + rows["departement"].fillna("")
                    + " (" + rows["departement_code"].fillna("") + ")"),
        make_issues(out, rrma_bad, "rrma_mismatch", "A08", codebook,
                    lambda rows: "le réseau de la région " + rows["region"].fillna("") + " est "
                    + rows["region_code"].map(region_rrma).astype("string").fillna("")),
        make_issues(out, pop_bad, "population_mismatch", "A07", codebook,
                    lambda rows: "population légale " + rows["population_vintage"].fillna("") + " : "
                    + rows["population_ref"].map(lambda v: f"{v:,.0f}".replace(",", "\u202f"))),
    ]
    parts = [p for p in parts if len(p)]
    issues = pd.concat(parts, ignore_index=True) if parts else issues_table()
    return out, issues


def fill_declared_geography(df: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, pd.Series]:
    """Fill empty A05 / A06 / A08 from the reference columns; return (filled, n filled per column)."""
    a05 = df["A05"].astype("string")
    a06 = df["A06"].astype("string")
    a08 = df["A08"].astype("string")
    fill05 = a05.isna() & df["region"].notna()
    fill06 = a06.isna() & df["departement"].notna()
    rrma_labels = {m.label for m in codebook["A08"].modalities}
    fill08 = a08.isna() & df["rrma"].isin(rrma_labels).fillna(False)
    counts = pd.Series({"A05": int(fill05.sum()), "A06": int(fill06.sum()), "A08": int(fill08.sum())})
    return (
        df.assign(
            A05=a05.mask(fill05, df["region"]),
            A06=a06.mask(fill06, df["departement"]),
            A08=a08.mask(fill08, df["rrma"]),
        ),
        counts,
    )


__all__ = [
    "COMMUNES_COLUMNS", "GEO_COLUMNS", "Geography", "GeographyError", "departement_of_code",
    "departement_of_siren", "enrich_geography", "fill_declared_geography", "load_communes", "load_geography",
]
