"""The app in a real browser, for its screenshot in ``docs/`` and its benchmark: ``aicm ui`` on a free loopback port
and Debian's chromium driven by Playwright (``playwright install`` cannot download here).

Regenerate the screenshot with ``make screenshot`` (= ``python -m visualization.app_browser``).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = Path("docs/figures/app-overview.png")
SCREENSHOT_QUERY = "?scenario=baseline&seed=1&mode=whole&view=overview"
VIEWPORT = {"width": 1600, "height": 1100}
START_TIMEOUT_S = 120
OVERVIEW_CHARTS = 7


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served_app() -> Iterator[str]:
    """``aicm ui`` on a free loopback port until the block ends; yields its URL."""
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "aicm"), "ui", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"aicm ui did not answer on {url}") from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def chromium_page() -> Iterator[object]:
    """A fresh Playwright page in Debian's chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_context(viewport=VIEWPORT).new_page()
        finally:
            browser.close()


def wait_for_charts(page, count: int = OVERVIEW_CHARTS, timeout_s: float = 300) -> None:
    """Wait until ``count`` charts are on the page and a frame has been painted after them."""
    page.locator(".aicm-chart[data-drawn]").nth(count - 1).wait_for(timeout=timeout_s * 1000)
    page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))")


def mark_charts(page) -> None:
    """Mark the charts on the page, so that :func:`wait_for_new_charts` can tell redrawn ones (each draw, in place or
    anew, raises a chart's ``data-drawn`` counter; a chart embedded anew starts without the mark)."""
    page.evaluate("() => document.querySelectorAll('.aicm-chart').forEach(c => c.dataset.seen = c.dataset.drawn || '0')")


def wait_for_new_charts(page, count: int = OVERVIEW_CHARTS, timeout_s: float = 300) -> None:
    """Wait until ``count`` charts drawn after the last :func:`mark_charts` are on the page, and a frame painted."""
    page.wait_for_function("count => [...document.querySelectorAll('.aicm-chart[data-drawn]')]"
                           ".filter(c => c.dataset.drawn !== c.dataset.seen).length >= count", arg=count,
                           timeout=timeout_s * 1000)
    page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))")


def take_screenshot(out: Path = SCREENSHOT) -> Path:
    """The Overview of the baseline's whole run (seed 1, 120 months, beside itself as the baseline) as a PNG."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with served_app() as url, chromium_page() as page:
        page.goto(url + SCREENSHOT_QUERY)
        page.locator(".run-status").filter(has_text="to 2034-12").first.wait_for(timeout=300_000)
        wait_for_charts(page)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the app's Overview screenshot (``docs/figures/app-overview.png`` unless ``--out`` says otherwise)."""
    parser = argparse.ArgumentParser(description="Screenshot of the app's Overview, for the README.")
    parser.add_argument("--out", type=Path, default=SCREENSHOT, help=f"PNG to write (default {SCREENSHOT})")
    args = parser.parse_args(argv)
    print(f"wrote {take_screenshot(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
