"""Re-execute the course notebooks in place and regenerate the exercises: ``make notebooks``.

``python -m virtlab.notebooks`` runs every lesson and solution top to bottom in a fresh kernel
(the ``python3`` kernel of the running interpreter), saves each one with nbformat's canonical
writer, then rebuilds ``exercises/`` from ``solutions/`` with the grading package's ``assign``.
A notebook whose cell fails is left untouched on disk and reported with the failing cell, and the
command exits non-zero. Pass paths to run only some notebooks (``--no-assign`` skips the
exercises). Execution is deterministic in what it stores: no timing metadata, no widget state.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

NOTEBOOK_FOLDERS = ("lessons", "solutions")
KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 120


@dataclass(frozen=True)
class Run:
    """The outcome of executing one notebook."""

    path: Path
    seconds: float
    error: str | None = None


def course_root(start: Path | None = None) -> Path:
    """The checkout that holds ``lessons/``: the given folder, the current one, or a parent."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "lessons").is_dir():
            return folder
    package_checkout = Path(__file__).resolve().parent.parent
    if (package_checkout / "lessons").is_dir():
        return package_checkout
    raise FileNotFoundError(
        f"No lessons/ folder in {here} or above it: run this from the course checkout."
    )


def course_notebooks(root: Path) -> list[Path]:
    """Every lesson, then every solution, in file-name order."""
    return [path for folder in NOTEBOOK_FOLDERS for path in sorted((root / folder).glob("*.ipynb"))]


def execute(path: Path, *, timeout: int = CELL_TIMEOUT_S) -> float:
    """Run one notebook top to bottom in a fresh kernel and save it in place; return seconds.

    The working folder is the notebook's own, as in JupyterLab. On a failing cell the file is
    not written and nbclient's ``CellExecutionError`` propagates.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        # Timestamps and widget model state change on every run: keep them out of git.
        record_timing=False,
        store_widget_state=False,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    notebook.metadata.pop("widgets", None)
    nbformat.validate(notebook)
    nbformat.write(notebook, path, version=4)
    return seconds


def _run(path: Path, timeout: int) -> Run:
    start = time.perf_counter()
    try:
        return Run(path, execute(path, timeout=timeout))
    except Exception as err:  # one broken notebook must not hide the others' results
        summary = str(err).strip().splitlines()
        detail = "\n".join(summary[-12:]) if summary else type(err).__name__
        return Run(path, time.perf_counter() - start, f"{type(err).__name__}: {detail}")


def execute_all(paths: list[Path], *, jobs: int = 1, timeout: int = CELL_TIMEOUT_S) -> list[Run]:
    """Execute notebooks (``jobs`` at a time), printing one line per notebook as it finishes."""
    runs: list[Run] = []

    def report(run: Run) -> None:
        status = "ok" if run.error is None else "FAILED"
        print(f"{status:6} {run.seconds:6.1f} s  {run.path}", flush=True)
        runs.append(run)

    if jobs <= 1:
        for path in paths:
            report(_run(path, timeout))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for run in pool.map(_run, paths, [timeout] * len(paths)):
                report(run)
    return runs


def regenerate_exercises(root: Path) -> list[str]:
    """Rebuild ``exercises/`` from ``solutions/`` (as ``virtlab assign``); what it rewrote."""
    from virtlab.grading.assign import assign

    outcomes = assign(root / "solutions", root / "exercises", check_only=False)
    return [f"{o.target.name}: {o.reason}" for o in outcomes if o.stale]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m virtlab.notebooks",
        description="Re-execute lessons and solutions in place, then regenerate exercises.",
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, help="notebooks to run (default: all lessons, solutions)"
    )
    parser.add_argument("-j", "--jobs", type=int, default=1, help="notebooks run at once")
    parser.add_argument(
        "--timeout", type=int, default=CELL_TIMEOUT_S, help="seconds allowed per cell"
    )
    parser.add_argument(
        "--no-assign", action="store_true", help="do not regenerate exercises/ afterwards"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    root = course_root()
    paths = [p.resolve() for p in args.paths] or course_notebooks(root)
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"No such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    if not paths:
        print(f"No notebooks found under {root}/lessons or {root}/solutions.", file=sys.stderr)
        return 2
    start = time.perf_counter()
    runs = execute_all(paths, jobs=args.jobs, timeout=args.timeout)
    failed = [r for r in runs if r.error is not None]
    for run in failed:
        print(f"\n{run.path} failed and was left unchanged:\n{run.error}", file=sys.stderr)
    print(
        f"{len(runs) - len(failed)}/{len(runs)} notebooks executed in "
        f"{time.perf_counter() - start:.1f} s"
    )
    if failed:
        return 1
    if not args.no_assign and (root / "solutions").is_dir():
        changed = regenerate_exercises(root)
        for line in changed:
            print(f"exercise  {line}")
        print(f"exercises regenerated from solutions/ ({len(changed)} rewritten)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
