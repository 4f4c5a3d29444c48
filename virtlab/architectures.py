"""Architectures: the classic shapes of a stack, each one object that knows how to build it.

An :class:`Architecture` holds everything about one shape (bare metal, Type 1, Type 2,
containers, containers in VMs, Hyper-V isolated containers, microVMs): its label, its default
picture, which settings it uses, which products fit each setting, how to build a stack from a
:class:`Design` and how to recognise a stack it would build. ``ARCHITECTURES`` is the registry,
as ``rules.RULES`` is for rules: a widget (``StackBuilder``) reads it and holds no domain logic
of its own, and a new shape is one new class here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from virtlab import catalog
from virtlab.catalog import Product
from virtlab.stack import (
    DEFAULT_HARDWARE,
    DEFAULT_VM,
    Hardware,
    Node,
    Stack,
    install_type1,
    type1_of,
)

SETTINGS = ("host_os", "hypervisor", "guest_os", "engine", "vm_memory_gb", "vm_count")


@dataclass(frozen=True)
class Design:
    """What a stack of one architecture is made of: the choices a learner makes."""

    architecture: str
    host_os: str | None = None
    hypervisor: str | None = None
    guest_os: str | None = None
    engine: str | None = None
    vm_memory_gb: float = DEFAULT_VM["memory_gb"]
    vm_count: int = 2
    items: tuple[str, ...] = ()
    cores: int = DEFAULT_HARDWARE["cores"]
    memory_gb: float = DEFAULT_HARDWARE["memory_gb"]

    def build(self) -> Stack:
        return ARCHITECTURES[self.architecture].build(self)


def kernel_of(product_id: str | None) -> str | None:
    """The kernel family of an OS (or of what an app needs), None for no product."""
    return catalog.get(product_id).kernel if product_id else None


class Architecture:
    """One shape of stack. Subclasses set the class attributes and override what differs."""

    id: ClassVar[str]
    label: ClassVar[str]
    add_what: ClassVar[str]  # what the learner adds one of: "app", "VM with guest OS", ...
    settings: ClassVar[tuple[str, ...]]  # which of SETTINGS this shape uses
    defaults: ClassVar[dict[str, Any]]

    # ------------------------------------------------------------------ what fits
    def host_oses(self) -> list[Product]:
        return []

    def hypervisors(self, host_os: str | None) -> list[Product]:
        return []

    def guest_oses(self) -> list[Product]:
        return []

    def engines(self, kernel: str | None) -> list[Product]:
        return []

    def items(self, kernel: str | None) -> list[Product]:
        """What can be added, given the kernel the items will run on."""
        return [p for p in catalog.all("app") if p.kernel == kernel]

    def item_kernel(self, design: Design) -> str | None:
        """The kernel family the added items run on (it decides which items fit)."""
        return kernel_of(design.host_os)

    def engine_kernel(self, design: Design) -> str | None:
        return kernel_of(design.host_os)

    def item_label(self, index: int, design: Design) -> str:
        """How item ``index`` is listed ("2. nginx (VM 1)")."""
        return f"{index + 1}. {catalog.get(design.items[index]).name}"

    def default_design(self) -> Design:
        values = {k: v for k, v in self.defaults.items() if k != "items"}
        return Design(self.id, items=tuple(self.defaults["items"]), **values)

    # ------------------------------------------------------------------ build and recognise
    def build(self, design: Design) -> Stack:
        hw = Hardware(cores=design.cores, memory_gb=design.memory_gb)
        self._build_on(hw, design)
        return Stack(hw)

    def _build_on(self, hw: Node, design: Design) -> None:
        raise NotImplementedError

    def _candidate(self, hw: Node) -> dict[str, Any] | None:
        """The settings that would build this hardware's tree, read from its shape."""
        raise NotImplementedError

    def recognise(self, stack: Stack) -> Design | None:
        """The design of this architecture that builds exactly ``stack``, or None."""
        if len(stack.hosts) != 1 or len(stack.hosts[0].children) != 1:
            return None
        hw = stack.hosts[0]
        try:
            found = self._candidate(hw)
            if found is None:
                return None
            design = Design(self.id, cores=hw.cpus, memory_gb=hw.memory_gb, **found)
            return design if self.build(design) == stack else None
        except Exception:  # any odd shape simply is not this architecture
            return None


