"""Copy the course's lessons and exercises into a learner's working folder (`virtlab start`).

A learner's edits are never lost: a file that already exists in the folder is overwritten only
when it is byte for byte the copy an earlier `virtlab start` made (recorded by hash in
:data:`MANIFEST`), so an untouched lesson follows a newer virtlab while an edited one stays.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

#: the folders a learner gets; solutions/ is never among them
COURSE_FOLDERS = ("lessons", "exercises")
#: in the working folder: sha256 of each file as virtlab last copied it
MANIFEST = ".virtlab-course.json"
_SKIPPED_PARTS = {".ipynb_checkpoints", "__pycache__"}


@dataclass
class CopyReport:
    """What :func:`copy_course` did, file by file (paths relative to the working folder)."""

    target: Path
    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited by the learner: left alone

    def summary(self) -> str:
        lines = [f"The course is in {self.target}"]
        if self.copied:
            lines.append(f"  copied {len(self.copied)} file(s)")
        if self.updated:
            lines.append(f"  updated {len(self.updated)} file(s) you had not edited")
        if self.kept:
            lines.append(
                f"  kept {len(self.kept)} file(s) you edited: {', '.join(sorted(self.kept))}"
            )
        if len(lines) == 1:
            lines.append("  every file is up to date")
        return "\n".join(lines)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _course_files(source: Path) -> list[Path]:
    files = []
    for folder in COURSE_FOLDERS:
        base = source / folder
        if not base.is_dir():
            raise FileNotFoundError(f"the course source {source} has no {folder}/ folder")
        files += [
            p.relative_to(source)
            for p in sorted(base.rglob("*"))
            if p.is_file() and not _SKIPPED_PARTS.intersection(p.parts)
        ]
    return files


def copy_course(source: Path, target: Path) -> CopyReport:
    """Copy lessons/ and exercises/ from ``source`` into ``target``, keeping edited files."""
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} exists and is not a folder; choose another DIR")
    target.mkdir(parents=True, exist_ok=True)
    manifest_path = target / MANIFEST
    try:
        shipped: dict[str, str] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        shipped = {}  # no record: every existing file counts as the learner's
    report = CopyReport(target)
    for relative in _course_files(source):
        key = relative.as_posix()
        origin, destination = source / relative, target / relative
        new_hash = _sha256(origin)
        if destination.exists():
            current = _sha256(destination)
            if current == new_hash:
                shipped[key] = new_hash
                continue
            if shipped.get(key) != current:
                report.kept.append(key)
                continue
            report.updated.append(key)
        else:
            report.copied.append(key)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(origin, destination)
        shipped[key] = new_hash
    manifest_path.write_text(json.dumps(shipped, indent=1, sort_keys=True) + "\n", "utf-8")
    return report
