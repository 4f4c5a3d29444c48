"""What separates two workloads: the layers they share, the boundary, and its attack surface.

Isolation has a direction. ``isolation(a, b)`` answers: what must an attacker in ``a`` cross to
reach ``b``? The attacker has to break out of every boundary on ``a``'s own path down to the
layer the two share; once there (the shared host kernel, the hypervisor) it controls everything
that layer runs, ``b`` included, whatever ``b``'s own boundaries. So an untrusted job in a Kata
container next to a plain container must escape a VM (level ``vm``), while an attacker in the
plain container only has to escape a container to sit on the host that runs the Kata VM (level
``container``): the matrix of a stack may be asymmetric. The attack surface is the interface
the attacker must cross, with published figures from :mod:`virtlab.data`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from virtlab import data
from virtlab.stack import KERNEL_FAMILY_NAMES, Node


class IsolationLevel(IntEnum):
    PROCESS = 0
    CONTAINER = 1
    SANDBOX = 2
    VM = 3
    HARDWARE = 4

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class SurfaceFigure:
    label: str
    value: float
    unit: str
    measurement_id: str

    @property
    def source(self) -> str:
        return data.measurement(self.measurement_id).cite()

    @property
    def derived(self) -> bool:
        return data.measurement(self.measurement_id).confidence == "D"

    def display(self) -> str:
        """``"about 306 (derived)"`` for derived figures, ``"53"`` otherwise."""
        text = f"{self.value:g}"
        return f"about {text} (derived)" if self.derived else text


@dataclass(frozen=True)
class AttackSurface:
    interface: str
    figures: tuple[SurfaceFigure, ...]

    def describe(self) -> str:
        if not self.figures:
            return self.interface
        parts = [f"{f.label}: {f.display()} ({f.source})" for f in self.figures]
        return f"{self.interface} — " + "; ".join(parts)


def _fig(label: str, measurement_id: str, unit: str = "") -> SurfaceFigure:
    m = data.measurement(measurement_id)
    return SurfaceFigure(label, m.value, unit or m.unit, measurement_id)


def attack_surface(level: IsolationLevel, kernel_family: str = "linux") -> AttackSurface:
    """The interface an attacker crosses at this level, with cited figures.

    At the process and container levels the attacker talks to the shared kernel, so the
    interface depends on its family: the Linux figures (DOCK, ANJ20) say nothing about a
    Windows kernel, whose containers are kept apart by server silos and job objects."""
    if level in (IsolationLevel.PROCESS, IsolationLevel.CONTAINER) and kernel_family == "windows":
        if level == IsolationLevel.PROCESS:
            return AttackSurface(
                "the whole system-call interface of the shared Windows kernel, plus shared "
                "files and users",
                (),
            )
        return AttackSurface(
            "system calls into the shared Windows kernel, narrowed by the server silo and job "
            "object that hold the container",
            (),
        )
    if level == IsolationLevel.PROCESS:
        return AttackSurface(
            "the whole system-call interface of the shared kernel, plus shared files and users",
            (_fig("Linux system calls (more than)", "dock-total-syscalls", "syscalls"),),
        )
    if level == IsolationLevel.CONTAINER:
        return AttackSurface(
            "system calls into the shared host kernel, narrowed by namespaces, dropped "
            "capabilities, seccomp and an LSM (AppArmor or SELinux)",
            (
                _fig("blocked by Docker's default seccomp profile", "dock-blocked-syscalls"),
                _fig("host syscalls an LXC container can reach", "anj20-host-syscalls-lxc"),
            ),
        )
    if level == IsolationLevel.SANDBOX:
        return AttackSurface(
            "a user-space kernel (gVisor's Sentry) that itself uses a short list of host "
            "system calls",
            (
                _fig(
                    "host syscalls gVisor uses without host networking",
                    "anj20-host-syscalls-gvisor",
                ),
            ),
        )
    if level == IsolationLevel.VM:
        return AttackSurface(
            "the hypervisor's interface: hypercalls, trapped instructions (VM exits) and the "
            "virtual devices emulated by the VMM process behind them",
            (
                _fig(
                    "example: KVM hypercall numbers (a small part of its surface)",
                    "kvm-h-hypercalls",
                ),
                _fig("example: Xen hypercall numbers", "xen-h-hypercalls"),
                _fig("example: Firecracker emulated devices (FAQ)", "fc-spec-device-count"),
                _fig(
                    "example: host syscalls Firecracker's VMM uses",
                    "anj20-host-syscalls-firecracker",
                ),
            ),
        )
    return AttackSurface("no shared layer: only the network between two machines", ())


@dataclass(frozen=True)
class Isolation:
    a: Node
    b: Node
    level: IsolationLevel
    shared: tuple[Node, ...]
    shares_kernel: bool
    boundary: str
    surface: AttackSurface
    side_levels: tuple[IsolationLevel, IsolationLevel] = (
        IsolationLevel.HARDWARE,
        IsolationLevel.HARDWARE,
    )
    # How a and b are called in sentences (their stack labels: "nginx", "nginx #2").
    labels: tuple[str, str] = ("", "")

    @property
    def label_a(self) -> str:
        return self.labels[0] or self.a.name

    @property
    def label_b(self) -> str:
        return self.labels[1] or self.b.name

    @property
    def reverse_level(self) -> IsolationLevel:
        """The level the other way round: what an attacker in ``b`` must cross to reach ``a``."""
        return self.side_levels[1]

    @property
    def weakest(self) -> IsolationLevel:
        """The weaker of the two directions: what counts when either side may be hostile."""
        return min(self.side_levels)

    def explain(self) -> str:
        """A few sentences for a learner."""
        shared = ", ".join(n.name for n in self.shared) or "nothing"
        text = (
            f"{self.label_a} and {self.label_b} share: {shared}. {self._kernel_sentence()} "
            f"To reach {self.label_b}, an attacker in {self.label_a} must cross "
            f"{self.boundary}. It attacks {self.surface.interface}."
        )
        if self.side_levels[0] != self.side_levels[1]:
            text += (
                f" The other way round it is different: an attacker in {self.label_b} only has "
                f"to escape its own boundary ({self.reverse_level.label} level) to reach the "
                "layer both share, and that layer controls everything running on it."
                if self.reverse_level < self.level
                else f" The other way round, an attacker in {self.label_b} must first escape its "
                f"own, stronger boundary ({self.reverse_level.label} level)."
            )
        return text

    def _kernel_sentence(self) -> str:
        if self.shares_kernel:
            if IsolationLevel.SANDBOX in self.side_levels and min(self.side_levels) >= 2:
                return (
                    "Each talks to its own user-space kernel (gVisor's Sentry), and both "
                    "Sentries sit on one shared host kernel."
                )
            return "They share one kernel."
        if self.level == IsolationLevel.HARDWARE or min(self.side_levels) >= IsolationLevel.VM:
            return "Each has its own kernel."
        on_host = self.label_a if self.side_levels[0] < self.side_levels[1] else self.label_b
        return f"They do not share one kernel, but {on_host} runs on the host's kernel."


def _side_level(below_shared: list[Node]) -> IsolationLevel:
    """The strongest boundary on one workload's own path, below the shared layers."""
    level = IsolationLevel.PROCESS
    for node in below_shared:
        if node.kind == "vm":
            return IsolationLevel.VM
        if node.kind == "container":
            level = max(level, runtime_level(node.runtime))
    return level


