"""``virtlab grade``: grade a whole class, one fenced kernel per submission, into a gradebook.

The pipeline, one small function per step (the order below is the specification):

1. **discover** (:mod:`~virtlab.grading.discover`): files, folders and globs; whose each one is;
   matched to ``--roster``; those already graded (same sha256 and question-bank version) skipped;
2. **execute** (:mod:`~virtlab.grading.runner`, in worker processes): load, sanitize and run
   each notebook in a fresh fenced kernel; the facts of the run come back, nothing decided;
3. **read records** (:mod:`~virtlab.grading.records`): genuine answers, forged lines, tampering;
4. **score** (:mod:`~virtlab.grading.scoring`): the question bank scores the answers;
5. **decide** (:mod:`~virtlab.grading.decide`): the row's status and message;
6. **write** (:func:`row_of`, :mod:`~virtlab.grading.gradebook`, :func:`feedback_text`): the
   gradebook (atomically, after every submission), the answers beside it, then the batch-wide
   checks (duplicates, feedback-name collisions, roster students without a submission), the
   feedback files and a summary.

Statuses (the gradebook's ``status`` column) are :class:`virtlab.grading.statuses.Status`,
defined, described and ordered there; ``message`` says what happened and where.

Answers recorded before a timeout, crash or limit are kept (``check`` flushes each one).

What is defended against tampering, and what is not:

* points are computed here, in the grader, from the recorded answers only; nothing the kernel
  prints, returns or claims about points is read. Redefining ``check``, patching virtlab in the
  kernel or printing "full marks" changes nothing but the learner's own screen.
* each record line carries an HMAC under a per-submission key; lines without a valid tag, gaps
  in the sequence and source that redefines ``check``, reaches into ``virtlab.grading.*`` or
  reads the grader's variables mark the row ``tampered`` (the last genuine record per question
  still counts). The key lives in the kernel's environment, removed from ``os.environ`` at
  import but still readable in ``/proc/self/environ``, so a determined student can forge valid
  lines: that only lets them submit answers, which ``check`` already does. The tag catches
  naive forgery; it is not a security boundary.
* a deleted or edited ``check`` cell shows as ``missing-answers`` naming the question.
* the kernel runs with the grader's user rights: with the network fenced off (where the OS
  allows) but not the file system. It can write anywhere the grader can; the gradebook and
  feedback files are rewritten from the grader's memory after every kernel is dead, and the
  question bank in use was imported before any submission ran, but a submission could still
  edit files on disk for *later* runs. Run ``virtlab grade`` as an unprivileged user that cannot
  write the course's installation (or in a container) for a real file-system boundary.
* brute force in a lesson (calling ``check`` with every option) is possible by design of
  immediate feedback; in grading mode only the last answer per question counts.

Exit codes: 0 every submission has status ok; 1 some submissions have another status (see the
gradebook); 2 usage error (bad option, nothing to grade, unreadable --hidden or --roster file); 130
interrupted (the gradebook keeps every row finished so far).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import re
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from virtlab.grading import bank, decide, discover, gradebook, limits, records, runner, scoring
from virtlab.grading.decide import Finding
from virtlab.grading.discover import Submission
from virtlab.grading.statuses import Status

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(ValueError):
    """Bad arguments: exit code 2 with this message."""


@dataclass
class Job:
    notebook: str
    data: bytes
    limits: limits.Limits
    key: str


@dataclass
class RunReport:
    """What a worker sends back: facts only, nothing decided or scored yet."""

    invalid: str = ""  # why the file is not a notebook
    empty: bool = False
    run: runner.Execution | None = None
    code: str = ""
    metadata_exercise: str | None = None
    note: str = ""
    crash: str = ""  # the grader failed on it


# --------------------------------------------------------------------------- 2. execute
def _worker_init() -> None:
    runner.become_subreaper()


def run_job(job: Job) -> RunReport:
    """Load, sanitize and execute one submission (runs in a worker process)."""
    try:
        nb, note = runner.load(job.data, Path(job.notebook).name)
    except runner.InvalidNotebook as err:
        return RunReport(invalid=str(err))
    meta = nb.get("metadata", {}).get("virtlab", {})
    exercise_id = meta.get("exercise") if isinstance(meta, dict) else None
    clean = runner.sanitize(nb)
    code = "\n".join(c.source for c in clean.cells if c.cell_type == "code")
    report = RunReport(code=code, metadata_exercise=exercise_id, note=note)
    if not code.strip():
        report.empty = True
        return report
    report.run = runner.execute(clean, job.limits, job.key)
    return report


# --------------------------------------------------------------------------- 3-5 per row
def which_exercise(path: Path, report: RunReport) -> bank.Exercise | None:
    """The exercise a notebook is: its metadata, else its file name, else its check() calls."""
    exercises = bank.exercises()
    if report.metadata_exercise in exercises:
        return exercises[report.metadata_exercise]
    by_name = bank.exercise_for_notebook(path.name)
    if by_name:
        return by_name
    ids = records.exercise_ids_called(report.code)
    return exercises.get(ids[0]) if ids else None


@dataclass
class Graded:
    """One submission through steps 3-5."""

    exercise: bank.Exercise | None
    scored: list[scoring.Scored] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def report_findings(report: RunReport, lim: limits.Limits) -> list[Finding]:
    """What the worker's report says before any answer is looked at."""
    if report.crash:
        return [Finding(Status.GRADER_ERROR, report.crash)]
    if report.invalid:
        return [Finding(Status.INVALID_NOTEBOOK, report.invalid)]
    found = [Finding(Status.OK, report.note)] if report.note else []
    if report.empty:
        found.append(
            Finding(
                Status.EMPTY_NOTEBOOK, "the notebook has no code: was the right file handed in?"
            )
        )
    if report.run is not None:
        found.extend(decide.run_findings(report.run, lim))
    return found


