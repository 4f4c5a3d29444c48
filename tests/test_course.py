"""The course as a whole: lesson structure, self-checks, tags, and grading of every exercise.

nbval (``make notebooks-test``) proves the notebooks run and their text outputs are current;
these tests prove the course is *shaped* right: each lesson has its objectives, summary,
exercise pointer, widgets, figures and 2-4 self-checks that resolve; output is ignored only
where it must be; every solution scores full marks through ``virtlab grade``, every untouched
exercise scores zero, and ``exercises/`` is what ``virtlab assign`` makes of ``solutions/``.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from virtlab import selfchecks
from virtlab.grading import bank

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
# tests/grading/test_grade_sample.py already grades the sample exercise end to end.
GRADED_ELSEWHERE = {"02-type1-hypervisors"}

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
IGNORE_TAG = "nbval-ignore-output"
QUIZ_CALL = re.compile(r"""\bquiz\(\s*["']([^"']+)["']\s*\)""")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _number(path: Path) -> int:
    return int(path.name[:2])


def _markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _headings(nb: nbformat.NotebookNode) -> list[str]:
    """Every heading's text, without a leading section number ("3. ", "3 · ")."""
    found = re.findall(r"^#{1,6}\s+(.+?)\s*$", _markdown(nb), flags=re.MULTILINE)
    return [re.sub(r"^\d+\s*[.):·]?\s+", "", heading) for heading in found]


def _mimes(cell: nbformat.NotebookNode) -> set[str]:
    return {mime for out in cell.get("outputs", []) for mime in out.get("data", {})}


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


# --------------------------------------------------------------------------- lesson structure
def test_the_course_has_lessons():
    assert LESSONS, "no lessons/*.ipynb found"
    assert _number(LESSONS[0]) == 0, "the course starts with lessons/00-welcome.ipynb"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_has_title_objectives_summary_and_next_step(path: Path):
    nb = _read(path)
    first = nb.cells[0]
    title = first.source.splitlines()[0] if first.cell_type == "markdown" else ""
    assert title.startswith("# ") and path.name[:2] in title, "the first cell is the title"
    text = _markdown(nb)
    assert "You will be able to" in text, "objectives ('You will be able to') at the top"
    assert "Summary" in _headings(nb), "a '## Summary' section"
    number = _number(path)
    if number == 0:
        assert "01-abstraction.ipynb" in text, "lesson 00 points to lesson 01"
    else:
        assert f"exercises/{path.name}" in text, f"a pointer to exercises/{path.name}"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_starts_by_importing_virtlab(path: Path):
    code = [c for c in _read(path).cells if c.cell_type == "code"]
    assert code and code[0].source.startswith("import virtlab as vl")


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_shows_widgets_and_figures(path: Path):
    mimes = set().union(*(_mimes(c) for c in _read(path).cells))
    assert WIDGET_MIME in mimes, "no widget output: is the lesson executed?"
    if _number(path) >= 1:
        assert PLOTLY_MIME in mimes, "no plotly figure output from lesson 01 on"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_has_two_to_four_self_checks_that_resolve(path: Path):
    code = "\n".join(c.source for c in _read(path).cells if c.cell_type == "code")
    qids = QUIZ_CALL.findall(code)
    assert 2 <= len(qids) <= 4, f"{len(qids)} self-checks; a lesson has 2 to 4"
    assert len(set(qids)) == len(qids), "a self-check is shown twice"
    for qid in qids:
        assert qid.startswith(f"l{path.name[:2]}-"), f"{qid} belongs to another lesson"
        selfchecks.definition(qid)  # raises for an unknown id


# --------------------------------------------------------------------------- self-checks
@pytest.mark.parametrize("qid", selfchecks.known_qids())
def test_self_check_is_well_formed_and_answerable(qid: str):
    assert selfchecks.problems(qid) == []


