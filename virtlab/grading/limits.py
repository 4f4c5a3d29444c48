"""The limits a graded kernel runs under: their defaults (defined here only) and what each
platform enforces.

``virtlab grade``'s options take their defaults from :class:`Limits`; the README's figures are
checked against it by the tests. Time and output limits hold everywhere (the grader and the
kernel enforce them themselves); the others need the operating system:

========================= ================================ ============== =================
limit                     Linux                            macOS          Windows
========================= ================================ ============== =================
time, output              yes                              yes            yes
memory (``--memory-mb``)  ``prlimit``/``RLIMIT_AS``        no (1)         no
no core dumps, file size  yes                              yes (resource) no
no network                ``unshare -n`` where permitted   no             no
every process killed      process group + /proc sweep      group only     kernel only
========================= ================================ ============== =================

(1) macOS accepts ``RLIMIT_AS`` but does not enforce it, so a memory bomb there is stopped only
by the time limit or the machine.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Per-kernel limits; the defaults are ``virtlab grade``'s."""

    cell_timeout: float = 30.0
    #: seconds for the whole notebook; None: ``NOTEBOOK_FACTOR`` x the cell timeout, at least
    #: ``NOTEBOOK_MINIMUM``
    notebook_timeout: float | None = None
    memory_mb: int = 1024
    output_chars: int = 2_000_000
    startup_timeout: float = 60.0
    file_mb: int = field(default=512, repr=False)

    NOTEBOOK_FACTOR = 10
    NOTEBOOK_MINIMUM = 120.0

    @property
    def notebook_seconds(self) -> float:
        if self.notebook_timeout is not None:
            return self.notebook_timeout
        return max(self.cell_timeout * self.NOTEBOOK_FACTOR, self.NOTEBOOK_MINIMUM)


DEFAULTS = Limits()

# how the grader and the kernel-side fence (virtlab.grading.fence) talk: environment variables
# read once at kernel start, and the line the kernel prints when the output budget runs out
OUTPUT_LIMIT_ENV = "VIRTLAB_OUTPUT_LIMIT"
KERNEL_ERRORS_ENV = "VIRTLAB_KERNEL_ERRORS"
OUTPUT_MARKER = "[virtlab: output limit reached]"


def unenforced(platform: str = sys.platform, *, network_fence: bool | None = None) -> list[str]:
    """What this platform leaves unenforced, one sentence each (empty: everything holds).

    ``network_fence`` says whether ``unshare -n`` works here (probed by the runner on Linux).
    """
    notes: list[str] = []
    if platform.startswith("linux"):
        if network_fence is False:
            notes.append(
                "no network fence: 'unshare -n' is missing or not permitted here, so submissions "
                "can reach the network"
            )
        return notes
    if platform == "darwin":
        return [
            "memory limit (--memory-mb) not enforced: macOS ignores RLIMIT_AS",
            "no network fence: submissions can reach the network",
            "processes a submission starts in a new session survive it (no /proc to find them)",
        ]
    return [
        "memory limit (--memory-mb) not enforced on this OS",
        "no core-dump or file-size limits on this OS",
        "no network fence: submissions can reach the network",
        "processes a submission starts may survive it (only the kernel itself is killed)",
    ]
