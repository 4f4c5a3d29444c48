"""Self-checks of lesson 02 (Type 1 hypervisors). Answers are stored as salted hashes only."""

from virtlab.selfchecks import define

CHECKS: dict[str, dict] = {
    "l02-guest-view": define(
        (
            "A VM is given 4 vCPUs and 8 GB of memory on a 16-core, 64 GB server. "
            "What does its guest OS see?"
        ),
        [
            (
                ("A machine with 4 CPUs and 8 GB of memory, which it uses as if they were real"),
                (
                    "The hypervisor presents virtual hardware of exactly that size "
                    "and maps it onto the real cores and memory behind the guest's "
                    "back."
                ),
            ),
            (
                "All 16 cores and 64 GB, shared with the other guests",
                ("A guest only sees the virtual hardware its VM was given, never the whole host."),
            ),
            (
                ("4 physical cores reserved for it alone, which no other VM may ever use"),
                (
                    "vCPUs are scheduled onto whichever physical cores are free; they"
                    " are not reserved unless an administrator pins them."
                ),
            ),
            (
                ("No CPU at all: it must ask the hypervisor to run every instruction"),
                (
                    "With hardware support the guest's instructions run directly on "
                    "the real CPU; the hypervisor steps in only for privileged "
                    "operations."
                ),
            ),
        ],
        "5e1811dea21dc5651ee9a9a364558345514fa7404d40663459eab4c6d9723cc5",
    ),
    "l02-kvm-type1": define(
        (
            "You install Ubuntu on a server and then use KVM. Why is KVM still "
            "counted as a Type 1 hypervisor?"
        ),
        [
            (
                (
                    "KVM is a module of the Linux kernel, so Linux itself becomes the"
                    " hypervisor, running with full hardware privilege"
                ),
                (
                    "The hypervisor is part of the kernel that runs directly on the "
                    "hardware; there is no separate host OS underneath it. (The label is "
                    "debated; lesson 02 says why this course picks Type 1.)"
                ),
            ),
            (
                ("KVM is an ordinary application on Linux, like VirtualBox on Windows"),
                (
                    "The part that virtualises CPU and memory runs inside the kernel,"
                    " not as an app; helper programs such as QEMU only emulate "
                    "devices."
                ),
            ),
            (
                "Any hypervisor used on a server is Type 1",
                (
                    "The type is about where the hypervisor runs, not where it is "
                    "used: VirtualBox on a server is still Type 2."
                ),
            ),
            (
                "KVM replaces Linux with its own kernel at boot",
                "Linux keeps its own kernel; KVM is loaded into it as a module.",
            ),
        ],
        "f72b2c11cf644f2aca8ff5bbdf9e2009ec6fd8d4134df508fa494c79a82170a1",
    ),
    "l02-hyperv-root": define(
        ("On a Windows server with Hyper-V enabled, where does the Windows you log in to run?"),
        [
            (
                "In the privileged root (parent) partition, above the hypervisor",
                (
                    "Hyper-V slides underneath Windows; that Windows becomes the "
                    "management OS, with the right to create and manage the other "
                    "partitions."
                ),
            ),
            (
                "Underneath Hyper-V, which runs on it as an application",
                (
                    "That would make Hyper-V Type 2; in fact the hypervisor boots "
                    "first and runs directly on the hardware."
                ),
            ),
            (
                "In an ordinary guest VM with no special rights",
                (
                    "It is a partition, but not an ordinary one: it manages the "
                    "guests and owns device access."
                ),
            ),
            (
                "Nowhere: Hyper-V replaces Windows",
                ("You still log in to Windows: it keeps running, now as the root partition."),
            ),
        ],
        "bce02a50c748014618121c64ddaddb115bef9c9f491a664659a4c651ffdb1910",
    ),
    "l02-overcommit": define(
        ("Three VMs of 24 GB each run on a 64 GB ESXi host. What does validate() say, and why?"),
        [
            (
                (
                    "A warning: memory is overcommitted; it works only while the "
                    "guests do not all use their memory at once"
                ),
                (
                    "Guests rarely use all their memory together, so hypervisors allow "
                    "promises above the host's size and reclaim memory when it runs short "
                    "(ballooning, compression, swapping). Some may also share identical "
                    "pages between VMs, though that is often switched off (lesson 02)."
                ),
            ),
            (
                "An error: a hypervisor can never promise more memory than it has",
                (
                    "Hypervisors allow it on purpose, to pack more VMs on a host: a "
                    "risk, not a mistake. (Hyper-V's Dynamic Memory overcommits too; "
                    "what it refuses is to start a VM whose startup memory is not free.)"
                ),
            ),
            (
                "Nothing: the hypervisor quietly gives each VM a third of 64 GB",
                ("Each guest sees the full 24 GB it was promised; nothing is silently divided."),
            ),
            (
                "An error: each VM asks for more memory than the host has",
                ("Each VM alone (24 GB) fits in 64 GB; only the total is too large."),
            ),
        ],
        "c4a86cd084faa2807d80d10f453a24041d6bb777ea8e57d3db2488fa95cd1768",
    ),
}
