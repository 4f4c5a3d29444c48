"""Self-checks of lesson 03 (Type 2 hypervisors). Answers are stored as salted hashes only."""

from virtlab.selfchecks import define

CHECKS: dict[str, dict] = {
    "l03-extra-layer": define(
        (
            "Compared with a Type 1 stack, what extra layer does a Type 2 stack have "
            "between the hypervisor and the hardware?"
        ),
        [
            (
                "A full host OS, such as Windows 10",
                (
                    "The Type 2 hypervisor is an app on a host OS. Its guests' "
                    "instructions still run directly on the CPU (VT-x or AMD-V, through a "
                    "kernel driver, usually its own), but their disk, network and "
                    "scheduling go through the host OS."
                ),
            ),
            (
                "A second hypervisor",
                "There is one hypervisor in each stack.",
            ),
            (
                "A container engine",
                ("A container engine belongs to container stacks (lesson 04), not to VMs."),
            ),
            (
                "None: the two stacks have the same layers",
                ("Look at the two diagrams again: one has an OS box under the hypervisor."),
            ),
        ],
        "2844f956fadd45e78f5c3fabaa52e520a013b4ce739ab1f1ee229255d1f46bc8",
    ),
    "l03-when-type2": define(
        "Where does a Type 2 hypervisor fit well? Tick every one.",
        [
            (
                "A student trying Linux on a Windows laptop",
                "Install an app, keep your desktop: exactly what Type 2 is for.",
            ),
            (
                "A developer testing an app on three operating systems",
                ("Several OSes on the developer's own machine, started and stopped at will."),
            ),
            (
                ("A cloud provider packing hundreds of customer VMs onto each server"),
                (
                    "A dense server farm wants no general-purpose host OS in the way:"
                    " that is Type 1 territory."
                ),
            ),
            (
                "A training lab on ordinary classroom PCs",
                "The PCs keep their normal OS and the lab VMs come and go.",
            ),
        ],
        "eed2697822fabe8160c306d4dd27b6b918b0ec7270001f4ce389ca434b91d0ca",
        multiple=True,
    ),
    "l03-history": define(
        (
            "The Xen paper (BAR03, 2003) measured VMware Workstation far slower than "
            "native on some benchmarks. What can you conclude about Type 2 "
            "hypervisors today?"
        ),
        [
            (
                (
                    "Little: those figures predate hardware virtualization support in"
                    " CPUs, and no reliable modern figure is published"
                ),
                (
                    "In 2003 Workstation rewrote privileged guest code in software "
                    "(binary translation) while Xen ran a modified guest "
                    "(paravirtualization): the gap measures those techniques. Modern CPUs"
                    " (VT-x/AMD-V, then EPT/NPT) do much of that work in hardware, so old"
                    " numbers do not carry over."
                ),
            ),
            (
                "Type 2 hypervisors are still that much slower today",
                (
                    "The measurements are from before Intel VT-x and AMD-V, and they "
                    "compare binary translation with paravirtualization more than hosted "
                    "with bare metal; nothing shows the gap is the same today."
                ),
            ),
            (
                "Type 2 hypervisors are faster than Type 1 today",
                (
                    "Nothing in the sources supports that; the extra host OS layer "
                    "never makes a guest faster."
                ),
            ),
            (
                "VMware Workstation must be a Type 1 hypervisor",
                ("Workstation is a desktop application on a host OS, so it is Type 2."),
            ),
        ],
        "d3d82c090c94095fe01952379cc1d9dcd5cf112116f24cd36970660e3b11ba30",
    ),
}
