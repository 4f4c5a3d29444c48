"""The gradebook CSV: one row per submission, written atomically under a lock.

Writes go to a temporary file in the same folder, are flushed to disk, then ``os.replace`` d over
the gradebook, so a reader never sees half a file. A sidecar ``<gradebook>.lock`` held with
``fcntl.flock`` for the whole batch makes a second ``virtlab grade`` on the same gradebook wait,
then find every submission already graded and skip it (where there is no ``fcntl``, on Windows,
two graders on one gradebook are not kept apart).

Beside the gradebook, ``<gradebook>.answers.json`` keeps what each submission answered
(``{notebook: {"student", "exercise", "sha256", "answers": {qid: recorded answer}}}``), the
material of a class report, written the same atomic way.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

FIXED_FIRST = ["student", "name", "notebook", "exercise"]
FIXED_LAST = ["total", "max", "status", "message", "feedback", "sha256", "version"]


def row_key(row: dict[str, str]) -> str:
    """What identifies a row: its notebook, or for a roster student's ``no-submission`` row
    (no notebook) the student and exercise."""
    if row.get("notebook"):
        return row["notebook"]
    return f"(no notebook) {row.get('student', '')} {row.get('exercise', '')}"


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the gradebook's sidecar lock; say so on stderr when another grader holds it."""
    if fcntl is None:
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"virtlab grade: {path} is being written by another virtlab grade; waiting...",
                file=sys.stderr,
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class UnreadableGradebook(ValueError):
    """The gradebook exists but cannot be read: grading on would overwrite its rows."""


def read(path: Path) -> list[dict[str, str]]:
    """The rows of an existing gradebook (none when there is no file yet).

    A gradebook that exists but cannot be read (re-saved in another encoding, not a CSV) raises
    :class:`UnreadableGradebook`: writing over it would lose every row it holds.
    """
    if not path.exists() or path.stat().st_size == 0:
        return []
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = [dict(row) for row in csv.DictReader(handle)]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise UnreadableGradebook(
            f"{path} exists but cannot be read as a UTF-8 CSV gradebook ({err}). Move it away "
            "or save it again as UTF-8 CSV, then re-run; nothing was written."
        ) from None
    # a hand-edited row with extra fields gets the key None: keep what has a column name
    return [{k: v for k, v in row.items() if k is not None} for row in rows]


def columns_for(rows: list[dict[str, str]], question_ids: list[str]) -> list[str]:
    seen = list(dict.fromkeys(question_ids))
    for row in rows:
        for key in row:
            if key not in FIXED_FIRST and key not in FIXED_LAST and key not in seen:
                seen.append(key)
    return [*FIXED_FIRST, *sorted(seen), *FIXED_LAST]


def write(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    """Replace the gradebook with these rows in one atomic step."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in sorted(rows, key=lambda r: (r.get("student", ""), r.get("notebook", ""))):
        writer.writerow({c: row.get(c, "") for c in columns})
    _replace(path, buffer.getvalue())


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def answers_path(path: Path) -> Path:
    return path.with_name(path.stem + ".answers.json")


def read_answers(path: Path) -> dict[str, Any]:
    """The recorded answers kept beside a gradebook ({} when none, or unreadable: they are
    rewritten from the gradebook's own submissions as they are graded)."""
    try:
        data = json.loads(answers_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_answers(path: Path, answers: dict[str, Any]) -> None:
    text = json.dumps(answers, ensure_ascii=False, sort_keys=True, indent=1)
    _replace(answers_path(path), text + "\n")
