"""Exercise 04 — Containers: engine, image and container, userland-only images, Docker Desktop,
Windows containers and the alternatives to Docker.

Expected literal answers are salted hashes (see :mod:`virtlab.grading.bank`); the stack
questions are judged by the model's rules and isolation analysis.
"""

from __future__ import annotations

from typing import Any

from virtlab.grading.questions import (
    BugHunt,
    Classification,
    MultipleChoice,
    Number,
    Requirement,
    StackRequirements,
    contains,
    memory_fits,
    shares_kernel,
    valid,
)
from virtlab.stack import Hardware, Stack

NOTEBOOK = "04-containers"
TITLE = "Containers"

DESKTOP = "Docker Desktop on a Mac or a Windows PC: the hidden Linux VM"


def broken_host() -> Stack:
    """The stack of question 6, as the exercise shows it (two mistakes in it)."""
    hw = Hardware(cores=16, memory_gb=64)
    engine = hw.install("ubuntu").install("docker")
    engine.run("iis")
    engine.run("nginx", runtime="hyperv-isolation")
    return Stack(hw)


def _engine_in_a_vm(stack: Any) -> str | None:
    for node in stack.nodes():
        kernel = node.kernel() if node.kind == "engine" else None
        if kernel is not None and kernel.parent is not None and kernel.parent.kind == "vm":
            return None
    return "no container engine runs on a guest OS inside a VM"


QUESTIONS = [
    MultipleChoice(
        id="ex04-q1",
        points=1,
        section="Image versus container: one image, many containers",
        prompt="You start the nginx image three times. What do you have?",
        options=("a", "b", "c", "d"),
        answer_hash="122212ae0322d4dffac054823e9b1eb823528f4bb654500a0c66aa2943eca6f5",
    ),
    MultipleChoice(
        id="ex04-q2",
        points=1,
        section='A container\'s "base OS" is only a userland',
        prompt="Which kernel version does a container from the ubuntu image report on a "
        "Debian host?",
        options=("a", "b", "c", "d"),
        answer_hash="a98743814ab89464d955183e773d72d305b5da7526704d2f6555a73fce801dfc",
    ),
    Classification(
        id="ex04-q3",
        points=4,
        section="Alternatives to Docker",
        prompt="Sort eight products into 'container engine', 'container runtime', "
        "'hypervisor' or 'operating system'.",
        items=("docker", "podman", "lxc", "rkt", "containerd", "runc", "virtualbox", "alpine"),
        categories=("container engine", "container runtime", "hypervisor", "operating system"),
        answer_hashes={
            "docker": "b0cfd0232e248287e3364047bfb9a30cc0b35812a8f1b64ce4c568447bde2bcd",
            "podman": "01806b3bbb6fb31cbebf31f03d3a9ce3a8bbd0dd3405bb885b01154c20cdd128",
            "lxc": "0ce6811a9197e22b96af0144823b020aba623e8a1cd86f8f2043cbc442dd40a7",
            "rkt": "e58ffe130c0bdf4d79b6c4c30a62fe1a6b0c55e962898e4e1aa676d772876d2f",
            "containerd": "48e33d418c5f68e282f916b347d28b9487a69e4f7380d7d9326a655ad92bd8ba",
            "runc": "22dfe0c1f946a77bb215442b2fc9f40f75209ecd01147ff6398cff45c5dd8725",
            "virtualbox": "f00ac992a9718b9a18be6c0dc457a04cdfda68a7e837d72c9ece276ee70bd223",
            "alpine": "23c4668737eec7c2fc7d3787b7926ed91e7a72e2d50053a65887742b76153976",
        },
    ),
    Number(
        id="ex04-q4",
        points=1,
        section=DESKTOP,
        prompt="How many kernels run on a Mac that runs Docker Desktop with three containers?",
        unit="kernels",
        answer_hash="b307644a5fcba3b52c00a8b19cb0c17d561cc8afeb308fb140f4a52fc82f1bc4",
    ),
    StackRequirements(
        id="ex04-q5",
        points=6,
        section=DESKTOP,
        prompt="Model Docker Desktop on a Mac running nginx and redis containers.",
        requirements=(
            valid(),
            contains(
                "macOS directly on the hardware",
                kind="os",
                product="macos",
                on="hardware",
                section=DESKTOP,
            ),
            Requirement("a container engine on the guest OS of a VM", _engine_in_a_vm, DESKTOP),
            contains(
                "an nginx container",
                kind="container",
                product="nginx",
                section="Engine, image, container",
            ),
            shares_kernel("nginx", "redis", True, section="Engine, image, container"),
            memory_fits(section=DESKTOP),
        ),
    ),
    BugHunt(
        id="ex04-q6",
        points=4,
        section="Windows containers need a Windows kernel",
        prompt="Fix the container host without changing its hardware or its two containers.",
        original=broken_host,
        fix_sections={
            "kernel-mismatch": "Windows containers need a Windows kernel",
            "unsupported-host-os": "Alternatives to Docker",
        },
    ),
    MultipleChoice(
        id="ex04-q7",
        points=1,
        section="Alternatives to Docker",
        prompt="Your team lead proposes rkt as the engine of a new project. What do you answer?",
        options=("a", "b", "c", "d"),
        answer_hash="e51199a8beb28e463bb92ab24d994cb342a4d3863e6d3661fe141066cbb45976",
    ),
]
