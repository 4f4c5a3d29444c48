import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --------------------------------------------------------------------------- code round trip
@st.composite
def _stacks(draw) -> vl.Stack:
    """Any tree the public API builds, valid or not: the code must rebuild it exactly."""
    oses = ["ubuntu", "alpine", "windows-server", "windows-10"]
    hosts = []
    for _ in range(draw(st.integers(1, 2))):
        hw = vl.Hardware(
            cores=draw(st.integers(1, 64)), memory_gb=draw(st.sampled_from([8, 32.5, 64.0]))
        )
        shape = draw(st.sampled_from(["type1", "kvm", "containers", "apps"]))
        if shape in ("type1", "kvm"):
            hv = hw.install("esxi") if shape == "type1" else hw.install("ubuntu").install("kvm")
            for _ in range(draw(st.integers(0, 3))):
                guest = draw(st.one_of(st.none(), st.sampled_from(oses)))
                dynamic = draw(st.booleans())
                vm = hv.create_vm(
                    guest,
                    vcpus=draw(st.integers(1, 8)),
                    memory_gb=4,
                    **({"minimum_gb": 1, "maximum_gb": 8.5} if dynamic else {}),
                )
                if vm.guest is not None and draw(st.booleans()):
                    engine = vm.guest.install("docker")
                    for image in draw(st.lists(st.sampled_from(["nginx", "ubuntu"]), max_size=3)):
                        engine.run(image, runtime=draw(st.sampled_from([None, "gvisor", "kata"])))
        elif shape == "containers":
            engine = hw.install(draw(st.sampled_from(oses))).install("docker")
            for image in draw(st.lists(st.sampled_from(["nginx", "iis", "redis"]), max_size=3)):
                engine.run(image, base=draw(st.sampled_from([None, "alpine"])), memory_mb=32.5)
        else:
            host = hw.install(draw(st.sampled_from(oses)))
            for app in draw(st.lists(st.sampled_from(["nginx", "postgres"]), max_size=3)):
                host.install(app)
        hosts.append(hw)
    return vl.Stack(*hosts)


@given(stack=_stacks())
@settings(max_examples=60, deadline=None)
def test_to_code_builds_the_same_stack(stack: vl.Stack):
    namespace = {"vl": vl}
    exec(stack.to_code("rebuilt"), namespace)  # noqa: S102 - our own generated code
    assert namespace["rebuilt"] == stack


def test_kernel_name_is_the_kernel_not_the_distribution():
    hw = vl.Hardware()
    host = hw.install("debian")
    box = host.install("docker").run("ubuntu")
    assert box.kernel_name == "Linux (Debian's kernel)"
    assert host.install("nginx").kernel_name == "Linux (Debian's kernel)"
    windows = vl.Hardware().install("windows-server")
    assert windows.install("iis").kernel_name == "Windows Server's kernel"
    kata = vl.Hardware().install("ubuntu").install("docker").run("nginx", runtime="kata")
    assert kata.kernel_name.startswith("Linux (the kernel of its own small VM")
    assert vl.Hardware().install("esxi").create_vm().kernel_name is None
