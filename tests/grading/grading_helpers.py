"""Shared helpers for the grading tests: build submissions from the sample solution, run the CLI."""

from __future__ import annotations

import csv
import fcntl
import json
import subprocess
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from virtlab.grading import bank
from virtlab.grading.nbio import nbformat

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "02-type1-hypervisors.ipynb"
EXERCISE = ROOT / "exercises" / "02-type1-hypervisors.ipynb"
NAME = "02-type1-hypervisors"
# the bank's total, so adding a question to ex02 needs no edit here
MAX = bank.exercises()["ex02"].max_points


def solution() -> nbformat.NotebookNode:
    return nbformat.read(SOLUTION, as_version=4)


def exercise() -> nbformat.NotebookNode:
    return nbformat.read(EXERCISE, as_version=4)


def answer_cell(nb: nbformat.NotebookNode, qid: str) -> int:
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and f'check("{qid}"' in cell.source:
            return index
    raise KeyError(qid)


def set_answer(nb: nbformat.NotebookNode, qid: str, code: str) -> nbformat.NotebookNode:
    """Replace the answer of ``qid`` with ``code`` (which must set ``answer``)."""
    nb.cells[answer_cell(nb, qid)].source = f'{code}\ncheck("{qid}", answer)'
    return nb


def insert_before(nb: nbformat.NotebookNode, qid: str, code: str) -> nbformat.NotebookNode:
    nb.cells.insert(answer_cell(nb, qid), nbformat.v4.new_code_cell(code))
    return nb


def write(path: Path, nb: nbformat.NotebookNode) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def grade(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "virtlab.cli", "grade", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def read_gradebook(path: Path) -> dict[str, dict[str, str]]:
    """Rows by student id."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_student: dict[str, dict[str, str]] = {}
    for row in rows:
        key = row["student"]
        while key in by_student:
            key += "+"
        by_student[key] = row
    return by_student


@contextmanager
def shared_once(base: Path, name: str, build: Callable[[Path], dict]):
    """Build a result once for all xdist workers (they share ``base``); yield it as JSON."""
    folder = base / name
    folder.mkdir(parents=True, exist_ok=True)
    result = folder / "result.json"
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            result.write_text(json.dumps(build(folder)), encoding="utf-8")
    yield json.loads(result.read_text(encoding="utf-8"))
