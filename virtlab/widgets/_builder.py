"""StackBuilder: pick an architecture and products, add guests, watch the stack and its problems.

The widget holds no domain logic: its controls describe a stack, :meth:`StackBuilder.stack`
builds a fresh :class:`~virtlab.Stack` from them, and the diagram, problems and summary are
read from that model (``plots.diagram_parts``, ``Stack.validate``, ``virtlab.isolation``).
"""

from __future__ import annotations

import html
import itertools
import logging
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from virtlab import catalog
from virtlab.isolation import IsolationLevel, isolation
from virtlab.plots import diagram_parts
from virtlab.rules import Problem
from virtlab.stack import DEFAULT_OS_OF_KERNEL, Hardware, Node, Stack, install_type1, type1_of
from virtlab.widgets._live import LiveFigure

log = logging.getLogger(__name__)

ARCHITECTURES: dict[str, str] = {
    "bare-metal": "Bare metal: hardware → OS → apps",
    "type1": "Type 1 hypervisor: hardware → hypervisor → VMs",
    "type2": "Type 2 hypervisor: hardware → OS → hypervisor → VMs",
    "containers": "Containers: hardware → OS → engine → containers",
    "containers-in-vms": "Containers in VMs: hypervisor → VMs → engine → containers",
    "hyperv-isolated": "Hyper-V isolated containers (Windows)",
    "microvms": "MicroVMs: Linux → Firecracker → one small VM per app",
}
# What each architecture starts with, so a learner sees a sensible picture at once.
DEFAULTS: dict[str, dict[str, Any]] = {
    "bare-metal": {"host_os": "ubuntu", "items": ["nginx", "postgres"]},
    "type1": {"hypervisor": "esxi", "items": ["windows-10", "ubuntu", "centos"]},
    "type2": {"host_os": "windows-10", "hypervisor": "virtualbox", "items": ["ubuntu"]},
    "containers": {"host_os": "ubuntu", "engine": "docker", "items": ["nginx", "postgres"]},
    "containers-in-vms": {
        "hypervisor": "kvm",
        "guest_os": "ubuntu",
        "engine": "docker",
        "vm_count": 2,
        "items": ["nginx", "postgres", "redis"],
    },
    "hyperv-isolated": {"host_os": "windows-server", "engine": "docker", "items": ["iis"]},
    "microvms": {
        "host_os": "ubuntu",
        "hypervisor": "firecracker",
        "guest_os": "alpine",
        "vm_memory_gb": 0.5,
        "items": ["nginx", "python-web"],
    },
}
MAX_INSTANCES = 100
VM_ARCHITECTURES = ("type1", "type2", "containers-in-vms", "microvms")
# Which controls each architecture shows.
_SHOWN = {
    "host_os": ("bare-metal", "type2", "containers", "hyperv-isolated", "microvms"),
    "hypervisor": ("type1", "type2", "containers-in-vms", "microvms"),
    "guest_os": ("containers-in-vms", "microvms"),
    "engine": ("containers", "containers-in-vms", "hyperv-isolated"),
    "vm_memory_gb": VM_ARCHITECTURES,
    "vm_count": ("containers-in-vms",),
}
_ADD_WHAT = {
    "bare-metal": "app",
    "type1": "VM with guest OS",
    "type2": "VM with guest OS",
    "containers": "container from image",
    "containers-in-vms": "container from image",
    "hyperv-isolated": "container from image",
    "microvms": "microVM running app",
}


# --------------------------------------------------------------------------- what fits where
def _kernel(product_id: str | None) -> str | None:
    return catalog.get(product_id).kernel if product_id else None


def _ids(products: list[catalog.Product]) -> list[tuple[str, str]]:
    return [(p.name, p.id) for p in products]


def host_os_choices(architecture: str) -> list[tuple[str, str]]:
    oses = catalog.all(kind="os")
    if architecture == "type2":
        kernels = {k for p in catalog.all("hypervisor", hypervisor_type=2) for k in p.hosts}
    elif architecture == "containers":
        kernels = {k for p in catalog.all("container-engine") for k in p.hosts}
    elif architecture == "hyperv-isolated":
        kernels = set(catalog.get("hyperv-isolation").hosts)
    elif architecture == "microvms":
        kernels = set(catalog.get("firecracker").hosts)
    else:
        kernels = {p.kernel for p in oses}
    return _ids([p for p in oses if p.kernel in kernels])


