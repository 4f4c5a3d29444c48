"""Figures of the live lab (lesson 08): start times measured here beside the published ones."""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go

from virtlab import data
from virtlab.plots._style import ISOLATION_KIND_COLOURS, figure, source_text

# What each measured kind is compared with, in the papers: (row label, measurement ids summed).
PUBLISHED: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "process": [("process, fork/exec (MAN17)", ("man17-instantiation-process",))],
    "namespaces": [],
    "container": [("Docker container (MAN17)", ("man17-instantiation-docker",))],
    "microvm": [
        ("Firecracker microVM to init (AGA20)", ("aga20-boot-firecracker-median",)),
        ("QEMU VM to init (AGA20)", ("aga20-boot-qemu",)),
    ],
    "vm": [
        (
            "Debian VM on Xen, create + boot (MAN17)",
            ("man17-create-debian-vm", "man17-boot-debian-vm"),
        )
    ],
}
_COLOUR = {
    "process": ISOLATION_KIND_COLOURS["process"],
    "namespaces": ISOLATION_KIND_COLOURS["container"],
    "container": ISOLATION_KIND_COLOURS["container"],
    "microvm": ISOLATION_KIND_COLOURS["microvm"],
    "vm": ISOLATION_KIND_COLOURS["vm"],
}


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.3g} ms"


def start_times(measured: Any) -> go.Figure:
    """Start times measured by ``virtlab.live.measure_start`` (median, whisker to the 90th
    percentile) beside the published MAN17 and AGA20 figures, on a log axis."""
    where = "this machine" if measured.live else "reference machine (recorded)"
    rows: list[tuple[str, str, float, float | None, str]] = []  # label, kind, ms, p90, hover
    cited: list[str] = []
    for kind, published in PUBLISHED.items():
        timing = measured.get(kind)
        if timing is not None:
            here = "reference machine (recorded)" if timing.recorded else where
            rows.append(
                (
                    f"{timing.label} — {here}: {_ms(timing.median_ms)}",
                    kind,
                    timing.median_ms,
                    timing.p90_ms,
                    f"<b>{html.escape(timing.label)}</b><br>{here}: median "
                    f"{timing.median_ms:.2f} ms, 90th percentile {timing.p90_ms:.2f} ms over "
                    f"{timing.runs} runs<br>{html.escape(timing.how)}",
                )
            )
        for label, ids in published:
            value = sum(data.value(i) for i in ids)
            cited += [i for i in ids if i not in cited]
            rows.append(
                (
                    label,
                    kind,
                    value,
                    None,
                    f"<b>{html.escape(label)}</b>: {value:g} ms<br>"
                    f"Source: {html.escape(data.cite(*ids))}",
                )
            )
    traces = []
    for name, is_measured in ((f"measured on {where}", True), ("published", False)):
        chosen = [r for r in rows if (r[3] is not None) == is_measured]
        traces.append(
            go.Bar(
                y=[r[0] for r in chosen],
                x=[r[2] for r in chosen],
                orientation="h",
                name=name,
                marker={
                    "color": [_COLOUR[r[1]] for r in chosen],
                    "pattern": {"shape": "" if is_measured else "/"},
                    "line": {"color": "#333333", "width": 0.5},
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [(r[3] or r[2]) - r[2] for r in chosen],
                    "arrayminus": [0] * len(chosen),
                    "visible": is_measured,
                },
                # measured values are in their row labels: text would collide with whiskers
                text=None if is_measured else [_ms(r[2]) for r in chosen],
                textposition="outside",
                cliponaxis=False,
                hovertext=[r[4] for r in chosen],
                hoverinfo="text",
            )
        )
    order = [r[0] for r in rows]
    skipped = "; ".join(f"{k}: {why}" for k, why in measured.skipped.items())
    note = "Plain bars: measured, median with a whisker to the 90th percentile. Hatched: published"
    if not measured.live:
        note += f". Measured bars {measured.recorded}"
    if skipped:
        note += f". Not measured here: {skipped}"
    return figure(
        traces,
        title="Start times: this machine against the papers (log scale)",
        x_title="time to start (ms, log scale)",
        y_title=None,
        source=source_text(*cited, note=note),
        height=140 + 34 * len(rows),
        barmode="overlay",
        xaxis={"type": "log"},
        yaxis={
            "categoryorder": "array",
            "categoryarray": order,
            "autorange": "reversed",
            "automargin": True,
        },
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        margin={"b": 130},
    )
