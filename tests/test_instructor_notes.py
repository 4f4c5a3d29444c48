"""Instructor notes: one per lesson, with the agreed sections, in step with the lesson.

The notes (solutions/notes/NN-slug.md) are prose written by hand; what can go stale is checked
here: a lesson without notes, a self-check the notes do not discuss or that no longer exists,
and a timing row for a section the lesson no longer has.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from virtlab import selfchecks

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]-*.ipynb"))
NOTES = ROOT / "solutions" / "notes"
SECTIONS = (
    "## Goals",
    "## Timing",
    "## Misconceptions and the self-checks that reveal them",
    "## Discussion prompts",
    "## When running late",
)
QUIZ_CALL = re.compile(r"""\bquiz\(\s*["']([^"']+)["']\s*\)""")
CHECK_ID = re.compile(r"`(l\d\d-[a-z0-9-]+)`")


def _notes(lesson: Path) -> str:
    path = NOTES / f"{lesson.stem}.md"
    assert path.is_file(), f"{lesson.name} has no instructor notes: write {path}"
    return path.read_text(encoding="utf-8")


def _lesson_text(lesson: Path) -> tuple[list[str], list[str]]:
    """The lesson's self-check ids and its headings (without the '##')."""
    from virtlab.grading.nbio import nbformat

    nb = nbformat.read(lesson, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    headings = re.findall(r"^#{2,3}\s+(.+?)\s*$", markdown, flags=re.M)
    return QUIZ_CALL.findall(code), headings


def test_notes_exist_only_for_lessons():
    lessons = {p.stem for p in LESSONS}
    orphans = sorted(p.name for p in NOTES.glob("[0-9][0-9]-*.md") if p.stem not in lessons)
    assert not orphans, f"notes for lessons that do not exist: {orphans}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_notes_have_every_section(lesson: Path):
    text = _notes(lesson)
    missing = [s for s in SECTIONS if s not in text]
    assert not missing, f"{lesson.stem}.md lacks {missing}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_notes_discuss_exactly_the_lessons_self_checks(lesson: Path):
    text = _notes(lesson)
    quizzed, _ = _lesson_text(lesson)
    misconceptions = text.split("## Misconceptions", 1)[1].split("\n## ", 1)[0]
    missing = [qid for qid in quizzed if f"`{qid}`" not in misconceptions]
    assert not missing, f"{lesson.stem}.md does not discuss {missing} under Misconceptions"
    known = set(selfchecks.known_qids())
    stale = sorted(set(CHECK_ID.findall(text)) - known)
    assert not stale, f"{lesson.stem}.md names self-checks that do not exist: {stale}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_timing_rows_name_the_lessons_sections(lesson: Path):
    text = _notes(lesson)
    _, headings = _lesson_text(lesson)
    timing = text.split("## Timing", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|]+?) \| (\d+) \|", timing, flags=re.M)
    assert rows, f"{lesson.stem}.md: the Timing table has no rows"
    unknown = [name for name, _ in rows if name not in headings]
    assert not unknown, f"{lesson.stem}.md times sections the lesson lacks: {unknown}"
    untimed = [h for h in headings if h not in {name for name, _ in rows}]
    assert not untimed, f"{lesson.stem}.md gives no time for the lesson's sections {untimed}"


def test_the_planning_table_adds_up_the_lessons_timing_tables():
    planned = re.findall(
        r"^\| (\d\d) [^|]+\| (\d+) \|", (NOTES / "README.md").read_text(encoding="utf-8"), re.M
    )
    assert {n for n, _ in planned} == {p.stem[:2] for p in LESSONS}
    for number, minutes in planned:
        lesson = next(p for p in LESSONS if p.stem.startswith(number))
        timing = _notes(lesson).split("## Timing", 1)[1].split("\n## ", 1)[0]
        total = sum(int(m) for m in re.findall(r"^\| [^|]+? \| (\d+) \|", timing, re.M))
        assert int(minutes) == total, (
            f"notes/README.md plans {minutes} min for {number}, its table sums to {total}"
        )


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_timing_sentence_quotes_the_lesson_and_adds_up_the_table(lesson: Path):
    """ "The notebook says about N minutes; first-year learners need about M (the table below)"."""
    timing = _notes(lesson).split("## Timing", 1)[1].split("\n## ", 1)[0]
    said = re.search(
        r"notebook says about (\d+) minutes; first-year learners need about (\d+)", timing
    )
    assert said, f"{lesson.stem}.md: the Timing section should open with the sentence above"
    from virtlab.grading.nbio import nbformat

    nb = nbformat.read(lesson, as_version=4)
    estimate = re.search(
        r"\babout (\d+) minutes",
        "\n".join(c.source for c in nb.cells if c.cell_type == "markdown"),
        re.I,
    )
    assert estimate and estimate.group(1) == said.group(1), (
        f"{lesson.stem}.md quotes {said.group(1)} minutes; the lesson says "
        f"{estimate.group(1) if estimate else 'nothing'}"
    )
    table = sum(int(m) for m in re.findall(r"^\| [^|]+? \| (\d+) \|", timing, re.M))
    assert int(said.group(2)) == table, (
        f"{lesson.stem}.md says {said.group(2)}, its table sums to {table}"
    )
