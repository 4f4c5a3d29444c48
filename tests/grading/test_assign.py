"""``virtlab assign``: solution regions become placeholders, byte for byte deterministic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from grading_helpers import EXERCISE, ROOT, SOLUTION

from virtlab.cli import main
from virtlab.grading.assign import SolutionMarkerError, strip_solutions


def test_region_assigning_answer_becomes_answer_placeholder():
    source = (
        "### BEGIN SOLUTION\nhw = vl.Hardware()\nanswer = vl.Stack(hw)\n### END SOLUTION\n"
        'check("ex02-q5", answer)'
    )
    assert strip_solutions(source) == 'answer = ...\ncheck("ex02-q5", answer)'


def test_indentation_is_kept_and_plain_regions_become_ellipsis():
    source = "def build():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    assert strip_solutions(source) == "def build():\n    ...\n"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without a ### BEGIN SOLUTION"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n", "inside another one"),
    ],
)
def test_broken_markers_are_named(source, message):
    with pytest.raises(SolutionMarkerError, match=message):
        strip_solutions(source, "demo.ipynb, cell 3")


def test_exercise_holds_no_solution_and_no_outputs():
    text = EXERCISE.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and '"outputs": []' in text
    assert '"execution_count": null' in text and "vcpus=4" not in text
    assert '"exercise": "ex02"' in text


def test_assign_is_deterministic_and_check_names_stale_files(tmp_path: Path, capsys):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    shutil.copy(SOLUTION, solutions)
    args = ["assign", "--solutions", str(solutions), "--exercises", str(exercises)]
    assert main(args + ["--check"]) == 1
    assert "02-type1-hypervisors.ipynb missing" in capsys.readouterr().err
    assert main(args) == 0
    first = (exercises / SOLUTION.name).read_bytes()
    assert first == EXERCISE.read_bytes()
    assert main(args) == 0 and (exercises / SOLUTION.name).read_bytes() == first
    (exercises / SOLUTION.name).write_bytes(first.replace(b"Question 1", b"Question one"))
    (exercises / "99-orphan.ipynb").write_text("{}")
    assert main(args + ["--check"]) == 1
    err = capsys.readouterr().err
    assert "02-type1-hypervisors.ipynb differs from its solution" in err
    assert "99-orphan.ipynb has no solution" in err


def test_missing_solutions_folder_is_a_usage_error(tmp_path: Path, capsys):
    assert main(["assign", "--solutions", str(tmp_path / "none")]) == 2
    assert "No solutions folder" in capsys.readouterr().err


def test_course_root_has_the_sample():
    assert (ROOT / "solutions" / SOLUTION.name).exists()
