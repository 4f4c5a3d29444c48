"""Run one submission in a fresh, fenced kernel and bring back what happened, as facts.

The grader's steps for one notebook, each a small function: :func:`load` (parse, upgrade an old
format, refuse what is not a notebook) → :func:`sanitize` (drop outputs, force the Python
kernel) → :func:`execute` (a fresh kernel in a temporary folder, with limits). :func:`execute`
returns an :class:`Execution`: how the run ended (:class:`Stop`), the cell errors, what the kernel
logged about its own failures, its stderr, and the raw answer records. It decides no status and
scores nothing: :mod:`virtlab.grading.decide` and :mod:`virtlab.grading.batch` do, in the
grader process.

Limits on the kernel, all set before the kernel's first instruction:

* time: a per-cell timeout and a deadline for the whole notebook;
* memory: ``RLIMIT_AS`` (``prlimit``), so a memory bomb ends in ``MemoryError``; no core dumps;
  a file-size limit;
* output: the kernel itself stops a cell past ``output_chars`` characters of output
  (:mod:`virtlab.grading.fence`); the client counts what it receives as a second line;
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
import enum
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
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
from virtlab.grading.limits import (
    DEFAULTS,
    KERNEL_ERRORS_ENV,
    OUTPUT_LIMIT_ENV,
    OUTPUT_MARKER,
    Limits,
)

MARKER_ENV = "VIRTLAB_KERNEL_RUN"
MAX_RECORD_BYTES = 8_000_000
STDERR_KEEP = 16_000  # characters of the kernel's stderr kept for the row's message
# what the client may receive beyond the kernel's own budget (its marker line) before it stops
# the cell itself: only reached when student code took the kernel's limit away
CLIENT_SLACK = 10_000
IOPUB_TIMEOUT = 15  # seconds the output of a finished cell may lag behind its reply


class Stop(str, enum.Enum):
    """How a run ended."""

    COMPLETED = "completed"
    START_FAILED = "start-failed"
    CELL_TIMEOUT = "cell-timeout"
    NOTEBOOK_TIMEOUT = "notebook-timeout"
    KERNEL_DIED = "kernel-died"
    OUTPUT_LIMIT = "output-limit"


@dataclass(frozen=True)
class CellError:
    cell: int  # 1-based, as Jupyter users count
    ename: str
    evalue: str

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.ename}: {self.evalue}".rstrip(": ")


@dataclass
class Execution:
    """The facts of one run; no status, no score."""

    stop: Stop = Stop.COMPLETED
    stop_cell: int | None = None  # 1-based cell where the run stopped
    exit_code: int | None = None  # the kernel's, when it died or did not start
    cell_errors: list[CellError] = field(default_factory=list)
    kernel_errors: list[str] = field(default_factory=list)
    stderr: str = ""
    records: str = ""
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


def limit_prefix(memory_mb: int, file_mb: int = DEFAULTS.file_mb) -> list[str]:
    """The command prefix that applies the resource limits, then the network fence.

    ``prlimit`` where it exists (Linux), else Python's ``resource`` module (macOS, a Linux
    without util-linux); on Windows neither exists and the kernel starts unlimited (the grader
    says so at start: :func:`virtlab.grading.limits.unenforced`).
    """
    memory = str(memory_mb * 1024 * 1024)
    fsize = str(file_mb * 1024 * 1024)
    tool = shutil.which("prlimit")
    if tool:
        limits = [tool, f"--as={memory}", "--core=0", f"--fsize={fsize}", "--"]
    elif sys.platform != "win32":
        code = (
            "import os,resource,sys;r=resource\n"
            f"for k,v in ((r.RLIMIT_AS,{memory}),(r.RLIMIT_CORE,0),(r.RLIMIT_FSIZE,{fsize})):\n"
            "  try:r.setrlimit(k,(v,v))\n"
            "  except (ValueError,OSError):pass\n"
            "os.execv(sys.argv[1],sys.argv[1:])"
        )
        limits = [sys.executable, "-I", "-S", "-c", code]
    else:
        limits = []
    return limits + network_fence()


# the kernel's own output stream and extension (virtlab.grading.fence), set before any cell;
# named, not imported: the fence imports ipykernel, which the grader process does not need
FENCE = "virtlab.grading.fence"
KERNEL_ARGUMENTS = [
    f"--IPKernelApp.outstream_class={FENCE}.LimitedOutStream",
    f"--IPKernelApp.extensions={FENCE}",
]


class FencedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel starts behind :func:`limit_prefix`, with the fence."""

    prefix: list[str] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        return [*self.prefix, *command, *KERNEL_ARGUMENTS]


