"""How a hypervisor runs a guest, and where the time goes: techniques, VM exits, page walks.

A guest's code runs on the real CPU; the costs come from the moments it cannot: a sensitive
instruction, a page-table change, a device access. How often those moments happen and how much
each costs depends on the *technique*: binary translation, paravirtualization, hardware
virtualization (VT-x/AMD-V) with or without nested paging (EPT/NPT), paravirtual devices
(virtio) or device passthrough.

:func:`slowdown` answers "how much slower than native is this workload with this technique?"
only from published measurements in :mod:`virtlab.data`, each ratio computed from a native and
a virtualized figure *of the same paper*. Where no reliable figure exists the answer says so
(``figure is None``) and never guesses. :func:`mix` combines several workloads; its result is
derived arithmetic that mixes sources, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from virtlab import data


@dataclass(frozen=True)
class Instruction:
    """An x86 instruction as Popek and Goldberg would classify it (POP74; ROB00 for x86).

    *Sensitive*: it reads or changes the machine's configuration (privilege, memory mapping,
    interrupts, devices). *Privileged*: run outside the most privileged mode, it traps.
    """

    name: str
    does: str
    sensitive: bool
    privileged: bool

    @property
    def breaks_trap_and_emulate(self) -> bool:
        """Sensitive but not privileged: it misbehaves silently instead of trapping."""
        return self.sensitive and not self.privileged


# A few of the Pentium's instructions, before VT-x. ROB00 lists 17 sensitive, unprivileged
# ones; POPF, PUSHF, SGDT, SIDT and SMSW are among them.
X86_EXAMPLES = (
    Instruction("ADD", "adds two numbers", sensitive=False, privileged=False),
    Instruction("MOV to CR3", "loads a new page-table root", sensitive=True, privileged=True),
    Instruction("LGDT", "loads the global descriptor table register", True, True),
    Instruction("HLT", "halts the CPU until the next interrupt", True, True),
    Instruction(
        "POPF",
        "loads the flags; run deprivileged it leaves the interrupt flag unchanged, no trap",
        True,
        False,
    ),
    Instruction("PUSHF", "stores the flags, showing the real interrupt flag", True, False),
    Instruction(
        "SGDT",
        "stores the global descriptor table's address: the VMM's, not the guest's",
        True,
        False,
    ),
    Instruction("SIDT", "stores the interrupt descriptor table's address", True, False),
    Instruction("SMSW", "stores the machine status word (the low bits of CR0)", True, False),
)


def breaks_trap_and_emulate(instructions: tuple[Instruction, ...] = X86_EXAMPLES) -> list[str]:
    """The names of the instructions that violate Popek and Goldberg's condition."""
    return [i.name for i in instructions if i.breaks_trap_and_emulate]


TECHNIQUES = ("bt", "paravirt", "vtx", "vtx-ept", "virtio", "passthrough")
TECHNIQUE_NAMES = {
    "bt": "binary translation (VMware, before VT-x)",
    "paravirt": "paravirtualization (Xen, before VT-x)",
    "vtx": "VT-x, first generation (no EPT)",
    "vtx-ept": "VT-x with EPT, emulated devices",
    "virtio": "VT-x with EPT + virtio devices",
    "passthrough": "VT-x with EPT + device passthrough",
}
WORKLOADS = (
    "cpu-loop",
    "syscall",
    "fork",
    "context-switch",
    "kernel-build",
    "web-serving",
    "random-disk-io",
    "network-round-trip",
)
WORKLOAD_NAMES = {
    "cpu-loop": "CPU loop (Linpack)",
    "syscall": "system calls",
    "fork": "process creation (fork)",
    "context-switch": "context switches",
    "kernel-build": "Linux kernel build",
    "web-serving": "web serving (SPECweb99)",
    "random-disk-io": "random 4 kB disk reads",
    "network-round-trip": "network round trips",
}
# What traps, per workload: the mechanism the figures reflect (architecture, not measurement).
WHAT_EXITS = {
    "cpu-loop": "almost nothing: arithmetic runs directly on the CPU under every technique",
    "syscall": (
        "under VT-x a guest's system call stays in the guest (no exit); with binary "
        "translation it enters the VMM first; Xen lets the guest kernel register a fast "
        "handler that the CPU calls directly (BAR03)"
    ),
    "fork": (
        "page-table writes: without nested paging the VMM must trap them to keep its shadow "
        "page tables in step (copy-on-write faults, new address spaces)"
    ),
    "context-switch": (
        "each switch loads a new page-table root (CR3): a trap without nested paging, none with it"
    ),
    "kernel-build": "a mix: many processes (fork, exec, page faults) and file I/O",
    "web-serving": "a mix: network and disk requests through virtual devices, plus processes",
    "random-disk-io": (
        "each request reaches the virtual disk: a VM exit and a trip to the device model "
        "(QEMU for KVM), then an interrupt back into the guest"
    ),
    "network-round-trip": (
        "each packet sent and received crosses the virtual network device: exits, a trip to "
        "the device model or vhost, and an injected interrupt"
    ),
}
# These techniques change only the device path: CPU-only work runs as under VT-x with EPT.
_DEVICE_ONLY = {"virtio", "passthrough"}
_CPU_ONLY = {"cpu-loop", "syscall", "fork", "context-switch"}

