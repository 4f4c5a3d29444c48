"""Ship the course inside the wheel: lessons/ and exercises/ become ``virtlab/data/course/``.

The notebooks have one home in the repository; the wheel gets a copy made at build time, so
`virtlab start` works without a clone. solutions/ never ships (expected answers stay with the
instructor; the package holds only salted hashes).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
COURSE_FOLDERS = ("lessons", "exercises")


class BuildPyWithCourse(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads lessons/ from the checkout itself
            return
        target = Path(self.build_lib) / "virtlab" / "data" / "course"
        for folder in COURSE_FOLDERS:
            source = ROOT / folder
            if not (source.is_dir() and any(source.glob("*.ipynb"))):
                raise SystemExit(
                    f"virtlab's wheel ships {folder}/ but {source} has no notebooks: build from "
                    "a checkout of the repository or from its sdist"
                )
            shutil.rmtree(target / folder, ignore_errors=True)  # no stale copy of a removed file
            shutil.copytree(
                source,
                target / folder,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
                dirs_exist_ok=True,
            )


setup(cmdclass={"build_py": BuildPyWithCourse})
