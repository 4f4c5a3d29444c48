"""What isolation costs: memory per instance, start time, density — from published figures.

Every number here is computed from rows of :mod:`virtlab.data` and keeps the ids of those rows,
so a lesson can cite them. Where the sources give no reliable figure (the start time of a
Hyper-V isolated container) the cost says so with ``None`` rather than inventing one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from virtlab import catalog, data
from virtlab.isolation import IsolationLevel
from virtlab.stack import Node

if TYPE_CHECKING:
    from virtlab.stack import Stack


@dataclass(frozen=True)
class IsolationKind:
    """A way to isolate one instance, as this module costs it, and the isolation level of the
    boundary it gives (the vocabulary of :class:`~virtlab.isolation.IsolationLevel`). A
    container runtime names its kind in the catalog (``Product.isolation_kind``), so a new
    runtime of a known kind is costed without code."""

    id: str
    name: str
    level: IsolationLevel


KINDS: dict[str, IsolationKind] = {
    k.id: k
    for k in (
        IsolationKind("process", "plain process", IsolationLevel.PROCESS),
        IsolationKind("container", "container (runc)", IsolationLevel.CONTAINER),
        IsolationKind("sandbox", "gVisor sandbox", IsolationLevel.SANDBOX),
        IsolationKind("kata", "Kata container", IsolationLevel.VM),
        IsolationKind("hyperv-container", "Hyper-V isolated container", IsolationLevel.VM),
        IsolationKind("microvm", "Firecracker microVM", IsolationLevel.VM),
        # MAN17's figure is a minimal guest, not a VM you size yourself: say so in its name
        IsolationKind("vm", "minimal Debian VM (Xen)", IsolationLevel.VM),
    )
}
ISOLATION_KINDS = tuple(KINDS)
ISOLATION_NAMES = {k.id: k.name for k in KINDS.values()}
# The monitor whose per-VM memory stands for a kind of VM when no stack says which one runs it.
_TYPICAL_MONITOR = {"vm": "kvm", "microvm": "firecracker"}


@dataclass(frozen=True)
class Cost:
    """The price of one instance of an isolation kind, beyond the app itself."""

    kind: str
    memory_mb: float
    start_ms: float | None
    sources: tuple[str, ...]
    note: str
    # What the start time leaves out, when it is not a start from nothing (e.g. "pre-configured").
    start_qualifier: str = ""

    def cite(self) -> str:
        return data.cite(*self.sources) if self.sources else "no isolation layer"

    def start_text(self) -> str:
        """``"110 ms (pre-configured)"``, ``"200 ms"`` or ``"no reliable figure"``."""
        if self.start_ms is None:
            return "no reliable figure"
        qualifier = f" ({self.start_qualifier})" if self.start_qualifier else ""
        return f"{self.start_ms:g} ms{qualifier}"


@cache
def cost(kind: str) -> Cost:
    """Per-instance cost of an isolation kind (see ``ISOLATION_KINDS``)."""
    v = data.value
    # MAN17 reports decimal GB for 1,000 instances: GB / 1000 * 1000 = MB per instance.
    docker_mem = v("man17-memory-1000-docker")
    docker_start = v("man17-instantiation-docker")
    table = {
        "process": Cost(
            "process",
            0.0,
            v("man17-instantiation-process"),
            ("man17-instantiation-process",),
            "fork/exec of a process: no isolation layer, so no extra memory",
        ),
        "container": Cost(
            "container",
            docker_mem,
            docker_start,
            ("man17-memory-1000-docker", "man17-instantiation-docker"),
            "1,000 small Docker containers took about 5 GB, so about 5 MB each (the footprint "
            "of a tiny container, not pure isolation overhead)",
        ),
        "sandbox": Cost(
            "sandbox",
            docker_mem + v("vik20-idle-memory-gvisor"),
            docker_start * v("vik20-deploy-time-gvisor"),
            (
                "man17-memory-1000-docker",
                "vik20-idle-memory-gvisor",
                "vik20-deploy-time-gvisor",
                "man17-instantiation-docker",
            ),
            "a container plus gVisor's idle overhead (VIK20); start time: MAN17's Docker start "
            "times VIK20's Kubernetes deploy factor of about 3, which held for two of its three "
            "apps (Redis: about 2x) with gVisor in ptrace mode under nested virtualization "
            "(YOU19 measured only 1.1x for create and teardown, so this mixes papers and is an "
            "upper estimate)",
        ),
        "kata": Cost(
            "kata",
            docker_mem + v("vik20-idle-memory-kata"),
            docker_start * v("vik20-deploy-time-kata"),
            (
                "man17-memory-1000-docker",
                "vik20-idle-memory-kata",
                "vik20-deploy-time-kata",
                "man17-instantiation-docker",
            ),
            "a container plus Kata's idle overhead per pod (VIK20); start time: MAN17's Docker "
            "start times VIK20's deploy factor of about 4, which held for two of its three apps "
            "(Redis: about 2x) (mixes two papers)",
        ),
        "hyperv-container": Cost(
            "hyperv-container",
            v("ms-req-min-memory-nano-server-hyperv")
            - v("ms-req-min-memory-nano-server-process")
            + docker_mem,
            None,
            (
                "ms-req-min-memory-nano-server-hyperv",
                "ms-req-min-memory-nano-server-process",
                "man17-memory-1000-docker",
            ),
            "a container plus the difference between Microsoft's minimum memory to launch a "
            "Nano Server container with and without Hyper-V isolation (a minimum, not a "
            "measured marginal cost); no reliable published start time exists",
        ),
        "microvm": Cost(
            "microvm",
            v("aga20-vmm-memory-firecracker") + v("man17-memory-tinyx"),
            v("aga20-boot-firecracker-median"),
            (
                "aga20-vmm-memory-firecracker",
                "man17-memory-tinyx",
                "aga20-boot-firecracker-median",
                "aga20-boot-firecracker-launch-median",
            ),
            "Firecracker's VMM process (AGA20) plus a minimal Linux guest (MAN17's Tinyx, about "
            "30 MB), and the median boot time of a pre-configured microVM, from the last API "
            "call to guest init (AGA20; from the launch of the VMM it took "
            f"{v('aga20-boot-firecracker-launch-median'):g} ms)",
            start_qualifier="pre-configured",
        ),
        "vm": Cost(
            "vm",
            v("man17-memory-1000-debian-vm"),
            v("man17-create-debian-vm") + v("man17-boot-debian-vm"),
            ("man17-memory-1000-debian-vm", "man17-create-debian-vm", "man17-boot-debian-vm"),
            "a minimal Debian guest on Xen (MAN17): about 114 MB each (its 114 GB for 1,000 "
            "assumes 111 MB per VM), 0.5 s to create and 1.5 s to boot. A VM you configure costs "
            "its own memory plus its hypervisor's per-VM overhead instead (vm_cost_mb)",
        ),
    }
    try:
        return table[kind]
    except KeyError:
        raise ValueError(
            f"Unknown isolation kind {kind!r}; choose from {', '.join(ISOLATION_KINDS)}."
        ) from None


def isolation_kinds_of(workload: Node) -> list[str]:
    """The isolation layers on a workload's path, outermost first (e.g. ["vm", "container"])."""
    kinds: list[str] = []
    for node in workload.path():
        if node.kind == "vm":
            monitor = node.parent
            microvm = monitor is not None and monitor.product and monitor.product.kind == "microvm"
            kinds.append("microvm" if microvm else "vm")
        elif node.kind == "container":
            runtime = node.runtime
            kind = runtime.isolation_kind if runtime is not None else None
            kinds.append(kind if kind in KINDS else "container")
    return kinds or ["process"]


