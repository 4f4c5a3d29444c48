"""The grading pipeline's steps one at a time, without kernels: statuses, limits, deciding a
row's status, feedback names, roster rows, the answers kept beside the gradebook."""

from __future__ import annotations

from pathlib import Path

import pytest

from virtlab.cli import build_parser
from virtlab.grading import batch, decide, gradebook, limits, scoring
from virtlab.grading.bank import exercises
from virtlab.grading.discover import Student
from virtlab.grading.inline import _COLORS
from virtlab.grading.records import Records
from virtlab.grading.runner import CellError, Execution, Stop
from virtlab.grading.statuses import Status, Verdict

ROOT = Path(__file__).resolve().parents[2]
LIMITS = limits.Limits(cell_timeout=10, memory_mb=512, output_chars=200_000)


def test_precedence_is_the_order_of_the_enum():
    assert Status.worst([Status.OK, Status.CELL_ERRORS, Status.TIMEOUT]) is Status.TIMEOUT
    assert Status.worst([Status.OUTPUT_LIMIT, Status.KERNEL_ERROR]) is Status.OUTPUT_LIMIT
    assert Status.worst([Status.MEMORY_LIMIT, Status.KERNEL_ERROR]) is Status.MEMORY_LIMIT
    assert Status.worst([]) is Status.OK
    assert f"{Status.OUTPUT_LIMIT}" == "output-limit" and Status.parse("nope") is None


def test_every_status_and_verdict_is_described_and_every_verdict_has_a_colour():
    assert all(s.description for s in Status) and all(v.description for v in Verdict)
    assert set(_COLORS) == set(Verdict)


def test_readme_lists_every_status():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.value for s in Status if f"`{s.value}`" not in readme]
    assert not missing, f"README's grading section does not list: {missing}"


def test_limit_defaults_are_defined_once():
    args = build_parser().parse_args(["grade", "x", "-o", "gb.csv"])
    defaults = limits.DEFAULTS
    assert (args.timeout, args.memory_mb, args.output_limit) == (
        defaults.cell_timeout,
        defaults.memory_mb,
        defaults.output_chars,
    )
    assert args.notebook_timeout is None and defaults.notebook_seconds == 300
    assert limits.Limits(cell_timeout=5).notebook_seconds == limits.Limits.NOTEBOOK_MINIMUM
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for figure in (
        f"`--timeout`, {defaults.cell_timeout:g} s",
        f"`--memory-mb`, {defaults.memory_mb}",
        f"`--output-limit`, {defaults.output_chars:,}",
    ):
        assert figure in readme, f"README should state the default {figure!r}"


@pytest.mark.parametrize(
    ("platform", "fence", "expected"),
    [
        ("linux", True, []),
        ("linux", False, ["no network fence"]),
        ("darwin", None, ["memory limit", "no network fence", "new session"]),
        ("win32", None, ["memory limit", "core-dump", "no network fence", "survive"]),
    ],
)
def test_platforms_say_what_they_do_not_enforce(platform, fence, expected):
    notes = limits.unenforced(platform, network_fence=fence)
    assert len(notes) == len(expected)
    for note, word in zip(notes, expected, strict=True):
        assert word in note


# --------------------------------------------------------------------------- decide
def _decide(run: Execution) -> tuple[Status, str]:
    found = decide.run_findings(run, LIMITS)
    found += decide.answer_findings(Records(), [], [], set(), run.stop)
    return decide.decide(found)


@pytest.mark.parametrize(
    ("run", "status", "words"),
    [
        (Execution(), Status.OK, ""),
        (Execution(Stop.CELL_TIMEOUT, 5), Status.TIMEOUT, "cell 5 was still running after the"),
        (Execution(Stop.NOTEBOOK_TIMEOUT, 9), Status.TIMEOUT, "120 s in total ran out at cell 9"),
        (Execution(Stop.OUTPUT_LIMIT, 8), Status.OUTPUT_LIMIT, "more than 200,000 characters"),
        (Execution(Stop.KERNEL_DIED, 8, -11), Status.KERNEL_DIED, "SIGSEGV (a crash in native"),
        (Execution(Stop.KERNEL_DIED, 8, 3), Status.KERNEL_DIED, "exited with code 3 (os._exit"),
        (Execution(Stop.START_FAILED, None, 1), Status.KERNEL_DIED, "--memory-mb 512 too low"),
        (
            Execution(cell_errors=[CellError(4, "MemoryError", "")]),
            Status.MEMORY_LIMIT,
            "cell 4 tried to use more than the 512 MB",
        ),
        (
            Execution(cell_errors=[CellError(4, "SystemExit", ""), CellError(6, "KeyError", "x")]),
            Status.EXITED,
            "errors: cell 4: SystemExit; cell 6: KeyError: x",
        ),
        (
            Execution(kernel_errors=["tornado.general: Uncaught exception (MemoryError: )"]),
            Status.KERNEL_ERROR,
            "the kernel itself failed: tornado.general",
        ),
        (
            Execution(
                Stop.OUTPUT_LIMIT,
                8,
                cell_errors=[CellError(8, "OutputLimitExceeded", "")],
                kernel_errors=["exception in thread IOPub: MemoryError"],
            ),
            Status.OUTPUT_LIMIT,
            "the notebook was stopped there; the kernel itself failed",
        ),
    ],
)
def test_run_facts_decide_the_status(run, status, words):
    got, message = _decide(run)
    assert (got, words in message) == (status, True), message


