"""Record the reference results that :mod:`virtlab.live` shows where it cannot run live.

Run on a Linux machine that allows every experiment (root, QEMU, a kernel under /boot)::

    python -m virtlab.live.record --where "a Debian 12 VM, 2 cores, root"

It makes exactly the calls the lessons, exercises and tests make (``CALLS``), live, and writes
their results with where and when to ``virtlab/live/recorded.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import platform
import sys
from pathlib import Path
from typing import Any

from virtlab import live
from virtlab.live._cgroups import memory_hog

# (experiment, keyword arguments); the first call of each experiment is its default demo.
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("run_isolated", {"cmd": "echo I am PID $$ on $(hostname)", "hostname": "box"}),
    ("run_isolated", {"cmd": "hostname; echo PID $$", "hostname": "box"}),  # NamespaceLab
    ("run_isolated", {"cmd": "echo $$", "namespaces": ("pid", "mnt")}),
    ("run_isolated", {"cmd": "hostname", "namespaces": tuple(live.KINDS), "hostname": "box"}),
    ("run_limited", {"cmd": memory_hog(200), "memory_mb": 64}),
    ("run_limited", {"cmd": memory_hog(200), "memory_mb": 400}),
    ("boot_vm", {}),
]
_LABEL_FIELDS = ("live", "why", "recorded")


def _row(result: Any) -> dict[str, Any]:
    row = dataclasses.asdict(result)
    for name in _LABEL_FIELDS:
        row.pop(name, None)
    return row


def record(where: str, repeat: int = 20, vm_repeat: int = 3) -> dict[str, Any]:
    out: dict[str, Any] = {
        "machine": {
            "where": where,
            "when": datetime.date.today().isoformat(),
            "kernel": platform.release(),
            "python": platform.python_version(),
        }
    }
    for experiment, kwargs in CALLS:
        result = getattr(live, experiment)(**kwargs)
        if not result.live:
            sys.exit(f"{experiment}({kwargs}) did not run live: {result.why}")
        if experiment == "run_isolated":
            key = live.call_key(
                experiment,
                cmd=list(result.command),
                namespaces=list(result.kinds),
                hostname=kwargs.get("hostname"),
            )
        elif experiment == "run_limited":
            key = live.call_key(
                experiment, cmd=list(result.command), memory_mb=kwargs["memory_mb"], pids=None
            )
        else:
            key = live.call_key(experiment, memory_mb=result.memory_mb)
        rows = out.setdefault(experiment, {"default": key})
        rows[key] = _row(result)
    times = live.measure_start(repeat, vm_repeat=vm_repeat)
    out["measure_start"] = {
        "timings": [dataclasses.asdict(t) for t in times.timings],
        "skipped": times.skipped,
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--where", required=True, help="the reference machine, in words")
    parser.add_argument(
        "-o", "--output", default=str(Path(live.__file__).with_name("recorded.json"))
    )
    args = parser.parse_args(argv)
    data = record(args.where)
    Path(args.output).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
