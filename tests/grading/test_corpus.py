"""Bad submissions: one batch holds every case; each must get its status and a clear message,
and no case may disturb any other row of the same batch.

The batch runs once per test session (shared by xdist workers) with short limits: a 10 s cell
timeout for the infinite loop and a 512 MB memory limit for the memory bomb. Each test checks
its own case only and names it, with the row's status and message, when it fails; one test
checks that no row is lost or added. ``test_determinism.py`` grades the same corpus again under
other settings and load.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

import pytest
from grading_helpers import (
    MAX,
    NAME,
    grade,
    insert_before,
    read_gradebook,
    set_answer,
    shared_once,
    solution,
    write,
)

from virtlab.grading.nbio import nbformat

# student -> (status, total) every row of the batch must end with
EXPECTED: dict[str, tuple[str, float | None]] = {
    "good": ("ok", MAX),
    "corrupt": ("invalid-notebook", None),
    "binary": ("invalid-notebook", None),
    "oldformat": ("ok", MAX),
    "empty": ("empty-notebook", None),
    "loop": ("timeout", 8.0),
    "sysexit": ("exited", MAX),
    "osexit": ("kernel-died", 2.0),
    "segfault": ("kernel-died", 2.0),
    "membomb": ("memory-limit", MAX),
    "flood": ("output-limit", 2.0),
    "displayflood": ("output-limit", 2.0),
    "fdflood": ("output-limit", 2.0),
    "kernelthread": ("kernel-error", MAX),
    "children": ("ok", MAX),
    "deleted": ("missing-answers", MAX - 5),
    "edited": ("missing-answers", MAX - 1),
    "redefined": ("tampered", 0.0),
    "patched": ("tampered", MAX - 1),
    "forged": ("tampered", MAX - 6),
    "gradebookwriter": ("ok", MAX),
    "network": ("cell-errors", MAX),
    "wrongtypes": ("invalid-answers", MAX - 12),
    "Zoë_Ñúñez": ("ok", MAX),
    "dup": ("duplicate", MAX),
    "dup+": ("duplicate", MAX),
    "erin": ("no-submission", None),
    "frank": ("unknown-exercise", None),
}


def _cases(folder: Path, marker: str) -> None:
    subs = folder / "subs"
    sub = subs / "class"

    def put(student: str, nb: nbformat.NotebookNode) -> None:
        write(sub / f"{student}_{NAME}.ipynb", nb)

    put("good", solution())
    (sub / f"corrupt_{NAME}.ipynb").write_text('{"cells": [ {"cell_type": "co', encoding="utf-8")
    (sub / f"binary_{NAME}.ipynb").write_bytes(b"%PDF-1.4\n\xff\xfe\x00binary")
    v3 = nbformat.convert(solution(), 3)
    (sub / f"oldformat_{NAME}.ipynb").write_text(nbformat.writes(v3, version=3), encoding="utf-8")
    put("empty", nbformat.v4.new_notebook())
    put("loop", insert_before(solution(), "ex02-q5", "while True:\n    pass"))
    put("sysexit", insert_before(solution(), "ex02-q3", "import sys\nsys.exit()"))
    put("osexit", insert_before(solution(), "ex02-q3", "import os\nos._exit(3)"))
    put("segfault", insert_before(solution(), "ex02-q3", "import ctypes\nctypes.string_at(0)"))
    # bytes(n) reserves zeroed memory without touching it, so the bomb takes as long at 2048 MB
    # as at 512 MB (test_determinism.py); what it runs into is the address-space limit
    bomb = "hoard = []\nwhile True:\n    hoard.append(bytes(50 * 1024 * 1024))"
    put("membomb", insert_before(solution(), "ex02-q6", bomb + "\n"))
    put("flood", insert_before(solution(), "ex02-q3", "while True:\n    print('x' * 10_000)"))
    display = "from IPython.display import display\nwhile True:\n    display('y' * 10_000)"
    put("displayflood", insert_before(solution(), "ex02-q3", display))
    fd = "import os\nwhile True:\n    os.write(1, b'z' * 10_000)"
    put("fdflood", insert_before(solution(), "ex02-q3", fd))
    # an exception in the kernel's own I/O thread (what running out of memory there looks like)
    broken = "import sys, time\nsys.stdout.pub_thread.schedule(lambda: 1 / 0)\ntime.sleep(0.5)"
    put("kernelthread", insert_before(solution(), "ex02-q1", broken))
    children = (
        "import subprocess\n"
        f"kids = [subprocess.Popen(['sleep', '{marker}'], start_new_session=i % 2 == 0)\n"
        "        for i in range(60)]\n"
        # an escapee: its own session, an empty environment, its parent gone at once
        f"subprocess.run(['sh', '-c', 'sleep {marker} &'], env={{}}, start_new_session=True)"
    )
    put("children", insert_before(solution(), "ex02-q1", children))
    deleted = solution()
    del deleted.cells[deleted.cells.index(next(c for c in deleted.cells if "ex02-q3" in c.source))]
    put("deleted", deleted)
    edited = solution()
    cell = next(c for c in edited.cells if 'check("ex02-q2"' in c.source)
    cell.source = cell.source.replace('check("ex02-q2"', 'check("ex02-q9"')
    put("edited", edited)
    redefined = insert_before(
        solution(),
        "ex02-q1",
        "def check(qid, value):\n    print(qid, 'full marks!')\n    return 'full marks'",
    )
    put("redefined", redefined)
    patched = insert_before(
        solution(),
        "ex02-q1",
        "import virtlab.grading.questions as q\n"
        "q.MultipleChoice._score = lambda self, v: q.Score(self.id, 99, 99, 'correct')",
    )
    put("patched", set_answer(patched, "ex02-q1", 'answer = "d"'))
    forge = (
        "import json\n"
        "env = dict(l.split('=', 1) for l in open('/proc/self/environ').read().split('\\0') if l)\n"
        "with open(env['VIRTLAB_GRADING'], 'a') as f:\n"
        "    f.write(json.dumps({'seq': 99, 'qid': 'ex02-q5', 'answer': '\"x\"', 'mac': '0'}) + "
        "'\\n')"
    )
    forged = set_answer(solution(), "ex02-q5", "answer = ...")
    put("forged", insert_before(forged, "ex02-q6", forge))
    writer = (
        f"from pathlib import Path\n"
        f"Path({str(folder / 'gb.csv')!r}).write_text('student,total\\nmallory,1000\\n')\n"
        f"fake = Path({str(folder / 'fb' / f'good__good_{NAME}.md')!r})\n"
        "fake.parent.mkdir(parents=True, exist_ok=True)\n"
        "fake.write_text('forged')"
    )
    put("gradebookwriter", insert_before(solution(), "ex02-q1", writer))
    network = "import socket\ns = socket.socket()\ns.settimeout(3)\ns.connect(('10.255.255.1', 80))"
    put("network", insert_before(solution(), "ex02-q1", network))
    wrong = solution()
    set_answer(wrong, "ex02-q1", "answer = 2")
    set_answer(wrong, "ex02-q3", 'answer = ["hyper-v", "esxi"]')
    set_answer(wrong, "ex02-q5", 'answer = "a server with three VMs"')
    put("wrongtypes", wrong)
    put("Zoë_Ñúñez", solution())
    put("dup", solution())
    write(subs / "dup" / f"{NAME}.ipynb", solution())
    (subs / "erin").mkdir(parents=True)
    write(
        subs / "frank" / "homework.ipynb",
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")]),
    )


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(entry.name))
    return found


LIMITS = ["--timeout", "10", "--output-limit", "200000"]


def _build(folder: Path) -> dict:
    marker = f"{secrets.randbelow(10**6) + 10**6}.25"
    _cases(folder, marker)
    started = time.monotonic()
    done = grade(
        ["subs", "-o", "gb.csv", "--feedback", "fb", "-j", "2", "--memory-mb", "512", *LIMITS],
        cwd=folder,
    )
    return {
        "seconds": time.monotonic() - started,
        "code": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "rows": read_gradebook(folder / "gb.csv"),
        "leftover": _processes_with(marker),
        "good_feedback": (folder / "fb" / f"good__good_{NAME}.md").read_text(encoding="utf-8"),
    }


@pytest.fixture(scope="module")
def batch(shared_dir: Path) -> dict:
    with shared_once(shared_dir, "corpus-batch", _build) as result:
        return result


def _row(batch: dict, student: str) -> dict[str, str]:
    rows = batch["rows"]
    assert student in rows, f"{student}: no row at all (rows: {sorted(rows)})\n{batch['stderr']}"
    return rows[student]


def assert_case(batch: dict, student: str, *message_parts: str) -> dict[str, str]:
    """This case's status, total and message parts; the failure names the case and its row."""
    row = _row(batch, student)
    status, total = EXPECTED[student]
    got = f"{student}: status {row['status']!r}, total {row.get('total')!r}, "
    got += f"message {row['message']!r}"
    assert row["status"] == status, f"expected {status!r}; {got}"
    if total is not None:
        assert float(row["total"]) == total, f"expected total {total:g}; {got}"
    for part in message_parts:
        assert part in row["message"], f"expected {part!r} in the message; {got}"
    return row


