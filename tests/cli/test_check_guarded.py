"""`acter check` reads each file as the wave does: in a guarded worker process with the time limit
of params.yaml, a folder file by file; a crash or an overrun costs that file only."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from conftest import write_params
from support.hostile import encrypted_cfb, good_xlsx, old_biff

from pipeline.cli.main import main as cli_main
from pipeline.ingest import workers

PUBLIC = Path(__file__).resolve().parents[1] / "fixtures" / "public"


def _folder(root: Path) -> Path:
    wave = root / "vague"
    (wave / "région").mkdir(parents=True)
    (wave / "albi.xlsx").write_bytes(good_xlsx())
    (wave / "région" / "protege.xlsx").write_bytes(encrypted_cfb())
    (wave / "région" / "ancien.xls").write_bytes(old_biff())
    (wave / "~$albi.xlsx").write_bytes(b"lock")  # skipped, as the wave skips it
    (wave / ".cache").mkdir()
    (wave / ".cache" / "notes.csv").write_text("A01;A02\nVille;Commune\n", encoding="utf-8")
    return wave


def test_a_folder_is_checked_file_by_file_as_the_wave_lists_them(tmp_path, capsys):
    wave = _folder(tmp_path)
    assert cli_main(["check", str(wave), "--year", "2025", "--json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert [(f["file"], f["status"]) for f in doc["files"]] == [
        ("albi.xlsx", "ingested"), ("région/ancien.xls", "rejected"), ("région/protege.xlsx", "rejected")]
    codes = {f["file"]: [p["code"] for p in f["problems"]] for f in doc["files"]}
    assert codes["région/ancien.xls"] == ["format_too_old"] and codes["région/protege.xlsx"] == ["encrypted_file"]


def test_the_french_report_of_a_folder_names_each_file_and_what_to_do(tmp_path, capsys):
    wave = _folder(tmp_path)
    assert cli_main(["check", str(wave), "--year", "2025"]) == 2
    out = capsys.readouterr().out
    assert "✗ région/ancien.xls : fichier inutilisable" in out
    assert "région/ancien.xls : Le classeur est dans un format trop ancien (Excel 4.0) : enregistrez-le au format .xlsx" in out
    assert "région/protege.xlsx : Le fichier est protégé par un mot de passe" in out and "sans mot de passe" in out


def test_public_files_get_their_message_from_acter_check(capsys):
    files = [str(PUBLIC / n) for n in ("pass_protected.ods", "encrypted-letmein.ods", "issue_385.xls",
                                       "biff4_no_format_no_window2.xls", "Pfand_from_windows_phone.xlsx")]
    assert cli_main(["check", *files, "--year", "2025", "--json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    codes = {f["file"]: [p["code"] for p in f["problems"] if p["severity"] == "error"] for f in doc["files"]}
    assert codes == {"pass_protected.ods": ["encrypted_file"], "encrypted-letmein.ods": ["encrypted_file"],
                     "issue_385.xls": ["encrypted_file"], "biff4_no_format_no_window2.xls": ["format_too_old"],
                     "Pfand_from_windows_phone.xlsx": ["unrecognised_layout"]}


def test_an_empty_or_missing_folder_is_unusable(tmp_path, capsys):
    (tmp_path / "vide").mkdir()
    assert cli_main(["check", str(tmp_path / "vide"), "--year", "2025"]) == 2
    assert "✗ vide : aucun fichier à vérifier dans ce dossier." in capsys.readouterr().out
    assert cli_main(["check", str(tmp_path / "absent"), "--year", "2025"]) == 2
    assert "✗ absent : fichier introuvable." in capsys.readouterr().out


def test_check_applies_the_time_limit_of_params_yaml(tmp_path, monkeypatch, capsys):
    write_params(tmp_path / "params.yaml", ingest={"max_seconds_per_file": 1.5})
    monkeypatch.chdir(tmp_path)  # acter check reads ./params.yaml in a project folder
    for name in ("lent.xlsx", "rapide.xlsx"):
        (tmp_path / name).write_bytes(good_xlsx())
    real = workers.ingest_file

    def slow(path, *args, **kwargs):
        if Path(path).name == "lent.xlsx":
            time.sleep(30)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(workers, "ingest_file", slow)
    t0 = time.perf_counter()
    assert cli_main(["check", "lent.xlsx", "rapide.xlsx", "--year", "2025"]) == 2
    assert time.perf_counter() - t0 < 20
    out = capsys.readouterr().out
    assert "✗ lent.xlsx : fichier inutilisable" in out
    assert "a dépassé la limite de 1,5 s par fichier (ingest.max_seconds_per_file)" in out
    assert "rapide.xlsx" in out


def test_a_reader_crash_costs_one_file(tmp_path, monkeypatch, capsys):
    for name in ("a.xlsx", "b.xlsx"):
        (tmp_path / name).write_bytes(good_xlsx())
    real = workers.ingest_file

    def crashing(path, *args, **kwargs):
        if Path(path).name == "a.xlsx":  # as the kernel kills a reader out of memory
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(workers, "ingest_file", crashing)
    assert cli_main(["check", str(tmp_path / "a.xlsx"), str(tmp_path / "b.xlsx"), "--year", "2025", "--json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert [(f["file"], f["status"]) for f in doc["files"]] == [("a.xlsx", "rejected"), ("b.xlsx", "ingested")]
    assert doc["files"][0]["problems"][0]["code"] == "reader_crash"
