"""Real escapes and leaks across isolation boundaries, from ``data/escapes.json``.

Each :class:`Escape` names the boundary that broke (the container runtime, the shared kernel,
the configuration, the hypervisor's device model, or CPU state shared on a core), what it
crossed, the weakest :class:`~virtlab.isolation.IsolationLevel` that would have contained it
(the course's judgement, with its reason), the mitigations it prompted, and its sources (CVE
records and advisories). :func:`mitigations` lists dated mitigations for the timeline.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from virtlab.isolation import IsolationLevel


@dataclass(frozen=True)
class Escape:
    id: str
    name: str
    short: str
    cves: tuple[str, ...]
    disclosed: dt.date | None
    boundary: str
    crossed: str
    contained_by: IsolationLevel | None
    why_contained: str
    mitigations: tuple[str, ...]
    sources: tuple[str, ...]

    @property
    def label(self) -> str:
        """``"Dirty Pipe (CVE-2022-0847)"``, or the name alone for a configuration."""
        return f"{self.name} ({', '.join(self.cves)})" if self.cves else self.name

    def contained_at(self, level: IsolationLevel | str) -> bool:
        """Whether isolation at ``level`` between attacker and victim would have contained it."""
        if self.contained_by is None:
            return False
        return _level(level) >= self.contained_by

    def cite(self) -> str:
        return "; ".join(self.sources)


@dataclass(frozen=True)
class Mitigation:
    short: str
    name: str
    date: dt.date
    layer: str
    source: str


def _level(level: IsolationLevel | str) -> IsolationLevel:
    if isinstance(level, IsolationLevel):
        return level
    names = [lv.label for lv in IsolationLevel]
    if not isinstance(level, str) or level.strip().lower() not in names:
        raise ValueError(f"Unknown isolation level {level!r}; levels: {', '.join(names)}.")
    return IsolationLevel[level.strip().upper()]


@cache
def _raw() -> dict:
    text = resources.files("virtlab.data").joinpath("escapes.json").read_text(encoding="utf-8")
    return json.loads(text)


def boundaries() -> dict[str, str]:
    """Boundary id -> what it is, in the order the timeline shows them."""
    return dict(_raw()["boundaries"])


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@cache
def _escapes() -> tuple[Escape, ...]:
    found = []
    for row in _raw()["escapes"]:
        level = row["contained_by"]
        found.append(
            Escape(
                id=row["id"],
                name=row["name"],
                short=row["short"],
                cves=tuple(row["cves"]),
                disclosed=_date(row["disclosed"]),
                boundary=row["boundary"],
                crossed=row["crossed"],
                contained_by=_level(level) if level else None,
                why_contained=row["why_contained"],
                mitigations=tuple(row["mitigations"]),
                sources=tuple(row["sources"]),
            )
        )
    return tuple(found)


def escapes(boundary: str | None = None) -> list[Escape]:
    """Every escape (dated ones first, by date), optionally of one boundary."""
    if boundary is not None and boundary not in boundaries():
        raise ValueError(f"Unknown boundary {boundary!r}; boundaries: {', '.join(boundaries())}.")
    rows = [e for e in _escapes() if boundary is None or e.boundary == boundary]
    return sorted(rows, key=lambda e: (e.disclosed is None, e.disclosed or dt.date.max))


def escape(escape_id: str) -> Escape:
    """One escape by id (``"dirty-pipe"``) or by CVE (``"CVE-2022-0847"``)."""
    wanted = escape_id.strip().lower() if isinstance(escape_id, str) else ""
    for e in _escapes():
        if wanted == e.id or wanted in (c.lower() for c in e.cves):
            return e
    known = ", ".join(e.id for e in _escapes())
    raise KeyError(f"No escape {escape_id!r}; known: {known}.")


def mitigations() -> list[Mitigation]:
    """Dated mitigations (runtimes, kernel features), oldest first."""
    rows = [
        Mitigation(m["short"], m["name"], dt.date.fromisoformat(m["date"]), m["layer"], m["source"])
        for m in _raw()["mitigations"]
    ]
    return sorted(rows, key=lambda m: m.date)
