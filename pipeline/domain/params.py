"""Typed loading of one block of params.yaml: a mistyped or missing key fails at start."""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


class ParamsError(ValueError):
    """params.yaml does not match what a stage expects (message in French)."""


def read_params(path: str | Path = "params.yaml") -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ParamsError(f"Impossible de lire {path} : {exc}") from exc
    if not isinstance(data, dict):
        raise ParamsError(f"{path} doit contenir des blocs (survey:, ingest:, ...)")
    return data


def load_block(cls: type[T], name: str, path: str | Path = "params.yaml") -> T:
    """Build dataclass ``cls`` from block ``name`` of params.yaml, checking keys and types."""
    return block_from_dict(cls, read_params(path).get(name), name)


def block_from_dict(cls: type[T], raw: Any, name: str) -> T:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParamsError(f"params.yaml, bloc « {name} » : un dictionnaire est attendu")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ParamsError(
            f"params.yaml, bloc « {name} » : clé(s) inconnue(s) {', '.join(unknown)} "
            f"(clés possibles : {', '.join(fields)})"
        )
    hints = typing.get_type_hints(cls)
    values = {}
    for key, f in fields.items():
        if key not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ParamsError(f"params.yaml, bloc « {name} » : clé « {key} » manquante")
            continue
        values[key] = _coerce(raw[key], hints[key], f"{name}.{key}")
    return cls(**values)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(value, a, where)
            except ParamsError as exc:
                errors.append(str(exc))
        raise ParamsError(errors[0] if errors else f"params.yaml, {where} : valeur invalide")
    if dataclasses.is_dataclass(hint):
        return block_from_dict(hint, value, where)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ParamsError(f"params.yaml, {where} : une liste est attendue, pas « {value} »")
        inner = args[0] if args else Any
        out = [_coerce(v, inner, where) for v in value]
        return tuple(out) if origin is tuple else out
    if origin is dict:
        if not isinstance(value, dict):
            raise ParamsError(f"params.yaml, {where} : un dictionnaire est attendu")
        kt, vt = args if args else (Any, Any)
        return {_coerce(k, kt, where): _coerce(v, vt, where) for k, v in value.items()}
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ParamsError(f"params.yaml, {where} : {hint.__name__} attendu, pas « {value} »")
    return value
