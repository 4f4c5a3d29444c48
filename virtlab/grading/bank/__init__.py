"""The question bank: one module per exercise, ``exNN.py``, holding that exercise's questions.

Declaring an exercise
---------------------
A module ``virtlab/grading/bank/exNN.py`` defines three names::

    from virtlab.answers import answer_hash
    from virtlab.grading.questions import (
        BugHunt, Classification, MultipleChoice, Number, StackRequirements,
        guest_oses, isolation_at_least, memory_fits, valid,
    )

    NOTEBOOK = "02-type1-hypervisors"        # solutions/<NOTEBOOK>.ipynb, exercises/<...>
    TITLE = "Type 1 hypervisors"
    QUESTIONS = [
        MultipleChoice(
            id="ex02-q1", points=1, section="KVM",
            prompt="Why does KVM count as Type 1?",
            options=("a", "b", "c", "d"),
            answer_hash="<answer_hash('ex02-q1', 'b')>",   # paste the hex digest, never 'b'
        ),
        StackRequirements(
            id="ex02-q4", points=3, section="The three-guest server",
            prompt="Build the three-guest server.",
            requirements=(valid(), type1_on_hardware(),
                          guest_oses("windows-10", "ubuntu", "centos"), memory_fits()),
        ),
        Number(id="ex02-q3", points=1, prompt="How many 8 GB VMs fit in 64 GB?", unit="VMs",
               answer_hash="<answer_hash('ex02-q3', 8)>"),
        Classification(id="ex02-q4", points=3, prompt="Sort the products.",
                       items=("kvm", "virtualbox", "docker"),
                       categories=("type 1", "type 2", "container engine"),
                       answer_hashes={...}),          # classification_hashes("ex02-q4", {...})
        BugHunt(id="ex02-q5", points=4, prompt="Fix the server.", original=broken_server,
                fix_sections={"vm-exceeds-host-cpus": "vCPU and vRAM"}),
    ]

``broken_server`` is a function in the same module that builds the broken stack the notebook
shows. Check a new exercise with ``virtlab grade solutions/NN-*.ipynb exercises/NN-*.ipynb -o
/tmp/gb.csv``: the solution must score full marks and the exercise zero, both with status ok.

Rules that keep grading fair and stable:

* ids are ``"exNN-..."``; NN is the lesson number used in feedback ("see lesson NN, section
  '<section>'"), so ``section`` must be a heading of that lesson.
* literal answers are stored only as hashes: ``answer_hash(qid, value)`` for multiple choice
  and exact numbers (``Number(answer_hash=answer_hash(qid, round(x, decimals)))``),
  ``answer_hash(f"{qid}:{item}", category)`` per item for :class:`Classification`
  (see :func:`classification_hashes`). Compute them once in a Python shell and paste the hex.
* stack questions list :class:`~virtlab.requirements.Requirement` objects (the same kind the
  lesson 07 scenarios use); the kit in :mod:`virtlab.requirements`, re-exported by
  :mod:`virtlab.grading.questions` (``valid``, ``memory_fits``, ``no_problem``, ``contains``,
  ``type1_on_hardware``, ``guest_oses``, ``every_vm``, ``isolation_at_least`` (directional:
  the attacker sits in the first workload; ``both_ways=True`` for peers), ``shares_kernel``,
  ``same_workloads_as``, ``same_hardware_as``) covers most needs; a custom one is
  ``Requirement("what is required", lambda stack: None if ok else "what is wrong")``.
* partial credit: a classification earns its share per item, a stack its share per met
  requirement (``weight`` sets the share), a bug hunt per part (valid, same workloads, same
  hardware, plus its extra requirements).
* in the notebook each answer cell ends with ``check("ex02-q1", answer)``; the solution's answer
  lives between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (see :mod:`virtlab.grading.assign`).

Hidden checks (``virtlab grade --hidden FILE``) use the same classes in a file that defines
``QUESTIONS``; a hidden question scores another question's recorded answer with
``answer_of="ex02-q4"`` and appears as its own gradebook column.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import pkgutil
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from virtlab.answers import answer_hash
from virtlab.grading.questions import Question

_PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id (``ex02``), notebook name, title and questions."""

    id: str
    notebook: str
    title: str
    questions: tuple[Question, ...]
    version: str

    @property
    def max_points(self) -> float:
        return float(sum(q.points for q in self.questions))

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


