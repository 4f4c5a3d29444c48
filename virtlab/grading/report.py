"""``virtlab report GRADEBOOK -o report.html``: how the class did, on one offline page.

The steps: read the gradebook (and, when present, ``GRADEBOOK.answers.jsonl``, the answers each
submission recorded) → :func:`analyse` them into a :class:`ClassReport` (plain data, what the
tests check) → :func:`figures` draws it with plotly → :func:`render_html` writes one
self-contained page with plotly's JavaScript embedded once, no request outside the file, and a
print stylesheet.

Inputs
------
The gradebook CSV of ``virtlab grade``: columns ``student, notebook, exercise``, one column of
points per question, ``total, max, status, message, sha256, version``.

The answers file (optional) holds one JSON object per line::

    {"student": "amy", "exercise": "ex02", "sha256": "...", "answers": {"ex02-q1": "b", ...}}

or the same entries in one JSON object keyed by notebook, as ``virtlab grade`` keeps them in
``<gradebook stem>.answers.json``. ``GRADEBOOK.answers.jsonl`` is looked for first, then that.

where each answer is the JSON that ``check()`` recorded (``virtlab.grading.encoding``). Answers
are re-scored with the installed question bank to find the most common wrong answers and the
feedback each gets; without the file those sections say why they are missing.

Counting rules: a student who handed in an exercise more than once counts once, with their
best-scoring submission, in the distributions and success rates (every submission stays in the
tables). A question's maximum comes from the question bank; a column the bank does not know (a
hidden check) takes the highest points anyone earned on it, and the page says so.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXED = (
    "student",
    "notebook",
    "exercise",
    "total",
    "max",
    "status",
    "message",
    "sha256",
    "version",
)
REQUIRED = ("student", "exercise", "total", "max", "status")
TOP_WRONG = 5


class ReportInputError(ValueError):
    """The gradebook or the answers file cannot be used; the message says what to do."""


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class Submission:
    """One gradebook row."""

    student: str
    notebook: str
    exercise: str
    points: dict[str, float | None]
    total: float | None
    max: float | None
    status: str
    message: str
    sha256: str
    version: str


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def read_gradebook(path: Path) -> list[Submission]:
    """Every row of a gradebook; a file that is not one raises :class:`ReportInputError`."""
    if not path.is_file():
        raise ReportInputError(f"{path}: no such gradebook; run `virtlab grade ... -o {path}`.")
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = list(reader.fieldnames or [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ReportInputError(
            f"{path}: cannot be read as a UTF-8 CSV gradebook ({err})."
        ) from None
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ReportInputError(
            f"{path}: not a virtlab gradebook (no column {', '.join(missing)}); give the CSV "
            "that `virtlab grade -o` wrote."
        )
    question_columns = [c for c in columns if c not in FIXED]
    return [
        Submission(
            student=row.get("student") or "",
            notebook=row.get("notebook") or "",
            exercise=row.get("exercise") or "",
            points={
                q: _number(row.get(q)) for q in question_columns if row.get(q) not in (None, "")
            },
            total=_number(row.get("total")),
            max=_number(row.get("max")),
            status=row.get("status") or "",
            message=row.get("message") or "",
            sha256=row.get("sha256") or "",
            version=row.get("version") or "",
        )
        for row in rows
    ]


def answers_path_for(gradebook: Path) -> Path:
    """Where the answers recorded for a gradebook live: the first of ``GRADEBOOK.answers.jsonl``
    and the grader's own ``<stem>.answers.json`` that exists (the first when neither does)."""
    candidates = [
        gradebook.with_name(gradebook.name + ".answers.jsonl"),
        gradebook.with_name(gradebook.stem + ".answers.json"),
    ]
    return next((c for c in candidates if c.is_file()), candidates[0])


_ENTRY = '{"student", "exercise", "sha256", "answers": {qid: answer}}'


def _entry(entry: Any) -> tuple[tuple[str, str, str], dict[str, Any]]:
    key = (str(entry["student"]), str(entry["exercise"]), str(entry["sha256"]))
    answers = entry["answers"]
    if not isinstance(answers, dict):
        raise TypeError("answers is not an object")
    return key, {str(q): a for q, a in answers.items()}


