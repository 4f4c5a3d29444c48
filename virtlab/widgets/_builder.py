"""StackBuilder: pick an architecture and products, add guests, watch the stack and its problems.

The widget holds no domain logic: an architecture of :mod:`virtlab.architectures` says which
settings it uses, which products fit them, how to build a stack from a
:class:`~virtlab.architectures.Design` and how to recognise one; the diagram, problems and
summary are read from the model (``plots.diagram_parts``, ``Stack.validate``,
``scenarios.weakest_level``, ``overhead.memory_promised_gb``).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import ipywidgets as w

from virtlab import catalog
from virtlab.architectures import ARCHITECTURES as REGISTRY
from virtlab.architectures import SETTINGS, Design, recognise
from virtlab.architectures import architecture as arch_of
from virtlab.overhead import memory_promised_gb
from virtlab.plots import diagram_parts
from virtlab.rules import Problem
from virtlab.scenarios import weakest_level
from virtlab.stack import Stack
from virtlab.widgets._live import LiveFigure
from virtlab.widgets._quiet import QuietRedraw

log = logging.getLogger(__name__)

ARCHITECTURES: dict[str, str] = {a.id: a.label for a in REGISTRY.values()}
MAX_INSTANCES = 100


def _options(products: list[catalog.Product]) -> list[tuple[str, str]]:
    return [(p.name, p.id) for p in products]


# --------------------------------------------------------------------------- the widget
class StackBuilder(QuietRedraw, w.VBox):
    """Build a stack with controls; see the diagram, the problems and a summary live."""

    def __init__(self, stack: Stack | None = None, *, architecture: str = "type1") -> None:
        arch_of(architecture)  # an unknown id raises a clear error naming the choices
        self._items: list[str] = []
        self._custom: Stack | None = None
        self.last_error: str | None = None
        self.last_message = ""
        self.problems: list[Problem] = []
        style = {"description_width": "initial"}
        with self.quietly():
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
            # What is built by hand is gone when the notebook runs again (the grader re-runs
            # it): the code below rebuilds it, so a learner can paste it into a cell and keep it.
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
            design = recognise(stack) if stack is not None else None
            if design is not None:
                self._show(design)
            elif stack is not None:
                self._custom = Stack.from_dict(stack.to_dict())
                self.architecture.value = None
            else:
                self._show(arch_of(architecture).default_design())
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
    def design(self) -> Design | None:
        """The controls as a :class:`~virtlab.architectures.Design` (None for a custom stack)."""
        if self._custom is not None or self.architecture.value is None:
            return None
        return Design(
            self.architecture.value,
            host_os=self.host_os.value,
            hypervisor=self.hypervisor.value,
            guest_os=self.guest_os.value,
            engine=self.engine.value,
            vm_memory_gb=self.vm_memory_gb.value,
            vm_count=self.vm_count.value,
            items=tuple(self._items),
            cores=self.cores.value,
            memory_gb=self.memory_gb.value,
        )

    @property
    def stack(self) -> Stack:
        """A fresh Stack reflecting the controls now.

        Once the learner has changed the builder by hand, the stack is marked with its
        ``origin``: running the notebook again does not repeat those changes, so ``check()``
        warns that the grader will not see it, and :meth:`code` gives the code to keep instead.
        """
        design = self.design
        stack = design.build() if design is not None else Stack.from_dict(self._custom.to_dict())
        if self.changed_by_hand:
            stack.origin = "StackBuilder, changed by hand"
        return stack

    def code(self, name: str = "stack") -> str:
        """Python source that builds the stack shown now; paste it into a cell to keep it."""
        return self.stack.to_code(name)

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

    @staticmethod
    def _set_choices(dropdown: w.Dropdown, choices: list[tuple[str, str]], preferred: Any) -> None:
        values = [v for _, v in choices]
        value = (
            preferred
            if preferred in values
            else (dropdown.value if dropdown.value in values else (values[0] if values else None))
        )
        dropdown.options = choices
        dropdown.value = value

    def _update_choices(self, preferred: Design | None = None) -> None:
        """Offer only the products that fit the chosen architecture and host OS."""
        arch = arch_of(self.architecture.value)

        def want(name: str) -> Any:
            return getattr(preferred, name) if preferred is not None else None

        with self.quietly():
            self._set_choices(self.host_os, _options(arch.host_oses()), want("host_os"))
            self._set_choices(
                self.hypervisor,
                _options(arch.hypervisors(self.host_os.value)),
                want("hypervisor"),
            )
            self._set_choices(self.guest_os, _options(arch.guest_oses()), want("guest_os"))
            now = self.design
            self._set_choices(
                self.engine, _options(arch.engines(arch.engine_kernel(now))), want("engine")
            )
            self._set_choices(self.guest, _options(arch.items(arch.item_kernel(now))), None)
            for name in SETTINGS:
                getattr(self, name).layout.display = None if name in arch.settings else "none"
            self.guest.description = f"Add a {arch.add_what}"

    def _show(self, design: Design) -> None:
        """Set every control from a design."""
        with self.quietly():
            self._custom = None
            self.architecture.value = design.architecture
            self.cores.value = int(design.cores)
            self.memory_gb.value = int(design.memory_gb)
            self.vm_memory_gb.value = design.vm_memory_gb
            self.vm_count.value = design.vm_count
            self._update_choices(design)
            self._items = list(design.items)
            self._sync_instances()

    def _sync_instances(self, select: int | None = None) -> None:
        design = self.design
        arch = arch_of(self.architecture.value)
        options = [(arch.item_label(i, design), i) for i in range(len(self._items))]
        with self.quietly():
            self.instances.options = options
            self.instances.value = select if select is not None and select >= 0 else None

    def _on_architecture(self, change: dict[str, Any]) -> None:
        if change["new"] is None:
            return
        default = arch_of(change["new"]).default_design()
        # a new architecture starts from its own picture on the same hardware
        self._show(replace(default, cores=self.cores.value, memory_gb=self.memory_gb.value))
        self._refresh()

    def _on_host_change(self, _change: dict[str, Any]) -> None:
        self._update_choices()
        self._refresh()

    def _on_layout_change(self, _change: dict[str, Any]) -> None:
        self._sync_instances(select=self.instances.value)
        self._refresh()

    # ------------------------------------------------------------------ redraw
    def _refresh(self, *_: Any) -> None:
        stack = self.stack
        self.problems = stack.validate()
        self._live.show_parts(*diagram_parts(stack, problems=self.problems))
        self.problems_html.value = _problems_html(self.problems)
        self.summary.value = _summary_html(
            stack, custom=self._custom is not None, problems=self.problems
        )
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


def _summary_html(stack: Stack, *, custom: bool, problems: list[Problem] | None = None) -> str:
    used, total = memory_promised_gb(stack)
    # isolation of a stack that cannot run means nothing: say so rather than print a level
    problems = stack.validate() if problems is None else problems
    broken = any(p.severity == "error" for p in problems)
    level = None if broken else weakest_level(stack)
    n = len(stack.workloads())
    vms = sum(1 for node in stack.nodes() if node.kind == "vm")
    parts = [
        f"<b>Memory</b>: {used:,.1f} of {total:g} GB promised",
        f"<b>Instances</b>: {vms} VM{'s' if vms != 1 else ''}, {n} workload{'s' if n != 1 else ''}",
        "<b>Weakest isolation</b>: "
        + (
            "— (fix the errors first)"
            if broken
            else level.label
            if level is not None
            else "— (fewer than two)"
        ),
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
