"""A multiple-choice quiz whose answer is stored as a salted hash, never in clear."""

from __future__ import annotations

import html
from collections.abc import Iterable

import ipywidgets as w

from virtlab.answers import matches, matching_set


class Quiz(w.VBox):
    """Choose an option (or several with ``multiple=True``) and press Check.

    The notebook keeps only ``answer_hash`` (see :func:`virtlab.answers.answer_hash`); with
    ``multiple`` the answer is the *set* of correct options. After Check, the widget says ✓ or
    ✗ and shows the feedback written for each chosen option. A single-choice quiz never shows
    the answer. A tick-all quiz marks each ticked option ✓ or ✗ and also explains the right
    options the learner left out, since a missed option teaches as much as a wrong tick.
    """

    def __init__(
        self,
        qid: str,
        prompt: str,
        options: list[str],
        answer_hash: str,
        feedback: dict[str, str] | None = None,
        *,
        multiple: bool = False,
    ) -> None:
        if not options or len(set(options)) != len(options):
            raise ValueError("A quiz needs a list of distinct options.")
        unknown = set(feedback or {}) - set(options)
        if unknown:
            raise ValueError(f"Feedback for options that are not offered: {sorted(unknown)}.")
        self.qid = qid
        self.options = list(options)
        self.multiple = multiple
        self._hash = answer_hash
        self._feedback = dict(feedback or {})
        self.correct: bool | None = None
        self.prompt = w.HTML(f"<b>{html.escape(prompt)}</b>")
        if multiple:
            self.boxes = [
                w.Checkbox(value=False, description=o, indent=False) for o in self.options
            ]
            self.selector: w.Widget = w.VBox(self.boxes)
        else:
            self.boxes = []
            # the default width (300 px) wraps long options into overlapping lines
            self.selector = w.RadioButtons(
                options=self.options, value=None, layout=w.Layout(width="100%")
            )
        self.check_button = w.Button(description="Check", button_style="primary")
        self.result = w.HTML()
        self.check_button.on_click(lambda _: self.submit())
        super().__init__([self.prompt, self.selector, self.check_button, self.result])

    @property
    def chosen(self) -> str | set[str] | None:
        if self.multiple:
            return {box.description for box in self.boxes if box.value}
        return self.selector.value

    def choose(self, option_or_options: str | Iterable[str]) -> None:
        """Select an option, or (with ``multiple``) exactly these options."""
        wanted = (
            {option_or_options} if isinstance(option_or_options, str) else set(option_or_options)
        )
        unknown = wanted - set(self.options)
        if unknown:
            raise ValueError(f"Not an option: {sorted(unknown)}; options: {self.options}.")
        if self.multiple:
            for box in self.boxes:
                box.value = box.description in wanted
        elif len(wanted) != 1:
            raise ValueError("This quiz takes exactly one option; use multiple=True for more.")
        else:
            self.selector.value = next(iter(wanted))

    def submit(self) -> bool:
        """Check the chosen option(s); shows the verdict and feedback, returns correctness."""
        chosen = self.chosen
        if chosen is None or chosen == set():
            self.correct = None
            self.result.value = "<p>Choose an answer first.</p>"
            return False
        self.correct = matches(self.qid, chosen, self._hash)
        verdict = (
            "<b style='color:#009E73'>✓ Correct.</b>"
            if self.correct
            else "<b style='color:#D55E00'>✗ Not quite — read the feedback and try again.</b>"
        )
        multiple = isinstance(chosen, set)
        body = self._multiple_feedback(chosen) if multiple else self._notes([chosen])
        self.result.value = f"<p>{verdict}</p>{body}"
        return self.correct

    def _notes(self, options: list[str], marks: dict[str, str] | None = None) -> str:
        items = "".join(
            f"<li>{(marks or {}).get(o, '')}<i>{html.escape(o)}</i>: "
            f"{html.escape(self._feedback[o])}</li>"
            for o in options
            if o in self._feedback
        )
        return f"<ul>{items}</ul>" if items else ""

    def _multiple_feedback(self, chosen: set[str]) -> str:
        """Feedback on each ticked option (✓/✗), then on every right option left unticked."""
        right = matching_set(self.qid, self.options, self._hash)
        ticked = [o for o in self.options if o in chosen]
        if right is None:  # a malformed hash: say what was ticked, claim nothing more
            return self._notes(ticked)
        marks = {o: ("✓ " if o in right else "✗ ") for o in ticked}
        missed = [o for o in self.options if o in right and o not in chosen]
        body = self._notes(ticked, marks)
        if missed:
            body += f"<p>Also right, but not ticked ({len(missed)}):</p>" + self._notes(
                missed, dict.fromkeys(missed, "✓ ")
            )
        return body
