"""The sample exercise end to end: full marks, zero, and partly wrong submissions in between."""

from __future__ import annotations

from pathlib import Path

import pytest
from grading_helpers import (
    MAX,
    NAME,
    exercise,
    grade,
    read_gradebook,
    set_answer,
    shared_once,
    solution,
    write,
)

OVERCOMMITTED = """\
server = vl.Hardware(cores=16, memory_gb=64)
hypervisor = server.install("esxi")
hypervisor.create_vm("windows-10", vcpus=4, memory_gb=32)
hypervisor.create_vm("ubuntu", vcpus=4, memory_gb=32).guest.install("nginx")
hypervisor.create_vm("centos", vcpus=4, memory_gb=32).guest.install("postgres")
answer = vl.Stack(server)"""

HALF_FIXED = """\
fixed = vl.Hardware(cores=8, memory_gb=32, storage_gb=500)
hv = fixed.install("esxi")
hv.create_vm("windows-10", vcpus=12, memory_gb=8)
hv.create_vm("ubuntu", vcpus=2, memory_gb=8).guest.install("nginx")
answer = vl.Stack(fixed)"""

KVM_AS_TYPE2 = """\
answer = {p: "type 1" for p in ("hyper-v", "esxi", "citrix-hypervisor")}
answer |= {p: "type 2" for p in ("kvm", "virtualbox", "vmware-workstation", "parallels")}
answer |= {p: "container engine" for p in ("docker", "podman", "lxc")}"""


def _build(folder: Path) -> dict:
    subs = folder / "submissions"
    write(subs / "alice" / f"{NAME}.ipynb", solution())
    write(subs / "bob" / f"{NAME}.ipynb", exercise())
    first = solution()
    set_answer(first, "ex02-q1", 'answer = "a"')
    set_answer(first, "ex02-q3", KVM_AS_TYPE2)
    set_answer(first, "ex02-q5", OVERCOMMITTED)
    set_answer(first, "ex02-q6", "answer = vl.Stack(broken)")
    write(subs / "carol" / f"{NAME}.ipynb", first)
    second = solution()
    set_answer(second, "ex02-q4", "answer = 9")
    set_answer(second, "ex02-q6", HALF_FIXED)
    write(subs / "dave" / f"{NAME}.ipynb", second)
    done = grade(["submissions", "-o", "gb.csv", "--feedback", "fb", "-j", "2"], cwd=folder)
    return {
        "code": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "rows": read_gradebook(folder / "gb.csv"),
        "feedback": {p.name: p.read_text(encoding="utf-8") for p in (folder / "fb").iterdir()},
    }


@pytest.fixture(scope="module")
def batch(shared_dir: Path) -> dict:
    with shared_once(shared_dir, "sample-batch", _build) as result:
        return result


def test_batch_exits_zero_with_a_summary(batch):
    assert batch["code"] == 0, batch["stderr"]
    assert "status" in batch["stdout"] and "ok" in batch["stdout"]


def test_solution_scores_full_marks(batch):
    row = batch["rows"]["alice"]
    assert row["status"] == "ok"
    assert float(row["total"]) == float(row["max"]) == MAX
    assert len(row["sha256"]) == 64


def test_untouched_exercise_scores_zero_without_errors(batch):
    row = batch["rows"]["bob"]
    assert (row["status"], row["message"], float(row["total"])) == ("ok", "", 0.0)
    assert "Not answered yet" in batch["feedback"][f"bob__{NAME}.md"]


def test_partly_wrong_submission_scores_between_with_feedback(batch):
    row = batch["rows"]["carol"]
    assert row["status"] == "ok"
    assert (row["ex02-q1"], row["ex02-q3"], row["ex02-q5"], row["ex02-q6"]) == (
        "0",
        "4.5",
        "5",
        "0",
    )
    assert float(row["total"]) == 11.5
    text = batch["feedback"][f"carol__{NAME}.md"]
    assert "In the wrong category: kvm" in text
    assert "memory fits without overcommit: The VMs are promised 96 GB" in text
    assert "This is still the original stack" in text
    assert "see lesson 02, section 'Overcommit'" in text


def test_half_fixed_bug_hunt_earns_part(batch):
    row = batch["rows"]["dave"]
    assert (row["ex02-q4"], row["ex02-q6"]) == ("0", "3")  # 3 of 5 parts, 1 point each
    text = batch["feedback"][f"dave__{NAME}.md"]
    assert "✗ fixes the 'vm-exceeds-host-cpus' error" in text
    assert "section 'vCPU and vRAM'" in text


def test_feedback_never_gives_the_answer(batch):
    for text in batch["feedback"].values():
        for needle in ('type 1"', "answer is", "expected 8", "'b'", "'c'"):
            assert needle not in text
