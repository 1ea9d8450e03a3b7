"""Demo survey wave: a seeded population of collectivités, their returned files, and the truth.

``python -m pipeline.demo --params params.yaml --out data/raw/demo --truth data/demo`` writes
the returned files (every layout and format of the questionnaire's "How answers come back",
with realistic mistakes) under ``--out`` and, apart from them, the ground truth under
``--truth``: ``truth.parquet`` (what ingest should read from each file), ``manifest.json``
(files, expected status, planted mistakes with their cells) and ``collectivites.parquet``
(the population with its planted organisational model).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from pipeline.codebook import Codebook, load_codebook
from pipeline.demo_layouts import (
    FLAG_KINDS,
    VALUE_KINDS,
    KIND_CODES,
    Mistake,
    Placement,
    Rendered,
    Submission,
    Templates,
    applicable,
    broken_bytes,
    modality_applies,
    render_forms,
    render_homemade_horizontal,
    render_homemade_vertical,
    render_kobo,
    render_limesurvey,
    render_template,
)
from pipeline.demo_models import select_models
from pipeline.demo_population import (
    FORMULA_COMMENT,
    NO_NETWORK,
    SCRIPT_COMMENT,
    Answers,
    Collectivite,
    ascii_fold,
    first_draft,
    generate_answers,
    generate_population,
)
from pipeline.params import load_block, read_params
from pipeline.template import PREPARED_ROWS

EXTENSIONS = {"xlsx": ".xlsx", "xlsm": ".xlsm", "ods": ".ods", "csv_utf8": ".csv", "csv_utf8_bom": ".csv",
              "csv_cp1252": ".csv", "xls": ".xls"}
# Online survey tools: (channel, layout, format). A network collects its online answers with one tool.
CHANNELS = (
    ("limesurvey_codes", "limesurvey", "xlsx"),
    ("kobo", "kobo", "csv_utf8_bom"),
    ("google_csv", "forms", "csv_cp1252"),
    ("limesurvey_labels", "limesurvey", "csv_utf8"),
    ("sphinx", "forms", "xlsx"),
    ("google_ods", "forms", "ods"),
)
# Share of answers by way of return (online tools share the rest) and formats per layout.
LAYOUT_WEIGHTS = {"template_horizontal": 0.25, "template_vertical": 0.10, "horizontal": 0.08, "vertical": 0.10,
                  "online": 0.47}
FORMAT_WEIGHTS = {
    "template_horizontal": {"xlsx": 0.85, "xlsm": 0.10, "ods": 0.05},
    "template_vertical": {"xlsx": 0.90, "xlsm": 0.10},
    "horizontal": {"xlsx": 0.60, "xlsm": 0.10, "ods": 0.15, "csv_cp1252": 0.15},
    "vertical": {"xlsx": 0.75, "ods": 0.25},
}
# The first files of each layout take these formats, so that a small wave has every format.
FORCED_FORMATS = {"template_horizontal": ("xlsm", "ods"), "template_vertical": ("xlsm",),
                  "horizontal": ("ods", "csv_cp1252", "xlsm"), "vertical": ("ods",)}
FORCED_LAYOUTS = ("template_horizontal", "template_horizontal", "template_horizontal", "template_vertical",
                  "template_vertical", "horizontal", "horizontal", "horizontal", "vertical", "vertical")
OMITTABLE = ("A10", "A12", "A13", "F05", "C05", "E05", "A09", "A08", "D05")
BROKEN_KINDS = (("truncated_xlsx", "xlsx"), ("html_xls", "xls"), ("empty_csv", "csv_utf8"))


@dataclass(frozen=True)
class DemoParams:
    """Block ``demo:`` of params.yaml."""

    seed: int
    n_collectivites: int = 600
    n_models: int = 5
    unreadable_files: int = 3
    response_rate: float = 0.42
    duplicate_rate: float = 0.02
    mistake_rate: float = 0.3
    flag_rate: float = 0.01


@dataclass(frozen=True)
class FileEntry:
    file: str
    layout: str
    format: str
    expected_status: str
    n_respondents: int


@dataclass
class Manifest:
    year: int
    seed: int
    files: list[FileEntry] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"year": self.year, "seed": self.seed, "files": [asdict(f) for f in self.files],
                "mistakes": [m.to_dict() for m in self.mistakes]}


# --- planning -----------------------------------------------------------------------------------


def _network_folder(c: Collectivite) -> str:
    return "Hors réseau" if c.rrma == NO_NETWORK else f"Réponses {c.region_name}"


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys])
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def build_submissions(rng: np.random.Generator, cb: Codebook, population: list[Collectivite],
                      params: DemoParams, year: int) -> list[Submission]:
    """Each respondent's answer, plus the first drafts of those who sent a correction."""
    models = {m.name: m for m in select_models(params.n_models)}
    subs: list[Submission] = []
    respondents = [c for c in population if c.responded]
    n_dup = max(1, int(round(params.duplicate_rate * len(respondents))))
    twice = set(rng.choice(len(respondents), size=min(n_dup, len(respondents)), replace=False).tolist())
    for i, c in enumerate(respondents):
        answers = generate_answers(rng, cb, c, models[c.model], year)
        if i in twice:
            subs.append(Submission(c, first_draft(rng, answers)))
            subs.append(Submission(c, answers, is_correction=True))
        else:
            subs.append(Submission(c, answers))
    return subs


