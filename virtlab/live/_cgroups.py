"""Run a command under a real cgroup limit (memory, number of processes), then remove the group.

Works with cgroup v2 (one unified tree) and with v1 (one tree per controller), as root; the
group is created below the caller's own cgroup (or the tree's root for v2, whose "no internal
processes" rule forbids children under a busy group) and always removed afterwards, its
processes killed first.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from virtlab.live import _mode
from virtlab.live._namespaces import shown
from virtlab.live._run import run


@dataclass(frozen=True)
class LimitedRun:
    """What :func:`run_limited` saw. Values that differ by machine print «like this»."""

    command: tuple[str, ...]
    memory_mb: int | None
    pids: int | None
    killed: bool
    killed_by: str
    signal: str | None
    returncode: int | None
    oom_kills: int
    forks_refused: int
    stdout: str
    stderr: str
    cgroup_version: int | None
    live: bool = True
    why: str = ""
    recorded: str = ""

    def __str__(self) -> str:
        where = "live on this machine" if self.live else f"{self.recorded}: {self.why}"
        limits = []
        if self.memory_mb is not None:
            limits.append(f"memory {self.memory_mb} MB")
        if self.pids is not None:
            limits.append(f"{self.pids} processes")
        lines = [
            f"$ {shown(self.command)}   (cgroup limit: {', '.join(limits)})",
            f"  run: «{where}, cgroup v{self.cgroup_version}»",
            f"  killed: {'yes, by ' + self.killed_by if self.killed else 'no'}",
            f"  out-of-memory kills in the group: {self.oom_kills}",
        ]
        if self.pids is not None:
            lines.append(f"  process creations refused by the pids limit: {self.forks_refused}")
        if self.stdout:
            lines += ["  output:", *("    " + line for line in self.stdout.splitlines()[-5:])]
        return "\n".join(lines)

    _repr_pretty_ = lambda self, p, cycle: p.text(str(self))  # noqa: E731


def memory_hog(mb: int) -> list[str]:
    """A command that fills ``mb`` MB of memory page by page, then says it survived."""
    import sys

    code = (
        f"blocks = [b'x' * 2**20 for _ in range({int(mb)})]; print('survived:', len(blocks), 'MB')"
    )
    return [sys.executable, "-c", code]


# --------------------------------------------------------------------------- finding the trees


def _mounts() -> list[tuple[str, str, set[str]]]:
    """(mount point, fs type, super options) of every cgroup mount."""
    found = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(rest) >= 3 and rest[0] in ("cgroup", "cgroup2"):
            found.append((fields[4], rest[0], set(rest[2].split(","))))
    return found


def _own_paths() -> dict[str, str]:
    """controller (or "" for v2) -> this process's cgroup path."""
    paths = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


@dataclass(frozen=True)
class _Plan:
    version: int
    # controller -> directory the new group is created in
    parents: dict[str, Path]


def _plan(controllers: Sequence[str]) -> tuple[_Plan | None, str]:
    mounts, own = _mounts(), _own_paths()
    v2 = [m for m in mounts if m[1] == "cgroup2"]
    v1 = {c: m for m in mounts if m[1] == "cgroup" for c in controllers if c in m[2]}
    if all(c in v1 for c in controllers):
        parents = {c: Path(v1[c][0]) / own.get(c, "/").lstrip("/") for c in controllers}
        return _Plan(1, parents), ""
    for point, _, _ in v2:
        root = Path(point)
        try:
            available = (root / "cgroup.controllers").read_text().split()
        except OSError:
            continue
        if all(c in available for c in controllers):
            return _Plan(2, {c: root for c in controllers}), ""
    return None, f"no cgroup tree offers the {' and '.join(controllers)} controller(s)"


def blocker(controllers: Sequence[str] = ("memory",)) -> str | None:
    """Why a cgroup limit cannot be set live here, or None."""
    reason = _mode.platform_blocker()
    if reason:
        return reason
    plan, why = _plan(controllers)
    if plan is None:
        return why
    if not _mode.is_root():
        return "setting a cgroup limit needs root here (no delegated cgroup for this user)"
    if not all(os.access(parent, os.W_OK) for parent in plan.parents.values()):
        return "the cgroup tree is read-only in this container"
    return None


