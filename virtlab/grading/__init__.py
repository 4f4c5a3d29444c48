"""Grading: inline checks for learners, exercises generated from solutions, a batch grader.

* ``from virtlab.grading import check`` — ``check("ex02-q1", answer)`` in an exercise
  (:mod:`virtlab.grading.inline`).
* questions are declared per exercise in :mod:`virtlab.grading.bank` with the kinds of
  :mod:`virtlab.grading.questions`.
* ``virtlab assign`` — :mod:`virtlab.grading.assign`; ``virtlab grade`` —
  :mod:`virtlab.grading.batch` (exit codes and statuses are documented there).

Importing this package stays light (no nbformat, nbclient or plotly): it runs in every
student kernel.
"""

from virtlab.grading.inline import Result, check

__all__ = ["Result", "check"]
