"""Boot a tiny VM: QEMU's ``microvm`` machine, a kernel found on this machine and a busybox
initramfs that virtlab builds itself, once, in a private cache folder under the temp folder.

KVM is used only when a trial boot under KVM really reaches the guest's init ("/dev/kvm is
present" is not enough: nested setups often open it and then hang); otherwise QEMU emulates
the CPU (TCG), slower but the same kernel, the same init, the same answer.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import gzip
import hashlib
import io
import json
import os
import platform
import re
import secrets
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from virtlab.live import _mode
from virtlab.live._run import available, kill_group

QEMU = "qemu-system-x86_64"
KERNEL_ENV = "VIRTLAB_KERNEL"
_MARK = "VIRTLAB-VM"
_INIT = f"""#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
read up idle < /proc/uptime
echo "{_MARK} kernel=$(/bin/busybox uname -r) uptime=$up pid=$$"
/bin/busybox poweroff -f
"""


@dataclass(frozen=True)
class BootedVM:
    """What :func:`boot_vm` saw. Values that differ by machine print «like this»."""

    kernel: str  # the release the guest's own kernel reports (uname -r inside the VM)
    host_kernel: str
    boot_seconds: float  # from starting QEMU to the guest's init printing its line
    guest_uptime: float  # how long the guest kernel had been up when its init ran
    host_uptime: float
    init_pid: int | None
    accel: str  # "kvm" or "tcg"
    accel_why: str
    kernel_image: str
    memory_mb: int
    live: bool = True
    why: str = ""
    recorded: str = ""

    def __str__(self) -> str:
        where = "live on this machine" if self.live else f"{self.recorded}: {self.why}"
        return "\n".join(
            [
                f"Tiny VM (QEMU microvm, {self.memory_mb} MB, no network, no disk)",
                f"  run: «{where}»",
                f"  accelerator: «{self.accel}: {self.accel_why}»",
                f"  booted to its init in «{self.boot_seconds:.2f}» s",
                f"  kernel inside the VM: «{self.kernel}»   host kernel: «{self.host_kernel}»",
                f"  the VM's kernel had been up «{self.guest_uptime:.2f}» s; "
                f"the host's «{self.host_uptime:.0f}» s",
                f"  its init is PID {self.init_pid} of its own kernel",
            ]
        )

    _repr_pretty_ = lambda self, p, cycle: p.text(str(self))  # noqa: E731


# --------------------------------------------------------------------------- what we need


def cache_dir() -> Path:
    """virtlab's private cache in the temp folder (created 0700, refused if someone else's)."""
    folder = Path(tempfile.gettempdir()) / f"virtlab-cache-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.lstat()
    if folder.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise RuntimeError(f"{folder} is not a private folder of this user; remove it")
    return folder


def _is_static(path: str) -> bool:
    """An ELF binary with no PT_INTERP program header needs no dynamic loader."""
    import struct

    with open(path, "rb") as handle:
        head = handle.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:  # 64-bit only
            return False
        (phoff,) = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        handle.seek(phoff)
        table = handle.read(phentsize * phnum)
    return all(struct.unpack_from("<I", table, i * phentsize)[0] != 3 for i in range(phnum))


def find_busybox() -> str | None:
    for candidate in (available("busybox"), "/bin/busybox", "/usr/bin/busybox"):
        if candidate and os.path.isfile(candidate) and _is_static(candidate):
            return candidate
    return None


def _kernel_ok(image: str) -> bool:
    """Readable, and (when its config is next to it) with a serial console and initramfs."""
    if not os.access(image, os.R_OK):
        return False
    config = Path(image).with_name(Path(image).name.replace("vmlinuz", "config", 1))
    if config.exists():
        try:
            text = config.read_text(errors="replace")
        except OSError:
            return True  # the config is only a hint; QEMU will say if the image cannot boot
        needed = ("CONFIG_SERIAL_8250=y", "CONFIG_BLK_DEV_INITRD=y", "CONFIG_RD_GZIP=y")
        return all(option in text for option in needed)
    return True


def _version_key(path: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", Path(path).name)]


def find_kernel() -> tuple[str | None, str]:
    """A bootable kernel image, or None and why. ``VIRTLAB_KERNEL`` names one explicitly."""
    chosen = os.environ.get(KERNEL_ENV)
    if chosen:
        if os.access(chosen, os.R_OK):
            return chosen, ""
        return None, f"{KERNEL_ENV}={chosen} is not a readable file"
    images = glob.glob("/boot/vmlinuz-*") + glob.glob("/lib/modules/*/vmlinuz")
    if not images:
        return None, "no kernel image under /boot (Debian: apt-get install linux-image-cloud-amd64)"
    usable = [i for i in images if _kernel_ok(i)]
    if not usable:
        return None, "the kernel images under /boot are not readable by this user"
    # a cloud kernel has fewer drivers to probe, so it boots faster; then the newest
    usable.sort(key=lambda i: ("cloud" in i, _version_key(i)))
    return usable[-1], ""


def _cpio(entries: list[tuple[str, int, bytes, int]]) -> bytes:
    """An initramfs archive in the cpio "newc" format: (name, mode, data, rdev) entries."""
    out = io.BytesIO()
    for ino, (name, mode, data, rdev) in enumerate([*entries, ("TRAILER!!!", 0, b"", 0)], 1):
        encoded = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev >> 8, rdev & 0xFF, len(encoded), 0]
        out.write(b"070701" + b"".join(b"%08X" % f for f in fields) + encoded)
        out.write(b"\0" * (-(110 + len(encoded)) % 4) + data + b"\0" * (-len(data) % 4))
    return out.getvalue()


def initramfs(busybox: str) -> Path:
    """The busybox initramfs, built once per busybox binary and init script, then reused."""
    content = Path(busybox).read_bytes()
    key = hashlib.sha256(content + _INIT.encode()).hexdigest()[:16]
    target = cache_dir() / f"initramfs-{key}.cpio.gz"
    if target.exists():
        return target
    archive = _cpio(
        [
            ("bin", 0o040755, b"", 0),
            ("dev", 0o040755, b"", 0),
            ("proc", 0o040755, b"", 0),
            ("dev/console", 0o020600, b"", (5 << 8) | 1),  # char device 5:1
            ("bin/busybox", 0o100755, content, 0),
            ("init", 0o100755, _INIT.encode(), 0),
        ]
    )
    partial = target.with_suffix(f".{secrets.token_hex(4)}.tmp")
    partial.write_bytes(gzip.compress(archive, compresslevel=6, mtime=0))
    os.replace(partial, target)  # atomic: a parallel build never sees half a file
    return target


def blocker() -> str | None:
    """Why a VM cannot be booted live here, or None."""
    reason = _mode.platform_blocker()
    if reason:
        return reason
    if platform.machine() != "x86_64":
        return f"the tiny VM needs an x86_64 machine, this is {platform.machine()}"
    if available(QEMU) is None:
        return f"{QEMU} is not installed (Debian: apt-get install qemu-system-x86)"
    if find_busybox() is None:
        return "no static busybox found (Debian: apt-get install busybox-static)"
    image, why = find_kernel()
    return why if image is None else None


# --------------------------------------------------------------------------- booting


def _tsc_khz() -> int:
    """The host CPU's clock in kHz: an emulated guest cannot calibrate its TSC on a busy host."""
    try:
        found = re.search(r"cpu MHz\s*:\s*([\d.]+)", Path("/proc/cpuinfo").read_text())
    except OSError:
        found = None
    return int(float(found.group(1)) * 1000) if found else 2_000_000


