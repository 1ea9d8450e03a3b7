# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
year = 2025
scope = "national"
clean_path = "data/processed/clean.parquet"
typology_path = "data/processed/typology.parquet"
typology_description_path = "data/processed/typology_description.parquet"
typology_metrics_path = "metrics/typology.json"
quality_path = "data/processed/quality.json"
trends_path = "metrics/trends.json"
trends_table_path = "data/processed/trends.parquet"
out_dir = "reports/2025"
small_cell_threshold = 3
quantile_min_n = 5
allow_comments = False
source = "Enquête ACTER 2025, réseaux régionaux multi-acteurs (RRMA)"
protection_primary = 1     # report.protection_primary: a masked count keeps more than this many values
protection_secondary = 2   # report.protection_secondary, for a count masked to protect another
secrecy_plan_path = ""     # the publication's secrecy plan (pipeline.reporting.secrecy); empty: primary secrets only
secrecy_records_dir = ""   # where this report leaves the counts it published, for the audit
collect = False            # planning pass: build every table, draw and write nothing
survey_params_path = ""    # params.yaml (weights: frame, margins); empty: no coverage section
weights_path = ""          # the weights stage's outputs: calibration weights,
coverage_path = ""         # coverage by network × type × population class,
unmatched_path = ""        # respondents not found in the frame (only counted here)
coverage_metrics_path = ""  # and metrics/coverage.json

# %%
# Observatoire ACTER: diagnostic report of the external action of collectivités.
# Executed by `pipeline.reporting.render` (papermill) once per scope: "national" or a network slug.
# Every published number goes through `pipeline.reporting.tables` (French formats, secrecy marks),
# masked as the secrecy plan of the whole publication says (`pipeline.reporting.secrecy`);
# the report text is French, only markdown-free HTML outputs reach the page.
import html

from IPython.display import HTML, display

from pipeline.common.text import french_number
from pipeline.reporting import annex, evolutions, identity, portraits, typology_section
from pipeline.reporting.answers import (
    comments,
    decades,
    key_figures,
    multi,
    notice,
    quartiles,
    single,
)
from pipeline.reporting.coverage import coverage, estimates, load_survey, method_note
from pipeline.reporting.inputs import load_inputs
from pipeline.reporting.report import Report
from pipeline.reporting.secrecy import load_plan
from pipeline.reporting.summary import summary

inputs = load_inputs(clean_path, typology_path or None, typology_description_path or None,
                     typology_metrics_path or None, quality_path or None, trends_path or None,
                     trends_table_path or None, year, allow_comments)
rep = Report(inputs, scope, small_cell_threshold, source, out_dir, quantile_min_n,
             plan=load_plan(secrecy_plan_path), collect=collect)
survey = load_survey(survey_params_path, weights_path, coverage_path, unmatched_path, coverage_metrics_path)
N = french_number(rep.n) if rep.published else f"moins de {small_cell_threshold}"


def show(*parts: str) -> None:
    if not collect:
        display(HTML("".join(p for p in parts if p)))


SECTIONS = ["1. Qui a répondu ?", "2. Les types d'action", "3. Zones partenaires et thématiques",
            "4. Moyens financiers", "5. Moyens humains et organisation", "6. Portage politique et stratégie",
            "7. Partenariats internes et externes", "8. Freins, besoins et perspectives",
            "9. Typologie des organisations", "10. Évolutions depuis l'enquête précédente",
            "Annexe : méthode et qualité des données"]


def anchor(title: str) -> str:
    return "s" + str(SECTIONS.index(title) + 1)


def section(title: str, intro: str = "") -> None:
    show(f'<h2 id="{anchor(title)}">{html.escape(title)}</h2>', f"<p>{html.escape(intro)}</p>" if intro else "")


# %%
if rep.national:
    heading = f"Observatoire ACTER {year} : l'action extérieure des collectivités territoriales"
    lead = (f"Rapport national. Diagnostic établi à partir des réponses de {N} collectivités au questionnaire "
            f"ACTER {year}, diffusé par les réseaux régionaux multi-acteurs (RRMA). Les réponses décrivent "
            f"l'année {year - 1}.")