# (native id, virtualized id, higher value is better) per cell with a published figure.
_FIGURES: dict[tuple[str, str], tuple[str, str, bool]] = {
    ("cpu-loop", "vtx-ept"): ("fel14-linpack-native", "fel14-linpack-kvm-tuned", True),
    ("syscall", "bt"): (
        "bar03-lmbench-null-syscall-native",
        "bar03-lmbench-null-syscall-vmware-workstation",
        False,
    ),
    ("syscall", "paravirt"): (
        "bar03-lmbench-null-syscall-native",
        "bar03-lmbench-null-syscall-xen",
        False,
    ),
    ("fork", "bt"): ("ada06-forkwait-native", "ada06-forkwait-software-vmm", False),
    ("fork", "paravirt"): ("bar03-lmbench-fork-native", "bar03-lmbench-fork-xen", False),
    ("fork", "vtx"): ("ada06-forkwait-native", "ada06-forkwait-hardware-vmm", False),
    ("context-switch", "bt"): (
        "bar03-lmbench-context-switch-native",
        "bar03-lmbench-context-switch-vmware-workstation",
        False,
    ),
    ("context-switch", "paravirt"): (
        "bar03-lmbench-context-switch-native",
        "bar03-lmbench-context-switch-xen",
        False,
    ),
    ("kernel-build", "bt"): (
        "bar03-linux-build-native",
        "bar03-linux-build-vmware-workstation",
        False,
    ),
    ("kernel-build", "paravirt"): ("bar03-linux-build-native", "bar03-linux-build-xen", False),
    ("web-serving", "bt"): (
        "bar03-specweb99-native",
        "bar03-specweb99-vmware-workstation",
        True,
    ),
    ("web-serving", "paravirt"): ("bar03-specweb99-native", "bar03-specweb99-xen", True),
    ("random-disk-io", "virtio"): (
        "fel14-fio-rand-read-native",
        "fel14-fio-rand-read-kvm",
        True,
    ),
    ("network-round-trip", "virtio"): ("fel14-tcp-rr-native", "fel14-tcp-rr-kvm", False),
}


@dataclass(frozen=True)
class Slowdown:
    """How many times longer a workload takes with a technique than natively.

    ``figure`` is None when no reliable published figure exists; ``note`` then says why.
    ``guest_share`` and ``overhead_share`` split the time: the part the work itself needs
    (as native) and the part virtualization adds (derived arithmetic: 1/figure and 1-1/figure).
    """

    workload: str
    technique: str
    figure: float | None
    measurement_ids: tuple[str, ...]
    note: str

    @property
    def known(self) -> bool:
        return self.figure is not None

    @property
    def guest_share(self) -> float | None:
        return None if self.figure is None else 1 / self.figure

    @property
    def overhead_share(self) -> float | None:
        return None if self.figure is None else 1 - 1 / self.figure

    def cite(self) -> str:
        return data.cite(*self.measurement_ids) if self.measurement_ids else ""

    def describe(self) -> str:
        name = f"{WORKLOAD_NAMES[self.workload]} with {TECHNIQUE_NAMES[self.technique]}"
        if self.figure is None:
            return f"{name}: no reliable figure. {self.note}"
        return f"{name}: {self.figure:.2f}× native time ({self.cite()}). {self.note}".strip()


def _check(workload: str, technique: str) -> None:
    if workload not in WORKLOADS:
        raise ValueError(f"Unknown workload {workload!r}; workloads: {', '.join(WORKLOADS)}.")
    if technique not in TECHNIQUES:
        raise ValueError(f"Unknown technique {technique!r}; techniques: {', '.join(TECHNIQUES)}.")


def _ratio(native_id: str, virtual_id: str, higher_is_better: bool) -> float:
    native, virtual = data.value(native_id), data.value(virtual_id)
    # Throughput (IOPS, a score) becomes time per unit of work: its inverse.
    return native / virtual if higher_is_better else virtual / native


