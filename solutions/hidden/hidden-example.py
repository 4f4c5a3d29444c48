"""Hidden checks: extra questions the instructor grades but learners never see.

Use it with::

    virtlab grade submissions/ -o gradebook.csv --hidden solutions/hidden/hidden-example.py

Each question scores the answer a learner already gave to a visible question (``answer_of``),
so the notebook needs no extra cell; its points appear as a column of their own in the gradebook
(``ex02-h1``, ...) and count in the total and the maximum. A question belongs to the exercise its
id starts with (``ex02-`` questions only grade exercise 02 submissions).

Keep hidden checks to what the visible question already asked for, more strictly or from another
side: a hidden check that asks for something new grades learners on a question they were never
told about. Editing this file changes the bank version recorded in the gradebook, so the next
``virtlab grade`` regrades every submission.
"""

from __future__ import annotations

from virtlab.grading.questions import (
    Requirement,
    StackRequirements,
    no_problem,
)


def _one_server(stack) -> str | None:
    """A custom requirement: a function returning None when met, else what is wrong (shown)."""
    if len(stack.hosts) == 1:
        return None
    return f"the stack has {len(stack.hosts)} physical servers; the question gives you one"


QUESTIONS = [
    StackRequirements(
        id="ex02-h1",
        points=1,
        section="Overcommit",
        prompt="hidden: the three-guest server does not overcommit CPUs either",
        answer_of="ex02-q5",
        requirements=(no_problem("cpu-overcommit", "no CPU overcommit"),),
    ),
    StackRequirements(
        id="ex02-h2",
        points=1,
        prompt="hidden: the three-guest server is one physical server",
        answer_of="ex02-q5",
        requirements=(Requirement("everything runs on one physical server", _one_server),),
    ),
]
