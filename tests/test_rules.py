"""Every rule, once with a stack that breaks it and once with the nearest stack that does not."""

import pytest

import virtlab as vl
from virtlab.rules import RULES, codes


def build(fn):
    hw = vl.Hardware(cores=16, memory_gb=64, storage_gb=1000)
    fn(hw)
    return vl.Stack(hw)


def _two_on_hardware(hw):
    hw.install("ubuntu")
    hw.install("windows-10")


def _linux_host_kvm(hw):
    hw.install("ubuntu").install("kvm").create_vm("debian")


def _windows_host_kvm(hw):
    hw.install("windows-10").install("kvm").create_vm("debian")


def _esxi_on_os(hw):
    hw.install("ubuntu").install("esxi").create_vm("debian")


def _hyperv_on_windows(hw):
    hw.install("windows-server").install("hyper-v").create_vm("ubuntu")


def _type2_on_metal(hw):
    hw.install("virtualbox").create_vm("ubuntu")


def _firecracker_on_metal(hw):
    hw.install("firecracker").create_vm("alpine")


def _firecracker_on_linux(hw):
    hw.install("ubuntu").install("firecracker").create_vm("alpine")


def _parallels_on_windows(hw):
    hw.install("windows-10").install("parallels").create_vm("ubuntu")


def _parallels_on_mac(hw):
    hw.install("macos").install("parallels").create_vm("windows-10")


def _docker_on_mac(hw):
    hw.install("macos").install("docker").run("nginx")


def _docker_on_mac_via_vm(hw):
    hw.install("macos").install("virtualbox").create_vm("alpine").guest.install("docker").run(
        "nginx"
    )


def _engine_on_metal(hw):
    hw.install("docker").run("nginx")


def _engine_on_hypervisor(hw):
    hw.install("esxi").install("docker")


def _app_on_metal(hw):
    hw.install("nginx")


def _app_on_os(hw):
    hw.install("ubuntu").install("nginx")


def _app_on_engine(hw):
    hw.install("ubuntu").install("docker").install("nginx")


def _os_on_hypervisor(hw):
    hw.install("esxi").install("ubuntu")


def _vm_on_os(hw):
    hw.install("ubuntu").create_vm("debian")


def _empty_vm(hw):
    hw.install("esxi").create_vm()


def _vm_two_oses(hw):
    vm = hw.install("esxi").create_vm("ubuntu")
    vm.install("debian")


def _engine_on_vm(hw):
    hw.install("esxi").create_vm().install("docker").run("nginx")


def _container_on_os(hw):
    hw.install("ubuntu").run("nginx")


def _containerd_as_runtime(hw):
    hw.install("ubuntu").install("docker").run("nginx", runtime="containerd")


def _gvisor_on_windows(hw):
    hw.install("windows-server").install("docker").run("iis", runtime="gvisor")


def _iis_on_linux(hw):
    hw.install("ubuntu").install("docker").run("iis")


def _iis_on_windows(hw):
    hw.install("windows-server").install("docker").run("iis")


def _iis_hyperv_isolated(hw):
    hw.install("windows-server").install("docker").run("iis", runtime="hyperv-isolation")


def _nginx_on_windows(hw):
    hw.install("windows-server").install("docker").run("nginx")


def _nginx_on_windows_base(hw):
    hw.install("ubuntu").install("docker").run("nginx", base="windows-server")


def _nginx_on_debian_base(hw):
    hw.install("ubuntu").install("docker").run("nginx", base="debian")


def _vm_too_big(hw):
    hw.install("esxi").create_vm("ubuntu", memory_gb=128)


def _vm_too_many_cpus(hw):
    hw.install("esxi").create_vm("ubuntu", vcpus=32)


def _overcommit(hw):
    hv = hw.install("esxi")
    for _ in range(3):
        hv.create_vm("ubuntu", memory_gb=32, vcpus=8, storage_gb=400)


def _fits(hw):
    hv = hw.install("esxi")
    for _ in range(3):
        hv.create_vm("ubuntu", memory_gb=16, vcpus=4, storage_gb=300)


def _containers_too_big(hw):
    eng = hw.install("ubuntu").install("docker")
    for _ in range(5):
        eng.run("postgres", memory_mb=16_000)


def _containers_fit(hw):
    eng = hw.install("ubuntu").install("docker")
    for _ in range(3):
        eng.run("postgres", memory_mb=16_000)


def _nested(hw):
    hw.install("ubuntu").install("kvm").create_vm("ubuntu").guest.install("kvm").create_vm("alpine")


def _containers_in_vms(hw):
    hv = hw.install("ubuntu").install("kvm")
    for _ in range(2):
        hv.create_vm("ubuntu").guest.install("docker").run("nginx")


def _empty_hypervisor(hw):
    hw.install("esxi")


def _empty_engine(hw):
    hw.install("ubuntu").install("docker")


def _rkt(hw):
    hw.install("ubuntu").install("rkt").run("nginx")


