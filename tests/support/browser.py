"""Headless Chromium driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``:
JSON messages ended by a NUL byte on file descriptors 3 and 4), with no Python dependency: a real
viewport of any width (a window cannot be narrower than 500 px), scripts evaluated in the page,
screenshots.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless Chromium with one page; ``with Browser(exe, profile) as b: b.open(url, 320)``."""

    def __init__(self, exe: str, profile: Path):
        self.exe, self.profile = exe, profile
        self._id = 0

    def __enter__(self) -> Browser:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        args = [self.exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank"]

        def fds() -> None:  # Chromium reads commands on fd 3 and writes answers on fd 4
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.proc = subprocess.Popen(args, preexec_fn=fds, pass_fds=(3, 4),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send("Page.enable", session=True)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.send("Browser.close")
        except (OSError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_chrome)
        os.close(self._from_chrome)

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium s'est arrêté")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, session: bool = False, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def wait_event(self, method: str) -> dict:
        while True:
            message = self._read()
            if message.get("method") == method:
                return message.get("params", {})

    def open(self, url: str, width: int, height: int = 900) -> None:
        """Load ``url`` in a viewport ``width`` CSS pixels wide (a phone's at 320)."""
        self.send("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        self.send("Page.navigate", session=True, url=url)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str, await_promise: bool = False):
        result = self.send("Runtime.evaluate", session=True, expression=expression, returnByValue=True,
                           awaitPromise=await_promise)
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"])[:2000])
        return result["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], 16000), "scale": 1}
        data = self.send("Page.captureScreenshot", session=True, **params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def run_axe(browser: Browser, axe_source: str) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations of the loaded page: rule, impact and first nodes."""
    browser.evaluate(axe_source)
    options = json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    script = (
        f"axe.run(document, {options})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' : ' + n.failureSummary)})))"
    )
    return browser.evaluate(script, await_promise=True)


ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> str | None:
    """axe-core's script, installed from package.json (npm ci) when missing; None without npm."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            return None
        lock = (ROOT / "package-lock.json").is_file()
        subprocess.run([npm, "ci" if lock else "install", "--no-audit", "--no-fund"], cwd=ROOT, check=True,
                       capture_output=True, timeout=600)
    return AXE.read_text(encoding="utf-8")


WIDTHS = (1280, 320)  # a desktop screen; the narrowest phone (WCAG 1.4.10 Reflow, RGAA 10.11)


def check_page(browser: Browser, page: Path, axe: str, shots: Path | None = None) -> dict[int, dict]:
    """The page at each width of ``WIDTHS``: axe-core's violations and the page's scroll width
    (a screenshot at each width under ``shots`` when given)."""
    found = {}
    for width in WIDTHS:
        browser.open(page.resolve().as_uri(), width)
        scroll = browser.evaluate("document.documentElement.scrollWidth")
        found[width] = {"violations": run_axe(browser, axe), "scroll_width": scroll}
        if shots is not None:
            browser.screenshot(shots / f"{page.stem}-{width}.png")
    return found
