"""``virtlab export``: the gradebook as one row per student, in an LMS's grade-import layout.

The gradebook has one row per *submission*; an LMS wants one row per *student* with one column
per assignment. The steps: read the gradebook → pick one score per student and exercise →
match students to the roster (when given) → write the layout of the chosen format.

Choices, documented because a grade depends on them:

* **Best submission counts.** A student who handed in an exercise more than once (status
  ``duplicate``) gets the highest total among those rows. The gradebook records no submission
  time, so "latest" cannot be told apart reliably; every duplicate is already flagged in the
  gradebook for the instructor to review.
* **Every status counts its points.** A ``timeout`` or ``tampered`` row keeps the points of the
  answers the grader accepted (that is what ``total`` holds). A row without a total (the
  notebook could not be read or graded) gives no score; its cell stays empty and the command
  warns.
* **No submission is an empty cell, not 0**: both LMSs leave an empty cell ungraded, so the
  instructor decides what a missing exercise is worth.
* ``--percent`` writes ``100 * total / max`` (two decimals) instead of points.

Formats (the documented column layouts, checked in ``tests/grading/test_export.py``):

``canvas``
    Canvas's Gradebook import CSV: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
    ``Section``, then one column per assignment. A column named like an existing assignment
    with its id, ``Title (1234)``, updates that assignment; a new name creates one. Sources:
    Canvas Instructor Guide, "How do I import grades in the Gradebook?"
    (community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807);
    Ohio State, "Import a CSV File to Carmen Grades"
    (teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/
    import-csv-file-carmen-grades): Student Name or Student ID or SIS User ID, SIS Login ID,
    Section, then the assignment columns. A Canvas gradebook export works as the roster: its
    students' ids and its assignment headers ``Title (id)`` are reused.
``moodle``
    Moodle's "Import grades from CSV file": a header row, a column that identifies the user
    (mapped at import, "Identify user by": email address, ID number or username), then one
    column per grade item, mapped to an existing item or a new one. Source: Moodle docs, "Grade
    import" (docs.moodle.org/en/Grade_import); the mapping fields are those of
    ``grade/import/csv/classes/load_data.php`` (``map_user_data_with_value``: userid,
    useridnumber, useremail, username).
``csv``
    A plain table: ``student``, the roster's name columns, one column per exercise id, then
    ``total`` and ``max`` (or ``percent``).

The roster (``--roster``) is a CSV with a header. Its key, matched against the gradebook's
student ids, is a column named exactly ``student`` or else the first found among ``SIS Login
ID``, ``Username``, ``ID number`` and ``Email address`` (case and spacing ignored; Canvas's
``Student`` column holds names, not ids). Other recognised columns fill
the LMS's identity columns; students of the roster without any submission get a row of empty
cells, and gradebook students missing from the roster are left out with a warning (an LMS
would reject or misfile them).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from virtlab.grading import bank, gradebook

FORMATS = ("canvas", "moodle", "csv")
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
# Roster columns that can identify a student, tried in this order after an exact "student".
_KEY_COLUMNS = ("sis login id", "username", "id number", "email address")
# Roster headers recognised for each identity field (normalised: lower case, single spaces).
_ALIASES = {
    "name": ("name", "student", "student name", "full name"),
    "first name": ("first name", "firstname", "given name"),
    "last name": ("last name", "lastname", "surname", "family name"),
    "canvas id": ("id", "canvas id", "user id"),
    "sis user id": ("sis user id",),
    "sis login id": ("sis login id", "login"),
    "section": ("section",),
    "email": ("email address", "email", "e-mail"),
    "idnumber": ("id number", "idnumber"),
    "username": ("username",),
}
_CANVAS_HEADER = re.compile(r"^(?P<title>.*\S)\s*\((?P<id>\d+)\)$")


class ExportError(ValueError):
    """The gradebook or roster cannot be exported; the message says what to fix."""


@dataclass(frozen=True)
class ExerciseColumn:
    id: str  # the bank's exercise id, e.g. ex05
    title: str  # what an LMS shows, e.g. "05 Isolation"
    max_points: float


@dataclass
class Student:
    key: str  # the gradebook's student id
    identity: dict[str, str] = field(default_factory=dict)  # normalised roster fields
    points: dict[str, float] = field(default_factory=dict)  # exercise id -> best total


@dataclass
class Export:
    exercises: list[ExerciseColumn]
    students: list[Student]
    warnings: list[str]
    roster_headers: dict[str, str] = field(default_factory=dict)  # exercise id -> LMS header


def _norm(header: str) -> str:
    return " ".join(header.replace("_", " ").lower().split())


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value


def _exercise_columns(rows: list[dict[str, str]]) -> list[ExerciseColumn]:
    known = bank.exercises()
    present = {r.get("exercise", "") for r in rows} - {""}
    order = [e for e in known if e in present] + sorted(present - set(known))
    columns = []
    for ex in order:
        maxima = [m for r in rows if r.get("exercise") == ex if (m := _number(r.get("max")))]
        exercise = known.get(ex)
        if maxima:
            top = max(maxima)  # with --hidden questions the max grows; take the largest seen
        elif exercise is not None:
            top = exercise.max_points
        else:
            top = 0.0
        if exercise is not None:
            number = exercise.notebook.split("-", 1)[0]
            title = f"{number} {exercise.title}"
        else:
            title = ex
        columns.append(ExerciseColumn(ex, title, top))
    return columns


def _best_scores(rows: list[dict[str, str]]) -> tuple[dict[str, dict[str, float]], list[str]]:
    """student -> exercise -> the best total among that student's rows (see module docs)."""
    best: dict[str, dict[str, float]] = {}
    unscored: list[str] = []
    for row in rows:
        student, ex = row.get("student", ""), row.get("exercise", "")
        if not student:
            continue
        best.setdefault(student, {})
        if not ex:
            continue
        total = _number(row.get("total"))
        if total is None:
            unscored.append(f"{student} {row.get('notebook', '')} ({row.get('status', '')})")
            continue
        best[student][ex] = max(total, best[student].get(ex, total))
    return best, unscored


