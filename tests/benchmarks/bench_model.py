"""Model benchmark: validate, overhead and isolation on a 10,000-workload stack; import cost.

Prints figures; asserts nothing about time (targets: validate + overhead < 1 s, isolation
query < 50 us, ``import virtlab`` < 100 ms more than ``python -c pass``).
"""

from __future__ import annotations

import itertools
import statistics
import subprocess
import sys
import time

import virtlab as vl


def big_stack(vms: int = 1000, containers: int = 10) -> vl.Stack:
    hw = vl.Hardware(cores=512, memory_gb=8192, storage_gb=100_000)
    hv = hw.install("kvm")
    for _ in range(vms):
        engine = hv.create_vm("ubuntu", memory_gb=4).guest.install("docker")
        for i in range(containers):
            engine.run(("nginx", "redis", "postgres", "python-web")[i % 4])
    return vl.Stack(hw)


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def import_time(code: str, repeat: int = 7) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    build_s, stack = timed(big_stack, repeat=3)
    n = len(stack.workloads())
    validate_s, problems = timed(stack.validate)
    overhead_s, _ = timed(stack.overhead)
    print(
        f"stack: {n:,} workloads, {sum(1 for _ in stack.nodes()):,} layers; built in "
        f"{build_s * 1000:.0f} ms"
    )
    print(f"validate:            {validate_s * 1000:8.1f} ms  ({len(problems)} problems)")
    print(f"overhead:            {overhead_s * 1000:8.1f} ms")
    print(f"validate + overhead: {(validate_s + overhead_s) * 1000:8.1f} ms  (target < 1000 ms)")

    # isolation: all pairs on one ordinary host (50 workloads -> 1,225 pairs), then a sample of
    # pairs in the 10,000-workload stack
    small = vl.Stack.containers(containers=["nginx"] * 25)
    fc = small.hosts[0].children[0].install("kvm")
    for _ in range(25):
        fc.create_vm("alpine").guest.install("redis")
    pairs = list(itertools.combinations(small.workloads(), 2))
    start = time.perf_counter()
    for a, b in pairs:
        small.isolation(a, b)
    per_pair = (time.perf_counter() - start) / len(pairs)
    print(
        f"isolation, all {len(pairs):,} pairs of 50 workloads: {per_pair * 1e6:6.1f} us/query "
        "(target < 50 us)"
    )
    workloads = stack.workloads()
    sample = [(workloads[i], workloads[-1 - i]) for i in range(2000)]
    start = time.perf_counter()
    for a, b in sample:
        stack.isolation(a, b)
    per_big = (time.perf_counter() - start) / len(sample)
    print(f"isolation, 2,000 pairs in the 10,000-workload stack: {per_big * 1e6:6.1f} us/query")

    base = import_time("pass")
    lib = import_time("import virtlab")
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, virtlab; print(sorted(m for m in "
            "('plotly', 'ipywidgets', 'nbformat', 'nbclient') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(
        f"python -c pass: {base * 1000:.0f} ms; import virtlab: {lib * 1000:.0f} ms; "
        f"difference {(lib - base) * 1000:.0f} ms (target < 100 ms); heavy modules loaded: "
        f"{heavy}"
    )


if __name__ == "__main__":
    main()
