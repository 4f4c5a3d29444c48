"""Small real experiments on the learner's own Linux kernel: namespaces, a cgroup limit, a tiny
VM and start times, with recorded results wherever this machine does not allow them.

- :func:`probe` — what this machine allows, and for each experiment: live or recorded, and why.
- :func:`run_isolated` — a command in new namespaces (a container without an image).
- :func:`run_limited` — a command under a cgroup memory or process-count limit.
- :func:`boot_vm` — a tiny QEMU microVM with its own kernel.
- :func:`measure_start` — start times of a process, namespaces, a container and the microVM.

Never asks for sudo: as root the experiments run directly, as a user in an unprivileged user
namespace where the kernel allows one; otherwise (macOS, Windows, JupyterLite, a locked-down
pod), with ``VIRTLAB_LIVE=recorded`` or with ``live=False``, every call returns the results
recorded on a reference Linux machine, labelled with where and when (``.live`` is False and
``.why`` says why). A call never raises because of the machine: a live run that fails falls
back to the recording and says what failed. Every run has a time limit, starts no network,
writes only into temporary folders and leaves no process, mount, namespace or cgroup behind.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from virtlab.live import _cgroups, _mode, _namespaces, _timing, _vm
from virtlab.live._cgroups import LimitedRun, memory_hog
from virtlab.live._mode import ENV_VAR, host_kernel
from virtlab.live._namespaces import DEFAULT_KINDS, KINDS, IsolatedRun, Namespace
from virtlab.live._timing import StartTimes, Timing
from virtlab.live._vm import BootedVM

__all__ = [
    "DEFAULT_KINDS",
    "ENV_VAR",
    "KINDS",
    "BootedVM",
    "IsolatedRun",
    "LimitedRun",
    "Namespace",
    "Probe",
    "StartTimes",
    "Timing",
    "boot_vm",
    "call_key",
    "host_kernel",
    "measure_start",
    "memory_hog",
    "probe",
    "run_isolated",
    "run_limited",
]


# What a live run may raise because of the machine (not the learner's input, which is checked
# before): each falls back to the recording, with the error in ``.why``.
_FAILURES = (OSError, RuntimeError, ValueError, subprocess.SubprocessError)


def _positive(name: str, value: Any, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}.")


def call_key(kind: str, **params: Any) -> str:
    """The key under which a call's recorded result is stored (``recorded.json``)."""
    return json.dumps([kind, params], sort_keys=True)


def _shown(command: Sequence[str]) -> tuple[str, ...]:
    """The command as printed: this Python's path shows as ``python``, code as its first line."""
    import sys

    shown = ["python" if part == sys.executable else part for part in command]
    return tuple(p if "\n" not in p else p.splitlines()[0] + " ..." for p in shown)


def _from_record(kind: str, key: str, why: str) -> tuple[dict[str, Any], str]:
    """The recorded result for this call, or the experiment's default demo, and the label."""
    records = _mode.recorded()[kind]
    row = records.get(key)
    if row is None:
        row = records[records["default"]]
        why += "; this exact call was not recorded, so the recorded demo is shown"
    return row, why


# --------------------------------------------------------------------------- run_isolated


def run_isolated(
    cmd: str | Sequence[str] = "hostname",
    namespaces: Sequence[str] = DEFAULT_KINDS,
    hostname: str | None = None,
    *,
    timeout: float = 10,
    live: bool | None = None,
) -> IsolatedRun:
    """Run ``cmd`` in new namespaces of these kinds (a net namespace is always added: no
    network inside) and report what it saw: its PID inside and outside, hostname, network
    interfaces, kernel release and each namespace's id beside the host's.

    ``cmd`` is a shell command string or an argument list. ``hostname`` sets the host name
    inside (needs ``"uts"``). ``live=False`` shows the recorded result.
    """
    command = _namespaces.check_command(cmd)
    kinds = _namespaces.check_kinds(namespaces)
    hostname = _namespaces.check_hostname(hostname)
    if hostname is not None and "uts" not in kinds:
        raise ValueError("hostname=... needs the 'uts' namespace in namespaces=(...).")
    _positive("timeout", timeout)
    why = _mode.forced_recorded(live) or _namespaces.blocker()
    if why is None:
        try:
            return _namespaces.run_live(command, kinds, hostname, timeout)
        except _FAILURES as error:
            why = f"the live run failed ({error})"
    key = call_key("run_isolated", cmd=list(command), namespaces=list(kinds), hostname=hostname)
    row, why = _from_record("run_isolated", key, why)
    row = dict(row)
    row["namespaces"] = {k: Namespace(**v) for k, v in row["namespaces"].items()}
    row["command"], row["kinds"] = tuple(row["command"]), tuple(row["kinds"])
    row["interfaces"] = tuple(row["interfaces"])
    return IsolatedRun(**row, live=False, why=why, recorded=_mode.recorded_label())