def _argv(kernel: str, initrd: Path, accel: str, memory_mb: int) -> list[str]:
    append = "console=ttyS0 quiet panic=-1 reboot=t"
    if accel == "tcg":
        append += f" tsc_early_khz={_tsc_khz()}"
    return [
        available(QEMU) or QEMU,
        *("-M", "microvm", "-accel", accel, "-m", str(memory_mb), "-smp", "1"),
        *("-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none"),
        *("-serial", "stdio", "-no-reboot"),  # no -netdev, no -drive: no network, no disk
        *("-kernel", kernel, "-initrd", str(initrd), "-append", append),
    ]


def _boot(argv: list[str], timeout: float) -> tuple[float, str] | None:
    """Start QEMU, wait for the init's line; (seconds, line) or None at the time limit."""
    import select  # here, not at the top: Pyodide (JupyterLite) imports this module too

    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    found = None
    buffer = b""
    try:
        assert proc.stdout is not None
        deadline = start + timeout
        while found is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            ready, _, _ = select.select([proc.stdout], [], [], left)
            if not ready:
                break
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            *complete, buffer = (buffer + chunk).split(b"\n")
            buffer = buffer[-65536:]  # a chatty kernel cannot fill memory
            for raw in complete:  # only whole lines: a chunk may end inside the init's line
                line = raw.decode(errors="replace").strip()
                if line.startswith(_MARK + " "):
                    found = (time.perf_counter() - start, line)
        if found is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)  # the guest powers itself off
    finally:
        kill_group(proc.pid)
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    return found


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


