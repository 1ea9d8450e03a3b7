"""The fitted model on disk: a header of versions read before the model, so that an incompatible
file is refused with a French message. Format 2 is the layered package's; a format-1 model (saved
before the package moved to layers, classes under ``pipeline.mca``, ``pipeline.typology``…) loads
through the map of moved classes below."""

from __future__ import annotations

import pickle
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import sklearn

from pipeline.common.atomic import atomic_path
from pipeline.common.errors import UserError
from pipeline.typology.model import TypologyModel

MODEL_FORMAT = 2
READABLE_FORMATS = (1, 2)
# Format 1: classes pickled from the flat package of the first year.
_FORMAT_1_CLASSES = {
    ("pipeline.typology", "TypologyModel"): ("pipeline.typology.model", "TypologyModel"),
    ("pipeline.typology", "Spec"): ("pipeline.typology.spec", "Spec"),
    ("pipeline.mca", "MCA"): ("pipeline.typology.mca", "MCA"),
    ("pipeline.hcpc", "HCPC"): ("pipeline.typology.hcpc", "HCPC"),
}


class _Unpickler(pickle.Unpickler):
    """Finds the classes of a format-1 model where they live now."""

    def find_class(self, module: str, name: str):  # noqa: ANN201 (any class)
        if module.startswith("pipeline.") and module.count(".") == 1:
            module, name = _FORMAT_1_CLASSES.get((module, name), (module, name))
        return super().find_class(module, name)


def versions(codebook_version: str) -> dict:
    return {"format": MODEL_FORMAT, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "sklearn": sklearn.__version__, "pandas": pd.__version__,
            "codebook": codebook_version}


def save_model(model: TypologyModel | None, path: str | Path, codebook_version: str) -> None:
    """Pickle stream (whatever the file extension): a header of versions in plain types, then
    the model, so that :func:`load_model` checks versions before unpickling the model. ``None``
    when the wave had no typology (too few respondents): loading gives ``None``."""
    with atomic_path(path) as tmp, tmp.open("wb") as f:
        pickle.dump(versions(codebook_version), f, protocol=4)
        pickle.dump(model, f, protocol=4)


class ModelVersionError(UserError, RuntimeError):
    """The saved model was fitted with incompatible versions (message in French)."""


def load_model(path: str | Path, codebook_version: str | None = None) -> TypologyModel | None:
    """Load a saved typology; refuse it when versions differ in a way that matters."""
    with Path(path).open("rb") as f:
        try:
            head = pickle.load(f)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as exc:
            raise ModelVersionError(f"{path} n'est pas un modèle de typologie lisible ({exc})") from exc
        if not isinstance(head, dict) or "format" not in head:
            raise ModelVersionError(f"{path} n'est pas un modèle de typologie ACTER (en-tête absent)")
        now = versions(codebook_version if codebook_version is not None else head.get("codebook", ""))
        problems = []
        if head.get("format") not in READABLE_FORMATS:
            problems.append(f"format de fichier {head.get('format')} (lisibles : {', '.join(map(str, READABLE_FORMATS))})")
        if head.get("codebook") != now["codebook"]:
            problems.append(f"codebook {head.get('codebook')} (actuel {now['codebook']})")
        for lib, parts in (("numpy", 1), ("sklearn", 2), ("python", 2)):
            if str(head.get(lib, "")).split(".")[:parts] != now[lib].split(".")[:parts]:
                problems.append(f"{lib} {head.get(lib)} (installé {now[lib]})")
        if problems:
            raise ModelVersionError(
                f"Le modèle {path} a été ajusté avec des versions incompatibles : " + "; ".join(problems)
                + ". Relancez l'étape typologie (dvc repro typology) pour le ré-ajuster.")
        try:
            return _Unpickler(f).load()
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as exc:
            raise ModelVersionError(f"{path} n'est pas un modèle de typologie lisible ({exc}) : relancez "
                                    "l'étape typologie (dvc repro typology) pour le ré-ajuster.") from exc
