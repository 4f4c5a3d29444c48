"""Step 5 of grading: the row's status and message, from everything the earlier steps found.

Each function turns one kind of fact into :class:`Finding` s (a status and a sentence); the row
gets the finding that takes precedence (:class:`~virtlab.grading.statuses.Status` order) and a
message of every finding's sentence, most important first. Nothing here runs or scores anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from virtlab.grading.limits import Limits
from virtlab.grading.records import Records
from virtlab.grading.runner import Execution, Stop, describe_exit
from virtlab.grading.scoring import Scored
from virtlab.grading.statuses import Status, Verdict

OUTPUT_LIMIT_ERROR = "OutputLimitExceeded"


@dataclass(frozen=True)
class Finding:
    status: Status
    message: str = ""


def _one_line(text: str, size: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else "..." + flat[-size:]


def stop_findings(run: Execution, limits: Limits) -> list[Finding]:
    """How the run ended, when it did not run to the end."""
    cell = f"cell {run.stop_cell}"
    if run.stop is Stop.START_FAILED:
        why = "; ".join(run.kernel_errors[:1]) or "no reason given"
        return [
            Finding(
                Status.KERNEL_DIED,
                f"the kernel did not start ({why}; {describe_exit(run.exit_code)}); is "
                f"--memory-mb {limits.memory_mb} too low for a Python kernel?",
            )
        ]
    if run.stop is Stop.CELL_TIMEOUT:
        return [
            Finding(
                Status.TIMEOUT,
                f"{cell} was still running after the per-cell limit of {limits.cell_timeout:g} s",
            )
        ]
    if run.stop is Stop.NOTEBOOK_TIMEOUT:
        return [
            Finding(
                Status.TIMEOUT,
                f"the notebook's limit of {limits.notebook_seconds:g} s in total ran out at {cell}",
            )
        ]
    if run.stop is Stop.KERNEL_DIED:
        message = f"{describe_exit(run.exit_code)} in {cell}"
        if run.stderr.strip():
            message += f" (kernel's stderr: {_one_line(run.stderr)})"
        return [Finding(Status.KERNEL_DIED, message)]
    if run.stop is Stop.OUTPUT_LIMIT:
        return [
            Finding(
                Status.OUTPUT_LIMIT,
                f"{cell} printed more than {limits.output_chars:,} characters of output; the "
                "notebook was stopped there",
            )
        ]
    return []


def error_findings(run: Execution, limits: Limits) -> list[Finding]:
    """What the cells' errors mean: a memory limit, sys.exit(), or plain errors."""
    errors = [e for e in run.cell_errors if e.ename != OUTPUT_LIMIT_ERROR]
    found: list[Finding] = []
    memory = next((e for e in errors if e.ename == "MemoryError"), None)
    if memory:
        found.append(
            Finding(
                Status.MEMORY_LIMIT,
                f"cell {memory.cell} tried to use more than the {limits.memory_mb} MB memory "
                "limit (MemoryError)",
            )
        )
    exited = next((e for e in errors if e.ename == "SystemExit"), None)
    if exited:
        found.append(
            Finding(
                Status.EXITED,
                f"cell {exited.cell} called sys.exit(); the kernel kept running and the "
                "remaining cells were graded",
            )
        )
    if errors:
        found.append(Finding(Status.CELL_ERRORS, f"{len(errors)} cell(s) raised an error"))
        found.append(Finding(Status.CELL_ERRORS, "errors: " + "; ".join(map(str, errors[:5]))))
    return found


def kernel_findings(run: Execution) -> list[Finding]:
    """Failures of the kernel's own machinery: never graded ok."""
    if not run.kernel_errors or run.stop is Stop.START_FAILED:
        return []
    first = _one_line(run.kernel_errors[0], 200)
    more = f" (and {len(run.kernel_errors) - 1} more)" if len(run.kernel_errors) > 1 else ""
    return [
        Finding(
            Status.KERNEL_ERROR,
            f"the kernel itself failed: {first}{more}; output or answers may be lost",
        )
    ]


def run_findings(run: Execution, limits: Limits) -> list[Finding]:
    return [*stop_findings(run, limits), *error_findings(run, limits), *kernel_findings(run)]


def answer_findings(
    records: Records, tampering: list[str], scored: list[Scored], asked: set[str], stop: Stop
) -> list[Finding]:
    """Forged records, tampering, missing and invalid answers, answers to unknown questions."""
    found: list[Finding] = []
    if records.problems or tampering:
        found.append(
            Finding(
                Status.TAMPERED,
                "; ".join([*records.problems, *(f"the notebook {why}" for why in tampering)])
                + "; points come only from answers check() recorded: review this submission",
            )
        )
    strays = sorted(set(records.answers) - asked)
    if strays:
        found.append(
            Finding(Status.OK, "answers to unknown question ids ignored: " + ", ".join(strays))
        )
    if stop is Stop.COMPLETED:  # after a stop, the stop explains the missing answers
        missing: dict[str, list[str]] = {}
        for item in scored:
            if item.missing and not item.hidden:
                missing.setdefault(item.missing, []).append(item.score.qid)
        for why, qids in missing.items():
            found.append(Finding(Status.MISSING_ANSWERS, f"no answer for {', '.join(qids)}: {why}"))
    invalid = [
        f"{s.score.qid}: {(s.score.feedback[0] if s.score.feedback else '').rstrip('.')}"
        for s in scored
        if s.score.status == Verdict.INVALID
    ]
    if invalid:
        found.append(Finding(Status.INVALID_ANSWERS, "; ".join(invalid)))
    return found


def decide(findings: list[Finding]) -> tuple[Status, str]:
    """The row's status (the finding that takes precedence) and its message."""
    status = Status.worst(f.status for f in findings)
    ordered = sorted(findings, key=lambda f: f.status.precedence)  # stable: keeps their order
    message = "; ".join(dict.fromkeys(f.message for f in ordered if f.message))
    return status, message