def vmm_measurement(monitor: catalog.Product | None, kind: str = "vm") -> str | None:
    """The measurement id of what a hypervisor spends per VM (a typical one for ``kind``)."""
    if monitor is None:
        monitor = catalog.get(_TYPICAL_MONITOR[kind]) if kind in _TYPICAL_MONITOR else None
    return monitor.vmm_memory if monitor is not None else None


# Measured VMM programs that are not catalog products, as a sentence names them.
_VMM_NAMES = {"qemu": "QEMU"}


def vmm_figure(monitor: catalog.Product | None) -> str | None:
    """Whose measured per-VM overhead a hypervisor is charged, when it is not its own: e.g.
    "QEMU's per-VM overhead as measured by AGA20, standing in for VMware ESXi" (None when the
    figure was measured for this hypervisor, or it has none). The measurement's ``subject``
    says whose figure it is; the catalog's ``vmm`` says which program runs the hypervisor's
    VMs (KVM's are run by QEMU, so QEMU's figure is KVM's own)."""
    if monitor is None or monitor.vmm_memory is None:
        return None
    measured = data.measurement(monitor.vmm_memory)
    if measured.subject in (monitor.id, monitor.vmm):
        return None
    try:
        who = catalog.get(measured.subject).name
    except catalog.UnknownProductError:
        who = _VMM_NAMES.get(measured.subject, measured.subject)
    return (
        f"{who}'s per-VM overhead as measured by {measured.source}, standing in for {monitor.name}"
    )


