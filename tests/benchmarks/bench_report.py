"""Class report benchmark: ``virtlab report`` on generated classes of growing size.

For 100, 300 and 1,000 students with two exercises each (the class of
``tests/grading/class_factory.py``, with recorded answers), prints the seconds to read,
re-score, draw and write the page, and the page's size. Prints; asserts nothing. ``BENCH_REPEAT``
(default 3) sets the repetitions; the median is shown.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))
from class_factory import make_class  # noqa: E402

from virtlab.grading.report import write_report  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def main() -> None:
    print(f"{'students':>8}  {'report s (median)':>17}  {'spread s':>8}  {'page MB':>7}")
    for size in (100, 300, 1000):
        with tempfile.TemporaryDirectory() as folder:
            gradebook = make_class(Path(folder), size=size)
            times = []
            for _ in range(REPEAT):
                start = time.perf_counter()
                write_report(gradebook, Path(folder) / "report.html")
                times.append(time.perf_counter() - start)
            megabytes = (Path(folder) / "report.html").stat().st_size / 1e6
        spread = max(times) - min(times)
        print(f"{size:>8}  {statistics.median(times):>17.2f}  {spread:>8.2f}  {megabytes:>7.1f}")


if __name__ == "__main__":
    main()
