"""Statistical secrecy of the whole publication, checked the way a reader would break it: pages
written with the report's own HTML (``table_html``), then attacked by tests/support/secrecy_attack.py,
which reads only those files and solves an LP per masked cell."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest
from support.secrecy_attack import attack, disclosed

from pipeline.reporting.formats import small_mask
from pipeline.reporting.markup import table_html
from pipeline.reporting.secrecy import (
    NATIONAL,
    PRIMARY,
    SECONDARY,
    VISIBLE,
    Protection,
    SecrecyError,
    TableRecord,
    audit_secrecy,
    plan_secrecy,
)
from pipeline.reporting.tables import COUNT, PubTable, multi_table, single_table

PROTECTION = Protection(3, 1, 2)
NAMES = {NATIONAL: "France entière", "nord": "Réseau Nord", "sud": "Réseau Sud", "est": "Réseau Est",
         "ouest": "Réseau Ouest", "mini": "Réseau Mini"}
TYPES = ["Commune", "Département", "Région", "Métropole", "Syndicat"]
ACTIONS = ["Jumelage", "Coopération décentralisée", "Relations consulaires", "Aide d'urgence"]


def _answers(counts: dict[str, int]) -> pd.Series:
    return pd.Series([label for label, k in counts.items() for _ in range(k)], dtype=object)


def _ticks(counts: dict[str, int], n: int) -> pd.DataFrame:
    """``n`` respondents, each modality ticked by the first ``counts[m]`` of them (every one ticks one)."""
    frame = pd.DataFrame({m: [i < counts[m] for i in range(n)] for m in ACTIONS})
    frame.loc[~frame.any(axis=1), ACTIONS[0]] = True
    return frame


def _tables(networks: dict[str, dict]) -> dict[str, list[PubTable]]:
    """Each scope's tables: the type of collectivité (one answer) and the actions (several);
    France is every network's respondents together."""
    answers = {s: _answers(spec["types"]) for s, spec in networks.items()}
    ticks = {s: _ticks(spec["actions"], sum(spec["types"].values())) for s, spec in networks.items()}
    answers[NATIONAL] = pd.concat(answers.values(), ignore_index=True)
    ticks[NATIONAL] = pd.concat(ticks.values(), ignore_index=True)
    return {scope: [single_table("A02", "Type de collectivité", answers[scope], 3, TYPES),
                    multi_table("B03", "Types d'actions menées", ticks[scope], ACTIONS, ACTIONS, 3, sort=False)]
            for scope in [NATIONAL, *networks]}


def _old_masking(table: PubTable) -> None:
    """The masking before issue 13: primary cells, plus the smallest other cell of a one-answer
    table when exactly one is masked, every one labelled « < 3 »."""
    counts = table.data[COUNT]
    secret = small_mask(counts, 3)
    if table.structure == "partition" and int(secret.sum()) == 1:
        others = counts[(~secret) & (counts > 0)]
        if len(others):
            secret.loc[others.sort_values(kind="stable").index[0]] = True
    for col in table.data.columns:
        table.secret[col] = secret


def _plan(tables: dict[str, list[PubTable]]):
    """The whole publication's plan, applied to every table as the report does (Report.publish)."""
    records = [t.record(scope, NAMES[scope], published=True) for scope, ts in tables.items() for t in ts]
    plan = plan_secrecy(records, PROTECTION)
    for scope, ts in tables.items():
        for t in ts:
            t.withheld = (scope, t.key) in plan.withheld
            planned = plan.table(scope, t.key)
            t.apply_status([planned[str(r)] for r in t.data.index])
    return plan


def _write(folder: Path, tables: dict[str, list[PubTable]]) -> Path:
    """national.html and regions/<scope>.html, each table as the report writes it."""
    (folder / "regions").mkdir(parents=True, exist_ok=True)
    for scope, ts in tables.items():
        body = "".join(table_html(t) for t in ts if not t.withheld)
        page = (f"<html><body><h1>Observatoire ACTER 2025 : {html.escape(NAMES[scope])}</h1>{body}</body></html>")
        path = folder / ("national.html" if scope == NATIONAL else f"regions/{scope}.html")
        path.write_text(page, encoding="utf-8")
    return folder


def _wave() -> dict[str, dict]:
    """Adversarial: the issue's examples — a network whose two « < 3 » are fixed by its base
    (28 = 17 + 5 + 4 + 1 + 1), a network of 4, a category with all but one, and a count of
    several answers that France minus the networks that show it gives away."""
    networks = {
        "nord": {"types": {"Commune": 17, "Département": 5, "Région": 4, "Métropole": 1, "Syndicat": 1},
                 "actions": {"Jumelage": 20, "Coopération décentralisée": 9, "Relations consulaires": 2,
                             "Aide d'urgence": 6}},
        "sud": {"types": {"Commune": 30, "Département": 6, "Région": 0, "Métropole": 5, "Syndicat": 0},
                "actions": {"Jumelage": 25, "Coopération décentralisée": 12, "Relations consulaires": 30,
                            "Aide d'urgence": 2}},
        "est": {"types": {"Commune": 11, "Département": 1, "Région": 0, "Métropole": 0, "Syndicat": 0},
                "actions": {"Jumelage": 8, "Coopération décentralisée": 4, "Relations consulaires": 2,
                            "Aide d'urgence": 3}},
        "mini": {"types": {"Commune": 3, "Département": 1, "Région": 0, "Métropole": 0, "Syndicat": 0},
                 "actions": {"Jumelage": 3, "Coopération décentralisée": 1, "Relations consulaires": 2,
                             "Aide d'urgence": 0}},
    }
    return networks


