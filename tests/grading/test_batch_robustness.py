"""The batch around the kernels: a dying worker, an unreadable gradebook, stale duplicates."""

import os
import time
from pathlib import Path

import pytest

from virtlab.grading import batch, gradebook
from virtlab.grading.discover import Identity


def _fake_run_job(job):
    if job.notebook == "bad":
        os._exit(9)  # what a submission that kills its grading worker looks like
    time.sleep(0.05)
    return batch.RunReport(note=job.notebook)


def test_a_worker_killed_by_one_submission_costs_only_that_submission(monkeypatch, tmp_path):
    monkeypatch.setattr(batch, "run_job", _fake_run_job)
    names = ["a", "b", "bad", "c", "d", "e", "f"]
    todo = [(batch.Submission(tmp_path / n, Identity(n), n), b"", "key") for n in names]
    options = batch.Options(submissions=[], output=tmp_path / "gb.csv", jobs=2)
    outcome = {sub.notebook: report.crash for sub, report, _ in batch._execute_all(todo, options)}
    assert outcome == {**{n: "" for n in names}, "bad": "the grading worker died twice on it"}


def test_an_unreadable_gradebook_is_never_overwritten(tmp_path):
    book = tmp_path / "gradebook.csv"
    book.write_bytes("student,total\nZo\xeb,3\n".encode("cp1252"))
    with pytest.raises(gradebook.UnreadableGradebook, match="nothing was written"):
        gradebook.read(book)
    assert book.read_bytes() == "student,total\nZo\xeb,3\n".encode("cp1252")


def test_extra_fields_of_a_hand_edited_row_are_dropped(tmp_path):
    book = tmp_path / "gradebook.csv"
    book.write_text("student,total\nzoe,3,oops\n", encoding="utf-8")
    rows = gradebook.read(book)
    assert rows == [{"student": "zoe", "total": "3"}]
    assert None not in gradebook.columns_for(rows, [])


def test_unreadable_gradebook_is_a_usage_error_of_the_command(tmp_path, monkeypatch):
    from virtlab.cli import main

    book = tmp_path / "gradebook.csv"
    book.write_bytes(b"\xff\xfe\x00garbage")
    sub = Path(__file__).resolve().parents[2] / "exercises" / "02-type1-hypervisors.ipynb"
    assert main(["grade", str(sub), "-o", str(book), "-q"]) == 2
    assert book.read_bytes() == b"\xff\xfe\x00garbage"
