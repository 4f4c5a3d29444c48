"""Build the course as a static JupyterLite site in build/lite/ (`make lite`).

Everything the browser needs is vendored here, at build time, so the site makes no request
outside itself at run time:

1. Pyodide's core (``pyodide.mjs``, the WebAssembly interpreter, the standard library) from the
   npm registry (the ``pyodide`` package, at the version jupyterlite-pyodide-kernel supports);
2. virtlab's wheel, built from this checkout (lessons and exercises inside);
3. every pure-Python wheel the kernel and virtlab import, from PyPI, resolved for Pyodide
   (``sys_platform == "emscripten"``), pinned to the versions installed here for the packages
   with a JupyterLab front end (ipywidgets, plotly, anywidget) so kernel and page agree;
4. a ``pyodide-lock.json`` that lists exactly those wheels with their imports and dependencies.

Because virtlab is in Pyodide's lock, ``import virtlab`` in a notebook loads it and its
dependencies by itself (the kernel loads the packages a cell imports), so the notebooks need no
install cell and run unchanged in a normal kernel. jupyter-lite.json turns the PyPI fallback
off. Downloads are cached in build/lite-cache/ so a rebuild needs no network.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Pyodide's version is the one the installed kernel was made for (its constants say which).
KERNEL_CONSTANTS = "jupyterlite_pyodide_kernel.constants"
# Packages the kernel itself installs at start, one after the other, unless Pyodide preloads
# them (loadPyodideOptions.packages). piplite, pyodide-kernel and the ipykernel shim are the
# kernel's own wheels (shipped in its JupyterLab extension); the others come from PyPI.
KERNEL_ROOTS = ("micropip", "piplite", "pyodide-kernel", "ipykernel", "ipython", "jedi", "comm")
KERNEL_OWN_WHEELS = ("piplite", "pyodide-kernel", "ipykernel")
# Preloaded in one parallel batch when the kernel starts, so that a notebook's first
# `import virtlab` does not wait for a chain of downloads.
PRELOAD = (*KERNEL_ROOTS, "virtlab")
# Packages with a front end in the page: the kernel side must match the installed one.
PINNED_TO_BUILD_ENV = ("ipywidgets", "plotly", "anywidget")
# Front-end-only distributions (the page gets them as JupyterLab extensions): never imported
# by the kernel, so they stay out of the lock.
FRONT_END_ONLY = {"widgetsnbextension", "jupyterlab-widgets"}
# Pyodide's npm package also carries consoles, type stubs and source maps the site never uses.
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.js",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "package.json",
)


def run(*cmd: str | Path, cwd: Path | None = None) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=cwd)


def pyodide_version() -> str:
    constants = __import__(KERNEL_CONSTANTS, fromlist=["PYODIDE_VERSION"])
    return constants.PYODIDE_VERSION


def pyodide_python(npm_lock: dict) -> tuple[str, str]:
    full = npm_lock["info"]["python"]  # "3.14.2"
    return full, ".".join(full.split(".")[:2])


def fetch_pyodide(cache: Path, version: str) -> Path:
    """Pyodide's core files, from the npm registry (cached)."""
    folder = cache / f"pyodide-{version}"
    if (folder / "pyodide-lock.json").exists():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    run("npm", "pack", f"pyodide@{version}", "--pack-destination", cache, "--silent")
    tarball = cache / f"pyodide-{version}.tgz"
    unpacked = cache / f"pyodide-{version}.tmp"
    shutil.rmtree(unpacked, ignore_errors=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(unpacked, filter="data")
    (unpacked / "package").rename(folder)
    unpacked.rmdir()
    tarball.unlink()
    return folder


def kernel_own_wheels() -> list[Path]:
    """The kernel's wheels from its installed JupyterLab extension (same version as the page)."""
    pypi = (
        Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyterlite"
        / "pyodide-kernel-extension" / "static" / "pypi"
    )  # fmt: skip
    wheels = [
        w
        for w in pypi.glob("*.whl")
        if canonicalize_name(parse_wheel_filename(w.name)[0]) in KERNEL_OWN_WHEELS
    ]
    if len(wheels) != len(KERNEL_OWN_WHEELS):
        raise SystemExit(f"lite: expected the kernel's wheels {KERNEL_OWN_WHEELS} in {pypi}")
    return wheels


def build_virtlab_wheel(out: Path) -> Path:
    shutil.rmtree(out, ignore_errors=True)
    run(sys.executable, "-m", "build", "--wheel", "--outdir", out, ROOT)
    (wheel,) = out.glob("virtlab-*.whl")
    return wheel


def download_wheels(cache: Path, python: str, virtlab_wheel: Path) -> Path:
    """Pure-Python wheels for the kernel and for virtlab's dependencies, from PyPI (cached)."""
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in PINNED_TO_BUILD_ENV]
    key = hashlib.sha256(" ".join([python, *pins, *KERNEL_ROOTS]).encode()).hexdigest()[:12]
    folder = cache / f"wheels-{key}"
    if (folder / ".complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    run(
        sys.executable, "-m", "pip", "download", "--quiet", "--dest", folder,
        "--only-binary=:all:", "--platform", "any", "--implementation", "py",
        "--python-version", python, "--abi", "none",
        *[r for r in KERNEL_ROOTS if r not in KERNEL_OWN_WHEELS], *pins,
        *[str(r) for r in _requires(virtlab_wheel)],
    )  # fmt: skip
    (folder / ".complete").touch()
    return folder


