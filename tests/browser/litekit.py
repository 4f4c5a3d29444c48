"""The machinery of the JupyterLite tests and benchmark: serve build/lite on loopback, open a
page that may not reach any other host, and run a notebook in the site's Pyodide kernel.

The page-side steps are labkit's (JupyterLite is JupyterLab's front end, and the site exposes
``window.jupyterapp``); only the server and the network fence differ.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from labkit import (
    _KERNEL_IDLE_JS,
    _OPEN_NOTEBOOK_JS,
    _OUTPUTS_JS,
    _RUN_ALL_JS,
    RENDER_TIMEOUT_S,
    REPO_ROOT,
)

# the site `make lite` builds; VIRTLAB_LITE_SITE tests a site built elsewhere
LITE_SITE = Path(os.environ.get("VIRTLAB_LITE_SITE") or REPO_ROOT / "build" / "lite")
SIZE_BUDGET_BYTES = 60_000_000
# Pyodide starts, then loads IPython and the kernel's wheels: slower than a local kernel.
LITE_KERNEL_TIMEOUT_S = 240
LITE_RUN_ALL_TIMEOUT_S = 300


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
        pass


@contextlib.contextmanager
def serve_site(site: Path = LITE_SITE) -> Iterator[str]:
    """Serve ``site`` on a free loopback port; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Fence:
    """Requests the page tried to make to any host but the site's (all refused)."""

    origin: str
    outside: list[str] = field(default_factory=list)

    def install(self, page) -> None:
        site_host = urllib.parse.urlsplit(self.origin).netloc

        def route(route) -> None:
            url = route.request.url
            parts = urllib.parse.urlsplit(url)
            if parts.scheme in ("data", "blob") or parts.netloc == site_host:
                route.continue_()
            else:
                self.outside.append(url)
                route.abort()

        page.context.route("**/*", route)


def open_notebook(page, base_url: str, path: str) -> float:
    """Load the site, open ``path`` and wait for an idle kernel; returns seconds to that point."""
    started = time.monotonic()
    page.goto(f"{base_url}/lab/index.html", wait_until="domcontentloaded", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=120_000)
    page.evaluate(_OPEN_NOTEBOOK_JS, path)
    page.wait_for_function(
        "() => window.__virtlabOpened !== null", timeout=LITE_KERNEL_TIMEOUT_S * 1000, polling=250
    )
    opened = page.evaluate("() => window.__virtlabOpened")
    if not opened["ok"]:
        raise AssertionError(f"JupyterLite could not open {path}: {opened['error']}")
    page.wait_for_function(_KERNEL_IDLE_JS, timeout=LITE_KERNEL_TIMEOUT_S * 1000, polling=250)
    return time.monotonic() - started


def run_all(page) -> tuple[dict, float]:
    """Run every cell of the open notebook and wait for its outputs to be drawn.

    Returns labkit's report (``model`` and ``rendered``) plus ``run_all``, and the seconds from
    Run All to an idle kernel.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    started = time.monotonic()
    page.evaluate(_RUN_ALL_JS)
    page.wait_for_function(
        "() => window.__virtlabRunAll !== null",
        timeout=LITE_RUN_ALL_TIMEOUT_S * 1000,
        polling=250,
    )
    page.wait_for_function(_KERNEL_IDLE_JS, timeout=LITE_RUN_ALL_TIMEOUT_S * 1000, polling=250)
    elapsed = time.monotonic() - started
    all_drawn = f"""
    () => {{
      const {{model, rendered}} = ({_OUTPUTS_JS})();
      return rendered.widget === model.widget && rendered.plotly === model.plotly
        && rendered.plotlyPlotsDrawn === rendered.plotlyPlots && rendered.emptyPlots.length === 0
        && (rendered.figuresLoading === 0 || rendered.figureErrors.length > 0);
    }}
    """
    with contextlib.suppress(PlaywrightTimeoutError):  # the caller asserts on the report
        page.wait_for_function(all_drawn, timeout=RENDER_TIMEOUT_S * 1000, polling=250)
    report = {"run_all": page.evaluate("() => window.__virtlabRunAll")}
    report.update(page.evaluate(_OUTPUTS_JS))
    return report, elapsed


def site_size(site: Path = LITE_SITE) -> int:
    return sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
