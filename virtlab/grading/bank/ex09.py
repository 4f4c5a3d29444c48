"""Exercise 09 — How the boundaries are built: trap-and-emulate, VT-x and nested paging, the
I/O path, image layers, real escapes, and how Kubernetes picks a runtime.

Expected literal answers are salted hashes (see :mod:`virtlab.grading.bank`); the numbers are
computed from the model (:mod:`virtlab.hwvirt`, :mod:`virtlab.images`) and the cited data.
"""

from __future__ import annotations

from virtlab import data, hwvirt, images
from virtlab.grading.questions import Classification, MultipleChoice, Number

NOTEBOOK = "09-how-boundaries-are-built"
TITLE = "How the boundaries are built"

TRAP = "Trap and emulate"
HARDWARE = "VT-x, AMD-V and nested paging"
IO = "Why I/O costs: VM exits, virtio, vhost and passthrough"
IMAGES = "What a container image is"
RUNTIMES = "From image to running container: runc, containerd, Kubernetes"
ESCAPES = "When boundaries broke"

# Question 5's host: three images pulled, four containers of each writing 25 MB.
Q5_IMAGES = ("python-web", "python-worker", "nginx")
Q5_CONTAINERS = 4
Q5_WRITES_MB = 25


def _first_vtx_vs_bt() -> float:
    hardware = data.value("ada06-forkwait-hardware-vmm")
    software = data.value("ada06-forkwait-software-vmm")
    return round(hardware / software, 1)


def _q5_total_mb() -> float:
    host, _ = images.host_with(Q5_IMAGES, Q5_CONTAINERS, Q5_WRITES_MB)
    return host.total_mb


QUESTIONS = [
    MultipleChoice(
        id="ex09-q1",
        points=1,
        section=TRAP,
        prompt="Which condition did Popek and Goldberg prove sufficient for a trap-and-emulate "
        "VMM?",
        options=("a", "b", "c", "d"),
        answer_hash="a66e3a640e198e2d0129a535607ff8e4ecf139e405a3b1fbb58c43533ec4f1c4",
    ),
    Number(
        id="ex09-q2",
        points=1,
        section=HARDWARE,
        prompt="How many memory references does one worst-case two-dimensional page walk take "
        "with 5-level guest and 5-level nested page tables?",
        unit="references",
        expected=lambda: hwvirt.page_walk_references(5, 5),
        tolerance=0,
    ),
    Number(
        id="ex09-q3",
        points=1,
        section=HARDWARE,
        prompt="How many times longer did forkwait take with first-generation VT-x than with "
        "binary translation (ADA06)? One decimal.",
        expected=_first_vtx_vs_bt,
        tolerance=0.051,
    ),
    Classification(
        id="ex09-q4",
        points=2,
        section=IO,
        prompt="Where does each part of a VM's I/O path run?",
        items=("virtio-driver", "qemu-device-model", "vhost-net", "sr-iov-vf"),
        categories=("guest kernel", "host kernel", "host user space", "device"),
        answer_hashes={
            "virtio-driver": "8345e73e18272f8b9bfefefcb78695546d83520b88cfbf17051a5cf5e58b2b4f",
            "qemu-device-model": (
                "cccad177dcf0160f6f7e0f6dff9ba2699b6afaeb7c5083c9ca109baf9a7f261f"
            ),
            "vhost-net": "0951a1a2f6564a4baa99871387b1fad8d7ae186f20e1cddcbd1e35f7fc6251fb",
            "sr-iov-vf": "5470a2e299f4cea273ecee7d98b8e742c5e203812082430b390873ee710f5eb7",
        },
    ),
    Number(
        id="ex09-q5",
        points=2,
        section=IMAGES,
        prompt="How many MB does a host store after pulling three images and running four "
        "containers of each that write 25 MB apiece?",
        unit="MB",
        expected=_q5_total_mb,
        tolerance=0.5,
    ),
    Classification(
        id="ex09-q6",
        points=5,
        section=ESCAPES,
        prompt="Which boundary broke in each escape or leak?",
        items=("cve-2019-5736", "cve-2022-0847", "cve-2015-3456", "cve-2018-3646", "docker-socket"),
        categories=(
            "container-runtime",
            "shared-kernel",
            "configuration",
            "hypervisor-device-model",
            "hardware-side-channel",
        ),
        answer_hashes={
            "cve-2019-5736": "1ed6cb547464a9ed343e16ab05470f7e2b3481bdd09ae072eaf72e236b3f18b3",
            "cve-2022-0847": "72e261a5daccb82ea25aa50205bf9336c89cbc5d60f30a44a923dad692e3f5ca",
            "cve-2015-3456": "947869c643da2339262f2fe646d8cc277f509481c0e8b4c2e8de1a7ecb1c3fdf",
            "cve-2018-3646": "632b72fe9c9ff0dc80c411c34b05729ad054b8922b0e253de222dd26ae61fd7e",
            "docker-socket": "fac08803dbfd6e89919956e249c91ea6b7b07e5a7f4f858e08499d2427e272f6",
        },
    ),
    MultipleChoice(
        id="ex09-q7",
        points=1,
        section=RUNTIMES,
        prompt="How does one Kubernetes pod ask to run in Kata Containers?",
        options=("a", "b", "c", "d"),
        answer_hash="73d5a98e3dd8254aa87092939a9831d025a4c4872d775969b61d22a99c9a62dd",
    ),
    MultipleChoice(
        id="ex09-q8",
        points=1,
        section=ESCAPES,
        prompt="Which mitigation targets leaks between two guests whose threads share one core?",
        options=("a", "b", "c", "d"),
        answer_hash="ea64aba501ca2cb0ae077f0cd0880f29a0da6b3b041d6c4e7d3e55565e96d4ff",
    ),
]
