"""Published reports are kept: the report stage builds into data/reports/<year>/, `make annual`
publishes the year to reports/<year>/ (tracked by reports/<year>.dvc) when it is not published yet,
and nothing afterwards (`make annual` of the next year, `dvc checkout`, `dvc exp run`, a failed run)
removes or rewrites a published year or a file an analyst added to it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

from support.pipeline_run import YEAR, copy_repo, dvc, env, make, run, tree_bytes

NOTE = "notes-analyste.docx"


def test_session_run_published_the_year(repo):
    published, build = repo / "reports" / str(YEAR), repo / "data" / "reports" / str(YEAR)
    assert tree_bytes(published) == tree_bytes(build) and (published / "national.html").is_file()
    assert run(["git", "ls-files", "reports"], repo).stdout.split() == [f"reports/{YEAR}.dvc"]
    assert "up to date" in dvc("status", f"reports/{YEAR}.dvc", cwd=repo).stdout


def test_next_year_keeps_last_years_reports_and_the_analysts_file(repo, tmp_path):
    work = copy_repo(repo, tmp_path / "annee-suivante")
    published = work / "reports" / str(YEAR)
    (published / NOTE).write_bytes(b"commentaires de l'analyste sur 2025")
    before, tracked = tree_bytes(published), (work / "reports" / f"{YEAR}.dvc").read_bytes()
    # the real waves of the two years (here the demo's returned files), tracked as the README says
    for year, demo in ((YEAR, YEAR - 1), (YEAR + 1, YEAR)):
        shutil.copytree(work / "data" / "raw" / "demo" / str(demo), work / "data" / "raw" / str(year))
    waves = {year: tree_bytes(work / "data" / "raw" / str(year)) for year in (YEAR, YEAR + 1)}
    dvc("add", f"data/raw/{YEAR}", f"data/raw/{YEAR + 1}", cwd=work)
    run(["git", "add", f"data/raw/{YEAR}.dvc", f"data/raw/{YEAR + 1}.dvc"], work)
    run(["git", "commit", "-q", "-m", "Vagues"], work)

    out = make(work, "annual", f"YEAR={YEAR + 1}").stdout
    assert f"Rapports {YEAR + 1} publiés dans reports/{YEAR + 1}/" in out
    assert tree_bytes(work / "reports" / str(YEAR + 1)) == tree_bytes(work / "data" / "reports" / str(YEAR + 1))
    run(["git", "add", "params.yaml", "dvc.lock", f"reports/{YEAR + 1}.dvc"], work)  # as the README says
    run(["git", "commit", "-q", "-m", f"Enquête {YEAR + 1}"], work)

    def intact() -> None:
        assert tree_bytes(published) == before
        assert (work / "reports" / f"{YEAR}.dvc").read_bytes() == tracked
        assert all(tree_bytes(work / "data" / "raw" / str(year)) == waves[year] for year in waves)

    intact()
    dvc("checkout", cwd=work)
    intact()
    dvc("exp", "run", cwd=work)
    intact()
    assert (work / "reports" / str(YEAR + 1) / "national.html").is_file()

    # a one-letter typo in params.yaml: the run fails, every published report stays
    reports = tree_bytes(work / "reports")
    params = work / "params.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("small_cell_threshold", "small_cell_treshold"),
                      encoding="utf-8")
    assert make(work, "repro", check=False).returncode != 0
    assert tree_bytes(work / "reports") == reports
    intact()


def test_make_annual_is_refused_while_dvc_repro_runs(repo, tmp_path):
    work = copy_repo(repo, tmp_path / "deux-commandes")
    params = (work / "params.yaml").read_bytes()
    repro = subprocess.Popen([sys.executable, "-m", "dvc", "repro", "--force", "--single-item", "report"], cwd=work,
                             env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        start = time.monotonic()
        while not any((work / "data" / "reports").glob(f".{YEAR}.partial-*")):  # the report stage is running
            assert repro.poll() is None and time.monotonic() - start < 120, "dvc repro never reached the report stage"
            time.sleep(0.05)
        refused = make(work, "annual", f"YEAR={YEAR + 1}", "WAVES=demo", check=False)
        assert repro.poll() is None  # still running: the refusal did not wait for it
    finally:
        os.killpg(repro.pid, signal.SIGKILL)
        repro.wait()
    assert refused.returncode != 0
    assert "Une commande DVC (dvc repro, dvc exp run, dvc checkout…) est en cours dans ce dépôt : params.yaml " \
           "n'a pas été modifié. Attendez qu'elle se termine, puis relancez la commande." in refused.stderr
    assert (work / "params.yaml").read_bytes() == params
