"""What the learner sees is what the grader gives, for every question of every exercise.

Each solution, and a variant with a wrong answer in every answer cell, is run as a learner runs
it (``check`` scores at once and shows its points); the saved notebook is then graded with
``virtlab grade``. For every question of the bank the points ``check()`` showed must equal the
gradebook's.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from virtlab.grading import bank
from virtlab.notebooks import execute

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
CHECK_CALL = re.compile(r"""^check\(\s*["'](ex\d+-q\d+)["']\s*,\s*answer\s*\)""", re.MULTILINE)
SHOWN = re.compile(r"^(ex\d+-q\d+): ([\d.]+)/([\d.]+) point", re.MULTILINE)

# Turns the right answer into a wrong one of the same type, inside the notebook, so that the
# learner's check() and the grader's re-run see the same wrong answer.
WRONG = """\
if isinstance(answer, str):
    answer = "a" if answer.strip().lower() != "a" else "b"
elif isinstance(answer, (int, float)) and not isinstance(answer, bool):
    answer = answer + 1
elif isinstance(answer, dict):
    _values = list(answer.values())
    answer = dict(zip(answer, _values[1:] + _values[:1]))
elif isinstance(answer, vl.Stack) and answer.workloads():
    answer.workloads()[-1].remove()
"""


def _wrong_variant(path: Path, target: Path) -> Path:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            head, call = cell.source.rsplit("check(", 1)
            cell.source = f"{head}{WRONG}check({call}"
    nbformat.write(nb, target)
    return target


def _shown_points(path: Path) -> dict[str, float]:
    shown: dict[str, float] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/plain", "") or out.get("text", "")
            for qid, points, _ in SHOWN.findall(text):
                shown[qid] = float(points)
    return shown


@pytest.fixture(scope="module")
def course_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict, dict]]:
    folder = tmp_path_factory.mktemp("see-equals-graded")
    runs: dict[str, Path] = {}
    for path in SOLUTIONS:
        for variant in ("solution", "wrong"):
            target = folder / "submissions" / f"{variant}-{path.stem}" / path.name
            target.parent.mkdir(parents=True)
            if variant == "solution":
                target.write_bytes(path.read_bytes())
            else:
                _wrong_variant(path, target)
            execute(target)  # as the learner runs it: check() shows its points
            runs[f"{variant}-{path.stem}"] = target
    done = subprocess.run(
        [sys.executable, "-m", "virtlab.cli", "grade", "submissions", "-o", "gb.csv", "-j", "2"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with open(folder / "gb.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    return {key: (_shown_points(path), rows[key]) for key, path in runs.items()}


CASES = [(v, p) for p in SOLUTIONS for v in ("solution", "wrong")]


@pytest.mark.parametrize("variant,path", CASES, ids=[f"{v}-{p.stem}" for v, p in CASES])
def test_points_check_shows_equal_points_the_grader_gives(course_runs, variant, path):
    shown, row = course_runs[f"{variant}-{path.stem}"]
    assert row["status"] == "ok", row["message"]
    exercise = bank.exercise_for_notebook(path.stem)
    assert exercise is not None
    for question in exercise.questions:
        assert question.id in shown, f"{question.id}: no check() output in the notebook"
        graded = float(row[question.id])
        assert shown[question.id] == graded, (
            f"{question.id}: check() showed {shown[question.id]:g}, the grader gave {graded:g}"
        )
    if variant == "wrong":
        assert float(row["total"]) < float(row["max"]), "the wrong answers scored full marks"
    else:
        assert float(row["total"]) == float(row["max"]), "the solution lost points"
