"""Figures drawn from published measurements: every number comes from virtlab.data, cited."""

from __future__ import annotations

import html
from dataclasses import dataclass

import plotly.graph_objects as go

from virtlab import catalog, data
from virtlab.isolation import IsolationLevel
from virtlab.isolation import attack_surface as surface_of
from virtlab.overhead import (
    ISOLATION_KINDS,
    ISOLATION_NAMES,
    cost,
    density,
    kind_name,
    per_instance_mb,
)
from virtlab.plots._style import (
    ISOLATION_KIND_COLOURS,
    LAYER_COLOURS,
    figure,
    source_text,
    wrap,
)
from virtlab.stack import DEFAULT_HARDWARE, Node

# --------------------------------------------------------------------------- attack surface


_SHORT = {
    "host system calls reachable": "host syscalls",
    "hypercalls": "hypercalls",
    "emulated devices": "devices",
}
# A second row of the same table that qualifies the one drawn, shown in its hover text.
_ALSO = {"anj20-host-syscalls-gvisor": "anj20-host-syscalls-gvisor-host-network"}


def attack_surface() -> go.Figure:
    """The interface each isolation kind exposes: host syscalls vs hypercalls and devices."""
    figures = {
        f.measurement_id: f
        for level in IsolationLevel
        for f in surface_of(level).figures  # the figures the isolation model itself cites
    }
    total = data.measurement("dock-total-syscalls")
    blocked = data.measurement("dock-blocked-syscalls")
    groups = {
        "host system calls reachable": [
            ("LXC container", "anj20-host-syscalls-lxc", "container"),
            ("gVisor sandbox (Sentry)", "anj20-host-syscalls-gvisor", "sandbox"),
            ("Firecracker microVM (VMM)", "anj20-host-syscalls-firecracker", "microvm"),
        ],
        "hypercalls": [
            ("KVM", "kvm-h-hypercalls", "vm"),
            ("Xen", "xen-h-hypercalls", "vm"),
        ],
        "emulated devices": [("Firecracker microVM", "fc-spec-device-count", "microvm")],
    }
    traces = []
    cited: list[str] = []
    for group, rows in groups.items():
        ys, xs, hovers, colours = [], [], [], []
        for label, mid, kind in rows:
            colours.append(ISOLATION_KIND_COLOURS[kind])
            m = data.measurement(mid)
            described = figures.get(mid)
            what = described.label if described else m.description
            ys.append(f"{label}: {_SHORT[group]}")
            xs.append(m.value)
            shown = [mid, *([_ALSO[mid]] if mid in _ALSO else [])]
            also = "".join(
                f"<br>{wrap(html.escape(o.description.rstrip('.')))}: {o.value:g}"
                for o in map(data.measurement, shown[1:])
            )
            hovers.append(
                f"<b>{html.escape(label)}</b><br>{wrap(html.escape(what))}: {m.value:g}{also}"
                f"<br>{html.escape(data.cite(*shown, confidence=True))}"
            )
            cited.extend(shown)
        traces.append(
            go.Bar(
                x=xs,
                y=ys,
                orientation="h",
                name=group,
                marker={"color": colours},
                text=[f"{v:g}" for v in xs],
                textposition="outside",
                cliponaxis=False,
                hovertext=hovers,
                hoverinfo="text",
            )
        )
    allowed = total.value - blocked.value
    traces.insert(
        0,
        go.Bar(
            x=[allowed],
            y=["Docker (runc) + default seccomp: syscalls"],
            orientation="h",
            name="syscalls allowed by Docker's default seccomp profile",
            marker={"color": ISOLATION_KIND_COLOURS["container"]},
            text=[f"{allowed:g}+ ({total.value:g}+ − {blocked.value:g} blocked)"],
            textposition="outside",
            hovertext=[
                f"<b>Docker's default seccomp profile</b><br>blocks {blocked.value:g} of "
                f"{total.value:g}+ system calls, so more than {allowed:g} stay reachable"
                f"<br>{html.escape(blocked.cite())}"
            ],
            hoverinfo="text",
        ),
    )
    cited = ["dock-blocked-syscalls", *cited]
    return figure(
        traces,
        title="Attack surface: what a workload can call in the layer below",
        x_title="size of the interface (number of system calls, hypercalls or devices)",
        y_title=None,
        source=source_text(
            *cited, note="LXC's 306 is derived (all but 44 of about 350); fewer is smaller"
        ),
        height=460,
        barmode="group",
        showlegend=False,  # each bar's label already names its interface
        xaxis={"range": [0, max(x for t in traces for x in t.x) * 1.45]},
        yaxis={"autorange": "reversed", "automargin": True},
    )