def test_no_row_is_lost_or_added(batch):
    assert set(batch["rows"]) == set(EXPECTED), batch["stderr"]


def test_batch_survives_and_reports_problems(batch):
    assert batch["code"] == 1, batch["stderr"]
    assert "timeout" in batch["stdout"] and "kernel-died" in batch["stdout"]


def test_corrupt_json(batch):
    assert_case(batch, "corrupt", "not valid JSON (line 1", "ask for a fresh copy")


def test_not_a_notebook(batch):
    assert_case(batch, "binary", "not text (UTF-8): not a notebook file")


def test_old_nbformat_is_upgraded_and_graded(batch):
    assert_case(batch, "oldformat", "upgraded from nbformat 3 to 4")


def test_empty_notebook(batch):
    assert_case(batch, "empty", "the notebook has no code")


def test_infinite_loop_times_out_and_keeps_earlier_answers(batch):
    row = assert_case(batch, "loop", "still running after the per-cell limit of 10 s")
    assert [row[f"ex02-q{i}"] for i in range(1, 7)] == ["1", "1", "5", "1", "0", "0"]


def test_sys_exit(batch):
    assert_case(batch, "sysexit", "called sys.exit()", "errors: cell")


def test_os_exit(batch):
    row = assert_case(batch, "osexit", "the kernel exited with code 3", "in cell 8")
    assert (row["ex02-q2"], row["ex02-q3"]) == ("1", "0")


