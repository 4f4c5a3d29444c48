"""Inside a graded kernel: the output budget and a record of the kernel's own failures.

The grader starts each kernel with ``--IPKernelApp.outstream_class`` set to
:class:`LimitedOutStream` and this module as an IPython extension, so all of it is in place
before the first cell runs:

* **output at the source**: ``print``, ``sys.stdout/stderr``, file-descriptor output and rich
  ``display`` output all draw on one budget of characters (``VIRTLAB_OUTPUT_LIMIT``). The write
  that crosses it publishes the marker line once, everything after it is dropped, and the code
  that wrote it gets :class:`OutputLimitExceeded`. The kernel therefore never buffers more than
  the budget, whatever the memory limit or the machine's speed; a kernel that buffered a flood
  faster than the grader read it used to run out of memory in its own I/O thread, with a grade
  that depended on the machine.
* **kernel failures on record**: an exception in one of the kernel's own threads, an error
  logged by the kernel or its I/O loop, or an unraisable exception is appended to the file named by
  ``VIRTLAB_KERNEL_ERRORS``, which the grader reads: such a submission is never graded ``ok``.

Student code can reach all of this (it runs in the same process); undoing it only loses the
student's own output or grade. The grader keeps its own count of what it receives as well.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from functools import partial
from typing import Any

from ipykernel.iostream import OutStream

from virtlab.grading.limits import KERNEL_ERRORS_ENV, OUTPUT_LIMIT_ENV
from virtlab.grading.limits import OUTPUT_MARKER as MARKER

_errors_path = os.environ.pop(KERNEL_ERRORS_ENV, None)


class OutputLimitExceeded(BaseException):
    """The notebook printed more than the grader's output limit.

    A ``BaseException`` so that a plain ``except Exception`` in a cell does not swallow it.
    """


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit, self.used, self.spent = limit, 0, False
        self.lock = threading.Lock()

    def take(self, size: int) -> int:
        """How many of ``size`` characters may still be shown (all, some or none)."""
        with self.lock:
            if self.spent:
                return 0
            allowed = min(size, self.limit - self.used)
            self.used += allowed
            if allowed < size:
                self.spent = True
            return allowed


_budget = _Budget(int(os.environ.pop(OUTPUT_LIMIT_ENV, "0") or 0) or sys.maxsize)


def _over_budget(publish_marker: Any) -> None:
    """The budget just ran out: say so once, then stop the code that wrote (main thread only).

    Other threads (the kernel's own file-descriptor watcher, a student's thread) only drop their
    output: an exception there would kill a kernel thread, not the flood.
    """
    _record_error(f"{MARKER} in thread {threading.current_thread().name}")
    publish_marker(
        f"\n{MARKER} more than {_budget.limit:,} characters of output; the rest of it "
        "was not shown and the notebook was stopped here.\n"
    )
    if threading.current_thread() is threading.main_thread():
        raise OutputLimitExceeded(f"more than {_budget.limit:,} characters of output")


class LimitedOutStream(OutStream):
    """ipykernel's stdout/stderr stream, drawing on the notebook's output budget."""

    def write(self, string: str) -> int | None:  # type: ignore[override]
        if not isinstance(string, str):
            return super().write(string)
        if _budget.spent:
            if threading.current_thread() is threading.main_thread():
                raise OutputLimitExceeded(f"more than {_budget.limit:,} characters of output")
            return len(string)
        allowed = _budget.take(len(string))
        if allowed:
            super().write(string[:allowed])
        if allowed < len(string):
            _over_budget(super().write)
        return len(string)


def _charge_display(data: Any) -> bool:
    """Charge rich output (``display``, a cell's result) to the budget; False: drop it."""
    size = sum(len(str(v)) for v in data.values()) if isinstance(data, dict) else 0
    if _budget.spent:
        if threading.current_thread() is threading.main_thread():
            raise OutputLimitExceeded(f"more than {_budget.limit:,} characters of output")
        return False
    if _budget.take(size) < size:
        stream = sys.stderr
        # the marker goes past this module's own limit (OutStream.write, not ours)
        _over_budget(partial(OutStream.write, stream) if isinstance(stream, OutStream) else len)
        return False
    return True


def _record_error(text: str) -> None:
    if not _errors_path:
        return
    try:
        with open(_errors_path, "a", encoding="utf-8") as out:
            out.write(text.rstrip()[:2000] + "\n")
    except OSError:
        pass


class _ErrorLog(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
        except Exception:  # a record that cannot format itself is still an error
            message = str(record.msg)
        _record_error(f"{record.name}: {message}")


_kernel_threads: set[int | None] = set()
_student_thread_hook = threading.excepthook


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    """An exception in one of the kernel's own threads is a kernel failure; one in a thread the
    notebook started is the notebook's error, reported as usual (on its stderr)."""
    thread = args.thread
    if thread is None or thread.ident not in _kernel_threads:
        _student_thread_hook(args)
        return
    if args.exc_type is not SystemExit:
        name = thread.name
        _record_error(f"exception in thread {name}: {args.exc_type.__name__}: {args.exc_value}")


def _unraisable_hook(unraisable: Any) -> None:
    what = type(unraisable.exc_value).__name__ if unraisable.exc_value is not None else "?"
    _record_error(f"unraisable exception ({unraisable.err_msg or 'ignored'}): {what}")


def load_ipython_extension(ip: Any) -> None:
    """Charge rich output to the budget and record the kernel's own failures (IPython calls
    this at kernel start, before any cell)."""
    publish = ip.display_pub.publish

    def limited_publish(data: Any, *args: Any, **kwargs: Any) -> Any:
        if _charge_display(data):
            return publish(data, *args, **kwargs)
        return None

    ip.display_pub.publish = limited_publish
    write_format_data = ip.displayhook.write_format_data

    def limited_result(format_dict: Any, *args: Any, **kwargs: Any) -> Any:
        if _charge_display(format_dict):
            return write_format_data(format_dict, *args, **kwargs)
        return None

    ip.displayhook.write_format_data = limited_result
    # every thread alive now belongs to the kernel (I/O, heartbeat, control, output watchers)
    _kernel_threads.update(t.ident for t in threading.enumerate())
    threading.excepthook = _thread_hook
    sys.unraisablehook = _unraisable_hook
    handler = _ErrorLog(level=logging.ERROR)
    # the kernel's own log, and tornado's (pyzmq and tornado report exceptions in the kernel's
    # I/O loops there: "tornado.general", "tornado.application")
    kernel_log = getattr(getattr(ip, "kernel", None), "log", None)
    for logger in (kernel_log, logging.getLogger("tornado")):
        if logger is not None:
            logger.addHandler(handler)
