"""The model: a stack is a tree of layers from the hardware up.

Pure Python, no Jupyter import. Any tree can be *built* (so a learner who stacks things the wrong
way round gets problems from ``validate()``, not a traceback); the rules in
:mod:`virtlab.rules` judge what was built.

Layer kinds (``Node.kind``):

========== ==============================================================================
hardware   a physical server: cores, memory, storage. The root of a tree.
os         an operating system with its kernel; a host OS on hardware or a guest OS in a VM.
hypervisor a Type 1 or Type 2 hypervisor, or a microVM monitor such as Firecracker.
vm         a virtual machine: virtual CPUs, memory and storage, created by a hypervisor.
engine     a container engine (Docker, Podman, LXC, rkt) or runtime (containerd, runc).
container  a running instance of an image: an app, optionally a base OS userland, and the
           low-level runtime that isolates it (runc, gVisor, Kata, Hyper-V isolation).
app        an application running as a plain process on an OS.
========== ==============================================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from virtlab import catalog
from virtlab.catalog import Product

if TYPE_CHECKING:
    from virtlab.isolation import Isolation
    from virtlab.overhead import OverheadReport
    from virtlab.rules import Problem

FORMAT = "virtlab.stack/1"
NODE_KINDS = ("hardware", "os", "hypervisor", "vm", "engine", "container", "app")
WORKLOAD_KINDS = ("container", "app")

# Which layer a product becomes when it is installed.
_LAYER_OF_PRODUCT_KIND = {
    "os": "os",
    "hypervisor": "hypervisor",
    "container-engine": "engine",
    "container-runtime": "engine",
    "sandbox": "engine",
    "microvm": "hypervisor",
    "app": "app",
}

DEFAULT_HARDWARE = {"cores": 16, "memory_gb": 64.0, "storage_gb": 1000.0}
DEFAULT_VM = {"vcpus": 2, "memory_gb": 4.0, "storage_gb": 40.0}
DEFAULT_CONTAINER_MEMORY_MB = 64
# How a kernel family is written in prose (macOS, not Macos).
KERNEL_FAMILY_NAMES = {"linux": "Linux", "windows": "Windows", "macos": "macOS"}
# The OS installed under a hypervisor that is a kernel module (KVM) when none is named.
DEFAULT_OS_OF_KERNEL = {"linux": "ubuntu", "windows": "windows-server"}


class Node:
    """One layer of a stack. Build trees with ``install``, ``create_vm`` and ``run``."""

    __slots__ = ("kind", "product", "parent", "children", "attrs")

    def __init__(self, kind: str, product: Product | None = None, **attrs: Any) -> None:
        if kind not in NODE_KINDS:
            raise ValueError(f"Unknown layer kind {kind!r}; choose from {NODE_KINDS}.")
        self.kind = kind
        self.product = product
        self.parent: Node | None = None
        self.children: list[Node] = []
        self.attrs: dict[str, Any] = attrs

    # ----------------------------------------------------------------- building
    def _add(self, child: Node) -> Node:
        child.parent = self
        self.children.append(child)
        return child

    def install(self, product_id: str) -> Node:
        """Put a product on this layer: an OS, a hypervisor, an engine or an app.

        Returns the new layer, so installs chain: ``hw.install("ubuntu").install("docker")``.
        Installing on a VM installs its guest OS.
        """
        product = catalog.get(product_id)
        return self._add(Node(_LAYER_OF_PRODUCT_KIND[product.kind], product))

    def create_vm(
        self,
        guest: str | None = None,
        *,
        vcpus: int = DEFAULT_VM["vcpus"],
        memory_gb: float = DEFAULT_VM["memory_gb"],
        storage_gb: float = DEFAULT_VM["storage_gb"],
        minimum_gb: float | None = None,
        maximum_gb: float | None = None,
    ) -> Node:
        """Create a VM on this hypervisor, optionally with its guest OS installed.

        ``memory_gb`` is the memory the VM starts with. ``minimum_gb`` and ``maximum_gb`` turn
        on dynamic memory (Hyper-V's Dynamic Memory, ballooning elsewhere): the hypervisor may
        take memory back down to the minimum and give more up to the maximum while it runs.
        Returns the VM; its guest OS is ``vm.guest``.
        """
        _check_positive(vcpus=vcpus, memory_gb=memory_gb, storage_gb=storage_gb)
        dynamic: dict[str, float] = {}
        if minimum_gb is not None or maximum_gb is not None:
            low = memory_gb if minimum_gb is None else minimum_gb
            high = memory_gb if maximum_gb is None else maximum_gb
            _check_positive(minimum_gb=low, maximum_gb=high)
            if not low <= memory_gb <= high:
                raise ValueError(
                    f"Dynamic memory needs minimum_gb <= memory_gb <= maximum_gb, got "
                    f"{low:g} <= {memory_gb:g} <= {high:g}: memory_gb is the startup memory."
                )
            dynamic = {"minimum_gb": low, "maximum_gb": high}
        vm = self._add(
            Node("vm", vcpus=vcpus, memory_gb=memory_gb, storage_gb=storage_gb, **dynamic)
        )
        if guest is not None:
            vm.install(guest)
        return vm

    def run(
        self,
        image: str,
        *,
        base: str | None = None,
        runtime: str | None = None,
        memory_mb: float | None = None,
    ) -> Node:
        """Start a container from an image on this engine.

        ``image`` is an app (``"nginx"``) or an OS image (``"ubuntu"``: that OS's userland
        only, never its kernel). ``base`` adds a base OS userland under an app. ``runtime``
        chooses the isolation: ``"runc"`` (shared kernel), ``"gvisor"``, ``"kata"`` or
        ``"hyperv-isolation"``; by default what Docker picks: runc on Linux, process isolation
        on Windows Server (Docker asks the Windows Host Compute Service, HCS, to start the
        container), Hyper-V isolation on Windows 10.
        """
        if runtime is None:
            runtime = _default_runtime(self.kernel())
        product = catalog.get(image)
        base_product = catalog.get(base) if base is not None else None
        runtime_product = catalog.get(runtime)
        if product.kind == "os" and base_product is None:
            product, base_product = None, product
        if memory_mb is None:
            memory_mb = (product.memory_mb if product else None) or DEFAULT_CONTAINER_MEMORY_MB
        _check_positive(memory_mb=memory_mb)
        return self._add(
            Node(
                "container",
                product,
                base=base_product,
                runtime=runtime_product,
                memory_mb=float(memory_mb),
            )
        )

    def remove(self) -> None:
        """Take this layer (and everything on it) out of the tree."""
        if self.parent is not None:
            self.parent.children.remove(self)
            self.parent = None

    # ----------------------------------------------------------------- reading
    @property
    def guest(self) -> Node | None:
        """The guest OS of a VM (the first OS layer on it), or None."""
        return next((c for c in self.children if c.kind == "os"), None)

    @property
    def name(self) -> str:
        if self.kind == "hardware":
            return "Hardware"
        if self.kind == "vm":
            return "VM"
        if self.kind == "container":
            if self.product is not None:
                return self.product.name
            base = self.attrs.get("base")
            return f"{base.name} userland" if base else "container"
        return self.product.name if self.product else self.kind

    @property
    def runtime(self) -> Product | None:
        return self.attrs.get("runtime")

    @property
    def base(self) -> Product | None:
        return self.attrs.get("base")

    @property
    def memory_mb(self) -> float:
        """Memory this layer asks of the layer that hosts it (a VM: its startup memory)."""
        if self.kind in ("hardware", "vm"):
            return float(self.attrs["memory_gb"]) * 1024
        if self.kind == "container":
            return float(self.attrs["memory_mb"])
        return float(self.product.memory_mb or 0) if self.product else 0.0

    # Typed sizes of hardware and VMs, so no module reads ``attrs`` by key.
    @property
    def memory_gb(self) -> float:
        """Memory of hardware, or a VM's (startup) memory, in GB."""
        return self._size("memory_gb")

    @property
    def storage_gb(self) -> float:
        return self._size("storage_gb")

    @property
    def cpus(self) -> int:
        """Logical CPUs of hardware (cores) or virtual CPUs of a VM."""
        return int(self._size("cores" if self.kind == "hardware" else "vcpus"))

    @property
    def minimum_gb(self) -> float:
        """A VM's dynamic-memory minimum (its startup memory when dynamic memory is off)."""
        return float(self.attrs.get("minimum_gb", self.memory_gb))

    @property
    def maximum_gb(self) -> float:
        """A VM's dynamic-memory maximum (its startup memory when dynamic memory is off)."""
        return float(self.attrs.get("maximum_gb", self.memory_gb))

    @property
    def dynamic_memory(self) -> bool:
        return "minimum_gb" in self.attrs or "maximum_gb" in self.attrs

    def _size(self, key: str) -> float:
        if self.kind not in ("hardware", "vm"):
            raise AttributeError(f"A {self.kind} layer has no {key}; only hardware and VMs do.")
        return float(self.attrs[key])

    @property
    def is_workload(self) -> bool:
        """What a user runs: an app, a container, or a guest OS with nothing on it yet."""
        if self.kind in WORKLOAD_KINDS:
            return True
        return (
            self.kind == "os"
            and not self.children
            and self.parent is not None
            and self.parent.kind == "vm"
        )

    @property
    def kernel_family(self) -> str | None:
        """The kernel family that serves this layer ("linux", "windows", "macos").

        A container whose runtime gives it a VM of its own (Kata, Hyper-V isolation) runs on
        that VM's kernel, which is of the family its image needs; every other layer runs on
        :meth:`kernel`.
        """
        if self.kind == "container" and self.runtime is not None and self.runtime.isolation == "vm":
            needs = {p.kernel for p in (self.product, self.base) if p is not None and p.kernel}
            if len(needs) == 1:
                return needs.pop()
            return self.runtime.hosts[0] if self.runtime.hosts else None
        kernel = self.kernel()
        return kernel.product.kernel if kernel is not None and kernel.product else None

    @property
    def kernel_name(self) -> str | None:
        """The kernel that serves this layer, in words: its family and whose install it is
        ("Linux (Ubuntu's kernel)"). A distribution is not a kernel: Ubuntu and Debian both
        run Linux. None when no kernel serves it (a VM with no guest OS yet)."""
        if self.kind == "container" and self.runtime is not None and self.runtime.isolation == "vm":
            family = KERNEL_FAMILY_NAMES.get(self.kernel_family or "", self.kernel_family)
            return f"{family} (the kernel of its own small VM, from {self.runtime.name})"
        kernel = self.kernel()
        if kernel is None or kernel.product is None:
            return None
        family = KERNEL_FAMILY_NAMES.get(kernel.product.kernel or "", kernel.product.kernel)
        if family is None or kernel.name.startswith(family):
            return f"{kernel.name}'s kernel"
        return f"{family} ({kernel.name}'s kernel)"

    @property
    def on_bare_metal(self) -> bool:
        """A Type 1 hypervisor that owns the hardware: directly on it, or a kernel module of
        (KVM) or root partition under (Hyper-V) the one OS on the hardware."""
        if self.kind != "hypervisor" or self.product is None or self.product.hypervisor_type != 1:
            return False
        parent = self.parent
        if parent is None:
            return False
        if parent.kind == "hardware":
            return self.product.kernel_module is None
        if parent.kind != "os" or parent.parent is None or parent.parent.kind != "hardware":
            return False
        family = parent.product.kernel if parent.product else None
        return family is not None and family in (
            self.product.kernel_module,
            "windows" if self.product.root_partition else None,
        )

    def path(self) -> list[Node]:
        """The layers from the root down to this one, inclusive."""
        chain: list[Node] = []
        node: Node | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        chain.reverse()
        return chain

    def walk(self) -> Iterator[Node]:
        """This layer and every layer above it, depth first."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def kernel(self) -> Node | None:
        """The OS layer whose kernel serves this layer (itself if it is an OS)."""
        node: Node | None = self
        while node is not None:
            if node.kind == "os":
                return node
            if node.kind == "vm":
                return None
            node = node.parent
        return None

    def host(self) -> Node | None:
        """The hardware or VM that lends this layer its CPU and memory."""
        node = self.parent
        while node is not None and node.kind not in ("hardware", "vm"):
            node = node.parent
        return node

    def __repr__(self) -> str:
        label = self.product.id if self.product else ""
        return f"<{self.kind} {label}>".replace(" >", ">")

    # ----------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.product is not None:
            out["product"] = self.product.id
        for key, value in self.attrs.items():
            out[key] = value.id if isinstance(value, Product) else value
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out


def _default_runtime(kernel: Node | None) -> str:
    """What an engine uses when the learner names no runtime, as Docker does by default
    (catalog data: Windows client editions default to Hyper-V isolation, servers to process
    isolation, Linux to runc)."""
    if kernel is None or kernel.product is None:
        return "runc"
    return kernel.product.container_runtime or "runc"


def Hardware(  # noqa: N802 - reads as a constructor in lessons: vl.Hardware(cores=16)
    cores: int = DEFAULT_HARDWARE["cores"],
    memory_gb: float = DEFAULT_HARDWARE["memory_gb"],
    storage_gb: float = DEFAULT_HARDWARE["storage_gb"],
) -> Node:
    """A physical server, the root of a stack. ``cores`` counts logical CPUs (hardware threads)."""
    _check_positive(cores=cores, memory_gb=memory_gb, storage_gb=storage_gb)
    return Node("hardware", cores=cores, memory_gb=memory_gb, storage_gb=storage_gb)


def install_type1(hardware: Node, hypervisor: str, *, host_os: str | None = None) -> Node:
    """Put a Type 1 hypervisor on the hardware the way it is deployed; returns it.

    A hypervisor that is a kernel module (KVM) goes into a host OS of its kernel family
    (``host_os``, default Ubuntu for Linux), which then is the hypervisor.
    """
    module_of = catalog.get(hypervisor).kernel_module
    if module_of is not None:
        return hardware.install(host_os or DEFAULT_OS_OF_KERNEL[module_of]).install(hypervisor)
    if host_os is not None:
        raise ValueError(
            f"{hypervisor!r} goes straight on the hardware: leave out host_os={host_os!r}."
        )
    return hardware.install(hypervisor)


def type1_of(hardware: Node) -> Node | None:
    """The Type 1 hypervisor that owns this hardware (see :attr:`Node.on_bare_metal`)."""
    for node in hardware.children:
        if node.on_bare_metal:
            return node
        for child in node.children if node.kind == "os" else ():
            if child.on_bare_metal:
                return child
    return None


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}.")


class Stack:
    """A whole picture: one or more physical hosts with everything on them."""

    def __init__(self, *hosts: Node) -> None:
        if not hosts:
            hosts = (Hardware(),)
        for host in hosts:
            if not isinstance(host, Node) or host.kind != "hardware" or host.parent:
                raise ValueError(
                    f"A Stack is built from hardware: pass vl.Hardware(...) objects, got {host!r}."
                )
        self.hosts: list[Node] = list(hosts)
        # Set by a widget that built this stack (e.g. "StackBuilder, changed by hand"): such a
        # stack is not rebuilt when the grader re-runs the notebook, and check() says so.
        self.origin: str | None = None

    # ----------------------------------------------------------------- the classic pictures
    @classmethod
    def type1(
        cls,
        hypervisor: str = "esxi",
        guests: list[str] | tuple[str, ...] = ("windows-10", "ubuntu", "centos"),
        *,
        hardware: Node | None = None,
        vcpus: int = DEFAULT_VM["vcpus"],
        memory_gb: float = DEFAULT_VM["memory_gb"],
        host_os: str | None = None,
    ) -> Stack:
        """Hardware → Type 1 hypervisor → one VM per guest OS.

        A hypervisor that is a kernel module (KVM) goes into a host OS of its kernel family,
        which then is the hypervisor: Hardware → Linux (``host_os``, default Ubuntu) → KVM.
        """
        hw = hardware if hardware is not None else Hardware()
        hv = install_type1(hw, hypervisor, host_os=host_os)
        for guest in guests:
            hv.create_vm(guest, vcpus=vcpus, memory_gb=memory_gb)
        return cls(hw)

    @classmethod
    def type2(
        cls,
        host_os: str = "windows-10",
        hypervisor: str = "virtualbox",
        guests: list[str] | tuple[str, ...] = ("ubuntu",),
        *,
        hardware: Node | None = None,
        vcpus: int = DEFAULT_VM["vcpus"],
        memory_gb: float = DEFAULT_VM["memory_gb"],
    ) -> Stack:
        """Hardware → host OS → Type 2 hypervisor → one VM per guest OS."""
        hw = hardware if hardware is not None else Hardware()
        hv = hw.install(host_os).install(hypervisor)
        for guest in guests:
            hv.create_vm(guest, vcpus=vcpus, memory_gb=memory_gb)
        return cls(hw)

    @classmethod
    def containers(
        cls,
        host_os: str = "ubuntu",
        engine: str = "docker",
        containers: list[str] | tuple[str, ...] = ("nginx", "postgres"),
        *,
        hardware: Node | None = None,
        runtime: str | None = None,
    ) -> Stack:
        """Hardware → host OS → container engine → one container per image."""
        hw = hardware if hardware is not None else Hardware()
        eng = hw.install(host_os).install(engine)
        for image in containers:
            eng.run(image, runtime=runtime)
        return cls(hw)

    # ----------------------------------------------------------------- reading
    def nodes(self) -> Iterator[Node]:
        for host in self.hosts:
            yield from host.walk()

    def workloads(self) -> list[Node]:
        """What a user actually runs: apps, containers, and guest OSes with nothing on them."""
        return [n for n in self.nodes() if n.is_workload]

    def labels(self) -> dict[Node, str]:
        """A unique, readable label per workload ("nginx", "nginx #2", ...)."""
        counts: dict[str, int] = {}
        out: dict[Node, str] = {}
        for node in self.workloads():
            counts[node.name] = counts.get(node.name, 0) + 1
            n = counts[node.name]
            out[node] = node.name if n == 1 else f"{node.name} #{n}"
        return out

    def find(self, label: str) -> Node:
        """The workload with this label (see :meth:`labels`)."""
        for node, text in self.labels().items():
            if text == label:
                return node
        known = ", ".join(self.labels().values()) or "none"
        raise ValueError(f"No workload labelled {label!r} in this stack; workloads: {known}.")

    # ----------------------------------------------------------------- analyses
    def validate(self) -> list[Problem]:
        from virtlab.rules import validate

        return validate(self)

    def isolation(self, a: Node | str, b: Node | str) -> Isolation:
        from virtlab.isolation import isolation

        a = self.find(a) if isinstance(a, str) else a
        b = self.find(b) if isinstance(b, str) else b
        return isolation(a, b)

    def overhead(self) -> OverheadReport:
        from virtlab.overhead import stack_overhead

        return stack_overhead(self)

    # ----------------------------------------------------------------- JSON and code
    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "hosts": [h.to_dict() for h in self.hosts]}

    def to_code(self, name: str = "stack") -> str:
        """Python source that builds this very stack (``vl`` is ``import virtlab as vl``).

        What a widget built by hand is gone when a notebook is run again (the grader re-runs
        it); pasted as code, it is rebuilt every time. Running the code gives a stack equal to
        this one.
        """
        return _CodeWriter().stack(self, name)

    @classmethod
    def from_dict(cls, data: Any) -> Stack:
        """Rebuild a stack from :meth:`to_dict` output; bad data raises ValueError with a path."""
        if not isinstance(data, dict):
            raise ValueError(f"stack: expected an object, got {type(data).__name__}.")
        if data.get("format") != FORMAT:
            raise ValueError(f"stack.format: expected {FORMAT!r}, got {data.get('format')!r}.")
        hosts = data.get("hosts")
        if not isinstance(hosts, list) or not hosts:
            raise ValueError("stack.hosts: expected a non-empty list of hardware.")
        built = [_node_from_dict(h, f"stack.hosts[{i}]") for i, h in enumerate(hosts)]
        for i, host in enumerate(built):
            if host.kind != "hardware":
                raise ValueError(f"stack.hosts[{i}].kind: a host must be 'hardware'.")
        return cls(*built)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stack) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:  # pragma: no cover - stacks are mutable; hash by identity
        return id(self)

    def __repr__(self) -> str:
        return f"<Stack {len(self.hosts)} host(s), {len(self.workloads())} workload(s)>"


def _quote(product_id: str) -> str:
    """A product id as a string literal in the course's style (catalog ids never hold quotes)."""
    return f'"{product_id}"'


class _CodeWriter:
    """Turns a stack into the build calls of the public API, one line per layer; a layer gets a
    variable name only when something is built on it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.used: dict[str, int] = {}

    def stack(self, stack: Stack, name: str) -> str:
        hosts = [self.node(host, None) for host in stack.hosts]
        self.lines.append(f"{name} = vl.Stack({', '.join(hosts)})")
        return "\n".join(self.lines) + "\n"

    def _name(self, node: Node) -> str:
        base = {"hardware": "hw", "vm": "vm", "container": "container"}.get(node.kind)
        if base is None:
            base = (node.product.id if node.product else node.kind).replace("-", "_")
            base = base if base.isidentifier() and base not in ("vl", "stack") else node.kind
        self.used[base] = self.used.get(base, 0) + 1
        n = self.used[base]
        return base if n == 1 else f"{base}{n}"

    def call(self, node: Node) -> str:
        a = node.attrs
        if node.kind == "hardware":
            sizes = ("cores", "memory_gb", "storage_gb")
            return "vl.Hardware(" + ", ".join(f"{k}={a[k]!r}" for k in sizes) + ")"
        if node.kind == "vm":
            sizes = ("vcpus", "memory_gb", "storage_gb", "minimum_gb", "maximum_gb")
            args = [f"{k}={a[k]!r}" for k in sizes if k in a]
            guest = self._sole_guest(node)
            if guest is not None:
                args.insert(0, _quote(guest.product.id))
            return f"create_vm({', '.join(args)})"
        if node.kind == "container":
            image = node.product.id if node.product is not None else node.base.id
            args = [_quote(image)]
            if node.product is not None and node.base is not None:
                args.append(f"base={_quote(node.base.id)}")
            if node.runtime is not None:
                args.append(f"runtime={_quote(node.runtime.id)}")
            args.append(f"memory_mb={a['memory_mb']!r}")
            return f"run({', '.join(args)})"
        return f"install({_quote(node.product.id)})"

    @staticmethod
    def _sole_guest(vm: Node) -> Node | None:
        """The VM's guest OS when it is all the VM holds, so create_vm(guest) builds both."""
        if len(vm.children) == 1 and vm.children[0].kind == "os" and vm.children[0].product:
            return vm.children[0]
        return None

    def node(self, node: Node, parent: str | None) -> str:
        call = self.call(node) if parent is None else f"{parent}.{self.call(node)}"
        guest = self._sole_guest(node) if node.kind == "vm" else None
        if guest is not None:  # vm.guest is the layer things are built on
            if not guest.children:
                self.lines.append(call)
                return call
            name = self._name(guest)
            self.lines.append(f"{name} = {call}.guest")
            for child in guest.children:
                self.node(child, name)
            return name
        if not node.children and parent is not None:
            self.lines.append(call)
            return call
        name = self._name(node)
        self.lines.append(f"{name} = {call}")
        for child in node.children:
            self.node(child, name)
        return name


_NUMERIC_ATTRS = {
    "hardware": ("cores", "memory_gb", "storage_gb"),
    "vm": ("vcpus", "memory_gb", "storage_gb"),
    "container": ("memory_mb",),
}
_OPTIONAL_NUMERIC_ATTRS = {"vm": ("minimum_gb", "maximum_gb")}
_PRODUCT_ATTRS = {"container": ("base", "runtime")}


def _node_from_dict(data: Any, path: str) -> Node:
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected an object, got {type(data).__name__}.")
    kind = data.get("kind")
    if kind not in NODE_KINDS:
        raise ValueError(f"{path}.kind: expected one of {NODE_KINDS}, got {kind!r}.")
    product = None
    if "product" in data:
        try:
            product = catalog.get(data["product"])
        except catalog.UnknownProductError as err:
            raise ValueError(f"{path}.product: {err}") from None
        expected = _LAYER_OF_PRODUCT_KIND[product.kind]
        if kind != "container" and expected != kind:
            raise ValueError(
                f"{path}.product: {product.id!r} is a {product.kind}, not a {kind} layer."
            )
    elif kind in ("os", "hypervisor", "engine", "app"):
        raise ValueError(f"{path}.product: a {kind} layer needs a product id.")
    attrs: dict[str, Any] = {}
    for key in _NUMERIC_ATTRS.get(kind, ()):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{path}.{key}: expected a positive number, got {value!r}.")
        attrs[key] = value
    for key in _OPTIONAL_NUMERIC_ATTRS.get(kind, ()):
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{path}.{key}: expected a positive number, got {value!r}.")
        attrs[key] = value
    for key in _PRODUCT_ATTRS.get(kind, ()):
        value = data.get(key)
        if value is None:
            attrs[key] = None
            continue
        try:
            attrs[key] = catalog.get(value)
        except catalog.UnknownProductError as err:
            raise ValueError(f"{path}.{key}: {err}") from None
    if kind == "container" and attrs["runtime"] is None:
        raise ValueError(f"{path}.runtime: a container needs a runtime id such as 'runc'.")
    node = Node(kind, product, **attrs)
    children = data.get("children", [])
    if not isinstance(children, list):
        raise ValueError(f"{path}.children: expected a list, got {type(children).__name__}.")
    for i, child in enumerate(children):
        node._add(_node_from_dict(child, f"{path}.children[{i}]"))
    return node
