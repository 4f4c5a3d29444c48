"""``virtlab report`` on a generated class whose properties are known (see class_factory)."""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from pathlib import Path

import pytest
import test_corpus
from class_factory import ODD_NAME, Q4_WRONG, N, student
from grading_helpers import shared_once

from virtlab.cli import main
from virtlab.grading import bank
from virtlab.grading.report import (
    ReportInputError,
    analyse,
    figures,
    read_answers,
    read_gradebook,
    render_html,
    reteach,
    write_report,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    from class_factory import make_class

    folder = tmp_path_factory.mktemp("class")
    gradebook = make_class(folder)
    report = write_report(gradebook, folder / "report.html")
    return gradebook, report, (folder / "report.html").read_text(encoding="utf-8")


def _exercise(report, exercise_id):
    return next(ex for ex in report.exercises if ex.id == exercise_id)


def test_score_distributions_hold_every_graded_students_total(built):
    gradebook, report, _ = built
    rows = [r for r in read_gradebook(gradebook) if r.total is not None]
    figs = figures(report)
    for exercise_id, expected_students in (("ex02", N), ("ex01", N - 2)):
        totals = sorted(r.total for r in rows if r.exercise == exercise_id)
        hist = figs[f"scores-{exercise_id}"].data[0]
        assert sorted(hist.x) == totals
        assert len(hist.x) == expected_students, exercise_id
    maximum = bank.exercises()["ex02"].max_points
    assert max(figs["scores-ex02"].data[0].x) == maximum  # most of the class is right


def test_success_rates_follow_the_class_rules(built):
    _, report, _ = built
    bars = figures(report)["success-ex02"].data[0]
    rates = dict(zip(bars.x, bars.y, strict=True))
    # ex02-q1: every 5th student answered "a" (s030 did too, before timing out)
    wrong_q1 = {i for i in range(N) if {21: 20, 11: 10}.get(i, i) % 5 == 0}
    assert rates["ex02-q1"] == round(100 * (N - len(wrong_q1)) / N, 1)
    assert rates["ex02-q2"] == 100.0
    # ex02-q6: everyone right but s030, whose notebook timed out before it
    assert rates["ex02-q6"] == 99.0
    ex01 = _exercise(report, "ex01")
    q4 = next(q for q in ex01.questions if q.qid == "ex01-q4")
    wrong_q4 = {i for i in range(N) if i % 7 == 0 and i not in (32,)}  # s032 has no ex01 row
    assert (q4.graded, q4.full_marks) == (N - 2, N - 2 - len(wrong_q4))


def test_most_common_wrong_answers_name_the_misconception(built):
    _, report, _ = built
    wrong = _exercise(report, "ex02").wrong
    q1 = wrong["ex02-q1"][0]
    assert q1.label == "a" and len(q1.students) == len(
        {i for i in range(N) if {21: 20, 11: 10}.get(i, i) % 5 == 0}
    )
    assert "section 'KVM is Type 1'" in q1.feedback
    q3 = wrong["ex02-q3"][0]
    assert q3.label == "kvm → type 2"
    # every 4th student, however they typed the key ("KVM " for every 8th), is one group
    assert len(q3.students) == len({i for i in range(N) if {21: 20, 11: 10}.get(i, i) % 4 == 0})
    assert "In the wrong category: kvm" in q3.feedback
    assert wrong["ex02-q4"][0].label == str(Q4_WRONG)
    q5 = wrong["ex02-q5"][0]
    assert q5.label == "memory fits without overcommit"
    overcommitters = {student(i) for i in range(N) if i % 3 == 0 and i not in (21, 30)}
    assert set(q5.students) == overcommitters
    assert "ex02-q2" not in wrong  # nobody got it wrong
    assert _exercise(report, "ex01").wrong["ex01-q4"][0].label == "8"


def test_statuses_needing_attention_list_the_students(built):
    _, report, _ = built
    assert {s: [r.student for r in rows] for s, rows in report.attention.items()} == {
        "timeout": ["s030"],
        "tampered": ["s031"],
        "invalid-notebook": ["s032"],
    }
    assert report.not_submitted == {"ex01": ["s099"]}


def test_identical_work_is_flagged(built):
    _, report, page = built
    assert [(ex, names) for ex, _, names in report.identical_submissions] == [
        ("ex02", ["s010", "s011"])
    ]
    groups = {tuple(names): correct for _, correct, names in report.identical_answers}
    assert groups == {("s010", "s011"): False, ("s020", "s021"): False}
    assert "not as an accusation" in page


def test_page_is_self_contained_offline_and_escaped(built):
    _, report, page = built
    assert page.count("<script") == 1 + len(figures(report))  # the bundle, then one per figure
    assert "plotly.js v" in page or "plotly.js" in page
    assert not re.search(r"<script[^>]+src=", page)
    # outside plotly's inlined bundle (whose code holds URLs as text) nothing points outside
    head, bundle_and_rest = page.split("<script", 1)
    rest = bundle_and_rest.split("</script>", 1)[1]
    assert not re.search(r"""(?:src|href)=["']https?://""", head + rest)
    assert ODD_NAME not in page and "&lt;b&gt;x&lt;/b&gt;&amp;" in page
    assert page.count('class="plotly-graph-div"') == len(figures(report))
    assert "@media print" in page


def test_without_answers_the_wrong_answer_sections_say_why(tmp_path: Path):
    from class_factory import make_class

    gradebook = make_class(tmp_path, with_answers=False)
    report = write_report(gradebook, tmp_path / "report.html")
    assert all(not ex.wrong for ex in report.exercises)
    assert report.identical_answers == []
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "neither gradebook.csv.answers.jsonl nor gradebook.answers.json" in page
    assert report.identical_submissions  # sha256 needs no answers


def test_a_gradebook_without_exercises_still_renders(tmp_path: Path):
    gradebook = tmp_path / "gb.csv"
    gradebook.write_text(
        "student,notebook,exercise,total,max,status,message,sha256,version\n"
        "amy,amy_x.ipynb,,,,invalid-notebook,corrupt JSON,abc,\n",
        encoding="utf-8",
    )
    report = write_report(gradebook, tmp_path / "r.html")
    assert report.exercises == [] and list(report.attention) == ["invalid-notebook"]


def test_bad_inputs_get_clear_errors(tmp_path: Path, capsys):
    with pytest.raises(ReportInputError, match="no such gradebook"):
        read_gradebook(tmp_path / "missing.csv")
    (tmp_path / "other.csv").write_text("name,score\namy,3\n", encoding="utf-8")
    with pytest.raises(ReportInputError, match="not a virtlab gradebook"):
        read_gradebook(tmp_path / "other.csv")
    (tmp_path / "a.jsonl").write_text('{"student": "amy"}\n', encoding="utf-8")
    with pytest.raises(ReportInputError, match="line 1"):
        read_answers(tmp_path / "a.jsonl")
    assert main(["report", str(tmp_path / "other.csv"), "-o", str(tmp_path / "r.html")]) == 2
    assert "not a virtlab gradebook" in capsys.readouterr().err


def test_cli_writes_the_page(built, tmp_path: Path, capsys):
    gradebook, _, _ = built
    out = tmp_path / "class.html"
    assert main(["report", str(gradebook), "-o", str(out)]) == 0
    assert out.is_file() and f"wrote {out}" in capsys.readouterr().out
    answers = gradebook.with_name(gradebook.name + ".answers.jsonl")
    assert main(["report", str(gradebook), "-o", str(out), "--answers", str(answers)]) == 0
    missing = tmp_path / "none.jsonl"
    assert main(["report", str(gradebook), "-o", str(out), "--answers", str(missing)]) == 2


def test_analysis_counts_a_repeated_submission_once(built):
    gradebook, _, _ = built
    rows = read_gradebook(gradebook)
    again = [r for r in rows if r.student == "s001" and r.exercise == "ex02"]
    report = analyse(rows + again, None)
    assert len(_exercise(report, "ex02").totals) == N
    assert len(report.table["s001"]["ex02"]) == 2


def test_reteach_lists_the_weakest_questions_first(built):
    _, report, page = built
    weak = [
        (exercise_id, q.qid, top.label if top else None) for exercise_id, q, top in reteach(report)
    ]
    # ex02-q5 (a third overcommit) is weakest under 70%; the rest of the class clears it
    assert weak == [("ex02", "ex02-q5", "memory fits without overcommit")]
    assert [q.qid for _, q, _ in reteach(report, below=0.8)] == ["ex02-q5", "ex02-q3", "ex02-q1"]
    assert "Re-teach first" in page


def test_hidden_columns_and_an_older_bank_are_reported(built):
    gradebook, _, _ = built
    rows = read_gradebook(gradebook)
    changed = [
        replace(r, points={**r.points, "ex02-h1": 2.0 if i % 2 else 0.0}, version="0ld")
        if r.exercise == "ex02"
        else r
        for i, r in enumerate(rows)
    ]
    report = analyse(changed, None)
    hidden = next(q for q in _exercise(report, "ex02").questions if q.qid == "ex02-h1")
    assert hidden.max_inferred and hidden.max_points == 2.0
    assert report.stale_versions == ["ex02"]
    page = render_html(report, figures(report))
    assert "The question bank changed since these exercises were graded: ex02" in page
    assert "highest earned: not in the bank" in page


@pytest.fixture(scope="module")
def batch(shared_dir: Path) -> dict:
    """The hostile corpus of test_corpus.py, graded once per run whichever module asks first."""
    with shared_once(shared_dir, "corpus-batch", test_corpus._build) as result:
        return result


def test_report_on_the_hostile_corpus(batch, tmp_path: Path):
    """Every bad submission of the corpus (test_corpus.py) shows under its status, by name."""
    # The batch's rows, not its gb.csv: the corpus's gradebook-writer case overwrites that file
    # again whenever test_determinism regrades the same submissions.
    gradebook = tmp_path / "gb.csv"
    rows = list(batch["rows"].values())
    with gradebook.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = write_report(gradebook, tmp_path / "corpus.html")
    expected: dict[str, list[str]] = {}
    for row in sorted(batch["rows"].values(), key=lambda r: r["student"]):
        if row["status"] != "ok":
            expected.setdefault(row["status"], []).append(row["student"])
    got = {status: sorted({r.student for r in rows}) for status, rows in report.attention.items()}
    assert got == {status: sorted(set(names)) for status, names in expected.items()}
    assert "tampered" in got and "timeout" in got and "invalid-notebook" in got
    page = (tmp_path / "corpus.html").read_text(encoding="utf-8")
    assert page.count('class="plotly-graph-div"') == len(figures(report))


def test_the_graders_answers_file_gives_the_same_report(built, tmp_path: Path):
    """virtlab grade keeps {notebook: entry} in <stem>.answers.json; the report reads it too."""
    import json
    import shutil

    gradebook, report, _ = built
    lines = gradebook.with_name(gradebook.name + ".answers.jsonl").read_text().splitlines()
    entries = {f"nb{i}": json.loads(line) for i, line in enumerate(lines)}
    copy = tmp_path / "gradebook.csv"
    shutil.copy(gradebook, copy)
    (tmp_path / "gradebook.answers.json").write_text(json.dumps(entries), encoding="utf-8")
    again = write_report(copy, tmp_path / "again.html")
    assert [ex.wrong for ex in again.exercises] == [ex.wrong for ex in report.exercises]
    assert again.identical_answers == report.identical_answers
    (tmp_path / "gradebook.answers.json").write_text('{"nb1": {"student": "amy"}}')
    with pytest.raises(ReportInputError, match="notebook 'nb1'"):
        write_report(copy, tmp_path / "bad.html")