def grade_report(
    sub: Submission, report: RunReport, key: str, options: Options, hidden: tuple, digest: str
) -> Graded:
    """Read the records, score them and collect every finding for one submission."""
    findings = report_findings(report, options.limits)
    exercise = None if report.invalid or report.crash else which_exercise(sub.path, report)
    if exercise is None:
        if not report.invalid and not report.crash:
            findings.append(
                Finding(
                    Status.UNKNOWN_EXERCISE,
                    "no exercise of the question bank matches this notebook (file name, "
                    "metadata and check() calls): hand in the exercise notebook itself",
                )
            )
        return Graded(None, findings=findings + identity_findings(sub, options))
    exercise = bank.with_hidden(exercise, hidden, digest)
    run = report.run
    found = records.read_records(run.records if run else "", key)
    scored = scoring.score_answers(exercise, found.answers, report.code)
    stop = run.stop if run else runner.Stop.COMPLETED
    asked = {q.source_qid for q in exercise.questions}
    tampering = records.tampering(report.code)
    findings += decide.answer_findings(found, tampering, scored, asked, stop)
    return Graded(exercise, scored, found.answers, findings + identity_findings(sub, options))


def identity_findings(sub: Submission, options: Options) -> list[Finding]:
    who = sub.identity
    found = []
    if who.late:
        found.append(Finding(Status.OK, "handed in late (the LMS marked the file LATE)"))
    if not who.student:
        found.append(
            Finding(
                Status.UNKNOWN_STUDENT,
                "neither the file name nor its folder names a student: name it "
                "<id>_<exercise>.ipynb or put it in a folder named after the student",
            )
        )
    elif options.roster is not None and who.source != "roster":
        found.append(
            Finding(
                Status.UNKNOWN_STUDENT,
                f"{who.student} is not in the roster {options.roster.name}: fix the file name "
                "or add the student",
            )
        )
    return found