def hypervisor_choices(architecture: str, host_os: str | None) -> list[tuple[str, str]]:
    if architecture in ("type1", "containers-in-vms"):
        return _ids(catalog.all("hypervisor", hypervisor_type=1))
    if architecture == "type2":
        kernel = _kernel(host_os)
        return _ids([p for p in catalog.all("hypervisor", hypervisor_type=2) if kernel in p.hosts])
    if architecture == "microvms":
        # A microVM monitor, not a runtime that wraps containers (Kata, Hyper-V isolation).
        return _ids([p for p in catalog.all("microvm") if p.isolation is None])
    return []


def guest_os_choices(architecture: str) -> list[tuple[str, str]]:
    if architecture in ("containers-in-vms", "microvms"):
        return _ids(catalog.all("os", kernel="linux"))
    return []


def engine_choices(architecture: str, kernel: str | None) -> list[tuple[str, str]]:
    if architecture not in ("containers", "containers-in-vms", "hyperv-isolated"):
        return []
    return _ids([p for p in catalog.all("container-engine") if kernel in p.hosts])


def guest_choices(architecture: str, kernel: str | None) -> list[tuple[str, str]]:
    if architecture in ("type1", "type2"):
        return _ids(catalog.all("os"))
    return _ids([p for p in catalog.all("app") if p.kernel == kernel])


