"""Live or recorded: what this machine lets an experiment do, decided in one place.

An experiment runs live on Linux when the kernel allows it without sudo (as root, or in an
unprivileged user namespace). Everywhere else (macOS, Windows, JupyterLite, a locked-down pod),
or when ``VIRTLAB_LIVE=recorded`` is set or ``live=False`` is passed, it returns the results
recorded on the reference machine, labelled with where and when.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import sys
from importlib import resources
from typing import Any

ENV_VAR = "VIRTLAB_LIVE"
_OFF = {"0", "off", "no", "false", "recorded"}


def forced_recorded(live: bool | None) -> str | None:
    """Why this call must use recorded results although the machine might allow more, or None."""
    if live is False:
        return "live=False was passed"
    if os.environ.get(ENV_VAR, "").strip().lower() in _OFF:
        return f"{ENV_VAR}={os.environ[ENV_VAR]} is set"
    return None


def platform_blocker() -> str | None:
    """Why no experiment can run live on this platform at all, or None on Linux."""
    if sys.platform == "emscripten":
        return "this notebook runs in the browser (JupyterLite): no processes can be started"
    if sys.platform != "linux":
        name = {"darwin": "macOS", "win32": "Windows"}.get(sys.platform, sys.platform)
        return f"{name} has no Linux namespaces or cgroups"
    return None


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def host_kernel() -> str:
    """The release of the kernel this Python runs on (what ``uname -r`` prints)."""
    return platform.release()


@functools.cache
def recorded() -> dict[str, Any]:
    """The reference machine's results (``recorded.json``), recorded by ``virtlab.live.record``."""
    text = resources.files("virtlab.live").joinpath("recorded.json").read_text(encoding="utf-8")
    return json.loads(text)


def recorded_label() -> str:
    meta = recorded()["machine"]
    return f"recorded on {meta['where']}, {meta['when']}"