def read_roster(path: Path) -> tuple[list[tuple[str, dict[str, str]]], list[str]]:
    """``[(student key, identity fields)]`` in roster order, and the roster's raw headers."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            headers = list(reader.fieldnames or [])
            records = [dict(r) for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ExportError(f"cannot read the roster {path} as a UTF-8 CSV: {err}") from None
    by_norm = {_norm(h): h for h in headers if h}
    key = "student" if "student" in headers else None
    key = key or next((by_norm[k] for k in _KEY_COLUMNS if k in by_norm), None)
    if key is None:
        raise ExportError(
            f"the roster {path} has no column to match students by: add a 'student' column "
            "holding the ids the gradebook uses (from the notebook file names), or give a "
            f"roster with one of: {', '.join(_KEY_COLUMNS)}. Its columns: {headers}"
        )
    students = []
    for record in records:
        ident = (record.get(key) or "").strip()
        # a Canvas export's second row is "Points Possible", with no student in it
        if not ident or any((v or "").strip() == "Points Possible" for v in record.values()):
            continue
        identity = {}
        for name, aliases in _ALIASES.items():
            header = next((by_norm[a] for a in aliases if a in by_norm), None)
            if header is not None and (record.get(header) or "").strip():
                identity[name] = record[header].strip()
        students.append((ident, identity))
    return students, headers


def build(gradebook_path: Path, roster: Path | None = None) -> Export:
    """Everything an export writes, independent of the format."""
    if not gradebook_path.is_file():
        raise ExportError(f"no gradebook at {gradebook_path}: run `virtlab grade ... -o` first")
    try:
        rows = gradebook.read(gradebook_path)
    except gradebook.UnreadableGradebook as err:
        raise ExportError(str(err)) from None
    if rows and "student" not in rows[0]:
        raise ExportError(f"{gradebook_path} has no 'student' column: is it a virtlab gradebook?")
    exercises = _exercise_columns(rows)
    best, unscored = _best_scores(rows)
    warnings = [f"no points recorded for {u}: its cell is left empty" for u in unscored]
    headers: dict[str, str] = {}
    if roster is None:
        students = [Student(s, {}, best[s]) for s in sorted(best)]
    else:
        listed, roster_columns = read_roster(roster)
        seen = {key for key, _ in listed}
        students = [Student(key, identity, best.get(key, {})) for key, identity in listed]
        missing = sorted(set(best) - seen)
        if missing:
            warnings.append(
                f"{len(missing)} student(s) of the gradebook are not in the roster and were left "
                f"out: {', '.join(missing)} (fix the file names or add them to the roster)"
            )
        # reuse a Canvas export's assignment headers, "Title (id)", for the same exercise
        for column in exercises:
            for header in roster_columns:
                match = _CANVAS_HEADER.match(header or "")
                if match and _norm(match["title"]) == _norm(column.title):
                    headers[column.id] = header
    return Export(exercises, students, warnings, headers)


def _value(points: float | None, maximum: float, percent: bool) -> str:
    if points is None:
        return ""
    if percent:
        return f"{round(100 * points / maximum, 2):g}" if maximum else ""
    return f"{round(points, 2):g}"


def table(export: Export, fmt: str, *, percent: bool = False) -> list[list[str]]:
    """The rows of the file, header first, in the layout of ``fmt`` (see module docs)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    exercises = export.exercises
    cells = [
        [_value(s.points.get(e.id), e.max_points, percent) for e in exercises]
        for s in export.students
    ]
    if fmt == "canvas":
        header = CANVAS_IDENTITY + [export.roster_headers.get(e.id, e.title) for e in exercises]
        body = [
            [
                s.identity.get("name") or _full_name(s.identity) or s.key,
                s.identity.get("canvas id", ""),
                s.identity.get("sis user id", ""),
                s.identity.get("sis login id", s.key),
                s.identity.get("section", ""),
                *row,
            ]
            for s, row in zip(export.students, cells, strict=True)
        ]
        return [header, *body]
    if fmt == "moodle":
        # identity columns that are known for every student; the instructor maps one at import
        fields = [("first name", "First name"), ("last name", "Last name")]
        ids = [("idnumber", "ID number"), ("email", "Email address")]
        shown = [(f, h) for f, h in fields + ids if all(f in s.identity for s in export.students)]
        if not any(f in ("idnumber", "email") for f, _ in shown):
            shown.append(("username", "Username"))
        header = [h for _, h in shown] + [e.title for e in exercises]
        body = [
            [s.identity.get(f, s.key if f == "username" else "") for f, _ in shown] + row
            for s, row in zip(export.students, cells, strict=True)
        ]
        return [header, *body]
    named = [("first name", "first_name"), ("last name", "last_name"), ("name", "name")]
    names = [(f, h) for f, h in named if any(f in s.identity for s in export.students)]
    last = ["percent"] if percent else ["total", "max"]
    header = ["student", *[h for _, h in names], *[e.id for e in exercises], *last]
    body = []
    for s, row in zip(export.students, cells, strict=True):
        total = sum(s.points.values())
        maximum = sum(e.max_points for e in exercises)
        tail = (
            [_value(total, maximum, True)] if percent else [f"{round(total, 2):g}", f"{maximum:g}"]
        )
        body.append([s.key, *[s.identity.get(f, "") for f, _ in names], *row, *tail])
    return [header, *body]


def _full_name(identity: dict[str, str]) -> str:
    # Canvas shows and exports "Last, First"
    last, first = identity.get("last name", ""), identity.get("first name", "")
    return ", ".join(p for p in (last, first) if p)


def write(path: Path, rows: Iterable[list[str]]) -> None:
    """Write the CSV atomically (a temporary file replaced over the target)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        handle.write(buffer.getvalue())
    os.replace(tmp, path)


def export(
    gradebook_path: Path,
    output: Path,
    fmt: str,
    *,
    roster: Path | None = None,
    percent: bool = False,
) -> Export:
    """Read the gradebook, write ``output`` in ``fmt``; the returned export holds the warnings."""
    result = build(gradebook_path, roster)
    write(output, table(result, fmt, percent=percent))
    return result
