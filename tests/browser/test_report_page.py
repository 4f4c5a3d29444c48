"""The class report opens in a real Chromium, offline, and draws every figure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from labkit import ARTIFACTS, watch_page

pytestmark = pytest.mark.browser

# The figures' JavaScript: each plotly div has been plotted (``_fullData``) with at least one
# trace, and the trace's marks are in the SVG.
_DRAWN_JS = """
() => Array.from(document.querySelectorAll('.plotly-graph-div')).map(div => ({
  id: div.id,
  traces: (div._fullData || []).length,
  marks: div.querySelectorAll('.trace .point, .trace path').length,
  svg: div.querySelectorAll('svg.main-svg').length,
}))
"""


@pytest.fixture()
def report_page(tmp_path: Path) -> tuple[Path, object]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))
    try:
        from class_factory import make_class
    finally:
        sys.path.pop(0)
    from virtlab.grading.report import figures, write_report

    gradebook = make_class(tmp_path)
    report = write_report(gradebook, tmp_path / "report.html")
    return tmp_path / "report.html", figures(report)


def test_report_draws_every_figure_offline(browser, report_page):
    path, figs = report_page
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    problems = watch_page(page)
    outside: list[str] = []

    def block_network(route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", block_network)
    try:
        page.goto(path.as_uri())
        page.wait_for_function(
            "n => document.querySelectorAll('.plotly-graph-div svg.main-svg').length >= n",
            arg=len(figs),
            timeout=60_000,
        )
        drawn = page.evaluate(_DRAWN_JS)
        # printed on A4 (about 700 CSS pixels inside the margins), no figure is cut off
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 720, "height": 1000})
        too_wide = page.evaluate(
            "() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
            ".filter(d => d.getBoundingClientRect().right > document.documentElement.clientWidth)"
            ".map(d => d.id)"
        )
        pdf = page.pdf(format="A4")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
    finally:
        context.close()
    assert sorted(d["id"] for d in drawn) == sorted(f"fig-{name}" for name in figs)
    empty = [d["id"] for d in drawn if not (d["traces"] and d["marks"] and d["svg"])]
    assert not empty, f"figures not drawn: {empty}"
    assert outside == [], f"the page asked the network for {outside}"
    assert not too_wide, f"figures wider than a printed page: {too_wide}"
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > len(figs) // 2
    assert not problems.page_errors and not problems.console_errors, problems
