"""Step 1 of grading: find the submissions and whose each one is.

**Whose.** Real collection renames files, so the student comes from the first of these that
applies, and never from what is left of a file name once the exercise name is removed:

1. a Canvas bulk download: ``smithjohn_12345_67890_02-type1-hypervisors.ipynb`` (name key, the
   Canvas user id, the submission id, then the file as handed in; a late hand-in carries
   ``_LATE`` after the name key; a resubmission gets ``-1``, ``-2`` before the extension). The
   student is the user id (``12345``), the name key is kept as the name. Sources: the layout
   shown in github.com/mikewesthad/canvas-unzipper (README) and described in
   github.com/TimHanneman/Canvas_submission_sort (README).
2. a Moodle "Download all submissions": a folder (or file-name prefix)
   ``John Smith_12345_assignsubmission_file_`` holding the file as handed in. The student is the
   participant id (``12345``, "Participant 12345" in Moodle's grading worksheet), the name is
   kept. Source: Moodle's ``mod/assign`` download (folder name ``First Last_participantId_
   assignsubmission_file_``).
3. our own convention ``<id>_<exercise notebook>.ipynb`` (``alice_02-type1-hypervisors.ipynb``).
4. otherwise the folder the file is in (``alice/02-type1-hypervisors (1).ipynb`` → ``alice``).

Browser re-downloads (``name (1).ipynb``), "Copy of name.ipynb" and Jupyter's
``name-Copy1.ipynb`` are decorations of the exercise's file name, never an id.

**Roster** (``--roster FILE``): a CSV with a header row and a column of student ids (``id``,
``student``, ``username``, ``login``, ``sis user id`` or Moodle's ``identifier``), optionally
``name`` and ``email``. Submissions are matched to it by id, then by the local part of the
email, then by name (either order of first and last name); :func:`match` says which.
"""

from __future__ import annotations

import csv
import glob
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from virtlab.grading import bank


@dataclass(frozen=True)
class Identity:
    """Who handed a file in, as its name or folder says."""

    student: str
    name: str = ""
    late: bool = False
    source: str = ""  # "canvas", "moodle", "file name", "folder"


@dataclass
class Submission:
    path: Path
    identity: Identity
    notebook: str  # the path shown in the gradebook; also the row's key
    sha256: str = ""

    @property
    def student(self) -> str:
        return self.identity.student


_CANVAS = re.compile(
    r"^(?P<name>[^_]+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)$",
    re.IGNORECASE,
)
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_\w+?_(?P<file>.*)$")
_MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_\w+?_?$")
_DECORATIONS = [
    re.compile(r"^copy of\s+", re.IGNORECASE),  # Google Drive, Windows Explorer
    re.compile(r"\s*\(\d+\)$"),  # browsers re-downloading a file
    re.compile(r"-Copy\d+$"),  # Jupyter's "Duplicate"
    re.compile(r" - Copy$"),  # Windows Explorer
]


def undecorated(stem: str) -> str:
    """A file name's stem without the marks copying and re-downloading add."""
    previous = None
    while previous != stem:
        previous = stem
        for pattern in _DECORATIONS:
            stem = pattern.sub("", stem).strip()
    return stem


def _own_convention(stem: str) -> str:
    """``alice`` from ``alice_02-type1-hypervisors``: an id joined by ``_`` to an exercise."""
    stem = undecorated(stem)
    for exercise in bank.exercises().values():
        match = re.match(rf"^(?P<id>.+?)_{re.escape(exercise.notebook)}(?:-\d+)?$", stem)
        if match and undecorated(match.group("id")) == match.group("id").strip():
            return match.group("id").strip()
    return ""


def _from_folder(folder: str) -> Identity | None:
    moodle = _MOODLE_FOLDER.match(folder)
    if moodle:
        return Identity(moodle.group("participant"), moodle.group("name"), source="moodle")
    if folder and folder not in (".", "/") and not folder.startswith("."):
        return Identity(folder, source="folder")
    return None


