"""Property: every stack the builders can make survives a JSON round trip unchanged."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

import virtlab as vl
from virtlab import catalog

OSES = [p.id for p in catalog.all(kind="os")]
HYPERVISORS = [p.id for p in catalog.all(kind=("hypervisor", "microvm")) if not p.isolation]
ENGINES = [p.id for p in catalog.all(kind=("container-engine", "container-runtime"))]
IMAGES = [p.id for p in catalog.all(kind=("app", "os"))]
RUNTIMES = [None, "runc", "runhcs", "gvisor", "kata", "hyperv-isolation"]

positive = st.floats(min_value=0.5, max_value=512, allow_nan=False)


@st.composite
def stacks(draw, depth=2):
    def grow(node, level):
        for _ in range(draw(st.integers(0, 3))):
            action = draw(st.sampled_from(["os", "hypervisor", "engine", "vm", "run", "app"]))
            if action == "os":
                child = node.install(draw(st.sampled_from(OSES)))
            elif action == "hypervisor":
                child = node.install(draw(st.sampled_from(HYPERVISORS)))
            elif action == "engine":
                child = node.install(draw(st.sampled_from(ENGINES)))
            elif action == "vm":
                child = node.create_vm(
                    draw(st.none() | st.sampled_from(OSES)),
                    vcpus=draw(st.integers(1, 64)),
                    memory_gb=draw(positive),
                    storage_gb=draw(positive),
                )
            elif action == "run":
                child = node.run(
                    draw(st.sampled_from(IMAGES)),
                    base=draw(st.none() | st.sampled_from(OSES)),
                    runtime=draw(st.sampled_from(RUNTIMES)),
                    memory_mb=draw(st.none() | positive),
                )
            else:
                child = node.install(draw(st.sampled_from(["nginx", "redis", "iis"])))
            if level < depth:
                grow(child, level + 1)

    hosts = []
    for _ in range(draw(st.integers(1, 2))):
        hw = vl.Hardware(
            cores=draw(st.integers(1, 128)), memory_gb=draw(positive), storage_gb=draw(positive)
        )
        grow(hw, 0)
        hosts.append(hw)
    return vl.Stack(*hosts)


@settings(max_examples=150, deadline=None)
@given(stacks())
def test_any_built_stack_round_trips_through_json(stack):
    text = json.dumps(stack.to_dict())
    again = vl.Stack.from_dict(json.loads(text))
    assert again.to_dict() == stack.to_dict()
    # the analyses see the same thing on both sides
    assert [p.code for p in again.validate()] == [p.code for p in stack.validate()]
    assert len(again.workloads()) == len(stack.workloads())


@settings(max_examples=100, deadline=None)
@given(stacks())
def test_analyses_never_raise_on_any_built_stack(stack):
    stack.validate()
    report = stack.overhead()
    assert len(report.rows) == len(stack.workloads())
    workloads = stack.workloads()
    for a, b in zip(workloads, workloads[1:], strict=False):
        iso = stack.isolation(a, b)
        assert iso.level.label in ("process", "container", "sandbox", "vm", "hardware")
