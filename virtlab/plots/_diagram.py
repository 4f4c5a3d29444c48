"""The classic stack picture and the isolation matrix: figures of one Stack.

The diagram's traces are always the same list, in the same order, whatever the stack (one
filled trace per layer kind, the same dimmed, the problem outlines, the labels, the problem
markers). A widget can therefore update the picture by restyling traces in place instead of
adding and deleting them, and tests find the labels in the trace named ``"layers"``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from virtlab.isolation import IsolationLevel
from virtlab.plots._style import (
    LAYER_COLOURS,
    LEVEL_COLOURS,
    PROBLEM_COLOUR,
    figure,
    text_colour_on,
    wrap,
)
from virtlab.rules import Problem
from virtlab.stack import NODE_KINDS, Node, Stack

LABEL_TRACE = "layers"
PROBLEM_TRACE = "problems"
OUTLINE_TRACE = "problem outlines"
HOST_GAP = 0.6  # between two physical hosts, in leaf widths
PLOT_WIDTH_PX = 760  # plot area of a notebook-width figure (~800 px)
CHAR_PX = 7.5  # average width of a 12 px label character
DIMMED_OPACITY = 0.22


@dataclass(frozen=True)
class Box:
    node: Node
    x0: float
    x1: float
    level: int

    @property
    def y0(self) -> float:
        return self.level + 0.06

    @property
    def y1(self) -> float:
        return self.level + 0.94


def layout_boxes(stack: Stack) -> list[Box]:
    """One box per layer, depth first from the hardware; widths proportional to leaf count."""
    boxes: list[Box] = []

    def place(node: Node, x: float, level: int) -> int:
        start = len(boxes)
        boxes.append(Box(node, x, x, level))  # placeholder until the width is known
        cursor = x
        for child in node.children:
            cursor += place(child, cursor, level + 1)
        width = max(1, round(cursor - x))
        boxes[start] = Box(node, x + 0.04, x + width - 0.04, level)
        return width

    x = 0.0
    for host in stack.hosts:
        x += place(host, x, 0) + HOST_GAP
    return boxes


def _fit_label(name: str, width_units: float, total_units: float) -> str:
    """The name, wrapped onto two lines or abbreviated so it fits its box."""
    chars = int(width_units * PLOT_WIDTH_PX / max(total_units, 1.0) / CHAR_PX)
    if len(name) <= chars:
        return name
    if chars < 4:  # too narrow for "ab…": the first letters alone, the hover has the name
        return name[: max(chars, 1)]
    words = name.split()
    for cut in range(len(words) - 1, 0, -1):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        if len(first) <= chars and len(second) <= chars:
            return f"{first}<br>{second}"
    return name[: max(chars - 1, 2)] + "…"


def _describe(node: Node) -> str:
    lines = [f"<b>{html.escape(node.name)}</b>", f"layer: {node.kind}"]
    if node.kind == "hardware":
        lines.append(f"{node.cpus} cores, {node.memory_gb:g} GB memory")
    elif node.kind == "vm":
        dynamic = (
            f" (dynamic: {node.minimum_gb:g}–{node.maximum_gb:g} GB)" if node.dynamic_memory else ""
        )
        lines.append(f"{node.cpus} vCPUs, {node.memory_gb:g} GB memory{dynamic}")
    elif node.kind == "container":
        runtime = node.runtime
        lines.append(f"{node.memory_mb:g} MB memory limit")
        if runtime is not None:
            lines.append(f"runtime: {html.escape(runtime.name)} ({runtime.isolation} isolation)")
        if node.base is not None and node.product is not None:
            lines.append(f"base image: {html.escape(node.base.name)}")
    product = node.product
    if product is not None:
        if product.hypervisor_type:
            lines.append(f"Type {product.hypervisor_type} hypervisor")
        if product.status != "active":
            lines.append(f"status: {html.escape(product.status)}")
        lines.append(wrap(html.escape(product.fact)))
    return "<br>".join(lines)


def _rectangles(boxes: Iterable[Box]) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for b in boxes:
        xs += [b.x0, b.x1, b.x1, b.x0, b.x0, None]
        ys += [b.y0, b.y0, b.y1, b.y1, b.y0, None]
    return xs, ys


def stack_diagram(
    stack: Stack, highlight: Iterable[Node] | None = None, *, title: str | None = None
) -> go.Figure:
    """The classic stack picture: hardware at the bottom, one box per layer above it.

    ``highlight`` emphasises some layers (the others are dimmed), e.g. what two workloads
    share. Problems from ``stack.validate()`` are outlined in vermillion with a "!" marker
    whose hover gives the message and the hint.
    """
    traces, layout = diagram_parts(stack, highlight, title=title)
    return figure(traces, **layout)


def diagram_parts(
    stack: Stack,
    highlight: Iterable[Node] | None = None,
    *,
    title: str | None = None,
    problems: list[Problem] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The diagram as plain data: trace dicts and the arguments of ``_style.figure``.

    Building plotly objects is the slow part of a figure (validation, template copies); a
    widget compares these plain dicts with what it last sent and restyles only what changed.
    ``problems`` saves validating again when the caller already has ``stack.validate()``.
    """
    boxes = layout_boxes(stack)
    lit = None if highlight is None else {id(n) for n in highlight}
    by_node: dict[int, list[Problem]] = {}
    for problem in stack.validate() if problems is None else problems:
        by_node.setdefault(id(problem.node), []).append(problem)
    problems_of = by_node
    hosts = [b for b in boxes if b.node.kind == "hardware"]
    total = hosts[-1].x1 + 0.04 if hosts else 0.0

    traces: list[dict[str, Any]] = []
    for dimmed in (False, True):
        for kind in NODE_KINDS:
            chosen = [
                b
                for b in boxes
                if b.node.kind == kind and (lit is not None and id(b.node) not in lit) == dimmed
            ]
            xs, ys = _rectangles(chosen)
            colour = LAYER_COLOURS[kind]
            traces.append(
                dict(
                    type="scatter",
                    x=xs,
                    y=ys,
                    name=kind if not dimmed else f"{kind} (dimmed)",
                    legendgroup=kind,
                    showlegend=not dimmed,
                    mode="lines",
                    fill="toself",
                    fillcolor=colour,
                    line={"color": "white", "width": 1},
                    opacity=DIMMED_OPACITY if dimmed else 1.0,
                    hoverinfo="skip",
                )
            )
    flagged = [b for b in boxes if id(b.node) in problems_of]
    xs, ys = _rectangles(flagged)
    traces.append(
        dict(
            type="scatter",
            x=xs,
            y=ys,
            name=OUTLINE_TRACE,
            mode="lines",
            line={"color": PROBLEM_COLOUR, "width": 3},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    label_colours = [
        "#888888"
        if lit is not None and id(b.node) not in lit
        else text_colour_on(LAYER_COLOURS[b.node.kind])
        for b in boxes
    ]
    traces.append(
        dict(
            type="scatter",
            x=[(b.x0 + b.x1) / 2 for b in boxes],
            y=[(b.y0 + b.y1) / 2 for b in boxes],
            text=[_fit_label(b.node.name, b.x1 - b.x0, total) for b in boxes],
            customdata=[b.node.kind for b in boxes],
            hovertext=[_describe(b.node) for b in boxes],
            hoverinfo="text",
            mode="text",
            textfont={"color": label_colours, "size": 12},
            name=LABEL_TRACE,
            showlegend=False,
        )
    )
    traces.append(
        dict(
            type="scatter",
            x=[b.x1 - 0.12 for b in flagged],
            y=[b.y1 - 0.18 for b in flagged],
            text=["!"] * len(flagged),
            hovertext=[
                "<br>".join(
                    f"<b>{p.severity}</b>: {wrap(html.escape(p.message))}"
                    f"<br>hint: {wrap(html.escape(p.hint))}"
                    for p in problems_of[id(b.node)]
                )
                for b in flagged
            ],
            hoverinfo="text",
            mode="markers+text",
            marker={"color": PROBLEM_COLOUR, "size": 16, "symbol": "circle"},
            textfont={"color": "white", "size": 12},
            name=PROBLEM_TRACE,
            showlegend=False,
        )
    )
    n_workloads = len(stack.workloads())
    n_problems = sum(len(p) for p in problems_of.values())
    if title is None:
        hosts = f"{len(stack.hosts)} host{'s' if len(stack.hosts) != 1 else ''}"
        n_vms = sum(1 for n in stack.nodes() if n.kind == "vm")
        vms = f"{n_vms} VM{'s' if n_vms != 1 else ''}, " if n_vms else ""
        # a guest OS alone is not a workload: say what counts, so "0" does not puzzle anyone
        apps = f"{n_workloads} " + (
            "app or container" if n_workloads == 1 else "apps or containers"
        )
        title = f"Stack: {vms}{apps} on {hosts}"
        if n_problems:
            title += f" — {n_problems} problem{'s' if n_problems != 1 else ''} (!)"
    levels = max(b.level for b in boxes) + 1
    hidden_axis = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    return traces, dict(
        title=title,
        height=140 + 62 * levels,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis={**hidden_axis, "range": [-0.1, total + 0.1]},
        yaxis={**hidden_axis, "range": [-0.05, levels + 0.05]},
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0, "traceorder": "normal"},
        hovermode="closest",
    )


def diagram_labels(fig: go.Figure) -> list[str]:
    """The layer labels of a stack diagram, depth first from the hardware."""
    trace = next(t for t in fig.data if t.name == LABEL_TRACE)
    return list(trace.text or ())


def isolation_matrix(stack: Stack) -> go.Figure:
    """Attackers (rows) by targets (columns), coloured by what an attacker in the row's
    workload must cross to reach the column's; hover names the shared layers. Isolation has a
    direction, so the matrix may be asymmetric."""
    labels = stack.labels()
    nodes, names = list(labels), list(labels.values())
    z: list[list[int | None]] = []
    hover: list[list[str]] = []
    for a in nodes:
        row, row_hover = [], []
        for b in nodes:
            if a is b:
                row.append(None)
                row_hover.append(f"{html.escape(labels[a])}: the same workload")
                continue
            iso = stack.isolation(a, b)
            row.append(int(iso.level))
            shared = ", ".join(n.name for n in iso.shared) or "nothing"
            row_hover.append(
                f"<b>attacker in {html.escape(labels[a])} → {html.escape(labels[b])}</b>"
                f"<br>level: {iso.level.label}<br>shared: {html.escape(shared)}"
                f"<br>boundary: {wrap(html.escape(iso.boundary))}"
            )
        z.append(row)
        hover.append(row_hover)
    levels = list(IsolationLevel)
    n = len(levels)
    colourscale = []
    for i, level in enumerate(levels):
        colour = LEVEL_COLOURS[level.label]
        colourscale += [[i / n, colour], [(i + 1) / n, colour]]
    heat = go.Heatmap(
        z=z,
        x=names,
        y=names,
        text=hover,
        hovertemplate="%{text}<extra></extra>",
        colorscale=colourscale,
        zmin=-0.5,
        zmax=n - 0.5,
        xgap=2,
        ygap=2,
        colorbar={
            "title": {"text": "isolation level"},
            "tickvals": [int(level) for level in levels],
            "ticktext": [level.label for level in levels],
        },
    )
    notes = []
    if len(nodes) < 2:
        notes.append(
            {
                "text": "Add at least two workloads (apps or containers) to compare them.",
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
            }
        )
    side = 260 + 28 * len(nodes)
    return figure(
        [heat],
        title="What an attacker in one workload must cross to reach another",
        x_title="target workload",
        y_title="attacker's workload",
        annotations=notes,
        height=min(max(side, 380), 1200),
        yaxis={"autorange": "reversed"},
    )
