"""``virtlab grade``: grade a whole class, one fenced kernel per submission, into a gradebook.

The steps, in order: find the submissions (files, folders, globs) → skip those already graded
(same sha256 and same question-bank version in the gradebook) → in worker processes: load,
sanitize and execute each one with limits (:mod:`virtlab.grading.runner`) → in this process:
check the answer records, score them with the question bank, record the row → write the
gradebook (atomically, after every submission), the feedback files and a summary.

Student ids come from the file name with the exercise's name removed
(``alice_02-type1-hypervisors.ipynb`` → ``alice``), or from the folder when the file is just
the exercise (``alice/02-type1-hypervisors.ipynb`` → ``alice``). An empty student folder inside
a folder given on the command line gets a ``no-submission`` row.

Statuses (the gradebook's ``status`` column; ``message`` says what happened and where):

=================== ==========================================================================
ok                  every cell ran; points as scored
cell-errors         some cells raised; answers recorded elsewhere still count
invalid-answers     an answer had the wrong type (e.g. a list where a stack was expected)
missing-answers     a question has no recorded answer: check cell deleted, edited or never run
exited              a cell called sys.exit(); the kernel went on and later cells still count
timeout             a cell ran past --timeout, or the notebook past --notebook-timeout
memory-limit        a cell ran into --memory-mb (MemoryError)
output-limit        cells printed more than --output-limit characters; stopped there
kernel-died         the kernel crashed or exited (os._exit, segfault, killed)
tampered            answer records not written by check(), or check / virtlab redefined:
                    only genuine records count; review the submission
duplicate           the same student handed in this exercise more than once (all rows graded)
empty-notebook      the notebook has no code cells
invalid-notebook    not a notebook: corrupt JSON, another file type, an unreadable format
unknown-exercise    the notebook matches no exercise of the question bank
no-submission       an empty student folder
grader-error        the grader itself failed on this submission (a bug: please report it)
=================== ==========================================================================

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
gradebook); 2 usage error (bad option, nothing to grade, unreadable --hidden file); 130
interrupted (the gradebook keeps every row finished so far).
"""

from __future__ import annotations

import concurrent.futures as cf
import glob
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

from virtlab.grading import bank, encoding, gradebook, runner
from virtlab.grading.inline import record_mac
from virtlab.grading.questions import INVALID, Score

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

STATUS_ORDER = [
    "grader-error",
    "invalid-notebook",
    "unknown-exercise",
    "empty-notebook",
    "no-submission",
    "kernel-died",
    "timeout",
    "memory-limit",
    "output-limit",
    "tampered",
    "exited",
    "cell-errors",
    "missing-answers",
    "invalid-answers",
    "duplicate",
    "ok",
]


class UsageError(ValueError):
    """Bad arguments: exit code 2 with this message."""


@dataclass
class Submission:
    path: Path
    student: str
    notebook: str
    sha256: str = ""
    exercise: bank.Exercise | None = None


@dataclass
class Job:
    notebook: str
    data: bytes
    limits: runner.Limits
    key: str


@dataclass
class RunReport:
    """What a worker sends back: everything needed to score, nothing scored yet."""

    status: str
    message: str = ""
    records: str = ""
    cell_errors: list[str] = field(default_factory=list)
    code: str = ""
    metadata_exercise: str | None = None
    note: str = ""
    seconds: float = 0.0