def vm_cost_mb(memory_gb: float, kind: str = "vm", monitor: catalog.Product | None = None) -> float:
    """What one VM of ``memory_gb`` costs its host: its own memory plus the hypervisor's
    per-VM overhead (AGA20: QEMU about 131 MiB, Firecracker about 2.5 MiB)."""
    measurement = vmm_measurement(monitor, kind)
    return memory_gb * 1024 + (data.value(measurement) if measurement else 0.0)


@dataclass(frozen=True)
class WorkloadCost:
    workload: Node
    kinds: tuple[str, ...]
    memory_mb: float  # isolation cost; a VM's (its memory + per-VM overhead) is split among
    # the workloads inside it
    start_ms: float | None  # cold start: outer layers boot first, then this one
    sources: tuple[str, ...]


@dataclass(frozen=True)
class OverheadReport:
    rows: tuple[WorkloadCost, ...]

    @property
    def total_memory_mb(self) -> float:
        return sum(r.memory_mb for r in self.rows)

    @property
    def slowest_start_ms(self) -> float | None:
        starts = [r.start_ms for r in self.rows]
        return None if any(s is None for s in starts) or not starts else max(starts)

    def sources(self) -> list[str]:
        return sorted({s for r in self.rows for s in r.sources})

    def cite(self) -> str:
        """The sources, and which hypervisors are charged another program's measured per-VM
        overhead (see :func:`vmm_figure`)."""
        return "; ".join([data.cite(*self.sources()), *self.notes()])

    def notes(self) -> list[str]:
        """Which hypervisors are charged another program's figure: "QEMU's per-VM overhead as
        measured by AGA20, standing in for VMware ESXi"."""
        found: list[str] = []
        for row in self.rows:
            for node in row.workload.path():
                if node.kind == "vm" and node.parent is not None:
                    note = vmm_figure(node.parent.product)
                    if note is not None and note not in found:
                        found.append(note)
        return found


def vm_needs_mb(vm: Node) -> tuple[float, float]:
    """What the layers inside a VM ask of its memory: (its guest OS and engines, the apps and
    containers it runs). A VM smaller than their sum cannot hold them (rule
    ``vm-memory-too-small``)."""
    base = work = 0.0
    for node in vm.walk():
        if node is vm or node.host() is not vm:
            continue
        if node.kind in ("app", "container"):
            work += node.memory_mb
        else:
            base += node.memory_mb
    return base, work