# --------------------------------------------------------------------------- 6. write
def row_of(sub: Submission, graded: Graded) -> dict[str, str]:
    """The gradebook row of one graded submission."""
    status, message = decide.decide(graded.findings)
    row = {
        "student": sub.student,
        "name": sub.identity.name,
        "notebook": sub.notebook,
        "sha256": sub.sha256,
        "status": str(status),
        "message": message,
    }
    if graded.exercise is not None:
        row["exercise"] = graded.exercise.id
        row["version"] = graded.exercise.version
        for item in graded.scored:
            row[item.score.qid] = f"{item.score.points:g}"
        row["total"] = f"{scoring.total(graded.scored):g}"
        row["max"] = f"{graded.exercise.max_points:g}"
    return row


def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("_") or "submission"


def feedback_text(
    sub: Submission, exercise: bank.Exercise | None, row: dict[str, str], scored: list
) -> str:
    title = f"{exercise.id}: {exercise.title}" if exercise else "unknown exercise"
    lines = [
        f"# Feedback for {sub.student or 'an unidentified student'} — {title}",
        "",
        f"- Notebook: `{sub.notebook}`",
        f"- Score: {row.get('total', '0') or '0'} / {row.get('max', '?') or '?'}",
        f"- Status: {row['status']}" + (f" — {row['message']}" if row.get("message") else ""),
        "",
    ]
    for item in scored:
        score = item.score
        lines.append(f"## {score.qid}: {score.points:g}/{score.max_points:g} ({score.status})")
        lines.extend(f"- {line}" for line in score.feedback)
        lines.append("")
    return "\n".join(lines)


def _add_finding(row: dict[str, str], finding: Finding) -> None:
    """A batch-wide finding on a row already written (e.g. read back from the gradebook)."""
    current = Status.parse(row.get("status", "")) or Status.GRADER_ERROR
    row["status"] = str(Status.worst([current, finding.status]))
    if finding.message not in row.get("message", ""):
        row["message"] = "; ".join(m for m in (row.get("message", ""), finding.message) if m)


def mark_duplicates(rows: dict[str, dict[str, str]], batch: list[str]) -> None:
    """Several submissions of one exercise from one student: every one of them says so."""
    groups: dict[tuple[str, str], list[str]] = {}
    for key in batch:
        row = rows.get(key)
        if row and row.get("exercise") and row.get("student") and row.get("notebook"):
            groups.setdefault((row["student"], row["exercise"]), []).append(key)
    for (student, exercise), keys in groups.items():
        if len(keys) < 2:
            continue
        for key in keys:
            others = ", ".join(rows[k]["notebook"] for k in keys if k != key)
            note = f"{student} handed in {exercise} {len(keys)} times (also {others})"
            _add_finding(rows[key], Finding(Status.DUPLICATE, note))


def name_feedback(rows: dict[str, dict[str, str]]) -> None:
    """Give every submission its own feedback file name (the ``feedback`` column).

    The name is ``<student>__<notebook file>.md``; two different submissions that would share
    one (ids or file names that differ only in characters a file name cannot hold, the same
    file name in two folders) each get a suffix from their path, and the row says so.
    """
    wanted: dict[str, list[str]] = {}
    for key, row in rows.items():
        if row.get("notebook"):
            base = f"{_safe(row.get('student', '') or 'unidentified')}__"
            base += _safe(Path(row["notebook"]).stem)
            wanted.setdefault(base.casefold(), []).append(key)
    for keys in wanted.values():
        for key in keys:
            row = rows[key]
            base = f"{_safe(row.get('student', '') or 'unidentified')}__"
            base += _safe(Path(row["notebook"]).stem)
            if len(keys) == 1:
                row["feedback"] = base + ".md"
                continue
            suffix = hashlib.sha256(row["notebook"].encode()).hexdigest()[:8]
            row["feedback"] = f"{base}__{suffix}.md"
            others = ", ".join(rows[k]["notebook"] for k in keys if k != key)
            _add_finding(
                row,
                Finding(
                    Status.NAME_COLLISION,
                    f"its feedback file name would be shared with {others}; written as "
                    f"{row['feedback']}",
                ),
            )