def _podman(hw):
    hw.install("ubuntu").install("podman").run("nginx")


def _kata_as_layer(hw):
    hw.install("ubuntu").install("kata")


def _gvisor_as_engine(hw):
    hw.install("ubuntu").install("gvisor").run("nginx")


def _kata_runtime(hw):
    hw.install("ubuntu").install("docker").run("nginx", runtime="kata")


def _kata_in_vm(hw):
    hw.install("ubuntu").install("kvm").create_vm("ubuntu").guest.install("docker").run(
        "nginx", runtime="kata"
    )


def _iis_in_kata(hw):
    hw.install("ubuntu").install("docker").run("iis", runtime="kata")


def _firecracker_windows_guest(hw):
    hw.install("ubuntu").install("firecracker").create_vm("windows-10")


def _iis_process_on_linux(hw):
    hw.install("ubuntu").install("iis")


def _type2_host_memory(hw):
    hw.install("windows-10").install("virtualbox").create_vm("ubuntu", memory_gb=63)


def _microvm_too_small(hw):
    fc = hw.install("ubuntu").install("firecracker")
    fc.create_vm("alpine", vcpus=1, memory_gb=0.125).guest.install("python-web")


def _microvm_big_enough(hw):
    fc = hw.install("ubuntu").install("firecracker")
    fc.create_vm("alpine", vcpus=1, memory_gb=0.25).guest.install("python-web")


CASES = [
    # (code, severity, builder that breaks it, builder that does not)
    ("hardware-runs-one-layer", "error", _two_on_hardware, _app_on_os),
    ("type1-on-os", "error", _esxi_on_os, _linux_host_kvm),
    ("hyperv-root-partition", "warning", _hyperv_on_windows, _fits),
    ("kvm-needs-linux", "error", _windows_host_kvm, _linux_host_kvm),
    ("type2-on-bare-metal", "error", _type2_on_metal, _parallels_on_mac),
    ("type2-on-bare-metal", "error", _firecracker_on_metal, _firecracker_on_linux),
    ("unsupported-host-os", "error", _parallels_on_windows, _parallels_on_mac),
    ("unsupported-host-os", "error", _docker_on_mac, _docker_on_mac_via_vm),
    ("unsupported-host-os", "error", _gvisor_on_windows, _iis_hyperv_isolated),
    ("engine-without-os", "error", _engine_on_metal, _app_on_os),
    ("engine-without-os", "error", _engine_on_hypervisor, _containers_in_vms),
    ("app-without-os", "error", _app_on_metal, _app_on_os),
    ("app-without-os", "error", _app_on_engine, _podman),
    ("os-needs-hardware-or-vm", "error", _os_on_hypervisor, _fits),
    ("vm-needs-hypervisor", "error", _vm_on_os, _linux_host_kvm),
    ("vm-without-os", "warning", _empty_vm, _fits),
    ("vm-runs-one-os", "error", _vm_two_oses, _fits),
    ("vm-needs-guest-os", "error", _engine_on_vm, _containers_in_vms),
    ("container-needs-engine", "error", _container_on_os, _podman),
    ("not-a-runtime", "error", _containerd_as_runtime, _podman),
    ("runtime-not-a-layer", "error", _kata_as_layer, _kata_runtime),
    ("runtime-not-a-layer", "error", _gvisor_as_engine, _kata_runtime),
    ("unsupported-guest-os", "error", _firecracker_windows_guest, _firecracker_on_linux),
    ("kernel-mismatch", "error", _iis_process_on_linux, _app_on_os),
    ("kernel-mismatch", "error", _iis_in_kata, _kata_runtime),
    ("nested-virtualization", "warning", _kata_in_vm, _kata_runtime),
    ("kernel-mismatch", "error", _iis_on_linux, _iis_on_windows),
    ("kernel-mismatch", "error", _nginx_on_windows, _iis_hyperv_isolated),
    ("base-kernel-mismatch", "error", _nginx_on_windows_base, _nginx_on_debian_base),
    ("vm-exceeds-host-memory", "error", _vm_too_big, _fits),
    ("vm-exceeds-host-cpus", "error", _vm_too_many_cpus, _fits),
    ("vm-memory-too-small", "error", _microvm_too_small, _microvm_big_enough),
    ("memory-overcommit", "warning", _overcommit, _fits),
    ("memory-overcommit", "warning", _type2_host_memory, _parallels_on_mac),
    ("cpu-overcommit", "warning", _overcommit, _fits),
    ("storage-overcommit", "warning", _overcommit, _fits),
    ("container-memory-overcommit", "warning", _containers_too_big, _containers_fit),
    ("nested-virtualization", "warning", _nested, _containers_in_vms),
    ("empty-hypervisor", "warning", _empty_hypervisor, _fits),
    ("empty-engine", "warning", _empty_engine, _podman),
    ("archived-product", "warning", _rkt, _podman),
]


