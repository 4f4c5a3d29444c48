"""Figures of the course: pure functions of model objects returning ``plotly`` figures.

Every factory is a thin layer over one helper (:mod:`virtlab.plots._style`) that sets the
layout, fonts, colour-blind-safe palette and source line, so all figures look alike.
"""

from virtlab.plots._boundaries import (
    BOUNDARY_COLOURS,
    escape_timeline,
    exit_breakdown,
    image_storage,
)
from virtlab.plots._diagram import (
    LABEL_TRACE,
    PROBLEM_TRACE,
    diagram_labels,
    diagram_parts,
    isolation_matrix,
    stack_diagram,
)
from virtlab.plots._live import start_times
from virtlab.plots._measured import (
    OVERHEAD_METRICS,
    attack_surface,
    density_curve,
    memory_use,
    overhead_bars,
    startup_vs_memory,
)
from virtlab.plots._style import (
    ISOLATION_KIND_COLOURS,
    LAYER_COLOURS,
    LEVEL_COLOURS,
    PROBLEM_COLOUR,
    figure,
    layout_dict,
    source_annotation,
)

__all__ = [
    "BOUNDARY_COLOURS",
    "ISOLATION_KIND_COLOURS",
    "LABEL_TRACE",
    "LAYER_COLOURS",
    "LEVEL_COLOURS",
    "OVERHEAD_METRICS",
    "PROBLEM_COLOUR",
    "PROBLEM_TRACE",
    "attack_surface",
    "density_curve",
    "diagram_labels",
    "diagram_parts",
    "escape_timeline",
    "exit_breakdown",
    "figure",
    "image_storage",
    "isolation_matrix",
    "layout_dict",
    "memory_use",
    "overhead_bars",
    "source_annotation",
    "stack_diagram",
    "start_times",
    "startup_vs_memory",
]
