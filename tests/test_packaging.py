"""The learner's install, end to end: the wheel in a fresh venv with the `lab` extra.

One venv serves the whole module (building it costs a minute): `virtlab start` gives the
lessons and exercises and no solutions, keeps an edited notebook, opens a JupyterLab without the
news prompt; no test tool is installed; the Binder/JupyterHub configuration installs into the
same venv and every lesson runs there. Marked ``packaging`` (`make packaging`, part of `make
test`); pip reuses its cache, so a re-run downloads nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]
TEST_TOOLS = ("pytest", "playwright", "hypothesis", "ruff", "nbval", "pytest-xdist", "build")
ANNOUNCEMENTS = "@jupyterlab/apputils-extension:announcements"


def _run(*cmd: str | Path, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=900, **kwargs
    )
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--wheel", "--outdir", out, ROOT)
    (wheel,) = out.glob("virtlab-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheelhouse(built_wheel: Path) -> Path:
    """The dependencies, downloaded once per pyproject.toml into build/, so later runs install
    offline and fast (setuptools too: binder/postBuild builds virtlab from source)."""
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:12]
    folder = ROOT / "build" / f"wheelhouse-{key}"
    if not (folder / ".complete").exists():
        _run(sys.executable, "-m", "pip", "download", "--quiet", "--dest", folder,
             f"{built_wheel}[lab]", "setuptools>=77", "wheel")  # fmt: skip
        (folder / ".complete").touch()
    return folder


@pytest.fixture(scope="module")
def learner_venv(
    built_wheel: Path, wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    venv = tmp_path_factory.mktemp("learner") / "venv"
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-index",
         "--find-links", wheelhouse, f"{built_wheel}[lab]")  # fmt: skip
    return venv


def _installed(venv: Path) -> set[str]:
    listing = _run(venv / "bin" / "python", "-m", "pip", "list", "--format=json").stdout
    return {p["name"].lower() for p in json.loads(listing)}


def _files(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    }


def test_learner_install_has_no_test_tools(learner_venv: Path) -> None:
    installed = _installed(learner_venv)
    assert {"virtlab", "jupyterlab", "ipywidgets", "plotly", "anywidget"} <= installed
    found = [tool for tool in TEST_TOOLS if tool in installed]
    assert not found, f"the learner's install pulled in test tools: {found}"


def test_start_copies_lessons_and_exercises_and_keeps_edits(
    learner_venv: Path, tmp_path: Path
) -> None:
    course = tmp_path / "my course"
    _run(learner_venv / "bin" / "virtlab", "start", course, "--no-lab", cwd=tmp_path)
    assert not (course / "solutions").exists(), "virtlab start copied solutions/"
    for folder in ("lessons", "exercises"):
        assert _files(course / folder) == _files(ROOT / folder), f"{folder}/ differs from the repo"
    assert not any("solution" in name.lower() for name in _files(course)), _files(course)

    edited = course / "exercises" / "02-type1-hypervisors.ipynb"
    edited.write_text(edited.read_text() + "\n")  # the learner's work
    again = _run(learner_venv / "bin" / "virtlab", "start", course, "--no-lab", cwd=tmp_path)
    assert edited.read_text().endswith("\n\n"), "a second `virtlab start` overwrote an edit"
    assert "kept 1 file(s) you edited: exercises/02-type1-hypervisors.ipynb" in again.stdout

    default = tmp_path / "elsewhere"
    default.mkdir()
    _run(learner_venv / "bin" / "virtlab", "start", "--no-lab", cwd=default)
    assert (default / "virtlab-course" / "lessons" / "00-welcome.ipynb").is_file()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_start_opens_jupyterlab_without_the_news_prompt(learner_venv: Path, tmp_path: Path) -> None:
    port, token = _free_port(), "virtlab-packaging-test"
    home = tmp_path / "home"  # no user settings of the developer's own
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "JUPYTER_PLATFORM_DIRS": "1"}
    env.pop("JUPYTER_CONFIG_DIR", None)
    log = (tmp_path / "lab.log").open("w")
    process = subprocess.Popen(
        [learner_venv / "bin" / "virtlab", "start", tmp_path / "course", "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={token}"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        page = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/lab?token={token}"
                with urllib.request.urlopen(url, timeout=5) as response:
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert page, f"JupyterLab did not answer:\n{(tmp_path / 'lab.log').read_text()[-2000:]}"
        start = page.index('id="jupyter-config-data"')
        config = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
        disabled = config.get("disabledExtensions", [])
        assert ANNOUNCEMENTS in disabled, f"the news prompt's plugin is on: {disabled}"
        assert (tmp_path / "course" / "lessons" / "00-welcome.ipynb").is_file()
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have exited on its own
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def test_binder_config_installs_and_every_lesson_runs(
    learner_venv: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    """binder/postBuild in a copy of the repository, with the venv first on PATH; then the
    image's start script puts the course in the home folder, and each lesson runs there."""
    repo = tmp_path / "repo"
    shutil.copytree(
        ROOT,
        repo,
        ignore=shutil.ignore_patterns(".venv", "build", ".git", "test-artifacts", "__pycache__"),
    )
    env = {**os.environ, "PATH": f"{learner_venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    # offline, from the fixture's wheelhouse (the same dependencies; setuptools to build)
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheelhouse))
    env["HOME"] = str(tmp_path / "home")
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "home" / ".jupyter")
    _run("bash", repo / "binder" / "postBuild", cwd=repo, env=env)
    assert not (repo / "solutions").exists(), "the image keeps solutions/ where learners see it"
    _run("bash", repo / "binder" / "start", "true", cwd=repo, env=env)
    lessons = sorted((tmp_path / "home" / "virtlab-course" / "lessons").glob("*.ipynb"))
    assert len(lessons) == len(list((ROOT / "lessons").glob("*.ipynb")))
    # one process runs them all (a fresh kernel each), with the venv's own nbclient
    script = """
import pathlib, sys
import nbformat
from nbclient import NotebookClient
for path in map(pathlib.Path, sys.argv[1:]):
    notebook = nbformat.read(path, as_version=4)
    where = {"metadata": {"path": str(path.parent)}}
    NotebookClient(notebook, timeout=300, resources=where).execute()
"""
    _run(learner_venv / "bin" / "python", "-c", script, *lessons, env=env)