elif rep.unassigned:
    heading = f"Observatoire ACTER {year} : collectivités sans RRMA identifié"
    lead = (f"Rapport des collectivités des régions sans réseau régional multi-acteurs identifié ({N}). "
            "Leurs réponses sont comparées, part à part, à l'ensemble des répondants en France.")
else:
    heading = f"Observatoire ACTER {year} : {rep.name}"
    lead = (f"Rapport du réseau {rep.name}. Il présente les réponses des collectivités de son territoire ({N}) "
            "et les compare, part à part, à l'ensemble des répondants en France.")
show(f"<h1>{html.escape(heading)}</h1>", f"<p class='lead'>{html.escape(lead)}</p>")
# « Ce qu'il faut retenir »: written last, from the tables the report publishes, shown here (a display updated in place)
remember = None if collect else display(HTML(""), display_id=True)
typology_view = portraits.PortraitsView("", [])
evolution = evolutions.summary(rep) + evolutions.classes(rep) if rep.publishable else ""
if rep.publishable:
    shown = [t for t in SECTIONS if evolution or not t.startswith("10.")]
    links = "".join(f'<li><a href="#{anchor(t)}">{html.escape(t)}</a></li>' for t in shown)
    workbook = "tableaux.xlsx" if rep.national else f"{scope}.xlsx"  # beside the page (Report.write_workbook)
    show(key_figures(rep), f'<nav class="toc"><strong>Sommaire</strong><ul>{links}</ul></nav>',
         f'<p class="downloads">Tous les tableaux de ce rapport, avec les mêmes cases masquées : '
         f'<a href="{workbook}">classeur Excel</a>.</p>')
else:
    show(notice(rep))

# %%
if rep.publishable:
    section("1. Qui a répondu ?",
            "Profil des collectivités répondantes : nature, territoire, taille et engagement.")
    show(single(rep, "A02"))
    if rep.national:
        show(single(rep, "A05"), single(rep, "rrma"))
    else:  # one région: the table would only repeat the network's size
        show(single(rep, "A05", implied=rep.df["A05"].nunique() <= 1))
    show(single(rep, "strate_population"), single(rep, "A09"), single(rep, "A11"), single(rep, "B01"))
    # who answered among the collectivités of the frame; calibrated estimates when published
    show(coverage(rep, survey), estimates(rep, survey))

# %%
if rep.publishable:
    section("2. Les types d'action",
            "Nature des actions menées à l'international, action principale et nombre de partenariats actifs.")
    show(multi(rep, "B03"), single(rep, "B04"), single(rep, "B05_classe"), decades(rep, "B02"))

# %%
if rep.publishable:
    section("3. Zones partenaires et thématiques",
            "Où se trouvent les collectivités partenaires et sur quels sujets portent les actions.")
    show(multi(rep, "B06"), multi(rep, "B07"))

# %%
if rep.publishable:
    section("4. Moyens financiers",
            "Budget consacré à l'action internationale, rapporté à la population, et cofinancements mobilisés "
            "(appels à projets du ministère DCTCIV, dispositif Clés en main, FICOL de l'AFD, fonds européens, "
            "loi Oudin-Santini). Seuls les quartiles sont publiés : aucun montant individuel.")
    show(single(rep, "C01_classe"),
         quartiles(rep, "C01", "A02", "budget_par_type", "Budget consacré à l'action internationale selon le "
                   "type de collectivité (euros)"),
         quartiles(rep, "budget_par_habitant", "strate_population", "budget_par_habitant",
                   "Budget par habitant selon la strate de population (euros par habitant)", cents=True),
         single(rep, "C02"), multi(rep, "C03"), single(rep, "C04"))

# %%
if rep.publishable:
    section("5. Moyens humains et organisation",
            "Organisation interne de l'action internationale, équivalents temps plein et opérateurs.")
    show(single(rep, "D01"), single(rep, "D02_classe"),
         quartiles(rep, "D02", "A02", "etp_par_type", "Équivalents temps plein consacrés selon le type de "
                   "collectivité", unit="ETP"),
         multi(rep, "D05"))

# %%
if rep.publishable:
    section("6. Portage politique et stratégie",
            "Qui porte l'action internationale au sein de l'exécutif et est-elle formalisée ?")
    show(single(rep, "D03"), single(rep, "D04"))

