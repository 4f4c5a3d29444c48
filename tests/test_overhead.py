import math

import pytest

import virtlab as vl
from virtlab import data
from virtlab.overhead import ISOLATION_KINDS, cost, isolation_kinds_of


def test_every_cost_cites_real_measurements():
    for kind in ISOLATION_KINDS:
        c = cost(kind)
        for mid in c.sources:
            data.measurement(mid)  # raises if the id is unknown
        assert c.memory_mb >= 0


def test_costs_follow_the_published_figures():
    assert cost("container").memory_mb == pytest.approx(5)  # 5 GB per 1,000
    assert cost("container").start_ms == 200
    assert cost("vm").start_ms == 2000
    assert cost("microvm").memory_mb == pytest.approx(2.5 + 30)  # VMM + Tinyx guest
    assert cost("microvm").start_ms == 110
    assert cost("hyperv-container").start_ms is None  # no reliable published figure
    assert cost("process").memory_mb == 0


def test_cost_order_matches_the_lesson():
    mem = {k: cost(k).memory_mb for k in ISOLATION_KINDS}
    assert mem["process"] < mem["container"] < mem["sandbox"] < mem["microvm"] < mem["vm"]


def test_unknown_isolation_kind_names_the_choices():
    with pytest.raises(ValueError, match="choose from process"):
        cost("teleport")


def test_isolation_kinds_of_paths():
    hw = vl.Hardware()
    host = hw.install("ubuntu")
    eng = host.install("docker")
    assert isolation_kinds_of(eng.run("nginx")) == ["container"]
    assert isolation_kinds_of(eng.run("nginx", runtime="gvisor")) == ["sandbox"]
    assert isolation_kinds_of(eng.run("nginx", runtime="kata")) == ["kata"]
    assert isolation_kinds_of(host.install("redis")) == ["process"]
    vm = host.install("kvm").create_vm("debian")
    assert isolation_kinds_of(vm.guest.install("docker").run("nginx")) == ["vm", "container"]
    fc = host.install("firecracker").create_vm("alpine")
    assert isolation_kinds_of(fc.guest.install("nginx")) == ["microvm"]


def test_stack_overhead_splits_a_vm_among_its_workloads():
    hw = vl.Hardware()
    eng = hw.install("ubuntu").install("kvm").create_vm("ubuntu").guest.install("docker")
    eng.run("nginx")
    eng.run("redis")
    report = vl.Stack(hw).overhead()
    # the VM costs its 4 GB plus QEMU's per-VM overhead, less what the two containers ask for
    vm_cost = (
        4 * 1024 + data.value("aga20-vmm-memory-qemu") - sum(c.memory_mb for c in eng.children)
    )
    assert [r.memory_mb for r in report.rows] == pytest.approx(
        [vm_cost / 2 + cost("container").memory_mb] * 2
    )
    assert report.rows[0].start_ms == cost("vm").start_ms + cost("container").start_ms
    assert report.total_memory_mb == pytest.approx(sum(r.memory_mb for r in report.rows))
    assert "MAN17" in report.cite() and "AGA20" in report.cite()


def test_unknown_start_time_propagates_as_none():
    stack = vl.Stack.containers("windows-server", "docker", ["iis"], runtime="hyperv-isolation")
    report = stack.overhead()
    assert report.rows[0].start_ms is None and report.slowest_start_ms is None


def test_density_containers_beat_vms():
    host = vl.Hardware(memory_gb=64)
    containers = vl.density(host, app="nginx", isolation="container")
    vms = vl.density(host, app="nginx", isolation="vm")
    assert containers == math.floor(64 * 1024 / (16 + cost("container").memory_mb))
    assert containers > 5 * vms > 0
    assert vl.density(64, app="nginx", isolation="vm") == vms


@pytest.mark.parametrize("host", [0, -5, "big", None])
def test_density_rejects_bad_hosts(host):
    with pytest.raises(ValueError, match="host"):
        vl.density(host)


def test_density_is_monotonic_in_memory():
    for kind in ISOLATION_KINDS:
        counts = [vl.density(gb, "redis", kind) for gb in (1, 2, 8, 64, 512)]
        assert counts == sorted(counts)


def test_a_vm_costs_at_least_its_guest_os_however_small_it_is_set():
    """100 Firecracker VMs of python-web: the cost must not drop when the VMs get too small
    to hold Alpine and the app (it once fell from 13,050 MB to 250 MB)."""

    def fleet(memory_gb):
        hw = vl.Hardware(cores=16, memory_gb=32)
        fc = hw.install("ubuntu").install("firecracker")
        for _ in range(100):
            fc.create_vm("alpine", vcpus=1, memory_gb=memory_gb).guest.install("python-web")
        return vl.Stack(hw)

    guest = vl.catalog.get("alpine").memory_mb
    vmm = vl.data.value("aga20-vmm-memory-firecracker")
    costs = {gb: fleet(gb).overhead().total_memory_mb for gb in (0.01, 0.125, 0.25, 0.5)}
    for gb in (0.01, 0.125, 0.25):
        assert costs[gb] == pytest.approx(100 * (guest + vmm)), f"{gb} GB VMs: {costs[gb]}"
    assert costs[0.5] == pytest.approx(100 * (512 - 128 + vmm))
    for gb in (0.01, 0.125):
        assert "vm-memory-too-small" in vl.rules.codes(fleet(gb).validate()), f"{gb} GB"
    assert "vm-memory-too-small" not in vl.rules.codes(fleet(0.25).validate())