# --------------------------------------------------------------------------- run_limited


def run_limited(
    cmd: str | Sequence[str],
    memory_mb: int | None = 64,
    pids: int | None = None,
    *,
    timeout: float = 20,
    live: bool | None = None,
) -> LimitedRun:
    """Run ``cmd`` in a new cgroup limited to ``memory_mb`` MB of memory (no swap) and/or
    ``pids`` processes; report whether it was killed and by what. Needs root (or shows the
    recorded result and says why). ``memory_hog(200)`` is a command that needs 200 MB."""
    command = _namespaces.check_command(cmd)
    if memory_mb is None and pids is None:
        raise ValueError("Give a limit: memory_mb=... (MB) and/or pids=... (processes).")
    _positive("memory_mb", memory_mb, allow_none=True)
    _positive("pids", pids, allow_none=True)
    if memory_mb is not None and memory_mb < 8:
        raise ValueError(f"memory_mb={memory_mb} is too small to start any program; use >= 8.")
    _positive("timeout", timeout)
    controllers = [c for c, v in (("memory", memory_mb), ("pids", pids)) if v is not None]
    why = _mode.forced_recorded(live) or _cgroups.blocker(controllers)
    if why is None:
        try:
            result = _cgroups.run_live(command, memory_mb, pids, timeout)
            return dataclasses.replace(result, command=_shown(command))
        except _FAILURES as error:
            why = f"the live run failed ({error})"
    key = call_key("run_limited", cmd=list(_shown(command)), memory_mb=memory_mb, pids=pids)
    row, why = _from_record("run_limited", key, why)
    row = {**row, "command": tuple(row["command"])}
    return LimitedRun(**row, live=False, why=why, recorded=_mode.recorded_label())


# --------------------------------------------------------------------------- boot_vm


def boot_vm(
    memory_mb: int = 128,
    *,
    accel: str = "auto",
    timeout: float = 120,
    live: bool | None = None,
) -> BootedVM:
    """Boot a tiny VM (QEMU microvm, a kernel from /boot, a busybox init; no network, no
    disk) and report the release its own kernel prints, how long it took to reach its init and
    how long its kernel had been up. ``accel="auto"`` uses KVM only when a trial boot under KVM
    works, else emulation (TCG); ``"kvm"`` or ``"tcg"`` forces one."""
    _positive("memory_mb", memory_mb)
    if memory_mb < 64:
        raise ValueError(f"memory_mb={memory_mb} is too small for the kernel; use >= 64.")
    if accel not in ("auto", "kvm", "tcg"):
        raise ValueError(f"accel must be 'auto', 'kvm' or 'tcg', got {accel!r}.")
    _positive("timeout", timeout)
    why = _mode.forced_recorded(live) or _vm.blocker()
    if why is None:
        try:
            return _vm.boot_live(int(memory_mb), timeout, accel)
        except _FAILURES as error:
            why = f"the live run failed ({error})"
    row, why = _from_record("boot_vm", call_key("boot_vm", memory_mb=memory_mb), why)
    return BootedVM(**row, live=False, why=why, recorded=_mode.recorded_label())


# --------------------------------------------------------------------------- measure_start


