"""The ``virtlab`` command."""

from __future__ import annotations

import argparse
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


def _lab(args: argparse.Namespace) -> int:
    root = _course_root()
    target = root / "lessons" if (root / "lessons").is_dir() else root
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}"]
    if (target / "00-welcome.ipynb").exists():
        cmd.append(str((target / "00-welcome.ipynb").relative_to(root)))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines often run as root
    cmd += args.jupyter_args
    return subprocess.call(cmd)


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
    from virtlab.grading.discover import RosterError
    from virtlab.grading.limits import Limits

    options = Options(
        submissions=args.submissions,
        output=Path(args.output),
        feedback=Path(args.feedback) if args.feedback else None,
        jobs=args.jobs,
        limits=Limits(
            cell_timeout=args.timeout,
            notebook_timeout=args.notebook_timeout,
            memory_mb=args.memory_mb,
            output_chars=args.output_limit,
        ),
        hidden=Path(args.hidden) if args.hidden else None,
        force=args.force,
        quiet=args.quiet,
        roster=Path(args.roster) if args.roster else None,
    )
    try:
        return grade(options)
    except (UsageError, RosterError) as err:
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
  2    usage error: bad option, nothing to grade, unreadable --hidden or --roster file
  130  interrupted; the gradebook keeps every row finished so far

Whose submission: a Canvas or Moodle bulk-download name, <id>_<exercise>.ipynb
(alice_02-type1-hypervisors.ipynb), else the folder (alice/02-type1-hypervisors (1).ipynb).
--roster CSV (a column 'id', optionally 'name' and 'email') matches them to your class, reports
unknown ones and adds a no-submission row for each student who handed nothing in. Re-running
skips submissions whose sha256 and question-bank version are already in the gradebook (--force
regrades them). Recorded answers are kept beside the gradebook in <gradebook>.answers.json.
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


def build_parser() -> argparse.ArgumentParser:
    from virtlab.grading.limits import DEFAULTS, Limits

    parser = argparse.ArgumentParser(
        prog="virtlab",
        description="Hypervisors and containers, hands-on: the course's command line.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    lab = sub.add_parser("lab", help="open the course in JupyterLab")
    lab.add_argument("jupyter_args", nargs=argparse.REMAINDER, help="passed to jupyter lab")
    lab.set_defaults(run=_lab)

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
        "--timeout",
        type=_positive_float,
        default=DEFAULTS.cell_timeout,
        metavar="S",
        help=f"per cell ({DEFAULTS.cell_timeout:g})",
    )
    grade.add_argument(
        "--notebook-timeout",
        type=_positive_float,
        metavar="S",
        help=f"per notebook (default: {Limits.NOTEBOOK_FACTOR} x --timeout, at least "
        f"{Limits.NOTEBOOK_MINIMUM:g})",
    )
    grade.add_argument(
        "--memory-mb",
        type=_positive_int,
        default=DEFAULTS.memory_mb,
        metavar="M",
        help=f"per kernel ({DEFAULTS.memory_mb})",
    )
    grade.add_argument(
        "--output-limit",
        type=_positive_int,
        default=DEFAULTS.output_chars,
        metavar="CHARS",
        help=f"characters of output per notebook ({DEFAULTS.output_chars:,})",
    )
    grade.add_argument("--roster", metavar="CSV", help="the class: student ids (and names, emails)")
    grade.add_argument("--hidden", metavar="FILE", help="extra hidden questions (Python file)")
    grade.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    grade.add_argument("-q", "--quiet", action="store_true", help="no summary table")
    grade.set_defaults(run=_grade)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
