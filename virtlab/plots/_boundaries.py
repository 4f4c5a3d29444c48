"""Figures of lesson 09: where a VM's time goes, what image layers share, when boundaries broke."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from virtlab import escapes as escape_data
from virtlab import hwvirt
from virtlab.images import Host
from virtlab.plots._style import OKABE_ITO, figure, source_text, wrap

# --------------------------------------------------------------------------- where the time goes

WORKLOAD_COLOURS = {
    "cpu-loop": OKABE_ITO["sky"],
    "syscall": OKABE_ITO["yellow"],
    "fork": OKABE_ITO["orange"],
    "context-switch": OKABE_ITO["purple"],
    "kernel-build": OKABE_ITO["green"],
    "web-serving": OKABE_ITO["blue"],
    "random-disk-io": OKABE_ITO["vermillion"],
    "network-round-trip": OKABE_ITO["black"],
}
NATIVE_TRACE = "the work itself (native time)"
MISSING_TRACE = "no reliable figure"


def exit_breakdown(
    weights: Mapping[str, float], techniques: Sequence[str] = hwvirt.TECHNIQUES
) -> go.Figure:
    """For a workload mix, the run time under each technique relative to native (1.0).

    Each bar is the native time (grey) plus what each workload of the mix adds under that
    technique. A technique lacking a figure for any workload of the mix gets no bar, only the
    words "no reliable figure" and the workloads missing. The trace list is the same for every
    mix (one per workload), so a widget can restyle it in place.
    """
    mixes = [hwvirt.mix(weights, t) for t in techniques]
    rows = [hwvirt.TECHNIQUE_NAMES[t] for t in techniques]
    traces: list[go.BaseTraceType] = [
        go.Bar(
            x=[1.0 if m.total is not None else 0.0 for m in mixes],
            y=rows,
            orientation="h",
            name=NATIVE_TRACE,
            marker={"color": "#D9D9D9"},
            hovertext=[
                "native run time of the mix = 1.0" if m.total is not None else "" for m in mixes
            ],
            hoverinfo="text",
        )
    ]
    for workload in hwvirt.WORKLOADS:
        xs, hovers = [], []
        for m in mixes:
            part = m.parts.get(workload) if m.total is not None else None
            xs.append(part[1] if part else 0.0)
            if part:
                cell = hwvirt.slowdown(workload, m.technique)
                hovers.append(
                    f"<b>{html.escape(hwvirt.WORKLOAD_NAMES[workload])}</b>: adds "
                    f"{part[1]:.2f} to a native {part[0]:.2f} ({cell.figure:.2f}× native)"
                    f"<br>{wrap(html.escape(hwvirt.WHAT_EXITS[workload]))}"
                    f"<br>{html.escape(cell.cite())}"
                )
            else:
                hovers.append("")
        traces.append(
            go.Bar(
                x=xs,
                y=rows,
                orientation="h",
                name=f"added by {hwvirt.WORKLOAD_NAMES[workload]}",
                marker={"color": WORKLOAD_COLOURS[workload]},
                hovertext=hovers,
                hoverinfo="text",
                showlegend=workload in weights and weights[workload] > 0,
            )
        )
    missing_text = [
        ""
        if m.total is not None
        else "no reliable figure for " + ", ".join(hwvirt.WORKLOAD_NAMES[w] for w in m.missing)
        for m in mixes
    ]
    traces.append(
        go.Scatter(
            x=[0.02] * len(rows),
            y=rows,
            mode="text",
            text=missing_text,
            textposition="middle right",
            textfont={"color": "#555555"},
            name=MISSING_TRACE,
            hoverinfo="skip",
            showlegend=False,
        )
    )
    ids = [i for m in mixes if m.total is not None for i in m.measurement_ids]
    longest = max([m.total for m in mixes if m.total is not None], default=1.0)
    papers = {i.split("-")[0] for i in ids}
    mixed = sum(1 for share in weights.values() if share > 0) > 1
    return figure(
        traces,
        title="Where the time goes: the mix's run time per technique (native = 1.0)",
        x_title="run time relative to native",
        source=source_text(*dict.fromkeys(ids), note=_breakdown_note(ids, mixed, len(papers))),
        height=440,
        barmode="stack",
        xaxis={"range": [0, max(2.0, longest * 1.1)]},
        yaxis={"autorange": "reversed", "automargin": True},
    )


def _breakdown_note(ids: list[str], mixed: bool, papers: int) -> str:
    if not ids:
        return "No technique has a published figure for every workload of this mix"
    notes = ["Each ratio is virtualized/native within one paper"]
    if papers > 1:
        notes.append("bars from different papers ran on different machines and years")
    if mixed:
        notes.append("adding up a mix is derived arithmetic, an illustration, not a measurement")
    return "; ".join(notes)


# --------------------------------------------------------------------------- image layers

_LAYER_PALETTE = [
    OKABE_ITO["sky"],
    OKABE_ITO["orange"],
    OKABE_ITO["green"],
    OKABE_ITO["purple"],
    OKABE_ITO["blue"],
    OKABE_ITO["yellow"],
    OKABE_ITO["vermillion"],
]
WRITABLE_TRACE = "containers' writable layers"
STORED_ONCE = "stored once (layers by digest)"
NO_SHARING = "if nothing were shared"


def image_storage(host: Host) -> go.Figure:
    """Disk used on a container host, by layer: content-addressed layers vs full copies.

    The left bar counts each distinct layer once plus each container's writable layer (what
    overlayfs stores). The right bar stores every image whole and gives every container a full
    copy of its image (what copying a VM disk image per instance would cost).
    """
    if not isinstance(host, Host):
        raise ValueError(f"image_storage needs a virtlab.images.Host, got {type(host).__name__}.")
    bars = [STORED_ONCE, NO_SHARING]
    traces: list[go.BaseTraceType] = []
    for index, layer in enumerate(host.layers.values()):
        users = [img for img in host.images.values() if layer in img.layers]
        copies = len(users) + sum(layer in c.image.layers for c in host.containers)
        names = ", ".join(img.name for img in users)
        traces.append(
            go.Bar(
                x=bars,
                y=[layer.size_mb, layer.size_mb * copies],
                name=f"{layer.name} ({layer.short})",
                marker={"color": _LAYER_PALETTE[index % len(_LAYER_PALETTE)]},
                hovertext=[
                    f"<b>{html.escape(layer.name)}</b> {layer.digest[:19]}…<br>"
                    f"{layer.size_mb:g} MB, stored once, used by {html.escape(names)}",
                    f"<b>{html.escape(layer.name)}</b><br>{copies} copies × {layer.size_mb:g} MB",
                ],
                hoverinfo="text",
            )
        )
    written = host.writable_mb
    traces.append(
        go.Bar(
            x=bars,
            y=[written, written],
            name=WRITABLE_TRACE,
            marker={"color": "#D9D9D9", "line": {"color": "#555555", "width": 1}},
            hovertext=[f"{len(host.containers)} containers wrote {written:g} MB"] * 2,
            hoverinfo="text",
        )
    )
    return figure(
        traces,
        title=(
            f"{len(host.images)} images, {len(host.containers)} containers: "
            f"{host.total_mb:,.0f} MB stored, against {host.without_sharing_mb:,.0f} MB unshared"
        ),
        y_title="disk used (MB)",
        source="Layer sizes are illustrative assumptions, not measurements.",
        height=440,
        barmode="stack",
        legend={"title": {"text": "layer (digest)"}},
    )


# --------------------------------------------------------------------------- escape timeline

BOUNDARY_COLOURS = {
    "container-runtime": OKABE_ITO["orange"],
    "shared-kernel": OKABE_ITO["vermillion"],
    "configuration": OKABE_ITO["grey"],
    "hypervisor-device-model": OKABE_ITO["blue"],
    "hardware-side-channel": OKABE_ITO["purple"],
}
MITIGATION_ROW = "mitigations released"
_MITIGATION_LABELS = (
    "bottom center",
    "top left",
    "bottom center",
    "top right",
    "bottom center",
    "top center",
)
_SPAN = (dt.date(2014, 6, 1), dt.date(2025, 6, 1))


def boundary_label(boundary: str) -> str:
    """The timeline's row label of a boundary id: ``"shared kernel"``."""
    return boundary.replace("-", " ")