def _vm_isolation_mb(vm: Node, kind: str, monitor: catalog.Product | None) -> float:
    """What a VM costs beyond the apps and containers it runs: the memory it reserves that
    they do not ask for (its guest OS, free memory) plus the hypervisor's per-VM overhead.

    A VM too small for its guest OS and apps still costs at least its guest OS: the cost never
    falls below what a working VM needs, however small the VM is set (validate() reports it)."""
    base, work = vm_needs_mb(vm)
    overhead = vm_cost_mb(vm.memory_gb, kind, monitor) - vm.memory_mb
    return max(vm.memory_mb - work, base) + overhead


def vmm_memory_mb(vm: Node) -> float:
    """Memory the hypervisor spends on one VM beyond the VM's own memory (catalog data:
    AGA20's per-VM VMM figures; QEMU's stands in for full hypervisors without a figure)."""
    monitor = vm.parent.product if vm.parent is not None else None
    measurement = monitor.vmm_memory if monitor is not None else None
    return data.value(measurement) if measurement else 0.0


@dataclass(frozen=True)
class MemoryPromise:
    """What the layers on one host (hardware, or a VM holding VMs) ask of its memory, in GB:
    its VMs' own memory, the hypervisor's per-VM overhead, and everything else it hosts (the
    host OS, engines, apps and containers beside the VMs). ``validate()``'s overcommit rule
    and the StackBuilder's summary both read this, so they print the same numbers."""

    vms_gb: float
    vmm_gb: float
    rest_gb: float
    host_gb: float

    @property
    def total_gb(self) -> float:
        return self.vms_gb + self.vmm_gb + self.rest_gb


def memory_promise(host: Node) -> MemoryPromise:
    """The memory the layers hosted by ``host`` ask for (see :class:`MemoryPromise`)."""
    vms = vmm = rest = 0.0
    for node in host.walk():
        if node is host or node.host() is not host:
            continue
        if node.kind == "vm":
            vms += node.memory_gb
            vmm += vmm_memory_mb(node) / 1024
        else:
            rest += node.memory_mb / 1024
    return MemoryPromise(vms, vmm, rest, host.memory_gb)


def memory_promised_gb(stack: Stack) -> tuple[float, float]:
    """Memory the layers on the hardware ask for (VMs with their per-VM overhead, host OS and
    all), and the hardware's memory, in GB over all hosts: what ``validate()``'s overcommit
    rule counts."""
    promises = [memory_promise(host) for host in stack.hosts]
    return sum(p.total_gb for p in promises), sum(p.host_gb for p in promises)


def stack_overhead(stack: Stack) -> OverheadReport:
    """Per-workload isolation costs for a whole stack.

    A VM costs what it was configured with (its memory) plus its hypervisor's per-VM overhead,
    less what the apps and containers in it ask for themselves, shared among them (a guest OS
    with nothing on it costs its whole VM); its start time is MAN17's minimal Debian guest (or
    AGA20's Firecracker boot for a microVM). Containers and sandboxes cost their published
    per-instance figures (:func:`cost`).
    """
    workloads = stack.workloads()
    per_vm: dict[int, int] = {}
    for w in workloads:
        for node in w.path():
            if node.kind == "vm":
                per_vm[id(node)] = per_vm.get(id(node), 0) + 1
    rows = []
    for w in workloads:
        memory = 0.0
        start: float | None = 0.0
        sources: list[str] = []
        kinds = isolation_kinds_of(w)
        vm_nodes = [n for n in w.path() if n.kind == "vm"]
        for i, kind in enumerate(kinds):
            c = cost(kind)
            if kind in ("vm", "microvm") and i < len(vm_nodes):
                vm = vm_nodes[i]
                monitor = vm.parent.product if vm.parent is not None else None
                memory += _vm_isolation_mb(vm, kind, monitor) / per_vm[id(vm)]
                measurement = vmm_measurement(monitor, kind)
                used = [measurement] if measurement else []
                used += [s for s in c.sources if "memory" not in s]  # start-time sources
            else:
                memory += c.memory_mb
                used = list(c.sources)
            start = None if start is None or c.start_ms is None else start + c.start_ms
            sources.extend(s for s in used if s not in sources)
        rows.append(WorkloadCost(w, tuple(kinds), memory, start, tuple(sources)))
    return OverheadReport(tuple(rows))


