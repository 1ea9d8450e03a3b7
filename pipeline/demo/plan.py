"""Plan the demo wave: who answers twice, by which way each answer comes back, in which file,
and which mistakes and inconsistencies are planted where.

Every step takes the submissions and returns new ones (the inputs are left as they were).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

import numpy as np

from pipeline.common.text import ascii_fold
from pipeline.demo.answers import (
    FORMULA_COMMENT,
    SCRIPT_COMMENT,
    Answers,
    first_draft,
    generate_answers,
)
from pipeline.demo.mistakes import (
    FLAG_KINDS,
    KIND_CODES,
    OUT_OF_RANGE_ETP,
    QUARANTINE_KINDS,
    VALUE_KINDS,
    applicable,
    modality_applies,
)
from pipeline.demo.models import Model
from pipeline.demo.networks import CONSOLIDATION_OMITS
from pipeline.demo.population import NO_NETWORK, Collectivite
from pipeline.demo.submissions import Submission
from pipeline.domain.codebook import Codebook
from pipeline.questionnaire import PREPARED_ROWS

EXTENSIONS = {"xlsx": ".xlsx", "xlsm": ".xlsm", "ods": ".ods", "csv_utf8": ".csv", "csv_utf8_bom": ".csv",
              "csv_cp1252": ".csv", "xls": ".xls"}
# Online survey tools: (channel, layout, format). A network collects its online answers with one tool.
CHANNELS = (
    ("limesurvey_codes", "limesurvey", "xlsx"),
    ("kobo", "kobo", "csv_utf8_bom"),
    ("google_csv", "forms", "csv_cp1252"),
    ("limesurvey_answer_codes", "limesurvey", "xlsx"),
    ("limesurvey_labels", "limesurvey", "csv_utf8"),
    ("sphinx", "forms", "xlsx"),
    ("google_ods", "forms", "ods"),
    ("limesurvey_answer_codes_csv", "limesurvey", "csv_utf8"),
)
# Channels exporting answer codes (pipeline.demo.exports.render_limesurvey_codes)
CODED_CHANNELS = ("limesurvey_answer_codes", "limesurvey_answer_codes_csv")
# Share of answers by way of return (online tools share the rest) and formats per layout: the
# questionnaire, a home-made row or form, a secretary's form with option rows, last year's file
# filled again (its hidden reminders left in).
LAYOUT_WEIGHTS = {"template_horizontal": 0.23, "template_vertical": 0.09, "horizontal": 0.07, "vertical": 0.08,
                  "option_rows": 0.05, "reused": 0.04, "online": 0.44}
FORMAT_WEIGHTS = {
    "template_horizontal": {"xlsx": 0.85, "xlsm": 0.10, "ods": 0.05},
    "template_vertical": {"xlsx": 0.90, "xlsm": 0.10},
    "horizontal": {"xlsx": 0.60, "xlsm": 0.10, "ods": 0.15, "csv_cp1252": 0.15},
    "vertical": {"xlsx": 0.75, "ods": 0.25},
    "option_rows": {"xlsx": 0.80, "ods": 0.20},
    "reused": {"xlsx": 0.85, "ods": 0.15},
}
# The first files of each layout take these formats, so that a small wave has every format.
FORCED_FORMATS = {"template_horizontal": ("xlsm", "ods"), "template_vertical": ("xlsm",),
                  "horizontal": ("ods", "csv_cp1252", "xlsm"), "vertical": ("ods",), "option_rows": ("ods",),
                  "reused": ("xlsx", "xlsx")}
FORCED_LAYOUTS = ("template_horizontal", "template_horizontal", "template_horizontal", "template_vertical",
                  "template_vertical", "horizontal", "horizontal", "horizontal", "vertical", "vertical",
                  "option_rows", "reused", "reused")
# Questions a home-made file may leave out altogether.
OMITTABLE = ("A10", "A12", "A13", "F05", "C05", "E05", "A09", "A08", "D05")
# Files a network packs its collectivités' answers into: one workbook with a sheet each (two
# networks), one consolidation table (one network); the layout ingest reads them as.
PACKED = (("sheets", "vertical"), ("sheets", "vertical"), ("consolidation", "horizontal"))
PACKED_MAX = {"sheets": 15, "consolidation": 25}  # collectivités a network packs into one file
_PACKABLE = ("template_horizontal", "template_vertical", "horizontal", "vertical", "option_rows")
BROKEN_KINDS = (("truncated_xlsx", "xlsx"), ("html_xls", "xls"), ("empty_csv", "csv_utf8"))


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys])
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def network_folder(c: Collectivite) -> str:
    """Folder of a network's returned files: 'Réponses Occitanie', or 'Hors réseau'."""
    return "Hors réseau" if c.rrma == NO_NETWORK else f"Réponses {c.region_name}"


