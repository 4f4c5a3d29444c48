"""Self-checks of lesson 00 (Welcome). Answers are stored as salted hashes only."""

from virtlab.selfchecks import define

CHECKS: dict[str, dict] = {
    "l00-run-order": define(
        (
            "After restarting the kernel you run only the last code cell of a lesson,"
            " and it fails with NameError: name 'vl' is not defined. What do you do?"
        ),
        [
            (
                "Run the cells from the top, so the import of virtlab runs first",
                (
                    "A fresh kernel knows nothing until its cells run; running from "
                    "the top (Run → Run All Above Selected Cell) imports virtlab "
                    "again."
                ),
            ),
            (
                "Reinstall virtlab",
                (
                    "virtlab is installed fine: the name vl only exists after the "
                    "import cell has run in this kernel."
                ),
            ),
            (
                "Delete the cell: the lesson is broken",
                ("Nothing is broken: the cell depends on an earlier one that has not run yet."),
            ),
            (
                "Restart the kernel again and run the same cell",
                ("A restart forgets everything again; the import cell still has not run."),
            ),
        ],
        "9e5cc91d597a564a35e8f1cbff9b7f146177a733eb29e9983a85050ca87a693f",
    ),
    "l00-what-counts": define(
        "What happens to your answers to self-checks like this one?",
        [
            (
                "Nothing is recorded: they are for you; only exercises are graded",
                (
                    "Self-checks only tell you whether you understood; the graded "
                    "work is in exercises/, checked with check(...) and collected by "
                    "your instructor."
                ),
            ),
            (
                "They count towards your exercise score",
                (
                    "Self-checks are not part of any score: graded questions live in "
                    "the exercise notebooks."
                ),
            ),
            (
                "They are sent to your instructor",
                (
                    "Nothing leaves your notebook: instructors collect exercise "
                    "notebooks, not self-checks."
                ),
            ),
            (
                "A wrong answer locks the lesson",
                ("Try as often as you like: the feedback is there to help you learn."),
            ),
        ],
        "1092f4ce02b46ec07c2b996c8db8938429a2abecd53eb93f91b8ce9c7cf46cd1",
    ),
}