def measure_start(repeat: int = 20, *, vm_repeat: int = 3, live: bool | None = None) -> StartTimes:
    """Start times (median and 90th percentile, in ms) of a process, a process in new
    namespaces, a container (only when an engine and a small image are already present) and
    the tiny VM (``vm_repeat`` boots; 0 skips it)."""
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= 1000:
        raise ValueError(f"repeat must be a whole number from 1 to 1000, got {repeat!r}.")
    if isinstance(vm_repeat, bool) or not isinstance(vm_repeat, int) or not 0 <= vm_repeat <= 20:
        raise ValueError(f"vm_repeat must be a whole number from 0 to 20, got {vm_repeat!r}.")
    why = _mode.forced_recorded(live) or _mode.platform_blocker()
    if why is None:
        try:
            return _timing.measure_live(repeat, vm_repeat)
        except _FAILURES as error:
            why = f"the live run failed ({error})"
    row = _mode.recorded()["measure_start"]
    timings = tuple(Timing(**t) for t in row["timings"])
    return StartTimes(
        timings, dict(row["skipped"]), live=False, why=why, recorded=_mode.recorded_label()
    )


# --------------------------------------------------------------------------- probe


@dataclass(frozen=True)
class Probe:
    """What this machine allows. Values that differ by machine print «like this»."""

    os: str
    kernel: str
    root: bool
    user_namespaces: bool | None
    cgroup_version: int | None
    qemu: str | None
    kernel_image: str | None
    kvm: str
    container_engine: str
    experiments: dict[str, str]  # experiment -> "live" or "recorded: why"

    @property
    def live(self) -> dict[str, bool]:
        return {name: how == "live" for name, how in self.experiments.items()}

    def __str__(self) -> str:
        yes = {True: "yes", False: "no", None: "not checked"}
        lines = [
            "This machine:",
            f"  «{self.os}, kernel {self.kernel}, root: {yes[self.root]}»",
            f"  «user namespaces without root: {yes[self.user_namespaces]}; "
            f"cgroup v{self.cgroup_version}»",
            f"  «QEMU: {self.qemu or 'no'}; kernel to boot: {self.kernel_image or 'none'}»",
            f"  «KVM: {self.kvm}»",
            f"  «container engine: {self.container_engine}»",
            "Experiments:",
        ]
        lines += [f"  {name:<14} «{how}»" for name, how in self.experiments.items()]
        return "\n".join(lines)

    _repr_pretty_ = lambda self, p, cycle: p.text(str(self))  # noqa: E731


def probe(*, live: bool | None = None) -> Probe:
    """What this machine allows, and for each experiment whether it runs live or recorded."""
    import platform
    import sys

    forced = _mode.forced_recorded(live)
    blocked = _mode.platform_blocker()
    linux = blocked is None
    userns = None
    if linux and not _mode.is_root():
        userns = _namespaces.userns_allowed()
    kvm = "not checked"
    image = None
    qemu = None
    if linux:
        qemu = _vm.available(_vm.QEMU)
        image, _ = _vm.find_kernel()
        if forced is None and _vm.blocker() is None:
            try:
                kvm = _vm.kvm_verdict()[1]
            except _FAILURES as error:
                kvm = f"not checked ({error})"
    engine_argv, engine_why = None, "not checked"
    if linux and forced is None:
        try:
            engine_argv, engine_why = _timing.container_argv()
        except _FAILURES as error:
            engine_why = f"not checked ({error})"
    reasons = {
        "namespaces": forced or _namespaces.blocker(),
        "cgroup limit": forced or _cgroups.blocker(("memory",)),
        "tiny VM": forced or _vm.blocker(),
        "start times": forced or blocked,
    }
    return Probe(
        os=f"{platform.system() or sys.platform} {platform.machine()}".strip(),
        kernel=_mode.host_kernel(),
        root=_mode.is_root(),
        user_namespaces=userns,
        cgroup_version=_cgroups.cgroup_version() if linux else None,
        qemu=qemu,
        kernel_image=image,
        kvm=kvm,
        container_engine=engine_argv[0] if engine_argv else engine_why,
        experiments={
            name: "live" if why is None else f"recorded: {why}" for name, why in reasons.items()
        },
    )
