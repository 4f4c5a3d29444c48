"""The right student: one batch of files named the ways real collection names them, graded
against a roster; every row belongs to the right student and has its own feedback file."""

from __future__ import annotations

from pathlib import Path

import pytest
from grading_helpers import (
    MAX,
    NAME,
    exercise,
    grade,
    read_gradebook,
    shared_once,
    solution,
    write,
)

ROSTER = """id,name,email
alice,Alice Ames,alice@uni.example
bob,Bob Berg,
12345,John Smith,
4711,Jane Roe,
carol,Carol Chu,carol@uni.example
"""


def _build(folder: Path) -> dict:
    subs = folder / "subs"
    write(subs / "alice" / f"{NAME} (1).ipynb", solution())  # a browser re-download
    write(subs / "bob" / f"{NAME} (1).ipynb", exercise())  # the same file name, another student
    write(subs / f"smithjohn_LATE_12345_678901_{NAME}-1.ipynb", exercise())  # Canvas
    write(subs / f"Jane Roe_4711_assignsubmission_file_/{NAME}.ipynb", solution())  # Moodle
    write(subs / "mallory" / f"Copy of {NAME}.ipynb", exercise())  # not in the roster
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    args = ["subs", "-o", "gb.csv", "--feedback", "fb", "-j", "2", "--roster", "roster.csv"]
    done = grade(args, cwd=folder)
    return {
        "code": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "rows": read_gradebook(folder / "gb.csv"),
        "feedback": sorted(p.name for p in (folder / "fb").iterdir()),
    }


@pytest.fixture(scope="module")
def batch(shared_dir: Path) -> dict:
    with shared_once(shared_dir, "names-batch", _build) as result:
        return result


@pytest.mark.parametrize(
    ("student", "status", "total", "name"),
    [
        ("alice", "ok", f"{MAX:g}", "Alice Ames"),
        ("bob", "ok", "0", "Bob Berg"),
        ("12345", "ok", "0", "John Smith"),
        ("4711", "ok", f"{MAX:g}", "Jane Roe"),
        ("mallory", "unknown-student", "0", ""),
        ("carol", "no-submission", "0", "Carol Chu"),
    ],
)
def test_each_submission_belongs_to_its_student(batch, student, status, total, name):
    row = batch["rows"].get(student)
    assert row is not None, f"{student}: no row; rows: {sorted(batch['rows'])}\n{batch['stderr']}"
    got = (row["status"], row["total"], row["name"])
    assert got == (status, total, name), f"{student}: {row}"


def test_the_whole_class_and_nothing_else(batch):
    assert sorted(batch["rows"]) == ["12345", "4711", "alice", "bob", "carol", "mallory"]


def test_late_and_unknown_are_said(batch):
    assert "handed in late" in batch["rows"]["12345"]["message"]
    assert "mallory is not in the roster roster.csv" in batch["rows"]["mallory"]["message"]
    assert "no submission of ex02 from this student" in batch["rows"]["carol"]["message"]


def test_every_submission_has_its_own_feedback_file(batch):
    named = [r["feedback"] for r in batch["rows"].values() if r["notebook"]]
    assert len(named) == 5 and len(set(named)) == 5
    assert sorted(named) == batch["feedback"]
