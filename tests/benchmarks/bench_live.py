"""Live-lab benchmark: what this machine allows, the start times ``measure_start`` measures, and
the overhead ``run_isolated`` adds over running ``unshare`` itself.

Prints figures; asserts nothing about time. ``run_isolated`` does more than ``unshare true``:
its shell reads the namespace ids and NSpid, remounts /proc, reads the host name, kernel and
network devices, and afterwards sweeps the run's network namespace for leftovers, all in a
private temporary folder. The overhead line says what that costs per call.
"""

from __future__ import annotations

import time

from virtlab import live
from virtlab.live import _namespaces, _timing

REPEAT = 20


def main() -> None:
    print(live.probe())
    print()
    times = live.measure_start(REPEAT, vm_repeat=3)
    print(times)
    if _namespaces.blocker() is not None or not times.live:
        print("\nrun_isolated overhead: not measured (namespaces are not live here)")
        return
    raw_argv = _timing.namespaced_argv(live.DEFAULT_KINDS)
    raw = [_timing.time_command(raw_argv) for _ in range(REPEAT)]
    ours = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = live.run_isolated("true", namespaces=live.DEFAULT_KINDS)
        ours.append((time.perf_counter() - start) * 1000)
        assert result.live, result.why
    raw_median, raw_p90 = _timing.summarize(raw)
    our_median, our_p90 = _timing.summarize(ours)
    print(f"\nunshare itself ({' '.join(raw_argv[1:])}):")
    print(f"  median {raw_median:.2f} ms, p90 {raw_p90:.2f} ms over {REPEAT} runs")
    print("run_isolated('true') with the same namespaces:")
    print(f"  median {our_median:.2f} ms, p90 {our_p90:.2f} ms over {REPEAT} runs")
    print(
        f"virtlab's overhead: {our_median - raw_median:+.2f} ms per call "
        f"({our_median / raw_median:.1f}x unshare's median)"
    )


if __name__ == "__main__":
    main()