@pytest.mark.parametrize(
    "code,severity,bad,good", CASES, ids=[f"{c[0]}-{c[2].__name__}" for c in CASES]
)
def test_rule_fires_on_bad_and_not_on_good(code, severity, bad, good):
    problems = build(bad).validate()
    hits = [p for p in problems if p.code == code]
    assert hits, f"{code} did not fire; got {codes(problems)}"
    for p in hits:
        assert p.severity == severity
        assert p.message.endswith((".", ")")) and len(p.message) > 20
        assert p.hint and p.node is not None
    assert code not in codes(build(good).validate())


def test_good_builders_are_fully_valid():
    for builder in (
        _fits,
        _podman,
        _iis_on_windows,
        _iis_hyperv_isolated,
        _linux_host_kvm,
        _parallels_on_mac,
        _docker_on_mac_via_vm,
        _firecracker_on_linux,
        _nginx_on_debian_base,
        _containers_fit,
        _kata_runtime,
        _hyperv_on_windows,
    ):
        problems = build(builder).validate()
        assert [p for p in problems if p.severity == "error"] == [], builder.__name__


def test_overcommit_reports_its_ratio():
    (p,) = [p for p in build(_overcommit).validate() if p.code == "memory-overcommit"]
    assert "1.51:1" in p.message  # 96 GB + 3 x 131 MiB of per-VM overhead on 64 GB


def test_every_rule_is_exercised():
    fired = set()
    for _code, _, bad, _ in CASES:
        fired |= codes(build(bad).validate())
    # each registered rule produces at least one code seen in CASES
    assert len(RULES) >= 16
    assert {c[0] for c in CASES} <= fired


def test_problem_str_is_readable():
    (p, *_) = build(_type2_on_metal).validate()
    assert str(p).startswith("error: ") and "Hint:" in str(p)


def test_any_tree_builds_and_validates_without_raising():
    hw = vl.Hardware()
    eng = hw.install("nginx")  # nonsense on purpose
    eng.install("esxi").create_vm("docker").run("ubuntu")
    problems = vl.Stack(hw).validate()
    assert problems and all(p.severity in ("error", "warning") for p in problems)


@pytest.mark.parametrize(
    ("hypervisor", "severity"),
    [("esxi", "error"), ("hyper-v", "error"), ("kvm", "warning"), ("xen", "warning")],
)
def test_more_vcpus_than_the_host_is_refused_only_where_the_hypervisor_refuses(
    hypervisor, severity
):
    hw = vl.Hardware(cores=8, memory_gb=64)
    vl.Stack.type1(hypervisor, ["ubuntu"], hardware=hw, vcpus=12)
    found = [p for p in vl.Stack(hw).validate() if p.code == "vm-exceeds-host-cpus"]
    assert [p.severity for p in found] == [severity], f"{hypervisor}: {found}"
    assert "logical CPUs" in found[0].message
    assert vl.catalog.get(hypervisor).vcpus_within_host == (severity == "error")


@pytest.mark.parametrize(("hypervisor", "stand_in"), [("esxi", True), ("kvm", False)])
def test_overcommit_message_says_whose_per_vm_overhead_is_charged(hypervisor, stand_in):
    hw = vl.Hardware(cores=16, memory_gb=12)
    stack = vl.Stack.type1(hypervisor, ["ubuntu"] * 3, hardware=hw)
    (problem,) = [p for p in stack.validate() if p.code == "memory-overcommit"]
    said = "QEMU's per-VM overhead as measured by AGA20, standing in for" in problem.message
    assert said == stand_in, problem.message
    assert any("standing in for VMware ESXi" in n for n in stack.overhead().notes()) == (
        hypervisor == "esxi"
    )
    assert ("standing in" in stack.overhead().cite()) == stand_in


def test_overcommit_warning_and_builder_summary_print_the_same_total():
    from virtlab.overhead import memory_promised_gb
    from virtlab.widgets._builder import _summary_html

    hw = vl.Hardware(cores=8, memory_gb=8)
    stack = vl.Stack.type2("windows-10", "virtualbox", ["ubuntu", "ubuntu"], hardware=hw)
    (warning,) = [p for p in stack.validate() if p.code == "memory-overcommit"]
    used, total = memory_promised_gb(stack)
    assert f"{used:,.1f} GB in all, but the host has {total:g} GB" in warning.message
    assert f"{used:,.1f} of {total:g} GB promised" in _summary_html(stack, custom=False)


def test_builder_summary_gives_no_isolation_level_for_a_stack_with_errors():
    from virtlab.widgets._builder import _summary_html

    broken = vl.Stack.containers("windows-10", "docker", ["nginx", "postgres"])
    assert any(p.severity == "error" for p in broken.validate())
    assert "fix the errors first" in _summary_html(broken, custom=False)
    fine = vl.Stack.containers("ubuntu", "docker", ["nginx", "postgres"])
    assert "Weakest isolation</b>: container" in _summary_html(fine, custom=False)