def build_submissions(rng: np.random.Generator, cb: Codebook, population: list[Collectivite],
                      models: dict[str, Model], duplicate_rate: float, year: int,
                      known: Mapping[str, Answers] | None = None) -> list[Submission]:
    """Each respondent's answer, preceded by a first draft for those who sent a correction.

    ``known``: answers already decided (a panel member's, drifted from last year), by collectivité.
    """
    subs: list[Submission] = []
    respondents = [c for c in population if c.responded]
    n_dup = max(1, int(round(duplicate_rate * len(respondents))))
    twice = set(rng.choice(len(respondents), size=min(n_dup, len(respondents)), replace=False).tolist())
    for i, c in enumerate(respondents):
        if known is not None and c.collectivite_id in known:
            answers = known[c.collectivite_id]
        else:
            answers = generate_answers(rng, cb, c, models[c.model], year)
        if i in twice:
            subs.append(Submission(c, first_draft(rng, answers)))
            subs.append(Submission(c, answers, is_correction=True))
        else:
            subs.append(Submission(c, answers))
    return subs


def _ids_twice(subs: list[Submission]) -> set[str]:
    return {s.collectivite.collectivite_id for s in subs if s.is_correction}


def is_draft(s: Submission, twice: set[str]) -> bool:
    """A first answer later replaced by a correction."""
    return not s.is_correction and s.collectivite.collectivite_id in twice


def assign_files(rng: np.random.Generator, subs: list[Submission], n_broken: int, year: int) -> list[Submission]:
    """Each submission's layout, format, file path (and, for home-made files, questions left out)."""
    out = list(subs)
    twice = _ids_twice(subs)
    order = [int(i) for i in rng.permutation(len(subs))]
    plain = [i for i in order if subs[i].collectivite.collectivite_id not in twice]
    used: set[str] = set()
    for k, i in enumerate(plain[:n_broken]):
        kind, fmt = BROKEN_KINDS[k % len(BROKEN_KINDS)]
        s = replace(out[i], layout="broken", fmt=fmt, broken=kind)
        out[i] = replace(s, file=_unique(used, f"{network_folder(s.collectivite)}/{_broken_name(s, year)}"))
    forced = iter(FORCED_LAYOUTS + tuple(f"online:{ch[0]}" for ch in CHANNELS))
    networks = sorted({s.collectivite.rrma for s in subs})
    channel_of = {net: CHANNELS[k % len(CHANNELS)][0] for k, net in enumerate(networks)}
    counters: dict[str, int] = {}
    for i in order:
        s = out[i]
        if s.layout:
            continue
        if s.is_correction:
            choice = "template_horizontal" if rng.random() < 0.7 else "template_vertical"
        else:
            choice = next(forced, None) or _pick(rng, LAYOUT_WEIGHTS)
        if choice.startswith("online"):
            name = choice.split(":", 1)[1] if ":" in choice else channel_of[s.collectivite.rrma]
            _, layout, fmt = next(ch for ch in CHANNELS if ch[0] == name)
            path = f"{network_folder(s.collectivite)}/{_export_name(name, year, s.collectivite)}"
            used.add(path)
            out[i] = replace(s, layout=layout, fmt=fmt, file=path, shape="answer_codes" if name in CODED_CHANNELS else "")
            continue
        k = counters.get(choice, 0)
        counters[choice] = k + 1
        forced_fmts = FORCED_FORMATS[choice]
        fmt = forced_fmts[k] if k < len(forced_fmts) else _pick(rng, FORMAT_WEIGHTS[choice])
        omitted: frozenset[str] = frozenset()
        if choice in ("horizontal", "vertical", "option_rows", "reused"):
            n_omit = int(rng.integers(0, 4))
            omitted = frozenset(OMITTABLE[j] for j in rng.choice(len(OMITTABLE), size=n_omit, replace=False).tolist())
        layout, shape = choice, ""
        if choice == "option_rows":
            layout, shape = "vertical", "option_rows"
        elif choice == "reused":
            # last year's row of answers (xlsx) or vertical form
            layout, shape = ("horizontal" if fmt == "xlsx" and rng.random() < 0.5 else "vertical"), "reused"
        s = replace(s, layout=layout, fmt=fmt, omitted=omitted, shape=shape)
        folder = "" if rng.random() < 0.12 else network_folder(s.collectivite) + "/"
        out[i] = replace(s, file=_unique(used, folder + _file_name(s, year, rng)))
    return pack_networks(rng, compile_networks(rng, out, year), year)