# --------------------------------------------------------------------------- overhead bars


@dataclass(frozen=True)
class _Metric:
    title: str
    benchmark: str
    ids: dict[str, str]  # subject label -> measurement id
    higher_is_better: bool = True
    overhead_percent: bool = False  # the rows give "% below native", not absolute values


OVERHEAD_METRICS: dict[str, _Metric] = {
    "cpu": _Metric(
        "CPU throughput",
        "Linpack",
        {
            "native": "fel14-linpack-native",
            "Docker": "fel14-linpack-docker",
            "KVM": "fel14-linpack-kvm",
            "KVM (tuned)": "fel14-linpack-kvm-tuned",
        },
    ),
    "compression": _Metric(
        "Compression throughput",
        "PXZ",
        {
            "native": "fel14-pxz-native",
            "Docker": "fel14-pxz-docker",
            "KVM": "fel14-pxz-kvm",
            "KVM (tuned)": "fel14-pxz-kvm-tuned",
        },
    ),
    "memory-bandwidth": _Metric(
        "Memory bandwidth",
        "STREAM triad",
        {
            "native": "fel14-stream-triad-native",
            "Docker": "fel14-stream-triad-docker",
            "KVM": "fel14-stream-triad-kvm",
        },
    ),
    "network-latency": _Metric(
        "Network round-trip latency",
        "netperf TCP_RR",
        {
            "native": "fel14-tcp-rr-native",
            "Docker (NAT)": "fel14-tcp-rr-docker-nat",
            "KVM": "fel14-tcp-rr-kvm",
        },
        higher_is_better=False,
    ),
    "random-io": _Metric(
        "Random read I/O",
        "fio 4 kB random read IOPS",
        {
            "native": "fel14-fio-rand-read-native",
            "Docker": "fel14-fio-rand-read-docker",
            "KVM": "fel14-fio-rand-read-kvm",
        },
    ),
    "database": _Metric(
        "Database throughput",
        "MySQL sysbench OLTP",
        {"Docker": "fel14-mysql-docker", "KVM": "fel14-mysql-kvm"},
        overhead_percent=True,
    ),
}
_SUBJECT_COLOURS = {
    "native": LAYER_COLOURS["hardware"],
    "Docker": LAYER_COLOURS["container"],
    "Docker (NAT)": LAYER_COLOURS["container"],
    "KVM": LAYER_COLOURS["vm"],
    "KVM (tuned)": LAYER_COLOURS["hypervisor"],
}