def _ids(nodes: list[Node]) -> tuple[str, ...]:
    return tuple(n.product.id for n in nodes)


def _guests(hypervisor: Node) -> dict[str, Any]:
    found: dict[str, Any] = {"items": tuple(vm.guest.product.id for vm in hypervisor.children)}
    if hypervisor.children:
        found["vm_memory_gb"] = hypervisor.children[0].memory_gb
    return found


class BareMetal(Architecture):
    id = "bare-metal"
    label = "Bare metal: hardware → OS → apps"
    add_what = "app"
    settings = ("host_os",)
    defaults: ClassVar[dict[str, Any]] = {"host_os": "ubuntu", "items": ["nginx", "postgres"]}

    def host_oses(self) -> list[Product]:
        return catalog.all(kind="os")

    def _build_on(self, hw: Node, design: Design) -> None:
        if design.host_os:
            host = hw.install(design.host_os)
            for app in design.items:
                host.install(app)

    def _candidate(self, hw: Node) -> dict[str, Any] | None:
        top = hw.children[0]
        if top.kind != "os" or not all(k.kind == "app" for k in top.children):
            return None
        return {"host_os": top.product.id, "items": _ids(top.children)}


class Type1(Architecture):
    id = "type1"
    label = "Type 1 hypervisor: hardware → hypervisor → VMs"
    add_what = "VM with guest OS"
    settings = ("hypervisor", "vm_memory_gb")
    defaults: ClassVar[dict[str, Any]] = {
        "hypervisor": "esxi",
        "items": ["windows-10", "ubuntu", "centos"],
    }

    def hypervisors(self, host_os: str | None) -> list[Product]:
        return catalog.all("hypervisor", hypervisor_type=1)

    def items(self, kernel: str | None) -> list[Product]:
        return catalog.all("os")

    def _build_on(self, hw: Node, design: Design) -> None:
        if design.hypervisor:
            hv = install_type1(hw, design.hypervisor)
            for guest in design.items:
                hv.create_vm(guest, memory_gb=design.vm_memory_gb)

    def _candidate(self, hw: Node) -> dict[str, Any] | None:
        hv = type1_of(hw)
        if hv is None:
            return None
        return {"hypervisor": hv.product.id, **_guests(hv)}


class Type2(Architecture):
    id = "type2"
    label = "Type 2 hypervisor: hardware → OS → hypervisor → VMs"
    add_what = "VM with guest OS"
    settings = ("host_os", "hypervisor", "vm_memory_gb")
    defaults: ClassVar[dict[str, Any]] = {
        "host_os": "windows-10",
        "hypervisor": "virtualbox",
        "items": ["ubuntu"],
    }

    def host_oses(self) -> list[Product]:
        kernels = {k for p in catalog.all("hypervisor", hypervisor_type=2) for k in p.hosts}
        return [p for p in catalog.all(kind="os") if p.kernel in kernels]

    def hypervisors(self, host_os: str | None) -> list[Product]:
        kernel = kernel_of(host_os)
        return [p for p in catalog.all("hypervisor", hypervisor_type=2) if kernel in p.hosts]

    def items(self, kernel: str | None) -> list[Product]:
        return catalog.all("os")

    def _build_on(self, hw: Node, design: Design) -> None:
        if design.host_os and design.hypervisor:
            hv = hw.install(design.host_os).install(design.hypervisor)
            for guest in design.items:
                hv.create_vm(guest, memory_gb=design.vm_memory_gb)

    def _candidate(self, hw: Node) -> dict[str, Any] | None:
        top = hw.children[0]
        if top.kind != "os" or len(top.children) != 1:
            return None
        hv = top.children[0]
        if hv.kind != "hypervisor" or hv.product.hypervisor_type != 2:
            return None
        return {"host_os": top.product.id, "hypervisor": hv.product.id, **_guests(hv)}


