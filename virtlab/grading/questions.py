"""Question kinds and the scores they give: one small dataclass per kind.

Every question turns a learner's answer into a :class:`Score`: points, the most points, and
feedback lines that say what is wrong and where to look in the lesson, never the expected
answer. Literal answers (multiple choice, classification, exact numbers) are stored as salted
hashes (:mod:`virtlab.answers`); stacks are judged by the model's own rules and analyses through
:class:`Requirement` objects, so every correct stack passes. See :mod:`virtlab.grading.bank`
for how an exercise declares its questions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from virtlab.answers import matches
from virtlab.grading.encoding import StackData, Unanswered, Unsupported
from virtlab.grading.statuses import Verdict
from virtlab.requirements import (  # noqa: F401 - the bank's kit, re-exported
    Requirement,
    contains,
    every_vm,
    guest_oses,
    isolation_at_least,
    memory_fits,
    no_problem,
    same_hardware_as,
    same_workloads_as,
    shares_kernel,
    type1_on_hardware,
    valid,
)

# short names for the verdicts the question kinds give (defined in virtlab.grading.statuses)
CORRECT, PARTIAL, WRONG, UNANSWERED_STATUS, INVALID = (
    Verdict.CORRECT,
    Verdict.PARTIAL,
    Verdict.WRONG,
    Verdict.UNANSWERED,
    Verdict.INVALID,
)


@dataclass(frozen=True)
class Score:
    """What one answer earned, and why."""

    qid: str
    points: float
    max_points: float
    status: Verdict
    feedback: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return f"{self.qid}: {self.points:g}/{self.max_points:g} point(s), {self.status}"


def _where(qid: str, section: str) -> str:
    lesson = re.match(r"ex(\d+)", qid)
    number = lesson.group(1) if lesson else "?"
    if section:
        return f"see lesson {number}, section '{section}'"
    return f"see lesson {number}"


@dataclass(frozen=True, kw_only=True)
class Question:
    """The common part of every question.

    ``id`` is ``"exNN-..."`` (NN = the lesson the exercise belongs to, used in "see lesson NN").
    ``section`` names the lesson section that teaches it. ``answer_of`` lets a hidden question
    score the answer recorded for another question id.
    """

    id: str
    points: float
    prompt: str
    section: str = ""
    answer_of: str | None = None

    @property
    def source_qid(self) -> str:
        return self.answer_of or self.id

    @property
    def where(self) -> str:
        return _where(self.id, self.section)

    def score(self, value: Any) -> Score:
        if isinstance(value, Unanswered) or value is Ellipsis:
            return self._result(
                0, UNANSWERED_STATUS, "Not answered yet: replace ... with your answer."
            )
        if isinstance(value, Unsupported):
            return self._invalid(f"{self.expects}; got {value.type_name}.")
        return self._score(value)

    # ----------------------------------------------------------------- for subclasses
    expects = "an answer"

    def _score(self, value: Any) -> Score:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    def _result(self, points: float, status: Verdict, *feedback: str) -> Score:
        return Score(self.id, round(points, 2), float(self.points), status, tuple(feedback))

    def _invalid(self, message: str) -> Score:
        return self._result(0, INVALID, f"Invalid answer: {message}")

    def _fraction(self, got: float, total: float, feedback: list[str]) -> Score:
        fraction = got / total if total else 0.0
        status = CORRECT if fraction >= 1 else PARTIAL if fraction > 0 else WRONG
        if status == CORRECT:
            feedback = ["Correct.", *feedback]
        return self._result(self.points * fraction, status, *feedback)


# --------------------------------------------------------------------------- literal answers
@dataclass(frozen=True, kw_only=True)
class MultipleChoice(Question):
    """Pick one option. ``answer_hash = answer_hash(id, "b")``; ``options`` are the keys."""

    options: tuple[str, ...]
    answer_hash: str
    hints: dict[str, str] = field(default_factory=dict)

    @property
    def expects(self) -> str:
        return "expected one of " + ", ".join(repr(o) for o in self.options)

    def _score(self, value: Any) -> Score:
        if not isinstance(value, str) or value.strip().lower() not in self.options:
            return self._invalid(f"{self.expects}; got {value!r}.")
        choice = value.strip().lower()
        if matches(self.id, choice, self.answer_hash):
            return self._result(self.points, CORRECT, "Correct.")
        hint = self.hints.get(choice, "Not this one.")
        return self._result(0, WRONG, f"{hint} Re-read it: {self.where}.")


@dataclass(frozen=True, kw_only=True)
class Classification(Question):
    """Sort each item into a category; partial credit per item.

    ``answer_hashes[item] = answer_hash(f"{id}:{item}", category)``. The answer is a dict
    ``{item: category}``. Feedback names the items in the wrong category, not where they go
    (with only two categories it gives their number, since naming them would give the answer).
    """

    items: tuple[str, ...]
    categories: tuple[str, ...]
    answer_hashes: dict[str, str]
    item_names: dict[str, str] = field(default_factory=dict)

    expects = "expected a dict {item: category}"

    def _score(self, value: Any) -> Score:
        if not isinstance(value, dict):
            return self._invalid(f"{self.expects}; got {type(value).__name__}.")
        given = {str(k).strip().lower(): v for k, v in value.items()}
        feedback: list[str] = []
        unknown = sorted(set(given) - set(self.items))
        if unknown:
            feedback.append(f"Not items of this question (ignored): {', '.join(unknown)}.")
        missing, odd, wrong, right = [], [], [], 0
        for item in self.items:
            category = given.get(item)
            name = self.item_names.get(item, item)
            if category is None or category is Ellipsis or isinstance(category, Unanswered):
                missing.append(name)
            elif not isinstance(category, str) or category.strip().lower() not in self.categories:
                odd.append(f"{name} ({category!r})")
            elif matches(f"{self.id}:{item}", category.strip().lower(), self.answer_hashes[item]):
                right += 1
            else:
                wrong.append(name)
        if missing:
            feedback.append(f"Not classified yet: {', '.join(missing)}.")
        if odd:
            choices = ", ".join(repr(c) for c in self.categories)
            feedback.append(f"Unknown category for {', '.join(odd)}; use one of {choices}.")
        if wrong and len(self.categories) <= 2:
            # with two categories, naming a misplaced item would name its right category
            count = "1 item is" if len(wrong) == 1 else f"{len(wrong)} items are"
            feedback.append(f"{count} in the wrong category; {self.where}.")
        elif wrong:
            feedback.append(f"In the wrong category: {', '.join(wrong)}; {self.where}.")
        return self._fraction(right, len(self.items), feedback)


_UNITS = {
    "b": ("bytes", 1 / 1024**3),
    "kb": ("bytes", 1 / 1024**2),
    "mb": ("bytes", 1 / 1024),
    "gb": ("bytes", 1.0),
    "tb": ("bytes", 1024.0),
    "ms": ("time", 1 / 1000),
    "s": ("time", 1.0),
    "%": ("ratio", 1 / 100),
}


def _parse_quantity(value: Any, unit: str) -> tuple[float | None, str | None]:
    """A number in ``unit`` from ``8``, ``8.0`` or ``"8 GB"``; else an error message."""
    if isinstance(value, bool):
        return None, "expected a number, got True/False"
    if isinstance(value, (int, float)):
        return float(value), None
    if isinstance(value, str):
        match = re.fullmatch(r"\s*([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*([A-Za-z%:]*)\s*", value)
        if not match:
            return None, f"expected a number, got the text {value!r}"
        number, given = float(match.group(1)), match.group(2).lower()
        want = unit.lower()
        if not given or given == want or not unit:
            return number, None
        if given in _UNITS and want in _UNITS and _UNITS[given][0] == _UNITS[want][0]:
            return number * _UNITS[given][1] / _UNITS[want][1], None
        return None, f"expected a value in {unit}, got one in {match.group(2)!r}"
    return None, f"expected a number, got {type(value).__name__}"


@dataclass(frozen=True, kw_only=True)
class Number(Question):
    """A number, optionally with a unit (``"8 GB"`` and ``8`` both work when ``unit="GB"``).

    Give either ``answer_hash = answer_hash(id, round(x, decimals))`` (exact to ``decimals``
    places; keeps the answer unreadable) or ``expected`` with an absolute ``tolerance`` (for
    values computed from the model or data).
    """

    unit: str = ""
    answer_hash: str | None = None
    decimals: int = 0
    expected: float | Callable[[], float] | None = None
    tolerance: float = 0.0

    @property
    def expects(self) -> str:
        return f"expected a number{' in ' + self.unit if self.unit else ''}"

    def _score(self, value: Any) -> Score:
        number, error = _parse_quantity(value, self.unit)
        if error or number is None:
            return self._invalid(f"{error}.")
        if self.answer_hash is not None:
            ok = matches(self.id, round(number, self.decimals), self.answer_hash)
        else:
            expected = self.expected() if callable(self.expected) else self.expected
            ok = expected is not None and abs(number - float(expected)) <= self.tolerance
        if ok:
            return self._result(self.points, CORRECT, "Correct.")
        return self._result(0, WRONG, f"{self._quantity(number)} is not it; {self.where}.")

    def _quantity(self, number: float) -> str:
        """``"3 kernels"``, ``"1 kernel"``, ``"6"``: the number as the learner would say it."""
        if not self.unit:
            return f"{number:g}"
        unit = self.unit
        # Units such as "kernels" or "VMs" are plural nouns; "GB" or "%" are not.
        if number == 1 and unit.isalpha() and unit.endswith("s") and not unit.isupper():
            unit = unit[:-1]
        return f"{number:g} {unit}"


# --------------------------------------------------------------------------- stacks
def _rebuild(value: Any) -> tuple[Any, str | None]:
    from virtlab.stack import Stack

    if isinstance(value, Stack):
        return value, None
    if not isinstance(value, StackData):
        return None, f"expected a vl.Stack, got {type(value).__name__}"
    try:
        return Stack.from_dict(value.data), None
    except ValueError as err:
        return None, f"the stack could not be rebuilt: {err}"


@dataclass(frozen=True, kw_only=True)
class StackRequirements(Question):
    """Build a stack that meets every requirement; each met requirement earns its share."""

    requirements: tuple[Requirement, ...]

    expects = "expected a vl.Stack"

    def _score(self, value: Any) -> Score:
        stack, error = _rebuild(value)
        if error:
            return self._invalid(f"{error}.")
        return self._judge(stack, self.requirements)

    def _judge(self, stack: Any, requirements: Sequence[Requirement]) -> Score:
        total = sum(r.weight for r in requirements)
        got, feedback = 0.0, []
        for req in requirements:
            problem = req.problem(stack)
            if problem is None:
                got += req.weight
                feedback.append(f"✓ {req.text}")
            else:
                where = _where(self.id, req.section or self.section)
                hint = f" Hint: {req.hint}" if req.hint else ""
                feedback.append(f"✗ {req.text}: {problem} ({where}).{hint}")
        return self._fraction(got, total, feedback)


@dataclass(frozen=True, kw_only=True)
class BugHunt(StackRequirements):
    """Fix a given stack: the fix must be valid AND keep what the original meant.

    ``original`` builds the broken stack shown to the learner; ``fix_sections`` maps an error
    code to the lesson section that explains it. The parts: one per error code
    the original has ("fixes the 'type1-on-os' error"), no error left at all, and what must be
    kept: by default the same workloads (:func:`same_workloads_as`) and the same physical
    hosts (:func:`same_hardware_as`), plus ``requirements``. Fixes earn points only once
    everything to keep is kept, so replacing the stack with an unrelated valid one earns little.
    """

    original: Callable[[], Any]
    requirements: tuple[Requirement, ...] = ()
    keep_workloads: bool = True
    keep_hardware: bool = True
    fix_sections: dict[str, str] = field(default_factory=dict)

    def _score(self, value: Any) -> Score:
        stack, error = _rebuild(value)
        if error:
            return self._invalid(f"{error}.")
        original = self.original()
        if stack.to_dict() == original.to_dict():
            return self._result(
                0,
                WRONG,
                "This is still the original stack: run validate() on it and fix what it "
                f"reports; {self.where}.",
            )
        keep = []
        if self.keep_workloads:
            keep.append(same_workloads_as(self.original))
        if self.keep_hardware:
            keep.append(same_hardware_as(self.original))
        keep.extend(self.requirements)
        broken = sorted({p.code for p in original.validate() if p.severity == "error"})
        fixes = [
            no_problem(code, f"fixes the {code!r} error", section=self.fix_sections.get(code, ""))
            for code in broken
        ]
        fixes.append(valid())
        kept = self._judge(stack, keep)
        if kept.status != CORRECT:
            got = sum(r.weight for r in keep) * kept.points / kept.max_points
            lines = [line for line in kept.feedback if line != "Correct."]
            # name the unmet requirements themselves: the fault may be memory, not a lost part
            unmet = [r.text for r in keep if r.problem(stack) is not None]
            lines.append(f"The error fixes count only once these are met too: {'; '.join(unmet)}.")
            return self._fraction(got, sum(r.weight for r in (*keep, *fixes)), lines)
        return self._judge(stack, [*fixes, *keep])
