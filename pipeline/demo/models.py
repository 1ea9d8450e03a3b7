"""Planted organisational models of the demo survey: who adopts them and how they answer.

Each model is a profile of answer probabilities over the codebook's modalities (in codebook
order). The active variables of the typology (B03, B05, C01, C02, C03, D01, D02, D03, D04, E01,
E02, E03) differ clearly between models so that MCA + HCPC can recover them; the other answers
follow the model more loosely. Orders of magnitude (budgets, ETP) come from the questionnaire's
"Facts for realistic demo data".
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class Model:
    """One planted model: French name, adoption weight by collectivité type, answer profile."""

    key: str
    name: str
    adoption: Mapping[str, float]  # A02 slug -> relative weight
    b01: tuple[float, ...]  # actuellement, passe, jamais, reflexion
    partnerships: tuple[float, float]  # B05: Poisson mean, offset
    start_years: tuple[int, int]  # B02 range
    budget_factor: float  # times the type's median budget
    zero_budget: float  # share answering 0 euros
    etp_factor: float  # times the type's ETP range
    subsidy_share: tuple[float, float]  # C05 as a share of C01
    dedicated_line: float  # C02 = Oui
    consortium: float  # E03 = Oui
    adherent: float  # A09 = Oui
    singles: Mapping[str, tuple[float, ...]]  # code -> probabilities over modalities
    multis: Mapping[str, tuple[float, ...]]  # code -> tick probability per modality


def _m(**kwargs: object) -> Model:
    kwargs["adoption"] = MappingProxyType(dict(kwargs["adoption"]))  # type: ignore[arg-type]
    kwargs["singles"] = MappingProxyType(dict(kwargs["singles"]))  # type: ignore[arg-type]
    kwargs["multis"] = MappingProxyType(dict(kwargs["multis"]))  # type: ignore[arg-type]
    return Model(**kwargs)  # type: ignore[arg-type]


# Modality orders (see codebook.yaml):
# B03 coop_decentralisee jumelage soutien_acteurs ecsi volontariat mobilite_jeunes
#     rayonnement_culturel attractivite relations_consulaires coop_universitaire coop_europeenne urgence
# B06 afrique_subsaharienne maghreb moyen_orient ue europe_hors_ue ameriques asie ocean_indien_pacifique
# B07 eau agriculture sante education culture jeunesse_sport economie_tourisme gouvernance climat egalite
# C03 dctciv cles_en_main ficol fonds_europeens oudin_santini autres_collectivites fondations aucun
# D05 comite_jumelage association agence_sem gip aucun
# E01 culture jeunesse_education dev_eco eau_environnement solidarites sport communication affaires_europeennes
# E02 asi_osim etablissements_scolaires universites entreprises sante autres_collectivites etat_ambassades afd
# E04 cuf afccre cglu aimf ps_eau autre aucun
# E05 information formation montage mise_en_reseau financements aucun
# F01 budget personnel portage interet_local securite complexite_financements mobilite_visas visibilite
# F02 formation montage veille_financements mutualisation suivi_evaluation communication_ecsi
# F04 nouveaux_partenariats attractivite jeunesse_ecsi mutualisation reduction
# Singles: C04 chaque_annee parfois jamais nsp; D01 service_dedie mission_cabinet autre_service aucune;
# D03 elu_dedie conseiller_delegue executif aucun; D04 deliberation formalisee en_cours aucune;
# F03 hausse stabilite baisse arret nsp

MODELS: tuple[Model, ...] = (
    _m(
        key="jumelage",
        name="Jumelage traditionnel",
        adoption={"commune": 0.40, "cc": 0.18, "ca": 0.06, "cu": 0.02, "metropole": 0.01, "departement": 0.02,
                  "region": 0.0, "statut_particulier": 0.0, "syndicat": 0.02},
        b01=(0.97, 0.03, 0.0, 0.0),
        partnerships=(1.0, 1),
        start_years=(1962, 2005),
        budget_factor=0.25,
        zero_budget=0.08,
        etp_factor=0.25,
        subsidy_share=(0.3, 0.8),
        dedicated_line=0.12,
        consortium=0.06,
        adherent=0.2,
        singles={"C04": (0.05, 0.15, 0.45, 0.35), "D01": (0.01, 0.10, 0.34, 0.55),
                 "D03": (0.20, 0.40, 0.32, 0.08), "D04": (0.02, 0.06, 0.12, 0.80),
                 "F03": (0.10, 0.55, 0.20, 0.03, 0.12)},
        multis={
            "B03": (0.06, 0.97, 0.15, 0.04, 0.04, 0.45, 0.45, 0.02, 0.06, 0.01, 0.12, 0.15),
            "B06": (0.08, 0.05, 0.02, 0.92, 0.30, 0.05, 0.04, 0.02),
            "B07": (0.02, 0.05, 0.02, 0.30, 0.85, 0.70, 0.10, 0.03, 0.05, 0.03),
            "C03": (0.02, 0.01, 0.0, 0.12, 0.0, 0.06, 0.04, 0.0),
            "D05": (0.92, 0.15, 0.0, 0.0, 0.0),
            "E01": (0.75, 0.45, 0.03, 0.03, 0.05, 0.45, 0.35, 0.05),
            "E02": (0.25, 0.55, 0.02, 0.04, 0.01, 0.15, 0.03, 0.0),
            "E04": (0.05, 0.45, 0.0, 0.0, 0.0, 0.10, 0.0),
            "E05": (0.30, 0.05, 0.03, 0.15, 0.05, 0.0),
            "F01": (0.60, 0.40, 0.10, 0.25, 0.02, 0.05, 0.10, 0.45),
            "F02": (0.20, 0.10, 0.25, 0.30, 0.05, 0.35),
            "F04": (0.20, 0.02, 0.35, 0.20, 0.08),
        },
    ),
    _m(
        key="structuree",
        name="Coopération décentralisée structurée",
        adoption={"commune": 0.10, "cc": 0.10, "ca": 0.28, "cu": 0.30, "metropole": 0.25, "departement": 0.45,
                  "region": 0.30, "statut_particulier": 0.35, "syndicat": 0.20},
        b01=(1.0, 0.0, 0.0, 0.0),
        partnerships=(2.5, 1),
        start_years=(1980, 2015),
        budget_factor=1.8,
        zero_budget=0.0,
        etp_factor=0.9,
        subsidy_share=(0.10, 0.30),
        dedicated_line=0.93,
        consortium=0.70,
        adherent=0.65,
        singles={"C04": (0.70, 0.20, 0.04, 0.06), "D01": (0.78, 0.14, 0.08, 0.0),
                 "D03": (0.80, 0.15, 0.05, 0.0), "D04": (0.78, 0.14, 0.08, 0.0),
                 "F03": (0.25, 0.50, 0.15, 0.0, 0.10)},
        multis={
            "B03": (0.97, 0.25, 0.45, 0.40, 0.35, 0.25, 0.15, 0.08, 0.15, 0.20, 0.15, 0.35),
            "B06": (0.88, 0.30, 0.08, 0.15, 0.08, 0.12, 0.18, 0.05),
            "B07": (0.45, 0.45, 0.40, 0.45, 0.20, 0.15, 0.15, 0.60, 0.45, 0.30),
            "C03": (0.85, 0.15, 0.50, 0.25, 0.40, 0.40, 0.15, 0.0),
            "D05": (0.15, 0.55, 0.03, 0.15, 0.0),
            "E01": (0.25, 0.35, 0.30, 0.45, 0.40, 0.08, 0.45, 0.25),
            "E02": (0.85, 0.45, 0.45, 0.30, 0.30, 0.60, 0.65, 0.55),
            "E04": (0.80, 0.25, 0.20, 0.15, 0.20, 0.10, 0.0),
            "E05": (0.60, 0.40, 0.45, 0.50, 0.45, 0.0),
            "F01": (0.50, 0.30, 0.05, 0.25, 0.55, 0.45, 0.40, 0.15),
            "F02": (0.20, 0.25, 0.45, 0.35, 0.40, 0.20),
            "F04": (0.45, 0.05, 0.25, 0.40, 0.03),
        },
    ),
    _m(
        key="attractivite",
        name="Attractivité et rayonnement",
        adoption={"commune": 0.04, "cc": 0.02, "ca": 0.16, "cu": 0.30, "metropole": 0.60, "departement": 0.12,
                  "region": 0.65, "statut_particulier": 0.45, "syndicat": 0.0},
        b01=(1.0, 0.0, 0.0, 0.0),
        partnerships=(7.0, 3),
        start_years=(1985, 2018),
        budget_factor=2.5,
        zero_budget=0.0,
        etp_factor=1.0,
        subsidy_share=(0.02, 0.15),
        dedicated_line=0.85,
        consortium=0.35,
        adherent=0.35,
        singles={"C04": (0.40, 0.30, 0.10, 0.20), "D01": (0.60, 0.38, 0.02, 0.0),
                 "D03": (0.25, 0.07, 0.68, 0.0), "D04": (0.35, 0.45, 0.20, 0.0),
                 "F03": (0.40, 0.45, 0.10, 0.0, 0.05)},
        multis={
            "B03": (0.40, 0.40, 0.15, 0.08, 0.12, 0.45, 0.80, 0.92, 0.88, 0.60, 0.60, 0.20),
            "B06": (0.25, 0.30, 0.25, 0.75, 0.25, 0.55, 0.80, 0.10),
            "B07": (0.05, 0.10, 0.10, 0.35, 0.60, 0.25, 0.90, 0.15, 0.35, 0.10),
            "C03": (0.25, 0.02, 0.08, 0.85, 0.02, 0.25, 0.30, 0.0),
            "D05": (0.20, 0.15, 0.85, 0.20, 0.0),
            "E01": (0.55, 0.30, 0.92, 0.15, 0.05, 0.20, 0.85, 0.80),
            "E02": (0.15, 0.15, 0.85, 0.92, 0.15, 0.40, 0.85, 0.10),
            "E04": (0.35, 0.55, 0.45, 0.35, 0.02, 0.30, 0.0),
            "E05": (0.40, 0.10, 0.10, 0.35, 0.20, 0.0),
            "F01": (0.40, 0.20, 0.05, 0.45, 0.15, 0.30, 0.35, 0.30),
            "F02": (0.10, 0.10, 0.35, 0.20, 0.50, 0.30),
            "F04": (0.45, 0.70, 0.10, 0.20, 0.02),
        },
    ),
    _m(
        key="solidarite",
        name="Solidarité et ECSI",
        adoption={"commune": 0.18, "cc": 0.22, "ca": 0.35, "cu": 0.25, "metropole": 0.10, "departement": 0.30,
                  "region": 0.05, "statut_particulier": 0.20, "syndicat": 0.15},
        b01=(0.98, 0.02, 0.0, 0.0),
        partnerships=(1.2, 0),
        start_years=(1990, 2021),
        budget_factor=0.9,
        zero_budget=0.0,
        etp_factor=0.55,
        subsidy_share=(0.40, 0.80),
        dedicated_line=0.60,
        consortium=0.35,
        adherent=0.60,
        singles={"C04": (0.45, 0.30, 0.10, 0.15), "D01": (0.22, 0.18, 0.55, 0.05),
                 "D03": (0.40, 0.48, 0.08, 0.04), "D04": (0.25, 0.30, 0.30, 0.15),
                 "F03": (0.20, 0.55, 0.15, 0.0, 0.10)},
        multis={
            "B03": (0.30, 0.15, 0.92, 0.92, 0.65, 0.45, 0.10, 0.02, 0.04, 0.08, 0.05, 0.55),
            "B06": (0.70, 0.35, 0.15, 0.15, 0.05, 0.25, 0.12, 0.10),
            "B07": (0.25, 0.30, 0.40, 0.75, 0.25, 0.45, 0.05, 0.15, 0.40, 0.55),
            "C03": (0.35, 0.50, 0.05, 0.10, 0.08, 0.40, 0.40, 0.0),
            "D05": (0.08, 0.80, 0.0, 0.05, 0.0),
            "E01": (0.30, 0.85, 0.03, 0.10, 0.85, 0.10, 0.50, 0.03),
            "E02": (0.95, 0.80, 0.20, 0.08, 0.20, 0.35, 0.15, 0.15),
            "E04": (0.40, 0.10, 0.02, 0.02, 0.10, 0.25, 0.0),
            "E05": (0.70, 0.55, 0.45, 0.55, 0.40, 0.0),
            "F01": (0.60, 0.45, 0.20, 0.35, 0.20, 0.35, 0.15, 0.25),
            "F02": (0.40, 0.35, 0.45, 0.30, 0.20, 0.55),
            "F04": (0.30, 0.02, 0.75, 0.30, 0.05),
        },
    ),
    _m(
        key="veille",
        name="Engagement en veille / en réflexion",
        adoption={"commune": 0.28, "cc": 0.40, "ca": 0.12, "cu": 0.08, "metropole": 0.02, "departement": 0.08,
                  "region": 0.0, "statut_particulier": 0.0, "syndicat": 0.25},
        b01=(0.0, 0.45, 0.15, 0.40),
        partnerships=(0.3, 0),
        start_years=(1970, 2012),
        budget_factor=0.05,
        zero_budget=0.65,
        etp_factor=0.05,
        subsidy_share=(0.0, 0.5),
        dedicated_line=0.04,
        consortium=0.02,
        adherent=0.08,
        singles={"C04": (0.0, 0.05, 0.55, 0.40), "D01": (0.0, 0.04, 0.22, 0.74),
                 "D03": (0.04, 0.08, 0.18, 0.70), "D04": (0.0, 0.0, 0.25, 0.75),
                 "F03": (0.05, 0.30, 0.20, 0.15, 0.30)},
        multis={
            "B03": (0.10, 0.55, 0.10, 0.08, 0.02, 0.10, 0.05, 0.02, 0.02, 0.0, 0.05, 0.15),
            "B06": (0.20, 0.05, 0.02, 0.45, 0.10, 0.02, 0.02, 0.02),
            "B07": (0.05, 0.05, 0.05, 0.25, 0.40, 0.25, 0.05, 0.05, 0.10, 0.05),
            "C03": (0.01, 0.01, 0.0, 0.03, 0.0, 0.02, 0.01, 0.0),
            "D05": (0.20, 0.05, 0.0, 0.0, 0.0),
            "E01": (0.15, 0.10, 0.0, 0.02, 0.05, 0.08, 0.05, 0.0),
            "E02": (0.12, 0.08, 0.0, 0.0, 0.0, 0.08, 0.0, 0.0),
            "E04": (0.02, 0.10, 0.0, 0.0, 0.0, 0.03, 0.0),
            "E05": (0.25, 0.05, 0.02, 0.10, 0.02, 0.0),
            "F01": (0.75, 0.60, 0.45, 0.55, 0.05, 0.20, 0.05, 0.15),
            "F02": (0.45, 0.30, 0.35, 0.40, 0.05, 0.10),
            "F04": (0.30, 0.02, 0.10, 0.35, 0.25),
        },
    ),
    _m(
        key="eau",
        name="Coopération technique eau et assainissement",
        adoption={"commune": 0.02, "cc": 0.06, "ca": 0.08, "cu": 0.08, "metropole": 0.05, "departement": 0.05,
                  "region": 0.0, "statut_particulier": 0.0, "syndicat": 0.60},
        b01=(1.0, 0.0, 0.0, 0.0),
        partnerships=(1.5, 1),
        start_years=(1995, 2020),
        budget_factor=1.2,
        zero_budget=0.0,
        etp_factor=0.6,
        subsidy_share=(0.05, 0.25),
        dedicated_line=0.80,
        consortium=0.60,
        adherent=0.50,
        singles={"C04": (0.65, 0.25, 0.05, 0.05), "D01": (0.45, 0.05, 0.50, 0.0),
                 "D03": (0.55, 0.35, 0.10, 0.0), "D04": (0.45, 0.35, 0.15, 0.05),
                 "F03": (0.30, 0.50, 0.10, 0.0, 0.10)},
        multis={
            "B03": (0.92, 0.05, 0.30, 0.30, 0.10, 0.05, 0.02, 0.02, 0.02, 0.10, 0.05, 0.25),
            "B06": (0.85, 0.35, 0.10, 0.05, 0.02, 0.10, 0.25, 0.05),
            "B07": (0.97, 0.30, 0.40, 0.15, 0.02, 0.02, 0.02, 0.35, 0.55, 0.15),
            "C03": (0.45, 0.05, 0.40, 0.05, 0.97, 0.30, 0.10, 0.0),
            "D05": (0.02, 0.50, 0.0, 0.30, 0.0),
            "E01": (0.02, 0.10, 0.05, 0.95, 0.15, 0.0, 0.25, 0.10),
            "E02": (0.60, 0.20, 0.35, 0.25, 0.20, 0.60, 0.35, 0.65),
            "E04": (0.25, 0.05, 0.05, 0.02, 0.90, 0.10, 0.0),
            "E05": (0.50, 0.30, 0.55, 0.40, 0.60, 0.0),
            "F01": (0.40, 0.40, 0.10, 0.30, 0.50, 0.45, 0.20, 0.15),
            "F02": (0.15, 0.35, 0.50, 0.40, 0.45, 0.15),
            "F04": (0.45, 0.02, 0.10, 0.55, 0.03),
        },
    ),
)

# Collectivité types (A02 slugs) with their share of respondents, and orders of magnitude:
# median budget in euros (communes scale with population), ETP range.
TYPE_SHARES: Mapping[str, float] = MappingProxyType({
    "commune": 0.64, "cc": 0.10, "ca": 0.08, "cu": 0.02, "metropole": 0.03,
    "departement": 0.08, "region": 0.025, "syndicat": 0.025,
})
TYPE_BUDGET: Mapping[str, float] = MappingProxyType({
    "commune": 6_000.0, "cc": 25_000.0, "ca": 70_000.0, "cu": 150_000.0, "metropole": 400_000.0,
    "departement": 380_000.0, "region": 2_500_000.0, "statut_particulier": 1_200_000.0, "syndicat": 60_000.0,
})
TYPE_ETP: Mapping[str, tuple[float, float]] = MappingProxyType({
    "commune": (0.0, 0.3), "cc": (0.3, 1.5), "ca": (0.5, 3.0), "cu": (1.0, 4.0), "metropole": (2.0, 8.0),
    "departement": (1.0, 5.0), "region": (3.0, 20.0), "statut_particulier": (2.0, 8.0), "syndicat": (0.2, 2.0),
})
# Legal population: log-normal median and spread by type.
TYPE_POPULATION: Mapping[str, tuple[float, float, int, int]] = MappingProxyType({
    "commune": (3_500.0, 1.3, 150, 520_000),
    "cc": (22_000.0, 0.6, 4_000, 120_000),
    "ca": (90_000.0, 0.5, 45_000, 350_000),
    "cu": (180_000.0, 0.4, 60_000, 600_000),
    "metropole": (480_000.0, 0.5, 200_000, 2_200_000),
    "departement": (550_000.0, 0.6, 75_000, 2_600_000),
    "region": (4_500_000.0, 0.6, 250_000, 12_400_000),
    "statut_particulier": (340_000.0, 0.3, 250_000, 400_000),
    "syndicat": (35_000.0, 0.9, 3_000, 400_000),
})


def select_models(n_models: int) -> tuple[Model, ...]:
    """The first ``n_models`` planted models (2 to 6)."""
    if not 2 <= n_models <= len(MODELS):
        raise ValueError(f"n_models must be between 2 and {len(MODELS)}, not {n_models}")
    return MODELS[:n_models]
