"""Seeing backpropagation: graphs, chain-rule traces, gradient reports and plots.

* ``draw_graph`` (graph.py): the computation graph as a ``graphviz.Digraph``
* ``explain`` (explain.py): the chain rule, step by step, for any graph
* ``animate_backward`` (graph.py): one frame per backward step
* ``grad_report`` (report.py): per-parameter gradient norms and warnings
* plots (plots.py): loss curves, descent paths, gradient fields, optimizer trajectories

Optional dependencies (graphviz, matplotlib) are imported only when a function needs them.
"""

from .explain import *
from .graph import *
from .plots import *
from .report import *
