"""Isolation for each architecture pair: shared layers, level, kernel and attack surface."""

import pytest

import virtlab as vl
from virtlab.isolation import IsolationLevel, attack_surface


def pair(build):
    hw = vl.Hardware()
    a, b = build(hw)
    return vl.Stack(hw).isolation(a, b)


def two_processes(hw):
    os_ = hw.install("ubuntu")
    return os_.install("nginx"), os_.install("redis")


def two_containers(hw):
    eng = hw.install("ubuntu").install("docker")
    return eng.run("nginx"), eng.run("redis")


def container_and_gvisor(hw):
    eng = hw.install("ubuntu").install("docker")
    return eng.run("nginx"), eng.run("redis", runtime="gvisor")


def two_gvisor(hw):
    eng = hw.install("ubuntu").install("docker")
    return eng.run("nginx", runtime="gvisor"), eng.run("redis", runtime="gvisor")


def two_kata(hw):
    eng = hw.install("ubuntu").install("docker")
    return eng.run("nginx", runtime="kata"), eng.run("redis", runtime="kata")


def two_hyperv_isolated(hw):
    eng = hw.install("windows-server").install("docker")
    return eng.run("iis", runtime="hyperv-isolation"), eng.run("iis", runtime="hyperv-isolation")


def two_vms_type1(hw):
    hv = hw.install("esxi")
    return (
        hv.create_vm("ubuntu").guest.install("nginx"),
        hv.create_vm("centos").guest.install("redis"),
    )


def two_vms_type2(hw):
    hv = hw.install("windows-10").install("virtualbox")
    return (
        hv.create_vm("ubuntu").guest.install("nginx"),
        hv.create_vm("debian").guest.install("redis"),
    )


def containers_in_two_vms(hw):
    hv = hw.install("ubuntu").install("kvm")
    return (
        hv.create_vm("ubuntu").guest.install("docker").run("nginx"),
        hv.create_vm("ubuntu").guest.install("docker").run("redis"),
    )


def containers_in_one_vm(hw):
    eng = hw.install("ubuntu").install("kvm").create_vm("ubuntu").guest.install("docker")
    return eng.run("nginx"), eng.run("redis")


def two_microvms(hw):
    fc = hw.install("ubuntu").install("firecracker")
    return (
        fc.create_vm("alpine").guest.install("python-web"),
        fc.create_vm("alpine").guest.install("python-web"),
    )


def vm_and_host_process(hw):
    host = hw.install("ubuntu")
    vm_app = host.install("kvm").create_vm("debian").guest.install("nginx")
    return vm_app, host.install("redis")


@pytest.mark.parametrize(
    "build,level,shares_kernel,shared",
    [
        (two_processes, IsolationLevel.PROCESS, True, ["hardware", "os"]),
        (two_containers, IsolationLevel.CONTAINER, True, ["hardware", "os", "engine"]),
        (container_and_gvisor, IsolationLevel.CONTAINER, True, ["hardware", "os", "engine"]),
        (two_gvisor, IsolationLevel.SANDBOX, True, ["hardware", "os", "engine"]),
        (two_kata, IsolationLevel.VM, False, ["hardware", "os", "engine"]),
        (two_hyperv_isolated, IsolationLevel.VM, False, ["hardware", "os", "engine"]),
        (two_vms_type1, IsolationLevel.VM, False, ["hardware", "hypervisor"]),
        (two_vms_type2, IsolationLevel.VM, False, ["hardware", "os", "hypervisor"]),
        (containers_in_two_vms, IsolationLevel.VM, False, ["hardware", "os", "hypervisor"]),
        (
            containers_in_one_vm,
            IsolationLevel.CONTAINER,
            True,
            ["hardware", "os", "hypervisor", "vm", "os", "engine"],
        ),
        (two_microvms, IsolationLevel.VM, False, ["hardware", "os", "hypervisor"]),
        # the attacker sits in the VM: it must escape the VM to reach the host's process
        (vm_and_host_process, IsolationLevel.VM, False, ["hardware", "os"]),
    ],
)
def test_isolation_per_architecture(build, level, shares_kernel, shared):
    iso = pair(build)
    assert iso.level == level
    assert iso.shares_kernel is shares_kernel
    assert [n.kind for n in iso.shared] == shared
    assert iso.surface == attack_surface(level)
    assert iso.a.name in iso.explain() and iso.boundary in iso.explain()


