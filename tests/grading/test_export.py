"""virtlab export: one row per student in the column layouts Canvas and Moodle document."""

import csv
from pathlib import Path

import pytest

from virtlab.cli import main
from virtlab.grading import export

FIELDS = [
    "student", "notebook", "exercise", "ex02-q1", "ex05-q1",
    "total", "max", "status", "message", "sha256", "version",
]  # fmt: skip
ROWS = [
    # bob handed in 02 twice: the best total (15) counts, whichever came first
    ("bob", "bob/02-type1-hypervisors.ipynb", "ex02", "15", "", "15", "18", "duplicate"),
    ("bob", "bob_02-type1-hypervisors.ipynb", "ex02", "9", "", "9", "18", "duplicate"),
    # a timeout keeps the points answered before it
    ("carol", "carol/05-isolation.ipynb", "ex05", "", "6", "6", "18", "timeout"),
    ("carol", "carol/02-type1-hypervisors.ipynb", "ex02", "18", "", "18", "18", "ok"),
    # the grader failed: no total, so no score (and a warning)
    ("dave", "dave/05-isolation.ipynb", "ex05", "", "", "", "", "grader-error"),
    # an empty folder: no exercise at all
    ("erin", "erin", "", "", "", "0", "", "no-submission"),
]


def write_gradebook(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FIELDS)
        for student, notebook, ex, q2, q5, total, mx, status in ROWS:
            writer.writerow([student, notebook, ex, q2, q5, total, mx, status, "", "abc", "v1"])
    return path


def read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def book(tmp_path):
    return write_gradebook(tmp_path / "gradebook.csv")


def test_plain_csv_one_row_per_student_best_submission_and_every_status(book, tmp_path):
    out = tmp_path / "out.csv"
    result = export.export(book, out, "csv")
    rows = read(out)
    assert rows[0] == ["student", "ex02", "ex05", "total", "max"]
    by = {r[0]: r for r in rows[1:]}
    assert by["bob"] == ["bob", "15", "", "15", "36"]  # best of 15 and 9; 05 not handed in
    assert by["carol"] == ["carol", "18", "6", "24", "36"]  # the timeout's 6 points count
    assert by["dave"] == ["dave", "", "", "0", "36"]  # grader-error: no score, empty cell
    assert by["erin"] == ["erin", "", "", "0", "36"]  # listed, nothing handed in
    assert any("dave" in w and "grader-error" in w for w in result.warnings)


def test_percent(book, tmp_path):
    out = tmp_path / "out.csv"
    export.export(book, out, "csv", percent=True)
    rows = read(out)
    assert rows[0][-1] == "percent"
    by = {r[0]: r for r in rows[1:]}
    assert by["bob"][1] == "83.33" and by["carol"][1:] == ["100", "33.33", "66.67"]


def test_canvas_layout_without_roster(book, tmp_path):
    out = tmp_path / "canvas.csv"
    export.export(book, out, "canvas")
    rows = read(out)
    # Canvas's import: Student, ID, SIS User ID, SIS Login ID, Section, then assignments
    assert rows[0] == [
        "Student", "ID", "SIS User ID", "SIS Login ID", "Section",
        "02 Type 1 hypervisors", "05 Isolation",
    ]  # fmt: skip
    bob = next(r for r in rows if r[3] == "bob")
    assert bob == ["bob", "", "", "bob", "", "15", ""]


