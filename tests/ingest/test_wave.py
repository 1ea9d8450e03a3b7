"""A wave: every file listed once, broken files rejected, the others still read, one typed table."""

from __future__ import annotations

from support.spreadsheets import write_csv, write_xlsx

from pipeline.domain.codebook import load_codebook
from pipeline.ingest.wave import ingest_wave

CB = load_codebook()


def test_broken_files_are_rejected_and_the_others_still_ingested(tmp_path):
    wave = tmp_path / "wave"
    (wave / "sub").mkdir(parents=True)
    write_xlsx(wave / "sub" / "bon.xlsx", {"R": [["A01", "A02"], ["Ville de Rennes", "Commune"]]})
    write_csv(wave / "bon.csv", [["A01", "A02"], ["Ville de Vannes", "Commune"]])
    (wave / "vide.xlsx").write_bytes(b"")
    (wave / "page.xls").write_text("<html><body>erreur</body></html>")
    (wave / "protege.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "EncryptedPackage".encode("utf-16-le"))
    (wave / "abime.xlsx").write_bytes(b"PK\x03\x04garbage")
    (wave / "~$bon.xlsx").write_bytes(b"lock")
    frame, report = ingest_wave(wave)
    status = {f["file"]: f["status"] for f in report["files"]}
    assert status == {
        "abime.xlsx": "rejected", "bon.csv": "ingested", "page.xls": "rejected",
        "protege.xlsx": "rejected", "sub/bon.xlsx": "ingested", "vide.xlsx": "rejected",
    }
    assert sorted(frame["A01"]) == ["Ville de Rennes", "Ville de Vannes"]
    assert report["totals"]["rejected"] == 4 and report["totals"]["rows_read"] == 2
    for f in report["files"]:
        if f["status"] == "rejected":
            assert f["problems"] and f["problems"][0]["file"] == f["file"] and f["problems"][0]["message_fr"]
    assert frame["source_file"].tolist() == ["bon.csv", "sub/bon.xlsx"]
    assert list(frame.columns[1 : 1 + len(CB.columns)]) == list(CB.columns)

