"""Rendering: the notebook executed with papermill once per scope (``national`` or an
``rrma_slug``) in one shared kernel, exported to self-contained HTML without code.

``notebooks/rapport.py`` (jupytext percent script) is the report's text and order; it reads its
inputs with :func:`pipeline.reporting.inputs.load_inputs` and builds each section through a
:class:`pipeline.reporting.report.Report`. :func:`render_reports` is what the report stage runs.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from pipeline.common.atomic import atomic_dir, atomic_write_text
from pipeline.domain.params import ReportParams
from pipeline.reporting.coverage import SurveyPaths
from pipeline.reporting.inputs import ROOT, list_scopes
from pipeline.reporting.pdf import print_pages
from pipeline.reporting.publication import NOTEBOOK, PLAN_FILE, audit_publication, plan_publication
from pipeline.reporting.report import NATIONAL
from pipeline.reporting.safety import check_no_pii

KERNEL = "python3"

CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0;background:#fafafa;color:#222;line-height:1.45;
overflow-wrap:break-word}
main{max-width:980px;margin:0 auto;padding:1.5rem 2rem 4rem;background:#fff}
.skip{position:absolute;left:-999px;top:0;background:#0b3d63;color:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem}
h1{font-size:1.8rem;color:#0b3d63;margin-bottom:.2rem}h2{font-size:1.35rem;color:#0b3d63;
border-bottom:2px solid #0072B2;padding-bottom:.2rem;margin-top:2.4rem}h3{font-size:1.1rem}
img.figure{max-width:100%;height:auto;display:block;margin:.5rem 0}
.scroll,.fig-scroll{overflow-x:auto;max-width:100%}.scroll:focus,.fig-scroll:focus{outline:2px solid #0b3d63}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}caption{text-align:left;font-weight:bold;
padding:.3rem 0}th,td{border:1px solid #ccc;padding:.2rem .5rem}thead th{background:#dde7f0}
td.num,td.secret{text-align:right;white-space:nowrap}td.secret{color:#8c2d04;font-style:italic}
tbody th{text-align:left;font-weight:normal}.notes p{font-size:.78rem;color:#555;margin:.1rem 0}
details{margin:.2rem 0 1.2rem}summary{cursor:pointer;color:#0b3d63}
.kpis{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}.kpi{flex:1 1 120px;background:#eef4f9;
padding:.7rem;border-radius:6px}.kpi strong{display:block;font-size:1.5rem;color:#0b3d63}
.kpi span{font-size:.85rem}.notice{background:#fff4e5;border-left:4px solid #E69F00;padding:.6rem}
.portraits{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(280px,100%),1fr));gap:1rem}
.portrait{border:1px solid #ccc;border-radius:6px;padding:.3rem .8rem}.comments li{margin:.3rem 0}
a.anchor-link{display:none}.toc{background:#f4f6f8;padding:.5rem 1rem;border-radius:6px}
.toc ul{columns:2;margin:.3rem 0;list-style:none;padding-left:.5rem}.toc a{color:#0b3d63}
.hbars{margin:.6rem 0}.hbars .title{font-weight:bold;margin-bottom:.3rem}.hbars .row{display:flex;
gap:.6rem;margin:.25rem 0;font-size:.85rem}.hbars .lab{flex:0 0 38%;min-width:0}.hbars .bars{flex:1;min-width:0}
.hbars .bar{display:flex;align-items:center;gap:.3rem;height:.95rem}.hbars .fill{display:inline-block;
height:.75rem;box-shadow:inset 0 0 0 1px #333}.s0{background:#0072B2}.s1{background:#C26A00}
.hbars .val{font-size:.75rem;white-space:nowrap}
.hbars .fill.masked{width:1.6rem;background:repeating-linear-gradient(45deg,#fff 0,#fff 2px,#767676 2px,#767676 4px);
outline:1px solid #767676;box-shadow:none}
.remember{background:#eef4f9;border-left:5px solid #0072B2;padding:.4rem 1.2rem .6rem;margin:1.2rem 0;
border-radius:4px}.remember h2.remember-title{border:none;margin:.3rem 0;font-size:1.2rem}.remember li{margin:.25rem 0}
.type-portrait{border:1px solid #c8d6e3;border-radius:8px;padding:.4rem 1rem .8rem;margin:1.2rem 0;background:#fcfdfe}
.type-portrait h4{font-size:1.1rem;color:#0b3d63;margin:.4rem 0 .1rem}.type-portrait .size{color:#444;margin:.1rem 0 .6rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(290px,100%),1fr));gap:.7rem}.card{background:#fff;
border:1px solid #dde5ec;border-radius:6px;padding:.3rem .7rem}.card h5{margin:.3rem 0;font-size:.92rem;color:#0b3d63}
.card ul{list-style:none;padding:0;margin:0}.card li{display:grid;grid-template-columns:1fr auto;gap:0 .5rem;
font-size:.82rem;padding:.18rem 0;border-bottom:1px dotted #e3e8ee}.card li .val{font-weight:bold;color:#0b3d63}
.card li .ref{grid-column:1/3;color:#666;font-size:.75rem}.card .miss{font-size:.72rem;color:#666;margin:.3rem 0}
.method{background:#f7f7f2;border:1px solid #e2e2d0;border-radius:6px;padding:.2rem 1rem .5rem;margin:1rem 0;
font-size:.88rem}.method h4{margin:.4rem 0}table.gains tr.chosen td{background:#fff1c7;font-weight:bold}
.hbars .legend{font-size:.8rem;display:flex;flex-wrap:wrap;gap:.2rem 1rem}.hbars .legend i{display:inline-block;
width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle;box-shadow:inset 0 0 0 1px #333}
.hbars .src{font-size:.75rem;color:#555;margin:.2rem 0}
.narrow-only{display:none}
@media (max-width:640px){
main{padding:1rem .75rem 3rem}h1{font-size:1.4rem}h2{font-size:1.2rem}.toc ul{columns:1}
.wide-only{display:none}.narrow-only{display:block}
.fig-scroll img.figure{max-width:none;width:600px}
.fig-scroll::before{content:"Graphique plus large que l’écran : faites-le glisser.";display:block;
position:sticky;left:0;font-size:.75rem;color:#555}
.hbars .row{flex-direction:column;gap:.1rem}.hbars .lab{flex:none}
.kpi{flex:1 1 40%}}
@page{size:A4;margin:18mm 15mm 20mm;@bottom-right{content:"Page " counter(page) " sur " counter(pages);
font:8pt "DejaVu Sans",Arial,sans-serif;color:#444}@bottom-left{content:string(title);
font:8pt "DejaVu Sans",Arial,sans-serif;color:#444}}
@media print{
body{background:#fff;font-size:10pt}main{max-width:none;padding:0}h1{string-set:title content()}
.skip,.narrow-only,.downloads,summary{display:none}.wide-only{display:block}
details{display:block}details>*{display:block}
h2{break-before:page;break-after:avoid}.remember h2{break-before:auto}h3,h4,caption{break-after:avoid}
h1+p,.kpis,.toc{break-inside:avoid}
figure.table,.hbars .row,.portrait,.card,.method,img.figure,tr{break-inside:avoid}.hbars .title{break-after:avoid}
.fig-scroll,.scroll{overflow:visible}img.figure{max-width:100%;width:auto}
thead{display:table-header-group}
table{font-size:8pt}a{color:inherit;text-decoration:none}
.kpis,.hbars .row,.hbars .bar,.hbars .legend,.cards,.portraits,.card li{display:block}
.kpi{display:inline-block;width:30%;margin:0 .5rem .5rem 0;vertical-align:top}
.hbars .row{overflow:hidden;margin:.15rem 0}.hbars .lab{float:left;width:38%;margin-right:2%}
.hbars .bars{margin-left:40%}.hbars .bar{height:auto;line-height:1}.hbars .fill{vertical-align:middle}
.hbars .val{margin-left:.3rem;vertical-align:middle}
.hbars .legend span{margin-right:1rem}.card{margin-bottom:.5rem}.card li .val{float:right}
.toc ul{columns:1}.toc a::after{content:leader(".") target-counter(attr(href),page)}
}
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
<a class="skip" href="#contenu">Aller au contenu</a>
<main id="contenu" tabindex="-1">
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


def notebook_parameters(year: int, params: ReportParams, *, clean: Path, out_dir: Path,
                        typology: Path | None = None, typology_description: Path | None = None,
                        typology_metrics: Path | None = None, quality: Path | None = None,
                        trends: Path | None = None, trends_table: Path | None = None,
                        survey: SurveyPaths | None = None) -> dict:
    """The notebook's parameters (its first cell) for one run: absolute paths ("" when absent),
    publication rules and the source line of the charts; ``survey``: the weights stage's outputs
    (coverage and calibrated estimates)."""
    def path(p: Path | None) -> str:
        return str(Path(p).resolve()) if p else ""

    return {
        "year": year,
        "clean_path": path(clean),
        "typology_path": path(typology),
        "typology_description_path": path(typology_description),
        "typology_metrics_path": path(typology_metrics),
        "quality_path": path(quality),
        "trends_path": path(trends),
        "trends_table_path": path(trends_table),
        "out_dir": path(out_dir),
        "small_cell_threshold": params.small_cell_threshold,
        "quantile_min_n": params.quantile_min_n,
        "allow_comments": params.allow_comments,
        "source": params.source.format(year=year),
        "protection_primary": params.protection_primary,
        "protection_secondary": params.secondary_protection,
        **(survey.notebook() if survey is not None else {}),
    }


# The national report (its figures drawn twice, PNG and SVG, and its workbook) takes about as long
# to render as this many network reports (demo: 12 s against 2.5 s).
NATIONAL_COST = 4


def kernel_chunks(scopes: list[str], workers: int) -> list[list[str]]:
    """``scopes`` shared among ``workers`` kernels of about equal work, each scope to the least
    loaded kernel in turn (the national report first, weighing NATIONAL_COST networks)."""
    chunks: list[list[str]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for scope in scopes:
        k = loads.index(min(loads))
        chunks[k].append(scope)
        loads[k] += NATIONAL_COST if scope == NATIONAL else 1
    return [c for c in chunks if c]


def render_scopes(scopes: list[str], common: dict, title_for: dict[str, str]) -> dict[str, str]:
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
                   trends: Path | None = None, trends_table: Path | None = None,
                   secrecy: Path | None = None, survey: SurveyPaths | None = None) -> list[Path]:
    """Write national.html, regions/<slug>.html, their PDF edition (report.pdf), figures/, tableaux.xlsx
    and regions/<slug>.xlsx under ``out`` (the
    folder is replaced as a whole), masked by one secrecy plan for the whole publication, and
    audited: a masked cell that the published files give away fails the stage, leaving the previous
    reports. ``secrecy``: where to write the audit's summary (metrics/secrecy.json)."""
    check_no_pii(pq.read_schema(clean).names)
    frame = pd.read_parquet(clean, columns=["rrma", "rrma_slug"])
    every_network = list_scopes(frame)
    networks = every_network if params.networks else []
    if scopes is not None:
        networks = [s for s in networks if s in scopes]
    names = dict(zip(frame["rrma_slug"].astype(str), frame["rrma"].astype(str)))
    title_for = {NATIONAL: f"Observatoire ACTER {year} — rapport national",
                 **{s: f"Observatoire ACTER {year} — {names.get(s, s)}" for s in networks}}
    # Built in a temporary folder beside ``out``, which takes its place once every page is
    # written: an interrupted run leaves the previous reports or none, never half of them.
    with atomic_dir(out) as build, tempfile.TemporaryDirectory(prefix="acter_secret_") as private:
        written = _render_into(build, clean, typology, typology_description, typology_metrics, quality, trends,
                               trends_table, year, params, networks, title_for, final=Path(out),
                               every_network=every_network, private=Path(private), secrecy=secrecy,
                               survey=survey)
    return written


