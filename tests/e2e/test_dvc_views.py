"""What `dvc metrics show` and `dvc plots show` print on the demo: one row of headline numbers
that fits in a terminal, and charts titled in French (not file paths)."""

from __future__ import annotations

import json

from support.pipeline_run import dvc


def test_metrics_show_is_one_row_under_120_columns(repo):
    out = dvc("metrics", "show", cwd=repo).stdout
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[1].startswith("metrics/headline.json"), out
    assert max(len(line) for line in lines) < 120, out
    for key in ("n", "rate", "k", "silhouette", "jaccard_min", "ari", "changed", "masked", "disclosed"):
        assert key in lines[0].split(), key
    assert lines[1].split()[lines[0].split().index("disclosed")] == "0"  # nothing masked can be given away


def test_plots_show_french_titles_and_axes(repo):
    plots = json.loads(dvc("plots", "show", "--json", cwd=repo).stdout)["data"]
    assert len(plots) == 3
    for entries in plots.values():
        spec = json.dumps([entry["content"] for entry in entries], ensure_ascii=False)
        assert '"Nombre de types"' in spec  # the x axis
        assert ".csv" not in json.dumps([e["content"].get("title") for e in entries])  # no file path as title
    text = json.dumps(plots, ensure_ascii=False)
    for french in ("Silhouette moyenne", "Rapport des inerties intra-classes", "Indice de Calinski-Harabasz"):
        assert french in text, french