def test_segfault(batch):
    assert_case(batch, "segfault", "killed by SIGSEGV")


def test_memory_bomb_is_bounded(batch):
    assert_case(batch, "membomb", "more than the 512 MB memory limit (MemoryError)")


def test_output_flood(batch):
    assert_case(batch, "flood", "printed more than 200,000 characters")


def test_display_flood(batch):
    assert_case(batch, "displayflood", "printed more than 200,000 characters")


def test_file_descriptor_flood(batch):
    assert_case(batch, "fdflood", "printed more than 200,000 characters")


def test_a_failure_inside_the_kernel_is_never_ok(batch):
    assert_case(batch, "kernelthread", "the kernel itself failed", "ZeroDivisionError")


def test_kernel_output_never_reaches_the_graders_console(batch):
    assert "Traceback" not in batch["stderr"] and "iostream" not in batch["stderr"]


def test_sleeping_children_are_all_gone(batch):
    assert_case(batch, "children")
    assert batch["leftover"] == []


def test_deleted_answer_cell(batch):
    assert_case(batch, "deleted", "no answer for ex02-q3: its check() call was deleted or edited")


def test_edited_check_call(batch):
    assert_case(
        batch,
        "edited",
        "no answer for ex02-q2: its check() call was deleted or edited",
        "unknown question ids",
    )


def test_redefined_check_scores_nothing(batch):
    assert_case(
        batch,
        "redefined",
        "redefines check()",
        "review this submission",
        "no answer for ex02-q1, ex02-q2, ex02-q3, ex02-q4, ex02-q5, ex02-q6: its check() call "
        "never ran",
    )


def test_patching_virtlab_does_not_raise_the_score(batch):
    row = assert_case(batch, "patched", "reaches into virtlab's grading code")
    assert row["ex02-q1"] == "0"


def test_forged_records_are_ignored(batch):
    row = assert_case(batch, "forged", "1 answer record(s) not written by check() were ignored")
    assert row["ex02-q5"] == "0"


def test_writing_into_the_gradebook_folder(batch):
    assert_case(batch, "gradebookwriter")
    assert "mallory" not in batch["rows"]
    assert batch["good_feedback"] != "forged"
    assert f"Score: {MAX:g} / {MAX:g}" in batch["good_feedback"]


def test_network_attempt_fails(batch):
    assert_case(batch, "network", "cell(s) raised an error", "OSError")


def test_wrong_answer_types(batch):
    assert_case(
        batch,
        "wrongtypes",
        "ex02-q1: Invalid answer: expected one of 'a', 'b', 'c', 'd'; got 2;",
        "ex02-q3: Invalid answer: expected a dict {item: category}; got list;",
        "ex02-q5: Invalid answer: expected a vl.Stack, got str",
    )


def test_non_ascii_file_name(batch):
    assert_case(batch, "Zoë_Ñúñez")


def test_two_submissions_for_one_student(batch):
    row = assert_case(batch, "dup", "dup handed in ex02 2 times")
    assert row["notebook"] != _row(batch, "dup+")["notebook"]


def test_empty_student_folder(batch):
    assert_case(batch, "erin", "holds no notebook")


def test_unknown_exercise(batch):
    assert_case(batch, "frank", "no exercise of the question bank matches")


def test_rows_are_json_clean(batch):
    json.dumps(batch["rows"])  # the gradebook is plain text all through
