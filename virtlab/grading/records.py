"""Step 3 of grading: read the answer records a kernel left, and what looks tampered with.

``check`` in grading mode appends one JSON line per answer, ``{"seq", "qid", "answer", "mac"}``,
tagged with an HMAC under a key only this run knew (:mod:`virtlab.grading.inline`). Only genuine
lines count, the last one per question; forged lines, gaps in the sequence and source code that
redefines ``check`` or reaches into the grader are reported, never scored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from virtlab.grading.inline import record_mac

MAX_RECORD_CHARS = 8_000_000


@dataclass
class Records:
    """The last genuine answer (its JSON text) per question id, and what looked forged."""

    answers: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_records(text: str, key: str) -> Records:
    """Parse a record file's text, keeping only lines tagged under ``key``."""
    found = Records()
    if len(text) > MAX_RECORD_CHARS:
        found.problems.append("the answer record file was flooded; no answer could be trusted")
        return found
    forged, gaps, expected = 0, 0, 1
    for line in text.splitlines():
        try:
            entry = json.loads(line)
            seq, qid, answer, mac = entry["seq"], entry["qid"], entry["answer"], entry["mac"]
            genuine = isinstance(answer, str) and mac == record_mac(key.encode(), seq, qid, answer)
        except (ValueError, KeyError, TypeError, RecursionError):
            genuine = False
        if not genuine:
            forged += 1
            continue
        if seq != expected:
            gaps += 1
        expected = seq + 1
        found.answers[str(qid)] = answer
    if forged:
        found.problems.append(f"{forged} answer record(s) not written by check() were ignored")
    if gaps:
        found.problems.append("answer records were removed or reordered")
    return found


_TAMPERING = [
    (re.compile(r"^\s*def\s+check\s*\(", re.M), "redefines check()"),
    (re.compile(r"^\s*check\s*=(?!=)", re.M), "rebinds check"),
    (
        re.compile(r"^\s*(?:vl|virtlab)(?:\.\w+)+\s*=(?!=)", re.M),
        "assigns into the virtlab package",
    ),
    (re.compile(r"setattr\(\s*(?:vl|virtlab)\b"), "patches the virtlab package"),
    (re.compile(r"VIRTLAB_GRADING"), "reads or writes the grader's record file"),
    (re.compile(r"virtlab\.grading\.\w+"), "reaches into virtlab's grading code"),
    (
        re.compile(r"^\s*from\s+virtlab\.grading\s+import\s+(?!check\s*$)", re.M),
        "imports grading internals",
    ),
]


def tampering(code: str) -> list[str]:
    """What the notebook's code does to the grading machinery, one phrase each."""
    return [why for pattern, why in _TAMPERING if pattern.search(code)]


def check_called(code: str, qid: str) -> bool:
    """Whether the code still holds a ``check("qid", ...)`` call."""
    return re.search(rf"check\(\s*['\"]{re.escape(qid)}['\"]", code) is not None


def exercise_ids_called(code: str) -> list[str]:
    """The exercise ids of the ``check`` calls in the code, most frequent first."""
    ids = re.findall(r"check\(\s*['\"](ex\d+)-", code)
    return sorted(set(ids), key=lambda i: -ids.count(i))
