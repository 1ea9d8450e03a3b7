"""The reports in headless Chromium, network blocked: nothing fetched from outside, no console
message, a screenshot to look at; axe-core (WCAG 2.1 A/AA) and reflow at 320 px for every report
(tests/support/browser.py drives Chromium through the DevTools protocol for a real 320 px viewport)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import XSS_IMG

# Requests Chromium makes on its own (updates, time, accounts), not the page's.
BROWSER_HOSTS = re.compile(r"^https?://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)(:\d+)?/")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium introuvable : .ci/run l'installe (apt-get install chromium) ; "
                "test du rendu navigateur non exécuté sur cette machine")


def _open(page: Path, workdir: Path, screenshot: Path | None = None,
          dom: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Load ``page`` offline; return (network URLs the page asked for, console lines); the DOM
    after scripts ran is appended to ``dom`` when given.

    Chromium's NetLog records every request, even one refused by the dead proxy; requests the
    browser makes for itself (updates, time) are left out.
    """
    netlog = workdir / "netlog.json"
    args = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={workdir / 'profile'}",
        "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        '--host-resolver-rules=MAP * ~NOTFOUND',
        "--enable-logging=stderr", "--v=0", f"--log-net-log={netlog}",
    ]
    args += [f"--screenshot={screenshot}", "--window-size=1280,4000"] if screenshot else ["--dump-dom"]
    done = subprocess.run([*args, page.resolve().as_uri()], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    urls = set(re.findall(r'"url":"([^"]+)"', netlog.read_text(encoding="utf-8", errors="replace")))
    outside = sorted(u for u in urls if u.startswith(("http:", "https:", "ws:", "wss:", "ftp:"))
                     and not BROWSER_HOSTS.match(u))
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    if dom is not None:
        dom.append(done.stdout)
    return outside, console


def test_the_check_sees_outside_requests_and_console_errors(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><link rel="stylesheet" href="https://cdn.example.com/x.css">'
                   '</head><body><img src="http://example.com/a.png"><script>console.error("boum")</script>'
                   "</body></html>", encoding="utf-8")
    outside, console = _open(bad, tmp_path)
    assert "https://cdn.example.com/x.css" in outside and "http://example.com/a.png" in outside
    assert any("boum" in line for line in console)


def test_national_report_renders_offline_with_no_failed_request(rendered, tmp_path):
    outside, console = _open(rendered / "national.html", tmp_path)
    assert outside == []
    assert console == []
    shot = tmp_path / "apercu_national.png"
    _open(rendered / "national.html", tmp_path, screenshot=shot)
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1280, 4000)
        colors = image.convert("RGB").resize((128, 400)).getcolors(maxcolors=1 << 16)
    assert colors is not None and len(colors) > 50  # charts and text, not a blank page
    print(f"capture d'écran : {shot}")


def test_the_check_sees_injected_markup_run(tmp_path):
    bad = tmp_path / "xss.html"
    bad.write_text(f"<!DOCTYPE html><html><body><p>{XSS_IMG}</p></body></html>", encoding="utf-8")
    dom: list[str] = []
    _open(bad, tmp_path, dom=dom)
    assert re.search(r"<html[^>]*data-xss=", dom[0])


def test_respondent_markup_is_shown_as_text_not_run(rendered, tmp_path):
    """A comment holding <script> and <img onerror>, an off-list answer and a name holding them:
    Chromium shows the comment as text, creates no element and runs nothing."""
    dom: list[str] = []
    _, console = _open(rendered / "national.html", tmp_path, dom=dom)
    page = dom[0]
    assert console == []
    assert "&lt;img src=x onerror=" in page and "&lt;script&gt;document.documentElement" in page
    assert not re.search(r"<html[^>]*data-xss=", page)
    assert not re.search(r"<img[^>]*\bsrc=\"x\"", page) and "<script>document." not in page


def test_network_report_renders_offline(rendered, tmp_path):
    outside, console = _open(next((rendered / "regions").glob("*.html")), tmp_path)
    assert outside == [] and console == []


# -- accessibility (axe-core, WCAG 2.1 A/AA) and reflow at 320 px --------------------------------

def _axe() -> str:
    from support.browser import axe_source

    _chromium()
    source = axe_source()
    if source is None:
        pytest.skip("npm introuvable : axe-core (paquet npm, package.json) ne peut pas être installé ; "
                    "contrôle d'accessibilité non exécuté sur cette machine (.ci/run installe npm)")
    return source


def test_axe_sees_a_missing_alt_and_a_page_wider_than_a_phone(tmp_path):
    from support.browser import Browser, check_page

    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>t</title>'
                   '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
                   '<h1>t</h1><img src="x.png"><table><tr><td style="min-width:600px">large</td></tr></table>'
                   "</main></body></html>", encoding="utf-8")
    with Browser(_chromium(), tmp_path / "profile") as browser:
        found = check_page(browser, bad, _axe())
    assert "image-alt" in {v["id"] for v in found[1280]["violations"]}
    assert found[320]["scroll_width"] > 320


def test_reports_pass_axe_and_reflow_at_320_px(rendered, tmp_path):
    """National and every network report: no WCAG 2.1 A/AA violation at 1280 and 320 px, and no
    sideways scroll on a 320 px phone (wide tables and figures scroll in their own box)."""
    from support.browser import Browser, check_page

    pages = [rendered / "national.html", *sorted((rendered / "regions").glob("*.html"))]
    assert len(pages) >= 3
    axe = _axe()
    with Browser(_chromium(), tmp_path / "profile") as browser:
        results = {page.name: check_page(browser, page, axe, shots=tmp_path) for page in pages}
    problems = {(name, width): r["violations"] for name, found in results.items() for width, r in found.items()
                if r["violations"]}
    assert problems == {}
    assert {name: found[320]["scroll_width"] for name, found in results.items()} == {p.name: 320 for p in pages}
    print(f"captures d'écran à 320 px : {tmp_path}")
