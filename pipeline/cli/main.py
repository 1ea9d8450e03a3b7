"""`acter` command line: template, check, typology, weights. Messages for users are in French.

argparse speaks English ("usage:", "the following arguments are required"): :class:`FrenchParser`
gives the help, the usage line and every error in French. Exit codes: 0 fine, 1 problems found
(``check``), 2 unusable input — a command line mistake too, as argparse has it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import NoReturn

EXIT_UNUSABLE = 2

# argparse's error messages (Python 3.11 to 3.13) and their French; the first match wins
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), f) for p, f in (
    (r"^the following arguments are required: (.*)$", r"arguments obligatoires manquants : \1"),
    (r"^argument (.+?): invalid choice: (.+?) \(choose from (.*)\)$", r"argument \1 : choix invalide : \2 (choisir parmi \3)"),
    (r"^invalid choice: (.+?) \(choose from (.*)\)$", r"choix invalide : \1 (choisir parmi \2)"),
    (r"^argument (.+?): invalid int value: (.*)$", r"argument \1 : nombre entier attendu, pas \2"),
    (r"^argument (.+?): invalid float value: (.*)$", r"argument \1 : nombre attendu, pas \2"),
    (r"^argument (.+?): invalid (.+?) value: (.*)$", r"argument \1 : valeur invalide : \3"),
    (r"^argument (.+?): expected one argument$", r"argument \1 : une valeur est attendue"),
    (r"^argument (.+?): expected at most one argument$", r"argument \1 : une valeur au plus est attendue"),
    (r"^argument (.+?): expected at least one argument$", r"argument \1 : au moins une valeur est attendue"),
    (r"^argument (.+?): expected (\d+) arguments?$", r"argument \1 : \2 valeur(s) attendue(s)"),
    (r"^argument (.+?): not allowed with argument (.*)$", r"argument \1 : incompatible avec l'argument \2"),
    (r"^argument (.+?): ignored explicit argument (.*)$", r"argument \1 : valeur \2 inattendue"),
    (r"^one of the arguments (.*) is required$", r"l'un des arguments \1 est obligatoire"),
    (r"^ambiguous option: (.+?) could match (.*)$", r"option ambiguë : \1 peut désigner \2"),
    (r"^unrecognized arguments: (.*)$", r"arguments non reconnus : \1"),
    (r"^unexpected option string: (.*)$", r"option inattendue : \1"),
))


def french_error(message: str) -> str:
    """An argparse error message in French (as is when argparse has a message not known here)."""
    for pattern, french in _ERRORS:
        if pattern.match(message):
            return pattern.sub(french, message)
    return message


class FrenchFormatter(argparse.HelpFormatter):
    """Help and usage with a French 'utilisation :' line."""

    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001, ANN201 (argparse's signature)
        return super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)


class FrenchParser(argparse.ArgumentParser):
    """An ArgumentParser whose help, usage and errors are in French; subcommands inherit it."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 (argparse's arguments)
        kwargs.setdefault("formatter_class", FrenchFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="afficher cette aide et quitter")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNUSABLE, f"{self.prog} : erreur : {french_error(message)}\n")


def _template(args: argparse.Namespace) -> int:
    from pipeline.questionnaire.template import write_template

    out = Path(args.out)
    if out.is_dir():
        print(f"Erreur : {args.out} est un dossier : indiquez le chemin du fichier .xlsx à écrire.", file=sys.stderr)
        return EXIT_UNUSABLE
    if out.exists() and not args.force:
        print(f"Erreur : le fichier {args.out} existe déjà et n'a pas été remplacé : choisissez un autre nom, "
              "ou ajoutez --force pour l'écraser.", file=sys.stderr)
        return EXIT_UNUSABLE
    write_template(args.out, vertical=args.vertical)
    print(f"Questionnaire écrit : {args.out}" + (" (format vertical)" if args.vertical else ""))
    return 0


def _check(args: argparse.Namespace) -> int:
    from pipeline.cli.check import run_check

    return run_check(args.files, as_json=args.json, survey_year=args.year)


