"""virtlab.live: the live path (CI runs as root on Linux, with QEMU and a kernel installed) and
the recorded path (forced by VIRTLAB_LIVE=recorded or live=False, or by a platform without
namespaces), including that nothing is left behind when a command is killed or times out."""

from __future__ import annotations

import gzip
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from virtlab import live
from virtlab.live import _cgroups, _mode, _namespaces, _timing, _vm, record

NS_LIVE = _namespaces.blocker() is None and _mode.forced_recorded(None) is None
CG_LIVE = _cgroups.blocker(("memory", "pids")) is None and _mode.forced_recorded(None) is None
VM_LIVE = _vm.blocker() is None and _mode.forced_recorded(None) is None
needs_ns = pytest.mark.skipif(not NS_LIVE, reason=f"no live namespaces: {_namespaces.blocker()}")
needs_cg = pytest.mark.skipif(not CG_LIVE, reason=f"no live cgroups: {_cgroups.blocker()}")
needs_vm = pytest.mark.skipif(not VM_LIVE, reason=f"no live VM: {_vm.blocker()}")


# --------------------------------------------------------------------------- leftovers
def _processes_in(kind: str, ns_id: int | None) -> list[int]:
    """PIDs of live processes whose namespace of this kind has this id."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                link = os.readlink(entry / "ns" / kind)
            except OSError:
                continue
            if link.endswith(f"[{ns_id}]"):
                found.append(int(entry.name))
    return found


def _processes_running(needle: str) -> list[int]:
    """PIDs whose command line contains ``needle`` (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if needle in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def _virtlab_cgroups() -> list[str]:
    found = []
    for point, _, _ in _cgroups._mounts():
        found += [str(p) for p in Path(point).rglob("virtlab-*") if p.is_dir()]
    return found


def _eventually_none(probe, seconds: float = 3.0) -> list:
    deadline = time.monotonic() + seconds
    while (left := probe()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


# --------------------------------------------------------------------------- namespaces, live
@needs_ns
def test_a_process_in_new_namespaces_is_pid_1_with_its_own_name_and_only_lo():
    box = live.run_isolated("echo I am PID $$ on $(hostname)", hostname="box")
    assert box.live, box.why
    assert box.stdout == "I am PID 1 on box"
    assert (box.pid_inside, box.hostname, box.interfaces) == (1, "box", ("lo",))
    assert box.pid_outside not in (None, 1)
    assert box.kernel == live.host_kernel() and box.same_kernel
    new = {kind for kind, ns in box.namespaces.items() if ns.new}
    expected = {"uts", "pid", "mnt", "net", "ipc"} | (set() if _mode.is_root() else {"user"})
    assert new == expected


@needs_ns
def test_without_a_pid_namespace_the_host_pid_is_seen_and_net_is_always_new():
    run = live.run_isolated("echo $$", namespaces=("uts",))
    assert run.kinds == ("uts", "net")
    assert int(run.stdout) == run.pid_inside == run.pid_outside != 1
    assert not run.namespaces["pid"].new and run.namespaces["net"].new


@needs_ns
def test_the_command_sees_only_its_own_processes():
    run = live.run_isolated("ls /proc | grep -c '^[0-9]'")
    assert int(run.stdout) <= 3, run.stdout  # the shell, ls and grep at most


@needs_ns
def test_nothing_is_left_when_the_command_times_out_with_escaped_children():
    run = live.run_isolated("setsid sleep 311 & sleep 311 & sleep 311", timeout=1)
    assert "time limit" in run.stdout
    pid_ns = run.namespaces["pid"].inside
    assert _eventually_none(lambda: _processes_in("pid", pid_ns)) == []
    assert _eventually_none(lambda: _processes_running("sleep 311")) == []


@needs_ns
def test_nothing_is_left_when_the_command_is_killed():
    run = live.run_isolated("sleep 312 & kill -KILL $$", namespaces=("uts",))
    assert run.returncode != 0  # without a PID namespace the shell is not PID 1: it dies
    assert _eventually_none(lambda: _processes_in("net", run.namespaces["net"].inside)) == []
    assert _eventually_none(lambda: _processes_running("sleep 312")) == []


@needs_ns
def test_a_child_that_escapes_its_process_group_is_killed_without_a_pid_namespace():
    run = live.run_isolated("setsid sleep 314 & echo started", namespaces=("uts",))
    assert run.stdout == "started"
    assert _eventually_none(lambda: _processes_running("sleep 314"), seconds=1) == []


@needs_ns
def test_pid_1_of_a_pid_namespace_ignores_its_own_sigkill():
    # the kernel protects a namespace's init from signals it has no handler for, even SIGKILL
    # sent from inside (pid_namespaces(7)); the shell carries on and exits normally
    run = live.run_isolated("kill -KILL $$; echo still here")
    assert run.stdout == "still here"


@needs_ns
def test_all_eight_kinds_at_once_map_the_user_to_root_inside():
    run = live.run_isolated("id -u; ls /proc | grep -c '^[0-9]'", namespaces=tuple(live.KINDS))
    assert run.stderr == "" and run.stdout.splitlines()[0] == "0"
    assert all(ns.new for ns in run.namespaces.values())


@needs_ns
def test_proc_is_remounted_privately_so_the_host_keeps_its_own():
    before = Path("/proc/self/mountinfo").read_text()
    live.run_isolated("true", namespaces=("pid", "mnt"))
    assert Path("/proc/self/mountinfo").read_text() == before


# --------------------------------------------------------------------------- cgroups, live
@needs_cg
def test_a_memory_limit_kills_the_hog_with_sigkill_and_the_group_is_removed():
    hog = live.run_limited(live.memory_hog(200), memory_mb=64)
    assert hog.live, hog.why
    assert hog.killed and hog.signal == "SIGKILL" and hog.oom_kills >= 1
    assert "out-of-memory" in hog.killed_by
    assert _virtlab_cgroups() == []


@needs_cg
def test_under_a_roomy_limit_the_hog_survives():
    roomy = live.run_limited(live.memory_hog(50), memory_mb=400)
    assert (roomy.killed, roomy.stdout) == (False, "survived: 50 MB")


@needs_cg
def test_a_pids_limit_refuses_new_processes():
    run = live.run_limited(
        "for i in 1 2 3 4 5 6; do sleep 0.2 & done; wait", memory_mb=None, pids=3
    )
    assert run.forks_refused >= 1 and not run.killed


@needs_cg
def test_a_timed_out_limited_command_and_its_children_are_killed_and_the_group_removed():
    run = live.run_limited("setsid sleep 313 & sleep 313", memory_mb=64, timeout=1)
    assert run.killed and "time limit" in run.killed_by
    assert _eventually_none(lambda: _processes_running("sleep 313")) == []
    assert _virtlab_cgroups() == []


# --------------------------------------------------------------------------- the VM, live
@needs_vm
def test_the_tiny_vm_runs_a_kernel_of_its_own_and_leaves_no_qemu_behind():
    vm = live.boot_vm()
    assert vm.live, vm.why
    assert vm.kernel and vm.init_pid == 1
    assert 0 < vm.guest_uptime < vm.host_uptime
    assert vm.accel in ("kvm", "tcg") and vm.boot_seconds > 0
    assert _eventually_none(lambda: _processes_running("VIRTLAB-VM")) == []
    assert _eventually_none(lambda: _processes_running("initramfs-")) == []


@needs_vm
def test_a_vm_that_misses_its_time_limit_is_killed_and_shown_recorded():
    vm = live.boot_vm(timeout=0.2)
    assert not vm.live and "did not reach its init" in vm.why
    assert _eventually_none(lambda: _processes_running("initramfs-")) == []


def test_the_initramfs_is_a_newc_archive_with_busybox_and_init(tmp_path, monkeypatch):
    busybox = _vm.find_busybox()
    if busybox is None:
        pytest.skip("no static busybox (apt-get install busybox-static)")
    monkeypatch.setattr(_vm.tempfile, "gettempdir", lambda: str(tmp_path))
    archive = gzip.decompress(_vm.initramfs(busybox).read_bytes())
    names, offset = {}, 0
    while True:
        assert archive[offset : offset + 6] == b"070701"
        fields = [int(archive[offset + 6 + 8 * i : offset + 14 + 8 * i], 16) for i in range(13)]
        size, namesize = fields[6], fields[11]
        start = offset + 110
        name = archive[start : start + namesize - 1].decode()
        data_at = start + namesize + (-(110 + namesize) % 4)
        if name == "TRAILER!!!":
            break
        names[name] = (fields[1], archive[data_at : data_at + size])
        offset = data_at + size + (-size % 4)
    assert names["init"][1].startswith(b"#!/bin/busybox sh")
    assert names["bin/busybox"][1] == Path(busybox).read_bytes()
    assert names["dev/console"][0] & 0o170000 == 0o020000  # a character device
    assert _vm.initramfs(busybox) == _vm.initramfs(busybox)  # built once, then reused


# --------------------------------------------------------------------------- timings, probe
@needs_ns
def test_measure_start_reports_median_and_p90_of_each_kind():
    times = live.measure_start(5, vm_repeat=0)
    assert times.live
    for kind in ("process", "namespaces"):
        timing = times.get(kind)
        assert timing and 0 < timing.median_ms <= timing.p90_ms and timing.runs == 5
        assert not timing.recorded
    assert "vm_repeat=0" in times.skipped["microvm"]


def test_summarize_gives_the_median_and_the_90th_percentile():
    assert _timing.summarize([5.0]) == (5.0, 5.0)
    median, p90 = _timing.summarize([float(v) for v in range(1, 12)])
    assert (median, p90) == (6.0, 10.0)


@needs_ns
def test_probe_reports_each_experiment_live_here():
    found = live.probe()
    assert found.live["namespaces"] and found.root == _mode.is_root()
    assert found.kernel == live.host_kernel()


# --------------------------------------------------------------------------- recorded path
@pytest.fixture
def recorded_only(monkeypatch):
    monkeypatch.setenv(live.ENV_VAR, "recorded")


def test_forced_recorded_results_are_labelled_with_where_and_when(recorded_only):
    meta = _mode.recorded()["machine"]
    box = live.run_isolated("echo I am PID $$ on $(hostname)", hostname="box")
    assert not box.live and "VIRTLAB_LIVE=recorded" in box.why
    assert meta["where"] in box.recorded and meta["when"] in box.recorded
    assert (box.pid_inside, box.hostname, box.interfaces, box.stdout) == (
        1,
        "box",
        ("lo",),
        "I am PID 1 on box",
    )
    hog = live.run_limited(live.memory_hog(200), memory_mb=64)
    assert not hog.live and hog.killed and hog.signal == "SIGKILL"
    vm = live.boot_vm()
    assert not vm.live and vm.init_pid == 1 and vm.guest_uptime < vm.host_uptime
    times = live.measure_start()
    assert not times.live and times.get("process") and times.get("namespaces")
    assert all(how.startswith("recorded") for how in live.probe().experiments.values())


def test_live_false_forces_the_recording_without_the_env_var(monkeypatch):
    monkeypatch.delenv(live.ENV_VAR, raising=False)
    assert not live.run_isolated("hostname", hostname="box", live=False).live
    assert "live=False" in live.run_limited(live.memory_hog(200), live=False).why
    assert not live.boot_vm(live=False).live
    assert not live.measure_start(live=False).live


@pytest.mark.parametrize("experiment,kwargs", record.CALLS, ids=[c[0] for c in record.CALLS])
def test_every_call_the_course_makes_is_recorded(recorded_only, experiment, kwargs):
    result = getattr(live, experiment)(**kwargs)
    assert not result.live and "not recorded" not in result.why, result.why


def test_an_unrecorded_call_shows_the_demo_and_says_so(recorded_only):
    run = live.run_isolated("uptime")
    assert "this exact call was not recorded" in run.why
    assert run.stdout == "I am PID 1 on box"


@pytest.mark.parametrize("platform,word", [("emscripten", "JupyterLite"), ("darwin", "macOS")])
def test_a_platform_without_namespaces_gets_recorded_results(monkeypatch, platform, word):
    monkeypatch.delenv(live.ENV_VAR, raising=False)
    monkeypatch.setattr(sys, "platform", platform)
    run = live.run_isolated("hostname", hostname="box")
    assert not run.live and word in run.why
    assert not live.run_limited(live.memory_hog(200), memory_mb=64).live
    assert not live.boot_vm().live
    assert all(how.startswith("recorded") for how in live.probe().experiments.values())


def test_a_failing_live_run_falls_back_to_the_recording_and_says_why(monkeypatch):
    monkeypatch.delenv(live.ENV_VAR, raising=False)
    monkeypatch.setattr(_namespaces, "blocker", lambda: None)

    def broken(*args, **kwargs):
        raise RuntimeError("unshare: unshare failed: Operation not permitted")

    monkeypatch.setattr(_namespaces, "run_live", broken)
    run = live.run_isolated("hostname", hostname="box")
    assert not run.live and "the live run failed" in run.why and "not permitted" in run.why


def test_recorded_report_hides_machine_values_between_guillemets(recorded_only):
    text = str(live.run_isolated("echo I am PID $$ on $(hostname)", hostname="box"))
    assert "PID inside: 1" in text and "same kernel: yes" in text
    assert str(_mode.recorded()["machine"]["when"]) in text.split("«", 1)[1].split("»")[0]


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: live.run_isolated("true", namespaces=("pids",)), "Unknown namespace kind"),
        (lambda: live.run_isolated("true", hostname="no spaces"), "not a valid host name"),
        (lambda: live.run_isolated("true", namespaces=("pid",), hostname="box"), "'uts'"),
        (lambda: live.run_isolated([]), "non-empty list"),
        (lambda: live.run_isolated("true", timeout=0), "timeout must be a positive"),
        (lambda: live.run_limited("true", memory_mb=None), "Give a limit"),
        (lambda: live.run_limited("true", memory_mb=2), "too small"),
        (lambda: live.boot_vm(accel="hvf"), "accel must be"),
        (lambda: live.measure_start(0), "repeat must be"),
    ],
)
def test_bad_input_gets_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- figure, widget
def test_the_start_time_figure_puts_measured_beside_published(recorded_only):
    from virtlab import data, plots

    times = live.measure_start()
    fig = plots.start_times(times)
    measured, published = fig.data
    assert list(measured.x) == [t.median_ms for t in times.timings]
    assert data.value("aga20-boot-firecracker-median") in published.x
    assert data.value("man17-instantiation-process") in published.x
    assert fig.layout.xaxis.type == "log"
    assert "MAN17" in fig.layout.annotations[-1].text and "AGA20" in fig.layout.annotations[-1].text