def assign_files(rng: np.random.Generator, subs: list[Submission], n_broken: int, year: int) -> None:
    """Choose each submission's layout, format and file path (in place on the plan objects)."""
    order = [int(i) for i in rng.permutation(len(subs))]
    plain = [i for i in order if not subs[i].is_correction and not _has_correction(subs, i)]
    broken = plain[:n_broken]
    for k, i in enumerate(broken):
        kind, fmt = BROKEN_KINDS[k % len(BROKEN_KINDS)]
        subs[i].layout, subs[i].fmt = "broken", fmt
        subs[i].value_mistakes = {"_broken": kind}
    forced = iter(FORCED_LAYOUTS + tuple(f"online:{ch[0]}" for ch in CHANNELS))
    networks = sorted({s.collectivite.rrma for s in subs})
    channel_of = {net: CHANNELS[k % len(CHANNELS)] for k, net in enumerate(networks)}
    for i in order:
        s = subs[i]
        if s.layout:
            continue
        if s.is_correction:
            choice = "template_horizontal" if rng.random() < 0.7 else "template_vertical"
        else:
            choice = next(forced, None) or _pick(rng, LAYOUT_WEIGHTS)
        if choice.startswith("online"):
            name = choice.split(":", 1)[1] if ":" in choice else channel_of[s.collectivite.rrma][0]
            _, s.layout, s.fmt = next(ch for ch in CHANNELS if ch[0] == name)
            s.file = f"{_network_folder(s.collectivite)}/{_export_name(name, year, s.collectivite)}"
        else:
            s.layout = choice
    counters: dict[str, int] = {}
    used: set[str] = {s.file for s in subs if s.file}
    for i in order:
        s = subs[i]
        if s.file:
            continue
        if s.layout == "broken":
            s.file = _unique(used, f"{_network_folder(s.collectivite)}/{_broken_name(s, year)}")
            continue
        k = counters.get(s.layout, 0)
        counters[s.layout] = k + 1
        forced_fmts = FORCED_FORMATS[s.layout]
        s.fmt = forced_fmts[k] if k < len(forced_fmts) else _pick(rng, FORMAT_WEIGHTS[s.layout])
        if s.layout in ("horizontal", "vertical"):
            pool = [c for c in OMITTABLE]
            n_omit = int(rng.integers(0, 4))
            s.omitted = frozenset(pool[j] for j in rng.choice(len(pool), size=n_omit, replace=False).tolist())
        folder = "" if rng.random() < 0.12 else _network_folder(s.collectivite) + "/"
        s.file = _unique(used, folder + _file_name(s, year, rng))
    _compile(rng, [subs[i] for i in order], year)


def _compile(rng: np.random.Generator, subs: list[Submission], year: int) -> None:
    """Some network officers paste their collectivités' questionnaires into one file, a row each."""
    groups: dict[str, list[Submission]] = {}
    for s in subs:
        if s.layout == "template_horizontal" and s.fmt == "xlsx" and not s.is_correction:
            groups.setdefault(s.collectivite.rrma, []).append(s)
    if not groups:
        return
    largest = max(sorted(groups), key=lambda k: len(groups[k]))
    for network in sorted(groups):
        members = groups[network][:PREPARED_ROWS]
        if len(members) < 2 or (network != largest and rng.random() >= 0.15):
            continue
        name = f"{_network_folder(members[0].collectivite)}/Compilation {network} - ACTER {year}.xlsx"
        for s in members:
            s.file = name


