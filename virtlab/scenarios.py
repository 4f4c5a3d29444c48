"""Capstone scenarios: a story, its requirements, and a check of any stack against them.

Lesson 07 (and its exercise) asks the learner to *choose* an architecture. Many stacks can be
right, so a scenario never compares with a stored answer: each requirement is judged by the
model's own analyses (``validate``, ``isolation``, ``overhead``). A failed requirement says what
is missing and where to look, never which stack to build.

    from virtlab.scenarios import scenario
    print(scenario("untrusted-code").check(stack))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from textwrap import fill

from virtlab.isolation import IsolationLevel, levels
from virtlab.requirements import Requirement
from virtlab.rules import codes
from virtlab.stack import Node, Stack

_MEMORY_WARNINGS = {"memory-overcommit", "container-memory-overcommit"}


def _when(ok: bool, problem: str) -> str | None:
    """A requirement test's answer: None when ``ok``, else what is wrong."""
    return None if ok else problem


@dataclass(frozen=True)
class RequirementResult:
    requirement: Requirement
    problem: str | None

    @property
    def met(self) -> bool:
        return self.problem is None

    def __str__(self) -> str:
        if self.met:
            return f"  ✓ {self.requirement.text}"
        hint = fill(
            f"Hint: {self.requirement.hint}", 92, initial_indent=" " * 6, subsequent_indent=" " * 12
        )
        return f"  ✗ {self.requirement.text}\n{hint}"


@dataclass(frozen=True)
class ScenarioReport:
    scenario: Scenario
    results: tuple[RequirementResult, ...]
    origin: str | None = None  # the stack was made by hand in a widget (see Stack.origin)

    @property
    def passed(self) -> bool:
        return all(r.met for r in self.results)

    @property
    def met(self) -> int:
        return sum(r.met for r in self.results)

    def __str__(self) -> str:
        lines = [f"Scenario: {self.scenario.title}"]
        lines += [str(r) for r in self.results]
        total = len(self.results)
        verdict = (
            "All requirements met: now say in one sentence why this architecture fits."
            if self.passed
            else "Change the stack and check again."
        )
        lines.append(f"{self.met} of {total} requirements met. {verdict}")
        if self.origin:
            lines.append(
                fill(
                    f"Note: this stack was made by hand ({self.origin}); running the notebook "
                    "again does not repeat that. To keep it (and to hand it in), paste "
                    "builder.code() into a cell.",
                    92,
                )
            )
        return "\n".join(lines)

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # IPython display
        printer.text(str(self))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    story: str
    requirements: tuple[Requirement, ...]

    def check(self, stack: Stack) -> ScenarioReport:
        """Judge ``stack`` (a ``vl.Stack``, or a StackBuilder's ``.stack``) requirement by
        requirement."""
        if not isinstance(stack, Stack):
            raise TypeError(
                f"check() needs a vl.Stack, got {type(stack).__name__}: pass vl.Stack(hw) or "
                "builder.stack."
            )
        return ScenarioReport(
            self,
            tuple(RequirementResult(r, r.problem(stack)) for r in self.requirements),
            stack.origin,
        )

    def describe(self) -> str:
        lines = [self.title, fill(self.story, 92), "Requirements:"]
        lines += [f"  {i}. {r.text}" for i, r in enumerate(self.requirements, 1)]
        return "\n".join(lines)


# --------------------------------------------------------------------------- building blocks
def _running(stack: Stack, app: str) -> list[Node]:
    return [w for w in stack.workloads() if w.product is not None and w.product.id == app]


def _one_server(stack: Stack) -> bool:
    return len(stack.hosts) == 1


def _no_errors(stack: Stack) -> bool:
    return not any(p.severity == "error" for p in stack.validate())


def weakest_level(stack: Stack, workloads: list[Node] | None = None) -> IsolationLevel | None:
    """The weakest isolation between any two of ``workloads`` in either direction (None for
    fewer than two); all of the stack's workloads by default. Use it when every workload may
    be the attacker, as in a fleet of untrusted jobs.

    Only neighbours in the stack's depth-first order are compared: the partner sharing the
    longest path with a workload is always a neighbour in that order, and a longer shared path
    leaves fewer layers on each side, so never a stronger level. That keeps a 200-copy fleet
    at 199 comparisons instead of 19,900, with the same answer as comparing every pair.
    """
    if workloads is None:
        workloads = stack.workloads()
    order = {id(node): i for i, node in enumerate(stack.nodes())}
    ordered = sorted(workloads, key=lambda node: order[id(node)])
    if len(ordered) < 2:
        return None
    # Siblings of the same kind and runtime sit alike in the tree: one pair of them stands
    # for all, which keeps a 200-copy fleet at a handful of comparisons.
    seen: dict[tuple, IsolationLevel] = {}
    for a, b in pairwise(ordered):
        same_parent = a.parent is b.parent and not a.children and not b.children
        key = (id(a.parent), _place(a), _place(b)) if same_parent else (id(a), id(b))
        if key not in seen:
            seen[key] = min(levels(a, b))
    return min(seen.values())


