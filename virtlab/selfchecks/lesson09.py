"""Self-checks of lesson 09 (how the boundaries are built): trap-and-emulate, first-generation
VT-x, image layers, and which isolation level would have contained a real escape. Answers are
stored as salted hashes only."""

from virtlab.selfchecks import define

CHECKS: dict[str, dict] = {
    "l09-popek-goldberg": define(
        "Why could x86 processors before VT-x not be virtualized by classic trap-and-emulate?",
        [
            (
                "x86 had no privileged instructions at all",
                (
                    "It had them (loading page tables, for one) and they trapped correctly. The "
                    "trouble was the sensitive instructions that were not privileged."
                ),
            ),
            (
                (
                    "Some sensitive instructions, such as POPF and SGDT, did not trap when run "
                    "deprivileged: they quietly did something else"
                ),
                (
                    "Popek and Goldberg require every sensitive instruction to trap; ROB00 found "
                    "17 on the Pentium that did not, so a VMM never got the chance to emulate "
                    "them."
                ),
            ),
            (
                "The CPUs of the time were too slow to run two operating systems",
                (
                    "Speed was not the obstacle: VMware ran guests on the same CPUs in 1999 by "
                    "translating the instructions that would not trap."
                ),
            ),
            (
                "Page tables could not be changed by software",
                (
                    "Kernels change page tables all the time; a VMM can even make them read-only "
                    "to notice the changes (shadow paging)."
                ),
            ),
        ],
        "171b63d63fed8f24e1f3702f635b754b5978141b80670a728acc690e62516136",
    ),
    "l09-first-vtx": define(
        (
            "On a benchmark that creates processes (forkwait), ADA06 found first-generation VT-x "
            "slower than binary translation. Why?"
        ),
        [
            (
                "VT-x translated every guest instruction before running it",
                (
                    "That is what a binary translator does (for kernel code). VT-x runs the "
                    "guest's instructions directly and exits only on the events the VMM asks for."
                ),
            ),
            (
                "VT-x could not run the guest's user-mode code directly",
                (
                    "It could: user code runs natively under every technique here. The cost sat "
                    "in the kernel's page-table work."
                ),
            ),
            (
                (
                    "Without EPT, page-table updates and address-space switches left the guest in "
                    "costly VM exits; binary translation handled many of them without a trap"
                ),
                (
                    "Each exit saved and reloaded the whole guest state. Nested paging (EPT, NPT) "
                    "later let the guest change its own page tables without exits."
                ),
            ),
            (
                "The guest kernel had to be modified for VT-x",
                (
                    "Modifying the guest is paravirtualization (Xen). VT-x's point was to run "
                    "unmodified guests."
                ),
            ),
        ],
        "147ae92e89b1fbd592f216b381fb07fab3ccb9ad350931af5583e7eb9cbcb082",
    ),
    "l09-shared-layers": define(
        (
            "A host has pulled python-web. You now pull python-worker, built on the same Debian "
            "and Python layers. What is downloaded?"
        ),
        [
            (
                "The whole image again, since every image is one archive",
                (
                    "An image is a manifest listing separate layers by digest; the registry "
                    "serves each layer on its own."
                ),
            ),
            (
                "Nothing: images with the same base are the same image",
                (
                    "The worker's code layer differs, so its manifest and digest differ too; that "
                    "layer must be fetched."
                ),
            ),
            (
                "Only the base layer, in case it changed",
                (
                    "A digest cannot hide a change: different bytes give a different digest. A "
                    "layer with the same digest is the same layer."
                ),
            ),
            (
                (
                    "Only the worker's own layer: the other two are already stored under the same "
                    "digests"
                ),
                (
                    "Layers are named by the SHA-256 of their content, so the host sees at once "
                    "that it holds them."
                ),
            ),
        ],
        "7e884bf52e22a4dac92a18acc424aadca58848828e42b829786338b695c9b607",
    ),
    "l09-contained": define(
        (
            "Running every container in its own VM (Kata Containers) would have contained all but "
            "one of these. Which one would it NOT have contained?"
        ),
        [
            (
                "runc's /proc/self/exe overwrite (CVE-2019-5736)",
                (
                    "Contained at the vm level: with a VM per container, what the attacker can "
                    "overwrite lives in the guest, not on the host."
                ),
            ),
            (
                "Dirty Pipe (CVE-2022-0847)",
                (
                    "Contained at the vm level: the bug is in the kernel, and each VM has a "
                    "kernel of its own."
                ),
            ),
            (
                "L1 Terminal Fault between VMs (CVE-2018-3646)",
                (
                    "Right: L1TF leaks through the L1 cache of a shared core, across the VM "
                    "boundary. Separate machines, or L1D flushes with SMT off or core scheduling, "
                    "were needed."
                ),
            ),
            (
                "Leaky Vessels (CVE-2024-21626)",
                (
                    "Contained at the vm level: the leaked descriptor and the file system it "
                    "opens would be the guest's, not the host's."
                ),
            ),
        ],
        "35e17cdcd79d544c49c55ebdde7a777ed9baa039aae6e175e1fd005479d5cad8",
    ),
}