class Containers(Architecture):
    id = "containers"
    label = "Containers: hardware → OS → engine → containers"
    add_what = "container from image"
    settings = ("host_os", "engine")
    defaults: ClassVar[dict[str, Any]] = {
        "host_os": "ubuntu",
        "engine": "docker",
        "items": ["nginx", "postgres"],
    }
    runtime: ClassVar[str | None] = None  # None: what the engine picks by default

    def host_oses(self) -> list[Product]:
        kernels = {k for p in catalog.all("container-engine") for k in p.hosts}
        return [p for p in catalog.all(kind="os") if p.kernel in kernels]

    def engines(self, kernel: str | None) -> list[Product]:
        return [p for p in catalog.all("container-engine") if kernel in p.hosts]

    def item_label(self, index: int, design: Design) -> str:
        """A container that the host's engine would put in a VM of its own by default (Docker
        on Windows 10: Hyper-V isolation) says so, so the switch is never silent."""
        label = super().item_label(index, design)
        default = catalog.get(design.host_os).container_runtime if design.host_os else None
        if self.runtime is None and default and catalog.get(default).isolation == "vm":
            host = catalog.get(design.host_os).name
            label += f" ({catalog.get(default).name}, the default on {host})"
        return label

    def _build_on(self, hw: Node, design: Design) -> None:
        if design.host_os:
            host = hw.install(design.host_os)
            if design.engine:
                engine = host.install(design.engine)
                for image in design.items:
                    engine.run(image, runtime=self.runtime)

    def _candidate(self, hw: Node) -> dict[str, Any] | None:
        top = hw.children[0]
        if top.kind != "os" or len(top.children) != 1 or top.children[0].kind != "engine":
            return None
        engine = top.children[0]
        return {
            "host_os": top.product.id,
            "engine": engine.product.id,
            "items": _ids(engine.children),
        }


class HyperVIsolated(Containers):
    id = "hyperv-isolated"
    label = "Hyper-V isolated containers (Windows)"
    defaults: ClassVar[dict[str, Any]] = {
        "host_os": "windows-server",
        "engine": "docker",
        "items": ["iis"],
    }
    runtime = "hyperv-isolation"

    def host_oses(self) -> list[Product]:
        kernels = set(catalog.get(self.runtime).hosts)
        return [p for p in catalog.all(kind="os") if p.kernel in kernels]


