"""Self-checks of lesson 01 (Abstraction). Answers are stored as salted hashes only."""

from virtlab.selfchecks import define

CHECKS: dict[str, dict] = {
    "l01-layer-order": define(
        "Which list goes from the bottom of a computer to the top?",
        [
            (
                "hardware → kernel → libraries and tools → apps",
                (
                    "The kernel drives the hardware, libraries and tools call the "
                    "kernel, and apps use the libraries."
                ),
            ),
            (
                "kernel → hardware → apps → libraries and tools",
                ("The kernel runs on the hardware, so the hardware must come first."),
            ),
            (
                "apps → libraries and tools → kernel → hardware",
                "These are the right layers, but listed from the top down.",
            ),
            (
                "hardware → apps → kernel → libraries and tools",
                ("Apps cannot touch the hardware directly: a kernel sits in between."),
            ),
        ],
        "2353ae06d7c3edbbee9c0c0911aa856495bb97bbf0a8a9a37105c2d036f36584",
    ),
    "l01-hypervisor-abstracts": define(
        (
            "A hypervisor lets Windows and Linux run side by side on one server. What"
            " does it abstract?"
        ),
        [
            (
                "The hardware: each VM gets virtual CPUs, memory and disks",
                (
                    "Each guest believes it has a machine of its own, so a whole OS, "
                    "kernel included, boots in every VM."
                ),
            ),
            (
                "The operating-system kernel: the guests share one kernel",
                (
                    "Windows and Linux have different kernels; sharing a kernel is "
                    "what containers do, not VMs."
                ),
            ),
            (
                "The applications: every app is rewritten for the hypervisor",
                "Apps run unchanged in a guest OS: they never see the hypervisor.",
            ),
            (
                "Only the network card",
                ("The network card is virtualised too, but so are the CPUs, memory and disks."),
            ),
        ],
        "619db19cfedb8354be7ba730ff4e2a2e304ddb7e33e079261529a281ec489314",
    ),
    "l01-containers-share": define(
        ("Two containers run on one Linux host. Which layers do they share? Tick every one."),
        [
            (
                "The physical hardware",
                "Everything on one machine shares its hardware.",
            ),
            (
                "The host's kernel",
                (
                    "A container abstracts the kernel: every container on the host "
                    "calls the same one."
                ),
            ),
            (
                "Their libraries and tools (userland)",
                (
                    "Each image carries its own libraries and tools, so two "
                    "containers can use different distributions' userlands."
                ),
            ),
            (
                "Their application code",
                "Each container runs its own app from its own image.",
            ),
        ],
        "4711fea3f2ebc128fb438c9425454c08c05755e79c2aa41f9b67e4bf05419d8a",
        multiple=True,
    ),
}
