"""The report stage: national + network HTML, publishing rules, determinism, self-containment."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    NETWORK,
    PLANTED_EMAIL,
    PLANTED_NAME,
    PLANTED_PHONE,
    PLANTED_SCRIPT,
    TINY_NETWORK,
    TINY_TYPE,
    render_fixture_reports,
    write_params,
)
from openpyxl import load_workbook

from pipeline.domain.params import ReportParams, defaults
from pipeline.reporting import tables as tb
from pipeline.reporting.report import (
    PublicationError,
    check_no_pii,
    redact,
    render_reports,
)

PARAMS = defaults(ReportParams, small_cell_threshold=3, allow_comments=True, workers=1)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _text_of(path: Path) -> str:
    """Readable text of an output file, xlsx included (its XML parts are compressed)."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return path.read_bytes().decode("utf-8", "replace")


def test_national_and_network_reports_are_written(rendered):
    assert (rendered / "national.html").exists()
    assert (rendered / "regions" / f"{NETWORK}.html").exists()
    assert (rendered / "regions" / f"{TINY_NETWORK}.html").exists()
    assert (rendered / "tableaux.xlsx").exists()
    pngs = sorted((rendered / "figures").glob("*.png"))
    assert len(pngs) >= 20
    assert {p.stem for p in pngs} == {p.stem for p in (rendered / "figures").glob("*.svg")}
    page = (rendered / "national.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page
    for heading in ("Qui a répondu", "Moyens financiers", "Typologie", "Portraits des types",
                    "Annexe : méthode et qualité des données", "Fichiers › reçus",
                    "Types d&#x27;actions menées : Jumelage", "Services internes associés : Sport (non renseigné)",
                    "Cofinancements mobilisés : pas « Aucun »", "Stabilité (indice de Jaccard"):
        assert heading.replace("&#x27;", "'") in page.replace("&#x27;", "'"), heading
    assert "def " not in page and "import " not in page  # no code in the report
    network = (rendered / "regions" / f"{NETWORK}.html").read_text(encoding="utf-8")
    assert "Réseau Bretagne Solidaire" in network and "France entière" in network


def test_tiny_group_is_masked_in_html_workbook_and_notice_for_tiny_network(rendered):
    page = (rendered / "national.html").read_text(encoding="utf-8")
    row = re.search(rf"<th scope=\"row\">{re.escape(TINY_TYPE)}</th>(.*?)</tr>", page)
    assert row is not None
    assert "&lt;\u00a03" in row.group(1) and ">2<" not in row.group(1)
    wb = load_workbook(rendered / "tableaux.xlsx")
    ws = wb["A02"]
    rows = {r[0].value: [c.value for c in r[1:]] for r in ws.iter_rows(min_row=2) if r[0].value}
    assert rows[TINY_TYPE] == ["<\u00a03", "s"]
    assert ws.freeze_panes == "B2"
    network_row = re.search(r"<th scope=\"row\">Karib Horizon</th>(.*?)</tr>", page)
    assert network_row is not None and "&lt;\u00a03" in network_row.group(1)
    svg = (rendered / "figures" / "A02.svg").read_text(encoding="utf-8")
    assert "1\u00a0%" not in svg and "Syndicat ou autre groupement" in svg  # 2/160 is not drawn
    tiny = (rendered / "regions" / f"{TINY_NETWORK}.html").read_text(encoding="utf-8")
    assert "moins de 3 collectivités répondantes" in tiny
    assert "<img" not in tiny and "Effectif" not in tiny


def test_no_personal_data_anywhere_under_the_output(rendered):
    for path in rendered.rglob("*"):
        if path.is_file():
            text = _text_of(path)
            for planted in (PLANTED_EMAIL, PLANTED_PHONE, PLANTED_NAME):
                assert planted not in text, f"{planted} in {path}"


def test_evolution_section_masks_small_counts(rendered):
    page = (rendered / "national.html").read_text(encoding="utf-8").replace("&#x27;", "'")
    assert "10. Évolutions depuis l'enquête précédente" in page
    assert "absentes en 2025 : &lt;\u00a03" in page  # 2 collectivités dropped out: masked
    assert "du type 1 au type 2 : 6" in page and "du type 3 au type 4" not in page  # a move of 2 is not shown
    assert "Évolution du budget consacré à l'action internationale" in page
    network = (rendered / "regions" / f"{NETWORK}.html").read_text(encoding="utf-8").replace("&#x27;", "'")
    assert "Évolution du type (typologie)" in network and "France entière" in network
    assert "en 2024 et en 2025 : 25 ; nouvelles répondantes : &lt;\u00a03" in network  # its own summary


def test_comment_with_script_is_shown_as_text(rendered):
    page = (rendered / "national.html").read_text(encoding="utf-8")
    assert PLANTED_SCRIPT not in page
    assert re.search(r"&lt;script&gt;alert\((&#x27;|')acter(&#x27;|')\)&lt;/script&gt;", page)
    assert "[courriel masqué]" in page


def test_no_outside_resource_is_loaded(rendered):
    for page in [rendered / "national.html", *(rendered / "regions").glob("*.html")]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text, re.I), page
        assert not re.search(r"@import|url\(\s*[\"']?https?:", text, re.I), page
        assert "<script" not in text.replace("&lt;script", ""), page


