"""A multiple-choice quiz whose answer is stored as a salted hash, never in clear."""

from __future__ import annotations

import html
from collections.abc import Iterable

import ipywidgets as w

from virtlab.answers import matches


class Quiz(w.VBox):
    """Choose an option (or several with ``multiple=True``) and press Check.

    The notebook keeps only ``answer_hash`` (see :func:`virtlab.answers.answer_hash`); with
    ``multiple`` the answer is the *set* of correct options. After Check, the widget says ✓ or
    ✗ and shows the feedback written for each chosen option; it never shows the answer.
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
        picked = sorted(chosen) if isinstance(chosen, set) else [chosen]
        notes = "".join(
            f"<li><i>{html.escape(o)}</i>: {html.escape(self._feedback[o])}</li>"
            for o in picked
            if o in self._feedback
        )
        verdict = (
            "<b style='color:#009E73'>✓ Correct.</b>"
            if self.correct
            else "<b style='color:#D55E00'>✗ Not quite — read the feedback and try again.</b>"
        )
        self.result.value = f"<p>{verdict}</p>" + (f"<ul>{notes}</ul>" if notes else "")
        return self.correct