def roster_rows(
    rows: dict[str, dict[str, str]], roster: list[discover.Student], source: str, maxima: dict
) -> None:
    """A ``no-submission`` row for every roster student with nothing handed in for an exercise
    this gradebook holds (replacing such rows from earlier runs)."""
    for key in [k for k, r in rows.items() if not r.get("notebook")]:
        if rows[key].get("status") == str(Status.NO_SUBMISSION):
            del rows[key]
    exercises = sorted({r["exercise"] for r in rows.values() if r.get("exercise")}) or [""]
    handed = {(r.get("student", "").casefold(), r.get("exercise", "")) for r in rows.values()}
    handed |= {(r.get("student", "").casefold(), "") for r in rows.values()}
    # an empty student folder already has its no-submission row, for whatever exercise
    handed |= {
        (r.get("student", "").casefold(), exercise)
        for r in rows.values()
        if r.get("status") == str(Status.NO_SUBMISSION) and not r.get("exercise")
        for exercise in exercises
    }
    for student in roster:
        for exercise in exercises:
            if (student.id.casefold(), exercise) in handed:
                continue
            what = exercise or "anything"
            row = {
                "student": student.id,
                "name": student.name,
                "notebook": "",
                "exercise": exercise,
                "status": str(Status.NO_SUBMISSION),
                "message": f"no submission of {what} from this student of the roster {source}",
                "total": "0",
                "max": maxima.get(exercise, ""),
            }
            rows[gradebook.row_key(row)] = row


def print_summary(rows: list[dict[str, str]], stream: Any = sys.stdout) -> None:
    counts = Counter(r["status"] for r in rows)
    width = max([len(s) for s in counts] + [6])
    print(f"\n{'status':<{width}}  submissions", file=stream)

    def order(text: str) -> int:
        status = Status.parse(text)
        return status.precedence if status else -1

    for status in sorted(counts, key=order):
        print(f"{status:<{width}}  {counts[status]}", file=stream)
    totals = [float(r["total"]) for r in rows if r.get("total") and r.get("notebook")]
    if totals:
        mean = sum(totals) / len(totals)
        print(f"{'mean':<{width}}  {mean:.2f} points over {len(totals)} graded", file=stream)
    problems = [r for r in rows if r["status"] != str(Status.OK)]
    for r in problems[:20]:
        where = r["notebook"] or r.get("exercise", "")
        print(f"  {r['student']} ({where}): {r['status']} — {r['message']}", file=stream)
    if len(problems) > 20:
        print(f"  ... and {len(problems) - 20} more in the gradebook", file=stream)


class Progress:
    """A one-line counter on stderr (a line per submission when stderr is not a terminal)."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.tty = total, 0, sys.stderr.isatty()
        self.started = time.monotonic()

    def step(self, label: str) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        text = f"[{self.done}/{self.total}] {elapsed:5.1f}s {label}"
        if self.tty:
            print("\r\033[K" + text, end="" if self.done < self.total else "\n", file=sys.stderr)
        else:
            print(text, file=sys.stderr)
        sys.stderr.flush()


# --------------------------------------------------------------------------- the batch
@dataclass
class Options:
    submissions: list[str]
    output: Path
    feedback: Path | None = None
    jobs: int = 1
    limits: limits.Limits = field(default_factory=limits.Limits)
    hidden: Path | None = None
    force: bool = False
    quiet: bool = False
    roster: Path | None = None


def _sha256(path: Path) -> tuple[str, bytes | None]:
    try:
        data = path.read_bytes()
    except OSError:
        return "", None
    return hashlib.sha256(data).hexdigest(), data


def apply_roster(submissions: list[Submission], roster: list[discover.Student]) -> None:
    """Give each submission found in the roster the roster's id and name."""
    for sub in submissions:
        student, how = discover.match(sub.identity, roster)
        if student is not None:
            sub.identity = discover.Identity(
                student.id, student.name or sub.identity.name, sub.identity.late, "roster"
            )


