"""The tests start from the project's sources, whatever the workspace holds: after `make repro`,
`make annual`, `dvc remote add`…, the session's repository gets no dvc.lock, no .dvc file of a wave or
of published reports, no output, no DVC cache or remote (tests/support/pipeline_run.py, fresh_repo)."""

from __future__ import annotations

from support.pipeline_run import ROOT, fresh_repo, run


def test_fresh_repo_takes_the_sources_only(tmp_path):
    workspace = tmp_path / "espace"
    files = {
        "pipeline/stage.py": "print('ok')\n",
        "params.yaml": "survey:\n  year: 2026\n",
        "dvc.yaml": "stages: {}\n",
        ".dvcignore": "__pycache__/\n",
        ".dvc/.gitignore": "/config.local\n/tmp\n/cache\n",
        ".dvc/config": "[core]\n    analytics = false\n    remote = partage\n"
                       "['remote \"partage\"']\n    url = /srv/partage\n",
        "data/raw/2026.dvc": "outs:\n- path: 2026\n",  # committed by the analyst
        "data/raw/.gitkeep": "",
    }
    left_by_runs = {
        "dvc.lock": "schema: '2.0'\n",
        "reports/2025.dvc": "outs:\n- path: 2025/national.html\n",
        "reports/2025/national.html": "rapport",
        "data/reports/2025/national.html": "rapport",
        "data/processed/restricted/contacts.parquet": "contacts",
        "data/raw/2026/reponse.xlsx": "confidentiel",
        ".dvc/cache/files/md5/ab/cdef": "cache",
        ".dvc/config.local": "['remote \"partage\"']\n    user = prenom.nom\n",
        ".dvc/tmp/lock": "",
        "models/typology.joblib": "modèle",
    }
    for rel, text in {**files, **left_by_runs}.items():
        (workspace / rel).parent.mkdir(parents=True, exist_ok=True)
        (workspace / rel).write_text(text, encoding="utf-8")
    (workspace / ".gitignore").write_bytes((ROOT / ".gitignore").read_bytes())
    (workspace / "pipeline" / "new_module.py").write_text("# not committed yet\n", encoding="utf-8")
    run(["git", "init", "-q"], workspace)
    run(["git", "add", *files, ".gitignore"], workspace)
    run(["git", "commit", "-q", "-m", "projet"], workspace)

    copy = fresh_repo(tmp_path / "copie", root=workspace)
    found = sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*")
                   if p.is_file() and p.relative_to(copy).parts[0] != ".git")
    assert found == [".dvc/.gitignore", ".dvc/config", ".dvcignore", ".gitignore", "data/raw/.gitkeep", "dvc.yaml",
                     "params.yaml", "pipeline/new_module.py", "pipeline/stage.py"]
    assert (copy / ".dvc" / "config").read_text(encoding="utf-8") == "[core]\n    analytics = false\n"
    assert run(["git", "status", "--porcelain"], copy).stdout == ""