def per_instance_mb(
    app_memory_mb: float, isolation: str, *, vm_memory_gb: float | None = None
) -> float:
    """Memory one instance of an app needs with this isolation: the app plus the kind's cost
    (:func:`cost`), or, for a VM of ``vm_memory_gb``, the VM (the app runs in its memory)
    plus its hypervisor's per-VM overhead. Density, the memory plots and the explorers all
    count with this one function."""
    if vm_memory_gb is None or isolation not in ("vm", "microvm"):
        return app_memory_mb + cost(isolation).memory_mb
    if isinstance(vm_memory_gb, bool) or not vm_memory_gb > 0:
        raise ValueError(f"vm_memory_gb must be positive, got {vm_memory_gb!r}.")
    if app_memory_mb > vm_memory_gb * 1024:
        raise ValueError(
            f"The app needs {app_memory_mb:g} MB but each VM has {vm_memory_gb:g} GB: "
            "give the VMs more memory."
        )
    return vm_cost_mb(vm_memory_gb, isolation)


def kind_name(kind: str, *, vm_memory_gb: float | None = None) -> str:
    """How an isolation kind is called in a figure or a sentence; a full VM of a chosen size
    is named by that size ("1 GB VM"), not as MAN17's minimal guest."""
    if kind == "vm" and vm_memory_gb is not None:
        return f"{vm_memory_gb:g} GB VM"
    return ISOLATION_NAMES[kind]


def per_instance_cite(isolation: str, *, vm_memory_gb: float | None = None) -> str:
    """The sources of :func:`per_instance_mb` for the same arguments."""
    if vm_memory_gb is None or isolation not in ("vm", "microvm"):
        return cost(isolation).cite()
    measurement = vmm_measurement(None, isolation)
    return data.cite(measurement) if measurement else "the VM's own memory"


def density(
    host: Node | float,
    app: str = "nginx",
    isolation: str = "container",
    *,
    app_memory_mb: float | None = None,
    vm_memory_gb: float | None = None,
) -> int:
    """How many instances of an app fit in a host's memory with this isolation.

    ``host`` is a ``Hardware`` node or a memory size in GB. The app's size comes from the
    catalog unless ``app_memory_mb`` is given. Memory is the only limit counted: CPU is
    usually overcommitted and shared, memory is not.

    For ``"vm"`` and ``"microvm"``, ``vm_memory_gb`` is the size of each VM: the app runs in
    that memory, and each VM also costs its hypervisor's per-VM overhead (:func:`vm_cost_mb`),
    the same figure ``validate()`` counts against the host. Without it a VM is MAN17's
    minimal Debian guest on Xen (about 114 MB) plus the app.
    """
    if isinstance(host, Node):
        memory_gb = host.memory_gb
    elif isinstance(host, (int, float)) and not isinstance(host, bool):
        memory_gb = float(host)
    else:
        raise ValueError(f"host must be vl.Hardware(...) or a memory size in GB, got {host!r}.")
    if memory_gb <= 0:
        raise ValueError(f"host memory must be positive, got {memory_gb:g} GB.")
    if app_memory_mb is None:
        app_memory_mb = catalog.get(app).memory_mb or 0
    if app_memory_mb < 0:
        raise ValueError(f"app_memory_mb must be zero or more, got {app_memory_mb!r}.")
    if vm_memory_gb is not None and isolation not in ("vm", "microvm"):
        raise ValueError(
            f"vm_memory_gb sizes VMs; isolation={isolation!r} runs no VM: leave it out."
        )
    per_instance = per_instance_mb(app_memory_mb, isolation, vm_memory_gb=vm_memory_gb)
    if per_instance <= 0:
        raise ValueError("Each instance must need some memory: give app_memory_mb > 0.")
    return math.floor(memory_gb * 1024 / per_instance)
