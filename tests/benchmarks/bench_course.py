"""Course benchmark: execution time of each lesson, and of the whole nbval validation.

Prints a table; asserts nothing about time. Targets: every lesson under 20 s (kernel start
included, as a learner's "Run All"), the whole course validated (strict nbval over lessons and
solutions, lax over exercises) in under 3 minutes on 2 cores. Lessons run from in-memory copies,
so the committed notebooks are not touched.

    .venv/bin/python tests/benchmarks/bench_course.py [--jobs 2] [--lessons-only]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
LESSON_TARGET_S = 20.0
COURSE_TARGET_S = 180.0


def run_notebook(path: Path) -> float:
    """Seconds to start a kernel and run the notebook top to bottom (nothing is saved)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=False,
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def run_pytest(args: list[str]) -> tuple[float, str]:
    """Seconds for one pytest run, and its last summary line."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    summary = re.sub(r"\x1b\[[0-9;]*m", "", lines[-1]) if lines else f"exit {done.returncode}"
    return seconds, summary.strip("= ")


def verdict(seconds: float, target: float) -> str:
    return "ok" if seconds < target else "OVER"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="pytest-xdist workers for nbval")
    parser.add_argument("--lessons-only", action="store_true", help="skip the nbval runs")
    args = parser.parse_args(argv)

    print(f"cores available: {os.cpu_count()}; Python {sys.version.split()[0]}")
    print(f"\n{'lesson':40} {'seconds':>8}  target < {LESSON_TARGET_S:g} s")
    total = 0.0
    for path in sorted((ROOT / "lessons").glob("*.ipynb")):
        seconds = run_notebook(path)
        total += seconds
        print(f"{path.name:40} {seconds:8.1f}  {verdict(seconds, LESSON_TARGET_S)}")
    print(f"{'all lessons, one after another':40} {total:8.1f}")
    if args.lessons_only:
        return 0

    # nbval runs a notebook's cells in one kernel: all of them must go to the same worker.
    jobs = ["-n", str(args.jobs), "--dist", "loadfile"] if args.jobs > 1 else []
    strict = ["--nbval", "lessons", "solutions"]
    strict += ["--nbval-sanitize-with", "tests/nbval_sanitize.cfg", *jobs]
    runs = [
        ("nbval strict: lessons + solutions", strict),
        ("nbval lax: exercises", ["--nbval-lax", "exercises", *jobs]),
    ]
    print(f"\n{'validation (' + str(args.jobs) + ' workers)':40} {'seconds':>8}  result")
    course = 0.0
    for label, pytest_args in runs:
        seconds, summary = run_pytest(pytest_args)
        course += seconds
        print(f"{label:40} {seconds:8.1f}  {summary}")
    target = f"target < {COURSE_TARGET_S:g} s: {verdict(course, COURSE_TARGET_S)}"
    print(f"{'whole course validated':40} {course:8.1f}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
