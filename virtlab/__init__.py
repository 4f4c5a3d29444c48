"""virtlab: build hypervisor and container stacks, see what they isolate and what they cost.

``import virtlab as vl`` stays light: plotting and widgets are imported by their own modules
(``virtlab.plots``, ``virtlab.widgets``) when a notebook asks for them.
"""

from virtlab import catalog
from virtlab.catalog import Product, UnknownProductError
from virtlab.isolation import Isolation, IsolationLevel
from virtlab.overhead import density
from virtlab.rules import Problem
from virtlab.stack import Hardware, Node, Stack

__version__ = "0.1.0"

__all__ = [
    "Hardware",
    "Isolation",
    "IsolationLevel",
    "Node",
    "Problem",
    "Product",
    "Stack",
    "UnknownProductError",
    "catalog",
    "density",
]
