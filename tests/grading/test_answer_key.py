"""The answer key: generated from single sources, stale when they change, strict about them."""

from __future__ import annotations

import itertools
import os
import re
import shutil
from pathlib import Path

import pytest

from virtlab import selfchecks
from virtlab.answers import answer_hash
from virtlab.cli import main
from virtlab.grading import bank
from virtlab.grading.key import (
    EXPLANATIONS_SOURCE,
    KEY_FILE,
    SELFCHECK_SOURCE,
    KeySourceError,
    computed_answers,
    render,
    selfcheck_hash,
    selfcheck_problems,
    solved_questions,
    update,
)

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"


def test_committed_key_is_up_to_date():
    committed = (SOLUTIONS / KEY_FILE).read_text(encoding="utf-8")
    assert committed == render(SOLUTIONS), "answer-key.md is stale: run `virtlab key`"


@pytest.mark.parametrize("qid", selfchecks.known_qids())
def test_every_stored_selfcheck_hash_matches_the_instructor_source(qid):
    assert selfcheck_hash(qid, SOLUTIONS) == selfchecks.definition(qid)["answer_hash"]


def test_selfcheck_source_names_only_existing_checks():
    assert selfcheck_problems(SOLUTIONS) == []


@pytest.mark.parametrize("qid", [q.id for e in bank.exercises().values() for q in e.questions])
def test_every_exercise_question_is_in_the_key_with_its_explanation(qid):
    text = (SOLUTIONS / KEY_FILE).read_text(encoding="utf-8")
    section = text.split(f"#### `{qid}`", 1)
    assert len(section) == 2, f"{qid} missing from the key"
    body = section[1].split("\n#### ", 1)[0]
    why = re.search(r"\*\*Why:\*\* (.+)", body)
    assert why and len(why.group(1)) > 40, f"{qid}: no real explanation"
    assert "```python" in body, f"{qid}: no solution cell"