def test_isolation_is_symmetric_in_level_and_shared_layers():
    hw = vl.Hardware()
    a, b = containers_in_two_vms(hw)
    stack = vl.Stack(hw)
    ab, ba = stack.isolation(a, b), stack.isolation(b, a)
    assert ab.level == ba.level and ab.shared == ba.shared


def test_separate_machines_share_nothing():
    one, two = vl.Hardware(), vl.Hardware()
    a = one.install("ubuntu").install("nginx")
    b = two.install("ubuntu").install("nginx")
    iso = vl.Stack(one, two).isolation(a, b)
    assert iso.level == IsolationLevel.HARDWARE and iso.shared == ()
    assert not iso.shares_kernel


def test_levels_are_ordered():
    assert (
        IsolationLevel.PROCESS
        < IsolationLevel.CONTAINER
        < IsolationLevel.SANDBOX
        < IsolationLevel.VM
        < IsolationLevel.HARDWARE
    )


def test_attack_surface_figures_come_from_cited_data():
    vm = attack_surface(IsolationLevel.VM)
    assert "hypercall" in vm.interface
    values = {f.measurement_id: f.value for f in vm.figures}
    assert values["kvm-h-hypercalls"] == 12 and values["fc-spec-device-count"] == 5
    sandbox = attack_surface(IsolationLevel.SANDBOX)
    assert sandbox.figures[0].value == 53 and "ANJ20" in sandbox.figures[0].source
    container = attack_surface(IsolationLevel.CONTAINER)
    assert "syscall" in container.interface.replace("system call", "syscall")
    assert "(DOCK" in container.describe()


def test_lookup_by_label_and_same_workload_error():
    stack = vl.Stack.containers(containers=["nginx", "redis"])
    assert stack.isolation("nginx", "Redis").level == IsolationLevel.CONTAINER
    with pytest.raises(ValueError, match="two different"):
        stack.isolation("nginx", "nginx")


def test_explanations_do_not_contradict_themselves():
    hw = vl.Hardware()
    eng = hw.install("ubuntu").install("docker")
    plain, kata = eng.run("nginx"), eng.run("redis", runtime="kata")
    text = vl.Stack(hw).isolation(plain, kata).explain()
    assert "Each has its own kernel" not in text
    assert "To reach Redis, an attacker in nginx must cross the namespaces" in text
    assert "an attacker in Redis must first escape its own, stronger boundary (vm level)" in text
    sandboxes = pair(two_gvisor).explain()
    assert "Sentry" in sandboxes and "They share one kernel." not in sandboxes


def test_derived_figures_say_so():
    container = attack_surface(IsolationLevel.CONTAINER)
    assert "about 306 (derived)" in container.describe()


def test_windows_containers_are_explained_with_windows_mechanisms_not_linux_figures():
    hw = vl.Hardware()
    engine = hw.install("windows-server").install("docker")
    engine.run("iis")
    engine.run("iis")
    iso = vl.Stack(hw).isolation("IIS web server", "IIS web server #2")
    assert iso.level == IsolationLevel.CONTAINER
    text = iso.explain()
    for linux_only in ("namespace", "seccomp", "cgroup", "AppArmor", "capabilities"):
        assert linux_only not in text, f"{linux_only!r} in a Windows explanation: {text}"
    assert "server silo" in text and "job object" in text
    assert iso.surface.figures == (), "Linux system-call figures shown for a Windows kernel"
    linux = attack_surface(IsolationLevel.CONTAINER, "linux")
    assert linux.figures and "seccomp" in linux.interface


def test_same_named_workloads_are_told_apart_in_the_explanation():
    hw = vl.Hardware()
    fc = hw.install("ubuntu").install("firecracker")
    for _ in range(2):
        fc.create_vm("alpine", vcpus=1, memory_gb=0.5).guest.install("python-web")
    text = vl.Stack(hw).isolation("Python web app", "Python web app #2").explain()
    assert text.startswith("Python web app and Python web app #2 share"), text
    assert "To reach Python web app #2, an attacker in Python web app must" in text, text


def test_boundary_names_the_kernel_not_the_distribution():
    """Lesson 01 teaches that Ubuntu is a distribution whose kernel is Linux; the model agrees."""
    stack = vl.Stack.containers("ubuntu", "docker", containers=["nginx", "postgres"])
    web, db = stack.workloads()
    boundary = stack.isolation(web, db).boundary
    assert "Linux kernel of the Ubuntu install" in boundary, boundary
    assert "Ubuntu kernel" not in boundary, boundary
