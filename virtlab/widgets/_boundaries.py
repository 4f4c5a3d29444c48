"""Lesson 09's explorers: where a VM's time goes, and what container image layers share."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from virtlab import hwvirt
from virtlab.images import Host, Pull, example_images, host_with
from virtlab.plots import exit_breakdown, image_storage
from virtlab.widgets._explorers import _guard
from virtlab.widgets._live import LiveFigure
from virtlab.widgets._quiet import QuietRedraw

_NOTHING = "nothing"


class ExitExplorer(QuietRedraw, w.VBox):
    """Pick a workload, optionally mixed with a second: the bars show each technique's time.

    Every number comes from :func:`virtlab.hwvirt.slowdown`; a technique without a published
    figure for the mix says "no reliable figure" instead of a bar.
    """

    def __init__(
        self, workload: str = "fork", mixed_with: str | None = None, share: int = 0
    ) -> None:
        style = {"description_width": "initial"}
        names = [(hwvirt.WORKLOAD_NAMES[wl], wl) for wl in hwvirt.WORKLOADS]
        self.last_error: str | None = None
        self.first = w.Dropdown(options=names, value="fork", description="Workload", style=style)
        self.second = w.Dropdown(
            options=[("nothing", _NOTHING), *names],
            value=_NOTHING,
            description="mixed with",
            style=style,
        )
        self.share = w.IntSlider(
            0, min=0, max=100, step=5, description="second's share of native time (%)", style=style
        )
        self.details = w.HTML()
        self._live = LiveFigure.from_figure(exit_breakdown(self.weights))
        self.figure = self._live.widget
        for control in (self.first, self.second, self.share):
            control.observe(_guard(self, self._refresh), names="value")
        super().__init__([w.HBox([self.first, self.second]), self.share, self.figure, self.details])
        self.choose(workload, mixed_with, share)

    @property
    def weights(self) -> dict[str, float]:
        """The mix as :func:`virtlab.hwvirt.mix` takes it: workload -> share of native time."""
        second, share = self.second.value, self.share.value / 100
        if second == _NOTHING or share == 0 or second == self.first.value:
            return {self.first.value: 1.0}
        if share == 1:
            return {second: 1.0}
        return {self.first.value: 1 - share, second: share}

    def mixes(self) -> dict[str, hwvirt.Mix]:
        """The mix under every technique."""
        return {t: hwvirt.mix(self.weights, t) for t in hwvirt.TECHNIQUES}

    def choose(self, workload: str, mixed_with: str | None = None, share: int = 0) -> None:
        """Set the whole mix at once (one redraw): ``choose("fork", "random-disk-io", 30)``."""
        for name in (workload, mixed_with):
            if name is not None and name not in hwvirt.WORKLOADS:
                raise ValueError(
                    f"Unknown workload {name!r}; workloads: {', '.join(hwvirt.WORKLOADS)}."
                )
        if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100:
            raise ValueError(f"share is a whole percentage from 0 to 100, got {share!r}.")
        with self.quietly():
            self.first.value = workload
            self.second.value = mixed_with or _NOTHING
            self.share.value = share
        self._refresh()

    def _refresh(self, *_: Any) -> None:
        if self._quiet:
            return
        self._live.show_figure(exit_breakdown(self.weights))
        lines = []
        for workload in self.weights:
            lines.append(
                f"<p><b>{html.escape(hwvirt.WORKLOAD_NAMES[workload])}</b>: what traps: "
                f"{html.escape(hwvirt.WHAT_EXITS[workload])}.</p><ul>"
            )
            for technique in hwvirt.TECHNIQUES:
                cell = hwvirt.slowdown(workload, technique)
                lines.append(f"<li>{html.escape(cell.describe())}</li>")
            lines.append("</ul>")
        self.details.value = "".join(lines)


class ImageExplorer(QuietRedraw, w.VBox):
    """Pull images in order and run containers: see what is fetched, stored once and written."""

    def __init__(
        self,
        pulled: tuple[str, ...] = ("python-web", "python-worker"),
        containers_per_image: int = 2,
        writes_mb: int = 10,
    ) -> None:
        self.catalogue = example_images()
        self.last_error: str | None = None
        style = {"description_width": "initial"}
        self.pulled = w.SelectMultiple(
            options=list(self.catalogue),
            value=(),
            description="Pull (in this order)",
            rows=len(self.catalogue),
            style=style,
        )
        self.containers = w.IntSlider(
            0, min=0, max=20, description="containers per image", style=style
        )
        self.writes = w.IntSlider(
            0, min=0, max=500, step=5, description="MB each container writes", style=style
        )
        self.report = w.HTML()
        self._order: list[str] = []
        host, _ = host_with([], 0, 0, self.catalogue)
        self._live = LiveFigure.from_figure(image_storage(host))
        self.figure = self._live.widget
        for control in (self.pulled, self.containers, self.writes):
            control.observe(_guard(self, self._refresh), names="value")
        super().__init__(
            [
                w.HBox([self.pulled, w.VBox([self.containers, self.writes])]),
                self.report,
                self.figure,
            ]
        )
        self.choose(pulled, containers_per_image, writes_mb)

    @property
    def order(self) -> list[str]:
        """The chosen images in the order they were picked (the order they are pulled)."""
        chosen = set(self.pulled.value)
        kept = [name for name in self._order if name in chosen]
        return kept + [name for name in self.pulled.value if name not in kept]

    def scenario(self) -> tuple[Host, list[Pull]]:
        """The host and pulls of the current choice (see :func:`virtlab.images.host_with`)."""
        return host_with(self.order, self.containers.value, self.writes.value, self.catalogue)

    def choose(
        self, pulled: tuple[str, ...] | list[str], containers_per_image: int, writes_mb: int
    ) -> None:
        """Set every control at once (one redraw); images are pulled in the order given."""
        unknown = [name for name in pulled if name not in self.catalogue]
        if unknown:
            raise ValueError(f"Unknown images {unknown}; images: {', '.join(self.catalogue)}.")
        with self.quietly():
            self._order = list(pulled)
            self.pulled.value = tuple(pulled)
            self.containers.value = containers_per_image
            self.writes.value = writes_mb
        self._refresh()

    def _refresh(self, *_: Any) -> None:
        if self._quiet:
            return
        self._order = self.order
        host, pulls = self.scenario()
        self._live.show_figure(image_storage(host))
        rows = []
        for pull in pulls:
            fetched = ", ".join(f"{x.name} ({x.size_mb:g} MB)" for x in pull.fetched) or "nothing"
            reused = ", ".join(x.name for x in pull.reused) or "nothing"
            rows.append(
                f"<li><b>pull {html.escape(pull.image.name)}</b>: fetched "
                f"{html.escape(fetched)}; already stored: {html.escape(reused)}</li>"
            )
        if not pulls:
            rows.append("<li>Pick one or more images to pull.</li>")
        self.report.value = (
            f"<ul>{''.join(rows)}</ul><p>Stored: {host.image_store_mb:g} MB of layers + "
            f"{host.writable_mb:g} MB written by {len(host.containers)} containers = "
            f"<b>{host.total_mb:g} MB</b>; without sharing: {host.without_sharing_mb:g} MB. "
            "<span style='color:#555'>Layer sizes are illustrative assumptions.</span></p>"
        )