# %%
if rep.publishable:
    section("7. Partenariats internes et externes",
            "Services associés, acteurs du territoire mobilisés, coopération entre collectivités et réseaux.")
    show(multi(rep, "E01"), multi(rep, "E02"), single(rep, "E03"), multi(rep, "E04"), multi(rep, "E05"))

# %%
if rep.publishable:
    section("8. Freins, besoins et perspectives",
            "Les trois principaux freins cités, les besoins d'accompagnement et l'évolution attendue.")
    show(multi(rep, "F01"), multi(rep, "F02"), single(rep, "F03"), multi(rep, "F04"))
    if allow_comments:
        show("<h3>Commentaires libres</h3>",
             "<p>Extraits des commentaires, reproduits tels quels après retrait des courriels et numéros "
             "de téléphone.</p>", comments(rep))

# %%
if rep.publishable:
    section("9. Typologie des organisations",
            "Les collectivités sont regroupées en types selon leur manière d'organiser l'action internationale "
            "(analyse des correspondances multiples puis classification ascendante hiérarchique, méthode "
            "FactoMineR). Chaque type porte un nom tiré de ses réponses distinctives, que les analystes peuvent "
            "remplacer ; il garde son nom et son numéro dans toutes les sections.")
    show(typology_section.sizes(rep))
    typology_view = portraits.portraits(rep)
    show(portraits.method_box(rep))
    if rep.national:
        show(typology_section.heatmap(rep), typology_section.factor_map(rep))
    if typology_view.html:
        show("<h3>Portraits des types</h3>" if rep.national else "<h3>Portraits des types dans le réseau</h3>",
             typology_view.html)

# %%
if evolution:
    section("10. Évolutions depuis l'enquête précédente",
            "Comparaison des collectivités qui ont répondu aux deux dernières enquêtes (mêmes collectivités, "
            "même modèle de typologie). Un montant est « stable » s'il varie peu d'une année sur l'autre.")
    # what became of last year's types: the same words as under the portraits and in the summary
    said = identity.sentence(rep)
    show(f'<p class="identity">{html.escape(said)}</p>' if said else "", evolution)

# %%
section("Annexe : méthode et qualité des données")
show(
    "<p>Les réponses proviennent des fichiers renvoyés par les collectivités (tableurs du questionnaire, "
    "exports LimeSurvey, KoboToolbox, Google Forms ou Sphinx), lus et harmonisés automatiquement : "
    "correspondance souple des libellés, formats de nombres français, doublons résolus en gardant la "
    "dernière réponse complète. Les lignes écartées sont mises en quarantaine et comptées ci-dessous.</p>",
    # the rule in two sentences (issue 13), then the personal data
    f"<p>Secret statistique : tout effectif compris entre 1 et {small_cell_threshold - 1} est masqué "
    f"(« &lt;\u00a0{small_cell_threshold} », sa part « s »), et d'autres cases, marquées « s : masqué pour "
    "protéger une autre case », le sont aussi, choisies ensemble pour tous les rapports, le classeur et les "
    "graphiques de l'édition. Ainsi, même en rapprochant tous les chiffres publiés (totaux, parts, France et "
    f"réseaux), on ne peut ramener une case masquée à moins de {protection_primary + 1} valeurs possibles "
    f"({protection_secondary + 1} pour une case « s ») ; un tableau qu'aucun masquage ne protège n'est pas "
    "publié à l'échelle concernée. Aucune donnée personnelle (nom, courriel, téléphone de la personne "
    "répondante) n'est lue pour ce rapport.</p>",
    "<p>Parts : calculées sur les répondants à chaque question ; pour les questions à choix multiples, sur "
    "les répondants ayant coché au moins une modalité (le total dépasse alors 100 %). Montants : médiane "
    f"et quartiles, sans valeur individuelle, publiés à partir de {max(small_cell_threshold, quantile_min_n)} "
    "répondants. Réponses hors des choix proposés : regroupées en « Autre réponse (hors liste) ».</p>",
)
show(method_note(rep, survey))
if rep.national:
    show("<h3>Qualité des données</h3>", annex.quality(rep))

# %%
if remember is not None:
    remember.update(HTML(summary(rep, typology_view)))
rep.write_workbook(out_dir, f"Observatoire ACTER {year} : tableaux du rapport "
                   + ("national" if rep.national else f"« {rep.name} »"))
rep.save_records(secrecy_records_dir)