def _place(node: Node) -> tuple[str, str | None]:
    """How a childless workload sits on its parent: two such siblings are isolated alike."""
    runtime = node.runtime.id if node.kind == "container" and node.runtime else None
    return (node.kind, runtime)


ONE_SERVER = Requirement(
    "Everything runs on one physical server.",
    lambda s: _when(_one_server(s), f"the stack has {len(s.hosts)} physical servers"),
    hint="Use a single vl.Hardware(...) and build everything on it.",
)
NO_ERRORS = Requirement(
    "The stack is valid: stack.validate() reports no errors.",
    lambda s: _when(_no_errors(s), "validate() reports errors"),
    hint="Print each problem of stack.validate(): its message and hint say what sits in the "
    "wrong place.",
)


# --------------------------------------------------------------------------- the scenarios
def _untrusted() -> Scenario:
    def jobs(stack: Stack) -> list[Node]:
        return _running(stack, "python-web")

    def own_kernels(stack: Stack) -> str | None:
        # Every job is untrusted, so every job is an attacker: both directions count.
        level = weakest_level(stack, jobs(stack))
        if level is None:
            return "fewer than two customer jobs to compare"
        return _when(level >= IsolationLevel.VM, f"two jobs are only {level.label}-isolated")

    def fast_start(stack: Stack) -> str | None:
        rows = [r for r in stack.overhead().rows if r.workload in jobs(stack)]
        if not rows:
            return "no customer job runs"
        slow = [r for r in rows if r.start_ms is None or r.start_ms > 1000]
        return _when(not slow, f"{len(slow)} job(s) take longer than 1 s or have no figure")

    return Scenario(
        "untrusted-code",
        "Untrusted customer code",
        "Your platform runs code uploaded by customers you have never met. Every job is "
        "untrusted: any job may be hostile and attack the others, and jobs arrive all day, so "
        "each must start quickly.",
        (
            ONE_SERVER,
            Requirement(
                "At least 3 customer jobs run (the 'python-web' app).",
                lambda s: _when(len(jobs(s)) >= 3, f"{len(jobs(s))} job(s) run"),
                hint="Start the 'python-web' app at least three times.",
            ),
            NO_ERRORS,
            Requirement(
                "No two customer jobs share a kernel: from any job to any other, at least a "
                "'vm' boundary.",
                own_kernels,
                hint="Compare two jobs with stack.isolation(a, b).level. Lesson 05 shows which "
                "boundaries give each workload a kernel of its own.",
            ),
            Requirement(
                "Each job can cold-start in at most 1 second (stack.overhead()).",
                fast_start,
                hint="Look at the start times in stack.overhead().rows and lesson 06's "
                "start-time figure: which kind of isolation with its own kernel boots in well "
                "under a second?",
            ),
        ),
    )


def _dev_laptop() -> Scenario:
    def hyperv_on(stack: Stack) -> list[Node]:
        """What turns Hyper-V on in a Windows on the hardware: Hyper-V itself (catalog
        ``root_partition``, lesson 02) or a container whose runtime starts a VM on a Windows
        kernel (Hyper-V isolation, lesson 04). Either way the hypervisor slides under that
        Windows, which then runs in the root partition."""
        found = []
        for n in stack.nodes():
            if n.kind == "hypervisor" and n.product is not None and n.product.root_partition:
                if n.on_bare_metal:
                    found.append(n)
            elif (
                n.kind == "container"
                and n.runtime is not None
                and n.runtime.isolation == "vm"
                and n.parent is not None
                and n.parent.kernel_family == "windows"
                and n.host() is not None
                and n.host().kind == "hardware"
            ):
                found.append(n)
        return found

    def windows_on_hardware(stack: Stack) -> str | None:
        ok = any(
            len(h.children) == 1
            and h.children[0].kind == "os"
            and h.children[0].product.id == "windows-10"
            for h in stack.hosts
        )
        if ok and hyperv_on(stack):
            return (
                "with Hyper-V turned on, the hypervisor owns the hardware and Windows 10 runs "
                "in its root partition"
            )
        return _when(ok, "the laptop's hardware does not boot Windows 10")

    def ubuntu_with_own_kernel(stack: Stack) -> str | None:
        ok = any(
            n.kind == "os" and n.product.id == "ubuntu" and n.parent.kind == "vm"
            for n in stack.nodes()
        )
        return _when(ok, "no Ubuntu with a kernel of its own")

    return Scenario(
        "dev-laptop",
        "Trying Linux on a Windows laptop",
        "A student's laptop runs Windows 10 and must keep booting it straight on the "
        "hardware, as it does today: all her course software lives there, and the "
        "university's IT rules forbid turning on Hyper-V (so no WSL 2 either). She wants a "
        "full Ubuntu, kernel and all, to learn Linux on.",
        (
            ONE_SERVER,
            Requirement(
                "Windows 10 is the operating system installed on the laptop's hardware.",
                windows_on_hardware,
                hint="The laptop keeps booting Windows 10: what is the one layer on the hardware?",
            ),
            Requirement(
                "Hyper-V is not turned on (the IT rules forbid it).",
                lambda s: _when(not hyperv_on(s), "Hyper-V is turned on"),
                hint="Which hypervisors run as a program on Windows without Hyper-V? Lesson 03 "
                "lists Type 2 hypervisors.",
            ),
            Requirement(
                "Ubuntu runs with a Linux kernel of its own.",
                ubuntu_with_own_kernel,
                hint="A container from the 'ubuntu' image brings only Ubuntu's userland "
                "(lesson 04). Where does a whole OS with its own kernel run?",
            ),
            NO_ERRORS,
        ),
    )