def _render_into(out: Path, clean: Path, typology: Path | None, typology_description: Path | None,
                 typology_metrics: Path | None, quality: Path | None, trends: Path | None,
                 trends_table: Path | None, year: int, params: ReportParams, networks: list[str],
                 title_for: dict[str, str], final: Path, every_network: list[str], private: Path,
                 secrecy: Path | None, survey: SurveyPaths | None = None) -> list[Path]:
    """Plan the secrets of the whole publication, render every page into the (empty) folder ``out``
    with that plan, audit what was published; return the pages' paths under ``final``.
    ``private``: a folder outside the publication for the plan and the published counts."""
    (out / "regions").mkdir(parents=True, exist_ok=True)
    common = notebook_parameters(year, params, clean=clean, typology=typology,
                                 typology_description=typology_description, typology_metrics=typology_metrics,
                                 quality=quality, trends=trends, trends_table=trends_table, out_dir=out,
                                 survey=survey)
    plan, unpublished = plan_publication(common, [NATIONAL, *every_network], {NATIONAL, *networks}, private)
    common = {**common, "secrecy_plan_path": str(private / PLAN_FILE), "secrecy_records_dir": str(private)}
    ensure_kernel()
    all_scopes = [NATIONAL, *networks]
    workers = max(1, min(params.workers, len(all_scopes)))
    if workers == 1:
        pages = render_scopes(all_scopes, common, title_for)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        chunks = kernel_chunks(all_scopes, workers)
        workers = len(chunks)
        pages = {}
        # "spawn": a forked child would inherit this process's ZeroMQ/asyncio state and hang.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for part in pool.map(render_scopes, chunks, [common] * workers, [title_for] * workers):
                pages.update(part)
    audit = audit_publication(private, unpublished, common, plan)
    written = []
    printed: dict[Path, str] = {}
    for scope in all_scopes:
        rel = Path("national.html") if scope == NATIONAL else Path("regions") / f"{scope}.html"
        atomic_write_text(out / rel, pages[scope])
        written.append(final / rel)
        printed[out / rel] = pages[scope]
    if params.pdf:  # the same pages, printed (pipeline.reporting.pdf); without WeasyPrint, one warning
        warning = print_pages(printed, workers=params.workers)
        if warning:
            print(warning, file=sys.stderr)
    if secrecy is not None:
        summary = {**audit.summary(), "plan_rounds": plan.rounds}  # no timing: the same inputs give the same bytes
        atomic_write_text(Path(secrecy), json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    return written
