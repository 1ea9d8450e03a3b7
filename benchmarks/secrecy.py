"""Benchmark of the statistical secrecy of a whole publication: a wave of 40,000 respondents and 14
networks (a few of them small), each report with the tables of the real one — one-answer
distributions, several-answers counts, quartile tables by group tied to their distribution,
France = the sum of the networks — planned (secondary secrets, MILP + LPs) and audited (two LPs per
masked or unpublished cell). Target: plan + audit in at most 20 s.

Baseline, measured in the same run: one audit of the primary secrets alone (the same interval LPs,
no planning), so the printed ratio is "plan + audit / one audit pass" on this machine.

    .venv/bin/python benchmarks/secrecy.py [--n 40000] [--networks 14]
    .venv/bin/python benchmarks/secrecy.py --notebook [--n 40000]   # the report notebook's own tables
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from pipeline.reporting.secrecy import (
    NATIONAL,
    VISIBLE,
    Protection,
    TableRecord,
    audit_secrecy,
    plan_secrecy,
    primary_status,
)

TARGET = 20.0
COUNT = "Effectif"


def _profile(rng: np.random.Generator, k: int) -> np.ndarray:
    """Category probabilities with a long tail (rare categories make small cells)."""
    p = rng.dirichlet(np.full(k, 0.6))
    return p / p.sum()


def _tables(rng: np.random.Generator, n_single: int, n_multi: int) -> list[tuple[str, str, np.ndarray]]:
    out = [(f"q{q}", "partition", _profile(rng, int(rng.integers(3, 9)))) for q in range(n_single)]
    out += [(f"m{q}", "multi", rng.beta(0.7, 2.5, int(rng.integers(6, 14)))) for q in range(n_multi)]
    return out


def _records_of(scope: str, name: str, answers: dict[str, np.ndarray], published: bool,
                questions) -> list[TableRecord]:
    """The tables of one scope from its respondents' answers (category codes, or ticks)."""
    records = []
    for key, structure, profile in questions:
        rows = [f"modalité {k}" for k in range(len(profile))]
        a = answers[key]
        if structure == "partition":
            counts = np.bincount(a, minlength=len(profile))
            base = len(a)
        else:
            counts = a.sum(axis=0)
            base = int(a.any(axis=1).sum())
        records.append(TableRecord(scope, key, f"Question {key}", structure, rows, [COUNT],
                                   [[int(c)] for c in counts], [[VISIBLE]] * len(rows), base,
                                   published=published, scope_name=name))
    # quartiles of an amount by the groups of q0 (those who gave an amount): at most the group
    group = answers["q0"]
    gave = answers["amount"]
    sizes = np.bincount(group[gave], minlength=len(questions[0][2]))
    rows = [f"modalité {k}" for k in range(len(sizes))]
    links = [{"terms": [["montant_par_groupe", r, COUNT, 1], ["q0", r, COUNT, -1]], "sense": "<=", "rhs": 0}
             for r in rows]
    records.append(TableRecord(scope, "montant_par_groupe", "Montant par groupe", "groups", [*rows, "Ensemble"],
                               [COUNT], [[int(c)] for c in sizes] + [[int(sizes.sum())]],
                               [[VISIBLE]] * (len(rows) + 1), int(sizes.sum()), published=published,
                               scope_name=name, total_row="Ensemble", links=links))
    return records


def publication(n: int, networks: int, seed: int = 0, n_single: int = 14, n_multi: int = 8) -> list[TableRecord]:
    """Every table of national + network reports of a synthetic wave (networks of very unequal size)."""
    rng = np.random.default_rng(seed)
    questions = _tables(rng, n_single, n_multi)
    weights = rng.pareto(1.2, networks) + 0.05
    weights[:3] = [1e-4, 4e-4, 1e-3]  # a network of a handful, one of a dozen, one of a few dozen
    sizes = np.maximum(2, (weights / weights.sum() * n * 0.97).astype(int))
    network_of = np.repeat(np.arange(networks + 1), [*sizes, n - sizes.sum()])  # last: no network
    answers = {}
    for key, structure, profile in questions:
        if structure == "partition":
            answers[key] = rng.choice(len(profile), n, p=profile)
        else:
            answers[key] = rng.random((n, len(profile))) < profile
    answers["amount"] = rng.random(n) < 0.7
    records = _records_of(NATIONAL, "France entière", answers, True, questions)
    size_rows = [f"Réseau {k}" for k in range(networks)]
    records.append(TableRecord(NATIONAL, "rrma", "Réseaux", "partition", size_rows, [COUNT],
                               [[int(s)] for s in sizes], [[VISIBLE]] * networks, int(sizes.sum()),
                               scope_name="France entière", national_only=True))
    for k in range(networks):
        mine = {q: a[network_of == k] for q, a in answers.items()}
        records += _records_of(f"reseau-{k}", f"Réseau {k}", mine, bool(sizes[k] >= 3), questions)
    return records


