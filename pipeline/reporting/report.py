"""Report stage: render the national and per-network diagnostic reports from the notebook.

``notebooks/rapport.py`` (jupytext percent script) is converted to a notebook, executed with
papermill once per scope (``national`` or an ``rrma_slug``) in one shared kernel, and exported
to self-contained HTML without code. The notebook builds its content with :class:`Report`.

    python -m pipeline.reporting.report --params params.yaml --clean data/processed/clean.parquet \
        --typology data/processed/typology.parquet --quality data/processed/quality.json \
        --out reports/2025
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from pipeline.common.atomic import atomic_dir, atomic_write_text
from pipeline.common.text import normalize_label
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import ReportParams
from pipeline.reporting import figures as figs
from pipeline.reporting import tables as tb

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "rapport.py"
KERNEL = "python3"
NATIONAL = "national"
# Columns never read: identifiers and provenance (file names can name a person or a body).
NEVER_READ = ("A01", "A03", "A04", "A14", "source_file", "source_sheet", "source_row")
DERIVED_TITLES = {
    "strate_population": "Strate de population",
    "B05_classe": "Nombre de partenariats actifs (classes)",
    "C01_classe": "Budget consacré à l'action internationale en N-1 (classes)",
    "D02_classe": "Équivalents temps plein consacrés (classes)",
    "rrma": "Réseau régional multi-acteurs (RRMA)",
    "budget_par_habitant": "Budget par habitant (euros)",
}
OTHER_ANSWER = "Autre réponse (hors liste)"
EVOLUTION_TITLES = {
    "evolution_budget": "Évolution du budget consacré à l'action internationale",
    "evolution_etp": "Évolution des équivalents temps plein consacrés",
    "evolution_strategie": "Évolution de la stratégie internationale",
    "evolution_actions": "Évolution du nombre de types d'action menés",
    "evolution_type": "Évolution du type (typologie)",
}
# Numeric source of each class variable: classes are ordered by it.
CLASS_SOURCE = {"strate_population": "A07", "B05_classe": "B05", "C01_classe": "C01", "D02_classe": "D02"}


class PublicationError(ValueError):
    """Inputs that must not be published (message in French)."""


# --- inputs ---------------------------------------------------------------------------------


@cache
def pii_columns() -> tuple[str, ...]:
    return tuple(q.code for q in load_codebook().of_type("pii"))


def check_no_pii(columns: list[str]) -> None:
    """Refuse inputs carrying personal data columns (A10, A12, A13)."""
    bad = sorted(c for c in columns for code in pii_columns() if c == code or c.startswith(f"{code}__"))
    if bad:
        raise PublicationError(
            f"Données personnelles présentes dans les données nettoyées ({', '.join(bad)}) : "
            "elles ne doivent jamais atteindre le rapport."
        )


def read_clean(path: Path, allow_comments: bool) -> pd.DataFrame:
    """Read from clean.parquet only what the report publishes: answers (no identifier,
    provenance or, unless allowed, comment), derived classes and the network."""
    names = pq.read_schema(path).names
    check_no_pii(names)
    skip = set(NEVER_READ) | ({"F05"} if not allow_comments else set())
    wanted = {c for q in load_codebook() if not q.is_pii for c in q.columns} | set(DERIVED_TITLES) \
        | {"response_id", "rrma_slug"}
    return pd.read_parquet(path, columns=[c for c in names if c in wanted and c not in skip])


def _read_json(path: Path | None) -> dict:
    if path is None or not Path(path).exists():
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _read_table(path: Path | None) -> pd.DataFrame:
    """A table in parquet, csv or json (the typology description's format may vary)."""
    if path is None:
        return pd.DataFrame()
    path = Path(path)
    candidates = [path] if path.exists() else sorted(path.parent.glob(path.stem.split(".")[0] + ".*"))
    for p in candidates:
        if p.suffix == ".parquet":
            return pd.read_parquet(p)
        if p.suffix == ".csv":
            return pd.read_csv(p)
        if p.suffix == ".json":
            data = json.loads(p.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                for v in data.values():
                    if isinstance(v, list):
                        return pd.DataFrame(v)
                return pd.DataFrame()
            return pd.DataFrame(data)
    return pd.DataFrame()


def _pick(frame: pd.DataFrame, names: tuple[str, ...], numeric: bool | None = None) -> str | None:
    lower = {c.lower(): c for c in frame.columns}
    for n in names:
        c = lower.get(n)
        if c is not None and (numeric is None or pd.api.types.is_numeric_dtype(frame[c]) == numeric):
            return c
    return None


@dataclass
class Typology:
    """The typology as the report needs it, whatever the exact column names upstream."""

    types: pd.DataFrame  # index response_id; columns type (int), nom (str)
    coords: pd.DataFrame  # index response_id; F1, F2, ...
    description: pd.DataFrame  # type, variable, modalite, v_test, [pct_type, pct_global]
    metrics: dict

    @property
    def available(self) -> bool:
        return not self.types.empty


def read_typology(path: Path | None, description: Path | None, metrics: Path | None) -> Typology:
    empty = Typology(pd.DataFrame(columns=["type", "nom"]), pd.DataFrame(), pd.DataFrame(), _read_json(metrics))
    if path is None or not Path(path).exists():
        return empty
    raw = pd.read_parquet(path)
    id_col = _pick(raw, ("response_id", "id", "respondent_id"))
    num = _pick(raw, ("type", "type_num", "type_id", "cluster", "classe", "clust", "type_number"), numeric=True)
    name = _pick(raw, ("type_name", "type_nom", "nom_type", "type_label", "nom", "name", "label", "libelle"),
                 numeric=False)
    if id_col is None or (num is None and name is None):
        return empty
    raw = raw.set_index(id_col)
    if num is None:
        codes = {v: i + 1 for i, v in enumerate(sorted(raw[name].dropna().unique()))}
        number = raw[name].map(codes)
    else:
        number = pd.to_numeric(raw[num], errors="coerce")
    names = raw[name].astype(str) if name is not None else number.map(lambda t: f"Type {int(t)}")
    types = pd.DataFrame({"type": number.astype("Int64"), "nom": names}).dropna()
    types["nom"] = [f"{int(t)}. {n}" if not str(n).startswith(f"{int(t)}.") else n
                    for t, n in zip(types["type"], types["nom"])]
    coord_cols = sorted((c for c in raw.columns if re.fullmatch(r"(F|Dim\.?\s?|dim_?)\d+", str(c))),
                        key=lambda c: int(re.sub(r"\D", "", str(c))))
    coords = raw[coord_cols].rename(columns={c: f"F{re.sub(r'[^0-9]', '', str(c))}" for c in coord_cols})
    return Typology(types, coords.astype(float), _read_description(description, types), _read_json(metrics))


def _read_description(path: Path | None, types: pd.DataFrame) -> pd.DataFrame:
    raw = _read_table(path)
    if raw.empty:
        return pd.DataFrame()
    t = _pick(raw, ("type", "type_num", "cluster", "classe", "type_id"), numeric=True)
    v = _pick(raw, ("v_test", "vtest", "v.test", "v-test", "v test"))
    # Prefer the exact column (B03__jumelage) and its raw value (Oui / Non / a modality label).
    mod = _pick(raw, ("value", "modalite", "modality", "modalité", "category", "categorie", "catégorie", "label",
                      "level"))
    var = _pick(raw, ("column", "variable", "question", "var", "code"))
    if t is None or v is None or mod is None:
        return pd.DataFrame()
    pct_type = _pick(raw, ("mod_cla", "mod/cla", "pct_type", "pct_in_type", "share_in_type"))
    pct_all = _pick(raw, ("global", "pct_global", "share_global", "pct_all"))
    count = _pick(raw, ("count", "n", "effectif", "n_in_type"), numeric=True)
    out = pd.DataFrame({
        "type": pd.to_numeric(raw[t], errors="coerce").astype("Int64"),
        "variable": raw[var].astype(str) if var else "",
        "modalite": raw[mod].astype(str),
        "v_test": pd.to_numeric(raw[v], errors="coerce"),
        "pct_type": pd.to_numeric(raw[pct_type], errors="coerce") if pct_type else float("nan"),
        "pct_global": pd.to_numeric(raw[pct_all], errors="coerce") if pct_all else float("nan"),
        "count": pd.to_numeric(raw[count], errors="coerce") if count else float("nan"),
    }).dropna(subset=["type", "v_test"])
    # Shares given in percent (FactoMineR) are turned into fractions.
    for c in ("pct_type", "pct_global"):
        if out[c].max(skipna=True) > 1.0:
            out[c] = out[c] / 100.0
    return out


@dataclass
class Inputs:
    clean: pd.DataFrame
    typology: Typology
    quality: dict
    year: int


_INPUTS: dict[tuple, Inputs] = {}


def load_inputs(clean: str, typology: str | None, description: str | None, metrics: str | None,
                quality: str | None, year: int, allow_comments: bool) -> Inputs:
    """Read the inputs once per kernel (network reports reuse what the national one read).

    Relative paths are taken from the project root when they do not exist from the current
    folder (the notebook opened interactively runs in notebooks/).
    """
    def here(p):
        return str(ROOT / p) if p and not Path(p).is_absolute() and not Path(p).exists() else p

    clean, typology, description, metrics, quality = map(here, (clean, typology, description, metrics, quality))

    def stamp(p):
        return (str(p), Path(p).stat().st_mtime_ns) if p and Path(p).exists() else (str(p), None)

    key = (stamp(clean), stamp(typology), stamp(description), stamp(metrics), stamp(quality), year, allow_comments)
    if key not in _INPUTS:
        _INPUTS.clear()
        frame = read_clean(Path(clean), allow_comments)
        _INPUTS[key] = Inputs(frame, read_typology(typology and Path(typology), description and Path(description),
                                                   metrics and Path(metrics)), _read_json(quality), year)
    return _INPUTS[key]


def list_scopes(clean: pd.DataFrame) -> list[str]:
    """Networks with at least one respondent, by slug."""
    if "rrma_slug" not in clean:
        return []
    return sorted(s for s in clean["rrma_slug"].dropna().astype(str).unique() if s)


# --- report content -------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}")


def redact(text: str) -> str:
    """Remove e-mail addresses and phone numbers from a free comment."""
    return _PHONE.sub("[téléphone masqué]", _EMAIL.sub("[courriel masqué]", text))


class Report:
    """Builds the HTML fragments of one report (national or one network) and its tables."""

    def __init__(self, inputs: Inputs, scope: str, threshold: int, source: str, out_dir: Path | None,
                 quantile_min_n: int = 5):
        self.inputs = inputs
        self.scope = scope
        self.threshold = threshold
        self.quantile_min_n = quantile_min_n
        self.source = source
        self.national = scope == NATIONAL
        data = inputs.clean
        self.all = data
        self.df = data if self.national else data[data["rrma_slug"].astype(str) == scope]
        self.name = "France entière" if self.national else (
            str(self.df["rrma"].iloc[0]) if len(self.df) else scope)
        # Régions without a known network are grouped under a pseudo-network ("sans RRMA identifié").
        self.unassigned = not self.national and normalize_label(self.name).startswith("sans rrma")
        self.n = len(self.df)
        self.publishable = self.n >= threshold
        self.fig_dir = Path(out_dir) / "figures" if (out_dir is not None and self.national) else None
        self.tables: list[tb.PubTable] = []
        self.codebook = load_codebook()
        warnings.filterwarnings("ignore")

    # labels
    def title_of(self, column: str) -> str:
        if column in DERIVED_TITLES:
            return DERIVED_TITLES[column]
        return self.codebook[column].label

    def order_of(self, column: str) -> list[str] | None:
        if column in CLASS_SOURCE and CLASS_SOURCE[column] in self.all:
            frame = self.all[[column, CLASS_SOURCE[column]]].dropna()
            return list(frame.groupby(column, observed=True)[CLASS_SOURCE[column]].min().sort_values().index)
        if len(column) == 3 and column in self.codebook.codes:
            return [m.label for m in self.codebook[column].modalities]
        return None

    # blocks
    def _figure_html(self, fig, key: str, alt: str) -> str:
        if self.fig_dir is not None:
            png = figs.save(fig, self.fig_dir, key)
        else:
            png = figs.render_png(fig)
        data = base64.b64encode(png).decode("ascii")
        return f'<img class="figure" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'

    def _block(self, table: tb.PubTable, fig) -> str:
        """Chart + its table. National: matplotlib figure (also saved as PNG and SVG);
        network: HTML bars side by side with France (fast, one page per network)."""
        self.tables.append(table)
        alt = f"{table.title} (n = {tb.french_number(table.n)})"
        if table.n < self.threshold:
            return (f'<section class="block"><h4>{html.escape(table.title)}</h4><p class="notice">'
                    f"Moins de {self.threshold} réponses à cette question : résultat non publié "
                    "(secret statistique).</p></section>")
        if fig is None:
            chart = tb.bars_html(table, ["Part réseau", "Part France"], [self.name, "France entière"], self.source)
        else:
            chart = self._figure_html(fig(), table.key, alt)
        return (f'<section class="block">{chart}'
                f"<details><summary>Tableau : {html.escape(table.title)}</summary>{tb.table_html(table)}"
                f"</details></section>")

    def single(self, column: str, title: str | None = None) -> str:
        if column not in self.df:
            return ""
        title = title or self.title_of(column)
        ref = None if self.national else self._listed(column, self.all[column])
        table = tb.single_table(column, title, self._listed(column, self.df[column]), self.threshold,
                                self.order_of(column), reference=ref, source=self.source, keep_empty=False,
                                scope_only=column == "A05")
        return self._block(table, self._plot(table))

    def _listed(self, column: str, values: pd.Series) -> pd.Series:
        """Answers outside the codebook's list are grouped: a typed answer is never published."""
        if column in self.codebook.codes and self.codebook[column].modalities:
            listed = {m.label for m in self.codebook[column].modalities}
            values = values.astype("object")
            return values.where(values.isna() | values.isin(listed), OTHER_ANSWER)
        return values

    def multi(self, code: str) -> str:
        q = self.codebook[code]
        cols = [c for c in q.columns if c in self.df]
        if not cols:
            return ""
        labels = [m.label for m in q.modalities if f"{q.code}__{m.slug}" in cols]
        table = tb.multi_table(code, q.label, self.df, cols, labels, self.threshold,
                               reference=None if self.national else self.all, source=self.source)
        return self._block(table, self._plot(table))

    def _plot(self, table: tb.PubTable):
        """Figure factory for the national report; None (HTML bars) for a network."""
        if self.national:
            return lambda: figs.bar_shares(table, self.source)
        return None

    def quartiles(self, value: str, group: str, key: str, title: str, unit: str = "€", cents: bool = False) -> str:
        if value not in self.df or group not in self.df:
            return ""
        table = tb.quantile_table(key, title, self.df[value], self.df[group], self.threshold,
                                  self.order_of(group),
                                  kind=("euros_cents" if cents else "euros") if unit == "€" else "number",
                                  source=self.source, index_name=self.title_of(group),
                                  reference=None if self.national else (self.all[value], self.all[group]),
                                  min_n=self.quantile_min_n)
        if not self.national:
            self.tables.append(table)
            return (f'<section class="block">{tb.table_html(table)}</section>'
                    if table.n >= self.threshold else "")
        return self._block(table, lambda: figs.quartiles(table, self.source, unit=unit))

    def decades(self, column: str = "B02") -> str:
        """Start year of the engagement, by decade (a year alone would be too fine to publish)."""
        if column not in self.df:
            return ""

        def decade(series: pd.Series) -> pd.Series:
            years = pd.to_numeric(series, errors="coerce")
            start = (years // 10 * 10).astype("Int64")
            return start.map(lambda d: pd.NA if pd.isna(d) else f"Années {d}", na_action="ignore")

        values = decade(self.df[column])
        labels = sorted(decade(self.all[column]).dropna().unique())
        table = tb.single_table(f"{column}_decennie", f"{self.title_of(column)} (par décennie)", values,
                                self.threshold, labels, reference=None if self.national else decade(self.all[column]),
                                source=self.source, keep_empty=False)
        return self._block(table, self._plot(table))

    def key_figures(self) -> str:
        """The headline numbers of the scope, each masked like any other cell."""
        d = self.df
        items = [("Collectivités répondantes", tb.french_number(self.n))]
        if "B01" in d:
            active = int((d["B01"] == "Oui, actuellement").sum())
            items.append(("mènent actuellement des actions à l'international",
                          self._share_text(active, int(d["B01"].notna().sum()))))
        for col, label, kind in (("C01", "budget médian consacré à l'action internationale", "euros"),
                                 ("D02", "ETP médian consacrés", "number"),
                                 ("budget_par_habitant", "budget médian par habitant", "euros_dec")):
            if col in d:
                v = pd.to_numeric(d[col], errors="coerce").dropna()
                if len(v) >= max(self.threshold, self.quantile_min_n):
                    text = (tb.fmt_euros(v.median()) if kind == "euros" else
                            f"{tb.french_number(v.median(), 2)}\u00a0€" if kind == "euros_dec" else
                            tb.french_number(v.median(), 1))
                    items.append((label, text))
        if self.national and "rrma_slug" in d:
            items.append(("réseaux régionaux représentés",
                          tb.french_number(d.loc[d["rrma_slug"] != "sans-rrma-identifie", "rrma_slug"].nunique())))
        cards = "".join(f'<div class="kpi"><strong>{html.escape(v)}</strong><span>{html.escape(k)}</span></div>'
                        for k, v in items)
        return f'<div class="kpis">{cards}</div>'

    def _share_text(self, k: int, n: int) -> str:
        if n < self.threshold or 0 < k < self.threshold or 0 < n - k < self.threshold:
            return tb.SECRET_SHARE
        return tb.fmt_percent(k / n)

    def notice(self) -> str:
        """What a network with too few respondents gets instead of statistics."""
        if self.national:
            return (f'<p class="notice">Moins de {self.threshold} collectivités ont répondu : pour préserver le '
                    "secret statistique, aucun résultat n'est publié.</p>")
        who = "Ce groupe de collectivités" if self.unassigned else f"Le réseau {html.escape(self.name)}"
        return (f'<p class="notice">{who} compte moins de {self.threshold} '
                "collectivités répondantes : pour préserver le secret statistique, aucun résultat "
                "détaillé n'est publié à cette échelle. Ses réponses sont comprises dans le rapport national.</p>")

    # typology
    def typology_sizes(self) -> str:
        typo = self.inputs.typology
        if not typo.available:
            return '<p class="notice">La typologie n\'est pas disponible pour cette édition.</p>'
        types = typo.types.reindex(self.df["response_id"]) if "response_id" in self.df else typo.types.iloc[:0]
        order = list(typo.types.sort_values("type")["nom"].unique())
        ref = None if self.national else typo.types.reindex(self.all["response_id"])["nom"]
        table = tb.single_table("typologie_effectifs", "Répartition des répondants par type", types["nom"],
                                self.threshold, order, reference=ref, source=self.source)
        if self.national:
            return self._block(table, lambda: figs.bar_counts(table, self.source, colors=True))
        return self._block(table, None)

    def _type_sizes(self) -> pd.Series:
        return self.inputs.typology.types.groupby("type")["nom"].size()

    def typology_heatmap(self, per_type: int = 5) -> str:
        typo = self.inputs.typology
        desc = typo.description
        if desc.empty:
            return ""
        sizes = self._type_sizes()
        names = typo.types.drop_duplicates("type").set_index("type")["nom"].sort_index()
        n_all = int(sizes.sum())
        # Rows: the categories most over-represented in at least one type.
        top = (desc[desc["v_test"] > 0].sort_values(["type", "v_test"], ascending=[True, False], kind="stable")
               .groupby("type").head(per_type))
        sep = "\x1f"
        keys = list(dict.fromkeys(top["variable"] + sep + top["modalite"]))
        desc = desc.assign(key=desc["variable"] + sep + desc["modalite"])
        grid = desc[desc["key"].isin(keys)].pivot_table(index="key", columns="type", values="v_test", aggfunc="first")
        grid = grid.reindex(index=keys, columns=list(names.index))
        # A category held by fewer than `threshold` respondents overall, or a type that small, is masked.
        glob = desc.drop_duplicates("key").set_index("key")["pct_global"].reindex(keys)
        keep = [k for k in keys if pd.isna(glob[k]) or not (0 < round(glob[k] * n_all) < self.threshold)]
        grid = grid.loc[keep]
        for t in grid.columns:
            if 0 < sizes.get(t, 0) < self.threshold:
                grid[t] = float("nan")
        labels = [self._category_label(*k.split(sep, 1)) for k in grid.index]
        grid.index = [lab if labels.count(lab) == 1 else f"{lab} [{k.split(sep, 1)[0]}]"
                      for lab, k in zip(labels, grid.index)]
        grid.columns = [names.loc[t] for t in grid.columns]
        short = grid.set_axis([f"Type {t}" for t in names.index], axis=1)
        kinds = {c: "vtest" for c in grid.columns}
        table = tb.frame_table("typologie_vtests", "Profils des types : valeurs-test des modalités "
                               "les plus caractéristiques", grid, kinds, n_all, self.threshold,
                               index_name="Modalité", source=self.source,
                               note="Valeur-test > 2 : modalité sur-représentée dans le type ; < −2 : sous-représentée.")
        return self._block(table, lambda: figs.heatmap(short, table.title, n_all, self.source))

    def _category_label(self, variable: str, modality: str) -> str:
        """French label of a category of the typology description ('B03__jumelage', 'Oui')."""
        variable, modality = str(variable), str(modality)
        missing = modality.endswith(".NA")
        if missing:
            modality = "non renseigné"
        code = variable.split("__")[0]
        if code in self.codebook.codes:
            q = self.codebook[code]
            if "__" in variable:
                slug = variable.split("__", 1)[1]
                try:
                    item = q.modality(slug).label
                except KeyError:
                    item = slug
                if missing:
                    return f"{q.label} : {item} (non renseigné)"
                if modality in ("Oui", "True", "1", "oui"):
                    return f"{q.label} : {item}"
                if modality in ("Non", "False", "0", "non"):
                    return f"{q.label} : pas « {item} »"
                return f"{q.label} : {item} ({modality})"
            return f"{q.label} : {modality}"
        if variable in DERIVED_TITLES:
            return f"{DERIVED_TITLES[variable]} : {modality}"
        return f"{variable} : {modality}" if variable else modality

    def factor_map(self) -> str:
        typo = self.inputs.typology
        if typo.coords.shape[1] < 2:
            return ""
        coords = typo.coords.reindex(self.df["response_id"]).dropna()
        types = typo.types.reindex(coords.index)["nom"]
        # A type smaller than the threshold is not drawn (its points would show who is in it).
        sizes = types.value_counts()
        keep = types.map(sizes).ge(self.threshold).to_numpy()
        coords, types = coords[keep], types[keep]
        if len(coords) < self.threshold:
            return ""
        inertia = self._inertia()
        key = "typologie_plan_factoriel"
        title = "Plan factoriel F1 × F2 de l'analyse des correspondances multiples"
        fig = figs.factor_map(coords, types, title, self.source, inertia=inertia)
        return f'<section class="block">{self._figure_html(fig, key, title)}</section>'

    def _inertia(self) -> tuple[float, float] | None:
        m = self.inputs.typology.metrics
        for k in ("inertia", "explained_inertia", "inertie", "explained_variance_ratio", "eigenvalue_share"):
            v = m.get(k)
            if isinstance(v, list) and len(v) >= 2 and all(isinstance(x, (int, float)) for x in v[:2]):
                a, b = float(v[0]), float(v[1])
                return (a / 100, b / 100) if a > 1 else (a, b)
        return None

    def stability(self) -> dict[int, float]:
        """Jaccard stability per type, wherever metrics/typology.json keeps it."""
        m = self.inputs.typology.metrics

        def find(obj):
            if isinstance(obj, dict):
                for k, v in obj.items():
                    if "jaccard" in str(k).lower() or "stabil" in str(k).lower():
                        if isinstance(v, dict) and v and all(isinstance(x, (int, float)) or x is None
                                                              for x in v.values()):
                            return {a: b for a, b in v.items() if b is not None}
                        if isinstance(v, list) and v and all(isinstance(x, (int, float)) for x in v):
                            return {i + 1: x for i, x in enumerate(v)}
                    hit = find(v)
                    if hit:
                        return hit
            return None

        found = find(m) or {}
        out = {}
        for k, v in found.items():
            digits = re.sub(r"\D", "", str(k))
            if digits:
                out[int(digits)] = float(v)
        return out

    def portraits(self, per_type: int = 5) -> str:
        typo = self.inputs.typology
        if not typo.available:
            return ""
        sizes = self._type_sizes()
        total = int(sizes.sum())
        names = typo.types.drop_duplicates("type").set_index("type")["nom"].sort_index()
        stab = self.stability()
        desc = typo.description
        parts = []
        for t, name in names.items():
            size = int(sizes.get(t, 0))
            head = f'<article class="portrait"><h4>{html.escape(name)}</h4>'
            if 0 < size < self.threshold:
                parts.append(head + f"<p>Effectif inférieur à {self.threshold} : portrait non publié "
                             "(secret statistique).</p></article>")
                continue
            facts = [f"{tb.french_number(size)} collectivités, soit {tb.fmt_percent(size / total)} des répondants classés."]
            if t in stab:
                # Same cut-offs as the typology stage's verdict (stable / moyen / douteux).
                level = "stable" if stab[t] >= 0.75 else "moyennement stable" if stab[t] >= 0.6 else \
                    "peu stable : à interpréter avec prudence"
                facts.append(f"Stabilité (indice de Jaccard moyen par rééchantillonnage) : "
                             f"{tb.french_number(stab[t], 2)} ({level}).")
            items = []
            if not desc.empty:
                own = desc[(desc["type"] == t) & (desc["v_test"] > 0)].sort_values("v_test", ascending=False,
                                                                                      kind="stable").head(per_type)
                for _, r in own.iterrows():
                    k = r["count"] if pd.notna(r["count"]) else (
                        round(r["pct_type"] * size) if pd.notna(r["pct_type"]) else None)
                    if k is not None and 0 < k < self.threshold:
                        continue
                    detail = (f" : {tb.fmt_percent(r['pct_type'])} dans le type contre "
                              f"{tb.fmt_percent(r['pct_global'])} dans l'ensemble"
                              if pd.notna(r["pct_type"]) and pd.notna(r["pct_global"]) else "")
                    items.append(f"<li>{html.escape(self._category_label(r['variable'], r['modalite']) + detail)} "
                                 f"(valeur-test {html.escape(tb.french_number(r['v_test'], 1))})</li>")
            traits = f"<p>Traits distinctifs :</p><ul>{''.join(items)}</ul>" if items else ""
            parts.append(head + "".join(f"<p>{html.escape(f)}</p>" for f in facts) + traits + "</article>")
        return '<div class="portraits">' + "".join(parts) + "</div>"

    # evolution since the reference wave (metrics/trends.json of the trends stage)
    def trends(self, path: str | None) -> str:
        """Changes among collectivités that answered both waves; aggregates only, masked like any count."""
        top = _read_json(Path(path)) if path else {}
        # A network reads its own summary (by_network), with the years of the whole file.
        t = top if self.national else {**((top.get("by_network") or {}).get(self.scope) or {}),
                                       "year": top.get("year"), "reference_year": top.get("reference_year")}
        if not t.get("n_panel"):
            return ""
        ref_year, year = t.get("reference_year", "N-1"), t.get("year", self.inputs.year)

        def count(key: str) -> str:
            v = t.get(key)
            if not isinstance(v, (int, float)):
                return "–"
            return tb.secret_label(self.threshold) if 0 < v < self.threshold else tb.french_number(v)

        panel = (f"Collectivités ayant répondu en {ref_year} et en {year} : {count('n_panel')} ; "
                 f"nouvelles répondantes : {count('n_new')} ; "
                 f"répondantes de {ref_year} absentes en {year} : {count('n_dropped')}.")
        parts = [f"<p>{html.escape(panel)}</p>"]
        facts = []
        if isinstance(t.get("budget_change_median"), (int, float)):
            facts.append(f"variation médiane du budget : {tb.fmt_euros(t['budget_change_median'])}")
        if isinstance(t.get("etp_change_median"), (int, float)):
            facts.append(f"variation médiane des ETP : {tb.french_number(t['etp_change_median'], 1)}")
        if isinstance(t.get("strategy_changed"), (int, float)):
            facts.append(f"stratégie internationale modifiée : {count('strategy_changed')}")
        if isinstance(t.get("type_changed"), (int, float)):
            facts.append(f"changement de type : {count('type_changed')} sur {count('n_typed_both_years')} "
                         "collectivités classées les deux années")
        if facts:
            parts.append("<p>Parmi les collectivités présentes les deux années : "
                         + html.escape(" ; ".join(facts)) + ".</p>")
        sizes = t.get("type_sizes_panel") or {}
        rows = {}
        for key in sorted(sizes, key=lambda k: int(k) if str(k).isdigit() else 0):
            v = sizes[key] or {}
            name = str(v.get("name", f"Type {key}"))
            rows[f"{key}. {name}" if not name.startswith(f"{key}.") else name] = (
                float(v.get("reference", 0) or 0), float(v.get("current", 0) or 0))
        if rows:
            data = pd.DataFrame.from_dict(rows, orient="index", columns=[f"Effectif {ref_year}", f"Effectif {year}"])
            totals = data.sum()
            data[f"Part {ref_year}"] = data[f"Effectif {ref_year}"] / totals.iloc[0] if totals.iloc[0] else float("nan")
            data[f"Part {year}"] = data[f"Effectif {year}"] / totals.iloc[1] if totals.iloc[1] else float("nan")
            table = tb.PubTable(
                "evolution_types", f"Types des collectivités présentes en {ref_year} et en {year}", data,
                pd.DataFrame(False, index=data.index, columns=data.columns),
                {f"Effectif {ref_year}": "count", f"Effectif {year}": "count", f"Part {ref_year}": "share",
                 f"Part {year}": "share"}, n=int(totals.iloc[1]), index_name="Type", source=self.source,
                threshold=self.threshold,
                note=f"Types de {year} selon le modèle de {ref_year}, appliqué aux deux vagues.")
            for year_col, share_col in ((f"Effectif {ref_year}", f"Part {ref_year}"), (f"Effectif {year}", f"Part {year}")):
                small = tb.mask_distribution(data[year_col], self.threshold)  # with secondary secrecy
                table.secret[year_col] = small
                table.secret[share_col] = small
            self.tables.append(table)
            chart = tb.bars_html(table, [f"Part {ref_year}", f"Part {year}"], [str(ref_year), str(year)], self.source)
            parts.append(f'<section class="block">{chart}<details><summary>Tableau : {html.escape(table.title)}'
                         f"</summary>{tb.table_html(table)}</details></section>")
        moves = [m for m in t.get("type_moves") or [] if isinstance(m, dict) and m.get("n", 0) >= self.threshold]
        if moves:
            ranked = sorted(moves, key=lambda m: (-m["n"], str(m.get("from")), str(m.get("to"))))[:8]
            texts = [f"du type {m.get('from')} au type {m.get('to')} : {tb.french_number(m['n'])}" for m in ranked]
            items = "".join(f"<li>{html.escape(x)}</li>" for x in texts)
            parts.append(f"<p>Principaux changements de type (au moins {self.threshold} collectivités) :</p><ul>{items}</ul>")
        return "".join(parts)

    def evolutions(self, path: str | None, summary_path: str | None = None) -> str:
        """Evolution classes of the panel (trends.parquet) for this scope, beside France for a network.

        Only ``rrma_slug`` and the ``evolution_*`` classes are read: no name, no identifier. The
        classes' display order is the one of ``evolutions`` in trends.json (the trends stage's).
        """
        if not path or not Path(path).exists():
            return ""
        order = (_read_json(Path(summary_path)) if summary_path else {}).get("evolutions") or {}
        names = pq.read_schema(path).names
        columns = [c for c in EVOLUTION_TITLES if c in names] + sorted(
            c for c in names if c.startswith("evolution_") and c not in EVOLUTION_TITLES)
        if not columns or "rrma_slug" not in names:
            return ""
        panel = pd.read_parquet(path, columns=["rrma_slug", *columns])
        ours = panel if self.national else panel[panel["rrma_slug"].astype(str) == self.scope]
        if ours.empty:  # a first survey, or a network new this year: no evolution to show
            return ""
        blocks = []
        for col in columns:
            title = EVOLUTION_TITLES.get(col, col)
            classes = list(order.get(col) or []) or None
            table = tb.single_table(col, title, ours[col], self.threshold, classes,
                                    reference=None if self.national else panel[col], source=self.source)
            table.note += " Collectivités ayant répondu aux deux enquêtes."
            blocks.append(self._block(table, self._plot(table)))
        return "".join(blocks)

    # comments and annexes
    def comments(self, limit: int = 40) -> str:
        if "F05" not in self.df:
            return ""
        texts = [redact(str(t)).strip() for t in self.df["F05"].dropna() if str(t).strip()]
        texts = sorted(dict.fromkeys(texts))[:limit]
        if not texts:
            return "<p>Aucun commentaire libre.</p>"
        return "<ul class=\"comments\">" + "".join(f"<li>{html.escape(t)}</li>" for t in texts) + "</ul>"

    def quality(self) -> str:
        """Data-quality summary from quality.json (numbers only: no file name is published).

        Known keys come first in reading order, with French labels (rule titles from the
        validation rules); any other numeric key follows, humanised.
        """
        from pipeline.domain.rules import RULES

        quality = self.inputs.quality
        rows: list[tuple[str, float]] = []

        def label(parent: str, key: object) -> str:
            k = str(key)
            if parent in ("warnings", "errors") and k in RULES:
                return RULES[k].title_fr
            if parent.endswith("_by_column") and k in self.codebook.codes:
                return f"{k} ({self.codebook[k].label})"
            return _humanize(k)

        first = ["received", "ingested", "partial", "rejected"]  # files in the order they are counted

        def walk(obj, prefix: str, parent: str) -> None:
            if isinstance(obj, dict):
                for k in sorted(obj, key=lambda k: (first.index(k) if k in first else len(first), str(k))):
                    name = label(parent, k)
                    walk(obj[k], f"{prefix} › {name}" if prefix else name, str(k))
            elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
                rows.append((prefix, float(obj)))

        order = ["files", "rows_read", "clean", "quarantined", "duplicates", "rows_with_warnings",
                 "ingest_problems", "corrections", "filled_from_reference_by_column", "warnings", "errors"]
        for key in [k for k in order if k in quality] + sorted(k for k in quality if k not in order):
            walk(quality[key], _humanize(key), str(key))
        if not rows:
            return '<p class="notice">Le bilan de qualité des données n\'est pas disponible.</p>'
        data = pd.DataFrame({"Valeur": [v for _, v in rows]}, index=[k for k, _ in rows])
        table = tb.frame_table("qualite_donnees", "Bilan de qualité des données", data, {"Valeur": "number"},
                               len(self.all), self.threshold, index_name="Indicateur", source=self.source,
                               note="Comptes de fichiers et de réponses, pas de résultats sur les collectivités : "
                                    "ils ne relèvent pas du secret statistique.")
        table.kinds["Valeur"] = "count" if all(float(v).is_integer() for v in data["Valeur"]) else "number"
        self.tables.append(table)
        return tb.table_html(table)

    def write_workbook(self, out_dir: Path, title: str) -> None:
        if self.national:
            tb.write_workbook(self.tables, Path(out_dir) / "tableaux.xlsx", title)


_QUALITY_LABELS = {
    "files": "Fichiers", "received": "reçus", "ingested": "intégrés", "partial": "partiellement intégrés",
    "rejected": "rejetés", "rows_read": "Réponses lues", "rows": "Lignes", "quarantined": "Réponses mises en quarantaine",
    "quarantine": "Quarantaine", "duplicates": "Doublons écartés", "corrections": "Corrections automatiques",
    "warnings": "Alertes, par règle", "clean": "Réponses retenues", "kept": "Réponses retenues",
    "respondents": "Répondants", "total": "total", "by_kind": "par nature", "by_rule": "par règle",
    "ingest_problems": "Problèmes de lecture des fichiers", "rows_with_warnings": "Réponses avec alerte(s)",
    "errors": "Erreurs bloquantes, par règle", "filled_from_reference": "valeur complétée depuis les référentiels",
    "filled_from_reference_by_column": "Valeurs complétées depuis les référentiels, par question",
    "bad_number": "nombre illisible", "corrupt_file": "fichier endommagé", "empty_file": "fichier vide",
    "excel_error": "erreur Excel dans une cellule (#N/A, #REF!...)", "not_a_spreadsheet": "pas un tableur",
    "unreadable_file": "fichier illisible", "unmapped_column": "colonne non reconnue",
}


def _humanize(key: object) -> str:
    k = str(key)
    return _QUALITY_LABELS.get(k, k.replace("_", " ").capitalize() if k.islower() else k)


# --- rendering --------------------------------------------------------------------------------

CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0;background:#fafafa;color:#222;line-height:1.45}
main{max-width:980px;margin:0 auto;padding:1.5rem 2rem 4rem;background:#fff}
h1{font-size:1.8rem;color:#0b3d63;margin-bottom:.2rem}h2{font-size:1.35rem;color:#0b3d63;
border-bottom:2px solid #0072B2;padding-bottom:.2rem;margin-top:2.4rem}h3{font-size:1.1rem}
img.figure{max-width:100%;height:auto;display:block;margin:.5rem 0}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}caption{text-align:left;font-weight:bold;
padding:.3rem 0}th,td{border:1px solid #ccc;padding:.2rem .5rem}thead th{background:#dde7f0}
td.num,td.secret{text-align:right;white-space:nowrap}td.secret{color:#8c2d04;font-style:italic}
tbody th{text-align:left;font-weight:normal}.notes p{font-size:.78rem;color:#555;margin:.1rem 0}
details{margin:.2rem 0 1.2rem}summary{cursor:pointer;color:#0b3d63}
.kpis{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}.kpi{flex:1 1 120px;background:#eef4f9;
padding:.7rem;border-radius:6px}.kpi strong{display:block;font-size:1.5rem;color:#0b3d63}
.kpi span{font-size:.85rem}.notice{background:#fff4e5;border-left:4px solid #E69F00;padding:.6rem}
.portraits{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:1rem}
.portrait{border:1px solid #ccc;border-radius:6px;padding:.3rem .8rem}.comments li{margin:.3rem 0}
a.anchor-link{display:none}.toc{background:#f4f6f8;padding:.5rem 1rem;border-radius:6px}
.toc ul{columns:2;margin:.3rem 0;list-style:none;padding-left:.5rem}.toc a{color:#0b3d63}
@media print{details{display:block}main{max-width:none}}
.hbars{margin:.6rem 0}.hbars .title{font-weight:bold;margin-bottom:.3rem}.hbars .row{display:flex;
gap:.6rem;margin:.25rem 0;font-size:.85rem}.hbars .lab{flex:0 0 38%}.hbars .bars{flex:1}
.hbars .bar{display:flex;align-items:center;gap:.3rem;height:.95rem}.hbars .fill{display:inline-block;
height:.75rem}.s0{background:#0072B2}.s1{background:#E69F00}.hbars .val{font-size:.75rem}
.hbars .legend{font-size:.8rem;display:flex;gap:1rem}.hbars .legend i{display:inline-block;width:.8rem;
height:.8rem;margin-right:.3rem;vertical-align:middle}.hbars .src{font-size:.75rem;color:#555;margin:.2rem 0}
"""

PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""

_EXTERNAL = [
    re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>", re.I | re.S),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.I),
]


def strip_external(markup: str) -> str:
    """Remove tags that would load a resource from outside (require.js, MathJax, CDN styles)."""
    for pattern in _EXTERNAL:
        markup = pattern.sub("", markup)
    return markup


def export_html(nb, title: str) -> str:
    """Executed notebook -> one self-contained HTML page, without code, stable across runs."""
    from nbconvert import HTMLExporter

    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
        if cell.get("cell_type") == "code":
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                raise RuntimeError(f"Le notebook a échoué : {errors[0].get('ename')}: {errors[0].get('evalue')}")
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            cell["execution_count"] = None
    nb.metadata = {"language_info": {"name": "python"}}
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_output_prompt=True,
                            exclude_input_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return PAGE.format(title=html.escape(title), css=CSS.strip(), body=strip_external(body).strip())


def notebook_template(path: Path = NOTEBOOK):
    """The jupytext percent script as an nbformat notebook with stable cell ids."""
    import jupytext

    nb = jupytext.read(path, fmt="py:percent")
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    return nb


def ensure_kernel() -> None:
    """Make sure the 'python3' kernel runs this interpreter (register it in the venv if not)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        exe = KernelSpecManager().get_kernel_spec(KERNEL).argv[0]
        found = shutil.which(exe) or exe
        # Compare paths without resolving symlinks: a venv's python is a link to the base one,
        # but only the venv's path activates the venv.
        ok = os.path.abspath(found) == os.path.abspath(sys.executable)
    except (NoSuchKernel, IndexError):
        ok = False
    if not ok:
        from ipykernel.kernelspec import install

        install(kernel_name=KERNEL, prefix=sys.prefix)


def _render_scopes(scopes: list[str], common: dict, out: Path, title_for: dict[str, str]) -> dict[str, str]:
    """Execute the notebook for each scope in one kernel; return HTML by scope."""
    import copy

    import papermill as pm
    from jupyter_client.manager import KernelManager

    template = notebook_template()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    # Local sockets (ipc) in a private folder: no TCP port, nothing left in the project.
    sockets = tempfile.mkdtemp(prefix="acter_kernel_")
    km = KernelManager(kernel_name=KERNEL, transport="ipc", ip=os.path.join(sockets, "kernel"))
    km.start_kernel(cwd=str(ROOT), env=env)
    pages = {}
    try:
        for scope in scopes:
            nb = pm.execute_notebook(
                copy.deepcopy(template), None, parameters={**common, "scope": scope},
                kernel_name=KERNEL, language="python", progress_bar=False, log_output=False,
                request_save_on_cell_execute=False, cwd=str(ROOT), km=km,
            )
            pages[scope] = export_html(nb, title_for[scope])
    finally:
        km.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
    return pages


def render_reports(clean: Path, typology: Path | None, typology_description: Path | None,
                   typology_metrics: Path | None, quality: Path | None, out: Path, year: int,
                   params: ReportParams, scopes: list[str] | None = None,
                   trends: Path | None = None, trends_table: Path | None = None) -> list[Path]:
    """Write national.html, regions/<slug>.html, figures/ and tableaux.xlsx under ``out`` (the
    folder is replaced as a whole)."""
    check_no_pii(pq.read_schema(clean).names)
    frame = pd.read_parquet(clean, columns=[c for c in ("rrma", "rrma_slug") if c in pq.read_schema(clean).names])
    networks = list_scopes(frame) if params.networks else []
    if scopes is not None:
        networks = [s for s in networks if s in scopes]
    names = dict(zip(frame.get("rrma_slug", pd.Series(dtype=str)).astype(str),
                     frame.get("rrma", pd.Series(dtype=str)).astype(str)))
    title_for = {NATIONAL: f"Observatoire ACTER {year} — rapport national",
                 **{s: f"Observatoire ACTER {year} — {names.get(s, s)}" for s in networks}}
    # Built in a temporary folder beside ``out``, which takes its place once every page is
    # written: an interrupted run leaves the previous reports or none, never half of them.
    with atomic_dir(out) as build:
        return _render_into(build, clean, typology, typology_description, typology_metrics, quality, trends,
                            trends_table, year, params, networks, title_for, final=Path(out))


def _render_into(out: Path, clean: Path, typology: Path | None, typology_description: Path | None,
                 typology_metrics: Path | None, quality: Path | None, trends: Path | None,
                 trends_table: Path | None, year: int, params: ReportParams, networks: list[str],
                 title_for: dict[str, str], final: Path) -> list[Path]:
    """Render every page into the (empty) folder ``out``; return their paths under ``final``."""
    (out / "regions").mkdir(parents=True, exist_ok=True)
    common = {
        "year": year,
        "clean_path": str(Path(clean).resolve()),
        "typology_path": str(Path(typology).resolve()) if typology else "",
        "typology_description_path": str(Path(typology_description).resolve()) if typology_description else "",
        "typology_metrics_path": str(Path(typology_metrics).resolve()) if typology_metrics else "",
        "quality_path": str(Path(quality).resolve()) if quality else "",
        "trends_path": str(Path(trends).resolve()) if trends else "",
        "trends_table_path": str(Path(trends_table).resolve()) if trends_table else "",
        "out_dir": str(Path(out).resolve()),
        "small_cell_threshold": params.small_cell_threshold,
        "quantile_min_n": params.quantile_min_n,
        "allow_comments": params.allow_comments,
        "source": params.source.format(year=year),
    }
    ensure_kernel()
    all_scopes = [NATIONAL, *networks]
    workers = max(1, min(params.workers, len(all_scopes)))
    if workers == 1:
        pages = _render_scopes(all_scopes, common, out, title_for)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # The national report (figures, workbook) in one kernel; networks shared by the others.
        chunks = [[NATIONAL]] + [c for c in (networks[i::workers - 1] for i in range(workers - 1)) if c]
        workers = len(chunks)
        pages = {}
        # "spawn": a forked child would inherit this process's ZeroMQ/asyncio state and hang.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for part in pool.map(_render_scopes, chunks, [common] * workers, [out] * workers, [title_for] * workers):
                pages.update(part)
    written = []
    for scope in all_scopes:
        rel = Path("national.html") if scope == NATIONAL else Path("regions") / f"{scope}.html"
        atomic_write_text(out / rel, pages[scope])
        written.append(final / rel)
    return written
