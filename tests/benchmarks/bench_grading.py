"""Grading benchmark: ``virtlab grade`` against plain ``jupyter nbconvert --execute``.

Grades the same varied submissions (made from the sample solution of exercise 02: full
marks, unanswered, partly wrong) three ways and prints median and spread over repetitions:

* ``jupyter nbconvert --to notebook --execute`` of all files in one process (the baseline);
* ``virtlab grade -j 1`` (target: at most 0.8 x the baseline);
* ``virtlab grade -j 2`` (target: at least 1.8 x faster than ``-j 1`` on 2 free cores).

Every figure includes process start-up, and the grader's kernels carry their fences (limits,
the in-kernel output budget). The three commands run side by side in each repetition, so load
from other processes affects them alike. Prints; asserts nothing. Settings by environment:
``BENCH_SUBMISSIONS`` (default 40), ``BENCH_REPEAT`` (default 5; 2 is enough for a quick look).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from virtlab.grading.nbio import nbformat

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "02-type1-hypervisors.ipynb"
EXERCISE = ROOT / "exercises" / "02-type1-hypervisors.ipynb"
VARIANTS = [
    ("ex02-q1", 'answer = "a"'),
    ("ex02-q4", "answer = 7"),
    ("ex02-q5", "answer = vl.Stack.type1()"),
    ("ex02-q6", "answer = vl.Stack(broken)"),
]


def make_submissions(folder: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        if i % 5 == 4:
            nb = nbformat.read(EXERCISE, as_version=4)
        else:
            nb = nbformat.read(SOLUTION, as_version=4)
            qid, code = VARIANTS[i % len(VARIANTS)]
            if i % 5:
                cell = next(c for c in nb.cells if f'check("{qid}"' in c.source)
                cell.source = f'{code}\ncheck("{qid}", answer)'
        path = folder / f"student{i:03d}_02-type1-hypervisors.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:4]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def describe(label: str, samples: list[float], count: int) -> str:
    median = statistics.median(samples)
    return (
        f"{label:<28} median {median:7.2f} s  (min {min(samples):.2f}, max {max(samples):.2f})"
        f"  {median / count:.3f} s per submission"
    )


def main() -> None:
    count = int(os.environ.get("BENCH_SUBMISSIONS", "40"))
    repeat = int(os.environ.get("BENCH_REPEAT", "5"))
    bindir = Path(sys.executable).parent
    results: dict[str, list[float]] = {"nbconvert": [], "grade -j 1": [], "grade -j 2": []}
    with tempfile.TemporaryDirectory(prefix="virtlab-bench-") as tmp:
        work = Path(tmp)
        subs = work / "subs"
        subs.mkdir()
        paths = make_submissions(subs, count)
        names = [str(p.relative_to(work)) for p in paths]
        print(f"{count} submissions, {repeat} repetitions, {os.cpu_count()} CPU(s)")
        for rep in range(repeat):
            out = work / f"out{rep}"
            results["nbconvert"].append(
                timed(
                    [str(bindir / "jupyter"), "nbconvert", "--to", "notebook", "--execute"]
                    + ["--output-dir", str(out), *names],
                    work,
                )
            )
            for jobs in (1, 2):
                gradebook = work / f"gb-{rep}-{jobs}.csv"
                results[f"grade -j {jobs}"].append(
                    timed(
                        [str(bindir / "virtlab"), "grade", "subs", "-o", str(gradebook)]
                        + ["-j", str(jobs), "-q"],
                        work,
                    )
                )
            shutil.rmtree(out, ignore_errors=True)
            print(
                f"  repetition {rep + 1}: "
                + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in results.items())
            )
    print()
    for label, samples in results.items():
        print(describe(label, samples, count))
    base = statistics.median(results["nbconvert"])
    one = statistics.median(results["grade -j 1"])
    two = statistics.median(results["grade -j 2"])
    ratios = [g / n for g, n in zip(results["grade -j 1"], results["nbconvert"], strict=True)]
    speedups = [a / b for a, b in zip(results["grade -j 1"], results["grade -j 2"], strict=True)]
    print(
        f"grade -j 1 / nbconvert: {one / base:.2f} (per repetition {min(ratios):.2f}-"
        f"{max(ratios):.2f}; target <= 0.8)"
    )
    print(
        f"speed-up -j 2 over -j 1: {one / two:.2f} (per repetition {min(speedups):.2f}-"
        f"{max(speedups):.2f}; target >= 1.8 on 2 free cores)"
    )
    print(f"overhead the grader adds per submission: {(one - base) / count * 1000:+.0f} ms")


if __name__ == "__main__":
    main()