def _has_correction(subs: list[Submission], i: int) -> bool:
    c = subs[i].collectivite.collectivite_id
    return sum(1 for s in subs if s.collectivite.collectivite_id == c) > 1


def _unique(used: set[str], path: str) -> str:
    stem, dot, ext = path.rpartition(".")
    candidate, k = path, 2
    while candidate in used:
        candidate = f"{stem} ({k}).{ext}" if dot else f"{path} ({k})"
        k += 1
    used.add(candidate)
    return candidate


def _export_name(channel: str, year: int, c: Collectivite) -> str:
    sid = 100_000 + int(c.region_code.lstrip("0") or "0") * 7_919 % 900_000
    return {
        "limesurvey_codes": f"results-survey{sid}.xlsx",
        "limesurvey_labels": f"results-survey{sid} (libellés).csv",
        "kobo": f"ACTER_{year}_-_all_versions_-_{year}-06-02.csv",
        "google_csv": f"Questionnaire ACTER {year} (réponses).csv",
        "sphinx": f"Sphinx - enquête ACTER {year} - export.xlsx",
        "google_ods": f"Questionnaire ACTER {year} (réponses).ods",
    }[channel]


def _file_name(s: Submission, year: int, rng: np.random.Generator) -> str:
    name = s.collectivite.name
    ext = EXTENSIONS[s.fmt]
    if s.layout.startswith("template"):
        return f"ACTER {year} - {name}{' - corrigé' if s.is_correction else ''}{ext}"
    if s.layout == "horizontal":
        short = ascii_fold(name).replace(" ", "_").replace("'", "_")
        return f"reponse_acter_{short}{ext}" if rng.random() < 0.5 else f"Questionnaire AI - {name}{ext}"
    return f"Fiche ACTER {name}{ext}"


def _broken_name(s: Submission, year: int) -> str:
    kind = s.value_mistakes["_broken"]
    name = s.collectivite.name
    if kind == "truncated_xlsx":
        return f"ACTER {year} - {name}.xlsx"
    if kind == "html_xls":
        return f"Réponse ACTER {name}.xls"
    return f"export_{ascii_fold(name).replace(' ', '_')}.csv"


def plant_flags(rng: np.random.Generator, cb: Codebook, subs: list[Submission], rate: float) -> None:
    """Plant the inconsistencies the validation stage must catch (at least one of each kind)."""
    readable = [s for s in subs if s.layout != "broken" and not _is_draft(s, subs)]
    taken: set[int] = set()
    b03 = [m.slug for m in cb["B03"].modalities]
    f01 = [m.slug for m in cb["F01"].modalities]
    for kind in FLAG_KINDS:
        candidates = [k for k, s in enumerate(readable) if k not in taken and _flaggable(kind, s)]
        n = max(1, int(round(rate * len(readable))))
        for k in sorted(rng.choice(len(candidates), size=min(n, len(candidates)), replace=False).tolist()):
            s = readable[candidates[k]]
            taken.add(candidates[k])
            a = s.answers
            if kind == "main_action_not_ticked":
                a["B04"] = next(x for x in b03 if x not in a["B03"])  # type: ignore[operator]
            elif kind == "aucun_not_exclusive":
                a["C03"] = tuple(x for x in [m.slug for m in cb["C03"].modalities] if x in ("dctciv", "aucun"))
            elif kind == "too_many_obstacles":
                have = set(a["F01"] or ())  # type: ignore[arg-type]
                extra = [x for x in f01 if x not in have][: 4 - len(have)]
                a["F01"] = tuple(x for x in f01 if x in have or x in extra)
            else:
                siren = str(a["A03"])
                a["A03"] = siren[:-1] + str((int(siren[-1]) + 1) % 10)
            s.flags = s.flags + (kind,)
            s.value_mistakes.pop("A03", None)


def _is_draft(s: Submission, subs: list[Submission]) -> bool:
    return not s.is_correction and any(
        o.is_correction and o.collectivite.collectivite_id == s.collectivite.collectivite_id for o in subs)


def _flaggable(kind: str, s: Submission) -> bool:
    if kind == "main_action_not_ticked":
        return s.answers.get("B03") is not None and s.answers.get("B04") is not None
    return True


