"""Exercise 06 — Overhead and density: reading FEL14, start times, density estimates, a fleet
that fits its server, and an oversized VM to fix.

Expected literal answers are salted hashes (see :mod:`virtlab.grading.bank`); numbers computed
from ``virtlab.data`` are compared with a tolerance; stack questions are judged by the model.
"""

from __future__ import annotations

from typing import Any

from virtlab import data
from virtlab.grading.questions import (
    BugHunt,
    Classification,
    MultipleChoice,
    Number,
    Requirement,
    StackRequirements,
    memory_fits,
    valid,
)
from virtlab.isolation import IsolationLevel
from virtlab.overhead import density
from virtlab.scenarios import weakest_level
from virtlab.stack import Hardware, Stack

NOTEBOOK = "06-overhead-and-density"
TITLE = "Overhead and density"

CPU = "CPU and memory: containers run at native speed"
IO = "Disk and network: where VMs pay"
START = "Start time and memory per instance"
DENSITY = "Density: how many fit on one server?"
CAVEATS = "Honest caveats"

FLEET_SIZE = 100
FLEET_HOST_GB = 32
OVERHEAD_BUDGET_MB = 16384  # half the server: gVisor, Kata and 0.25 GB microVMs fit


def oversized_vm() -> Stack:
    """The stack of question 6, as the exercise shows it (two mistakes in it)."""
    hw = Hardware(cores=16, memory_gb=64)
    vm = hw.install("esxi").create_vm("ubuntu", vcpus=32, memory_gb=96)
    engine = vm.guest.install("docker")
    for _ in range(20):
        engine.run("nginx")
    return Stack(hw)


def _random_read_ratio() -> float:
    return round(
        data.value("fel14-fio-rand-read-kvm") / data.value("fel14-fio-rand-read-native"), 2
    )


def _extra_containers() -> float:
    return float(density(128, "python-web", "container") - density(128, "python-web", "vm"))


def _fleet(stack: Any) -> list[Any]:
    return [w for w in stack.workloads() if w.product is not None and w.product.id == "python-web"]


def _one_small_server(stack: Any) -> str | None:
    if len(stack.hosts) != 1:
        return f"the stack has {len(stack.hosts)} physical servers"
    memory = stack.hosts[0].memory_gb
    if memory > FLEET_HOST_GB:
        return f"the server has {memory:g} GB"
    return None


def _enough_copies(stack: Any) -> str | None:
    found = len(_fleet(stack))
    return None if found >= FLEET_SIZE else f"found {found} python-web workloads"


def _copies_sandboxed(stack: Any) -> str | None:
    weakest = weakest_level(stack, _fleet(stack))
    if weakest is None:
        return "there are fewer than two python-web workloads to compare"
    if weakest >= IsolationLevel.SANDBOX:
        return None
    return (
        f"some copies are only separated at the {weakest.label} level; lesson 05's ranking "
        "says which runtimes reach 'sandbox' or stronger"
    )


def _overhead_budget(stack: Any) -> str | None:
    total = stack.overhead().total_memory_mb
    if total <= OVERHEAD_BUDGET_MB:
        return None
    return f"isolation takes {total:,.0f} MB"


QUESTIONS = [
    MultipleChoice(
        id="ex06-q1",
        points=1,
        section=CPU,
        prompt="In FEL14, at about what fraction of native speed did Linpack run in Docker?",
        options=("a", "b", "c", "d"),
        answer_hash="f76ba439ede7f466ef58e88c1cc8ea61ce7725d0edb1ef3adfadf23ccedfb2b2",
    ),
    Number(
        id="ex06-q2",
        points=2,
        section=IO,
        prompt="KVM's 4 kB random-read IOPS as a fraction of native (FEL14), two decimals.",
        expected=_random_read_ratio,
        tolerance=0.0051,
    ),
    Number(
        id="ex06-q3",
        points=2,
        section=DENSITY,
        prompt="How many more python-web instances fit in 128 GB as containers than as full "
        "VMs (vl.density)?",
        unit="instances",
        expected=_extra_containers,
        tolerance=0,
    ),
    Classification(
        id="ex06-q4",
        points=2,
        section=START,
        prompt="Sort four kinds of isolation by their start time.",
        items=("process", "container", "microvm", "vm"),
        categories=("milliseconds", "a fraction of a second", "seconds"),
        answer_hashes={
            "process": "e596fb8c5d62c42069a313ebd243c033a14141087965c77c1447a4c7932b4dfb",
            "container": "d09df49f650e0f6d9fbf7db005713144ff76503f79d4f3b1bee4f6ec586e7974",
            "microvm": "b72fc9913743910febebc7aeda9d78b8a11dc46344f6d4cb8adda5b66a0f2de9",
            "vm": "8598c80fa319865d1b92715df8f9004962e5d70b743e8fb25d48211434550ab5",
        },
    ),
    StackRequirements(
        id="ex06-q5",
        points=6,
        section=DENSITY,
        prompt=f"Run {FLEET_SIZE} sandboxed copies of python-web on one {FLEET_HOST_GB} GB "
        "server within a memory budget for isolation.",
        requirements=(
            valid(),
            Requirement(
                f"one physical server with at most {FLEET_HOST_GB} GB", _one_small_server, DENSITY
            ),
            Requirement(f"at least {FLEET_SIZE} python-web workloads", _enough_copies, DENSITY),
            Requirement(
                "every two copies isolated at least at the sandbox level",
                _copies_sandboxed,
                START,
            ),
            Requirement(
                f"isolation costs at most {OVERHEAD_BUDGET_MB} MB in all (stack.overhead())",
                _overhead_budget,
                START,
            ),
            memory_fits(section=DENSITY),
        ),
    ),
    BugHunt(
        id="ex06-q6",
        points=4,
        section=DENSITY,
        prompt="Fix the oversized VM without changing the hardware or its 20 nginx containers.",
        original=oversized_vm,
        requirements=(memory_fits(section=DENSITY),),
        fix_sections={"vm-exceeds-host-memory": DENSITY, "vm-exceeds-host-cpus": DENSITY},
    ),
    MultipleChoice(
        id="ex06-q7",
        points=1,
        section=CAVEATS,
        prompt="What does vl.density leave out?",
        options=("a", "b", "c", "d"),
        answer_hash="2c6e4ab45022a137064542692963ba7952ebbe4509c1f56d44ea33aead07f4b4",
    ),
]
