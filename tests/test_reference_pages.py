"""The reference page and the glossary that every lesson links to stay complete and reachable."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

import virtlab as vl

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
REFERENCE = LESSONS / "reference.md"
GLOSSARY = LESSONS / "glossary.md"
LINK = re.compile(r"\]\(([^)#\s]+\.md)\)")


def _markdown_of(lesson: Path) -> str:
    notebook = nbformat.read(lesson, as_version=4)
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")


def test_reference_lists_every_product_id():
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", REFERENCE.read_text(), re.M))
    missing = sorted(set(vl.catalog.ids()) - listed)
    unknown = sorted(listed - set(vl.catalog.ids()))
    assert not missing, f"reference.md lacks the product ids {missing}"
    assert not unknown, f"reference.md lists ids the catalog does not know: {unknown}"


def test_reference_examples_build_a_valid_stack():
    namespace: dict = {}
    for block in re.findall(r"```python\n(.*?)```", REFERENCE.read_text(), re.S):
        exec(block, namespace)  # noqa: S102 - our own documentation's examples
    assert namespace["stack"].validate() == []


@pytest.mark.parametrize(
    "term",
    [
        "OCI",
        "CRI",
        "Pod",
        "VMM",
        "VM exit",
        "fork",
        "Context switch",
        "lmbench",
        "WSL 2",
        "Distroless",
        "Namespace",
        "seccomp",
        "Capabilities",
        "Hypercall",
        "Workload",
        "Attack surface",
        "Bare metal",
        "Spectre",
        "Derived",
    ],
)
def test_glossary_defines_the_course_jargon(term: str):
    headwords = re.findall(r"^\*\*(.+?)\*\*", GLOSSARY.read_text(), re.M)
    assert any(term.lower() in h.lower() for h in headwords), f"glossary.md lacks {term!r}"


@pytest.mark.parametrize("lesson", sorted(LESSONS.glob("[0-9][0-9]-*.ipynb")), ids=lambda p: p.stem)
def test_each_lesson_links_both_pages_and_its_links_resolve(lesson: Path):
    links = set(LINK.findall(_markdown_of(lesson)))
    assert {"reference.md", "glossary.md"} <= links, f"{lesson.name} links only {sorted(links)}"
    broken = sorted(link for link in links if not (lesson.parent / link).exists())
    assert not broken, f"{lesson.name} links to missing pages {broken}"


def test_the_pages_link_each_other():
    assert "(glossary.md)" in REFERENCE.read_text()
    assert "(reference.md)" in GLOSSARY.read_text()


def test_glossary_is_alphabetical():
    headwords = re.findall(r"^\*\*(.+?)\*\*", GLOSSARY.read_text(), re.M)
    headwords = [h for h in headwords if h != "Jupyter kernel"]  # a note inside "Kernel"
    assert headwords == sorted(headwords, key=str.lower), "glossary.md entries are out of order"
