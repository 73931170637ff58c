"""``python -m tinygrad_edu demo``: see :mod:`tinygrad_edu.cli`."""

import sys

from .cli import main

sys.exit(main())