def test_missing_answers_only_when_the_notebook_ran_to_the_end():
    exercise = exercises()["ex02"]
    code = 'check("ex02-q1", answer)'
    scored = scoring.score_answers(exercise, {}, code)
    asked = {q.id for q in exercise.questions}
    complete = decide.answer_findings(Records(), [], scored, asked, Stop.COMPLETED)
    status, message = decide.decide(complete)
    assert status is Status.MISSING_ANSWERS
    assert "no answer for ex02-q1: its check() call never ran" in message
    assert "no answer for ex02-q2, ex02-q3" in message and "was deleted or edited" in message
    stopped = decide.answer_findings(Records(), [], scored, asked, Stop.CELL_TIMEOUT)
    assert decide.decide(stopped)[0] is Status.OK


# --------------------------------------------------------------------------- batch-wide
def _row(student: str, notebook: str, exercise: str = "ex02", status: str = "ok") -> dict:
    return {"student": student, "notebook": notebook, "exercise": exercise, "status": status}


def test_two_submissions_never_share_a_feedback_file():
    rows = {
        "a/x.ipynb": _row("a b", "a/x.ipynb"),
        "b/x.ipynb": _row("a_b", "b/x.ipynb"),
        "alice/02 (1).ipynb": _row("alice", "alice/02 (1).ipynb"),
        "bob/02 (1).ipynb": _row("bob", "bob/02 (1).ipynb"),
    }
    batch.name_feedback(rows)
    names = [r["feedback"] for r in rows.values()]
    assert len(set(names)) == len(names)
    assert rows["alice/02 (1).ipynb"]["feedback"] == "alice__02_1.md"
    assert rows["a/x.ipynb"]["status"] == "name-collision"
    assert "shared with b/x.ipynb; written as a_b__x__" in rows["a/x.ipynb"]["message"]
    assert rows["bob/02 (1).ipynb"]["status"] == "ok"


def test_duplicates_are_marked_on_every_copy():
    rows = {n: _row("dup", n) for n in ("c/dup_02.ipynb", "dup/02.ipynb")}
    rows["x/02.ipynb"] = _row("x", "x/02.ipynb", status="timeout")
    batch.mark_duplicates(rows, list(rows))
    assert [r["status"] for r in rows.values()] == ["duplicate", "duplicate", "timeout"]
    assert "dup handed in ex02 2 times (also dup/02.ipynb)" in rows["c/dup_02.ipynb"]["message"]


def test_roster_students_without_a_submission_get_a_row_each_run():
    rows = {"a/02.ipynb": _row("a1", "a/02.ipynb")}
    roster = [Student("a1", "Ann"), Student("b2", "Bo")]
    batch.roster_rows(rows, roster, "roster.csv", {"ex02": "18"})
    missing = [r for r in rows.values() if r["status"] == "no-submission"]
    assert [(r["student"], r["name"], r["exercise"], r["max"]) for r in missing] == [
        ("b2", "Bo", "ex02", "18")
    ]
    rows["b/02.ipynb"] = _row("b2", "b/02.ipynb")  # Bo hands in late; the next run notices
    batch.roster_rows(rows, roster, "roster.csv", {"ex02": "18"})
    assert all(r["status"] == "ok" for r in rows.values())


def test_answers_are_kept_beside_the_gradebook(tmp_path: Path):
    book = tmp_path / "gb.csv"
    assert gradebook.read_answers(book) == {}
    answers = {"a/02.ipynb": {"student": "a1", "answers": {"ex02-q1": "b"}}}
    gradebook.write_answers(book, answers)
    assert gradebook.read_answers(book) == answers
    assert gradebook.answers_path(book).name == "gb.answers.json"


def test_lost_output_is_told_apart_from_a_timeout():
    from nbclient.exceptions import CellTimeoutError

    from virtlab.grading.nbio import nbformat
    from virtlab.grading.runner import _lost_output

    sneaky = nbformat.v4.new_code_cell("# Timeout waiting for IOPub output\nwhile True: pass")
    lost = CellTimeoutError.error_from_timeout_and_cell(
        "Timeout waiting for IOPub output", 15, sneaky
    )
    slow = CellTimeoutError.error_from_timeout_and_cell("Cell execution timed out", 10, sneaky)
    assert _lost_output(lost) and not _lost_output(slow)


def test_the_kernel_budget_gives_out_once_and_exactly():
    from virtlab.grading.fence import _Budget

    budget = _Budget(10)
    assert [budget.take(4), budget.take(4), budget.take(4), budget.take(1)] == [4, 4, 2, 0]
    assert budget.spent and budget.used == 10