def overhead_bars(metric: str = "cpu") -> go.Figure:
    """Performance relative to native (native = 1.0) for containers vs VMs, from FEL14."""
    if metric not in OVERHEAD_METRICS:
        raise ValueError(f"Unknown metric {metric!r}; choose from {', '.join(OVERHEAD_METRICS)}.")
    spec = OVERHEAD_METRICS[metric]
    names, ratios, hovers, texts = [], [], [], []
    approximate = []
    if spec.overhead_percent:
        names.append("native")
        ratios.append(1.0)
        texts.append("1.00")
        hovers.append("native: the reference, 1.0 by definition")
    else:
        native = data.measurement(spec.ids["native"])
    for name, mid in spec.ids.items():
        m = data.measurement(mid)
        if spec.overhead_percent:
            ratio = 1 - m.value / 100
            raw = f"{m.value:g}% below native"
        else:
            ratio = m.value / native.value
            raw = f"{m.value:g} {m.unit} (native {native.value:g} {native.unit})"
        if m.confidence == "F":
            approximate.append(name)
        names.append(name)
        ratios.append(ratio)
        texts.append(f"{ratio:.2f}" + (" ≈" if m.confidence == "F" else ""))
        hovers.append(
            f"<b>{html.escape(name)}</b>: {ratio:.2f} × native<br>{html.escape(raw)}"
            f"<br>{html.escape(m.cite(confidence=True))} ({html.escape(m.confidence_meaning)})"
        )
    bar = go.Bar(
        x=names,
        y=ratios,
        text=texts,
        textposition="outside",
        hovertext=hovers,
        hoverinfo="text",
        marker={"color": [_SUBJECT_COLOURS[n] for n in names]},
        name=spec.benchmark,
        showlegend=False,
    )
    better = "higher is better" if spec.higher_is_better else "lower is better"
    note = ""
    if approximate:
        note = f"{', '.join(approximate)}: confidence F, {data.CONFIDENCE['F'].meaning}"
    if spec.overhead_percent:
        note = "Relative throughput = 1 − the reported overhead; KVM's 'over 40%' drawn at 40%"
    return figure(
        [bar],
        title=f"{spec.title} relative to native ({spec.benchmark})",
        x_title="where the benchmark runs",
        y_title=f"ratio to native (native = 1.0; {better})",
        source=source_text(*spec.ids.values(), note=note),
        yaxis={"rangemode": "tozero", "range": [0, max(ratios) * 1.2]},
        shapes=[
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": 1,
                "y1": 1,
                "line": {"dash": "dash", "color": "#555555", "width": 1},
            }
        ],
    )


# --------------------------------------------------------------------------- start vs memory

_LOG_FLOOR_MB = 0.1
# Label positions that keep neighbouring points' names apart.
_LABEL_AT = {"sandbox": "top left", "tinyx": "bottom right", "kata": "bottom left"}


def startup_vs_memory() -> go.Figure:
    """Log-log scatter: start time against memory per instance for each isolation kind."""
    points = []
    skipped = []
    for kind in ISOLATION_KINDS:
        c = cost(kind)
        if c.start_ms is None:
            skipped.append(ISOLATION_NAMES[kind])
            continue
        # A qualified start time (e.g. a pre-configured microVM) says so on the point itself.
        name = ISOLATION_NAMES[kind] + (f" ({c.start_qualifier})" if c.start_qualifier else "")
        points.append((kind, name, c.memory_mb, c.start_ms, c.sources, c.note))
    man17 = {
        "unikernel": ("unikernel on Xen (MAN17)", "man17-memory-unikernel"),
        "tinyx": ("Tinyx VM on Xen (MAN17)", "man17-memory-tinyx"),
    }
    for kind, (name, memory_id) in man17.items():
        ids = (memory_id, f"man17-create-{kind}", f"man17-boot-{kind}")
        start = data.value(ids[1]) + data.value(ids[2])
        # The row's own words: MAN17's unikernel size needs a patched toolstack, and says so.
        note = f"{data.measurement(memory_id).description} Start: create + boot of the first guest."
        points.append((kind, name, data.value(memory_id), start, ids, note))
    traces = []
    cited: list[str] = []
    for kind, name, memory, start, sources, note in points:
        shown = max(memory, _LOG_FLOOR_MB)
        floor_note = (
            f"<br>adds {memory:g} MB: drawn at the {_LOG_FLOOR_MB:g} MB floor of the log axis"
            if memory < _LOG_FLOOR_MB
            else ""
        )
        cited += [s for s in sources if s not in cited]
        traces.append(
            go.Scatter(
                x=[shown],
                y=[start],
                mode="markers+text",
                name=name,
                text=[name],
                textposition=_LABEL_AT.get(kind, "top center"),
                marker={
                    "size": 13,
                    "color": ISOLATION_KIND_COLOURS[kind],
                    "line": {"color": "#333333", "width": 1},
                    "symbol": "triangle-left" if memory < _LOG_FLOOR_MB else "circle",
                },
                hovertext=[
                    f"<b>{html.escape(name)}</b><br>memory: {memory:.3g} MB per instance"
                    f"{floor_note}<br>start: {start:g} ms<br>{wrap(html.escape(note))}"
                    f"<br>Source: {html.escape(data.cite(*sources))}"
                ],
                hoverinfo="text",
                showlegend=False,
            )
        )
    notes = []
    if skipped:
        notes.append(
            {
                "text": f"Not drawn: {', '.join(skipped)} — no reliable published start time.",
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 1.0,
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11},
            }
        )
    return figure(
        traces,
        title="Start time vs memory per instance (log-log)",
        x_title="memory per instance, beyond the app (MB, log scale)",
        y_title="time to start (ms, log scale)",
        source=source_text(*cited),
        annotations=notes,
        height=480,
        xaxis={"type": "log"},
        yaxis={"type": "log"},
    )


