"""Exercise 07 — Houses and apartments: the analogy, three capstone scenarios judged by their
requirements, and a laptop set-up to fix.

The scenario questions reuse :mod:`virtlab.scenarios`, so the exercise judges exactly what lesson
07's ``scenario(...).check(stack)`` shows the learner.
"""

from __future__ import annotations

from virtlab.grading.questions import BugHunt, MultipleChoice, Requirement, StackRequirements
from virtlab.scenarios import NO_ERRORS, ONE_SERVER, scenario
from virtlab.stack import Hardware, Stack

NOTEBOOK = "07-houses-and-apartments"
TITLE = "Houses and apartments"

ANALOGY = "Houses, apartments and townhouses"
CAPSTONE = "Capstone: four scenarios"


def _requirements(scenario_id: str, *, story_only: bool = False) -> tuple[Requirement, ...]:
    """A scenario's own requirements (the very objects lesson 07's check uses).

    ``story_only`` drops the two generic ones (valid, one server) that a bug hunt checks itself.
    """
    return tuple(
        r
        for r in scenario(scenario_id).requirements
        if not (story_only and r in (NO_ERRORS, ONE_SERVER))
    )


def broken_laptop() -> Stack:
    """The stack of question 5, as the exercise shows it (two mistakes in it)."""
    hw = Hardware(cores=8, memory_gb=16)
    hypervisor = hw.install("windows-10").install("esxi")
    hypervisor.create_vm("ubuntu", vcpus=2, memory_gb=32).guest.install("python-web")
    return Stack(hw)


QUESTIONS = [
    MultipleChoice(
        id="ex07-q1",
        points=1,
        section=ANALOGY,
        prompt="In the houses-and-apartments analogy, what stands for the host kernel?",
        options=("a", "b", "c", "d"),
        answer_hash="f9c14439f3d815095fa826b45bd100cac3ce72404d24050e52002640eb5bf84d",
    ),
    StackRequirements(
        id="ex07-q2",
        points=5,
        section=CAPSTONE,
        prompt="Scenario A: run untrusted customer code.",
        requirements=_requirements("untrusted-code"),
    ),
    StackRequirements(
        id="ex07-q3",
        points=4,
        section=CAPSTONE,
        prompt="Scenario D: a legacy Windows app next to Linux services.",
        requirements=_requirements("legacy-windows"),
    ),
    StackRequirements(
        id="ex07-q4",
        points=6,
        section=CAPSTONE,
        prompt="Scenario C: 200 copies of a stateless web app.",
        requirements=_requirements("web-fleet"),
    ),
    BugHunt(
        id="ex07-q5",
        points=4,
        section=CAPSTONE,
        prompt="Fix the laptop set-up of scenario B without changing the hardware or the app.",
        original=broken_laptop,
        requirements=_requirements("dev-laptop", story_only=True),
        fix_sections={
            "type1-on-os": CAPSTONE,
            "vm-exceeds-host-memory": CAPSTONE,
        },
    ),
    MultipleChoice(
        id="ex07-q6",
        points=1,
        section="Summary",
        prompt="Which sentence sums up the course correctly?",
        options=("a", "b", "c", "d"),
        answer_hash="ba86db628a51d69c58ff0211df70a714001f84a37bb3c80bfb75a4b8e68feb39",
    ),
]
