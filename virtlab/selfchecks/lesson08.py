"""Self-checks of lesson 08 (under the hood): PID 1 in a PID namespace, whose kernel a
container and a VM run, what a cgroup memory limit does.

Generated with salted answer hashes (``virtlab.answers.answer_hash``): the right option is not
readable here. See ``virtlab.selfchecks`` for the format. Every answer holds on any machine:
live or recorded, the experiments show the same facts.
"""

from __future__ import annotations

from typing import Any

CHECKS: dict[str, dict[str, Any]] = {
    "l08-pid-one": {
        "prompt": (
            "The command inside the new PID namespace prints its own PID. What does it print,"
            " on any Linux machine?"
        ),
        "options": [
            "1: it is the first process of its PID namespace",
            "The same number the host sees for it",
            "0, because containers have no PID",
            "A random number chosen by unshare",
        ],
        "answer_hash": "1adb2eea7c101561f9b83e02ba8e891bf670ac2d3276bd01a3988b1059843386",
        "feedback": {
            "1: it is the first process of its PID namespace": (
                "Inside its own PID namespace the first process is PID 1; the host still counts "
                "it under another number."
            ),
            "The same number the host sees for it": (
                "Compare the two numbers the lesson printed: the host sees the same process under"
                " a different PID."
            ),
            "0, because containers have no PID": (
                "A container is an ordinary process: it has a PID, two in fact (one inside, one "
                "on the host)."
            ),
            "A random number chosen by unshare": (
                "PIDs in a new PID namespace start at 1, like after boot."
            ),
        },
        "multiple": False,
    },
    "l08-kernel": {
        "prompt": (
            "A container on this machine and the tiny VM both print uname -r. What does the "
            "lesson show?"
        ),
        "options": [
            "The container prints the host's kernel release; the VM runs a kernel of its own",
            "Both print the host's kernel release",
            "Both have a kernel of their own",
            "The container has its own kernel; the VM shares the host's",
        ],
        "answer_hash": "6b1a4d283d8d0b6296f35befb75275591b97c8a398ea0e1c084eab09ad2955b9",
        "feedback": {
            "The container prints the host's kernel release; the VM runs a kernel of its own": (
                "Namespaces change what a process sees, not which kernel serves it; the VM booted"
                " its own kernel, which had been up for only seconds."
            ),
            "Both print the host's kernel release": (
                "Even if the VM boots the same kernel file, it is a second kernel that just "
                "started: look at its uptime."
            ),
            "Both have a kernel of their own": (
                "A container has no kernel to boot: namespaces are a feature of the host's one "
                "kernel."
            ),
            "The container has its own kernel; the VM shares the host's": (
                "It is the other way round: the hypervisor gives the VM virtual hardware to boot "
                "its own kernel on."
            ),
        },
        "multiple": False,
    },
    "l08-cgroup": {
        "prompt": (
            "The memory hog asked for 200 MB inside a cgroup limited to 64 MB. Who stopped it?"
        ),
        "options": [
            "The kernel's out-of-memory killer, with SIGKILL",
            "Python, with a MemoryError it could catch",
            "The hypervisor",
            "Nobody: a limit only slows a process down",
        ],
        "answer_hash": "28edd9644cd5b44fbcbac40234455b7c838e78ff4c9aa6b8d275587a05421acb",
        "feedback": {
            "The kernel's out-of-memory killer, with SIGKILL": (
                "When a cgroup cannot reclaim memory below its limit the kernel kills a process "
                "in it; SIGKILL cannot be caught."
            ),
            "Python, with a MemoryError it could catch": (
                "A MemoryError comes from a failed allocation (e.g. an address-space limit). The "
                "cgroup lets allocation succeed and kills when pages are used."
            ),
            "The hypervisor": "There is no hypervisor here: cgroups are part of the host's kernel.",
            "Nobody: a limit only slows a process down": (
                "CPU limits slow down; a memory limit that cannot be met ends in a kill (see "
                "'killed: yes')."
            ),
        },
        "multiple": False,
    },
}
