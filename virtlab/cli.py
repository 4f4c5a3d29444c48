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


def _key(args: argparse.Namespace) -> int:
    from virtlab.grading.key import KEY_FILE, KeySourceError, update

    solutions = Path(args.solutions) if args.solutions else _course_root() / "solutions"
    if not solutions.is_dir():
        print(
            f"virtlab key: no solutions folder at {solutions}; pass --solutions DIR.",
            file=sys.stderr,
        )
        return 2
    try:
        stale = update(solutions, check_only=args.check)
    except KeySourceError as err:
        for problem in err.problems:
            print(f"virtlab key: {problem}", file=sys.stderr)
        return 2
    target = solutions / KEY_FILE
    if args.check and stale:
        print(f"stale: {target}; run `virtlab key` to regenerate it.", file=sys.stderr)
        return 1
    print(f"{'wrote' if stale else 'up to date:'} {target}")
    return 0


def _parse_value(text: str) -> object:
    """A number stays a number (``8``, ``0.55``); anything else is text (``b``, ``type 1``)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _hash(args: argparse.Namespace) -> int:
    from virtlab.answers import answer_hash

    qid = args.qid
    if args.items:
        pairs = [item.partition("=") for item in args.items]
        if args.values or not all(sep for _, sep, _ in pairs):
            print("virtlab hash: with --items give ITEM=CATEGORY pairs only.", file=sys.stderr)
            return 2
        print("answer_hashes={")
        for item, _, category in pairs:
            digest = answer_hash(f"{qid}:{item.strip()}", category.strip())
            print(f'    "{item.strip()}": "{digest}",')
        print("},")
        return 0
    if not args.values:  # a self-check: its answer comes from the instructor's source file
        from virtlab.grading.key import KeySourceError, selfcheck_hash

        solutions = Path(args.solutions) if args.solutions else _course_root() / "solutions"
        try:
            print(selfcheck_hash(qid, solutions))
        except (KeySourceError, KeyError) as err:
            problems = getattr(err, "problems", [str(err)])
            print("\n".join(f"virtlab hash: {p}" for p in problems), file=sys.stderr)
            return 2
        return 0
    values = [_parse_value(v) for v in args.values]
    value = values[0] if len(values) == 1 and not args.set else set(values)
    print(answer_hash(qid, value))
    return 0


_HASH_EPILOG = """\
examples:
  virtlab hash ex02-q1 b                     multiple choice: the right letter
  virtlab hash ex01-q4 3                     a number (round it to the question's decimals)
  virtlab hash ex02-q3 --items kvm="type 1" docker="container engine"
                                             a classification: paste the printed dict
  virtlab hash l02-overcommit                a self-check: the hash of the option(s) that
                                             solutions/key/selfchecks.toml names
  virtlab hash l01-containers-share "The physical hardware" "The host's kernel"
                                             a multiple-answer self-check by option text:
                                             several VALUEs are hashed as one set (--set
                                             before QID makes a single VALUE a set too)
"""


def _report(args: argparse.Namespace) -> int:
    from virtlab.grading.report import ReportInputError, answers_path_for, write_report

    gradebook = Path(args.gradebook)
    answers = Path(args.answers) if args.answers else None
    if answers is not None and not answers.is_file():
        print(f"virtlab report: --answers {answers}: no such file.", file=sys.stderr)
        return 2
    try:
        write_report(gradebook, Path(args.output), answers)
    except ReportInputError as err:
        print(f"virtlab report: {err}", file=sys.stderr)
        return 2
    used = answers or answers_path_for(gradebook)
    print(f"wrote {args.output}" + ("" if used.is_file() else f" (no {used.name}: no answers)"))
    return 0


def _export(args: argparse.Namespace) -> int:
    from virtlab.grading.export import ExportError, export

    try:
        result = export(
            Path(args.gradebook),
            Path(args.output),
            args.format,
            roster=Path(args.roster) if args.roster else None,
            percent=args.percent,
        )
    except ExportError as err:
        print(f"virtlab export: {err}", file=sys.stderr)
        return 2
    for warning in result.warnings:
        print(f"virtlab export: warning: {warning}", file=sys.stderr)
    print(
        f"wrote {args.output}: {len(result.students)} student(s) x "
        f"{len(result.exercises)} exercise(s), {args.format} layout"
    )
    return 1 if result.warnings else 0


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
    from virtlab.grading.limits import DEFAULTS, Limits

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
    report = sub.add_parser(
        "report",
        help="one offline HTML page on how the class did, from a gradebook",
        description="Write a self-contained HTML report (plotly embedded, works offline, "
        "printable): score distributions, per-question success, statuses that need "
        "attention, common wrong answers with the bank's feedback, a table per student, "
        "and identical work flagged for information. Answers come from "
        "GRADEBOOK.answers.jsonl or the grader's <stem>.answers.json beside it. Exit codes: "
        "0 written, 2 unusable input.",
    )
    report.add_argument("gradebook", metavar="GRADEBOOK", help="the CSV of virtlab grade")
    report.add_argument("-o", "--output", required=True, metavar="HTML", help="the page")
    report.add_argument(
        "--answers", metavar="FILE", help="default: the answers file beside the gradebook"
    )
    report.set_defaults(run=_report)

    key = sub.add_parser(
        "key",
        help="regenerate the instructors' answer key (solutions/key/answer-key.md)",
        description="Render the answer key from the self-checks, solutions/key/*.toml, the "
        "question bank and the solution notebooks. Exit codes: 0 done (or up to date with "
        "--check), 1 stale key with --check, 2 the sources disagree (each problem is listed).",
    )
    key.add_argument("--check", action="store_true", help="only report a stale key")
    key.add_argument("--solutions", metavar="DIR", help="default: solutions/")
    key.set_defaults(run=_key)

    hash_ = sub.add_parser(
        "hash",
        help="print the salted hash to store for an expected answer",
        description="Print answer_hash(QID, VALUE), the form in which the question bank and "
        "the self-checks store expected answers.",
        epilog=_HASH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    hash_.add_argument("qid", metavar="QID", help="question id: ex02-q1, l02-overcommit, ...")
    hash_.add_argument("values", nargs="*", metavar="VALUE", help="the expected answer")
    hash_.add_argument("--set", action="store_true", help="hash even one VALUE as a set")
    hash_.add_argument("--items", nargs="+", metavar="ITEM=CATEGORY", help="a classification")
    hash_.add_argument("--solutions", metavar="DIR", help="default: solutions/")
    hash_.set_defaults(run=_hash)

    export = sub.add_parser(
        "export",
        help="export a gradebook for an LMS (Canvas, Moodle) or as a plain CSV",
        description="One row per student, one column per exercise, in the layout of the "
        "LMS's grade import. A student's best submission of an exercise counts; rows of any "
        "status count the points they hold; a missing exercise is an empty cell. Exit codes: "
        "0 written, 1 written with warnings (students missing from the roster, rows without "
        "points), 2 usage error.",
    )
    export.add_argument("gradebook", metavar="GRADEBOOK", help="the CSV of virtlab grade")
    export.add_argument("--format", choices=("canvas", "moodle", "csv"), default="csv")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="the CSV to write")
    export.add_argument(
        "--roster",
        metavar="CSV",
        help="students to list and match: a 'student' column, or a Canvas gradebook export",
    )
    export.add_argument("--percent", action="store_true", help="percentages instead of points")
    export.set_defaults(run=_export)
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
