"""A generated class of 100 students with known properties, for the report's tests.

Every answer is chosen by a rule on the student's number, scored with the real question bank,
and written as ``virtlab grade`` writes a gradebook (plus the answers file the report reads), so
a test can compute what the report must say from the rules alone:

* ``ex02-q1``: every 5th student answers "a" (wrong), the rest "b";
* ``ex02-q3``: every 4th student files KVM under "type 2";
* ``ex02-q4``: students 1, 11, 21, ... answer one more VM than fits (:data:`Q4_WRONG`);
* ``ex02-q5``: every 3rd student overcommits memory; each stack has its own disk size, so no
  two students' stacks are equal by chance;
* ``ex01``: everyone right except ``ex01-q4`` = 8 for every 7th student; s099 hands in no ex01;
* s011 hands in s010's very file (same sha256); s021 gives s020's answers in another file;
* s030 times out after question 3; s031 is flagged tampered; s032's notebook is not a notebook;
* student ``<b>x</b>&`` has a name that must be escaped.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import virtlab as vl
from virtlab.grading import bank, encoding, gradebook

N = 100
ODD_NAME = "<b>x</b>&"


def _right_number(qid: str) -> int:
    """The number the bank accepts, however it stores it (computed value or hash)."""
    question = bank.question(qid)
    if question.answer_hash is None:
        expected = question.expected
        return round(expected() if callable(expected) else expected)
    return next(n for n in range(10_000) if question.score(n).status == "correct")


Q4_RIGHT = _right_number("ex02-q4")
Q4_WRONG = Q4_RIGHT + 1


def student(i: int) -> str:
    return ODD_NAME if i == 33 else f"s{i:03d}"


def _stack_ex02(i: int, *, overcommit: bool) -> vl.Stack:
    server = vl.Hardware(cores=16, memory_gb=64, storage_gb=4000)
    hypervisor = server.install("ubuntu").install("kvm")  # KVM lives in a Linux kernel
    memory = 30 if overcommit else 16
    disk = 100 + i  # unique per student
    hypervisor.create_vm("windows-10", vcpus=4, memory_gb=memory, storage_gb=disk)
    hypervisor.create_vm("ubuntu", vcpus=4, memory_gb=memory, storage_gb=disk).guest.install(
        "nginx"
    )
    hypervisor.create_vm("centos", vcpus=4, memory_gb=memory, storage_gb=disk).guest.install(
        "postgres"
    )
    return vl.Stack(server)


def _bug_hunt_fix() -> vl.Stack:
    fixed = vl.Hardware(cores=8, memory_gb=32, storage_gb=500)
    hv = fixed.install("esxi")
    hv.create_vm("windows-10", vcpus=4, memory_gb=8)
    hv.create_vm("ubuntu", vcpus=2, memory_gb=8).guest.install("nginx")
    return vl.Stack(fixed)


CLASSIFICATION = {
    "hyper-v": "type 1",
    "esxi": "type 1",
    "kvm": "type 1",
    "citrix-hypervisor": "type 1",
    "virtualbox": "type 2",
    "vmware-workstation": "type 2",
    "parallels": "type 2",
    "docker": "container engine",
    "podman": "container engine",
    "lxc": "container engine",
}


def answers_ex02(i: int) -> dict[str, Any]:
    source = {21: 20, 11: 10}.get(i, i)  # s021 copies s020's answers, s011 s010's file
    classes = dict(CLASSIFICATION)
    if source % 4 == 0:
        classes["kvm"] = "type 2"
    if source % 8 == 0:  # the same mistake, typed differently, is still the same mistake
        classes["KVM "] = classes.pop("kvm")
    return {
        "ex02-q1": "a" if source % 5 == 0 else "b",
        "ex02-q2": "c",
        "ex02-q3": classes,
        "ex02-q4": Q4_WRONG if source % 10 == 1 else Q4_RIGHT,
        "ex02-q5": _stack_ex02(source, overcommit=source % 3 == 0),
        "ex02-q6": _bug_hunt_fix(),
    }


def _stack_ex01_containers() -> vl.Stack:
    host = vl.Hardware(cores=8, memory_gb=32)
    engine = host.install("ubuntu").install("docker")
    engine.run("nginx")
    engine.run("postgres")
    return vl.Stack(host)


def _stack_ex01_vms(i: int) -> vl.Stack:
    server = vl.Hardware(cores=16, memory_gb=64, storage_gb=4000)
    hypervisor = server.install("esxi")
    hypervisor.create_vm("ubuntu", storage_gb=100 + i).guest.install("nginx")
    hypervisor.create_vm("centos", storage_gb=100 + i).guest.install("postgres")
    return vl.Stack(server)


def answers_ex01(i: int) -> dict[str, Any]:
    return {
        "ex01-q1": {
            "cpu": "hardware",
            "ram": "hardware",
            "scheduler": "kernel",
            "device drivers": "kernel",
            "c library": "userland",
            "shell": "userland",
            "nginx": "app",
            "postgres": "app",
        },
        "ex01-q2": "c",
        "ex01-q3": "a",
        "ex01-q4": 8 if i % 7 == 0 else 3,
        "ex01-q5": _stack_ex01_containers(),
        "ex01-q6": _stack_ex01_vms(i),
    }


def _sha(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _row(name: str, exercise: bank.Exercise, recorded: dict[str, Any], sha: str) -> dict:
    row = {
        "student": name,
        "notebook": f"{name}_{exercise.notebook}.ipynb",
        "exercise": exercise.id,
        "sha256": sha,
        "version": exercise.version,
        "status": "ok",
        "message": "",
        "max": f"{exercise.max_points:g}",
    }
    total = 0.0
    for question in exercise.questions:
        if question.id in recorded:
            score = question.score(encoding.decode(recorded[question.id]))
            row[question.id] = f"{score.points:g}"
            total += score.points
        else:
            row[question.id] = "0"
    row["total"] = f"{round(total, 2):g}"
    return row


def make_class(folder: Path, *, with_answers: bool = True, size: int = N) -> Path:
    """Write ``gradebook.csv`` (and ``gradebook.csv.answers.jsonl``) for the class; return it.

    ``size`` makes a bigger class for the benchmark; the rules above are stated for N."""
    exercises = bank.exercises()
    rows: list[dict[str, str]] = []
    lines: list[str] = []
    for i in range(size):
        name = student(i)
        for exercise_id, answers in (("ex02", answers_ex02), ("ex01", answers_ex01)):
            if exercise_id == "ex01" and i == N - 1:
                continue
            exercise = exercises[exercise_id]
            recorded = {qid: encoding.encode(value) for qid, value in answers(i).items()}
            sha = _sha(10 if (i == 11 and exercise_id == "ex02") else i, exercise_id)
            if i == 30 and exercise_id == "ex02":
                recorded = {
                    q: a for q, a in recorded.items() if q in ("ex02-q1", "ex02-q2", "ex02-q3")
                }
            row = _row(name, exercise, recorded, sha)
            if i == 30 and exercise_id == "ex02":
                row.update(status="timeout", message="cell 9 ran past --timeout 30 s")
            if i == 31 and exercise_id == "ex02":
                row.update(status="tampered", message="1 answer record(s) not written by check()")
            if i == 32 and exercise_id == "ex01":
                row = {
                    "student": name,
                    "notebook": f"{name}_01-abstraction.ipynb",
                    "status": "invalid-notebook",
                    "message": "not a notebook: corrupt JSON",
                    "sha256": sha,
                }
            else:
                entry = {"student": name, "exercise": exercise_id, "sha256": sha}
                lines.append(json.dumps({**entry, "answers": recorded}, ensure_ascii=False))
            rows.append(row)
    path = folder / "gradebook.csv"
    qids = [q.id for e in (exercises["ex01"], exercises["ex02"]) for q in e.questions]
    gradebook.write(path, rows, gradebook.columns_for(rows, qids))
    if with_answers:
        path.with_name(path.name + ".answers.jsonl").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )
    return path
