"""Run a command in new Linux namespaces with util-linux ``unshare``, and report what it saw."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from virtlab.live import _mode
from virtlab.live._run import available, run

# namespace kind (as /proc/<pid>/ns names it) -> unshare option
KINDS: dict[str, str] = {
    "uts": "--uts",
    "pid": "--pid",
    "mnt": "--mount",
    "net": "--net",
    "ipc": "--ipc",
    "user": "--user",
    "cgroup": "--cgroup",
    "time": "--time",
}
DEFAULT_KINDS = ("uts", "pid", "mnt", "net", "ipc")
_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62})$")

# The shell that runs first inside the namespaces: it sets the hostname, reports what the
# namespaces look like from inside, then becomes the learner's command (exec keeps its PID).
# It reads with its builtin `read` (no process started, and /proc/self is the shell itself),
# so only `ls` and `mount` cost a process each.
_INSIDE = r"""
mark="$1"; name="$2"; remount="$3"; shift 3
[ -n "$name" ] && echo "$name" > /proc/sys/kernel/hostname
echo "$mark nspid"
while read -r key value; do [ "$key" = "NSpid:" ] && echo "$value"; done < /proc/self/status
echo "$mark ns"
ls -l /proc/self/ns
# remount /proc so the command sees only its own PID namespace (mount ns is private)
[ "$remount" = 1 ] && mount -t proc proc /proc
echo "$mark hostname"; read -r line < /proc/sys/kernel/hostname; echo "$line"
echo "$mark kernel"; read -r line < /proc/sys/kernel/osrelease; echo "$line"
echo "$mark net"; while read -r line; do echo "$line"; done < /proc/net/dev
echo "$mark out"
exec "$@"
"""


@dataclass(frozen=True)
class Namespace:
    """One namespace kind: its id inside the command and in the host (the calling Python)."""

    kind: str
    inside: int | None
    host: int | None

    @property
    def new(self) -> bool:
        return self.inside is not None and self.inside != self.host


@dataclass(frozen=True)
class IsolatedRun:
    """What :func:`run_isolated` saw. Values that differ by machine print «like this»."""

    command: tuple[str, ...]
    kinds: tuple[str, ...]
    stdout: str
    stderr: str
    returncode: int | None
    hostname: str
    host_hostname: str
    pid_inside: int | None
    pid_outside: int | None
    interfaces: tuple[str, ...]
    kernel: str
    host_kernel: str
    namespaces: dict[str, Namespace] = field(default_factory=dict)
    live: bool = True
    why: str = ""
    recorded: str = ""

    @property
    def same_kernel(self) -> bool:
        return self.kernel == self.host_kernel

    def __str__(self) -> str:
        where = "live on this machine" if self.live else f"{self.recorded}: {self.why}"
        lines = [
            f"$ {shown(self.command)}   (in new {', '.join(self.kinds)} namespaces)",
            f"  run: «{where}»",
            f"  hostname inside: {self.hostname}   host: «{self.host_hostname}»",
            f"  PID inside: {self.pid_inside}   the same process seen from the host: "
            f"«{self.pid_outside}»",
            f"  network interfaces inside: {', '.join(self.interfaces) or '(none)'}",
            f"  kernel inside: «{self.kernel}»   host kernel: «{self.host_kernel}»   "
            f"same kernel: {'yes' if self.same_kernel else 'no'}",
            "  namespace   id inside        id on the host   new?",
        ]
        for ns in self.namespaces.values():
            lines.append(
                f"  {ns.kind:<10}  «{ns.inside}»  «{ns.host}»  {'new' if ns.new else 'shared'}"
            )
        if self.stdout:
            lines += ["  output:", *("    " + line for line in self.stdout.splitlines())]
        return "\n".join(lines)

    _repr_pretty_ = lambda self, p, cycle: p.text(str(self))  # noqa: E731


def shown(command: tuple[str, ...]) -> str:
    """The command as a learner typed it: a shell string shows as itself."""
    if len(command) == 3 and command[:2] == ("sh", "-c"):
        return command[2]
    return " ".join(command)


def check_kinds(namespaces: Sequence[str]) -> tuple[str, ...]:
    """The requested kinds in a fixed order, plus ``net`` (no network inside, ever)."""
    if isinstance(namespaces, str):
        namespaces = (namespaces,)
    unknown = [k for k in namespaces if k not in KINDS]
    if unknown:
        raise ValueError(
            f"Unknown namespace kind(s) {unknown}: choose from {', '.join(KINDS)} "
            "(the names under /proc/self/ns)."
        )
    wanted = set(namespaces) | {"net"}
    return tuple(k for k in KINDS if k in wanted)


def check_command(cmd: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(cmd, str):
        return ("sh", "-c", cmd)
    if not cmd or not all(isinstance(part, str) for part in cmd):
        raise ValueError(
            f"cmd must be a shell command string or a non-empty list of strings, got {cmd!r}."
        )
    return tuple(cmd)


def host_namespace_ids() -> dict[str, int | None]:
    return {kind: _ns_id(f"/proc/self/ns/{kind}") for kind in KINDS}


def _ns_id(path_or_link: str) -> int | None:
    try:
        link = os.readlink(path_or_link) if path_or_link.startswith("/") else path_or_link
    except OSError:
        return None
    found = re.search(r"\[(\d+)\]", link)
    return int(found.group(1)) if found else None


@functools.cache
def userns_allowed() -> bool:
    """Whether this (non-root) user may create a user namespace and map itself to root in it."""
    tool = available("unshare")
    if tool is None:
        return False
    done = run([tool, "--user", "--map-root-user", "true"], timeout=5)
    return done.returncode == 0


def blocker() -> str | None:
    """Why namespaces cannot be created live here, or None."""
    reason = _mode.platform_blocker()
    if reason:
        return reason
    if available("unshare") is None:
        return "the unshare command (util-linux) is not installed"
    if not _mode.is_root() and not userns_allowed():
        return "not root, and this kernel does not allow unprivileged user namespaces"
    return trial_failure()


@functools.cache
def trial_failure() -> str | None:
    """Why a trial ``unshare`` of the default kinds fails here (a container's seccomp filter
    may forbid it even to root), or None when it works."""
    done = run([*unshare_argv(check_kinds(DEFAULT_KINDS)), "true"], timeout=5)
    if done.returncode == 0:
        return None
    return f"unshare is not permitted here ({done.stderr.strip() or done.returncode})"


def unshare_argv(kinds: Sequence[str]) -> list[str]:
    """``unshare`` with the options for these kinds; adds a user namespace when not root."""
    argv = [available("unshare") or "unshare"]
    if not _mode.is_root() and "user" not in kinds:
        argv.append("--user")
    if not _mode.is_root() or "user" in kinds:
        # map our user to root inside, as engines do, so the shell may mount /proc there
        argv.append("--map-root-user")
    argv += [KINDS[k] for k in kinds]
    if "mnt" in kinds:
        argv += ["--propagation", "private"]  # our mounts never reach the host
    # --fork: a new PID namespace applies to children only; --kill-child: the command dies
    # with unshare, so a killed or timed-out run leaves no orphan behind.
    return [*argv, "--fork", "--kill-child"]


def _sections(text: str, mark: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(mark + " "):
            current = line[len(mark) + 1 :]
            sections[current] = []
            if current == "out":
                sections[current] = lines[index + 1 :]
                break
        elif current is not None:
            sections[current].append(line)
    return sections


def run_live(
    command: tuple[str, ...], kinds: tuple[str, ...], hostname: str | None, timeout: float
) -> IsolatedRun:
    mark = f"VIRTLAB-{secrets.token_hex(8)}"
    remount = "1" if {"pid", "mnt"} <= set(kinds) else "0"
    argv = [*unshare_argv(kinds), "/bin/sh", "-c", _INSIDE, "sh", mark, hostname or "", remount]
    done = run([*argv, *command], timeout=timeout)
    parts = _sections(done.stdout, mark)
    links = re.finditer(r"(\w+) -> \w+:\[(\d+)\]", "\n".join(parts.get("ns", [])))
    inside_ids = {m.group(1): int(m.group(2)) for m in links if m.group(1) in KINDS}
    host_ids = host_namespace_ids()
    net_id = inside_ids.get("net")
    # With a new PID namespace the kernel already killed everything in it when its PID 1
    # ended; without one, a child that escaped with setsid may still run: sweep for it.
    if "pid" not in kinds and net_id is not None and net_id != host_ids["net"]:
        kill_namespace("net", net_id)
    if "out" not in parts:
        problem = "it timed out" if done.timed_out else done.stderr.strip() or "no output"
        raise RuntimeError(f"unshare could not start the command: {problem}")
    nspid = [int(p) for p in " ".join(parts.get("nspid", [])).split()]
    namespaces = {k: Namespace(k, inside_ids.get(k), host_ids.get(k)) for k in KINDS}
    interfaces = tuple(
        line.split(":")[0].strip() for line in parts.get("net", [])[2:] if ":" in line
    )
    stdout = "\n".join(parts["out"])
    if done.timed_out:
        stdout += f"\n[stopped at the time limit of {timeout:g} s]"
    return IsolatedRun(
        command=command,
        kinds=kinds,
        stdout=stdout.strip("\n"),
        stderr=done.stderr.strip(),
        returncode=done.returncode,
        hostname=(parts.get("hostname") or [""])[0],
        host_hostname=_host_hostname(),
        pid_inside=nspid[-1] if nspid else None,
        pid_outside=nspid[0] if nspid else None,
        interfaces=interfaces,
        kernel=(parts.get("kernel") or [""])[0],
        host_kernel=_mode.host_kernel(),
        namespaces=namespaces,
    )


def kill_namespace(kind: str, ns_id: int, wait: float = 2.0) -> None:
    """SIGKILL every process in this namespace, until none is left (or ``wait`` s pass).

    The run's network namespace is always new, so every process the command started, even one
    that left its process group with setsid and outlived the command, is still in it.
    """
    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{entry}/ns/{kind}").endswith(f"[{ns_id}]"):
                        found.append(int(entry))
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if not found or time.monotonic() > deadline:
            return
        time.sleep(0.02)


def _host_hostname() -> str:
    import socket

    return socket.gethostname()


def check_hostname(hostname: str | None) -> str | None:
    if hostname is not None and not _HOSTNAME.match(hostname):
        raise ValueError(
            f"hostname {hostname!r} is not a valid host name: use 1-63 letters, digits or "
            "hyphens, starting with a letter or digit (e.g. 'box')."
        )
    return hostname
