"""Widgets driven headlessly: set values, click buttons, assert on the model and figure data."""

import random

import pytest

import virtlab as vl
from virtlab import plots
from virtlab.answers import answer_hash
from virtlab.grading.inline import check
from virtlab.isolation import IsolationLevel
from virtlab.overhead import ISOLATION_KINDS, density
from virtlab.stack import type1_of
from virtlab.widgets import ARCHITECTURES, IsolationExplorer, OverheadExplorer, Quiz, StackBuilder


def labels(widget_figure):
    return plots.diagram_labels(widget_figure)


def without_uid(fig) -> list[dict]:
    return [{k: v for k, v in t.to_plotly_json().items() if k != "uid"} for t in fig.data]


def in_step(builder: StackBuilder) -> bool:
    """The widget's diagram holds exactly the traces of a fresh diagram of its .stack."""
    expected = plots.stack_diagram(builder.stack)
    return (
        without_uid(builder.figure) == without_uid(expected)
        and builder.figure.layout.title.text == expected.layout.title.text
        and builder.figure.layout.height == expected.layout.height
        and builder.figure.layout.xaxis.range == expected.layout.xaxis.range
        and builder.figure.layout.yaxis.range == expected.layout.yaxis.range
    )


def codes(builder):
    return {p.code for p in builder.problems}


# --------------------------------------------------------------------------- StackBuilder
def test_architecture_values_are_exactly_the_contract():
    builder = StackBuilder()
    assert [v for _, v in builder.architecture.options] == [
        "bare-metal",
        "type1",
        "type2",
        "containers",
        "containers-in-vms",
        "hyperv-isolated",
        "microvms",
    ]
    assert list(ARCHITECTURES) == [v for _, v in builder.architecture.options]


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_each_architecture_starts_valid_and_in_step(architecture):
    builder = StackBuilder(architecture=architecture)
    assert builder.problems == []
    assert "No problems" in builder.problems_html.value
    assert in_step(builder)
    assert builder.last_error is None


def test_switching_architecture_redraws():
    builder = StackBuilder(architecture="type1")
    assert "VMware ESXi" in labels(builder.figure)
    builder.architecture.value = "containers"
    assert labels(builder.figure)[:3] == ["Hardware", "Ubuntu", "Docker Engine"]
    assert builder.stack.workloads()[0].kind == "container"
    assert builder.hypervisor.layout.display == "none"
    assert builder.engine.layout.display is None


def test_dropdowns_offer_only_fitting_products():
    builder = StackBuilder(architecture="type1")
    hypervisors = [v for _, v in builder.hypervisor.options]
    assert "esxi" in hypervisors and "virtualbox" not in hypervisors
    builder.architecture.value = "type2"
    builder.host_os.value = "macos"
    assert {v for _, v in builder.hypervisor.options} == {"parallels", "virtualbox"}
    builder.host_os.value = "ubuntu"
    assert "parallels" not in {v for _, v in builder.hypervisor.options}
    builder.architecture.value = "containers"
    builder.host_os.value = "windows-server"
    assert [v for _, v in builder.engine.options] == ["docker"]
    assert [v for _, v in builder.guest.options] == ["iis"]
    builder.architecture.value = "microvms"
    assert [v for _, v in builder.hypervisor.options] == ["firecracker"]


def test_product_change_updates_diagram_and_stack():
    builder = StackBuilder(architecture="type1")
    builder.hypervisor.value = "kvm"
    assert "KVM" in labels(builder.figure) and "VMware ESXi" not in labels(builder.figure)
    assert type1_of(builder.stack.hosts[0]).product.id == "kvm"  # Linux with KVM in it


def test_add_and_remove_with_buttons():
    builder = StackBuilder(architecture="containers")
    builder.guest.value = "redis"
    builder.add_button.click()
    assert [w.product.id for w in builder.stack.workloads()] == ["nginx", "postgres", "redis"]
    assert labels(builder.figure)[-1] == "Redis"
    builder.instances.value = 0
    builder.remove_button.click()
    assert [w.product.id for w in builder.stack.workloads()] == ["postgres", "redis"]
    builder.remove("redis")
    builder.remove(0)
    assert builder.stack.workloads() == []
    builder.remove_button.click()  # nothing left: a no-op, not an error
    assert builder.last_error is None and in_step(builder)
    assert "0 apps or containers" in builder.figure.layout.title.text
    with pytest.raises(ValueError, match="No instance"):
        builder.remove("mysql")


