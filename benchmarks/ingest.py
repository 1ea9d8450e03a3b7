"""Benchmark: ingest_wave on N one-respondent filled workbooks vs a raw calamine parse.

    .venv/bin/python benchmarks/ingest.py [N]

Prints plain lines, e.g.
``ingest 1000 files: 4.1 s; calamine raw parse: 1.6 s; ratio 2.6x (target <= 3x)``.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

import python_calamine
from openpyxl import Workbook

from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest import ingest_wave

TARGET = 3.0


def _answers(rng: random.Random, cb) -> dict[str, object]:
    out: dict[str, object] = {}
    for q in cb:
        if rng.random() < 0.1:
            continue
        if q.type == "single":
            out[q.code] = rng.choice(q.modalities).label
        elif q.type == "multi":
            for col in q.columns:
                out[col] = rng.random() < 0.3
        elif q.type == "number":
            out[q.code] = float(rng.randint(0, 2000))
        elif q.type == "date":
            out[q.code] = f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        elif q.code == "A03":
            out[q.code] = "213100555"
        else:
            out[q.code] = f"Collectivité {rng.randint(1, 10**6)}"
    return out


def _write(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    wb = Workbook(write_only=True)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def make_wave(folder: Path, n: int, seed: int = 1) -> None:
    """n filled questionnaires laid out as the template (horizontal; every 10th vertical).

    Written with a lean openpyxl write-only writer: ``fill_template`` takes ~0.3 s a file
    (validations, styles), too slow to generate 1,000 files inside a benchmark.
    """
    cb = load_codebook()
    rng = random.Random(seed)
    columns = [(col, q) for q in cb for col in q.columns]
    labels = [f"{q.code} - {q.label}" + (f" : {q.modality(col.split('__')[1]).label}" if "__" in col else "") for col, q in columns]
    codes = [col for col, _ in columns]
    instructions = [["Questionnaire ACTER : mode d'emploi"]] + [[f"{lab}", "aide"] for lab in labels[:40]]
    lists = [[m.label for m in q.modalities] for q in cb.of_type("single", "multi")]
    for i in range(n):
        answers = _answers(rng, cb)
        cells = [("Oui" if answers[c] else "Non") if isinstance(answers.get(c), bool) else answers.get(c) for c in codes]
        if i % 10 == 9:
            sheet = [["Questionnaire ACTER 2025"], ["Question", "Votre réponse", "Aide"]]
            sheet += [[lab, cell, "aide"] for lab, cell in zip(labels, cells)]
        else:
            sheet = [["Questionnaire ACTER 2025"], ["Identification"], labels, codes, cells]
        _write(folder / f"reponse_{i:04d}.xlsx", {"Instructions": instructions, "Réponses": sheet, "Listes": lists})


def raw_parse(folder: Path) -> int:
    """Baseline: open every file with calamine and read all its sheets to Python lists."""
    cells = 0
    for path in sorted(folder.iterdir()):
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            cells += sum(len(r) for r in rows)
        wb.close()
    return cells


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 1000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        make_wave(folder, n)
        print(f"generated {n} filled workbooks in {time.perf_counter() - t0:.1f} s")
        cb = load_codebook()
        ingest_wave(folder, cb, defaults(IngestParams))  # warm caches (codebook, matchers) as a real run would after file 1
        t0 = time.perf_counter()
        raw_parse(folder)
        raw = time.perf_counter() - t0
        t0 = time.perf_counter()
        frame, report = ingest_wave(folder, cb, defaults(IngestParams))
        ing = time.perf_counter() - t0
    ratio = ing / raw if raw else float("inf")
    print(f"rows read: {len(frame)}; statuses: ingested {report['totals']['ingested']}, "
          f"partial {report['totals']['partial']}, rejected {report['totals']['rejected']}")
    print(f"ingest {n} files: {ing:.1f} s; calamine raw parse: {raw:.1f} s; ratio {ratio:.1f}x (target <= {TARGET:g}x)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
