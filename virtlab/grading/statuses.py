"""Every status the grading code gives, defined once.

* :class:`Status` — a gradebook row's ``status``. The order of the members is their precedence:
  when several apply to one submission, the first one listed wins (:meth:`Status.worst`).
* :class:`Verdict` — what one answer earned (``check()``'s headline, the feedback files).

Both are ``str`` enums, so a status is written, compared and serialised as its plain text
(``"output-limit"``). This module imports only :mod:`enum`: it runs in every student kernel.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class _Text(str, Enum):
    def __str__(self) -> str:  # "ok", not "Status.OK", in f-strings and CSV files
        return self.value

    @property
    def description(self) -> str:
        return _DESCRIPTIONS.get(self.value, "")


class Status(_Text):
    """A gradebook row's status; earlier members take precedence over later ones."""

    GRADER_ERROR = "grader-error"
    INVALID_NOTEBOOK = "invalid-notebook"
    UNKNOWN_EXERCISE = "unknown-exercise"
    EMPTY_NOTEBOOK = "empty-notebook"
    NO_SUBMISSION = "no-submission"
    KERNEL_DIED = "kernel-died"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory-limit"
    OUTPUT_LIMIT = "output-limit"
    KERNEL_ERROR = "kernel-error"
    TAMPERED = "tampered"
    EXITED = "exited"
    CELL_ERRORS = "cell-errors"
    MISSING_ANSWERS = "missing-answers"
    INVALID_ANSWERS = "invalid-answers"
    DUPLICATE = "duplicate"
    NAME_COLLISION = "name-collision"
    UNKNOWN_STUDENT = "unknown-student"
    OK = "ok"

    @property
    def precedence(self) -> int:
        """0 for the status that wins over every other."""
        return _ORDER[self]

    @classmethod
    def worst(cls, statuses: Iterable[Status]) -> Status:
        """The status that wins among ``statuses`` (``OK`` when there is none)."""
        return min(statuses, key=lambda s: _ORDER[s], default=cls.OK)

    @classmethod
    def parse(cls, text: str) -> Status | None:
        """The status named ``text`` (as read back from a gradebook), or None."""
        try:
            return cls(text)
        except ValueError:
            return None


class Verdict(_Text):
    """What one answer earned."""

    CORRECT = "correct"
    PARTIAL = "partial"
    WRONG = "wrong"
    UNANSWERED = "not answered"
    INVALID = "invalid answer"
    UNKNOWN_QUESTION = "unknown question"
    RECORDED = "recorded"


_ORDER = {status: index for index, status in enumerate(Status)}

_DESCRIPTIONS = {
    "grader-error": "the grader itself failed on this submission (a bug: please report it)",
    "invalid-notebook": "not a notebook: corrupt JSON, another file type, an unreadable format",
    "unknown-exercise": "the notebook matches no exercise of the question bank",
    "empty-notebook": "the notebook has no code cells",
    "no-submission": "a student of --roster (or an empty student folder) handed nothing in",
    "kernel-died": "the kernel crashed or exited (os._exit, segfault, killed)",
    "timeout": "a cell ran past --timeout, or the notebook past --notebook-timeout",
    "memory-limit": "a cell ran into --memory-mb (MemoryError)",
    "output-limit": "cells printed more than --output-limit characters; stopped there",
    "kernel-error": "the kernel's own machinery failed (an exception in one of its threads, "
    "lost output); the row's message quotes the kernel's log",
    "tampered": "answer records not written by check(), or check / virtlab redefined: only "
    "genuine records count; review the submission",
    "exited": "a cell called sys.exit(); the kernel went on and later cells still count",
    "cell-errors": "some cells raised; answers recorded elsewhere still count",
    "missing-answers": "a question has no recorded answer: check cell deleted, edited or never run",
    "invalid-answers": "an answer had the wrong type (e.g. a list where a stack was expected)",
    "name-collision": "two different submissions would share one feedback file name; each "
    "got its own file, named in the message",
    "unknown-student": "graded, but the student is not in --roster, or neither the file name "
    "nor its folder names a student",
    "duplicate": "the same student handed in this exercise more than once (all rows graded)",
    "ok": "every cell ran; points as scored",
    "correct": "full points",
    "partial": "some of the points",
    "wrong": "no points",
    "not answered": "the answer is still ...",
    "invalid answer": "the answer has the wrong type",
    "unknown question": "no question has this id",
    "recorded": "recorded for the grader (grading mode)",
}
