"""The ``virtlab`` command."""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path


def _course_root() -> Path:
    """The checkout that holds lessons/ (the current folder or one above it)."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "lessons").is_dir():
            return folder
    return here


def _course_source() -> Path:
    """Where the shipped lessons/ and exercises/ are: inside the wheel, or in this checkout."""
    packaged = Path(__file__).resolve().parent / "data" / "course"
    if (packaged / "lessons").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent  # an editable install of a clone
    if (checkout / "lessons").is_dir() and (checkout / "exercises").is_dir():
        return checkout
    raise FileNotFoundError(
        f"virtlab's course notebooks are missing: neither {packaged} nor a checkout beside the "
        "package has lessons/; reinstall with `pip install --force-reinstall virtlab`"
    )


def _lab_command(root: Path, notebook: Path | None, extra: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}"]
    if notebook is not None and notebook.exists():
        cmd.append(notebook.relative_to(root).as_posix())
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines often run as root
    return cmd + extra


def _lab_environment() -> dict[str, str]:
    """The environment for JupyterLab: virtlab's config folder comes first on the config path.

    Its ``labconfig/page_config.json`` disables the announcements plugin, so a learner's first
    start shows no "Would you like to get notified about official Jupyter news?" prompt (and
    JupyterLab does not fetch news or check for updates: the course needs no network).
    """
    env = dict(os.environ)
    ours = str(Path(__file__).resolve().parent / "data" / "jupyter")
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        [ours, *filter(None, [env.get("JUPYTER_CONFIG_PATH")])]
    )
    return env


def _open_lab(root: Path, notebook: Path | None, extra: list[str]) -> int:
    if importlib.util.find_spec("jupyterlab") is None:
        print(
            "virtlab: JupyterLab is not installed in this Python; install it with\n"
            f'    {Path(sys.executable).name} -m pip install "virtlab[lab]"',
            file=sys.stderr,
        )
        return 2
    # jupyter lab resolves the notebook argument against its working folder
    return subprocess.call(_lab_command(root, notebook, extra), env=_lab_environment(), cwd=root)


def _lab(args: argparse.Namespace) -> int:
    root = _course_root()
    return _open_lab(root, root / "lessons" / "00-welcome.ipynb", args.jupyter_args)


def _start(args: argparse.Namespace) -> int:
    from virtlab.course import copy_course

    target = Path(args.directory).expanduser().resolve()
    try:
        report = copy_course(_course_source(), target)
    except (FileNotFoundError, NotADirectoryError, PermissionError) as err:
        print(f"virtlab start: {err}", file=sys.stderr)
        return 2
    print(report.summary())
    if args.no_lab:
        return 0
    return _open_lab(target, target / "lessons" / "00-welcome.ipynb", args.jupyter_args)


def _assign(args: argparse.Namespace) -> int:
    from virtlab.grading.assign import SolutionMarkerError, assign

    root = _course_root()
    solutions = Path(args.solutions) if args.solutions else root / "solutions"
    exercises = Path(args.exercises) if args.exercises else root / "exercises"
    try:
        outcomes = assign(solutions, exercises, check_only=args.check)
    except (ValueError, SolutionMarkerError) as err:
        print(f"virtlab assign: {err}", file=sys.stderr)
        return 2
    stale = [o for o in outcomes if o.stale]
    for outcome in outcomes:
        if args.check and outcome.stale:
            print(f"stale: {outcome.target} {outcome.reason}", file=sys.stderr)
        elif not args.check and outcome.stale:
            verb = "warning:" if outcome.source == outcome.target else "wrote"
            print(f"{verb} {outcome.target} ({outcome.reason})")
    if args.check:
        if stale:
            print("Run `virtlab assign` to regenerate the exercises.", file=sys.stderr)
            return 1
        print(f"{len(outcomes)} exercise(s) up to date.")
    elif not stale:
        print(f"{len(outcomes)} exercise(s) already up to date.")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from virtlab.grading.batch import EXIT_USAGE, Options, UsageError, grade
    from virtlab.grading.runner import Limits

    notebook_timeout = args.notebook_timeout or max(args.timeout * 10, 120.0)
    options = Options(
        submissions=args.submissions,
        output=Path(args.output),
        feedback=Path(args.feedback) if args.feedback else None,
        jobs=args.jobs,
        limits=Limits(
            cell_timeout=args.timeout,
            notebook_timeout=notebook_timeout,
            memory_mb=args.memory_mb,
            output_bytes=args.output_limit,
        ),
        hidden=Path(args.hidden) if args.hidden else None,
        force=args.force,
        quiet=args.quiet,
    )
    try:
        return grade(options)
    except UsageError as err:
        print(f"virtlab grade: {err}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as err:  # a bad --hidden file
        print(f"virtlab grade: {err}", file=sys.stderr)
        return EXIT_USAGE


_GRADE_EPILOG = """\
exit codes:
  0    every submission graded with status ok
  1    graded, but some submissions have another status (timeout, kernel-died, tampered, ...;
       see the status and message columns of the gradebook)
  2    usage error: bad option, nothing to grade, unreadable --hidden file
  130  interrupted; the gradebook keeps every row finished so far

