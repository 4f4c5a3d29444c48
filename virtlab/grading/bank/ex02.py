"""Exercise 02 — Type 1 hypervisors: KVM and Hyper-V, sorting products, sizing, building, fixing.

Expected literal answers are salted hashes (see :mod:`virtlab.grading.bank`); the stack
questions are judged by the model's rules and isolation analysis.
"""

from __future__ import annotations

from virtlab.grading.questions import (
    BugHunt,
    Classification,
    MultipleChoice,
    Number,
    StackRequirements,
    every_vm,
    guest_oses,
    isolation_at_least,
    memory_fits,
    type1_on_hardware,
    valid,
)
from virtlab.overhead import density
from virtlab.stack import Hardware, Stack

NOTEBOOK = "02-type1-hypervisors"
TITLE = "Type 1 hypervisors"


def broken_server() -> Stack:
    """The stack of question 6, as the exercise shows it (two mistakes in it)."""
    hw = Hardware(cores=8, memory_gb=32, storage_gb=500)
    hypervisor = hw.install("ubuntu").install("esxi")
    hypervisor.create_vm("windows-10", vcpus=12, memory_gb=8)
    hypervisor.create_vm("ubuntu", vcpus=2, memory_gb=8).guest.install("nginx")
    return Stack(hw)


def _eight_gb_vms_on_64() -> float:
    return density(Hardware(memory_gb=64), isolation="vm", vm_memory_gb=8)


QUESTIONS = [
    MultipleChoice(
        id="ex02-q1",
        points=1,
        section="KVM is Type 1",
        prompt="Why does this course class KVM as a Type 1 hypervisor?",
        options=("a", "b", "c", "d"),
        answer_hash="ec2daababd7c8f6a9b37f35834092b12c48bd2e758b6366c38c9c83b74192407",
    ),
    MultipleChoice(
        id="ex02-q2",
        points=1,
        section="Hyper-V and its parent partition",
        prompt="Once Hyper-V is enabled, where does the Windows you booted run?",
        options=("a", "b", "c", "d"),
        answer_hash="ac9d7aa0c93940e99052df2ea71a1aede11cc6c21b008a7c4b82409399daa70b",
    ),
    Classification(
        id="ex02-q3",
        points=5,
        section="Type 1, Type 2 and container engines",
        prompt="Sort ten products into 'type 1', 'type 2' or 'container engine'.",
        items=(
            "hyper-v",
            "esxi",
            "kvm",
            "citrix-hypervisor",
            "virtualbox",
            "vmware-workstation",
            "parallels",
            "docker",
            "podman",
            "lxc",
        ),
        categories=("type 1", "type 2", "container engine"),
        answer_hashes={
            "hyper-v": "d46dcbacda192d65218bc4976e46c92b6998bb4124378700a70dd2316063e02b",
            "esxi": "0f90e4ed2e6407b8135f074452bdad2dda9e6bca8996f132ee551af6c2289189",
            "kvm": "6b3a4b855565135f70ed483294e348d207602e66f7608b8d44c3da73532e050f",
            "citrix-hypervisor": (
                "628a5fa0162699f36336b3a4f67a2eb3614d0d081cf008f1485e760905351592"
            ),
            "virtualbox": "494e6fc40dcab93a7781e200131e57b0838a0aedc5c0f57a78fdf17ecd94a8ff",
            "vmware-workstation": (
                "12201f5a443787b62db0b52b5657b48495bad639405459966e5c2f6248aaa3a1"
            ),
            "parallels": "3b7338a5cfad12e27e25120a4231b795d1caa13f42e7583d4569a8c0ceccab84",
            "docker": "9338a7ba27a7c1e4d1f759e8ea23cbd8fef8ab42fe70a20a55c01eb0a915bc01",
            "podman": "d97e5a8aef15edfcf33a3533ee4f31619ca083f04056fc98c330e59404418b26",
            "lxc": "566a0671e3e56ec8a67135201dcea1eace3167909e592193c056587e74e065f5",
        },
    ),
    Number(
        id="ex02-q4",
        points=1,
        section="Overcommit",
        prompt="How many 8 GB VMs fit on a 64 GB host without memory overcommit, counting the "
        "hypervisor's per-VM overhead?",
        unit="VMs",
        # the model's own answer, so the key, validate() and vl.density agree on a VM's cost
        expected=_eight_gb_vms_on_64,
    ),
    StackRequirements(
        id="ex02-q5",
        points=6,
        section="The three-guest server",
        prompt="Build the three-guest server with nginx and PostgreSQL in separate VMs.",
        requirements=(
            valid(),
            type1_on_hardware(section="What makes a hypervisor Type 1"),
            guest_oses("windows-10", "ubuntu", "centos"),
            every_vm(vcpus=2, memory_gb=8, section="vCPU and vRAM"),
            memory_fits(section="Overcommit"),
            isolation_at_least(
                "nginx", "postgres", "vm", both_ways=True, section="The three-guest server"
            ),
        ),
    ),
    BugHunt(
        id="ex02-q6",
        points=5,  # 1 per part: two errors fixed, no error left, workloads kept, hardware kept
        section="What makes a hypervisor Type 1",
        prompt="Fix the broken server without changing its hardware or what it runs.",
        original=broken_server,
        fix_sections={"vm-exceeds-host-cpus": "vCPU and vRAM"},
    ),
]
