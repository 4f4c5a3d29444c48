"""The same notebook gets the same grade on any machine: the hostile corpus of
``test_corpus.py``, graded again under other settings and load, gives every submission the same
status and points as the reference batch (``-j 2``, 512 MB, an idle machine).

Each variant changes what used to change grades: the number of parallel kernels (``-j 1``), and,
in the other, the memory limit (2048 MB) together with two CPU-burning processes beside two
kernels on a machine of two cores (the burners are started and killed here). Against the
reference, every factor is varied at least once, at no more cost than two batches. Each variant
is one batch, shared by the xdist workers; each test compares one case in one variant and names
both rows when they differ.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from grading_helpers import grade, read_gradebook, shared_once
from test_corpus import EXPECTED, LIMITS, batch  # noqa: F401  (batch: the reference fixture)

# name -> (options, CPU-burning processes beside the grader)
VARIANTS = {
    "j1-512MB-idle": (["-j", "1", "--memory-mb", "512"], 0),
    "j2-2048MB-2-burners": (["-j", "2", "--memory-mb", "2048"], 2),
}


def _grade_under_load(folder: Path, name: str) -> dict:
    options, burning = VARIANTS[name]
    burner = [sys.executable, "-c", "while True: pass"]
    burners = [subprocess.Popen(burner) for _ in range(burning)]
    started = time.monotonic()
    try:
        done = grade(["subs", "-o", f"gb-{name}.csv", *options, *LIMITS], cwd=folder)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    return {
        "seconds": time.monotonic() - started,
        "stderr": done.stderr,
        "rows": read_gradebook(folder / f"gb-{name}.csv"),
    }


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def variant(request, batch, shared_dir: Path) -> tuple[str, dict]:  # noqa: F811
    name = request.param
    folder = shared_dir / "corpus-batch"  # the reference batch's submissions, graded again

    def build(_: Path) -> dict:
        return _grade_under_load(folder, name)

    with shared_once(shared_dir, f"corpus-{name}", build) as result:
        return name, result


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_same_status_and_points(batch, variant, student):  # noqa: F811
    name, again = variant
    reference = batch["rows"].get(student)
    row = again["rows"].get(student)
    assert reference is not None and row is not None, f"{student}: row missing\n{again['stderr']}"
    got = (row["status"], row.get("total", ""))
    want = (reference["status"], reference.get("total", ""))
    assert got == want, (
        f"{student} under {name}: {got[0]} with {got[1] or '-'} points ({row['message']!r}); "
        f"the reference batch gave {want[0]} with {want[1] or '-'} ({reference['message']!r})"
    )
