"""The catalogue of validation rules: stable code, severity, French title and how to fix it.

One entry per problem a row can have, whoever finds it: the ingest stage (a cell it cannot read)
and the clean stage (schema, cross-field and geography rules). ``error`` is blocking (the row goes
to quarantine), ``warning`` leaves the row in the clean table with a ``flag_<code>`` column.
"""

from __future__ import annotations

from dataclasses import dataclass

BLOCKING = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    """A validation rule: stable code, severity, short French title and how to fix it."""

    code: str
    severity: str
    title_fr: str
    fix_fr: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("bad_type", BLOCKING, "valeur illisible",
             "saisir un nombre (ex. « 1 500 » ou « 12,5 ») ou une case cochée / non cochée."),
        Rule("out_of_range", BLOCKING, "valeur hors des bornes",
             "vérifier l'unité et la valeur saisie (pas de valeur négative, ETP entre 0 et 500, "
             "année entre 1945 et l'année de l'enquête)."),
        Rule("identity_missing", BLOCKING, "collectivité non identifiée",
             "indiquer au moins le nom de la collectivité, son numéro SIREN ou son code INSEE."),
        Rule("not_integer", WARNING, "nombre entier attendu",
             "saisir un nombre entier (ex. une année « 2012 », un nombre de partenariats « 3 »)."),
        Rule("bad_date", WARNING, "date illisible",
             "saisir la date sous la forme jj/mm/aaaa (ex. 15/03/2025)."),
        Rule("unknown_modality", WARNING, "réponse hors des choix proposés",
             "choisir une des réponses de la liste déroulante du questionnaire."),
        Rule("main_action_not_ticked", WARNING, "action principale non cochée",
             "cocher aussi l'action principale (B04) parmi les types d'actions menées (B03)."),
        Rule("actions_but_never", WARNING, "actions déclarées alors que « Non, jamais »",
             "corriger B01 ou décocher les types d'actions (B03)."),
        Rule("aucun_not_exclusive", WARNING, "« Aucun » coché avec d'autres réponses",
             "décocher « Aucun » ou les autres réponses de la même question."),
        Rule("too_many_obstacles", WARNING, "plus de 3 freins cochés",
             "ne garder que les 3 principaux freins (F01)."),
        Rule("budget_per_inhabitant_implausible", WARNING, "budget par habitant invraisemblable",
             "vérifier le budget (C01, en euros et non en k€) et le nombre d'habitants (A07)."),
        Rule("bad_siren_format", WARNING, "SIREN mal formé",
             "saisir les 9 chiffres du SIREN (ex. 213 100 553)."),
        Rule("bad_siren_checksum", WARNING, "clé de contrôle du SIREN fausse",
             "vérifier le SIREN sur annuaire-entreprises.data.gouv.fr : un chiffre est probablement faux."),
        Rule("bad_insee_format", WARNING, "code INSEE mal formé",
             "saisir le code officiel géographique : 5 caractères pour une commune (ex. 31555, 2A004), "
             "2 ou 3 pour un département, 2 pour une région."),
        Rule("region_mismatch", WARNING, "région déclarée différente du référentiel",
             "vérifier la région (A05) et le code INSEE (A04)."),
        Rule("departement_mismatch", WARNING, "département déclaré différent du référentiel",
             "vérifier le département (A06) et le code INSEE (A04)."),
        Rule("rrma_mismatch", WARNING, "RRMA déclaré différent de celui de la région",
             "vérifier le réseau (A08) : le réseau retenu est celui de la région dans pipeline/domain/reference/rrma.csv."),
        Rule("population_mismatch", WARNING, "population éloignée de la population légale",
             "vérifier le nombre d'habitants (A07) : la population légale de la commune est indiquée."),
    )
}


def flag_column(code: str) -> str:
    """Flag column name of a rule in the clean table."""
    return f"flag_{code}"


