"""One story across lesson, model and grader: KVM as lesson 02 teaches it, guest VMs
as workloads with their configured cost, isolation with a direction, Hyper-V's memory limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import virtlab as vl
from virtlab import data, plots
from virtlab.grading.bank import question
from virtlab.isolation import IsolationLevel
from virtlab.rules import codes
from virtlab.stack import type1_of


# --------------------------------------------------------------------------- KVM
def test_bare_kvm_is_an_error_whose_hint_says_linux_first():
    hw = vl.Hardware()
    hw.install("kvm").create_vm("ubuntu")
    (problem,) = [p for p in vl.Stack(hw).validate() if p.severity == "error"]
    assert problem.code == "kvm-needs-linux"
    assert "hw.install('ubuntu').install('kvm')" in problem.hint


def test_linux_with_kvm_in_it_is_a_valid_type1_server():
    hw = vl.Hardware()
    hw.install("ubuntu").install("kvm").create_vm("centos")
    stack = vl.Stack(hw)
    assert stack.validate() == []
    assert type1_of(hw).product.id == "kvm" and type1_of(hw).on_bare_metal


def test_stack_type1_puts_kvm_into_linux():
    stack = vl.Stack.type1("kvm", ["ubuntu"])
    linux = stack.hosts[0].children[0]
    assert (linux.product.id, linux.children[0].product.id) == ("ubuntu", "kvm")
    assert stack.validate() == []


def _three_guest_server(base: str) -> vl.Stack:
    server = vl.Hardware(cores=16, memory_gb=64)
    under = server.install("ubuntu") if base == "linux+kvm" else server
    hv = under.install("kvm" if base == "linux+kvm" else base)
    hv.create_vm("windows-10", vcpus=2, memory_gb=8)
    hv.create_vm("ubuntu", vcpus=2, memory_gb=8).guest.install("nginx")
    hv.create_vm("centos", vcpus=2, memory_gb=8).guest.install("postgres")
    return vl.Stack(server)


@pytest.mark.parametrize("base", ["linux+kvm", "esxi", "hyper-v", "xen"])
def test_ex02_q5_accepts_every_type1_including_linux_with_kvm(base: str):
    score = question("ex02-q5").score(_three_guest_server(base))
    assert score.status == "correct", score.feedback


def test_ex02_q5_rejects_bare_kvm_and_a_type2():
    bare = vl.Hardware(cores=16, memory_gb=64)
    bare.install("kvm").create_vm("windows-10", vcpus=2, memory_gb=8)
    assert question("ex02-q5").score(vl.Stack(bare)).status != "correct"
    hosted = vl.Stack.type2("windows-10", "virtualbox", ["windows-10", "ubuntu", "centos"])
    feedback = " ".join(question("ex02-q5").score(hosted).feedback)
    assert "✗ a Type 1 hypervisor on the hardware" in feedback


# --------------------------------------------------------------------------- guest workloads
def test_guest_oses_with_nothing_on_them_are_workloads_with_a_cost():
    stack = vl.Stack.type1("esxi", guests=["windows-10", "ubuntu", "centos"], memory_gb=4)
    assert [w.product.id for w in stack.workloads()] == ["windows-10", "ubuntu", "centos"]
    rows = stack.overhead().rows
    qemu = data.value("aga20-vmm-memory-qemu")
    assert [r.memory_mb for r in rows] == pytest.approx([4 * 1024 + qemu] * 3)
    assert all("aga20-vmm-memory-qemu" in r.sources for r in rows)


def test_a_guest_with_an_app_is_not_a_workload_itself():
    stack = vl.Stack.type1("esxi", guests=["ubuntu"])
    vm = stack.hosts[0].children[0].children[0]
    vm.guest.install("nginx")
    assert [w.product.id for w in stack.workloads()] == ["nginx"]


@given(memory_gb=st.sampled_from([0.5, 1, 2, 4, 8, 16]), host_gb=st.integers(8, 512))
@settings(max_examples=40, deadline=None)
def test_vm_density_agrees_with_validate(memory_gb: float, host_gb: int):
    """As many VMs as vl.density says fit without a memory-overcommit warning; one more warns."""
    fits = vl.density(host_gb, isolation="vm", vm_memory_gb=memory_gb)
    for count, warned in ((fits, False), (fits + 1, True)):
        hw = vl.Hardware(cores=8, memory_gb=host_gb, storage_gb=10**6)
        hv = hw.install("esxi")
        for _ in range(count):
            hv.create_vm("alpine", vcpus=1, memory_gb=memory_gb, storage_gb=1)
        assert ("memory-overcommit" in codes(vl.Stack(hw).validate())) is warned, count


def test_density_for_vms_follows_the_vm_size():
    assert vl.density(64, isolation="vm", vm_memory_gb=8) == 7  # 8 GB + 131 MiB each
    assert vl.density(64, isolation="vm", vm_memory_gb=1) > vl.density(
        64, isolation="vm", vm_memory_gb=2
    )
    with pytest.raises(ValueError, match="runs no VM"):
        vl.density(64, isolation="container", vm_memory_gb=1)
    assert question("ex02-q4").score(7).status == "correct"
    assert question("ex02-q4").score(8).status == "wrong"


# --------------------------------------------------------------------------- direction
def _plain_and(runtime: str) -> tuple[vl.Stack, object, object]:
    hw = vl.Hardware()
    engine = hw.install("ubuntu").install("docker")
    trusted, untrusted = engine.run("nginx"), engine.run("postgres", runtime=runtime)
    return vl.Stack(hw), trusted, untrusted


@pytest.mark.parametrize(
    "runtime,from_untrusted",
    [("kata", IsolationLevel.VM), ("gvisor", IsolationLevel.SANDBOX)],
)
def test_isolation_has_a_direction(runtime: str, from_untrusted: IsolationLevel):
    stack, trusted, untrusted = _plain_and(runtime)
    assert stack.isolation(untrusted, trusted).level == from_untrusted
    assert stack.isolation(trusted, untrusted).level == IsolationLevel.CONTAINER
    assert stack.isolation(trusted, untrusted).weakest == IsolationLevel.CONTAINER


@pytest.mark.parametrize("runtime", ["kata", "gvisor"])
def test_ex05_q5_accepts_the_untrusted_database_in_kata_or_gvisor(runtime: str):
    hw = vl.Hardware(cores=16, memory_gb=64)
    engine = hw.install("ubuntu").install("docker")
    engine.run("nginx")
    engine.run("redis")
    engine.run("postgres", runtime=runtime)
    score = question("ex05-q5").score(vl.Stack(hw))
    assert score.status == "correct", score.feedback


def test_ex05_q5_rejects_the_trusted_services_in_kata_and_the_database_in_runc():
    hw = vl.Hardware(cores=16, memory_gb=64)
    engine = hw.install("ubuntu").install("docker")
    engine.run("nginx", runtime="kata")
    engine.run("redis", runtime="kata")
    engine.run("postgres")
    assert question("ex05-q5").score(vl.Stack(hw)).status != "correct"


def test_isolation_matrix_is_asymmetric_where_the_boundaries_differ():
    stack, trusted, untrusted = _plain_and("kata")
    heat = plots.isolation_matrix(stack).data[0]
    assert heat.z[0][1] == int(IsolationLevel.CONTAINER)  # from nginx (runc) to postgres
    assert heat.z[1][0] == int(IsolationLevel.VM)  # from postgres (Kata) to nginx


# --------------------------------------------------------------------------- Hyper-V memory
def _hyperv(startup: float, maximum: float | None = None, host_gb: float = 32) -> list:
    hw = vl.Hardware(memory_gb=host_gb)
    hv = hw.install("hyper-v")
    for guest in ("ubuntu", "windows-10", "centos"):
        if maximum is None:
            hv.create_vm(guest, memory_gb=startup)
        else:
            hv.create_vm(guest, memory_gb=startup, minimum_gb=1, maximum_gb=maximum)
    return vl.Stack(hw).validate()


def test_hyperv_maximums_beyond_the_host_are_a_warning_that_names_each_limit():
    (problem,) = _hyperv(startup=8, maximum=16)
    assert problem.code == "dynamic-memory-maximum" and problem.severity == "warning"
    for word in ("Startup", "Minimum", "Maximum"):
        assert word in problem.hint


def test_hyperv_refuses_to_start_what_its_startup_memory_does_not_fit():
    (problem,) = [p for p in _hyperv(startup=12) if p.code == "memory-overcommit"]
    assert "startup memory is free" in problem.hint
    assert "does not overcommit" not in problem.hint
    assert "does not share pages" in problem.hint


def test_other_hypervisors_say_page_sharing_is_often_disabled():
    hw = vl.Hardware(memory_gb=16)
    hv = hw.install("esxi")
    for _ in range(3):
        hv.create_vm("ubuntu", memory_gb=8)
    (problem,) = [p for p in vl.Stack(hw).validate() if p.code == "memory-overcommit"]
    assert "may share pages (often disabled), balloon, compress or swap" in problem.hint


def test_dynamic_memory_survives_the_json_round_trip_and_checks_its_order():
    hw = vl.Hardware()
    hw.install("hyper-v").create_vm("ubuntu", memory_gb=4, minimum_gb=2, maximum_gb=8)
    stack = vl.Stack(hw)
    again = vl.Stack.from_dict(stack.to_dict())
    vm = again.hosts[0].children[0].children[0]
    assert (vm.minimum_gb, vm.memory_gb, vm.maximum_gb) == (2, 4, 8)
    with pytest.raises(ValueError, match="minimum_gb <= memory_gb <= maximum_gb"):
        hw.children[0].create_vm("ubuntu", memory_gb=4, minimum_gb=6)


# --------------------------------------------------------------------------- one vocabulary
def test_runtimes_speak_the_isolation_level_and_kind_vocabulary():
    from virtlab.isolation import runtime_level
    from virtlab.overhead import KINDS

    runtimes = [p for p in vl.catalog.all() if p.isolation is not None]
    assert runtimes
    for product in runtimes:
        assert product.isolation.upper() in IsolationLevel.__members__, product.id
        if product.kind != "microvm":
            kind = KINDS[product.isolation_kind]
            assert kind.level == runtime_level(product), product.id


def test_a_new_vm_isolating_runtime_is_costed_from_catalog_data_alone():
    from dataclasses import replace

    from virtlab.overhead import cost, isolation_kinds_of

    hw = vl.Hardware()
    container = hw.install("ubuntu").install("docker").run("nginx", runtime="kata")
    newcomer = replace(vl.catalog.get("kata"), id="new-vm-runtime", name="New VM runtime")
    container.attrs["runtime"] = newcomer
    assert isolation_kinds_of(container) == ["kata"]
    (row,) = vl.Stack(hw).overhead().rows
    assert row.memory_mb == cost("kata").memory_mb
    assert container.kernel_family == "linux"  # its own VM brings the kernel nginx needs


def test_ex02_q5_counts_the_weaker_direction_for_two_peers():
    """postgres on KVM's own Linux: from nginx's VM it is far, but from postgres nginx is not."""
    server = vl.Hardware(cores=16, memory_gb=64)
    linux = server.install("ubuntu")
    kvm = linux.install("kvm")
    kvm.create_vm("windows-10", vcpus=2, memory_gb=8)
    kvm.create_vm("ubuntu", vcpus=2, memory_gb=8).guest.install("nginx")
    kvm.create_vm("centos", vcpus=2, memory_gb=8)
    linux.install("postgres")
    score = question("ex02-q5").score(vl.Stack(server))
    assert "✗ nginx and postgres isolated at least at the vm level, whichever is attacked" in (
        " ".join(score.feedback)
    )


def test_figures_name_a_sized_vm_by_its_size_and_the_man17_guest_as_such():
    bars = plots.memory_use(10, 64, vm_memory_gb=2).data[0]
    assert "2 GB VM" in list(bars.x)
    assert "minimal Debian VM (Xen)" in list(plots.memory_use(10, 64).data[0].x)
    sized = bars.y[list(bars.x).index("2 GB VM")]
    assert sized == pytest.approx(10 * (2 * 1024 + data.value("aga20-vmm-memory-qemu")) / 1024)
