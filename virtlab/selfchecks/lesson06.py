"""Self-checks of lesson 06 (overhead and density): reading FEL14, the density argument, and honest
caveats.

Generated with salted answer hashes (``virtlab.answers.answer_hash``): the right option is not
readable here. See ``virtlab.selfchecks`` for the format.
"""

from __future__ import annotations

from typing import Any

CHECKS: dict[str, dict[str, Any]] = {
    "l06-cpu": {
        "prompt": (
            "In FEL14's measurements, how did Docker compare with native Linux on CPU-bound "
            "work such as Linpack?"
        ),
        "options": [
            "About the same as native",
            "About a fifth slower",
            "About half as fast",
            "Faster than native by a third",
        ],
        "answer_hash": "752c24519cfb34070c14838789f74876a4f82c9bb72d3df69ebdaf4b489c6f64",
        "feedback": {
            "About the same as native": (
                "A container's code runs directly on the CPU as an ordinary process, so there"
                " is almost nothing in the way."
            ),
            "About a fifth slower": (
                "That is closer to untuned KVM in the same table. Look again at the Docker bar."
            ),
            "About half as fast": (
                "No platform in FEL14 lost that much on Linpack. Read the bars again."
            ),
            "Faster than native by a third": (
                "Nothing beats native by that much: a container adds a little, never a third "
                "more speed."
            ),
        },
        "multiple": False,
    },
    "l06-random-io": {
        "prompt": "Where did KVM lose most in FEL14?",
        "options": [
            "Random 4 kB disk reads and writes",
            "Sequential reads of large files",
            "Bulk TCP throughput",
            "The RandomAccess memory test",
        ],
        "answer_hash": "3c2c1f67eea25271844c6a9eae429e1978803502922c9a34b0aa72b306291b79",
        "feedback": {
            "Random 4 kB disk reads and writes": (
                "Many small I/O requests each pass through the virtual device (in FEL14's "
                "set-up, emulated by QEMU beside KVM), so the per-request cost adds up."
            ),
            "Sequential reads of large files": (
                "Large sequential transfers spread the per-request cost over a megabyte each:"
                " all three were within about 1% of each other (FEL14)."
            ),
            "Bulk TCP throughput": (
                "All three reached about the 10 GbE line rate in bulk transfers (FEL14)."
            ),
            "The RandomAccess memory test": (
                "RandomAccess (GUPS) was nearly identical for native, Docker and KVM."
            ),
        },
        "multiple": False,
    },
    "l06-density": {
        "prompt": "Why do many more containers than VMs fit in the same host memory?",
        "options": [
            "Each VM keeps its own guest kernel and OS in memory; containers share the host's",
            "Containers compress their memory",
            "VMs reserve all the host's memory when they start",
            "Containers do not need memory for the application",
        ],
        "answer_hash": "8cfa667d8d33083cb18a5a1edd8537e8a5a284247909088c6cec1137d0313002",
        "feedback": {
            "Each VM keeps its own guest kernel and OS in memory; containers share the host's": (
                "A VM pays for a whole operating system every time; a container pays for "
                "little more than its app."
            ),
            "Containers compress their memory": (
                "Nothing compresses here: containers simply do not duplicate a kernel and OS."
            ),
            "VMs reserve all the host's memory when they start": (
                "A VM gets the memory it was given, not all of the host's, and still many "
                "fewer fit. Why?"
            ),
            "Containers do not need memory for the application": (
                "The app needs the same memory in a container as anywhere else; the "
                "difference is what comes around it."
            ),
        },
        "multiple": False,
    },
    "l06-caveats": {
        "prompt": (
            "BAR03 shows VMware Workstation far behind Xen on fork and context switch. What "
            "does that tell you about VirtualBox or VMware Workstation today?"
        ),
        "options": [
            "They are still several times slower than Xen on fork",
            "Very little: those figures predate hardware-assisted virtualization",
            "Type 2 hypervisors are always faster than Type 1 today",
            "Nothing could ever be measured about Type 2 hypervisors",
        ],
        "answer_hash": "d97ccbfcf6cfadd27090e9a71cd1f243378229dac79416b1a4c8b50a7b7d7db8",
        "feedback": {
            "They are still several times slower than Xen on fork": (
                "That assumes nothing changed since 2003. CPUs gained virtualization "
                "extensions (VT-x, AMD-V) after that paper."
            ),
            "Very little: those figures predate hardware-assisted virtualization": (
                "The figures are history: they compare Xen's paravirtualization with "
                "Workstation's binary translation in 2003, not what a hosted hypervisor costs"
                " now, and our data holds no reliable modern figure."
            ),
            "Type 2 hypervisors are always faster than Type 1 today": (
                "No figure in our data supports that; a Type 2 hypervisor still has a host OS"
                " in the way."
            ),
            "Nothing could ever be measured about Type 2 hypervisors": (
                "It could be measured; our sources simply hold no reliable peer-reviewed "
                "modern figure, and we say so."
            ),
        },
        "multiple": False,
    },
}
