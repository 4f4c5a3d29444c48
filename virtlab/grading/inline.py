"""``check(qid, answer)``: immediate feedback in a lesson, a recorded answer under the grader.

Two modes, chosen once when this module is imported:

* **learning** (the default): the answer is scored at once and a :class:`Result` comes back; as
  the last line of a cell Jupyter shows it as a compact HTML box, elsewhere it prints as text.
* **grading** (the grader sets ``VIRTLAB_GRADING`` to a record file and ``VIRTLAB_GRADING_KEY``
  to a per-run secret in the student kernel's environment): ``check`` only appends one JSON
  line ``{"seq", "qid", "answer", "mac"}`` to the record file and flushes it, so answers given
  before a later crash or timeout survive. It scores nothing and imports nothing heavy; the
  grader process scores the recorded answers itself. Both variables are removed from
  ``os.environ`` at import, so child processes and a casual look at the environment do not see
  them.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
from typing import Any

from virtlab.grading import encoding
from virtlab.grading.statuses import Verdict

RECORD_ENV = "VIRTLAB_GRADING"
KEY_ENV = "VIRTLAB_GRADING_KEY"

_record_path = os.environ.pop(RECORD_ENV, None)
_record_key = os.environ.pop(KEY_ENV, "").encode()
_seq = 0

_COLORS = {
    Verdict.CORRECT: "#2e7d32",
    Verdict.PARTIAL: "#ef6c00",
    Verdict.WRONG: "#c62828",
    Verdict.UNANSWERED: "#757575",
    Verdict.INVALID: "#c62828",
    Verdict.UNKNOWN_QUESTION: "#c62828",
    Verdict.RECORDED: "#1565c0",
}


def record_mac(key: bytes, seq: int, qid: str, answer: str) -> str:
    """The tag the grader expects on record line ``seq``."""
    message = f"{seq}\n{qid}\n{answer}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class Result:
    """What ``check`` returns: shown as HTML in Jupyter and as text everywhere else."""

    def __init__(
        self,
        qid: str,
        status: str,
        points: float | None = None,
        max_points: float | None = None,
        feedback: tuple[str, ...] = (),
    ) -> None:
        self.qid = qid
        self.status = status
        self.points = points
        self.max_points = max_points
        self.feedback = feedback

    @property
    def headline(self) -> str:
        if self.points is None or self.max_points is None:
            return f"{self.qid}: {self.status}"
        return f"{self.qid}: {self.points:g}/{self.max_points:g} point(s) — {self.status}"

    def __str__(self) -> str:
        return "\n".join([self.headline, *(f"  {line}" for line in self.feedback)])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        color = _COLORS.get(self.status, "#757575")
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.feedback)
        body = f'<ul style="margin:2px 0 0 0;padding-left:18px">{items}</ul>' if items else ""
        return (
            f'<div class="virtlab-check" style="border-left:4px solid {color};'
            'padding:4px 10px;margin:4px 0;font-family:sans-serif;font-size:13px">'
            f'<b style="color:{color}">{html.escape(self.headline)}</b>{body}</div>'
        )


def _record(qid: str, value: Any) -> Result:
    global _seq
    _seq += 1
    answer = encoding.dumps(value)
    line = {
        "seq": _seq,
        "qid": qid,
        "answer": answer,
        "mac": record_mac(_record_key, _seq, qid, answer),
    }
    with open(_record_path, "a", encoding="utf-8") as out:  # type: ignore[arg-type]
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()
    return Result(qid, Verdict.RECORDED, feedback=("Answer recorded for grading.",))


def check(qid: str, value: Any) -> Result:
    """Score ``value`` as the answer to question ``qid`` and say what is wrong, if anything.

    ``...`` reports "not answered yet"; a wrong type of answer or an unknown ``qid`` get a
    message, never an exception, so an exercise runs top to bottom.
    """
    if not isinstance(qid, str):
        return Result(
            str(qid), Verdict.UNKNOWN_QUESTION, feedback=("The question id must be text.",)
        )
    if _record_path is not None:
        return _record(qid, value)
    from virtlab.grading import bank

    question = bank.question(qid)
    if question is None:
        exercise = bank.exercise_of(qid)
        known = ", ".join(q.id for q in exercise.questions) if exercise else ""
        hint = f" Known ids here: {known}." if known else " Copy the id from the exercise."
        return Result(
            qid, Verdict.UNKNOWN_QUESTION, feedback=(f"There is no question {qid!r}.{hint}",)
        )
    # Score the answer as the grader will see it: through the same JSON round trip.
    score = question.score(encoding.decode(json.loads(encoding.dumps(value))))
    return Result(
        qid,
        score.status,
        score.points,
        score.max_points,
        (*_rerun_warnings(value), *score.feedback),
    )


def _rerun_warnings(value: Any) -> tuple[str, ...]:
    """What the grader cannot rebuild: it re-runs the notebook in a fresh kernel, where nobody
    moves a widget, so an answer made by hand in a widget is not the answer it grades."""
    origin = getattr(value, "origin", None) if type(value).__name__ == "Stack" else None
    if origin:
        return (
            f"⚠ This stack was made by hand ({origin}). The grader re-runs this notebook, "
            "where nobody moves the builder, so it will not grade this stack. Paste the "
            "builder's code (builder.code(), also shown under the builder) into this cell, "
            "build the answer from it, and check again.",
        )
    if type(value).__module__.startswith(("ipywidgets", "virtlab.widgets")):
        return (
            f"⚠ The answer is a widget ({type(value).__name__}), which the grader cannot "
            "save: answer with the value or the stack it shows (for a StackBuilder, the "
            "code from builder.code()).",
        )
    return ()
