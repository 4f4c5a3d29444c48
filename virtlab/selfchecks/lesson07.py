"""Self-checks of lesson 07 (houses and apartments): the analogy and the middle ground.

Generated with salted answer hashes (``virtlab.answers.answer_hash``): the right option is not
readable here. See ``virtlab.selfchecks`` for the format.
"""

from __future__ import annotations

from typing import Any

CHECKS: dict[str, dict[str, Any]] = {
    "l07-plumbing": {
        "prompt": (
            "In the houses-and-apartments picture, what are the building's shared foundation "
            "and plumbing?"
        ),
        "options": [
            "The host kernel",
            "The container image",
            "The hypervisor's virtual devices",
            "The network cable",
        ],
        "answer_hash": "b9ba12269bdee75e88c0903315f9b8dab121c4bfa4451ce1b31441025b58df61",
        "feedback": {
            "The host kernel": (
                "Every apartment (container) hangs off the same kernel: a leak there reaches "
                "every flat."
            ),
            "The container image": (
                "An image is more like the furniture each tenant brings in: it is per "
                "apartment, not shared."
            ),
            "The hypervisor's virtual devices": (
                "Those belong to the houses picture: each VM gets its own virtual devices, "
                "like a house's own connection to the street."
            ),
            "The network cable": (
                "Buildings and houses both connect to the street; the shared part that "
                "matters for isolation is inside the building."
            ),
        },
        "multiple": False,
    },
    "l07-townhouse": {
        "prompt": (
            "Which technologies sit in the middle ground between the apartments and the "
            "detached houses: more separation than a plain container, lighter than a full VM?"
            " Tick all that apply."
        ),
        "options": [
            "Firecracker microVMs",
            "gVisor",
            "Kata Containers",
            "Plain Docker containers with runc",
            "A Type 1 hypervisor with full guest OSes",
        ],
        "answer_hash": "1f72b406ce6874e1a2e68f51e885781803dbea5ea6d49d52b7b734984150db00",
        "feedback": {
            "Firecracker microVMs": (
                "The townhouses: a tiny VM per workload with its own kernel, booting in a "
                "fraction of a second."
            ),
            "gVisor": (
                "Yes, it belongs to the middle ground: more separation than a plain container,"
                " lighter than a VM. In the analogy it is an apartment with a concierge of its"
                " own rather than a townhouse: a user-space kernel stands between the "
                "container and the host kernel, without a VM."
            ),
            "Kata Containers": (
                "Townhouses too: container tooling outside, a lightweight VM with its own "
                "kernel inside."
            ),
            "Plain Docker containers with runc": (
                "These are the apartments themselves: one shared kernel."
            ),
            "A Type 1 hypervisor with full guest OSes": (
                "That is the street of detached houses: each VM with a whole OS."
            ),
        },
        "multiple": True,
    },
    "l07-untrusted": {
        "prompt": (
            "A platform runs short jobs from customers it does not trust, thousands per hour."
            " Which fits best?"
        ),
        "options": [
            "Plain containers with runc: fastest start, good enough",
            "MicroVMs such as Firecracker: a kernel per job and a fast boot",
            "One big VM that all customers share",
            "A Type 2 hypervisor on a developer's laptop",
        ],
        "answer_hash": "044182a3326013fe80fb5505b80f5dfd2685119a7ee26e95c1dee4cb9edafa37",
        "feedback": {
            "Plain containers with runc: fastest start, good enough": (
                "Fast, yes, but hostile jobs would share one kernel: one kernel bug and a job"
                " reaches its neighbours."
            ),
            "MicroVMs such as Firecracker: a kernel per job and a fast boot": (
                "Each job sits behind a hypervisor with a tiny device model, and a"
                " pre-configured microVM still boots in about a tenth of a second (AGA20)."
            ),
            "One big VM that all customers share": (
                "The VM separates customers from the host, not from each other."
            ),
            "A Type 2 hypervisor on a developer's laptop": (
                "A laptop is no platform, and full VMs take seconds to boot."
            ),
        },
        "multiple": False,
    },
}