def _typology(args: argparse.Namespace) -> int:
    from pipeline.cli.typology import run_typology_cli

    return run_typology_cli(args)


def _weights(args: argparse.Namespace) -> int:
    from pipeline.cli.weights import run_weights_cli

    return run_weights_cli(args)


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchParser(
        prog="acter",
        description="Outils de l'observatoire ACTER (questionnaire, vérification, typologie).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE", title="commandes")

    p = sub.add_parser("template", help="écrire le questionnaire Excel à remplir")
    p.add_argument("out", metavar="FICHIER.xlsx", help="fichier à écrire (un fichier existant n'est remplacé qu'avec --force)")
    p.add_argument("--vertical", action="store_true", help="une question par ligne (colonne A) et la réponse en colonne B")
    p.add_argument("--force", action="store_true", help="remplacer le fichier s'il existe déjà")
    p.set_defaults(func=_template)

    p = sub.add_parser("check", help="vérifier des fichiers de réponses (ou tout un dossier) avant de les intégrer")
    p.add_argument("files", nargs="+", metavar="FICHIER_OU_DOSSIER",
                   help="fichiers à vérifier (.xlsx .xlsm .xls .ods .csv), ou dossiers dont chaque fichier est vérifié")
    p.add_argument("--json", action="store_true", help="sortie JSON pour les outils")
    p.add_argument("--year", type=int, default=None, metavar="ANNÉE", help="année de l'enquête (par défaut : params.yaml ou l'année en cours)")
    p.set_defaults(func=_check)

    p = sub.add_parser("typology", help="typologie (ACM + CAH) sur un tableau quelconque")
    p.add_argument("file", metavar="TABLEAU", help="tableau .csv, .xlsx, .ods…")
    p.add_argument("--active", required=True, metavar="VARIABLES", help="variables actives, séparées par des virgules")
    p.add_argument("--quali-sup", default="", metavar="VARIABLES", help="variables qualitatives supplémentaires")
    p.add_argument("--quanti-sup", default="", metavar="VARIABLES", help="variables quantitatives supplémentaires")
    p.add_argument("--id", default=None, metavar="COLONNE", help="colonne identifiant (par défaut : la première)")
    p.add_argument("--ncp", type=int, default=5, metavar="N", help="nombre d'axes retenus (5)")
    p.add_argument("--k", type=int, default=None, metavar="N", help="nombre de types imposé (sinon automatique)")
    p.add_argument("--missing", choices=("passive", "category"), default="passive",
                   help="non-réponses : passive (ACM spécifique, par défaut : elles ne construisent aucun axe) ou "
                        "category (une modalité à part, comme MCA() de FactoMineR par défaut)")
    p.add_argument("--weights", default=None, metavar="COLONNE",
                   help="colonne des poids des individus (row.w de FactoMineR ; par défaut chacun compte une fois)")
    p.add_argument("--out", required=True, metavar="DOSSIER", help="dossier de sortie")
    p.set_defaults(func=_typology)

    p = sub.add_parser("weights", help="poids de redressement (calage sur marges) d'un échantillon")
    p.add_argument("sample", metavar="ÉCHANTILLON", help="répondants : un par ligne, avec les colonnes des marges")
    p.add_argument("--frame", required=True, metavar="BASE", help="base de sondage : une unité par ligne, mêmes colonnes")
    p.add_argument("--margins", required=True, metavar="MARGES", help="colonnes des marges, séparées par des virgules")
    p.add_argument("--id", required=True, metavar="COLONNE", help="colonne identifiant des répondants")
    p.add_argument("--out", required=True, metavar="POIDS.csv", help="fichier à écrire (colonnes id,weight)")
    p.add_argument("--bounds", default=None, metavar="BAS,HAUT", help="bornes du rapport poids final / poids de départ")
    p.add_argument("--trim", action="store_true", help="ramener chaque poids dans les bornes (calage borné)")
    p.add_argument("--tolerance", type=float, default=None, metavar="T", help="arrêt quand aucun poids ne bouge plus de T")
    p.add_argument("--max-iterations", type=int, default=None, metavar="N", help="nombre maximal de passes")
    p.set_defaults(func=_weights)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
