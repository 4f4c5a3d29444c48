"""Exercise 08 — Under the hood: run a process in new namespaces, read its PID, kernel and
network devices, watch a cgroup limit kill, sort the mechanisms, and read published start times.

Questions 1, 2, 3 and 4 use the learner's own results from :mod:`virtlab.live`. Their answers
are the same on every machine, live or recorded (PID 1 in a new PID namespace, the host's
kernel, only ``lo``, the OOM killer's SIGKILL), so the grader, which re-runs the notebook on its
own machine, scores exactly what ``check()`` showed the learner. Expected literal answers are
salted hashes (see :mod:`virtlab.grading.bank`).
"""

from __future__ import annotations

from virtlab.grading.questions import Classification, MultipleChoice, Number

NOTEBOOK = "08-under-the-hood"
TITLE = "Under the hood"

PROCESS = "A container is a process"
KERNEL = "One kernel shared, one kernel each"
CGROUP = "A cgroup limit kills"
TIMES = "Start times: this machine against the papers"

QUESTIONS = [
    Number(
        id="ex08-q1",
        points=1,
        section=PROCESS,
        prompt="The PID that `echo $$` printed for itself in a new PID namespace.",
        answer_hash="ab0640da8a78b69939e7d0f7d3e9124d376f933254e3760859386277d3e66830",
    ),
    MultipleChoice(
        id="ex08-q2",
        points=1,
        section=KERNEL,
        prompt="How does the kernel release seen inside compare with the host's?",
        options=("a", "b", "c", "d"),
        answer_hash="818871a55446e6dac71900913f21cd2881d4859e38456f6601736d2813b99083",
    ),
    MultipleChoice(
        id="ex08-q3",
        points=1,
        section=PROCESS,
        prompt="Which network devices does a new network namespace start with?",
        options=("a", "b", "c", "d"),
        answer_hash="7e128d01985c61a7067f44776dc81afd6defc8a76b13d7026d690d570e346884",
    ),
    MultipleChoice(
        id="ex08-q4",
        points=2,
        section=CGROUP,
        prompt="What ended the memory hog in a 64 MB cgroup?",
        options=("a", "b", "c", "d"),
        answer_hash="588dcde7606e8ea46517dccb6d877080d32c9bdef92a5cc12a393f6695622ac5",
    ),
    Classification(
        id="ex08-q5",
        points=3,
        section=PROCESS,
        prompt="Sort six mechanisms by what they control.",
        items=(
            "pid-namespace",
            "net-namespace",
            "uts-namespace",
            "memory-cgroup",
            "pids-cgroup",
            "vm-kernel",
        ),
        categories=("what it sees", "how much it uses", "which kernel serves it"),
        answer_hashes={
            "pid-namespace": "e3f5a7fc7aef522580e1cf04682754034f5a5420577ea3329cb6c9d5547c950b",
            "net-namespace": "f2e23112e2243fa674c07f72d657582248afa3d2e542b9483edaa06d31e87abc",
            "uts-namespace": "c1c10acf4d343c74cb63146bcef3f98ab473787a0151112198296a84c1bee196",
            "memory-cgroup": "bfa17fd5fbaa0b8fd65ba3eae7d21a5f01ae41a60f4e32958f7b82872cad5265",
            "pids-cgroup": "856082a0838d51cf124bd967c54c6c6151125a06e1eff623f653b16ddc0ed207",
            "vm-kernel": "fba021d286f884506adf228b4fc32b56632a1344ee0516f7745441d6de95e48d",
        },
    ),
    Number(
        id="ex08-q6",
        points=1,
        section=TIMES,
        prompt="How many times longer AGA20's QEMU boot takes than Firecracker's, both timed "
        "from the launch of the VMM process, to one decimal.",
        unit="times",
        decimals=1,
        answer_hash="12ce67151c3f245b0332de83cab0ec45ec97eb440ed0df2108b935836a0ca2fa",
    ),
    MultipleChoice(
        id="ex08-q7",
        points=1,
        section=KERNEL,
        prompt="A VM prints the host's kernel release. What shows it has a kernel of its own?",
        options=("a", "b", "c", "d"),
        answer_hash="e1174ee047fc6ae8b214e6fdb35d5df5007262e5b9227a66889151c9d614c68e",
    ),
]
