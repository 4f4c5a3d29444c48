"""``virtlab assign``: regenerate ``exercises/`` from ``solutions/``, byte for byte the same.

In every code cell, each region from a ``### BEGIN SOLUTION`` line to its ``### END SOLUTION``
line is replaced by one placeholder line at the BEGIN marker's indentation: ``NAME = ...`` when
the region assigns ``NAME`` at its own indentation (the last such name; ``answer`` in the
exercises), otherwise a bare ``...``. So the solution cell::

    ### BEGIN SOLUTION
    hw = vl.Hardware(cores=16, memory_gb=64)
    answer = vl.Stack(hw)
    ### END SOLUTION
    check("ex02-q5", answer)

becomes ``answer = ...`` followed by the ``check`` line, which reports "not answered yet".
Outputs and execution counts are cleared, cell metadata is reduced to ``tags``, and the
notebook metadata is canonical (kernelspec, language, the exercise id), so the same solutions
always give the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_ASSIGNMENT = re.compile(r"([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)")

CANONICAL_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


class SolutionMarkerError(ValueError):
    """A solution region that is not closed, or closed without being opened."""


@dataclass(frozen=True)
class Outcome:
    source: Path
    target: Path
    stale: bool
    reason: str


def strip_solutions(source: str, where: str = "cell") -> str:
    """The cell source with each solution region replaced by its placeholder line."""
    out: list[str] = []
    region: list[str] | None = None
    indent = ""
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if region is not None:
                raise SolutionMarkerError(f"{where}, line {number}: {BEGIN} inside another one.")
            region, indent = [], line[: len(line) - len(line.lstrip())]
        elif stripped == END:
            if region is None:
                raise SolutionMarkerError(f"{where}, line {number}: {END} without a {BEGIN}.")
            out.append(indent + _placeholder(region, indent))
            region = None
        elif region is not None:
            region.append(line)
        else:
            out.append(line)
    if region is not None:
        raise SolutionMarkerError(f"{where}: {BEGIN} is never closed by {END}.")
    return "\n".join(out)


def _placeholder(region: list[str], indent: str) -> str:
    name = None
    for line in region:
        if line.startswith(indent) and not line[len(indent) :].startswith((" ", "\t")):
            match = _ASSIGNMENT.match(line[len(indent) :])
            if match:
                name = match.group(1)
    return f"{name} = ..." if name else "..."


def exercise_id_for(name: str) -> str | None:
    from virtlab.grading import bank

    exercise = bank.exercise_for_notebook(name)
    return exercise.id if exercise else None


def make_exercise(solution: Any, name: str) -> Any:
    """The exercise notebook (an nbformat node) made from a solution notebook."""
    from virtlab.grading.nbio import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = nbformat.from_dict(dict(CANONICAL_METADATA))
    exercise_id = exercise_id_for(name)
    if exercise_id:
        nb.metadata["virtlab"] = {"exercise": exercise_id}
    for index, cell in enumerate(solution.cells):
        where = f"{name}, cell {index + 1}"
        tags = list(cell.get("metadata", {}).get("tags", []))
        metadata = {"tags": tags} if tags else {}
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(strip_solutions(cell.source, where), metadata=metadata)
        elif cell.cell_type == "markdown":
            if BEGIN in cell.source:
                raise SolutionMarkerError(f"{where}: solution markers work in code cells only.")
            new = nbformat.v4.new_markdown_cell(cell.source, metadata=metadata)
        else:
            new = nbformat.v4.new_raw_cell(cell.source, metadata=metadata)
        # Ids from the solution keep exercises stable; a fresh one would change every run.
        new["id"] = cell.get("id") or f"cell-{index + 1}"
        nb.cells.append(new)
    return nb


def render(nb: Any) -> str:
    """The exact text nbformat.write would produce."""
    from virtlab.grading.nbio import nbformat

    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def assign(solutions: Path, exercises: Path, *, check_only: bool) -> list[Outcome]:
    """Regenerate (or with ``check_only``, compare) every exercise; returns one outcome each."""
    from virtlab.grading.nbio import nbformat

    if not solutions.is_dir():
        raise ValueError(f"No solutions folder at {solutions}; pass --solutions DIR.")
    outcomes: list[Outcome] = []
    sources = sorted(solutions.glob("*.ipynb"))
    for source in sources:
        target = exercises / source.name
        solution = nbformat.read(source, as_version=4)
        text = render(make_exercise(solution, source.stem))
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            outcomes.append(Outcome(source, target, False, "up to date"))
            continue
        reason = "missing" if current is None else "differs from its solution"
        outcomes.append(Outcome(source, target, True, reason))
        if not check_only:
            exercises.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".ipynb.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(target)
    known = {s.name for s in sources}
    if exercises.is_dir():
        for orphan in sorted(exercises.glob("*.ipynb")):
            if orphan.name not in known:
                outcomes.append(
                    Outcome(orphan, orphan, True, f"has no solution in {solutions}; delete it")
                )
    return outcomes
