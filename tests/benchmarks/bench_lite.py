"""The JupyterLite site against JupyterLab: site size, time from page load to a runnable kernel,
and Run All time per lesson, in headless Chromium. Prints figures; asserts nothing.

Needs build/lite (`make lite`) and /usr/bin/chromium. Usage: python tests/benchmarks/bench_lite.py
[LESSON ...] (default: every lesson).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))

from labkit import (  # noqa: E402
    _KERNEL_IDLE_JS,
    _OPEN_NOTEBOOK_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    KERNEL_START_TIMEOUT_S,
    REPO_ROOT,
    start_lab_server,
    stop_lab_server,
)
from litekit import LITE_SITE, open_notebook, run_all, serve_site, site_size  # noqa: E402


def lab_times(browser, lessons: list[str]) -> dict[str, tuple[float, float]]:
    """(seconds to an idle kernel, Run All seconds) per lesson in a local JupyterLab."""
    times = {}
    with tempfile.TemporaryDirectory() as base:
        server, process = start_lab_server(Path(base))
        try:
            for lesson in lessons:
                path = server.add_notebook(REPO_ROOT / "lessons" / lesson, f"lessons/{lesson}")
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                started = time.monotonic()
                page.goto(server.url("lab", reset=True), wait_until="domcontentloaded")
                page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands")
                page.evaluate(_OPEN_NOTEBOOK_JS, path)
                page.wait_for_function(
                    "() => window.__virtlabOpened !== null",
                    timeout=KERNEL_START_TIMEOUT_S * 1000,
                )
                page.wait_for_function(
                    _KERNEL_IDLE_JS, timeout=KERNEL_START_TIMEOUT_S * 1000, polling=250
                )
                kernel = time.monotonic() - started
                _, elapsed = run_all(page)
                times[lesson] = (kernel, elapsed)
                print(f"  Lab {lesson}: kernel {kernel:.1f} s, Run All {elapsed:.1f} s", flush=True)
                page.close()
                server.shut_down_sessions()
        finally:
            stop_lab_server(process)
    return times


def lite_times(browser, lessons: list[str]) -> dict[str, tuple[float, float]]:
    """The same in the Lite site, each lesson in a fresh browser profile: a learner's first
    visit, with Pyodide and the wheels downloaded from the (loopback) server."""
    times = {}
    with serve_site() as base_url:
        for lesson in lessons:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            kernel = open_notebook(page, base_url, f"lessons/{lesson}")
            _, elapsed = run_all(page)
            times[lesson] = (kernel, elapsed)
            print(f"  Lite {lesson}: kernel {kernel:.1f} s, Run All {elapsed:.1f} s", flush=True)
            context.close()
    return times


def main() -> int:
    from playwright.sync_api import sync_playwright

    if not (LITE_SITE / "jupyter-lite.json").exists():
        print(f"no site in {LITE_SITE}: run `make lite` first")
        return 1
    lessons = sys.argv[1:] or sorted(p.name for p in (REPO_ROOT / "lessons").glob("*.ipynb"))
    print(f"Lite site: {site_size() / 1e6:.1f} MB in {LITE_SITE}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        lite = lite_times(browser, lessons)
        lab = lab_times(browser, lessons)
        browser.close()
    print(f"{'lesson':34} {'kernel Lite':>11} {'kernel Lab':>10} {'Run All Lite':>12} {'Lab':>6}")
    for lesson in lessons:
        (lite_kernel, lite_run), (lab_kernel, lab_run) = lite[lesson], lab[lesson]
        print(
            f"{lesson:34} {lite_kernel:10.1f}s {lab_kernel:9.1f}s {lite_run:11.1f}s {lab_run:5.1f}s"
        )
    print("kernel: page load to an idle kernel (Lite: a first visit, nothing cached)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
