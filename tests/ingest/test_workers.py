"""Workers: a file that raises, kills its reader or overruns the time limit costs that file only."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from support.hostile import good_xlsx
from support.spreadsheets import write_xlsx

from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest import workers
from pipeline.ingest.wave import ingest_wave


def _wave(folder: Path) -> Path:
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        (folder / name).write_bytes(good_xlsx())
    return folder


def test_an_internal_error_on_one_file_does_not_cost_the_wave(tmp_path, monkeypatch):
    wave = tmp_path / "w"
    wave.mkdir()
    write_xlsx(wave / "a.xlsx", {"R": [["A01", "A02"], ["Ville d'Albi", "Commune"]]})
    write_xlsx(wave / "b.xlsx", {"R": [["A01", "A02"], ["Ville de Rodez", "Commune"]]})
    real = workers.ingest_file

    def flaky(path, *args, **kwargs):
        if path.name == "b.xlsx":
            raise RuntimeError("boom")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(workers, "ingest_file", flaky)
    frame, report = ingest_wave(wave)
    assert frame["A01"].tolist() == ["Ville d'Albi"]
    assert report["files"][1]["status"] == "rejected" and report["files"][1]["problems"][0]["code"] == "internal_error"
    # without worker processes too
    frame, report = ingest_wave(wave, params=defaults(IngestParams, max_seconds_per_file=0))
    assert frame["A01"].tolist() == ["Ville d'Albi"] and report["files"][1]["problems"][0]["code"] == "internal_error"


def test_a_reader_crash_costs_one_file_not_the_wave(tmp_path, monkeypatch):
    wave = _wave(tmp_path / "w")
    real = workers.ingest_file

    def crashing(path, *args, **kwargs):
        if Path(path).name == "b.xlsx":  # as the kernel kills a reader out of memory
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(workers, "ingest_file", crashing)
    t0 = time.perf_counter()
    frame, report = ingest_wave(wave, params=defaults(IngestParams, max_seconds_per_file=30))
    assert time.perf_counter() - t0 < 30
    statuses = {e["file"]: e["status"] for e in report["files"]}
    assert statuses == {"a.xlsx": "ingested", "b.xlsx": "rejected", "c.xlsx": "ingested"}
    crash = report["files"][1]["problems"][0]
    assert crash["code"] == "reader_crash" and "b.xlsx" in crash["message_fr"]
    assert len(frame) == 4


def test_a_file_over_the_time_limit_is_rejected_naming_the_limit(tmp_path, monkeypatch):
    wave = _wave(tmp_path / "w")
    real = workers.ingest_file

    def slow(path, *args, **kwargs):
        if Path(path).name == "a.xlsx":
            time.sleep(30)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(workers, "ingest_file", slow)
    t0 = time.perf_counter()
    frame, report = ingest_wave(wave, params=defaults(IngestParams, max_seconds_per_file=1.5, workers=2))
    assert time.perf_counter() - t0 < 20
    assert [e["status"] for e in report["files"]] == ["rejected", "ingested", "ingested"]  # in file order
    late = report["files"][0]["problems"][0]
    assert late["code"] == "time_limit" and "1,5 s" in late["message_fr"] and "ingest.max_seconds_per_file" in late["message_fr"]
    assert frame["source_file"].tolist() == ["b.xlsx", "b.xlsx", "c.xlsx", "c.xlsx"]
