"""Tick-all quizzes explain the right options the learner left out, not only the ticked ones."""

from __future__ import annotations

import html

import pytest

from virtlab import selfchecks
from virtlab.answers import answer_hash, matching_set
from virtlab.widgets import Quiz

OPTIONS = ["the hardware", "the host kernel", "the userland", "the app"]
FEEDBACK = {
    "the hardware": "Everything on one machine shares it.",
    "the host kernel": "Containers call the same kernel.",
    "the userland": "Each image brings its own.",
    "the app": "Each container runs its own.",
}
RIGHT = {"the hardware", "the host kernel"}


def tick_all(**kwargs) -> Quiz:
    return Quiz(
        "q-share",
        "Which layers do two containers share?",
        OPTIONS,
        answer_hash("q-share", RIGHT),
        FEEDBACK,
        multiple=True,
        **kwargs,
    )


def test_matching_set_recovers_the_right_set_and_only_that():
    assert matching_set("q-share", OPTIONS, answer_hash("q-share", RIGHT)) == frozenset(RIGHT)
    assert matching_set("q-share", OPTIONS, answer_hash("other-qid", RIGHT)) is None


def test_a_missed_right_option_is_explained():
    q = tick_all()
    q.choose(["the hardware"])
    assert q.submit() is False
    html = q.result.value
    assert "Also right, but not ticked (1)" in html
    assert FEEDBACK["the host kernel"] in html  # the option left out, with its reason
    assert FEEDBACK["the hardware"] in html


def test_wrong_ticks_are_marked_and_missed_ones_listed():
    q = tick_all()
    q.choose(["the hardware", "the userland"])
    q.submit()
    html = q.result.value
    assert "✓ <i>the hardware</i>" in html
    assert "✗ <i>the userland</i>" in html
    assert FEEDBACK["the host kernel"] in html
    assert FEEDBACK["the app"] not in html  # a wrong option left unticked needs no note


def test_a_right_answer_lists_nothing_as_missed():
    q = tick_all()
    q.choose(RIGHT)
    assert q.submit() is True
    assert "not ticked" not in q.result.value


def test_single_choice_never_reveals_the_answer():
    q = Quiz("q-one", "Pick one", OPTIONS, answer_hash("q-one", "the app"), FEEDBACK)
    q.choose("the hardware")
    q.submit()
    assert FEEDBACK["the app"] not in q.result.value


@pytest.mark.parametrize(
    "qid", [q for q in selfchecks.known_qids() if selfchecks.definition(q)["multiple"]]
)
def test_every_tick_all_self_check_explains_every_missed_option(qid):
    """For each lesson's tick-all check, ticking any one option names every right one missed."""
    spec = selfchecks.definition(qid)
    right = matching_set(qid, spec["options"], spec["answer_hash"])
    assert right, f"{qid}: no set of options matches its answer_hash"
    for option in spec["options"]:
        q = selfchecks.quiz(qid)
        q.choose([option])
        q.submit()
        for missed in right - {option}:
            shown = html.unescape(q.result.value)
            assert spec["feedback"][missed] in shown, (qid, option, missed)


def test_the_subset_search_stays_small():
    """matching_set tries every subset: the largest tick-all check must stay a handful."""
    sizes = [
        len(selfchecks.definition(q)["options"])
        for q in selfchecks.known_qids()
        if selfchecks.definition(q)["multiple"]
    ]
    assert max(sizes) <= 10, "a tick-all check this long makes matching_set slow: split it"


def _right_positions() -> dict[str, int]:
    """For each single-choice self-check, the position at which the learner sees its answer."""
    positions = {}
    for qid in selfchecks.known_qids():
        spec = selfchecks.definition(qid)
        if not spec["multiple"]:
            shown = spec["options"]
            positions[qid] = next(i for i, o in enumerate(shown) if selfchecks.is_correct(qid, o))
    return positions


def test_no_position_gives_the_answer_away():
    """Authors tend to write the right option first; the shown order must not betray it."""
    positions = _right_positions()
    for place in set(positions.values()):
        at_place = sorted(q for q, i in positions.items() if i == place)
        assert len(at_place) <= len(positions) / 2, (
            f"option {place} is right in {len(at_place)} of {len(positions)} single-choice "
            f"checks: {at_place}"
        )


def test_shown_order_is_stable_and_keeps_every_option():
    """Same order on every call (notebooks re-execute identically); no option lost or added."""
    from virtlab.selfchecks import lesson02

    for qid, stored in lesson02.CHECKS.items():
        first = selfchecks.definition(qid)["options"]
        assert first == selfchecks.definition(qid)["options"], qid
        assert sorted(first) == sorted(stored["options"]), qid
        assert selfchecks.quiz(qid).options == first, qid
    assert selfchecks.presented_order("l99-x", ["a", "b", "c", "d"]) == selfchecks.presented_order(
        "l99-x", ["a", "b", "c", "d"]
    )
