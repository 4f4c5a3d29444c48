"""Exercise 01 — Abstraction: the layers of a computer, what hypervisors and containers hide.

Expected literal answers are salted hashes (see :mod:`virtlab.grading.bank`); the two stack
questions are judged by the model's rules and isolation analysis, so any correct stack passes.
"""

from __future__ import annotations

from virtlab.grading.questions import (
    Classification,
    MultipleChoice,
    Number,
    Requirement,
    StackRequirements,
    contains,
    shares_kernel,
    valid,
)

NOTEBOOK = "01-abstraction"
TITLE = "Abstraction"


def _one_server(stack) -> str | None:
    if len(stack.hosts) == 1:
        return None
    return f"the stack has {len(stack.hosts)} physical servers; use one"


ONE_SERVER = Requirement("everything runs on one physical server", _one_server)


def _in_containers(stack) -> str | None:
    running = {(n.kind, n.product.id) for n in stack.workloads() if n.product is not None}
    missing = [app for app in ("nginx", "postgres") if ("container", app) not in running]
    if not missing:
        return None
    return f"not running in a container: {', '.join(missing)}"


QUESTIONS = [
    Classification(
        id="ex01-q1",
        points=4,
        section="The layers of a computer",
        prompt="Put eight parts of a computer into their layer: hardware, kernel, userland or app.",
        items=(
            "cpu",
            "ram",
            "scheduler",
            "device drivers",
            "c library",
            "shell",
            "nginx",
            "postgres",
        ),
        categories=("hardware", "kernel", "userland", "app"),
        answer_hashes={
            "cpu": "3d05c070880d6237339570dcb4230e8aa77ce0ebbca7863d21811818362b8d9f",
            "ram": "2016d1a2ec09b2d28a702b761aeed1e0bafd0396fb7980c6b86a1285f242752d",
            "scheduler": "be303116de46c7cfb328c6501c3308d0dd1c9150b98e2b9f186b53181606d54a",
            "device drivers": "7a6135677e4c870c87896c917554fb643f78f47d1c7d63ea8c727f1e9d816e80",
            "c library": "85db022bd03d6bc62de5374fcfd8419505b2c52e28a27c8f88e3307d53e5f7c3",
            "shell": "6358e6dd5a41ab8d8dc06999bfb3ea4a860d66aa52b3146d403f8c3b50197b33",
            "nginx": "2e7d25b07703669cfd60aed664ed8816251d590f37f1a3ce16318ee387514761",
            "postgres": "064b8ad9042431bb85a4b33b2c0592fdcd46f3d388ebe23afd015b26541518fd",
        },
    ),
    MultipleChoice(
        id="ex01-q2",
        points=1,
        section="A hypervisor abstracts the hardware",
        prompt="What does a hypervisor abstract?",
        options=("a", "b", "c", "d"),
        answer_hash="cfdb159aa1b4e1d89af20e81ea0fa6c002b936e36ac0eda853063a1a37c623b5",
    ),
    MultipleChoice(
        id="ex01-q3",
        points=1,
        section="A container abstracts the operating-system kernel",
        prompt="Which statement about two containers on one Linux host is true?",
        options=("a", "b", "c", "d"),
        answer_hash="aec5175ef9e0c79f42cca745f7c3fb88b24ecc212fd3b6c2204479c3db6e9cf1",
    ),
    Number(
        id="ex01-q4",
        points=1,
        # the containers are the trap: the section on what containers share answers it
        section="A container abstracts the operating-system kernel",
        prompt="ESXi runs three VMs; one of them runs five containers. How many guest kernels "
        "run in the VMs?",
        unit="kernels",
        answer_hash="3611f0c3e96dbd1f4e2bc80d9a8b1787ac3987a12bcdf906808b54edbd10b9e7",
    ),
    StackRequirements(
        id="ex01-q5",
        points=4,
        section="A container abstracts the operating-system kernel",
        prompt="Build one server where nginx and postgres run in containers sharing a kernel.",
        requirements=(
            valid(),
            ONE_SERVER,
            Requirement("nginx and postgres each run in a container", _in_containers),
            shares_kernel("nginx", "postgres", True),
        ),
    ),
    StackRequirements(
        id="ex01-q6",
        points=4,
        section="A hypervisor abstracts the hardware",
        prompt="Build one server where nginx and postgres do not share a kernel.",
        requirements=(
            valid(),
            ONE_SERVER,
            contains("a hypervisor", kind="hypervisor"),
            shares_kernel("nginx", "postgres", False),
        ),
    ),
]