# --------------------------------------------------------------------------- density


def density_curve(
    host: Node | float | None = None,
    app: str = "nginx",
    kinds: list[str] | tuple[str, ...] | None = None,
    max_memory_gb: float | None = None,
    *,
    app_memory_mb: float | None = None,
    vm_memory_gb: float | None = None,
) -> go.Figure:
    """How many instances of an app fit in a host's memory, per isolation kind.

    ``host`` is a Hardware node or a memory size in GB (default: a 64 GB server); its memory is
    marked on the curves. ``vm_memory_gb`` sizes the full VMs (the app runs inside each);
    without it a full VM is MAN17's minimal Debian guest on Xen.
    """
    if host is None:
        host_gb = float(DEFAULT_HARDWARE["memory_gb"])
    elif isinstance(host, Node):
        host_gb = host.memory_gb
    elif isinstance(host, (int, float)) and not isinstance(host, bool) and host > 0:
        host_gb = float(host)
    else:
        raise ValueError(f"host must be vl.Hardware(...), a memory size in GB or None: {host!r}.")
    kinds = tuple(kinds) if kinds is not None else ISOLATION_KINDS
    unknown = [k for k in kinds if k not in ISOLATION_KINDS]
    if unknown:
        raise ValueError(f"Unknown isolation kind(s) {unknown}; choose from {ISOLATION_KINDS}.")
    product = catalog.get(app)
    size = app_memory_mb if app_memory_mb is not None else (product.memory_mb or 0)
    top = max_memory_gb if max_memory_gb is not None else max(256.0, 2 * host_gb)
    grid = sorted({*(2.0**e for e in range(0, 12) if 2.0**e <= top), top, host_gb})
    traces = []
    cited: list[str] = []
    for kind in kinds:
        sized = {"vm_memory_gb": vm_memory_gb} if kind == "vm" else {}
        counts = [density(gb, app, kind, app_memory_mb=size, **sized) for gb in grid]
        at_host = density(host_gb, app, kind, app_memory_mb=size, **sized)
        c = cost(kind)
        each = _each(size, kind, vm_memory_gb)
        label = kind_name(kind, vm_memory_gb=_vm_size(kind, vm_memory_gb))
        cited += [s for s in c.sources if s not in cited]
        colour = ISOLATION_KIND_COLOURS[kind]
        traces.append(
            go.Scatter(
                x=grid,
                y=[n if n > 0 else None for n in counts],
                mode="lines",
                line={"color": colour, "width": 2.5},
                name=kind_name(kind, vm_memory_gb=_vm_size(kind, vm_memory_gb)),
                legendgroup=kind,
                hovertemplate=f"{label}: %{{y:,}} fit in %{{x:g}} GB"
                f"<br>{each}"
                f"<br>Source: {html.escape(c.cite())}<extra></extra>",
            )
        )
        traces.append(
            go.Scatter(
                x=[host_gb],
                y=[at_host if at_host > 0 else None],
                mode="markers",
                marker={"color": colour, "size": 10, "line": {"color": "#333333", "width": 1}},
                name=f"{label} on this host",
                legendgroup=kind,
                showlegend=False,
                hovertemplate=f"this host ({host_gb:g} GB): {at_host:,} × {html.escape(app)}"
                "<extra></extra>",
            )
        )
    return figure(
        traces,
        title=f"How many {product.name} instances fit in memory",
        x_title="host memory (GB)",
        y_title="instances that fit (log scale)",
        source=source_text(*cited, note=f"{product.name} itself counted as {size:g} MB"),
        height=460,
        yaxis={"type": "log"},
        shapes=[
            {
                "type": "line",
                "x0": host_gb,
                "x1": host_gb,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot", "color": "#333333", "width": 1.5},
                "name": "this host",
            }
        ],
        annotations=[
            {
                "text": f"this host: {host_gb:g} GB",
                "x": host_gb,
                "yref": "paper",
                "y": 1,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11},
            }
        ],
    )