Student ids come from the file name minus the exercise name (alice_02-type1-hypervisors.ipynb)
or from the folder (alice/02-type1-hypervisors.ipynb). Re-running skips submissions whose
sha256 and question-bank version are already in the gradebook (--force regrades them).
"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


# modules of the optional extras (pyproject.toml), for a clear error when one is missing
_EXTRA_FOR_MODULE = {
    "nbformat": "grade",
    "nbclient": "grade",
    "jupyter_client": "grade",
    "ipykernel": "grade",
}

_JUPYTER_ARGS_EPILOG = (
    "Other options go to JupyterLab, written with '=' (for example --no-browser "
    "--ServerApp.port=8899)."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="virtlab",
        description="Hypervisors and containers, hands-on: the course's command line.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    lab = sub.add_parser(
        "lab",
        help="open this checkout's lessons in JupyterLab",
        epilog=_JUPYTER_ARGS_EPILOG,
    )
    lab.set_defaults(run=_lab, takes_jupyter_args=True)

    start = sub.add_parser(
        "start",
        help="copy the lessons and exercises into a folder and open them in JupyterLab",
        description="Copy the course (lessons and exercises) into DIR and open JupyterLab there. "
        "Run it again at any time: a notebook you edited is never overwritten; one you did not "
        "touch is updated when a newer virtlab ships a new version of it.",
        epilog=_JUPYTER_ARGS_EPILOG,
    )
    start.add_argument(
        "directory",
        nargs="?",
        default="virtlab-course",
        metavar="DIR",
        help="the working folder (default: ./virtlab-course)",
    )
    start.add_argument("--no-lab", action="store_true", help="only copy; do not open JupyterLab")
    start.set_defaults(run=_start, takes_jupyter_args=True)

    assign = sub.add_parser(
        "assign",
        help="regenerate exercises/ from solutions/",
        description="Regenerate exercises/ from solutions/: solution regions become ..., outputs "
        "are cleared. Exit codes: 0 done (or up to date with --check), 1 stale exercises "
        "with --check, 2 usage error.",
    )
    assign.add_argument("--check", action="store_true", help="only report stale exercises")
    assign.add_argument("--solutions", metavar="DIR", help="default: solutions/")
    assign.add_argument("--exercises", metavar="DIR", help="default: exercises/")
    assign.set_defaults(run=_assign)

    grade = sub.add_parser(
        "grade",
        help="grade submitted notebooks into a gradebook CSV",
        description="Grade submitted exercise notebooks: each runs in a fresh, fenced kernel; "
        "answers recorded by check() are scored by the grader.",
        epilog=_GRADE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grade.add_argument(
        "submissions", nargs="+", metavar="SUBMISSIONS", help="files, folders, globs"
    )
    grade.add_argument("-o", "--output", required=True, metavar="CSV", help="the gradebook")
    grade.add_argument("--feedback", metavar="DIR", help="write one feedback file per submission")
    grade.add_argument(
        "-j", "--jobs", type=_positive_int, default=os.cpu_count() or 1, help="parallel kernels"
    )
    grade.add_argument(
        "--timeout", type=_positive_float, default=30.0, metavar="S", help="per cell (30)"
    )
    grade.add_argument(
        "--notebook-timeout",
        type=_positive_float,
        metavar="S",
        help="per notebook (default: 10 x --timeout, at least 120)",
    )
    grade.add_argument(
        "--memory-mb", type=_positive_int, default=1024, metavar="M", help="per kernel (1024)"
    )
    grade.add_argument(
        "--output-limit",
        type=_positive_int,
        default=2_000_000,
        metavar="CHARS",
        help="cell output per notebook (2,000,000)",
    )
    grade.add_argument("--hidden", metavar="FILE", help="extra hidden questions (Python file)")
    grade.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    grade.add_argument("-q", "--quiet", action="store_true", help="no summary table")
    grade.set_defaults(run=_grade)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "takes_jupyter_args", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.jupyter_args = unknown
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except ModuleNotFoundError as err:
        # the learner's install has no grading tools: say which extra brings them
        extra = _EXTRA_FOR_MODULE.get((err.name or "").split(".")[0])
        if extra is None:
            raise
        print(
            f"virtlab {args.command}: needs {err.name}, which is not installed; install it with\n"
            f'    {Path(sys.executable).name} -m pip install "virtlab[{extra}]"',
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