def escape_timeline() -> go.Figure:
    """Real escapes and leaks by date, one row per boundary that broke, plus mitigations.

    Configuration mistakes have no date (they are possible whenever someone makes them), so
    their row is a dashed line across the whole span rather than points. Each row's colour is
    its boundary's; hover over a point for what it crossed, what would have contained it and
    its sources.
    """
    boundaries = escape_data.boundaries()
    traces: list[go.BaseTraceType] = []
    for boundary in boundaries:
        found = escape_data.escapes(boundary)
        colour = BOUNDARY_COLOURS[boundary]
        row = boundary_label(boundary)
        dated = [e for e in found if e.disclosed is not None]
        undated = [e for e in found if e.disclosed is None]
        if dated:
            traces.append(
                go.Scatter(
                    x=[e.disclosed.isoformat() for e in dated],
                    y=[row] * len(dated),
                    mode="markers+text",
                    marker={"size": 16, "color": colour, "line": {"color": "white", "width": 1}},
                    text=[e.short for e in dated],
                    # alternate above and below so neighbours in time do not overprint
                    textposition=[
                        "top center" if i % 2 == 0 else "bottom center" for i in range(len(dated))
                    ],
                    name=boundaries[boundary],
                    hovertext=[_hover(e) for e in dated],
                    hoverinfo="text",
                )
            )
        if undated:
            names = " and ".join(e.short for e in undated)
            traces.append(
                go.Scatter(
                    x=[
                        _SPAN[0].isoformat(),
                        dt.date(2019, 12, 1).isoformat(),
                        _SPAN[1].isoformat(),
                    ],
                    y=[row] * 3,
                    mode="lines+text",
                    line={"color": colour, "dash": "dash", "width": 3},
                    text=["", f"{names}: possible in any year", ""],
                    textposition="top center",
                    name=f"{boundaries[boundary]} (any year)",
                    hovertext=["<br><br>".join(_hover(e) for e in undated)] * 3,
                    hoverinfo="text",
                )
            )
    fixes = escape_data.mitigations()
    traces.append(
        go.Scatter(
            x=[m.date.isoformat() for m in fixes],
            y=[MITIGATION_ROW] * len(fixes),
            mode="markers+text",
            marker={"symbol": "triangle-up", "size": 13, "color": "#555555"},
            text=[m.short for m in fixes],
            # alternately below and above, shifted sideways where releases came months apart
            # (gVisor, Kata, Firecracker in 2018), so their labels do not overprint
            textposition=[
                _MITIGATION_LABELS[i % len(_MITIGATION_LABELS)] for i in range(len(fixes))
            ],
            textfont={"size": 11, "color": "#555555"},
            name=MITIGATION_ROW,
            hovertext=[
                f"<b>{html.escape(m.name)}</b> ({m.date.isoformat()})<br>{html.escape(m.source)}"
                for m in fixes
            ],
            hoverinfo="text",
        )
    )
    rows = [boundary_label(b) for b in boundaries]
    return figure(
        traces,
        title="When boundaries broke: escapes and leaks by the boundary that failed",
        x_title="disclosed",
        source=(
            "Sources: the CVE records (NVD) and the vendors' and projects' advisories listed "
            "in virtlab/data/escapes.json; hover over a point"
        ),
        height=520,
        showlegend=False,  # each row is one boundary, named on the axis and coloured alike
        xaxis={"range": [_SPAN[0].isoformat(), _SPAN[1].isoformat()], "type": "date"},
        yaxis={
            "categoryorder": "array",
            "categoryarray": [MITIGATION_ROW, *reversed(rows)],
            "automargin": True,
        },
    )


def _hover(e: escape_data.Escape) -> str:
    level = e.contained_by.label if e.contained_by is not None else "none: fix the configuration"
    when = e.disclosed.isoformat() if e.disclosed else "any year"
    return (
        f"<b>{html.escape(e.label)}</b> ({when})<br>{wrap(html.escape(e.crossed))}"
        f"<br><i>contained at:</i> {html.escape(level)}"
        f"<br><i>sources:</i> {wrap(html.escape(e.cite()))}"
    )
