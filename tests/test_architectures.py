"""The architecture registry: each shape builds its default picture validly and recognises it."""

import pytest

import virtlab as vl
from virtlab.architectures import ARCHITECTURES, Design, architecture, recognise


@pytest.mark.parametrize("arch_id", list(ARCHITECTURES))
def test_default_design_builds_a_valid_stack_that_is_recognised(arch_id: str):
    design = architecture(arch_id).default_design()
    stack = design.build()
    assert [p for p in stack.validate() if p.severity == "error"] == []
    found = recognise(stack)
    assert found is not None and found.build() == stack


@pytest.mark.parametrize("arch_id", list(ARCHITECTURES))
def test_every_setting_an_architecture_shows_has_a_choice(arch_id: str):
    arch = architecture(arch_id)
    design = arch.default_design()
    offered = {
        "host_os": arch.host_oses(),
        "hypervisor": arch.hypervisors(design.host_os),
        "guest_os": arch.guest_oses(),
        "engine": arch.engines(arch.engine_kernel(design)),
    }
    for setting, products in offered.items():
        chosen = getattr(design, setting)
        if setting in arch.settings:
            assert chosen in [p.id for p in products], (setting, chosen)
    assert set(design.items) <= {p.id for p in arch.items(arch.item_kernel(design))}


def test_kvm_designs_put_linux_under_kvm_and_are_recognised():
    design = Design("type1", hypervisor="kvm", items=("ubuntu", "centos"))
    stack = design.build()
    assert stack.hosts[0].children[0].product.id == "ubuntu"
    assert recognise(stack) == design


def test_unknown_architecture_names_the_choices():
    with pytest.raises(ValueError, match="choose from bare-metal, type1"):
        architecture("type3")
    assert recognise(vl.Stack(vl.Hardware(), vl.Hardware())) is None


def test_a_container_the_host_puts_in_a_vm_by_default_says_so_in_its_label():
    from virtlab.architectures import ARCHITECTURES, Design

    containers = ARCHITECTURES["containers"]
    on_windows_10 = Design("containers", host_os="windows-10", engine="docker", items=("nginx",))
    assert containers.item_label(0, on_windows_10) == (
        "1. nginx (Windows Hyper-V isolation, the default on Windows 10)"
    )
    on_ubuntu = Design("containers", host_os="ubuntu", engine="docker", items=("nginx",))
    assert containers.item_label(0, on_ubuntu) == "1. nginx"