def test_every_self_check_is_used_by_its_lesson():
    used = set()
    for path in LESSONS:
        code = "\n".join(c.source for c in _read(path).cells if c.cell_type == "code")
        used.update(QUIZ_CALL.findall(code))
    assert set(selfchecks.known_qids()) <= used, "self-checks that no lesson shows"


def test_unknown_self_check_names_the_known_ones():
    with pytest.raises(selfchecks.UnknownCheckError, match="Known self-checks: l00-"):
        selfchecks.quiz("l01-no-such-check")
    with pytest.raises(selfchecks.UnknownCheckError, match="ids look like 'l02-overcommit'"):
        selfchecks.definition("overcommit")


def test_self_check_is_correct_only_for_its_answer():
    qid = selfchecks.known_qids()[0]
    options = selfchecks.definition(qid)["options"]
    verdicts = [selfchecks.is_correct(qid, option) for option in options]
    assert verdicts.count(True) == 1


# --------------------------------------------------------------------------- shown answers
ANSWER_BLOCK = re.compile(
    r"<summary>Show an answer</summary>.*?```python\n(.*?)```.*?</details>", re.DOTALL
)


def _shown_answer_code() -> list[tuple[str, str]]:
    """(``lesson cell-id``, code) of every Python block inside a "Show an answer" block."""
    found = []
    for path in LESSONS:
        for cell in _read(path).cells:
            if cell.cell_type == "markdown":
                for code in ANSWER_BLOCK.findall(cell.source):
                    found.append((f"{path.stem} {cell.get('id')}", code))
    return found


@pytest.mark.parametrize(
    "where,code", _shown_answer_code(), ids=[w for w, _ in _shown_answer_code()]
)
def test_a_shown_answer_builds_a_stack_with_no_problems(where: str, code: str):
    """A "Show an answer" block is what a stuck learner copies: it must clear every warning."""
    import virtlab as vl
    from virtlab.stack import Node

    namespace: dict = {"vl": vl}
    exec(code, namespace)  # noqa: S102 - the course's own answer text
    machines = [v for v in namespace.values() if isinstance(v, Node) and v.kind == "hardware"]
    assert machines, f"{where}: the answer builds no vl.Hardware"
    problems = vl.Stack(*machines).validate()
    assert problems == [], f"{where}: the shown answer still reports {problems}"


# --------------------------------------------------------------------------- outputs and tags
@pytest.mark.parametrize("path", LESSONS + SOLUTIONS, ids=_ids(LESSONS + SOLUTIONS))
def test_output_is_ignored_exactly_on_widget_and_figure_cells(path: Path):
    for index, cell in enumerate(_read(path).cells):
        if cell.cell_type != "code":
            continue
        ignored = IGNORE_TAG in cell.metadata.get("tags", [])
        rich = bool(_mimes(cell) & {WIDGET_MIME, PLOTLY_MIME})
        where = f"cell {index}: {cell.source.splitlines()[0] if cell.source else ''!r}"
        if ignored:
            assert rich, f"{where} is tagged {IGNORE_TAG} but shows no widget or figure"
            kinds = {out.output_type for out in cell.outputs}
            assert kinds <= {"execute_result", "display_data"}, f"{where} also prints text"
        else:
            assert not rich, f"{where} shows a widget or figure: tag it {IGNORE_TAG}"


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS, ids=_ids(LESSONS + SOLUTIONS))
def test_committed_notebook_is_executed_without_errors(path: Path):
    cells = [c for c in _read(path).cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in cells if c.source.strip()), "not executed"
    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert not errors, f"error output: {errors[0].get('ename')}: {errors[0].get('evalue')}"


# --------------------------------------------------------------------------- exercise feedback
def _sections(exercise: bank.Exercise) -> set[str]:
    found = set()
    for question in exercise.questions:
        found.add(question.section)
        for requirement in getattr(question, "requirements", ()):
            found.add(requirement.section)
        found.update(getattr(question, "fix_sections", {}).values())
    return found - {""}