class LimitedClient(NotebookClient):
    """nbclient that stops the running cell when the kernel reports its output limit reached
    (or, should student code have removed the kernel's limit, when it receives too much)."""

    output_budget: int = 2_000_000
    output_used: int = 0
    flooded: bool = False

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        content = msg.get("content", {})
        text = str(content.get("text", ""))
        size = len(text) + sum(len(str(v)) for v in content.get("data", {}).values())
        self.output_used += size
        reached = OUTPUT_MARKER in text or self.output_used > self.output_budget + CLIENT_SLACK
        if reached and not self.flooded:
            self.flooded = True
            if self.task_poll_for_reply is not None:
                self.task_poll_for_reply.cancel()
        if self.flooded:
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
    if not hasattr(os, "killpg"):  # Windows: the kernel manager kills the kernel itself
        return
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
def describe_exit(code: int | None) -> str:
    """A kernel's exit code in words."""
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


class _StderrTail:
    """Drain the kernel's stderr in a thread, keeping its first characters; the rest is
    dropped, so a flood on stderr can neither fill a disk nor block the kernel."""

    def __init__(self, stream: Any) -> None:
        self.kept = bytearray()
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream: Any) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536):
                if len(self.kept) < STDERR_KEEP:
                    self.kept += chunk[: STDERR_KEEP - len(self.kept)]

    def text(self) -> str:
        self.thread.join(timeout=2)
        return self.kept.decode("utf-8", "replace")


