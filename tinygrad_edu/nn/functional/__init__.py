"""The function form of every layer, activation and loss (``torch.nn.functional``).

    import tinygrad_edu.nn.functional as F
    y = F.relu(F.linear(x, w, b))
    loss = F.cross_entropy(logits, target)
"""

from ...ops import pad
from .activation import *
from .conv import *
from .dropout import *
from .embedding import *
from .linear import *
from .loss import *
from .normalization import *