def say_what_is_not_enforced() -> None:
    """Say at start which limits this platform leaves unenforced, instead of failing late."""
    fence = bool(runner.network_fence()) if sys.platform.startswith("linux") else False
    for note in limits.unenforced(sys.platform, network_fence=fence):
        print(f"virtlab grade: not enforced on this machine: {note}.", file=sys.stderr)


def grade(options: Options) -> int:
    """Grade every submission into the gradebook; returns the exit code."""
    if options.jobs < 1:
        raise UsageError("-j/--jobs must be at least 1.")
    hidden, digest = bank.load_hidden(options.hidden) if options.hidden else ((), "")
    roster = discover.load_roster(options.roster) if options.roster else None
    submissions, warnings = discover.find_submissions(options.submissions)
    for warning in warnings:
        print(f"virtlab grade: {warning}", file=sys.stderr)
    if not submissions:
        raise UsageError(
            "no notebooks to grade: pass notebook files, folders of them or globs "
            "(e.g. virtlab grade submissions/ -o gradebook.csv)."
        )
    if roster is not None:
        apply_roster(submissions, roster)
    say_what_is_not_enforced()  # also probes the fence once, before workers fork
    output = options.output
    output.parent.mkdir(parents=True, exist_ok=True)
    with gradebook.locked(output):
        try:
            existing = gradebook.read(output)
        except gradebook.UnreadableGradebook as err:
            raise UsageError(str(err)) from None
        rows = {gradebook.row_key(r): r for r in existing}
        return _grade_locked(options, submissions, rows, hidden, digest, roster)


