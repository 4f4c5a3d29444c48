"""Salted answer hashes: how expected answers are stored without being readable.

A quiz in a lesson and a question in an exercise both keep ``answer_hash(qid, answer)`` instead
of the answer, so reading a notebook's JSON or the package source does not give it away. The
question id is the salt, so the same answer to two questions hashes differently.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Sequence
from typing import Any

_PEPPER = "virtlab-answer/1"


def normalize(value: Any) -> str:
    """Canonical text of an answer: strings trimmed and lower-cased, sets and dicts sorted."""
    return json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"))


def _canonical(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.strip().lower().split())
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=json.dumps)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(_canonical(k)): _canonical(v) for k, v in value.items()}
    raise TypeError(f"Cannot hash an answer of type {type(value).__name__}.")


def answer_hash(qid: str, value: Any) -> str:
    """The stored form of an expected answer to question ``qid``."""
    text = f"{_PEPPER}:{qid}:{normalize(value)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def matches(qid: str, value: Any, expected_hash: str) -> bool:
    """True when ``value`` is the answer whose hash was stored; never raises on odd input."""
    try:
        return answer_hash(qid, value) == expected_hash
    except (TypeError, ValueError):
        return False


def matching_set(qid: str, options: Sequence[str], expected_hash: str) -> frozenset[str] | None:
    """The set of ``options`` whose hash was stored for ``qid``, or None when no set matches.

    A tick-all-that-apply question stores one hash for the whole set of right options, so the
    set is recovered by trying every non-empty subset (2**n - 1 hashes; n is a handful).
    """
    for size in range(1, len(options) + 1):
        for subset in itertools.combinations(options, size):
            if matches(qid, set(subset), expected_hash):
                return frozenset(subset)
    return None
