"""Question kinds, answer encoding and the inline check, without any kernel."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

import virtlab as vl
from virtlab.answers import answer_hash
from virtlab.grading import check, encoding
from virtlab.grading.bank import classification_hashes, exercises, question
from virtlab.grading.bank.ex02 import broken_server
from virtlab.grading.inline import Result, record_mac
from virtlab.grading.questions import (
    Classification,
    MultipleChoice,
    Number,
    Requirement,
    StackRequirements,
    isolation_at_least,
    shares_kernel,
    valid,
)


def three_guests(memory_gb: float = 16) -> vl.Stack:
    server = vl.Hardware(cores=16, memory_gb=64)
    hv = server.install("ubuntu").install("kvm")
    hv.create_vm("windows-10", vcpus=4, memory_gb=memory_gb)
    hv.create_vm("ubuntu", vcpus=4, memory_gb=memory_gb).guest.install("nginx")
    hv.create_vm("centos", vcpus=4, memory_gb=memory_gb).guest.install("postgres")
    return vl.Stack(server)


def test_every_bank_question_has_a_unique_id_and_positive_points():
    ids = [q.id for e in exercises().values() for q in e.questions]
    assert len(ids) == len(set(ids)) and ids
    assert all(q.points > 0 for e in exercises().values() for q in e.questions)


def test_multiple_choice_right_wrong_invalid_unanswered():
    q = MultipleChoice(
        id="ex09-q1",
        points=2,
        prompt="?",
        options=("a", "b"),
        answer_hash=answer_hash("ex09-q1", "b"),
    )
    assert q.score(" B ").points == 2
    wrong = q.score("a")
    assert (wrong.points, wrong.status) == (0, "wrong") and "see lesson 09" in wrong.feedback[0]
    assert q.score("z").status == "invalid answer"
    assert q.score(encoding.UNANSWERED).status == "not answered"


def test_classification_gives_partial_credit_and_names_wrong_items_only():
    answers = {"kvm": "type 1", "virtualbox": "type 2", "docker": "engine", "lxc": "engine"}
    q = Classification(
        id="ex09-q2",
        points=4,
        prompt="?",
        section="Kinds",
        items=tuple(answers),
        categories=("type 1", "type 2", "engine"),
        answer_hashes=classification_hashes("ex09-q2", answers),
    )
    score = q.score({"kvm": "type 2", "virtualbox": "type 2", "docker": "engine"})
    assert (score.points, score.status) == (2, "partial")
    text = " ".join(score.feedback)
    assert "In the wrong category: kvm" in text and "Not classified yet: lxc" in text
    assert "type 1" not in text.replace("'type 1'", "")  # never says where kvm belongs
    assert q.score(["kvm"]).status == "invalid answer"


def test_number_accepts_units_and_converts_them():
    q = Number(id="ex09-q3", points=1, prompt="?", unit="GB", answer_hash=answer_hash("ex09-q3", 8))
    assert q.score("8 GB").points == 1
    assert q.score("8192 MB").points == 1
    assert q.score(8.0).points == 1
    assert q.score("8 ms").status == "invalid answer"
    assert q.score(True).status == "invalid answer"
    near = Number(id="ex09-q4", points=1, prompt="?", expected=lambda: 1.5, tolerance=0.05)
    assert near.score(1.54).points == 1 and near.score(1.6).points == 0


@pytest.mark.parametrize(
    "unit,answer,said",
    [
        ("kernels", 1, "1 kernel is"),
        ("kernels", 3, "3 kernels is"),
        ("GB", 1, "1 GB is"),
        ("", 6, "6 is"),
        ("VMs", 1, "1 VM is"),
    ],
)
def test_a_wrong_number_is_named_as_the_learner_would_say_it(unit, answer, said):
    q = Number(id="ex09-q5", points=1, prompt="?", unit=unit, expected=2.0)
    feedback = " ".join(q.score(answer).feedback)
    assert said in feedback and "  " not in feedback, feedback


def test_stack_requirements_credit_each_part_and_survive_a_broken_requirement():
    def boom(stack):
        raise RuntimeError("bug in a requirement")

    q = StackRequirements(
        id="ex09-q5",
        points=3,
        prompt="?",
        requirements=(
            valid(),
            isolation_at_least("nginx", "postgres", "vm"),
            Requirement("never crashes", boom),
        ),
    )
    score = q.score(three_guests())
    assert score.points == 2
    assert "could not be checked (RuntimeError" in " ".join(score.feedback)


def test_shares_kernel_requirement():
    stack = vl.Stack.containers(containers=["nginx", "postgres"])
    assert shares_kernel("nginx", "postgres", True).test(stack) is None
    assert shares_kernel("nginx", "postgres", False).test(stack) == "they share one kernel"
    assert "no redis" in shares_kernel("nginx", "redis", True).test(stack)


def test_sample_stack_questions_on_good_and_bad_stacks():
    assert question("ex02-q5").score(three_guests()).status == "correct"
    over = question("ex02-q5").score(three_guests(memory_gb=32))
    assert over.points == 5 and "overcommit" in " ".join(over.feedback)
    assert question("ex02-q6").score(broken_server()).points == 0


def test_stacks_survive_the_json_round_trip_and_bad_data_is_named():
    data = json.loads(encoding.dumps(three_guests()))
    assert question("ex02-q5").score(encoding.decode(data)).points == 6
    data["__virtlab__"] = "stack"
    data["data"]["hosts"][0]["children"][0]["product"] = "hypervisor-x"
    score = question("ex02-q5").score(encoding.decode(data))
    assert score.status == "invalid answer"
    assert "stack.hosts[0].children[0].product" in score.feedback[0]


@pytest.mark.parametrize(
    "value",
    [..., 1, 2.5, "x", None, True, [1, "a"], (1, 2), {"a", "b"}, {"k": [1]}, math.inf],
)
def test_encoding_round_trips_plain_values(value):
    back = encoding.decode(json.loads(encoding.dumps(value)))
    if value is ...:
        assert back is encoding.UNANSWERED
    elif isinstance(value, (set, tuple)):
        assert back == (frozenset(value) if isinstance(value, set) else list(value))
    else:
        assert back == value


def test_encoding_names_unsupported_answers():
    assert (
        repr(encoding.decode(json.loads(encoding.dumps(print)))) == "<builtin_function_or_method>"
    )


def test_check_in_a_lesson_reports_points_and_renders_html():
    result = check("ex02-q1", "b")
    assert isinstance(result, Result) and result.points == 1
    assert str(result).startswith("ex02-q1: 1/1 point(s) — correct")
    html = result._repr_html_()
    assert "virtlab-check" in html and "0x" not in html
    assert check("ex02-q1", "b")._repr_html_() == html  # deterministic for nbval


def test_check_never_raises_on_odd_input():
    assert check("ex02-q1", ...).status == "not answered"
    assert "There is no question 'ex02-q99'" in str(check("ex02-q99", 1))
    assert "ex02-q1, ex02-q2" in str(check("ex02-q99", 1))
    assert check("nope", 1).status == "unknown question"
    assert check(3, 1).status == "unknown question"
    assert check("ex02-q5", lambda: 1).status == "invalid answer"


def test_grading_mode_records_signed_lines_and_imports_nothing_heavy(tmp_path):
    record = tmp_path / "answers.jsonl"
    code = (
        "import os, sys\n"
        "from virtlab.grading import check\n"
        "import virtlab as vl\n"
        "print(check('ex02-q1', 'b'))\n"
        "check('ex02-q5', vl.Stack.type1())\n"
        "assert 'VIRTLAB_GRADING' not in os.environ and 'VIRTLAB_GRADING_KEY' not in os.environ\n"
        "heavy = [m for m in ('nbformat', 'nbclient', 'plotly', 'ipywidgets', 'IPython',"
        " 'virtlab.grading.bank') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    env = {**os.environ, "VIRTLAB_GRADING": str(record), "VIRTLAB_GRADING_KEY": "secret"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["ex02-q1: recorded", "  Answer recorded for grading.", "[]"]
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(x["seq"], x["qid"]) for x in lines] == [(1, "ex02-q1"), (2, "ex02-q5")]
    for x in lines:
        assert x["mac"] == record_mac(b"secret", x["seq"], x["qid"], x["answer"])
        assert "points" not in x


def _sandboxed_fleet(design: str) -> vl.Stack:
    hw = vl.Hardware(cores=16, memory_gb=32)
    if design == "firecracker":  # as lessons 05 and 07 build microVMs
        fc = hw.install("ubuntu").install("firecracker")
        for _ in range(100):
            fc.create_vm("alpine", vcpus=1, memory_gb=0.25).guest.install("python-web")
    else:
        engine = hw.install("ubuntu").install("docker")
        for _ in range(100):
            engine.run("python-web", runtime=design)
    return vl.Stack(hw)


@pytest.mark.parametrize("design", ["gvisor", "firecracker", "kata"])
def test_ex06_q5_more_than_one_design_passes(design):
    from virtlab.grading.bank import ex06

    (question,) = [q for q in ex06.QUESTIONS if q.id == "ex06-q5"]
    score = question.score(_sandboxed_fleet(design))
    assert score.points == question.points, f"{design}: {score.feedback}"


def _bank_question(exercise, qid):
    return next(q for q in exercise.QUESTIONS if q.id == qid)


def test_a_bug_hunt_fix_whose_only_fault_is_overcommit_is_told_so():
    from virtlab.grading.bank import ex03

    hw = vl.Hardware(cores=8, memory_gb=16, storage_gb=500)
    hypervisor = hw.install("macos").install("parallels")
    hypervisor.create_vm("ubuntu", vcpus=2, memory_gb=8)
    hypervisor.create_vm("windows-10", vcpus=2, memory_gb=8)
    score = _bank_question(ex03, "ex03-q6").score(vl.Stack(hw))
    last = score.feedback[-1]
    assert "memory" in last and "keeps what the original meant" not in last, score.feedback


def test_a_bug_hunt_fix_that_drops_an_app_does_not_call_its_guest_new():
    from virtlab.grading.bank import ex02

    hw = vl.Hardware(cores=8, memory_gb=32, storage_gb=500)
    esxi = hw.install("esxi")
    esxi.create_vm("windows-10", vcpus=2, memory_gb=8)
    esxi.create_vm("ubuntu", vcpus=2, memory_gb=8)  # nginx dropped
    question = _bank_question(ex02, "ex02-q6")
    score = question.score(vl.Stack(hw))
    text = "\n".join(score.feedback)
    assert "missing nginx (app)" in text and "not in the original" not in text, text
    assert score.points == 1, "hardware kept: 1 point; the fixes wait for nginx"
    esxi.children[1].guest.install("nginx")
    full = question.score(vl.Stack(hw))
    ticks = [line for line in full.feedback if line.startswith("✓")]
    assert full.points == question.points == len(ticks), "1 point per part, as the prompt says"


def test_two_workloads_of_one_product_are_told_apart_in_requirement_text():
    from virtlab.requirements import isolation_at_least

    both = isolation_at_least("iis", "iis", "vm", both_ways=True)
    assert both.text.startswith("the two iis workloads isolated"), both.text
    one_way = isolation_at_least("iis", "iis", "vm")
    assert "in one iis" in one_way.text and "reach the other iis" in one_way.text, one_way.text
