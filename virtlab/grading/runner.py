"""Run one submission in a fresh, fenced kernel and bring back the answers it recorded.

The grader's steps for one notebook, each a small function: :func:`load` (parse, upgrade an old
format, refuse what is not a notebook) → :func:`sanitize` (drop outputs, force the Python
kernel) → :func:`execute` (a fresh kernel in a temporary folder, with limits) → the raw answer
records, scored later by the grader process (:mod:`virtlab.grading.batch`).

Limits on the kernel, all set before the kernel's first instruction:

* time: a per-cell timeout and a deadline for the whole notebook;
* memory: ``RLIMIT_AS`` (``prlimit``), so a memory bomb ends in ``MemoryError``; no core dumps;
  a file-size limit;
* output: more than ``output_bytes`` of cell output stops the notebook;
* network: the kernel runs in an empty network namespace (``unshare -n``) when the OS allows
  it; kernel messages use Unix sockets, which need no network;
* processes: the kernel leads its own process group; at the end the whole group gets SIGKILL
  (no graceful shutdown: it can stall for seconds), and so does every process that escaped the
  group: this worker is a child subreaper, so orphans re-parent to it, and each kernel's
  processes carry a per-run marker in their environment.

This module imports nbclient and nbformat; the grader imports it once per batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

# isort: off
from virtlab.grading.nbio import nbformat  # first: it keeps jsonschema's import light
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

# isort: on

from virtlab.grading.inline import KEY_ENV, RECORD_ENV

MARKER_ENV = "VIRTLAB_KERNEL_RUN"
MAX_RECORD_BYTES = 8_000_000


@dataclass(frozen=True)
class Limits:
    cell_timeout: float = 30.0
    notebook_timeout: float = 300.0
    memory_mb: int = 1024
    output_bytes: int = 2_000_000
    startup_timeout: float = 60.0


@dataclass
class Execution:
    """What running a submission produced: a status, a message and the raw answer records."""

    status: str
    message: str = ""
    records: str = ""
    cell_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


class InvalidNotebook(ValueError):
    """The file cannot be graded as a notebook; the message says why and what to do."""


# --------------------------------------------------------------------------- load, sanitize
def load(data: bytes, name: str) -> tuple[Any, str]:
    """Parse a submission; returns the notebook and a note when its format was upgraded."""
    import json

    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidNotebook(f"{name} is not text (UTF-8): not a notebook file.") from None
    except json.JSONDecodeError as err:
        raise InvalidNotebook(
            f"{name} is not valid JSON (line {err.lineno}, column {err.colno}): the file is "
            "damaged; ask for a fresh copy saved from Jupyter."
        ) from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise InvalidNotebook(f"{name} is JSON but not a Jupyter notebook (no 'nbformat').")
    version = raw.get("nbformat")
    note = ""
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as err:
        raise InvalidNotebook(
            f"{name} (nbformat {version}) could not be read as a notebook: {err}"
        ) from None
    if version != 4:
        note = f"upgraded from nbformat {version} to 4"
    if not isinstance(nb.get("cells"), list):
        raise InvalidNotebook(f"{name} has no list of cells.")
    return nb, note


def sanitize(nb: Any) -> Any:
    """A clean copy to execute: no old outputs, the course's Python kernel, no odd cells."""
    clean = nbformat.v4.new_notebook()
    clean.metadata = nbformat.from_dict(
        {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    for cell in nb.cells:
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        if cell.get("cell_type") == "code":
            clean.cells.append(nbformat.v4.new_code_cell(str(source)))
        elif cell.get("cell_type") == "markdown":
            clean.cells.append(nbformat.v4.new_markdown_cell(str(source)))
    return clean


# --------------------------------------------------------------------------- the fence
@cache
def network_fence() -> list[str]:
    """``["unshare", "-n"]`` when this OS lets us give the kernel no network, else ``[]``."""
    tool = shutil.which("unshare")
    if tool is None:
        return []
    for cmd in ([tool, "-n"], [tool, "-r", "-n"]):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            if subprocess.run([*cmd, "true"], capture_output=True, timeout=10).returncode == 0:
                return cmd
    return []


def limit_prefix(memory_mb: int) -> list[str]:
    """The command prefix that applies the resource limits, then the network fence."""
    memory = str(memory_mb * 1024 * 1024)
    fsize = str(512 * 1024 * 1024)
    tool = shutil.which("prlimit")
    if tool:
        limits = [tool, f"--as={memory}", "--core=0", f"--fsize={fsize}", "--"]
    else:
        code = (
            "import os,resource,sys;r=resource;"
            f"r.setrlimit(r.RLIMIT_AS,({memory},{memory}));r.setrlimit(r.RLIMIT_CORE,(0,0));"
            f"r.setrlimit(r.RLIMIT_FSIZE,({fsize},{fsize}));os.execv(sys.argv[1],sys.argv[1:])"
        )
        limits = [sys.executable, "-I", "-S", "-c", code]
    return limits + network_fence()


class FencedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command starts behind :func:`limit_prefix`."""

    prefix: list[str] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [*self.prefix, *super().format_kernel_cmd(extra_arguments)]


class LimitedClient(NotebookClient):
    """nbclient with an output budget: past it, the running cell is abandoned."""

    output_budget: int = 2_000_000
    output_used: int = 0
    flooded: bool = False

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        content = msg.get("content", {})
        size = len(str(content.get("text", ""))) + sum(
            len(str(v)) for v in content.get("data", {}).values()
        )
        self.output_used += size
        if self.output_used > self.output_budget:
            if not self.flooded:
                self.flooded = True
                if self.task_poll_for_reply is not None:
                    self.task_poll_for_reply.cancel()
            return None
        return super().output(outs, msg, display_id, cell_index)


def become_subreaper() -> None:
    """Orphaned descendants of our kernels re-parent to this process, where we can kill them."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _proc_ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _has_marker(pid: int, token: bytes) -> bool:
    try:
        return token in Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False


def kill_all(pgid: int | None, token: str) -> None:
    """SIGKILL the kernel's group, then every straggler: our orphans and marked processes."""
    if pgid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    if not Path("/proc/self").exists():
        return
    me, marker = os.getpid(), f"{MARKER_ENV}={token}".encode()
    for _ in range(50):
        victims = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            if pid != me and (_proc_ppid(pid) == me or _has_marker(pid, marker)):
                victims.append(pid)
        alive = False
        for pid in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError, OSError):
                done, _ = os.waitpid(pid, os.WNOHANG)
                alive = alive or done == 0
        if not victims:
            return
        if alive:
            time.sleep(0.01)


# --------------------------------------------------------------------------- execute
def _describe_exit(code: int | None) -> str:
    if code is None:
        return "the kernel stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        extra = " (a crash in native code)" if name == "SIGSEGV" else ""
        return f"the kernel was killed by {name}{extra}"
    return f"the kernel exited with code {code} (os._exit() or a crash)"


async def _execute(nb: Any, workdir: Path, private: Path, limits: Limits, key: str) -> Execution:
    token = secrets.token_hex(8)
    records = private / "answers.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTLAB_")}
    env.update(
        {
            RECORD_ENV: str(records),
            KEY_ENV: key,
            MARKER_ENV: token,
            "MALLOC_ARENA_MAX": "2",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    km = FencedKernelManager(kernel_name="python3", transport="ipc", ip=str(private / "kernel"))
    km.prefix = limit_prefix(limits.memory_mb)
    client = LimitedClient(
        nb,
        km=km,
        timeout=limits.cell_timeout,
        startup_timeout=limits.startup_timeout,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.output_budget = limits.output_bytes
    result = Execution("ok")
    deadline = time.monotonic() + limits.notebook_timeout
    pgid = None
    try:
        try:
            await client.async_start_new_kernel(cwd=str(workdir), env=env)
            pgid = km.provisioner.pgid if km.provisioner else None
            await client.async_start_new_kernel_client()
        except Exception as err:
            code = km.provisioner.process.poll() if km.provisioner else None
            result.status = "kernel-died"
            result.message = (
                f"the kernel did not start ({type(err).__name__}; {_describe_exit(code)}); "
                f"is --memory-mb {limits.memory_mb} too low for a Python kernel?"
            )
            return result
        client.reset_execution_trackers()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                result.status = "timeout"
                result.message = (
                    f"the notebook ran out of time ({limits.notebook_timeout:g} s in total) "
                    f"before cell {index + 1}"
                )
                break
            client.timeout = max(1, int(min(limits.cell_timeout, remaining) + 0.999))
            try:
                await client.async_execute_cell(cell, index)
            except CellTimeoutError:
                result.status = "timeout"
                per_cell = client.timeout >= limits.cell_timeout
                limit = (
                    f"the per-cell limit of {limits.cell_timeout:g} s"
                    if per_cell
                    else f"the notebook's limit of {limits.notebook_timeout:g} s"
                )
                result.message = f"cell {index + 1} was still running after {limit}"
                break
            except DeadKernelError:
                if client.flooded:
                    result.status = "output-limit"
                    result.message = (
                        f"cell {index + 1} printed more than {limits.output_bytes:,} characters "
                        "of output; the notebook was stopped there"
                    )
                else:
                    process = km.provisioner.process if km.provisioner else None
                    code = process.poll() if process is not None else None
                    if code is None and process is not None:
                        with contextlib.suppress(subprocess.TimeoutExpired):
                            code = process.wait(timeout=2)
                    result.status = "kernel-died"
                    result.message = f"{_describe_exit(code)} in cell {index + 1}"
                break
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                ename, evalue = out.get("ename", ""), str(out.get("evalue", ""))[:200]
                if ename == "MemoryError" and result.status in ("ok", "cell-errors", "exited"):
                    result.status = "memory-limit"
                    result.message = (
                        f"cell {index + 1} tried to use more than the "
                        f"{limits.memory_mb} MB memory limit (MemoryError)"
                    )
                elif ename == "SystemExit" and result.status in ("ok", "cell-errors"):
                    result.status = "exited"
                    result.message = (
                        f"cell {index + 1} called sys.exit(); the kernel kept running and the "
                        "remaining cells were graded"
                    )
                result.cell_errors.append(f"cell {index + 1}: {ename}: {evalue}".rstrip(": "))
        if result.status == "ok" and result.cell_errors:
            result.status = "cell-errors"
            result.message = f"{len(result.cell_errors)} cell(s) raised an error"
    finally:
        kill_all(pgid, token)
        if km.provisioner is not None and km.provisioner.process is not None:
            with contextlib.suppress(Exception):
                km.provisioner.process.wait(timeout=5)
        with contextlib.suppress(Exception):
            client.kc.stop_channels()
        with contextlib.suppress(Exception):
            km.provisioner = None
        if records.exists():
            with open(records, "rb") as f:
                raw = f.read(MAX_RECORD_BYTES + 1)
            result.records = raw.decode("utf-8", "replace")
    return result


def execute(nb: Any, limits: Limits, key: str) -> Execution:
    """Run a sanitized notebook in a fresh fenced kernel inside a temporary folder."""
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="virtlab-run-") as workdir,
        tempfile.TemporaryDirectory(prefix="virtlab-private-") as private,
    ):
        nbformat.write(nb, os.path.join(workdir, "submission.ipynb"))
        result = asyncio.run(_execute(nb, Path(workdir), Path(private), limits, key))
    result.seconds = time.monotonic() - started
    return result