def _kernel_env(private: Path, limits: Limits, key: str, token: str) -> dict[str, str]:
    # nothing of the grader's own: its secrets, and pytest's marker, which makes ipykernel stop
    # capturing file-descriptor output (so a kernel graded inside a test would behave
    # differently from one graded by an instructor)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTLAB_", "PYTEST_"))}
    env.update(
        {
            RECORD_ENV: str(private / "answers.jsonl"),
            KEY_ENV: key,
            MARKER_ENV: token,
            OUTPUT_LIMIT_ENV: str(limits.output_chars),
            KERNEL_ERRORS_ENV: str(private / "kernel-errors.log"),
            "MALLOC_ARENA_MAX": "2",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def _exit_code(km: Any, wait: float = 0.0) -> int | None:
    process = km.provisioner.process if km.provisioner else None
    if process is None:
        return None
    code = process.poll()
    if code is None and wait:
        with contextlib.suppress(subprocess.TimeoutExpired):
            code = process.wait(timeout=wait)
    return code


def _cell_errors(cell: Any, number: int) -> list[CellError]:
    return [
        CellError(number, str(out.get("ename", "")), str(out.get("evalue", ""))[:200])
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


def _lost_output(err: CellTimeoutError) -> bool:
    """nbclient's "the reply came, its output did not" (only its own words, before the preview
    of the cell's source, count)."""
    return "Timeout waiting for IOPub output" in str(err).split("Here is a preview")[0]


def _limit_recorded(private: Path) -> bool:
    """Whether the kernel recorded reaching its output limit (its own account, written the
    moment it happened: the client may not have seen the marker line yet, or ever)."""
    return OUTPUT_MARKER in _read_capped(private / "kernel-errors.log", 20_000)


async def _run_cells(
    client: LimitedClient, km: Any, nb: Any, limits: Limits, run: Execution, private: Path
) -> None:
    """Execute the code cells in order until one stops the run; fills ``run``."""
    deadline = time.monotonic() + limits.notebook_seconds
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        number = index + 1
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            run.stop, run.stop_cell = Stop.NOTEBOOK_TIMEOUT, number
            return
        client.timeout = max(1, int(min(limits.cell_timeout, remaining) + 0.999))
        try:
            await client.async_execute_cell(cell, index)
        except CellTimeoutError as err:
            if _lost_output(err):  # the cell finished, but not all of its output arrived
                run.kernel_errors.append(f"cell {number}: output messages were lost")
                run.cell_errors.extend(_cell_errors(cell, number))
            else:
                per_cell = client.timeout >= limits.cell_timeout
                run.stop = Stop.CELL_TIMEOUT if per_cell else Stop.NOTEBOOK_TIMEOUT
        except DeadKernelError:  # also how nbclient reports the cell the client stopped
            run.stop = Stop.KERNEL_DIED
            run.exit_code = None if client.flooded else _exit_code(km, wait=2)
        else:
            run.cell_errors.extend(_cell_errors(cell, number))
        # the output limit was reached first, whatever stopped the cell afterwards
        if client.flooded or _limit_recorded(private):
            run.stop, run.exit_code = Stop.OUTPUT_LIMIT, None
        if run.stop is not Stop.COMPLETED:
            run.stop_cell = number
            return


async def _execute(nb: Any, workdir: Path, private: Path, limits: Limits, key: str) -> Execution:
    token = secrets.token_hex(8)
    km = FencedKernelManager(kernel_name="python3", transport="ipc", ip=str(private / "kernel"))
    km.prefix = limit_prefix(limits.memory_mb, limits.file_mb)
    client = LimitedClient(
        nb,
        km=km,
        timeout=limits.cell_timeout,
        startup_timeout=limits.startup_timeout,
        allow_errors=True,
        # a reply whose output never arrives is a lost message, reported, never graded ok;
        # the wait is long enough that load alone does not cause it
        raise_on_iopub_timeout=True,
        iopub_timeout=IOPUB_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.output_budget = limits.output_chars
    run = Execution()
    pgid, stderr = None, None
    try:
        try:
            await client.async_start_new_kernel(
                cwd=str(workdir),
                env=_kernel_env(private, limits, key, token),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            process = km.provisioner.process if km.provisioner else None
            if process is not None and process.stderr is not None:
                stderr = _StderrTail(process.stderr)
            pgid = km.provisioner.pgid if km.provisioner else None
            await client.async_start_new_kernel_client()
        except Exception as err:
            run.stop, run.exit_code = Stop.START_FAILED, _exit_code(km)
            run.kernel_errors.append(f"{type(err).__name__}: {err}"[:300])
            return run
        client.reset_execution_trackers()
        await _run_cells(client, km, nb, limits, run, private)
    finally:
        kill_all(pgid, token)
        if km.provisioner is not None and km.provisioner.process is not None:
            with contextlib.suppress(Exception):
                km.provisioner.process.wait(timeout=5)
        with contextlib.suppress(Exception):
            client.kc.stop_channels()
        with contextlib.suppress(Exception):
            km.provisioner = None
        run.records = _read_capped(private / "answers.jsonl", MAX_RECORD_BYTES + 1)
        errors = _read_capped(private / "kernel-errors.log", 20_000).splitlines()
        run.kernel_errors.extend(e for e in errors if e.strip() and OUTPUT_MARKER not in e)
        run.stderr = stderr.text() if stderr is not None else ""
    return run


def _read_capped(path: Path, size: int) -> str:
    if not path.exists():
        return ""
    with open(path, "rb") as handle:
        return handle.read(size).decode("utf-8", "replace")


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
