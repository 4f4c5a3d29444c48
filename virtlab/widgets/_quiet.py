"""One redraw for several control changes: the widgets' shared ``quietly()`` block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class QuietRedraw:
    """Mixin: inside ``with self.quietly():`` control changes skip the redraw.

    A widget's observer checks :attr:`_quiet` and returns early; the code that changed several
    controls redraws once afterwards. The previous state is restored, so blocks may nest.
    """

    _quiet = False

    @contextmanager
    def quietly(self) -> Iterator[None]:
        was, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = was
