"""The machinery of the browser tests: a real JupyterLab, headless Chromium, and a helper that
runs a notebook in the lab and reports what rendered.

The server runs from the current interpreter's environment (so it finds the widget and plotly
lab extensions installed in ``sys.prefix/share/jupyter``), on a free loopback port with a
random token, in a temporary root, with its own config, data, runtime, settings and workspace
folders so that nothing from the developer's own Jupyter setup (open tabs, settings) leaks in.
The news feed, update checks and PyPI extension listing are off: this machine has no internet.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"

SERVER_START_TIMEOUT_S = 120
KERNEL_START_TIMEOUT_S = 120
RUN_ALL_TIMEOUT_S = 180
RENDER_TIMEOUT_S = 60

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
PLOTLY_MIME = "application/vnd.plotly.v1+json"

# Console messages that are JupyterLab (or Chromium) failing to reach the internet, which this
# offline machine refuses; they say nothing about our notebooks or widgets.
OFFLINE_NOISE = (
    "net::ERR_INTERNET_DISCONNECTED",
    "net::ERR_NAME_NOT_RESOLVED",
    "net::ERR_CONNECTION_REFUSED",
    "net::ERR_NETWORK_CHANGED",
    "net::ERR_ADDRESS_UNREACHABLE",
    "net::ERR_PROXY_CONNECTION_FAILED",
    "net::ERR_TIMED_OUT",
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
OFFLINE_HOSTS = (
    "jupyterlab.github.io",
    "pypi.org",
    "unpkg.com",
    "cdn.jsdelivr.net",
    "cdn.plot.ly",
    "fonts.googleapis.com",
)

# Settings the lab reads from its (temporary) user-settings folder: no news, no update checks,
# and every cell kept in the DOM (the default windowing skips rendering off-screen cells, which
# would make the render counts depend on the window height).
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
DISABLED_PLUGINS = {"@jupyterlab/apputils-extension:announcements": True}


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab: where it listens, its token and the folder it serves."""

    port: int
    token: str
    root: Path
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "lab", *, reset: bool = False) -> str:
        return f"{self.base_url}/{path}?{'reset&' if reset else ''}token={self.token}"

    def add_notebook(self, source: Path, name: str | None = None) -> str:
        """Copy a notebook into the served root; returns its path relative to the root."""
        target = self.root / (name or source.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target.relative_to(self.root).as_posix()

    def api(self, method: str, path: str) -> object:
        """Call the server's REST API with the token; returns the decoded JSON (or None)."""
        request = urllib.request.Request(
            f"{self.base_url}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_sessions(self) -> None:
        """End every notebook session and its kernel, so that one test cannot slow the next."""
        for session in self.api("GET", "sessions"):
            self.api("DELETE", f"sessions/{session['id']}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _write_lab_settings(config_dir: Path, settings_dir: Path) -> None:
    labconfig = config_dir / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": DISABLED_PLUGINS}, indent=1)
    )
    for relative, values in USER_SETTINGS.items():
        target = settings_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values, indent=1))


