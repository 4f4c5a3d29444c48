"""A plotly FigureWidget whose JavaScript reaches the page once per page, not once per figure.

plotly's ``go.FigureWidget`` is an anywidget that carries its whole front end (a 5 MB
JavaScript bundle) in every widget's ``_esm``. anywidget gives each widget two seconds to load
that module; with several figures on a page, or a slow laptop, the later ones miss the limit and
stay empty. :class:`CourseFigure` ships a small loader instead: the first view on a page asks the
kernel for the bundle, imports it once and shares it with every later figure. Before a figure
draws, the kernel resends the figure's current data, so changes made while the bundle was
loading are not lost.
"""

from __future__ import annotations

from copy import deepcopy
from functools import cache
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go

#: the front end; anywidget reads the file (a Path keeps the JavaScript in a .js file)
_LOADER = Path(__file__).with_name("_figure.js")


@cache
def _plotly_bundle() -> str:
    return (Path(plotly.__file__).parent / "package_data" / "widgetbundle.js").read_text(
        encoding="utf-8"
    )


class CourseFigure(go.FigureWidget):
    """``go.FigureWidget`` with a shared front end (see the module docstring)."""

    _esm = _LOADER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_msg(self._answer_front_end)

    def _answer_front_end(self, _widget: Any, content: Any, _buffers: Any) -> None:
        question = content.get("virtlab") if isinstance(content, dict) else None
        if question == "plotly-bundle?":
            self.send({"virtlab": "plotly-bundle", "code": _plotly_bundle()})
        elif question == "sync?":
            # the front end may have missed restyles sent before it was ready: resend the state
            self._widget_layout = deepcopy(self._layout_obj._props)
            self._widget_data = deepcopy(self._data)
            self.send({"virtlab": "synced"})
