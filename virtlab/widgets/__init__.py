"""Interactive widgets of the course: thin ipywidgets over the model and ``virtlab.plots``.

``import virtlab`` does not import this package (nor ipywidgets); a notebook does
``from virtlab.widgets import StackBuilder``.
"""

from virtlab.widgets._boundaries import ExitExplorer, ImageExplorer
from virtlab.widgets._builder import ARCHITECTURES, StackBuilder
from virtlab.widgets._explorers import IsolationExplorer, OverheadExplorer
from virtlab.widgets._namespaces import NamespaceLab
from virtlab.widgets._quiz import Quiz

__all__ = [
    "ARCHITECTURES",
    "ExitExplorer",
    "ImageExplorer",
    "IsolationExplorer",
    "NamespaceLab",
    "OverheadExplorer",
    "Quiz",
    "StackBuilder",
]
