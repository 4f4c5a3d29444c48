"""The example hidden-question file in solutions/hidden/ loads and grades as its docstring says."""

from __future__ import annotations

from pathlib import Path

import virtlab as vl
from virtlab.grading import bank
from virtlab.grading.key import solved_questions

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
EXAMPLE = SOLUTIONS / "hidden" / "hidden-example.py"


def _solution_answer(qid: str) -> vl.Stack:
    """The stack the solution notebook builds for ``qid`` (trusted instructor code)."""
    exercise = bank.exercise_of(qid)
    code = solved_questions(SOLUTIONS / f"{exercise.notebook}.ipynb")[qid].code
    namespace: dict = {"vl": vl}
    exec(code, namespace)
    return namespace["answer"]


def _scores(stack: vl.Stack) -> dict[str, float]:
    questions, _ = bank.load_hidden(EXAMPLE)
    return {q.id: q.score(stack).points for q in questions}


def test_every_hidden_question_scores_a_visible_question_of_its_exercise():
    questions, digest = bank.load_hidden(EXAMPLE)
    assert questions and digest
    for q in questions:
        assert q.answer_of and bank.question(q.answer_of), q.id
        assert q.id.split("-")[0] == q.answer_of.split("-")[0], q.id
        assert bank.question(q.id) is None, f"{q.id} clashes with a bank question"


def test_the_solution_earns_every_hidden_point():
    questions, digest = bank.load_hidden(EXAMPLE)
    stack = _solution_answer("ex02-q5")
    assert _scores(stack) == {q.id: float(q.points) for q in questions}
    extended = bank.with_hidden(bank.exercises()["ex02"], questions, digest)
    assert extended.max_points == bank.exercises()["ex02"].max_points + len(questions)


def test_hidden_questions_catch_what_they_say():
    server = vl.Hardware(cores=4, memory_gb=64)
    hypervisor = server.install("esxi")
    for guest in ("windows-10", "ubuntu", "centos"):
        hypervisor.create_vm(guest, vcpus=4, memory_gb=8)
    assert _scores(vl.Stack(server)) == {"ex02-h1": 0.0, "ex02-h2": 1.0}

    first, second = vl.Hardware(cores=16, memory_gb=64), vl.Hardware(cores=16, memory_gb=64)
    first.install("esxi").create_vm("ubuntu", vcpus=2, memory_gb=8)
    second.install("esxi").create_vm("centos", vcpus=2, memory_gb=8)
    assert _scores(vl.Stack(first, second)) == {"ex02-h1": 1.0, "ex02-h2": 0.0}
