"""`virtlab start`'s copy of the course, the lab it opens, and the wheel-independent parts of
the learner's packaging (fast; the wheel itself is tested in test_packaging.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from virtlab import cli
from virtlab.course import MANIFEST, copy_course

ROOT = Path(__file__).resolve().parents[1]


def _source(tmp_path: Path) -> Path:
    source = tmp_path / "shipped"
    for folder, name in (("lessons", "00-welcome.ipynb"), ("exercises", "01-abstraction.ipynb")):
        (source / folder).mkdir(parents=True)
        (source / folder / name).write_text(f"{folder} v1")
    (source / "lessons" / ".ipynb_checkpoints").mkdir()
    (source / "lessons" / ".ipynb_checkpoints" / "x.ipynb").write_text("stale")
    return source


def test_copy_course_copies_lessons_and_exercises(tmp_path: Path) -> None:
    report = copy_course(_source(tmp_path), tmp_path / "course")
    assert sorted(report.copied) == ["exercises/01-abstraction.ipynb", "lessons/00-welcome.ipynb"]
    assert (tmp_path / "course" / "lessons" / "00-welcome.ipynb").read_text() == "lessons v1"
    assert not (tmp_path / "course" / "lessons" / ".ipynb_checkpoints").exists()


def test_copy_course_keeps_an_edit_and_updates_an_untouched_file(tmp_path: Path) -> None:
    source, course = _source(tmp_path), tmp_path / "course"
    copy_course(source, course)
    (course / "lessons" / "00-welcome.ipynb").write_text("my notes")
    (source / "lessons" / "00-welcome.ipynb").write_text("lessons v2")
    (source / "exercises" / "01-abstraction.ipynb").write_text("exercises v2")
    report = copy_course(source, course)
    assert report.kept == ["lessons/00-welcome.ipynb"]
    assert report.updated == ["exercises/01-abstraction.ipynb"]
    assert (course / "lessons" / "00-welcome.ipynb").read_text() == "my notes"
    assert (course / "exercises" / "01-abstraction.ipynb").read_text() == "exercises v2"
    assert "kept 1 file(s) you edited: lessons/00-welcome.ipynb" in report.summary()


def test_copy_course_never_overwrites_a_file_it_did_not_make(tmp_path: Path) -> None:
    source, course = _source(tmp_path), tmp_path / "course"
    (course / "lessons").mkdir(parents=True)
    (course / "lessons" / "00-welcome.ipynb").write_text("a learner's own file")
    report = copy_course(source, course)
    assert report.kept == ["lessons/00-welcome.ipynb"]
    assert (course / "lessons" / "00-welcome.ipynb").read_text() == "a learner's own file"
    manifest = json.loads((course / MANIFEST).read_text())
    assert "lessons/00-welcome.ipynb" not in manifest  # still the learner's on the next run


def test_copy_course_into_a_file_is_a_clear_error(tmp_path: Path, capsys) -> None:
    target = tmp_path / "afile"
    target.write_text("")
    assert cli.main(["start", str(target), "--no-lab"]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_start_from_a_checkout_ships_no_solutions(tmp_path: Path) -> None:
    assert cli.main(["start", str(tmp_path / "c"), "--no-lab"]) == 0
    copied = {p.relative_to(tmp_path / "c").parts[0] for p in (tmp_path / "c").iterdir()}
    assert copied == {"lessons", "exercises", MANIFEST}


def test_lab_environment_switches_off_the_news_prompt() -> None:
    env = cli._lab_environment()
    folder = Path(env["JUPYTER_CONFIG_PATH"].split(":")[0])
    config = json.loads((folder / "labconfig" / "page_config.json").read_text())
    assert config["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] is True


def test_start_passes_jupyter_options_through(monkeypatch, tmp_path: Path) -> None:
    seen = {}
    monkeypatch.setattr(cli, "_open_lab", lambda root, nb, extra: seen.update(extra=extra) or 0)
    assert cli.main(["start", str(tmp_path / "c"), "--no-browser", "--ServerApp.port=8899"]) == 0
    assert seen["extra"] == ["--no-browser", "--ServerApp.port=8899"]


def test_other_commands_still_refuse_unknown_options(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["assign", "--bogus"])
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_static_figure_displays_without_nbformat() -> None:
    """In Pyodide (and a kernel with only virtlab's run-time deps) nbformat is missing; plotly's
    own display then raised "Mime type rendering requires nbformat>=4.2.0" and stopped Run All."""
    code = """
import sys
sys.modules["nbformat"] = None  # as in JupyterLite's kernel: importing it fails
import plotly.io as pio
pio.renderers.default = "plotly_mimetype"
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
published = []
shell.display_pub.publish = lambda data, **kw: published.append(sorted(data))
import virtlab as vl
from virtlab import plots
figure = plots.stack_diagram(vl.Stack.type1("esxi", guests=["ubuntu"]))
from IPython.display import display
display(figure)
print(published)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "application/vnd.plotly.v1+json" in out.stdout, out.stdout


def test_figure_loader_javascript_is_a_file_beside_the_widget() -> None:
    from virtlab.widgets import _figure

    assert Path(_figure.__file__).with_name("_figure.js") == _figure._LOADER
    # anywidget reads the file into the widget's _esm trait
    assert str(_figure.CourseFigure._esm) == _figure._LOADER.read_text()
    assert "plotly-bundle?" in str(_figure.CourseFigure._esm)


def test_grading_without_the_grade_extra_says_which_extra(tmp_path: Path) -> None:
    code = """
import sys
class NoNbformat:  # as in the learner's install, where nbformat is not installed
    def find_spec(self, name, path=None, target=None):
        if name == "nbformat":
            raise ModuleNotFoundError("No module named 'nbformat'", name="nbformat")
sys.meta_path.insert(0, NoNbformat())
from virtlab.cli import main
sys.exit(main(["assign", "--check"]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2, out.stderr[-2000:]
    assert 'pip install "virtlab[grade]"' in out.stderr
