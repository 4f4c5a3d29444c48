import json

import pytest

import virtlab as vl


def test_type1_classic_picture():
    stack = vl.Stack.type1("esxi", guests=["windows-10", "ubuntu", "centos"])
    (hw,) = stack.hosts
    (hv,) = hw.children
    assert hv.kind == "hypervisor" and hv.product.id == "esxi"
    assert [vm.guest.product.id for vm in hv.children] == ["windows-10", "ubuntu", "centos"]
    assert stack.validate() == []


def test_type2_classic_picture():
    stack = vl.Stack.type2("windows-10", "virtualbox", guests=["ubuntu"])
    host_os = stack.hosts[0].children[0]
    assert host_os.product.id == "windows-10"
    assert host_os.children[0].product.id == "virtualbox"
    assert stack.validate() == []


def test_containers_classic_picture():
    stack = vl.Stack.containers("ubuntu", "docker", containers=["nginx", "postgres"])
    assert [w.product.id for w in stack.workloads()] == ["nginx", "postgres"]
    assert all(w.kernel().product.id == "ubuntu" for w in stack.workloads())
    assert stack.validate() == []


def test_general_building_and_nesting():
    hw = vl.Hardware(cores=16, memory_gb=64)
    engine = hw.install("ubuntu").install("docker")
    web = engine.run("nginx")
    kvm = hw.children[0].install("kvm")
    vm = kvm.create_vm("debian", memory_gb=8)
    inner = vm.guest.install("podman").run("redis")
    stack = vl.Stack(hw)
    assert stack.workloads() == [web, inner]
    assert inner.host() is vm
    assert web.host() is hw
    assert [n.kind for n in inner.path()] == [
        "hardware",
        "os",
        "hypervisor",
        "vm",
        "os",
        "engine",
        "container",
    ]


def test_os_image_is_userland_only():
    hw = vl.Hardware()
    c = hw.install("ubuntu").install("docker").run("alpine")
    assert c.product is None and c.base.id == "alpine"
    assert c.kernel().product.id == "ubuntu"  # the kernel is the host's
    assert c.name == "Alpine Linux userland"


def test_labels_are_unique():
    stack = vl.Stack.containers(containers=["nginx", "nginx", "redis"])
    assert list(stack.labels().values()) == ["nginx", "nginx #2", "Redis"]
    assert stack.find("nginx #2") is stack.workloads()[1]
    with pytest.raises(ValueError, match="workloads: nginx"):
        stack.find("mysql")


def test_remove_takes_a_layer_out():
    stack = vl.Stack.containers(containers=["nginx", "redis"])
    stack.workloads()[0].remove()
    assert [w.product.id for w in stack.workloads()] == ["redis"]


@pytest.mark.parametrize("bad", [0, -1, "4", None, True])
def test_resources_must_be_positive_numbers(bad):
    with pytest.raises(ValueError, match="must be a positive number"):
        vl.Hardware(memory_gb=bad)
    with pytest.raises(ValueError, match="vcpus"):
        vl.Hardware().install("esxi").create_vm("ubuntu", vcpus=bad)


def test_stack_needs_hardware():
    with pytest.raises(ValueError, match="vl.Hardware"):
        vl.Stack(vl.Hardware().install("ubuntu"))


def test_round_trip_through_json_text():
    stack = vl.Stack.containers(containers=["nginx"])
    stack.hosts[0].children[0].install("kvm").create_vm("alpine")
    text = json.dumps(stack.to_dict())
    again = vl.Stack.from_dict(json.loads(text))
    assert again == stack
    assert again.to_dict() == stack.to_dict()


@pytest.mark.parametrize(
    "mutate,path",
    [
        (lambda d: d.pop("format"), "stack.format"),
        (lambda d: d.update(hosts=[]), "stack.hosts"),
        (lambda d: d["hosts"][0].update(memory_gb="lots"), "stack.hosts[0].memory_gb"),
        (lambda d: d["hosts"][0]["children"][0].update(product="ubunt"), "children[0].product"),
        (lambda d: d["hosts"][0]["children"][0].update(kind="vm"), "children[0]"),
        (
            lambda d: d["hosts"][0]["children"][0]["children"][0]["children"][0].update(
                runtime="nope"
            ),
            "children[0].children[0].children[0].runtime",
        ),
        (lambda d: d["hosts"][0]["children"][0].update(children="x"), "children[0].children"),
        (lambda d: d["hosts"][0]["children"].append(5), "stack.hosts[0].children[1]"),
    ],
)
def test_from_dict_names_the_bad_field(mutate, path):
    data = vl.Stack.containers(containers=["nginx"]).to_dict()
    mutate(data)
    with pytest.raises(ValueError) as err:
        vl.Stack.from_dict(data)
    assert path in str(err.value)


def test_from_dict_rejects_non_objects():
    with pytest.raises(ValueError, match="expected an object"):
        vl.Stack.from_dict([1, 2])
