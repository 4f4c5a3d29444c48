"""The ``virtlab`` command."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


def _course_root() -> Path:
    """The checkout that holds lessons/ (the current folder or one above it)."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "lessons").is_dir():
            return folder
    return here


def _lab(args: argparse.Namespace) -> int:
    root = _course_root()
    target = root / "lessons" if (root / "lessons").is_dir() else root
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}"]
    if (target / "00-welcome.ipynb").exists():
        cmd.append(str((target / "00-welcome.ipynb").relative_to(root)))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines often run as root
    cmd += args.jupyter_args
    return subprocess.call(cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="virtlab",
        description="Hypervisors and containers, hands-on: the course's command line.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    lab = sub.add_parser("lab", help="open the course in JupyterLab")
    lab.add_argument("jupyter_args", nargs=argparse.REMAINDER, help="passed to jupyter lab")
    lab.set_defaults(run=_lab)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