# --------------------------------------------------------------------------- finding work
def _student_of(path: Path) -> str:
    stem = path.stem
    for exercise in bank.exercises().values():
        if exercise.notebook in stem:
            rest = stem.replace(exercise.notebook, "").strip(" _-.")
            return rest or path.parent.name or stem
    return stem


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def find_submissions(arguments: list[str]) -> tuple[list[Submission], list[str]]:
    """Expand files, folders and globs; returns the submissions and warnings."""
    found: dict[Path, Submission] = {}
    warnings: list[str] = []

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in found:
            found[key] = Submission(path, _student_of(path), _display(path))

    def add_folder(folder: Path) -> None:
        notebooks = [
            p for p in sorted(folder.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts
        ]
        for path in notebooks:
            add(path)
        for child in sorted(p for p in folder.iterdir() if p.is_dir()):
            if child.name.startswith(".") or any(child in n.parents for n in notebooks):
                continue
            found[child.resolve()] = Submission(child, child.name, _display(child))
        if not notebooks and not any(p.is_dir() for p in folder.iterdir()):
            warnings.append(f"{folder}: an empty folder, no notebooks to grade.")

    for argument in arguments:
        path = Path(argument)
        if path.is_file():
            add(path)
        elif path.is_dir():
            add_folder(path)
        else:
            matches = sorted(glob.glob(argument, recursive=True))
            if not matches:
                warnings.append(f"{argument}: no such file, folder or matching glob.")
            for match in matches:
                (add_folder if Path(match).is_dir() else add)(Path(match))
    return list(found.values()), warnings


# --------------------------------------------------------------------------- worker side
def _worker_init() -> None:
    runner.become_subreaper()


def run_job(job: Job) -> RunReport:
    """Load, sanitize and execute one submission (runs in a worker process)."""
    try:
        nb, note = runner.load(job.data, Path(job.notebook).name)
    except runner.InvalidNotebook as err:
        return RunReport("invalid-notebook", str(err))
    meta = nb.get("metadata", {}).get("virtlab", {})
    exercise_id = meta.get("exercise") if isinstance(meta, dict) else None
    clean = runner.sanitize(nb)
    code = "\n".join(c.source for c in clean.cells if c.cell_type == "code")
    report = RunReport("ok", code=code, metadata_exercise=exercise_id, note=note)
    if not code.strip():
        report.status = "empty-notebook"
        report.message = "the notebook has no code: was the right file handed in?"
        return report
    result = runner.execute(clean, job.limits, job.key)
    report.status, report.message = result.status, result.message
    report.records, report.cell_errors = result.records, result.cell_errors
    report.seconds = result.seconds
    return report


# --------------------------------------------------------------------------- scoring
_CHECK_CALL = r"check\(\s*['\"]{qid}['\"]"
_TAMPERING = [
    (re.compile(r"^\s*def\s+check\s*\(", re.M), "redefines check()"),
    (re.compile(r"^\s*check\s*=(?!=)", re.M), "rebinds check"),
    (
        re.compile(r"^\s*(?:vl|virtlab)(?:\.\w+)+\s*=(?!=)", re.M),
        "assigns into the virtlab package",
    ),
    (re.compile(r"setattr\(\s*(?:vl|virtlab)\b"), "patches the virtlab package"),
    (re.compile(r"VIRTLAB_GRADING"), "reads or writes the grader's record file"),
    (re.compile(r"virtlab\.grading\.\w+"), "reaches into virtlab's grading code"),
    (
        re.compile(r"^\s*from\s+virtlab\.grading\s+import\s+(?!check\s*$)", re.M),
        "imports grading internals",
    ),
]


def read_records(text: str, key: str) -> tuple[dict[str, str], list[str]]:
    """The last genuine answer per question id, and what looked forged."""
    answers: dict[str, str] = {}
    forged, gaps, expected = 0, 0, 1
    if len(text) > runner.MAX_RECORD_BYTES:
        return answers, ["the answer record file was flooded; no answer could be trusted"]
    for line in text.splitlines():
        try:
            entry = json.loads(line)
            seq, qid, answer, mac = entry["seq"], entry["qid"], entry["answer"], entry["mac"]
            genuine = isinstance(answer, str) and mac == record_mac(key.encode(), seq, qid, answer)
        except (ValueError, KeyError, TypeError, RecursionError):
            genuine = False
        if not genuine:
            forged += 1
            continue
        if seq != expected:
            gaps += 1
        expected = seq + 1
        answers[str(qid)] = answer
    problems = []
    if forged:
        problems.append(f"{forged} answer record(s) not written by check() were ignored")
    if gaps:
        problems.append("answer records were removed or reordered")
    return answers, problems


def _which_exercise(sub: Submission, report: RunReport) -> bank.Exercise | None:
    exercises = bank.exercises()
    if report.metadata_exercise in exercises:
        return exercises[report.metadata_exercise]
    by_name = bank.exercise_for_notebook(sub.path.name)
    if by_name:
        return by_name
    ids = Counter(re.findall(r"check\(\s*['\"](ex\d+)-", report.code))
    if ids:
        return exercises.get(ids.most_common(1)[0][0])
    return None


def score_submission(
    sub: Submission, report: RunReport, key: str, hidden: tuple, hidden_digest: str
) -> tuple[dict[str, str], list[Score], list[str]]:
    """The gradebook row, the scores and the issue list for one executed submission."""
    row = {"student": sub.student, "notebook": sub.notebook, "sha256": sub.sha256}
    statuses, messages = [report.status], [report.message] if report.message else []
    if report.note:
        messages.append(report.note)
    scores: list[Score] = []
    exercise = _which_exercise(sub, report) if report.status != "invalid-notebook" else None
    if exercise is None and report.status not in ("invalid-notebook",):
        statuses.append("unknown-exercise")
        messages.append(
            "no exercise of the question bank matches this notebook (file name, metadata and "
            "check() calls): hand in the exercise notebook itself"
        )
    if exercise is not None:
        exercise = bank.with_hidden(exercise, hidden, hidden_digest)
        sub.exercise = exercise
        row["exercise"] = exercise.id
        row["version"] = exercise.version
        answers, problems = read_records(report.records, key)
        tampering = [why for pattern, why in _TAMPERING if pattern.search(report.code)]
        if problems or tampering:
            statuses.append("tampered")
            messages.append(
                "; ".join([*problems, *(f"the notebook {why}" for why in tampering)])
                + "; points come only from answers check() recorded: review this submission"
            )
        missing: dict[str, list[str]] = {}
        invalid: list[str] = []
        for question in exercise.questions:
            recorded = answers.get(question.source_qid)
            if recorded is None:
                score = Score(question.id, 0, float(question.points), "no answer recorded")
                if re.search(_CHECK_CALL.format(qid=re.escape(question.source_qid)), report.code):
                    why = "its check() call never ran (an error or stop before it)"
                else:
                    why = "its check() call was deleted or edited"
                if question.answer_of is None:
                    missing.setdefault(why, []).append(question.id)
                score = Score(score.qid, 0, score.max_points, score.status, (why,))
            else:
                try:
                    score = question.score(encoding.decode(json.loads(recorded)))
                except Exception as err:  # scoring one answer must not lose the row
                    score = Score(
                        question.id, 0, float(question.points), INVALID, (f"not scorable: {err}",)
                    )
                if score.status == INVALID:
                    detail = score.feedback[0].rstrip(".") if score.feedback else ""
                    invalid.append(f"{question.id}: {detail}")
            scores.append(score)
            row[question.id] = f"{score.points:g}"
        asked = {q.source_qid for q in exercise.questions}
        strays = sorted(set(answers) - asked)
        if strays:
            messages.append("answers to unknown question ids ignored: " + ", ".join(strays))
        if missing and report.status in ("ok", "cell-errors", "exited"):
            statuses.append("missing-answers")
            for why, qids in missing.items():
                messages.append(f"no answer for {', '.join(qids)}: {why}")
        if invalid:
            statuses.append("invalid-answers")
            messages.append("; ".join(invalid))
        total = sum(s.points for s in scores)
        row["total"] = f"{round(total, 2):g}"
        row["max"] = f"{exercise.max_points:g}"
    if report.cell_errors and report.status in ("cell-errors", "exited", "memory-limit"):
        messages.append("errors: " + "; ".join(report.cell_errors[:5]))
    known = [s for s in statuses if s in STATUS_ORDER]
    row["status"] = min(known, key=STATUS_ORDER.index) if known else "grader-error"
    row["message"] = "; ".join(m for m in messages if m)
    return row, scores, messages


# --------------------------------------------------------------------------- output
def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("_") or "submission"


def feedback_text(sub: Submission, row: dict[str, str], scores: list[Score]) -> str:
    exercise = sub.exercise
    title = f"{exercise.id}: {exercise.title}" if exercise else "unknown exercise"
    lines = [
        f"# Feedback for {sub.student} — {title}",
        "",
        f"- Notebook: `{sub.notebook}`",
        f"- Score: {row.get('total', '0') or '0'} / {row.get('max', '?') or '?'}",
        f"- Status: {row['status']}" + (f" — {row['message']}" if row.get("message") else ""),
        "",
    ]
    for score in scores:
        lines.append(f"## {score.qid}: {score.points:g}/{score.max_points:g} ({score.status})")
        lines.extend(f"- {line}" for line in score.feedback)
        lines.append("")
    return "\n".join(lines)


def print_summary(rows: list[dict[str, str]], stream: Any = sys.stdout) -> None:
    counts = Counter(r["status"] for r in rows)
    width = max([len(s) for s in counts] + [6])
    print(f"\n{'status':<{width}}  submissions", file=stream)
    for status in sorted(counts, key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 99):
        print(f"{status:<{width}}  {counts[status]}", file=stream)
    totals = [float(r["total"]) for r in rows if r.get("total")]
    if totals:
        mean = sum(totals) / len(totals)
        print(f"{'mean':<{width}}  {mean:.2f} points over {len(totals)} graded", file=stream)
    problems = [r for r in rows if r["status"] != "ok"]
    for r in problems[:20]:
        print(f"  {r['student']} ({r['notebook']}): {r['status']} — {r['message']}", file=stream)
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
    limits: runner.Limits = field(default_factory=runner.Limits)
    hidden: Path | None = None
    force: bool = False
    quiet: bool = False


def _sha256(path: Path) -> tuple[str, bytes | None]:
    try:
        data = path.read_bytes()
    except OSError:
        return "", None
    return hashlib.sha256(data).hexdigest(), data


def grade(options: Options) -> int:
    """Grade every submission into the gradebook; returns the exit code."""
    if options.jobs < 1:
        raise UsageError("-j/--jobs must be at least 1.")
    hidden, digest = bank.load_hidden(options.hidden) if options.hidden else ((), "")
    submissions, warnings = find_submissions(options.submissions)
    for warning in warnings:
        print(f"virtlab grade: {warning}", file=sys.stderr)
    if not submissions:
        raise UsageError(
            "no notebooks to grade: pass notebook files, folders of them or globs "
            "(e.g. virtlab grade submissions/ -o gradebook.csv)."
        )
    runner.network_fence()  # probe once, before the workers fork
    if not runner.network_fence() and not options.quiet:
        print(
            "virtlab grade: this OS does not let the grader take the network away from "
            "kernels (no 'unshare -n'); submissions can reach the network.",
            file=sys.stderr,
        )
    output = options.output
    output.parent.mkdir(parents=True, exist_ok=True)
    with gradebook.locked(output):
        try:
            existing = gradebook.read(output)
        except gradebook.UnreadableGradebook as err:
            raise UsageError(str(err)) from None
        rows = {r.get("notebook", ""): r for r in existing}
        return _grade_locked(options, submissions, rows, hidden, digest)


def _grade_locked(
    options: Options,
    submissions: list[Submission],
    rows: dict[str, dict[str, str]],
    hidden: tuple,
    digest: str,
) -> int:
    versions = {
        e.id: bank.with_hidden(e, hidden, digest).version for e in bank.exercises().values()
    }
    question_ids = {
        e.id: [q.id for q in bank.with_hidden(e, hidden, digest).questions]
        for e in bank.exercises().values()
    }
    batch_rows: list[str] = []
    todo: list[tuple[Submission, bytes, str]] = []
    scored: dict[str, tuple[Submission, list[Score]]] = {}
    for sub in submissions:
        batch_rows.append(sub.notebook)
        if sub.path.is_dir():
            rows[sub.notebook] = {
                "student": sub.student,
                "notebook": sub.notebook,
                "status": "no-submission",
                "message": f"the folder {sub.notebook} holds no notebook",
                "total": "0",
            }
            continue
        sub.sha256, data = _sha256(sub.path)
        if data is None:
            rows[sub.notebook] = {
                "student": sub.student,
                "notebook": sub.notebook,
                "status": "invalid-notebook",
                "message": "the file could not be read",
            }
            continue
        old = rows.get(sub.notebook)
        unchanged = (
            old is not None
            and old.get("sha256") == sub.sha256
            and old.get("version", "") == versions.get(old.get("exercise", ""), "")
            and old.get("status") not in ("grader-error", "duplicate")
        )
        if unchanged and not options.force:
            continue
        todo.append((sub, data, secrets.token_hex(16)))

    def save() -> None:
        all_rows = list(rows.values())
        # only the questions of exercises this gradebook holds, in bank order
        present = {r.get("exercise", "") for r in all_rows}
        ids = [q for ex, qs in question_ids.items() if ex in present for q in qs]
        gradebook.write(options.output, all_rows, gradebook.columns_for(all_rows, ids))

    progress = Progress(len(todo))
    skipped = sum(1 for s in submissions if s.sha256) - len(todo)
    if skipped and not options.quiet:
        print(f"virtlab grade: {skipped} submission(s) unchanged since the last run, skipped.")
    interrupted = False
    try:
        for sub, report, key in _execute_all(todo, options):
            try:
                row, scores, _ = score_submission(sub, report, key, hidden, digest)
            except Exception as err:  # one bad submission must never lose the batch
                row, scores = (
                    {
                        "student": sub.student,
                        "notebook": sub.notebook,
                        "sha256": sub.sha256,
                        "status": "grader-error",
                        "message": f"{type(err).__name__}: {err}",
                    },
                    [],
                )
            rows[sub.notebook] = row
            scored[sub.notebook] = (sub, scores)
            save()
            progress.step(f"{sub.student}: {row['status']}")
    except KeyboardInterrupt:
        interrupted = True
    _mark_duplicates(rows, batch_rows)
    save()  # again, after every kernel is gone: a submission may have written over it
    if options.feedback is not None:
        options.feedback.mkdir(parents=True, exist_ok=True)
        for notebook, (sub, scores) in scored.items():
            name = f"{_safe(sub.student)}__{_safe(Path(notebook).stem)}.md"
            text = feedback_text(sub, rows[notebook], scores)
            (options.feedback / name).write_text(text, encoding="utf-8")
    batch = [rows[n] for n in batch_rows if n in rows]
    if not options.quiet:
        print_summary(batch)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if all(r.get("status") == "ok" for r in batch) else EXIT_PROBLEMS


def _mark_duplicates(rows: dict[str, dict[str, str]], batch: list[str]) -> None:
    groups: dict[tuple[str, str], list[str]] = {}
    for notebook in batch:
        row = rows.get(notebook)
        if row and row.get("exercise"):
            groups.setdefault((row["student"], row["exercise"]), []).append(notebook)
    for (student, exercise), notebooks in groups.items():
        if len(notebooks) < 2:
            continue
        for notebook in notebooks:
            row = rows[notebook]
            others = ", ".join(n for n in notebooks if n != notebook)
            note = f"{student} handed in {exercise} {len(notebooks)} times (also {others})"
            if row["status"] == "ok":
                row["status"] = "duplicate"
            if note not in row.get("message", ""):
                row["message"] = "; ".join(m for m in (row.get("message", ""), note) if m)


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
            yield sub, RunReport("grader-error", "the grading worker died twice on it"), key


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
                report = RunReport("grader-error", f"{type(err).__name__}: {err}")
            yield sub, report, key
    finally:
        # on Ctrl-C, do not run the queued submissions only to throw their results away
        pool.shutdown(wait=False, cancel_futures=True)