class ContainersInVMs(Architecture):
    id = "containers-in-vms"
    label = "Containers in VMs: hypervisor → VMs → engine → containers"
    add_what = "container from image"
    settings = ("hypervisor", "guest_os", "engine", "vm_memory_gb", "vm_count")
    defaults: ClassVar[dict[str, Any]] = {
        "hypervisor": "kvm",
        "guest_os": "ubuntu",
        "engine": "docker",
        "vm_count": 2,
        "items": ["nginx", "postgres", "redis"],
    }

    def hypervisors(self, host_os: str | None) -> list[Product]:
        return catalog.all("hypervisor", hypervisor_type=1)

    def guest_oses(self) -> list[Product]:
        return catalog.all("os", kernel="linux")

    def engines(self, kernel: str | None) -> list[Product]:
        return [p for p in catalog.all("container-engine") if kernel in p.hosts]

    def item_kernel(self, design: Design) -> str | None:
        return kernel_of(design.guest_os)

    def engine_kernel(self, design: Design) -> str | None:
        return kernel_of(design.guest_os)

    def item_label(self, index: int, design: Design) -> str:
        return f"{super().item_label(index, design)} (VM {index % design.vm_count + 1})"

    def _build_on(self, hw: Node, design: Design) -> None:
        if not design.hypervisor:
            return
        hv = install_type1(hw, design.hypervisor)
        vms = [
            hv.create_vm(design.guest_os, memory_gb=design.vm_memory_gb)
            for _ in range(design.vm_count)
        ]
        if design.guest_os and design.engine:
            engines = [vm.guest.install(design.engine) for vm in vms]
            for k, image in enumerate(design.items):  # round robin over the VMs
                engines[k % len(engines)].run(image)

    def _candidate(self, hw: Node) -> dict[str, Any] | None:
        hv = type1_of(hw)
        vms = hv.children if hv is not None else []
        guests = [vm.guest for vm in vms]
        if not vms or any(g is None or len(g.children) != 1 for g in guests):
            return None
        engines = [g.children[0] for g in guests]
        columns = [e.children for e in engines]
        total = sum(len(c) for c in columns)
        items = []
        for k in range(total):
            column = columns[k % len(columns)]
            if k // len(columns) >= len(column):
                return None
            items.append(column[k // len(columns)])
        return {
            "hypervisor": hv.product.id,
            "guest_os": guests[0].product.id,
            "engine": engines[0].product.id,
            "vm_count": len(vms),
            "vm_memory_gb": vms[0].memory_gb,
            "items": _ids(items),
        }


class MicroVMs(Architecture):
    id = "microvms"
    label = "MicroVMs: Linux → Firecracker → one small VM per app"
    add_what = "microVM running app"
    settings = ("host_os", "hypervisor", "guest_os", "vm_memory_gb")
    defaults: ClassVar[dict[str, Any]] = {
        "host_os": "ubuntu",
        "hypervisor": "firecracker",
        "guest_os": "alpine",
        "vm_memory_gb": 0.5,
        "items": ["nginx", "python-web"],
    }

    def _monitors(self) -> list[Product]:
        # a microVM monitor, not a runtime that wraps containers (Kata, Hyper-V isolation)
        return [p for p in catalog.all("microvm") if p.isolation is None]

    def host_oses(self) -> list[Product]:
        kernels = {k for p in self._monitors() for k in p.hosts}
        return [p for p in catalog.all(kind="os") if p.kernel in kernels]

    def hypervisors(self, host_os: str | None) -> list[Product]:
        return self._monitors()

    def guest_oses(self) -> list[Product]:
        return catalog.all("os", kernel="linux")

    def item_kernel(self, design: Design) -> str | None:
        return kernel_of(design.guest_os)

    def _build_on(self, hw: Node, design: Design) -> None:
        if design.host_os and design.hypervisor:
            monitor = hw.install(design.host_os).install(design.hypervisor)
            for app in design.items:
                vm = monitor.create_vm(design.guest_os, memory_gb=design.vm_memory_gb)
                if vm.guest is not None:
                    vm.guest.install(app)

    def _candidate(self, hw: Node) -> dict[str, Any] | None:
        top = hw.children[0]
        if top.kind != "os" or len(top.children) != 1:
            return None
        monitor = top.children[0]
        if monitor.kind != "hypervisor" or monitor.product.kind != "microvm":
            return None
        guests = [vm.guest for vm in monitor.children]
        if any(g is None or len(g.children) != 1 for g in guests):
            return None
        found: dict[str, Any] = {
            "host_os": top.product.id,
            "hypervisor": monitor.product.id,
            "items": tuple(g.children[0].product.id for g in guests),
        }
        if guests:
            found["guest_os"] = guests[0].product.id
            found["vm_memory_gb"] = monitor.children[0].memory_gb
        return found


ARCHITECTURES: dict[str, Architecture] = {
    a.id: a
    for a in (
        BareMetal(),
        Type1(),
        Type2(),
        Containers(),
        ContainersInVMs(),
        HyperVIsolated(),
        MicroVMs(),
    )
}


def architecture(architecture_id: str) -> Architecture:
    try:
        return ARCHITECTURES[architecture_id]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown architecture {architecture_id!r}; choose from {', '.join(ARCHITECTURES)}."
        ) from None


def recognise(stack: Stack) -> Design | None:
    """The first architecture's design that builds exactly ``stack`` (None if none does)."""
    for arch in ARCHITECTURES.values():
        design = arch.recognise(stack)
        if design is not None:
            return design
    return None


__all__ = ["ARCHITECTURES", "SETTINGS", "Architecture", "Design", "architecture", "recognise"]
