"""Capstone scenarios: several different right stacks pass, each typical wrong one fails."""

import pytest

import virtlab as vl
from virtlab.scenarios import SCENARIOS, scenario


def failed(scenario_id: str, stack: vl.Stack) -> list[str]:
    report = scenario(scenario_id).check(stack)
    return [r.requirement.text for r in report.results if not r.met]


def vms_with(hypervisor: str, guests_and_apps: list[tuple[str, str]], **vm) -> vl.Stack:
    hw = vl.Hardware()
    module_of = vl.catalog.get(hypervisor).kernel_module
    hv = (hw.install("ubuntu") if module_of else hw).install(hypervisor)
    for guest, app in guests_and_apps:
        hv.create_vm(guest, **vm).guest.install(app)
    return vl.Stack(hw)


# --------------------------------------------------------------------------- untrusted code
def test_untrusted_code_accepts_kata_containers():
    stack = vl.Stack.containers("ubuntu", "docker", ["python-web"] * 3, runtime="kata")
    assert failed("untrusted-code", stack) == []


def test_untrusted_code_accepts_firecracker_microvms():
    hw = vl.Hardware()
    fc = hw.install("ubuntu").install("firecracker")
    for _ in range(3):
        fc.create_vm("alpine", memory_gb=0.25).guest.install("python-web")
    assert failed("untrusted-code", vl.Stack(hw)) == []


def test_untrusted_code_rejects_shared_kernel_containers():
    stack = vl.Stack.containers("ubuntu", "docker", ["python-web"] * 3)
    assert failed("untrusted-code", stack) == [
        "No two customer jobs share a kernel: from any job to any other, at least a 'vm' boundary."
    ]


def test_untrusted_code_rejects_slow_full_vms_and_too_few_jobs():
    slow = vms_with("kvm", [("ubuntu", "python-web")] * 3)
    assert failed("untrusted-code", slow) == [
        "Each job can cold-start in at most 1 second (stack.overhead())."
    ]
    two = vl.Stack.containers("ubuntu", "docker", ["python-web"] * 2, runtime="kata")
    assert "At least 3 customer jobs run (the 'python-web' app)." in failed("untrusted-code", two)


def test_untrusted_code_rejects_one_machine_per_job():
    hosts = []
    for _ in range(3):
        hw = vl.Hardware()
        hw.install("ubuntu").install("python-web")
        hosts.append(hw)
    assert failed("untrusted-code", vl.Stack(*hosts)) == ["Everything runs on one physical server."]


# --------------------------------------------------------------------------- dev laptop
@pytest.mark.parametrize("hypervisor", ["virtualbox", "vmware-workstation"])
def test_dev_laptop_accepts_type2(hypervisor):
    assert failed("dev-laptop", vl.Stack.type2("windows-10", hypervisor, ["ubuntu"])) == []


def test_dev_laptop_rejects_an_ubuntu_container_and_a_replaced_host():
    container = vl.Stack.containers("windows-10", "docker", ["ubuntu"])
    assert "Ubuntu runs with a Linux kernel of its own." in failed("dev-laptop", container)
    replaced = vl.Stack.type1("hyper-v", ["windows-10", "ubuntu"])
    assert failed("dev-laptop", replaced) == [
        "Windows 10 is the operating system installed on the laptop's hardware.",
        "Hyper-V is not turned on (the IT rules forbid it).",
    ]


# --------------------------------------------------------------------------- web fleet
def fleet(build) -> vl.Stack:
    hw = vl.Hardware(memory_gb=64)
    build(hw)
    return vl.Stack(hw)


def test_web_fleet_accepts_containers_and_containers_in_one_vm():
    def containers(hw):
        engine = hw.install("ubuntu").install("docker")
        for _ in range(200):
            engine.run("nginx")

    def in_a_vm(hw):
        # a VM sized for its containers: memory it reserves beyond them counts as isolation
        vm = hw.install("esxi").create_vm("ubuntu", vcpus=8, memory_gb=6)
        engine = vm.guest.install("docker")
        for _ in range(200):
            engine.run("nginx")

    assert failed("web-fleet", fleet(containers)) == []
    assert failed("web-fleet", fleet(in_a_vm)) == []


def test_web_fleet_rejects_a_vm_per_copy_processes_and_overcommit():
    def vm_each(hw):
        hv = hw.install("esxi")
        for _ in range(200):
            hv.create_vm("alpine", memory_gb=0.25).guest.install("nginx")

    def processes(hw):
        host = hw.install("ubuntu")
        for _ in range(200):
            host.install("nginx")

    def fat_containers(hw):
        engine = hw.install("ubuntu").install("docker")
        for _ in range(200):
            engine.run("nginx", memory_mb=512)

    assert failed("web-fleet", fleet(vm_each)) == [
        "The memory is not overcommitted (no memory-overcommit warnings).",
        "Isolation costs at most 10% of the host's memory (stack.overhead().total_memory_mb).",
    ]
    assert failed("web-fleet", fleet(processes)) == [
        "Every two copies are isolated at least at container level."
    ]
    assert failed("web-fleet", fleet(fat_containers)) == [
        "The memory is not overcommitted (no memory-overcommit warnings)."
    ]


