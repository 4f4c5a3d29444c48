"""The course in a real JupyterLab: every widget and figure renders, and the widgets respond.

Run with ``make browser`` (a step of ``make test``) or ``.venv/bin/python -m pytest tests -m
browser``; needs Debian's Chromium at /usr/bin/chromium. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from labkit import (
    ARTIFACTS,
    RENDER_TIMEOUT_S,
    REPO_ROOT,
    LabServer,
    PageProblems,
    notebook_file_outputs,
    run_notebook_in_lab,
    save_screenshot,
)

pytestmark = pytest.mark.browser

LESSONS = sorted((REPO_ROOT / "lessons").glob("*.ipynb"))

# CSS classes the demo notebook puts on each widget so the test can find it on the page.
WIDGET_CLASSES = {
    "stack_builder": "demo-stack-builder",
    "isolation_explorer": "demo-isolation-explorer",
    "overhead_explorer": "demo-overhead-explorer",
    "quiz": "demo-quiz",
}
QUIZ_OPTIONS = ["A hypervisor", "A container engine", "A web server"]
QUIZ_ANSWER = "A hypervisor"
START_ARCHITECTURE = "type1"
NEXT_ARCHITECTURE = "type2"


def _demo_cells() -> list[tuple[str, str]]:
    """(cell type, source) of a notebook that shows every widget and a few static figures."""
    return [
        ("markdown", "# Widget demo for the browser test"),
        (
            "code",
            "import virtlab as vl\n"
            "from virtlab import plots\n"
            "from virtlab.answers import answer_hash\n"
            "from virtlab.widgets import IsolationExplorer, OverheadExplorer, Quiz, StackBuilder",
        ),
        (
            "code",
            f"builder = StackBuilder(architecture={START_ARCHITECTURE!r})\n"
            f"builder.add_class({WIDGET_CLASSES['stack_builder']!r})\n"
            "builder.architecture.add_class('demo-architecture')\n"
            "builder.hypervisor.add_class('demo-hypervisor')\n"
            "builder",
        ),
        (
            "code",
            "explorer = IsolationExplorer(StackBuilder(architecture='containers-in-vms').stack)\n"
            f"explorer.add_class({WIDGET_CLASSES['isolation_explorer']!r})\n"
            "explorer",
        ),
        (
            "code",
            "overhead = OverheadExplorer()\n"
            f"overhead.add_class({WIDGET_CLASSES['overhead_explorer']!r})\n"
            "overhead",
        ),
        (
            "code",
            "quiz = Quiz(\n"
            "    'demo-q1',\n"
            "    'What runs directly on the hardware in a Type 1 stack?',\n"
            f"    {QUIZ_OPTIONS!r},\n"
            f"    answer_hash('demo-q1', {QUIZ_ANSWER!r}),\n"
            "    feedback={'A container engine': 'An engine needs an OS kernel below it.'},\n"
            ")\n"
            f"quiz.add_class({WIDGET_CLASSES['quiz']!r})\n"
            "quiz",
        ),
        ("code", "plots.stack_diagram(builder.stack)"),
        ("code", "plots.overhead_bars('cpu')"),
    ]


def _write_demo_notebook(server: LabServer) -> str:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    makers = {"code": new_code_cell, "markdown": new_markdown_cell}
    notebook = new_notebook(
        cells=[makers[kind](source) for kind, source in _demo_cells()],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    path = server.root / "widgets_demo.ipynb"
    nbformat.write(notebook, path)
    return path.name


# Label texts the stack builder's diagram shows on the page. Plotly draws a "<br>" of a label as
# separate <tspan class="line"> elements; joining them with a space matches the Python label.
_BUILDER_LABELS_JS = """
() => {
  const builder = document.querySelector('.__BUILDER_CLASS__');
  if (!builder) return null;
  return [...builder.querySelectorAll('.js-plotly-plot g.textpoint text')].map((text) => {
    const lines = [...text.querySelectorAll('tspan.line')];
    return (lines.length ? lines.map((l) => l.textContent).join(' ') : text.textContent).trim();
  });
}
""".replace("__BUILDER_CLASS__", WIDGET_CLASSES["stack_builder"])


def _python_labels(builder: object) -> list[str]:
    from virtlab.plots import diagram_labels

    return [label.replace("<br>", " ") for label in diagram_labels(builder.figure)]


def _wait_for_labels(page, expected: list[str], gone: str | None = None) -> list[str]:
    """Wait until the page's diagram shows the expected labels (and not ``gone``)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    condition = f"""() => {{
      const shown = ({_BUILDER_LABELS_JS})();
      const expected = {json.dumps(expected)};
      return shown !== null && !shown.includes({json.dumps(gone)})
        && expected.every((label) => shown.includes(label));
    }}"""
    try:
        page.wait_for_function(condition, timeout=RENDER_TIMEOUT_S * 1000, polling=200)
    except PlaywrightTimeoutError:
        shown = page.evaluate(_BUILDER_LABELS_JS)
        raise AssertionError(
            f"the stack diagram on the page shows {shown}; expected {expected}"
            + (f" without {gone!r}" if gone else "")
        ) from None
    return page.evaluate(_BUILDER_LABELS_JS)


def _assert_clean(report: dict, problems: PageProblems) -> None:
    model, rendered = report["model"], report["rendered"]
    assert report["run_all"].get("ok") is True, (
        f"Run All Cells reported a failure: {report['run_all']}"
    )
    assert model["unexecuted"] == 0, f"{model['unexecuted']} code cells did not run"
    assert model["errors"] == [], f"cells raised: {model['errors']}"
    assert model["stderr"] == [], f"cells wrote to stderr: {model['stderr']}"
    assert rendered["stderrShown"] == [], f"error output on the page: {rendered['stderrShown']}"
    assert rendered["widgetProblems"] == [], f"widgets not shown: {rendered['widgetProblems']}"
    assert rendered["widget"] == model["widget"], f"not every widget rendered: {report}"
    assert rendered["plotly"] == model["plotly"], f"not every plotly figure rendered: {report}"
    assert rendered["plotlyPlotsDrawn"] == rendered["plotlyPlots"], f"undrawn plots: {report}"
    assert rendered["emptyPlots"] == [], f"figures whose data never reached the page: {report}"
    assert rendered["figureErrors"] == [], f"live figures failed to load: {report}"
    assert rendered["figuresLoading"] == 0, f"live figures still loading: {report}"
    assert problems.all() == [], "errors in the browser:\n" + "\n".join(problems.all())


def test_every_widget_renders_and_the_stack_builder_responds(
    lab_server: LabServer, lab_page: tuple[object, PageProblems]
) -> None:
    from virtlab.widgets import ARCHITECTURES, StackBuilder

    page, problems = lab_page
    report = run_notebook_in_lab(page, lab_server, _write_demo_notebook(lab_server))
    _assert_clean(report, problems)
    assert report["model"]["widget"] == 4, report
    assert report["model"]["plotly"] == 2, report
    # Three widgets hold live figures (builder, isolation explorer, two in the overhead explorer)
    # besides the two static figures.
    assert report["rendered"]["plotlyPlots"] >= 6, report

    widgets = {name: page.locator(f".{css}") for name, css in WIDGET_CLASSES.items()}
    for name, locator in widgets.items():
        assert locator.count() == 1, f"{name} not found on the page"
        assert locator.locator(".js-plotly-plot").count() >= (0 if name == "quiz" else 1), name
    save_screenshot(page, "full_page.png")
    for name, locator in widgets.items():
        save_screenshot(locator, f"{name}.png")
    shutil.copyfile(ARTIFACTS / "stack_builder.png", ARTIFACTS / "readme-stack-builder.png")

    # The same actions in Python tell what the page must show after each step.
    twin = StackBuilder(architecture=START_ARCHITECTURE)
    first_hypervisor = twin.hypervisor.label
    shown = _wait_for_labels(page, _python_labels(twin), gone=None)
    assert first_hypervisor in shown, shown

    twin.architecture.value = NEXT_ARCHITECTURE
    page.locator(".demo-architecture select").select_option(label=ARCHITECTURES[NEXT_ARCHITECTURE])
    shown = _wait_for_labels(page, _python_labels(twin), gone=first_hypervisor)
    assert twin.hypervisor.label in shown, shown

    old_product = twin.hypervisor.label
    new_product = next(label for label, _ in twin.hypervisor.options if label != old_product)
    twin.hypervisor.value = dict(twin.hypervisor.options)[new_product]
    page.locator(".demo-hypervisor select").select_option(label=new_product)
    shown = _wait_for_labels(page, _python_labels(twin), gone=old_product)
    assert new_product in shown and old_product not in shown, shown
    save_screenshot(widgets["stack_builder"], "stack_builder_after_changes.png")

    # The quiz answers a click on the page.
    widgets["quiz"].get_by_text(QUIZ_ANSWER, exact=True).click()
    widgets["quiz"].get_by_role("button", name="Check").click()
    widgets["quiz"].get_by_text("Correct", exact=False).wait_for(timeout=RENDER_TIMEOUT_S * 1000)
    save_screenshot(widgets["quiz"], "quiz.png")

    assert problems.all() == [], "errors in the browser:\n" + "\n".join(problems.all())


@pytest.mark.parametrize("lesson", LESSONS, ids=[path.stem for path in LESSONS])
def test_lesson_runs_in_lab_and_renders(
    lab_server: LabServer, lab_page: tuple[object, PageProblems], lesson: Path
) -> None:
    page, problems = lab_page
    path = lab_server.add_notebook(lesson, f"lessons/{lesson.name}")
    report = run_notebook_in_lab(page, lab_server, path)
    save_screenshot(page, f"lesson-{lesson.stem}.png")
    _assert_clean(report, problems)
    stored = notebook_file_outputs(lesson)
    produced = {key: report["model"][key] for key in stored}
    assert produced == stored, (
        f"running {lesson.name} in the lab produced {produced} widget/plotly outputs but the "
        f"committed notebook holds {stored}; re-execute it with `make notebooks`"
    )
