"""Published measurements, each with its source, location and confidence.

``measurements.json`` is transcribed from the primary sources listed in it (papers, their
authors' raw data, vendor documentation). Lessons and figures read numbers only through this
module and print their citations with :func:`cite`, so every number the course shows can be
traced back to the table, figure, section or raw-data file it comes from.

The confidence vocabulary is defined here, once: each letter says where a number comes from
and which kind of location a row with that letter must name (see :func:`problems`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

# The kinds of location a row's ``section`` can name, each recognised by one pattern.
LOCATION_PATTERNS: dict[str, re.Pattern[str]] = {
    "table": re.compile(r"\bTable [IVX\d]+\b"),
    "figure": re.compile(r"\bFig\. \d+\b"),
    "section": re.compile(r"\bsec\. [IVX\d]+(?:[.-][A-Z\d]+)*\b"),
    "raw data": re.compile(r"\braw data (?:\"[^\"]+\"|\S+)"),
    "document": re.compile(r"\b[\w./-]+\.(?:md|h)\b|'[^']+'"),  # a file or a quoted heading
}


@dataclass(frozen=True)
class Confidence:
    """What a confidence letter means and where a row with it must point."""

    letter: str
    meaning: str
    locations: tuple[str, ...]  # the row's section must name at least one of these
    source_kinds: tuple[str, ...]  # the kinds of source (see sources()) it may come from


CONFIDENCE: dict[str, Confidence] = {
    c.letter: c
    for c in (
        Confidence(
            "P",
            "printed in the primary source: its text, a table, or a value labelled on a figure",
            ("section", "table", "figure"),
            ("paper",),
        ),
        Confidence("F", "read off a figure by eye (approximate)", ("figure",), ("paper",)),
        Confidence("R", "the authors' published raw data", ("raw data",), ("paper",)),
        Confidence(
            "D",
            "derived by this course: arithmetic on, or a count of, what the location shows",
            tuple(LOCATION_PATTERNS),
            ("paper", "documentation", "source code"),
        ),
        Confidence("V", "vendor or project documentation", ("document",), ("documentation",)),
    )
}
# A derived row says how it was derived, in words a reader can check.
_DERIVED_WORDS = re.compile(r"\b(derived|counted)\b")


@dataclass(frozen=True)
class Measurement:
    id: str
    metric: str
    subject: str
    value: float
    unit: str
    description: str
    source: str
    section: str
    confidence: str

    def cite(self, *, confidence: bool = False) -> str:
        """Short citation, e.g. ``FEL14 Table I`` (``FEL14 Table I, confidence P``)."""
        text = f"{self.source} {self.section}".strip()
        return f"{text}, confidence {self.confidence}" if confidence else text

    @property
    def confidence_meaning(self) -> str:
        return CONFIDENCE[self.confidence].meaning


@cache
def _raw() -> dict:
    text = resources.files(__name__).joinpath("measurements.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _by_id() -> dict[str, Measurement]:
    return {row["id"]: Measurement(**row) for row in _raw()["measurements"]}


def measurement(measurement_id: str) -> Measurement:
    """One measurement by id; an unknown id raises KeyError naming close ids."""
    try:
        return _by_id()[measurement_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(measurement_id, _by_id(), n=3)
        raise KeyError(f"No measurement {measurement_id!r}; close ids: {close}") from None


def value(measurement_id: str) -> float:
    return measurement(measurement_id).value


def measurements(metric: str | None = None, subject: str | None = None) -> list[Measurement]:
    """Every measurement, optionally filtered by metric and subject."""
    return [
        m
        for m in _by_id().values()
        if (metric is None or m.metric == metric) and (subject is None or m.subject == subject)
    ]


def sources() -> dict[str, dict[str, str]]:
    """Source key -> {"citation", "setup", "kind"} (kind: paper, documentation, source code)."""
    return dict(_raw()["sources"])


def source_list(*keys: str) -> str:
    """``"KEY: full citation"``, one line per source key, for a lesson's list of sources.

    An unknown key raises KeyError naming the known ones, so a typo in a lesson fails loudly.
    """
    known = sources()
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise KeyError(f"No source {', '.join(map(repr, unknown))}; known: {', '.join(known)}")
    return "\n".join(f"{key}: {known[key]['citation']}" for key in keys)


def confidence_levels() -> dict[str, str]:
    """Confidence letter -> what it means."""
    return {letter: c.meaning for letter, c in CONFIDENCE.items()}


def location_kinds(section: str) -> list[str]:
    """The kinds of location a section string names, e.g. ``["figure", "raw data"]``."""
    return [kind for kind, pattern in LOCATION_PATTERNS.items() if pattern.search(section)]


def problems(m: Measurement) -> list[str]:
    """What keeps a reader from finding this row's number where it says: empty when exact."""
    found: list[str] = []
    conf = CONFIDENCE.get(m.confidence)
    if conf is None:
        return [f"{m.id}: unknown confidence {m.confidence!r}; use one of {', '.join(CONFIDENCE)}"]
    source = sources().get(m.source)
    if source is None:
        return [f"{m.id}: unknown source {m.source!r}; add it to measurements.json 'sources'"]
    kinds = location_kinds(m.section)
    if not kinds:
        found.append(
            f"{m.id}: location {m.section!r} names no table, figure, section, raw-data file "
            "or document heading; say where in the source the number is"
        )
    elif not set(kinds) & set(conf.locations):
        found.append(
            f"{m.id}: confidence {m.confidence} ({conf.meaning}) needs a location naming "
            f"{' or '.join(conf.locations)}, but {m.section!r} names {', '.join(kinds)}"
        )
    if m.confidence == "P" and "raw data" in kinds:
        found.append(f"{m.id}: a number from raw data is confidence R, not P")
    if source.get("kind") not in conf.source_kinds:
        found.append(
            f"{m.id}: confidence {m.confidence} cannot come from {m.source}, a "
            f"{source.get('kind')!r} source (allowed: {', '.join(conf.source_kinds)})"
        )
    if m.confidence == "D" and not _DERIVED_WORDS.search(m.description):
        found.append(f"{m.id}: a derived row's description must say how (derived from / counted)")
    return found


def cite(*measurement_ids: str, confidence: bool = False) -> str:
    """``"FEL14 Table I; AGA20 raw data ..."``: the distinct citations of these measurements.

    With ``confidence=True`` each citation carries its confidence letter.
    """
    seen: list[str] = []
    for mid in measurement_ids:
        text = measurement(mid).cite(confidence=confidence)
        if text not in seen:
            seen.append(text)
    return "; ".join(seen)
