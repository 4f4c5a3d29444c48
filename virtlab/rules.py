"""Validation: what is wrong (or risky) in a stack, in words a first-year student understands.

Each rule is a small function that looks at one layer and yields :class:`Problem` objects. The
``code`` of a problem is stable: exercises and tests refer to it. ``RULES`` lists every rule;
the order of that list is the order problems are reported in for one layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from virtlab import catalog
from virtlab.overhead import memory_promise, vm_needs_mb, vmm_figure
from virtlab.stack import DEFAULT_OS_OF_KERNEL, KERNEL_FAMILY_NAMES, Node

if TYPE_CHECKING:
    from virtlab.stack import Stack


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str  # "error" or "warning"
    message: str
    hint: str
    node: Node

    def __str__(self) -> str:
        return f"{self.severity}: {self.message} Hint: {self.hint}"


Rule = Callable[[Node], Iterator[Problem]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def _error(code: str, node: Node, message: str, hint: str) -> Problem:
    return Problem(code, "error", message, hint, node)


def _warning(code: str, node: Node, message: str, hint: str) -> Problem:
    return Problem(code, "warning", message, hint, node)


def _family(kernel_family: str) -> str:
    """How a kernel family is written in prose (macOS, not Macos)."""
    return KERNEL_FAMILY_NAMES.get(kernel_family, kernel_family)


# --------------------------------------------------------------------------- what sits where
@rule
def hardware_runs_one_thing(node: Node) -> Iterator[Problem]:
    if node.kind == "hardware" and len(node.children) > 1:
        names = ", ".join(c.name for c in node.children)
        yield _error(
            "hardware-runs-one-layer",
            node,
            f"This server boots {len(node.children)} things at once ({names}); a machine "
            "runs exactly one OS or one Type 1 hypervisor directly.",
            "Keep one layer on the hardware and put the others inside VMs or on the OS.",
        )


@rule
def type1_on_os(node: Node) -> Iterator[Problem]:
    if node.kind != "hypervisor" or node.product.hypervisor_type != 1:
        return
    parent = node.parent
    module_of = node.product.kernel_module
    if module_of is not None:
        # KVM is a module of the Linux kernel: Linux boots first, KVM goes into it, and that
        # Linux becomes the hypervisor (lesson 02). On anything else it cannot exist.
        if parent.kind == "os" and parent.product.kernel == module_of:
            return
        family = _family(module_of)
        where = (
            "straight on the hardware, with no kernel to load it"
            if parent.kind == "hardware"
            else f"on {parent.name}"
        )
        default = DEFAULT_OS_OF_KERNEL.get(module_of, module_of)
        yield _error(
            f"{node.product.id}-needs-{module_of}",
            node,
            f"{node.name} is a module of the {family} kernel, but it was put {where}.",
            f"Install {family} first and {node.name} into it, e.g. "
            f"hw.install({default!r}).install({node.product.id!r}): that {family} then is "
            "the hypervisor. See lesson 02.",
        )
        return
    if parent.kind == "hardware":
        return
    if (
        node.product.root_partition
        and parent.kind == "os"
        and parent.product.kernel == "windows"
        and parent.parent.kind == "hardware"
    ):
        yield _warning(
            "hyperv-root-partition",
            node,
            f"Turning on Hyper-V in {parent.name} works, but it does not run on top of Windows: "
            "the hypervisor slides underneath, and this Windows becomes its privileged root "
            "partition.",
            "Draw it as Hardware → Hyper-V → VMs, with this Windows as the root partition: see "
            "lesson 02.",
        )
        return
    if parent.kind == "os":
        yield _error(
            "type1-on-os",
            node,
            f"{node.name} is a Type 1 (bare-metal) hypervisor, but it was installed on "
            f"{parent.name}.",
            "A Type 1 hypervisor goes straight on the hardware: see lesson 02.",
        )
    elif parent.kind != "vm":
        yield _error(
            "type1-on-os",
            node,
            f"{node.name} is a Type 1 hypervisor and needs hardware underneath, not a "
            f"{parent.kind}.",
            "Install it on the hardware: see lesson 02.",
        )


@rule
def type2_on_bare_metal(node: Node) -> Iterator[Problem]:
    if (
        node.kind == "hypervisor"
        and node.parent.kind in ("hardware", "vm")
        and node.product.hypervisor_type != 1
    ):
        what = (
            "a Type 2 (hosted) hypervisor"
            if node.product.hypervisor_type == 2
            else "a virtual machine monitor that runs as a program"
        )
        yield _error(
            "type2-on-bare-metal",
            node,
            f"{node.name} is {what}: it is an application and needs a host OS, but it "
            f"sits directly on the {node.parent.name.lower()}.",
            "Install a host OS first, then the hypervisor on it: see lesson 03.",
        )


@rule
def hosted_product_on_wrong_os(node: Node) -> Iterator[Problem]:
    if node.kind not in ("hypervisor", "engine") or node.parent.kind != "os":
        return
    hosts = node.product.hosts
    family = node.parent.product.kernel
    if not hosts or family in hosts or node.product.kernel_module is not None:
        return
    hint = "Choose a product that runs on this OS, or change the host OS."
    if node.kind == "engine" and family == "macos":
        hint = (
            "Docker Desktop on a Mac hides a Linux VM: build Hardware → macOS → a hypervisor "
            "→ a Linux VM → the engine. See lesson 04."
        )
    yield _error(
        "unsupported-host-os",
        node,
        f"{node.name} does not run on {node.parent.name} (it runs on "
        f"{', '.join(_family(h) for h in hosts)} hosts).",
        hint,
    )


@rule
def runtime_not_a_layer(node: Node) -> Iterator[Problem]:
    if node.kind in ("engine", "hypervisor") and node.product.isolation is not None:
        yield _error(
            "runtime-not-a-layer",
            node,
            f"{node.name} is a container runtime: it is chosen per container, not installed "
            "as a layer of its own.",
            f"Install an engine (e.g. docker) and start containers with "
            f"engine.run(image, runtime={node.product.id!r}).",
        )


@rule
def microvm_guest(node: Node) -> Iterator[Problem]:
    if node.kind != "vm" or node.parent.kind != "hypervisor":
        return
    monitor = node.parent.product
    if monitor.kind != "microvm":
        return
    for guest in node.children:
        if guest.kind == "os" and guest.product.kernel != "linux":
            yield _error(
                "unsupported-guest-os",
                guest,
                f"{monitor.name} boots Linux guests only, not {guest.name}.",
                "Pick a Linux guest (for example alpine) or use a full hypervisor for this OS.",
            )


@rule
def app_kernel(node: Node) -> Iterator[Problem]:
    if node.kind != "app" or node.parent.kind != "os":
        return
    needs, has = node.product.kernel, node.parent.product.kernel
    if needs and has and needs != has:
        yield _error(
            "kernel-mismatch",
            node,
            f"{node.name} is built for a {_family(needs)} kernel, but it was put on "
            f"{node.parent.name} ({_family(has)}).",
            "Run it on an OS of its own kernel family, or inside a VM with such an OS.",
        )


@rule
def engine_without_os(node: Node) -> Iterator[Problem]:
    if node.kind == "engine" and node.parent.kind != "os":
        yield _error(
            "engine-without-os",
            node,
            f"{node.name} is a program that needs an operating system's kernel, but it sits on "
            f"a {node.parent.kind} layer.",
            "Install an OS first (on the hardware or inside a VM), then the engine on it.",
        )


@rule
def app_without_os(node: Node) -> Iterator[Problem]:
    if node.kind == "app" and node.parent.kind != "os":
        where = node.parent.kind
        hint = (
            "Apps on an engine run inside containers: use engine.run(...)."
            if where == "engine"
            else "Install an OS first and run the app on it."
        )
        yield _error(
            "app-without-os",
            node,
            f"{node.name} is an application; it needs an OS under it, not a {where} layer.",
            hint,
        )


@rule
def os_placement(node: Node) -> Iterator[Problem]:
    if node.kind == "os" and node.parent.kind not in ("hardware", "vm"):
        hint = (
            "A hypervisor runs guest OSes inside VMs: create a VM first (create_vm)."
            if node.parent.kind == "hypervisor"
            else "An OS boots on hardware or inside a VM."
        )
        yield _error(
            "os-needs-hardware-or-vm",
            node,
            f"{node.name} was installed on a {node.parent.kind} layer ({node.parent.name}).",
            hint,
        )


@rule
def vm_placement(node: Node) -> Iterator[Problem]:
    if node.kind == "vm" and node.parent.kind != "hypervisor":
        yield _error(
            "vm-needs-hypervisor",
            node,
            f"A VM was created on a {node.parent.kind} layer ({node.parent.name}); only a "
            "hypervisor can create virtual machines.",
            "Install a hypervisor and create the VM on it.",
        )


@rule
def vm_guest(node: Node) -> Iterator[Problem]:
    if node.kind != "vm":
        return
    oses = [c for c in node.children if c.kind == "os"]
    if not oses:
        yield _warning(
            "vm-without-os",
            node,
            "This VM has no guest OS yet, so it cannot run anything.",
            "Install a guest OS in it, for example vm.install('ubuntu').",
        )
    elif len(oses) > 1:
        yield _error(
            "vm-runs-one-os",
            node,
            f"This VM boots {len(oses)} operating systems; a VM, like a real machine, runs one.",
            "Create one VM per guest OS.",
        )
    others = [c for c in node.children if c.kind != "os"]
    for other in others:
        yield _error(
            "vm-needs-guest-os",
            other,
            f"{other.name} sits directly on a VM; a VM is virtual hardware and needs a guest OS.",
            "Install a guest OS in the VM and put this on the OS.",
        )


@rule
def container_placement(node: Node) -> Iterator[Problem]:
    if node.kind == "container" and node.parent.kind != "engine":
        yield _error(
            "container-needs-engine",
            node,
            f"A container ({node.name}) was started on a {node.parent.kind} layer; containers "
            "are started by a container engine.",
            "Install an engine such as Docker on an OS, then engine.run(...).",
        )


@rule
def container_runtime(node: Node) -> Iterator[Problem]:
    if node.kind != "container":
        return
    runtime = node.runtime
    if runtime is None or runtime.isolation is None:
        name = runtime.name if runtime else "nothing"
        yield _error(
            "not-a-runtime",
            node,
            f"{node.name} was given {name} as its runtime, which cannot isolate a container.",
            "Use runc, runhcs, gvisor, kata or hyperv-isolation as the runtime.",
        )
        return
    family = node.parent.kernel_family if node.parent.kind == "engine" else None
    if family is not None and runtime.hosts and family not in runtime.hosts:
        yield _error(
            "unsupported-host-os",
            node,
            f"{runtime.name} needs a {' or '.join(_family(h) for h in runtime.hosts)} "
            f"host, but this engine runs on a {_family(family)} kernel.",
            "Pick a runtime made for this host OS: see lesson 05.",
        )


@rule
def container_kernel(node: Node) -> Iterator[Problem]:
    if node.kind != "container" or node.parent.kind != "engine":
        return
    host_family = node.parent.kernel_family
    if host_family is None:
        return
    needs = {p.kernel for p in (node.product, node.base) if p is not None and p.kernel}
    if len(needs) > 1:
        yield _error(
            "base-kernel-mismatch",
            node,
            f"{node.name} is built for one kernel family but its base userland "
            f"({node.base.name}) for another.",
            "A base image must match the app: Linux apps on a Linux userland, Windows apps on "
            "a Windows one.",
        )
        return
    runtime = node.runtime
    own_kernel = runtime is not None and runtime.isolation == "vm"
    for family in needs:
        if family == host_family:
            continue
        if own_kernel and family in runtime.hosts:
            continue  # the utility VM brings the right kernel
        if own_kernel:
            yield _error(
                "kernel-mismatch",
                node,
                f"{node.name} needs a {_family(family)} kernel, but {runtime.name} gives "
                f"each container a small VM with a {_family(runtime.hosts[0])} kernel only.",
                "Pick a runtime whose VM runs this kind of app, or a host of the app's kernel "
                "family. See lesson 05.",
            )
            continue
        hint = (
            "Docker Desktop on Windows runs Linux containers in a hidden Linux VM (WSL 2): "
            "model that VM explicitly. See lesson 04."
            if host_family == "windows"
            else "A container shares the host's kernel: run it on a host of its own kernel "
            "family (Windows containers need a Windows host). See lesson 04."
        )
        yield _error(
            "kernel-mismatch",
            node,
            f"{node.name} needs a {_family(family)} kernel, but every container on this "
            f"engine shares the host's {_family(host_family)} kernel.",
            hint,
        )


# --------------------------------------------------------------------------- resources
def _vms_on(host: Node) -> list[Node]:
    return [n for n in host.walk() if n.kind == "vm" and n.host() is host]


def _which(number: int, vm: Node) -> str:
    return f"VM {number}" + (f" ({vm.guest.name})" if vm.guest is not None else "")


@rule
def vm_resources(node: Node) -> Iterator[Problem]:
    if node.kind not in ("hardware", "vm"):
        return
    vms = _vms_on(node)
    if not vms:
        return
    host_label = "the host" if node.kind == "hardware" else "the VM that holds them"
    host_mem = node.memory_gb
    host_cpus = float(node.cpus)
    for number, vm in enumerate(vms, start=1):
        which = _which(number, vm)
        if vm.memory_gb > host_mem:
            yield _error(
                "vm-exceeds-host-memory",
                vm,
                f"{which} is promised {vm.memory_gb:g} GB of memory but "
                f"{host_label} has only {host_mem:g} GB.",
                "Give the VM less memory than the host has.",
            )
        if vm.cpus > host_cpus:
            yield from _too_many_vcpus(which, vm, host_label, host_cpus)
        base, work = vm_needs_mb(vm)
        if vm.guest is not None and base + work > vm.memory_mb:
            inside = [n.name for n in vm.walk() if n is not vm and n.host() is vm]
            yield _error(
                "vm-memory-too-small",
                vm,
                f"{which} has {vm.memory_mb:,.0f} MB of memory, but what runs in it "
                f"({', '.join(inside)}) needs {base + work:,.0f} MB.",
                "A VM's memory must hold its guest OS and everything on it: give the VM at "
                f"least {(base + work) / 1024:.3g} GB (memory_gb).",
            )
    yield from _memory_overcommit(node, vms, host_label)
    total_cpus = sum(vm.cpus for vm in vms)
    if total_cpus > host_cpus:
        yield _warning(
            "cpu-overcommit",
            node,
            f"The VMs have {total_cpus} virtual CPUs in total on {host_cpus:g} logical CPUs "
            f"(hardware threads): overcommitted {total_cpus / host_cpus:.2f}:1.",
            "Fine while the guests are mostly idle; busy guests will wait for a logical CPU.",
        )
    total_disk = sum(vm.storage_gb for vm in vms)
    host_disk = node.storage_gb
    if total_disk > host_disk:
        yield _warning(
            "storage-overcommit",
            node,
            f"The VMs' virtual disks add up to {total_disk:g} GB on {host_disk:g} GB of storage: "
            f"overcommitted {total_disk / host_disk:.2f}:1.",
            "Thin-provisioned disks grow as they fill; watch the real free space.",
        )


def _too_many_vcpus(which: str, vm: Node, host_label: str, host_cpus: float) -> Iterator[Problem]:
    """One VM with more vCPUs than its host has logical CPUs: some hypervisors refuse to start
    it (catalog ``vcpus_within_host``), the others run it with vCPUs queueing for the CPUs."""
    hypervisor = vm.parent.product if vm.parent is not None else None
    message = (
        f"{which} has {vm.cpus} virtual CPUs but {host_label} has only {host_cpus:g} logical "
        "CPUs (hardware threads)."
    )
    if hypervisor is not None and hypervisor.vcpus_within_host:
        yield _error(
            "vm-exceeds-host-cpus",
            vm,
            message,
            f"{hypervisor.name} refuses to start a VM with more virtual CPUs than the host has "
            "logical CPUs: lower its vCPUs.",
        )
        return
    strict = " and ".join(p.name for p in catalog.all("hypervisor") if p.vcpus_within_host)
    who = hypervisor.name if hypervisor is not None else "The hypervisor"
    yield _warning(
        "vm-exceeds-host-cpus",
        vm,
        message,
        f"{who} starts it, but its vCPUs take turns on the logical CPUs, so a busy guest runs "
        f"slower than with fewer vCPUs ({strict} refuse such a VM): give it at most as many "
        "vCPUs as the host has logical CPUs.",
    )


def _memory_overcommit(node: Node, vms: list[Node], host_label: str) -> Iterator[Problem]:
    """VMs promised more memory than the host has: their (startup) memory, what the
    hypervisor spends per VM, and the host OS under a hosted or kernel-module hypervisor."""
    promise = memory_promise(node)
    host_mem = promise.host_gb
    total_mem = promise.vms_gb
    vmm_gb = promise.vmm_gb
    host_os_gb = promise.rest_gb
    needed = promise.total_gb
    extras = []
    if vmm_gb:
        stand_ins = sorted({n for vm in vms if (n := vmm_figure(vm.parent.product))})
        whose = f" ({'; '.join(stand_ins)})" if stand_ins else ""
        extras.append(f"{vmm_gb * 1024:,.0f} MB the hypervisor spends on them{whose}")
    if host_os_gb:
        beside = [n for n in node.walk() if n is not node and n.host() is node and n.memory_mb]
        what = (
            "the host OS"
            if all(n.kind in ("os", "vm") for n in beside)
            else "the host OS and what runs beside the VMs"
        )
        extras.append(f"{host_os_gb:g} GB for {what}")
    with_extras = f" plus {' and '.join(extras)}" if extras else ""
    if extras:
        with_extras += f", {needed:,.1f} GB in all"
    dynamic = [vm for vm in vms if vm.dynamic_memory]
    refuses = all(vm.parent.product is not None and vm.parent.product.no_overcommit for vm in vms)
    if needed > host_mem:
        promised = "startup memory" if dynamic else "memory"
        if refuses:
            hint = (
                "Hyper-V starts a VM only when its startup memory is free: the VM that does "
                "not fit will not start. Dynamic Memory then balloons memory between running "
                "VMs within each VM's Minimum and Maximum (the Maximums may add up to more "
                "than the host has); it does not share pages between VMs. See lesson 02, "
                "Overcommit."
            )
        else:
            hint = (
                "It works only while the guests do not all use their memory at once: the "
                "hypervisor may share pages (often disabled), balloon, compress or swap. See "
                "lesson 02, Overcommit."
            )
        yield _warning(
            "memory-overcommit",
            node,
            f"The VMs are promised {total_mem:g} GB of {promised} in total{with_extras}, but "
            f"{host_label} has {host_mem:g} GB: overcommitted {needed / host_mem:.2f}:1.",
            hint,
        )
        return
    if not dynamic:
        return
    maximum = sum(vm.maximum_gb for vm in vms) + vmm_gb + host_os_gb
    if maximum > host_mem:
        yield _warning(
            "dynamic-memory-maximum",
            node,
            f"Every VM's startup memory fits, but their dynamic-memory Maximums add up to "
            f"{maximum - vmm_gb - host_os_gb:g} GB{with_extras} on {host_mem:g} GB "
            f"({maximum / host_mem:.2f}:1).",
            "That is allowed and common: Startup is what a VM needs free to start, Minimum "
            "what the hypervisor may balloon it down to, Maximum what it may grow to. The VMs "
            "cannot all reach their Maximum at once. See lesson 02, Overcommit.",
        )


@rule
def container_memory(node: Node) -> Iterator[Problem]:
    if node.kind not in ("hardware", "vm"):
        return
    containers = [n for n in node.walk() if n.kind == "container" and n.host() is node]
    if not containers:
        return
    total = sum(c.memory_mb for c in containers)
    host_mb = node.memory_gb * 1024
    if total > host_mb:
        yield _warning(
            "container-memory-overcommit",
            node,
            f"The containers here want {total:,.0f} MB of memory but their host has "
            f"{host_mb:,.0f} MB ({total / host_mb:.2f}:1).",
            "The kernel will kill containers when memory runs out: run fewer or give the "
            "host more memory.",
        )


# --------------------------------------------------------------------------- advice
@rule
def nested_virtualization(node: Node) -> Iterator[Problem]:
    vm_runtime = (
        node.kind == "container" and node.runtime is not None and node.runtime.isolation == "vm"
    )
    if node.kind != "hypervisor" and not vm_runtime:
        return
    if any(a.kind == "vm" for a in node.path()[:-1]):
        what = f"{node.runtime.name} for {node.name}" if vm_runtime else node.name
        yield _warning(
            "nested-virtualization",
            node,
            f"{what} starts VMs inside a VM (nested virtualization).",
            "The outer hypervisor must expose virtualization extensions to the guest, and "
            "every extra layer costs speed.",
        )


@rule
def empty_layers(node: Node) -> Iterator[Problem]:
    if node.kind == "hypervisor" and not node.children:
        yield _warning(
            "empty-hypervisor",
            node,
            f"{node.name} has no VMs yet.",
            "Create a VM on it with create_vm(...).",
        )
    if node.kind == "engine" and not node.children:
        yield _warning(
            "empty-engine",
            node,
            f"{node.name} runs no containers yet.",
            "Start one with engine.run('nginx').",
        )


@rule
def archived_product(node: Node) -> Iterator[Problem]:
    for product in (node.product, node.runtime if node.kind == "container" else None):
        if product is not None and product.status.startswith("archived"):
            yield _warning(
                "archived-product",
                node,
                f"{product.name} is {product.status}: it gets no fixes any more.",
                "Pick a maintained alternative (Docker, Podman, containerd).",
            )


def validate(stack: Stack) -> list[Problem]:
    """Every problem in the stack, layer by layer from the hardware up."""
    problems: list[Problem] = []
    for node in stack.nodes():
        for check in RULES:
            problems.extend(check(node))
    return problems


def codes(problems: list[Problem]) -> set[str]:
    """The set of problem codes, handy in checks: ``"kernel-mismatch" in codes(p)``."""
    return {p.code for p in problems}
