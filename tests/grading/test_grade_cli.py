"""``virtlab grade`` as a command: usage errors, re-runs, concurrent runs, hidden checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from grading_helpers import MAX, NAME, exercise, grade, read_gradebook, solution, write

from virtlab.cli import main

HIDDEN = """
from virtlab.grading.questions import StackRequirements, no_problem

QUESTIONS = [
    StackRequirements(
        id="ex02-h1",
        points=2,
        prompt="hidden: the three-guest server does not overcommit CPUs",
        answer_of="ex02-q5",
        requirements=(no_problem("cpu-overcommit", "no CPU overcommit"),),
    ),
]
"""


def test_help_documents_exit_codes(capsys):
    try:
        main(["grade", "--help"])
    except SystemExit as stop:
        assert stop.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out and "130" in out and "--memory-mb" in out


def test_nothing_to_grade_is_a_usage_error(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    done = grade(["empty", "-o", "gb.csv"], cwd=tmp_path)
    assert done.returncode == 2
    assert "empty: an empty folder" in done.stderr and "no notebooks to grade" in done.stderr
    assert grade(["missing/*.ipynb", "-o", "gb.csv"], cwd=tmp_path).returncode == 2
    assert grade(["empty", "-o", "gb.csv", "-j", "0"], cwd=tmp_path).returncode == 2


def test_bad_hidden_file_is_a_usage_error(tmp_path: Path):
    write(tmp_path / f"ann_{NAME}.ipynb", exercise())
    (tmp_path / "hidden.py").write_text("QUESTIONS = 3\n")
    done = grade(["."] + ["-o", "gb.csv", "--hidden", "hidden.py"], cwd=tmp_path)
    assert done.returncode == 2 and "define QUESTIONS = [...]" in done.stderr


def test_rerun_skips_unchanged_and_hidden_checks_add_a_column(tmp_path: Path):
    write(tmp_path / "subs" / f"ann_{NAME}.ipynb", solution())
    write(tmp_path / "subs" / f"ben_{NAME}.ipynb", exercise())
    (tmp_path / "hidden.py").write_text(HIDDEN)
    args = ["subs", "-o", "gb.csv", "-j", "2", "--hidden", "hidden.py"]
    first = grade(args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    rows = read_gradebook(tmp_path / "gb.csv")
    assert (rows["ann"]["ex02-h1"], rows["ann"]["total"], rows["ann"]["max"]) == ("2", "21", "21")
    assert rows["ben"]["ex02-h1"] == "0"
    again = grade(args, cwd=tmp_path)
    assert "2 submission(s) unchanged since the last run, skipped" in again.stdout
    assert read_gradebook(tmp_path / "gb.csv") == rows
    write(tmp_path / "subs" / f"ben_{NAME}.ipynb", solution())
    third = grade(args, cwd=tmp_path)
    assert "1 submission(s) unchanged" in third.stdout
    assert read_gradebook(tmp_path / "gb.csv")["ben"]["total"] == "21"
    without_hidden = grade(["subs", "-o", "gb.csv", "-j", "2"], cwd=tmp_path)
    assert "unchanged" not in without_hidden.stdout  # another bank version: regraded


def test_same_batch_graded_twice_at_once_keeps_one_clean_gradebook(tmp_path: Path):
    for student in ("amy", "bo", "cy"):
        write(tmp_path / "subs" / f"{student}_{NAME}.ipynb", solution())
    cmd = [sys.executable, "-m", "virtlab.cli", "grade", "subs", "-o", "gb.csv", "-j", "1"]
    runs = [
        subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    rows = read_gradebook(tmp_path / "gb.csv")
    assert sorted(rows) == ["amy", "bo", "cy"]
    assert all(r["status"] == "ok" and float(r["total"]) == MAX for r in rows.values())
    assert not list(tmp_path.glob(".gb.csv.*.tmp"))


def test_submissions_from_files_folders_and_globs(tmp_path: Path, monkeypatch):
    from virtlab.grading.discover import find_submissions
    from virtlab.grading.inline import record_mac
    from virtlab.grading.records import read_records

    monkeypatch.chdir(tmp_path)
    for path in (f"class/ann_{NAME}.ipynb", f"bo/{NAME}.ipynb", "loose/cy.ipynb"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("{}")
    (tmp_path / "class" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "class" / ".ipynb_checkpoints" / f"ann_{NAME}-checkpoint.ipynb").write_text("{}")
    (tmp_path / "class" / "dee").mkdir()
    found, warnings = find_submissions(["class", "bo", "loose/*.ipynb", "nothing/*.ipynb"])
    # loose/cy.ipynb names no student ("cy" is not <id>_<exercise>): its folder does
    assert sorted(s.student for s in found) == ["ann", "bo", "dee", "loose"]
    assert warnings == ["nothing/*.ipynb: no such file, folder or matching glob."]
    good = '"b"'
    lines = [
        {"seq": 1, "qid": "ex02-q1", "answer": good, "mac": record_mac(b"k", 1, "ex02-q1", good)},
        {"seq": 2, "qid": "ex02-q1", "answer": '"a"', "mac": "forged"},
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\n" + "[" * 100_000 + "\n"
    found = read_records(text, "k")
    assert found.answers == {"ex02-q1": good}
    assert found.problems == ["2 answer record(s) not written by check() were ignored"]


def test_bad_roster_is_a_usage_error(tmp_path: Path):
    write(tmp_path / f"ann_{NAME}.ipynb", exercise())
    (tmp_path / "roster.csv").write_text("who,when\nann,today\n", encoding="utf-8")
    done = grade(["."] + ["-o", "gb.csv", "--roster", "roster.csv"], cwd=tmp_path)
    assert done.returncode == 2 and "no column of student ids" in done.stderr
    assert not (tmp_path / "gb.csv").exists()
