"""The `acter` command line speaks French: help, usage, errors; `acter template` never overwrites
a file unless told to."""

from __future__ import annotations

import pytest

from pipeline.cli.main import build_parser, french_error
from pipeline.cli.main import main as cli_main

ENGLISH = ("usage:", "positional arguments", "optional arguments", "show this help message", "error:",
           "the following arguments are required", "invalid choice", "unrecognized arguments", "invalid int value",
           "expected one argument")


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        cli_main(argv)
    out, err = capsys.readouterr()
    return stop.value.code, out, err


@pytest.mark.parametrize("argv", [["--help"], ["template", "--help"], ["check", "--help"], ["typology", "--help"]])
def test_help_is_in_french(argv, capsys):
    code, out, _ = _run(argv, capsys)
    assert code == 0
    assert out.startswith("utilisation : acter")
    assert "afficher cette aide et quitter" in out and "options:" in out
    assert not [w for w in ENGLISH if w in out]


@pytest.mark.parametrize("argv, message", [
    ([], "acter : erreur : arguments obligatoires manquants : COMMANDE"),
    (["chek"], "acter : erreur : argument COMMANDE : choix invalide : 'chek' (choisir parmi 'template', 'check', 'typology', 'weights')"),
    (["check"], "acter check : erreur : arguments obligatoires manquants : FICHIER_OU_DOSSIER"),
    (["check", "a.xlsx", "--year", "deux"], "acter check : erreur : argument --year : nombre entier attendu, pas 'deux'"),
    (["check", "a.xlsx", "--year"], "acter check : erreur : argument --year : une valeur est attendue"),
    (["check", "a.xlsx", "--jsno"], "acter : erreur : arguments non reconnus : --jsno"),
    (["typology", "t.csv"], "acter typology : erreur : arguments obligatoires manquants : --active, --out"),
])
def test_command_line_mistakes_are_one_french_sentence_and_exit_2(argv, message, capsys):
    code, out, err = _run(argv, capsys)
    assert code == 2 and out == ""
    assert err.startswith("utilisation : acter") and err.rstrip().endswith(message)
    assert not [w for w in ENGLISH if w in err]


def test_unknown_argparse_messages_are_left_as_they_are():
    assert french_error("something new") == "something new"
    assert french_error("argument --k: invalid float value: 'x'") == "argument --k : nombre attendu, pas 'x'"


def test_template_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "questionnaire.xlsx"
    assert cli_main(["template", str(out)]) == 0
    assert f"Questionnaire écrit : {out}" in capsys.readouterr().out
    out.write_bytes(b"le travail d'un collegue")
    assert cli_main(["template", str(out)]) == 2
    _, err = capsys.readouterr()
    assert err.strip() == (f"Erreur : le fichier {out} existe déjà et n'a pas été remplacé : choisissez un autre nom, "
                           "ou ajoutez --force pour l'écraser.")
    assert out.read_bytes() == b"le travail d'un collegue"
    assert cli_main(["template", str(out), "--force", "--vertical"]) == 0
    assert out.read_bytes().startswith(b"PK")


def test_template_into_a_folder_is_refused(tmp_path, capsys):
    assert cli_main(["template", str(tmp_path)]) == 2
    assert "est un dossier" in capsys.readouterr().err


def test_the_parser_is_french_all_the_way_down():
    parser = build_parser()
    assert parser.format_usage().startswith("utilisation : acter")