def test_canvas_export_as_roster_keeps_ids_and_assignment_headers(book, tmp_path):
    roster = tmp_path / "canvas-export.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,05 Isolation (4711),Current Score\n"
        "    Points Possible,,,,,18,(read only)\n"
        '"Builder, Bob",101,S-1,bob,Mon,,\n'
        '"Cooper, Carol",102,S-2,carol,Tue,,\n'
        '"Zhu, Zoe",103,S-3,zoe,Tue,,\n',
        encoding="utf-8",
    )
    out = tmp_path / "canvas.csv"
    result = export.export(book, out, "canvas", roster=roster)
    rows = read(out)
    # the existing assignment's header, with its id, so Canvas updates it instead of adding one
    assert rows[0][5:] == ["02 Type 1 hypervisors", "05 Isolation (4711)"]
    assert rows[1] == ["Builder, Bob", "101", "S-1", "bob", "Mon", "15", ""]
    assert rows[2] == ["Cooper, Carol", "102", "S-2", "carol", "Tue", "18", "6"]
    assert rows[3] == ["Zhu, Zoe", "103", "S-3", "zoe", "Tue", "", ""]  # no submission
    assert len(rows) == 4  # no Points Possible row; dave and erin are not in this roster
    assert any("dave, erin" in w for w in result.warnings)


def test_moodle_layout_identifier_then_grade_items(book, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "student,First name,Last name,Email address\n"
        "bob,Bob,Builder,bob@example.org\n"
        "carol,Carol,Cooper,carol@example.org\n"
        "dave,Dave,Doe,dave@example.org\n"
        "erin,Erin,Eve,erin@example.org\n",
        encoding="utf-8",
    )
    out = tmp_path / "moodle.csv"
    export.export(book, out, "moodle", roster=roster, percent=True)
    rows = read(out)
    # an identifier column Moodle maps at import ("Identify user by"), then one per grade item
    assert rows[0] == [
        "First name", "Last name", "Email address", "02 Type 1 hypervisors", "05 Isolation"
    ]  # fmt: skip
    assert rows[2] == ["Carol", "Cooper", "carol@example.org", "100", "33.33"]


def test_moodle_without_roster_identifies_by_username(book, tmp_path):
    out = tmp_path / "moodle.csv"
    export.export(book, out, "moodle")
    rows = read(out)
    assert rows[0] == ["Username", "02 Type 1 hypervisors", "05 Isolation"]
    assert ["bob", "15", ""] in rows


def test_roster_without_a_key_column_says_what_to_add(book, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,section\nBob,Mon\n", encoding="utf-8")
    with pytest.raises(export.ExportError, match="add a 'student' column"):
        export.export(book, tmp_path / "out.csv", "csv", roster=roster)


def test_cli_exit_codes(book, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["export", str(book), "--format", "canvas", "-o", str(out)]) == 1  # dave warns
    assert "warning" in capsys.readouterr().err and out.exists()
    clean = tmp_path / "clean.csv"
    clean.write_text(",".join(FIELDS) + "\nann,ann.ipynb,ex02,3,,3,18,ok,,x,v\n", encoding="utf-8")
    assert main(["export", str(clean), "-o", str(out)]) == 0
    assert main(["export", str(tmp_path / "none.csv"), "-o", str(out)]) == 2
    assert "run `virtlab grade" in capsys.readouterr().err


def test_a_class_of_100_every_student_once_in_every_layout(tmp_path):
    book = tmp_path / "class.csv"
    with open(book, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for i in range(100):
            for skip, ex, nb in ((0, "ex02", "02-type1-hypervisors"), (1, "ex05", "05-isolation")):
                if i % 7 != skip:  # some students skipped one exercise
                    points = str(i % 19)
                    writer.writerow([f"s{i:03}", f"s{i:03}/{nb}.ipynb", ex, "", "", points, "18",
                                     "ok", "", "x", "v"])  # fmt: skip
    for fmt, identity in (("canvas", 5), ("moodle", 1), ("csv", 1)):
        out = tmp_path / f"{fmt}.csv"
        export.export(book, out, fmt)
        rows = read(out)
        assert len(rows) == 101, fmt
        students = [r[3] if fmt == "canvas" else r[0] for r in rows[1:]]
        assert sorted(students) == [f"s{i:03}" for i in range(100)], fmt
        assert all(len(r) == len(rows[0]) for r in rows), fmt
        assert rows[0][identity : identity + 2] == (
            ["ex02", "ex05"] if fmt == "csv" else ["02 Type 1 hypervisors", "05 Isolation"]
        ), fmt
