"""Exercise 03 — Type 2 hypervisors: the hosted stack, when it fits, what it costs, a fix.

Expected literal answers are salted hashes (see :mod:`virtlab.grading.bank`); the stack
questions are judged by the model's rules, so any correct stack passes.
"""

from __future__ import annotations

from virtlab.grading.questions import (
    BugHunt,
    Classification,
    MultipleChoice,
    Number,
    Requirement,
    StackRequirements,
    contains,
    every_vm,
    guest_oses,
    memory_fits,
    valid,
)
from virtlab.stack import Hardware, Stack

NOTEBOOK = "03-type2-hypervisors"
TITLE = "Type 2 hypervisors"


def broken_laptop() -> Stack:
    """The stack of question 6, as the exercise shows it (two errors in it)."""
    hw = Hardware(cores=8, memory_gb=16, storage_gb=500)
    hypervisor = hw.install("macos").install("vmware-workstation")
    hypervisor.create_vm("ubuntu", vcpus=2, memory_gb=8)
    hypervisor.install("windows-10")
    return Stack(hw)


def _the_mac(stack) -> str | None:
    sizes = [(h.cpus, h.memory_gb) for h in stack.hosts]
    if len(sizes) == 1 and sizes[0][0] == 8 and sizes[0][1] == 16:
        return None
    return "use one physical machine, vl.Hardware(cores=8, memory_gb=16)"


QUESTIONS = [
    MultipleChoice(
        id="ex03-q1",
        points=1,
        section="A hypervisor on top of an OS",
        prompt="In a Type 2 stack, what runs directly on the hardware?",
        options=("a", "b", "c", "d"),
        answer_hash="f6215f2537db9eeb43926e4826354e4cc5c99a9e9a6c81ed4948efe3563c0958",
    ),
    Classification(
        id="ex03-q2",
        points=3,
        section="When Type 2 fits",
        prompt="For six situations, choose 'type 1' or 'type 2'.",
        items=(
            "trying linux",
            "cloud provider",
            "test on 3 oses",
            "forty servers",
            "classroom",
            "mac user",
        ),
        categories=("type 1", "type 2"),
        answer_hashes={
            "trying linux": "a84b0a7c8c541812a51b3531addd86de4d67a059f64a070324fe0b219b91685d",
            "cloud provider": "a49b92cc5f6c1500b369f22e5086210ce1e6fb811f1cd3e1f9b43a7f7a5dba29",
            "test on 3 oses": "45bbd3114150fd2d0ada5dd9d438e66bab0187bc1588fe2c36e6bad697fd04b8",
            "forty servers": "2b19e57e7188ecb17975039f4ca1bdec8aa8c20604e5e9abba740d80aac7c903",
            "classroom": "3d332baf6256dcf8f97e37c6a1e45f5c0a8332824eda1094fb005109bb04b2e9",
            "mac user": "fc2a4b412fdc93d266cc672b9343b1ae2ccf7f3f71f84f75de7411131e9076d6",
        },
    ),
    Number(
        id="ex03-q3",
        points=1,
        section="What the extra layer costs",
        prompt="How many 4 GB VMs fit on a 16 GB Windows 10 PC, counting the host OS's memory?",
        unit="VMs",
        answer_hash="595a864d6c307273d379eebff5b12cec184f6205463716a5936bdc7eb47819d8",
    ),
    MultipleChoice(
        id="ex03-q4",
        points=1,
        section="What the extra layer costs",
        prompt="What do the BAR03 (2003) figures for VMware Workstation tell us?",
        options=("a", "b", "c", "d"),
        answer_hash="a154845a7f104c0eba3f7620830692bfeeb5fcc4b05d3fbd072379ea14e627d8",
    ),
    StackRequirements(
        id="ex03-q5",
        points=7,
        section="A hypervisor on top of an OS",
        prompt="Build a designer's Intel Mac running Windows 10 and Ubuntu guests on a Type 2 "
        "hypervisor.",
        requirements=(
            valid(),
            Requirement("one Mac with 8 cores and 16 GB", _the_mac),
            contains(
                "macOS directly on the hardware",
                product="macos",
                on="hardware",
                section="Three Type 2 hypervisors",
            ),
            contains(
                "a Type 2 hypervisor on the host OS",
                kind="hypervisor",
                hypervisor_type=2,
                on="os",
                section="Three Type 2 hypervisors",
            ),
            guest_oses("windows-10", "ubuntu"),
            every_vm(vcpus=2, memory_gb=4, section="What the extra layer costs"),
            memory_fits(section="What the extra layer costs"),
        ),
    ),
    BugHunt(
        id="ex03-q6",
        points=6,
        section="Bug hunt: a lab PC that will not start",
        prompt="Fix the broken laptop without changing its hardware.",
        original=broken_laptop,
        keep_workloads=False,
        requirements=(
            guest_oses("ubuntu", "windows-10", section="A hypervisor on top of an OS"),
            memory_fits(section="What the extra layer costs"),
        ),
        fix_sections={
            "unsupported-host-os": "Three Type 2 hypervisors",
            "os-needs-hardware-or-vm": "A hypervisor on top of an OS",
        },
    ),
]