def _metadata(wheel: Path) -> tuple[object, list[str]]:
    """(the METADATA message, the top-level import names) of a wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(archive.read(meta_name).decode("utf-8"))
    tops: set[str] = set()
    for name in names:
        first = name.split("/", 1)[0]
        if first.endswith((".dist-info", ".data")):
            continue
        if "/" in name:
            tops.add(first)
        elif name.endswith(".py"):
            tops.add(name[:-3])
    return message, sorted(t for t in tops if t.isidentifier())


def _requires(wheel: Path, env: dict[str, str] | None = None) -> list[Requirement]:
    message, _ = _metadata(wheel)
    requirements = [Requirement(text) for text in message.get_all("Requires-Dist") or []]
    if env is None:
        return [r for r in requirements if r.marker is None or "extra" not in str(r.marker)]
    return [r for r in requirements if r.marker is None or r.marker.evaluate({**env, "extra": ""})]


def emscripten_environment(python_full: str) -> dict[str, str]:
    env = default_environment()
    env.update(
        sys_platform="emscripten",
        platform_system="Emscripten",
        os_name="posix",
        platform_machine="wasm32",
        implementation_name="cpython",
        platform_python_implementation="CPython",
        python_version=".".join(python_full.split(".")[:2]),
        python_full_version=python_full,
    )
    return env


def write_lock(pyodide: Path, npm_lock: dict, wheels: list[Path], env: dict) -> dict:
    """pyodide-lock.json listing exactly the vendored wheels (reachable from the roots)."""
    by_name = {canonicalize_name(parse_wheel_filename(w.name)[0]): w for w in wheels}
    roots = [canonicalize_name(n) for n in (*KERNEL_ROOTS, "virtlab")]
    packages: dict[str, dict] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in packages or name in FRONT_END_ONLY:
            continue
        if name not in by_name:
            raise SystemExit(f"lite: no wheel for {name!r}, a dependency the kernel needs")
        wheel = by_name[name]
        _, imports = _metadata(wheel)
        depends = sorted(
            {canonicalize_name(r.name) for r in _requires(wheel, env)} - FRONT_END_ONLY
        )
        todo += depends
        packages[name] = {
            "name": name,
            "version": str(parse_wheel_filename(wheel.name)[1]),
            "file_name": wheel.name,
            "install_dir": "site",
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            "package_type": "package",
            "imports": imports,
            "depends": depends,
            "unvendored_tests": False,
        }
        shutil.copyfile(wheel, pyodide / wheel.name)
    lock = {"info": npm_lock["info"], "packages": dict(sorted(packages.items()))}
    (pyodide / "pyodide-lock.json").write_text(json.dumps(lock, indent=1) + "\n", "utf-8")
    return lock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "lite")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "lite-cache")
    args = parser.parse_args(argv)

    version = pyodide_version()
    npm_pyodide = fetch_pyodide(args.cache, version)
    npm_lock = json.loads((npm_pyodide / "pyodide-lock.json").read_text("utf-8"))
    python_full, python = pyodide_python(npm_lock)
    virtlab_wheel = build_virtlab_wheel(args.cache / "dist")
    wheels = download_wheels(args.cache, python, virtlab_wheel)

    # the folder `jupyter lite build` works in: our config, and the Pyodide it serves at the
    # kernel's well-known place (static/pyodide/: core files, the vendored wheels, the lock)
    staging = args.cache / "lite-dir"
    shutil.rmtree(staging, ignore_errors=True)
    pyodide = staging / "static" / "pyodide"
    pyodide.mkdir(parents=True)
    shutil.copyfile(HERE / "overrides.json", staging / "overrides.json")
    config = json.loads((HERE / "jupyter-lite.json").read_text("utf-8"))
    kernel = config["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"
    ]
    kernel["loadPyodideOptions"] = {"packages": [canonicalize_name(n) for n in PRELOAD]}
    (staging / "jupyter-lite.json").write_text(json.dumps(config, indent=2) + "\n", "utf-8")
    for name in PYODIDE_FILES:
        shutil.copyfile(npm_pyodide / name, pyodide / name)
    env = emscripten_environment(python_full)
    every_wheel = [*wheels.glob("*.whl"), *kernel_own_wheels(), virtlab_wheel]
    lock = write_lock(pyodide, npm_lock, every_wheel, env)
    print(f"lite: Pyodide {version} (Python {python_full}), {len(lock['packages'])} wheels")

    # the course: the same notebooks the wheel ships (lessons and exercises, no solutions)
    contents = args.cache / "contents"
    shutil.rmtree(contents, ignore_errors=True)
    with zipfile.ZipFile(virtlab_wheel) as archive:
        prefix = "virtlab/data/course/"
        for member in archive.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                target = contents / member[len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))

    shutil.rmtree(args.output, ignore_errors=True)
    run(
        sys.executable, "-m", "jupyter", "lite", "build",
        "--lite-dir", staging,
        "--output-dir", args.output,
        "--contents", contents,
        "--no-sourcemaps",
        "--no-unused-shared-packages",
        "--apps", "lab", "--apps", "notebook",
        cwd=staging,
    )  # fmt: skip
    size = sum(p.stat().st_size for p in args.output.rglob("*") if p.is_file())
    print(f"lite: built {args.output} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
