"""``virtlab key``: the instructor's answer key, generated from the course's single sources.

The key (``solutions/key/answer-key.md``) is never written by hand. It is rendered from:

* the lesson self-checks (:mod:`virtlab.selfchecks`: prompts, options, per-option feedback) and
  ``solutions/key/selfchecks.toml``, the one instructor-only place that names each check's right
  option(s) by number. The package keeps only salted hashes; rendering fails when a number does
  not give the stored hash, so the two cannot drift apart;
* the question bank (:mod:`virtlab.grading.bank`: kinds, points, sections, requirements), the
  solution notebooks (``solutions/NN-*.ipynb``: the question text and the code between the
  solution markers) and ``solutions/key/explanations.toml`` (why the answer is right, per
  question). A literal solution (a letter, a number, a dict) is scored by the bank while
  rendering and must earn full marks; so is a computed number (``round(lxc / gvisor, 1)``,
  ``int(r.stdout)``), which is worked out by running the solution notebook's code cells in
  order in one namespace, as a learner's kernel does, with lesson 08's live experiments on
  their recorded results (see :func:`computed_answers`).

``virtlab key --check`` (and ``tests/grading/test_answer_key.py``) fail when the committed key
differs from what the sources give now, like ``virtlab assign --check``.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from virtlab.answers import answer_hash

KEY_DIR = "key"
SELFCHECK_SOURCE = f"{KEY_DIR}/selfchecks.toml"
EXPLANATIONS_SOURCE = f"{KEY_DIR}/explanations.toml"
KEY_FILE = f"{KEY_DIR}/answer-key.md"
_SC_SHOWN = f"solutions/{SELFCHECK_SOURCE}"
_EX_SHOWN = f"solutions/{EXPLANATIONS_SOURCE}"

_CHECK_CALL = re.compile(r"""check\(\s*["']([A-Za-z0-9:_-]+)["']""")


class KeySourceError(ValueError):
    """The key's sources disagree with each other (or one is missing); lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the key is an instructor's tool, not a learner's
        raise KeySourceError(["virtlab key needs Python 3.11 or newer (tomllib)."]) from None
    if not path.is_file():
        raise KeySourceError([f"{path}: missing; it is one of the answer key's sources."])
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise KeySourceError([f"{path}: not valid TOML ({err})."]) from None


# --------------------------------------------------------------------------- self-checks
def selfcheck_numbers(solutions: Path) -> dict[str, list[int]]:
    """The right option numbers (1 = first option) of every self-check, from the source file."""
    raw = _load_toml(solutions / SELFCHECK_SOURCE)
    numbers: dict[str, list[int]] = {}
    for qid, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise KeySourceError(
                [f"{_SC_SHOWN}: {qid} = {value!r}; give an option number or a list of them."]
            )
        numbers[qid] = values
    return numbers


def selfcheck_answer(spec: dict[str, Any], numbers: list[int]) -> str | set[str]:
    """The value whose hash the package stores: one option's text, or the set of them."""
    options = list(spec["options"])
    bad = [n for n in numbers if not 1 <= n <= len(options)]
    if bad:
        raise ValueError(f"option number(s) {bad} out of range 1-{len(options)}")
    chosen = [options[n - 1] for n in numbers]
    if spec["multiple"]:
        return set(chosen)
    if len(chosen) != 1:
        raise ValueError(f"a single-answer check needs one option number, got {numbers}")
    return chosen[0]


def selfcheck_hash(qid: str, solutions: Path) -> str:
    """The ``answer_hash`` self-check ``qid`` must store, derived from the source file."""
    from virtlab import selfchecks

    numbers = selfcheck_numbers(solutions)
    if qid not in numbers:
        raise KeySourceError([f"{_SC_SHOWN}: no answer for {qid}; add `{qid} = N`."])
    try:
        return answer_hash(qid, selfcheck_answer(selfchecks.definition(qid), numbers[qid]))
    except ValueError as err:
        raise KeySourceError([f"{_SC_SHOWN}: {qid}: {err}."]) from None


def selfcheck_problems(solutions: Path) -> list[str]:
    """Every disagreement between the source file and the hashes stored in the package."""
    from virtlab import selfchecks

    numbers = selfcheck_numbers(solutions)
    known = selfchecks.known_qids()
    found = [
        f"{_SC_SHOWN}: {qid} is not a self-check any more; remove it."
        for qid in numbers
        if qid not in known
    ]
    for qid in known:
        spec = selfchecks.definition(qid)
        if qid not in numbers:
            found.append(f"{_SC_SHOWN}: no answer for {qid}; add `{qid} = N`.")
            continue
        try:
            value = selfcheck_answer(spec, numbers[qid])
        except ValueError as err:
            found.append(f"{_SC_SHOWN}: {qid}: {err}.")
            continue
        if answer_hash(qid, value) != spec["answer_hash"]:
            found.append(
                f"{_SC_SHOWN}: {qid} = {numbers[qid]} gives a hash other than the one "
                f"stored in virtlab/selfchecks/lesson{qid[1:3]}.py: fix the number, or store "
                f"the output of `virtlab hash {qid}` there."
            )
    return found


# --------------------------------------------------------------------------- exercises
@dataclass(frozen=True)
class Solved:
    """What a solution notebook says about one question."""

    question_text: str
    code: str
    value: Any = None
    literal: bool = False


def _solution_region(source: str) -> str:
    from virtlab.grading.assign import BEGIN, END

    lines, inside = [], False
    for line in source.split("\n"):
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        elif inside:
            lines.append(line)
    return "\n".join(lines)


def _literal_answer(code: str) -> tuple[Any, bool]:
    """The value of a solution that is one ``answer = <literal or arithmetic>`` line."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None, False
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assign):
        return None, False
    node = tree.body[0].value
    allowed = (
        ast.Constant,
        ast.Dict,
        ast.List,
        ast.Tuple,
        ast.Set,
        ast.BinOp,
        ast.UnaryOp,
        ast.operator,
        ast.unaryop,
        ast.expr_context,
    )
    if not all(isinstance(n, allowed) for n in ast.walk(node)):
        return None, False
    # only literals and arithmetic on them, checked above, so evaluating cannot run other code
    value = eval(compile(ast.Expression(node), "<solution>", "eval"), {"__builtins__": {}})
    return value, True


def solved_questions(notebook: Path) -> dict[str, Solved]:
    """Per question id: the markdown before its answer cell and the solution region's code."""
    from virtlab.grading.nbio import nbformat

    nb = nbformat.read(notebook, as_version=4)
    found: dict[str, Solved] = {}
    text = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = cell.source
            continue
        if cell.cell_type != "code":
            continue
        calls = _CHECK_CALL.findall(cell.source)
        if not calls:
            continue
        code = _solution_region(cell.source)
        value, literal = _literal_answer(code)
        for qid in calls:
            found[qid] = Solved(text, code, value, literal)
    return found


def computed_answers(notebook: Path, wanted: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
    """The value ``answer`` holds after the answer cell of each ``wanted`` question, and the
    problems met on the way.

    A computed solution may rely on any earlier cell (exercise 08's ``int(r.stdout)`` reads the
    result of a live experiment), so the notebook's code cells run in order in one namespace,
    as in a learner's kernel, up to the last wanted answer cell: instructor code, trusted. The
    live experiments use the results recorded on the reference machine
    (``VIRTLAB_LIVE=recorded``): the key is then the same on every machine, offline and fast
    (no VM boots), and the bank's answers are the same live or recorded. Cell output is
    swallowed; the key shows values, not prints.
    """
    from virtlab.grading.nbio import nbformat
    from virtlab.live._mode import ENV_VAR

    pending = set(wanted)
    values: dict[str, Any] = {}
    if not pending:
        return values, []
    nb = nbformat.read(notebook, as_version=4)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    before = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = "recorded"
    try:
        for number, cell in enumerate(nb.cells, start=1):
            if not pending:
                break
            if cell.cell_type != "code":
                continue
            calls = _CHECK_CALL.findall(cell.source)
            namespace.pop("answer", None)
            try:
                code = compile(cell.source, f"<{notebook.name} cell {number}>", "exec")
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(code, namespace)
            except Exception as err:
                failing = ", ".join(sorted(set(calls) & pending))
                if failing:
                    return values, [f"{notebook.name}: the solution of {failing} fails: {err!r}."]
                needed = ", ".join(sorted(pending))
                return values, [
                    f"{notebook.name}: cell {number}, which the solution of {needed} runs "
                    f"after, fails: {err!r}."
                ]
            for qid in set(calls) & pending:
                values[qid] = namespace.get("answer")
                pending.discard(qid)
    finally:
        if before is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = before
    return values, []


def _scoring(question: Any) -> list[str]:
    """How a question gives its points, in words, from the bank's own declaration."""
    from virtlab.grading import questions as kinds

    if isinstance(question, kinds.BugHunt):
        original = question.original()
        codes = sorted({p.code for p in original.validate() if p.severity == "error"})
        parts = [f"fixes the `{code}` error" for code in codes]
        parts.append("no error left")
        if question.keep_workloads:
            parts.append("keeps the original's workloads")
        if question.keep_hardware:
            parts.append("keeps the original's physical servers")
        parts += [r.describe for r in question.requirements]
        return [
            "One equal share per part; fixes count only once what must be kept is kept:",
            *(f"  - {p}" for p in parts),
        ]
    if isinstance(question, kinds.StackRequirements):
        total = sum(r.weight for r in question.requirements)
        return [
            "Any stack meeting every requirement earns full marks; each requirement earns its "
            "share:",
            *(
                f"  - {r.describe} ({question.points * r.weight / total:g} pt)"
                for r in question.requirements
            ),
        ]
    if isinstance(question, kinds.Classification):
        share = question.points / len(question.items)
        return [f"{share:g} point per item in the right category."]
    if isinstance(question, kinds.Number):
        unit = f" (unit: {question.unit}; '8 GB' and 8 both accepted)" if question.unit else ""
        if question.answer_hash is None:
            return [f"Within ±{question.tolerance:g} of the model's value{unit}."]
        return [f"Exact to {question.decimals} decimal place(s){unit}."]
    return ["All or nothing."]


_KINDS = {
    "MultipleChoice": "multiple choice",
    "Classification": "classification",
    "Number": "number",
    "StackRequirements": "build a stack",
    "BugHunt": "bug hunt",
}


def _show(value: Any, question_text: str) -> str:
    if isinstance(value, dict):
        return "\n".join(f"- `{k}` → **{v}**" for k, v in value.items())
    if isinstance(value, str):
        # the option's text as the notebook lists it: "- b) It is a module of ..."
        option = re.search(
            rf"^- {re.escape(value)}\) (.*?)(?=^- \w\) |\Z)", question_text, re.S | re.M
        )
        if option:
            return f"`{value!r}`: {' '.join(option.group(1).split())}"
    return f"`{value!r}`"


# --------------------------------------------------------------------------- rendering
def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.strip().split("\n"))


def _render_selfchecks(numbers: dict[str, list[int]]) -> list[str]:
    from virtlab import selfchecks

    out = ["## Lesson self-checks", ""]
    lesson = None
    for qid in selfchecks.known_qids():
        if qid[:3] != lesson:
            lesson = qid[:3]
            out += [f"### Lesson {lesson[1:]}", ""]
        spec = selfchecks.definition(qid)
        right = {spec["options"][n - 1] for n in numbers[qid]}
        kind = "tick every right option" if spec["multiple"] else "one right option"
        out += [f"#### `{qid}` ({kind})", "", _quote(spec["prompt"]), ""]
        for number, option in enumerate(spec["options"], start=1):
            mark = "✓" if option in right else "✗"
            shown = f"**{option}**" if option in right else option
            out.append(f"{number}. {mark} {shown} — {spec['feedback'][option]}")
        out.append("")
    return out


def _render_exercises(solutions: Path, explanations: dict[str, Any]) -> tuple[list[str], list[str]]:
    from virtlab.grading import bank
    from virtlab.grading.questions import Number

    out = ["## Exercises", ""]
    problems: list[str] = []
    for exercise in bank.exercises().values():
        notebook = solutions / f"{exercise.notebook}.ipynb"
        if not notebook.is_file():
            problems.append(f"{notebook}: missing; the bank's {exercise.id} needs it.")
            continue
        solved = solved_questions(notebook)
        computed, failed = computed_answers(
            notebook,
            [
                q.id
                for q in exercise.questions
                if isinstance(q, Number) and q.id in solved and not solved[q.id].literal
            ],
        )
        problems += failed
        out += [
            f"### {exercise.id} — {exercise.title} ({exercise.max_points:g} points)",
            "",
            f"Solution notebook: `solutions/{notebook.name}`.",
            "",
        ]
        for q in exercise.questions:
            sol = solved.get(q.id)
            explanation = str(explanations.get(q.id, "")).strip()
            if sol is None:
                problems.append(f"{notebook.name}: no answer cell calls check({q.id!r}).")
                continue
            if not explanation:
                problems.append(f"{_EX_SHOWN}: no explanation for {q.id}.")
            if q.id in computed:
                sol = replace(sol, value=computed[q.id], literal=True)
            if sol.literal:
                score = q.score(sol.value)
                if score.points != score.max_points:
                    problems.append(
                        f"{notebook.name}: the solution of {q.id} ({sol.value!r}) scores "
                        f"{score.points:g}/{score.max_points:g} under the bank."
                    )
            section = f", lesson section '{q.section}'" if q.section else ""
            heading = sol.question_text.strip().split("\n", 1)[0].lstrip("# ").strip()
            out += [
                f"#### `{q.id}` — {_KINDS.get(type(q).__name__, type(q).__name__)}, "
                f"{q.points:g} point(s){section}",
                "",
                f"*{heading}*",
                "",
            ]
            if sol.literal:
                shown = _show(sol.value, sol.question_text)
                out += [
                    "**Answer:**" + ("\n\n" if isinstance(sol.value, dict) else " ") + shown,
                    "",
                ]
            scoring = _scoring(q)
            out += ["**Why:** " + explanation, "", "**Scoring:** " + scoring[0], *scoring[1:], ""]
            out += ["Solution cell:", "", "```python", sol.code.strip(), "```", ""]
        unknown = [qid for qid in solved if qid.startswith(exercise.id + "-")]
        for qid in unknown:
            if exercise.question(qid) is None:
                problems.append(f"{notebook.name}: check({qid!r}) has no question in the bank.")
    bank_ids = {q.id for e in bank.exercises().values() for q in e.questions}
    problems += [
        f"{_EX_SHOWN}: {qid} is not a question of the bank; remove it."
        for qid in explanations
        if qid not in bank_ids
    ]
    return out, problems


def render(solutions: Path) -> str:
    """The whole answer key as Markdown; raises :class:`KeySourceError` naming every problem."""
    problems = selfcheck_problems(solutions)
    numbers = selfcheck_numbers(solutions)
    explanations = _load_toml(solutions / EXPLANATIONS_SOURCE)
    exercise_lines, exercise_problems = _render_exercises(solutions, explanations)
    problems += exercise_problems
    if problems:
        raise KeySourceError(problems)
    head = [
        "# virtlab answer key (instructors only)",
        "",
        "<!-- Generated by `virtlab key` from virtlab/selfchecks, solutions/key/selfchecks.toml,",
        "     virtlab/grading/bank, solutions/*.ipynb and solutions/key/explanations.toml.",
        "     Do not edit: edit those sources and run `virtlab key`. -->",
        "",
        "Never give this file, or anything in `solutions/`, to learners. Self-checks show every "
        "option with the feedback a learner sees when choosing it; the feedback on a wrong "
        "option names the misconception it reveals. Exercise questions show the answer (where "
        "it is a literal), why, how points are given, and the solution cell.",
        "",
    ]
    return "\n".join([*head, *_render_selfchecks(numbers), *exercise_lines]).rstrip() + "\n"


def update(solutions: Path, *, check_only: bool) -> bool:
    """Regenerate the key (or only compare it); True when the committed key was stale."""
    text = render(solutions)
    target = solutions / KEY_FILE
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if current == text:
        return False
    if not check_only:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".md.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    return True
