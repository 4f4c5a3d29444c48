"""Run one command safely: a time limit, its own process group killed at the end, output kept
in a private temporary folder and read back truncated, never a traceback for a missing tool.

Every experiment of :mod:`virtlab.live` starts its processes through :func:`run`, so the safety
rules (time limit, nothing left behind, nothing written outside a temporary folder) hold in one
place.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

MAX_OUTPUT = 64 * 1024  # bytes of stdout/stderr kept; a flood is cut, never held in memory


@dataclass(frozen=True)
class Finished:
    """How a command ended."""

    returncode: int | None  # None: it was killed at the time limit
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool

    @property
    def signal(self) -> int | None:
        """The signal that ended the command (SIGKILL = 9), or None."""
        if self.returncode is not None and self.returncode < 0:
            return -self.returncode
        # a shell reports a child killed by signal N as 128 + N
        if self.returncode is not None and 128 < self.returncode < 160:
            return self.returncode - 128
        return None


def wait_exit(proc: subprocess.Popen, timeout: float) -> int:
    """Wait for ``proc`` to exit, at most ``timeout`` s (else ``subprocess.TimeoutExpired``).

    ``Popen.wait(timeout=...)`` polls with sleeps that grow to 50 ms, which would add up to
    tens of milliseconds to every timing; a pidfd (Linux >= 5.3) wakes us the moment the
    process exits.
    """
    import select

    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # no pidfd: fall back to polling
        return proc.wait(timeout=timeout)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        if not poller.poll(max(0, int(timeout * 1000))):
            raise subprocess.TimeoutExpired(proc.args, timeout)
    finally:
        os.close(fd)
    return proc.wait()


def kill_group(pgid: int) -> None:
    """SIGKILL a whole process group; a group already gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _read(path: str) -> str:
    with open(path, "rb") as handle:
        data = handle.read(MAX_OUTPUT + 1)
    text = data[:MAX_OUTPUT].decode("utf-8", errors="replace")
    return text + ("\n[output cut at 64 kB]" if len(data) > MAX_OUTPUT else "")


def run(argv: Sequence[str], *, timeout: float, env: dict[str, str] | None = None) -> Finished:
    """Run ``argv`` in a new session with a time limit; kill its whole group when it ends.

    stdin is empty; stdout and stderr go to files in a private temporary folder that is removed
    afterwards, so a command that prints gigabytes costs disk up to the limit, not memory.
    """
    with tempfile.TemporaryDirectory(prefix="virtlab-run-") as folder:
        out_path, err_path = os.path.join(folder, "out"), os.path.join(folder, "err")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=folder,
                env=env,
                start_new_session=True,  # its own process group, killed as a whole below
            )
            try:
                returncode: int | None = wait_exit(proc, timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                returncode, timed_out = None, True
            except BaseException:  # Ctrl-C in a notebook: still leave nothing behind
                kill_group(proc.pid)
                proc.wait()
                raise
            seconds = time.perf_counter() - start
            kill_group(proc.pid)  # whatever it left running in its group goes too
            proc.wait()
        return Finished(returncode, _read(out_path), _read(err_path), seconds, timed_out)


def available(tool: str) -> str | None:
    """The full path of a command on PATH (or the usual sbin folders), or None."""
    import shutil

    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
    return shutil.which(tool, path=path)
