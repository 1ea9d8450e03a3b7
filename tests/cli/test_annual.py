"""`make annual YEAR=2025`: params.yaml pointed at a year's wave and at the year before, under DVC's lock."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import yaml

from pipeline.cli.annual import check_waves, main, set_survey, survey_values

PARAMS = """# comment on top
survey:
  year: 2025                 # survey year
  wave: data/raw/demo/2025   # folder
demo:
  seed: 1   # kept
"""


def test_set_survey_changes_only_the_survey_values():
    text = set_survey(PARAMS, survey_values(2026, "data/raw"))
    assert yaml.safe_load(text)["survey"] == {"year": 2026, "wave": "data/raw/2026", "reference_year": 2025,
                                              "reference_wave": "data/raw/2025"}
    lines = text.splitlines()
    assert lines[0] == "# comment on top" and "  seed: 1   # kept" in lines
    assert "  year: 2026                 # survey year" in lines
    assert "  wave: data/raw/2026        # folder" in lines
    assert survey_values(2025, "demo")["reference_wave"] == "data/raw/demo/2024"


def test_missing_wave_folder_is_explained_in_french(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(PARAMS, encoding="utf-8")
    (tmp_path / "data" / "raw" / "2024").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "2024" / "reponse.xlsx").write_bytes(b"x")
    assert main(["--year", "2025"]) == 2
    err = capsys.readouterr().err
    assert "Vague 2025 introuvable : le dossier data/raw/2025 n'existe pas" in err
    assert "dvc add data/raw/2025" in err and "WAVES=demo" in err and "référence" not in err
    assert (tmp_path / "params.yaml").read_text(encoding="utf-8") == PARAMS  # untouched
    (tmp_path / "data" / "raw" / "2025").mkdir()
    (tmp_path / "data" / "raw" / "2025.dvc").write_text("outs: []\n", encoding="utf-8")
    problems = check_waves(survey_values(2025, "data/raw"), "data/raw")
    assert "ne contient aucun fichier" in problems[0] and "dvc pull data/raw/2025.dvc" in problems[0]
    (tmp_path / "data" / "raw" / "2025" / "a.csv").write_text("x", encoding="utf-8")
    assert main(["--year", "2025"]) == 0
    assert yaml.safe_load((tmp_path / "params.yaml").read_text(encoding="utf-8"))["survey"]["wave"] == "data/raw/2025"


def test_first_survey_without_an_earlier_wave_is_its_own_reference(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(PARAMS, encoding="utf-8")
    (tmp_path / "data" / "raw" / "2025").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "2025" / "reponse.xlsx").write_bytes(b"x")
    assert main(["--year", "2025"]) == 0
    assert "première enquête" in capsys.readouterr().out
    survey = yaml.safe_load((tmp_path / "params.yaml").read_text(encoding="utf-8"))["survey"]
    assert survey == {"year": 2025, "wave": "data/raw/2025", "reference_year": 2025, "reference_wave": "data/raw/2025"}

# what DVC does while it runs (dvc/lock.py: zc.lockfile on .dvc/tmp/lock)
HOLD_LOCK = ("import time, zc.lockfile\nlock = zc.lockfile.LockFile('.dvc/tmp/lock')\n"
             "print('held', flush=True)\ntime.sleep(120)")


def _hold_dvc_lock(repo) -> subprocess.Popen:
    """Another process holding DVC's repository lock, as `dvc repro` does while it runs."""
    (repo / ".dvc" / "tmp").mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK], cwd=repo, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_refused_while_a_dvc_run_holds_the_repository(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(PARAMS, encoding="utf-8")
    for year in (2025, 2026):
        (tmp_path / "data" / "raw" / str(year)).mkdir(parents=True)
        (tmp_path / "data" / "raw" / str(year) / "reponse.xlsx").write_bytes(b"x")
    holder = _hold_dvc_lock(tmp_path)
    try:
        start = time.monotonic()
        assert main(["--year", "2026"]) == 3
        assert time.monotonic() - start < 30
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert "Une commande DVC (dvc repro, dvc exp run, dvc checkout…) est en cours dans ce dépôt : " \
           "params.yaml n'a pas été modifié. Attendez qu'elle se termine, puis relancez la commande." in err
    assert (tmp_path / "params.yaml").read_text(encoding="utf-8") == PARAMS  # untouched
    assert main(["--year", "2026"]) == 0  # the run is over: the same command goes through
    assert yaml.safe_load((tmp_path / "params.yaml").read_text(encoding="utf-8"))["survey"]["year"] == 2026


def test_refused_while_a_dvc_stage_runs(tmp_path, monkeypatch, capsys):
    """While a stage's command runs, DVC lets go of its lock and lists the stage in .dvc/tmp/rwlock."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(PARAMS, encoding="utf-8")
    (tmp_path / ".dvc" / "tmp").mkdir(parents=True)
    stage = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    rwlock = tmp_path / ".dvc" / "tmp" / "rwlock"
    try:
        rwlock.write_text(json.dumps({"write": {str(tmp_path / "data" / "interim"): {
            "pid": stage.pid, "cmd": "dvc repro"}}, "read": {}}), encoding="utf-8")
        assert main(["--year", "2026", "--waves", "demo"]) == 3
    finally:
        stage.kill()
        stage.wait()
    err = capsys.readouterr().err
    assert "est en cours dans ce dépôt : params.yaml n'a pas été modifié." in err
    assert f"En cours : PID {stage.pid} : dvc repro." in err
    assert (tmp_path / "params.yaml").read_text(encoding="utf-8") == PARAMS
    assert main(["--year", "2026", "--waves", "demo"]) == 0  # the stage's process is gone: a stale entry
