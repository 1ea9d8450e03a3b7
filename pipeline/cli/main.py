"""`acter` command line: template, check, typology. Messages for users are in French."""

from __future__ import annotations

import argparse
import sys


def _template(args: argparse.Namespace) -> int:
    from pipeline.questionnaire.template import write_template

    write_template(args.out, vertical=args.vertical)
    print(f"Questionnaire écrit : {args.out}" + (" (format vertical)" if args.vertical else ""))
    return 0


def _check(args: argparse.Namespace) -> int:
    from pipeline.cli.check import run_check

    return run_check(args.files, as_json=args.json, survey_year=args.year)


def _typology(args: argparse.Namespace) -> int:
    from pipeline.cli.typology import run_typology_cli

    return run_typology_cli(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acter",
        description="Outils de l'observatoire ACTER (questionnaire, vérification, typologie).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")

    p = sub.add_parser("template", help="écrire le questionnaire Excel à remplir")
    p.add_argument("out", help="fichier .xlsx à écrire")
    p.add_argument("--vertical", action="store_true", help="une question par ligne (colonne A) et la réponse en colonne B")
    p.set_defaults(func=_template)

    p = sub.add_parser("check", help="vérifier un ou plusieurs fichiers de réponses avant de les intégrer")
    p.add_argument("files", nargs="+", help="fichiers à vérifier (.xlsx .xlsm .xls .ods .csv)")
    p.add_argument("--json", action="store_true", help="sortie JSON pour les outils")
    p.add_argument("--year", type=int, default=None, help="année de l'enquête (par défaut : params.yaml ou l'année en cours)")
    p.set_defaults(func=_check)

    p = sub.add_parser("typology", help="typologie (ACM + CAH) sur un tableau quelconque")
    p.add_argument("file", help="tableau .csv, .xlsx, .ods…")
    p.add_argument("--active", required=True, help="variables actives, séparées par des virgules")
    p.add_argument("--quali-sup", default="", help="variables qualitatives supplémentaires")
    p.add_argument("--quanti-sup", default="", help="variables quantitatives supplémentaires")
    p.add_argument("--id", default=None, help="colonne identifiant (par défaut : la première)")
    p.add_argument("--ncp", type=int, default=5, help="nombre d'axes retenus (5)")
    p.add_argument("--k", type=int, default=None, help="nombre de types imposé (sinon automatique)")
    p.add_argument("--out", required=True, help="dossier de sortie")
    p.set_defaults(func=_typology)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