def compile_networks(rng: np.random.Generator, subs: list[Submission], year: int) -> list[Submission]:
    """Some network officers paste their collectivités' questionnaires into one file, a row each:
    the network with the most filled questionnaires, and a few others."""
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(subs):
        if s.layout == "template_horizontal" and s.fmt == "xlsx" and not s.is_correction:
            groups.setdefault(s.collectivite.rrma, []).append(i)
    if not groups:
        return subs
    out = list(subs)
    largest = max(sorted(groups), key=lambda k: len(groups[k]))
    for network in sorted(groups):
        members = groups[network][:PREPARED_ROWS]
        if len(members) < 2 or (network != largest and rng.random() >= 0.15):
            continue
        name = f"{network_folder(subs[members[0]].collectivite)}/Compilation {network} - ACTER {year}.xlsx"
        for i in members:
            out[i] = replace(out[i], file=name)
    return out


def pack_networks(rng: np.random.Generator, subs: list[Submission], year: int) -> list[Submission]:
    """Networks that send their collectivités' files packed into one (:data:`PACKED`): a workbook
    with a sheet per collectivité, or a consolidation table retyped by the officer. The networks
    with the most files of their own answer so (the largest compiling network excepted)."""
    packable: dict[str, list[int]] = {}
    for i, s in enumerate(subs):
        if (s.layout in _PACKABLE or s.shape == "option_rows") and not s.is_correction and s.shape != "reused" \
                and "/Compilation " not in s.file and s.collectivite.rrma != NO_NETWORK:
            packable.setdefault(s.collectivite.rrma, []).append(i)
    ranked = sorted((n for n in packable if len(packable[n]) >= 2), key=lambda n: (-len(packable[n]), n))
    out = list(subs)
    for k, ((shape, layout), network) in enumerate(zip(PACKED, ranked)):
        members = packable[network][:PACKED_MAX[shape]]
        first = subs[members[0]].collectivite
        if shape == "sheets":
            fmt = "xlsx" if k == 0 or rng.random() < 0.5 else "ods"
            name = f"{network_folder(first)}/{network} - questionnaires ACTER {year}{EXTENSIONS[fmt]}"
            omitted = None
        else:
            fmt = "xlsx"
            name = f"{network_folder(first)}/{network} - tableau de consolidation ACTER {year}.xlsx"
            omitted = CONSOLIDATION_OMITS
        for i in members:
            s = out[i]
            out[i] = replace(s, layout=layout, fmt=fmt, file=name, shape=shape,
                             omitted=s.omitted if omitted is None else s.omitted | omitted)
    return out


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
        "limesurvey_answer_codes": f"results-survey{sid} (codes).xlsx",
        "limesurvey_answer_codes_csv": f"results-survey{sid}_codes.csv",
    }[channel]


def _file_name(s: Submission, year: int, rng: np.random.Generator) -> str:
    name = s.collectivite.name
    ext = EXTENSIONS[s.fmt]
    if s.layout.startswith("template"):
        return f"ACTER {year} - {name}{' - corrigé' if s.is_correction else ''}{ext}"
    if s.shape == "reused":
        return f"ACTER {year - 1} - {name} - mise à jour {year}{ext}"
    if s.shape == "option_rows":
        return f"Fiche de réponse ACTER - {name}{ext}"
    if s.layout == "horizontal":
        short = ascii_fold(name).replace(" ", "_").replace("'", "_")
        return f"reponse_acter_{short}{ext}" if rng.random() < 0.5 else f"Questionnaire AI - {name}{ext}"
    return f"Fiche ACTER {name}{ext}"


def _broken_name(s: Submission, year: int) -> str:
    name = s.collectivite.name
    if s.broken == "truncated_xlsx":
        return f"ACTER {year} - {name}.xlsx"
    if s.broken == "html_xls":
        return f"Réponse ACTER {name}.xls"
    return f"export_{ascii_fold(name).replace(' ', '_')}.csv"


