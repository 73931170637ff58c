"""Neural-network building blocks, as ``torch.nn``.

``Module`` and ``Parameter`` (``module.py``, ``parameter.py``), containers
(``containers.py``), layers (``linear.py``, ``conv.py``, ``pooling.py``,
``normalization.py``, ``dropout.py``, ``embedding.py``, ``rnn.py``), activations
(``activation.py``) and losses (``loss.py``). Layers hold parameters and call the
function forms in ``nn.functional``; ``nn.init`` initialises weights as PyTorch does.
"""

from . import functional, init, utils
from .activation import *
from .containers import Flatten, Identity, ModuleDict, ModuleList, Sequential, Unflatten
from .conv import *
from .dropout import *
from .embedding import *
from .linear import *
from .loss import *
from .module import Module
from .normalization import *
from .parameter import Parameter
from .pooling import *
from .rnn import *