def test_namespace_lab_runs_the_ticked_kinds_and_shows_where_it_ran(recorded_only):
    from virtlab.widgets import NamespaceLab

    lab = NamespaceLab()
    result = lab.run()
    assert result is not None and not result.live
    assert "recorded on" in lab.result.value and "<table>" in lab.result.value
    lab.hostname.value = "not valid!"
    assert lab.run() is None and "not a valid host name" in lab.result.value


@needs_ns
def test_namespace_lab_live_without_uts_keeps_the_host_name(monkeypatch):
    from virtlab.widgets import NamespaceLab

    lab = NamespaceLab(cmd="hostname")
    lab.kinds["uts"].value = False
    result = lab.run()
    assert result.live and result.stdout == result.host_hostname


def test_signals_are_named():
    assert signal.Signals(9).name == "SIGKILL"


# --------------------------------------------------------------------------- Ctrl-C
@pytest.fixture
def interrupt_first_wait(monkeypatch):
    """The first wait for a command raises KeyboardInterrupt, as Ctrl-C in a notebook."""
    from virtlab.live import _run

    interrupted = []

    def wait_exit(proc, timeout):
        interrupted.append(proc.pid)
        time.sleep(0.3)  # let the command start its children
        raise KeyboardInterrupt

    monkeypatch.setattr(_run, "wait_exit", wait_exit)
    return interrupted


