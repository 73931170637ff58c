"""Optimizers and learning-rate schedulers, as ``torch.optim``.

Each optimizer lives in its own file with its update rule written out in the class
docstring: ``sgd.py``, ``adagrad.py``, ``rmsprop.py``, ``adadelta.py``, ``adam.py``
(Adam and AdamW), ``nadam.py``, ``adamax.py``; ``optimizer.py`` holds the shared base
class (param groups, state, ``zero_grad``, ``state_dict``). Schedulers are in
``optim.lr_scheduler``.
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .nadam import NAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RMSprop",
    "SGD",
    "lr_scheduler",
]