def _wait_until_ready(process: subprocess.Popen, server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    status_url = f"{server.base_url}/api/status?token={server.token}"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {process.returncode} before it was ready:\n"
                + server.log_tail()
            )
        try:
            with urllib.request.urlopen(status_url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(
        f"JupyterLab did not answer {SERVER_START_TIMEOUT_S} s after starting:\n"
        + server.log_tail()
    )


def start_lab_server(base: Path) -> tuple[LabServer, subprocess.Popen]:
    """Start JupyterLab with everything under ``base``; returns once /api/status answers."""
    root, config, data, runtime, ipython, settings, workspaces = (
        base / name
        for name in ("root", "config", "data", "runtime", "ipython", "settings", "workspaces")
    )
    for folder in (root, data, runtime, ipython, workspaces):
        folder.mkdir()
    _write_lab_settings(config, settings)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        # The lab extensions live under sys.prefix/share/jupyter, which Jupyter searches
        # whatever JUPYTER_DATA_DIR says; the kernel spec is found there too.
        "JUPYTER_DATA_DIR": str(data),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "IPYTHONDIR": str(ipython),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    # The kernel imports virtlab from this checkout even if it was not installed editable.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    server = LabServer(
        port=_free_loopback_port(),
        token=secrets.token_hex(24),
        root=root,
        log=base / "jupyterlab.log",
    )
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={server.port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={server.token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={workspaces}",
        # The extension manager would list extensions from PyPI; the readonly one does not.
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI often run as root
        command.append("--allow-root")
    with server.log.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_ready(process, server)
    except BaseException:
        stop_lab_server(process)
        raise
    return server, process


def stop_lab_server(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@dataclass
class PageProblems:
    """Everything the page reported that is an error of ours (offline noise filtered out)."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [f"uncaught: {e}" for e in self.page_errors] + [
            f"console: {e}" for e in self.console_errors
        ]


def _is_offline_noise(text: str, location_url: str) -> bool:
    """A failed look-up of the internet: a refused request to a host other than our lab."""
    urls = re.findall(r"https?://[^\s)'\"]+", f"{text} {location_url}")
    outside = [u for u in urls if urllib.parse.urlsplit(u).hostname not in LOOPBACK_HOSTS]
    if not outside:
        return False  # anything about our own server is ours to fix
    haystack = f"{text} {location_url}"
    return any(marker in haystack for marker in OFFLINE_NOISE) or any(
        host in url for url in outside for host in OFFLINE_HOSTS
    )


# anywidget (0.11) gives a widget's JavaScript 2 s to load and initialise, and fails the model
# ("[anywidget] Failed to initialize model.") after that. plotly's FigureWidget ships a 5 MB
# bundle that every FigureWidget evaluates again, so on a slow or busy machine the later figures
# of a "Run All" miss the deadline and show empty axes. That is a real problem for learners and
# the tests report it. Setting this variable (milliseconds) lengthens the deadline, to check
# that nothing else is wrong; it is a diagnostic, never a fix.
ANYWIDGET_TIMEOUT_ENV = "VIRTLAB_ANYWIDGET_INIT_TIMEOUT_MS"
ANYWIDGET_INIT_TIMEOUT_MS = 2000


def extend_anywidget_init_timeout(page) -> None:
    """Lengthen anywidget's model-initialisation deadline if the diagnostic variable asks to."""
    wanted = os.environ.get(ANYWIDGET_TIMEOUT_ENV)
    if not wanted:
        return
    page.add_init_script(
        "(() => { const timeout = AbortSignal.timeout.bind(AbortSignal);"
        f" AbortSignal.timeout = (ms) => timeout(ms === {ANYWIDGET_INIT_TIMEOUT_MS}"
        f" ? {int(wanted)} : ms); }})()"
    )


def watch_page(page) -> PageProblems:
    """Record the page's uncaught JavaScript errors and console errors (offline noise apart)."""
    problems = PageProblems()

    def on_page_error(error: object) -> None:
        problems.page_errors.append(f"{error}\n{getattr(error, 'stack', '')}")

    def on_console(message: object) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        text = message.text
        if _is_offline_noise(text, url):
            problems.ignored.append(text)
        else:
            problems.console_errors.append(f"{text} ({url})")

    page.on("pageerror", on_page_error)
    page.on("console", on_console)
    return problems


# Page-side steps record their outcome in a window variable that the test polls with a timeout
# (page.evaluate itself would wait forever on a hung promise).
_OPEN_NOTEBOOK_JS = """
(path) => {
  window.__virtlabOpened = null;
  const app = window.jupyterapp;
  (async () => {
    await app.started;
    await app.restored;
    const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
    await panel.context.ready;
    await panel.sessionContext.ready;
    app.shell.activateById(panel.id);
    window.__virtlabPanel = panel;
  })().then(
    () => { window.__virtlabOpened = {ok: true}; },
    (error) => { window.__virtlabOpened = {ok: false, error: String(error)}; },
  );
}
"""

_KERNEL_IDLE_JS = """
() => {
  const panel = window.__virtlabPanel;
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
}
"""

_RUN_ALL_JS = """
() => {
  window.__virtlabRunAll = null;
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(
    (ok) => { window.__virtlabRunAll = {ok: ok}; },
    (error) => { window.__virtlabRunAll = {ok: false, error: String(error)}; },
  );
}
"""

# The outputs of the notebook after the run, from its model (what the kernel produced) and from
# the page (what was drawn). Output j of a cell's model is child j of its output area.
_OUTPUTS_JS = """
() => {
  const panel = window.__virtlabPanel;
  const sized = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const drawnPlot = (el) => [...el.querySelectorAll('.js-plotly-plot')].some(
    (plot) => sized(plot) && plot.querySelector('svg.main-svg'));
  const report = {
    model: {widget: 0, plotly: 0, errors: [], stderr: [], codeCells: 0, unexecuted: 0},
    rendered: {widget: 0, plotly: 0, widgetProblems: [], plotlyPlots: 0, plotlyPlotsDrawn: 0,
               emptyPlots: [], stderrShown: []},
  };
  for (const [index, cell] of panel.content.widgets.entries()) {
    if (cell.model.type !== 'code') continue;
    report.model.codeCells += 1;
    if (cell.model.executionCount === null) report.model.unexecuted += 1;
    const outputs = cell.model.outputs;
    const children = cell.outputArea.widgets;
    for (let j = 0; j < outputs.length; j++) {
      const output = outputs.get(j).toJSON();
      const node = children[j] ? children[j].node : null;
      if (output.output_type === 'error') {
        report.model.errors.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
      } else if (output.output_type === 'stream' && output.name === 'stderr') {
        report.model.stderr.push(`cell ${index}: ${output.text}`);
      } else if (output.data && output.data['__WIDGET_MIME__']) {
        report.model.widget += 1;
        // ipywidgets views carry .jupyter-widgets; anywidget views (a bare FigureWidget) do not,
        // so a drawn view is any sized element inside the output without an error text.
        const out = node ? node.querySelector('.jp-OutputArea-output') : null;
        const text = node ? node.innerText : '(no output node)';
        if (out && out.firstElementChild && sized(out.firstElementChild)
            && !/Error displaying widget|Loading widget|model not found/i.test(text)) {
          report.rendered.widget += 1;
        } else {
          report.rendered.widgetProblems.push(`cell ${index}: ${text.slice(0, 200)}`);
        }
      } else if (output.data && output.data['__PLOTLY_MIME__']) {
        report.model.plotly += 1;
        if (node && drawnPlot(node)) report.rendered.plotly += 1;
      }
    }
  }
  const plots = [...panel.node.querySelectorAll('.js-plotly-plot')];
  report.rendered.plotlyPlots = plots.length;
  report.rendered.plotlyPlotsDrawn = plots.filter(
    (p) => sized(p) && p.querySelector('svg.main-svg')).length;
  // A plot without traces draws bare default axes: its figure data never reached the page.
  report.rendered.emptyPlots = plots.filter((p) => !(p.data && p.data.length)).map((p) => {
    const cell = p.closest('.jp-Cell');
    const index = panel.content.widgets.findIndex((c) => c.node === cell);
    return `cell ${index}: a plot with no traces`;
  });
  // virtlab's live figures show a placeholder until their front end is loaded and drawn
  report.rendered.figuresLoading = panel.node.querySelectorAll('.virtlab-figure-loading').length;
  report.rendered.figureErrors = [...panel.node.querySelectorAll('.virtlab-figure-error')].map(
    (el) => el.innerText);
  report.rendered.stderrShown = [...panel.node.querySelectorAll(
    '[data-mime-type="application/vnd.jupyter.stderr"]')].map((el) => el.innerText);
  return report;
}
""".replace("__WIDGET_MIME__", WIDGET_MIME).replace("__PLOTLY_MIME__", PLOTLY_MIME)


def run_notebook_in_lab(page, server: LabServer, path: str) -> dict:
    """Open ``path`` (relative to the lab root) in JupyterLab, run all cells, wait for renders.

    Returns a dict: ``model`` (outputs the kernel produced: widget and plotly counts, error and
    stderr texts, code cells left unexecuted) and ``rendered`` (widget views and plotly figures
    drawn on the page, stderr/error outputs shown). It waits until every widget output holds a
    widget view and every plotly output a drawn figure, or until RENDER_TIMEOUT_S has passed;
    the caller asserts on the counts.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    # ?reset starts from an empty workspace: notebooks of earlier tests are not reopened.
    page.goto(server.url("lab", reset=True), wait_until="domcontentloaded", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=120_000)
    page.evaluate(_OPEN_NOTEBOOK_JS, path)
    page.wait_for_function(
        "() => window.__virtlabOpened !== null", timeout=KERNEL_START_TIMEOUT_S * 1000, polling=250
    )
    opened = page.evaluate("() => window.__virtlabOpened")
    if not opened["ok"]:
        raise AssertionError(f"JupyterLab could not open {path}: {opened['error']}")
    page.wait_for_function(_KERNEL_IDLE_JS, timeout=KERNEL_START_TIMEOUT_S * 1000, polling=250)
    page.evaluate(_RUN_ALL_JS)
    page.wait_for_function(
        "() => window.__virtlabRunAll !== null", timeout=RUN_ALL_TIMEOUT_S * 1000, polling=250
    )
    run_all = page.evaluate("() => window.__virtlabRunAll")
    page.wait_for_function(_KERNEL_IDLE_JS, timeout=RUN_ALL_TIMEOUT_S * 1000, polling=250)
    all_drawn = f"""
    () => {{
      const {{model, rendered}} = ({_OUTPUTS_JS})();
      return rendered.widget === model.widget && rendered.plotly === model.plotly
        && rendered.plotlyPlotsDrawn === rendered.plotlyPlots && rendered.emptyPlots.length === 0
        && (rendered.figuresLoading === 0 || rendered.figureErrors.length > 0);
    }}
    """
    # On a timeout the report tells what did not render; the caller asserts on it.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(all_drawn, timeout=RENDER_TIMEOUT_S * 1000, polling=250)
    return {"run_all": run_all, **page.evaluate(_OUTPUTS_JS)}


def notebook_file_outputs(path: Path) -> dict[str, int]:
    """Count widget and plotly outputs stored in a notebook file."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    counts = {"widget": 0, "plotly": 0}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            counts["widget"] += WIDGET_MIME in data
            counts["plotly"] += PLOTLY_MIME in data
    return counts


def save_screenshot(target, name: str) -> Path:
    """Screenshot a page or element into test-artifacts/ (git ignores that folder)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    target.screenshot(path=str(path))
    return path