def runtime_level(runtime: object) -> IsolationLevel:
    """The level of the boundary a container runtime gives (catalog ``Product.isolation``)."""
    label = getattr(runtime, "isolation", None)
    return IsolationLevel[label.upper()] if label else IsolationLevel.CONTAINER


_BOUNDARY = {
    IsolationLevel.PROCESS: "ordinary process separation inside one OS (on the {kernel})",
    IsolationLevel.CONTAINER: (
        "the namespaces, dropped capabilities, seccomp filter and LSM (AppArmor or SELinux) of "
        "the shared {kernel} (cgroups limit resources, not system calls)"
    ),
    IsolationLevel.SANDBOX: "gVisor's user-space kernel in front of the host kernel",
    IsolationLevel.VM: (
        "its own VM's guest kernel and then the hypervisor ({hypervisor}) that runs it"
    ),
    IsolationLevel.HARDWARE: "separate physical machines",
}
# What keeps containers apart on a Windows kernel (process isolation): Microsoft Learn,
# "Isolation modes" (Windows containers).
_WINDOWS_CONTAINER_BOUNDARY = (
    "the process isolation of the shared {kernel} (a server silo and job objects per "
    "container); the container can still reach that kernel's system-call interface"
)


def _kernel_words(os_node: Node | None) -> str:
    """ "Linux kernel of the Ubuntu install": a distribution is not a kernel (lesson 01)."""
    if os_node is None or os_node.product is None:
        return "host's kernel"
    family = KERNEL_FAMILY_NAMES.get(os_node.product.kernel or "", os_node.product.kernel or "")
    if not family or os_node.name.startswith(family):
        return f"{os_node.name} kernel"
    return f"{family} kernel of the {os_node.name} install"


