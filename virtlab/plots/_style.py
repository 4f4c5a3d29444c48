"""The one look of every course figure: layout, fonts, palette and the source line.

Every factory in :mod:`virtlab.plots` builds its traces and hands them to :func:`figure`, so a
new figure is a few lines and looks like it belongs to the same course (as plotly express does
with ``make_figure``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import plotly.graph_objects as go

from virtlab import data

FONT_FAMILY = "Inter, 'Helvetica Neue', Arial, sans-serif"
# Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
LAYER_COLOURS = {
    "hardware": OKABE_ITO["grey"],
    "hypervisor": OKABE_ITO["orange"],
    "os": OKABE_ITO["sky"],
    "vm": OKABE_ITO["yellow"],
    "engine": OKABE_ITO["green"],
    "container": OKABE_ITO["purple"],
    "app": OKABE_ITO["blue"],
}
# Warm = weak, cool = strong, so the isolation matrix reads at a glance.
LEVEL_COLOURS = {
    "process": OKABE_ITO["vermillion"],
    "container": OKABE_ITO["orange"],
    "sandbox": OKABE_ITO["yellow"],
    "vm": OKABE_ITO["sky"],
    "hardware": OKABE_ITO["blue"],
}
# The isolation kinds of virtlab.overhead (and two MAN17 guests) for scatter and density plots.
ISOLATION_KIND_COLOURS = {
    "process": OKABE_ITO["vermillion"],
    "container": OKABE_ITO["orange"],
    "sandbox": "#B8A800",  # a darker yellow: the pure one vanishes as a line on white
    "kata": OKABE_ITO["purple"],
    "hyperv-container": OKABE_ITO["black"],
    "microvm": OKABE_ITO["green"],
    "vm": OKABE_ITO["sky"],
    "unikernel": OKABE_ITO["blue"],
    "tinyx": OKABE_ITO["grey"],
}
PROBLEM_COLOUR = OKABE_ITO["vermillion"]
DARK_FILLS = {OKABE_ITO["blue"], OKABE_ITO["green"], OKABE_ITO["black"]}


def text_colour_on(fill: str) -> str:
    """Black or white, whichever reads on this fill."""
    return "white" if fill in DARK_FILLS else "black"


def source_text(*measurement_ids: str, note: str = "") -> str:
    """``"Source: "`` and the rows' citations (:func:`virtlab.data.cite`), plus an optional note."""
    cited = data.cite(*measurement_ids) if measurement_ids else ""
    text = f"Source: {cited}" if cited else ""
    if note:
        text = f"{text}. {note}" if text else note
    return text


def source_annotation(text: str) -> dict[str, Any]:
    """The small grey line under the plot area that names where the numbers come from."""
    return {
        "text": wrap(text, 80),
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": -0.02,
        "yshift": -52,
        "xanchor": "left",
        "yanchor": "top",
        "showarrow": False,
        "align": "left",
        "font": {"size": 11, "color": "#555555"},
        "name": "source",
    }


class Figure(go.Figure):
    """A ``go.Figure`` that shows itself without nbformat.

    plotly's ``Figure._ipython_display_`` goes through ``plotly.io.show``, which refuses mime
    rendering when nbformat is not installed ("Mime type rendering requires nbformat>=4.2.0").
    nbformat is a server-side library: JupyterLite's Pyodide kernel and a kernel with only
    virtlab's run-time dependencies lack it, and the error stopped Run All there. The bundle is
    the same one ``show`` would publish (``_repr_mimebundle_`` with the default renderer), so the
    figure looks the same everywhere.
    """

    def _ipython_display_(self) -> None:
        import plotly.io as pio
        from IPython.display import display

        on = pio.renderers.render_on_display and pio.renderers.default
        bundle = self._repr_mimebundle_() if on else None
        if bundle:
            display(bundle, raw=True)
        else:  # an external renderer (browser, png file, ...) or display turned off
            super()._ipython_display_()


def figure(
    traces: Iterable[go.BaseTraceType] | Iterable[dict],
    *,
    title: str,
    x_title: str | None = None,
    y_title: str | None = None,
    source: str | None = None,
    annotations: Iterable[dict] = (),
    height: int = 420,
    **layout: Any,
) -> go.Figure:
    """A course figure: title, axis titles, fonts, margins and source line set one way."""
    merged = layout_dict(
        title=title,
        x_title=x_title,
        y_title=y_title,
        source=source,
        annotations=annotations,
        height=height,
        **layout,
    )
    return Figure(data=list(traces), layout={"template": "plotly_white", **merged})


def layout_dict(
    *,
    title: str,
    x_title: str | None = None,
    y_title: str | None = None,
    source: str | None = None,
    annotations: Iterable[dict] = (),
    height: int = 420,
    **layout: Any,
) -> dict[str, Any]:
    """The layout of :func:`figure` as a plain dict (without the template)."""
    notes = list(annotations)
    if source:
        notes.append(source_annotation(source))
    base: dict[str, Any] = {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 17}},
        "font": {"family": FONT_FAMILY, "size": 13, "color": "#222222"},
        "height": height,
        "margin": {"l": 70, "r": 30, "t": 60, "b": 90 if source else 50},
        "hoverlabel": {"align": "left"},
        "annotations": notes,
    }
    if x_title is not None:
        base["xaxis"] = {"title": {"text": x_title}}
    if y_title is not None:
        base["yaxis"] = {"title": {"text": y_title}}
    for key, value in layout.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


@cache  # the same facts are wrapped for every container of a big stack
def wrap(text: str, width: int = 60) -> str:
    """Hover text wrapped with <br> so a long fact does not run off the screen."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return "<br>".join(lines)