@functools.cache
def kvm_verdict() -> tuple[bool, str]:
    """Whether KVM really works here: a trial boot must reach init (verdict cached per boot)."""
    if not os.path.exists("/dev/kvm"):
        return False, "no /dev/kvm: the CPU is emulated (TCG)"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False, "/dev/kvm is not usable by this user: the CPU is emulated (TCG)"
    kernel, _ = find_kernel()
    busybox = find_busybox()
    if kernel is None or busybox is None or available(QEMU) is None:
        return False, "KVM not tried (no VM to boot)"
    cache = cache_dir() / "kvm-verdict.json"
    key = f"{_boot_id()} {kernel} {available(QEMU)}"
    try:
        saved = json.loads(cache.read_text())
        if saved.get("key") == key:
            return bool(saved["works"]), str(saved["why"])
    except (OSError, ValueError, KeyError):
        pass
    booted = _boot(_argv(kernel, initramfs(busybox), "kvm", 128), timeout=8)
    if booted:
        works, why = True, "KVM works: a trial guest reached its init"
    else:
        works, why = False, "/dev/kvm is present but a trial guest hung: the CPU is emulated (TCG)"
    cache.write_text(json.dumps({"key": key, "works": works, "why": why}))
    return works, why


def _uptime() -> float:
    try:
        return float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError):
        return 0.0


def boot_live(memory_mb: int, timeout: float, accel: str) -> BootedVM:
    kernel, why = find_kernel()
    busybox = find_busybox()
    if kernel is None or busybox is None:
        raise RuntimeError(why or "no static busybox")
    if accel == "auto":
        works, accel_why = kvm_verdict()
        accel = "kvm" if works else "tcg"
    else:
        accel_why = f"accel={accel!r} was asked for"
    booted = _boot(_argv(kernel, initramfs(busybox), accel, memory_mb), timeout)
    if booted is None:
        raise RuntimeError(f"the VM did not reach its init within {timeout:g} s")
    seconds, line = booted
    fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
    pid = fields.get("pid", "")
    return BootedVM(
        kernel=fields.get("kernel", ""),
        host_kernel=_mode.host_kernel(),
        boot_seconds=seconds,
        guest_uptime=float(fields.get("uptime", "0") or 0),
        host_uptime=_uptime(),
        init_pid=int(pid) if pid.isdigit() else None,
        accel=accel,
        accel_why=accel_why,
        kernel_image=os.path.basename(kernel),
        memory_mb=memory_mb,
    )
