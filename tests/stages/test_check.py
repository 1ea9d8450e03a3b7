"""The check stage stops dvc repro with French lines before any output is touched."""

from __future__ import annotations

from conftest import write_params

from pipeline.stages.check import main


def test_valid_inputs_write_the_stamp(tmp_path, capsys):
    assert main(["--params", str(write_params(tmp_path / "params.yaml")), "--out", str(tmp_path / "check.json")]) == 0
    assert (tmp_path / "check.json").is_file()
    assert "valides" in capsys.readouterr().out


def test_a_typo_and_a_missing_wave_fail_before_anything_is_written(tmp_path, capsys):
    params = write_params(tmp_path / "params.yaml", report={"small_cell_treshold": 3})
    assert main(["--params", str(params), "--out", str(tmp_path / "check.json")]) == 2
    err = capsys.readouterr().err
    assert "Erreur : params.yaml, report.small_cell_treshold : clé inconnue" in err
    assert "rien n'a été modifié" in err and "Traceback" not in err
    assert not (tmp_path / "check.json").exists()
    params = write_params(tmp_path / "params.yaml", survey={"wave": str(tmp_path / "raw" / "2026"), "year": 2026,
                                                            "reference_year": 2025})
    (tmp_path / "raw" / "2026").mkdir(parents=True)
    assert main(["--params", str(params), "--out", str(tmp_path / "check.json")]) == 2
    err = capsys.readouterr().err
    assert f"survey.wave : le dossier {tmp_path / 'raw' / '2026'} est vide" in err
    assert f"dvc pull {tmp_path / 'raw' / '2026'}.dvc" in err
