"""`make publish YEAR=2025 [REMPLACER=1]`: data/reports/<year>/ published to reports/<year>/, tracked
by DVC one file per output; an analyst's files kept and named; nothing overwritten that is saved nowhere."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from support.pipeline_run import ROOT, dvc, run, tree_bytes

from pipeline.cli.publish import (
    ADDED,
    Recorded,
    Refused,
    main,
    plan_publication,
    publish,
    read_recorded,
)
from pipeline.cli.repo_lock import RepoBusy


def test_first_publication_takes_every_built_file():
    plan = plan_publication({"national.html": "a", "regions/x.html": "b"}, {}, {})
    assert plan.generated == plan.new == ["national.html", "regions/x.html"]
    assert not (plan.kept or plan.replaced or plan.withdrawn or plan.conflicts)


def test_republication_replaces_generated_files_and_keeps_the_analysts():
    recorded = {"national.html": Recorded("n1", False), "regions/old.html": Recorded("o1", False),
                "regions/edited.html": Recorded("e1", False), "notes.docx": Recorded("d1", True),
                "lost.txt": Recorded("l1", True), "figures/gone.png": Recorded("g1", False)}
    folder = {"national.html": "n1", "tableaux.xlsx": "t1", "regions/old.html": "o1",
              "regions/edited.html": "e2", "notes.docx": "d1", "new-note.txt": "x1"}
    build = {"national.html": "n2", "tableaux.xlsx": "t1", "regions/new.html": "w1"}
    plan = plan_publication(build, folder, recorded)
    assert plan.conflicts == []
    assert plan.replaced == ["national.html"] and plan.unchanged == ["tableaux.xlsx"]
    assert plan.new == ["regions/new.html"]
    # generated, unchanged since published, no longer built: withdrawn (its version is in the DVC cache)
    assert plan.withdrawn == ["regions/old.html", "figures/gone.png"]
    # an analyst's files, and a generated file changed by hand that the pipeline no longer builds
    assert plan.kept == ["new-note.txt", "notes.docx", "regions/edited.html"]
    assert plan.missing == ["lost.txt"]


def test_a_file_saved_nowhere_is_never_overwritten():
    recorded = {"national.html": Recorded("n1", False), "regions/x.html": Recorded("x1", True)}
    folder = {"national.html": "n-edited", "regions/x.html": "x1", "tableaux.xlsx": "t0"}
    build = {"national.html": "n2", "regions/x.html": "x2", "tableaux.xlsx": "t1"}
    conflicts = plan_publication(build, folder, recorded).conflicts
    assert [c.split(" : ")[0] for c in conflicts] == ["national.html", "regions/x.html", "tableaux.xlsx"]
    assert "modifié depuis la publication, ou jamais publié" in conflicts[0]
    assert "fichier ajouté par un analyste" in conflicts[1]


@pytest.fixture
def built(tmp_path):
    """A project folder (.dvc/, params.yaml) with a built year: data/reports/2025/ (national, one network)."""
    root = tmp_path / "projet"
    (root / ".dvc").mkdir(parents=True)
    (root / "params.yaml").write_text("survey:\n  year: 2025\n", encoding="utf-8")
    build = root / "data" / "reports" / "2025"
    (build / "regions").mkdir(parents=True)
    (build / "national.html").write_text("national v1", encoding="utf-8")
    (build / "regions" / "a.html").write_text("réseau a v1", encoding="utf-8")
    return root


@pytest.fixture
def project(built):
    """``built`` as a git + DVC repository, with the project's .gitignore."""
    run(["git", "init", "-q"], built)
    dvc("init", "-q", "--force", cwd=built)
    (built / ".gitignore").write_bytes((ROOT / ".gitignore").read_bytes())  # reports/<year>/ is DVC's, not git's
    return built


