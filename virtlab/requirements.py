"""Requirements on a stack: one concept shared by the capstone scenarios and the grader.

A :class:`Requirement` says in words what a stack must satisfy and tests it with the model's own
analyses (``validate``, ``isolation``, ``overhead``), so every correct stack passes, not only a
stored one. ``test(stack)`` returns None when the stack meets it, otherwise what is wrong, in
words that never give the answer away. Lesson 07's ``scenario(...).check(stack)`` and the
exercises' stack questions judge with the very same objects, so the learner sees in a lesson
what the grader gives.

The kit below builds the usual ones: ``valid``, ``no_problem``, ``memory_fits``, ``contains``,
``type1_on_hardware``, ``guest_oses``, ``every_vm``, ``isolation_at_least``, ``shares_kernel``,
``same_workloads_as`` and ``same_hardware_as``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from virtlab.isolation import IsolationLevel
    from virtlab.stack import Node, Stack


@dataclass(frozen=True)
class Requirement:
    """One thing a stack must satisfy.

    ``text`` is shown to the learner as the requirement; ``test(stack)`` returns None when it is
    met, else a short description of what is wrong; ``hint`` says where to look when it fails;
    ``section`` names the lesson section that teaches it; ``weight`` is its share of a graded
    question's points.
    """

    text: str
    test: Callable[[Stack], str | None]
    section: str = ""
    weight: float = 1.0
    hint: str = ""

    @property
    def describe(self) -> str:  # the name the grading kit used before requirements were one
        return self.text

    def problem(self, stack: Stack) -> str | None:
        """What is wrong with ``stack`` for this requirement (None when met); never raises."""
        try:
            return self.test(stack)
        except Exception as err:  # a requirement must never crash a check or a grading
            return f"could not be checked ({type(err).__name__}: {err})"


def level_of(level: Any) -> IsolationLevel:
    """An :class:`~virtlab.isolation.IsolationLevel` from itself or its label ("vm")."""
    from virtlab.isolation import IsolationLevel

    return level if isinstance(level, IsolationLevel) else IsolationLevel[str(level).upper()]


def workloads_of(stack: Stack, product_id: str) -> list[Node]:
    """The workloads running this product (an app, an image, a base userland or a guest OS)."""
    return [
        n
        for n in stack.workloads()
        if (n.product is not None and n.product.id == product_id)
        or (n.product is None and n.base is not None and n.base.id == product_id)
    ]


def _pair(stack: Stack, a: str, b: str) -> tuple[Any, Any, str | None]:
    first, second = workloads_of(stack, a), workloads_of(stack, b)
    if a == b:
        second = first[1:]
    for name, found in ((a, first), (b, second)):
        if not found:
            return None, None, f"there is no {name} workload in the stack"
    return first[0], second[0], None


def valid(
    *, no_warnings: Sequence[str] = (), section: str = "", weight: float = 1.0
) -> Requirement:
    """``stack.validate()`` reports no error (and none of the warning codes ``no_warnings``)."""

    def test(stack: Stack) -> str | None:
        bad = [p for p in stack.validate() if p.severity == "error" or p.code in no_warnings]
        if not bad:
            return None
        first = bad[0]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        return f"validate() reports: {first.message}{more}"

    extra = f", and no {', '.join(no_warnings)} warning" if no_warnings else ""
    return Requirement(f"the stack is valid (no errors{extra})", test, section, weight)


def no_problem(code: str, describe: str, *, section: str = "", weight: float = 1.0) -> Requirement:
    """``validate()`` reports no problem with this code (e.g. ``"memory-overcommit"``)."""

    def test(stack: Stack) -> str | None:
        found = [p for p in stack.validate() if p.code == code]
        return found[0].message if found else None

    return Requirement(describe, test, section, weight)


MEMORY_CODES = ("memory-overcommit", "vm-exceeds-host-memory", "container-memory-overcommit")


def memory_fits(*, section: str = "", weight: float = 1.0) -> Requirement:
    """No VM or container memory is promised beyond what its host has."""

    def test(stack: Stack) -> str | None:
        found = [p for p in stack.validate() if p.code in MEMORY_CODES]
        return found[0].message if found else None

    return Requirement("memory fits without overcommit", test, section, weight)


def contains(
    describe: str,
    *,
    kind: str | None = None,
    product: str | None = None,
    hypervisor_type: int | None = None,
    on: str | None = None,
    at_least: int = 1,
    section: str = "",
    weight: float = 1.0,
) -> Requirement:
    """At least ``at_least`` layers of this kind / product / type (``on``: the parent's kind)."""

    def fits(node: Node) -> bool:
        return (
            (kind is None or node.kind == kind)
            and (product is None or (node.product is not None and node.product.id == product))
            and (
                hypervisor_type is None
                or (node.product is not None and node.product.hypervisor_type == hypervisor_type)
            )
            and (on is None or (node.parent is not None and node.parent.kind == on))
        )

    def test(stack: Stack) -> str | None:
        count = sum(1 for n in stack.nodes() if fits(n))
        if count >= at_least:
            return None
        return f"found {count}, need at least {at_least}"

    return Requirement(describe, test, section, weight)


def type1_on_hardware(*, section: str = "", weight: float = 1.0) -> Requirement:
    """A Type 1 hypervisor owns the hardware: on it directly, or Linux with KVM in it (the
    hypervisor is then Linux itself), or Hyper-V under its root partition's Windows."""

    def test(stack: Stack) -> str | None:
        if any(n.on_bare_metal for n in stack.nodes()):
            return None
        return "no Type 1 hypervisor owns the hardware"

    return Requirement(
        "a Type 1 hypervisor on the hardware (or Linux with KVM in it)", test, section, weight
    )


def guest_oses(*product_ids: str, section: str = "", weight: float = 1.0) -> Requirement:
    """The VMs' guest OSes include each of these (one VM per entry)."""
    want = Counter(product_ids)

    def test(stack: Stack) -> str | None:
        have = Counter(
            n.guest.product.id for n in stack.nodes() if n.kind == "vm" and n.guest is not None
        )
        short = [p for p, k in want.items() if have[p] < k]
        if not short:
            return None
        return f"no VM runs {', '.join(short)} as its guest OS"

    names = ", ".join(product_ids)
    return Requirement(f"VMs with the guest OSes {names}", test, section, weight)


def every_vm(
    *, vcpus: int = 1, memory_gb: float = 0, section: str = "", weight: float = 1.0
) -> Requirement:
    """Every VM has at least this many vCPUs and this much memory (and there is at least one)."""

    def test(stack: Stack) -> str | None:
        vms = [n for n in stack.nodes() if n.kind == "vm"]
        if not vms:
            return "the stack has no VM"
        small = [n for n in vms if n.cpus < vcpus or n.memory_gb < memory_gb]
        if not small:
            return None
        names = ", ".join(n.guest.name if n.guest else "a VM" for n in small)
        return f"too small: {names}"

    return Requirement(
        f"every VM has at least {vcpus} vCPUs and {memory_gb:g} GB", test, section, weight
    )


def isolation_at_least(
    a: str,
    b: str,
    level: Any,
    *,
    both_ways: bool = False,
    section: str = "",
    weight: float = 1.0,
) -> Requirement:
    """An attacker in the first ``a`` workload must cross at least ``level`` to reach the first
    ``b`` workload (product ids). Isolation has a direction: ``a`` is the untrusted side; with
    ``both_ways`` neither side is trusted, so the weaker direction counts."""
    want = level_of(level)

    def test(stack: Stack) -> str | None:
        x, y, missing = _pair(stack, a, b)
        if missing:
            return missing
        iso = stack.isolation(x, y)
        got = iso.weakest if both_ways else iso.level
        if got >= want:
            return None
        if both_ways:
            return f"they are only separated at the {got.label} level in one direction"
        return f"an attacker in {first} only has to cross a {got.label}-level boundary"

    # two workloads of one product are told apart: "one iis" and "the other iis"
    first, second = (a, b) if a != b else (f"one {a}", f"the other {a}")
    pair = f"{a} and {b}" if a != b else f"the two {a} workloads"
    text = (
        f"{pair} isolated at least at the {want.label} level, whichever is attacked"
        if both_ways
        else f"an attacker in {first} must cross at least a {want.label}-level boundary to "
        f"reach {second}"
    )
    return Requirement(text, test, section, weight)


def shares_kernel(
    a: str, b: str, expected: bool, *, section: str = "", weight: float = 1.0
) -> Requirement:
    """Workloads ``a`` and ``b`` do (``expected=True``) or do not share one kernel."""

    def test(stack: Stack) -> str | None:
        x, y, missing = _pair(stack, a, b)
        if missing:
            return missing
        if stack.isolation(x, y).shares_kernel == expected:
            return None
        return "they share one kernel" if not expected else "each has its own kernel"

    verb = "share" if expected else "do not share"
    return Requirement(f"{a} and {b} {verb} a kernel", test, section, weight)


def _ids(nodes: Iterable[Node]) -> Counter:
    return Counter(
        (n.kind, n.product.id if n.product else (n.base.id if n.base else "?")) for n in nodes
    )


def _guest_ids(stack: Stack) -> Counter:
    """Every guest OS in a VM, whether or not something runs on it."""
    return _ids(
        n
        for n in stack.nodes()
        if n.kind == "os" and n.parent is not None and n.parent.kind == "vm"
    )


_KIND_WORDS = {"app": "app", "container": "container", "os": "guest OS"}


def same_workloads_as(
    original: Callable[[], Stack], *, section: str = "", weight: float = 1.0
) -> Requirement:
    """The fix runs the same apps, containers and guest OSes as the original.

    A guest OS is a workload only while nothing runs on it (``Node.is_workload``), so one side
    may list a guest OS the other has with an app on it: that guest is kept, not new or lost
    (an Ubuntu guest whose nginx was dropped is not "not in the original")."""

    def test(stack: Stack) -> str | None:
        before, after = original(), stack
        want, have = _ids(before.workloads()), _ids(after.workloads())
        lost = want - have - _guest_ids(after)
        extra = have - want - _guest_ids(before)
        if not lost and not extra:
            return None
        parts = []
        if lost:
            parts.append(
                "missing " + ", ".join(f"{p} ({_KIND_WORDS[k]})" for (k, p) in sorted(lost))
            )
        if extra:
            parts.append("not in the original: " + ", ".join(p for (_, p) in sorted(extra)))
        return "; ".join(parts)

    return Requirement("keeps the original's workloads", test, section, weight)


def same_hardware_as(
    original: Callable[[], Stack], *, section: str = "", weight: float = 1.0
) -> Requirement:
    """The fix keeps the original's physical servers (count, cores, memory, storage)."""

    def sizes(stack: Stack) -> list[tuple[float, float, float]]:
        return sorted((h.cpus, h.memory_gb, h.storage_gb) for h in stack.hosts)

    def test(stack: Stack) -> str | None:
        if sizes(stack) == sizes(original()):
            return None
        return "the physical servers changed: fix the layers, not the hardware"

    return Requirement("keeps the original's physical servers", test, section, weight)