def plant_comments(subs: list[Submission]) -> list[Submission]:
    """One comment with a <script> tag and one that Excel would run as a formula."""
    candidates = sorted((i for i, s in enumerate(subs) if s.layout not in ("broken", "horizontal", "vertical")),
                        key=lambda i: subs[i].file)
    out = list(subs)
    for i, text in zip(candidates[::7], (SCRIPT_COMMENT, FORMULA_COMMENT)):
        out[i] = replace(out[i], answers={**out[i].answers, "F05": text})
    return out


def plant_flags(rng: np.random.Generator, cb: Codebook, subs: list[Submission], rate: float) -> list[Submission]:
    """Plant the inconsistencies the validation stage must catch (at least one of each kind)."""
    twice = _ids_twice(subs)
    # Blocking kinds only on collectivités that answered once: a quarantined correction would
    # hand the win to the draft it replaces, which blurs what the demo shows.
    readable = [i for i, s in enumerate(subs) if s.layout != "broken" and not is_draft(s, twice)]
    once = [i for i in readable if subs[i].collectivite.collectivite_id not in twice]
    out = list(subs)
    taken: set[int] = set()
    b03 = [m.slug for m in cb["B03"].modalities]
    c03 = [m.slug for m in cb["C03"].modalities]
    f01 = [m.slug for m in cb["F01"].modalities]
    for kind in FLAG_KINDS:
        pool = once if kind in QUARANTINE_KINDS else readable
        candidates = [i for i in pool if i not in taken and _flaggable(kind, out[i])]
        n = max(1, int(round(rate * len(readable))))
        for k in sorted(rng.choice(len(candidates), size=min(n, len(candidates)), replace=False).tolist()):
            i = candidates[k]
            taken.add(i)
            a = dict(out[i].answers)
            if kind == "main_action_not_ticked":
                a["B04"] = next(x for x in b03 if x not in a["B03"])  # type: ignore[operator]
            elif kind == "aucun_not_exclusive":
                a["C03"] = tuple(x for x in c03 if x in ("dctciv", "aucun"))
            elif kind == "too_many_obstacles":
                have = set(a["F01"] or ())  # type: ignore[arg-type]
                extra = [x for x in f01 if x not in have][: 4 - len(have)]
                a["F01"] = tuple(x for x in f01 if x in have or x in extra)
            elif kind == "out_of_range":
                a["D02"] = OUT_OF_RANGE_ETP
            else:
                siren = str(a["A03"])
                a["A03"] = siren[:-1] + str((int(siren[-1]) + 1) % 10)
            out[i] = replace(out[i], answers=a, flags=out[i].flags + (kind,))
    return out


def _flaggable(kind: str, s: Submission) -> bool:
    if kind == "out_of_range":
        return "D02" not in s.omitted and s.answers.get("D02") is not None
    if kind == "main_action_not_ticked":
        return s.answers.get("B03") is not None and s.answers.get("B04") is not None
    return True


def _mistake_options(cb: Codebook, s: Submission, taken: dict[str, str]) -> list[tuple[str, str]]:
    """(kind, code) pairs that can be planted in this submission's file."""
    out = []
    for kind in VALUE_KINDS:
        for code in KIND_CODES[kind]:
            v = s.answers.get(code)
            if (code in s.omitted or code in taken or (code == "A03" and s.flags) or (code == "D02" and "out_of_range" in s.flags)
                    or not applicable(kind, code, v, s.layout, s.fmt) or not modality_applies(kind, cb[code], v)):
                continue
            out.append((kind, code))
    return out


def plan_mistakes(rng: np.random.Generator, cb: Codebook, subs: list[Submission], rate: float) -> list[Submission]:
    """Choose the cell mistakes of each readable submission (every kind at least once)."""
    chosen: list[dict[str, str]] = [{} for _ in subs]
    for i, s in enumerate(subs):
        if s.layout == "broken" or rng.random() >= rate:
            continue
        opts = _mistake_options(cb, s, chosen[i])
        for j in rng.choice(len(opts), size=min(len(opts), int(rng.integers(1, 3))), replace=False).tolist():
            kind, code = opts[j]
            chosen[i].setdefault(code, kind)
    planted = {k for c in chosen for k in c.values()}
    by_file = sorted(range(len(subs)), key=lambda i: subs[i].file)
    for kind in VALUE_KINDS:
        if kind in planted:
            continue
        for i in by_file:
            codes = [c for k, c in _mistake_options(cb, subs[i], chosen[i]) if k == kind]
            if subs[i].layout != "broken" and codes:
                chosen[i][codes[0]] = kind
                break
    return [replace(s, value_mistakes=c) if c else s for s, c in zip(subs, chosen)]