def test_host_resources_and_vm_memory_reach_the_model():
    builder = StackBuilder(architecture="type1")
    builder.cores.value = 8
    builder.memory_gb.value = 8
    builder.vm_memory_gb.value = 4
    hw = builder.stack.hosts[0]
    assert hw.attrs["cores"] == 8 and hw.attrs["memory_gb"] == 8
    assert all(vm.attrs["memory_gb"] == 4 for vm in hw.walk() if vm.kind == "vm")
    # 3 VMs x 4 GB on an 8 GB host: overcommitted, shown with a hint
    assert [p.code for p in builder.problems] == [p.code for p in builder.stack.validate()]
    assert builder.problems
    shown = builder.problems_html.value
    assert any(p.message[:30] in shown.replace("&#x27;", "'") for p in builder.problems)
    assert "Hint" in shown
    assert "12.4 of 8 GB" in builder.summary.value  # 3 x (4 GB + 131 MiB per-VM overhead)


def test_problems_shown_for_wrong_stack():
    builder = StackBuilder(architecture="containers")
    builder.host_os.value = "windows-server"  # nginx and postgres are Linux images
    assert builder.problems
    assert "!" in list(builder.figure.data[-1].text)
    assert "problem" in builder.problems_html.value


def test_summary_weakest_isolation():
    builder = StackBuilder(architecture="containers-in-vms")
    assert "Weakest isolation</b>: container" in builder.summary.value
    builder.vm_count.value = 3
    assert "Weakest isolation</b>: vm" in builder.summary.value
    assert len([n for n in builder.stack.nodes() if n.kind == "vm"]) == 3


def test_start_from_a_stack_fills_controls():
    stack = vl.Stack.type2("macos", "parallels", guests=["windows-10", "ubuntu"])
    builder = StackBuilder(stack)
    assert builder.architecture.value == "type2"
    assert builder.host_os.value == "macos" and builder.hypervisor.value == "parallels"
    assert builder.stack.to_dict() == stack.to_dict()
    assert len(builder.instances.options) == 2


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_round_trip_through_builder(architecture):
    original = StackBuilder(architecture=architecture)
    original.add(original.guest.options[-1][1])
    copy = StackBuilder(original.stack)
    assert copy.architecture.value == architecture
    assert copy.stack.to_dict() == original.stack.to_dict()


def test_unfitting_stack_shown_as_is_then_start_over():
    hw = vl.Hardware()
    hw.install("virtualbox")
    hw.install("ubuntu")
    stack = vl.Stack(hw)
    builder = StackBuilder(stack)
    assert builder.architecture.value is None
    assert labels(builder.figure) == ["Hardware", "Oracle VirtualBox", "Ubuntu"]
    assert "fits none" in builder.summary.value
    assert codes(builder) >= {"type2-on-bare-metal"}
    builder.add_button.click()
    builder.remove_button.click()
    assert builder.stack.to_dict() == stack.to_dict() and builder.last_error is None
    builder.architecture.value = "bare-metal"
    assert labels(builder.figure)[:2] == ["Hardware", "Ubuntu"]
    assert builder.problems == []


def test_figure_widget_is_updated_in_place():
    builder = StackBuilder(architecture="containers")
    fig = builder.figure
    builder.add("redis")
    builder.architecture.value = "type1"
    # the widget on the page is the same object, and it now shows the new picture
    assert fig in builder.children
    assert labels(fig) == plots.diagram_labels(plots.stack_diagram(builder.stack))
    assert "VMware ESXi" in labels(fig) and "Redis" not in labels(fig)