def _web_fleet() -> Scenario:
    host_limit_gb = 64
    copies = 200

    def fits_host(stack: Stack) -> str | None:
        ok = _one_server(stack) and stack.hosts[0].memory_gb <= host_limit_gb
        return _when(ok, f"not one server with at most {host_limit_gb} GB")

    def isolated_copies(stack: Stack) -> str | None:
        level = weakest_level(stack, _running(stack, "nginx"))
        if level is None:
            return "fewer than two copies to compare"
        return _when(
            level >= IsolationLevel.CONTAINER, f"two copies are only {level.label}-isolated"
        )

    def no_memory_warnings(stack: Stack) -> str | None:
        found = codes(stack.validate()) & _MEMORY_WARNINGS
        return _when(not found, f"validate() warns: {', '.join(sorted(found))}")

    def light_overhead(stack: Stack) -> str | None:
        budget = 0.10 * stack.hosts[0].memory_gb * 1024
        used = stack.overhead().total_memory_mb
        return _when(used <= budget, f"isolation costs {used:,.0f} MB of {budget:,.0f} MB allowed")

    return Scenario(
        "web-fleet",
        "200 copies of a stateless web app",
        f"A shop serves its site from {copies} identical copies of a stateless web server "
        f"(nginx), all on one {host_limit_gb} GB server. The copies should not see each "
        "other's files, and memory spent on isolation is memory not serving customers.",
        (
            Requirement(
                f"One physical server with at most {host_limit_gb} GB of memory.",
                fits_host,
                hint=f"Build on a single vl.Hardware(memory_gb={host_limit_gb}).",
            ),
            Requirement(
                f"At least {copies} copies of nginx run.",
                lambda s: _when(
                    len(_running(s, "nginx")) >= copies, f"{len(_running(s, 'nginx'))} run"
                ),
                hint="A loop helps: for _ in range(200): ...",
            ),
            NO_ERRORS,
            Requirement(
                "The memory is not overcommitted (no memory-overcommit warnings).",
                no_memory_warnings,
                hint="Add up what each copy asks for and compare it with the host's memory.",
            ),
            Requirement(
                "Every two copies are isolated at least at container level.",
                isolated_copies,
                hint="Plain processes on one OS share files and users: see lesson 05's levels.",
            ),
            Requirement(
                "Isolation costs at most 10% of the host's memory "
                "(stack.overhead().total_memory_mb).",
                light_overhead,
                hint="Lesson 06: compare the per-instance memory of each kind of isolation, "
                f"times {copies}.",
            ),
        ),
    )


def _legacy_windows() -> Scenario:
    def kernel_ok(app: str, family: str) -> Callable[[Stack], str | None]:
        def test(stack: Stack) -> str | None:
            found = _running(stack, app)
            if not found:
                return f"no {app} runs"
            wrong = [w for w in found if w.kernel_family != family]
            return _when(not wrong, f"{app} does not run on a {family} kernel")

        return test

    def linux_services(stack: Stack) -> str | None:
        return kernel_ok("nginx", "linux")(stack) or kernel_ok("postgres", "linux")(stack)

    return Scenario(
        "legacy-windows",
        "A legacy Windows app next to Linux services",
        "A company must keep an old Windows web app (the 'iis' app) running, right next to "
        "its new Linux services (nginx and postgres), and has one server for all of them.",
        (
            ONE_SERVER,
            Requirement(
                "The Windows app ('iis') runs on a Windows kernel.",
                kernel_ok("iis", "windows"),
                hint="Which kernel serves iis? Check workload.kernel() and lesson 04 on "
                "Windows containers.",
            ),
            Requirement(
                "nginx and postgres run on a Linux kernel.",
                linux_services,
                hint="Which kernel serves nginx and postgres? Every container on an engine "
                "shares the kernel below that engine (lesson 04).",
            ),
            NO_ERRORS,
        ),
    )


SCENARIOS: dict[str, Scenario] = {
    s.id: s for s in (_untrusted(), _dev_laptop(), _web_fleet(), _legacy_windows())
}


def scenario(scenario_id: str) -> Scenario:
    """One capstone scenario by id; see ``SCENARIOS`` for all of them."""
    try:
        return SCENARIOS[scenario_id]
    except (KeyError, TypeError):
        raise ValueError(
            f"No scenario {scenario_id!r}; choose from {', '.join(SCENARIOS)}."
        ) from None
