"""DVC experiments: `dvc exp run -S typology.k=5` and `dvc exp show` beside the workspace."""

from __future__ import annotations

import csv
import io
import json

from support.pipeline_run import copy_repo, dvc


def test_experiment_with_five_types_is_shown_beside_the_workspace(repo, tmp_path):
    work = copy_repo(repo, tmp_path / "exp")
    paths = ("metrics/typology.json", "metrics/refit/typology.json", "metrics/reference/typology.json")
    baseline_ks = {path: json.loads((work / path).read_text(encoding="utf-8"))["k"] for path in paths}
    baseline_k = baseline_ks["metrics/typology.json"]  # each wave's tree is cut on its own: they may differ
    k = 5 if baseline_k != 5 else 4  # imposed: another number of types than the automatic cut
    dvc("exp", "run", "-S", f"typology.k={k}", cwd=work)
    rows = json.loads(dvc("exp", "show", "--json", cwd=work).stdout)

    def k_of(entry: dict) -> int:  # the headline numbers are the only DVC metrics
        return entry["data"]["metrics"]["metrics/headline.json"]["data"]["k"]

    workspace = next(r for r in rows if r["rev"] == "workspace")
    baseline = next(r for r in rows if r["rev"] != "workspace")
    experiment = baseline["experiments"][0]["revs"][0]
    assert experiment["data"]["params"]["params.yaml"]["data"]["typology"]["k"] == k
    assert k_of(experiment) == k
    assert k_of(baseline) == baseline_k
    assert k_of(workspace) == k  # the experiment's results are applied to the workspace
    assert {json.loads((work / path).read_text(encoding="utf-8"))["k"] for path in paths} == {k}
    # the table an analyst reads: one row per revision, the typology metrics as columns
    header, *lines = csv.reader(io.StringIO(dvc("exp", "show", "--csv", cwd=work).stdout))
    col = next(i for i, name in enumerate(header) if name in ("k", "metrics/headline.json:k"))  # DVC prefixes a shared name only
    # no metric of another file (a column « file:key »); the detailed records appear as output files (their hash)
    assert not [h for h in header if h.startswith("metrics/") and ":" in h and not h.startswith("metrics/headline.json:")]
    values = {line[header.index("rev")]: line[col] for line in lines if line}
    assert values["workspace"] == str(k) and values[experiment["rev"][:7]] == str(k)
    assert str(baseline_k) in values.values()