def cgroup_version() -> int | None:
    plan, _ = _plan(("memory",))
    return plan.version if plan else None


# --------------------------------------------------------------------------- one limited run


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def _count(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, number = line.partition(" ")
            if name == key:
                return int(number)
    except (OSError, ValueError):
        pass
    return 0


def _remove(group: Path) -> None:
    """Kill every process left in the group, then remove it (waits up to 2 s)."""
    if not group.exists():
        return
    kill = group / "cgroup.kill"
    if kill.exists():
        with contextlib.suppress(OSError):
            _write(kill, "1")
    deadline = time.monotonic() + 2
    while True:
        try:
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
        except OSError:
            pids = []
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            group.rmdir()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _enable(parent: Path, controllers: Sequence[str]) -> None:
    """v2: make the controllers available to children of ``parent``."""
    control = parent / "cgroup.subtree_control"
    enabled = control.read_text().split()
    missing = [c for c in controllers if c not in enabled]
    if missing:
        _write(control, " ".join(f"+{c}" for c in missing))


def run_live(
    command: tuple[str, ...], memory_mb: int | None, pids: int | None, timeout: float
) -> LimitedRun:
    controllers = [c for c, v in (("memory", memory_mb), ("pids", pids)) if v is not None]
    plan, why = _plan(controllers)
    if plan is None:
        raise RuntimeError(why)
    name = f"virtlab-{secrets.token_hex(6)}"
    groups: dict[str, Path] = {}
    try:
        if plan.version == 2:
            _enable(plan.parents[controllers[0]], controllers)
        for controller in controllers:
            group = plan.parents[controller] / name
            if group not in groups.values():
                group.mkdir()
            groups[controller] = group
        if memory_mb is not None:
            limit = str(memory_mb * 2**20)
            memory = groups["memory"]
            if plan.version == 2:
                _write(memory / "memory.max", limit)
                if (memory / "memory.swap.max").exists():
                    _write(memory / "memory.swap.max", "0")  # over the limit means OOM, not swap
            else:
                _write(memory / "memory.limit_in_bytes", limit)
                if (memory / "memory.memsw.limit_in_bytes").exists():
                    _write(memory / "memory.memsw.limit_in_bytes", limit)
        if pids is not None:
            _write(groups["pids"] / "pids.max", str(pids))
        procs = sorted({str(g / "cgroup.procs") for g in groups.values()})
        # The shell moves itself into the group(s) and then becomes the command.
        inside = 'for f in $PROCS; do echo $$ > "$f" || exit 125; done; exec "$@"'
        env = {**os.environ, "PROCS": " ".join(procs)}
        done = run(["/bin/sh", "-c", inside, "sh", *command], timeout=timeout, env=env)
        if done.returncode == 125:
            raise RuntimeError(f"could not join the cgroup: {done.stderr.strip()}")
        memory = groups.get("memory")
        events = "memory.events" if plan.version == 2 else "memory.oom_control"
        oom_kills = _count(memory / events, "oom_kill") if memory else 0
        refused = _count(groups["pids"] / "pids.events", "max") if "pids" in groups else 0
    finally:
        for group in dict.fromkeys(groups.values()):
            _remove(group)
    number = done.signal
    signame = signal.Signals(number).name if number else None
    if done.timed_out:
        killed_by = f"virtlab's time limit of {timeout:g} s (SIGKILL)"
    elif number == signal.SIGKILL and oom_kills:
        killed_by = "SIGKILL from the kernel's out-of-memory killer (the cgroup's memory limit)"
    elif number:
        killed_by = signame or f"signal {number}"
    else:
        killed_by = ""
    return LimitedRun(
        command=command,
        memory_mb=memory_mb,
        pids=pids,
        killed=bool(killed_by),
        killed_by=killed_by,
        signal=signame,
        returncode=done.returncode,
        oom_kills=oom_kills,
        forks_refused=refused,
        stdout=done.stdout.strip(),
        stderr=done.stderr.strip()[-2000:],
        cgroup_version=plan.version,
    )
