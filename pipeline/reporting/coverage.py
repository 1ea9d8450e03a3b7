"""Coverage and calibrated estimates in the reports: who answered among the collectivités of the
frame, how far the respondents are from them, and (when ``weights.publish_estimates``) the
headline shares and medians estimated for all the collectivités of the scope.

What the weights stage wrote (``coverage.parquet``, ``weights.parquet``, ``metrics/coverage.json``,
``unmatched.parquet``) is read once per kernel by :func:`load_survey`. The counts of respondents
go through the publication's secrecy like every other table:

- ``couverture_type`` (every scope: respondents matched to the frame, by type of collectivité,
  the types calibrated together in ``weights.collapse`` in one row) is a partition of the scope's
  matched respondents, France the sum of the networks as for every table published at both levels;
  ``couverture`` (a network: by type × population class) adds up to it type by type (``links``).
  France's type × class table is not published: with the networks' it pinned the lone
  collectivités of a kind (a statut particulier, a région) and the whole national table was
  withheld on the demo. The frame's type is not tied to the A02 table (the declared type): a
  reader cannot know they agree, and tying them withheld the national A02 table on the demo;
- the national table by network shows each network's matched respondents with the status of the
  network's row in the national « rrma » table (the report sizes: public, or masked there);
- estimates publish no new count: a share among respondents takes the status of its count in the
  answers' table, a median the status of its quartile table's « Ensemble » row.

Frame counts (collectivités of the frame) are public. A rate is masked with its numerator.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from pipeline.common.text import french_number
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import CleanParams, WeightsParams, load_block
from pipeline.reporting.formats import fmt_euros, fmt_percent, small_mask
from pipeline.reporting.markup import bars_html, table_html
from pipeline.reporting.report import NATIONAL, Report, withheld_notice
from pipeline.reporting.secrecy import HIDDEN, PRIMARY, SECONDARY, VISIBLE
from pipeline.reporting.tables import TOTAL, PubTable
from pipeline.survey.estimates import Estimate, respondent_share
from pipeline.survey.frame import load_frame
from pipeline.survey.recipe import Calibration, CoverageMetrics

BY_TYPE = "couverture_type"
BY_SIZE = "couverture"
BY_NETWORK = "couverture_reseaux"
FRAME = "Collectivités de la base"
RESPONDENTS = "Répondants"
RATE = "Taux de réponse (%)"        # percentages with one decimal: a commune's rate is often near 1 %
RATE_FRANCE = "Taux France (%)"
MASKED = (PRIMARY, SECONDARY, HIDDEN)
COMMUNE = "commune"
# Headline figures estimated for all collectivités: (question, answer slug) shares, and medians of
# a number with the quartile table that publishes it (its « Ensemble » row gives the status).
HEADLINE_SHARES = (("B01", "actuellement"), ("D01", "service_dedie"), ("D04", "deliberation"))
HEADLINE_MEDIANS = (("C01", "budget_par_type", "euros"), ("D02", "etp_par_type", "number"))


@dataclass(frozen=True)
class SurveyPaths:
    """The weights stage's outputs the reports read, and the params file (frame, margins)."""

    params: Path
    weights: Path | None
    coverage: Path
    unmatched: Path | None
    metrics: Path

    def notebook(self) -> dict[str, str]:
        """The notebook's parameters (absolute paths)."""
        def path(p: Path | None) -> str:
            return str(Path(p).resolve()) if p else ""

        return {"survey_params_path": path(self.params), "weights_path": path(self.weights),
                "coverage_path": path(self.coverage), "unmatched_path": path(self.unmatched),
                "coverage_metrics_path": path(self.metrics)}


@dataclass
class Survey:
    """The wave as a sample of the frame, for one report."""

    coverage: pd.DataFrame          # coverage.parquet: rrma × type × taille, n_frame, n_respondents
    metrics: CoverageMetrics
    n_unmatched: int
    calibration: Calibration | None  # only loaded when estimates are published
    sizes: list[str]                 # population classes, in order (clean.strate_population)
    type_labels: dict[str, str]      # frame type (A02 slug) -> French label

    @property
    def publish_estimates(self) -> bool:
        return self.metrics.publish_estimates and self.metrics.available and self.calibration is not None


_SURVEY: dict[tuple, Survey] = {}


