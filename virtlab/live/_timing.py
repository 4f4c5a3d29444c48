"""Start-time measurements: a process, a namespaced process, a container, the tiny VM.

Two shared cores make single timings noisy, so every kind is started several times and
reported as a median (the typical start) and a 90th percentile (a slow but common start).
"""

from __future__ import annotations

import statistics
import subprocess
import time
from dataclasses import dataclass, field

from virtlab.live import _mode, _namespaces, _vm
from virtlab.live._run import available, kill_group, run, wait_exit

TRUE = "/bin/true"
IMAGES = ("busybox", "alpine", "hello-world")  # used only when already present: never pulled


ORDER = ("process", "namespaces", "container", "microvm")


@dataclass(frozen=True)
class Timing:
    kind: str  # one of ORDER
    label: str
    median_ms: float
    p90_ms: float
    runs: int
    how: str
    recorded: str = ""  # empty when measured here; else where and when it was recorded

    def __str__(self) -> str:
        where = f" ({self.recorded})" if self.recorded else ""
        return (
            f"median {self.median_ms:.2f} ms, p90 {self.p90_ms:.2f} ms over {self.runs} runs: "
            f"{self.label}{where}"
        )


@dataclass(frozen=True)
class StartTimes:
    """What :func:`measure_start` measured. Values that differ by machine print «like this».

    A kind this machine cannot start live is filled in from the recording, when there is one,
    and says so (``Timing.recorded``); ``skipped`` keeps why it was not measured here.
    """

    timings: tuple[Timing, ...]
    skipped: dict[str, str] = field(default_factory=dict)  # kind -> why it was not measured
    live: bool = True
    why: str = ""
    recorded: str = ""

    def get(self, kind: str) -> Timing | None:
        return next((t for t in self.timings if t.kind == kind), None)

    def median_ms(self, kind: str) -> float | None:
        timing = self.get(kind)
        return timing.median_ms if timing else None

    def __str__(self) -> str:
        where = "live on this machine" if self.live else f"{self.recorded}: {self.why}"
        lines = [f"Start times («{where}»):"]
        for kind in ORDER:
            timing = self.get(kind)
            text = str(timing) if timing else f"not measured: {self.skipped.get(kind, '')}"
            lines.append(f"  {kind:<11} «{text}»")
        return "\n".join(lines)

    _repr_pretty_ = lambda self, p, cycle: p.text(str(self))  # noqa: E731


def summarize(samples_ms: list[float]) -> tuple[float, float]:
    """(median, 90th percentile) of some timings in ms."""
    if len(samples_ms) < 2:
        return samples_ms[0], samples_ms[0]
    p90 = statistics.quantiles(samples_ms, n=10, method="inclusive")[8]
    return statistics.median(samples_ms), p90


def time_command(argv: list[str], timeout: float = 10) -> float:
    """Milliseconds from starting ``argv`` to its exit (its process group killed after)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        code = wait_exit(proc, timeout)
    finally:
        kill_group(proc.pid)
        proc.wait()
    elapsed = (time.perf_counter() - start) * 1000
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {code}")
    return elapsed


def namespaced_argv(kinds: tuple[str, ...] = _namespaces.DEFAULT_KINDS) -> list[str]:
    return [*_namespaces.unshare_argv(kinds), TRUE]


def container_argv() -> tuple[list[str] | None, str]:
    """``docker/podman run`` of a tiny image already present, or None and why."""
    for engine in ("docker", "podman"):
        tool = available(engine)
        if tool is None:
            continue
        if run([tool, "info"], timeout=5).returncode != 0:
            return None, f"{engine} is installed but its daemon does not answer"
        for image in IMAGES:
            if run([tool, "image", "inspect", image], timeout=5).returncode == 0:
                return [tool, "run", "--rm", "--network", "none", image, "true"], ""
        return None, f"no {'/'.join(IMAGES)} image present (virtlab never pulls one)"
    return None, "no container engine (Docker or Podman) is installed"


def measure_live(repeat: int, vm_repeat: int) -> StartTimes:
    timings, skipped = [], {}

    def add(kind: str, label: str, how: str, samples: list[float]) -> None:
        median, p90 = summarize(samples)
        timings.append(Timing(kind, label, median, p90, len(samples), how))

    time_command([TRUE])  # warm the page cache so the first run is not an outlier
    add(
        "process",
        "process (fork + exec /bin/true)",
        TRUE,
        [time_command([TRUE]) for _ in range(repeat)],
    )
    why = _namespaces.blocker()
    if why is None:
        argv = namespaced_argv()
        time_command(argv)
        add(
            "namespaces",
            "process in new namespaces (unshare)",
            " ".join(argv[1:]),
            [time_command(argv) for _ in range(repeat)],
        )
    else:
        skipped["namespaces"] = why
    argv, why = container_argv()
    if argv is not None:
        runs = max(3, repeat // 4)  # a container start costs ~100x a process start
        add(
            "container",
            "container (engine run --rm)",
            " ".join(argv[1:]),
            [time_command(argv, timeout=60) for _ in range(runs)],
        )
    else:
        skipped["container"] = why
    why = _vm.blocker()
    if why is None and vm_repeat > 0:
        boots = [_vm.boot_live(128, 120, "auto") for _ in range(vm_repeat)]
        add(
            "microvm",
            f"tiny VM to its init (QEMU microvm, {boots[0].accel.upper()})",
            f"qemu-system-x86_64 -M microvm -accel {boots[0].accel}",
            [b.boot_seconds * 1000 for b in boots],
        )
    else:
        skipped["microvm"] = why or "vm_repeat=0 was passed"
    recorded = _mode.recorded()["measure_start"]
    for row in recorded["timings"]:
        if row["kind"] in skipped and not skipped[row["kind"]].startswith("vm_repeat"):
            timings.append(Timing(**{**row, "recorded": _mode.recorded_label()}))
    timings.sort(key=lambda t: ORDER.index(t.kind))
    return StartTimes(tuple(timings), skipped)


def host_kernel() -> str:
    return _mode.host_kernel()