# --------------------------------------------------------------------------- randomized
def random_action(builder: StackBuilder, rng: random.Random) -> None:
    def pick(dropdown):
        values = [v for _, v in dropdown.options] if dropdown.options else []
        if values:
            dropdown.value = rng.choice(values)

    action = rng.randrange(10)
    if action == 0:
        pick(builder.architecture)
    elif action == 1:
        pick(builder.host_os)
    elif action == 2:
        pick(builder.hypervisor)
    elif action == 3:
        pick(builder.engine)
    elif action == 4:
        pick(builder.guest_os)
    elif action in (5, 6):
        pick(builder.guest)
        builder.add_button.click()
    elif action == 7:
        if builder.instances.options:
            builder.instances.value = rng.choice(builder.instances.options)[1]
        builder.remove_button.click()
    elif action == 8:
        slider = rng.choice([builder.cores, builder.memory_gb, builder.vm_memory_gb])
        slider.value = rng.uniform(slider.min, slider.max)
    else:
        builder.vm_count.value = rng.randint(builder.vm_count.min, builder.vm_count.max)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_ui_actions_never_raise_and_diagram_matches_stack(seed):
    rng = random.Random(seed)
    hw = vl.Hardware()
    hw.install("virtualbox")  # fits no architecture: starts as a custom stack
    hw.install("ubuntu")
    builder = StackBuilder(vl.Stack(hw)) if seed == 2 else StackBuilder()
    seen = set()
    for step in range(200):
        random_action(builder, rng)
        seen.add(builder.architecture.value)
        if step % 25 == 0:
            assert in_step(builder)
        assert builder.last_error is None
        assert labels(builder.figure) == plots.diagram_labels(plots.stack_diagram(builder.stack))
        assert [p.code for p in builder.problems] == [p.code for p in builder.stack.validate()]
    assert in_step(builder)
    assert len(seen) >= 5  # the walk really visits most architectures