@pytest.mark.slow
def test_publish_then_republish_keeps_the_analysts_files(project, capsys):
    root, year = project, 2025
    published, build = root / "reports" / "2025", root / "data" / "reports" / "2025"
    lines = publish(root, year)
    assert lines[0] == "Rapports 2025 publiés dans reports/2025/ (2 fichiers), suivis par DVC : reports/2025.dvc."
    assert lines[-1] == "À committer : git add reports/2025.dvc ; dvc push les enverra au stockage partagé."
    assert tree_bytes(published) == tree_bytes(build)
    assert set(read_recorded(root, year)) == {"national.html", "regions/a.html"}
    assert "up to date" in dvc("status", "reports/2025.dvc", cwd=root).stdout

    with pytest.raises(Refused, match="make publish YEAR=2025 REMPLACER=1"):
        publish(root, year)
    assert publish(root, year, auto=True)[-1].endswith("la nouvelle construction (data/reports/2025/) est identique.")

    # an analyst adds a file; a new build changes one report, drops a network, adds another
    (published / "notes.docx").write_bytes(b"mes notes")
    (build / "national.html").write_text("national v2", encoding="utf-8")
    (build / "regions" / "a.html").unlink()
    (build / "regions" / "b.html").write_text("réseau b", encoding="utf-8")
    before = tree_bytes(published)
    message = publish(root, year, auto=True)[-1]
    assert message == ("Rapports 2025 déjà publiés dans reports/2025/ : laissés tels quels. La nouvelle version est "
                       "dans data/reports/2025/ (3 fichier(s) différent(s)) ; pour la publier à la place : make publish "
                       "YEAR=2025 REMPLACER=1 (les fichiers que vous avez ajoutés dans reports/2025/ sont gardés).")
    assert tree_bytes(published) == before
    dvc("checkout", cwd=root)  # the analyst's file is no DVC output: checkout leaves it alone
    assert tree_bytes(published) == before

    assert main(["--params", str(root / "params.yaml"), "--year", "2025", "--replace"]) == 0
    out = capsys.readouterr().out
    assert "Rapports 2025 republiés dans reports/2025/ : 1 fichier(s) remplacé(s), 1 nouveau(x), 0 identique(s)." in out
    assert "Gardés (ajoutés à la main, publiés avec les rapports) : notes.docx" in out
    assert "Retirés (le pipeline ne les produit plus ; leur version publiée reste dans le cache DVC et " \
           "l'historique de reports/2025.dvc) : regions/a.html" in out
    assert tree_bytes(published) == {**tree_bytes(build), "notes.docx": b"mes notes"}
    recorded = read_recorded(root, year)
    assert recorded["notes.docx"].added and not recorded["national.html"].added
    outs = yaml.safe_load((root / "reports" / "2025.dvc").read_text(encoding="utf-8"))["outs"]
    assert {o["path"]: o.get("desc") for o in outs}["2025/notes.docx"] == ADDED
    assert "up to date" in dvc("status", "reports/2025.dvc", cwd=root).stdout

    # a published report changed by hand is saved nowhere: republishing stops and names it
    (published / "national.html").write_text("national corrigé à la main", encoding="utf-8")
    (build / "national.html").write_text("national v3", encoding="utf-8")
    before = tree_bytes(published)
    assert main(["--params", str(root / "params.yaml"), "--year", "2025", "--replace"]) == 1
    err = capsys.readouterr().err
    assert "Rien n'a été publié : 1 fichier(s) de reports/2025/ seraient perdus." in err
    assert "national.html : modifié depuis la publication" in err
    assert tree_bytes(published) == before


@pytest.mark.slow
def test_a_folder_left_untracked_is_tracked_as_it_is(project):
    legacy = project / "reports" / "2024"
    (legacy / "regions").mkdir(parents=True)
    (legacy / "national.html").write_text("rapport 2024", encoding="utf-8")
    (legacy / "regions" / "z.html").write_text("réseau z", encoding="utf-8")
    before = tree_bytes(legacy)
    lines = publish(project, 2025, auto=True)
    assert lines[0] == ("reports/2024/ n'était pas suivi par DVC : il l'est désormais, tel quel "
                        "(2 fichiers, reports/2024.dvc à committer).")
    assert lines[1].startswith("Rapports 2025 publiés dans reports/2025/")
    assert tree_bytes(legacy) == before and set(read_recorded(project, 2024)) == {"national.html", "regions/z.html"}


# what DVC does while it runs (dvc/lock.py: zc.lockfile on .dvc/tmp/lock)
HOLD_LOCK = ("import time, zc.lockfile\nlock = zc.lockfile.LockFile('.dvc/tmp/lock')\n"
             "print('held', flush=True)\ntime.sleep(120)")


@pytest.mark.slow
def test_refused_while_a_dvc_run_holds_the_repository(built):
    (built / ".dvc" / "tmp").mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK], cwd=built, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RepoBusy, match="reports/2025/ n'a pas été modifié"):
            publish(built, 2025)
    finally:
        holder.kill()
        holder.wait()
    assert not (built / "reports").exists()


def test_nothing_built_says_what_to_run(built):
    with pytest.raises(Refused, match=r"Aucun rapport 2026 construit dans data/reports/2026/ : lancez d'abord "
                                      r"make annual YEAR=2026"):
        publish(built, 2026)