def plan_mistakes(rng: np.random.Generator, cb: Codebook, subs: list[Submission], rate: float) -> None:
    """Choose the cell mistakes of each readable submission (every kind at least once)."""
    readable = [s for s in subs if s.layout != "broken"]

    def options(s: Submission) -> list[tuple[str, str]]:
        out = []
        for kind in VALUE_KINDS:
            for code in KIND_CODES[kind]:
                v = s.answers.get(code)
                if (code in s.omitted or code in s.value_mistakes or (code == "A03" and s.flags)
                        or not applicable(kind, code, v, s.layout, s.fmt) or not modality_applies(kind, cb[code], v)):
                    continue
                out.append((kind, code))
        return out

    for s in readable:
        if rng.random() >= rate:
            continue
        opts = options(s)
        for j in rng.choice(len(opts), size=min(len(opts), int(rng.integers(1, 3))), replace=False).tolist():
            kind, code = opts[j]
            if code not in s.value_mistakes:
                s.value_mistakes[code] = kind
    planted = {k for s in readable for k in s.value_mistakes.values()}
    for kind in VALUE_KINDS:
        if kind in planted:
            continue
        for s in sorted(readable, key=lambda x: x.file):
            choices = [c for k, c in options(s) if k == kind]
            if choices:
                s.value_mistakes[choices[0]] = kind
                break


# --- rendering and truth ------------------------------------------------------------------------


def render_all(rng: np.random.Generator, cb: Codebook, subs: list[Submission], year: int
               ) -> tuple[dict[str, bytes], Manifest, list[Placement]]:
    """Bytes of every returned file, the manifest, and where each answer landed."""
    templates = Templates.build(cb, year)
    by_file: dict[str, list[Submission]] = {}
    for s in subs:
        by_file.setdefault(s.file, []).append(s)
    files: dict[str, bytes] = {}
    manifest = Manifest(year=year, seed=0)
    placements: list[Placement] = []
    for path in sorted(by_file):
        group = sorted(by_file[path], key=lambda s: (s.answers["A14"], s.collectivite.collectivite_id))  # type: ignore[arg-type]
        first = group[0]
        layout, fmt = first.layout, first.fmt
        if layout == "broken":
            good = render_template([first], path, "xlsx", cb, year, rng, templates, vertical=False).data
            files[path] = broken_bytes(first.value_mistakes["_broken"], good)
            manifest.files.append(FileEntry(path, "broken", fmt, "rejected", 0))
            continue
        rendered = _render(layout, fmt, group, path, cb, year, rng, templates)
        files[path] = rendered.data
        placements.extend(rendered.placements)
        manifest.mistakes.extend(rendered.mistakes)
        # a cell that cannot be read (reported) leaves the file partly ingested
        status = "partial" if any(m.outcome == "reported" for m in rendered.mistakes) else "ingested"
        manifest.files.append(FileEntry(path, layout, fmt, status, len(rendered.placements)))
    return files, manifest, placements


def _render(layout: str, fmt: str, group: list[Submission], path: str, cb: Codebook, year: int,
            rng: np.random.Generator, templates: Templates) -> Rendered:
    if layout in ("template_horizontal", "template_vertical"):
        return render_template(group, path, fmt, cb, year, rng, templates, vertical=layout == "template_vertical")
    if layout == "horizontal":
        return render_homemade_horizontal(group, path, fmt, cb, year, rng)
    if layout == "vertical":
        return render_homemade_vertical(group, path, fmt, cb, year, rng)
    if layout == "limesurvey":
        return render_limesurvey(group, path, fmt, cb, year, rng, labels=fmt.startswith("csv"))
    if layout == "kobo":
        return render_kobo(group, path, fmt, cb, year, rng)
    if path.endswith(".xlsx"):
        return render_forms(group, path, fmt, cb, year, rng, sep="; ", stamp_header="Date de saisie",
                            sheet_name="Données")
    return render_forms(group, path, fmt, cb, year, rng, sep=", ", stamp_header="Horodateur",
                        sheet_name="Réponses au formulaire 1")


def truth_values(cb: Codebook, answers: Answers) -> dict[str, object]:
    """Answers as responses.parquet columns: labels, booleans per modality, floats, ISO dates."""
    out: dict[str, object] = {}
    for q in cb:
        v = answers.get(q.code)
        if q.type == "multi":
            for m in q.modalities:
                out[f"{q.code}__{m.slug}"] = None if v is None else m.slug in v  # type: ignore[operator]
        elif v is None:
            out[q.code] = None
        elif q.type == "single":
            out[q.code] = q.modality(str(v)).label
        elif q.type == "number":
            out[q.code] = float(v)  # type: ignore[arg-type]
        elif q.type == "date":
            out[q.code] = v.isoformat()  # type: ignore[attr-defined]
        else:
            out[q.code] = str(v)
    return out


