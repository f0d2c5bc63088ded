"""``python -m clink_core`` runs the ``clink`` command."""

import sys

from .cli import main

sys.exit(main())
