"""The points and counts the exercise notebooks state in prose agree with the question bank.

The bank is the only place points are kept. A notebook's "(**18 points** in all)", "Six graded
questions" and "## Question 3 — ... (5 points, ...)" are prose a learner reads, so each is
checked here against the bank: adding or re-weighting a question fails this test, naming the
sentence to update, instead of leaving the notebook saying something false.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from virtlab.grading import bank
from virtlab.grading.key import solved_questions
from virtlab.grading.nbio import nbformat

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)
EXERCISES = list(bank.exercises().values())


def _intro(exercise: bank.Exercise) -> str:
    nb = nbformat.read(SOLUTIONS / f"{exercise.notebook}.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_the_stated_total_is_the_banks(exercise):
    stated = re.search(r"\*\*(\d+(?:\.\d+)?) points\*\* in all", _intro(exercise))
    assert stated, f"{exercise.notebook}: the intro should say '(**N points** in all)'"
    assert float(stated.group(1)) == exercise.max_points, (
        f"{exercise.notebook}: the intro says {stated.group(1)} points in all, the bank gives "
        f"{exercise.max_points:g}"
    )


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_the_stated_number_of_questions_is_the_banks(exercise):
    stated = re.search(r"\b(\w+) graded questions\b", _intro(exercise))
    assert stated, f"{exercise.notebook}: the intro should say 'N graded questions'"
    word = NUMBER_WORDS[len(exercise.questions)]
    assert stated.group(1).lower() == word, (
        f"{exercise.notebook}: the intro says '{stated.group(1)} graded questions', the bank "
        f"has {word}"
    )


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_each_question_heading_states_the_banks_points(exercise):
    solved = solved_questions(SOLUTIONS / f"{exercise.notebook}.ipynb")
    for number, question in enumerate(exercise.questions, start=1):
        heading = solved[question.id].question_text.strip().split("\n", 1)[0]
        match = re.match(r"## Question (\d+) — .*\((\d+(?:\.\d+)?) points?\b", heading)
        assert match, f"{question.id}: heading {heading!r} should end '(N point(s) ...)'"
        assert int(match.group(1)) == number, f"{question.id}: heading {heading!r} numbered"
        assert float(match.group(2)) == question.points, (
            f"{question.id}: heading {heading!r} states {match.group(2)} points, the bank "
            f"gives {question.points:g}"
        )