def truth_frame(cb: Codebook, placements: list[Placement]) -> pd.DataFrame:
    """One row per response written in a readable file, with what ingest should read."""
    rows = []
    for p in placements:
        c = p.sub.collectivite
        rows.append({"collectivite_id": c.collectivite_id, "model": c.model, "is_correction": p.sub.is_correction,
                     "source_file": p.sub.file, "source_sheet": p.sheet, "source_row": p.row,
                     **truth_values(cb, p.truth)})
    frame = pd.DataFrame(rows, columns=["collectivite_id", "model", "is_correction", "source_file", "source_sheet",
                                        "source_row", *cb.columns])
    dtypes: dict[str, str] = {"collectivite_id": "string", "model": "string", "is_correction": "bool",
                              "source_file": "string", "source_sheet": "string", "source_row": "Int64"}
    for q in cb:
        for col in q.columns:
            dtypes[col] = "boolean" if q.type == "multi" else "float64" if q.type == "number" else "string"
    return frame.astype(dtypes)


def population_frame(population: list[Collectivite]) -> pd.DataFrame:
    frame = pd.DataFrame([asdict(c) for c in population])
    return frame.astype({k: "string" for k in frame.columns if k not in ("population", "responded")})


def generate_wave(params: DemoParams, year: int, out_dir: Path, truth_dir: Path) -> Manifest:
    """Write the demo wave's returned files under ``out_dir`` and its truth under ``truth_dir``."""
    cb = load_codebook()
    rng = np.random.default_rng(params.seed)
    population = generate_population(rng, params.n_collectivites, select_models(params.n_models),
                                     params.response_rate)
    subs = build_submissions(rng, cb, population, params, year)
    assign_files(rng, subs, params.unreadable_files, year)
    _plant_comments(subs)
    plant_flags(rng, cb, subs, params.flag_rate)
    plan_mistakes(rng, cb, subs, params.mistake_rate)
    files, manifest, placements = render_all(np.random.default_rng([params.seed, 1]), cb, subs, year)
    manifest.seed = params.seed
    _clear_previous(out_dir, truth_dir)
    for rel, data in files.items():
        target = out_dir / PurePosixPath(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    truth_dir.mkdir(parents=True, exist_ok=True)
    truth_frame(cb, placements).to_parquet(truth_dir / "truth.parquet", index=False)
    population_frame(population).to_parquet(truth_dir / "collectivites.parquet", index=False)
    (truth_dir / "manifest.json").write_text(
        json.dumps(manifest.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def _plant_comments(subs: list[Submission]) -> None:
    """One comment with a <script> tag and one that Excel would read as a formula."""
    readable = sorted((s for s in subs if s.layout != "broken" and s.layout not in ("horizontal", "vertical")),
                      key=lambda s: s.file)
    for s, text in zip(readable[::7], (SCRIPT_COMMENT, FORMULA_COMMENT)):
        s.answers["F05"] = text


def _clear_previous(out_dir: Path, truth_dir: Path) -> None:
    """Remove the files of a previous demo wave (those its manifest lists, nothing else)."""
    previous = truth_dir / "manifest.json"
    if not previous.is_file():
        return
    for entry in json.loads(previous.read_text(encoding="utf-8")).get("files", []):
        (out_dir / PurePosixPath(entry["file"])).unlink(missing_ok=True)
    for folder in sorted((p for p in out_dir.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Génère la vague de démonstration (fichiers retournés et vérité).")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--out", type=Path, default=Path("data/raw/demo"))
    parser.add_argument("--truth", type=Path, default=Path("data/demo"))
    args = parser.parse_args(argv)
    params = load_block(DemoParams, "demo", args.params)
    year = int((read_params(args.params).get("survey") or {})["year"])
    manifest = generate_wave(params, year, args.out, args.truth)
    n_rows = sum(f.n_respondents for f in manifest.files)
    print(f"demo: {len(manifest.files)} files, {n_rows} responses, {len(manifest.mistakes)} planted mistakes "
          f"-> {args.out}, truth in {args.truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