@pytest.mark.parametrize("exercise", list(bank.exercises().values()), ids=lambda e: e.id)
def test_literal_solutions_earn_full_marks_under_the_bank(exercise):
    solved = solved_questions(SOLUTIONS / f"{exercise.notebook}.ipynb")
    literal = [q for q in exercise.questions if solved[q.id].literal]
    assert literal, f"{exercise.id}: expected some literal answers (letters, numbers, dicts)"
    for q in literal:
        score = q.score(solved[q.id].value)
        assert score.points == score.max_points, (q.id, solved[q.id].value, score.feedback)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of solutions/ that a test may break."""
    copy = tmp_path / "solutions"
    shutil.copytree(SOLUTIONS, copy)
    return copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_wrong_option_number_is_caught_and_named(course):
    source = course / SELFCHECK_SOURCE
    numbers = re.search(r"^l02-overcommit = (\d)$", source.read_text(), re.M)
    wrong = 2 if numbers.group(1) == "1" else 1
    _edit(source, numbers.group(0), f"l02-overcommit = {wrong}")
    with pytest.raises(KeySourceError) as err:
        render(course)
    assert len(err.value.problems) == 1
    assert "l02-overcommit" in err.value.problems[0]
    assert "virtlab hash l02-overcommit" in err.value.problems[0]


def test_missing_and_unknown_entries_are_named(course):
    source = course / SELFCHECK_SOURCE
    _edit(source, "l05-gvisor =", "l05-no-such-check =")
    explanations = course / EXPLANATIONS_SOURCE
    _edit(explanations, "ex04-q7 =", "ex04-q99 =")
    with pytest.raises(KeySourceError) as err:
        render(course)
    text = "\n".join(err.value.problems)
    assert "no answer for l05-gvisor" in text
    assert "l05-no-such-check is not a self-check" in text
    assert "no explanation for ex04-q7" in text
    assert "ex04-q99 is not a question of the bank" in text


def test_a_solution_the_bank_marks_wrong_is_caught(course):
    _edit(course / "02-type1-hypervisors.ipynb", 'answer = \\"b\\"', 'answer = \\"a\\"')
    with pytest.raises(KeySourceError) as err:
        render(course)
    assert err.value.problems == [
        "02-type1-hypervisors.ipynb: the solution of ex02-q1 ('a') scores 0/1 under the bank."
    ]


def test_a_computed_number_the_bank_marks_wrong_is_caught(course):
    _edit(course / "03-type2-hypervisors.ipynb", "// 4)", "// 4) + 1")
    with pytest.raises(KeySourceError) as err:
        render(course)
    assert err.value.problems == [
        "03-type2-hypervisors.ipynb: the solution of ex03-q3 (4) scores 0/1 under the bank."
    ]


def test_computed_numbers_are_shown_with_their_value():
    text = (SOLUTIONS / KEY_FILE).read_text(encoding="utf-8")
    body = text.split("#### `ex05-q3`", 1)[1].split("\n#### ", 1)[0]
    assert "**Answer:** `5.8`" in body


def test_a_computed_number_may_use_earlier_cells_and_live_results_are_recorded():
    text = (SOLUTIONS / KEY_FILE).read_text(encoding="utf-8")
    body = text.split("#### `ex08-q1`", 1)[1].split("\n#### ", 1)[0]
    assert "answer = int(r.stdout)" in body  # r is the live experiment of an earlier cell
    assert "**Answer:** `1`" in body


def test_computed_answers_leave_the_live_mode_as_they_found_it(monkeypatch):
    monkeypatch.setenv("VIRTLAB_LIVE", "auto")
    values, problems = computed_answers(SOLUTIONS / "08-under-the-hood.ipynb", ["ex08-q1"])
    assert (values, problems) == ({"ex08-q1": 1}, [])
    assert os.environ["VIRTLAB_LIVE"] == "auto"


def test_a_failing_earlier_cell_is_named_with_the_solution_that_needs_it(course):
    _edit(course / "08-under-the-hood.ipynb", "r = live.run_isolated(", "r = live.no_such_call(")
    with pytest.raises(KeySourceError) as err:
        render(course)
    assert len(err.value.problems) == 1
    problem = err.value.problems[0]
    assert problem.startswith("08-under-the-hood.ipynb: cell 4, which the solution of ex08-q1")
    assert "no_such_call" in problem


def test_a_failing_solution_is_named_alone(course):
    _edit(course / "08-under-the-hood.ipynb", "answer = int(r.stdout)", "answer = int(r.nope)")
    with pytest.raises(KeySourceError) as err:
        render(course)
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith(
        "08-under-the-hood.ipynb: the solution of ex08-q1 fails: AttributeError("
    )


def test_the_key_follows_its_sources_and_check_reports_stale(course, capsys):
    _edit(course / EXPLANATIONS_SOURCE, "The usual slip is", "The commonest slip is")
    assert update(course, check_only=True) is True
    assert main(["key", "--check", "--solutions", str(course)]) == 1
    assert "stale" in capsys.readouterr().err
    assert main(["key", "--solutions", str(course)]) == 0
    assert "The commonest slip is" in (course / KEY_FILE).read_text(encoding="utf-8")
    assert main(["key", "--check", "--solutions", str(course)]) == 0


def test_key_cli_lists_every_problem_and_exits_2(course, capsys):
    (course / EXPLANATIONS_SOURCE).write_text("ex01-q1 = 'x'\n", encoding="utf-8")
    assert main(["key", "--solutions", str(course)]) == 2
    err = capsys.readouterr().err
    assert (
        err.count("no explanation for")
        == sum(len(e.questions) for e in bank.exercises().values()) - 1
    )


def test_hash_command_prints_what_the_bank_stores(capsys):
    q4 = bank.question("ex01-q4")  # a number stored as a hash
    assert main(["hash", "ex01-q4", "3"]) == 0
    assert capsys.readouterr().out.strip() == q4.answer_hash
    assert main(["hash", "ex02-q1", "b"]) == 0
    assert capsys.readouterr().out.strip() == bank.question("ex02-q1").answer_hash


def test_hash_command_prints_classification_hashes_to_paste(capsys):
    assert main(["hash", "ex02-q3", "--items", "kvm=type 1", "docker=container engine"]) == 0
    out = capsys.readouterr().out
    stored = bank.question("ex02-q3").answer_hashes
    assert f'"kvm": "{stored["kvm"]}"' in out
    assert f'"docker": "{stored["docker"]}"' in out


def test_hash_command_derives_a_selfcheck_hash_from_the_source(capsys):
    assert main(["hash", "l01-containers-share", "--solutions", str(SOLUTIONS)]) == 0
    stored = selfchecks.definition("l01-containers-share")["answer_hash"]
    assert capsys.readouterr().out.strip() == stored
    options = selfchecks.definition("l01-containers-share")["options"]
    right = next(  # the right set, found by its hash (the options are shown shuffled)
        chosen
        for size in range(1, len(options) + 1)
        for chosen in itertools.combinations(options, size)
        if answer_hash("l01-containers-share", set(chosen)) == stored
    )
    assert main(["hash", "l01-containers-share", *reversed(right)]) == 0
    assert capsys.readouterr().out.strip() == stored
    assert main(["hash", "--set", "l01-x", "a"]) == 0
    assert capsys.readouterr().out.strip() == answer_hash("l01-x", {"a"})


def test_key_without_a_solutions_folder_says_how_to_point_at_one(tmp_path, capsys):
    assert main(["key", "--solutions", str(tmp_path / "nowhere")]) == 2
    assert "pass --solutions DIR" in capsys.readouterr().err


def test_hash_command_says_what_is_missing(capsys):
    assert main(["hash", "l01-no-such-check", "--solutions", str(SOLUTIONS)]) == 2
    assert "no answer for l01-no-such-check" in capsys.readouterr().err
