"""Answers as JSON: how ``check`` hands a learner's answer to the grader process.

Encoding runs in the student kernel, so it stays light (``json`` only, no virtlab model). A
``vl.Stack`` travels as its ``to_dict()``; sets, tuples and ``...`` keep their meaning through
tagged objects; anything else is recorded as unsupported with its type name, so the grader can
say "expected a stack, got a function" instead of failing.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_ANSWER_CHARS = 1_000_000
_TAG = "__virtlab__"


def encode(value: Any) -> Any:
    """A JSON-able form of ``value`` that :func:`decode` turns back into the same answer."""
    if value is Ellipsis:
        return {_TAG: "unanswered"}
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {_TAG: "float", "repr": repr(value)}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [encode(v) for v in value]
        return {_TAG: "set", "items": sorted(items, key=lambda v: json.dumps(v, sort_keys=True))}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {_TAG: "dict", "items": {k: encode(v) for k, v in value.items()}}
        return {_TAG: "unsupported", "type": "dict with non-text keys"}
    to_dict = getattr(value, "to_dict", None)
    if type(value).__name__ == "Stack" and callable(to_dict):
        try:
            return {_TAG: "stack", "data": to_dict()}
        except Exception as err:  # a half-built stack must not stop the notebook
            return {_TAG: "unsupported", "type": f"Stack that cannot be saved ({err})"}
    if type(value).__name__ == "Node":
        return {_TAG: "unsupported", "type": "a single layer (Node), not a vl.Stack"}
    return {_TAG: "unsupported", "type": type(value).__name__}


def dumps(value: Any) -> str:
    """The recorded text of an answer, capped so a giant answer cannot flood the record file."""
    text = json.dumps(encode(value), sort_keys=True, ensure_ascii=False, allow_nan=False)
    if len(text) > MAX_ANSWER_CHARS:
        return json.dumps({_TAG: "unsupported", "type": f"answer of {len(text):,} characters"})
    return text


class Unanswered:
    """The decoded form of ``...``: the learner has not answered yet."""

    def __repr__(self) -> str:
        return "..."


class Unsupported:
    """An answer that could not be recorded as data (a function, a widget, ...)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


class StackData:
    """A recorded stack, rebuilt with ``Stack.from_dict`` only by the question that wants one."""

    def __init__(self, data: Any) -> None:
        self.data = data


UNANSWERED = Unanswered()


def decode(data: Any) -> Any:
    """The answer back from :func:`encode` output; stacks stay :class:`StackData` until used."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    tag = data.get(_TAG)
    if tag == "unanswered":
        return UNANSWERED
    if tag == "set":
        try:
            return frozenset(decode(v) for v in data.get("items", []))
        except TypeError:
            return Unsupported("set of unhashable values")
    if tag == "dict":
        items = data.get("items", {})
        return {str(k): decode(v) for k, v in items.items()} if isinstance(items, dict) else {}
    if tag == "stack":
        return StackData(data.get("data"))
    if tag == "float":
        return float(data.get("repr", "nan"))
    if tag == "unsupported":
        return Unsupported(str(data.get("type", "unknown")))
    return Unsupported("object")