def classification_hashes(qid: str, answers: dict[str, str]) -> dict[str, str]:
    """The ``answer_hashes`` of a :class:`Classification`, for pasting into a bank module."""
    return {item: answer_hash(f"{qid}:{item}", category) for item, category in answers.items()}


def _digest(*paths: Path, extra: bytes = b"") -> str:
    sha = hashlib.sha256(extra)
    for path in paths:
        sha.update(path.read_bytes())
    return sha.hexdigest()[:12]


def _scoring_code() -> list[Path]:
    """Files whose change changes scores: the question kinds, hashing and encoding, and the
    model and data that stack and number questions are judged by."""
    grading = _PACKAGE_DIR.parent
    package = grading.parent
    model = (
        "answers",
        "catalog",
        "stack",
        "rules",
        "isolation",
        "overhead",
        "requirements",
        "scenarios",
        "hwvirt",
        "images",
        "escapes",
    )
    return [
        grading / "questions.py",
        grading / "encoding.py",
        *(package / f"{name}.py" for name in model),
        package / "data" / "measurements.json",
        package / "data" / "escapes.json",
    ]


def _from_module(module: ModuleType, exercise_id: str, path: Path) -> Exercise:
    questions = tuple(getattr(module, "QUESTIONS", ()))
    return Exercise(
        id=exercise_id,
        notebook=str(getattr(module, "NOTEBOOK", exercise_id)),
        title=str(getattr(module, "TITLE", exercise_id)),
        questions=questions,
        version=_digest(path, *_scoring_code()),
    )


@cache
def exercises() -> dict[str, Exercise]:
    """Every exercise in the bank, by id (``"ex02"``)."""
    found: dict[str, Exercise] = {}
    for info in sorted(pkgutil.iter_modules([str(_PACKAGE_DIR)]), key=lambda i: i.name):
        if re.fullmatch(r"ex\d+", info.name):
            module = importlib.import_module(f"{__name__}.{info.name}")
            found[info.name] = _from_module(module, info.name, _PACKAGE_DIR / f"{info.name}.py")
    return found


def exercise_of(qid: str) -> Exercise | None:
    """The exercise that owns question ``qid`` (by its ``exNN`` prefix)."""
    match = re.match(r"(ex\d+)-", qid)
    return exercises().get(match.group(1)) if match else None


def question(qid: str) -> Question | None:
    exercise = exercise_of(qid)
    return exercise.question(qid) if exercise else None


def exercise_for_notebook(name: str) -> Exercise | None:
    """The exercise whose notebook name appears in a file name (``alice_02-type1-...``)."""
    for exercise in exercises().values():
        if exercise.notebook in name:
            return exercise
    return None


def load_hidden(path: str | Path) -> tuple[tuple[Question, ...], str]:
    """Hidden questions from an instructor's file (``QUESTIONS = [...]``) and its digest."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--hidden {path}: no such file.")
    spec = importlib.util.spec_from_file_location("virtlab_hidden_checks", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"--hidden {path}: not a Python file.")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        raise ValueError(f"--hidden {path}: importing it failed: {err!r}") from err
    declared = getattr(module, "QUESTIONS", None)
    questions = tuple(declared) if isinstance(declared, (list, tuple)) else ()
    if not questions or not all(isinstance(q, Question) for q in questions):
        raise ValueError(
            f"--hidden {path}: define QUESTIONS = [...] with question objects from "
            "virtlab.grading.questions."
        )
    return questions, _digest(path)


def with_hidden(exercise: Exercise, hidden: tuple[Question, ...], digest: str) -> Exercise:
    """The exercise plus the hidden questions that belong to it (by id prefix)."""
    own = tuple(q for q in hidden if q.id.startswith(exercise.id + "-"))
    if not own:
        return exercise
    return Exercise(
        exercise.id,
        exercise.notebook,
        exercise.title,
        exercise.questions + own,
        f"{exercise.version}+{digest}",
    )


def describe(exercise: Exercise) -> list[dict[str, Any]]:
    """A plain listing of an exercise's questions (id, kind, points, prompt)."""
    return [
        {"id": q.id, "kind": type(q).__name__, "points": q.points, "prompt": q.prompt}
        for q in exercise.questions
    ]