# --------------------------------------------------------------------------- legacy windows
def test_legacy_windows_accepts_two_guests_and_linux_with_kvm():
    stack = vl.Stack.type1("hyper-v", ["windows-server", "ubuntu"])
    windows_vm, linux_vm = stack.hosts[0].children[0].children
    windows_vm.guest.install("iis")
    engine = linux_vm.guest.install("docker")
    engine.run("nginx")
    engine.run("postgres")
    assert failed("legacy-windows", stack) == []

    hw = vl.Hardware()
    linux = hw.install("ubuntu")
    linux.install("kvm").create_vm("windows-server").guest.install("iis")
    linux.install("nginx")
    linux.install("postgres")
    assert failed("legacy-windows", vl.Stack(hw)) == []


def test_legacy_windows_rejects_everything_on_one_kernel():
    stack = vl.Stack.containers("windows-server", "docker", ["iis", "nginx", "postgres"])
    assert failed("legacy-windows", stack) == [
        "nginx and postgres run on a Linux kernel.",
        "The stack is valid: stack.validate() reports no errors.",
    ]


# --------------------------------------------------------------------------- the API
def test_report_text_shows_hints_only_for_unmet_requirements():
    text = str(
        scenario("dev-laptop").check(vl.Stack.containers("windows-10", "docker", ["ubuntu"]))
    )
    assert "✗ Ubuntu runs with a Linux kernel of its own." in text
    # Docker on Windows 10 isolates with Hyper-V, which the story forbids
    assert "✗ Hyper-V is not turned on" in text
    assert "✓ Everything runs on one physical server." in text
    assert text.count("Hint:") == 4
    assert "1 of 5 requirements met" in text


def test_every_scenario_describes_its_requirements():
    for item in SCENARIOS.values():
        text = item.describe()
        assert item.title in text
        assert all(r.text in text for r in item.requirements)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="choose from untrusted-code"):
        scenario("untrusted")
    with pytest.raises(TypeError, match="needs a vl.Stack"):
        scenario("dev-laptop").check(vl.Hardware())


# --------------------------------------------------------------------------- weakest level
def mixed_stack() -> vl.Stack:
    first = vl.Hardware(cores=32, memory_gb=128)
    hypervisor = first.install("esxi")
    linux = hypervisor.create_vm("ubuntu", vcpus=4, memory_gb=16).guest
    engine = linux.install("docker")
    engine.run("nginx")
    engine.run("redis", runtime="gvisor")
    engine.run("nginx", runtime="kata")
    linux.install("postgres")
    hypervisor.create_vm("ubuntu", vcpus=4, memory_gb=16).guest.install("nginx")
    second = vl.Hardware()
    host = second.install("ubuntu")
    host.install("redis")
    host.install("docker").run("nginx", runtime="gvisor")
    return vl.Stack(first, second)


def test_weakest_level_of_neighbours_equals_weakest_of_every_pair():
    from itertools import combinations

    from virtlab.scenarios import weakest_level

    stack = mixed_stack()
    workloads = stack.workloads()
    for size in range(2, len(workloads) + 1):
        for chosen in combinations(workloads, size):
            every_pair = min(stack.isolation(a, b).weakest for a, b in combinations(chosen, 2))
            # shuffled input order must not matter either
            assert weakest_level(stack, list(reversed(chosen))) == every_pair


def test_weakest_level_needs_two_workloads():
    from virtlab.scenarios import weakest_level

    stack = mixed_stack()
    assert weakest_level(stack, stack.workloads()[:1]) is None


def test_a_stack_made_by_hand_in_the_builder_is_flagged_in_the_report():
    from virtlab.widgets import StackBuilder

    builder = StackBuilder(architecture="type2")
    assert "made by hand" not in str(scenario("dev-laptop").check(builder.stack))
    builder.memory_gb.set_state({"value": 16})  # what a learner's slider move does
    report = str(scenario("dev-laptop").check(builder.stack))
    assert "made by hand" in report and "builder.code()" in report


def test_dev_laptop_rejects_hyper_v_turned_on_in_windows_10():
    """The story forbids Hyper-V; turned on, it owns the hardware and Windows 10 runs in its
    root partition (lesson 02), so Windows 10 is no longer the OS on the hardware."""
    hw = vl.Hardware(cores=8, memory_gb=16)
    hw.install("windows-10").install("hyper-v").create_vm("ubuntu")
    assert failed("dev-laptop", vl.Stack(hw)) == [
        "Windows 10 is the operating system installed on the laptop's hardware.",
        "Hyper-V is not turned on (the IT rules forbid it).",
    ]
