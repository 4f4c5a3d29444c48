"""IsolationExplorer and OverheadExplorer: pick values, read the model, redraw."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from virtlab import catalog
from virtlab.isolation import Isolation
from virtlab.overhead import (
    ISOLATION_KINDS,
    ISOLATION_NAMES,
    density,
    kind_name,
    per_instance_cite,
    per_instance_mb,
)
from virtlab.plots import density_curve, diagram_parts, memory_use
from virtlab.stack import Stack
from virtlab.widgets._live import LiveFigure
from virtlab.widgets._quiet import QuietRedraw

log = logging.getLogger(__name__)


def _guard(owner: Any, handler: Callable[..., None]) -> Callable[..., None]:
    def run(*args: Any) -> None:
        try:
            handler(*args)
        except Exception as err:  # a widget must never raise at the learner
            log.exception("%s handler failed", type(owner).__name__)
            owner.last_error = f"{type(err).__name__}: {err}"

    return run


class IsolationExplorer(QuietRedraw, w.VBox):
    """Pick an attacker's workload and a target: the layers they share light up and a sentence
    explains what the attacker must cross (isolation has a direction)."""

    def __init__(self, stack: Stack) -> None:
        if not isinstance(stack, Stack):
            raise ValueError(f"IsolationExplorer needs a vl.Stack, got {type(stack).__name__}.")
        self._stack = stack
        self.last_error: str | None = None
        labels = list(stack.labels().values())
        style = {"description_width": "initial"}
        self.first = w.Dropdown(
            options=labels,
            value=labels[0] if labels else None,
            description="Attacker in",
            style=style,
        )
        self.second = w.Dropdown(
            options=labels,
            value=labels[1] if len(labels) > 1 else None,
            description="reaching",
            style=style,
        )
        self.explanation = w.HTML()
        self._live = LiveFigure.from_parts(*diagram_parts(stack, self._shared()))
        self.figure = self._live.widget
        for control in (self.first, self.second):
            control.observe(_guard(self, self._refresh), names="value")
        super().__init__([w.HBox([self.first, self.second]), self.figure, self.explanation])
        self._refresh()

    @property
    def isolation(self) -> Isolation | None:
        """The isolation between the two chosen workloads (None until two differ)."""
        a, b = self.first.value, self.second.value
        if a is None or b is None or a == b:
            return None
        return self._stack.isolation(a, b)

    def choose(self, a_label: str, b_label: str) -> None:
        """Pick both workloads by label (see ``stack.labels()``)."""
        for label in (a_label, b_label):
            if label not in self.first.options:
                known = ", ".join(self.first.options) or "none"
                raise ValueError(f"No workload labelled {label!r}; workloads: {known}.")
        with self.quietly():
            self.first.value = a_label
            self.second.value = b_label
        self._refresh()

    def _shared(self) -> tuple | None:
        iso = self.isolation
        return iso.shared if iso is not None else None

    def _refresh(self, *_: Any) -> None:
        if self._quiet:
            return
        iso = self.isolation
        self._live.show_parts(*diagram_parts(self._stack, iso.shared if iso else None))
        if len(self.first.options) < 2:
            self.explanation.value = (
                "<p>This stack has fewer than two workloads (apps or containers): add some to "
                "compare them.</p>"
            )
        elif iso is None:
            self.explanation.value = "<p>Pick two <i>different</i> workloads to compare.</p>"
        else:
            self.explanation.value = (
                f"<p><b>Isolation level: {iso.level.label}</b>. {html.escape(iso.explain())}</p>"
                f"<p><b>Attack surface</b>: {html.escape(iso.surface.describe())}</p>"
            )


class OverheadExplorer(w.VBox):
    """Sliders for host memory, app size, instance count and isolation kind; two live plots."""

    def __init__(self, host_memory_gb: float = 64, app: str = "nginx") -> None:
        product = catalog.get(app)
        if not isinstance(host_memory_gb, (int, float)) or not host_memory_gb > 0:
            raise ValueError(f"host_memory_gb must be a positive number, got {host_memory_gb!r}.")
        self.app = product.id
        self.last_error: str | None = None
        style = {"description_width": "initial"}
        self.host_memory_gb = w.IntSlider(
            int(host_memory_gb),
            min=1,
            max=max(1024, int(host_memory_gb)),
            description="Host memory (GB)",
            style=style,
        )
        self.app_memory_mb = w.IntSlider(
            int(product.memory_mb or 16),
            min=1,
            max=4096,
            description=f"{product.name} memory (MB)",
            style=style,
        )
        self.instances = w.IntSlider(100, min=1, max=5000, description="Instances", style=style)
        # a full VM costs what it is given (the app runs inside it) plus per-VM overhead
        self.vm_memory_gb = w.FloatSlider(
            1.0, min=0.25, max=64.0, step=0.25, description="Memory per full VM (GB)", style=style
        )
        self.isolation = w.Dropdown(
            options=[
                ("full VM (memory per VM below)" if k == "vm" else ISOLATION_NAMES[k], k)
                for k in ISOLATION_KINDS
            ],
            value="container",
            description="Isolation",
            style=style,
        )
        self.verdict = w.HTML()
        self._density = LiveFigure.from_figure(self._density_fig())
        self._memory = LiveFigure.from_figure(self._memory_fig())
        self.density_figure = self._density.widget
        self.memory_figure = self._memory.widget
        # the density curve depends on the two sizes only; instances and isolation leave it be
        sizes = (self.host_memory_gb, self.app_memory_mb, self.vm_memory_gb)
        for control in sizes:
            control.observe(_guard(self, self._refresh_density), names="value")
        for control in (*sizes, self.instances, self.isolation):
            control.observe(_guard(self, self._refresh), names="value")
        super().__init__(
            [
                w.HBox([self.host_memory_gb, self.app_memory_mb]),
                w.HBox([self.instances, self.isolation]),
                self.vm_memory_gb,
                self.verdict,
                self.memory_figure,
                self.density_figure,
            ]
        )
        self._refresh()

    @property
    def fits(self) -> int:
        """How many instances fit with the chosen isolation."""
        return density(
            self.host_memory_gb.value,
            self.app,
            self.isolation.value,
            app_memory_mb=self.app_memory_mb.value,
            vm_memory_gb=self._vm_size(),
        )

    def _vm_size(self) -> float | None:
        """The chosen VM size when full VMs are chosen; other kinds keep their own cost."""
        return self.vm_memory_gb.value if self.isolation.value == "vm" else None

    def _density_fig(self):
        return density_curve(
            self.host_memory_gb.value,
            self.app,
            app_memory_mb=self.app_memory_mb.value,
            vm_memory_gb=self.vm_memory_gb.value,
        )

    def _memory_fig(self):
        return memory_use(
            self.instances.value,
            self.host_memory_gb.value,
            self.app,
            app_memory_mb=self.app_memory_mb.value,
            chosen=self.isolation.value,
            vm_memory_gb=self.vm_memory_gb.value,
        )

    def _refresh_density(self, *_: Any) -> None:
        self._density.show_figure(self._density_fig())

    def _refresh(self, *_: Any) -> None:
        self._memory.show_figure(self._memory_fig())
        kind = self.isolation.value
        per = per_instance_mb(self.app_memory_mb.value, kind, vm_memory_gb=self._vm_size())
        source = per_instance_cite(kind, vm_memory_gb=self._vm_size())
        name = kind_name(kind, vm_memory_gb=self._vm_size())
        need_gb = self.instances.value * per / 1024
        fit = self.fits
        ok = self.instances.value <= fit
        mark = "✓ fits" if ok else "✗ does not fit"
        colour = "#009E73" if ok else "#D55E00"
        self.verdict.value = (
            f"<p><b style='color:{colour}'>{mark}</b>: {self.instances.value:,} × "
            f"{html.escape(self.app)} as {html.escape(name)} need {need_gb:,.1f} GB "
            f"({per:,.1f} MB each); a {self.host_memory_gb.value} GB host holds at most "
            f"{fit:,}. <span style='color:#555'>Source: {html.escape(source)}</span></p>"
        )