def test_two_renders_are_byte_identical(rendered, report_inputs, tmp_path):
    again = tmp_path / "2025"
    render_fixture_reports(report_inputs, again)
    first, second = _files(rendered), _files(again)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert not different


def test_pii_columns_are_refused(report_inputs, tmp_path):
    with pytest.raises(PublicationError, match="Données personnelles"):
        check_no_pii(["response_id", "A02", "A12"])
    clean = pd.read_parquet(report_inputs["clean"]).assign(A10="Jeanne")
    clean.to_parquet(tmp_path / "clean.parquet")
    with pytest.raises(PublicationError):
        render_reports(tmp_path / "clean.parquet", None, None, None, None, tmp_path / "out", 2025, PARAMS)


def test_redact_removes_emails_and_phones():
    assert redact("écrire à a.b@c.fr ou au 06 12 34 56 78") == "écrire à [courriel masqué] ou au [téléphone masqué]"


# --- tables -----------------------------------------------------------------------------------


def test_french_number_formats():
    assert tb.french_number(1234.5, 1) == "1\u202f234,5"
    assert tb.french_number(1234567) == "1\u202f234\u202f567"
    assert tb.fmt_percent(0.123) == "12\u00a0%"
    assert tb.fmt_euros(12345.4) == "12\u202f345\u00a0€"
    assert tb.french_number(float("nan")) == "–"


def test_masking_and_secondary_secrecy():
    counts = pd.Series({"a": 10, "b": 2, "c": 7, "d": 0})
    secret = tb.mask_distribution(counts, 3)
    assert secret.to_dict() == {"a": False, "b": True, "c": True, "d": False}
    table = tb.single_table("t", "Titre", pd.Series(["a"] * 10 + ["b"] * 2 + ["c"] * 7), 3, ["a", "b", "c", "d"])
    text = table.display_frame()
    assert text.loc["b", "Effectif"] == "<\u00a03" and text.loc["b", "Part"] == "s"
    assert text.loc["d", "Effectif"] == "0"
    assert table.plot_values("Part").isna().tolist() == [False, True, True, False]


def test_quartiles_of_a_small_group_are_secret():
    values = pd.Series([100.0, 200, 300, 400, 500, 5000, 6000, 7000, 8000, 9000])
    groups = pd.Series(["x"] * 5 + ["y"] * 2 + ["z"] * 3)
    table = tb.quantile_table("q", "Titre", values, groups, 3, min_n=5)
    assert table.secret.loc["y"].all() and not table.secret.loc["x"].any()
    # 3 values: the count is published, the quartiles (near-individual values) are not
    assert not table.secret.loc["z", "Effectif"] and table.secret.loc["z", "Médiane"]
    page = tb.table_html(table)
    assert "6\u202f000" not in page and "7\u202f000" not in page