@pytest.mark.parametrize("exercise_id", sorted(bank.exercises()))
def test_feedback_points_to_sections_that_exist(exercise_id: str):
    exercise = bank.exercises()[exercise_id]
    lesson = ROOT / "lessons" / f"{exercise.notebook}.ipynb"
    assert lesson.exists(), f"{exercise_id} belongs to {lesson.name}, which does not exist"
    missing = sorted(_sections(exercise) - set(_headings(_read(lesson))))
    assert not missing, f"feedback of {exercise_id} names sections {lesson.name} lacks: {missing}"


# --------------------------------------------------------------------------- grading
def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the xdist workers of this run share, so the batch is graded once."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _grade_course(folder: Path) -> dict[str, dict[str, str]]:
    submissions = folder / "submissions"
    for kind, paths in (("solution", SOLUTIONS), ("exercise", EXERCISES)):
        for path in paths:
            if path.stem not in GRADED_ELSEWHERE:
                target = submissions / f"{kind}-{path.stem}" / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
    done = subprocess.run(
        [sys.executable, "-m", "virtlab.cli", "grade", "submissions", "-o", "gb.csv", "-j", "2"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with open(folder / "gb.csv", newline="", encoding="utf-8") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="session")
def gradebook(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    folder = _shared_dir(tmp_path_factory) / "course-grading"
    folder.mkdir(parents=True, exist_ok=True)
    result = folder / "rows.json"
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            result.write_text(json.dumps(_grade_course(folder)), encoding="utf-8")
    return json.loads(result.read_text(encoding="utf-8"))


GRADED_SOLUTIONS = [p for p in SOLUTIONS if p.stem not in GRADED_ELSEWHERE]
GRADED_EXERCISES = [p for p in EXERCISES if p.stem not in GRADED_ELSEWHERE]


@pytest.mark.parametrize("path", GRADED_SOLUTIONS, ids=_ids(GRADED_SOLUTIONS))
def test_solution_scores_full_marks(gradebook, path: Path):
    row = gradebook[f"solution-{path.stem}"]
    assert row["status"] == "ok", row["message"]
    assert float(row["max"]) > 0
    assert float(row["total"]) == float(row["max"]), row


@pytest.mark.parametrize("path", GRADED_EXERCISES, ids=_ids(GRADED_EXERCISES))
def test_untouched_exercise_scores_zero(gradebook, path: Path):
    row = gradebook[f"exercise-{path.stem}"]
    assert (row["status"], row["message"]) == ("ok", ""), row
    assert float(row["total"]) == 0.0 < float(row["max"])


def test_every_solution_has_its_exercise_and_bank_entry():
    assert _ids(SOLUTIONS) == _ids(EXERCISES)
    notebooks = {exercise.notebook for exercise in bank.exercises().values()}
    assert set(_ids(SOLUTIONS)) <= notebooks, "a solution without questions in the bank"


def test_exercises_are_generated_from_solutions():
    done = subprocess.run(
        [sys.executable, "-m", "virtlab.cli", "assign", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --------------------------------------------------------------------------- make notebooks
def _tiny(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(s) for s in sources],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    nbformat.write(nb, path)
    return path


def test_execute_saves_outputs_without_run_specific_metadata(tmp_path: Path):
    from virtlab.notebooks import execute

    path = _tiny(tmp_path / "ok.ipynb", "import os; print(os.path.basename(os.getcwd()))")
    assert execute(path) > 0
    cell = nbformat.read(path, as_version=4).cells[0]
    assert cell.outputs[0].text == f"{tmp_path.name}\n", "runs in the notebook's own folder"
    assert "execution" not in cell.metadata


def test_failing_notebook_is_reported_and_left_unchanged(tmp_path: Path, capsys):
    from virtlab.notebooks import main

    path = _tiny(tmp_path / "broken.ipynb", "print('fine')", "1 / 0")
    before = path.read_bytes()
    assert main([str(path), "--no-assign"]) == 1
    out, err = capsys.readouterr()
    assert "FAILED" in out and "ZeroDivisionError" in err
    assert path.read_bytes() == before
