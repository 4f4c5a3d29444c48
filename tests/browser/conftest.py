"""Fixtures of the browser tests: one JupyterLab and one Chromium per session, a page per test.

The machinery lives in ``labkit``; a later test reuses the same server through ``lab_server``
and runs any notebook with ``labkit.run_notebook_in_lab(page, lab_server, path)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from labkit import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LabServer,
    PageProblems,
    extend_anywidget_init_timeout,
    start_lab_server,
    stop_lab_server,
    watch_page,
)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(
            f"the browser tests need Debian's Chromium at {CHROMIUM}; install it with "
            "`sudo apt-get install chromium` (.ci/run does this in CI)"
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def lab_server(
    chromium_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LabServer]:
    """One JupyterLab for the whole session; its process group is killed at the end."""
    server, process = start_lab_server(tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server
    finally:
        stop_lab_server(process)


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def lab_page(browser, lab_server: LabServer) -> Iterator[tuple[object, PageProblems]]:
    """A fresh browser page with its JavaScript and console errors recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    extend_anywidget_init_timeout(page)
    problems = watch_page(page)
    try:
        yield page, problems
    finally:
        context.close()
        lab_server.shut_down_sessions()
