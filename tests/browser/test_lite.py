"""The JupyterLite site (build/lite, made by `make lite`) in headless Chromium.

Every lesson runs to the end in the site's Pyodide kernel with every widget and figure drawn,
no error output, no page error and no request to any host but the site's own; an exercise
answered in the browser shows check()'s feedback, and the notebook saved there grades the same
with `virtlab grade`.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from labkit import REPO_ROOT, watch_page
from litekit import (
    LITE_SITE,
    SIZE_BUDGET_BYTES,
    Fence,
    open_notebook,
    run_all,
    serve_site,
    site_size,
)

pytestmark = pytest.mark.browser

LESSONS = sorted(p.name for p in (REPO_ROOT / "lessons").glob("*.ipynb"))


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    if not (LITE_SITE / "jupyter-lite.json").exists():
        pytest.skip(f"no JupyterLite site in {LITE_SITE}: build it with `make lite`")
    with serve_site() as base_url:
        yield base_url


@pytest.fixture
def lite_page(browser, site: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    fence = Fence(site)
    fence.install(page)
    problems = watch_page(page)
    try:
        yield page, fence, problems
    finally:
        context.close()


def test_site_is_self_contained_and_within_budget() -> None:
    if not (LITE_SITE / "jupyter-lite.json").exists():
        pytest.skip(f"no JupyterLite site in {LITE_SITE}: build it with `make lite`")
    size = site_size()
    assert size <= SIZE_BUDGET_BYTES, f"the site is {size / 1e6:.1f} MB, over the 60 MB budget"
    config = json.loads((LITE_SITE / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"].startswith("./"), kernel["pyodideUrl"]
    lock = json.loads((LITE_SITE / "static" / "pyodide" / "pyodide-lock.json").read_text())
    missing = [
        p["file_name"]
        for p in lock["packages"].values()
        if not (LITE_SITE / "static" / "pyodide" / p["file_name"]).exists()
    ]
    assert not missing, f"pyodide-lock.json lists wheels the site lacks: {missing}"
    assert "virtlab" in lock["packages"]
    shipped = {p.relative_to(LITE_SITE / "files").parts[0] for p in (LITE_SITE / "files").iterdir()}
    assert {"lessons", "exercises"} <= shipped and "solutions" not in shipped, shipped


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_in_lite(lite_page, site: str, lesson: str) -> None:
    page, fence, problems = lite_page
    open_notebook(page, site, f"lessons/{lesson}")
    report, _ = run_all(page)
    model, rendered = report["model"], report["rendered"]
    assert report["run_all"]["ok"], report["run_all"]
    assert not model["errors"], f"{lesson}: error outputs {model['errors']}"
    assert not model["stderr"], f"{lesson}: stderr {model['stderr']}"
    assert model["unexecuted"] == 0, f"{lesson}: {model['unexecuted']} cell(s) did not run"
    assert rendered["widget"] == model["widget"], f"{lesson}: {rendered['widgetProblems']}"
    assert rendered["plotly"] == model["plotly"], f"{lesson}: a static figure was not drawn"
    assert rendered["plotlyPlotsDrawn"] == rendered["plotlyPlots"], f"{lesson}: {rendered}"
    assert not rendered["emptyPlots"], f"{lesson}: {rendered['emptyPlots']}"
    assert rendered["figuresLoading"] == 0, f"{lesson}: a figure stayed at 'Loading figure...'"
    assert not rendered["figureErrors"], f"{lesson}: {rendered['figureErrors']}"
    assert not problems.all(), f"{lesson}: page problems {problems.all()}"
    assert not fence.outside, f"{lesson}: requests outside the site {fence.outside}"


EXERCISE = "01-abstraction.ipynb"
RIGHT_QUESTION, WRONG_QUESTION = "ex01-q2", "ex01-q3"


def _solution_answer(question: str) -> str:
    """The answer line of ``question`` in the solution notebook (the test does not invent it)."""
    notebook = json.loads((REPO_ROOT / "solutions" / EXERCISE).read_text())
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and f'check("{question}"' in source:
            start = source.index("### BEGIN SOLUTION\n") + len("### BEGIN SOLUTION\n")
            return source[start : source.index("### END SOLUTION")].strip()
    raise AssertionError(f"no solution cell for {question} in solutions/{EXERCISE}")


def _wrong_letter(answer_line: str) -> str:
    right = answer_line.split("=", 1)[1].strip().strip("\"'")
    return f'answer = "{next(c for c in "abcd" if c != right)}"'


_ANSWER_AND_RUN_JS = """
async ([answers]) => {
  const panel = window.__virtlabPanel;
  let first = true;  // the first code cell imports check and virtlab
  for (const [index, cell] of panel.content.widgets.entries()) {
    if (cell.model.type !== 'code') continue;
    const source = cell.model.sharedModel.getSource();
    const question = Object.keys(answers).find((q) => source.includes(`check("${q}"`));
    if (!first && !question) continue;
    first = false;
    if (question) cell.model.sharedModel.setSource(
      source.replace(/^answer = \\.\\.\\.$/m, answers[question]));
    panel.content.activeCellIndex = index;
    await window.jupyterapp.commands.execute('notebook:run-cell');
  }
  return true;
}
"""

_FEEDBACK_JS = """
(questions) => {
  const panel = window.__virtlabPanel;
  const out = {};
  for (const cell of panel.content.widgets) {
    const text = cell.node.querySelector('.virtlab-check');
    const source = cell.model.sharedModel.getSource();
    for (const q of questions) if (text && source.includes(`check("${q}"`)) out[q] = text.innerText;
  }
  return out;
}
"""


def test_exercise_feedback_in_lite_grades_the_same(lite_page, site: str, tmp_path: Path) -> None:
    page, fence, problems = lite_page
    right = _solution_answer(RIGHT_QUESTION)
    wrong = _wrong_letter(_solution_answer(WRONG_QUESTION))
    open_notebook(page, site, f"exercises/{EXERCISE}")
    page.evaluate(_ANSWER_AND_RUN_JS, [{RIGHT_QUESTION: right, WRONG_QUESTION: wrong}])
    page.wait_for_function(
        f"() => Object.keys(({_FEEDBACK_JS})({json.dumps([RIGHT_QUESTION, WRONG_QUESTION])}))"
        ".length === 2",
        timeout=120_000,
        polling=250,
    )
    feedback = page.evaluate(_FEEDBACK_JS, [RIGHT_QUESTION, WRONG_QUESTION])
    assert f"{RIGHT_QUESTION}: 1/1" in feedback[RIGHT_QUESTION], feedback
    assert f"{WRONG_QUESTION}: 0/1" in feedback[WRONG_QUESTION], feedback

    # the learner saves (into the browser's storage) and downloads the file: that is the hand-in
    page.evaluate("async () => { await window.__virtlabPanel.context.save(); }")
    submission = tmp_path / "submissions" / f"lite-learner_{EXERCISE}"
    submission.parent.mkdir()
    with page.expect_download(timeout=60_000) as download:
        page.evaluate("() => { window.jupyterapp.commands.execute('docmanager:download'); }")
    download.value.save_as(submission)
    gradebook = tmp_path / "gradebook.csv"
    graded = subprocess.run(
        [sys.executable, "-m", "virtlab.cli", "grade", str(submission.parent), "-o", str(gradebook),
         "-j", "1", "-q"],
        cwd=tmp_path, check=False, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    (row,) = list(csv.DictReader(gradebook.open()))
    points = {q: float(row.get(q) or "nan") for q in (RIGHT_QUESTION, WRONG_QUESTION)}
    expected = {RIGHT_QUESTION: 1.0, WRONG_QUESTION: 0.0}  # what check() showed in the browser
    assert points == expected, (row.get("status"), row.get("message"), graded.stderr[-2000:])
    assert not problems.all(), problems.all()
    assert not fence.outside, fence.outside
