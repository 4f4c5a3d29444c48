"""NamespaceLab: tick namespace kinds, run a command in them, see which ids are new.

No logic of its own: the Run button calls :func:`virtlab.live.run_isolated` and shows its
result as a table; live or recorded is the library's decision, and the widget says which.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from virtlab import live

_EXPLAIN = {
    "uts": "host name",
    "pid": "process numbers",
    "mnt": "mounted file systems",
    "net": "network devices (always new here: no network inside)",
    "ipc": "shared memory, message queues",
    "user": "user and group ids",
    "cgroup": "view of the cgroup tree",
    "time": "boot and monotonic clocks",
}


class NamespaceLab(w.VBox):
    """Pick namespace kinds and a command; Run shows what the command saw, id by id."""

    def __init__(self, cmd: str = "hostname; echo PID $$", hostname: str = "box") -> None:
        self.kinds = {
            kind: w.Checkbox(
                value=kind in live.DEFAULT_KINDS or kind == "net",
                description=f"{kind}: {_EXPLAIN[kind]}",
                disabled=kind == "net",
                indent=False,
                layout=w.Layout(width="auto"),
            )
            for kind in live.KINDS
        }
        self.command = w.Text(cmd, description="Command", layout=w.Layout(width="32em"))
        self.hostname = w.Text(hostname, description="Host name")
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
        self.result = w.HTML()
        self.last: live.IsolatedRun | None = None
        self.run_button.on_click(self.run)
        super().__init__(
            [
                w.HTML("<b>New namespaces for the command</b>"),
                w.GridBox(
                    list(self.kinds.values()),
                    layout=w.Layout(grid_template_columns="repeat(2, 22em)"),
                ),
                w.HBox([self.command, self.hostname, self.run_button]),
                self.result,
            ]
        )

    def run(self, *_: Any) -> live.IsolatedRun | None:
        kinds = [kind for kind, box in self.kinds.items() if box.value]
        name = self.hostname.value.strip() or None
        if name is not None and "uts" not in kinds:
            name = None  # a host name can only be set in a new uts namespace
        try:
            result = live.run_isolated(self.command.value, namespaces=kinds, hostname=name)
        except ValueError as error:  # a bad host name or an empty command: say so, no trace
            self.result.value = f"<p style='color:#D55E00'>{html.escape(str(error))}</p>"
            return None
        self.last = result
        self.result.value = _table(result)
        return result


def _table(result: live.IsolatedRun) -> str:
    where = "live on this machine" if result.live else f"{result.recorded}: {result.why}"
    rows = "".join(
        f"<tr><td>{ns.kind}</td><td>{ns.inside}</td><td>{ns.host}</td>"
        f"<td><b>{'new' if ns.new else 'shared'}</b></td></tr>"
        for ns in result.namespaces.values()
    )
    return (
        f"<p><i>{html.escape(where)}</i></p>"
        f"<p>hostname inside: <b>{html.escape(result.hostname)}</b>; PID inside: "
        f"<b>{result.pid_inside}</b> (on the host: {result.pid_outside}); network "
        f"interfaces: <b>{html.escape(', '.join(result.interfaces))}</b>; kernel: "
        f"<b>{html.escape(result.kernel)}</b> (host: {html.escape(result.host_kernel)})</p>"
        "<table><tr><th>namespace</th><th>id inside</th><th>id on the host</th><th></th></tr>"
        f"{rows}</table><pre>{html.escape(result.stdout)}</pre>"
    )