def test_the_attack_recovers_cells_of_the_old_masking(tmp_path):
    tables = _tables(_wave())
    for ts in tables.values():
        for t in ts:
            _old_masking(t)
    found = attack(_write(tmp_path, tables), labels="old")
    exact = {(f.scope, f.key, f.row) for f in found if f.width <= 0}
    # 28 − 17 − 5 − 4 = 2 for two « < 3 »: each is 1
    assert {("nord", "A02", "Métropole"), ("nord", "A02", "Syndicat")} <= exact
    # a network of 4 with one Département hidden alone: 4 − 3 Communes
    assert ("mini", "A02", "Département") in exact
    assert len(disclosed(found)) >= 4


def test_the_whole_publication_plan_leaves_no_cell_to_recover(tmp_path):
    tables = _tables(_wave())
    plan = _plan(tables)
    found = attack(_write(tmp_path, tables))
    assert found and disclosed(found) == []
    # honest labels: « < 3 » only for a count under the threshold, « s » for the others
    for f in found:
        table = next(t for t in tables[f.scope] if t.key == f.key)
        value = int(table.data.loc[f.row, COUNT])
        assert (0 < value < 3) == (f.mark == "<"), (f, value)
    assert plan.rounds >= 1


def test_the_audit_names_the_table_of_a_disclosed_cell():
    # two masked counts whose sum the base fixes (28 − 26 = 2): both are 1
    rec = TableRecord("nord", "A02", "Type de collectivité", "partition", ["a", "b", "c", "d", "e"], [COUNT],
                      [[17], [5], [4], [1], [1]], [[VISIBLE], [VISIBLE], [VISIBLE], [PRIMARY], [PRIMARY]], 28,
                      scope_name="Réseau Nord")
    audit = audit_secrecy([rec], PROTECTION)
    assert len(audit.disclosed) == 2
    message = audit.message()
    assert "« Type de collectivité »" in message and "réseau nord" in message and "exactement 1" in message
    assert isinstance(SecrecyError(message), Exception)


def test_secondary_cells_are_chosen_and_no_zero_is_masked():
    rec = TableRecord(NATIONAL, "A02", "Type", "partition", ["a", "b", "c", "d"], [COUNT],
                      [[40], [1], [0], [9]], [[VISIBLE]] * 4, 50, scope_name="France entière")
    plan = plan_secrecy([rec], PROTECTION)
    status = [codes[0] for codes in plan.table(NATIONAL, "A02").values()]
    # one « s » beside the 1 would be known within 2 values (9 or 8): a secondary cell keeps 3
    assert status == [SECONDARY, PRIMARY, VISIBLE, SECONDARY]
    summary = audit_secrecy([TableRecord.from_dict({**rec.to_dict(), "status": [[s] for s in status]})],
                            PROTECTION).summary()
    assert summary["disclosed"] == 0 and summary["primary"] == 1 and summary["secondary"] == 2


@pytest.mark.parametrize("size", [4, 5])
def test_a_network_of_a_handful_is_protected_or_withheld(tmp_path, size):
    """A network of ``size`` where all but one are Communes: the lone Département cannot hide
    behind the base unless another cell is masked, or the table is withheld."""
    wave = {"nord": {"types": {"Commune": 25, "Département": 6, "Région": 4, "Métropole": 3, "Syndicat": 0},
                     "actions": {m: 10 for m in ACTIONS}},
            "mini": {"types": {"Commune": size - 1, "Département": 1},
                     "actions": {"Jumelage": size, "Coopération décentralisée": 1, "Relations consulaires": 0,
                                 "Aide d'urgence": 0}}}
    tables = _tables(wave)
    _plan(tables)
    found = attack(_write(tmp_path, tables))
    assert disclosed(found) == []


@pytest.mark.slow
def test_a_rendered_adversarial_wave_gives_no_cell_away(tmp_path):
    """A whole render (notebook, HTML, workbook) of a small wave built to be attacked: a network of
    4 respondents, three of them Communes and one Département (a category with all but one), next
    to France and the other networks (differencing across reports)."""
    from conftest import make_report_inputs

    from pipeline.domain.params import ReportParams, defaults
    from pipeline.reporting.render import render_reports

    inputs = make_report_inputs(tmp_path / "inputs", n=70, seed=11)
    clean = pd.read_parquet(inputs["clean"])
    four = clean.index[:4]
    clean.loc[four, ["rrma", "rrma_slug"]] = ["Réseau Quatre", "reseau-quatre"]
    clean.loc[four, "A02"] = ["Commune", "Commune", "Commune", "Département"]
    clean.to_parquet(inputs["clean"], index=False)
    out = tmp_path / "2025"
    render_reports(inputs["clean"], None, None, None, None, out, 2025, defaults(ReportParams, workers=1, pdf=False))
    assert (out / "regions" / "reseau-quatre.html").exists()
    found = attack(out)
    assert found and disclosed(found) == []


def test_no_masked_cell_of_the_demo_can_be_recovered(repo):
    """The demo's published reports and workbook, attacked: every masked cell keeps its interval."""
    import json

    found = attack(repo / "reports" / "2025")
    assert len(found) > 100 and disclosed(found) == []
    summary = json.loads((repo / "metrics" / "secrecy.json").read_text(encoding="utf-8"))
    assert summary["disclosed"] == 0 and summary["masked_cells"] > 0
