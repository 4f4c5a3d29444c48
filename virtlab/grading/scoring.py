"""Step 4 of grading: score the recorded answers with the question bank, in the grader process.

Nothing here looks at how the notebook ran: a question without a recorded answer earns nothing
and says why (its ``check()`` call deleted or edited, or never reached); deciding the row's
status from all of it is :mod:`virtlab.grading.decide`'s job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from virtlab.grading import encoding, records
from virtlab.grading.bank import Exercise
from virtlab.grading.questions import Score
from virtlab.grading.statuses import Verdict

NEVER_RAN = "its check() call never ran (an error or stop before it)"
DELETED = "its check() call was deleted or edited"


@dataclass(frozen=True)
class Scored:
    """One question's score, and why it has no answer when it has none."""

    score: Score
    missing: str = ""  # NEVER_RAN or DELETED when no answer was recorded
    hidden: bool = False  # scores another question's answer (answer_of)


def score_answers(exercise: Exercise, answers: dict[str, str], code: str) -> list[Scored]:
    """Every question of ``exercise`` scored from ``answers`` (JSON text per question id)."""
    scored: list[Scored] = []
    for question in exercise.questions:
        hidden = question.answer_of is not None
        recorded = answers.get(question.source_qid)
        if recorded is None:
            why = NEVER_RAN if records.check_called(code, question.source_qid) else DELETED
            score = Score(question.id, 0, float(question.points), Verdict.UNANSWERED, (why,))
            scored.append(Scored(score, why, hidden))
            continue
        try:
            score = question.score(encoding.decode(json.loads(recorded)))
        except Exception as err:  # scoring one answer must not lose the row
            score = Score(
                question.id, 0, float(question.points), Verdict.INVALID, (f"not scorable: {err}",)
            )
        scored.append(Scored(score, hidden=hidden))
    return scored


def total(scored: list[Scored]) -> float:
    return round(sum(s.score.points for s in scored), 2)