def read_answers(path: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Recorded answers by (student, exercise, sha256), from either layout: one JSON object per
    line, or one object of such entries keyed by notebook (what ``virtlab grade`` keeps beside
    the gradebook). A malformed entry raises, naming its line or notebook."""
    text = path.read_text(encoding="utf-8")
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    # keyed by notebook: every value an entry (a one-line file is one entry, whose values are not)
    if isinstance(whole, dict) and whole and all(isinstance(v, dict) for v in whole.values()):
        found: dict[tuple[str, str, str], dict[str, Any]] = {}
        for notebook, entry in whole.items():
            try:
                key, answers = _entry(entry)
            except (KeyError, TypeError) as err:
                raise ReportInputError(
                    f"{path}, notebook {notebook!r}: expected {_ENTRY} ({err})."
                ) from None
            found[key] = answers
        return found
    found = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            key, answers = _entry(json.loads(line))
        except (ValueError, KeyError, TypeError) as err:
            raise ReportInputError(f"{path}, line {number}: expected {_ENTRY} ({err}).") from None
        found[key] = answers
    return found


# --------------------------------------------------------------------------- analysis
@dataclass
class QuestionStats:
    qid: str
    max_points: float
    max_inferred: bool
    graded: int
    full_marks: int
    mean_points: float

    @property
    def success_rate(self) -> float:
        return self.full_marks / self.graded if self.graded else 0.0


@dataclass
class WrongAnswer:
    """One wrong answer (or one failed part of a stack) and who gave it."""

    label: str
    students: list[str]
    feedback: str


@dataclass
class ExerciseStats:
    id: str
    title: str
    max_points: float
    totals: dict[str, float]  # per student, best submission
    questions: list[QuestionStats]
    wrong: dict[str, list[WrongAnswer]] = field(default_factory=dict)
    versions: list[str] = field(default_factory=list)


@dataclass
class ClassReport:
    source: str
    exercises: list[ExerciseStats]
    attention: dict[str, list[Submission]]  # status -> rows, every status but ok
    not_submitted: dict[str, list[str]]  # exercise -> students seen elsewhere but not here
    students: list[str]
    table: dict[str, dict[str, list[Submission]]]  # student -> exercise -> rows
    identical_submissions: list[tuple[str, str, list[str]]]  # (exercise, sha256, students)
    identical_answers: list[tuple[str, bool, list[str]]]  # (exercise, all correct?, students)
    answers_note: str
    stale_versions: list[str]


def _exercise_info(exercise_id: str) -> Any:
    from virtlab.grading import bank

    return bank.exercises().get(exercise_id)


def _exercise_of_name(notebook: str) -> str:
    from virtlab.grading import bank

    exercise = bank.exercise_for_notebook(notebook) if notebook else None
    return exercise.id if exercise else ""


def _best(rows: list[Submission]) -> dict[str, Submission]:
    best: dict[str, Submission] = {}
    for row in rows:
        if row.total is None:
            continue
        kept = best.get(row.student)
        if kept is None or row.total > (kept.total or 0):
            best[row.student] = row
    return best


def _question_stats(exercise: Any, best: dict[str, Submission]) -> list[QuestionStats]:
    qids: list[str] = [q.id for q in exercise.questions] if exercise else []
    for row in best.values():
        qids += [q for q in row.points if q not in qids and q.startswith(_prefix(row.exercise))]
    stats = []
    for qid in qids:
        question = exercise.question(qid) if exercise else None
        earned = [row.points[qid] for row in best.values() if row.points.get(qid) is not None]
        if question is not None:
            top, inferred = float(question.points), False
        else:
            top, inferred = max(earned, default=0.0) or 0.0, True
        full = sum(1 for p in earned if top and p >= top)
        mean = sum(earned) / len(earned) if earned else 0.0
        stats.append(QuestionStats(qid, top, inferred, len(earned), full, mean))
    return stats


def _prefix(exercise_id: str) -> str:
    return exercise_id + "-"


def _wrong_answers(
    exercise: Any, rows: list[Submission], answers: dict[tuple[str, str, str], dict[str, Any]]
) -> dict[str, list[WrongAnswer]]:
    """Per question: the most common wrong answers, with the bank's feedback on each."""

    groups: dict[str, dict[str, tuple[set[str], Counter]]] = defaultdict(dict)
    seen: dict[tuple[str, str], list[tuple[str, str]] | None] = {}  # the same answer, once
    for row in rows:
        recorded = answers.get((row.student, row.exercise, row.sha256))
        if recorded is None:
            continue
        for question in exercise.questions:
            value = recorded.get(question.source_qid)
            if value is None:
                continue
            key = (question.id, json.dumps(value, sort_keys=True))
            if key not in seen:
                seen[key] = _mistakes(question, value)
            for label, feedback in seen[key] or ():
                students, said = groups[question.id].setdefault(label, (set(), Counter()))
                students.add(row.student)
                said[feedback] += 1
    result: dict[str, list[WrongAnswer]] = {}
    for qid, by_label in groups.items():
        ranked = sorted(by_label.items(), key=lambda item: (-len(item[1][0]), item[0]))
        result[qid] = [
            WrongAnswer(label, sorted(students), said.most_common(1)[0][0])
            for label, (students, said) in ranked[:TOP_WRONG]
        ]
    return result


def _mistakes(question: Any, value: Any) -> list[tuple[str, str]] | None:
    """The (label, feedback) pairs of a wrong answer; None when it is right."""
    from virtlab.grading import encoding, questions

    try:
        score = question.score(encoding.decode(value))
    except Exception as err:  # a recorded answer must never stop the report
        score = questions.Score(question.id, 0, question.points, questions.INVALID, (str(err),))
    if score.status == questions.CORRECT:
        return None
    return _labels(question, value, score)


def _labels(question: Any, value: Any, score: Any) -> list[tuple[str, str]]:
    """What a wrong answer was, grouped so that the same mistake lands in one group."""
    from virtlab.grading import encoding, questions

    feedback = " ".join(score.feedback)
    if score.status in (questions.UNANSWERED_STATUS, questions.INVALID):
        decoded = encoding.decode(value)
        kind = type(decoded).__name__ if not isinstance(decoded, encoding.Unsupported) else ""
        what = decoded.type_name if isinstance(decoded, encoding.Unsupported) else kind
        label = score.status if score.status != questions.INVALID else f"invalid answer ({what})"
        return [(label, feedback)]
    if isinstance(question, questions.Classification):
        decoded = encoding.decode(value)
        # keys as the question reads them ("KVM " is kvm), so a misplacement is one group
        given = (
            {str(k).strip().lower(): v for k, v in decoded.items()}
            if isinstance(decoded, dict)
            else {}
        )
        pairs = []
        for item in question.items:
            category = given.get(item)
            if not isinstance(category, str):
                continue
            single = questions.Classification(
                id=question.id,
                points=1,
                prompt="",
                items=(item,),
                categories=question.categories,
                answer_hashes={item: question.answer_hashes[item]},
            )
            alone = single.score({item: category})
            if alone.status != questions.CORRECT:
                name = question.item_names.get(item, item)
                said = " ".join(alone.feedback) or feedback  # about this item only
                pairs.append((f"{name} → {category.strip().lower()}", said))
        return pairs or [("other", feedback)]
    if isinstance(question, questions.StackRequirements):  # bug hunts too
        failed = [line for line in score.feedback if line.startswith("✗")]
        if not failed:
            return [("partly right", feedback)]
        known = [r.describe for r in question.requirements]
        return [(_requirement_of(line, known), line) for line in failed]
    shown = encoding.decode(value)
    label = shown.strip().lower() if isinstance(shown, str) else json.dumps(value, sort_keys=True)
    return [(label[:80], feedback)]


def _requirement_of(line: str, known: list[str]) -> str:
    """The requirement a "✗ <describe>: <problem> (<where>)" feedback line is about."""
    text = line.removeprefix("✗").strip()
    for describe in sorted(known, key=len, reverse=True):  # a describe may hold ": " itself
        if text.startswith(describe + ":"):
            return describe
    return text.split(": ", 1)[0]


def _identical_answers(
    exercise: Any, rows: list[Submission], answers: dict[tuple[str, str, str], dict[str, Any]]
) -> list[tuple[str, bool, list[str]]]:
    from virtlab.grading import encoding, questions

    vectors: dict[str, tuple[dict[str, Any], set[str]]] = {}
    for row in rows:
        recorded = answers.get((row.student, row.exercise, row.sha256))
        if not recorded:
            continue
        asked = [q for q in exercise.questions if q.answer_of is None]
        given = {q.id: recorded.get(q.id) for q in asked}
        if all(
            v is None or isinstance(encoding.decode(v), encoding.Unanswered) for v in given.values()
        ):
            continue  # an untouched exercise says nothing about who worked with whom
        digest = hashlib.sha256(json.dumps(given, sort_keys=True).encode()).hexdigest()
        vectors.setdefault(digest, (given, set()))[1].add(row.student)

    def all_correct(given: dict[str, Any]) -> bool:
        return all(
            given[q.id] is not None
            and q.score(encoding.decode(given[q.id])).status == questions.CORRECT
            for q in exercise.questions
            if q.id in given
        )

    # scored only for the groups shown: most vectors are one student's
    return sorted(
        (exercise.id, all_correct(given), sorted(students))
        for given, students in vectors.values()
        if len(students) > 1
    )


def analyse(
    rows: list[Submission],
    answers: dict[tuple[str, str, str], dict[str, Any]] | None,
    *,
    source: str = "",
    answers_note: str = "",
) -> ClassReport:
    """Everything the page shows, as data."""
    by_exercise: dict[str, list[Submission]] = defaultdict(list)
    for row in rows:
        if row.exercise:
            by_exercise[row.exercise].append(row)
    students = sorted({r.student for r in rows if r.student})
    exercises: list[ExerciseStats] = []
    identical_answers: list[tuple[str, bool, list[str]]] = []
    stale: list[str] = []
    for exercise_id in sorted(by_exercise):
        group = by_exercise[exercise_id]
        info = _exercise_info(exercise_id)
        best = _best(group)
        maxima = [r.max for r in group if r.max is not None]
        stats = ExerciseStats(
            id=exercise_id,
            title=info.title if info else exercise_id,
            max_points=max(maxima) if maxima else (info.max_points if info else 0.0),
            totals={s: r.total for s, r in sorted(best.items()) if r.total is not None},
            questions=_question_stats(info, best),
            versions=sorted({r.version for r in group if r.version}),
        )
        if info is not None and any(v.split("+")[0] != info.version for v in stats.versions):
            stale.append(exercise_id)
        if answers is not None and info is not None:
            stats.wrong = _wrong_answers(info, group, answers)
            identical_answers += _identical_answers(info, group, answers)
        exercises.append(stats)
    attention: dict[str, list[Submission]] = defaultdict(list)
    for row in rows:
        if row.status != "ok":
            attention[row.status or "no status"].append(row)
    # a row the grader could not place (an invalid notebook) still shows who handed in what
    handed_in = {(r.student, r.exercise or _exercise_of_name(r.notebook)) for r in rows}
    not_submitted = {
        exercise_id: sorted(s for s in students if (s, exercise_id) not in handed_in)
        for exercise_id in sorted(by_exercise)
    }
    table: dict[str, dict[str, list[Submission]]] = {s: defaultdict(list) for s in students}
    for row in rows:
        if row.student:
            table[row.student][row.exercise or _exercise_of_name(row.notebook) or "?"].append(row)
    same_sha: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        if row.sha256 and row.student:
            same_sha[(row.exercise or "?", row.sha256)].add(row.student)
    identical_submissions = sorted(
        (exercise_id, sha, sorted(names))
        for (exercise_id, sha), names in same_sha.items()
        if len(names) > 1
    )
    return ClassReport(
        source=source,
        exercises=exercises,
        attention=dict(attention),
        not_submitted={k: v for k, v in not_submitted.items() if v},
        students=students,
        table={s: dict(t) for s, t in table.items()},
        identical_submissions=identical_submissions,
        identical_answers=identical_answers,
        answers_note=answers_note,
        stale_versions=stale,
    )


def reteach(report: ClassReport, *, below: float = 0.7, limit: int = 8) -> list[tuple[Any, ...]]:
    """The questions fewest students got fully right (under ``below``), weakest first:
    ``(exercise id, question stats, its most common wrong answer or None)``."""
    weak = [
        (q.success_rate, ex.id, q, (ex.wrong.get(q.qid) or [None])[0])
        for ex in report.exercises
        for q in ex.questions
        if q.graded and q.success_rate < below
    ]
    weak.sort(key=lambda item: (item[0], item[1], item[2].qid))
    return [(exercise_id, q, top) for _, exercise_id, q, top in weak[:limit]]


# --------------------------------------------------------------------------- figures
def figures(report: ClassReport) -> dict[str, Any]:
    """The page's figures by id: a score histogram and a success-rate bar chart per exercise."""
    import plotly.graph_objects as go

    from virtlab.plots._style import FONT_FAMILY, OKABE_ITO

    found: dict[str, Any] = {}
    for ex in report.exercises:
        totals = list(ex.totals.values())
        hist = go.Figure(
            go.Histogram(
                x=totals,
                xbins={"start": -0.5, "end": ex.max_points + 0.5, "size": 1},
                marker_color=OKABE_ITO["blue"],
                hovertemplate="%{x} points: %{y} student(s)<extra></extra>",
            )
        )
        mean = sum(totals) / len(totals) if totals else 0.0
        hist.update_layout(
            title=f"{ex.id} — {ex.title}: {len(totals)} student(s), mean {mean:.1f} of "
            f"{ex.max_points:g}",
            xaxis={"title": "points", "range": [-0.5, ex.max_points + 0.5]},
            yaxis={"title": "students"},
            bargap=0.05,
        )
        found[f"scores-{ex.id}"] = hist
        rates = go.Figure(
            go.Bar(
                x=[q.qid for q in ex.questions],
                y=[round(100 * q.success_rate, 1) for q in ex.questions],
                customdata=[
                    [q.full_marks, q.graded, q.mean_points, q.max_points] for q in ex.questions
                ],
                marker_color=[
                    OKABE_ITO["vermillion"] if q.success_rate < 0.5 else OKABE_ITO["green"]
                    for q in ex.questions
                ],
                hovertemplate="%{x}: %{customdata[0]} of %{customdata[1]} full marks "
                "(mean %{customdata[2]:.2f} of %{customdata[3]})<extra></extra>",
            )
        )
        rates.update_layout(
            title=f"{ex.id}: share of students with full marks, per question",
            yaxis={"title": "% full marks", "range": [0, 100]},
            xaxis={"title": "question"},
        )
        found[f"success-{ex.id}"] = rates
    for fig in found.values():
        fig.update_layout(
            font={"family": FONT_FAMILY, "size": 12},
            template="plotly_white",
            width=700,  # fits an A4 or Letter page in portrait when printed
            height=320,
            margin={"l": 60, "r": 20, "t": 50, "b": 50},
        )
    return found


# --------------------------------------------------------------------------- HTML
_CSS = """
body { font-family: Inter, 'Helvetica Neue', Arial, sans-serif; margin: 24px auto; max-width: 980px;
       color: #222; line-height: 1.4; }
h1 { font-size: 24px; } h2 { font-size: 19px; border-bottom: 1px solid #ccc; margin-top: 32px; }
h3 { font-size: 16px; margin-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; }
.note { color: #555; font-size: 13px; } .warn { color: #a33; }
.status-ok { color: #2e7d32; } .status-bad { color: #c62828; }
.figure { page-break-inside: avoid; break-inside: avoid; }
section { page-break-inside: auto; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; }
               table, .figure { page-break-inside: avoid; } }
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _names(students: list[str], limit: int = 12) -> str:
    shown = ", ".join(_e(s) for s in students[:limit])
    more = len(students) - limit
    return shown + (f" and {more} more" if more > 0 else "")


def _reteach_html(report: ClassReport) -> list[str]:
    weak = reteach(report)
    out = [
        "<section><h2>Re-teach first</h2>",
        '<p class="note">Questions fewer than 70% of the students got fully right, weakest '
        "first, with the most common wrong answer and the feedback it earned.</p>",
    ]
    if not weak:
        return [*out, '<p class="status-ok">None: every question above 70%.</p></section>']
    out.append(
        "<table><tr><th>question</th><th>full marks</th><th>most common wrong answer</th>"
        "<th>feedback it earned</th></tr>"
    )
    for exercise_id, q, top in weak:
        if top is None:
            wrong, feedback = "—", _e(report.answers_note) or "—"
        else:
            wrong = f"{_e(top.label)} ({len(top.students)} student(s))"
            feedback = _e(top.feedback)
        out.append(
            f'<tr><td><a href="#{_e(exercise_id)}">{_e(q.qid)}</a></td>'
            f"<td class='num'>{100 * q.success_rate:.0f}%</td><td>{wrong}</td>"
            f"<td>{feedback}</td></tr>"
        )
    out.append("</table></section>")
    return out


def _attention_html(report: ClassReport) -> list[str]:
    out = ["<section><h2>Needs attention</h2>"]
    if not report.attention and not report.not_submitted:
        out.append('<p class="status-ok">Every submission was graded with status ok.</p>')
    for status, rows in sorted(report.attention.items()):
        out.append(f'<h3 class="status-bad">{_e(status)}: {len(rows)} submission(s)</h3>')
        out.append("<table><tr><th>student</th><th>notebook</th><th>what happened</th></tr>")
        out += [
            f"<tr><td>{_e(r.student)}</td><td>{_e(r.notebook)}</td><td>{_e(r.message)}</td></tr>"
            for r in rows
        ]
        out.append("</table>")
    for exercise_id, names in report.not_submitted.items():
        out.append(
            f"<h3>{_e(exercise_id)}: no submission from {len(names)} student(s)</h3>"
            f'<p class="note">In the gradebook for other exercises but not this one: '
            f"{_names(names, 40)}.</p>"
        )
    out.append("</section>")
    return out


def _exercise_html(ex: ExerciseStats, figure_html: dict[str, str], note: str) -> list[str]:
    out = [f'<section><h2 id="{_e(ex.id)}">{_e(ex.id)} — {_e(ex.title)}</h2>']
    out.append(f'<div class="figure">{figure_html[f"scores-{ex.id}"]}</div>')
    out.append(f'<div class="figure">{figure_html[f"success-{ex.id}"]}</div>')
    out.append(
        "<table><tr><th>question</th><th>full marks</th><th>mean points</th><th>max</th></tr>"
    )
    for q in ex.questions:
        inferred = " (highest earned: not in the bank)" if q.max_inferred else ""
        out.append(
            f"<tr><td>{_e(q.qid)}</td><td class='num'>{q.full_marks} of {q.graded} "
            f"({100 * q.success_rate:.0f}%)</td><td class='num'>{q.mean_points:.2f}</td>"
            f"<td class='num'>{q.max_points:g}{_e(inferred)}</td></tr>"
        )
    out.append("</table>")
    out.append("<h3>Most common wrong answers</h3>")
    if note:
        out.append(f'<p class="note">{_e(note)}</p>')
    elif not ex.wrong:
        out.append('<p class="note">No wrong answers recorded.</p>')
    for q in ex.questions:
        wrong = ex.wrong.get(q.qid)
        if not wrong:
            continue
        out.append(
            f"<p><b>{_e(q.qid)}</b></p><table><tr><th>answer</th><th>students</th>"
            "<th>what the feedback says (the misconception)</th></tr>"
        )
        out += [
            f"<tr><td>{_e(w.label)}</td><td>{len(w.students)}: {_names(w.students)}</td>"
            f"<td>{_e(w.feedback)}</td></tr>"
            for w in wrong
        ]
        out.append("</table>")
    out.append("</section>")
    return out


def _student_table(report: ClassReport) -> list[str]:
    ids = [ex.id for ex in report.exercises]
    maxima = {ex.id: ex.max_points for ex in report.exercises}
    out = ["<section><h2>Students</h2><table><tr><th>student</th>"]
    out += [f"<th>{_e(i)}</th>" for i in ids]
    out.append("<th>total</th></tr>")
    for student in report.students:
        cells, total = [], 0.0
        for exercise_id in ids:
            rows = report.table[student].get(exercise_id, [])
            if not rows:
                cells.append('<td class="status-bad">no submission</td>')
                continue
            best = max(rows, key=lambda r: r.total if r.total is not None else -1)
            total += best.total or 0.0
            score = f"{best.total:g} / {maxima[exercise_id]:g}" if best.total is not None else "—"
            flag = (
                "" if best.status == "ok" else f' <span class="status-bad">{_e(best.status)}</span>'
            )
            extra = f" ({len(rows)} submissions)" if len(rows) > 1 else ""
            cells.append(f"<td class='num'>{_e(score)}{flag}{_e(extra)}</td>")
        out.append(f"<tr><td>{_e(student)}</td>{''.join(cells)}<td class='num'>{total:g}</td></tr>")
    out.append("</table></section>")
    return out


def _identical_html(report: ClassReport) -> list[str]:
    out = [
        "<section><h2>Identical work (for information)</h2>",
        '<p class="note">Identical files or identical answers are not proof of anything: '
        "students who hand in the untouched exercise, or who all answer the multiple-choice "
        "questions right, coincide by design. Treat these lists as a reason to look, not as "
        "an accusation.</p>",
        "<h3>Identical submissions (same sha256)</h3>",
    ]
    if report.identical_submissions:
        out.append("<table><tr><th>exercise</th><th>sha256</th><th>students</th></tr>")
        out += [
            f"<tr><td>{_e(ex)}</td><td><code>{_e(sha[:16])}…</code></td>"
            f"<td>{_names(names, 40)}</td></tr>"
            for ex, sha, names in report.identical_submissions
        ]
        out.append("</table>")
    else:
        out.append('<p class="note">None.</p>')
    out.append("<h3>Identical answers to every question</h3>")
    if report.answers_note:
        out.append(f'<p class="note">{_e(report.answers_note)}</p>')
    elif report.identical_answers:
        out.append("<table><tr><th>exercise</th><th>all correct?</th><th>students</th></tr>")
        out += [
            f"<tr><td>{_e(ex)}</td><td>{'yes' if correct else 'no'}</td>"
            f"<td>{_names(names, 40)}</td></tr>"
            for ex, correct, names in report.identical_answers
        ]
        out.append("</table>")
    else:
        out.append('<p class="note">None.</p>')
    out.append("</section>")
    return out


def render_html(report: ClassReport, figs: dict[str, Any]) -> str:
    """The whole page: plotly's JavaScript once in the head, every figure a div after it."""
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    config = {"displaylogo": False, "responsive": False, "staticPlot": False}
    figure_html = {
        name: pio.to_html(
            fig, include_plotlyjs=False, full_html=False, div_id=f"fig-{name}", config=config
        )
        for name, fig in figs.items()
    }
    graded = sum(len(ex.totals) for ex in report.exercises)
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>virtlab class report — {_e(report.source)}</title>",
        f"<style>{_CSS}</style>",
        # Plotly's bundle, inlined once: the page works offline and asks nothing of the network.
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
        "<h1>virtlab class report</h1>",
        f'<p class="note">Gradebook: {_e(report.source)} · {len(report.students)} student(s) · '
        f"{len(report.exercises)} exercise(s) · {graded} graded student-exercise(s). A student "
        "who handed in an exercise more than once counts once, with the best submission.</p>",
    ]
    if report.stale_versions:
        head.append(
            '<p class="warn">The question bank changed since these exercises were graded: '
            f"{_e(', '.join(report.stale_versions))}. Wrong answers are re-scored with the "
            "current bank; run <code>virtlab grade</code> again to bring the points up to date."
            "</p>"
        )
    body: list[str] = []
    body += _reteach_html(report)
    body += _attention_html(report)
    for ex in report.exercises:
        body += _exercise_html(ex, figure_html, report.answers_note)
    body += _student_table(report)
    body += _identical_html(report)
    return "\n".join([*head, *body, "</body></html>"]) + "\n"


def write_report(gradebook: Path, output: Path, answers: Path | None = None) -> ClassReport:
    """Read, analyse, draw and write the page; returns the analysis."""
    rows = read_gradebook(gradebook)
    answers_file = answers or answers_path_for(gradebook)
    if answers_file.is_file():
        recorded: dict[tuple[str, str, str], dict[str, Any]] | None = read_answers(answers_file)
        note = ""
    else:
        recorded = None
        note = (
            f"No recorded answers (neither {answers_file.name} nor "
            f"{gradebook.stem}.answers.json next to the gradebook), so "
            "wrong answers and identical answer sets cannot be shown."
        )
    report = analyse(rows, recorded, source=gradebook.name, answers_note=note)
    text = render_html(report, figures(report))
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)
    return report
