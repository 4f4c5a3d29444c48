"""Exercise 05 — Isolation: attack surfaces, ranking pairs of workloads, Hyper-V isolation,
microVMs, and a stack that keeps a customer's database away from a company's services.

Expected literal answers are salted hashes (see :mod:`virtlab.grading.bank`); the stack
questions are judged by the model's rules and isolation analysis.
"""

from __future__ import annotations

from virtlab import data
from virtlab.grading.questions import (
    BugHunt,
    Classification,
    MultipleChoice,
    Number,
    StackRequirements,
    contains,
    isolation_at_least,
    memory_fits,
    shares_kernel,
    valid,
)
from virtlab.stack import Hardware, Stack

NOTEBOOK = "05-isolation"
TITLE = "Isolation"

RANKING = "Ranking isolation levels"
SURFACE = "Why sharing a kernel is a security question"
WINDOWS = "Windows: process isolation or Hyper-V isolation"
MIDDLE = "The middle ground: gVisor, Kata Containers, Firecracker"


def broken_windows_host() -> Stack:
    """The stack of question 6, as the exercise shows it (two mistakes in it)."""
    hw = Hardware(cores=16, memory_gb=64)
    engine = hw.install("windows-server").install("docker")
    engine.run("iis", runtime="gvisor")
    engine.run("iis", runtime="containerd")
    return Stack(hw)


def _syscall_ratio() -> float:
    lxc = data.value("anj20-host-syscalls-lxc")
    gvisor = data.value("anj20-host-syscalls-gvisor")
    return round(lxc / gvisor, 1)


QUESTIONS = [
    MultipleChoice(
        id="ex05-q1",
        points=1,
        section=SURFACE,
        prompt="Which interface must an attacker in one runc container cross to reach another "
        "container on the same host?",
        options=("a", "b", "c", "d"),
        answer_hash="8048180f11610d47ee3c2007c548ed836678e61eeedd8402e598516dccd5e641",
    ),
    Classification(
        id="ex05-q2",
        points=4,
        section=RANKING,
        prompt="Give the isolation level an attacker in the first workload must cross to reach "
        "the second, for nine pairs of workloads.",
        items=(
            "two-processes",
            "two-runc-containers",
            "from-runc-to-gvisor",
            "from-gvisor-to-runc",
            "two-gvisor-sandboxes",
            "two-kata-containers",
            "two-firecracker-microvms",
            "two-hyperv-isolated",
            "two-servers",
        ),
        categories=("process", "container", "sandbox", "vm", "hardware"),
        answer_hashes={
            "two-processes": "35928dae255af36a4e5370250fb6929e60f827b3bdbc50f341e01666a83713d1",
            "two-runc-containers": (
                "6c8c4c47ba80be994c94d9bce9aa6ec93d6adf34b6164da8666174a22636bc8d"
            ),
            "from-runc-to-gvisor": (
                "3844738016d637c46926d42695925321192c0602ab39e2ad6d758e4f5469c01c"
            ),
            "from-gvisor-to-runc": (
                "b897635a7f781b6c0dc5374e06fb619ce70051d1769894bdbf28a206a342660b"
            ),
            "two-gvisor-sandboxes": (
                "c3bc4f4ec14583f5088282bf4ad3278336718f249f524a1ef376918dbc65d27e"
            ),
            "two-kata-containers": (
                "859aaf831e45700c0314526203b452edbb8d40457edd913af90e94d2fa2b1fa8"
            ),
            "two-firecracker-microvms": (
                "30afd94ee8b0be8470bcca76d3d514469c3eb4fbc20e6ed322df980b4058c767"
            ),
            "two-hyperv-isolated": (
                "2022f6606a0258fc7416f44c72f2d664496c3818ed12a1822d4daed8da62ffe5"
            ),
            "two-servers": "54fab553ab9ed33687619f27421cac50cb88282e42dcf66c8e5e3e58f90452b1",
        },
    ),
    Number(
        id="ex05-q3",
        points=1,
        section=SURFACE,
        prompt="How many times more host system calls can an LXC container reach than gVisor's "
        "Sentry uses (ANJ20)? One decimal.",
        expected=_syscall_ratio,
        tolerance=0.051,
    ),
    MultipleChoice(
        id="ex05-q4",
        points=1,
        section=WINDOWS,
        prompt="What changes when a Windows container moves from process isolation to Hyper-V "
        "isolation?",
        options=("a", "b", "c", "d"),
        answer_hash="6e373573b30ca4bb68687162e6a9d17f328811fc7cf5c20a4747c18713c809bb",
    ),
    StackRequirements(
        id="ex05-q5",
        points=6,
        section=RANKING,
        prompt="Keep a customer's database (untrusted) away from the company's own services on "
        "one server.",
        requirements=(
            valid(),
            contains(
                "nginx and redis run as containers",
                kind="container",
                at_least=2,
                section="Follow both workloads down to the hardware",
            ),
            shares_kernel("nginx", "redis", True, section=RANKING),
            # the customer's database is the untrusted side: the attacker sits in postgres
            isolation_at_least("postgres", "nginx", "sandbox", section=RANKING),
            isolation_at_least("postgres", "redis", "sandbox", section=RANKING),
            memory_fits(section="Follow both workloads down to the hardware"),
        ),
    ),
    BugHunt(
        id="ex05-q6",
        points=4,
        section=WINDOWS,
        prompt="Fix the Windows container host so that its two IIS containers do not share a "
        "kernel, without changing the hardware or the containers.",
        original=broken_windows_host,
        requirements=(isolation_at_least("iis", "iis", "vm", both_ways=True, section=WINDOWS),),
        fix_sections={"unsupported-host-os": MIDDLE, "not-a-runtime": WINDOWS},
    ),
    MultipleChoice(
        id="ex05-q7",
        points=1,
        section=MIDDLE,
        prompt="What does a Firecracker microVM give a workload that gVisor does not?",
        options=("a", "b", "c", "d"),
        answer_hash="410a1c65d1669295a2812dd6f35ecff082090bb298db36a8ef1a4ddaf1596feb",
    ),
]
