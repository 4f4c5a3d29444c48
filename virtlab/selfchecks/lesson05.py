"""Self-checks of lesson 05 (isolation): shared layers, ranking isolation levels, attack surfaces,
Hyper-V isolation and gVisor.

Generated with salted answer hashes (``virtlab.answers.answer_hash``): the right option is not
readable here. See ``virtlab.selfchecks`` for the format.
"""

from __future__ import annotations

from typing import Any

CHECKS: dict[str, dict[str, Any]] = {
    "l05-shared-layers": {
        "prompt": (
            "Two containers (nginx and redis) run with runc on Docker on one Ubuntu server. "
            "Which layers do they share? Tick all that apply."
        ),
        "options": [
            "The hardware",
            "The Ubuntu host's kernel",
            "The Docker engine",
            "A guest kernel inside a VM",
        ],
        "answer_hash": "673f2f9da19198b60d11214561c0df443f7041ae1468b521eea3f13e0355352d",
        "feedback": {
            "The hardware": "Everything on one server shares its CPUs, memory and disks.",
            "The Ubuntu host's kernel": (
                "Plain containers are processes of the host: they all call into the same kernel."
            ),
            "The Docker engine": "One engine started both of them and manages both.",
            "A guest kernel inside a VM": (
                "There is no VM in this stack: nothing between the containers and the host's "
                "kernel but that kernel's own fences (namespaces, capabilities, seccomp, "
                "AppArmor or SELinux)."
            ),
        },
        "multiple": True,
    },
    "l05-rank": {
        "prompt": "Which list runs from the weakest to the strongest isolation?",
        "options": [
            "process < container < sandbox < vm < hardware",
            "container < process < vm < sandbox < hardware",
            "process < vm < container < sandbox < hardware",
            "hardware < vm < sandbox < container < process",
        ],
        "answer_hash": "d479b84c9504ba0b62c502aa84bd3b32ac536d5948170c918af2c806c2ba9cbc",
        "feedback": {
            "process < container < sandbox < vm < hardware": (
                "Each step puts one more layer between two workloads: namespaces, then a "
                "user-space kernel, then a hypervisor, then separate machines."
            ),
            "container < process < vm < sandbox < hardware": (
                "A plain process has less around it than a container: a container is a "
                "process plus namespaces, dropped capabilities, seccomp and a security "
                "profile, with cgroups capping its resources."
            ),
            "process < vm < container < sandbox < hardware": (
                "A container still shares the host kernel; a VM has a kernel of its own. "
                "Which one leaves less to share?"
            ),
            "hardware < vm < sandbox < container < process": (
                "This list is upside down: separate machines share nothing at all."
            ),
        },
        "multiple": False,
    },
    "l05-hyperv-isolation": {
        "prompt": (
            "What does Hyper-V isolation give a Windows container that process isolation does not?"
        ),
        "options": [
            "A Windows kernel of its own, inside a small utility VM",
            "The ability to run Linux apps on the Windows host kernel",
            "Faster start-up than process isolation",
            "A faster copy of the host's kernel, shared with the other containers",
        ],
        "answer_hash": "5231b2e69ec3dff6b7bc37de08ee6b679fb7f06b8e0e4c6791a126b43ca7aa66",
        "feedback": {
            "A Windows kernel of its own, inside a small utility VM": (
                "Each container gets a lightweight VM with its own kernel, so an attacker "
                "must cross a hypervisor, not just the shared kernel's system calls."
            ),
            "The ability to run Linux apps on the Windows host kernel": (
                "A Windows kernel cannot run Linux binaries; validate iis and nginx side by "
                "side on a Windows host and read the problem."
            ),
            "Faster start-up than process isolation": (
                "A VM per container is extra work and memory: Hyper-V isolation costs more, "
                "it does not save. (No reliable published start-time figure exists for it.)"
            ),
            "A faster copy of the host's kernel, shared with the other containers": (
                "Sharing the host kernel is exactly what process isolation does. Hyper-V "
                "isolation stops that sharing."
            ),
        },
        "multiple": False,
    },
    "l05-gvisor": {
        "prompt": "Why does gVisor shrink a container's attack surface on the host kernel?",
        "options": [
            "It runs every container in a full virtual machine",
            "A user-space kernel answers the container's system calls, using few host calls itself",
            "It removes the host kernel altogether",
            "It encrypts every system call",
        ],
        "answer_hash": "668f8ec703dae298c171daeb9ac266000650970608828c1576019890abb321d5",
        "feedback": {
            "It runs every container in a full virtual machine": (
                "That is what Kata Containers and Firecracker do. gVisor stays a process on "
                "the host."
            ),
            (
                "A user-space kernel answers the container's system calls, using few host "
                "calls itself"
            ): (
                "The Sentry handles the container's calls itself; the host kernel sees only "
                "the few calls the Sentry needs (ANJ20 counted them in 2019-2020, before "
                "gVisor's systrap platform of 2023)."
            ),
            "It removes the host kernel altogether": (
                "The host kernel still runs everything; gVisor only narrows what the "
                "container can ask of it."
            ),
            "It encrypts every system call": (
                "Encryption protects data in transit; it does nothing to stop a malicious "
                "call from reaching kernel code."
            ),
        },
        "multiple": False,
    },
}
