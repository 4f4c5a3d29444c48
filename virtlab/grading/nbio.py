"""nbformat, imported without its slowest optional part.

jsonschema (used by nbformat to validate notebooks) imports ``rfc3987_syntax`` when it is
installed, to check the "iri" string format; building that grammar costs seconds of CPU at
import, and notebook schemas never use the format. Marking the module as absent before the
first import of jsonschema skips it; everything nbformat validates is unchanged.
"""

from __future__ import annotations

import sys

if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402

__all__ = ["nbformat"]