def _own_kernel(node: Node) -> Node | object:
    """Identity of the kernel serving a workload (a VM-isolated container has its own)."""
    if node.kind == "container" and node.runtime is not None and node.runtime.isolation == "vm":
        return node
    return node.kernel()


def _shared_prefix(a: Node, b: Node) -> tuple[list[Node], list[Node], list[Node]]:
    path_a, path_b = a.path(), b.path()
    shared: list[Node] = []
    for x, y in zip(path_a, path_b, strict=False):
        if x is not y:
            break
        shared.append(x)
    return shared, path_a, path_b


def levels(a: Node, b: Node) -> tuple[IsolationLevel, IsolationLevel]:
    """Both directions at once, without the explanation: (a → b, b → a). Cheap enough to
    compare every neighbour in a fleet of hundreds."""
    shared, path_a, path_b = _shared_prefix(a, b)
    if not shared:
        return (IsolationLevel.HARDWARE, IsolationLevel.HARDWARE)
    return (_side_level(path_a[len(shared) :]), _side_level(path_b[len(shared) :]))


def isolation(a: Node, b: Node) -> Isolation:
    """What an attacker in workload ``a`` must cross to reach workload ``b`` (same stack)."""
    if a is b:
        raise ValueError("Pick two different workloads to compare.")
    shared, path_a, path_b = _shared_prefix(a, b)
    if not shared:
        sides = (IsolationLevel.HARDWARE, IsolationLevel.HARDWARE)
    else:
        sides = (_side_level(path_a[len(shared) :]), _side_level(path_b[len(shared) :]))
    level = sides[0]  # the attacker in a crosses a's own boundaries; see the module docstring
    kernel_a, kernel_b = _own_kernel(a), _own_kernel(b)
    shares_kernel = kernel_a is not None and kernel_a is kernel_b
    kernel = next((n for n in reversed(shared) if n.kind == "os"), None)
    hypervisor = next((n for n in reversed(shared) if n.kind == "hypervisor"), None)
    if (
        hypervisor is None
        and a.kind == "container"
        and runtime_level(a.runtime) >= IsolationLevel.VM
    ):
        hypervisor = a.runtime  # Kata, Hyper-V isolation: the runtime starts the VM
    family = kernel.product.kernel if kernel is not None and kernel.product else "linux"
    template = _BOUNDARY[level]
    if level == IsolationLevel.CONTAINER and family == "windows":
        template = _WINDOWS_CONTAINER_BOUNDARY
    boundary = template.format(
        kernel=_kernel_words(kernel),
        hypervisor=hypervisor.name if hypervisor else "the VM's monitor",
    )
    label_a, label_b = _labels(a, b)
    return Isolation(
        a,
        b,
        level,
        tuple(shared),
        shares_kernel,
        boundary,
        attack_surface(level, family),
        sides,
        (label_a, label_b),
    )


def _labels(a: Node, b: Node) -> tuple[str, str]:
    """How the two workloads are called in sentences: their stack labels ("nginx #2"), so two
    workloads of the same name stay apart."""
    from virtlab.stack import Stack

    root_a, root_b = a.path()[0], b.path()[0]
    if root_a is root_b and root_a.kind == "hardware":
        labels = Stack(root_a).labels()
        return labels.get(a, a.name), labels.get(b, b.name)
    if a.name == b.name:
        return f"{a.name} (first)", f"{b.name} (second)"
    return a.name, b.name