@cache
def slowdown(workload: str, technique: str) -> Slowdown:
    """The published slowdown of ``workload`` under ``technique`` (see the module docstring)."""
    _check(workload, technique)
    source_cell = (workload, technique)
    note = ""
    if technique in _DEVICE_ONLY and workload in _CPU_ONLY:
        # virtio and passthrough change the device path only; the CPU side is VT-x with EPT
        source_cell = (workload, "vtx-ept")
        note = "Same as VT-x with EPT: this technique changes only how devices are reached."
    figure = _FIGURES.get(source_cell)
    if figure is None:
        return Slowdown(workload, technique, None, (), note or _missing(workload, technique))
    native_id, virtual_id, higher = figure
    if workload == "cpu-loop":
        note = (note + " FEL14's tuned KVM guest, configured to match the host's CPUs.").strip()
    if technique in {"bt", "paravirt"} and native_id.startswith("bar03"):
        note = (note + " 2003 hardware; VMware Workstation 3.2 for BT, a hosted product.").strip()
    if technique == "virtio":
        note = (note + " KVM with QEMU 1.5 in 2014, as FEL14 ran it.").strip()
    return Slowdown(
        workload, technique, _ratio(native_id, virtual_id, higher), (native_id, virtual_id), note
    )


def _missing(workload: str, technique: str) -> str:
    if technique == "passthrough":
        return "This course has no peer-reviewed figure for device passthrough."
    if workload in {"random-disk-io", "network-round-trip"} and technique != "virtio":
        return "The papers this course cites did not measure this pairing."
    return "The papers this course cites did not measure this pairing; none is invented."


def table() -> dict[str, dict[str, Slowdown]]:
    """Every workload × technique cell: ``table()[workload][technique]``."""
    return {wl: {t: slowdown(wl, t) for t in TECHNIQUES} for wl in WORKLOADS}


@dataclass(frozen=True)
class Mix:
    """A weighted mix of workloads under one technique.

    ``parts[workload] = (native time, added time)`` in the mix's units (weights are native
    time shares that sum to 1). ``missing`` names the workloads with no figure; then ``total``
    is None, because a total that silently drops a part would be wrong.
    """

    technique: str
    weights: dict[str, float]
    parts: dict[str, tuple[float, float]]
    missing: tuple[str, ...]
    measurement_ids: tuple[str, ...]

    @property
    def total(self) -> float | None:
        if self.missing:
            return None
        return sum(native + added for native, added in self.parts.values())

    def cite(self) -> str:
        return data.cite(*self.measurement_ids) if self.measurement_ids else ""


def mix(weights: Mapping[str, float], technique: str) -> Mix:
    """Time of a workload mix under ``technique``, relative to native (1.0 = native).

    ``weights`` give each workload's share of the *native* run time, for example
    ``{"cpu-loop": 0.8, "random-disk-io": 0.2}``; they are normalised to sum to 1. The result
    is derived arithmetic over ratios from different papers and machines: an illustration of
    where the time goes, not a prediction.
    """
    if not isinstance(weights, Mapping) or not weights:
        raise ValueError("weights must be a non-empty dict {workload: share of native time}.")
    for workload, share in weights.items():
        _check(workload, technique)
        if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0:
            raise ValueError(f"The share of {workload!r} must be a number >= 0, got {share!r}.")
    total = float(sum(weights.values()))
    if total <= 0:
        raise ValueError("At least one workload needs a share above 0.")
    shares = {wl: float(s) / total for wl, s in weights.items() if s > 0}
    parts: dict[str, tuple[float, float]] = {}
    missing: list[str] = []
    ids: list[str] = []
    for workload, share in shares.items():
        cell = slowdown(workload, technique)
        if cell.figure is None:
            missing.append(workload)
            continue
        parts[workload] = (share, share * (cell.figure - 1))
        ids.extend(i for i in cell.measurement_ids if i not in ids)
    return Mix(technique, shares, parts, tuple(missing), tuple(ids))


def page_walk_references(guest_levels: int = 4, host_levels: int = 4) -> int:
    """Memory references of one worst-case two-dimensional page walk (no caching).

    Each of the guest's ``guest_levels`` table entries, and the final guest-physical address,
    must itself be translated through the host's ``host_levels`` nested tables, and then read:
    ``(guest_levels + 1) * (host_levels + 1) - 1``. With 4 and 4 that is 24 (BHA08), against 4
    for a native walk. Nested paging saves the VM exits of shadow paging but makes each TLB
    miss dearer, which is why TLBs and page-walk caches matter so much for VMs.
    """
    for name, levels in (("guest_levels", guest_levels), ("host_levels", host_levels)):
        if isinstance(levels, bool) or not isinstance(levels, int) or levels < 1:
            raise ValueError(f"{name} must be a whole number of page-table levels >= 1.")
    return (guest_levels + 1) * (host_levels + 1) - 1