# --------------------------------------------------------------------------- the widget
class StackBuilder(w.VBox):
    """Build a stack with controls; see the diagram, the problems and a summary live."""

    def __init__(self, stack: Stack | None = None, *, architecture: str = "type1") -> None:
        if architecture not in ARCHITECTURES:
            raise ValueError(
                f"Unknown architecture {architecture!r}; choose from {', '.join(ARCHITECTURES)}."
            )
        self._quiet = True
        self._items: list[str] = []
        self._custom: Stack | None = None
        self.last_error: str | None = None
        self.last_message = ""
        self.problems: list[Problem] = []
        style = {"description_width": "initial"}
        self.architecture = w.Dropdown(
            options=[(label, key) for key, label in ARCHITECTURES.items()],
            value=architecture,
            description="Architecture",
            style=style,
            layout=w.Layout(width="460px"),
        )
        self.host_os = w.Dropdown(description="Host OS", style=style)
        self.hypervisor = w.Dropdown(description="Hypervisor", style=style)
        self.guest_os = w.Dropdown(description="Guest OS in VMs", style=style)
        self.engine = w.Dropdown(description="Engine", style=style)
        self.guest = w.Dropdown(description="Add", style=style)
        self.add_button = w.Button(description="Add", icon="plus", button_style="success")
        self.remove_button = w.Button(description="Remove selected", icon="minus")
        self.instances = w.Select(description="Instances", rows=6, style=style)
        self.cores = w.IntSlider(16, min=1, max=128, description="Host cores", style=style)
        self.memory_gb = w.IntSlider(
            64, min=1, max=1024, description="Host memory (GB)", style=style
        )
        self.vm_memory_gb = w.FloatSlider(
            4.0, min=0.25, max=64.0, step=0.25, description="Memory per VM (GB)", style=style
        )
        self.vm_count = w.IntSlider(2, min=1, max=8, description="VMs", style=style)
        self.summary = w.HTML()
        self.problems_html = w.HTML()
        # What is built by hand is gone when the notebook runs again (the grader re-runs it):
        # the code below rebuilds it, so a learner can paste it into a cell and keep it.
        self.changed_by_hand = False
        self.code_html = w.HTML()
        self.code_box = w.Accordion(children=[self.code_html], selected_index=None)
        self.code_box.set_title(0, "Code for this stack: paste it into a cell to keep it")
        self._live = LiveFigure.from_parts(*diagram_parts(Stack()))
        self.figure = self._live.widget

        self.architecture.observe(self._guarded(self._on_architecture), names="value")
        for control in (self.host_os, self.guest_os):
            control.observe(self._guarded(self._on_host_change), names="value")
        for control in (self.hypervisor, self.engine, self.cores, self.memory_gb):
            control.observe(self._guarded(self._refresh), names="value")
        for control in (self.vm_memory_gb, self.vm_count):
            control.observe(self._guarded(self._on_layout_change), names="value")
        self.add_button.on_click(self._guarded(lambda _: self.add(self.guest.value)))
        self.remove_button.on_click(self._guarded(lambda _: self._remove_selected()))

        super().__init__(
            [
                self.architecture,
                w.HBox([self.host_os, self.hypervisor, self.guest_os, self.engine]),
                w.HBox([self.cores, self.memory_gb]),
                w.HBox([self.vm_memory_gb, self.vm_count]),
                w.HBox(
                    [
                        w.VBox([self.guest, w.HBox([self.add_button, self.remove_button])]),
                        self.instances,
                    ]
                ),
                self.figure,
                self.summary,
                self.problems_html,
                self.code_box,
            ]
        )
        if stack is None or not self._load(stack):
            if stack is not None:
                self._custom = Stack.from_dict(stack.to_dict())
                self._quiet = True
                self.architecture.value = None
            else:
                self._reset(architecture)
        self._quiet = False
        self._refresh()

    # ------------------------------------------------------------------ user actions
    def add(self, product_id: str | None = None) -> None:
        """Add one guest, container or app (what the Add button does)."""
        product_id = product_id if product_id is not None else self.guest.value
        if self._custom is not None or product_id is None:
            return
        if len(self._items) >= MAX_INSTANCES:
            self.last_message = f"At most {MAX_INSTANCES} instances in the builder."
            self.summary.value += f"<br><i>{self.last_message}</i>"
            return
        catalog.get(product_id)  # an unknown id raises a clear UnknownProductError
        self._items.append(product_id)
        self._sync_instances(select=len(self._items) - 1)
        self._refresh()

    def remove(self, index_or_label: int | str) -> None:
        """Remove one instance by index, by its label in the list, or by product id or name."""
        if isinstance(index_or_label, int) and not isinstance(index_or_label, bool):
            if not -len(self._items) <= index_or_label < len(self._items):
                raise ValueError(
                    f"No instance {index_or_label}; there are {len(self._items)} instances."
                )
            index = index_or_label % len(self._items)
        else:
            labels = [label for label, _ in self.instances.options]
            matches = [
                i
                for i, item in enumerate(self._items)
                if index_or_label in (labels[i], item, catalog.get(item).name)
            ]
            if not matches:
                raise ValueError(
                    f"No instance {index_or_label!r}; instances: {', '.join(labels) or 'none'}."
                )
            index = matches[-1]
        del self._items[index]
        self._sync_instances(select=min(index, len(self._items) - 1))
        self._refresh()

    def _remove_selected(self) -> None:
        if not self._items:
            return
        index = self.instances.value if self.instances.value is not None else -1
        self.remove(index)

    # ------------------------------------------------------------------ the model
    @property
    def stack(self) -> Stack:
        """A fresh Stack reflecting the controls now.

        Once the learner has changed the builder by hand, the stack is marked with its
        ``origin``: running the notebook again does not repeat those changes, so ``check()``
        warns that the grader will not see it, and :meth:`code` gives the code to keep instead.
        """
        stack = (
            Stack.from_dict(self._custom.to_dict()) if self._custom is not None else self._build()
        )
        if self.changed_by_hand:
            stack.origin = "StackBuilder, changed by hand"
        return stack

    def code(self, name: str = "stack") -> str:
        """Python source that builds the stack shown now; paste it into a cell to keep it."""
        return self.stack.to_code(name)

    def _build(self) -> Stack:
        arch = self.architecture.value
        hw = Hardware(cores=self.cores.value, memory_gb=self.memory_gb.value)
        vm_gb = self.vm_memory_gb.value
        items = list(self._items)
        host_os, hypervisor = self.host_os.value, self.hypervisor.value
        engine, guest_os = self.engine.value, self.guest_os.value
        if arch == "bare-metal" and host_os:
            os_node = hw.install(host_os)
            for app in items:
                os_node.install(app)
        elif arch in ("type1", "type2"):
            if arch == "type1":
                hv = install_type1(hw, hypervisor) if hypervisor else None
            else:
                hv = hw.install(host_os).install(hypervisor) if host_os and hypervisor else None
            if hv is not None:
                for guest in items:
                    hv.create_vm(guest, memory_gb=vm_gb)
        elif arch in ("containers", "hyperv-isolated") and host_os:
            os_node = hw.install(host_os)
            if engine:
                eng = os_node.install(engine)
                runtime = "hyperv-isolation" if arch == "hyperv-isolated" else None
                for image in items:
                    eng.run(image, runtime=runtime)
        elif arch == "containers-in-vms" and hypervisor:
            hv = install_type1(hw, hypervisor)
            vms = [hv.create_vm(guest_os, memory_gb=vm_gb) for _ in range(self.vm_count.value)]
            if guest_os and engine:
                engines = [vm.guest.install(engine) for vm in vms]
                for k, image in enumerate(items):
                    engines[k % len(engines)].run(image)
        elif arch == "microvms" and host_os and hypervisor:
            monitor = hw.install(host_os).install(hypervisor)
            for app in items:
                vm = monitor.create_vm(guest_os, memory_gb=vm_gb)
                if vm.guest is not None:
                    vm.guest.install(app)
        return Stack(hw)

    # ------------------------------------------------------------------ controls
    def _guarded(self, handler: Callable[..., None]) -> Callable[..., None]:
        """Run a UI handler; a bug shows as a message in the widget instead of a traceback."""

        def run(*args: Any) -> None:
            if self._quiet:
                return
            if _from_front_end(args):
                self.changed_by_hand = True
            try:
                handler(*args)
            except Exception as err:  # a widget must never raise at the learner
                log.exception("StackBuilder handler failed")
                self.last_error = f"{type(err).__name__}: {err}"
                self.problems_html.value = (
                    f"<p style='color:#D55E00'>Internal error: {html.escape(self.last_error)}</p>"
                )

        return run

    def _set_choices(self, dropdown: w.Dropdown, choices: list[tuple[str, str]], preferred: Any):
        values = [v for _, v in choices]
        value = (
            preferred
            if preferred in values
            else (dropdown.value if dropdown.value in values else (values[0] if values else None))
        )
        dropdown.options = choices
        dropdown.value = value

    def _update_choices(self, preferred: dict[str, Any] | None = None) -> None:
        """Offer only the products that fit the chosen architecture and host OS."""
        preferred = preferred or {}
        arch = self.architecture.value
        was_quiet, self._quiet = self._quiet, True
        try:
            self._set_choices(self.host_os, host_os_choices(arch), preferred.get("host_os"))
            self._set_choices(
                self.hypervisor,
                hypervisor_choices(arch, self.host_os.value),
                preferred.get("hypervisor"),
            )
            self._set_choices(self.guest_os, guest_os_choices(arch), preferred.get("guest_os"))
            container_kernel = (
                _kernel(self.guest_os.value)
                if arch == "containers-in-vms"
                else _kernel(self.host_os.value)
            )
            self._set_choices(
                self.engine, engine_choices(arch, container_kernel), preferred.get("engine")
            )
            guest_kernel = _kernel(self.guest_os.value) if arch == "microvms" else container_kernel
            self._set_choices(self.guest, guest_choices(arch, guest_kernel), None)
            for name, shown_for in _SHOWN.items():
                getattr(self, name).layout.display = None if arch in shown_for else "none"
            self.guest.description = f"Add a {_ADD_WHAT.get(arch, 'instance')}"
        finally:
            self._quiet = was_quiet

    def _reset(self, architecture: str) -> None:
        """Start over with an architecture's default picture."""
        defaults = DEFAULTS[architecture]
        was_quiet, self._quiet = self._quiet, True
        try:
            self._custom = None
            self.architecture.value = architecture
            if architecture == "microvms":
                self.vm_memory_gb.value = defaults["vm_memory_gb"]
            elif architecture in VM_ARCHITECTURES:
                self.vm_memory_gb.value = 4.0
            self.vm_count.value = defaults.get("vm_count", 2)
            self._update_choices(defaults)
            self._items = list(defaults["items"])
            self._sync_instances()
        finally:
            self._quiet = was_quiet

    def _sync_instances(self, select: int | None = None) -> None:
        arch = self.architecture.value
        n_vms = self.vm_count.value
        options = []
        for i, item in enumerate(self._items):
            label = f"{i + 1}. {catalog.get(item).name}"
            if arch == "containers-in-vms":
                label += f" (VM {i % n_vms + 1})"
            options.append((label, i))
        was_quiet, self._quiet = self._quiet, True
        try:
            self.instances.options = options
            self.instances.value = select if select is not None and select >= 0 else None
        finally:
            self._quiet = was_quiet

    def _on_architecture(self, change: dict[str, Any]) -> None:
        if change["new"] is None:
            return
        self._reset(change["new"])
        self._refresh()

    def _on_host_change(self, _change: dict[str, Any]) -> None:
        self._update_choices()
        self._refresh()

    def _on_layout_change(self, _change: dict[str, Any]) -> None:
        self._sync_instances(select=self.instances.value)
        self._refresh()

    # ------------------------------------------------------------------ starting from a Stack
    def _load(self, stack: Stack) -> bool:
        """Fill the controls from a stack; False when it fits none of the architectures."""
        try:
            found = _infer(stack)
        except Exception:  # any odd shape simply does not fit an architecture
            found = None
        if found is None:
            return False
        arch = found["architecture"]
        try:
            self._reset(arch)
            hw = stack.hosts[0]
            self._quiet = True
            self.cores.value = int(hw.attrs["cores"])
            self.memory_gb.value = int(hw.attrs["memory_gb"])
            if "vm_memory_gb" in found:
                self.vm_memory_gb.value = found["vm_memory_gb"]
            if "vm_count" in found:
                self.vm_count.value = found["vm_count"]
            self._update_choices(found)
            for key in ("host_os", "hypervisor", "guest_os", "engine"):
                if key in found and getattr(self, key).value != found[key]:
                    return False
            self._items = list(found["items"])
            self._sync_instances()
            return self._build().to_dict() == stack.to_dict()
        except Exception:
            return False

    # ------------------------------------------------------------------ redraw
    def _refresh(self, *_: Any) -> None:
        stack = self.stack
        self.problems = stack.validate()
        self._live.show_parts(*diagram_parts(stack, problems=self.problems))
        self.problems_html.value = _problems_html(self.problems)
        self.summary.value = _summary_html(stack, custom=self._custom is not None)
        self.code_html.value = (
            "<pre style='font-size:12px;user-select:text'>"
            f"import virtlab as vl\n\n{html.escape(stack.to_code())}</pre>"
        )
        self.add_button.disabled = self._custom is not None or self.guest.value is None
        self.remove_button.disabled = self._custom is not None or not self._items


