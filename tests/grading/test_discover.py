"""Whose submission is it: LMS bulk-download names, copies and re-downloads, folders, a roster."""

from __future__ import annotations

from pathlib import Path

import pytest

from virtlab.grading.discover import (
    Identity,
    RosterError,
    Student,
    identify,
    load_roster,
    match,
    undecorated,
)

NAME = "02-type1-hypervisors"


@pytest.mark.parametrize(
    ("path", "student", "name", "late"),
    [
        # our own convention, with the marks copying and re-downloading add
        (f"subs/alice_{NAME}.ipynb", "alice", "", False),
        (f"subs/alice_{NAME} (1).ipynb", "alice", "", False),
        (f"subs/Zoë_Ñúñez_{NAME}.ipynb", "Zoë_Ñúñez", "", False),
        # the folder, when the file name holds no id
        (f"subs/alice/{NAME} (1).ipynb", "alice", "", False),
        (f"subs/bob/{NAME} (1).ipynb", "bob", "", False),
        (f"subs/carol/Copy of {NAME}.ipynb", "carol", "", False),
        (f"subs/dave/{NAME}-Copy1.ipynb", "dave", "", False),
        (f"subs/erin/{NAME} - Copy (2).ipynb", "erin", "", False),
        ("subs/frank/homework.ipynb", "frank", "", False),
        # Canvas: name key, user id, submission id, the file as handed in (-1: resubmitted)
        (f"subs/smithjohn_12345_678901_{NAME}.ipynb", "12345", "smithjohn", False),
        (f"subs/smithjohn_LATE_12345_678901_{NAME}-1.ipynb", "12345", "smithjohn", True),
        # Moodle: a folder per participant, or the same prefix on the file
        (f"subs/John Smith_4711_assignsubmission_file_/{NAME}.ipynb", "4711", "John Smith", False),
        (f"subs/John Smith_4711_assignsubmission_file_{NAME}.ipynb", "4711", "John Smith", False),
    ],
)
def test_identify(path: str, student: str, name: str, late: bool):
    who = identify(Path(path))
    assert (who.student, who.name, who.late) == (student, name, late), (path, who)


@pytest.mark.parametrize(
    "path", [f"subs/{NAME} (1).ipynb", f"subs/Copy of {NAME}.ipynb", f"subs/{NAME}-Copy1.ipynb"]
)
def test_a_fragment_of_the_file_name_is_never_an_id(path: str):
    assert identify(Path(path)).student == "subs"


def test_decorations_are_removed_however_they_nest():
    assert undecorated(f"Copy of {NAME} (1) (2)") == NAME
    assert undecorated(f"{NAME}-Copy1") == NAME


def _roster(tmp_path: Path, text: str) -> list[Student]:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return load_roster(path)


def test_roster_columns_are_found_by_name(tmp_path: Path):
    roster = _roster(tmp_path, "Email,Full name,ID\nann@uni.edu,Ann Lee,a1\n,Bo Wu,b2\n")
    assert roster == [Student("a1", "Ann Lee", "ann@uni.edu"), Student("b2", "Bo Wu", "")]


def test_moodle_worksheet_identifiers(tmp_path: Path):
    roster = _roster(tmp_path, "Identifier,Full name\nParticipant 4711,John Smith\n")
    assert roster == [Student("4711", "John Smith")]


def test_roster_without_an_id_column_says_what_to_do(tmp_path: Path):
    with pytest.raises(RosterError, match="name one of its header cells 'id'.*found: who"):
        _roster(tmp_path, "who,when\nann,today\n")


@pytest.mark.parametrize(
    ("identity", "expected", "how"),
    [
        (Identity("A1"), "a1", "id"),
        (Identity("ann"), "a1", "email"),
        (Identity("12345", "leeann", source="canvas"), "a1", "name"),
        (Identity("4711", "Bo Wu", source="moodle"), "b2", "name"),
        (Identity("zed"), None, ""),
    ],
)
def test_match_to_roster(identity: Identity, expected: str | None, how: str):
    roster = [Student("a1", "Ann Lee", "ann@uni.edu"), Student("b2", "Bo Wu")]
    student, found_how = match(identity, roster)
    assert (student.id if student else None, found_how) == (expected, how)