def notebook_publication(n: int) -> tuple[list[TableRecord], Protection, float]:
    """Every table the report notebook builds — national and every network report, with the type
    portraits — for a synthetic survey of ``n`` respondents in every région (the generator of
    tests/conftest.py), the protection of params.yaml, and the seconds the notebook took."""
    import tempfile
    from pathlib import Path

    import pandas as pd

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "tests"))
    from conftest import make_report_inputs

    from pipeline.domain.params import ReportParams, defaults
    from pipeline.reporting.inputs import list_scopes
    from pipeline.reporting.publication import collect_records, protection_of
    from pipeline.reporting.render import notebook_parameters

    with tempfile.TemporaryDirectory(prefix="acter_bench_") as tmp:
        inputs = make_report_inputs(Path(tmp) / "inputs", n=n, all_regions=True)
        common = notebook_parameters(2025, defaults(ReportParams), clean=inputs["clean"], out_dir=Path(tmp) / "out",
                                     typology=inputs["typology"], typology_description=inputs["typology_description"],
                                     typology_metrics=inputs["typology_metrics"], quality=inputs["quality"],
                                     trends=inputs["trends"], trends_table=inputs["trends_table"])
        scopes = list_scopes(pd.read_parquet(inputs["clean"], columns=["rrma_slug"]))
        start = time.perf_counter()
        records = collect_records(common, [NATIONAL, *scopes], {NATIONAL, *scopes})
        return records, protection_of(common), time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40_000)
    ap.add_argument("--networks", type=int, default=14)
    ap.add_argument("--notebook", action="store_true",
                    help="the report notebook's own tables (portraits included) instead of the synthetic set")
    args = ap.parse_args(argv)
    if args.notebook:
        records, protection, seconds = notebook_publication(args.n)
        args.networks = len({r.scope for r in records}) - 1
        print(f"report notebook: every table of {args.networks + 1} reports built in {seconds:.1f} s (not timed below)")
    else:
        protection = Protection(3, 1, 2)
        records = publication(args.n, args.networks)
    cells = sum(len(r.rows) * len(r.columns) for r in records)
    start = time.perf_counter()
    baseline_audit = audit_secrecy(primary_status(records, protection.threshold), protection)
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    plan = plan_secrecy(records, protection)
    planned = [TableRecord.from_dict({**r.to_dict(), "status": [plan.status[(r.scope, r.key)][row] for row in r.rows],
                                      "published": r.published and (r.scope, r.key) not in plan.withheld,
                                      "withheld": (r.scope, r.key) in plan.withheld})
               for r in records]
    audit = audit_secrecy(planned, protection)
    elapsed = time.perf_counter() - start
    s = audit.summary()
    print(f"publication: {args.n} respondents, {args.networks} networks, {len(records)} tables, {cells} count cells")
    print(f"primary secrets alone: {len(baseline_audit.disclosed)} masked cells a reader recovers")
    print(f"plan: {plan.rounds} rounds over {plan.components} components, {plan.seconds:.2f} s; "
          f"{s['primary']} primary + {s['secondary']} secondary masked ({100 * s['masked_share']:.1f} % of "
          f"published count cells), {s['withheld_tables']} tables withheld, {s['disclosed']} disclosed after it")
    print(f"baseline (one audit of the primary secrets): {baseline:.2f} s")
    print(f"plan + audit: {elapsed:.2f} s (target <= {TARGET:g} s) = {elapsed / baseline:.1f}x the baseline")
    return 0 if elapsed <= TARGET and s["disclosed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
