"""dvc.yaml declares, for every stage, all the code and data its command runs on.

A stage whose dependency is missing keeps reporting "up to date" after a fix to that file: a silent
stale number in a published report. The checker below follows the command's module through every
project import (at any depth, function-level imports included) and collects the data files those
modules name (codebook.yaml, reference tables, the report notebook); each must lie inside a
declared dependency. It also checks that no layer imports a layer above it.
"""

from __future__ import annotations

import ast
import copy
import re
import subprocess
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

# Layers from the bottom up: a module may import its own layer and those before it, never after.
LAYERS = ("common", "domain", "questionnaire", "ingest", "clean", "survey", "typology", "panel", "reporting",
          ("demo", "cli"), "stages")


def _rank(module: str) -> int:
    parts = module.split(".")
    if len(parts) < 2:
        return -1  # the pipeline package itself
    for i, layer in enumerate(LAYERS):
        if parts[1] in (layer if isinstance(layer, tuple) else (layer,)):
            return i
    raise AssertionError(f"{module}: layer not in LAYERS")


def _module_file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


@cache
def _direct_imports(module: str) -> frozenset[str]:
    """Project modules imported by ``module`` anywhere in its source, with their packages."""
    path = _module_file(module)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name == "pipeline" or name.startswith("pipeline."):
                parts = name.split(".")
                for i in range(1, len(parts) + 1):  # importing a.b.c runs a, a.b and a.b.c
                    if _module_file(".".join(parts[:i])) is not None:
                        found.add(".".join(parts[:i]))
    return frozenset(found - {module})


def import_closure(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(_direct_imports(m))
    return seen


@cache
def _data_files() -> tuple[str, ...]:
    """Files the code may read at run time: tracked non-Python files of the package, and the notebooks."""
    out = subprocess.run(["git", "ls-files", "pipeline", "notebooks"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    return tuple(f for f in out if not (f.startswith("pipeline/") and f.endswith(".py")))


def data_files_named(module: str) -> set[str]:
    """Data files whose name is written in the module (a string literal ending with it)."""
    strings = {n.value for n in ast.walk(ast.parse(_module_file(module).read_text(encoding="utf-8")))
               if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return {f for f in _data_files() for s in strings if s and (f == s or f.endswith("/" + s))}


def stage_needs(cmd: str) -> set[str]:
    """Repository paths (files) a stage command runs on."""
    module = re.search(r"python -m (\S+)", cmd).group(1)
    modules = import_closure(module)
    needs = {_module_file(m).relative_to(ROOT).as_posix() for m in modules}
    for m in modules:
        needs |= data_files_named(m)
    return needs


def _stages(dvc: dict) -> dict[str, dict]:
    """Stages with their foreach expanded by name (deps are the same for every item)."""
    out = {}
    for name, stage in dvc["stages"].items():
        out[name] = stage["do"] if "foreach" in stage else stage
    return out


def missing_deps(dvc: dict) -> dict[str, list[str]]:
    problems = {}
    for name, stage in _stages(dvc).items():
        deps = [d for d in stage.get("deps", []) if "${" not in d]
        missing = sorted(n for n in stage_needs(stage["cmd"])
                         if not any(n == d or n.startswith(d.rstrip("/") + "/") for d in deps))
        if missing:
            problems[name] = missing
    return problems


def _dvc_yaml() -> dict:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))


def test_every_stage_declares_the_code_and_data_it_runs_on():
    assert missing_deps(_dvc_yaml()) == {}


def test_a_removed_dependency_is_caught():
    dvc = copy.deepcopy(_dvc_yaml())
    deps = dvc["stages"]["report"]["deps"]
    deps.remove("pipeline/typology")  # the report reads the typology's metrics record
    assert "pipeline/typology/metrics.py" in missing_deps(dvc)["report"]
    dvc = copy.deepcopy(_dvc_yaml())
    dvc["stages"]["report"]["deps"].remove("notebooks/rapport.py")
    assert missing_deps(dvc)["report"] == ["notebooks/rapport.py"]
    dvc = copy.deepcopy(_dvc_yaml())
    dvc["stages"]["ingest"]["do"]["deps"].remove("pipeline/domain")
    assert {"pipeline/domain/codebook.yaml", "pipeline/domain/reference/rrma.csv",
            "pipeline/domain/params.py"} <= set(missing_deps(dvc)["ingest"])


def test_stage_commands_are_the_stage_modules():
    for name, stage in _stages(_dvc_yaml()).items():
        module = re.search(r"python -m (\S+)", stage["cmd"]).group(1)
        assert module == f"pipeline.stages.{name}", name
        assert f"pipeline/stages/{name}.py" in stage["deps"], name


def test_no_layer_imports_a_layer_above_it():
    modules = ["pipeline." + p.relative_to(ROOT / "pipeline").with_suffix("").as_posix().replace("/", ".")
               for p in (ROOT / "pipeline").rglob("*.py")]
    modules = [m.removesuffix(".__init__") for m in modules if m != "pipeline.__init__"]
    upward = sorted(f"{m} -> {i}" for m in modules for i in _direct_imports(m)
                    if i != "pipeline" and _rank(i) > _rank(m)
                    or (_rank(i) == _rank(m) and i.split(".")[1] != m.split(".")[1]))
    assert upward == []
