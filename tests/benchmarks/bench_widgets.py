"""Widget benchmark: StackBuilder latency and bytes sent to the browser per update.

Prints figures; asserts nothing (target: median latency from a control change to the figure
updated < 20 ms for a stack with 50 workloads). The comm of every widget is replaced by a
recorder, as ipywidgets' own tests do (ipywidgets/widgets/tests/utils.py), so the size of each
message the browser would receive can be counted without a browser.
"""

from __future__ import annotations

import json
import statistics
import time

import comm

import virtlab as vl


class RecordingComm:
    comm_id_counter = 0
    kernel = "Truthy"  # ipywidgets only sends when the comm has a kernel

    def __init__(self, **kwargs: object) -> None:
        RecordingComm.comm_id_counter += 1
        self.comm_id = f"bench-{RecordingComm.comm_id_counter}"
        self.opened = kwargs
        self.messages: list[int] = []

    def send(self, data=None, metadata=None, buffers=None) -> None:
        size = len(json.dumps(data, default=str)) + sum(len(b) for b in buffers or ())
        self.messages.append(size)

    def on_msg(self, callback) -> None:
        pass

    def close(self, *args, **kwargs) -> None:
        pass


def open_size(widget) -> int:
    """Bytes of the message that opens a widget."""
    return len(json.dumps(widget.comm.opened["data"], default=str))


def stack_with(workloads: int) -> vl.Stack:
    images = ("nginx", "redis", "postgres", "python-web")
    return vl.Stack.containers(
        "ubuntu", "docker", [images[i % len(images)] for i in range(workloads)]
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    comm.create_comm = lambda **kwargs: RecordingComm(**kwargs)
    from virtlab import plots
    from virtlab.widgets import StackBuilder

    builder = StackBuilder(stack_with(50))
    if builder.architecture.value != "containers":
        print("warning: the 50-workload stack did not load as 'containers'")
    print(f"StackBuilder with {len(builder.stack.workloads())} workloads")

    actions = {
        "add a container": lambda i: builder.add("redis"),
        "remove a container": lambda i: builder.remove(-1),
        "host memory slider": lambda i: setattr(builder.memory_gb, "value", 32 + i % 64),
        "engine dropdown": lambda i: setattr(builder.engine, "value", ("podman", "docker")[i % 2]),
    }
    figure_comm = builder.figure.comm
    timings: dict[str, list[float]] = {name: [] for name in actions}
    sizes: dict[str, list[int]] = {name: [] for name in actions}
    for i in range(60):
        for name, action in actions.items():
            before = len(figure_comm.messages)
            start = time.perf_counter()
            action(i)
            timings[name].append((time.perf_counter() - start) * 1000)
            sizes[name].append(sum(figure_comm.messages[before:]))
    every = [t for ts in timings.values() for t in ts]
    print(
        f"latency over {len(every)} changes: median {statistics.median(every):.1f} ms, "
        f"p95 {percentile(every, 0.95):.1f} ms (target median < 20 ms)"
    )
    for name in actions:
        print(
            f"  {name:20s} median {statistics.median(timings[name]):6.1f} ms  "
            f"p95 {percentile(timings[name], 0.95):6.1f} ms  "
            f"bytes to the figure per update: median {statistics.median(sizes[name]):,.0f}"
        )
    import plotly.graph_objects as go

    fresh = go.FigureWidget(plots.stack_diagram(builder.stack))
    opening = open_size(fresh)
    # plotly opens the comm first and then sends data and layout (with the template) as updates
    full = sum(fresh.comm.messages)
    small = statistics.median(sizes["add a container"])
    print(f"full figure resend (data + layout + template of a new FigureWidget): {full:,} bytes")
    print(f"  (opening a plain go.FigureWidget, plotly's JS bundle included: {opening:,} bytes)")
    from virtlab.widgets._figure import CourseFigure

    course_opening = open_size(CourseFigure(plots.stack_diagram(builder.stack)))
    print(
        f"  (opening the course's figure widget: {course_opening:,} bytes; its page asks for "
        "the bundle once, not once per figure)"
    )
    print(f"add one container sends {small:,.0f} bytes: {small / full:.0%} of a full resend")


if __name__ == "__main__":
    main()
