from hypothesis import given
from hypothesis import strategies as st

from virtlab.answers import answer_hash, matches, normalize


def test_case_and_spacing_do_not_matter():
    assert answer_hash("q1", "  Type  1 ") == answer_hash("q1", "type 1")
    assert matches("q1", "TYPE 1", answer_hash("q1", "type 1"))


def test_question_id_salts_the_hash():
    assert answer_hash("q1", "b") != answer_hash("q2", "b")


def test_sets_are_order_free_and_lists_are_not():
    assert answer_hash("q", {"kvm", "esxi"}) == answer_hash("q", {"esxi", "kvm"})
    assert answer_hash("q", ["kvm", "esxi"]) != answer_hash("q", ["esxi", "kvm"])


def test_ints_and_floats_agree():
    assert normalize(3) == normalize(3.0)


def test_odd_input_never_matches_and_never_raises():
    assert not matches("q", object(), answer_hash("q", "a"))


@given(st.text(), st.text())
def test_hash_does_not_contain_the_answer(qid, answer):
    h = answer_hash(qid, answer)
    assert len(h) == 64 and matches(qid, answer, h)