def load_survey(params: str, weights: str, coverage: str, unmatched: str, metrics: str) -> Survey | None:
    """What the weights stage wrote, read once per kernel; None when the report is run without it."""
    if not (params and coverage and metrics and Path(coverage).exists() and Path(metrics).exists()):
        return None
    key = tuple((p, Path(p).stat().st_mtime_ns if p and Path(p).exists() else None)
                for p in (params, weights, coverage, unmatched, metrics))
    if key not in _SURVEY:
        _SURVEY.clear()
        wparams = load_block(WeightsParams, params)
        bins = load_block(CleanParams, params).strate_population
        record = CoverageMetrics.read(metrics)
        calibration = None
        if wparams.publish_estimates and record.available and weights and Path(weights).exists():
            frame = load_frame(wparams.frame, bins)
            calibration = Calibration.load(pd.read_parquet(weights), frame, wparams)
        # only the number of rows: the names of unmatched respondents stay with the analysts
        n_unmatched = pq.ParquetFile(unmatched).metadata.num_rows if unmatched and Path(unmatched).exists() else 0
        labels = {m.slug: m.label for m in load_codebook()["A02"].modalities}
        cov, labels = collapse_types(pd.read_parquet(coverage), labels, wparams.collapse.get("type", {}))
        _SURVEY[key] = Survey(cov, record, int(n_unmatched), calibration, list(bins.labels), labels)
    return _SURVEY[key]