# --------------------------------------------------------------------------- IsolationExplorer
def test_isolation_explorer_lights_shared_layers():
    hw = vl.Hardware()
    hv = hw.install("ubuntu").install("kvm")
    engine = hv.create_vm("ubuntu").guest.install("docker")
    engine.run("nginx")
    engine.run("redis")
    hv.create_vm("debian").guest.install("postgres")
    explorer = IsolationExplorer(vl.Stack(hw))
    assert list(explorer.first.options) == ["nginx", "Redis", "PostgreSQL"]
    explorer.choose("nginx", "Redis")
    assert explorer.isolation.level == IsolationLevel.CONTAINER
    assert "Docker Engine" in explorer.explanation.value
    assert "seccomp" in explorer.explanation.value  # the attack-surface description
    lit = {t.name: len(t.x) // 6 for t in explorer.figure.data if t.fill == "toself"}
    assert lit["engine"] == 1 and lit["container"] == 0 and lit["container (dimmed)"] == 2
    explorer.second.value = "PostgreSQL"
    assert explorer.isolation.level == IsolationLevel.VM
    lit = {t.name: len(t.x) // 6 for t in explorer.figure.data if t.fill == "toself"}
    assert lit["engine"] == 0 and lit["hypervisor"] == 1
    assert "hypercall" in explorer.explanation.value


def test_isolation_explorer_same_or_too_few_workloads():
    explorer = IsolationExplorer(vl.Stack.containers())
    explorer.second.value = explorer.first.value
    assert explorer.isolation is None and "different" in explorer.explanation.value
    single = IsolationExplorer(vl.Stack.containers(containers=["nginx"]))
    assert "fewer than two" in single.explanation.value
    with pytest.raises(ValueError, match="No workload labelled"):
        explorer.choose("nginx", "mysql")
    assert explorer.last_error is None


# --------------------------------------------------------------------------- OverheadExplorer
def test_overhead_explorer_verdict_and_figures():
    explorer = OverheadExplorer(host_memory_gb=16, app="nginx")
    explorer.isolation.value = "vm"
    fit = density(16, "nginx", "vm", vm_memory_gb=explorer.vm_memory_gb.value)
    explorer.instances.value = fit
    assert "✓ fits" in explorer.verdict.value
    explorer.instances.value = fit + 1
    assert "does not fit" in explorer.verdict.value
    bar = explorer.memory_figure.data[0]
    assert len(bar.x) == len(ISOLATION_KINDS)
    explorer.host_memory_gb.value = 128
    assert explorer.density_figure.layout.shapes[0].x0 == 128
    assert "✓ fits" in explorer.verdict.value
    explorer.app_memory_mb.value = 1024
    assert explorer.fits == density(128, "nginx", "vm", app_memory_mb=1024, vm_memory_gb=1)
    assert "AGA20" in explorer.verdict.value  # the per-VM overhead's source
    assert explorer.last_error is None


# --------------------------------------------------------------------------- Quiz
OPTIONS = ["a hypervisor", "a container engine", "the kernel"]


def quiz(**kwargs):
    return Quiz(
        "q-kernel",
        "What do two containers on one host share?",
        OPTIONS,
        answer_hash("q-kernel", "the kernel"),
        feedback={"the kernel": "Yes: one kernel, many namespaces.", "a hypervisor": "No VM."},
        **kwargs,
    )


def test_quiz_single_choice():
    q = quiz()
    state = repr(q.get_state())
    assert "✓" not in state and "correct" not in q.result.value.lower()
    assert q.submit() is False and "Choose" in q.result.value
    q.choose("a hypervisor")
    q.check_button.click()
    assert q.correct is False and "✗" in q.result.value and "No VM." in q.result.value
    q.choose("the kernel")
    assert q.submit() is True
    assert "✓" in q.result.value and "one kernel" in q.result.value


def test_quiz_multiple_choice_is_a_set():
    q = Quiz(
        "q-share",
        "Which layers do two Docker containers on one Ubuntu host share?",
        OPTIONS,
        answer_hash("q-share", {"a container engine", "the kernel"}),
        multiple=True,
    )
    q.choose(["the kernel"])
    assert q.submit() is False
    q.choose(["the kernel", "a container engine"])
    assert q.submit() is True
    with pytest.raises(ValueError, match="Not an option"):
        q.choose(["a unicorn"])


def test_quiz_never_stores_the_answer():
    q = quiz()
    widgets = [q, q.prompt, q.selector, q.check_button, q.result]
    for widget in widgets:
        assert "q-kernel" not in repr(widget.get_state()) or widget is q
    assert answer_hash("q-kernel", "the kernel") not in repr([w.get_state() for w in widgets])


# --------------------------------------------------------------------------- survives a re-run
def test_builder_code_rebuilds_what_it_shows():
    builder = StackBuilder(architecture="containers-in-vms")
    builder.add("nginx")
    namespace = {"vl": vl}
    exec(builder.code(), namespace)  # noqa: S102 - the builder's own generated code
    assert namespace["stack"] == builder.stack
    assert "create_vm(" in builder.code_html.value


def test_builder_changed_only_by_code_needs_no_warning():
    builder = StackBuilder(architecture="type1")
    builder.add("ubuntu")
    builder.memory_gb.value = 32  # code in a cell: a re-run repeats it
    assert not builder.changed_by_hand and builder.stack.origin is None
    assert not any("⚠" in line for line in check("ex01-q6", builder.stack).feedback)


def test_builder_changed_in_the_browser_marks_its_stack_and_check_warns():
    builder = StackBuilder(architecture="type1")
    builder.memory_gb.set_state({"value": 32})  # how ipywidgets applies a front-end change
    assert builder.changed_by_hand
    assert builder.stack.origin == "StackBuilder, changed by hand"
    result = check("ex01-q6", builder.stack)
    assert result.feedback[0].startswith("⚠ This stack was made by hand")
    assert "builder.code()" in result.feedback[0]
    builder.add_button.click()
    assert builder.changed_by_hand


def test_check_warns_when_the_answer_is_a_widget():
    result = check("ex01-q6", StackBuilder())
    assert result.status == "invalid answer"
    assert "is a widget (StackBuilder)" in result.feedback[0]


def test_overhead_explorer_vm_density_follows_the_vm_size():
    explorer = OverheadExplorer(host_memory_gb=64, app="nginx")
    explorer.isolation.value = "vm"
    explorer.vm_memory_gb.value = 8
    assert explorer.fits == density(64, "nginx", "vm", vm_memory_gb=8) == 7
    explorer.vm_memory_gb.value = 1
    assert explorer.fits == density(64, "nginx", "vm", vm_memory_gb=1)
    assert "1 GB VM" in explorer.memory_figure.data[0].hovertext[-1] or any(
        "1 GB VM" in h for h in explorer.memory_figure.data[0].hovertext
    )