def identify(path: Path) -> Identity:
    """Whose submission ``path`` is (see the module's documentation for the rules)."""
    name = path.name
    canvas = _CANVAS.match(name)
    if canvas and Path(canvas.group("file")).suffix == ".ipynb":
        return Identity(
            canvas.group("user"), canvas.group("name"), bool(canvas.group("late")), "canvas"
        )
    moodle = _MOODLE.match(name)
    if moodle:
        return Identity(moodle.group("participant"), moodle.group("name"), source="moodle")
    own = _own_convention(path.stem)
    if own:
        return Identity(own, source="file name")
    folder = path.resolve().parent.name
    return _from_folder(folder) or Identity("", source="none")


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def find_submissions(arguments: list[str]) -> tuple[list[Submission], list[str]]:
    """Expand files, folders and globs; returns the submissions and warnings.

    An empty student folder inside a folder given on the command line is a submission too (a
    ``no-submission`` row); checkpoint folders are skipped.
    """
    found: dict[Path, Submission] = {}
    warnings: list[str] = []

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in found:
            found[key] = Submission(path, identify(path), _display(path))

    def add_folder(folder: Path) -> None:
        notebooks = [
            p for p in sorted(folder.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts
        ]
        for path in notebooks:
            add(path)
        for child in sorted(p for p in folder.iterdir() if p.is_dir()):
            if child.name.startswith(".") or any(child in n.parents for n in notebooks):
                continue
            who = _from_folder(child.name) or Identity(child.name, source="folder")
            found[child.resolve()] = Submission(child, who, _display(child))
        if not notebooks and not any(p.is_dir() for p in folder.iterdir()):
            warnings.append(f"{folder}: an empty folder, no notebooks to grade.")

    for argument in arguments:
        path = Path(argument)
        if path.is_file():
            add(path)
        elif path.is_dir():
            add_folder(path)
        else:
            matches = sorted(glob.glob(argument, recursive=True))
            if not matches:
                warnings.append(f"{argument}: no such file, folder or matching glob.")
            for match in matches:
                (add_folder if Path(match).is_dir() else add)(Path(match))
    return list(found.values()), warnings


# --------------------------------------------------------------------------- roster
@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    email: str = ""


class RosterError(ValueError):
    """The roster file cannot be used; the message says why and how to fix it."""


_ID_COLUMNS = ("id", "student id", "student_id", "student", "username", "login", "login id")
_ID_COLUMNS += ("sis user id", "sis login id", "identifier", "user id", "userid")
_NAME_COLUMNS = ("name", "full name", "student name", "fullname")
_EMAIL_COLUMNS = ("email", "email address", "e-mail", "mail")


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header if h}
    return next((lowered[n] for n in names if n in lowered), None)


def load_roster(path: Path) -> list[Student]:
    """The students of a roster CSV (see the module's documentation for its columns)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise RosterError(f"--roster {path}: cannot be read as a UTF-8 CSV file ({err}).") from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    id_column = _column(header, _ID_COLUMNS)
    if id_column is None:
        raise RosterError(
            f"--roster {path}: no column of student ids; name one of its header cells 'id' "
            f"(found: {', '.join(h for h in header if h) or 'no header row'})."
        )
    name_column, email_column = _column(header, _NAME_COLUMNS), _column(header, _EMAIL_COLUMNS)
    students: dict[str, Student] = {}
    for row in reader:
        raw = (row.get(id_column) or "").strip()
        sid = re.sub(r"^participant\s+", "", raw, flags=re.IGNORECASE)  # Moodle's worksheet
        if not sid:
            continue
        name = (row.get(name_column) or "").strip() if name_column else ""
        email = (row.get(email_column) or "").strip() if email_column else ""
        students.setdefault(sid.casefold(), Student(sid, name, email))
    if not students:
        raise RosterError(f"--roster {path}: no student ids in column '{id_column}'.")
    return list(students.values())


def _letters(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if c.isalnum())


def _name_keys(name: str) -> set[str]:
    """``John Smith`` → ``{"johnsmith", "smithjohn"}`` (Canvas writes last name first)."""
    parts = [_letters(p) for p in re.split(r"[\s,]+", name) if _letters(p)]
    if not parts:
        return set()
    return {"".join(parts), "".join(parts[-1:] + parts[:-1]), "".join(reversed(parts))}


def match(identity: Identity, roster: list[Student]) -> tuple[Student | None, str]:
    """The roster student a submission belongs to, and how it was matched ("" if not)."""
    wanted = identity.student.casefold()
    for student in roster:
        if wanted and student.id.casefold() == wanted:
            return student, "id"
    for student in roster:
        local = student.email.split("@", 1)[0].casefold()
        if wanted and local and local == wanted:
            return student, "email"
    keys = _name_keys(identity.name) | ({_letters(identity.student)} - {""})
    found = [s for s in roster if s.name and _name_keys(s.name) & keys]
    if len(found) == 1:
        return found[0], "name"
    return None, ""