def test_workbook_neutralizes_formulas(tmp_path):
    data = pd.DataFrame({"Effectif": [5, 4]}, index=["=HYPERLINK(\"x\")", "@SUM(A1)"])
    table = tb.frame_table("f", "+titre", data, {"Effectif": "count"}, 9, 3)
    tb.write_workbook([table], tmp_path / "t.xlsx", "-sommaire")
    wb = load_workbook(tmp_path / "t.xlsx")
    values = [c.value for row in wb["f"].iter_rows() for c in row if isinstance(c.value, str)]
    values += [c.value for row in wb["Sommaire"].iter_rows() for c in row if isinstance(c.value, str)]
    assert all(not v.startswith(("=", "+", "-", "@")) for v in values)
    assert "'=HYPERLINK(\"x\")" in values
    first = hashlib.sha256((tmp_path / "t.xlsx").read_bytes()).hexdigest()
    tb.write_workbook([table], tmp_path / "t.xlsx", "-sommaire")
    assert hashlib.sha256((tmp_path / "t.xlsx").read_bytes()).hexdigest() == first


def test_stage_main_writes_reports_and_rejects_a_mistyped_param(report_inputs, tmp_path):
    from pipeline.domain.params import ParamsError
    from pipeline.stages.report import main

    params = write_params(tmp_path / "params.yaml", report={"small_cell_threshold": 3, "networks": False,
                                                            "workers": 1})
    out = tmp_path / "reports" / "2025"
    assert main(["--params", str(params), "--clean", str(report_inputs["clean"]), "--out", str(out)]) == 0
    page = (out / "national.html").read_text(encoding="utf-8")
    assert "La typologie n'est pas disponible" in page.replace("&#x27;", "'")
    assert not list((out / "regions").glob("*.html"))
    assert "Commentaires libres" not in page  # comments are off unless params allow them
    write_params(params, report={"small_cell_treshold": 3})
    with pytest.raises(ParamsError, match="small_cell_treshold"):
        main(["--params", str(params), "--clean", str(report_inputs["clean"]), "--out", str(out)])


def test_network_shares_beside_france_and_scope_only_rows():
    ours = pd.Series(["Bretagne"] * 4)
    france = pd.Series(["Bretagne"] * 4 + ["Occitanie"] * 6 + ["Corse"] * 2)
    table = tb.single_table("A05", "Région", ours, 3, ["Bretagne", "Corse", "Occitanie"], reference=france,
                            scope_only=True)
    assert list(table.data.index) == ["Bretagne"]
    assert table.data.loc["Bretagne", "Part réseau"] == 1.0
    assert abs(table.data.loc["Bretagne", "Part France"] - 4 / 12) < 1e-9
    full = tb.single_table("A05", "Région", ours, 3, ["Bretagne", "Corse", "Occitanie"], reference=france)
    assert full.display_frame().loc["Corse", "Part France"] == "s"


def test_a_survey_too_small_to_publish_gets_a_notice(report_inputs, tmp_path):
    small = pd.read_parquet(report_inputs["clean"]).head(2)
    small.to_parquet(tmp_path / "clean.parquet")
    params = defaults(ReportParams, workers=1)
    render_reports(tmp_path / "clean.parquet", None, None, None, None, tmp_path / "out", 2025, params)
    page = (tmp_path / "out" / "national.html").read_text(encoding="utf-8")
    assert "Moins de 3 collectivités ont répondu" in page and "<img" not in page
    assert not (tmp_path / "out" / "figures").exists() or not list((tmp_path / "out" / "figures").iterdir())