def test_ctrl_c_during_a_run_kills_the_command_and_its_children(interrupt_first_wait):
    from virtlab.live import _run

    with pytest.raises(KeyboardInterrupt):
        _run.run(["sh", "-c", "sleep 315 & sleep 315"], timeout=30)
    assert interrupt_first_wait and _eventually_none(lambda: _processes_running("sleep 315")) == []


@needs_cg
def test_ctrl_c_during_a_limited_run_still_removes_the_cgroup(interrupt_first_wait):
    with pytest.raises(KeyboardInterrupt):
        live.run_limited("sleep 316 & sleep 316", memory_mb=64)
    assert _eventually_none(lambda: _processes_running("sleep 316")) == []
    assert _virtlab_cgroups() == []


def test_a_live_run_that_times_out_inside_falls_back_instead_of_raising(monkeypatch):
    import subprocess

    monkeypatch.delenv(live.ENV_VAR, raising=False)
    monkeypatch.setattr(_mode, "platform_blocker", lambda: None)

    def hung(*args, **kwargs):
        raise subprocess.TimeoutExpired(["/bin/true"], 10)

    monkeypatch.setattr(_timing, "measure_live", hung)
    times = live.measure_start(3, vm_repeat=0)
    assert not times.live and "the live run failed" in times.why