# --------------------------------------------------------------------------- helpers
def _from_front_end(args: tuple[Any, ...]) -> bool:
    """Whether a handler runs for something the learner did in the browser: a button click,
    or a trait change that ipywidgets applies from the front end (inside ``set_state``, under
    the owner's property lock). Code in a cell that sets a value runs again on a re-run."""
    if not args or not isinstance(args[0], dict):
        return True  # a button's on_click gets the button, never a change dict
    owner = args[0].get("owner")
    return bool(getattr(owner, "_property_lock", None))


def _infer(stack: Stack) -> dict[str, Any] | None:
    """Which architecture (and control values) reproduces this stack, if any."""
    if len(stack.hosts) != 1 or len(stack.hosts[0].children) != 1:
        return None
    top = stack.hosts[0].children[0]
    owner = type1_of(stack.hosts[0])
    if owner is not None and owner is not top:  # Linux with KVM in it: KVM is the Type 1
        default_os = DEFAULT_OS_OF_KERNEL.get(owner.product.kernel_module or "")
        if top.kind != "os" or len(top.children) != 1 or top.product.id != default_os:
            return None
        top = owner
    pid = top.product.id if top.product else None
    if top.kind == "os":
        kids = top.children
        if all(k.kind == "app" for k in kids):
            return {"architecture": "bare-metal", "host_os": pid, "items": _ids_of(kids)}
        if len(kids) != 1:
            return None
        layer = kids[0]
        if layer.kind == "hypervisor" and layer.product.hypervisor_type == 2:
            return {
                "architecture": "type2",
                "host_os": pid,
                "hypervisor": layer.product.id,
                **_vms(layer),
            }
        if layer.kind == "hypervisor" and layer.product.id == "firecracker":
            guests = [vm.guest for vm in layer.children]
            if any(g is None or len(g.children) != 1 for g in guests):
                return None
            found = {
                "architecture": "microvms",
                "host_os": pid,
                "hypervisor": "firecracker",
                "items": [g.children[0].product.id for g in guests],
                **({"guest_os": guests[0].product.id} if guests else {}),
            }
            if layer.children:
                found["vm_memory_gb"] = float(layer.children[0].attrs["memory_gb"])
            return found
        if layer.kind == "engine":
            runtimes = {c.runtime.id if c.runtime else None for c in layer.children}
            arch = "hyperv-isolated" if runtimes == {"hyperv-isolation"} else "containers"
            return {
                "architecture": arch,
                "host_os": pid,
                "engine": layer.product.id,
                "items": _ids_of(layer.children),
            }
        return None
    if top.kind == "hypervisor" and top.product.hypervisor_type == 1:
        vms = top.children
        guests = [vm.guest for vm in vms]
        if vms and all(g is not None and len(g.children) == 1 for g in guests):
            engines = [g.children[0] for g in guests]
            lists = [e.children for e in engines]
            total = sum(len(c) for c in lists)
            items = []
            for k in range(total):
                column = lists[k % len(lists)]
                if k // len(lists) >= len(column):
                    return None
                items.append(column[k // len(lists)])
            return {
                "architecture": "containers-in-vms",
                "hypervisor": pid,
                "guest_os": guests[0].product.id,
                "engine": engines[0].product.id,
                "vm_count": len(vms),
                "vm_memory_gb": float(vms[0].attrs["memory_gb"]),
                "items": _ids_of(items),
            }
        return {"architecture": "type1", "hypervisor": pid, **_vms(top)}
    return None


def _ids_of(nodes: list[Node]) -> list[str]:
    return [n.product.id for n in nodes]  # a node without product fails the rebuild check


def _vms(hypervisor: Node) -> dict[str, Any]:
    found: dict[str, Any] = {"items": [vm.guest.product.id for vm in hypervisor.children]}
    if hypervisor.children:
        found["vm_memory_gb"] = float(hypervisor.children[0].attrs["memory_gb"])
    return found


def weakest_isolation(stack: Stack) -> IsolationLevel | None:
    """The weakest boundary between any two workloads (None with fewer than two)."""
    # Workloads with the same parent layer and runtime sit in the same place of the tree, so
    # one representative per group (two when the group is itself a pair) gives every level.
    groups: dict[tuple[int, int], list[Node]] = {}
    for node in stack.workloads():
        groups.setdefault((id(node.parent), id(node.runtime)), []).append(node)
    pairs = [tuple(g[:2]) for g in groups.values() if len(g) > 1]
    pairs += itertools.combinations([g[0] for g in groups.values()], 2)
    weakest = None
    for a, b in pairs:
        level = isolation(a, b).level
        weakest = level if weakest is None else min(weakest, level)
    return weakest


def memory_promised_gb(stack: Stack) -> tuple[float, float]:
    """Memory the layers on the hardware ask for, and the hardware's memory (GB, all hosts)."""
    used = total = 0.0
    for host in stack.hosts:
        total += float(host.attrs["memory_gb"])
        for node in host.walk():
            if node is not host and node.host() is host:
                used += node.memory_mb / 1024
    return used, total


def _summary_html(stack: Stack, *, custom: bool) -> str:
    used, total = memory_promised_gb(stack)
    level = weakest_isolation(stack)
    n = len(stack.workloads())
    vms = sum(1 for node in stack.nodes() if node.kind == "vm")
    parts = [
        f"<b>Memory</b>: {used:,.1f} of {total:g} GB promised",
        f"<b>Instances</b>: {vms} VM{'s' if vms != 1 else ''}, {n} workload{'s' if n != 1 else ''}",
        f"<b>Weakest isolation</b>: {level.label if level is not None else '— (fewer than two)'}",
    ]
    note = (
        "<br><i>This stack fits none of the architectures: it is shown as it is. Pick an "
        "architecture to start over.</i>"
        if custom
        else ""
    )
    return "<div>" + " · ".join(parts) + note + "</div>"


def _problems_html(problems: list[Problem]) -> str:
    if not problems:
        return "<p style='color:#009E73'>✓ No problems: this stack is valid.</p>"
    rows = "".join(
        f"<li><b style='color:{'#D55E00' if p.severity == 'error' else '#E69F00'}'>"
        f"{p.severity}</b> on <i>{html.escape(p.node.name)}</i>: {html.escape(p.message)}"
        f"<br><span style='color:#555'>Hint: {html.escape(p.hint)}</span></li>"
        for p in problems
    )
    return f"<b>{len(problems)} problem{'s' if len(problems) != 1 else ''}</b><ul>{rows}</ul>"
