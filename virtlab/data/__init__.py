"""Published measurements, each with its source, section and confidence.

``measurements.json`` is transcribed from the primary sources listed in it (papers, vendor
specifications). Lessons and figures read numbers only through this module, so every number the
course shows can be traced back to its source with :func:`cite`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


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

    def cite(self) -> str:
        """Short citation, e.g. ``FEL14 Table I``."""
        return f"{self.source} {self.section}".strip()


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
    """Source key -> {"citation", "setup"}."""
    return dict(_raw()["sources"])


def confidence_levels() -> dict[str, str]:
    return dict(_raw()["confidence"])


def cite(*measurement_ids: str) -> str:
    """``"FEL14 Table I; AGA20 raw data"``: the distinct citations of these measurements."""
    seen: list[str] = []
    for mid in measurement_ids:
        text = measurement(mid).cite()
        if text not in seen:
            seen.append(text)
    return "; ".join(seen)
