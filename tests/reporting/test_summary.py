"""« Ce qu'il faut retenir », read as a reader reads it: every figure of the summary at the top of the
rendered national and network reports is found in the table or card it summarises, in the same page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import NETWORK

TYPE = r"le type (\d+) « ([^»]+) »"
FIGURE = r"[\d\u202f\u00a0]+(?:,\d+)?(?:\u00a0%)?"
# the subject of a « most cited » sentence -> the question whose table it summarises
PRACTICES = {"L'action": "B03", "Le frein": "F01", "Le besoin d'accompagnement": "F02", "La thématique": "B07",
             "La zone partenaire": "B06", "Le partenaire du territoire": "E02"}


def _page(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _table(page: BeautifulSoup, key: str) -> dict[str, dict[str, str]]:
    """A rendered table as {row label: {column: cell text}}."""
    fig = page.select_one(f"figure#tab-{key}")
    assert fig is not None, f"table {key} not in the page"
    columns = [th.get_text() for th in fig.select("thead th")][1:]
    return {tr.find("th").get_text(): dict(zip(columns, (td.get_text() for td in tr.find_all("td"))))
            for tr in fig.select("tbody tr")}


def _base(page: BeautifulSoup, key: str) -> str:
    notes = page.select_one(f"figure#tab-{key} figcaption").get_text(" ")
    return re.search(r"Base : ([\d\u202f\u00a0]+) répondants", notes).group(1)


def _section_text(page: BeautifulSoup, anchor: str) -> str:
    """The text of a section, from its heading to the next one."""
    parts = []
    for node in page.select_one(f"h2#{anchor}").next_elements:
        if getattr(node, "name", None) == "h2":
            break
        if isinstance(node, str):
            parts.append(str(node))
    return " ".join(" ".join(parts).split())


def _card_lines(page: BeautifulSoup, number: str) -> list[tuple[str, str, str]]:
    """(what, value, reference) of every line of a type's portrait cards."""
    article = page.select_one(f"article#type-{number}")
    assert article is not None, f"no portrait of type {number}"
    out = []
    for li in article.select(".card li"):
        what, val, ref = li.select_one(".what"), li.select_one(".val"), li.select_one(".ref")
        if what is not None:
            out.append((what.get_text(), val.get_text(), ref.get_text() if ref is not None else ""))
    return out


