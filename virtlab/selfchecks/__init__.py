"""Inline self-checks for the lessons: ``quiz("l02-overcommit")`` shows one.

The questions live here, not in the notebooks, so a lesson never carries its own answer. Module
``lessonNN.py`` holds the checks of lesson NN as ``CHECKS: dict[str, dict]``, keyed by a question
id ``"lNN-some-name"``; each definition has

- ``prompt``: the question, one or two sentences;
- ``options``: the choices; :func:`definition` returns them in the order shown (below);
- ``answer_hash``: ``virtlab.answers.answer_hash(qid, option)`` of the right option, or of the
  *set* of right options when ``multiple`` is true;
- ``feedback``: per option, why choosing it is right or wrong (the widget adds the ✓/✗);
- ``multiple``: whether several options may be ticked.

Options are shown in an order shuffled per check, seeded by its id: authors write the right
option wherever it reads best (often first), and a learner cannot learn "the first one is right".
The seed is the id, not the clock, so every run and every re-executed notebook shows the same
order. Answers are hashed by option *text*, so the order never changes which answer is right.

Importing this module does not import ipywidgets; :func:`quiz` does, on first call.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import random
import re
from typing import TYPE_CHECKING, Any

from virtlab.answers import matches, matching_set

if TYPE_CHECKING:
    from virtlab.widgets import Quiz

_QID = re.compile(r"^l(\d\d)-[a-z0-9]+(?:-[a-z0-9]+)*$")
_REQUIRED_KEYS = ("prompt", "options", "answer_hash", "feedback", "multiple")


class UnknownCheckError(KeyError):
    """Raised for a self-check id that no ``lessonNN`` module defines."""

    def __str__(self) -> str:  # KeyError would repr() the message and show its quotes
        return str(self.args[0])


def define(
    prompt: str,
    choices: list[tuple[str, str]],
    answer_hash: str,
    *,
    multiple: bool = False,
) -> dict[str, Any]:
    """A check definition from ``(option, feedback)`` pairs, so each option sits by its reason."""
    return {
        "prompt": prompt,
        "options": [option for option, _ in choices],
        "answer_hash": answer_hash,
        "feedback": dict(choices),
        "multiple": multiple,
    }


def _lesson_modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if re.fullmatch(r"lesson\d\d", info.name)
    )


def _checks_of(module_name: str) -> dict[str, dict[str, Any]]:
    module = importlib.import_module(f"{__name__}.{module_name}")
    return dict(getattr(module, "CHECKS", {}))


def presented_order(qid: str, options: list[str]) -> list[str]:
    """``options`` in the order check ``qid`` shows them: a shuffle seeded by the id.

    The seed comes from SHA-256 of the id (``hash()`` of a string changes between Python runs),
    so the order is the same on every machine and every run.
    """
    seed = int.from_bytes(hashlib.sha256(qid.encode("utf-8")).digest()[:8], "big")
    shown = list(options)
    random.Random(seed).shuffle(shown)
    return shown


def known_qids() -> list[str]:
    """Every self-check id of every lesson, in lesson order."""
    return [qid for name in _lesson_modules() for qid in _checks_of(name)]


def definition(qid: str) -> dict[str, Any]:
    """The definition of one self-check (prompt, options, answer_hash, feedback, ...).

    ``options`` come in the order the learner sees them (:func:`presented_order`).
    """
    match = _QID.match(qid) if isinstance(qid, str) else None
    module_name = f"lesson{match.group(1)}" if match else None
    if module_name in _lesson_modules():
        checks = _checks_of(module_name)
        if qid in checks:
            spec = dict(checks[qid])
            spec["options"] = presented_order(qid, list(spec["options"]))
            return spec
    known = known_qids()
    if match is None:
        problem = f"{qid!r} is not a self-check id: ids look like 'l02-overcommit' (lesson number)"
    else:
        problem = f"No self-check {qid!r}"
    raise UnknownCheckError(f"{problem}. Known self-checks: {', '.join(known) or 'none yet'}.")


def quiz(qid: str) -> Quiz:
    """The multiple-choice widget for self-check ``qid``; display it as a cell's last line."""
    spec = definition(qid)  # an unknown id fails here, before ipywidgets is imported
    from virtlab.widgets import Quiz

    return Quiz(
        qid,
        spec["prompt"],
        list(spec["options"]),
        spec["answer_hash"],
        dict(spec["feedback"]),
        multiple=bool(spec["multiple"]),
    )


def is_correct(qid: str, choice: str | set[str] | frozenset[str]) -> bool:
    """Whether ``choice`` (an option, or a set of options for a multiple-answer check) is right."""
    spec = definition(qid)
    if spec["multiple"] and isinstance(choice, str):
        choice = {choice}
    if spec["multiple"]:
        choice = set(choice)
    return matches(qid, choice, spec["answer_hash"])


def problems(qid: str) -> list[str]:
    """What is wrong with a stored definition (empty when it is well-formed and answerable)."""
    spec = definition(qid)
    found = [f"{qid}: missing key {key!r}" for key in _REQUIRED_KEYS if key not in spec]
    if found:
        return found
    options = list(spec["options"])
    if len(options) < 2 or len(set(options)) != len(options):
        found.append(f"{qid}: needs at least two distinct options")
    missing = [o for o in options if not str(spec["feedback"].get(o, "")).strip()]
    if missing:
        found.append(f"{qid}: no feedback for {missing}")
    extra = sorted(set(spec["feedback"]) - set(options))
    if extra:
        found.append(f"{qid}: feedback for options that do not exist: {extra}")
    if spec["multiple"]:
        answerable = matching_set(qid, options, spec["answer_hash"]) is not None
    else:
        answerable = any(matches(qid, o, spec["answer_hash"]) for o in options)
    if not answerable:
        found.append(f"{qid}: answer_hash matches no option (or set of options)")
    return found


__all__ = [
    "UnknownCheckError",
    "define",
    "definition",
    "is_correct",
    "known_qids",
    "presented_order",
    "problems",
    "quiz",
]