def collapse_types(coverage: pd.DataFrame, labels: dict[str, str], collapse: dict[str, str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The types calibrated together (``weights.collapse``) as one row: « Région (avec collectivité
    à statut particulier) »; a lone kind of collectivité would be a count of one everywhere."""
    if not collapse:
        return coverage, labels
    merged = {**labels}
    for target in dict.fromkeys(collapse.values()):
        sources = [labels.get(k, k).lower() for k, v in collapse.items() if v == target]
        merged[target] = f"{labels.get(target, target)} (avec {', '.join(sources)})"
    for source in collapse:
        merged.pop(source, None)
    keys = ["rrma", "rrma_slug", "type", "taille"]
    out = (coverage.assign(type=coverage["type"].astype(str).replace(dict(collapse)))
           .groupby(keys, observed=True, sort=False, as_index=False)[["n_frame", "n_respondents"]].sum())
    return out, merged


# --- tables -------------------------------------------------------------------------------------


def scope_coverage(survey: Survey, scope: str) -> pd.DataFrame:
    """coverage.parquet rows of a scope (a network's by its frame network; France: all)."""
    cov = survey.coverage
    return cov if scope == NATIONAL else cov[cov["rrma_slug"].astype(str) == scope]


def _type_order(survey: Survey) -> list[str]:
    return list(survey.type_labels)


def _by(cov: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return cov.groupby(by, observed=True, sort=False)[["n_frame", "n_respondents"]].sum()


def _rate_table(key: str, title: str, counts: pd.DataFrame, reference: pd.Series | None, threshold: int,
                index_name: str, note: str, source: str) -> PubTable:
    """Collectivités of the frame (public), respondents (a partition of the scope's matched
    respondents) and the response rate, masked with its respondents; ``reference``: France's
    rate beside a network's."""
    frame_n = counts["n_frame"].astype(int)
    resp = counts["n_respondents"].astype(int)
    rate = 100 * resp / frame_n.where(frame_n > 0)
    data = pd.DataFrame({FRAME: frame_n, RESPONDENTS: resp, RATE: rate.astype(float)})
    secret_r = small_mask(resp, threshold)
    secret = pd.DataFrame({FRAME: False, RESPONDENTS: secret_r, RATE: secret_r}, index=data.index)
    kinds = {FRAME: "count", RESPONDENTS: "count", RATE: "number"}
    if reference is not None:
        data[RATE_FRANCE] = 100 * reference.reindex(data.index).astype(float)
        secret[RATE_FRANCE] = False
        kinds[RATE_FRANCE] = "number"
    data.index.name = secret.index.name = None
    return PubTable(key, title, data, secret, kinds, n=int(resp.sum()), index_name=index_name, note=note,
                    source=source, threshold=threshold, structure="partition", counts=(RESPONDENTS,),
                    follows={RATE: RESPONDENTS})


def type_table(rep: Report, survey: Survey) -> PubTable:
    """Collectivités of the frame, respondents and response rate by type (a network: beside France's rate)."""
    order = _type_order(survey)
    own = _by(scope_coverage(survey, rep.scope), ["type"])
    own = own.reindex([t for t in order if t in own.index])
    reference = None
    if not rep.national:
        france = _by(survey.coverage, ["type"])
        reference = (france["n_respondents"] / france["n_frame"]).rename(index=survey.type_labels)
    own.index = [survey.type_labels.get(t, t) for t in own.index]
    where = "France entière" if rep.national else rep.name
    table = _rate_table(BY_TYPE, f"Taux de réponse par type de collectivité ({where})", own, reference,
                        rep.threshold, "Type de collectivité",
                        "Répondants : réponses rattachées à une collectivité de la base (type et réseau de la base). "
                        "Taux de réponse : répondants / collectivités de la base.", rep.source)
    return table


def size_table(rep: Report, survey: Survey) -> PubTable:
    """Type × population class: collectivités of the frame, respondents, response rate."""
    cov = scope_coverage(survey, rep.scope)
    own = _by(cov, ["type", "taille"])
    rank_t = {t: i for i, t in enumerate(_type_order(survey))}
    rank_s = {s: i for i, s in enumerate(survey.sizes)}
    own = own.loc[sorted(own.index, key=lambda ts: (rank_t.get(ts[0], 99), rank_s.get(ts[1], 99)))]
    rows = {ts: f"{survey.type_labels.get(ts[0], ts[0])} · {ts[1]}" for ts in own.index}
    types = [ts[0] for ts in own.index]
    own.index = [rows[ts] for ts in own.index]
    where = "France entière" if rep.national else rep.name
    table = _rate_table(BY_SIZE, f"Taux de réponse par type et taille de collectivité ({where})", own, None,
                        rep.threshold, "Type · population",
                        "Population : population légale de la collectivité dans la base (classes de la strate "
                        "de population).", rep.source)
    # the classes of a type add up to the type's row of the table by type
    for t in dict.fromkeys(types):
        terms = [[BY_SIZE, label, RESPONDENTS, 1] for label, tt in zip(own.index, types) if tt == t]
        terms.append([BY_TYPE, survey.type_labels.get(t, t), RESPONDENTS, -1])
        table.links.append({"terms": terms, "sense": "==", "rhs": 0})
    return table


def network_table(rep: Report, survey: Survey) -> PubTable:
    """National report: collectivités of the frame, respondents and response rate by network.

    No record of its own: its respondents are the national « rrma » table's (every respondent of
    the network, the size of its report), each with that table's status in the plan; a network's
    matched respondents are not shown here (a count under the threshold that the national total
    would give back)."""
    frame_n = survey.coverage.groupby("rrma", observed=True, sort=True)["n_frame"].sum().astype(int)
    answered = rep.all["rrma"].dropna().astype(str)
    resp = answered[answered != ""].value_counts().reindex(frame_n.index, fill_value=0).astype(int)
    data = pd.DataFrame({FRAME: frame_n, RESPONDENTS: resp,
                         RATE: (100 * resp / frame_n.where(frame_n > 0)).astype(float)})
    total = pd.DataFrame({FRAME: [int(frame_n.sum())], RESPONDENTS: [int(resp.sum())],
                          RATE: [float(100 * resp.sum() / frame_n.sum()) if frame_n.sum() else np.nan]}, index=[TOTAL])
    data = pd.concat([data, total])
    status = [VISIBLE if r == TOTAL or data.loc[r, RESPONDENTS] == 0 else rep.status_of("rrma", str(r), NATIONAL)
              for r in data.index]
    masked = pd.Series([s in MASKED for s in status], index=data.index)
    secondary = pd.Series([s == SECONDARY for s in status], index=data.index)
    secret = pd.DataFrame({FRAME: False, RESPONDENTS: masked, RATE: masked}, index=data.index)
    data.index.name = secret.index.name = None
    table = PubTable(BY_NETWORK, "Taux de réponse par réseau régional", data, secret,
                     {FRAME: "count", RESPONDENTS: "count", RATE: "number"}, n=int(resp.sum()),
                     index_name="Réseau", source=rep.source, threshold=rep.threshold,
                     note="Répondants : toutes les réponses du réseau (celles d'un syndicat ou d'un groupement, absents "
                          "de la base, comprises), comme au tableau des réseaux de la section 1.")
    table.secondary = pd.DataFrame({FRAME: False, RESPONDENTS: secondary, RATE: secondary}, index=data.index)
    return table


def _mask_reference(rep: Report, table: PubTable) -> None:
    """France's rate beside a network's is masked like France's respondents of that row."""
    if RATE_FRANCE not in table.data or rep.plan is None:
        return
    codes = [rep.status_of(table.key, str(r), NATIONAL) for r in table.data.index]
    table.secret[RATE_FRANCE] = [c in MASKED for c in codes]
    if table.secondary is not None:
        table.secondary[RATE_FRANCE] = [c == SECONDARY for c in codes]


def rate_chart(table: PubTable) -> PubTable:
    """The rates of ``table`` as shares, for the bar chart (same cells masked)."""
    rates = [c for c in (RATE, RATE_FRANCE) if c in table.data]
    data = table.data.assign(**{c: table.data[c] / 100 for c in rates})
    return PubTable(table.key, table.title, data, table.secret, {**table.kinds, **{c: "share" for c in rates}},
                    n=table.n, source=table.source, threshold=table.threshold, secondary=table.secondary)


def _visible(table: PubTable, row: str) -> bool:
    return row in table.data.index and not bool(table.secret.loc[row, RESPONDENTS])


# --- the sentence ------------------------------------------------------------------------------


def gap_sentence(rep: Report, survey: Survey, by_type: PubTable) -> str:
    """One sentence: how far the respondents are from the scope's collectivités (share of communes
    among them and in the frame, response rates of the smallest and largest types)."""
    commune = survey.type_labels.get(COMMUNE, COMMUNE)
    where = "du réseau" if not rep.national else "de France"
    data = by_type.data
    n_resp, n_frame = int(data[RESPONDENTS].sum()), int(data[FRAME].sum())
    if not n_resp or not n_frame:
        return ""
    parts = []
    if commune in data.index and _visible(by_type, commune):
        resp_share = data.loc[commune, RESPONDENTS] / n_resp
        frame_share = data.loc[commune, FRAME] / n_frame
        parts.append(f"les communes font {fmt_percent(resp_share)} des répondants, contre {fmt_percent(frame_share)} "
                     f"des collectivités {where}")
    rates = data.loc[[r for r in data.index if _visible(by_type, r) and data.loc[r, FRAME] > 0], RATE].dropna()
    if len(rates) >= 2 and rates.max() > rates.min():
        def kind(label: str) -> str:  # « région », not « région (avec collectivité à statut particulier) »
            return label.split(" (")[0].lower()

        parts.append(f"le taux de réponse va de {fmt_percent(rates.min() / 100, 1)} ({kind(rates.idxmin())}) à "
                     f"{fmt_percent(rates.max() / 100, 1)} ({kind(rates.idxmax())})")
    if not parts:
        return ""
    tail = (" : les parts « parmi les répondants » décrivent surtout les grandes collectivités, pas l'ensemble "
            f"des collectivités {where}.")
    return "Les répondants ne ressemblent pas aux collectivités " + where + " : " + " ; ".join(parts) + tail


# --- the coverage block ------------------------------------------------------------------------


def coverage(rep: Report, survey: Survey | None) -> str:
    """« Couverture de l'enquête »: the tables (national: by network, by type; network: by type,
    by type × class), a bar chart of the rates and the sentence."""
    if survey is None or not rep.publishable:
        return ""
    by_type = type_table(rep, survey)
    by_size = None if rep.national else size_table(rep, survey)
    rep.publish(by_type, shown=by_type.n >= rep.threshold)
    if by_size is not None:
        rep.publish(by_size, shown=by_size.n >= rep.threshold)
    if rep.collect:
        return ""
    _mask_reference(rep, by_type)
    parts = ["<h3>Couverture de l'enquête</h3>", '<section class="block coverage">']
    m = survey.metrics
    intro = (f"La base des collectivités ({m.frame_vintage}) compte "
             f"{french_number(int(by_type.data[FRAME].sum()))} collectivités "
             f"{'en France' if rep.national else 'dans le réseau'} ; "
             + (f"{french_number(by_type.n)} d'entre elles ont répondu"
                + (f" ({fmt_percent(by_type.n / by_type.data[FRAME].sum(), 1)})." if by_type.data[FRAME].sum() else ".")
                if by_type.n >= rep.threshold or by_type.n == 0
                else f"moins de {rep.threshold} d'entre elles ont répondu."))
    parts.append(f"<p>{html.escape(intro)}</p>")
    if by_type.n < rep.threshold:
        parts.append(f'<p class="notice">Moins de {rep.threshold} répondants rattachés à la base : couverture non '
                     "détaillée (secret statistique).</p></section>")
        return "".join(parts)
    sentence = gap_sentence(rep, survey, by_type)
    if sentence:
        parts.append(f'<p class="gap">{html.escape(sentence)}</p>')
    if rep.national:
        by_network = network_table(rep, survey)
        rep.publish(by_network)
        parts.append(table_html(by_network))
    if by_type.withheld:
        parts.append(withheld_notice(by_type.title))
    else:
        columns, legend = ([RATE], ["France entière"]) if rep.national else ([RATE, RATE_FRANCE],
                                                                             [rep.name, "France entière"])
        parts.append(bars_html(rate_chart(by_type), columns, legend, rep.source))
        parts.append(table_html(by_type))
    if by_size is not None and by_size.withheld:
        parts.append(withheld_notice(by_size.title))
    elif by_size is not None:
        parts.append(f"<details><summary>Tableau : {html.escape(by_size.title)}</summary>{table_html(by_size)}"
                     "</details>")
    parts.append("</section>")
    return "".join(parts)


# --- estimates ---------------------------------------------------------------------------------


def _ci(est: Estimate, fmt) -> str:
    return f"{fmt(est.ci_low)} à {fmt(est.ci_high)}"


def estimates(rep: Report, survey: Survey | None) -> str:
    """Headline shares and medians among respondents beside their calibrated estimate for all the
    collectivités of the scope, with its 95 % interval (only when estimates are published)."""
    if survey is None or rep.collect or not rep.published or not survey.publish_estimates:
        return ""
    cal = survey.calibration
    clean = rep.all
    domain = None if rep.national else (clean["rrma_slug"].astype(str) == rep.scope).to_numpy()
    rows, secret = {}, {}
    for code, slug in HEADLINE_SHARES:
        if code not in clean:
            continue
        label = rep.codebook[code].modality(slug).label
        y = (clean[code] == label).where(clean[code].notna())
        raw, est = respondent_share(y, domain), cal.share(clean, y, domain)
        if raw.n < rep.threshold:
            continue
        name = f"{rep.title_of(code)} : {label}"
        rows[name] = [fmt_percent(raw.value), french_number(raw.n), fmt_percent(est.value), _ci(est, fmt_percent)]
        secret[name] = rep.status_of(code, label) in MASKED
    for code, key, kind in HEADLINE_MEDIANS:
        if code not in clean:
            continue
        values = pd.to_numeric(clean[code], errors="coerce")
        inside = values.notna().to_numpy() & (np.ones(len(clean), bool) if domain is None else domain)
        n = int(inside.sum())
        if n < max(rep.threshold, rep.quantile_min_n):
            continue
        fmt = fmt_euros if kind == "euros" else (lambda v: french_number(v, 1))
        est = cal.median(clean, values, inside)
        name = f"{rep.title_of(code)} : médiane"
        rows[name] = [fmt(float(values[inside].median())), french_number(n), fmt(est.value), _ci(est, fmt)]
        secret[name] = rep.status_of(key, TOTAL) in MASKED
    if not rows:
        return ""
    columns = ["Parmi les répondants", "Répondants", "Estimation pour toutes les collectivités", "IC à 95 %"]
    data = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    mask = pd.Series(secret, dtype=bool)
    # text cells: a masked one shows « s » (secret_mark); the number of respondents (a question's base) is public
    table = PubTable("estimations", "Parts et médianes : répondants et estimations pour toutes les collectivités",
                     data, pd.DataFrame({c: mask if c != "Répondants" else False for c in columns}),
                     {c: "text" for c in columns}, n=rep.n, index_name="Indicateur", source=rep.source,
                     threshold=rep.threshold,
                     note="Estimation pour toutes les collectivités du périmètre : répondants rattachés à la base, "
                          "pondérés par calage sur ses marges (voir l'annexe) ; IC : intervalle de confiance à 95 %. "
                          "« s » : valeur masquée, comme l'effectif dont elle dépend (secret statistique).")
    rep.publish(table)
    return (f'<section class="block estimates"><h3>Estimations pour l\'ensemble des collectivités</h3>'
            f"{table_html(table)}</section>")


# --- method note ---------------------------------------------------------------------------------


def method_note(rep: Report, survey: Survey | None) -> str:
    """The annex's note on coverage, calibration and confidence intervals (French)."""
    if survey is None:
        return ""
    m = survey.metrics
    margins = {"type": "le type de collectivité", "taille": "la classe de population", "reseau": "le réseau régional"}
    named = [margins.get(x, x) for x in m.margins]
    on = ", ".join(named[:-1]) + " et " + named[-1] if len(named) > 1 else "".join(named)
    paras = [
        (f"Couverture. Les réponses sont rattachées à la base des collectivités ({m.frame_vintage} : communes, EPCI à "
        "fiscalité propre, départements, régions et collectivités à statut particulier, avec leur population légale "
        "et leur réseau régional) par leur SIREN, à défaut leur code INSEE, à défaut leur nom et leur département. "
        f"En France, {french_number(m.n_unmatched)} réponse(s) sur {french_number(m.n_clean)} n'ont pu l'être (syndicats et "
        "groupements, absents de toute liste officielle, ou identifiant introuvable) : elles comptent dans les parts "
        "« parmi les répondants », pas dans les taux de réponse ni dans les estimations redressées ; les analystes en "
        "ont la liste, avec le motif de chacune (étape weights, unmatched.parquet). Taux de réponse : répondants rattachés "
        "/ collectivités de la base."),
        (f"Redressement. Chaque répondant rattaché reçoit un poids tel que les répondants pondérés reproduisent "
        f"exactement les effectifs de la base selon {on} (calage sur marges par la méthode du raking, comme la "
        "macro CALMAR de l'Insee ou la fonction rake du package R survey). L'estimation suppose qu'au sein d'une "
        "même case (type, taille, réseau), les collectivités qui ont répondu ressemblent à celles qui n'ont pas "
        "répondu."),
    ]
    if m.available and m.raking:
        r = m.raking
        paras.append(
            f"Les poids vont de {french_number(r['weight_min'], 1)} à {french_number(r['weight_max'], 1)} ; l'effet "
            f"de plan dû à leur dispersion (Kish) est de {french_number(r['design_effect_kish'], 2)} : les "
            f"{french_number(r['n_respondents'])} répondants rattachés valent, pour la précision, un échantillon "
            f"aléatoire d'environ {french_number(r['effective_sample_size'])} collectivités.")
    if survey.publish_estimates:
        paras.append(
            "Intervalles de confiance. L'incertitude des estimations redressées est calculée par linéarisation "
            "de l'estimateur calé (comme la fonction svymean du package R survey ; médianes : intervalle de "
            "Woodruff). Un intervalle à 95 % se lit ainsi : si l'on refaisait l'enquête dans les mêmes conditions, "
            "95 % des intervalles ainsi calculés contiendraient la vraie valeur pour l'ensemble des collectivités. "
            "Il ne couvre que l'aléa de la réponse, pas les erreurs de déclaration ni un écart entre répondants et "
            "non-répondants d'une même case.")
    elif not m.available:
        paras.append("Estimations redressées non publiées : " + (m.notice or "pas de poids de redressement") + ".")
    else:
        paras.append(
            "Estimations redressées non publiées dans cette édition (paramètre weights.publish_estimates) : les "
            "analystes vérifient d'abord la couverture et les poids. Les parts et médianes de ce rapport décrivent "
            "donc les seules collectivités qui ont répondu, pas l'ensemble des collectivités.")
    return ('<div class="method"><h4>Couverture, redressement et précision</h4>'
            + "".join(f"<p>{html.escape(p)}</p>" for p in paras) + "</div>")


__all__ = ["BY_NETWORK", "BY_SIZE", "BY_TYPE", "Survey", "SurveyPaths", "coverage", "estimates", "gap_sentence",
           "load_survey", "method_note", "network_table", "size_table", "type_table"]

