"""Lesson 09's model, figures and widgets: techniques and slowdowns, image layers, escapes."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from virtlab import data, escapes, hwvirt, images, plots
from virtlab.isolation import IsolationLevel
from virtlab.widgets import ExitExplorer, ImageExplorer

# --------------------------------------------------------------------------- hwvirt


@pytest.mark.parametrize("workload", hwvirt.WORKLOADS)
@pytest.mark.parametrize("technique", hwvirt.TECHNIQUES)
def test_every_cell_is_a_cited_ratio_or_says_why_not(workload, technique):
    cell = hwvirt.slowdown(workload, technique)
    if cell.figure is None:
        assert cell.measurement_ids == () and cell.note, "a missing figure must say why"
        assert "no reliable figure" in cell.describe()
        return
    native_id, virtual_id = cell.measurement_ids
    native, virtual = data.measurement(native_id), data.measurement(virtual_id)
    assert native.source == virtual.source, "a ratio never mixes two papers"
    assert native.unit == virtual.unit
    expected = {virtual.value / native.value, native.value / virtual.value}
    assert any(cell.figure == pytest.approx(e) for e in expected)
    assert cell.figure >= 1, f"{workload}/{technique}: virtualized faster than native?"
    assert cell.guest_share + cell.overhead_share == pytest.approx(1)
    assert cell.cite() in cell.describe()


def test_published_orderings_hold():
    fork = {t: hwvirt.slowdown("fork", t).figure for t in ("bt", "vtx")}
    # ADA06: first-generation VT-x lost to binary translation on process creation
    assert fork["vtx"] > fork["bt"] > 1
    assert fork["vtx"] == pytest.approx(106.4 / 6.0)
    # BAR03: Xen's paravirtualization close to native where VMware's BT was not
    for workload in ("context-switch", "web-serving", "kernel-build"):
        assert hwvirt.slowdown(workload, "paravirt").figure < hwvirt.slowdown(workload, "bt").figure
    # throughput turns into time: fewer IOPS means a ratio above 1
    disk = hwvirt.slowdown("random-disk-io", "virtio")
    assert disk.figure == pytest.approx(84044 / 46173)


def test_device_techniques_inherit_the_cpu_side():
    for technique in ("virtio", "passthrough"):
        cell = hwvirt.slowdown("cpu-loop", technique)
        assert cell.figure == hwvirt.slowdown("cpu-loop", "vtx-ept").figure
        assert "changes only how devices are reached" in cell.note
    assert hwvirt.slowdown("random-disk-io", "passthrough").figure is None


def test_mix_adds_shares_and_refuses_a_partial_total():
    result = hwvirt.mix({"cpu-loop": 3, "random-disk-io": 1}, "virtio")
    assert result.weights == {"cpu-loop": 0.75, "random-disk-io": 0.25}
    cpu = hwvirt.slowdown("cpu-loop", "virtio").figure
    disk = hwvirt.slowdown("random-disk-io", "virtio").figure
    assert result.total == pytest.approx(0.75 * cpu + 0.25 * disk)
    partial = hwvirt.mix({"fork": 1, "random-disk-io": 1}, "bt")
    assert partial.total is None and partial.missing == ("random-disk-io",)
    assert hwvirt.mix({"fork": 1, "syscall": 0}, "vtx").weights == {"fork": 1.0}


@pytest.mark.parametrize(
    ("weights", "technique", "message"),
    [
        ({}, "bt", "non-empty"),
        ({"fork": 1}, "vmx", "Unknown technique 'vmx'; techniques: bt"),
        ({"forks": 1}, "bt", "Unknown workload 'forks'"),
        ({"fork": -1}, "bt", "must be a number >= 0"),
        ({"fork": 0}, "bt", "above 0"),
        ({"fork": True}, "bt", "must be a number"),
    ],
)
def test_mix_rejects_bad_input_by_name(weights, technique, message):
    with pytest.raises(ValueError, match=message):
        hwvirt.mix(weights, technique)


def test_two_dimensional_page_walk():
    assert hwvirt.page_walk_references(4, 4) == data.value("bha08-2d-walk-references") == 24
    assert hwvirt.page_walk_references(5, 5) == 35
    assert hwvirt.page_walk_references(2, 3) == 11  # 2 guest levels + final: 3 × 4 - 1
    with pytest.raises(ValueError, match="guest_levels must be a whole number"):
        hwvirt.page_walk_references(0, 4)


# --------------------------------------------------------------------------- images


def test_digests_are_sha256_of_the_bytes_and_manifest_follows_oci():
    layer = images.Layer("base", 10, "files")
    assert layer.digest == images.digest_of(b"base\nfiles\n")
    assert layer.digest.startswith("sha256:") and len(layer.digest) == 7 + 64
    image = images.Image.build(
        "app", images.Layer("code", 1, "app"), base=images.Image("b", (layer,))
    )
    manifest = image.manifest()
    assert manifest["schemaVersion"] == 2
    assert manifest["mediaType"] == images.MANIFEST_MEDIA_TYPE
    assert [x["digest"] for x in manifest["layers"]] == [x.digest for x in image.layers]
    config = json.dumps(image.config(), sort_keys=True, separators=(",", ":")).encode()
    assert manifest["config"]["digest"] == images.digest_of(config)
    assert manifest["config"]["size"] == len(config)
    changed = images.Image.build("app", images.Layer("code", 1, "app v2"), base=image)
    assert changed.digest != image.digest, "changing a layer changes the image's digest"


def test_second_pull_fetches_only_missing_layers():
    ex = images.example_images()
    host = images.Host()
    first = host.pull(ex["python-web"])
    second = host.pull(ex["python-worker"])
    assert [x.name for x in first.fetched] == ["debian base", "python runtime", "web app code"]
    assert [x.name for x in second.fetched] == ["worker code"]
    assert [x.name for x in second.reused] == ["debian base", "python runtime"]
    assert host.pull(ex["python-web"]).fetched == ()
    assert host.image_store_mb == 117 + 300 + 5 + 3


def test_containers_write_to_their_own_layer():
    host, pulls = images.host_with(["python-web", "nginx"], containers_per_image=3, writes_mb=10)
    assert len(pulls) == 2 and len(host.containers) == 6
    assert host.writable_mb == 60
    assert host.total_mb == host.image_store_mb + 60
    unshared = (422 + 177) + 3 * (422 + 10) + 3 * (177 + 10)  # images, then full copies
    assert host.without_sharing_mb == unshared
    assert host.sharing()[f"debian base ({images.DEBIAN.short})"] == ["python-web", "nginx"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: images.Layer("", 1, "x"), "needs a name"),
        (lambda: images.Layer("x", -1, "x"), "size_mb must be >= 0"),
        (lambda: images.Image("x", ()), "at least one layer"),
        (lambda: images.Host().run("nginx"), "not on this host; pulled: none yet"),
        (lambda: images.host_with(["ngnix"]), "Unknown images"),
        (lambda: images.host_with(["nginx"], -1), "containers_per_image"),
        (lambda: images.host_with(["nginx"], 1, -5), "write a number of MB >= 0"),
    ],
)
def test_images_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- escapes


def test_escapes_are_complete_sourced_and_ordered():
    found = escapes.escapes()
    assert {e.boundary for e in found} == set(escapes.boundaries())
    dated = [e.disclosed for e in found if e.disclosed]
    assert dated == sorted(dated) and found[-1].disclosed is None
    for e in found:
        assert e.sources and e.crossed and e.why_contained and e.mitigations, e.id
        for cve in e.cves:
            assert cve.startswith("CVE-") and any(cve in s for s in e.sources), (e.id, cve)


def test_escape_lookup_and_containment():
    assert escapes.escape("CVE-2022-0847").id == "dirty-pipe"
    runc = escapes.escape("runc-exe")
    assert runc.disclosed == dt.date(2019, 2, 11)
    assert runc.contained_at("vm") and not runc.contained_at(IsolationLevel.CONTAINER)
    assert not escapes.escape("l1tf").contained_at("vm")
    assert not escapes.escape("docker-socket").contained_at("hardware")
    with pytest.raises(KeyError, match="known: venom"):
        escapes.escape("heartbleed")
    with pytest.raises(ValueError, match="Unknown isolation level 'kernel'"):
        runc.contained_at("kernel")
    with pytest.raises(ValueError, match="Unknown boundary"):
        escapes.escapes("kernel")


# --------------------------------------------------------------------------- figures


def test_exit_breakdown_bars_are_the_model_totals():
    weights = {"fork": 0.5, "kernel-build": 0.5}
    fig = plots.exit_breakdown(weights)
    native, *added, missing = fig.data
    assert len(added) == len(hwvirt.WORKLOADS), "one trace per workload, whatever the mix"
    for row, technique in enumerate(hwvirt.TECHNIQUES):
        total = hwvirt.mix(weights, technique).total
        drawn = native.x[row] + sum(t.x[row] for t in added)
        if total is None:
            assert drawn == 0 and "no reliable figure" in missing.text[row]
        else:
            assert drawn == pytest.approx(total) and missing.text[row] == ""
    source = next(a.text for a in fig.layout.annotations if a.name == "source")
    assert "ADA06" in source and "BAR03" in source and "derived" in source


def test_exit_breakdown_says_when_nothing_is_known():
    fig = plots.exit_breakdown({"syscall": 1, "random-disk-io": 1})
    source = next(a.text for a in fig.layout.annotations if a.name == "source")
    assert "No technique has a published figure" in source


def test_image_storage_counts_layers_once_and_copies_unshared():
    host, _ = images.host_with(["python-web", "python-worker"], 2, 10)
    fig = plots.image_storage(host)
    stored = sum(t.y[0] for t in fig.data)
    unshared = sum(t.y[1] for t in fig.data)
    assert stored == pytest.approx(host.total_mb)
    assert unshared == pytest.approx(host.without_sharing_mb)
    with pytest.raises(ValueError, match="needs a virtlab.images.Host"):
        plots.image_storage("host")


def test_escape_timeline_one_colour_per_boundary():
    fig = plots.escape_timeline()
    points = [
        t for t in fig.data if t.mode == "markers+text" and t.name in escapes.boundaries().values()
    ]
    shown = {name for t in points for name in t.text}
    dated = {e.short for e in escapes.escapes() if e.disclosed}
    assert shown == dated
    for trace in points:
        boundary = next(b for b, text in escapes.boundaries().items() if text == trace.name)
        assert trace.marker.color == plots.BOUNDARY_COLOURS[boundary]
    undated = [t for t in fig.data if t.mode == "lines+text"]
    assert len(undated) == 1 and "--privileged" in undated[0].text[1]


# --------------------------------------------------------------------------- widgets


def test_exit_explorer_redraws_from_the_model():
    explorer = ExitExplorer()
    assert explorer.weights == {"fork": 1.0}
    explorer.choose("fork", "random-disk-io", 30)
    assert explorer.weights == {"fork": pytest.approx(0.7), "random-disk-io": pytest.approx(0.3)}
    native = explorer.figure.data[0]
    assert all(x == 0 for x in native.x), "no technique has figures for both"
    explorer.first.value = "cpu-loop"
    explorer.second.value = "network-round-trip"
    native = explorer.figure.data[0]
    row = hwvirt.TECHNIQUES.index("virtio")
    total = hwvirt.mix(explorer.weights, "virtio").total
    assert native.x[row] + sum(t.x[row] for t in explorer.figure.data[1:-1]) == pytest.approx(total)
    assert "VT-x with EPT + virtio devices" in explorer.details.value
    explorer.share.value = 0
    assert explorer.weights == {"cpu-loop": 1.0}
    with pytest.raises(ValueError, match="Unknown workload"):
        explorer.choose("forks")
    assert explorer.last_error is None


def test_image_explorer_pull_order_and_totals():
    explorer = ImageExplorer(pulled=("nginx",), containers_per_image=1, writes_mb=0)
    assert "fetched debian base (117 MB), nginx (60 MB)" in explorer.report.value
    explorer.pulled.value = ("python-web", "nginx")  # python-web picked second
    assert explorer.order == ["nginx", "python-web"]
    assert "already stored: debian base" in explorer.report.value
    explorer.writes.value = 100
    host, _ = explorer.scenario()
    assert host.writable_mb == 200
    stored = sum(t.y[0] for t in explorer.figure.data)
    assert stored == pytest.approx(host.total_mb)
    explorer.pulled.value = ()
    assert "Pick one or more images" in explorer.report.value
    with pytest.raises(ValueError, match="Unknown images"):
        explorer.choose(["redis"], 1, 0)
    assert explorer.last_error is None


def test_exercise_09_boundary_answers_follow_the_escape_data():
    from virtlab.answers import matches
    from virtlab.grading import bank

    question = bank.question("ex09-q6")
    for item in question.items:
        boundary = escapes.escape(item).boundary
        assert matches(f"ex09-q6:{item}", boundary, question.answer_hashes[item]), item


def test_sensitive_unprivileged_instructions_break_trap_and_emulate():
    broken = hwvirt.breaks_trap_and_emulate()
    assert broken == ["POPF", "PUSHF", "SGDT", "SIDT", "SMSW"]
    assert len(broken) <= data.value("rob00-sensitive-unprivileged-instructions")
    fine = hwvirt.Instruction("X", "does x", sensitive=True, privileged=True)
    assert hwvirt.breaks_trap_and_emulate((fine,)) == []