def _grade_locked(
    options: Options,
    submissions: list[Submission],
    rows: dict[str, dict[str, str]],
    hidden: tuple,
    digest: str,
    roster: list[discover.Student] | None,
) -> int:
    exercises = {e.id: bank.with_hidden(e, hidden, digest) for e in bank.exercises().values()}
    question_ids = {e.id: [q.id for q in e.questions] for e in exercises.values()}
    answers = gradebook.read_answers(options.output)
    batch_rows: list[str] = []
    todo: list[tuple[Submission, bytes, str]] = []
    graded: dict[str, tuple[Submission, Graded]] = {}
    for sub in submissions:
        batch_rows.append(sub.notebook)
        if sub.path.is_dir():
            rows[sub.notebook] = {
                "student": sub.student,
                "name": sub.identity.name,
                "notebook": sub.notebook,
                "status": str(Status.NO_SUBMISSION),
                "message": f"the folder {sub.notebook} holds no notebook",
                "total": "0",
            }
            continue
        sub.sha256, data = _sha256(sub.path)
        if data is None:
            rows[sub.notebook] = {
                "student": sub.student,
                "notebook": sub.notebook,
                "status": str(Status.INVALID_NOTEBOOK),
                "message": "the file could not be read",
            }
            continue
        old = rows.get(sub.notebook)
        unchanged = (
            old is not None
            and old.get("sha256") == sub.sha256
            and old.get("student") == sub.student
            and old.get("version", "")
            == getattr(exercises.get(old.get("exercise", "")), "version", "")
            and old.get("status") not in (str(Status.GRADER_ERROR), str(Status.DUPLICATE))
        )
        if unchanged and not options.force:
            continue
        todo.append((sub, data, secrets.token_hex(16)))

    def save() -> None:
        all_rows = list(rows.values())
        present = {r.get("exercise", "") for r in all_rows}
        ids = [q for ex, qs in question_ids.items() if ex in present for q in qs]
        gradebook.write(options.output, all_rows, gradebook.columns_for(all_rows, ids))
        gradebook.write_answers(options.output, answers)

    progress = Progress(len(todo))
    skipped = sum(1 for s in submissions if s.sha256) - len(todo)
    if skipped and not options.quiet:
        print(f"virtlab grade: {skipped} submission(s) unchanged since the last run, skipped.")
    interrupted = False
    try:
        for sub, report, key in _execute_all(todo, options):
            try:
                result = grade_report(sub, report, key, options, hidden, digest)
            except Exception as err:  # one bad submission must never lose the batch
                result = Graded(
                    None, findings=[Finding(Status.GRADER_ERROR, f"{type(err).__name__}: {err}")]
                )
            row = row_of(sub, result)
            rows[sub.notebook] = row
            answers[sub.notebook] = {
                "student": sub.student,
                "exercise": row.get("exercise", ""),
                "sha256": sub.sha256,
                "answers": {q: _json_or_text(a) for q, a in result.answers.items()},
            }
            graded[sub.notebook] = (sub, result)
            save()
            progress.step(f"{sub.student or sub.notebook}: {row['status']}")
    except KeyboardInterrupt:
        interrupted = True
    mark_duplicates(rows, batch_rows)
    name_feedback(rows)
    if roster is not None:
        maxima = {e.id: f"{e.max_points:g}" for e in exercises.values()}
        roster_rows(rows, roster, str(options.roster), maxima)
        batch_rows += [k for k, r in rows.items() if not r.get("notebook")]
    save()  # again, after every kernel is gone: a submission may have written over it
    if options.feedback is not None:
        options.feedback.mkdir(parents=True, exist_ok=True)
        for notebook, (sub, result) in graded.items():
            row = rows[notebook]
            text = feedback_text(sub, result.exercise, row, result.scored)
            (options.feedback / row["feedback"]).write_text(text, encoding="utf-8")
    batch = [rows[n] for n in dict.fromkeys(batch_rows) if n in rows]
    if not options.quiet:
        print_summary(batch)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if all(r.get("status") == str(Status.OK) for r in batch) else EXIT_PROBLEMS


def _json_or_text(answer: str) -> Any:
    try:
        return json.loads(answer)
    except ValueError:
        return answer


def _execute_all(todo: list[tuple[Submission, bytes, str]], options: Options):
    """Yield (submission, report, key) as workers finish; a dead worker is retried once.

    A worker that dies breaks its whole pool, and every job still queued fails with it. Those
    jobs are retried one by one, each in a pool of its own, so a submission that kills its
    worker costs only its own grade.
    """
    if not todo:
        return
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    broken: list[int] = []
    yield from _run_round(todo, list(range(len(todo))), options, options.jobs, context, broken)
    for index in broken:
        again: list[int] = []
        yield from _run_round(todo, [index], options, 1, context, again)
        if again:
            sub, _, key = todo[index]
            yield sub, RunReport(crash="the grading worker died twice on it"), key


def _run_round(todo, indexes: list[int], options: Options, jobs: int, context, broken: list[int]):
    pool = cf.ProcessPoolExecutor(
        min(jobs, len(indexes)), mp_context=context, initializer=_worker_init
    )
    try:
        futures = {}
        for index in indexes:
            sub, data, key = todo[index]
            futures[pool.submit(run_job, Job(sub.notebook, data, options.limits, key))] = index
        for future in cf.as_completed(futures):
            index = futures[future]
            sub, _, key = todo[index]
            try:
                report = future.result()
            except cf.process.BrokenProcessPool:
                broken.append(index)
                continue
            except Exception as err:
                report = RunReport(crash=f"{type(err).__name__}: {err}")
            yield sub, report, key
    finally:
        # on Ctrl-C, do not run the queued submissions only to throw their results away
        pool.shutdown(wait=False, cancel_futures=True)