def _checked(page: BeautifulSoup, sentence: str, national: bool) -> str:
    """Check the figures of one sentence against their tables; return what is left once they are removed."""
    sizes = _table(page, "typologie_effectifs") if page.select_one("figure#tab-typologie_effectifs") else {}
    share = "Part" if national else "Part réseau"
    m = re.match(rf"(?:(?:Dans le réseau|Parmi ces collectivités), )?({FIGURE}) collectivités .*? (\d+) types", sentence)
    if m:
        assert m.group(1) == _base(page, "typologie_effectifs"), sentence
        assert int(m.group(2)) == len(sizes), sentence
        return sentence.replace(m.group(0), "")
    if sentence.startswith(("Le plus fréquent est", "Effectifs publiés à cette échelle")):
        found = re.findall(rf"{TYPE} \(({FIGURE}) collectivités, ({FIGURE})\)", sentence)
        assert len(found) >= 1
        for number, name, count, part in found:
            row = sizes[f"{number}. {name}"]
            assert (count, part) == (row["Effectif"], row[share]), sentence
            sentence = sentence.replace(f"({count} collectivités, {part})", "")
        counts = [int(re.sub(r"\D", "", c)) for _, _, c, _ in found]
        assert counts == sorted(counts, reverse=True), "types listed from the largest"
        return re.sub(TYPE, "", sentence)
    m = re.match(rf"(?:Le|Dans le réseau, le|Parmi ces collectivités, le) type (\d+) « ([^»]+) » "
                 rf"se distingue d'abord par « (.+) » \((.+)\) : ({FIGURE}) des "
                 rf"collectivités du type(?:, contre ({FIGURE}) pour (l'ensemble des répondants|ce type dans toute "
                 r"la France))?\.$", sentence)
    if m:
        number, name, answer, question, value, reference, _ = m.groups()
        assert f"{number}. {name}" in sizes
        lines = {what.lower(): (val, ref) for what, val, ref in _card_lines(page, number)}
        val, ref = lines[f"{question} : {answer}".lower()]
        assert val == value, sentence
        if reference:
            assert ref == ("ensemble : " if national else "type en France : ") + reference, sentence
        return ""
    m = re.match(rf"Par rapport à la France, .* du type (\d+) « ([^»]+) » \(({FIGURE}) contre ({FIGURE})\)\.$",
                 sentence)
    if m:
        row = sizes[f"{m.group(1)}. {m.group(2)}"]
        assert (m.group(3), m.group(4)) == (row["Part réseau"], row["Part France"]), sentence
        return ""
    m = re.match(rf"Parmi les ({FIGURE}) collectivités qui ont répondu en (\d{{4}}) et en (\d{{4}}), (.*)$", sentence)
    if m:
        section10 = _section_text(page, "s10")
        assert f"Collectivités ayant répondu en {m.group(2)} et en {m.group(3)} : {m.group(1)}" in section10
        rest = m.group(4)
        moved = re.search(rf"({FIGURE}) ont changé de type", rest)
        if moved:
            assert moved.group(1) == _table(page, "evolution_type")["Autre type"]["Effectif"], sentence
            rest = rest.replace(moved.group(0), "")
        formal = re.search(rf"({FIGURE}) ont davantage formalisé", rest)
        if formal:
            assert formal.group(1) == _table(page, "evolution_strategie")["Plus formalisée"]["Effectif"], sentence
            rest = rest.replace(formal.group(0), "")
        for fact, key, row in (("aucune n'a changé de type", "evolution_type", "Autre type"),
                               ("aucune n'a davantage formalisé", "evolution_strategie", "Plus formalisée")):
            if fact in rest:
                assert _table(page, key)[row]["Effectif"] == "0", sentence
        return rest.replace("section 10", "")
    m = re.match(rf"({'|'.join(PRACTICES)}) (?:la|le) plus citée? (?:dans le réseau |parmi ces collectivités )?"
                 rf"est « (.+) » "
                 rf"\(({FIGURE}) des collectivités qui ont répondu(?:, contre ({FIGURE}) en France)?\)\.$", sentence)
    if m:
        code = PRACTICES[m.group(1)]
        table = _table(page, code)
        row = table[m.group(2)]
        assert m.group(3) == row[share], sentence
        if m.group(4):
            assert m.group(4) == row["Part France"], sentence
        shown = {label: int(re.sub(r"\D", "", cells["Effectif"])) for label, cells in table.items()
                 if re.fullmatch(r"[\d\u202f\u00a0]+", cells["Effectif"])}
        assert shown[m.group(2)] == max(shown.values()), f"not the most cited answer shown: {sentence}"
        assert shown[m.group(2)] >= 3 and all(c["Effectif"] != "s" for c in table.values()), \
            f"a masked count could be larger: {sentence}"
        return ""
    if sentence.startswith(("Par rapport à la typologie de", "Les types de")):
        for number, name in re.findall(TYPE, sentence):   # this year's types: section 9's numbers and names
            assert f"{number}. {name}" in sizes or not sizes, sentence
        return re.sub(r"\d{4}", "", re.sub(TYPE, "", sentence))
    raise AssertionError(f"a sentence of the summary that no check reads: {sentence}")


def _check_summary(path: Path, national: bool, fewest: int = 5) -> None:
    page = _page(path)
    box = page.select_one("aside.remember")
    assert box is not None and box.find("h2").get_text() == "Ce qu'il faut retenir"
    # at the top: before the table of contents and section 1
    assert box.find_next("h2", id="s1") is not None and box.find_previous("h2", id=True) is None
    sentences = [li.get_text() for li in box.select("li")]
    assert fewest <= len(sentences) <= 8
    for sentence in sentences:
        left = _checked(page, sentence, national)
        assert not re.search(r"\d", left), f"a figure the test did not find in a table: {left!r} ({sentence})"
        assert not re.search(r"(^|[\s(,])s[\s),]", left), f"a masked value: {sentence}"  # « < 3 »: a digit


@pytest.mark.parametrize("report", ["national.html", f"regions/{NETWORK}.html"])
def test_every_figure_of_the_summary_is_a_cell_of_the_table_it_summarises(rendered, report):
    _check_summary(rendered / report, report == "national.html")


def test_the_demo_s_summaries_state_the_numbers_of_their_tables(repo):
    """Every report of the demo wave: the secrecy plan of the whole publication and last year's types."""
    from support.pipeline_run import YEAR

    folder = repo / "reports" / str(YEAR)
    _check_summary(folder / "national.html", True)
    for path in sorted((folder / "regions").glob("*.html")):
        if _page(path).select_one("aside.remember") is not None:
            _check_summary(path, False, fewest=1)   # a network of three: little can be said


def test_a_network_too_small_to_publish_has_no_summary(rendered):
    from conftest import TINY_NETWORK

    assert _page(rendered / "regions" / f"{TINY_NETWORK}.html").select_one("aside.remember") is None