def _vm_size(kind: str, vm_memory_gb: float | None) -> float | None:
    """A chosen VM size applies to full VMs; the other kinds keep their published cost."""
    return vm_memory_gb if kind == "vm" else None


def _each(size: float, kind: str, vm_memory_gb: float | None) -> str:
    """What one instance is made of, for a hover label."""
    if _vm_size(kind, vm_memory_gb) is not None:
        extra = per_instance_mb(size, kind, vm_memory_gb=vm_memory_gb) - vm_memory_gb * 1024
        return f"a {vm_memory_gb:g} GB VM (the app inside) + {extra:.3g} MB per-VM overhead"
    return f"{size:g} MB app + {cost(kind).memory_mb:.3g} MB isolation"


def memory_use(
    instances: int,
    host_memory_gb: float,
    app: str = "nginx",
    *,
    app_memory_mb: float | None = None,
    chosen: str | None = None,
    vm_memory_gb: float | None = None,
) -> go.Figure:
    """Memory that ``instances`` copies of an app need with each isolation kind, vs the host."""
    if isinstance(instances, bool) or not isinstance(instances, int) or instances < 0:
        raise ValueError(f"instances must be a whole number >= 0, got {instances!r}.")
    product = catalog.get(app)
    size = app_memory_mb if app_memory_mb is not None else (product.memory_mb or 0)
    names, needed, colours, hovers, cited = [], [], [], [], []
    for kind in ISOLATION_KINDS:
        c = cost(kind)
        gb = (
            instances
            * per_instance_mb(size, kind, vm_memory_gb=_vm_size(kind, vm_memory_gb))
            / 1024
        )
        label = kind_name(kind, vm_memory_gb=_vm_size(kind, vm_memory_gb))
        names.append(label)
        needed.append(gb)
        faded = chosen is not None and kind != chosen
        colours.append("#DDDDDD" if faded else ISOLATION_KIND_COLOURS[kind])
        fits = "fits" if gb <= host_memory_gb else "does not fit"
        hovers.append(
            f"<b>{label}</b>: {gb:,.1f} GB for {instances:,} × "
            f"({_each(size, kind, vm_memory_gb)}): {fits}"
            f"<br>Source: {html.escape(c.cite())}"
        )
        cited += [s for s in c.sources if s not in cited]
    bar = go.Bar(
        x=names,
        y=needed,
        marker={"color": colours, "line": {"color": "#333333", "width": 0.5}},
        hovertext=hovers,
        hoverinfo="text",
        text=[f"{gb:,.1f}" for gb in needed],
        textposition="outside",
        showlegend=False,
        name="memory needed",
    )
    return figure(
        [bar],
        title=f"Memory for {instances:,} {product.name} instances vs a {host_memory_gb:g} GB host",
        x_title="isolation kind",
        y_title="memory needed (GB)",
        source=source_text(*cited),
        height=440,
        yaxis={"range": [0, max([*needed, host_memory_gb]) * 1.15]},
        shapes=[
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": host_memory_gb,
                "y1": host_memory_gb,
                "line": {"dash": "dash", "color": "#333333", "width": 1.5},
                "name": "host memory",
            }
        ],
        annotations=[
            {
                "text": f"host memory: {host_memory_gb:g} GB",
                "xref": "paper",
                "x": 1,
                "xanchor": "right",
                "y": host_memory_gb,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11},
            }
        ],
    )
